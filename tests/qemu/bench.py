#!/usr/bin/env python3
"""`make bench`: throughput per DMA backend (issue 4). Nothing to measure yet."""

import argparse


def main():
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--image", default="build/aarch64/vireo.bin")
    ap.add_argument("--build", default="build")
    ap.parse_args()
    print("bench: no benchmarks yet")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
