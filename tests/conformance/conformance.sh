#!/bin/bash
# tests/conformance/conformance.sh - make test's entry to the conformance
# suite: runs run.sh against expected.txt and turns its verdict into
# PASS/FAIL lines (one per program, REGRESSION lines fail).
source "$(dirname "$0")/../lib.sh"
TT_SUITE=conformance
if ! command -v bpftrace >/dev/null; then
	skip suite "bpftrace is not installed (the reference)"
	tt_done
fi
if [ "$(id -u)" != 0 ]; then
	skip suite "needs root to load BPF programs"
	tt_done
fi
for b in bt-run conformance/ttconf_work conformance/bt_load; do
	[ -x "$TT_BUILD/$b" ] || make -C "$TT_ROOT" -s "build/$b" >/dev/null 2>&1
	[ -x "$TT_BUILD/$b" ] || { fail build "build/$b is missing"; tt_done; }
done
out=$(mktemp)
trap 'rm -f "$out"' EXIT
"$TT_ROOT/tests/conformance/run.sh" -x "$TT_ROOT/tests/conformance/expected.txt" >"$out" 2>&1
rc=$?
cat "$out" | sed 's/^/  /'
grep -q '^conformance: ' "$out" && pass totals || fail totals "no totals line"
grep '^REGRESSION' "$out" | while read -r _ n rest; do
	echo "FAIL conformance/${n%:}: $rest"
done
[ "$rc" = 0 ] && pass no-regressions || fail no-regressions "see REGRESSION lines"
tt_done
