#!/usr/bin/env python3
"""Boot the vireo image in QEMU over a matrix of configurations and check the results from the
host.

    python3 tests/qemu/run_tests.py --image build/aarch64/vireo.bin --build build
        (AArch32 cases boot --image32, by default BUILD/aarch32/vireo.bin)
    python3 tests/qemu/run_tests.py ... --list
    python3 tests/qemu/run_tests.py ... --only blk-legacy -v     # one case, serial shown live

Prints `PASS <case>`, `SKIP <case>: <reason>` (a case that raised harness.CaseSkipped: it
cannot run here, e.g. a download was impossible; counted as skipped, not passed) or
`FAIL <case>: <reason>` (then the log path and its last lines) per case, and last
`qemu: N passed, N failed, N skipped`. Exits non-zero if a case failed or none ran. A case that
cannot run (no QEMU, no image) fails. Each boot's serial log is build/qemu-logs/<case>.log.

Cases are functions decorated with `@case(name)` in tests/qemu/cases_*.py (see harness.py);
every such file is imported, so adding a case means adding a function. Cases run one at a time.
This file starts no QEMU itself: every boot goes through vm.VM, whose explicit_devices() adds
`-nic none` unless the case names a NIC (`-nic`/`-net`) and an empty `romfile=` to PCI NICs,
so no case gets QEMU's default NIC or needs its option ROMs.
"""

import argparse
import fnmatch
import glob
import importlib
import os
import sys
import time
import traceback

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)

import harness  # noqa: E402
import vm as vmlib  # noqa: E402


def load_cases():
    for path in sorted(glob.glob(os.path.join(HERE, "cases_*.py"))):
        importlib.import_module(os.path.splitext(os.path.basename(path))[0])
    return harness.CASES


def select(cases, patterns):
    if not patterns:
        return list(cases)
    wanted = [p for arg in patterns for p in arg.split(",") if p]
    chosen = [c for c in cases if any(fnmatch.fnmatchcase(c.name, p) for p in wanted)]
    unknown = [p for p in wanted if not any(fnmatch.fnmatchcase(c.name, p) for c in cases)]
    if unknown:
        sys.exit(f"run_tests.py: no case matches {', '.join(unknown)} (see --list)")
    return chosen


def image_of(c, args):
    return args.image32 if c.arch == "aarch32" else args.image


def precondition(c, args):
    """Why case c cannot run, or None."""
    qemu = vmlib.ARCHES[c.arch]["qemu"]
    if not vmlib.qemu_available(qemu):
        return f"{qemu} not found (install qemu-system-arm)"
    if not os.path.isfile(image_of(c, args)):
        return f"no image at {image_of(c, args)} (run make)"
    return None


def indent(text, prefix="    | "):
    return "\n".join(prefix + line for line in text.rstrip("\n").split("\n"))


def run_case(c, args):
    """Run one case; return None on success, harness.CaseSkipped, or (reason, details)."""
    ctx = harness.Ctx(c, image_of(c, args), args.build, args.timeout_scale,
                      echo=sys.stdout if args.verbose else None)
    try:
        c.fn(ctx)
        return None
    except harness.CaseSkipped as e:
        return e
    except (harness.CaseFailed, vmlib.VMError) as e:
        reason, _, detail = str(e).partition("\n")
    except Exception as e:  # a bug in the case itself still fails the case, visibly
        reason, detail = f"{type(e).__name__}: {e}", traceback.format_exc()
    logs = [log for log in ctx.logs if os.path.exists(log)]
    if logs and not detail:
        with open(logs[-1], errors="replace") as f:
            detail = "last output:\n" + "\n".join(f.read().replace("\r", "")
                                                  .rstrip("\n").split("\n")[-12:])
    if logs:
        detail = f"log: {', '.join(logs)}\n{detail}"
    return reason, detail


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--image", default="build/aarch64/vireo.bin")
    ap.add_argument("--image32", default=None,
                    help="the AArch32 image (default: BUILD/aarch32/vireo.bin)")
    ap.add_argument("--build", default="build")
    ap.add_argument("--only", action="append", default=[], metavar="NAME",
                    help="run only these cases (repeatable, comma-separated, globs allowed)")
    ap.add_argument("--list", action="store_true", help="list the cases and exit")
    ap.add_argument("--timeout-scale", type=float,
                    default=float(os.environ.get("VIREO_QEMU_TIMEOUT_SCALE", "1")),
                    help="multiply every timeout (slow hosts); env VIREO_QEMU_TIMEOUT_SCALE")
    ap.add_argument("-v", "--verbose", action="store_true", help="show the serial output live")
    args = ap.parse_args()

    cases = select(load_cases(), args.only)
    if args.list:
        width = max(len(c.name) for c in cases)
        for c in cases:
            print(f"{c.name:<{width}}  {c.summary}")
        return 0

    if args.image32 is None:
        args.image32 = os.path.join(args.build, "aarch32", "vireo.bin")
    passed = failed = skipped = 0
    for c in cases:
        start = time.monotonic()
        blocked = precondition(c, args)
        result = (blocked, "") if blocked else run_case(c, args)
        if result is None:
            passed += 1
            print(f"PASS {c.name}", flush=True)
        elif isinstance(result, harness.CaseSkipped):
            skipped += 1
            print(f"SKIP {c.name}: {result}", flush=True)
        else:
            failed += 1
            reason, detail = result
            print(f"FAIL {c.name}: {reason}", flush=True)
            if detail:
                print(indent(detail), flush=True)
        if args.verbose:
            print(f"     ({time.monotonic() - start:.1f}s)")
    print(f"qemu: {passed} passed, {failed} failed, {skipped} skipped", flush=True)
    return 1 if failed or not passed else 0


if __name__ == "__main__":
    sys.exit(main())
