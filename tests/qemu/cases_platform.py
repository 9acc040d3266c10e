"""QEMU cases for the platform facts FVP has and QEMU virt hides: PSCI through smc, several
CPUs left parked, entry at EL3, the console found without stdout-path or through an alias
with options, an early console, RAM in two banks, 6 GiB of RAM, the image far from RAM's start,
and virtio-mmio nodes without dma-coherent. DTBs are QEMU's own, dumped and rewritten."""

import os
import re
import subprocess

from fdt_read import Tree
from harness import MiB, Script, blk_devices, case, check, short

SEED = 0x5EED1234


def io_script():
    return (Script().cmd("devices").crc(0, 0, 64).write(0, 40, 100, SEED).crc(0, 39, 102)
            .cmd("poweroff"))


def dump_dtb(ctx, name, machine_opts=(), memory="512M", extra=()):
    dtb = os.path.join(ctx.workdir, f"{name}.dtb")
    subprocess.run(["qemu-system-aarch64", "-M", ",".join(["virt", *machine_opts,
                                                           f"dumpdtb={dtb}"]),
                    "-cpu", "cortex-a57", "-m", memory, "-nic", "none", "-display", "none",
                    *extra], check=True, capture_output=True, timeout=60)
    return dtb


def rewrite_dtb(ctx, name, edit, machine_opts=(), memory="512M", extra=()):
    """QEMU's DTB for this configuration, decompiled, passed through edit(dts) -> dts and
    compiled again; returns the new DTB's path."""
    dtb = dump_dtb(ctx, name + "-orig", machine_opts, memory, extra)
    dts = subprocess.run(["dtc", "-q", "-I", "dtb", "-O", "dts", dtb], check=True,
                         capture_output=True, text=True, timeout=60).stdout
    new = edit(dts)
    check(new != dts, f"{name}: the edit changed nothing")
    out = os.path.join(ctx.workdir, f"{name}.dtb")
    subprocess.run(["dtc", "-q", "-I", "dts", "-O", "dtb", "-o", out, "-"], input=new,
                   check=True, text=True, timeout=60)
    return out


def boot_line(t, pattern, what):
    m = re.search(pattern, t.boot, re.M)
    check(m, f"boot log lacks {what}: {short(t.boot[-500:], 500)}")
    return m


@case("psci-smc-poweroff")
def psci_smc_poweroff(ctx):
    """secure=on: QEMU's DT says PSCI method smc; the image uses smc and poweroff works"""
    # With -kernel QEMU emulates the firmware's PSCI at EL3 (without it, it expects firmware
    # and leaves /psci out).
    dtb = dump_dtb(ctx, "secure", ("secure=on", "virtualization=on"), extra=("-kernel", ctx.image))
    with open(dtb, "rb") as f:
        method = Tree(f.read()).find("/psci").string("method")
    check(method == "smc", f"QEMU's secure=on DT says method {method!r}")
    disk = ctx.disk("d0", 4 * MiB)
    s = io_script()
    t = ctx.run_script(s, ctx.mmio_blk(disk), machine_opts=("secure=on", "virtualization=on"))
    boot_line(t, r"^psci: conduit smc$", "psci: conduit smc")
    s.verify(t, blk_devices(t, {disk.mmio_slot: disk}))
    disk.verify_file()


@case("secondary-cpus-parked")
def secondary_cpus_parked(ctx):
    """-smp 4: the boot log counts 4 CPUs and says the others stay parked; I/O still works"""
    disk = ctx.disk("d0", 4 * MiB)
    s = io_script()
    t = ctx.run_script(s, ctx.mmio_blk(disk), ["-smp", "4"])
    boot_line(t, r"^cpus: 4 in the DT, running on the boot CPU only; the others stay parked",
              "the parked-CPU line for 4 CPUs")
    s.verify(t, blk_devices(t, {disk.mmio_slot: disk}))


@case("el3-entry-reported")
def el3_entry_reported(ctx):
    """entered at EL3 (secure=on, no firmware, started by a loader): says so on the DT's
    console and halts instead of stopping silently"""
    image_at, dtb_at, tramp_at = 0x40200000, 0x44000000, 0x40100000
    dtb = dump_dtb(ctx, "el3", ("secure=on", "virtualization=on"))
    # x0 = DTB, jump to the image: movz x0, #0x4400, lsl 16; movz x1, #0x4020, lsl 16; br x1
    tramp = os.path.join(ctx.workdir, "tramp.bin")
    words = [0xD2A00000 | (dtb_at >> 16) << 5, 0xD2A00001 | (image_at >> 16) << 5, 0xD61F0020]
    with open(tramp, "wb") as f:
        f.write(b"".join(w.to_bytes(4, "little") for w in words))
    vm = ctx.vm("", [], ("secure=on", "virtualization=on"))
    k = vm.argv.index("-kernel")
    del vm.argv[k:k + 4]  # -kernel IMAGE -append ""
    vm.argv += ["-device", f"loader,file={dtb},addr={dtb_at:#x}",
                "-device", f"loader,file={ctx.image},addr={image_at:#x}",
                "-device", f"loader,file={tramp},addr={tramp_at:#x},cpu-num=0"]
    with vm:
        vm.wait_for(r"^fatal: entered at EL3: .*; halting$", ctx.seconds(20))
        out = vm.output
    check(re.search(r"booting at EL3", out), f"banner does not say EL3: {short(out)}")
    check(re.search(r"^console: pl011 at 0x9000000 ", out, re.M), f"console: {short(out)}")
    check("vireo>" not in out and "psci:" not in out, f"went on after EL3: {short(out)}")


