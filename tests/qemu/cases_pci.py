"""QEMU cases for issue 3: virtio-blk-pci modern (disable-legacy=on), legacy (disable-modern=on),
transitional (QEMU's default), behind a pcie-root-port, with -M virt,highmem=off, two devices on
one bus, and the StreamID and INTx the `pci` command reports. Every expected crc and byte comes
from the host's disk files; every expected BDF, IRQ and StreamID from the QEMU command line."""

import re

from harness import MiB, Script, case, check, check_device_line, parse_kv, parse_devices, short

SEED = 0x5EED0FC0FFEE
GIC_SPI_BASE = 32
VIRT_PCIE_IRQ = 3  # QEMU virt: PCIe INTx are SPIs 3-6, swizzled by slot


class PciDisk:
    """A disk QEMU attaches as virtio-blk-pci at a known BDF."""

    def __init__(self, disk, bdf, slot, opts=""):
        self.disk, self.bdf, self.slot, self.opts = disk, bdf, slot, opts


def pci_blk(ctx, disk, addr, opts="", bus=None, bdf=None):
    """QEMU arguments for `disk` as virtio-blk-pci in slot `addr` (of the root bus or `bus`)."""
    drive = f"pd{addr}{bus or ''}"
    dev = f"virtio-blk-pci,drive={drive},addr={addr:#x}"
    if bus:
        dev += f",bus={bus}"
    if opts:
        dev += f",{opts}"
    args = ["-drive", f"if=none,file={disk.path},format=raw,id={drive}", "-device", dev]
    return PciDisk(disk, bdf or f"00:{addr:02x}.0", addr), args


def script(devs):
    s = Script().cmd("devices").cmd("pci").cmd("blk info")
    for n in range(devs):
        s.crc(n, 0, 64).crc(n, 5, 33)
    for n in range(devs):
        s.write(n, 30 + n, 6, SEED + n)
    for n in range(devs):
        s.crc(n, 30 + n, 6)
    return s.cmd("poweroff")


def pci_lines(seg):
    """The `pci` output: bdf -> its key=value dict."""
    check(seg is not None, "no `pci` output")
    lines = [parse_kv(line) for line in seg.split("\n") if re.search(r"\bbdf=", line)]
    return {d["bdf"]: d for d in lines}


def map_blk(t, pdisks, **want):
    """blkN -> Disk from `devices` (transport=pci@<bdf>), each line with `want`'s values."""
    seg = t.segments[0]
    check(seg is not None, "no `devices` output")
    by_bdf = {p.bdf: p for p in pdisks}
    result = {}
    for d in parse_devices(seg):
        if not d.get("name", "").startswith("blk"):
            continue
        check_device_line(d, type="blk", dma="direct", **want.get(d["name"], {}))
        m = re.fullmatch(r"pci@([0-9a-f]{2}:[0-9a-f]{2}\.[0-7])", d["transport"])
        check(m and m.group(1) in by_bdf,
              f"{d['name']}: transport={d['transport']} is not where QEMU put a disk "
              f"({', '.join(by_bdf)})")
        result[int(d["name"][3:])] = by_bdf[m.group(1)]
    check(len(result) == len(pdisks),
          f"devices lists {len(result)} blk device(s), QEMU has {len(pdisks)}: {short(seg)}")
    return result


def check_pci(t, blks, bridge=None):
    """Each disk's `pci` line names its driver, has an assigned BAR, and the IRQ QEMU's board
    wires: slot s (on the root bus; below a root port, the port's slot with INTA) -> SPI
    3 + s % 4."""
    lines = pci_lines(t.segments[1])
    for n, p in blks.items():
        check(p.bdf in lines, f"`pci` has no line for {p.bdf}: {short(t.segments[1])}")
        line = lines[p.bdf]
        check(line.get("driver") == f"blk{n}", f"{p.bdf}: driver={line.get('driver')}, "
              f"expected blk{n}")
        check(line.get("id", "").startswith("1af4:"), f"{p.bdf}: id={line.get('id')}")
        check(any(re.fullmatch(r"(io|mem32|mem64)p?:0x[0-9a-f]+/0x[0-9a-f]+", v)
                  for k, v in line.items() if k.startswith("bar")),
              f"{p.bdf}: no assigned BAR: {line}")
        slot = bridge if bridge is not None else p.slot
        irq = GIC_SPI_BASE + VIRT_PCIE_IRQ + slot % 4
        check(line.get("irq") == str(irq), f"{p.bdf}: irq={line.get('irq')}, expected {irq}")
    return lines


