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
