#!/usr/bin/env python3
"""`make bench`: throughput of each DMA backend, measured in one boot (issue 4), then
interrupts against polling (bench_irq.py, issue 5).

One QEMU guest gets a scratch disk per backend:
  direct  a modern virtio-mmio disk without ACCESS_PLATFORM,
  bounce  a modern virtio-mmio disk with ACCESS_PLATFORM whose node has a restricted-dma-pool,
  iommu   a virtio-blk-pci disk with iommu_platform=on behind `-M virt,iommu=smmuv3`
          (measured only when the image drives virtio-pci and the SMMU: `devices` says
          dma=iommu for it; otherwise reported as not measured).
  pci     a virtio-blk-pci disk without ACCESS_PLATFORM (direct, its stream bypassing).
`blk bench <dev> <MiB>` writes then reads the range; this prints MB/s per backend and the
ratios bounce/direct and iommu/direct. Timing is TCG emulation: compare ratios, not absolutes.

Issue 13: `blk randread` (the asynchronous API) on every disk: 4 KiB random reads at queue
depth 1 and 32 and 64 KiB random reads at depth 32 (IOPS, median of 3), with the sequential
MB/s, in one table `workload | vireo | linux | u-boot | vireo/linux` per disk, also written to
build/bench/results.json. The Linux-guest and U-Boot columns are "not run" with the reason
until their kernel/initramfs and U-Boot images are provided.
"""

import json
import subprocess

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
    d = [scratch(os.path.join(work.workdir, f"{n}.img"), MIB)
         for n in ("direct", "bounce", "iommu", "pci")]
    dtb = cases_dma.dtb_with_restricted_pool(work, vmlib.virtio_mmio_address(30),
                                             machine="virt,iommu=smmuv3", memory="1G")
    return ["-global", "virtio-mmio.force-legacy=false", "-dtb", dtb,
            "-drive", f"if=none,file={d[0]},format=raw,id=b0",
            "-device", "virtio-blk-device,drive=b0,bus=virtio-mmio-bus.31",
            "-drive", f"if=none,file={d[1]},format=raw,id=b1",
            "-device", "virtio-blk-device,drive=b1,bus=virtio-mmio-bus.30,iommu_platform=on",
            "-drive", f"if=none,file={d[2]},format=raw,id=b2",
            "-device", "virtio-blk-pci,drive=b2,iommu_platform=on,disable-legacy=on",
            "-drive", f"if=none,file={d[3]},format=raw,id=b3",
            "-device", "virtio-blk-pci,drive=b3,disable-legacy=on"]


def backends(devices_out):
    """{backend: device number} from `devices`."""
    found = {}
    for line in devices_out.splitlines():
        m = re.search(r"name=blk(\d+)\b.*\bdma=(\w+)", line)
        if m and m.group(2) not in found:
            found[m.group(2)] = int(m.group(1))
    return found


RANDREAD = [  # workload, count, qd, sectors
    ("4 KiB random read QD1 (IOPS)", 2000, 1, 8),
    ("4 KiB random read QD32 (IOPS)", 4000, 32, 8),
    ("64 KiB random read QD32 (IOPS)", 500, 32, 128),
]
PEER_REASON = {
    "linux": "not run: no Linux arm64 kernel/initramfs with fio in this tree yet",
    "u-boot": "not run: no U-Boot (u-boot-qemu) image in this tree yet",
}


def disks(devices_out):
    """[(label, blkN)] for every blk device: its transport and backend."""
    out = []
    for line in devices_out.splitlines():
        m = re.search(r"name=blk(\d+)\b.*\btransport=(\w+)@\S*.*\bdma=(\w+)", line)
        if m:
            out.append((f"{m.group(2)}/{m.group(3)}", int(m.group(1))))
    return out


def median_randread(vm, dev, count, qd, sectors):
    runs = []
    for _ in range(3):
        out = vm.command(f"blk randread {dev} {count} {qd} {sectors}", 300)
        m = re.search(r"iops=(\d+)", out)
        if not m:
            return None, out.strip()
        runs.append(int(m.group(1)))
    return sorted(runs)[1], None


