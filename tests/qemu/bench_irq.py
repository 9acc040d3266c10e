"""`make bench`, second part (issue 5): what interrupts buy.

  blk    `blk bench` on a modern virtio-blk-pci disk with MSI-X (ITS) and again with irq=poll;
  net    UDP echo round trips from a host socket through QEMU's user network to `net serve`,
         over virtio-net-pci with MSI-X and with irq=poll: datagrams per second and mean RTT.
TCG timing: compare the two modes with each other, not with hardware.
"""

import os
import re
import socket
import time

import vm as vmlib

MIB = 32
ECHOES = 2000
SERVE_SECONDS = 30


def blk_rate(image, workdir, options):
    disk = os.path.join(workdir, "irq.img")
    with open(disk, "wb") as f:
        f.truncate((MIB + 1) * 1024 * 1024)
    args = ["-drive", f"if=none,file={disk},format=raw,id=b0",
            "-device", "virtio-blk-pci,drive=b0,disable-legacy=on", "-nic", "none"]
    log = os.path.join(workdir, f"blk-{options or 'irq'}.log")
    with vmlib.VM(image, append=options, extra=args, machine_opts=("gic-version=3",),
                  log_path=log, deadline=time.monotonic() + 600) as vm:
        vm.wait_prompt(120)
        out = vm.command(f"blk bench 0 {MIB}", 500)
        vm.send_line("poweroff")
        vm.wait_exit(60)
    m = re.search(r"write_mbps=([\d.]+).*read_mbps=([\d.]+)", out)
    return (float(m.group(1)), float(m.group(2))) if m else None


def free_udp_port():
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def echo_rate(image, workdir, options):
    port = free_udp_port()
    args = ["-netdev", f"user,id=n0,hostfwd=udp:127.0.0.1:{port}-:7",
            "-device", "virtio-net-pci,netdev=n0,disable-legacy=on", "-nic", "none"]
    log = os.path.join(workdir, f"net-{options or 'irq'}.log")
    payload = os.urandom(512)
    done = 0
    with vmlib.VM(image, append=f"{options} -- net serve {SERVE_SECONDS}; poweroff", extra=args,
                  machine_opts=("gic-version=3",), log_path=log,
                  deadline=time.monotonic() + 300) as vm:
        vm.wait_for(r"listening", 120)
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
            sock.settimeout(2)
            start = time.monotonic()
            for _ in range(ECHOES):
                sock.sendto(payload, ("127.0.0.1", port))
                try:
                    data, _ = sock.recvfrom(2048)
                except socket.timeout:
                    continue
                done += data == payload
            elapsed = time.monotonic() - start
        vm.wait_exit(SERVE_SECONDS + 60)
    return (done / elapsed, elapsed / max(done, 1) * 1000, done)


def run(image, build):
    workdir = os.path.join(build, "bench")
    os.makedirs(workdir, exist_ok=True)
    for label, options in (("msix", ""), ("poll", "irq=poll")):
        rate = blk_rate(image, workdir, options)
        if rate:
            print(f"bench: blk {label:4s} {MIB} MiB  write {rate[0]:8.1f} MB/s  "
                  f"read {rate[1]:8.1f} MB/s")
        else:
            print(f"bench: blk {label}: failed (log in {workdir})")
    for label, options in (("msix", ""), ("poll", "irq=poll")):
        per_s, rtt_ms, done = echo_rate(image, workdir, options)
        print(f"bench: udp echo {label:4s} {done}/{ECHOES} round trips  {per_s:8.1f} /s  "
              f"mean RTT {rtt_ms:.3f} ms")
