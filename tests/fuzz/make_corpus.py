#!/usr/bin/env python3
"""Generates the seed corpus of every fuzz harness, and turns the checked-in reproducers
(tests/fuzz/regress/<harness>/*.hex: hex bytes, '#' comments) into inputs.

    tests/fuzz/make_corpus.py OUT      writes OUT/<harness>/<seed> and OUT/../regress/<harness>/

Each seed is built here from what the harness's input means (see the harness's header comment),
so no binary blob is checked in."""
import glob
import os
import struct
import subprocess
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
SEEDS = {}


def seeds(name):
    def register(fn):
        SEEDS[name] = fn
        return fn
    return register


@seeds("fuzz_dt")
def dt_seeds():
    """The host tests' device trees (QEMU virt, FVP, DMA, malformed, MSI), compiled by dtc."""
    out = {}
    for dts in sorted(glob.glob(os.path.join(ROOT, "tests/host/dts/*.dts"))):
        blob = subprocess.run(["dtc", "-q", "-I", "dts", "-O", "dtb", dts],
                              check=True, capture_output=True).stdout
        out[os.path.basename(dts)[:-4]] = blob
    return out


OUR_MAC = bytes.fromhex("525400123456")
GW_MAC = bytes.fromhex("525400aabbcc")
OUR_IP = bytes([10, 0, 2, 15])
GW_IP = bytes([10, 0, 2, 2])


