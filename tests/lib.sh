# tests/lib.sh - helpers for shell tests; source it. Each check prints one
# PASS/FAIL/SKIP line that tests/run-tests.sh counts, like tt_test.h.
TT_SUITE=${TT_SUITE:-$(basename "$0" .sh)}
TT_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
TT_BUILD=${TT_BUILD:-$TT_ROOT/build}
tt_failed=0
pass() { echo "PASS $TT_SUITE/$1"; }
fail() { echo "FAIL $TT_SUITE/$1: ${2:-}"; tt_failed=1; }
skip() { echo "SKIP $TT_SUITE/$1: ${2:-}"; }
# check NAME CMD...: PASS when CMD succeeds, FAIL with its output otherwise.
check() {
	local name=$1 out
	shift
	if out=$("$@" 2>&1); then pass "$name"; else fail "$name" "$(echo "$out" | tail -3 | tr '\n' ' ')"; fi
}
tt_done() { exit $tt_failed; }
