"""QEMU cases for the AArch32 image (issue 15): build/aarch32/vireo.bin booted with
qemu-system-arm -M virt,highmem=off -cpu cortex-a15 (vm.ARCHES), through the same case bodies
as AArch64 where they apply, with the same host-side checks: zlib crcs of the disk, every
written byte checked after poweroff, UDP echo from a host socket, the console's chardev file."""

import os
import re
import subprocess
import time

import cases_devices
import cases_dma
import cases_irq
import cases_lib
import cases_mmio_blk
import cases_net
import cases_pci
import cases_smmu
import vm as vmlib
from harness import MiB, Script, Transcript, case, check, crc_value, error_lines, short

A32 = "aarch32"


@case("a32-blk-mmio-legacy", arch=A32)
def a32_blk_mmio_legacy(ctx):
    """AArch32: virtio-blk on legacy virtio-mmio: crcs, a write verified on the host"""
    cases_mmio_blk.single_disk(ctx, "legacy")


@case("a32-blk-mmio-modern", arch=A32)
def a32_blk_mmio_modern(ctx):
    """AArch32: virtio-blk on virtio-mmio version 2: crcs, a write verified on the host"""
    cases_mmio_blk.single_disk(ctx, "modern", extra=["-global", "virtio-mmio.force-legacy=false"])


@case("a32-blk-hyp-entry", arch=A32)
def a32_blk_hyp_entry(ctx):
    """AArch32, -M virt,virtualization=on: entered in HYP, drops to SVC; crcs and a write"""
    cases_mmio_blk.single_disk(ctx, "legacy", machine_opts=["virtualization=on"], el="EL2")


@case("a32-pci-blk-modern", arch=A32)
def a32_pci_blk_modern(ctx):
    """AArch32: virtio-blk-pci modern (ECAM at 0x3f000000, BARs below 4 GiB): crcs, a write"""
    cases_pci.one_disk(ctx, "disable-legacy=on", "modern")


@case("a32-pci-blk-legacy", arch=A32)
def a32_pci_blk_legacy(ctx):
    """AArch32: virtio-blk-pci legacy (I/O BAR): crcs, a write verified on the host"""
    cases_pci.one_disk(ctx, "disable-modern=on", "legacy")


@case("a32-net-udp-echo-mmio", arch=A32, timeout=90)
def a32_net_echo_mmio(ctx):
    """AArch32: UDP echo from a host socket over virtio-net-device (SPI)"""
    cases_net.serve_case(ctx, "virtio-net-device", mode="spi")


@case("a32-net-udp-echo-pci-msix", arch=A32, timeout=90)
def a32_net_echo_pci(ctx):
    """AArch32: UDP echo over modern virtio-net-pci with MSI-X through GICv2m"""
    cases_net.serve_case(ctx, "virtio-net-pci,disable-legacy=on", mode="msix",
                         machine_opts=("gic-version=2",))


@case("a32-net-udp-echo-bounce", arch=A32, timeout=90)
def a32_net_echo_bounce(ctx):
    """AArch32: UDP echo with every buffer bounced (dma=bounce, ACCESS_PLATFORM)"""
    cases_net.serve_case(ctx, "virtio-net-pci,disable-legacy=on,iommu_platform=on",
                         mode="msix", options="dma=bounce", dma="bounce")


@case("a32-rng-pci-differs-between-boots", arch=A32)
def a32_rng_pci(ctx):
    """AArch32: virtio-rng-pci bytes differ between boots; bad counts give errors"""
    cases_devices.rng_case(ctx, "virtio-rng-pci,romfile=")


@case("a32-rng-mmio-differs-between-boots", arch=A32)
def a32_rng_mmio(ctx):
    """AArch32: virtio-rng-device bytes differ between boots"""
    cases_devices.rng_case(ctx, "virtio-rng-device")


@case("a32-console-pci-write-reaches-host-file", arch=A32)
def a32_console_pci(ctx):
    """AArch32: `console write` through virtio-serial-pci reaches the host's chardev file"""
    cases_devices.console_case(ctx, "virtio-serial-pci,romfile=")


@case("a32-dma-bounce-option", arch=A32)
def a32_dma_bounce(ctx):
    """AArch32: dma=bounce with a modern virtio-mmio blk offering ACCESS_PLATFORM: data right"""
    cases_dma.dma_bounce_option(ctx)


@case("a32-irq-mmio-spi-gicv2", arch=A32)
def a32_irq_mmio_gicv2(ctx):
    """AArch32: virtio-mmio blk completes on its SPI through the GICv2"""
    cases_irq.mmio_case(ctx, 2)


@case("a32-irq-pci-intx-gicv2", arch=A32)
def a32_irq_pci_intx(ctx):
    """AArch32: virtio-blk-pci on INTx (interrupt-map) through the GICv2"""
    cases_irq.pci_case(ctx, 2, "disable-legacy=on,vectors=0", "intx")