@case("console-alias-with-options")
def console_alias_with_options(ctx):
    """stdout-path = "serial0:115200n8" through /aliases: the console is found and says so"""
    def edit(dts):
        dts = re.sub(r'stdout-path = "[^"]*";', 'stdout-path = "serial0:115200n8";', dts)
        if "aliases {" not in dts:
            dts = dts.replace("chosen {", 'aliases {\n\t\tserial0 = "/pl011@9000000";\n\t};'
                              "\n\n\tchosen {", 1)
        else:
            dts = dts.replace("aliases {", 'aliases {\n\t\tserial0 = "/pl011@9000000";', 1)
        return dts
    dtb = rewrite_dtb(ctx, "alias", edit)
    t = ctx.run_script(Script().cmd("poweroff"), ["-dtb", dtb])
    boot_line(t, r"^console: pl011 at 0x9000000 \(/chosen/stdout-path, options 115200n8\)$",
              "the console from the alias with its options")


@case("console-without-stdout-path")
def console_without_stdout_path(ctx):
    """no stdout-path (as on FVP): the first enabled arm,pl011 is the console"""
    dtb = rewrite_dtb(ctx, "nostdout", lambda d: re.sub(r'\s*stdout-path = "[^"]*";', "", d))
    t = ctx.run_script(Script().cmd("poweroff"), ["-dtb", dtb])
    boot_line(t, r"^console: pl011 at 0x9000000 \(first arm,pl011: no usable stdout-path\)$",
              "the fallback console")


@case("console-earlycon")
def console_earlycon(ctx):
    """earlycon=pl011,0x9000000: the UART is up before the DT's console is looked for"""
    with ctx.vm("earlycon=pl011,0x9000000 -- poweroff") as vm:
        rc = vm.wait_exit(ctx.seconds(30))
        out = vm.output
    check(rc == 0, f"QEMU exited {rc}")
    first = out.lstrip().split("\n")[0]
    check(first == "console: earlycon pl011 at 0x9000000", f"first line: {first!r}")
    check("bootargs: unknown option earlycon" not in out and "earlycon=pl011,0x9000000 ignored"
          not in out, f"earlycon reported as bad: {short(out)}")


@case("mmio-modern-not-dma-coherent", timeout=90)
def mmio_modern_not_dma_coherent(ctx):
    """virtio-mmio nodes without dma-coherent (FVP's shape), a modern ACCESS_PLATFORM blk:
    direct with cache maintenance; crcs and writes check from the host"""
    dtb = rewrite_dtb(ctx, "noncoherent", lambda d: d.replace("\t\tdma-coherent;\n", ""))
    with open(dtb, "rb") as f:
        tree = Tree(f.read())
    check(not any(tree.dma_coherent(n) for n in tree.compatible("virtio,mmio")),
          "a virtio-mmio node is still dma-coherent")
    disk = ctx.disk("d0", 4 * MiB)
    blk = ctx.mmio_blk(disk)
    blk = blk[:-1] + [blk[-1] + ",iommu_platform=on"]
    s = io_script()
    t = ctx.run_script(s, blk, ["-global", "virtio-mmio.force-legacy=false", "-dtb", dtb])
    devs = blk_devices(t, {disk.mmio_slot: disk}, version="modern", dma="direct")
    check("not coherent" in t.segments[0], f"devices does not say non-coherent: "
          f"{short(t.segments[0])}")
    s.verify(t, devs)
    disk.verify_file()
    # The same DT with a legacy device: coherent direct, as Linux treats legacy virtio.
    disk2 = ctx.disk("d1", 4 * MiB)
    s2 = io_script()
    t2 = ctx.run_script(s2, ctx.mmio_blk(disk2), ["-dtb", dtb])
    devs2 = blk_devices(t2, {disk2.mmio_slot: disk2}, version="legacy", dma="direct")
    s2.verify(t2, devs2)


