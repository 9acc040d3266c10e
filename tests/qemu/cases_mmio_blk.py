"""QEMU cases for issue 2: virtio-blk on virtio-mmio (legacy and modern), two disks, EL2 entry,
bad shell input, no disk. Every expected crc and byte comes from the host's disk files."""

import re

from harness import (MiB, CaseFailed, Script, blk_devices, case, check, check_entry_el,
                     check_no_crash, crc_value, error_lines, expect_error, parse_devices, short)

SEED = 0x1234ABCD


def single_disk_script():
    return (Script().cmd("devices").cmd("blk info")
            .crc(0, 0, 64).crc(0, 7, 100)
            .write(0, 10, 8, SEED).crc(0, 10, 8)
            .cmd("poweroff"))


def check_blk_info(seg, devs):
    """`blk info` names each device and its capacity (in sectors or bytes)."""
    check(seg is not None, "no `blk info` output")
    for n, disk in devs.items():
        lines = [line for line in seg.split("\n") if re.search(rf"\bblk{n}\b", line)]
        check(lines, f"`blk info` does not mention blk{n}: {short(seg)}")
        sizes = rf"\b({disk.sectors_count}|{len(disk.expected)})\b"
        check(any(re.search(sizes, line) for line in lines),
              f"`blk info`: no capacity {disk.sectors_count} sectors / {len(disk.expected)} "
              f"bytes on blk{n}'s line: {short(chr(10).join(lines))}")


def single_disk(ctx, version, machine_opts=(), extra=(), el="EL1"):
    disk = ctx.disk("d0", 4 * MiB)
    s = single_disk_script()
    t = ctx.run_script(s, ctx.mmio_blk(disk), list(extra), machine_opts=machine_opts)
    devs = blk_devices(t, {disk.mmio_slot: disk}, version=version, dma="direct")
    check(list(devs) == [0], f"the one disk is not blk0: {sorted(devs)}")
    check_blk_info(t.segments[1], devs)
    s.verify(t, devs)
    disk.verify_file()
    check_entry_el(t.boot, el)


@case("blk-legacy")
def blk_legacy(ctx):
    """virtio-blk-device, legacy virtio-mmio (QEMU's default): crcs, a write verified on the host"""
    single_disk(ctx, "legacy")


@case("blk-modern")
def blk_modern(ctx):
    """virtio-blk-device, virtio-mmio version 2 (force-legacy=false): crcs, a write"""
    single_disk(ctx, "modern", extra=["-global", "virtio-mmio.force-legacy=false"])


@case("blk-el2-entry")
def blk_el2_entry(ctx):
    """-M virt,virtualization=on: entered at EL2, drops to EL1, crcs and a write still right"""
    single_disk(ctx, "legacy", machine_opts=["virtualization=on"], el="EL2")


@case("blk-two-devices")
def blk_two_devices(ctx):
    """two disks on the first and last virtio-mmio slots: each crc matches its own disk"""
    d0 = ctx.disk("d0", 4 * MiB)
    d1 = ctx.disk("d1", 2 * MiB)
    args = ctx.mmio_blk(d0, slot=31) + ctx.mmio_blk(d1, slot=0)
    s = Script().cmd("devices").cmd("blk info")
    for dev in (0, 1):
        s.crc(dev, 0, 64).crc(dev, 3, 17)
    s.write(0, 20, 5, 0xDEADBEEFCAFEF00D).write(1, 100, 3, 4242, decimal=True)
    for dev in (0, 1):
        s.crc(dev, 20, 5).crc(dev, 100, 3)
    s.cmd("poweroff")
    t = ctx.run_script(s, args)
    devs = blk_devices(t, {31: d0, 0: d1}, version="legacy", dma="direct")
    check_blk_info(t.segments[1], devs)
    s.verify(t, devs)
    d0.verify_file()
    d1.verify_file()


@case("blk-large-requests")
def blk_large_requests(ctx):
    """crc of a whole 4 MiB disk and a 1 MiB write: requests of many segments"""
    disk = ctx.disk("d0", 4 * MiB)
    s = (Script().cmd("devices").crc(0, 0, 8192)
         .write(0, 1000, 2048, 0x0123456789ABCDEF).crc(0, 999, 2050).crc(0, 0, 8192)
         .cmd("poweroff"))
    t = ctx.run_script(s, ctx.mmio_blk(disk))
    devs = blk_devices(t, {disk.mmio_slot: disk})
    s.verify(t, devs)
    disk.verify_file()


def hex_chunks_in_order(seg, data, chunk=8):
    """True if the 2-digit hex tokens of `seg` contain `data`, `chunk` bytes at a time, in
    order (tolerates offsets, grouping and an ASCII column)."""
    tokens = "".join(re.findall(r"(?<![0-9a-fA-F])[0-9a-fA-F]{2}(?![0-9a-fA-F])", seg)).lower()
    pos = 0
    for i in range(0, len(data), chunk):
        pos = tokens.find(data[i:i + chunk].hex(), pos)
        if pos < 0:
            return i
        pos += chunk * 2
    return None


