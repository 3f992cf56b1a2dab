#!/bin/bash
# tests/daemon/unsafe_cluster.sh - an unsafe deployment from the cluster
# (NATS desired state carries no caller): each node applies its own
# --allow-unsafe rule. A node started without it reports the deployment
# failed, naming the rule; a node started with it runs the program, whose
# system() output reaches that node's log.
TT_SUITE=daemon/unsafe_cluster
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/../cluster/lib.bash"

[ "$(id -u)" = 0 ] || { skip all "needs root to attach probes"; exit 0; }
command -v nats-server >/dev/null || { skip all "nats-server not installed"; exit 0; }
command -v perl >/dev/null || { skip all "perl not installed"; exit 0; }
tt_build "$TT_BUILD/tracetab" "$TT_BUILD/tracetabd"
cl_init
cl_nats_start || { fail nats_start "$(tail -3 "$CL_DIR/nats.log")"; tt_done; }
cl_node strict || { fail node_start "$(tail -3 "$CL_DIR/strict.log")"; tt_done; }
cl_node open --allow-unsafe || { fail node_start "$(tail -3 "$CL_DIR/open.log")"; tt_done; }

cat >"$CL_DIR/sys.bt" <<'EOF'
tracepoint:syscalls:sys_enter_getppid /comm == "ttunsafe_cl"/ {
	printf("pid:%d\n", pid);
	system("echo cluster ran for %d", pid);
}
EOF
out=$(cl_cli deploy sysc --table sysc --unsafe "$CL_DIR/sys.bt" 2>&1)
[ $? = 0 ] && pass cluster_deploy_stored || fail cluster_deploy_stored "$out"
if cl_wait_state sysc failed 15 strict >/dev/null && cl_wait_state sysc running 15 open; then
	pass each_node_applies_its_flag
else
	fail each_node_applies_its_flag "$(cl_cli status 2>&1 | tr '\n' ' ')"
fi
st=$(cl_cli status 2>&1)
grep -E '^sysc +strict +failed' <<<"$st" | grep -q 'need tracetabd started with --allow-unsafe' &&
	pass refusal_names_the_rule || fail refusal_names_the_rule "$st"
perl -e '$0 = "ttunsafe_cl"; getppid()'
for _ in $(seq 30); do
	log=$(cl_local open status sysc)
	grep -q '  cluster ran for [0-9]*$' <<<"$log" && break
	sleep 0.1
done
grep -q '  cluster ran for [0-9]*$' <<<"$log" && pass system_runs_on_allowing_node ||
	fail system_runs_on_allowing_node "$log"
tt_done
