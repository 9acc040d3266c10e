"""QEMU cases for libvireo: a minimal firmware (tests/firmware/) that links only libvireo.a
and includes only the installed public header, booted in place of the vireo image."""

import os
import re

from harness import case, check, short


def firmware(ctx):
    path = os.path.join(os.path.dirname(ctx.image), "tests", "firmware", "minimal.bin")
    check(os.path.isfile(path), f"no minimal firmware at {path} (make firmware)")
    return path


@case("lib-minimal-firmware")
def lib_minimal_firmware(ctx):
    """the embedding API: init, list devices (mmio legacy + pci modern), read, write, shut down"""
    d0 = ctx.disk("d0", 64 * 512, b"mmio disk of the minimal firmware")
    d1 = ctx.disk("d1", 128 * 512, b"pci disk of the minimal firmware")
    args = ctx.mmio_blk(d0) + [
        "-drive", f"if=none,file={d1.path},format=raw,id=pd1",
        "-device", "virtio-blk-pci,drive=pd1,disable-legacy=on,iommu_platform=on",
        "-netdev", "user,id=n0", "-device", "virtio-net-pci,netdev=n0,disable-legacy=on",
        "-device", "virtio-rng-device,bus=virtio-mmio-bus.29"]
    ctx.image = firmware(ctx)
    with ctx.vm("", args, machine_opts=("highmem=off",)) as vm:
        rc = vm.wait_exit(ctx.seconds(60))
        out = vm.output
    check(rc == 0, f"QEMU exited with status {rc}: {short(out[-400:])}")
    check("fw: vireo_init=0" in out, f"init failed: {short(out[-400:])}")
    devs = re.findall(r"^fw: device (\S+) type=(\d+) at (\S+) dma=(\S+) capacity=(\d+)$", out,
                      re.M)
    got = sorted((n, int(ty), t.split("@")[0], dma, int(cap)) for n, ty, t, dma, cap in devs)
    # options "dma=bounce": the legacy mmio devices stay direct, the modern pci disk (it
    # offers ACCESS_PLATFORM) bounces, the modern pci NIC (it does not) is direct;
    # capacities are the disk files' sizes in sectors; virtio ids 1 net, 2 blk, 4 rng.
    want = [("blk0", 2, "mmio", "direct", 64), ("blk1", 2, "pci", "bounce", 128),
            ("net0", 1, "pci", "direct", 0), ("rng0", 4, "mmio", "direct", 0)]
    check(got == want, f"devices: want {want}, got {got}")
    # QEMU's user network answers ARP for its gateway with slirp's fixed MAC.
    check(re.search(r"^fw: net0 send=0$", out, re.M), f"send failed: {short(out[-600:])}")
    check(re.search(r"^fw: net0 arp reply from 10\.0\.2\.2 mac=52:55:0a:00:02:02$", out, re.M),
          f"no ARP reply through vireo_net_recv: {short(out[-600:])}")
    m = re.search(r"^fw: rng0 read=(-?\d+) hex=([0-9a-f]*)$", out, re.M)
    check(m and m.group(1) == "16" and len(m.group(2)) == 32 and len(set(m.group(2))) > 4,
          f"rng: {m and m.groups()}")
    for name, disk in (("blk0", d0), ("blk1", d1)):
        m = re.search(rf'^fw: {name} sector0 read=(-?\d+) text="(.*)"$', out, re.M)
        want = disk.read(0, 1)[:32].split(b"\0")[0].decode()
        check(m and m.group(1) == "0" and m.group(2) == want,
              f"{name} sector 0: want {want!r}, got {m and m.groups()}")
    check(re.search(r"^fw: blk0 async submitted=8 completed=8 same=8$", out, re.M),
          f"asynchronous reads: {short(chr(10).join(re.findall(r'^fw: blk0 async.*$', out, re.M)))}")
    check(re.search(r"^fw: blk0 sector1 write=0$", out, re.M), "write did not succeed")
    check(re.search(r"^fw: blk0 past the end read=-34$", out, re.M), "no -ERANGE past the end")
    m = re.search(r"^fw: vireo_shutdown=(-?\d+) pages_outstanding=(\d+)$", out, re.M)
    check(m and m.group(1) == "0", f"shutdown: {m and m.groups()}")
    # What stays allocated after shutdown: the 4 MiB malloc heap and the 1 MiB bounce pool
    # (its slots were all returned), nothing else: rings and queues were given back.
    check(int(m.group(2)) == (4 << 20) // 4096 + (1 << 20) // 4096,
          f"pages still allocated after shutdown: {m.group(2)}")
    d0.expected[512:1024] = b"written by the minimal firmware".ljust(512, b"\0")
    d0.written.append((1, 1))
    d0.verify_file()
    d1.verify_file()
