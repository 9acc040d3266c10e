"""What QEMU test cases are made of: registration, a per-case context, host-side disks, shell
scripts whose expected results are computed on the host, and parsers for the shell's output.

A case is a function registered with `@case(name)`; it gets a `Ctx` and fails by raising
`CaseFailed` (or any exception). Expected values always come from the host (zlib, the disk
files), never from the guest's own output. A typical case:

    @case("blk-legacy")
    def blk_legacy(ctx):
        disk = ctx.disk("d0", 4 * MiB)
        s = Script()
        s.cmd("devices")
        s.crc(0, 0, 64)
        s.write(0, 10, 8, 0x1234ABCD)
        s.cmd("poweroff")
        t = ctx.run_script(s, ctx.mmio_blk(disk))     # boots, waits for poweroff
        devs = blk_devices(t, {disk.mmio_slot: disk})  # blkN -> disk, via transport address
        s.verify(t, devs)                              # every crc, every write
        disk.verify_file()                             # the bytes on the host's disk

Cases live in tests/qemu/cases_*.py; run_tests.py imports every such file.
"""

import os
import re
import shutil
import struct
import time
import zlib

import vm as vmlib
from vm import PROMPT, VM

MiB = 1024 * 1024
SECTOR = 512

CASES = []


class CaseFailed(Exception):
    """A check failed; the message says what was expected and what came instead."""


class CaseSkipped(Exception):
    """The case cannot run here for a reason outside vireo (e.g. a payload that cannot be
    downloaded): counted as skipped, never as passed."""


def check(cond, message):
    if not cond:
        raise CaseFailed(message)


def case(name, timeout=60, arch="aarch64"):
    """Register a test case. `timeout` (seconds, before --timeout-scale) bounds the whole case:
    every QEMU wait inside it ends by then. `arch`: which image it boots (vm.ARCHES)."""
    def register(fn):
        check(all(c.name != name for c in CASES), f"duplicate case name {name}")
        CASES.append(Case(name, fn, timeout, (fn.__doc__ or "").strip().split("\n")[0], arch))
        return fn
    return register


class Case:
    def __init__(self, name, fn, timeout, summary, arch="aarch64"):
        self.name, self.fn, self.timeout, self.summary = name, fn, timeout, summary
        self.arch = arch


# ---------------------------------------------------------------------- disks

