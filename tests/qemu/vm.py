"""Run the vireo image in QEMU and talk to its serial console.

A `VM` starts `qemu-system-aarch64 -M virt` with the guest's serial port on a pipe, reads the
output on a background thread (every byte also goes to a log file), and lets a test wait for a
regular expression, type a shell command, or wait for the guest to power off. Every wait has a
timeout; when one expires QEMU is killed and `VMTimeout` carries the last lines of output.
A `VM` is a context manager, and QEMU is always killed on the way out.

    with VM(image, append="-- devices; poweroff", log_path="build/qemu-logs/x.log") as vm:
        vm.wait_for(r"name=blk0", timeout=30)
        vm.wait_exit(timeout=30)

Standard library only.
"""

import codecs
import os
import re
import shlex
import shutil
import subprocess
import threading
import time

QEMU = os.environ.get("VIREO_QEMU", "qemu-system-aarch64")

# How each architecture's image boots: the QEMU binary, the CPU, the machine options every boot
# gets. AArch32: a Cortex-A15 (LPAE, virtualization extensions, generic timer); highmem=off
# keeps every window below 4 GiB (a 32-bit identity map cannot reach PCIe's high ECAM/MMIO).
ARCHES = {
    "aarch64": {"qemu": QEMU, "cpu": "cortex-a57", "machine_opts": ()},
    "aarch32": {"qemu": os.environ.get("VIREO_QEMU32", "qemu-system-arm"), "cpu": "cortex-a15",
                "machine_opts": ("highmem=off",)},
}

# The shell prompt; the shell echoes `vireo> <cmd>` before each command's output.
PROMPT = "vireo> "

# QEMU virt (7.2) has 32 virtio-mmio transports at 0x0a000000 + 0x200 * N, named
# virtio-mmio-bus.N. Without `bus=`, the first -device lands on bus 31, the next on 30, ...
VIRTIO_MMIO_BASE = 0x0A000000
VIRTIO_MMIO_STRIDE = 0x200
VIRTIO_MMIO_SLOTS = 32


def virtio_mmio_address(slot):
    """Physical address of QEMU virt's virtio-mmio transport `virtio-mmio-bus.<slot>`."""
    return VIRTIO_MMIO_BASE + VIRTIO_MMIO_STRIDE * slot


class VMError(Exception):
    """QEMU could not be started, exited early, or the guest did not do what was awaited."""


class VMTimeout(VMError):
    """A wait ran out of time; QEMU has been killed."""


def qemu_available(qemu=QEMU):
    return shutil.which(qemu) is not None


# PCI NICs whose QEMU device model loads an option ROM (iPXE) unless told `romfile=`.
ROM_NICS = ("virtio-net-pci", "e1000", "e1000e", "rtl8139", "i82559er", "pcnet", "ne2k_pci")


def explicit_devices(args):
    """Return QEMU arguments that state every device: `-nic none` unless the arguments give a
    NIC of their own (`-nic`/`-net`), and an empty `romfile=` on every PCI NIC.

    QEMU virt otherwise adds a default virtio-net-pci NIC, and every PCI NIC loads an iPXE option
    ROM (efi-virtio.rom from Debian's ipxe-qemu): vireo runs no option ROMs, and a case must not
    fail because a package it does not use is missing, nor test a device it did not ask for."""
    out = []
    nic = False
    it = iter(args)
    for a in it:
        a = str(a)
        if a in ("-nic", "-net"):
            nic = True
        elif a == "-device":
            out.append(a)
            spec = str(next(it, ""))
            model = spec.split(",", 1)[0]
            if model in ROM_NICS and not re.search(r"(^|,)romfile=", spec):
                spec += ",romfile="
            out.append(spec)
            continue
        out.append(a)
    if not nic:
        out += ["-nic", "none"]
    return out


