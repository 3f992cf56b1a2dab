#!/bin/bash
# tests/cluster/fuzz_cluster.sh - builds the cluster decoders' libFuzzer
# target (desired-state values, status keys, query reply chunks) and runs
# it for a bounded time (FUZZ_SECONDS, default 20). Any crash, sanitizer
# report or leak fails the test; the input is kept and named.
TT_SUITE=cluster/fuzz_cluster
. "$(dirname "$0")/../lib.sh"

fuzz_setup fuzz_cluster
# Seeds: a desired value as the client writes it, one without expiry, a
# status key, and reply chunks (a partial's first chunk, an error).
cat >"$work/corpus/desired" <<'JSON'
{"name":"probe1","table":"t1","ttl":"10m","replace_table":false,"programs":[{"source":"tracepoint:syscalls:sys_enter_getppid { printf(\"pid:%d\\n\", pid); }","selectors":{"host_name":"node-b","min_kernel":"5.8"}}],"expires_at":1700000000600000000}
JSON
printf '{"table":"t","programs":[{"source":"s"}],"expires_at":0}' >"$work/corpus/noexp"
# Regression: an expiry beyond the manager's TTL range (found by this fuzzer).
printf '{"table":"t","programs":[{"source":"s"}],"expires_at":7000000100600000000}' >"$work/corpus/far"
printf 'node-a.probe1' >"$work/corpus/key"
printf '{"node":"node-a","seq":0,"last":false}\n\x01\x02\x03' >"$work/corpus/chunk"
printf '{"node":"node-b","seq":0,"last":true,"error":"no table t"}\n' >"$work/corpus/error"

fuzz_run -max_len=2048
tt_done
