#!/bin/bash
# tests/daemon/unsafe.sh - unsafe deployments on a private tracetabd with
# real probes and real processes: who may deploy them (root, and only to a
# daemon started with --allow-unsafe; the admin group is not enough; a
# restart without the flag fails a saved one), system() output in
# `tracetab status NAME`, a slow command that neither blocks the ingest of
# another deployment nor outlives its time limit, the concurrency limit
# and its drop count, commands killed when their deployment is deleted,
# signal() delivered to a real process, override() refused with the
# kernel's reason, and neither time() lines nor text printed per event
# pushing the BEGIN banner out of the log.
TT_SUITE=daemon/unsafe
. "$(dirname "$0")/../lib.sh"

# TT_ASAN=1: the ASan+UBSan builds of both (build/asan/).
td_setup unsafe
# start [tracetabd options...]: the daemon, with an admin group and debug log.
start() { td_launch --admin-group adm --log-level debug "$@"; }
# A process named $1 that calls getppid() once (perl sets its comm).
poke() { perl -e '$0 = shift; getppid()' "$1"; }
# The first "pid N" in NAME's log.
log_pid() { t status "$1" | sed -n 's/.*  pid \([0-9]*\)$/\1/p' | head -1; }
# Succeeds when process $1 is gone (or a zombie of its new parent).
gone() { ! grep -qs '^[^)]*) [^ZX]' "/proc/$1/stat"; }
wait_gone() {
	for _ in $(seq 30); do gone "$1" && return 0; sleep 0.1; done
	return 1
}
adm_gid=$(getent group adm | cut -d: -f3)
# tracetab as nobody with the admin group (adm) as a supplementary group.
as_admin() { setpriv --reuid=65534 --regid=65534 --groups="$adm_gid" "$tt" --socket "$dir/sock" "$@"; }

cat >"$dir/sys.bt" <<'EOF'
BEGIN { printf("Tracing system()... Hit Ctrl-C to end.\n"); }
tracepoint:syscalls:sys_enter_getppid /comm == "ttunsafe_sys"/ {
	printf("pid:%d\n", pid);
	system("echo ran for %d", pid);
}
EOF
cat >"$dir/safe.bt" <<'EOF'
tracepoint:syscalls:sys_enter_getppid /comm == "ttunsafe_rows"/ { printf("pid:%d\n", pid); }
EOF

# --- the rules ---------------------------------------------------------------
start
out=$(t deploy sys --table sys --unsafe "$dir/sys.bt" 2>&1)
rc=$?
[ $rc = 1 ] && echo "$out" | grep -q 'need tracetabd started with --allow-unsafe' &&
	pass refused_without_allow_unsafe || fail refused_without_allow_unsafe "rc $rc: $out"
out=$(t deploy sys --table sys --system-limit 2 "$dir/sys.bt" 2>&1)
echo "$out" | grep -q 'system_limit only applies to unsafe deployments' &&
	pass system_limit_needs_unsafe || fail system_limit_needs_unsafe "$out"
# Without unsafe, system() is a compile error that says what to do.
out=$(t deploy sys --table sys "$dir/sys.bt" 2>&1)
[ $? = 5 ] && echo "$out" | grep -q 'system() is an unsafe function; deploy with --unsafe' &&
	pass safe_deploy_refuses_system || fail safe_deploy_refuses_system "$out"
t delete sys >/dev/null 2>&1
td_stop

start --allow-unsafe
out=$(as_admin deploy rows --table rows "$dir/safe.bt" 2>&1)
[ $? = 0 ] && pass admin_group_deploys_safe || fail admin_group_deploys_safe "$out"
out=$(as_admin deploy sys --table sys --unsafe "$dir/sys.bt" 2>&1)
rc=$?
[ $rc = 1 ] && echo "$out" | grep -q 'may only be deployed by root; uid 65534 is not root' &&
	pass admin_group_refused_unsafe || fail admin_group_refused_unsafe "rc $rc: $out"
out=$(t deploy sys --table sys --unsafe --system-limit 2 --system-timeout 3s "$dir/sys.bt" 2>&1)
[ $? = 0 ] && pass root_deploys_unsafe || fail root_deploys_unsafe "$out"

