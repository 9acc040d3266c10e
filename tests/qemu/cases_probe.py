"""vireo-probe (build/host/vireo-probe, built with ASan and UBSan) on every DTB in tests/host/dts
and on QEMU's own DTBs. Every printed fact is compared with what tests/qemu/fdt_read.py, an
independent reader, finds in the same blob; the expected DMA backends come from the policy
table in README.md, applied here to the DT facts. No guest is booted."""

import glob
import os
import random
import re
import subprocess

from fdt_read import Tree
from harness import case, check, short

SANITIZER_RE = re.compile(r"AddressSanitizer|LeakSanitizer|runtime error:|Segmentation fault")


def probe_path(ctx):
    path = os.path.join(ctx.build, "host", "vireo-probe")
    check(os.access(path, os.X_OK), f"{path} is not built (make probe)")
    return path


def run_probe(ctx, dtb, *args):
    p = subprocess.run([probe_path(ctx), dtb, *args], capture_output=True, text=True,
                       timeout=60)
    check(not SANITIZER_RE.search(p.stderr + p.stdout),
          f"vireo-probe {os.path.basename(dtb)}: sanitizer report: {short(p.stderr, 400)}")
    return p


def facts_of(ctx, dtb, *args):
    p = run_probe(ctx, dtb, *args)
    check(p.returncode == 0, f"vireo-probe {dtb} exited {p.returncode}: {short(p.stderr)}")
    facts = {}
    for line in p.stdout.splitlines():
        check("=" in line, f"not key=value: {line!r}")
        key, _, value = line.partition("=")
        if key.startswith("refused.") and key != "refused.count":
            key = f"refused:{value.split(':')[0]}"
        check(key not in facts, f"{key} printed twice")
        facts[key] = value
    return facts


def hexrange(base, size):
    return f"{base:#x}+{size:#x}"


def want(facts, key, value, where):
    check(facts.get(key) == value, f"{where}: {key}={facts.get(key)!r}, the DT says {value!r}")


# ---------------------------------------------------------------------- expected facts

def expect_console(t, facts, where):
    def usable(n):
        return (n is not None and n.compatible("arm,pl011") and n.enabled()
                and t.reg(n) is not None)

    chosen = t.find("/chosen")
    path = chosen.string("stdout-path") if chosen is not None else None
    node = t.resolve_path(path.split(":")[0]) if path else None
    options = path.split(":", 1)[1] if path and ":" in path else None
    if not usable(node):
        node = next((n for n in t.compatible("arm,pl011") if usable(n)), None)
        options = None
    if node is None:
        want(facts, "console", "none", where)
        return
    want(facts, "console.node", node.path, where)
    want(facts, "console.base", f"{t.reg(node)[0]:#x}", where)
    want(facts, "console.options", options, where)


def expect_memory(t, facts, where):
    ram = []
    for n in t.root.walk():
        if n.string("device_type") == "memory" and n.enabled():
            ram += [r for r in t.regs(n) if r[1] != 0]
    if not ram:
        want(facts, "memory", "none", where)
        return
    for i, r in enumerate(ram):
        want(facts, f"memory.ram.{i}", hexrange(*r), where)
    want(facts, f"memory.ram.{len(ram)}", None, where)
    resv = [r for r in t.memreserve if r[1] != 0]
    rm = t.find("/reserved-memory")
    for c in (rm.children if rm is not None else []):
        if c.enabled():
            resv += t.regs(c)
    for i, r in enumerate(resv):
        check(facts.get(f"memory.reserved.{i}", "").startswith(hexrange(*r) + " "),
              f"{where}: memory.reserved.{i}={facts.get(f'memory.reserved.{i}')!r}, "
              f"the DT reserves {hexrange(*r)}")
    # Every free range lies in RAM and misses every reservation (rounded out to pages).
    i = 0
    while f"memory.free.{i}" in facts:
        base, size = (int(x, 16) for x in facts[f"memory.free.{i}"].split("+"))
        check(any(b <= base and base + size <= b + s for b, s in ram),
              f"{where}: free range {base:#x}+{size:#x} is not inside RAM")
        check(all(base + size <= b & ~0xFFF or base >= (b + s + 0xFFF) & ~0xFFF
                  for b, s in resv), f"{where}: free range {base:#x}+{size:#x} is reserved")
        i += 1
    check(i > 0, f"{where}: RAM but no free range")


