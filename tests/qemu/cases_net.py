"""QEMU cases for issue 5's virtio-net: the guest's UDP echo (`net serve`) reached from a host
socket through QEMU's user network (`hostfwd=udp:127.0.0.1:<port>-:7`), over virtio-mmio
(legacy and modern) and virtio-pci; `net ping` to the user network's gateway; `net info`.
Every datagram's payload is random and generated here; the check is that each comes back
byte for byte, and nothing else comes back."""

import os
import re
import socket
import time

from harness import case, check, parse_devices, parse_kv, short

SIZES = (1, 7, 64, 100, 512, 999, 1024, 1400, 1472)  # 1472: the most one 1500-byte IP packet holds
SERVE_SECONDS = 12


def free_udp_port():
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def netdev(port, device):
    return ["-netdev", f"user,id=n0,hostfwd=udp:127.0.0.1:{port}-:7", "-device",
            f"{device},netdev=n0"]


def echo_round_trips(ctx, port, sizes):
    """Send each payload from a host socket, wait for its echo; return the failures."""
    failures = []
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
        sock.settimeout(ctx.seconds(4))
        for n in sizes:
            payload = os.urandom(n)
            sock.sendto(payload, ("127.0.0.1", port))
            try:
                data, _ = sock.recvfrom(65536)
            except socket.timeout:
                failures.append(f"{n} bytes: no echo")
                continue
            if data != payload:
                failures.append(f"{n} bytes: echo of {len(data)} bytes differs")
    return failures


def serve_case(ctx, device, extra=(), mode=None, machine_opts=(), options="", dma=None):
    port = free_udp_port()
    append = f"{options} -- devices; net info; net serve {SERVE_SECONDS}; net info; poweroff"
    with ctx.vm(append, [*netdev(port, device), "-nic", "none", *extra], machine_opts) as vm:
        vm.wait_for(r"^.*listening.*$", ctx.seconds(30))
        failures = echo_round_trips(ctx, port, SIZES)
        vm.wait_exit(ctx.seconds(SERVE_SECONDS + 30))
        text = vm.output
    check(not failures, f"UDP echo through {device}: {'; '.join(failures)}")
    devs = [d for d in parse_devices(text) if d.get("type") == "net"]
    check(len(devs) == 1 and devs[0].get("name") == "net0", f"expected one net0: {devs}")
    if mode:
        check(devs[0].get("irq") == mode, f"net0: irq={devs[0].get('irq')}, expected {mode}")
    if dma:
        check(devs[0].get("dma") == dma, f"net0: dma={devs[0].get('dma')}, expected {dma}")
    done = re.search(r"net serve: done received=(\d+) echoed=(\d+)", text)
    check(done, f"no `net serve: done` line: {short(text[-400:])}")
    check(int(done.group(1)) == len(SIZES) and int(done.group(2)) == len(SIZES),
          f"guest counted {done.group(0)!r}, the host sent {len(SIZES)}")
    infos = [parse_kv(l) for l in text.split("\n") if l.startswith("net0 ")]
    check(len(infos) == 2, f"expected two `net info` lines for net0: {infos}")
    check(infos[0].get("ip") == "10.0.2.15" and infos[0].get("link") == "up",
          f"net info: {infos[0]}")
    check(re.fullmatch(r"52:54:00(:[0-9a-f]{2}){3}", infos[0].get("mac", "")),
          f"mac={infos[0].get('mac')} is not QEMU's 52:54:00:xx:xx:xx")
    check(int(infos[1]["rx"]) >= int(infos[0]["rx"]) + len(SIZES)
          and int(infos[1]["tx"]) >= int(infos[0]["tx"]) + len(SIZES),
          f"rx/tx counters did not grow by the datagrams: {infos}")


@case("net-udp-echo-mmio-legacy", timeout=90)
def net_echo_mmio(ctx):
    """UDP echo over legacy virtio-net-device without MRG_RXBUF (10-byte header), interrupts"""
    serve_case(ctx, "virtio-net-device,mrg_rxbuf=off", mode="spi")


@case("net-udp-echo-mmio-modern", timeout=90)
def net_echo_mmio_modern(ctx):
    """UDP echo over modern virtio-mmio virtio-net (12-byte header, MRG_RXBUF)"""
    serve_case(ctx, "virtio-net-device", ["-global", "virtio-mmio.force-legacy=false"], "spi")


