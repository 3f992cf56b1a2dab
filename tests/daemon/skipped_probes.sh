#!/bin/bash
# tests/daemon/skipped_probes.sh - a deployment whose program probes a
# function the library lacks runs without that probe, as bpftrace 0.17
# does, and says so: a "warning:" line in `tracetab status NAME`'s log
# and in the daemon's log (kept with the BEGIN banner however much text
# the program logs per event), "skipped_probes" in the status JSON. Its other
# probe (a tracepoint) really fills the table. A program left with no
# probe at all fails with the reason (bpftrace: "No probes to attach").
TT_SUITE=daemon/skipped_probes
. "$(dirname "$0")/../lib.sh"

td_start skip
lib=$(ldconfig -p | awk '/libc\.so\.6 .*x86-64/ { print $NF; exit }')
[ -n "$lib" ] || lib=/lib/x86_64-linux-gnu/libc.so.6

# One attach point libc lacks, one tracepoint that fires, and per-event
# log text.
cat >"$dir/p.bt" <<'BT'
BEGIN { printf("Tracing...\n"); }
uprobe:libc:tt_no_such_function_xyz,
tracepoint:syscalls:sys_enter_getppid /comm == "tt_skip_probe"/
{ printf("pid:%d comm:%s\n", pid, comm); }
tracepoint:syscalls:sys_enter_getpid /comm == "tt_skip_probe"/
{ printf("tick\n"); }
BT
out=$(t deploy skip --table skipped "$dir/p.bt" 2>&1)
[ $? = 0 ] && pass deploys_without_the_missing_probe ||
	fail deploys_without_the_missing_probe "$out"
cp /usr/bin/perl "$dir/tt_skip_probe"
# 60 "tick" lines (getpid is syscall 39): more than the log keeps, so
# only pinned lines stay.
p=$("$dir/tt_skip_probe" -e 'getppid(); syscall(39) for 1..60; print "$$\n"')
t status >/dev/null # drains the ring buffers
got=$(t query "SELECT pid FROM skipped WHERE comm = 'tt_skip_probe'" --format csv | tail -n +2)
[ "$got" = "$p" ] && pass other_probe_fills_the_table ||
	fail other_probe_fills_the_table "got '$got' want '$p'"
st=$(t status skip)
# The ticks overflowed the log ("lines not kept"), the warning stayed.
echo "$st" | grep -q "running" && echo "$st" | grep -q "lines not kept" &&
	echo "$st" | grep -q "warning: program 1:2:1: uprobe:$lib:tt_no_such_function_xyz skipped: no function in the file matches it$" &&
	pass status_log_names_the_skipped_probe ||
	fail status_log_names_the_skipped_probe "$st"
grep -q "deployment skip: warning: .*tt_no_such_function_xyz skipped" "$dir/log" &&
	pass daemon_log_names_it || fail daemon_log_names_it "$(tail -5 "$dir/log")"
# The control protocol: "skipped_probes" in the status JSON.
json=$(td_status_json skip skipped_probes)
echo "$json" | grep -q '^\["2:1: uprobe:.*tt_no_such_function_xyz skipped' &&
	pass status_json_skipped_probes || fail status_json_skipped_probes "$json"

# Debian's sslsnoop.bt unchanged (14 of its attach points are rsa_ossl_*,
# ossl_ecdsa_* and ossl_ecdh_* functions this libcrypto does not export)
# over the conformance workload's TLS part: two TLS 1.2 handshakes (RSA,
# ECDSA), ping/pong, close_notify.
work=$TT_BUILD/conformance/ttconf_work
ssl=$TT_ROOT/tests/conformance/corpus/tools/sslsnoop.bt
if make -s -C "$TT_ROOT" BUILD="$TT_BUILD" "$work" >/dev/null 2>&1 &&
	t deploy ssl --table sslsnoop "$ssl" >/dev/null 2>&1; then
	cp "$work" "$dir/tt_skip_tls"
	(cd "$dir" && TTCONF_IO=tls ./tt_skip_tls >/dev/null 2>&1)
	t status >/dev/null
	got=$(t query "SELECT col5, col6, count(*) FROM sslsnoop WHERE col3 = 'tt_skip_tls' GROUP BY col5, col6 ORDER BY col6, col5" --format csv | tail -n +2 | tr '\n' ' ')
	want='1,RSA_sign,1 1,RSA_verify,1 1,SSL_do_handshake,4 0,SSL_read,2 4,SSL_read,4 4,SSL_write,4 '
	[ "$got" = "$want" ] && pass sslsnoop_unchanged_rows ||
		fail sslsnoop_unchanged_rows "got '$got' want '$want'"
	n=$(t status ssl | grep -c 'warning: program 1:.* skipped')
	[ "$n" = 14 ] && pass sslsnoop_skipped_probes_listed ||
		fail sslsnoop_skipped_probes_listed "$n warnings: $(t status ssl)"
else
	fail sslsnoop_unchanged_rows "cannot build $work or deploy $ssl"
fi

# Nothing left to attach: the deployment fails and says why.
printf 'uprobe:libc:tt_no_such_function_xyz { printf("pid:%%d\\n", pid); }\n' >"$dir/q.bt"
t deploy none --table none "$dir/q.bt" >/dev/null 2>&1
st=$(t status none)
echo "$st" | grep -q failed &&
	echo "$st" | grep -q "no function matches 'tt_no_such_function_xyz'.*no other probe to attach" &&
	pass no_probe_left_fails || fail no_probe_left_fails "$st"
tt_done