@case("blk-read-hexdump")
def blk_read_hexdump(ctx):
    """`blk read 0 3 2` dumps exactly the host's bytes of sectors 3 and 4"""
    disk = ctx.disk("d0", 4 * MiB)
    s = Script().cmd("blk read 0 3 2").cmd("poweroff")
    t = ctx.run_script(s, ctx.mmio_blk(disk))
    seg = t.segments[0]
    check(seg is not None, "no `vireo> blk read 0 3 2` echo")
    check(not error_lines(seg), f"`blk read 0 3 2` failed: {short(seg)}")
    missing = hex_chunks_in_order(seg, disk.read(3, 2))
    if missing is not None:
        raise CaseFailed(f"`blk read 0 3 2`: the dump lacks the disk's bytes from offset "
                         f"{missing} of the range on ({disk.read(3, 2)[missing:missing + 8].hex()})")


BAD_CAPACITY = 8192  # sectors of the 4 MiB disk


def bad_commands():
    return ["frobnicate",
            f"blk crc 0 {BAD_CAPACITY} 1",       # LBA past the end
            f"blk crc 0 {BAD_CAPACITY - 1} 2",   # range runs past the end
            "blk read 9 0 1",                    # no such device
            "blk crc 0 0",                       # missing argument
            "blk crc 0 zz 1",                    # not a number
            f"blk write 0 {BAD_CAPACITY - 2} 4 1"]  # write past the end: must not touch the disk


@case("shell-bad-input-interactive")
def shell_bad_input_interactive(ctx):
    """typed at the vireo> prompt: each bad command prints error:, the prompt comes back"""
    disk = ctx.disk("d0", 4 * MiB)
    with ctx.vm("", ctx.mmio_blk(disk) + ["-nic", "none"]) as vm:
        vm.wait_prompt(ctx.seconds(30))
        for cmd in bad_commands():
            expect_error(cmd, vm.command(cmd, ctx.seconds(10)))
        out = vm.command("blk crc 0 5 3", ctx.seconds(10))
        check(crc_value("blk crc 0 5 3", out) == disk.crc(5, 3),
              f"`blk crc 0 5 3` after the errors: wrong crc {short(out)}")
        devs = parse_devices(vm.command("devices", ctx.seconds(10)))
        check([d.get("name") for d in devs] == ["blk0"], f"`devices` after the errors: {devs}")
        vm.send_line("poweroff")
        rc = vm.wait_exit(ctx.seconds(15))
        check_no_crash(vm.output)
    check(rc == 0, f"QEMU exited with status {rc}")
    disk.verify_file()


@case("shell-bad-input-script")
def shell_bad_input_script(ctx):
    """the same bad commands in the boot script: each prints error:, the script goes on"""
    disk = ctx.disk("d0", 4 * MiB)
    s = Script()
    for cmd in bad_commands():
        s.error(cmd)
    s.crc(0, 5, 3).cmd("poweroff")
    t = ctx.run_script(s, ctx.mmio_blk(disk))
    s.verify(t, {0: disk})
    disk.verify_file()


@case("no-disk")
def no_disk(ctx):
    """no virtio device: devices lists no blk, blk commands fail cleanly, poweroff works"""
    s = Script().cmd("devices").cmd("blk info").error("blk crc 0 0 1").cmd("poweroff")
    t = ctx.run_script(s)
    seg = t.segments[0]
    check(seg is not None, "no `vireo> devices` echo")
    devs = [d for d in parse_devices(seg) if "blk" in d.get("name", "") or d.get("type") == "blk"]
    check(not devs, f"`devices` lists a blk device with no disk attached: {devs}")
    check(t.segments[1] is not None, "no `vireo> blk info` echo")
    check("crc32=" not in t.segments[1], "`blk info` printed a crc")
    s.verify(t, {})


def padded(head, tail, length):
    """`head` + blanks + `tail`, `length` characters in all."""
    check(len(head) + len(tail) < length, "padded(): nothing to pad")
    return head + " " * (length - len(head) - len(tail)) + tail


@case("shell-overlong-line-interactive")
def shell_overlong_line_interactive(ctx):
    """a typed line over 255 characters is rejected whole (one error:, nothing written), one of
    exactly 255 runs; the shell goes on"""
    disk = ctx.disk("d0", 4 * MiB)
    # The line: the seed's last digits fall past character 255.
    too_long = padded("blk write 0 5 1 ", "0x12345678", 260)
    just_fits = padded("blk write 0 6 1 ", "0x9abcdef0", 255)
    with ctx.vm("", ctx.mmio_blk(disk)) as vm:
        vm.wait_prompt(ctx.seconds(30))
        out = vm.command(too_long, ctx.seconds(10))
        errors = error_lines(out)
        check(len(errors) == 1 and "too long" in errors[0],
              f"over-long line: expected one `error: ... too long` line, got {short(out)}")
        check("blk write:" not in out, f"over-long line ran: {short(out)}")
        out = vm.command(just_fits, ctx.seconds(10))
        check(not error_lines(out) and "blk write:" in out,
              f"a 255-character line did not run: {short(out)}")
        disk.apply_write(6, 1, 0x9abcdef0)
        out = vm.command("blk crc 0 5 2", ctx.seconds(10))
        check(crc_value("blk crc 0 5 2", out) == disk.crc(5, 2),
              f"`blk crc 0 5 2`: sector 5 was written or 6 was not: {short(out)}")
        vm.send_line("poweroff")
        rc = vm.wait_exit(ctx.seconds(15))
        check_no_crash(vm.output)
    check(rc == 0, f"QEMU exited with status {rc}")
    disk.verify_file()  # sector 5 holds its random bytes, not seed 0x123's pattern
