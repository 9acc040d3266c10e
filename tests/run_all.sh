#!/usr/bin/env bash
# Run every test and end with one line: "N passed, N failed, N skipped".
#
#   tests/run_all.sh [BUILD]        (make test calls it with the build directory)
#
# 0. scripts/deps.sh --check: every file the tests use is installed (one case); the Makefile,
#    read for deps-check, calls no compiler (one case per arch).
# 1. Each host unit test binary BUILD/host/tests/test_* (cmocka), from the repo root, with
#    VIREO_DTB_DIR=BUILD/host/dtb. Counts come from cmocka's "[  PASSED  ] N test(s)." and
#    "[  FAILED  ] N test(s), listed below:" lines; a binary that exits non-zero without a
#    FAILED count (a crash, a sanitizer report) counts as one failure. A passing binary gets one
#    line; a failing one shows its whole output. VERBOSE=1 shows every output.
#    The same for BUILD/host32/tests/test_* (the -m32 build), reported as m32-<name>.
# 2. The fuzz harnesses (BUILD/fuzz/bin, built by make fuzz-build): tests/fuzz/run_fuzz.sh runs
#    each over its corpus for FUZZ_RUNS runs (default 2000); each harness is one pass or failure.
# 3. The QEMU tests: tests/qemu/run_tests.py, which prints a line per case and
#    "qemu: N passed, N failed, N skipped" (a skipped case could not run here, e.g. its
#    payload could not be downloaded; it counts neither as passed nor as failed). Extra
#    arguments for it: VIREO_QEMU_ARGS (e.g. "--only blk-*").
#
# Exits non-zero if anything failed or nothing ran.
set -u

cd "$(dirname "$0")/.." || exit 2
BUILD=${1:-build}
export VIREO_DTB_DIR="$BUILD/host/dtb"
export CMOCKA_MESSAGE_OUTPUT=stdout
HOST_TIMEOUT=${HOST_TIMEOUT:-300}

passed=0
failed=0
skipped=0
failures=()
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# Sum the N of every line matching $2 in file $1.
sum_counts() {
	sed -n "s/$2/\\1/p" "$1" | awk '{ s += $1 } END { print s + 0 }'
}

run_host_test() {
	local bin=$1 name out rc p f
	name=${2:-}$(basename "$bin")
	out="$tmp/$name.out"
	# The subshell keeps bash's own "Aborted"/"Segmentation fault" notice in the output file.
	(timeout "$HOST_TIMEOUT" "$bin" >"$out" 2>&1; exit $?) 2>>"$out"
	rc=$?
	p=$(sum_counts "$out" '^\[  PASSED  \] \([0-9][0-9]*\) test(s)\..*')
	f=$(sum_counts "$out" '^\[  FAILED  \] \([0-9][0-9]*\) test(s), listed below:.*')
	if [ "$rc" -ne 0 ] && [ "$f" -eq 0 ]; then
		f=1 # crashed, timed out or failed without a cmocka summary
		[ "$rc" -eq 124 ] && echo "(timed out after ${HOST_TIMEOUT}s)" >>"$out"
		echo "(exit status $rc)" >>"$out"
	elif [ "$rc" -eq 0 ] && [ "$p" -eq 0 ] && [ "$f" -eq 0 ]; then
		f=1 # ran nothing we can count
		echo "(no cmocka summary line)" >>"$out"
	fi
	passed=$((passed + p))
	failed=$((failed + f))
	if [ "$f" -eq 0 ]; then
		echo "PASS $name ($p tests)"
		[ "${VERBOSE:-0}" = 1 ] && sed 's/^/    | /' "$out"
	else
		echo "FAIL $name ($p passed, $f failed)"
		sed 's/^/    | /' "$out"
		failures+=("$name")
	fi
}

# Everything scripts/deps.sh installs must be there: a missing file is one failure that names
# its package, not a crowd of unrelated-looking failures further down.
echo "== dependencies (scripts/deps.sh --check)"
if deps_out=$(scripts/deps.sh --check 2>&1); then
	echo "PASS dependencies"
	passed=$((passed + 1))
else
	echo "FAIL dependencies: install them with scripts/deps.sh (make deps)"
	echo "$deps_out" | sed 's/^/    | /'
	failed=$((failed + 1))
	failures+=("dependencies")
fi

