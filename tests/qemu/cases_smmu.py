"""QEMU cases for the SMMUv3 driver and the iommu DMA backend (issue 4), all with
`-M virt,iommu=smmuv3` (QEMU 7.2: stage 1 only, in front of the PCI root bus): a modern
virtio-blk-pci with iommu_platform=on translated through the SMMU, a legacy one and a modern one
without ACCESS_PLATFORM on bypass streams, dma=bounce with only the pool mapped, and a mapping
broken on purpose that must give an SMMU event and a clean failure. Every crc and byte is
checked against the host's disk file; every StreamID comes from the BDF (iommu-map 1:1)."""

import re

from cases_pci import pci_blk
from harness import MiB, Script, case, check, check_device_line, parse_devices, parse_kv, short

SEED = 0x5EED05AA0
SMMU = ["iommu=smmuv3"]
SMMU_NAME = "smmuv3@9050000"  # QEMU virt puts its SMMUv3 at 0x09050000


def io_script(devs):
    s = Script().cmd("devices")
    for n in range(devs):
        s.crc(n, 0, 64).crc(n, 7, 300)
    for n in range(devs):
        s.write(n, 40 + n, 100, SEED + n).crc(n, 39 + n, 102)
    return s.cmd("dma stats").cmd("poweroff")


def map_blk(t, pdisks, want):
    """blkN -> Disk from `devices` (transport=pci@<bdf>), each line with want[blkN]'s values
    (dma=direct unless given)."""
    seg = t.segments[0]
    check(seg is not None, "no `devices` output")
    by_bdf = {p.bdf: p for p in pdisks}
    result = {}
    for d in parse_devices(seg):
        if not d.get("name", "").startswith("blk"):
            continue
        check_device_line(d, **{"type": "blk", "dma": "direct", **want.get(d["name"], {})})
        m = re.fullmatch(r"pci@([0-9a-f]{2}:[0-9a-f]{2}\.[0-7])", d["transport"])
        check(m and m.group(1) in by_bdf, f"{d['name']}: transport={d['transport']}")
        result[int(d["name"][3:])] = by_bdf[m.group(1)]
    check(len(result) == len(pdisks), f"devices lists {len(result)} blk device(s), QEMU has "
          f"{len(pdisks)}: {short(seg)}")
    return result


def smmu_stats(seg):
    """The `smmu=...` line of `dma stats` as a dict."""
    lines = [parse_kv(line) for line in (seg or "").split("\n") if line.startswith("smmu=")]
    check(len(lines) == 1, f"expected one smmu= line in dma stats: {short(seg)}")
    return lines[0]


def run_io(ctx, specs, options=""):
    """Boot with one virtio-blk-pci per (slot, opts, want) in specs; check `devices` against
    want, every crc and write, the disk files, and that the SMMU recorded no fault."""
    pdisks, groups, want = [], [], {}
    for n, (slot, opts, w) in enumerate(specs):
        d, args = pci_blk(ctx, ctx.disk(f"d{n}", 4 * MiB), slot, opts)
        pdisks.append(d)
        groups.append(args)
        want[f"blk{n}"] = w
    s = io_script(len(pdisks))
    t = ctx.run_script(s, ["-nic", "none"], *groups, machine_opts=SMMU, options=options)
    check(re.search(rf"^iommu: {SMMU_NAME}: stage 1", t.boot, re.M),
          f"no iommu line for {SMMU_NAME} in the boot log")
    blks = map_blk(t, pdisks, want)
    s.verify(t, {n: p.disk for n, p in blks.items()})
    for p in pdisks:
        p.disk.verify_file()
    stats = smmu_stats(t.segments[-2])
    check(stats.get("smmu") == "0x9050000", f"smmu={stats.get('smmu')}")
    check(stats.get("faults") == "0", f"the SMMU recorded faults: {stats}")
    check("event type=" not in t.text, "an SMMU event was printed")
    return t


@case("smmu-iommu-modern")
def smmu_iommu_modern(ctx):
    """modern virtio-blk-pci, iommu_platform=on, behind the SMMU: dma=iommu, data right"""
    run_io(ctx, [(5, "disable-legacy=on,iommu_platform=on",
                  {"version": "modern", "dma": "iommu", "why": f"behind {SMMU_NAME}",
                   "stream": hex(5 << 3)})])


@case("smmu-legacy-bypass")
def smmu_legacy_bypass(ctx):
    """legacy virtio-blk-pci with the SMMU on: direct through a bypass stream, data right"""
    run_io(ctx, [(5, "disable-modern=on",
                  {"version": "legacy", "why": "legacy device: bypasses IOMMU"})])


@case("smmu-modern-without-access-platform")
def smmu_modern_no_access_platform(ctx):
    """modern virtio-blk-pci without iommu_platform, SMMU on: direct via bypass, data right"""
    run_io(ctx, [(5, "disable-legacy=on", {"version": "modern", "why": "no ACCESS_PLATFORM"})])


@case("smmu-three-streams")
def smmu_three_streams(ctx):
    """translated, legacy-bypass and no-ACCESS_PLATFORM devices at once on one bus"""
    run_io(ctx, [(3, "disable-legacy=on,iommu_platform=on", {"dma": "iommu"}),
                 (4, "disable-modern=on", {"version": "legacy"}),
                 (6, "disable-legacy=on", {"why": "no ACCESS_PLATFORM"})])


@case("smmu-bounce")
def smmu_bounce(ctx):
    """dma=bounce behind the SMMU: bounce, only the pool mapped, the event queue stays empty"""
    run_io(ctx, [(5, "disable-legacy=on,iommu_platform=on",
                  {"version": "modern", "dma": "bounce", "why": "dma=bounce"})],
           options="dma=bounce")


@case("smmu-broken-mapping")
def smmu_broken_mapping(ctx):
    """`iommu fault blk0`: the next mapping is left out, the device faults, an SMMU event is
    printed and the request fails cleanly; the shell goes on"""
    d, args = pci_blk(ctx, ctx.disk("d0", 4 * MiB), 5, "disable-legacy=on,iommu_platform=on")
    s = (Script().crc(0, 0, 8).cmd("iommu fault blk0").error("blk crc 0 0 8")
         .cmd("dma stats").cmd("poweroff"))
    t = ctx.run_script(s, ["-nic", "none"], args, machine_opts=SMMU, options="timeout=3000")
    s.verify(t, {0: d.disk})
    events = re.findall(rf"^{SMMU_NAME}: event type=(\S+) id=0x[0-9a-f]+ stream=(0x[0-9a-f]+)"
                        r" addr=0x([0-9a-f]+)", t.segments[2], re.M)
    check(events, f"no SMMU event printed for the broken mapping: {short(t.segments[2])}")
    for kind, stream, addr in events:
        check(kind == "F_TRANSLATION", f"event type={kind}, expected F_TRANSLATION")
        check(stream == hex(5 << 3), f"event stream={stream}, expected {hex(5 << 3)}")
        check(int(addr, 16) >= 1 << 40, f"faulting address 0x{addr} is not an IOVA")
    stats = smmu_stats(t.segments[3])
    check(int(stats.get("faults", "0")) == len(events),
          f"faults={stats.get('faults')} but {len(events)} event(s) printed")