def csum(b):
    if len(b) % 2:
        b += b"\0"
    s = sum(struct.unpack("!%dH" % (len(b) // 2), b))
    while s >> 16:
        s = (s & 0xFFFF) + (s >> 16)
    return struct.pack("!H", ~s & 0xFFFF)


def eth(dst, etype, payload, src=GW_MAC):
    return dst + src + struct.pack("!H", etype) + payload


def ipv4(proto, payload, src=GW_IP, dst=OUR_IP):
    h = struct.pack("!BBHHHBB2s4s4s", 0x45, 0, 20 + len(payload), 1, 0, 64, proto, b"\0\0",
                    src, dst)
    return h[:10] + csum(h) + h[12:] + payload


def udp(sport, dport, payload, src=GW_IP, dst=OUR_IP):
    h = struct.pack("!HHHH", sport, dport, 8 + len(payload), 0)
    pseudo = src + dst + struct.pack("!BBH", 0, 17, 8 + len(h + payload) - 8)
    return h[:6] + csum(pseudo + h + payload) + payload


def icmp(typ, ident, seq, data=b"vireo-fuzz"):
    m = struct.pack("!BBHHH", typ, 0, 0, ident, seq) + data
    return m[:2] + csum(m) + m[4:]


def arp(op, smac, sip, tmac, tip):
    return struct.pack("!HHBBH6s4s6s4s", 1, 0x0800, 6, 4, op, smac, sip, tmac, tip)


def dhcp(msg_type, yiaddr=bytes([10, 0, 2, 50]), server=bytes([10, 0, 2, 1])):
    m = struct.pack("!BBBBIHH4s4s4s4s16s64s128s", 2, 1, 6, 0, 0, 0, 0, b"\0" * 4, yiaddr,
                    b"\0" * 4, b"\0" * 4, OUR_MAC, b"", b"")
    m += bytes([99, 130, 83, 99, 53, 1, msg_type, 54, 4]) + server
    m += bytes([1, 4, 255, 255, 255, 0, 3, 4]) + server + bytes([51, 4, 0, 0, 14, 16, 255])
    return eth(b"\xff" * 6, 0x0800, ipv4(17, udp(67, 68, m, server, b"\xff" * 4), server,
                                         b"\xff" * 4))


def frames(mode, *records):
    """mode byte, then [flags][len le16][frame] per frame (fuzz_net.c)."""
    out = bytes([mode])
    for flags, f in records:
        out += bytes([flags]) + struct.pack("<H", len(f)) + f
    return out


@seeds("fuzz_net")
def net_seeds():
    arp_req = eth(b"\xff" * 6, 0x0806, arp(1, GW_MAC, GW_IP, b"\0" * 6, OUR_IP))
    arp_rep = eth(OUR_MAC, 0x0806, arp(2, GW_MAC, GW_IP, OUR_MAC, OUR_IP))
    echo_req = eth(OUR_MAC, 0x0800, ipv4(1, icmp(8, 0x1234, 1)))
    echo_rep = eth(OUR_MAC, 0x0800, ipv4(1, icmp(0, 0x1234, 1)))
    dgram = eth(OUR_MAC, 0x0800, ipv4(17, udp(5555, 7, b"hello vireo")))
    return {
        "idle_arp_icmp_udp": frames(0, (0, arp_req), (0, echo_req), (0, dgram)),
        "dhcp_offer_ack": frames(1, (1, dhcp(2)), (1, dhcp(5))),
        "dhcp_nak": frames(1, (1, dhcp(2)), (1, dhcp(6))),
        "ping_gateway": frames(2, (0, arp_rep), (0, echo_rep)),
        "udp_echo": frames(3, (0, arp_req), (0, dgram), (0, dgram)),
    }


def pokes(*records):
    """[function][register le16][value] records (fuzz_pci.c, fuzz_transport.c)."""
    return b"".join(bytes([fn]) + struct.pack("<H", reg) + bytes([v]) for fn, reg, v in records)


@seeds("fuzz_pci")
def pci_seeds():
    """Functions (pci_rig.c): 0 host bridge, 1 NIC, 2 root port, 3 disk behind it, 4 and 5
    nested bridges, 6 endpoint behind them, 7 virtio-blk."""
    return {
        "board": b"",
        "endpoint_claims_bridge": pokes((1, 0x0E, 0x01)),
        "bridge_secondary_is_own_bus": pokes((4, 0x19, 0x00), (4, 0x1A, 0x00)),
        "bridge_loops_to_root": pokes((5, 0x18, 0x00), (5, 0x19, 0x00)),
        "cap_list_loop": pokes((1, 0x06, 0x10), (1, 0x34, 0x40), (1, 0x40, 0x10), (1, 0x41, 0x40)),
        "bar_turns_64bit_io": pokes((1, 0x10, 0x04), (1, 0x14, 0x01)),
        "multifunction_everywhere": pokes((0, 0x0E, 0x80), (1, 0x0E, 0x80), (7, 0x0E, 0x80)),
    }


@seeds("fuzz_transport")
def transport_seeds():
    """mmio: [0][version][device id][QueueNumMax], then one control byte per register read
    (bit 7: the next 4 bytes are the value). pci: [1 or 3] then pokes as fuzz_pci."""
    out = {}
    features = b"\x80" + struct.pack("<I", 0x31006E54)  # blk-ish low feature word
    version1 = b"\x80" + struct.pack("<I", 1)               # VERSION_1 in the high word
    for version in (1, 2):
        for dev, name in ((1, "net"), (2, "blk"), (3, "console"), (4, "rng")):
            body = b"\0" * 8 + features + version1 + b"\0" * 400
            out[f"mmio_v{version}_{name}"] = bytes([0, version, dev, 8]) + body
    out["pci_plain"] = b"\x01"
    out["pci_cap_pointer_loop"] = b"\x01" + pokes((7, 0x34, 0x40), (7, 0x41, 0x40))
    out["pci_cap_length_absurd"] = b"\x01" + pokes((7, 0x43, 0xFF), (7, 0x4C, 0xFF), (7, 0x4F, 0xFF))
    out["pci_cap_offset_past_bar"] = b"\x01" + pokes((7, 0x4B, 0xFF), (7, 0x4A, 0xF0))
    out["pci_anywhere_device_id"] = b"\x03" + pokes((7, 0x02, 0x41))
    return out


@seeds("fuzz_used_ring")
def used_ring_seeds():
    """[mode] then per request [kind][count][lba] followed by the device's ops (0 honest,
    1 knob, 2 jump, 3 rewrite entry, 4 late completion, 5 config change, 6 step back, 7
    nothing); see fuzz_used_ring.c. Mode: bit 0 bounce, bit 1 MRG_RXBUF, bit 2 packed ring,
    bit 3 8-entry rings. Every seed is made for the split ring, the packed ring and 8-entry
    packed rings; the packed rewrite (op 3) takes one more byte (bit 0: the previous lap's
    wrap bits, bit 1: WRITE)."""
    honest = b"\0" * 4
    out = {}
    for ring, bits in (("split", 0), ("packed", 4), ("packed8", 12)):
        packed = bits & 4
        rewrite = bytes([3, 0, 0x80, 1, 0, 0, 0]) + (b"\2" if packed else b"")
        for backend, name in ((0, "direct"), (1, "bounce")):
            mode = backend | bits
            pre = f"{ring}_{name}"
            out[f"{pre}_honest_mix"] = bytes([mode]) + b"".join(
                bytes([k, 3, 5]) + honest for k in (0, 1, 2, 3, 4, 0))
            out[f"{pre}_knobs"] = bytes([mode]) + b"".join(
                bytes([0, 2, 9, 1, k]) + honest for k in range(9 if packed else 6))
            out[f"{pre}_idx_jump"] = bytes([mode, 0, 1, 1, 0, 2, 3, 0, 0, 0, 1, 1, 6]) + honest
            out[f"{pre}_rewrite"] = bytes([mode, 0, 1, 1, 0]) + rewrite + honest
            out[f"{pre}_swallow_late"] = bytes([mode, 0, 1, 1, 1, 3, 7, 7, 4, 7]) + honest
            out[f"{pre}_timeout"] = bytes([mode, 0, 1, 1]) + b"\7" * 64
            out[f"{pre}_net"] = bytes([mode | 2]) + b"".join(
                bytes([k, 60, 0]) + honest for k in (5, 6, 5, 6))
            out[f"{pre}_net_rx_len"] = bytes([mode, 6, 0xEA, 5, 3, 0, 0x80, 0, 0, 0xFF, 0xFF,
                                              0xFF, 0x7F]) + (b"\2" if packed else b"") + honest
        if packed:
            # sixteen requests of all kinds: round an 8-entry ring several times
            out[f"{ring}_wraps"] = bytes([bits]) + b"".join(
                bytes([k % 7, 1 + k % 4, k * 3]) + honest for k in range(16))
            out[f"{ring}_flip_then_fix"] = bytes([bits, 0, 2, 3, 6, 0]) + rewrite[:-1] + \
                b"\0" + honest
            out[f"{ring}_wrong_wrap_then_more"] = bytes([bits, 0, 1, 1, 1, 6]) + b"\7" * 16 + \
                bytes([0, 1, 2]) + honest
    return out


@seeds("fuzz_smmu")
def smmu_seeds():
    """op bytes and their arguments (fuzz_smmu.c)."""
    translate = bytes([7, 0, 0])
    event = bytes([0, 0x10]) + struct.pack("<HQB", 0x10, 0x1000, 1)
    return {
        "events": event * 4,
        "evtq_prod_wild": event + bytes([1]) + struct.pack("<I", 0x8007FFFF) + event,
        "cmdq_cons_wild": bytes([2]) + struct.pack("<I", 0x00FFFFFF) + b"\x10",
        "gerror": bytes([3]) + struct.pack("<I", 0xFFFFFFFF),
        "map_unmap": translate + bytes([4]) + struct.pack("<I", 0x1234) + bytes([4, 0, 0, 0, 0]),
        "sync_stuck": translate + bytes([5, 2, 4]) + struct.pack("<I", 5),
        "translate_while_sync_stuck": bytes([5, 2, 7, 1, 0]),
        "cons_chaos": translate + bytes([6, 4]) + b"\xff" * 32,
    }


def image_header(image_size=0x10000, text_offset=0):
    """A 64-byte arm64 Image header (Linux Documentation/arch/arm64/booting.rst)."""
    hdr = struct.pack("<IIQQQQQQII", 0x14000010, 0, text_offset, image_size, 0xA, 0, 0, 0,
                      0x644D5241, 0)
    return hdr + bytes(range(256)) * 4


def small_gpt(parts, sectors=128, corrupt=None):
    """A GPT disk of `sectors` 512-byte sectors: protective MBR, header at LBA 1, 4 entries of
    128 bytes at LBA 2, partitions (name, data) from LBA 34 on. corrupt: "header" or
    "entries" breaks that CRC."""
    import uuid
    import zlib
    disk = bytearray(sectors * 512)
    disk[446:462] = struct.pack("<B3sB3sII", 0, b"\x00\x02\x00", 0xEE, b"\xff\xff\xff", 1,
                                sectors - 1)
    disk[510:512] = b"\x55\xaa"
    entries, lba = b"", 34
    guid = uuid.UUID("0fc63daf-8483-4772-8e79-3d69d8477de4").bytes_le
    for i, (name, data) in enumerate(parts):
        count = max(1, (len(data) + 511) // 512)
        entries += struct.pack("<16s16sQQQ72s", guid, bytes([i + 1]) * 16, lba,
                               lba + count - 1, 0, name.encode("utf-16-le"))
        disk[lba * 512:lba * 512 + len(data)] = data
        lba += count
    entries = entries.ljust(4 * 128, b"\0")
    disk[1024:1024 + len(entries)] = entries
    ecrc = zlib.crc32(entries) ^ (1 if corrupt == "entries" else 0)
    fields = [b"EFI PART", 0x00010000, 92, 0, 0, 1, sectors - 1, 34, sectors - 2,
              bytes(range(16)), 2, 4, 128, ecrc]
    fmt = "<8sIIIIQQQQ16sQIII"
    fields[3] = zlib.crc32(struct.pack(fmt, *fields)) ^ (1 if corrupt == "header" else 0)
    disk[512:512 + 92] = struct.pack(fmt, *fields)
    return bytes(disk)


@seeds("fuzz_linux_boot")
def linux_boot_seeds():
    """Disks for the payload loader: GPT with kernel and initrd (plain and gzip Images), a
    whole-disk raw Image and raw gzip, a GPT whose CRCs are wrong, a partition past the end;
    the bytes at the end become bootargs."""
    import gzip
    kernel = image_header()
    gz = gzip.compress(kernel, 9)
    initrd = b"070701" + b"0" * 104 + b"TRAILER!!!\0"
    tail = b"console=ttyAMA0 rdinit=/init"
    return {
        "gpt_plain": small_gpt([("kernel", kernel), ("initrd", initrd)]) + tail,
        "gpt_gzip": small_gpt([("kernel", gz), ("initrd", initrd)]),
        "gpt_kernel_only": small_gpt([("kernel", kernel)], sectors=64),
        "gpt_bad_header_crc": small_gpt([("kernel", kernel)], corrupt="header"),
        "gpt_bad_entries_crc": small_gpt([("kernel", kernel)], corrupt="entries"),
        "gpt_past_end": small_gpt([("kernel", kernel * 40)], sectors=64)[:64 * 512],
        "raw_image": kernel.ljust(4096, b"\0"),
        "raw_gzip": gz.ljust(2048, b"\0"),
        "raw_bad_magic": b"\0" * 56 + b"ARM\x63" + b"\0" * 452,
    }


def write_dir(path, files):
    os.makedirs(path, exist_ok=True)
    for old in os.listdir(path):
        os.unlink(os.path.join(path, old))
    for name, data in files.items():
        with open(os.path.join(path, name), "wb") as f:
            f.write(data)


def parse_hex(path):
    text = []
    with open(path) as f:
        for line in f:
            text.append(line.split("#", 1)[0])
    return bytes.fromhex("".join(text).replace("\n", " "))


def main():
    out = sys.argv[1]
    regress = os.path.join(os.path.dirname(os.path.abspath(out)), "regress")
    for name, fn in SEEDS.items():
        write_dir(os.path.join(out, name), fn())
    for d in glob.glob(os.path.join(ROOT, "tests/fuzz/regress/*")):
        files = {os.path.basename(p)[:-4]: parse_hex(p) for p in glob.glob(d + "/*.hex")}
        write_dir(os.path.join(regress, os.path.basename(d)), files)
    total = sum(len(os.listdir(os.path.join(out, n))) for n in SEEDS)
    print(f"fuzz corpus: {len(SEEDS)} harnesses, {total} seeds in {out}")


if __name__ == "__main__":
    main()
