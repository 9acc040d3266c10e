#!/usr/bin/env python3
"""`make run`: boot the vireo image in QEMU virt (GICv3 + ITS) with a demo disk on virtio-mmio,
virtio-net on PCI (MSI-X, QEMU's user network) and virtio-rng.

    python3 tests/qemu/run_demo.py --image build/aarch64/vireo.bin --build build
    python3 tests/qemu/run_demo.py --arch aarch32 --image build/aarch32/vireo.bin --build build

Creates BUILD/demo-disk.img (8 MiB: a text at sector 0, random bytes after) if it is missing.
On a terminal, QEMU takes over the console: the boot script runs `devices; blk info; net info;
rng 16; irq stats`, then the
`vireo> ` prompt takes commands (`help` lists them; Ctrl-A X quits QEMU). Without a terminal
(CI, a pipe), the script ends with `poweroff` and the run is bounded by a timeout.
"""

import argparse
import os
import shlex
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import vm as vmlib  # noqa: E402

DISK_SIZE = 8 * 1024 * 1024
DISK_TEXT = (b"vireo demo disk\n"
             b"Sector 0 holds this text; the rest is random. Try `blk read 0 0 1`,\n"
             b"`blk crc 0 0 16` or `blk write 0 100 4 0x1234`.\n")
SCRIPT = ["devices", "blk info", "net info", "rng 16", "irq stats"]
MACHINE_OPTS = ("gic-version=3",)


def make_disk(path):
    if os.path.exists(path):
        return
    os.makedirs(os.path.dirname(path) or ".", exist_ok=True)
    with open(path + ".tmp", "wb") as f:
        f.write(DISK_TEXT.ljust(512, b"\0"))
        f.write(os.urandom(DISK_SIZE - 512))
    os.replace(path + ".tmp", path)
    print(f"run_demo: created {path} ({DISK_SIZE // (1024 * 1024)} MiB)")


def disk_args(disk):
    """The demo's devices, all stated: `-nic none` (no default NIC), its own virtio-net-pci
    (vm.explicit_devices() gives it an empty romfile=: vireo runs no option ROMs)."""
    return ["-nic", "none", "-drive", f"if=none,file={disk},format=raw,id=demo",
            "-device", "virtio-blk-device,drive=demo",
            "-netdev", "user,id=net0", "-device", "virtio-net-pci,netdev=net0,disable-legacy=on",
            "-device", "virtio-rng-device"]


def interactive(image, disk, arch):
    argv = [arch["qemu"], "-M", ",".join(["virt", *arch["machine_opts"], *MACHINE_OPTS]),
            "-cpu", arch["cpu"], "-m", "512M", "-nographic",
            "-kernel", image, "-append", "-- " + "; ".join(SCRIPT),
            *vmlib.explicit_devices(disk_args(disk))]
    print("run_demo: booting vireo in QEMU. At the `vireo> ` prompt, `help` lists the commands;")
    print("run_demo: `poweroff` stops the guest, Ctrl-A X quits QEMU.")
    print(f"run_demo: {shlex.join(argv)}", flush=True)
    os.execvp(argv[0], argv)


def batch(image, disk, build, timeout, arch):
    script = SCRIPT + ["blk read 0 0 1", "net ping 10.0.2.2 1", "poweroff"]
    print("run_demo: stdin is not a terminal: running the demo script and powering off")
    log = os.path.join(build, "qemu-logs", "demo.log")
    with vmlib.VM(image, append="-- " + "; ".join(script), extra=disk_args(disk),
                  machine_opts=(*arch["machine_opts"], *MACHINE_OPTS), qemu=arch["qemu"],
                  cpu=arch["cpu"], log_path=log, echo=sys.stdout) as vm:
        rc = vm.wait_exit(timeout)
    print(f"\nrun_demo: QEMU exited with status {rc} (log: {log})")
    return rc


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--image", default="build/aarch64/vireo.bin")
    ap.add_argument("--build", default="build")
    ap.add_argument("--arch", default="aarch64", choices=sorted(vmlib.ARCHES),
                    help="which image it is (QEMU binary, CPU and machine options)")
    ap.add_argument("--timeout", type=float, default=60,
                    help="seconds allowed for the non-interactive run")
    args = ap.parse_args()
    if not os.path.isfile(args.image):
        sys.exit(f"run_demo: no image at {args.image} (run make)")
    arch = vmlib.ARCHES[args.arch]
    if not vmlib.qemu_available(arch["qemu"]):
        sys.exit(f"run_demo: {arch['qemu']} not found (make deps installs qemu-system-arm)")
    disk = os.path.join(args.build, "demo-disk.img")
    make_disk(disk)
    if sys.stdin.isatty() and sys.stdout.isatty():
        interactive(args.image, disk, arch)
    try:
        return batch(args.image, disk, args.build, args.timeout, arch)
    except vmlib.VMError as e:
        print(f"\nrun_demo: {e}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
