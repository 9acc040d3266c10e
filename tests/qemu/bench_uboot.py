"""`make bench`'s U-Boot peer (issue 13): Debian's u-boot-qemu (qemu_arm64 u-boot.bin, fetched
by `scripts/deps.sh --bench-peers`) boots with `-bios` on the same QEMU, with the same disk
attachment as vireo's direct virtio-mmio and virtio-pci disks, and reads 64 MiB sequentially.

How it is timed, and why so: Debian's U-Boot 2023.01 has no `time` or `timer` command
(CONFIG_CMD_TIME, CONFIG_CMD_TIMER off), and a program of ours that would read CNTVCT_EL0 cannot
run: `go` and `bootelf` call flush() before jumping, and this U-Boot's pl01x driver reports
output "pending" while the TX FIFO is *not* full (CONFIG_CONSOLE_FLUSH_SUPPORT=y), so on QEMU's
PL011, which never fills, they spin for ever. The one guest-timed sequential read U-Boot has is
`load`, which times the file read with its own timer (get_timer(), the generic counter, ms) and
prints "N bytes read in T ms". So each disk holds an ext4 file system (built on the host with
mke2fs -d) with one 64 MiB file in at most a few extents (U-Boot's ext4 reader issues one block
read per contiguous run, so this is a handful of requests, the largest almost 64 MiB), and
`load virtio <dev> <addr> /seq64m` is the guest-timed figure. A first load is not counted
(it faults in QEMU's pages for the guest buffer); then three are, median taken; the host checks
U-Boot's crc32 of the loaded data against zlib's. The raw `virtio read <addr> 0 0x20000` is
also timed, by the host's wall clock (serial round trip, less that of a 1-block read), and
reported as such.
"""

import os
import re
import shutil
import subprocess
import time
import zlib

import vm as vmlib

MIB = 64
SECTOR = 512
BUF = 0x50000000  # guest RAM for the 64 MiB read: above QEMU's DTB, far below U-Boot
FILE = "seq64m"


class PeerMissing(Exception):
    """U-Boot cannot run here; the message says why."""


def ext4_disk(path, data, size):
    """A raw disk of `size` bytes holding an ext4 file system whose root has FILE = data."""
    root = path + ".d"
    shutil.rmtree(root, ignore_errors=True)
    os.makedirs(root)
    with open(os.path.join(root, FILE), "wb") as f:
        f.write(data)
    if os.path.exists(path):
        os.unlink(path)
    with open(path, "wb") as f:
        f.truncate(size)
    mke2fs = shutil.which("mke2fs") or "/sbin/mke2fs"
    try:
        subprocess.run([mke2fs, "-q", "-F", "-t", "ext4", "-b", "4096", "-m", "0", "-N", "16",
                        "-O", "^has_journal,^resize_inode", "-E", "root_owner=0:0",
                        "-d", root, path], check=True, capture_output=True, timeout=120)
    except (OSError, subprocess.SubprocessError) as e:
        raise PeerMissing(f"cannot build the ext4 disk with mke2fs (e2fsprogs): {e}") from e
    finally:
        shutil.rmtree(root, ignore_errors=True)


class Console:
    """U-Boot's serial console: each command is followed by `echo` of a unique marker."""

    def __init__(self, vm):
        self.vm = vm
        self.n = 0

    def cmd(self, line, timeout=60):
        self.n += 1
        marker = f"UB-DONE-{self.n}"
        self.vm.send_line(f"{line}; echo {marker}")
        start = self.vm.cursor
        m = self.vm.wait_for(rf"^{marker}$", timeout)
        text = self.vm.output[start:m.start()]
        return text.split("\n", 1)[1] if "\n" in text else ""

    def timed(self, line, timeout=60):
        t = time.monotonic()
        out = self.cmd(line, timeout)
        return out, time.monotonic() - t


