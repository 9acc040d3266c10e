#!/usr/bin/env python3
"""Append the AArch32 image's relocation table (read by arch/aarch32/reloc.c at boot).

    arm_reloc_table.py READELF vireo.elf vireo.bin

Debian's newlib for arm-none-eabi is not position independent (absolute movw/movt pairs), so
the linker cannot make a PIE of the image. It is linked for one address with --emit-relocs
instead; this script lists every place that holds the absolute address of something inside
the image: ABS32 words (and GOT entries, which the linker fills without a relocation), and the
MOVT halves of movw/movt pairs (ARM and Thumb encodings). Moved by a multiple of 64 KiB, a
movw's low half stays right and only its movt changes, so the MOVW relocations are not needed.
A reference to something outside the image (an undefined weak symbol, an absolute value, a
device address) is left alone. PC-relative relocations need nothing. Any other relocation type
in a loaded section fails the build.

The table goes right after the loaded sections (where BSS starts: it is applied before BSS is
cleared), and the zImage header's end field (offset 0x2c) is moved past it:
    u32 magic "VRL1", u32 abs_count, u32 movt_arm_count, u32 movt_thumb_count,
    then the offsets from the image start of each list, in that order.
"""

import re
import struct
import subprocess
import sys

MAGIC = 0x314C5256  # "VRL1"
ZIMAGE_END = 0x2C
ABS = {"R_ARM_ABS32", "R_ARM_TARGET1"}
MOVT_ARM = {"R_ARM_MOVT_ABS"}
MOVT_THUMB = {"R_ARM_THM_MOVT_ABS"}
NOTHING = {"R_ARM_MOVW_ABS_NC", "R_ARM_THM_MOVW_ABS_NC", "R_ARM_CALL", "R_ARM_JUMP24",
           "R_ARM_THM_CALL", "R_ARM_THM_JUMP24", "R_ARM_THM_JUMP19", "R_ARM_THM_JUMP11",
           "R_ARM_THM_JUMP8", "R_ARM_PREL31", "R_ARM_REL32", "R_ARM_BASE_PREL",
           "R_ARM_GOT_BREL", "R_ARM_GOT_PREL", "R_ARM_V4BX", "R_ARM_NONE", "R_ARM_MOVW_PREL_NC",
           "R_ARM_MOVT_PREL", "R_ARM_THM_MOVW_PREL_NC", "R_ARM_THM_MOVT_PREL", "R_ARM_THM_PC8",
           "R_ARM_THM_PC12", "R_ARM_THM_ALU_PREL_11_0", "R_ARM_TARGET2"}


def run(*argv):
    return subprocess.run(argv, check=True, capture_output=True, text=True).stdout


# arch/aarch32/reloc.c runs before the table is applied: it must hold no absolute address.
BEFORE_RELOCATION = ("arch_relocate", "movt_arm_add", "movt_thumb_add")


def symbols(readelf, elf, sizes=None):
    syms = {}
    for line in run(readelf, "-sW", elf).splitlines():
        f = line.split()
        if len(f) >= 8 and f[0].endswith(":") and f[0][:-1].isdigit():
            syms.setdefault(f[7], int(f[1], 16))
            if sizes is not None and f[7] in BEFORE_RELOCATION:
                sizes[f[7]] = (int(f[1], 16) & ~1, int(f[2]))
    return syms


def sections(readelf, elf):
    """name -> (address, file offset, size) of the sections that are loaded."""
    out = {}
    for line in run(readelf, "-SW", elf).splitlines():
        m = re.match(r"\s*\[\s*\d+\]\s+(\S+)\s+(\S+)\s+([0-9a-f]+)\s+([0-9a-f]+)\s+([0-9a-f]+)"
                     r"\s+\S+\s+(\S*)", line)
        if m and "A" in m.group(6) and m.group(2) != "NOBITS":
            out[m.group(1)] = (int(m.group(3), 16), int(m.group(4), 16), int(m.group(5), 16))
    return out


def main():
    readelf, elf, binary = sys.argv[1:4]
    early = {}
    syms = symbols(readelf, elf, early)
    start, end = syms["__image_start"], syms["__image_end"]
    load_end = syms["__load_end"]
    inside = lambda a: start <= a <= end  # noqa: E731
    lists = {"abs": set(), "arm": set(), "thumb": set()}
    unknown = set()
    for line in run(readelf, "-rW", elf).splitlines():
        f = line.split()
        if len(f) < 4 or not f[2].startswith("R_ARM_") or not re.fullmatch(r"[0-9a-f]{8}", f[0]):
            continue
        where, kind = int(f[0], 16), f[2]
        if not start <= where < load_end:
            continue  # debug sections: not loaded
        value = int(f[3], 16) if len(f) > 3 and re.fullmatch(r"[0-9a-f]{8}", f[3]) else 0
        if kind in NOTHING:
            continue
        if kind in ABS | MOVT_ARM | MOVT_THUMB:
            for name, (a, size) in early.items():
                if a <= where < a + size:
                    sys.exit(f"arm_reloc_table.py: {name} (runs before relocation) holds an "
                             f"absolute address ({kind} at {where:#x})")
            if inside(value):
                key = "abs" if kind in ABS else "arm" if kind in MOVT_ARM else "thumb"
                lists[key].add(where - start)
            continue
        unknown.add(kind)
    if unknown:
        sys.exit(f"arm_reloc_table.py: relocation types not handled: {', '.join(sorted(unknown))}")
    with open(binary, "rb") as fh:
        image = bytearray(fh.read())
    secs = sections(readelf, elf)
    text = secs[".text"]
    for a in range(text[0], text[0] + text[2] - 3, 4):
        # "ldr pc, [pc, #-4]; .word target": an absolute linker veneer with no relocation
        # (link with --pic-veneer).
        if struct.unpack_from("<I", image, a - start)[0] == 0xE51FF004:
            sys.exit(f"arm_reloc_table.py: absolute veneer at {a:#x} (link with --pic-veneer)")
    got = secs.get(".got")
    if got:
        for a in range(got[0], got[0] + got[2], 4):
            (word,) = struct.unpack_from("<I", image, a - start)
            if inside(word):
                lists["abs"].add(a - start)
    check = load_end - start
    if len(image) > check:
        sys.exit(f"arm_reloc_table.py: {binary} is {len(image)} bytes, more than __load_end")
    image += bytes(check - len(image))
    table = [MAGIC, len(lists["abs"]), len(lists["arm"]), len(lists["thumb"])]
    for key in ("abs", "arm", "thumb"):
        table += sorted(lists[key])
    image += struct.pack(f"<{len(table)}I", *table)
    struct.pack_into("<I", image, ZIMAGE_END, len(image))
    with open(binary, "wb") as fh:
        fh.write(image)
    print(f"relocs: {len(lists['abs'])} words, {len(lists['arm'])} + {len(lists['thumb'])} "
          f"movt (ARM + Thumb), table of {4 * len(table)} bytes")


if __name__ == "__main__":
    main()
