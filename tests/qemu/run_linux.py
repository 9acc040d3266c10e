#!/usr/bin/env python3
"""`make run-linux`: vireo boots a real Linux kernel from virtio-blk. Builds BUILD/linux-disk.img,
a GPT disk with Debian's arm64 kernel in partition `kernel` and a busybox initramfs in `initrd`
(the same payload as the linux-boot-* QEMU cases; scripts/deps.sh --linux fetches it once), then
boots vireo with `boot linux 0 console=ttyAMA0 rdinit=/init`: vireo loads both, shuts its
devices down and enters the kernel, whose /init prints its command line, finds /dev/vda and
powers off.

    python3 tests/qemu/run_linux.py --image build/aarch64/vireo.bin --build build
"""

import argparse
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import cases_linux  # noqa: E402
import harness  # noqa: E402
import vm as vmlib  # noqa: E402

CMDLINE = "console=ttyAMA0 rdinit=/init"


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--image", default="build/aarch64/vireo.bin")
    ap.add_argument("--build", default="build")
    ap.add_argument("--timeout", type=float, default=300)
    args = ap.parse_args()
    if not os.path.isfile(args.image):
        sys.exit(f"run_linux: no image at {args.image} (run make)")
    try:
        kernel, busybox, modules, order = cases_linux.payload()
    except harness.CaseSkipped as e:
        sys.exit(f"run_linux: {e}")
    disk = os.path.join(args.build, "linux-disk.img")
    os.makedirs(args.build, exist_ok=True)
    rd = cases_linux.initramfs(busybox, modules, order, compress=True)
    cases_linux.build_gpt_disk(disk, [("kernel", kernel), ("initrd", rd)])
    print(f"run_linux: {disk}: GPT with kernel ({len(kernel)} bytes) and initrd ({len(rd)} bytes)")
    log = os.path.join(args.build, "qemu-logs", "run-linux.log")
    extra = ["-drive", f"if=none,file={disk},format=raw,id=lx",
             "-device", "virtio-blk-device,drive=lx"]
    with vmlib.VM(args.image, append=f"-- devices; boot linux 0 {CMDLINE}", extra=extra,
                  memory="1G", log_path=log, echo=sys.stdout) as vm:
        try:
            rc = vm.wait_exit(args.timeout)
        except vmlib.VMError as e:
            print(f"\nrun_linux: {e}", file=sys.stderr)
            return 1
    print(f"\nrun_linux: QEMU exited with status {rc} (log: {log})")
    return rc


if __name__ == "__main__":
    sys.exit(main())