def median(values):
    return sorted(values)[len(values) // 2]


def load_rate(out):
    """MB/s and ms from `load`'s "N bytes read in T ms"."""
    m = re.search(r"(\d+) bytes read in (\d+) ms", out)
    if not m or int(m.group(2)) == 0:
        return None, None
    return int(m.group(1)) / (int(m.group(2)) / 1000) / 1e6, int(m.group(2))


def measure(con, dev, crc):
    """One disk (U-Boot virtio device `dev`): {"load_mbps", "load_ms", "raw_wall_mbps", ...}."""
    load = f"load virtio {dev} {BUF:#x} /{FILE}"
    warm = con.cmd(load)
    runs = [load_rate(con.cmd(load))[0] for _ in range(3)]
    if None in runs:
        return {"error": f"load failed: {warm.strip()[-200:]}"}
    out = con.cmd(f"crc32 {BUF:#x} {MIB << 20:x}")
    m = re.search(r"==> ([0-9a-f]{8})", out)
    if not m or int(m.group(1), 16) != crc:
        return {"error": f"crc32 of the loaded file is not the host's {crc:08x}: {out.strip()}"}
    walls = []
    for _ in range(3):
        con.cmd(f"virtio dev {dev}")
        out, big = con.timed(f"virtio read {BUF:#x} 0 {(MIB << 20) // SECTOR:x}")
        if "blocks read: OK" not in out:
            return {"error": f"virtio read failed: {out.strip()[-200:]}"}
        _, small = con.timed(f"virtio read {BUF:#x} 0 1")
        walls.append((MIB << 20) / max(big - small, 1e-6) / 1e6)
    return {"load_mbps": median(runs), "load_runs_mbps": runs,
            "warmup_ms": load_rate(warm)[1], "raw_wall_mbps": median(walls),
            "raw_wall_runs_mbps": walls}


def run(bios, workdir, disks, log_path, deadline):
    """disks: [(label, qemu -device spec with drive=ID, drive ID)] (virtio-blk, direct).
    {label: measure()} and the U-Boot version line."""
    data = os.urandom(MIB << 20)
    crc = zlib.crc32(data)
    # -nic none: no NIC, so its autoboot and `virtio scan` find no network either
    extra = ["-nic", "none", "-global", "virtio-mmio.force-legacy=false"]
    for label, device, drive in disks:
        path = os.path.join(workdir, f"u-boot-{drive}.img")
        ext4_disk(path, data, (MIB + 1) << 20)
        extra += ["-drive", f"if=none,file={path},format=raw,id={drive}", "-device", device]
    with vmlib.VM(None, bios=bios, machine_opts=("iommu=smmuv3",), memory="1G", extra=extra,
                  log_path=log_path, deadline=deadline) as vm:
        vm.wait_for(r"Hit any key to stop autoboot", 120)
        vm.send_line("")  # any key: no autoboot (distro_bootcmd would scan virtio and the net)
        vm.wait_for(r"^=> ", 30)
        con = Console(vm)
        version = con.cmd("version").strip().split("\n")[0]
        con.cmd("pci enum; virtio scan")
        tree = con.cmd("dm tree")
        found = blk_parents(tree)
        results = {}
        for label, device, drive in disks:
            dev = next((i for i, parent in found if transport_of(parent) == label.split("/")[0]),
                       None)
            if dev is None:
                results[label] = {"error": f"U-Boot found no virtio-blk on {label}"}
                continue
            results[label] = measure(con, dev, crc)
        vm.send_line("poweroff")
        vm.wait_exit(30)
    return results, version


def blk_parents(tree):
    """[(blk index, parent device name)] from `dm tree`: each virtio-blk's transport."""
    out, parent = [], None
    for line in tree.splitlines():
        m = re.match(r"\s*(\S+)\s+(\d+)\s+\[[ +]*\]\s+(\S+)\s+.*?(\S+)$", line)
        if not m:
            continue
        cls, index, driver, name = m.groups()
        if cls == "virtio":
            parent = name
        elif cls == "blk" and driver == "virtio-blk":
            out.append((int(index), parent))
    return out


def transport_of(name):
    if name and name.startswith("virtio_mmio@"):
        return "mmio"
    if name and name.startswith("virtio-pci"):
        return "pci"
    return None
