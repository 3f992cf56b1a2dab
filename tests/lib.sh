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

# tt_build FILE...: brings the programs a test runs up to date with make
# (paths below $TT_BUILD). When make cannot run (another part of the tree
# mid-build) the test goes on with the files that exist; when one is
# missing, FAIL build with make's last words and exit.
tt_build() {
	local out b
	out=$(make -s -C "$TT_ROOT" BUILD="$TT_BUILD" "$@" 2>&1) && return 0
	for b in "$@"; do
		if [ ! -x "$b" ]; then
			fail build "$(echo "$out" | tail -3 | tr '\n' ' ')"
			tt_done
		fi
	done
}

# ---- libFuzzer targets ------------------------------------------------------
# fuzz_setup NAME: builds $TT_BUILD/fuzz/NAME (SKIP without clang, FAIL when
# it does not build) and sets bin, secs (FUZZ_SECONDS, default 20) and work,
# a temporary directory with an empty corpus/ for the caller's seeds.
fuzz_setup() {
	secs=${FUZZ_SECONDS:-20}
	bin=$TT_BUILD/fuzz/$1
	if ! command -v clang >/dev/null; then
		skip run "clang is not installed (libFuzzer needs it)"
		tt_done
	fi
	local out
	if ! out=$(make -s -C "$TT_ROOT" BUILD="$TT_BUILD" "$bin" 2>&1); then
		fail build "$(echo "$out" | tail -3 | tr '\n' ' ')"
		tt_done
	fi
	pass build
	work=$(mktemp -d "/tmp/tt-$1.XXXXXX")
	trap '[ -n "$TT_KEEP" ] || rm -rf "$work"' EXIT
	mkdir -p "$work/corpus"
}

# fuzz_run [libFuzzer options]: runs $bin on $work/corpus for $secs seconds.
# Any crash, sanitizer report, leak or timeout is a FAIL that names the
# input, kept in $TT_BUILD/fuzz/ for reproduction. The seed is fixed
# (FUZZ_SEED, default 1) so that make test explores the same inputs on
# every run; FUZZ_SEED=0 picks a random one for longer hunts.
fuzz_run() {
	cd "$work" || exit 1
	if "$bin" -max_total_time="$secs" -timeout=10 -rss_limit_mb=1024 \
		-seed="${FUZZ_SEED:-1}" -print_final_stats=1 "$@" "$work/corpus" \
		>"$work/log" 2>&1; then
		pass run
		grep -E 'stat::number_of_executed_units' "$work/log" | sed 's/^/# /'
		return
	fi
	local crash keep=""
	crash=$(ls "$work"/crash-* "$work"/leak-* "$work"/timeout-* "$work"/oom-* 2>/dev/null | head -1)
	if [ -n "$crash" ]; then
		keep=$TT_BUILD/fuzz/$(basename "$crash")
		cp "$crash" "$keep"
	fi
	fail run "$(grep -E 'ERROR|SUMMARY|==' "$work/log" | head -3 | tr '\n' ' ') input: $keep"
}

# ---- a private tracetabd ----------------------------------------------------
# Tests that deploy talk to a daemon of their own, on a socket and store in
# a fresh directory, so that they never meet an installed tracetabd or each
# other. TT_ASAN=1 picks the ASan+UBSan builds of both programs (build/asan/).

# td_setup NAME: without root, SKIP all and exit (loading BPF needs it).
# Builds tracetab and tracetabd with tt_build and sets tt and ttd to them.
# Makes dir, /dev/shm/tt-NAME.XXXXXX with store/ and state/, mode 755 so
# that a reader who is not root reaches the store, and removes it at exit
# after stopping the daemon. Defines t ARGS...: tracetab on that socket and
# store.
td_setup() {
	if [ "$(id -u)" != 0 ]; then
		skip all "tracetabd needs root to load BPF programs"
		tt_done
	fi
	tt=$TT_BUILD/${TT_ASAN:+asan/}tracetab
	ttd=$TT_BUILD/${TT_ASAN:+asan/}tracetabd
	tt_build "$tt" "$ttd"
	dir=$(mktemp -d "/dev/shm/tt-$1.XXXXXX")
	chmod 755 "$dir"
	mkdir -p "$dir/store" "$dir/state"
	daemon=
	trap 'td_stop; rm -rf "$dir"' EXIT
	t() { "$tt" --socket "$dir/sock" --store-dir "$dir/store" "$@"; }
}

# td_launch [tracetabd options...]: starts tracetabd on dir's socket, store
# and state with --reader-group nogroup and the given options, its stderr
# appended to $dir/log, and sets daemon to its pid. Returns once the daemon
# answers `tracetab status` (a socket file alone may be a stale one left by
# a previous daemon); when the daemon exits first or 10 s pass, FAIL
# daemon_start with the log's tail and exit.
td_launch() {
	"$ttd" --store-dir "$dir/store" --socket "$dir/sock" \
		--state-dir "$dir/state" --reader-group nogroup "$@" 2>>"$dir/log" &
	daemon=$!
	local _
	for _ in $(seq 100); do
		"$tt" --socket "$dir/sock" status >/dev/null 2>&1 && return 0
		kill -0 "$daemon" 2>/dev/null || break
		sleep 0.1
	done
	fail daemon_start "$(tail -3 "$dir/log")"
	tt_done
}

# td_stop: stops the daemon td_launch started (SIGTERM) and waits for it;
# returns its exit status. Harmless when it has already stopped.
td_stop() {
	[ -n "$daemon" ] || return 0
	kill "$daemon" 2>/dev/null
	wait "$daemon" 2>/dev/null
}

# td_start NAME [tracetabd options...]: td_setup NAME, then td_launch with
# the options: the whole start-up of a test with one daemon.
td_start() {
	td_setup "$1"
	shift
	td_launch "$@"
}

# td_status_json NAME KEY...: asks the daemon on $dir/sock for NAME's status
# over the control protocol itself (one JSON request line, not the CLI) and
# prints the JSON of the first deployment's KEYs, separated by spaces; on
# any error, python's message (a test compares the output, so it FAILs).
td_status_json() {
	printf '{"op":"status","name":"%s"}' "$1" | timeout 5 python3 -c '
import json, socket, sys
s = socket.socket(socket.AF_UNIX); s.connect(sys.argv[1])
s.sendall(sys.stdin.buffer.read() + b"\n"); s.shutdown(socket.SHUT_WR)
buf = b""
while True:
    c = s.recv(65536)
    if not c: break
    buf += c
d = json.loads(buf.decode().splitlines()[0])["deployments"][0]
print(*(json.dumps(d[k]) for k in sys.argv[2:]))' "$dir/sock" "${@:2}" 2>&1
}
