#!/usr/bin/env python3
"""`make bench`: vireo's block I/O on every disk and DMA backend, side by side with a Linux
guest and U-Boot on the same QEMU (issue 13), then interrupts against polling (bench_irq.py,
issue 5).

One QEMU (`-M virt,iommu=smmuv3`, cortex-a57, 1 GiB, the DTB with a restricted-dma-pool) gets
four 65 MiB scratch disks (DISKS):
  mmio/direct  a modern virtio-mmio disk without ACCESS_PLATFORM,
  mmio/bounce  a modern virtio-mmio disk with ACCESS_PLATFORM whose node has the pool,
  pci/iommu    a virtio-blk-pci disk with iommu_platform=on behind the SMMUv3,
  pci/direct   a virtio-blk-pci disk without ACCESS_PLATFORM (its stream bypassing).
Workloads (WORKLOADS), each run 3 times, the median kept: 64 MiB sequential write and read in
1 MiB requests at queue depth 1 (`blk bench`), 4 KiB random reads at depth 1 and 32 and 64 KiB
random reads at depth 32 (`blk randread`, the asynchronous API).

Peers, fetched and cached by `scripts/deps.sh --bench-peers` (a peer that cannot be fetched or
run is "not run: <reason>" in the table):
  linux   Debian's arm64 kernel booted on the same machine with the same four disks attached the
          same way and an initramfs running Debian's arm64 fio on each (bench_linux.py):
          --direct=1 --ioengine=libaio, the same block sizes, depths and request counts;
          Linux's bounce path is swiotlb=force (Debian's kernel has no restricted-dma-pool
          support), its iommu path the kernel's arm-smmu-v3 driver (strict invalidation).
  u-boot  Debian's u-boot-qemu on the same machine with the direct mmio and pci disks: a 64 MiB
          sequential read, guest-timed by U-Boot's own `load` (bench_uboot.py says why not
          `virtio read`, which is also timed, by the host's clock).
Output: one table `workload | vireo | linux | u-boot | vireo/linux` per disk, the backend
ratios bounce/direct and iommu/direct, the issue's targets measured against their bounds, and
build/bench/results.json. Timing is TCG emulation: compare ratios within one run, not
absolutes.
"""

import argparse
import json
import os
import re
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import bench_irq  # noqa: E402
import bench_linux  # noqa: E402
import bench_uboot  # noqa: E402
import cases_dma  # noqa: E402
import vm as vmlib  # noqa: E402

MIB = 64
RUNS = 3
IMAGE_LIMIT = 128 * 1024
FIRST_IO_LIMIT_US = 50000
LINUX_CMDLINE = "console=ttyAMA0 rdinit=/init quiet swiotlb=force"


class Disk:
    def __init__(self, label, name, device, linux_key, linux_dma):
        self.label, self.name, self.device = label, name, device
        self.linux_key = linux_key  # in the disk's sysfs path under Linux
        self.linux_dma = linux_dma  # what Linux does for its DMA, for the notes

    @property
    def drive(self):
        return re.search(r"drive=(\w+)", self.device).group(1)


DISKS = [
    Disk("mmio/direct", "direct", "virtio-blk-device,drive=b0,bus=virtio-mmio-bus.31",
         f"/{vmlib.virtio_mmio_address(31):x}.virtio_mmio/", "no DMA API (no ACCESS_PLATFORM)"),
    Disk("mmio/bounce", "bounce",
         "virtio-blk-device,drive=b1,bus=virtio-mmio-bus.30,iommu_platform=on",
         f"/{vmlib.virtio_mmio_address(30):x}.virtio_mmio/",
         "swiotlb=force (Debian's kernel: CONFIG_DMA_RESTRICTED_POOL off, the pool unused)"),
    Disk("pci/iommu", "iommu", "virtio-blk-pci,drive=b2,iommu_platform=on,disable-legacy=on,addr=0x1",
         "/0000:00:01.0/", "arm-smmu-v3 DMA domain (iommu.strict default)"),
    Disk("pci/direct", "pci", "virtio-blk-pci,drive=b3,disable-legacy=on,addr=0x2",
         "/0000:00:02.0/", "no DMA API (no ACCESS_PLATFORM); SMMU domain unused"),
]
DIRECT_OF = {"mmio/bounce": "mmio/direct", "pci/iommu": "pci/direct"}


