"""QEMU cases for the DMA backends that need no IOMMU (issue 4): bounce buffering forced by
`dma=bounce`, and a restricted-dma-pool assigned through `memory-region` in a DTB the test
builds. Every crc and byte is checked against the host's disk file."""

import os
import re
import subprocess

from harness import CaseFailed, MiB, Script, blk_devices, case, check, short

SEED = 0x5EED0BADC0FFEE
POOL_BASE = 0x5C000000  # inside the 512 MiB of RAM QEMU virt gives at 0x40000000
POOL_SIZE = 4 * MiB
POOL_PHANDLE = 0x7E57


def io_script():
    return (Script().cmd("devices")
            .crc(0, 0, 64).crc(0, 5, 300)
            .write(0, 40, 100, SEED).crc(0, 39, 102)
            .cmd("dma stats").cmd("poweroff"))


def with_iommu_platform(args):
    """mmio_blk() arguments with the device offering VIRTIO_F_ACCESS_PLATFORM."""
    return args[:-1] + [args[-1] + ",iommu_platform=on"]


MODERN = ["-global", "virtio-mmio.force-legacy=false"]


def dma_stats_line(seg, name):
    for line in (seg or "").splitlines():
        if re.search(rf"\bname={name}\b", line):
            return dict(re.findall(r"(\w+)=(\S+)", line))
    return None


def pool_line(seg, name):
    for line in (seg or "").splitlines():
        if line.startswith(f"pool={name} "):
            return dict(re.findall(r"(\w+)=(\S+)", line))
    raise CaseFailed(f"no pool={name} line in dma stats: {short(seg or '')}")


@case("dma-bounce-option")
def dma_bounce_option(ctx):
    """dma=bounce with a modern device offering ACCESS_PLATFORM: bounce, data right"""
    disk = ctx.disk("d0", 4 * MiB)
    s = io_script()
    t = ctx.run_script(s, with_iommu_platform(ctx.mmio_blk(disk)), MODERN, options="dma=bounce")
    devs = blk_devices(t, {disk.mmio_slot: disk}, version="modern", dma="bounce")
    s.verify(t, devs)
    stats = dma_stats_line(t.segments[5], "blk0")
    check(stats is not None, f"no dma stats line for blk0: {short(t.segments[5] or '')}")
    check(stats.get("backend") == "bounce", f"dma stats backend: {stats}")
    # crc reads 64+300+102 sectors and the write 100: at least that much was copied.
    check(int(stats.get("bounce_bytes", "0")) >= (64 + 300 + 102 + 100) * 512,
          f"bounce_bytes too small for what was transferred: {stats}")
    pool = pool_line(t.segments[5], "bounce-pool")
    # Only the ring stays allocated once every request is done; the data went through it.
    check(0 < int(pool["used"]) < int(pool["high_water"]) <= int(pool["size"]),
          f"pool use and high-water mark not as expected: {pool}")
    disk.verify_file()


@case("dma-bounce-option-leaves-legacy-direct")
def dma_bounce_option_legacy(ctx):
    """dma=bounce with a legacy device: it cannot say ACCESS_PLATFORM, so it stays direct"""
    disk = ctx.disk("d0", 4 * MiB)
    s = io_script()
    t = ctx.run_script(s, ctx.mmio_blk(disk), options="dma=bounce")
    devs = blk_devices(t, {disk.mmio_slot: disk}, version="legacy", dma="direct")
    s.verify(t, devs)
    disk.verify_file()


@case("dma-modern-without-access-platform-is-direct")
def dma_modern_direct(ctx):
    """a modern device without ACCESS_PLATFORM: direct, reason says so"""
    disk = ctx.disk("d0", 4 * MiB)
    s = io_script()
    t = ctx.run_script(s, ctx.mmio_blk(disk), MODERN)
    devs = blk_devices(t, {disk.mmio_slot: disk}, version="modern", dma="direct")
    check('why="no ACCESS_PLATFORM"' in t.segments[0], f"reason: {short(t.segments[0])}")
    s.verify(t, devs)
    disk.verify_file()


def dtb_with_restricted_pool(ctx, node_address, machine="virt", memory="512M"):
    """QEMU's own DTB for `machine` with a restricted-dma-pool in /reserved-memory, assigned to
    the virtio-mmio node at `node_address` through memory-region."""
    dtb = os.path.join(ctx.workdir, "virt.dtb")
    subprocess.run(["qemu-system-aarch64", "-M", f"{machine},dumpdtb={dtb}", "-cpu",
                    "cortex-a57", "-m", memory, "-nographic", "-nic", "none"],
                   check=True, capture_output=True, timeout=60)
    dts = subprocess.run(["dtc", "-q", "-I", "dtb", "-O", "dts", dtb], check=True,
                         capture_output=True, text=True, timeout=60).stdout
    check(f"phandle = <{POOL_PHANDLE:#x}>" not in dts, "phandle already used")
    node = f"virtio_mmio@{node_address:x} {{"
    check(node in dts, f"no {node} in QEMU's DTB")
    dts = dts.replace(node, node + f"\n\t\tmemory-region = <{POOL_PHANDLE:#x}>;", 1)
    pool = (f"\treserved-memory {{\n\t\t#address-cells = <0x02>;\n\t\t#size-cells = <0x02>;\n"
            f"\t\tranges;\n\t\trestricted@{POOL_BASE:x} {{\n"
            f"\t\t\tcompatible = \"restricted-dma-pool\";\n"
            f"\t\t\treg = <0x00 {POOL_BASE:#x} 0x00 {POOL_SIZE:#x}>;\n"
            f"\t\t\tphandle = <{POOL_PHANDLE:#x}>;\n\t\t}};\n\t}};\n")
    end = dts.rindex("};")  # the root node's end: subnodes come after its properties
    dts = dts[:end] + pool + dts[end:]
    out = os.path.join(ctx.workdir, "pool.dtb")
    subprocess.run(["dtc", "-q", "-I", "dts", "-O", "dtb", "-o", out, "-"], input=dts,
                   check=True, text=True, timeout=60)
    return out


@case("dma-restricted-dma-pool")
def dma_restricted_pool(ctx):
    """a virtio-mmio node with memory-region -> restricted-dma-pool: bounce from that pool"""
    disk = ctx.disk("d0", 4 * MiB)
    blk = with_iommu_platform(ctx.mmio_blk(disk))
    dtb = dtb_with_restricted_pool(ctx, 0x0A000000 + 0x200 * disk.mmio_slot)
    s = io_script()
    t = ctx.run_script(s, blk, MODERN, ["-dtb", dtb])
    devs = blk_devices(t, {disk.mmio_slot: disk}, version="modern", dma="bounce")
    check('why="restricted-dma-pool"' in t.segments[0], f"reason: {short(t.segments[0])}")
    check(re.search(rf"0x0*{POOL_BASE:x}", t.boot, re.I),
          f"the boot log does not show the pool at {POOL_BASE:#x} reserved")
    pool = pool_line(t.segments[5], "restricted-dma-pool")
    check(int(pool["base"], 16) == POOL_BASE and int(pool["size"]) == POOL_SIZE,
          f"dma stats shows another pool than the DT's: {pool}")
    s.verify(t, devs)
    disk.verify_file()
