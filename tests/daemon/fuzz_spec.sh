#!/bin/bash
# tests/daemon/fuzz_spec.sh - builds the daemon's libFuzzer target
# (deployment specs, TTLs, kernel versions, selection) and runs it for a
# bounded time (FUZZ_SECONDS, default 20). Any crash, sanitizer report or
# leak fails the test; the input is kept and named.
TT_SUITE=daemon/fuzz_daemon_spec
. "$(dirname "$0")/../lib.sh"

secs=${FUZZ_SECONDS:-20}
bin=$TT_BUILD/fuzz/fuzz_daemon_spec
if ! command -v clang >/dev/null; then
	skip run "clang is not installed (libFuzzer needs it)"
	tt_done
fi
if ! out=$(make -s -C "$TT_ROOT" BUILD="$TT_BUILD" "$bin" 2>&1); then
	fail build "$(echo "$out" | tail -3 | tr '\n' ' ')"
	tt_done
fi
pass build

work=$(mktemp -d /tmp/tt-fuzz-daemon.XXXXXX)
trap '[ -n "$TT_KEEP" ] || rm -rf "$work"' EXIT
mkdir -p "$work/corpus"
# Seeds: a full spec, a minimal one, and strings for the small parsers.
cat >"$work/corpus/full" <<'JSON'
{"name":"a.b-c","table":"t_1","ttl":"10m","replace_table":true,"programs":[{"source":"tracepoint:syscalls:sys_enter_getppid { printf(\"pid:%d\\n\", pid); }","selectors":{"min_kernel":"5.8","max_kernel":"6.18.44","host_name":"fuzz-node","requires":["btf","uprobe"]}},{"source":"x","selectors":{"requires":["kprobe"]}}]}
JSON
printf '{"name":"n","table":"t","programs":[{"source":"s"}]}' >"$work/corpus/min"
printf '500ms' >"$work/corpus/ttl"
printf '5.18.3' >"$work/corpus/version"

cd "$work" || exit 1
if "$bin" -max_total_time="$secs" -max_len=2048 -timeout=10 -rss_limit_mb=1024 \
	-print_final_stats=1 "$work/corpus" >"$work/log" 2>&1; then
	pass run
	grep -E 'stat::number_of_executed_units' "$work/log" | sed 's/^/# /'
else
	crash=$(ls "$work"/crash-* "$work"/leak-* "$work"/timeout-* "$work"/oom-* 2>/dev/null | head -1)
	keep=""
	if [ -n "$crash" ]; then
		keep=$TT_BUILD/fuzz/$(basename "$crash")
		cp "$crash" "$keep"
	fi
	fail run "$(grep -E 'ERROR|SUMMARY|==' "$work/log" | head -3 | tr '\n' ' ') input: $keep"
fi
tt_done