class Workload:
    """key; table name; vireo's `blk randread` count, qd, sectors (None: sequential, from
    `blk bench`); fio's arguments; busybox dd's (sequential only, the fallback)."""

    def __init__(self, key, name, randread, fio, dd=""):
        self.key, self.name, self.randread, self.fio, self.dd = key, name, randread, fio, dd


FIO_COMMON = f"--direct=1 --ioengine={bench_linux.ENGINE} --norandommap --randrepeat=1"
WORKLOADS = [  # /init runs them in this order: the disk is written before it is read
    Workload("seqwrite", f"{MIB} MiB sequential write (MB/s)", None,
             f"--rw=write --bs=1M --iodepth=1 --size={MIB}M {FIO_COMMON}",
             f"if=/dev/zero of=DEV bs=1M count={MIB} oflag=direct"),
    Workload("seqread", f"{MIB} MiB sequential read (MB/s)", None,
             f"--rw=read --bs=1M --iodepth=1 --size={MIB}M {FIO_COMMON}",
             f"if=DEV of=/dev/null bs=1M count={MIB} iflag=direct"),
    Workload("qd1", "4 KiB random read QD1 (IOPS)", (2000, 1, 8),
             f"--rw=randread --bs=4k --iodepth=1 --number_ios=2000 {FIO_COMMON}"),
    Workload("qd32", "4 KiB random read QD32 (IOPS)", (4000, 32, 8),
             f"--rw=randread --bs=4k --iodepth=32 --number_ios=4000 {FIO_COMMON}"),
    Workload("rand64k", "64 KiB random read QD32 (IOPS)", (500, 32, 128),
             f"--rw=randread --bs=64k --iodepth=32 --number_ios=500 {FIO_COMMON}"),
]
TABLE_ORDER = ["qd1", "qd32", "rand64k", "seqread", "seqwrite"]