@case("net-udp-echo-pci-msix", timeout=90)
def net_echo_pci(ctx):
    """UDP echo over modern virtio-net-pci with MSI-X (gic-version=3: ITS)"""
    serve_case(ctx, "virtio-net-pci,disable-legacy=on", mode="msix",
               machine_opts=("gic-version=3",))


@case("net-udp-echo-pci-msix-gicv2m", timeout=90)
def net_echo_pci_v2m(ctx):
    """UDP echo over modern virtio-net-pci with MSI-X through GICv2m (gic-version=2)"""
    serve_case(ctx, "virtio-net-pci,disable-legacy=on", mode="msix",
               machine_opts=("gic-version=2",))


@case("net-udp-echo-bounce", timeout=90)
def net_echo_bounce(ctx):
    """UDP echo with every buffer bounced through the shared pool (dma=bounce, ACCESS_PLATFORM)"""
    serve_case(ctx, "virtio-net-pci,disable-legacy=on,iommu_platform=on", mode="msix",
               options="dma=bounce", dma="bounce")


@case("net-udp-echo-smmu", timeout=90)
def net_echo_smmu(ctx):
    """UDP echo through SMMUv3 translation; MSI-X behind an SMMU is not set up, so INTx"""
    serve_case(ctx, "virtio-net-pci,disable-legacy=on,iommu_platform=on", mode="intx",
               machine_opts=("iommu=smmuv3",), dma="iommu")


@case("net-udp-echo-pci-legacy-poll", timeout=90)
def net_echo_pci_legacy(ctx):
    """UDP echo over legacy virtio-net-pci with irq=poll"""
    port = free_udp_port()
    append = f"irq=poll -- net serve {SERVE_SECONDS}; poweroff"
    with ctx.vm(append, [*netdev(port, "virtio-net-pci,disable-modern=on"), "-nic", "none"]) as vm:
        vm.wait_for(r"^.*listening.*$", ctx.seconds(30))
        failures = echo_round_trips(ctx, port, SIZES)
        vm.wait_exit(ctx.seconds(SERVE_SECONDS + 30))
    check(not failures, f"UDP echo: {'; '.join(failures)}")


@case("net-ping-gateway")
def net_ping(ctx):
    """`net ping 10.0.2.2` gets replies from QEMU's user-network gateway, with times"""
    port = free_udp_port()
    append = "-- net ping 10.0.2.2 3; net ping 10.0.2.77 1; poweroff"
    with ctx.vm(append, [*netdev(port, "virtio-net-device"), "-nic", "none"]) as vm:
        vm.wait_exit(ctx.seconds(60))
        text = vm.output
    replies = re.findall(r"reply from 10\.0\.2\.2: seq=(\d+) time=([0-9.]+) ms", text)
    check(len(replies) >= 1, f"no replies from 10.0.2.2: {short(text[-500:])}")
    summary = re.search(r"ping: sent=3 received=(\d+)", text)
    check(summary and int(summary.group(1)) == len(replies),
          f"summary does not match the replies: {short(text[-500:])}")
    # Nothing answers at 10.0.2.77: that ping must fail with an error, not hang or succeed.
    check(re.search(r"^error:.*", text.split("net ping 10.0.2.77 1", 1)[-1], re.M),
          f"a ping nobody answers did not end in an error: {short(text[-300:])}")


@case("net-dhcp")
def net_dhcp(ctx):
    """`net dhcp` gets 10.0.2.15 and gateway 10.0.2.2 from QEMU's DHCP server; ping works after"""
    port = free_udp_port()
    append = "-- net dhcp; net info; net ping 10.0.2.2 1; poweroff"
    with ctx.vm(append, [*netdev(port, "virtio-net-device"), "-nic", "none"]) as vm:
        vm.wait_exit(ctx.seconds(60))
        text = vm.output
    m = re.search(r"^dhcp: net0 ip=(\S+) gw=(\S+) mask=(\S+)", text, re.M)
    check(m, f"no `dhcp:` line: {short(text[-500:])}")
    check(m.groups() == ("10.0.2.15", "10.0.2.2", "255.255.255.0"),
          f"DHCP gave {m.groups()}, QEMU's user network hands out 10.0.2.15/24 via 10.0.2.2")
    check(re.search(r"reply from 10\.0\.2\.2: seq=1", text), "no ping reply after DHCP")
