"""`make bench`'s Linux peer (issue 13): Debian's arm64 kernel boots on the same QEMU, with the
same disks attached the same way as vireo's, and an initramfs whose /init runs Debian's arm64
fio on each disk: the same workloads, `--direct=1 --ioengine=libaio`, three runs each.

The payload is fetched on demand by `scripts/deps.sh --bench-peers` (the kernel, its virtio
modules and busybox-static from --linux; fio with every library it loads, and the dynamic
loader) into $VIREO_DEPS/{linux,bench-peers/fio}; this module only assembles the initramfs
(cpio newc, gzip) and reads the results from the console.

/init (busybox sh) mounts proc, sysfs and devtmpfs, loads the virtio modules in order, waits for
the disks, prints one `bench-disk: vdX <sysfs path>` line per disk (the host maps the path to
the QEMU attachment), then for each disk, each job and each run one line
`bench-fio: disk=vdX job=KEY run=N rc=RC <fio's JSON on one line>`. If fio cannot start at all
(`bench-fio-broken: ...`), it falls back to busybox `dd iflag=direct`/`oflag=direct` for the
sequential jobs only (`bench-dd: ...` lines, dd's own report), and the table says so.
"""

import gzip
import json
import os
import re
import subprocess

import cases_linux

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
FIO_DIR = os.path.join(cases_linux.DEPS, "bench-peers", "fio")
UBOOT_DIR = os.path.join(cases_linux.DEPS, "bench-peers", "u-boot")
ENGINE = "libaio"


class PeerMissing(Exception):
    """A peer cannot run here; the message says why (it goes into the table)."""


class Job:
    """One workload: its key (shell-safe), fio's arguments and, for the sequential ones, busybox
    dd's (the fallback when fio cannot run)."""

    def __init__(self, key, fio, dd=""):
        self.key, self.fio, self.dd = key, fio, dd


def fetch():
    """Run scripts/deps.sh --bench-peers once (it returns at once when everything is cached);
    its lines, for the reasons of what is missing."""
    try:
        r = subprocess.run([os.path.join(ROOT, "scripts", "deps.sh"), "--bench-peers"],
                           capture_output=True, text=True, timeout=1800)
    except (OSError, subprocess.SubprocessError) as e:
        return f"deps: bench peer linux: scripts/deps.sh --bench-peers: {e}"
    return r.stdout + r.stderr


def reason(deps_out, peer, default):
    """deps.sh's line about `peer`, or `default`."""
    for line in deps_out.splitlines():
        m = re.match(rf"deps: bench peer {re.escape(peer)}: (.*)", line)
        if m:
            return m.group(1)
    return default


def fio_files():
    """[(path in the initramfs, mode, bytes)] for fio and its libraries; PeerMissing if the
    cache lacks them."""
    if not os.path.isfile(os.path.join(FIO_DIR, ".complete")):
        raise PeerMissing(f"no fio in {FIO_DIR} (scripts/deps.sh --bench-peers)")
    out = [("usr/bin/fio", 0o100755, open(os.path.join(FIO_DIR, "bin", "fio"), "rb").read())]
    libdir = os.path.join(FIO_DIR, "lib")
    for name in sorted(os.listdir(libdir)):
        out.append((f"lib/{name}", 0o100755, open(os.path.join(libdir, name), "rb").read()))
    return out


INIT = r"""#!/bin/busybox sh
B=/bin/busybox
$B mount -t proc proc /proc
$B mount -t sysfs sysfs /sys
$B mount -t devtmpfs devtmpfs /dev
for m in $($B cat /lib/modules/order); do
	$B insmod /lib/modules/$m.ko || echo "bench-init: insmod $m failed"
done
want=$($B cat /bench/disks)
i=0
while [ $($B ls /sys/block | $B grep -c '^vd') -lt $want ] && [ $i -lt 60 ]; do
	$B sleep 1
	i=$((i + 1))
done
for d in /sys/block/vd*; do
	[ -e "$d" ] && echo "bench-disk: ${d##*/} $($B readlink -f $d)"
	[ -e "$d" ] && echo "bench-init: ${d##*/} scheduler $($B cat $d/queue/scheduler)"
done
$B dmesg | $B grep -i -E 'smmu|swiotlb|software io tlb|restricted' | while read -r l; do
	echo "bench-dmesg: $l"
done
for g in /sys/bus/pci/devices/*/iommu_group/type; do
	[ -e "$g" ] && echo "bench-iommu: $($B basename ${g%/iommu_group/type}) $($B cat $g)"
done
export LD_LIBRARY_PATH=/lib
if v=$(/usr/bin/fio --version 2>&1); then
	echo "bench-fio-version: $v"
	fio=1
else
	echo "bench-fio-broken: $(echo $v | $B tr '\n' ' ')"
	fio=0
fi
runs=$($B cat /bench/runs)
for d in /sys/block/vd*; do
	d=${d##*/}
	while IFS='|' read -r key fargs dargs; do
		[ -n "$key" ] || continue
		r=1
		while [ $r -le $runs ]; do
			if [ $fio = 1 ]; then
				out=$(/usr/bin/fio --name=$key --filename=/dev/$d $fargs \
					--output-format=json 2>&1)
				rc=$?
				echo "bench-fio: disk=$d job=$key run=$r rc=$rc $(echo "$out" | $B tr -d '\n\t')"
			elif [ -n "$dargs" ]; then
				out=$(eval $B dd $dargs 2>&1)
				rc=$?
				echo "bench-dd: disk=$d job=$key run=$r rc=$rc $(echo "$out" | $B tr '\n' ' ')"
			fi
			r=$((r + 1))
		done
	done </bench/jobs
done
echo "bench-done"
$B poweroff -f
"""