def median(values):
    return sorted(values)[len(values) // 2]


def scratch(path, mib):
    if os.path.exists(path):
        os.unlink(path)
    with open(path, "wb") as f:
        f.truncate((mib + 1) * 1024 * 1024)
    return path


def machine_args(workdir, prefix):
    """The QEMU arguments every guest of the bench gets: the DTB with the restricted pool and
    the four disks (fresh files named prefix-<name>.img)."""
    class Where:
        pass
    where = Where()
    where.workdir = workdir
    dtb = cases_dma.dtb_with_restricted_pool(where, vmlib.virtio_mmio_address(30),
                                             machine="virt,iommu=smmuv3", memory="1G")
    args = ["-nic", "none", "-global", "virtio-mmio.force-legacy=false", "-dtb", dtb]
    for d in DISKS:
        path = scratch(os.path.join(workdir, f"{prefix}-{d.name}.img"), MIB)
        args += ["-drive", f"if=none,file={path},format=raw,id={d.drive}", "-device", d.device]
    return args


# ---------------------------------------------------------------------- vireo

def vireo_disks(devices_out):
    """{label: blkN} from `devices`: transport and backend."""
    out = {}
    for line in devices_out.splitlines():
        m = re.search(r"name=blk(\d+)\b.*\btransport=(\w+)@\S*.*\bdma=(\w+)", line)
        if m:
            out[f"{m.group(2)}/{m.group(3)}"] = int(m.group(1))
    return out


def vireo_seq(vm, dev):
    """Median write and read MB/s of RUNS `blk bench`, or an error text."""
    writes, reads = [], []
    for _ in range(RUNS):
        out = vm.command(f"blk bench {dev} {MIB}", 600)
        m = re.search(r"write_mbps=([\d.]+).*read_mbps=([\d.]+)", out)
        if not m:
            return None, out.strip()
        writes.append(float(m.group(1)))
        reads.append(float(m.group(2)))
    return {"seqwrite": median(writes), "seqread": median(reads)}, None


def vireo_randread(vm, dev, count, qd, sectors):
    runs = []
    for _ in range(RUNS):
        out = vm.command(f"blk randread {dev} {count} {qd} {sectors}", 300)
        m = re.search(r"iops=(\d+)", out)
        if not m:
            return None, out.strip()
        runs.append(int(m.group(1)))
    return median(runs), None


def run_vireo(image, workdir, log, deadline):
    """({label: {key: value}}, {label: {key: error}}, {first_io_us, entry_us,
    since_entry_us}, {label: devices line})."""
    values, errors, lines = {}, {}, {}
    # `blk info` runs from the command line, before the prompt: its GET_ID is the first I/O
    with vmlib.VM(image, append="-- blk info", machine_opts=("iommu=smmuv3",),
                  extra=machine_args(workdir, "vireo"), memory="1G", log_path=log,
                  deadline=deadline) as vm:
        # up to the " (" after the numbers: the line may still be arriving
        m = vm.wait_for(r"first_io_us=(\d+)(?: entry_us=(\d+) since_entry_us=(\d+))? \(", 120)
        first_io = {"first_io_us": int(m.group(1)),
                    "entry_us": int(m.group(2)) if m.group(2) else None,
                    "since_entry_us": int(m.group(3)) if m.group(3) else None}
        vm.wait_prompt(60)  # the interactive prompt, after the command line's script
        devices = vm.command("devices", 30)
        for label, dev in vireo_disks(devices).items():
            lines[label] = next(l for l in devices.splitlines() if f"name=blk{dev} " in l)
            values[label], errors[label] = {}, {}
            seq, err = vireo_seq(vm, dev)
            if seq:
                values[label].update(seq)
            else:
                errors[label].update(seqwrite=err, seqread=err)
            for w in WORKLOADS:
                if w.randread:
                    value, err = vireo_randread(vm, dev, *w.randread)
                    if value is None:
                        errors[label][w.key] = err
                    else:
                        values[label][w.key] = value
        vm.send_line("poweroff")
        vm.wait_exit(60)
    return values, errors, first_io, lines


# ---------------------------------------------------------------------- peers

def run_linux(workdir, log, deadline):
    """({label: {key: median}}, info) or (None, reason)."""
    try:
        kernel = bench_linux.kernel()
        jobs = [bench_linux.Job(w.key, w.fio, w.dd) for w in WORKLOADS]
        rd = bench_linux.initramfs(jobs, RUNS, len(DISKS))
    except bench_linux.PeerMissing as e:
        return None, str(e)
    rd_path = os.path.join(workdir, "linux-initramfs.cpio.gz")
    with open(rd_path, "wb") as f:
        f.write(rd)
    extra = ["-initrd", rd_path] + machine_args(workdir, "linux")
    with vmlib.VM(kernel, append=LINUX_CMDLINE, machine_opts=("iommu=smmuv3",), extra=extra,
                  memory="1G", log_path=log, deadline=deadline) as vm:
        try:
            vm.wait_for(r"^bench-done$", 1800)
            vm.wait_exit(60)
        except vmlib.VMError as e:
            return None, f"the Linux guest did not finish: {str(e).splitlines()[0]} (log {log})"
        text = vm.output
    vds, results, notes = bench_linux.parse(text)
    version = next((t for k, t in notes if k == "fio-version"), None)
    broken = next((t for k, t in notes if k == "fio-broken"), None)
    out, how, errors, latency = {}, {}, {}, {}
    for d in DISKS:
        vd = next((v for v, path in vds.items() if d.linux_key in path + "/"), None)
        out[d.label], errors[d.label] = {}, {}
        for w in WORKLOADS:
            runs = results.get((vd, w.key), [])
            bad = [r["error"] for r in runs if "error" in r]
            if vd is None:
                errors[d.label][w.key] = f"Linux has no disk at {d.linux_key.strip('/')}"
            elif bad:
                errors[d.label][w.key] = bad[0]
            elif len(runs) < RUNS:
                errors[d.label][w.key] = (f"fio could not run ({broken})" if broken else
                                          f"{len(runs)} of {RUNS} runs reported")
            else:
                out[d.label][w.key] = median([r["iops"] if w.randread else r["bw_bytes"] / 1e6
                                              for r in runs])
                how[f"{d.label} {w.key}"] = runs[0]["how"]
                if "slat_mean_us" in runs[0]:
                    latency[f"{d.label} {w.key}"] = {
                        "slat_mean_us": median([r["slat_mean_us"] for r in runs]),
                        "clat_mean_us": median([r["clat_mean_us"] for r in runs])}
    info = {"kernel": open(os.path.join(bench_linux.cases_linux.LINUX_DIR, "VERSION"))
            .read().strip(),
            "fio": version or f"fio could not run: {broken}", "engine": bench_linux.ENGINE,
            "cmdline": LINUX_CMDLINE,
            "fio_packages": open(os.path.join(bench_linux.FIO_DIR, "PACKAGES")).read().split(),
            "disks": {d.label: {"dev": next((v for v, p in vds.items()
                                             if d.linux_key in p + "/"), None),
                                "dma": d.linux_dma} for d in DISKS},
            "kernel_log": [f"{k}: {t}" for k, t in notes if k != "fio-version"],
            "how": how, "errors": errors, "fio_latency_medians": latency}
    return out, info


def run_uboot(workdir, log, deadline):
    """({label: result}, info) or (None, reason)."""
    bios = os.path.join(bench_linux.UBOOT_DIR, "u-boot.bin")
    if not os.path.isfile(bios):
        return None, f"no u-boot.bin in {bench_linux.UBOOT_DIR} (scripts/deps.sh --bench-peers)"
    disks = [(d.label, d.device, d.drive) for d in DISKS if d.label in ("mmio/direct",
                                                                          "pci/direct")]
    try:
        results, version = bench_uboot.run(bios, workdir, disks, log, deadline)
    except bench_uboot.PeerMissing as e:
        return None, str(e)
    except vmlib.VMError as e:
        return None, f"U-Boot did not finish: {str(e).splitlines()[0]} (log {log})"
    info = {"version": version,
            "package": open(os.path.join(bench_linux.UBOOT_DIR, "VERSION")).read().strip(),
            "timing": "guest: U-Boot's own `load` report (get_timer, ms) of a 64 MiB ext4 file; "
                      "`virtio read` of 64 MiB timed by the host's wall clock also given",
            "disks": results}
    return results, info


# ---------------------------------------------------------------------- output

def fmt(v):
    if v is None:
        return "-"
    return f"{v:.0f}" if v >= 100 else f"{v:.1f}" if v >= 10 else f"{v:.2f}"


def build_rows(vireo, vireo_err, linux, linux_why, uboot, uboot_why):
    rows = []
    wl = {w.key: w for w in WORKLOADS}
    for d in DISKS:
        for key in TABLE_ORDER:
            r = {"disk": d.label, "key": key, "workload": wl[key].name,
                 "vireo": vireo.get(d.label, {}).get(key),
                 "vireo_error": vireo_err.get(d.label, {}).get(key)}
            if linux is None:
                r["linux"], r["linux_why"] = None, f"not run: {linux_why}"
            else:
                r["linux"] = linux.get(d.label, {}).get(key)
                if r["linux"] is None:
                    r["linux_why"] = "not run: " + linux_why["errors"][d.label].get(
                        key, "no result")
                else:
                    r["linux_how"] = linux_why["how"].get(f"{d.label} {key}")
            if key == "seqread" and d.label in ("mmio/direct", "pci/direct"):
                if uboot is None:
                    r["u-boot"], r["u-boot_why"] = None, f"not run: {uboot_why}"
                else:
                    u = uboot.get(d.label, {})
                    r["u-boot"] = u.get("load_mbps")
                    r["u-boot_raw_wall"] = u.get("raw_wall_mbps")
                    if r["u-boot"] is None:
                        r["u-boot_why"] = f"not run: {u.get('error', 'no result')}"
            else:
                r["u-boot"], r["u-boot_why"] = None, "n/a: U-Boot is measured on sequential " \
                                                     "reads of the direct disks only"
            r["vireo/linux"] = (r["vireo"] / r["linux"]) if r["vireo"] and r["linux"] else None
            rows.append(r)
    return rows


def print_table(rows):
    print("bench: disk         workload                        |   vireo |   linux |  u-boot | "
          "vireo/linux")
    for r in rows:
        v = fmt(r["vireo"]) if r["vireo"] is not None else "failed"
        lx = fmt(r["linux"]) if r["linux"] is not None else "not run"
        if r.get("linux_how", "").startswith("busybox dd"):
            lx += " (dd)"
        ub = fmt(r["u-boot"]) if r["u-boot"] is not None else \
            ("not run" if r["u-boot_why"].startswith("not run") else "-")
        ratio = f"{r['vireo/linux']:.2f}" if r["vireo/linux"] is not None else "-"
        print(f"bench: {r['disk']:12s} {r['workload']:31s} | {v:>7s} | {lx:>7s} | {ub:>7s} | "
              f"{ratio}")
    why = {}
    for r in rows:
        for peer in ("linux", "u-boot"):
            w = r.get(f"{peer}_why", "")
            if w.startswith("not run"):
                why.setdefault(peer, set()).add(w)
    for peer, reasons in why.items():
        for w in sorted(reasons):
            print(f"bench: {peer}: {w}")
    for r in rows:
        if r["vireo"] is None and r.get("vireo_error"):
            print(f"bench: vireo {r['disk']} {r['key']}: {r['vireo_error'][:200]}")


def backend_ratios(values):
    """{backend: {"write", "read" (MB/s ratios), "time_64k" (time per 64 KiB request,
    backend/direct)}} against the direct disk on the same transport."""
    out = {}
    for label, direct in DIRECT_OF.items():
        b, d = values.get(label, {}), values.get(direct, {})
        r = {}
        if b.get("seqwrite") and d.get("seqwrite"):
            r["write"] = b["seqwrite"] / d["seqwrite"]
        if b.get("seqread") and d.get("seqread"):
            r["read"] = b["seqread"] / d["seqread"]
        if b.get("rand64k") and d.get("rand64k"):
            r["time_64k"] = d["rand64k"] / b["rand64k"]
        out[label.split("/")[1]] = dict(r, versus=f"{label} vs {direct}")
    return out


def print_ratios(who, ratios):
    for name, r in ratios.items():
        parts = [f"{k} {r[k]:.2f}" for k in ("write", "read") if k in r]
        if "time_64k" in r:
            parts.append(f"64 KiB request time {r['time_64k']:.2f}")
        print(f"bench: {who} {name}/direct ({r['versus']}): MB/s {', '.join(parts) or 'n/a'}")


def targets(rows, ratios, image_bytes, first_io, map_path):
    """The issue's targets: [{target, measured, bound, status}]."""
    out = []

    def add(what, measured, op, bound, note=""):
        if measured is None:
            note = note[len("not run: "):] if note.startswith("not run: ") else note
            status = "not measured" + (f": {note}" if note else "")
        else:
            status = "met" if (measured >= bound if op == ">=" else measured <= bound) \
                else "not met"
        out.append({"target": what, "measured": measured, "bound": f"{op} {bound}",
                    "status": status})

    by = {(r["disk"], r["key"]): r for r in rows}
    for key, bound, name in (("qd32", 1.0, "4 KiB random read QD32 IOPS vireo/linux"),
                             ("qd1", 1.2, "4 KiB random read QD1 IOPS vireo/linux")):
        for disk in ("mmio/direct", "pci/direct"):
            r = by[(disk, key)]
            add(f"{name} ({disk})", r["vireo/linux"], ">=", bound,
                r.get("linux_why", "") if r["linux"] is None else "vireo failed")
    for disk in ("mmio/direct", "pci/direct"):
        r = by[(disk, "seqread")]
        ratio = r["vireo"] / r["u-boot"] if r["vireo"] and r["u-boot"] else None
        add(f"{MIB} MiB sequential read vireo/u-boot ({disk})", ratio, ">=", 1.0,
            r.get("u-boot_why", "") if r["u-boot"] is None else "vireo failed")
    for name, bound in (("bounce", 1.3), ("iommu", 1.2)):
        r = ratios.get(name, {})
        add(f"{name}/direct time per 64 KiB request ({r.get('versus', '')})",
            r.get("time_64k"), "<=", bound, "a disk failed")
    add("image size (bytes)", image_bytes, "<=", IMAGE_LIMIT)
    if first_io.get("since_entry_us") is not None:
        add("boot to first completed I/O (us, guest time from the image's entry)",
            first_io["since_entry_us"], "<=", FIRST_IO_LIMIT_US)
    else:
        add("boot to first completed I/O (us, guest time from machine reset)",
            first_io["first_io_us"], "<=", FIRST_IO_LIMIT_US)
    out.append({"target": "direct DMA map path: no indirect call per buffer",
                "measured": map_path["verdict"], "bound": "direct_map_calls.py",
                "status": "met" if map_path["ok"] else "not met"})
    return out


def print_targets(tlist):
    print("bench: targets (median of 3; ratios from this one run):")
    for t in tlist:
        m = t["measured"]
        if m is None:
            m = "-"
        elif isinstance(m, float):
            m = f"{m:.2f}"
        print(f"bench:   {t['target']}: {m} (target {t['bound']}): {t['status']}")


def direct_map_calls(image):
    """tests/qemu/direct_map_calls.py on vireo.elf: its verdict and its lines."""
    elf = os.path.splitext(image)[0] + ".elf"
    script = os.path.join(os.path.dirname(os.path.abspath(__file__)), "direct_map_calls.py")
    try:
        r = subprocess.run([sys.executable, script, elf], capture_output=True, text=True,
                           timeout=120)
    except (OSError, subprocess.SubprocessError) as e:
        return {"ok": False, "verdict": f"not measured: {e}", "lines": []}
    lines = r.stdout.strip().splitlines() or [r.stderr.strip()]
    return {"ok": r.returncode == 0, "verdict": lines[-1].replace("direct-map: ", ""),
            "lines": lines}


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--image", default="build/aarch64/vireo.bin")
    ap.add_argument("--build", default="build")
    ap.add_argument("--no-peers", action="store_true", help="measure vireo only")
    args = ap.parse_args()
    workdir = os.path.join(args.build, "bench")
    os.makedirs(workdir, exist_ok=True)
    log = os.path.join(workdir, "bench.log")
    start = time.monotonic()
    values, errors, first_io, lines = run_vireo(args.image, workdir, log, start + 1200)
    for label, line in lines.items():
        print(f"bench: vireo {label}: {line}")
    if args.no_peers:
        linux, linux_info = None, "--no-peers"
        uboot, uboot_info = None, "--no-peers"
    else:
        deps_out = bench_linux.fetch()
        linux_log = os.path.join(workdir, "linux.log")
        linux, linux_info = run_linux(workdir, linux_log, time.monotonic() + 2400)
        if linux is None:
            linux_info = bench_linux.reason(deps_out, "fio", None) or \
                bench_linux.reason(deps_out, "linux", linux_info)
        uboot_log = os.path.join(workdir, "u-boot.log")
        uboot, uboot_info = run_uboot(workdir, uboot_log, time.monotonic() + 600)
        if uboot is None:
            uboot_info = bench_linux.reason(deps_out, "u-boot", uboot_info)
    rows = build_rows(values, errors, linux, linux_info, uboot, uboot_info)
    print_table(rows)
    ratios = backend_ratios(values)
    print_ratios("vireo", ratios)
    linux_ratios = backend_ratios(linux) if linux else {}
    if linux:
        print_ratios("linux", linux_ratios)
        for d in DISKS:
            print(f"bench: linux {d.label}: {linux_info['disks'][d.label]['dev']}: "
                  f"{d.linux_dma}")
        print(f"bench: linux: {linux_info['kernel']}, {linux_info['fio']} "
              f"--ioengine={linux_info['engine']} --direct=1, cmdline {LINUX_CMDLINE!r}")
    if uboot:
        for label, u in uboot.items():
            if "raw_wall_mbps" in u:
                print(f"bench: u-boot {label}: load (guest-timed) {u['load_mbps']:.0f} MB/s "
                      f"(runs {', '.join(f'{x:.0f}' for x in u['load_runs_mbps'])}; "
                      f"first, uncounted: {u['warmup_ms']} ms); `virtio read` 64 MiB "
                      f"{u['raw_wall_mbps']:.0f} MB/s by host wall clock")
        print(f"bench: u-boot: {uboot_info['version']}")
    image_bytes = os.path.getsize(args.image)
    map_path = direct_map_calls(args.image)
    print(f"bench: first completed I/O at {first_io['first_io_us']} us guest time from machine "
          f"reset, the image entered at {first_io['entry_us']} us, "
          f"{first_io['since_entry_us']} us between them")
    tlist = targets(rows, ratios, image_bytes, first_io, map_path)
    print_targets(tlist)
    results = {"image_bytes": image_bytes, "rows": rows,
               "ratios_to_direct": ratios, "linux_ratios_to_direct": linux_ratios,
               "boot_to_first_io_us": first_io["first_io_us"],
               "image_entry_us": first_io["entry_us"],
               "entry_to_first_io_us": first_io["since_entry_us"],
               "boot_to_first_io_note": "guest generic-timer time at the first completed "
                                        "request (GET_ID of `blk info` run from the command "
                                        "line), the counter starting at machine reset (QEMU "
                                        "-kernel: no firmware before the image); "
                                        "entry_to_first_io_us counts from the image's entry "
                                        "(CNTVCT read at its first instruction)",
               "direct_map_path": map_path, "targets": tlist,
               "peers": {"linux": linux_info, "u-boot": uboot_info}, "runs": RUNS,
               "vireo_devices": lines}
    with open(os.path.join(workdir, "results.json"), "w") as f:
        json.dump(results, f, indent=2)
    print(f"bench: results in {os.path.join(workdir, 'results.json')}")
    print(f"bench: serial logs in {workdir}/{{bench,linux,u-boot}}.log "
          f"({time.monotonic() - start:.0f} s)")
    bench_irq.run(args.image, args.build)
    return 0 if values else 1


if __name__ == "__main__":
    raise SystemExit(main())