# override() compiles only where the kernel permits it; here it does not.
cat >"$dir/override.bt" <<'EOF2'
kprobe:do_sys_openat2 { override(0); }
tracepoint:syscalls:sys_enter_getppid /comm == "ttunsafe_none"/ { printf("pid:%d\n", pid); }
EOF2
out=$(t deploy ov --table ov --unsafe "$dir/override.bt" 2>&1)
rc=$?
if grep -qx 'CONFIG_BPF_KPROBE_OVERRIDE=y' "/boot/config-$(uname -r)" 2>/dev/null; then
	skip override_refused_here "this kernel has CONFIG_BPF_KPROBE_OVERRIDE (rc $rc)"
else
	[ $rc = 5 ] && echo "$out" | grep -q 'override() needs a kernel built with CONFIG_BPF_KPROBE_OVERRIDE; this one is not' &&
		pass override_refused_here || fail override_refused_here "rc $rc: $out"
fi
t delete ov >/dev/null 2>&1

# --- system() output in status -------------------------------------------------
poke ttunsafe_sys
poke ttunsafe_sys
for _ in $(seq 30); do
	st=$(t status sys)
	[ "$(echo "$st" | grep -c '  ran for [0-9]*$')" = 2 ] && break
	sleep 0.1
done
echo "$st" | grep -q 'Tracing system()... Hit Ctrl-C to end.$' &&
	[ "$(echo "$st" | grep -c '  ran for [0-9]*$')" = 2 ] &&
	echo "$st" | grep -q '^system(): 2 started, 0 running, 0 dropped (at most 2 at once), 0 killed (after 3000 ms), 0 failed$' &&
	pass system_output_in_status || fail system_output_in_status "$st"
[ "$(t status sys --format csv | wc -l)" = 2 ] && pass status_csv_unchanged ||
	fail status_csv_unchanged "$(t status sys --format csv)"

# --- a slow command: ingest goes on, the time limit kills it ------------------
cat >"$dir/slow.bt" <<'EOF'
tracepoint:syscalls:sys_enter_getppid /comm == "ttunsafe_slow"/ {
	printf("pid:%d\n", pid);
	system("echo pid $$; exec sleep 30");
}
EOF
# 4 s: room for a loaded machine to start the workload below meanwhile.
t deploy slow --table slow --unsafe --system-limit 2 --system-timeout 4s "$dir/slow.bt" >/dev/null 2>&1 ||
	fail slow_deploys "$(tail -3 "$dir/log")"
t0=$(date +%s%N)
poke ttunsafe_slow
poke ttunsafe_slow
poke ttunsafe_slow # over the limit: dropped
# Both sleeps run (they only end at the time limit) while another
# deployment's rows keep arriving: the loop never waited for them.
for _ in 1 2 3 4 5; do poke ttunsafe_rows; done
rows=$(t status rows --format csv | tail -1 | cut -d, -f6)
for _ in $(seq 30); do
	st=$(t status slow)
	pid=$(log_pid slow)
	[ -n "$pid" ] && echo "$st" | grep -q '^system(): 2 started' && break
	sleep 0.1
done
ms=$((($(date +%s%N) - t0) / 1000000))
echo "$st" | grep -q '^system(): 2 started, 2 running' && [ "$rows" = 5 ] &&
	pass ingest_goes_on_during_slow_command ||
	fail ingest_goes_on_during_slow_command "rows $rows after $ms ms: $st"
echo "$st" | grep -q '^system(): 2 started, 2 running, 1 dropped' &&
	echo "$st" | grep -q 'system: 2 commands are running, the limit: further commands are dropped' &&
	pass limit_drops_and_counts || fail limit_drops_and_counts "$st"
[ -n "$pid" ] && ! gone "$pid" && pass slow_command_runs || fail slow_command_runs "pid '$pid'"
for _ in $(seq 80); do
	st=$(t status slow)
	echo "$st" | grep -q '^system(): .* 0 running' && break
	sleep 0.1
done
ms=$((($(date +%s%N) - t0) / 1000000))
[ -n "$pid" ] && wait_gone "$pid" && [ $ms -ge 4000 ] &&
	echo "$st" | grep -q '^system(): 2 started, 0 running, 1 dropped (at most 2 at once), 2 killed (after 4000 ms), 0 failed$' &&
	[ "$(echo "$st" | grep -c 'system: `echo pid $$; exec sleep 30` killed after 4000 ms (the time limit)$')" = 2 ] &&
	pass time_limit_kills || fail time_limit_kills "pid $pid after $ms ms: $st"

