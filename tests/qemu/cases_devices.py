"""QEMU cases for issue 5's virtio-rng and virtio-console: `rng <n>` gives n bytes that differ
between two boots (QEMU feeds the device from the host's random source); `console write` text
lands in the host file behind `-chardev file`; both over virtio-mmio and virtio-pci; bad
arguments give errors."""

import os
import re
import shutil
import socket
import tempfile
import time

from harness import case, check, expect_error, parse_devices, short, Script


def rng_bytes(t, index, n):
    seg = t.segments[index]
    check(seg is not None, "no `rng` output")
    m = re.search(r"^rng: ([0-9a-f]+)$", seg, re.M)
    check(m, f"`rng {n}`: no `rng: <hex>` line: {short(seg)}")
    check(len(m.group(1)) == 2 * n, f"`rng {n}` printed {len(m.group(1)) // 2} bytes")
    return bytes.fromhex(m.group(1))


def rng_case(ctx, device):
    s = Script().cmd("devices").cmd("rng 64").cmd("rng 4096").cmd("rng 0").cmd("rng 4097")
    s.cmd("poweroff")
    runs = [ctx.run_script(s, ["-device", device, "-nic", "none"]) for _ in range(2)]
    first = [rng_bytes(t, 1, 64) for t in runs]
    check(first[0] != first[1], f"`rng 64` gave the same bytes in two boots: {first[0].hex()}")
    big = rng_bytes(runs[0], 2, 4096)
    check(len(set(big)) > 200, f"4096 random bytes use only {len(set(big))} values")
    expect_error("rng 0", runs[0].segments[3])
    expect_error("rng 4097", runs[0].segments[4])
    devs = [d for d in parse_devices(runs[0].segments[0]) if d.get("type") == "rng"]
    check(len(devs) == 1 and devs[0].get("name") == "rng0", f"expected one rng0: {devs}")


@case("rng-mmio-differs-between-boots")
def rng_mmio(ctx):
    """virtio-rng-device: 64 bytes differ between two boots; 4096 works; 0 and 4097 refused"""
    rng_case(ctx, "virtio-rng-device")


@case("rng-pci-differs-between-boots")
def rng_pci(ctx):
    """virtio-rng-pci: the same over PCI"""
    rng_case(ctx, "virtio-rng-pci")


def console_case(ctx, serial):
    path = os.path.join(ctx.workdir, "console.txt")
    token = os.urandom(8).hex()
    text = f"hello from vireo {token}"
    s = Script().cmd("devices").cmd(f"console write {text}").cmd("console write second line")
    s.cmd("poweroff")
    t = ctx.run_script(s, ["-chardev", f"file,id=c0,path={path}", "-device", serial,
                           "-device", "virtconsole,chardev=c0", "-nic", "none"])
    check(re.search(rf"console: wrote {len(text) + 1} bytes", t.segments[1] or ""),
          f"`console write`: {short(t.segments[1])}")
    with open(path, "rb") as f:
        got = f.read()
    want = f"{text}\nsecond line\n".encode()
    check(got == want, f"host file holds {got!r}, expected {want!r}")
    devs = [d for d in parse_devices(t.segments[0]) if d.get("type") == "console"]
    check(len(devs) == 1 and devs[0].get("name") == "console0", f"expected console0: {devs}")


@case("console-mmio-write-reaches-host-file")
def console_mmio(ctx):
    """virtio-serial-device + virtconsole: `console write` text appears in the chardev file"""
    console_case(ctx, "virtio-serial-device")


@case("console-pci-write-reaches-host-file")
def console_pci(ctx):
    """virtio-serial-pci + virtconsole: the same over PCI"""
    console_case(ctx, "virtio-serial-pci")


@case("console-virtio-option-runs-the-shell-there")
def console_shell(ctx):
    """console=virtio: the script's commands and output go to the virtio console, not the UART"""
    path = os.path.join(ctx.workdir, "console.txt")
    token = os.urandom(4).hex()
    s = Script().cmd("devices").cmd(f"console write marker {token}").cmd("poweroff")
    t = ctx.run_script(s, ["-chardev", f"file,id=c0,path={path}", "-device",
                           "virtio-serial-device", "-device", "virtconsole,chardev=c0",
                           "-nic", "none"], options="console=virtio")
    check("console: shell moved to console0" in t.text, "the UART does not say the shell moved")
    check("name=console0" not in t.text, "`devices` output still went to the UART")
    with open(path, "rb") as f:
        got = f.read().decode(errors="replace").replace("\r\n", "\n")
    check(re.search(r"^vireo> devices$", got, re.M), f"no echoed command in the file: {got!r}")
    check(re.search(r"^name=console0 .*type=console", got, re.M),
          f"no `devices` line in the file: {got!r}")
    check(f"marker {token}\n" in got and "console: wrote" in got,
          f"`console write` missing from the file: {got!r}")


def socket_read_until(sock, token, seconds):
    """Bytes from sock until token shows up (or the time is up)."""
    data = b""
    end = time.monotonic() + seconds
    while token not in data and time.monotonic() < end:
        sock.settimeout(max(0.1, end - time.monotonic()))
        try:
            chunk = sock.recv(4096)
        except socket.timeout:
            break
        if not chunk:
            break
        data += chunk
    return data


@case("console-virtio-shell-takes-typed-commands")
def console_input(ctx):
    """console=virtio: commands typed into the virtio console (a host socket) run and answer there"""
    # A short directory: a unix socket path must fit in 108 bytes, a build directory may not.
    sockdir = tempfile.mkdtemp(prefix="vireo-")
    path = os.path.join(sockdir, "c.sock")
    try:
        console_dialogue(ctx, path)
    finally:
        shutil.rmtree(sockdir, ignore_errors=True)


def console_dialogue(ctx, path):
    args = ["-chardev", f"socket,id=c0,path={path},server=on,wait=off", "-device",
            "virtio-serial-pci", "-device", "virtconsole,chardev=c0", "-nic", "none"]
    with ctx.vm("console=virtio", args) as vm:
        vm.wait_for(r"console: shell moved to console0", ctx.seconds(30))
        with socket.socket(socket.AF_UNIX) as sock:
            sock.connect(path)
            sock.sendall(b"\n")
            check(b"vireo> " in socket_read_until(sock, b"vireo> ", ctx.seconds(5)),
                  "no prompt on the virtio console")
            sock.sendall(b"devices\n")
            # The prompt may come twice first (the boot one and the answer to the newline).
            got = socket_read_until(sock, b"type=console", ctx.seconds(10))
            got = (got + socket_read_until(sock, b"vireo> ", ctx.seconds(5))).decode(
                errors="replace")
            check(re.search(r"name=console0 .*type=console .*irq=msix", got),
                  f"`devices` typed on the virtio console: {got!r}")
            sock.sendall(b"poweroff\n")
            rc = vm.wait_exit(ctx.seconds(30))
    check(rc == 0, f"QEMU exited with status {rc}")


@case("net-rng-console-absent-give-errors")
def devices_absent(ctx):
    """without the devices, `net info`, `rng 8` and `console write x` say so with errors"""
    s = Script().cmd("net info").cmd("rng 8").cmd("console write x").cmd("poweroff")
    t = ctx.run_script(s, ["-nic", "none"])
    for i, cmd in enumerate(("net info", "rng 8", "console write x")):
        expect_error(cmd, t.segments[i])
