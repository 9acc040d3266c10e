#!/usr/bin/env python3
"""`make profile-boot`: where boot-to-first-completed-I/O goes (issue 13's 50 ms target).

Boots the image once with the bench's machine and disks (bench.machine_args: two virtio-mmio
disks, one bounced through a restricted-dma-pool, two virtio-blk-pci, one behind the SMMUv3), with
`blk info` on the command line so that its GET_ID is the first I/O, under `perf record` on the
host. QEMU names its vCPU thread (-name debug-threads=on), so the samples of that thread, from
the guest's start to the poweroff that follows the first I/O, split the guest time into:
  guest code   the translated guest instructions ([JIT] samples),
  qemu         QEMU itself: translating code (tcg_*, tb_gen_code), emulating the devices the
               guest's MMIO accesses trap into, the softmmu slow paths,
  host kernel  mostly page faults as guest RAM is touched the first time.
The guest's timer is the host's clock under TCG, so all of these count in first_io_us.
Needs perf (linux-perf); says so and exits 1 without it."""

import argparse
import collections
import os
import re
import shutil
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import bench  # noqa: E402
import vm as vmlib  # noqa: E402


def classify(dso):
    if "JIT" in dso or dso.startswith("/tmp/perf-") or dso == "[unknown]":
        return "guest code"
    if "kernel" in dso:
        return "host kernel"
    if "qemu" in dso:
        return "qemu"
    return "libraries"


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--image", default="build/aarch64/vireo.bin")
    ap.add_argument("--build", default="build")
    args = ap.parse_args()
    if shutil.which("perf") is None:
        print("profile-boot: perf is not installed (Debian: linux-perf); not run")
        return 1
    workdir = os.path.join(args.build, "profile-boot")
    os.makedirs(workdir, exist_ok=True)
    data = os.path.join(workdir, "perf.data")
    # the bench's machine and disks; -nic none comes with them
    extra = bench.machine_args(workdir, "boot") + ["-name", "debug-threads=on"]
    vm = vmlib.VM(args.image, append="-- blk info", machine_opts=("iommu=smmuv3",),
                  extra=extra, memory="1G", log_path=os.path.join(workdir, "boot.log"),
                  deadline=time.monotonic() + 180)
    vm.argv = ["perf", "record", "-q", "-F", "20000", "-o", data, "--"] + vm.argv
    with vm:
        vm.wait_prompt(120)
        vm.send_line("poweroff")
        vm.wait_exit(60)
    m = re.search(r"first_io_us=(\d+) entry_us=(\d+) since_entry_us=(\d+)", vm.output)
    if m:
        print(f"profile-boot: first completed I/O at {m.group(1)} us guest time, "
              f"{m.group(3)} us after the image's entry (at {m.group(2)} us)")
    else:
        print("profile-boot: `blk info` printed no first_io_us")
    out = subprocess.run(["perf", "script", "-i", data, "-F", "comm,ip,sym,dso"],
                         capture_output=True, text=True, check=True).stdout
    split = collections.Counter()
    syms = collections.Counter()
    ksyms = collections.Counter()
    for line in out.splitlines():
        if not line.lstrip().startswith("CPU 0/TCG"):
            continue
        m = re.search(r"\((.*)\)\s*$", line)
        kind = classify(m.group(1) if m else "?")
        split[kind] += 1
        fields = line.split()
        sym = fields[3] if len(fields) >= 5 else "[unknown]"
        if kind == "qemu" and sym != "[unknown]":
            syms[sym] += 1
        elif kind == "host kernel":
            ksyms[sym] += 1
    total = sum(split.values())
    if total == 0:
        print("profile-boot: no samples of the vCPU thread")
        return 1
    print(f"profile-boot: vCPU thread, {total} samples at 20 kHz "
          f"({total / 20:.0f} ms of host CPU):")
    for kind, n in split.most_common():
        print(f"profile-boot:   {kind:12s} {100 * n / total:5.1f}%")
    named = ", ".join(f"{s} {100 * n / total:.1f}%" for s, n in syms.most_common(6))
    print(f"profile-boot:   qemu's named symbols (the rest is stripped): {named}")
    named = ", ".join(f"{s} {100 * n / total:.1f}%" for s, n in ksyms.most_common(6))
    print(f"profile-boot:   host kernel: {named}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
