#!/usr/bin/env bash
# Runs every libFuzzer harness in FBUILD/bin over its generated corpus (FBUILD/corpus/<name>)
# and its checked-in reproducers (FBUILD/regress/<name>, made from tests/fuzz/regress/).
#
#   tests/fuzz/run_fuzz.sh FBUILD runs N   each harness: the corpus, then mutations up to N runs
#                                           in total (make test: seconds for all of them)
#   tests/fuzz/run_fuzz.sh FBUILD time S   each harness for S seconds (make fuzz FUZZ_S=S)
#   FUZZ_JOBS=J (environment)               J harnesses at a time (default 1); each harness is
#                                           one libFuzzer process, its time its own
#
# One line per harness: "PASS fuzz_x (N execs in S s)" or "FAIL fuzz_x: <what>", the input
# that failed saved under FBUILD/crashes/<name>/. Last line: "fuzz: N passed, N failed".
set -u
cd "$(dirname "$0")/../.." || exit 2
FBUILD=$1
MODE=$2
AMOUNT=$3
passed=0
failed=0
JOBS=${FUZZ_JOBS:-1}
case "$JOBS" in '' | *[!0-9]* | 0) echo "run_fuzz.sh: FUZZ_JOBS must be a positive number" >&2; exit 2 ;; esac

# One harness; its result line (and the lines saying why it failed) in $FBUILD/logs/NAME.result.
run_one() {
	local bin=$1 name work crashes log limit tmo rc execs secs art
	name=$(basename "$bin")
	work="$FBUILD/work/$name"
	crashes="$FBUILD/crashes/$name"
	log="$FBUILD/logs/$name.log"
	mkdir -p "$work" "$crashes" "$(dirname "$log")" "$FBUILD/corpus/$name" "$FBUILD/regress/$name"
	if [ "$MODE" = runs ]; then
		# make test: only the generated corpus and the reproducers, not what earlier
		# `make fuzz` runs collected, so the time stays bounded
		work="$FBUILD/work-test/$name"
		rm -rf "$work"
		mkdir -p "$work"
		limit=(-runs="$AMOUNT" -seed=1 -max_total_time=30)
		tmo=60
	else
		limit=(-max_total_time="$AMOUNT")
		tmo=$((AMOUNT + 60))
	fi
	# A finding is reported by libFuzzer's exit status (crash, leak, sanitizer report, timeout,
	# out of memory) and the artifact it writes.
	timeout "$tmo" "$bin" "${limit[@]}" -timeout=10 -rss_limit_mb=2048 -print_final_stats=1 -close_fd_mask=1 \
		-artifact_prefix="$crashes/" "$work" "$FBUILD/corpus/$name" "$FBUILD/regress/$name" \
		>"$log" 2>&1
	rc=$?
	execs=$(sed -n 's/^stat::number_of_executed_units: *\([0-9]*\).*/\1/p' "$log" | tail -n 1)
	secs=$(sed -n 's/^Done [0-9]* runs in \([0-9]*\) second.*/\1/p' "$log" | tail -n 1)
	if [ "$rc" -eq 0 ]; then
		echo "PASS $name (${execs:-?} execs in ${secs:-?} s)" >"$FBUILD/logs/$name.result"
	else
		art=$(sed -n 's/.*Test unit written to \(.*\)$/\1/p' "$log" | tail -n 1)
		{
			echo "FAIL $name (exit $rc, ${execs:-?} execs): input ${art:-not saved}, log $log"
			grep -E 'ERROR|invariant broken|SUMMARY|runtime error' "$log" | head -n 5 | sed 's/^/    | /'
		} >"$FBUILD/logs/$name.result"
	fi
}

names=()
running=0
for bin in "$FBUILD"/bin/fuzz_*; do
	[ -x "$bin" ] || continue
	names+=("$(basename "$bin")")
	mkdir -p "$FBUILD/logs"
	rm -f "$FBUILD/logs/$(basename "$bin").result"
	if [ "$JOBS" -eq 1 ]; then
		run_one "$bin"
		cat "$FBUILD/logs/$(basename "$bin").result"
		continue
	fi
	if [ "$running" -ge "$JOBS" ]; then
		wait -n
		running=$((running - 1))
	fi
	run_one "$bin" &
	running=$((running + 1))
done
wait
for name in "${names[@]}"; do
	result="$FBUILD/logs/$name.result"
	[ "$JOBS" -eq 1 ] || cat "$result" 2>/dev/null || echo "FAIL $name: no result"
	if head -n 1 "$result" 2>/dev/null | grep -q '^PASS '; then
		passed=$((passed + 1))
	else
		failed=$((failed + 1))
	fi
done
echo "fuzz: $passed passed, $failed failed"
[ "$failed" -eq 0 ] && [ "$passed" -gt 0 ]