# --- delete ends running commands ----------------------------------------------
poke ttunsafe_slow
for _ in $(seq 20); do
	pid2=$(t status slow | grep '  pid [0-9]*$' | tail -1 | sed 's/.*  pid //')
	[ -n "$pid2" ] && [ "$pid2" != "$pid" ] && break
	sleep 0.1
done
out=$(t delete slow 2>&1)
echo "$out" | grep -q 'killed as the deployment ended$' && [ "$pid2" != "$pid" ] &&
	wait_gone "$pid2" && pass delete_kills_commands ||
	fail delete_kills_commands "pid $pid2: $out"

# --- signal() -------------------------------------------------------------------
cat >"$dir/sig.bt" <<'EOF'
tracepoint:syscalls:sys_enter_getppid /comm == "ttunsafe_sig"/ {
	printf("pid:%d\n", pid);
	signal("SIGUSR1");
}
EOF
out=$(t deploy sig --table sig --unsafe "$dir/sig.bt" 2>&1)
[ $? = 0 ] || fail sig_deploys "$out"
out=$(perl -e '$0 = "ttunsafe_sig"; $SIG{USR1} = sub { print "got USR1\n"; exit 0 };
	getppid(); sleep 3; print "no signal\n"; exit 1')
[ "$out" = "got USR1" ] && pass signal_delivered || fail signal_delivered "$out"
out=$(perl -e '$0 = "ttunsafe_nosig"; $SIG{USR1} = sub { print "got USR1\n"; exit 0 };
	getppid(); select(undef, undef, undef, 0.3); print "no signal\n"; exit 1')
[ "$out" = "no signal" ] && pass signal_only_where_probed || fail signal_only_where_probed "$out"

# --- time() and the banner ----------------------------------------------------
cat >"$dir/clock.bt" <<'EOF'
BEGIN { printf("Clock banner\n"); }
interval:ms:100 { time("%H:%M:%S\n"); }
tracepoint:syscalls:sys_enter_getppid /comm == "ttunsafe_ev"/ { printf("event line\n"); }
tracepoint:syscalls:sys_enter_getppid /comm == "ttunsafe_none"/ { printf("pid:%d\n", pid); }
EOF
t deploy clock --table clock "$dir/clock.bt" >/dev/null 2>&1 || fail clock_deploys "$(tail -3 "$dir/log")"
sleep 2.5
st=$(t status clock | sed -n '/^log:$/,$p' | tail -n +2)
first=$(echo "$st" | head -1 | sed 's/^[^ ]*  //')
ntime=$(echo "$st" | grep -cE '  [0-9]{2}:[0-9]{2}:[0-9]{2}$')
[ "$first" = "Clock banner" ] && [ "$ntime" = 10 ] && [ "$(echo "$st" | wc -l)" = 11 ] &&
	pass time_lines_keep_the_banner || fail time_lines_keep_the_banner "$st"
# Text per event (a printf without conversions) evicts its own kind only.
perl -e '$0 = "ttunsafe_ev"; getppid() for 1 .. 80'
st=$(t status clock | sed -n '/^log:$/,$p' | tail -n +2 | sed 's/^[^ ]*  //')
[ "$(echo "$st" | head -1)" = "Clock banner" ] &&
	[ "$(echo "$st" | sed -n 2p)" = "[31 lines not kept]" ] &&
	[ "$(echo "$st" | grep -c '^event line$')" = 49 ] &&
	pass banner_pinned_under_event_text || fail banner_pinned_under_event_text "$st"

# --- a restart without --allow-unsafe fails the saved unsafe deployment ------
td_stop
start
st=$(t status sys)
echo "$st" | grep -q 'failed .*need tracetabd started with --allow-unsafe' &&
	pass restore_without_allow_fails || fail restore_without_allow_fails "$st"
st=$(t status rows --format csv | tail -1 | cut -d, -f3)
[ "$st" = running ] && pass safe_deployment_restored || fail safe_deployment_restored "$st"
td_stop
if grep -qE 'ERROR: (Address|Leak|Undefined)Sanitizer|runtime error' "$dir/log"; then
	fail no_sanitizer_reports "$(grep -m3 -E 'Sanitizer|runtime error' "$dir/log")"
else
	pass no_sanitizer_reports
fi
tt_done