@case("a32-irq-mmio-spi-gicv3", arch=A32)
def a32_irq_mmio_gicv3(ctx):
    """AArch32: virtio-mmio blk completes on its SPI through the GICv3 (CP15 CPU interface)"""
    cases_irq.mmio_case(ctx, 3)


@case("a32-irq-pci-msix-gicv2m", arch=A32)
def a32_irq_pci_msix_gicv2m(ctx):
    """AArch32: modern virtio-blk-pci completes on MSI-X through the GICv2m frame"""
    src = cases_irq.pci_case(ctx, 2, "disable-legacy=on", "msix")
    check(all(32 <= s["intid"] < 1020 for s in src), f"v2m MSIs are SPIs: {src}")


@case("a32-irq-pci-msix-its", arch=A32)
def a32_irq_pci_msix_its(ctx):
    """AArch32: modern virtio-blk-pci completes on MSI-X through the ITS (gic-version=3)"""
    src = cases_irq.pci_case(ctx, 3, "disable-legacy=on", "msix")
    check(all(s["intid"] >= 8192 for s in src), f"ITS MSIs are LPIs: {src}")


# QEMU virt's platform-bus window: nothing answers there, so a load is an external abort.
UNBACKED = 0x0C000000


@case("a32-exception-dump", arch=A32)
def a32_exception_dump(ctx):
    """AArch32: a load nothing answers (`crash`): the vectors print the data abort's DFSR and
    DFAR, the PC and the registers, then halt"""
    with ctx.vm(f"-- peek 0x9000018; crash {UNBACKED:#x}") as vm:
        vm.wait_for(r"\bhalted\b", ctx.seconds(30))
        out = vm.output
    check(re.search(r"peek: 0x9000018 = 0x[0-9a-f]{8}", out), f"mapped peek failed: {short(out)}")
    check(re.search(r"exception: data abort: synchronous external abort", out),
          f"no data abort report: {short(out[-600:])}")
    check(re.search(rf"FAR {UNBACKED:08x}\b", out), f"FAR is not {UNBACKED:#x}: {short(out[-600:])}")
    for reg in ("FSR", "PC ", "SPSR", "r0 ", "r12", "lr ", "sp "):
        check(reg in out, f"register dump lacks {reg.strip()}")
    spsr = int(re.search(r"SPSR ([0-9a-f]{8})", out).group(1), 16)
    check(spsr & 0x1F == 0x13, f"SPSR {spsr:#x}: the fault was not taken from SVC mode")


@case("a32-peek-unmapped-shell-goes-on", arch=A32)
def a32_peek_shell_goes_on(ctx):
    """AArch32: `peek` of an address nothing answers gives one error line with the DFSR, and
    the commands after it still run; poweroff exits 0"""
    disk = ctx.disk("d0", 1 * MiB)
    s = Script().cmd(f"peek {UNBACKED:#x}").crc(0, 0, 16).cmd("poweroff")
    with ctx.vm(s.append_arg(), ctx.mmio_blk(disk)) as vm:
        rc = vm.wait_exit(ctx.seconds(30))
        out = vm.output
    check(not re.search(r"^exception:|\bhalted\b|\bpanic\b", out, re.M),
          f"the guest stopped on a fault: {short(out[-600:])}")
    t = Transcript(out, s.commands, rc)
    errors = error_lines(t.segments[0] or "")
    check(len(errors) == 1 and re.fullmatch(
        rf"error: peek: {UNBACKED:#x}: data abort: synchronous external abort \(DFSR 0x[0-9a-f]+\)",
        errors[0]), f"`peek {UNBACKED:#x}`: {short(t.segments[0])}")
    check(crc_value("blk crc 0 0 16", t.segments[1]) == disk.crc(0, 16),
          f"`blk crc 0 0 16` after the fault: wrong crc {short(t.segments[1])}")
    check(rc == 0, f"QEMU exited with status {rc}")


@case("a32-highmem-windows-are-refused-by-name", arch=A32)
def a32_highmem_refused(ctx):
    """AArch32 with -M virt,highmem=on: the PCIe ECAM at 256 GiB is refused with a message
    naming the window (not truncated to a wrong 32-bit address); virtio-mmio still works"""
    disk = ctx.disk("d0", 1 * MiB)
    s = Script().cmd("devices").crc(0, 0, 16).cmd("poweroff")
    t = ctx.run_script(s, ctx.mmio_blk(disk), ["-device", "virtio-rng-pci,romfile="],
                       machine_opts=("highmem=on",))
    check(re.search(r"^pci: pcie@10000000: ECAM window 0x4010000000\+0x10000000 is out of reach"
                    r".*host skipped$", t.boot, re.M),
          f"no refusal naming the high ECAM window: {short(t.boot[-600:])}")
    check(crc_value("blk crc 0 0 16", t.segments[1]) == disk.crc(0, 16),
          f"`blk crc 0 0 16`: wrong crc {short(t.segments[1])}")
    check("rng0" not in (t.segments[0] or ""), "a device behind the refused host was bound")


