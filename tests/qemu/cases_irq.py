"""QEMU cases for issue 5's interrupts: a blk crc check whose completions arrive as interrupts,
on gic-version 2 and 3, through a virtio-mmio SPI, PCI INTx and MSI-X (GICv2m frame on
gic-version=2, ITS on 3); `irq=poll` turns them off. Each case checks the data against the
host's disk file, the mode `devices` reports (irq=spi|intx|msix|poll), and that `irq stats`
counted interrupts for the device (before and after the I/O, so the I/O itself took them)."""

import re

from cases_pci import pci_blk
from harness import MiB, Script, blk_devices, case, check, parse_devices, parse_kv, short

SEED = 0x1AB5EED


def io_script():
    """devices, irq stats, I/O, irq stats: interrupts counted between the two stats lines
    belong to the I/O."""
    s = Script().cmd("devices").cmd("irq stats")
    s.crc(0, 0, 256).write(0, 40, 24, SEED).crc(0, 40, 24)
    return s.cmd("irq stats").cmd("poweroff")


def irq_lines(seg):
    """`irq stats` -> (controller, [{intid, name, trigger, count}], spurious)."""
    check(seg is not None, "no `irq stats` output")
    head = re.search(r"^irq: controller=(\S+)", seg, re.M)
    check(head, f"`irq stats` has no `irq: controller=` line: {short(seg)}")
    sources = []
    for line in seg.split("\n"):
        m = re.match(r"^irq (\d+) (.*)$", line.strip())
        if m:
            kv = parse_kv(m.group(2))
            kv["intid"] = int(m.group(1))
            sources.append(kv)
    spur = re.search(r"^irq spurious count=(\d+)", seg, re.M)
    check(spur, f"`irq stats` has no `irq spurious count=` line: {short(seg)}")
    return head.group(1), sources, int(spur.group(1))


def device_counts(seg, name):
    """Sum of the counts of the sources whose name mentions device `name` (e.g. blk0)."""
    _, sources, _ = irq_lines(seg)
    mine = [s for s in sources if re.search(rf"(^|[,-]){name}($|[,-])", s.get("name", ""))]
    return mine, sum(int(s["count"]) for s in mine)


def check_irqs_taken(t, name, gic, trigger=None):
    ctrl, _, _ = irq_lines(t.segments[1])
    check(ctrl.startswith(f"gicv{gic}@"), f"controller={ctrl}, expected gicv{gic}@...")
    before_src, before = device_counts(t.segments[1], name)
    after_src, after = device_counts(t.segments[-2], name)
    check(after_src, f"`irq stats` has no source for {name}: {short(t.segments[-2])}")
    check(after > before, f"{name}: interrupt count {before} -> {after}: the I/O took none")
    if trigger:
        check(all(s.get("trigger") == trigger for s in after_src),
              f"{name}: expected trigger={trigger}: {after_src}")
    return after_src


def mmio_case(ctx, gic):
    disk = ctx.disk("d0", 4 * MiB)
    s = io_script()
    t = ctx.run_script(s, ctx.mmio_blk(disk), machine_opts=(f"gic-version={gic}",))
    devs = blk_devices(t, {disk.mmio_slot: disk}, irq="spi")
    s.verify(t, devs)
    disk.verify_file()
    # QEMU's DT marks virtio-mmio interrupts edge-triggered (GIC_FDT_IRQ_FLAGS_EDGE_LO_HI).
    check_irqs_taken(t, "blk0", gic, trigger="edge")


@case("irq-mmio-spi-gicv2")
def irq_mmio_gicv2(ctx):
    """virtio-mmio blk completes on its SPI, gic-version=2"""
    mmio_case(ctx, 2)


@case("irq-mmio-spi-gicv3")
def irq_mmio_gicv3(ctx):
    """virtio-mmio blk completes on its SPI, gic-version=3"""
    mmio_case(ctx, 3)


def pci_case(ctx, gic, opts, mode):
    disk = ctx.disk("d0", 4 * MiB)
    p, args = pci_blk(ctx, disk, 2, opts)
    s = io_script()
    t = ctx.run_script(s, args, ["-nic", "none"], machine_opts=(f"gic-version={gic}",))
    devs = [d for d in parse_devices(t.segments[0]) if d.get("name") == "blk0"]
    check(devs and devs[0].get("transport") == f"pci@{p.bdf}",
          f"no blk0 at pci@{p.bdf}: {short(t.segments[0])}")
    check(devs[0].get("irq") == mode, f"blk0: irq={devs[0].get('irq')}, expected {mode}")
    s.verify(t, {0: disk})
    disk.verify_file()
    return check_irqs_taken(t, "blk0", gic, trigger="level" if mode == "intx" else "edge")


@case("irq-pci-intx-gicv2")
def irq_pci_intx_gicv2(ctx):
    """virtio-blk-pci without MSI-X (vectors=0) completes on INTx, gic-version=2"""
    pci_case(ctx, 2, "disable-legacy=on,vectors=0", "intx")


@case("irq-pci-intx-gicv3")
def irq_pci_intx_gicv3(ctx):
    """a legacy virtio-blk-pci completes on INTx, gic-version=3"""
    pci_case(ctx, 3, "disable-modern=on", "intx")


@case("irq-pci-msix-gicv2m")
def irq_pci_msix_gicv2(ctx):
    """modern virtio-blk-pci completes on MSI-X through the GICv2m frame (gic-version=2)"""
    src = pci_case(ctx, 2, "disable-legacy=on", "msix")
    check(all(32 <= s["intid"] < 1020 for s in src), f"v2m MSIs are SPIs: {src}")


@case("irq-pci-msix-its")
def irq_pci_msix_its(ctx):
    """modern virtio-blk-pci completes on MSI-X through the ITS (gic-version=3): LPIs"""
    src = pci_case(ctx, 3, "disable-legacy=on", "msix")
    check(all(s["intid"] >= 8192 for s in src), f"ITS MSIs are LPIs: {src}")


@case("irq-poll-option")
def irq_poll_option(ctx):
    """irq=poll: devices say irq=poll, I/O still works, and the device takes no interrupt"""
    disk = ctx.disk("d0", 4 * MiB)
    s = io_script()
    t = ctx.run_script(s, ctx.mmio_blk(disk), options="irq=poll")
    devs = blk_devices(t, {disk.mmio_slot: disk}, irq="poll")
    s.verify(t, devs)
    disk.verify_file()
    mine, count = device_counts(t.segments[-2], "blk0")
    check(not mine and count == 0, f"irq=poll but blk0 has interrupt sources: {mine}")
