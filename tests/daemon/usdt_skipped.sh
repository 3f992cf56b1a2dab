#!/bin/bash
# tests/daemon/usdt_skipped.sh - a deployment with a USDT probe the binary
# lacks runs the rest, as bpftrace 0.17 does: a private tracetabd deploys
# usdt:/bin/true:nosuch:probe next to a real tracepoint, the tracepoint
# fills the table, status (text and JSON) names the skipped probe, and a
# deployment with nothing else left fails saying why.
TT_SUITE=daemon/usdt_skipped
. "$(dirname "$0")/../lib.sh"

td_start usdtskip
true_bin=$(readlink -f /bin/true)

cat >"$dir/p.bt" <<'BT'
usdt:/bin/true:nosuch:probe,
tracepoint:syscalls:sys_enter_getppid /comm == "tt_usdt_skip"/
{ printf("pid:%d\n", pid); }
BT
out=$(t deploy us --table us "$dir/p.bt" 2>&1)
[ $? = 0 ] && pass deploys_without_the_missing_probe ||
	fail deploys_without_the_missing_probe "$out"
p=$(perl -e '$0 = "tt_usdt_skip"; getppid(); print "$$\n"')
t status >/dev/null # drains the ring buffers
got=$(t query "SELECT pid FROM us" --format csv | tail -n +2)
[ "$got" = "$p" ] && pass tracepoint_fills_the_table ||
	fail tracepoint_fills_the_table "got '$got' want '$p'"
st=$(t status us)
echo "$st" | grep -q "warning: program 1:1:1: usdt:$true_bin:nosuch:probe skipped: no USDT probe in the file matches it$" &&
	pass status_log_names_it || fail status_log_names_it "$st"
json=$(td_status_json us skipped_probes)
echo "$json" | grep -q '^\["1:1: usdt:.*:nosuch:probe skipped' &&
	pass status_json_skipped_probes || fail status_json_skipped_probes "$json"

printf 'usdt:/bin/true:nosuch:probe { printf("pid:%%d\\n", pid); }\n' >"$dir/q.bt"
t deploy none --table none "$dir/q.bt" >/dev/null 2>&1
st=$(t status none)
echo "$st" | grep -q failed &&
	echo "$st" | grep -q "no USDT probe nosuch:probe in $true_bin.*no other probe to attach" &&
	pass no_probe_left_fails || fail no_probe_left_fails "$st"
tt_done