def run(ctx, pdisks, groups, machine_opts=(), want=None, bridge=None):
    s = script(len(pdisks))
    t = ctx.run_script(s, ["-nic", "none"], *groups, machine_opts=machine_opts)
    blks = map_blk(t, pdisks, **(want or {}))
    s.verify(t, {n: p.disk for n, p in blks.items()})
    for p in pdisks:
        p.disk.verify_file()
    return t, check_pci(t, blks, bridge)


def one_disk(ctx, opts, version, machine_opts=()):
    d, args = pci_blk(ctx, ctx.disk("d0", 4 * MiB), 5, opts)
    run(ctx, [d], [args], machine_opts, want={"blk0": {"version": version}})


@case("pci-blk-modern")
def pci_blk_modern(ctx):
    """virtio-blk-pci,disable-legacy=on: modern capabilities, crcs and a write verified"""
    one_disk(ctx, "disable-legacy=on", "modern")


@case("pci-blk-legacy")
def pci_blk_legacy(ctx):
    """virtio-blk-pci,disable-modern=on: the legacy I/O BAR, crcs and a write verified"""
    one_disk(ctx, "disable-modern=on", "legacy")


@case("pci-blk-transitional")
def pci_blk_transitional(ctx):
    """virtio-blk-pci as QEMU makes it by default (transitional): driven as modern"""
    one_disk(ctx, "", "modern")


@case("pci-blk-highmem-off")
def pci_blk_highmem_off(ctx):
    """-M virt,highmem=off: ECAM at 0x3f000000, no 64-bit window; BARs below 4 GiB"""
    d, args = pci_blk(ctx, ctx.disk("d0", 4 * MiB), 5)
    _, lines = run(ctx, [d], [args], machine_opts=["highmem=off"])
    for k, v in lines[d.bdf].items():
        m = re.fullmatch(r"\w+:0x([0-9a-f]+)/0x[0-9a-f]+", v) if k.startswith("bar") else None
        check(not m or int(m.group(1), 16) < 2**32, f"{d.bdf}: {k}={v} above 4 GiB")


@case("pci-blk-root-port")
def pci_blk_root_port(ctx):
    """virtio-blk-pci behind a pcie-root-port: bus numbers, bridge windows, INTx swizzle"""
    port = ["-device", "pcie-root-port,id=rp0,chassis=1,addr=0x6"]
    d, args = pci_blk(ctx, ctx.disk("d0", 4 * MiB), 0, bus="rp0", bdf="01:00.0")
    _, lines = run(ctx, [d], [port, args], bridge=6)
    check("00:06.0" in lines, "`pci` has no line for the root port 00:06.0")
    check(lines["00:06.0"].get("buses") == "01-01",
          f"root port: buses={lines['00:06.0'].get('buses')}, expected 01-01")


@case("pci-blk-two-devices")
def pci_blk_two_devices(ctx):
    """a modern and a legacy virtio-blk-pci on one bus: each crc and write on its own disk"""
    d0, a0 = pci_blk(ctx, ctx.disk("d0", 4 * MiB), 4, "disable-legacy=on")
    d1, a1 = pci_blk(ctx, ctx.disk("d1", 2 * MiB), 7, "disable-modern=on")
    run(ctx, [d0, d1], [a0, a1])


@case("pci-blk-smmu-stream")
def pci_blk_smmu_stream(ctx):
    """-M virt,iommu=smmuv3: the `pci` line shows StreamID = requester id (iommu-map 1:1)"""
    d, args = pci_blk(ctx, ctx.disk("d0", 4 * MiB), 5)
    _, lines = run(ctx, [d], [args], machine_opts=["iommu=smmuv3"])
    rid = 5 << 3
    check(lines[d.bdf].get("stream") == hex(rid),
          f"{d.bdf}: stream={lines[d.bdf].get('stream')}, expected {hex(rid)}")
