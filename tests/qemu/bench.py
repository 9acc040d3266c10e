#!/usr/bin/env python3
"""`make bench`: throughput of each DMA backend, measured in one boot (issue 4), then
interrupts against polling (bench_irq.py, issue 5).

One QEMU guest gets a scratch disk per backend:
  direct  a modern virtio-mmio disk without ACCESS_PLATFORM,
  bounce  a modern virtio-mmio disk with ACCESS_PLATFORM whose node has a restricted-dma-pool,
  iommu   a virtio-blk-pci disk with iommu_platform=on behind `-M virt,iommu=smmuv3`
          (measured only when the image drives virtio-pci and the SMMU: `devices` says
          dma=iommu for it; otherwise reported as not measured).
`blk bench <dev> <MiB>` writes then reads the range; this prints MB/s per backend and the
ratios bounce/direct and iommu/direct. Timing is TCG emulation: compare ratios, not absolutes.
"""

import argparse
import os
import re
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import bench_irq  # noqa: E402
import cases_dma  # noqa: E402
import vm as vmlib  # noqa: E402

MIB = 64


class Work:
    def __init__(self, build):
        self.workdir = os.path.join(build, "bench")
        os.makedirs(self.workdir, exist_ok=True)


def scratch(path, mib):
    with open(path, "wb") as f:
        f.truncate((mib + 1) * 1024 * 1024)
    return path


def qemu_args(work):
    d = [scratch(os.path.join(work.workdir, f"{n}.img"), MIB) for n in ("direct", "bounce", "iommu")]
    dtb = cases_dma.dtb_with_restricted_pool(work, vmlib.virtio_mmio_address(30),
                                             machine="virt,iommu=smmuv3", memory="1G")
    return ["-global", "virtio-mmio.force-legacy=false", "-dtb", dtb,
            "-drive", f"if=none,file={d[0]},format=raw,id=b0",
            "-device", "virtio-blk-device,drive=b0,bus=virtio-mmio-bus.31",
            "-drive", f"if=none,file={d[1]},format=raw,id=b1",
            "-device", "virtio-blk-device,drive=b1,bus=virtio-mmio-bus.30,iommu_platform=on",
            "-drive", f"if=none,file={d[2]},format=raw,id=b2",
            "-device", "virtio-blk-pci,drive=b2,iommu_platform=on,disable-legacy=on"]


def backends(devices_out):
    """{backend: device number} from `devices`."""
    found = {}
    for line in devices_out.splitlines():
        m = re.search(r"name=blk(\d+)\b.*\bdma=(\w+)", line)
        if m and m.group(2) not in found:
            found[m.group(2)] = int(m.group(1))
    return found


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--image", default="build/aarch64/vireo.bin")
    ap.add_argument("--build", default="build")
    args = ap.parse_args()
    work = Work(args.build)
    log = os.path.join(work.workdir, "bench.log")
    rates = {}
    with vmlib.VM(args.image, machine_opts=("iommu=smmuv3",), extra=qemu_args(work),
                  memory="1G", log_path=log, deadline=time.monotonic() + 900) as vm:
        vm.wait_prompt(120)
        devs = backends(vm.command("devices", 30))
        for name in ("direct", "bounce", "iommu"):
            if name not in devs:
                print(f"bench: {name}: not measured (no device with dma={name})")
                continue
            out = vm.command(f"blk bench {devs[name]} {MIB}", 600)
            m = re.search(r"write_mbps=([\d.]+).*read_mbps=([\d.]+)", out)
            if not m:
                print(f"bench: {name}: failed: {out.strip()}")
                continue
            rates[name] = (float(m.group(1)), float(m.group(2)))
            print(f"bench: {name:6s} {MIB} MiB  write {rates[name][0]:8.1f} MB/s  "
                  f"read {rates[name][1]:8.1f} MB/s")
        vm.send_line("poweroff")
        vm.wait_exit(60)
    for name in ("bounce", "iommu"):
        if name in rates and "direct" in rates:
            w = rates[name][0] / rates["direct"][0]
            r = rates[name][1] / rates["direct"][1]
            print(f"bench: {name}/direct  write {w:.2f}  read {r:.2f}")
    print(f"bench: serial log in {log}")
    bench_irq.run(args.image, args.build)
    return 0 if "direct" in rates else 1


if __name__ == "__main__":
    raise SystemExit(main())
