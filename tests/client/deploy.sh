#!/bin/bash
# tests/client/deploy.sh - deploy, status, run, delete and drop against a
# real tracetabd (started privately by the test, as root) with real
# tracepoints and real processes making the traced system calls.
TT_SUITE=client/deploy
. "$(dirname "$0")/../lib.sh"

td_start deploy
code() { "$@" >/dev/null 2>&1; echo $?; }

cat >"$dir/gp.bt" <<'BT'
tracepoint:syscalls:sys_enter_getppid { printf("pid:%d comm:%s\n", pid, comm); }
BT
out=$(t deploy gp --table gp --ttl 1m "$dir/gp.bt" 2>"$dir/deploy.err")
[ $? = 0 ] && [ "$(echo "$out" | head -1)" = created ] && pass deploy_created ||
	fail deploy_created "$out"
state=$(t status gp --format csv | awk -F, 'NR == 2 { print $3 "," $4 }')
[ "$state" = "running,1" ] && pass status_running || fail status_running "$state"

perl -e 'getppid() for 1..50' || python3 -c 'import os; [os.getppid() for _ in range(50)]'
sleep 1
n=$(t query "SELECT count(*) FROM gp WHERE comm IN ('perl', 'python3')" --format csv | tail -1)
[ "${n:-0}" -ge 50 ] && pass rows_arrive || fail rows_arrive "count $n"
rows=$(t status gp --format csv | awk -F, 'NR == 2 { print $6 }')
[ "${rows:-0}" -ge 50 ] && pass status_rows || fail status_rows "rows $rows"

out=$(t deploy gp --table gp --ttl 1m "$dir/gp.bt" 2>/dev/null | head -1)
[ "$out" = refreshed ] && pass deploy_refreshed || fail deploy_refreshed "$out"

# Selectors: the first matching program wins; none matching is "skipped".
cat >"$dir/old.bt" <<'BT'
tracepoint:syscalls:sys_enter_getppid { printf("pid:%d\n", pid); }
BT
cp "$dir/old.bt" "$dir/new.bt"
t deploy sel --table sel "$dir/old.bt" --max-kernel 5.18 \
	--program "$dir/new.bt" --min-kernel 5.19 >/dev/null 2>&1
prog=$(t status sel --format csv | awk -F, 'NR == 2 { print $3 "," $4 }')
[ "$prog" = "running,2" ] && pass selectors_pick_second || fail selectors_pick_second "$prog"
[ "$(code t deploy nowhere --table sel "$dir/old.bt" --host no-such-host)" = 5 ] &&
	pass skipped_exit_5 || fail skipped_exit_5
t status nowhere --format csv | grep -q skipped && pass status_skipped || fail status_skipped
[ "$(code t deploy x --table x --host h)" = 2 ] && pass selector_before_program_usage ||
	fail selector_before_program_usage

# A bundled script: deploy, wait for running, show its query.
out=$(t run nap_time --timeout 20s --format csv 2>"$dir/run.err")
rc=$?
[ $rc = 0 ] && [ "$(echo "$out" | head -1)" = "comm,pcomm,naps" ] && pass run_script ||
	fail run_script "exit $rc: $out $(cat "$dir/run.err")"
sleep 0.2
n=$(t query "SELECT count(*) FROM nap_time WHERE comm = 'sleep'" --format csv | tail -1)
[ "${n:-0}" -ge 1 ] && pass run_script_rows || fail run_script_rows "count $n"
# --watch re-runs the query until stopped.
timeout 2 "$tt" --socket "$dir/sock" --store-dir "$dir/store" run nap_time --watch \
	--interval 300ms --format csv >"$dir/watch" 2>/dev/null
heads=$(grep -c '^comm,pcomm,naps$' "$dir/watch")
[ "$heads" -ge 3 ] && pass run_watch_refreshes || fail run_watch_refreshes "$heads refreshes"
[ "$(code t run no_such_script)" = 4 ] && pass run_unknown_script || fail run_unknown_script

# Unprivileged users may read status but not deploy.
bin=$dir/tracetab-copy
cp "$tt" "$bin" && chmod 755 "$bin"
nob() { setpriv --reuid=65534 --regid=65534 --clear-groups "$bin" --socket "$dir/sock" "$@"; }
[ "$(code nob status)" = 0 ] && pass nobody_status || fail nobody_status
[ "$(code nob deploy z --table z "$dir/gp.bt")" = 1 ] && pass nobody_cannot_deploy ||
	fail nobody_cannot_deploy

[ "$(code t delete gp)" = 0 ] && ! t status --format csv | grep -q '^gp,' &&
	pass delete || fail delete
[ "$(code t delete gp)" = 4 ] && pass delete_unknown_exit_4 || fail delete_unknown_exit_4
[ "$(code t drop gp)" = 0 ] && ! t tables --format csv | grep -q '^gp,' &&
	pass drop || fail drop
tt_done
