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
        "-device", "virtio-blk-pci,drive=pd1,disable-legacy=on,iommu_platform=on"]
    ctx.image = firmware(ctx)
    with ctx.vm("", args, machine_opts=("highmem=off",)) as vm:
        rc = vm.wait_exit(ctx.seconds(60))
        out = vm.output
    check(rc == 0, f"QEMU exited with status {rc}: {short(out[-400:])}")
    check("fw: vireo_init=0" in out, f"init failed: {short(out[-400:])}")
    devs = re.findall(r"^fw: device (\S+) type=(\d+) at (\S+) dma=(\S+) capacity=(\d+)$", out,
                      re.M)
    check(len(devs) == 2, f"want 2 devices, got {devs}")
    by_transport = {t.split("@")[0]: (n, int(ty), dma, int(cap)) for n, ty, t, dma, cap in devs}
    # options "dma=bounce": the legacy mmio disk stays direct, the modern ACCESS_PLATFORM
    # disk bounces; capacities are the disk files' sizes.
    check(by_transport.get("mmio") == ("blk0", 2, "direct", 64), f"mmio disk: {by_transport}")
    check(by_transport.get("pci") == ("blk1", 2, "bounce", 128), f"pci disk: {by_transport}")
    for name, disk in (("blk0", d0), ("blk1", d1)):
        m = re.search(rf'^fw: {name} sector0 read=(-?\d+) text="(.*)"$', out, re.M)
        want = disk.read(0, 1)[:32].split(b"\0")[0].decode()
        check(m and m.group(1) == "0" and m.group(2) == want,
              f"{name} sector 0: want {want!r}, got {m and m.groups()}")
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