# On a fresh machine `make run` reads the Makefile before deps-check installs the cross compiler,
# so the Makefile may ask the compiler nothing while it is read (it once took its header
# directories then, got none, and the first compile failed on stddef.h). A stand-in compiler
# logs each call: reading the Makefile for deps-check must not call it; printing one compile
# must (so the stand-in is the compiler make would ask).
echo "== the Makefile asks the compiler nothing while it is read"
for arch in aarch64 aarch32; do
	printf '#!/bin/sh\necho "$*" >>%s\n' "$tmp/cc-$arch.log" >"$tmp/cc-$arch-gcc"
	chmod +x "$tmp/cc-$arch-gcc"
	: >"$tmp/cc-$arch.log"
	mk=(make --no-print-directory -n ARCH="$arch" CROSS_COMPILE="$tmp/cc-$arch-" BUILD="$tmp/b")
	"${mk[@]}" deps-check >/dev/null 2>&1
	read_calls=$(wc -l <"$tmp/cc-$arch.log")
	"${mk[@]}" "$tmp/b/$arch/lib/options.c.o" >/dev/null 2>&1
	all_calls=$(wc -l <"$tmp/cc-$arch.log")
	if [ "$read_calls" -eq 0 ] && [ "$all_calls" -gt 0 ]; then
		echo "PASS makefile-reads-no-compiler-$arch"
		passed=$((passed + 1))
	else
		echo "FAIL makefile-reads-no-compiler-$arch: $read_calls call(s) while reading, $all_calls in all"
		sed 's/^/    | /' "$tmp/cc-$arch.log"
		failed=$((failed + 1))
		failures+=("makefile-reads-no-compiler-$arch")
	fi
done

echo "== host unit tests ($BUILD/host/tests)"
found=0
for bin in "$BUILD"/host/tests/test_*; do
	if [ ! -f "$bin" ] || [ ! -x "$bin" ]; then
		continue
	fi
	found=1
	run_host_test "$bin"
done
[ "$found" -eq 1 ] || echo "(no host test binaries in $BUILD/host/tests)"

# The same tests built -m32 (make host-tests-32): 32-bit pointers against 64-bit addresses.
echo "== host unit tests, -m32 ($BUILD/host32/tests)"
found=0
for bin in "$BUILD"/host32/tests/test_*; do
	if [ ! -f "$bin" ] || [ ! -x "$bin" ]; then
		continue
	fi
	found=1
	run_host_test "$bin" m32-
done
if [ "$found" -eq 0 ]; then
	echo "FAIL host32: no -m32 test binaries in $BUILD/host32/tests (make host-tests-32)"
	failed=$((failed + 1))
	failures+=("host32")
fi

# Every libFuzzer harness, briefly: its generated corpus and checked-in reproducers, then
# mutations up to FUZZ_RUNS runs. One pass or failure per harness.
echo "== fuzz harnesses ($BUILD/fuzz/bin, ${FUZZ_RUNS:-2000} runs each)"
fuzz_out="$tmp/fuzz.out"
if ls "$BUILD"/fuzz/bin/fuzz_* >/dev/null 2>&1; then
	tests/fuzz/run_fuzz.sh "$BUILD/fuzz" runs "${FUZZ_RUNS:-2000}" 2>&1 | tee "$fuzz_out"
	p=$(grep -c '^PASS fuzz_' "$fuzz_out")
	f=$(grep -c '^FAIL fuzz_' "$fuzz_out")
	passed=$((passed + p))
	failed=$((failed + f))
	[ "$f" -eq 0 ] || failures+=("fuzz")
else
	echo "FAIL fuzz: no harness in $BUILD/fuzz/bin (make fuzz-build; clang: scripts/deps.sh --fuzz)"
	failed=$((failed + 1))
	failures+=("fuzz")
fi

echo "== QEMU tests"
qemu_out="$tmp/qemu.out"
# shellcheck disable=SC2086 # VIREO_QEMU_ARGS is a list of words
python3 tests/qemu/run_tests.py --image "$BUILD/aarch64/vireo.bin" \
	--image32 "$BUILD/aarch32/vireo.bin" --build "$BUILD" \
	${VIREO_QEMU_ARGS:-} 2>&1 | tee "$qemu_out"
qemu_rc=${PIPESTATUS[0]}
summary=$(grep -E '^qemu: [0-9]+ passed, [0-9]+ failed(, [0-9]+ skipped)?$' "$qemu_out" | tail -n 1)
if [ -n "$summary" ]; then
	p=$(echo "$summary" | sed -E 's/^qemu: ([0-9]+) passed.*/\1/')
	f=$(echo "$summary" | sed -E 's/.* ([0-9]+) failed.*/\1/')
	s=$(echo "$summary" | sed -E -n 's/.* ([0-9]+) skipped$/\1/p')
	skipped=$((skipped + ${s:-0}))
	if [ "$qemu_rc" -ne 0 ] && [ "$f" -eq 0 ]; then
		f=1 # the runner failed (e.g. no case ran) although no case did
	fi
	passed=$((passed + p))
	failed=$((failed + f))
	[ "$f" -eq 0 ] || failures+=("qemu")
else
	echo "FAIL tests/qemu/run_tests.py: no summary line (exit status $qemu_rc)"
	failed=$((failed + 1))
	failures+=("tests/qemu/run_tests.py")
fi

echo "=="
[ "${#failures[@]}" -eq 0 ] || echo "failed: ${failures[*]}"
echo "$passed passed, $failed failed, $skipped skipped"
[ "$failed" -eq 0 ] && [ "$passed" -gt 0 ]
