#!/bin/bash
# Runs every test executable given, each with a time limit, echoes their
# PASS/FAIL/SKIP lines and ends with the one line CI reads:
#     N passed, N failed, N skipped
# A test that exits non-zero (or times out, or crashes) without printing a
# FAIL line counts as one failure, so a crash can never pass silently.
limit=${TT_TEST_TIMEOUT:-1200}
passed=0 failed=0 skipped=0
log=$(mktemp)
trap 'rm -f "$log"' EXIT
for t in "$@"; do
	echo "== $t"
	# stdin is /dev/null, never closed: a closed fd 0 would be handed to the
	# first BPF map, and libbpf treats fd 0 as "no map".
	# Shell tests run through bash, so a lost executable bit cannot fail one.
	run=("$t")
	case $t in *.sh) run=(bash "$t") ;; esac
	timeout -k 10 "$limit" "${run[@]}" </dev/null >"$log" 2>&1
	rc=$?
	cat "$log"
	p=$(grep -c '^PASS ' "$log") f=$(grep -c '^FAIL ' "$log") s=$(grep -c '^SKIP ' "$log")
	if [ "$rc" != 0 ] && [ "$f" = 0 ]; then
		echo "FAIL $t: exited with status $rc"
		f=1
	fi
	if [ "$rc" = 0 ] && [ $((p + f + s)) = 0 ]; then
		echo "FAIL $t: ran no test"
		f=1
	fi
	passed=$((passed + p)) failed=$((failed + f)) skipped=$((skipped + s))
done
echo "$passed passed, $failed failed, $skipped skipped"
[ "$failed" = 0 ]
