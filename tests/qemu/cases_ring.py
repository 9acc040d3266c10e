"""QEMU cases for issue 13: the blk crc/write script re-run with VIRTIO_F_INDIRECT_DESC and
VIRTIO_F_EVENT_IDX each on and off (offered or not by QEMU's device, or refused by vireo's
`indirect=off` / `event_idx=off`), over virtio-mmio (modern) and virtio-pci (modern), plus
random reads with 32 requests in flight (`blk randread`). Every crc and the randread checksum
are computed on the host from the disk's expected content (zlib), and the disk file is checked
sector by sector after poweroff."""

import re
import zlib

from harness import MiB, Script, case, check, parse_kv, parse_devices, short

SEED = 0x13579BDF2468ACE0
LCG_A = 6364136223846793005
LCG_C = 1442695040888963407


def randread_sum(disk, count, sectors):
    """What `blk randread <dev> <count> <qd> <sectors>` prints as sum=: the sum mod 2^32 of
    the zlib CRC-32 of each block read, blocks drawn by Knuth's MMIX LCG from seed 1."""
    blocks = disk.sectors_count // sectors
    x, total = 1, 0
    for _ in range(count):
        x = (x * LCG_A + LCG_C) % 2**64
        lba = ((x >> 33) % blocks) * sectors
        total = (total + disk.crc(lba, sectors)) % 2**32
    return total


def ring_script():
    """crcs small and large (a 1 MiB read is several requests), writes small and large, a
    flush, crcs of what was written, then random reads at queue depth 32 (4 KiB and 64 KiB)."""
    return (Script().cmd("devices").cmd("blk info")
            .crc(0, 0, 64).crc(0, 7, 100).crc(0, 0, 2048)
            .write(0, 10, 8, SEED).write(0, 3001, 1500, SEED ^ 0xFF)
            .cmd("blk flush 0")
            .crc(0, 10, 8).crc(0, 3000, 1502).crc(0, 0, 8192)
            .cmd("blk randread 0 400 32 8").cmd("blk randread 0 100 32 128")
            .cmd("blk randread 0 50 1 8")
            .cmd("poweroff"))


RANDREADS = {11: (400, 32, 8), 12: (100, 32, 128), 13: (50, 1, 8)}  # segment -> args


def check_randread(seg, disk, count, qd, sectors, indirect, queues=1):
    check(seg is not None, "no `blk randread` output")
    lines = [parse_kv(line) for line in seg.split("\n") if line.startswith("blk randread:")]
    check(lines, f"`blk randread` printed no result: {short(seg)}")
    r = lines[0]
    want = randread_sum(disk, count, sectors)
    check(int(r["sum"], 16) == want,
          f"blk randread {count} qd={qd} sectors={sectors}: guest sum={r['sum']}, "
          f"host sum={want:08x}")
    check(int(r["count"]) == count and int(r["qd"]) == qd, f"randread line: {r}")
    check(int(r["queues"]) == queues, f"randread used {r['queues']} request queues, not {queues}")
    chains = int(r["indirect_chains"])
    check((chains == count) if indirect else (chains == 0),
          f"indirect={'yes' if indirect else 'no'} but indirect_chains={chains} of {count}")
    check(int(r["notifies"]) + int(r["kicks_suppressed"]) <= count,
          f"more kicks than requests: {r}")


def ring_case(ctx, transport, dev_opts="", options="", indirect=True, event_idx=True,
              packed=False, queues=1):
    disk = ctx.disk("d0", 8 * MiB)
    if transport == "mmio":
        args = ctx.mmio_blk(disk)
        extra = ["-global", "virtio-mmio.force-legacy=false"]
        if dev_opts:
            args[-1] += "," + dev_opts
    else:
        args = ["-drive", f"if=none,file={disk.path},format=raw,id=pd0",
                "-device", "virtio-blk-pci,drive=pd0,disable-legacy=on"
                + ("," + dev_opts if dev_opts else "")]
        extra = []
    s = ring_script()
    t = ctx.run_script(s, args, extra, ["-nic", "none"], options=options)
    blks = [d for d in parse_devices(t.segments[0]) if d.get("name", "").startswith("blk")]
    check(len(blks) == 1 and blks[0]["name"] == "blk0", f"expected one blk0: {blks}")
    check(blks[0]["transport"].startswith(transport + "@"),
          f"blk0 transport={blks[0]['transport']}, expected {transport}@...")
    feats = int(blks[0]["features"], 16)
    check(bool(feats >> 28 & 1) == indirect and bool(feats >> 29 & 1) == event_idx
          and bool(feats >> 34 & 1) == packed and bool(feats >> 12 & 1) == (queues > 1),
          f"negotiated features={blks[0]['features']}: INDIRECT_DESC (28) should be "
          f"{indirect}, EVENT_IDX (29) {event_idx}, RING_PACKED (34) {packed}, "
          f"BLK_F_MQ (12) {queues > 1}")
    info = [parse_kv(line) for line in t.segments[1].split("\n") if "name=blk0" in line]
    check(info, f"`blk info` has no blk0: {short(t.segments[1])}")
    want = {"indirect": "yes" if indirect else "no", "event_idx": "yes" if event_idx else "no",
            "vq": "packed" if packed else "split", "queues": str(queues)}
    for k, v in want.items():
        check(info[0].get(k) == v, f"`blk info`: {k}={info[0].get(k)}, expected {v}")
    first = re.search(r"first_io_us=(\d+) entry_us=(\d+) since_entry_us=(\d+)", t.segments[1])
    check(first, f"`blk info` has no first_io_us/entry_us: {short(t.segments[1])}")
    f_us, e_us, since = (int(x) for x in first.groups())
    # the timer starts with the machine: the image is entered after 0, I/O after entry
    check(0 < e_us < f_us and abs(e_us + since - f_us) <= 1,
          f"first_io_us={f_us} entry_us={e_us} since_entry_us={since} do not add up")
    s.verify(t, {0: disk})
    for index, (count, qd, sectors) in RANDREADS.items():
        check(s.ops[index].text == f"blk randread 0 {count} {qd} {sectors}", "script moved")
        check_randread(t.segments[index], disk, count, qd, sectors, indirect, queues)
    disk.verify_file()