def expect_gic(t, facts, where):
    v3 = t.compatible("arm,gic-v3")
    v2 = [n for c in ("arm,gic-400", "arm,cortex-a15-gic") for n in t.compatible(c)]
    gic = (v3 or v2 or [None])[0]
    if gic is None:
        want(facts, "gic.version", "none", where)
        return
    want(facts, "gic.version", "3" if v3 else "2", where)
    want(facts, "gic.dist", hexrange(*t.reg(gic, 0)), where)
    if not v3:
        want(facts, "gic.cpu", hexrange(*t.reg(gic, 1)), where)
        frames = [n for n in t.compatible("arm,gic-v2m-frame") if n.enabled()]
        key = "v2m"
    else:
        count = (gic.cells("#redistributor-regions") or [1])[0]
        want(facts, "gic.redist.count", str(count), where)
        for i in range(count):
            want(facts, f"gic.redist.{i}", hexrange(*t.reg(gic, i + 1)), where)
        stride = gic.cells("redistributor-stride")
        want(facts, "gic.redist.stride", f"{Tree.number(stride) if stride else 0:#x}", where)
        frames = [n for n in t.compatible("arm,gic-v3-its") if n.enabled()]
        key = "its"
    for i, n in enumerate(frames):
        want(facts, f"gic.{key}.{i}", hexrange(*t.reg(n)), where)


def expect_timer_psci_cpus(t, facts, where):
    timer = (t.compatible("arm,armv8-timer") or [None])[0]
    cells = (timer.cells("interrupts") if timer is not None else None) or []
    for i, name in enumerate(("sec_phys", "phys", "virt", "hyp")):
        spec = cells[3 * i:3 * i + 3]
        value = str(spec[1] + 16) if len(spec) == 3 and spec[0] == 1 else "none"
        want(facts, f"timer.{name}", value, where)
    psci = t.find("/psci")
    ok = psci is not None and (psci.compatible("arm,psci-0.2") or psci.compatible("arm,psci-1.0"))
    method = psci.string("method") if ok else None
    want(facts, "psci.method", method if method in ("hvc", "smc") else "none", where)
    cpus = t.find("/cpus")
    count = sum(c.string("device_type") == "cpu" for c in (cpus.children if cpus else []))
    want(facts, "cpus", str(count), where)
    want(facts, "cpus.secondaries", "parked", where)


def smmu_up(t, node):
    return node.compatible("arm,smmu-v3") and node.enabled() and t.reg(node) is not None


def expect_smmus(t, facts, where):
    usable = [n for n in t.compatible("arm,smmu-v3") if n.enabled() and t.reg(n) is not None]
    want(facts, "smmu.count", str(len(usable)), where)
    for i, n in enumerate(usable):
        want(facts, f"smmu.{i}.base", hexrange(*t.reg(n)), where)
        want(facts, f"smmu.{i}.dma_coherent", "yes" if t.dma_coherent(n) else "no", where)


def expected_modern_backend(t, node):
    """README's policy table for a VERSION_1 + ACCESS_PLATFORM device, no dma=bounce."""
    rm = node.cells("memory-region")
    if rm and any(t.by_phandle.get(p) is not None and
                  t.by_phandle[p].compatible("restricted-dma-pool") for p in rm):
        return "bounce"
    iommus = node.cells("iommus")
    if iommus:
        return "iommu" if smmu_up(t, t.by_phandle[iommus[0]]) else "refused"
    return "direct"


def expect_virtio(t, facts, where):
    nodes = [n for n in t.compatible("virtio,mmio") if n.enabled() and t.reg(n) is not None
             and (not n.cells("iommus") or n.cells("iommus")[0] in t.by_phandle)]
    want(facts, "virtio.count", str(len(nodes)), where)
    for i, n in enumerate(nodes):
        k = f"virtio.{i}"
        base, size = t.reg(n)
        want(facts, f"{k}.node", n.path, where)
        want(facts, f"{k}.base", f"{base:#x}", where)
        want(facts, f"{k}.size", f"{size:#x}", where)
        irq = t.gic_intid(n)
        if irq is not None:
            want(facts, f"{k}.irq", str(irq[0]), where)
            want(facts, f"{k}.trigger", "edge" if irq[1] else "level", where)
        coherent = t.dma_coherent(n)
        want(facts, f"{k}.dma_coherent", "yes" if coherent else "no", where)
        iommus = n.cells("iommus")
        want(facts, f"{k}.iommu", t.by_phandle[iommus[0]].path if iommus else "none", where)
        want(facts, f"{k}.stream", f"{iommus[1]:#x}" if iommus else "none", where)
        # Legacy: always direct and treated as coherent (README, DMA backends).
        want(facts, f"{k}.legacy.dma", "direct", where)
        want(facts, f"{k}.legacy.coherent", "yes", where)
        modern = expected_modern_backend(t, n)
        want(facts, f"{k}.modern.dma", modern, where)
        if modern == "direct":
            want(facts, f"{k}.modern.coherent", "yes" if coherent else "no", where)
            check(("not coherent" in facts[f"{k}.modern.reason"]) == (not coherent),
                  f"{where}: {k}.modern.reason={facts[f'{k}.modern.reason']!r}")


