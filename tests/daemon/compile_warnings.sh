#!/bin/bash
# tests/daemon/compile_warnings.sh - a deployment whose program assigns a
# value wider than a narrow integer variable (bpftrace 0.17 leaves the
# variable unchanged, and so does tracetab) runs, its table holds 0.17's
# values, and the compile warning is said: a "warning: program 1:L:C:"
# line in `tracetab status NAME`'s log and in the daemon's log, and
# "warnings" in the status JSON.
TT_SUITE=daemon/compile_warnings
. "$(dirname "$0")/../lib.sh"

td_start warn

cat >"$dir/p.bt" <<'BT'
tracepoint:syscalls:sys_enter_getppid /comm == "tt_warn_probe"/
{
	$p = (uint16)65534;
	$p = $p + 1;
	$q = (uint8)3;
	printf("p:%d q:%d\n", $p, $q);
}
BT
out=$(t deploy warn --table warned "$dir/p.bt" 2>&1)
[ $? = 0 ] && pass deploys_with_a_warning || fail deploys_with_a_warning "$out"
cp /usr/bin/perl "$dir/tt_warn_probe"
"$dir/tt_warn_probe" -e 'getppid()'
t status >/dev/null # drains the ring buffers
got=$(t query "SELECT p, q FROM warned" --format csv | tail -n +2)
[ "$got" = "65534,3" ] && pass rows_hold_bpftrace_values ||
	fail rows_hold_bpftrace_values "got '$got' want '65534,3'"
st=$(t status warn)
want="warning: program 1:4:2: assigning a 64-bit value to the uint16 variable '\$p' has no effect (as in bpftrace 0.17); give the variable a wider type where it is first assigned"
echo "$st" | grep -qF "$want" && pass status_log_says_it ||
	fail status_log_says_it "$st"
grep -q "deployment warn: warning: program 1:4:2: assigning a 64-bit value" "$dir/log" &&
	pass daemon_log_says_it || fail daemon_log_says_it "$(tail -5 "$dir/log")"
# One warning, not one per attach point or per status call.
n=$(t status warn | grep -c "warning: program")
[ "$n" = 1 ] && pass said_once || fail said_once "$n warning lines"
# The control protocol: "warnings" in the status JSON.
json=$(td_status_json warn warnings skipped_probes)
echo "$json" | grep -q '^\["4:2: assigning a 64-bit value to the uint16 variable .\$p. has no effect [^]]*"\] \[\]$' &&
	pass status_json_warnings || fail status_json_warnings "$json"
tt_done
