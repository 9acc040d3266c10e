"""QEMU cases for issue 14: virtio-blk against injected I/O errors (QEMU's blkdebug driver) and
a read-only disk. Each failing request must give one `error:` line in the shell's existing
format (`error: blk0: read at lba N failed: Input/output error (-5)`), print no crc or data as
if it were valid, and leave the shell (and the device) working; after poweroff the host disk
holds exactly the writes that reported success (Disk.verify_file)."""

import os
import re

from harness import (MiB, Script, blk_devices, case, check, error_lines, sector_pattern,
                     short)

SEED = 0x5EED0014


IOTYPE = {"read_aio": "read", "write_aio": "write", "flush_to_disk": "flush"}


def blkdebug_blk(ctx, disk, rules, slot=31):
    """QEMU arguments for `disk` behind a blkdebug filter whose config file holds `rules`:
    (event, once[, sector]) tuples, each failing requests of that event's type with EIO (errno
    5). `iotype` keeps a rule to its own kind of request (blkdebug would otherwise fail the
    next request of any kind after the event); `sector` to requests that cover it (QEMU reads
    sector 0 itself at start-up, to guess a geometry, which would use up a `once` rule)."""
    conf = os.path.join(ctx.workdir, f"{os.path.basename(disk.path)}.blkdebug")
    with open(conf, "w") as f:
        for event, once, *sector in rules:
            f.write(f'[inject-error]\nevent = "{event}"\niotype = "{IOTYPE[event]}"\n'
                    f'errno = "5"\nonce = "{"on" if once else "off"}"\n')
            if sector:
                f.write(f'sector = "{sector[0]}"\n')
            f.write("\n")
    disk.mmio_slot = slot
    return ["-drive", f"if=none,id=fdrive,format=raw,file=blkdebug:{conf}:{disk.path}",
            "-device", f"virtio-blk-device,drive=fdrive,bus=virtio-mmio-bus.{slot}"]


def io_error(seg, cmd, op):
    """`cmd` failed with an I/O error line naming `op`, and printed nothing as if valid."""
    check(seg is not None, f"no output for `{cmd}`")
    errors = error_lines(seg)
    check(errors, f"`{cmd}`: expected an error line, got {short(seg)}")
    check(any(op in e and ("I/O error" in e or "Input/output error" in e) for e in errors),
          f"`{cmd}`: the error does not say `{op}` and I/O error: {errors}")
    check("crc32=" not in seg, f"`{cmd}`: printed a crc from a failed read: {short(seg)}")
    check(" ok" not in seg, f"`{cmd}`: reported success: {short(seg)}")
    check(not any(line.startswith("00000000 ") for line in seg.split("\n")),
          f"`{cmd}`: printed a hex dump from a failed read: {short(seg)}")


def run(ctx, rules, script, fault_cmds, op):
    """Boot with the faulty disk, run `script` (its `Script.error` ops are the commands that
    must fail with `op`), check every op and the disk file."""
    disk = ctx.disk("d0", 4 * MiB)
    t = ctx.run_script(script, blkdebug_blk(ctx, disk, rules))
    devs = blk_devices(t, {disk.mmio_slot: disk})
    for i, o in enumerate(script.ops):
        if o.text in fault_cmds and o.kind == "error":
            io_error(t.segments[i], o.text, op)
    script.verify(t, devs)
    disk.verify_file()
    return t


@case("blk-fault-read-once", timeout=90)
def blk_fault_read_once(ctx):
    """blkdebug fails the first read with EIO: an error line, no crc; the same read then works"""
    s = (Script().cmd("devices").error("blk crc 0 96 8").crc(0, 96, 8).crc(0, 0, 8)
         .write(0, 10, 4, SEED).crc(0, 10, 4).cmd("poweroff"))
    run(ctx, [("read_aio", True, 100)], s, {"blk crc 0 96 8"}, "read")