def pci_windows(t, host):
    """The first I/O, 32-bit and 64-bit memory window of host's ranges, as the README says
    vireo sorts them (a 64-bit window wholly below 4 GiB serves 32-bit BARs)."""
    cells = host.cells("ranges")
    pac, sc = Tree.addr_cells(host.parent), Tree.size_cells(host)
    step = 3 + pac + sc
    out = {}
    for i in range(0, len(cells) - step + 1, step):
        hi, pci = cells[i], Tree.number(cells[i + 1:i + 3])
        cpu = Tree.number(cells[i + 3:i + 3 + pac])
        size = Tree.number(cells[i + 3 + pac:i + step])
        space = hi >> 24 & 3
        kind = {1: "io", 2: "mem", 3: "mem" if pci + size <= 1 << 32 else "mem64"}.get(space)
        if kind and size and kind not in out:
            out[kind] = f"pci {pci:#x}+{size:#x} cpu {cpu:#x}"
    return out


def expect_pci(t, facts, where):
    hosts = [n for n in t.compatible("pci-host-ecam-generic") if n.enabled()]
    good = 0
    for n in hosts:
        k = f"pci.{good}"
        if facts.get(f"refused:{n.path}") is not None:
            continue
        ecam = t.reg(n)
        want(facts, f"{k}.node", n.path, where)
        want(facts, f"{k}.ecam", hexrange(*ecam), where)
        br = n.cells("bus-range") or [0, 255]
        last = min(br[1], br[0] + (ecam[1] >> 20) - 1)
        want(facts, f"{k}.buses", f"{br[0]:02x}-{last:02x}", where)
        for kind, value in pci_windows(t, n).items():
            want(facts, f"{k}.window.{kind}", value, where)
        imap = n.cells("iommu-map")
        if imap:
            want(facts, f"{k}.rid.0x8.iommu",
                 f"{t.by_phandle[imap[1]].path} stream={imap[2] + 8 - imap[0]:#x}", where)
        good += 1
    want(facts, "pci.count", str(good), where)


def check_probe(ctx, dtb, where=None):
    where = where or os.path.basename(dtb)
    facts = facts_of(ctx, dtb)
    with open(dtb, "rb") as f:
        t = Tree(f.read())
    expect_console(t, facts, where)
    expect_memory(t, facts, where)
    expect_gic(t, facts, where)
    expect_timer_psci_cpus(t, facts, where)
    expect_smmus(t, facts, where)
    expect_virtio(t, facts, where)
    expect_pci(t, facts, where)
    return facts, t


def qemu_dtb(ctx, name, machine_opts, *extra):
    dtb = os.path.join(ctx.workdir, f"{name}.dtb")
    subprocess.run(["qemu-system-aarch64", "-M", ",".join(["virt", *machine_opts,
                                                           f"dumpdtb={dtb}"]),
                    "-cpu", "cortex-a57", "-m", "512M", "-nic", "none", "-display", "none",
                    *extra], check=True, capture_output=True, timeout=60)
    return dtb


# ---------------------------------------------------------------------- cases

@case("probe-every-test-dtb")
def probe_every_test_dtb(ctx):
    """vireo-probe on every tests/host/dts tree: each fact agrees with an independent reader"""
    dtbs = sorted(glob.glob(os.path.join(ctx.build, "host", "dtb", "*.dtb")))
    check(len(dtbs) >= 7, f"only {len(dtbs)} DTBs in build/host/dtb (make host-tests)")
    for dtb in dtbs:
        if os.path.basename(dtb) == "dt_malformed.dtb":
            continue  # its properties are broken on purpose: see probe-malformed-input
        check_probe(ctx, dtb)