MATRIX = [
    # name, device options, vireo options, indirect, event_idx, packed, request queues
    ("both", "", "", True, True, False, 1),
    ("indirect", "event_idx=off", "", True, False, False, 1),
    ("event-idx", "indirect_desc=off", "", False, True, False, 1),
    ("both-off", "indirect_desc=off,event_idx=off", "", False, False, False, 1),
    ("refused", "", "indirect=off event_idx=off", False, False, False, 1),
    ("packed", "packed=on", "", True, True, True, 1),
    ("packed-direct", "packed=on,indirect_desc=off,event_idx=off", "", False, False, True, 1),
    ("packed-refused", "packed=on", "vq=split", True, True, False, 1),
    ("all-off", "packed=on", "vq=split indirect=off event_idx=off", False, False, False, 1),
    # VIRTIO_BLK_F_MQ: QEMU offers it with num-queues > 1; vireo uses up to 4 queues
    ("mq", "num-queues=4", "", True, True, False, 4),
    ("mq-packed", "num-queues=6,packed=on", "", True, True, True, 4),
    ("mq-refused", "num-queues=4", "blk_mq=off", True, True, False, 1),
]


def register(transport, name, dev_opts, options, indirect, event_idx, packed, queues):
    doc = (f"virtio-blk on {transport} (modern), device options '{dev_opts or 'defaults'}', "
           f"vireo options '{options or 'none'}': indirect={indirect} event_idx={event_idx} "
           f"packed={packed} negotiated, {queues} request queue(s); crcs, writes, flush, "
           f"randread at qd 32 checked against the host")

    def fn(ctx):
        ring_case(ctx, transport, dev_opts, options, indirect, event_idx, packed, queues)
    fn.__doc__ = doc
    case(f"ring-{transport}-{name}", timeout=90)(fn)


for _transport in ("mmio", "pci"):
    for _row in MATRIX:
        register(_transport, *_row)


def pci_disk_args(disk, opts):
    return ["-drive", f"if=none,file={disk.path},format=raw,id=pd0",
            "-device", f"virtio-blk-pci,drive=pd0,disable-legacy=on,{opts}", "-nic", "none"]


@case("ring-pci-bounce-pool-smaller-than-a-request", timeout=90)
def ring_bounce_small_pool(ctx):
    """dma=bounce bounce_pool=256 (KiB): 1 MiB and 4 MiB reads and a 1 MiB write are larger
    than the free pool: they are split, not failed (-ENOSPC), and every crc, the randread sum
    at qd 32 (the pool fills: submissions wait for completions) and the disk file are right"""
    disk = ctx.disk("d0", 8 * MiB)
    s = (Script().cmd("blk info").crc(0, 0, 2048).crc(0, 0, 8192)
         .write(0, 100, 2048, SEED).crc(0, 0, 4096)
         .cmd("blk randread 0 300 32 8").cmd("dma stats").cmd("poweroff"))
    t = ctx.run_script(s, pci_disk_args(disk, "iommu_platform=on"),
                       options="dma=bounce bounce_pool=256")
    s.verify(t, {0: disk})
    check_randread(t.segments[5], disk, 300, 32, 8, indirect=True)
    pools = [parse_kv(line) for line in t.segments[6].split("\n") if line.startswith("pool=")]
    check(pools and int(pools[0]["failures"]) > 0,
          f"the pool never ran out, so nothing was split: {short(t.segments[6])}")
    check(t.text.count("bounce pool exhausted") == 1,
          "the exhausted pool should be reported once, then only counted")
    disk.verify_file()


@case("ring-pci-iommu-both", timeout=90)
def ring_iommu(ctx):
    """virtio-blk-pci behind -M virt,iommu=smmuv3 (iommu_platform=on): indirect tables and
    event-idx through IOVAs; crcs, writes, randread at qd 32 checked against the host"""
    disk = ctx.disk("d0", 8 * MiB)
    s = ring_script()
    t = ctx.run_script(s, pci_disk_args(disk, "iommu_platform=on"), machine_opts=["iommu=smmuv3"])
    check("dma=iommu" in t.segments[0], f"not on the iommu backend: {short(t.segments[0])}")
    s.verify(t, {0: disk})
    for index, (count, qd, sectors) in RANDREADS.items():
        check_randread(t.segments[index], disk, count, qd, sectors, indirect=True)
    disk.verify_file()


@case("ring-pci-packed-past-the-index-wrap", timeout=120)
def ring_packed_wrap(ctx):
    """packed ring (packed=on), 70000 1-sector random reads at qd 32: the ring wraps hundreds of
    times and the 16-bit event offsets too; the checksum of every read matches the host's"""
    disk = ctx.disk("d0", 8 * MiB)
    s = Script().cmd("blk info").cmd("blk randread 0 70000 32 1").cmd("poweroff")
    t = ctx.run_script(s, pci_disk_args(disk, "packed=on"))
    check("vq=packed" in t.segments[0], f"not on the packed ring: {short(t.segments[0])}")
    check_randread(t.segments[1], disk, 70000, 32, 1, indirect=True)
    disk.verify_file()