@case("blk-fault-read-always", timeout=90)
def blk_fault_read_always(ctx):
    """every read fails with EIO: crc and read give error lines (no crc, no dump); writes land"""
    s = (Script().cmd("devices").error("blk crc 0 0 8").error("blk read 0 5 1")
         .write(0, 20, 8, SEED).error("blk crc 0 20 8").cmd("poweroff"))
    run(ctx, [("read_aio", False)], s, {"blk crc 0 0 8", "blk read 0 5 1", "blk crc 0 20 8"},
        "read")


@case("blk-fault-write-once", timeout=90)
def blk_fault_write_once(ctx):
    """the first write fails with EIO: an error line, the disk keeps the old data there; the next
    write lands and both crcs match the host's disk"""
    s = (Script().cmd("devices").error(f"blk write 0 30 4 {SEED:#x}").crc(0, 30, 4)
         .write(0, 40, 4, SEED).crc(0, 40, 4).cmd("poweroff"))
    run(ctx, [("write_aio", True)], s, {f"blk write 0 30 4 {SEED:#x}"}, "write")


@case("blk-fault-write-always", timeout=90)
def blk_fault_write_always(ctx):
    """every write fails with EIO: each gives an error line, reads still work, the disk file is
    unchanged"""
    w1, w2 = f"blk write 0 0 1 {SEED:#x}", f"blk write 0 50 8 {SEED:#x}"
    s = Script().cmd("devices").error(w1).error(w2).crc(0, 0, 64).cmd("poweroff")
    run(ctx, [("write_aio", False)], s, {w1, w2}, "write")


def flush_error(seg, cmd):
    check(seg is not None, f"no output for `{cmd}`")
    errors = error_lines(seg)
    check(any("flush failed" in e and ("I/O error" in e or "Input/output error" in e)
              for e in errors),
          f"`{cmd}`: expected `error: blk0: flush failed: I/O error`, got {short(seg)}")
    check(" ok" not in seg, f"`{cmd}`: reported success: {short(seg)}")


def settle_unflushed(disk, lba, count, seed):
    """A write whose flush failed reported failure, but its data may have reached the file
    (durability unknown, not content): those sectors must hold the old data or the new, and
    nothing else; the rest of the file is checked exactly by verify_file()."""
    with open(disk.path, "rb") as f:
        f.seek(lba * 512)
        actual = f.read(count * 512)
    new = sector_pattern(lba, count, seed)
    check(actual in (disk.read(lba, count), new),
          f"sectors {lba}+{count} after a failed flush hold neither the old nor the new data")
    disk.expected[lba * 512:(lba + count) * 512] = actual


# QEMU skips a flush when nothing was written since the last one, so each case writes first;
# `blk write` flushes after writing, and that flush is the one that fails first.
@case("blk-fault-flush-once", timeout=90)
def blk_fault_flush_once(ctx):
    """the first flush fails with EIO: the write it follows says `flush failed`; the next flush
    and a later write succeed, and every crc matches the host's disk"""
    w = f"blk write 0 60 2 {SEED:#x}"
    s = (Script().cmd("devices").cmd(w).cmd("blk flush 0").write(0, 80, 2, SEED)
         .crc(0, 80, 2).cmd("poweroff"))
    disk = ctx.disk("d0", 4 * MiB)
    t = ctx.run_script(s, blkdebug_blk(ctx, disk, [("flush_to_disk", True)]))
    devs = blk_devices(t, {disk.mmio_slot: disk})
    flush_error(t.segments[1], w)
    check("blk flush: blk0 ok" in (t.segments[2] or ""),
          f"the flush after the failed one did not succeed: {short(t.segments[2])}")
    s.verify(t, devs)
    settle_unflushed(disk, 60, 2, SEED)
    disk.verify_file()