def initramfs(jobs, runs, disk_count, level=1):
    """The gzip'd newc cpio: busybox, the virtio modules, fio and its libraries, /init, and
    /bench/{jobs,runs,disks} (what /init runs)."""
    _, busybox, modules, order = cases_linux.payload()
    jobs_text = "".join(f"{j.key}|{j.fio}|{j.dd.replace('DEV', '/dev/$d')}\n" for j in jobs)
    dirs = ["bin", "dev", "proc", "sys", "tmp", "usr", "usr/bin", "lib", "lib/modules",
            "bench"]
    entries = [(d, 0o40755, b"") for d in dirs]
    entries += [("bin/busybox", 0o100755, busybox), ("init", 0o100755, INIT.encode()),
                ("lib/modules/order", 0o100644, (" ".join(order) + "\n").encode()),
                ("bench/jobs", 0o100644, jobs_text.encode()),
                ("bench/runs", 0o100644, f"{runs}\n".encode()),
                ("bench/disks", 0o100644, f"{disk_count}\n".encode())]
    entries += [(f"lib/modules/{m}.ko", 0o100644, modules[m]) for m in order]
    entries += fio_files()
    blob = b"".join(cases_linux.cpio_entry(n, m, d, i + 1)
                    for i, (n, m, d) in enumerate(entries))
    blob += cases_linux.cpio_entry("TRAILER!!!", 0, b"", 0)
    return gzip.compress(blob, level)


def parse(text):
    """From the console: ({vdX: sysfs path}, {(vdX, key): [result dict per run]},
    [(kind, text)] with kind fio-version, fio-broken, dmesg, iommu or init).
    A result dict: {"iops", "bw_bytes", "runtime_ms", "how"} or {"error": text}."""
    disks = dict(re.findall(r"^bench-disk: (vd\w+) (\S+)$", text, re.M))
    results = {}
    for m in re.finditer(r"^bench-fio: disk=(\w+) job=(\w+) run=(\d+) rc=(\d+) (.*)$", text,
                         re.M):
        results.setdefault((m.group(1), m.group(2)), []).append(fio_result(m.group(4),
                                                                           m.group(5)))
    for m in re.finditer(r"^bench-dd: disk=(\w+) job=(\w+) run=(\d+) rc=(\d+) (.*)$", text,
                         re.M):
        results.setdefault((m.group(1), m.group(2)), []).append(dd_result(m.group(4),
                                                                          m.group(5)))
    notes = re.findall(r"^bench-(fio-version|fio-broken|dmesg|iommu|init): (.*)$", text, re.M)
    return disks, results, notes


def fio_result(rc, out):
    start = out.find("{")
    try:
        job = json.loads(out[start:])["jobs"][0]
    except (ValueError, KeyError, IndexError):
        return {"error": f"fio rc={rc}: {out[:200]}"}
    if job.get("error"):
        return {"error": f"fio error {job['error']}: {out[:start][:200]}"}
    side = job["write"] if job["write"]["io_bytes"] else job["read"]
    return {"iops": side["iops"], "bw_bytes": side["bw_bytes"], "runtime_ms": side["runtime"],
            "ios": side["total_ios"], "slat_mean_us": side["slat_ns"]["mean"] / 1000,
            "clat_mean_us": side["clat_ns"]["mean"] / 1000, "how": f"fio {ENGINE}"}


def dd_result(rc, out):
    """busybox dd: '67108864 bytes (64.0MB) copied, 0.512345 seconds, 125.0MB/s'."""
    m = re.search(r"(\d+) bytes .*copied, ([\d.]+) seconds", out)
    if rc != "0" or not m or float(m.group(2)) <= 0:
        return {"error": f"dd rc={rc}: {out[:200]}"}
    return {"bw_bytes": int(m.group(1)) / float(m.group(2)),
            "runtime_ms": float(m.group(2)) * 1000, "how": "busybox dd direct"}


def kernel():
    """The kernel image's path, after fetching; PeerMissing with the reason if impossible."""
    try:
        cases_linux.payload()
    except cases_linux.CaseSkipped as e:
        raise PeerMissing(str(e)) from e
    return os.path.join(cases_linux.LINUX_DIR, "vmlinuz")
