"""QEMU cases for `make bench`'s peers (issue 13). Linux: the initramfs bench_linux.py builds
(busybox, the virtio modules, Debian's arm64 fio and every library it loads) boots Debian's
kernel, and its /init runs fio on /dev/vda: a 1 MiB direct write of a pattern and 64 random
4 KiB reads at queue depth 4, through libaio. The host checks fio's JSON (the byte and request
counts it was asked for) and that the disk file holds the pattern where fio wrote it and its
old bytes everywhere else. U-Boot: Debian's u-boot-qemu, driven as bench_uboot.py drives it
(autoboot stopped, the disks found in `dm tree`, a 64 MiB ext4 file loaded from each), its
crc32 of the loaded file checked against zlib's.

The payloads are fetched on demand (scripts/deps.sh --bench-peers); when that is impossible the
case is skipped (SKIP, counted as skipped), never passed."""

import os
import time

import bench_linux
import vm as vmlib
from harness import MiB, CaseSkipped, case, check, short

PATTERN = bytes.fromhex("5aa5c33c")
COMMON = f"--direct=1 --ioengine={bench_linux.ENGINE}"
JOBS = [bench_linux.Job("write1m", f"--rw=write --bs=64k --iodepth=1 --size=1M "
                                   f"--buffer_pattern=0x{PATTERN.hex()} {COMMON}"),
        bench_linux.Job("rand64", f"--rw=randread --bs=4k --iodepth=4 --number_ios=64 "
                                  f"--norandommap {COMMON}")]


def payload():
    try:
        kernel = bench_linux.kernel()
        bench_linux.fio_files()
    except bench_linux.PeerMissing:
        out = bench_linux.fetch()
        try:
            kernel = bench_linux.kernel()
            bench_linux.fio_files()
        except bench_linux.PeerMissing as e:
            raise CaseSkipped(short(bench_linux.reason(out, "fio", str(e)))) from e
    return kernel


@case("bench-linux-initramfs-runs-fio", timeout=300)
def bench_linux_initramfs(ctx):
    """make bench's Linux initramfs: /init runs Debian's fio on vda (1 MiB pattern write, 64
    random reads); fio's JSON counts and the pattern in the disk file are checked"""
    kernel = payload()
    start = time.monotonic()
    rd = os.path.join(ctx.workdir, "initramfs.cpio.gz")
    with open(rd, "wb") as f:
        f.write(bench_linux.initramfs(JOBS, 1, 1))
    disk = ctx.disk("d0", 4 * MiB)
    log = os.path.join(ctx.logdir, f"{ctx.name}.log")
    ctx.logs.append(log)
    extra = ["-nic", "none", "-initrd", rd, *ctx.mmio_blk(disk, slot=31)]
    with vmlib.VM(kernel, append="console=ttyAMA0 rdinit=/init quiet", extra=extra,
                  memory="1G", log_path=log, deadline=ctx.deadline, echo=ctx.echo) as vm:
        rc = vm.wait_exit(ctx.deadline - time.monotonic())
        text = vm.output
    check("Kernel panic" not in text, "the kernel panicked: " + short(
        text[text.find("Kernel panic"):]))
    disks, results, notes = bench_linux.parse(text)
    check(any(k == "fio-version" and t.startswith("fio-") for k, t in notes),
          "fio did not start: " + short(str([t for k, t in notes if k == "fio-broken"])))
    check(list(disks) == ["vda"] and f"/{vmlib.virtio_mmio_address(31):x}.virtio_mmio/"
          in disks["vda"] + "/", f"/init did not find the one mmio disk: {disks}")
    write = results.get(("vda", "write1m"), [])
    check(len(write) == 1 and "error" not in write[0],
          f"no fio result for the write: {short(str(write))}")
    check(write[0]["bw_bytes"] > 0 and write[0]["ios"] == MiB // (64 * 1024),
          f"fio wrote {write[0]['ios']} requests, expected {MiB // (64 * 1024)}")
    read = results.get(("vda", "rand64"), [])
    check(len(read) == 1 and "error" not in read[0],
          f"no fio result for the random reads: {short(str(read))}")
    check(read[0]["ios"] == 64 and read[0]["iops"] > 0,
          f"fio did {read[0]['ios']} random reads, expected 64")
    check("bench-done" in text, "/init did not reach its end")
    check(rc == 0, f"QEMU exited with status {rc}")
    disk.expected[:MiB] = PATTERN * (MiB // len(PATTERN))
    disk.written.append((0, MiB // 512))
    disk.verify_file()
    print(f"     ({ctx.name}: initramfs built and fio ran in {time.monotonic() - start:.0f}s)",
          flush=True)


@case("bench-uboot-reads-the-disks", timeout=300)
def bench_uboot_reads(ctx):
    """make bench's U-Boot peer: Debian's u-boot-qemu stops its autoboot, finds the mmio and pci
    disks in `dm tree` and loads the 64 MiB file from each; U-Boot's crc32 of it is zlib's"""
    import bench_uboot

    bios = os.path.join(bench_linux.UBOOT_DIR, "u-boot.bin")
    if not os.path.isfile(bios):
        out = bench_linux.fetch()
        if not os.path.isfile(bios):
            raise CaseSkipped(short(bench_linux.reason(out, "u-boot", "no u-boot.bin")))
    log = os.path.join(ctx.logdir, f"{ctx.name}.log")
    ctx.logs.append(log)
    disks = [("mmio/direct", "virtio-blk-device,drive=u0,bus=virtio-mmio-bus.31", "u0"),
             ("pci/direct", "virtio-blk-pci,drive=u1,disable-legacy=on,addr=0x2", "u1")]
    try:
        results, version = bench_uboot.run(bios, ctx.workdir, disks, log, ctx.deadline)
    except bench_uboot.PeerMissing as e:
        raise CaseSkipped(short(str(e))) from e
    check(version.startswith("U-Boot "), f"no U-Boot version line: {short(version)}")
    for label, _, _ in disks:
        r = results.get(label, {})
        check("error" not in r, f"{label}: {short(r.get('error', ''))}")
        check(len(r["load_runs_mbps"]) == 3 and all(x > 0 for x in r["load_runs_mbps"]),
              f"{label}: load did not report three timed reads: {r}")
