#!/bin/bash
# tests/cluster/cluster_exit.sh - a cluster deployment whose program calls
# exit() stays ended: on a real nats-server and real tracetabd nodes, the
# probe fires once on each node (a uniquely named process makes the
# syscall), both nodes report "terminated" with the reason; a restarted
# node and a restarted nats-server re-deliver the same spec revision, and
# the deployment stays terminated (status, log, and no new rows when the
# event happens again); deploying again through the cluster (a new
# revision) runs it anew. A state directory with the older origin file (a
# list of names, no revisions) is still read.
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/lib.bash"
set -o pipefail

[ "$(id -u)" = 0 ] || { skip all "needs root to attach probes"; exit 0; }
command -v nats-server >/dev/null || { skip all "nats-server not installed"; exit 0; }
[ -x "${CL_DAEMON:-$TT_BUILD/tracetabd}" ] && [ -x "${CL_CLI:-$TT_BUILD/tracetab}" ] ||
	{ fail build "build tracetabd and tracetab first"; tt_done; }

cl_init
cl_nats_start || { fail nats "nats-server did not start"; tt_done; }
NODES="node-a node-b"
for n in $NODES; do cl_node "$n" || fail "start_$n" "no socket"; done

# The trigger has its own comm, so nothing else fires the probe.
cp "$(command -v perl)" "$CL_DIR/ttclexit"
work() { "$CL_DIR/ttclexit" -e "getppid() for 1..$1"; }
cat >"$CL_DIR/exit.bt" <<'EOF'
tracepoint:syscalls:sys_enter_getppid /comm == "ttclexit"/ {
	printf("pid:%d\n", pid); exit(); }
EOF
local_count() { cl_local "$1" --format csv query "select count(*) from tex" 2>/dev/null | tail -1; }
local_state() { cl_local "$1" --format csv status 2>/dev/null | awk -F, '$1 == "ex1" { print $3 }'; }
# syncs NODE: how many times NODE's daemons applied the initial values.
syncs() { grep -c "cluster: synchronised" "$CL_DIR/$1.log"; }
# wait_syncs NODE N: until NODE synchronised more than N times (10 s).
wait_syncs() {
	for _ in $(seq 100); do
		[ "$(syncs "$1")" -gt "$2" ] && return 0
		sleep 0.1
	done
	return 1
}
# counts: "node-a=N node-b=M", the rows of each node.
counts() { for n in $NODES; do printf '%s=%s ' "$n" "$(local_count "$n")"; done; }

# --- deployed through the cluster, the event ends it on every node ----------
check deploy cl_cli deploy ex1 --table tex --ttl 10m "$CL_DIR/exit.bt"
check running_all cl_wait_state ex1 running 10 $NODES
work 3
check terminated_all cl_wait_state ex1 terminated 10 $NODES
reasons=$(cl_cli --format csv status ex1 | grep -c '^ex1,node-.,terminated,.*the program called exit()')
[ "$reasons" = 2 ] && pass reason_published ||
	fail reason_published "$(cl_cli --format csv status ex1 | tr '\n' ' ')"
first=$(counts)
ok=1
for n in $NODES; do [ "$(local_count "$n")" -ge 1 ] || ok=0; done
[ $ok = 1 ] && pass rows_before_exit || fail rows_before_exit "$first"

# --- a restarted node re-delivers the same revision: stays terminated -------
seen=$(syncs node-a)
cl_kill node-a
cl_node node-a || fail restart_node_a "no socket"
check restart_resynced wait_syncs node-a "$seen"
[ "$(local_state node-a)" = terminated ] && pass restart_stays_terminated ||
	fail restart_stays_terminated "ex1 on node-a: '$(local_state node-a)'"
grep -q "deployment ex1: revision [0-9]* already applied" "$CL_DIR/node-a.log" &&
	pass restart_says_why || fail restart_says_why "no log line"
check restart_status_terminated cl_wait_state ex1 terminated 5 $NODES

# --- a nats-server restart (reconnection, resync) leaves it ended too -------
cl_nats_stop
cl_nats_start || fail nats_restart "did not start"
check after_nats_restart_terminated cl_wait_state ex1 terminated 15 $NODES
for n in $NODES; do
	[ "$(local_state "$n")" = terminated ] && pass "nats_restart_stays_terminated_$n" ||
		fail "nats_restart_stays_terminated_$n" "ex1: '$(local_state "$n")'"
done

# --- the event again: the probe does not fire anywhere -----------------------
work 3
sleep 0.5
[ "$(counts)" = "$first" ] && pass no_new_rows || fail no_new_rows "$first -> $(counts)"

# --- deploying again (a new revision) runs it anew on every node ------------
check deploy_again cl_cli deploy ex1 --table tex --ttl 10m "$CL_DIR/exit.bt"
check deploy_again_running cl_wait_state ex1 running 10 $NODES
work 3
check deploy_again_exits cl_wait_state ex1 terminated 10 $NODES
ok=1
for n in $NODES; do
	[ "$(local_count "$n")" -gt "$(echo "$first" | tr ' ' '\n' | sed -n "s/^$n=//p")" ] || ok=0
done
[ $ok = 1 ] && pass deploy_again_new_rows || fail deploy_again_new_rows "$first -> $(counts)"

# --- the older origin file (names only) is read: the revision is unknown,
# so the spec is applied once more (as before revisions were kept) and the
# name stays the cluster's (a cluster delete reaches it) ----------------------
cl_kill node-b
echo '["ex1"]' >"$CL_DIR/node-b/state/cluster-deployments.json"
cl_node node-b || fail restart_node_b "no socket"
check old_origin_file_applied cl_wait_state ex1 running 10 node-b
rev=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["ex1"])' \
	"$CL_DIR/node-b/state/cluster-deployments.json" 2>&1)
[ "${rev:-0}" -gt 0 ] 2>/dev/null && pass origin_file_rewritten_with_revision ||
	fail origin_file_rewritten_with_revision "$rev"
check delete cl_cli delete ex1
gone() { for _ in $(seq 50); do [ -z "$(local_state node-b)" ] && return 0; sleep 0.1; done; return 1; }
check old_origin_name_deleted gone
tt_done