@case("probe-fvp-shaped-tree")
def probe_fvp_shaped_tree(ctx):
    """the FVP-shaped tree: nested bus addresses, SPIs 42-44, smc, two GICR regions, aliases"""
    dtb = os.path.join(ctx.build, "host", "dtb", "probe_fvp.dtb")
    facts, _ = check_probe(ctx, dtb)
    # Facts of the DTS source, written out by hand (what FVP's DT says).
    fixed = {
        "console.base": "0x1c090000", "console.options": "115200n8", "psci.method": "smc",
        "cpus": "8", "gic.redist.count": "2", "gic.redist.1": "0x2f200000+0x100000",
        "gic.redist.stride": "0x40000", "virtio.0.base": "0x1c130000", "virtio.0.irq": "74",
        "virtio.1.base": "0x1c140000", "virtio.2.base": "0x1c150000", "virtio.2.irq": "76",
        "virtio.2.trigger": "edge", "virtio.0.dma_coherent": "no",
        "virtio.0.modern.dma": "direct", "virtio.0.legacy.coherent": "yes",
        "memory.ram.1": "0x880000000+0x80000000", "smmu.0.base": "0x2b400000+0x100000",
        "pci.0.rid.0x8.iommu": "/iommu@2b400000 stream=0x10008", "refused.count": "0",
    }
    for k, v in fixed.items():
        want(facts, k, v, "probe_fvp.dts")
    check("cache maintenance" in facts["virtio.0.modern.reason"],
          f"non-coherent modern reason: {facts['virtio.0.modern.reason']!r}")


@case("probe-edges-tree")
def probe_edges_tree(ctx):
    """refused nodes say why; PSCI 0.1, a disabled stdout UART, SMMU down, pool, dma-ranges"""
    dtb = os.path.join(ctx.build, "host", "dtb", "probe_edges.dtb")
    facts, _ = check_probe(ctx, dtb)
    for path, why in (("/iommu@5100000", "status"), ("/virtio@a000600", "status"),
                      ("/virtio-noreg", "reg"), ("/virtio@a000800", "iommus"),
                      ("/pcie@30000000", "bus-range")):
        got = facts.get(f"refused:{path}")
        check(got is not None and why in got, f"{path} not refused for its {why}: {got!r}")
    want(facts, "refused.count", "5", "probe_edges.dts")
    want(facts, "psci.method", "none", "probe_edges.dts")
    want(facts, "console.node", "/uart@1001000", "probe_edges.dts")
    want(facts, "virtio.2.modern.dma", "refused", "probe_edges.dts")
    check("not up" in facts["virtio.2.modern.reason"], "refusal reason for an SMMU that is off")
    want(facts, "virtio.3.dma_ranges", "cpu 0x40000000 dev 0x0 size 0x10000000", "probe_edges")
    # dma=bounce on the command line: every modern device that may bounce does.
    bounce = facts_of(ctx, dtb, "dma=bounce")
    for i in range(4):
        if facts[f"virtio.{i}.modern.dma"] != "refused":
            want(bounce, f"virtio.{i}.modern.dma", "bounce", "dma=bounce")
        want(bounce, f"virtio.{i}.legacy.dma", "direct", "dma=bounce")


@case("probe-qemu-dumpdtb-matrix", timeout=120)
def probe_qemu_dumpdtb_matrix(ctx):
    """QEMU virt's own DTB, gic-version 2/3 x highmem on/off x iommu=smmuv3: facts agree"""
    for gic in (2, 3):
        for highmem in ("on", "off"):
            for iommu in ((), ("iommu=smmuv3",)):
                opts = (f"gic-version={gic}", f"highmem={highmem}", *iommu)
                dtb = qemu_dtb(ctx, "-".join(opts).replace("=", ""), opts)
                facts, t = check_probe(ctx, dtb, ",".join(opts))
                want(facts, "gic.version", str(gic), ",".join(opts))
                want(facts, "smmu.count", "1" if iommu else "0", ",".join(opts))
                check(facts.get("pci.0.window.mem64") is not None or highmem == "off"
                      or gic == 2, f"{opts}: no 64-bit window")


@case("probe-console-variants")
def probe_console_variants(ctx):
    """stdout-path with options, as an alias, as a full path, absent: the console follows"""
    base = qemu_dtb(ctx, "virt", ())
    with open(base, "rb") as f:
        t = Tree(f.read())
    uart = t.compatible("arm,pl011")[0].path
    variants = {
        "options": ["fdtput", "-t", "s", "{dtb}", "/chosen", "stdout-path", f"{uart}:115200n8"],
        "alias": ["fdtput", "-t", "s", "{dtb}", "/chosen", "stdout-path", "serial0:9600"],
        "none": ["fdtput", "-d", "{dtb}", "/chosen", "stdout-path"],
        "bad": ["fdtput", "-t", "s", "{dtb}", "/chosen", "stdout-path", "/no/such/node"],
    }
    for name, cmd in variants.items():
        dtb = os.path.join(ctx.workdir, f"console-{name}.dtb")
        with open(base, "rb") as f, open(dtb, "wb") as g:
            g.write(f.read())
        if name == "alias":
            subprocess.run(["fdtput", "-c", dtb, "/aliases"], capture_output=True)
            subprocess.run(["fdtput", "-t", "s", dtb, "/aliases", "serial0", uart], check=True)
        subprocess.run([c.replace("{dtb}", dtb) for c in cmd], check=True)
        facts, _ = check_probe(ctx, dtb, f"stdout-path {name}")
        want(facts, "console.node", uart, name)
        expect_how = "/chosen/stdout-path" if name in ("options", "alias") else "first arm,pl011"
        check(facts["console.how"].startswith(expect_how), f"{name}: {facts['console.how']}")
    # The early console from the command line.
    facts = facts_of(ctx, base, "earlycon=pl011,0x1c090000 -- devices")
    want(facts, "earlycon", "pl011@0x1c090000", "earlycon")
    facts = facts_of(ctx, base, "earlycon=uart8250,0x1000")
    want(facts, "earlycon", "invalid", "bad earlycon")