def sector_pattern(lba, count, seed):
    """What `blk write <dev> <lba> <count> <seed>` puts on the disk: sector s holds 64 copies
    of the little-endian u64 `s XOR seed`."""
    return b"".join(struct.pack("<Q", (s ^ seed) & (2**64 - 1)) * (SECTOR // 8)
                    for s in range(lba, lba + count))


class Disk:
    """A raw disk image on the host, filled with random bytes, and what it should contain."""

    def __init__(self, path, size, header=b""):
        check(size % SECTOR == 0, "disk size must be whole sectors")
        self.path = path
        data = bytearray(os.urandom(size))
        data[:len(header)] = header
        with open(path, "wb") as f:
            f.write(data)
        self.expected = data
        self.written = []  # (lba, count) ranges the tests wrote
        self.mmio_slot = None

    @property
    def sectors_count(self):
        return len(self.expected) // SECTOR

    def read(self, lba, count):
        """Expected content of sectors [lba, lba+count)."""
        return bytes(self.expected[lba * SECTOR:(lba + count) * SECTOR])

    def crc(self, lba, count):
        return zlib.crc32(self.read(lba, count))

    def apply_write(self, lba, count, seed):
        self.expected[lba * SECTOR:(lba + count) * SECTOR] = sector_pattern(lba, count, seed)
        self.written.append((lba, count))

    def verify_file(self):
        """After QEMU exited: the file holds exactly what is expected, sector by sector."""
        with open(self.path, "rb") as f:
            actual = f.read()
        check(len(actual) == len(self.expected),
              f"{self.name}: file is {len(actual)} bytes, expected {len(self.expected)}")
        bad = [s for s in range(self.sectors_count)
               if actual[s * SECTOR:(s + 1) * SECTOR] != self.expected[s * SECTOR:(s + 1) * SECTOR]]
        if bad:
            inside = [s for s in bad if any(lba <= s < lba + n for lba, n in self.written)]
            raise CaseFailed(
                f"{self.name}: {len(bad)} sector(s) differ from the host's expectation "
                f"(first: {bad[:8]}; {len(inside)} inside written ranges {self.written}, "
                f"{len(bad) - len(inside)} outside)")

    @property
    def name(self):
        return os.path.basename(self.path)


# ---------------------------------------------------------------------- shell scripts

class Op:
    def __init__(self, text, kind, args=()):
        self.text, self.kind, self.args = text, kind, args


class Script:
    """Shell commands for `-append "-- a; b; ..."` (or to type one by one), with the checks
    the host derives for each: `crc` expects the host's CRC-32 of the disk at that point in the
    script; `write` expects no error and updates the disk's expected content; `error` expects a
    line starting `error:`."""

    def __init__(self):
        self.ops = []

    def cmd(self, text):
        self.ops.append(Op(text, "cmd"))
        return self

    def crc(self, dev, lba, count):
        self.ops.append(Op(f"blk crc {dev} {lba} {count}", "crc", (dev, lba, count)))
        return self

    def write(self, dev, lba, count, seed, decimal=False):
        seed_text = str(seed) if decimal else f"{seed:#x}"
        self.ops.append(Op(f"blk write {dev} {lba} {count} {seed_text}", "write",
                           (dev, lba, count, seed)))
        return self

    def error(self, text):
        self.ops.append(Op(text, "error"))
        return self

    @property
    def commands(self):
        return [op.text for op in self.ops]

    def append_arg(self, options=""):
        """The kernel command line: `[options] -- cmd; cmd; ...`."""
        return f"{options} -- {'; '.join(self.commands)}".strip()

    def verify(self, transcript, disks):
        """Check every op against its output segment. `disks` maps a blk device number to the
        Disk behind it (see blk_devices). Writes are replayed on the disks' expected content
        in script order, so a later crc expects the written pattern."""
        problems = []
        for op, seg in zip(self.ops, transcript.segments):
            if seg is None:
                problems.append(f"no `{PROMPT}{op.text}` echo in the output")
                continue
            try:
                verify_op(op, seg, disks)
            except CaseFailed as e:
                problems.append(str(e))
        check(not problems, "; ".join(problems))


def verify_op(op, seg, disks):
    if op.kind == "error":
        expect_error(op.text, seg)
        return
    if op.kind == "cmd":
        return
    dev = op.args[0]
    check(dev in disks, f"`{op.text}`: no blk{dev} to check against")
    errors = error_lines(seg)
    check(not errors, f"`{op.text}` failed: {errors[0] if errors else ''}")
    if op.kind == "crc":
        got = crc_value(op.text, seg)
        want = disks[dev].crc(*op.args[1:])
        check(got == want, f"`{op.text}`: guest crc32={got:08x}, host crc32={want:08x}")
    elif op.kind == "write":
        disks[dev].apply_write(*op.args[1:])


# ---------------------------------------------------------------------- parsing output

class Transcript:
    """A run's output cut at each command's echo `vireo> <cmd>`: `boot` is what came before the
    first command, `segments[i]` the output of command i (None when its echo is missing)."""

    def __init__(self, text, commands, returncode=None):
        self.text = text
        self.returncode = returncode
        self.segments = []
        pos, first = 0, None
        for cmd in commands:
            echo = re.compile(re.escape(PROMPT.rstrip()) + r"[ \t]*" + re.escape(cmd) + r"[ \t]*$",
                              re.M)
            m = echo.search(text, pos)
            if not m:
                self.segments.append(None)
                continue
            first = m.start() if first is None else first
            nxt = text.find(PROMPT.rstrip(), m.end())
            end = len(text) if nxt < 0 else nxt
            self.segments.append(text[m.end():end])
            pos = m.end()
        self.boot = text if first is None else text[:first]


KV_RE = re.compile(r'(\w+)=("([^"]*)"|\S+)')


def parse_kv(line):
    """`a=1 b="x y"` -> {"a": "1", "b": "x y"}."""
    return {m.group(1): m.group(3) if m.group(3) is not None else m.group(2)
            for m in KV_RE.finditer(line)}


def parse_devices(seg):
    """The `devices` output: one dict per line that has a `name=`."""
    return [parse_kv(line) for line in seg.split("\n") if re.search(r"\bname=", line)]


def error_lines(seg):
    return re.findall(r"^error:.*$", seg, re.M)


def expect_error(cmd, seg):
    check(seg is not None, f"no `{PROMPT}{cmd}` echo in the output")
    check(error_lines(seg), f"`{cmd}`: expected a line starting `error:`, got {short(seg)}")
    check("crc32=" not in seg, f"`{cmd}`: printed a crc although it should fail: {short(seg)}")


def crc_value(cmd, seg):
    vals = re.findall(r"\bcrc32=([0-9a-fA-F]+)\b", seg)
    check(len(vals) == 1, f"`{cmd}`: expected one crc32=<8 hex>, got {short(seg)}")
    check(len(vals[0]) == 8, f"`{cmd}`: crc32={vals[0]} is not 8 hex digits")
    return int(vals[0], 16)


def short(text, limit=160):
    text = " | ".join(line.strip() for line in (text or "").strip().split("\n") if line.strip())
    return repr(text if len(text) <= limit else text[:limit] + "...")


CRASH_RE = re.compile(r"\bpanic\b|\bESR\b|\bSError\b", re.I)


def check_no_crash(text):
    m = CRASH_RE.search(text)
    if m:
        line = text[text.rfind("\n", 0, m.start()) + 1:].split("\n")[0]
        raise CaseFailed(f"the guest crashed: {line.strip()!r}")


def mmio_address(dev):
    m = re.fullmatch(r"mmio@(?:0x)?([0-9a-fA-F]+)", dev.get("transport", ""))
    return int(m.group(1), 16) if m else None


REQUIRED_KEYS = ("name", "transport", "version", "type", "features", "dma", "why")


def check_device_line(dev, **want):
    """A `devices` line has every documented key, and the wanted values."""
    missing = [k for k in REQUIRED_KEYS if k not in dev]
    check(not missing, f"devices line for {dev.get('name')} lacks {missing}: {dev}")
    check(re.fullmatch(r"0x[0-9a-fA-F]+", dev["features"]),
          f"{dev['name']}: features={dev['features']} is not 0x-hex")
    for key, value in want.items():
        check(dev.get(key) == value, f"{dev['name']}: expected {key}={value}, got {key}={dev.get(key)}")
    version_1 = int(dev["features"], 16) >> 32 & 1
    if dev["version"] == "modern":
        check(version_1, f"{dev['name']}: modern but features={dev['features']} lacks VERSION_1 (bit 32)")
    elif dev["version"] == "legacy":
        check(int(dev["features"], 16) < 2**32,
              f"{dev['name']}: legacy but features={dev['features']} has bits above 31")


def blk_devices(transcript, slots, index=0, **want):
    """From the `devices` output (segment `index`), map each blkN to the Disk QEMU attached at
    its transport address. `slots`: {virtio-mmio slot: Disk}. Every attached disk must appear
    exactly once, nothing else may be a blk, and each line must have `want`'s values."""
    seg = transcript.segments[index]
    check(seg is not None, "no `devices` output")
    devs = [d for d in parse_devices(seg) if d.get("type") == "blk"
            or d.get("name", "").startswith("blk")]
    by_addr = {vmlib.virtio_mmio_address(slot): disk for slot, disk in slots.items()}
    result = {}
    for d in devs:
        check_device_line(d, type="blk", **want)
        m = re.fullmatch(r"blk(\d+)", d["name"])
        check(m, f"blk device named {d['name']!r}, expected blkN")
        addr = mmio_address(d)
        check(addr in by_addr, f"{d['name']}: transport={d['transport']} is not where QEMU put a "
              f"disk ({', '.join(hex(a) for a in by_addr)})")
        check(by_addr[addr] not in result.values(), f"two devices at {d['transport']}")
        result[int(m.group(1))] = by_addr[addr]
    check(len(result) == len(slots),
          f"devices lists {len(result)} blk device(s), QEMU has {len(slots)}: {short(seg)}")
    return result


def check_entry_el(boot, el):
    """If the boot log names an exception level, it names `el` (e.g. "EL2")."""
    if re.search(r"\bEL[0-3]\b", boot):
        check(re.search(rf"\b{el}\b", boot), f"boot log mentions an EL but not {el}: "
              f"{short(chr(10).join(l for l in boot.split(chr(10)) if 'EL' in l))}")


# ---------------------------------------------------------------------- per-case context

class Ctx:
    """What a case gets: its name, the image, a fresh work directory, a deadline, and helpers
    that boot QEMU with a log under build/qemu-logs/."""

    def __init__(self, case, image, build, timeout_scale=1.0, echo=None):
        self.name = case.name
        self.image = image
        self.arch = vmlib.ARCHES[case.arch]
        self.build = build
        self.scale = timeout_scale
        self.echo = echo
        self.deadline = time.monotonic() + case.timeout * timeout_scale
        self.workdir = os.path.join(build, "qemu-work", case.name)
        self.logdir = os.path.join(build, "qemu-logs")
        shutil.rmtree(self.workdir, ignore_errors=True)
        os.makedirs(self.workdir)
        os.makedirs(self.logdir, exist_ok=True)
        self.logs = []
        self._next_slot = vmlib.VIRTIO_MMIO_SLOTS - 1
        self._drive_count = 0

    def seconds(self, t):
        """A timeout scaled by --timeout-scale."""
        return t * self.scale

    def disk(self, name, size, header=b""):
        return Disk(os.path.join(self.workdir, f"{name}.img"), size, header)

    def mmio_blk(self, disk, slot=None):
        """QEMU arguments for `disk` as a virtio-blk-device on virtio-mmio slot `slot` (by
        default the next free one from the top, as QEMU itself would pick)."""
        if slot is None:
            slot = self._next_slot
            self._next_slot -= 1
        disk.mmio_slot = slot
        drive = f"drive{self._drive_count}"
        self._drive_count += 1
        return ["-drive", f"if=none,file={disk.path},format=raw,id={drive}",
                "-device", f"virtio-blk-device,drive={drive},bus=virtio-mmio-bus.{slot}"]

    def vm(self, append="", extra=(), machine_opts=(), memory="512M"):
        """A VM (not started) whose log is build/qemu-logs/<case>.log (<case>-2.log, ... for
        further boots in the same case)."""
        n = len(self.logs) + 1
        log = os.path.join(self.logdir, f"{self.name}.log" if n == 1 else f"{self.name}-{n}.log")
        self.logs.append(log)
        return VM(self.image, append=append, extra=extra,
                  machine_opts=(*self.arch["machine_opts"], *machine_opts),
                  qemu=self.arch["qemu"], cpu=self.arch["cpu"], memory=memory,
                  log_path=log, deadline=self.deadline, echo=self.echo)

    def run_script(self, script, *extra, machine_opts=(), options="", memory="512M"):
        """Boot with `script` on the command line (it should end with poweroff), wait for QEMU
        to exit, and return the Transcript. `extra`: lists of QEMU arguments (e.g. mmio_blk()).
        Fails if QEMU does not exit cleanly in time or the guest crashed."""
        args = [a for group in extra for a in group]
        with self.vm(script.append_arg(options), args, machine_opts, memory) as vm:
            rc = vm.wait_exit(self.deadline - time.monotonic())
            text = vm.output
        check_no_crash(text)
        t = Transcript(text, script.commands, rc)
        check(rc == 0, f"QEMU exited with status {rc}")
        return t
