#!/usr/bin/env python3
"""Part of `make bench` (issue 13): shows, from the image's disassembly, that the direct DMA
backend adds no indirect call per buffer. dma_map()/dma_unmap_written() are inline
(include/vireo/dma.h): on the direct backend they call dma_direct_map/dma_direct_unmap
(a `bl`), only the other backends go through their ops (`blr`). For each function of the
virtqueue that maps or unmaps buffers, this prints the calls the inlined dma.h code makes.
Exit 1 if a direct-backend call is indirect or missing."""

import re
import subprocess
import sys

FUNCS = ("virtq_add", "virtq_unmap_buf")


def disassemble(objdump, elf, func):
    out = subprocess.run([objdump, "-d", "-l", "--no-show-raw-insn", f"--disassemble={func}",
                          elf], capture_output=True, text=True, check=True).stdout
    calls, source = [], ""
    for line in out.splitlines():
        m = re.match(r"^(/\S+):(\d+)", line)
        if m:
            source = f"{m.group(1).split('/include/')[-1]}:{m.group(2)}"
            continue
        # calls, and tail calls (b to a function, br through a register)
        m = re.match(r"^\s+([0-9a-f]+):\s+(bl|blr|b|br)\s+(.*)$", line)
        if not m or not source.startswith("vireo/dma.h"):
            continue
        op, target = m.group(2), m.group(3).strip()
        if op == "b" and "<dma_" not in target:
            continue  # a branch inside the function
        kind = {"b": "bl*", "br": "blr*"}.get(op, op)
        calls.append((m.group(1), kind, target, source))
    return calls


def main():
    elf = sys.argv[1] if len(sys.argv) > 1 else "build/aarch64/vireo.elf"
    objdump = sys.argv[2] if len(sys.argv) > 2 else "aarch64-linux-gnu-objdump"
    nm = objdump.replace("objdump", "nm")
    syms = subprocess.run([nm, elf], capture_output=True, text=True, check=True).stdout.split()
    # the compiler's clones (virtq_unmap_buf.isra.0) count as the function
    names = sorted(set(s for s in syms if s.split(".")[0] in FUNCS))
    ok = len(set(n.split(".")[0] for n in names)) == len(FUNCS)
    for func in names:
        calls = disassemble(objdump, elf, func)
        direct = [c for c in calls if c[1].startswith("bl") and not c[1].startswith("blr")
                  and "dma_direct_" in c[2]]
        other = [c for c in calls if c not in direct]
        indirect_direct = [c for c in other if "dma_direct_" in c[2]]
        print(f"direct-map: {func}: direct backend {len(direct)} call(s) "
              f"({', '.join(sorted(set(c[2] for c in direct)))}), other backends "
              f"{len(other)} indirect call(s) through ops")
        for addr, op, target, source in calls:
            print(f"direct-map:   {addr}  {op:4s} {target:28s} {source}")
        if any("*" in c[1] for c in calls):
            print("direct-map:   (* a tail call: b/br)")
        if not direct or indirect_direct or any(not c[1].startswith("blr") for c in other):
            ok = False
    print(f"direct-map: {'no indirect call on the direct path' if ok else 'FAILED'}")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