@case("blk-fault-flush-always", timeout=90)
def blk_fault_flush_always(ctx):
    """every flush fails with EIO: the write's flush and `blk flush` each give an error line,
    the device is not given up on (reads go on)"""
    w = f"blk write 0 70 1 {SEED:#x}"
    s = (Script().cmd("devices").cmd(w).error("blk flush 0").crc(0, 0, 16).cmd("poweroff"))
    disk = ctx.disk("d0", 4 * MiB)
    t = ctx.run_script(s, blkdebug_blk(ctx, disk, [("flush_to_disk", False)]))
    devs = blk_devices(t, {disk.mmio_slot: disk})
    flush_error(t.segments[1], w)
    flush_error(t.segments[2], "blk flush 0")
    s.verify(t, devs)
    settle_unflushed(disk, 70, 1, SEED)
    disk.verify_file()


@case("blk-readonly-disk", timeout=90)
def blk_readonly_disk(ctx):
    """a readonly=on disk: `blk info` says ro, every write gives an error line, the file is
    unchanged, reads work"""
    disk = ctx.disk("d0", 4 * MiB)
    w = f"blk write 0 0 8 {SEED:#x}"
    s = Script().cmd("devices").cmd("blk info").error(w).crc(0, 0, 8).cmd("poweroff")
    args = ["-drive", f"if=none,id=rodrive,format=raw,readonly=on,file={disk.path}",
            "-device", "virtio-blk-device,drive=rodrive,bus=virtio-mmio-bus.31"]
    disk.mmio_slot = 31
    t = ctx.run_script(s, args)
    devs = blk_devices(t, {31: disk})
    check("ro=yes" in (t.segments[1] or ""), f"`blk info` does not say ro=yes: {short(t.segments[1])}")
    check("read-only" in " ".join(error_lines(t.segments[2] or "")),
          f"`{w}`: the error does not say read-only: {short(t.segments[2])}")
    s.verify(t, devs)
    disk.verify_file()


@case("blk-device-stops-answering", timeout=120)
def blk_device_stops_answering(ctx):
    """a disk that stops answering (QEMU throttles it to 4 KiB/s: after a first read, a 64 KiB
    read would take 16 s) past timeout=1000: the request times out with a message, the device
    is failed and later requests on it error at once; a second disk and an rng keep working"""
    slow = ctx.disk("slow", 4 * MiB)
    other = ctx.disk("other", 2 * MiB)
    slow.mmio_slot, other.mmio_slot = 30, 31  # vireo names the lower address blk0
    args = ["-drive", f"if=none,id=slow,format=raw,file={slow.path},throttling.bps-total=4096",
            "-device", "virtio-blk-device,drive=slow,bus=virtio-mmio-bus.30",
            "-drive", f"if=none,id=other,format=raw,file={other.path}",
            "-device", "virtio-blk-device,drive=other,bus=virtio-mmio-bus.31",
            "-device", "virtio-rng-device,bus=virtio-mmio-bus.29"]
    s = (Script().cmd("devices").crc(0, 0, 128).error("blk crc 0 128 128")
         .error("blk crc 0 0 1").crc(1, 0, 8).cmd("rng 16").cmd("poweroff"))
    t = ctx.run_script(s, args, options="timeout=1000")
    devs = blk_devices(t, {30: slow, 31: other})
    check(devs.get(0) is slow, f"the throttled disk is not blk0: {devs}")
    seg = t.segments[2] or ""
    check("request timed out" in seg and "device failed" in seg,
          f"`blk crc 0 128 128`: no timeout message: {short(seg)}")
    check(any("timed out" in e for e in error_lines(seg)),
          f"`blk crc 0 128 128`: the error does not say timed out: {error_lines(seg)}")
    check("crc32=" not in seg, f"`blk crc 0 128 128` printed a crc: {short(seg)}")
    rng = t.segments[5] or ""
    check(re.search(r"^rng: [0-9a-f]{32}$", rng, re.M), f"`rng 16` after the timeout: {short(rng)}")
    s.verify(t, devs)
    slow.verify_file()
    other.verify_file()