@case("a32-net-udp-echo-smmu", arch=A32, timeout=90)
def a32_net_echo_smmu(ctx):
    """AArch32 with -M virt,iommu=smmuv3: UDP echo through SMMUv3 stage-1 translation (INTx)"""
    cases_net.serve_case(ctx, "virtio-net-pci,disable-legacy=on,iommu_platform=on", mode="intx",
                         machine_opts=("iommu=smmuv3",), dma="iommu")


@case("a32-smmu-three-streams", arch=A32)
def a32_smmu_three_streams(ctx):
    """AArch32 behind an SMMUv3: translated, legacy-bypass and no-ACCESS_PLATFORM blk devices
    at once; every crc and write right, no SMMU fault"""
    cases_smmu.smmu_three_streams(ctx)


@case("a32-lib-minimal-firmware", arch=A32)
def a32_lib_minimal_firmware(ctx):
    """AArch32: the minimal firmware linked with build/aarch32/libvireo.a through the public
    header: init, devices (mmio legacy + pci modern), read, write, net, rng, shut down"""
    cases_lib.lib_minimal_firmware(ctx)


@case("a32-relocated-load-address", arch=A32)
def a32_relocated_load_address(ctx):
    """AArch32: a copy of the image behind a 2 MiB prefix that branches over it: it applies its
    relocation table, runs 2 MiB above its link address, and the crc is right"""
    offset = 0x200000
    with open(ctx.image, "rb") as f:
        image = f.read()
    check(image[0x24:0x28] == (0x016F2818).to_bytes(4, "little"), "no zImage magic")
    branch = 0xEA000000 | ((offset - 8) >> 2)  # b . + offset (ARM)
    moved = os.path.join(ctx.workdir, "moved.bin")
    with open(moved, "wb") as f:
        f.write(branch.to_bytes(4, "little") + bytes(offset - 4) + image)
    disk = ctx.disk("d0", 1 * MiB)
    ctx.image = moved
    with ctx.vm("-- devices; blk crc 0 0 64; peek 0x9000018; poweroff", ctx.mmio_blk(disk)) as vm:
        rc = vm.wait_exit(ctx.seconds(30))
        out = vm.output
    check(re.search(rf"image at {0x40010000 + offset:#x}\b", out),
          f"the image did not run at {0x40010000 + offset:#x}: {short(out[:300])}")
    crc = re.search(r"crc32=([0-9a-f]{8})", out)
    check(crc and int(crc.group(1), 16) == disk.crc(0, 64), f"crc wrong or missing: {short(out)}")
    check(re.search(r"peek: 0x9000018 = 0x[0-9a-f]{8}", out), "peek failed after relocation")
    check(rc == 0, f"QEMU exited with status {rc}")


@case("a32-unrelocatable-load-address-is-refused", arch=A32)
def a32_other_load_address(ctx):
    """AArch32: started 0x201000 above its link address (not a multiple of 64 KiB: a movw's
    low half would change too) the image stops at once with r0 = r1 = 0x0bad10ad and the load
    offset in r10, read through the QEMU monitor, having printed nothing"""
    addr = 0x40211000
    arch = vmlib.ARCHES[A32]
    argv = [arch["qemu"], "-M", ",".join(["virt", *arch["machine_opts"]]), "-cpu", arch["cpu"],
            "-m", "512M", "-display", "none", "-serial", f"file:{ctx.workdir}/serial.txt",
            "-monitor", "stdio", "-nic", "none",
            "-device", f"loader,file={ctx.image},addr={addr:#x},force-raw=on",
            "-device", f"loader,addr={addr:#x},cpu-num=0"]
    proc = subprocess.Popen(argv, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                            stderr=subprocess.STDOUT, text=True)
    try:
        time.sleep(ctx.seconds(2))
        out, _ = proc.communicate("info registers\nquit\n", timeout=ctx.seconds(20))
    finally:
        proc.kill()
        proc.wait()
    with open(os.path.join(ctx.workdir, "serial.txt"), "rb") as f:
        serial = f.read()
    regs = dict(re.findall(r"\b(R\d\d)=([0-9a-f]{8})", out))
    check(regs.get("R00") == "0bad10ad" and regs.get("R01") == "0bad10ad",
          f"not stopped at load_refused: {short(out[-400:])}")
    check(int(regs.get("R10", "0"), 16) == addr - 0x40010000,
          f"r10 is not the load offset {addr - 0x40010000:#x}: {regs.get('R10')}")
    check(serial == b"", f"it printed something: {serial[:200]!r}")