@case("memory-two-banks")
def memory_two_banks(ctx):
    """RAM in two /memory nodes (two NUMA nodes of 256 MiB: QEMU rewrites /memory in any -dtb,
    so this is how it gives two banks): both used, I/O works"""
    numa = ["-smp", "2",
            "-object", "memory-backend-ram,id=m0,size=256M",
            "-object", "memory-backend-ram,id=m1,size=256M",
            "-numa", "node,nodeid=0,cpus=0,memdev=m0",
            "-numa", "node,nodeid=1,cpus=1,memdev=m1"]
    dtb = dump_dtb(ctx, "numa", extra=numa)
    with open(dtb, "rb") as f:
        tree = Tree(f.read())
    banks = [tree.reg(n) for n in tree.root.walk() if n.string("device_type") == "memory"]
    check(len(banks) == 2, f"QEMU's DT has {len(banks)} memory nodes")
    disk = ctx.disk("d0", 4 * MiB)
    s = io_script()
    t = ctx.run_script(s, ctx.mmio_blk(disk), numa)
    total = sum(size for _, size in banks) >> 20
    boot_line(t, rf"^memory: {total} MiB RAM in 2 ranges", f"{total} MiB in 2 ranges")
    s.verify(t, blk_devices(t, {disk.mmio_slot: disk}))
    disk.verify_file()


@case("memory-6g")
def memory_6g(ctx):
    """-m 6G: RAM runs past 4 GiB; all of it is found and I/O works"""
    disk = ctx.disk("d0", 4 * MiB)
    s = io_script()
    t = ctx.run_script(s, ctx.mmio_blk(disk), memory="6G")
    boot_line(t, r"^memory: 6144 MiB RAM in 1 range", "6144 MiB of RAM")
    s.verify(t, blk_devices(t, {disk.mmio_slot: disk}))
    disk.verify_file()


@case("image-far-from-ram-start")
def image_far_from_ram_start(ctx):
    """text_offset 1 GiB with -m 2G: the image runs 1 GiB above RAM's start"""
    offset = 0x40000000
    with open(ctx.image, "rb") as f:
        image = bytearray(f.read())
    image[8:16] = offset.to_bytes(8, "little")
    moved = os.path.join(ctx.workdir, "far.bin")
    with open(moved, "wb") as f:
        f.write(image)
    ctx.image = moved
    disk = ctx.disk("d0", 4 * MiB)
    s = io_script()
    t = ctx.run_script(s, ctx.mmio_blk(disk), memory="2G")
    m = boot_line(t, r"image at 0x([0-9a-f]+)", "the image address")
    check(int(m.group(1), 16) >= 0x40000000 + offset, f"image at {m.group(1)}")
    s.verify(t, blk_devices(t, {disk.mmio_slot: disk}))
    disk.verify_file()


@case("gicv3-redistributor-regions")
def gicv3_redistributor_regions(ctx):
    """-smp 130 (QEMU gives two GICR regions), the regions listed in the other order and a
    redistributor-stride: this CPU's redistributor is found in the second region listed"""
    smp = ["-smp", "130"]

    def edit(dts):
        m = re.search(r"(intc@8000000 \{.*?reg = <)([^>]*)(>;)", dts, re.S)
        cells = m.group(2).split()
        check(len(cells) == 12, f"QEMU's GIC reg is not GICD + 2 regions: {m.group(2)}")
        swapped = cells[:4] + cells[8:12] + cells[4:8]
        dts = dts[:m.start(2)] + " ".join(swapped) + dts[m.end(2):]
        return dts.replace("#redistributor-regions = <0x02>;",
                           "#redistributor-regions = <0x02>;\n\t\t"
                           "redistributor-stride = <0x00 0x20000>;", 1)
    dtb = rewrite_dtb(ctx, "regions", edit, ("gic-version=3",), extra=smp)
    with open(dtb, "rb") as f:
        t = Tree(f.read())
    gic = t.compatible("arm,gic-v3")[0]
    first, second = t.reg(gic, 1), t.reg(gic, 2)
    check(first[0] > second[0], "the regions were not swapped")
    disk = ctx.disk("d0", 4 * MiB)
    s = (Script().cmd("devices").crc(0, 0, 64).write(0, 40, 100, SEED).crc(0, 39, 102)
         .cmd("irq stats").cmd("poweroff"))
    t = ctx.run_script(s, ctx.mmio_blk(disk), smp + ["-dtb", dtb],
                       machine_opts=("gic-version=3",))
    # CPU 0's redistributor is the first frame of QEMU's first region, now listed second.
    boot_line(t, rf"^irq: gicv3@8000000 .* redistributor=0x{second[0]:x} \(2 regions\)$",
              f"the redistributor at {second[0]:#x} found in the second region")
    s.verify(t, blk_devices(t, {disk.mmio_slot: disk}))
    check(re.search(r"^irq \d+ name=blk0 trigger=edge count=[1-9]", t.text, re.M),
          "blk0's SPI never arrived")