class VM:
    """One QEMU process running the image, its serial console on a pipe."""

    def __init__(self, image, *, append="", machine="virt", machine_opts=(),
                 cpu="cortex-a57", memory="512M", extra=(), log_path=None,
                 deadline=None, echo=None, qemu=QEMU, bios=None):
        """`machine_opts`: e.g. ("virtualization=on",); `extra`: further QEMU arguments;
        `deadline`: a time.monotonic() value no wait may go past; `echo`: a text stream that
        gets the output live (for debugging); `bios`: boot this firmware (`-bios`, e.g.
        U-Boot) instead of `image` with `append` (`-kernel`, `-append`), which are then
        ignored."""
        mach = ",".join([machine, *machine_opts])
        boot = ["-bios", str(bios)] if bios else ["-kernel", str(image), "-append", append]
        self.argv = [qemu, "-M", mach, "-cpu", cpu, "-m", memory,
                     "-display", "none", "-serial", "stdio", "-monitor", "none",
                     *boot, *explicit_devices(extra)]
        self.log_path = log_path
        self.deadline = deadline
        self.echo = echo
        self.proc = None
        self.returncode = None
        self.cursor = 0  # wait_for searches from here; a match moves it past the match
        self._text = ""
        self._eof = False
        self._cond = threading.Condition()
        self._reader = None
        self._log = None

    # ------------------------------------------------------------------ lifecycle

    def start(self):
        if not qemu_available(self.argv[0]):
            raise VMError(f"{self.argv[0]} not found (install qemu-system-arm)")
        if self.log_path:
            os.makedirs(os.path.dirname(self.log_path) or ".", exist_ok=True)
            self._log = open(self.log_path, "wb")
            self._log.write(f"# {shlex.join(self.argv)}\n".encode())
        # stderr joins the serial output, so a QEMU complaint shows in the log and the error.
        self.proc = subprocess.Popen(self.argv, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                     stderr=subprocess.STDOUT, start_new_session=True)
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()
        return self

    def kill(self):
        """Stop QEMU if it still runs and wait for the reader to drain. Safe to call twice."""
        if self.proc is None:
            return
        if self.proc.poll() is None:
            self.proc.kill()
        self.returncode = self.proc.wait()
        if self._reader is not None:
            self._reader.join(timeout=5)
        for f in (self.proc.stdin, self.proc.stdout):
            try:
                f.close()
            except OSError:
                pass
        if self._log is not None:
            self._log.close()
            self._log = None

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.kill()
        return False

    def _read(self):
        decoder = codecs.getincrementaldecoder("utf-8")(errors="replace")
        fd = self.proc.stdout.fileno()
        while True:
            try:
                chunk = os.read(fd, 65536)
            except OSError:
                chunk = b""
            if self._log is not None:
                self._log.write(chunk)
                self._log.flush()
            text = decoder.decode(chunk, final=not chunk).replace("\r", "")
            if self.echo is not None and text:
                self.echo.write(text)
                self.echo.flush()
            with self._cond:
                self._text += text
                self._eof = not chunk
                self._cond.notify_all()
            if not chunk:
                return

    # ------------------------------------------------------------------ output

    @property
    def output(self):
        """Everything the guest (and QEMU) printed so far, with CRs removed."""
        with self._cond:
            return self._text

    def tail(self, lines=15):
        return "\n".join(self.output.rstrip("\n").split("\n")[-lines:])

    def _remaining(self, timeout):
        end = time.monotonic() + timeout
        if self.deadline is not None:
            end = min(end, self.deadline)
        return end

    def _fail_timeout(self, what):
        self.kill()
        raise VMTimeout(f"timed out waiting for {what}\nlast output:\n{self.tail()}")

    def wait_for(self, pattern, timeout):
        """Wait until `pattern` (a regex, MULTILINE) matches output after the cursor; return
        the match and move the cursor past it. Times out (killing QEMU) or fails if QEMU exits
        first."""
        regex = re.compile(pattern, re.M) if isinstance(pattern, str) else pattern
        end = self._remaining(timeout)
        with self._cond:
            while True:
                m = regex.search(self._text, self.cursor)
                if m:
                    self.cursor = m.end()
                    return m
                if self._eof:
                    break
                left = end - time.monotonic()
                if left <= 0:
                    break
                self._cond.wait(left)
        if self._eof:
            rc = self.proc.wait()
            raise VMError(f"QEMU exited (status {rc}) before /{regex.pattern}/ appeared\n"
                          f"last output:\n{self.tail()}")
        self._fail_timeout(f"/{regex.pattern}/")

    def wait_prompt(self, timeout):
        """Wait for the next shell prompt; return the text between the cursor and it."""
        start = self.cursor
        m = self.wait_for(re.escape(PROMPT), timeout)
        return self.output[start:m.start()]

    # ------------------------------------------------------------------ input

    def send_line(self, line):
        """Type `line` and Enter on the serial console."""
        try:
            self.proc.stdin.write(line.encode() + b"\r")
            self.proc.stdin.flush()
        except (BrokenPipeError, ValueError) as e:
            raise VMError(f"cannot send {line!r}: QEMU is gone ({e})") from e

    def command(self, line, timeout):
        """At a prompt: type `line`, wait for the next prompt, return the command's output
        (without the echoed command line)."""
        self.send_line(line)
        text = self.wait_prompt(timeout)
        first, _, rest = text.partition("\n")
        return rest if line.strip() in first else text

    # ------------------------------------------------------------------ exit

    def wait_exit(self, timeout):
        """Wait for QEMU to exit (the guest powers off through PSCI); return its status.
        Times out by killing QEMU."""
        try:
            self.returncode = self.proc.wait(timeout=max(0.0, self._remaining(timeout)
                                                           - time.monotonic()))
        except subprocess.TimeoutExpired:
            self._fail_timeout("the guest to power off (QEMU to exit)")
        self._reader.join(timeout=5)
        return self.returncode