@case("probe-malformed-input")
def probe_malformed_input(ctx):
    """truncated, corrupted, empty, garbage and uncompilable inputs: an error, never a crash"""
    good = qemu_dtb(ctx, "virt", ())
    with open(good, "rb") as f:
        blob = f.read()
    inputs = {
        "empty.dtb": b"",
        "garbage.dtb": bytes(range(256)) * 8,
        "truncated.dtb": blob[: len(blob) // 2],
        "header-only.dtb": blob[:40],
        "bad-magic.dtb": b"\xd0\x0d\xfe\xee" + blob[4:],
        # off_dt_struct pointing past the end of the blob
        "bad-struct-offset.dtb": blob[:8] + (len(blob) + 64).to_bytes(4, "big") + blob[12:],
        # a property length running past the structure block (the first FDT_PROP's len)
        "bad-prop-len.dtb": None,
        "broken.dts": b"/dts-v1/;\n/ { oops = <1 2;\n",
    }
    struct_off = int.from_bytes(blob[8:12], "big")
    prop = blob.index(b"\x00\x00\x00\x03", struct_off)
    inputs["bad-prop-len.dtb"] = (blob[:prop + 4] + (0x7FFFFFF0).to_bytes(4, "big")
                                  + blob[prop + 8:])
    # a length that takes libfdt 1.6.1's next tag back to the property itself (fuzz_dt's
    # finding): every tree walk, fdt_check_full's included, looped forever
    inputs["prop-len-loops.dtb"] = (blob[:prop + 4] + (0xFFFFFFF4).to_bytes(4, "big")
                                    + blob[prop + 8:])
    for name, data in inputs.items():
        path = os.path.join(ctx.workdir, name)
        with open(path, "wb") as f:
            f.write(data)
        p = run_probe(ctx, path)
        check(p.returncode == 1, f"{name}: exit status {p.returncode}, want 1: {short(p.stderr)}")
        check(re.search(r"^error: ", p.stderr, re.M), f"{name}: no error line: {short(p.stderr)}")
        check(p.stdout == "", f"{name}: facts printed from a bad blob: {short(p.stdout)}")
    # Seeded byte flips anywhere in a good blob: either refused (1) or probed (0), never a
    # crash or a sanitizer report (run_probe checks that).
    rng = random.Random(12)
    path = os.path.join(ctx.workdir, "flipped.dtb")
    outcomes = {0: 0, 1: 0}
    for _ in range(150):
        data = bytearray(blob)
        for _ in range(rng.randint(1, 4)):
            data[rng.randrange(len(data))] = rng.randrange(256)
        with open(path, "wb") as f:
            f.write(data)
        p = run_probe(ctx, path)
        check(p.returncode in (0, 1), f"flipped blob: exit {p.returncode}: {short(p.stderr)}")
        outcomes[p.returncode] += 1
    check(outcomes[1] > 0, f"no flipped blob was refused: {outcomes}")
    p = run_probe(ctx, os.path.join(ctx.workdir, "missing.dtb"))
    check(p.returncode == 1 and "error:" in p.stderr, "a missing file is not an error")
    p = subprocess.run([probe_path(ctx)], capture_output=True, text=True, timeout=30)
    check(p.returncode == 2 and "usage" in p.stderr, "no usage message without arguments")
    # A DTB whose properties are malformed (tests/host/dts/dt_malformed.dts): facts, no crash.
    p = run_probe(ctx, os.path.join(ctx.build, "host", "dtb", "dt_malformed.dtb"))
    check(p.returncode == 0, f"dt_malformed: exit {p.returncode}: {short(p.stderr)}")
    # A .dts is compiled with dtc.
    facts = facts_of(ctx, os.path.join("tests", "host", "dts", "probe_fvp.dts"))
    want(facts, "psci.method", "smc", "probe_fvp.dts (source)")
