#!/bin/bash
# tests/daemon/fuzz_spec.sh - builds the daemon's libFuzzer target
# (deployment specs, TTLs, kernel versions, selection) and runs it for a
# bounded time (FUZZ_SECONDS, default 20). Any crash, sanitizer report or
# leak fails the test; the input is kept and named.
TT_SUITE=daemon/fuzz_daemon_spec
. "$(dirname "$0")/../lib.sh"

fuzz_setup fuzz_daemon_spec
# Seeds: a full spec, a minimal one, and strings for the small parsers.
cat >"$work/corpus/full" <<'JSON'
{"name":"a.b-c","table":"t_1","ttl":"10m","replace_table":true,"programs":[{"source":"tracepoint:syscalls:sys_enter_getppid { printf(\"pid:%d\\n\", pid); }","selectors":{"min_kernel":"5.8","max_kernel":"6.18.44","host_name":"fuzz-node","requires":["btf","uprobe"]}},{"source":"x","selectors":{"requires":["kprobe"]}}]}
JSON
printf '{"name":"n","table":"t","programs":[{"source":"s"}]}' >"$work/corpus/min"
printf '500ms' >"$work/corpus/ttl"
printf '5.18.3' >"$work/corpus/version"

fuzz_run -max_len=2048
tt_done