def vireo_table(vm, seq):
    """Every workload on every disk; seq: {label: (write, read) MB/s}."""
    rows = []
    for label, dev in disks(vm.command("devices", 30)):
        for workload, count, qd, sectors in RANDREAD:
            value, err = median_randread(vm, dev, count, qd, sectors)
            rows.append({"disk": label, "workload": workload, "vireo": value,
                         "error": err})
        if label in seq:
            rows.append({"disk": label, "workload": f"{MIB} MiB sequential read (MB/s)",
                         "vireo": seq[label][1]})
            rows.append({"disk": label, "workload": f"{MIB} MiB sequential write (MB/s)",
                         "vireo": seq[label][0]})
    for r in rows:
        r.update({"linux": None, "u-boot": None, "vireo/linux": None,
                  "linux_why": PEER_REASON["linux"], "u-boot_why": PEER_REASON["u-boot"]})
    return rows


def direct_map_calls(image):
    """The calls in virtq_add, where a chain's buffers are mapped (dma_map() is inline; from
    vireo.elf, objdump): the direct backend is a `bl dma_direct_map`; the `blr`s are the other
    backends' ops, taken only when the device is not direct."""
    elf = os.path.splitext(image)[0] + ".elf"
    out = {}
    for fn in ("virtq_add",):
        try:
            text = subprocess.run(["aarch64-linux-gnu-objdump", "-d", f"--disassemble={fn}",
                                   elf], capture_output=True, text=True, timeout=60).stdout
        except (OSError, subprocess.SubprocessError) as e:
            return f"not measured: {e}"
        calls = re.findall(r"\t(blr?)\s+(\S+(?: <[^>]+>)?)", text)
        out[fn] = [" ".join(c) for c in calls]
    return out


def print_table(rows):
    print("bench: workload | vireo | linux | u-boot | vireo/linux")
    for r in rows:
        v = r["vireo"] if r["vireo"] is not None else f"failed: {r.get('error')}"
        print(f"bench: {r['disk']:13s} {r['workload']:34s} | {v} | not run | not run | -")
    print(f"bench: linux: {PEER_REASON['linux']}")
    print(f"bench: u-boot: {PEER_REASON['u-boot']}")


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--image", default="build/aarch64/vireo.bin")
    ap.add_argument("--build", default="build")
    args = ap.parse_args()
    work = Work(args.build)
    log = os.path.join(work.workdir, "bench.log")
    rates = {}
    seq = {}
    # `blk info` runs from the command line, before the prompt: its GET_ID is the first I/O
    with vmlib.VM(args.image, append="-- blk info", machine_opts=("iommu=smmuv3",),
                  extra=qemu_args(work),
                  memory="1G", log_path=log, deadline=time.monotonic() + 900) as vm:
        vm.wait_prompt(120)
        devs = backends(vm.command("devices", 30))
        m = re.search(r"first_io_us=(\d+)", vm.output)
        first_io_us = int(m.group(1)) if m else None
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
        labels = dict((dev, label) for label, dev in disks(vm.command("devices", 30)))
        for dev, label in labels.items():
            out = vm.command(f"blk bench {dev} {MIB}", 600)
            m = re.search(r"write_mbps=([\d.]+).*read_mbps=([\d.]+)", out)
            if m:
                seq[label] = (float(m.group(1)), float(m.group(2)))
        rows = vireo_table(vm, seq)
        vm.send_line("poweroff")
        vm.wait_exit(60)
    for name in ("bounce", "iommu"):
        if name in rates and "direct" in rates:
            w = rates[name][0] / rates["direct"][0]
            r = rates[name][1] / rates["direct"][1]
            print(f"bench: {name}/direct  write {w:.2f}  read {r:.2f}")
    print_table(rows)
    print(f"bench: boot to first completed I/O: {first_io_us} us guest time")
    results = {"image_bytes": os.path.getsize(args.image), "rows": rows,
               "ratios_to_direct": {n: {"write": rates[n][0] / rates["direct"][0],
                                        "read": rates[n][1] / rates["direct"][1]}
                                    for n in ("bounce", "iommu")
                                    if n in rates and "direct" in rates},
               "boot_to_first_io_us": first_io_us,
               "boot_to_first_io_note": "guest generic-timer time at the first completed "
                                        "request (GET_ID of `blk info` run from the command "
                                        "line), the counter starting at machine reset (QEMU "
                                        "-kernel: no firmware before the image)",
               "direct_map_path": direct_map_calls(args.image)}
    with open(os.path.join(work.workdir, "results.json"), "w") as f:
        json.dump(results, f, indent=2)
    print(f"bench: results in {os.path.join(work.workdir, 'results.json')}")
    print(f"bench: serial log in {log}")
    bench_irq.run(args.image, args.build)
    return 0 if "direct" in rates else 1


if __name__ == "__main__":
    raise SystemExit(main())
