"""QEMU cases for the arch layer: the exception vectors' report, and the image loaded at an
address other than QEMU's usual one (self-relocation)."""

import re

from harness import MiB, Script, Transcript, case, check, crc_value, error_lines, short


@case("exception-dump")
def exception_dump(ctx):
    """a load of an unmapped address with no fix-up (`crash`): the vectors print class, ESR,
    FAR, ELR and registers, then halt"""
    addr = 0x20000000000  # 2 TiB: above everything the identity map covers
    with ctx.vm(f"-- peek 0x9000018; crash {addr:#x}") as vm:
        vm.wait_for(r"\bhalted\b", ctx.seconds(30))
        out = vm.output
    check(re.search(r"peek: 0x9000018 = 0x[0-9a-f]{8}", out), f"mapped peek failed: {short(out)}")
    check(re.search(r"exception: synchronous \(EL1h\): data abort \(EC 0x25\)", out),
          f"no data abort report: {short(out[-600:])}")
    check(re.search(rf"FAR 0*{addr:x}\b", out), f"FAR is not {addr:#x}: {short(out[-600:])}")
    for reg in ("ESR", "ELR", "SPSR", "x0 ", "x29", "x30", "sp "):
        check(reg in out, f"register dump lacks {reg.strip()}")
    # ESR.EC (bits 31:26) must agree with the class printed
    esr = int(re.search(r"ESR ([0-9a-f]{16})", out).group(1), 16)
    check(esr >> 26 == 0x25, f"ESR {esr:#x} does not say data abort, same EL")


@case("peek-unmapped-shell-goes-on")
def peek_unmapped_shell_goes_on(ctx):
    """`peek` of unmapped addresses: one error line with the data abort's ESR each, no
    exception report, and the commands after them still run; poweroff exits 0"""
    unmapped = [0xFFFFFFFFFFFFFFFC, 0x20000000000]  # the address; 2 TiB, above the map
    disk = ctx.disk("d0", 1 * MiB)
    s = Script().cmd("peek 0x9000018")
    for addr in unmapped:
        s.cmd(f"peek {addr:#x}")
    s.crc(0, 0, 16).cmd("peek 0x9000018").cmd("poweroff")
    with ctx.vm(s.append_arg(), ctx.mmio_blk(disk)) as vm:
        rc = vm.wait_exit(ctx.seconds(30))
        out = vm.output
    check(not re.search(r"^exception:|\bhalted\b|\bpanic\b", out, re.M),
          f"the guest stopped on a fault: {short(out[-600:])}")
    t = Transcript(out, s.commands, rc)
    for i in (0, 4):
        check(t.segments[i] is not None and
              re.search(r"^peek: 0x9000018 = 0x[0-9a-f]{8}$", t.segments[i], re.M),
              f"mapped peek #{i} did not print its word: {short(t.segments[i])}")
    for i, addr in enumerate(unmapped, start=1):
        seg = t.segments[i]
        check(seg is not None, f"no echo of `peek {addr:#x}`")
        errors = error_lines(seg)
        m = re.fullmatch(rf"error: peek: {addr:#x}: data abort \(ESR 0x([0-9a-f]+)\)",
                         errors[0]) if len(errors) == 1 else None
        check(m, f"`peek {addr:#x}`: expected one `error: peek: {addr:#x}: data abort (ESR ..)` "
              f"line, got {short(seg)}")
        esr = int(m.group(1), 16)
        check(esr >> 26 == 0x25, f"ESR {esr:#x} does not say data abort, same EL")
    check(crc_value("blk crc 0 0 16", t.segments[3]) == disk.crc(0, 16),
          f"`blk crc 0 0 16` after the faults: wrong crc {short(t.segments[3])}")
    check(t.segments[5] is not None, "poweroff never ran")
    check(rc == 0, f"QEMU exited with status {rc}")


@case("relocated-load-address")
def relocated_load_address(ctx):
    """a copy of the image whose header asks for text_offset 64 MiB: it runs where loaded"""
    offset = 0x4000000
    with open(ctx.image, "rb") as f:
        image = bytearray(f.read())
    check(image[56:60] == b"ARM\x64", "the image has no arm64 Image magic")
    image[8:16] = offset.to_bytes(8, "little")
    moved = f"{ctx.workdir}/moved.bin"
    with open(moved, "wb") as f:
        f.write(image)
    disk = ctx.disk("d0", 1024 * 1024)
    blk = ctx.mmio_blk(disk)
    ctx.image = moved
    with ctx.vm("-- devices; blk crc 0 0 64; poweroff", blk) as vm:
        vm.wait_exit(ctx.seconds(30))
        out = vm.output
    m = re.search(r"image at 0x([0-9a-f]+)", out)
    check(m, f"the banner does not say where the image runs: {short(out[:300])}")
    base = int(m.group(1), 16)
    check(base % (2 << 20) == 0 and base - 0x40000000 >= offset,
          f"image ran at {base:#x}, not at RAM base + 2 MiB-aligned + {offset:#x}")
    crc = re.search(r"crc32=([0-9a-f]{8})", out)
    check(crc and int(crc.group(1), 16) == disk.crc(0, 64), f"crc wrong or missing: {short(out)}")


@case("qemu-states-every-device")
def qemu_states_every_device(ctx):
    """QEMU runs only the devices a case names: no default NIC, no iPXE option ROM asked for"""
    with ctx.vm("-- pci; devices; poweroff") as vm:
        rc = vm.wait_exit(ctx.seconds(30))
        out, argv = vm.output, vm.argv
    check(rc == 0, f"QEMU exited with status {rc}: {short(out[-300:])}")
    check(argv[-2:] == ["-nic", "none"], f"no -nic none in {argv}")
    functions = re.findall(r"^bdf=(\S+) id=(\S+)", out, re.M)
    check(functions == [("00:00.0", "1b36:0008")], f"functions besides the host bridge: {functions}")
    check("no virtio devices" in out, f"a virtio device nobody asked for: {short(out[-300:])}")
    nic = ["-netdev", "user,id=n0", "-device", "virtio-net-pci,netdev=n0,disable-legacy=on"]
    with ctx.vm("-- pci; poweroff", nic) as vm:
        rc = vm.wait_exit(ctx.seconds(30))
        out, argv = vm.output, vm.argv
    check(rc == 0, f"QEMU exited with status {rc} (an option ROM?): {short(out[-300:])}")
    check("virtio-net-pci,netdev=n0,disable-legacy=on,romfile=" in argv, f"no romfile= in {argv}")
    check("-nic" not in argv or argv[argv.index("-nic") + 1] == "none", f"a default NIC: {argv}")
    functions = re.findall(r"^bdf=(\S+) id=(\S+)", out, re.M)
    check([f[1] for f in functions] == ["1b36:0008", "1af4:1041"],
          f"not exactly the host bridge and the stated NIC: {functions}")
