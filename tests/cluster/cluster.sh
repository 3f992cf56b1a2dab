#!/bin/bash
# tests/cluster/cluster.sh - cluster mode end to end on a real nats-server
# (JetStream, file storage, loopback) and real tracetabd nodes attaching
# real tracepoints: deploy to three nodes, rows in all stores, cluster
# query = sum of local queries, host_name selection, TTL expiry everywhere,
# a killed node (unreachable, missing from queries) that rejoins, a late
# fourth node, a nats-server restart during ingest, local deploys that
# survive resyncs, and a verify-only node.
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/lib.bash"
set -o pipefail # a query's exit code survives | tail

[ "$(id -u)" = 0 ] || { skip all "needs root to attach probes"; exit 0; }
command -v nats-server >/dev/null || { skip all "nats-server not installed"; exit 0; }
[ -x "$TT_BUILD/tracetabd" ] && [ -x "$TT_BUILD/tracetab" ] ||
	{ fail build "build tracetabd and tracetab first"; tt_done; }

cl_init
cl_nats_start || { fail nats "nats-server did not start"; tt_done; }
NODES="node-a node-b node-c"
for n in $NODES; do cl_node "$n" || fail "start_$n" "no socket"; done

# The workload has its own comm so other tests' getppid calls stay out.
cp "$(command -v perl)" "$CL_DIR/ttclw"
work() { "$CL_DIR/ttclw" -e "getppid() for 1..$1"; }
cat >"$CL_DIR/p.bt" <<'EOF'
tracepoint:syscalls:sys_enter_getppid /comm == "ttclw"/ { printf("pid:%d\n", pid); }
EOF
local_count() { cl_local "$1" --format csv query "select count(*) from $2" 2>/dev/null | tail -1; }
cluster_count() { cl_cli --store-dir "$CL_DIR/node-a/store" --format csv query "$@" "select count(*) from t1" | tail -1; }

# --- deploy reaches running on all three; rows everywhere; query sums ------
check deploy cl_cli deploy probe1 --table t1 --ttl 10m "$CL_DIR/p.bt"
check running_all cl_wait_state probe1 running 10 $NODES
work 100
sleep 0.3
sum=0 ok=1
for n in $NODES; do
	c=$(local_count "$n" t1)
	[ "${c:-0}" -ge 100 ] || ok=0
	sum=$((sum + ${c:-0}))
done
[ $ok = 1 ] && pass rows_in_all_stores || fail rows_in_all_stores "local counts short"
got=$(cluster_count)
[ "$got" = "$sum" ] && pass query_equals_sum || fail query_equals_sum "cluster $got, local sum $sum"
# Counters reach the status bucket at most every 5 s (state at once).
status_rows_caught_up() {
	local want
	want=$(local_count node-a t1)
	for _ in $(seq 40); do
		[ "$(cl_cli --format csv status probe1 | awk -F, '$2 == "node-a" { print $4 }')" = "$want" ] &&
			return 0
		sleep 0.2
	done
	return 1
}
check status_rows_reach_cluster status_rows_caught_up
groups=$(cl_cli --store-dir "$CL_DIR/node-a/store" --format csv query \
	"select pid, count(*) as n from t1 group by pid order by n desc" | wc -l)
[ "$groups" -ge 2 ] && pass query_group_by || fail query_group_by "no groups"
bynode=$(cl_cli --store-dir "$CL_DIR/node-a/store" --format csv query \
	"select node, count(*) as n from t1 group by node order by node" | tail -n +2 | tr '\n' ' ')
want=""
for n in $NODES; do want="$want$n,$(local_count "$n" t1) "; done
[ "$bynode" = "$want" ] && pass query_node_column_group_by ||
	fail query_node_column_group_by "got '$bynode' want '$want'"
onlyb=$(cl_cli --store-dir "$CL_DIR/node-a/store" --format csv query \
	"select count(*) from t1 where node = 'node-b'" | tail -1)
[ "$onlyb" = "$(local_count node-b t1)" ] && pass query_node_column_where ||
	fail query_node_column_where "got $onlyb"

# --- host_name selector ------------------------------------------------------
check deploy_host cl_cli deploy probe2 --table t2 --ttl 10m "$CL_DIR/p.bt" --host node-b
check host_selected cl_wait_state probe2 running 10 node-b
check host_others_skipped cl_wait_state probe2 skipped 10 node-a node-c
only=$(cl_cli --format csv status probe2 | tail -n +2 | cut -d, -f1 | sort -u)
[ "$only" = probe2 ] && pass status_one_deployment || fail status_one_deployment "$only"

# --- TTL expiry removes the probes on all nodes within 2 s -------------------
check deploy_ttl cl_cli deploy probe3 --table t3 --ttl 5s "$CL_DIR/p.bt"
check ttl_running cl_wait_state probe3 running 10 $NODES
start=$SECONDS
sleep 5 # a loaded machine with ASan may need seconds to reach running
gone=0
for _ in $(seq 20); do
	left=0
	for n in $NODES; do
		st=$(cl_local "$n" --format csv status 2>/dev/null | grep '^probe3,' | cut -d, -f3)
		[ "$st" = running ] && left=1
	done
	[ $left = 0 ] && { gone=1; break; }
	sleep 0.1
done
[ $gone = 1 ] && pass ttl_detached_everywhere || fail ttl_detached_everywhere "still running after $((SECONDS - start)) s"
before=$(local_count node-a t3)
work 20
sleep 0.3
[ "$(local_count node-a t3)" = "$before" ] && pass ttl_no_more_rows || fail ttl_no_more_rows "rows still arrive"

gone_from_bucket() { # DEPLOYMENT: no status rows left anywhere
	for _ in $(seq 50); do
		cl_cli --format csv status 2>/dev/null | grep -q "^$1," || return 0
		sleep 0.1
	done
	return 1
}
check ttl_spec_removed_from_cluster gone_from_bucket probe3

# --- bad programs and specs: every node says why -----------------------------
echo 'tracepoint:syscalls:sys_enter_getppid { printf("x:%d\n", nosuch); }' >"$CL_DIR/bad.bt"
check deploy_bad_program cl_cli deploy bad1 --table tbad --ttl 1m "$CL_DIR/bad.bt"
check bad_program_failed cl_wait_state bad1 failed 10 $NODES
cl_cli --format csv status | grep '^bad1,node-a,' | grep -q nosuch &&
	pass bad_program_reason || fail bad_program_reason "no reason naming nosuch"
check deploy_bad_table cl_cli deploy bad2 --table 1bad --ttl 1m "$CL_DIR/p.bt"
check bad_spec_refused cl_wait_state bad2 failed 10 $NODES
cl_cli delete bad1 >/dev/null && cl_cli delete bad2 >/dev/null
out=$(cl_cli delete nosuch 2>&1)
[ $? = 4 ] && pass delete_unknown_exit_4 || fail delete_unknown_exit_4 "$out"

# --- concurrent deploys of one name: revision-checked, none lost -------------
cl_cli deploy race --table trace1 --ttl 1m "$CL_DIR/p.bt" >"$CL_DIR/r1" 2>&1 &
p1=$!
cl_cli deploy race --table trace2 --ttl 1m "$CL_DIR/p.bt" >"$CL_DIR/r2" 2>&1 &
p2=$!
wait $p1 && wait $p2 && pass concurrent_deploys_succeed ||
	fail concurrent_deploys_succeed "$(cat "$CL_DIR/r1" "$CL_DIR/r2")"
grep -qx created "$CL_DIR/r1" "$CL_DIR/r2" && grep -qx replaced "$CL_DIR/r1" "$CL_DIR/r2" &&
	pass concurrent_one_created_one_replaced ||
	fail concurrent_one_created_one_replaced "$(cat "$CL_DIR/r1" "$CL_DIR/r2")"
cl_cli delete race >/dev/null

# --- kill a node: unreachable, missing from queries; it rejoins --------------
cl_kill node-c KILL
check killed_unreachable cl_wait_state probe1 unreachable 8 node-c
out=$(cluster_count --timeout 1500 2>&1)
rc=$?
[ $rc != 0 ] && echo "$out" | grep -q "node-c" && pass query_names_missing ||
	fail query_names_missing "rc $rc: $out"
check query_allow_partial cluster_count --timeout 1500 --allow-partial
cl_node node-c || fail restart_node_c "no socket"
check rejoined_running cl_wait_state probe1 running 10 node-c
check rejoined_answers cluster_count

# --- a fourth node started after the deploy picks it up ----------------------
cl_node node-d || fail start_node_d "no socket"
check late_joiner cl_wait_state probe1 running 10 node-d

# --- nats-server restart: ingest continues, state intact ---------------------
before=$(local_count node-a t1)
cl_nats_stop
work 50
sleep 0.5
after=$(local_count node-a t1)
[ "$after" -ge $((before + 50)) ] && pass ingest_during_outage ||
	fail ingest_during_outage "$before -> $after"
[ "$(cl_local node-b --format csv status 2>/dev/null | grep '^probe1,' | cut -d, -f3)" = running ] &&
	pass running_during_outage || fail running_during_outage "probe1 not running on node-b"
cl_nats_start || fail nats_restart "did not start"
check state_intact_after_restart cl_wait_state probe1 running 15 node-a node-b node-c node-d
# The status bucket can say "running" before every node's query
# subscription is back on the new server: ask until all answer (10 s).
cluster_count_settled() {
	for _ in $(seq 20); do
		cluster_count >/dev/null 2>&1 && break
		sleep 0.5
	done
	cluster_count
}
check query_after_restart cluster_count_settled

# --- local deploys on a clustered node survive resyncs; cluster deletes made
# while a node was down still reach it (the origin of each is kept) --------
local_state() { # NODE DEPLOYMENT: the state the node's own socket reports
	cl_local "$1" --format csv status 2>/dev/null | awk -F, -v d="$2" '$1 == d { print $3 }'
}
check local_deploy_on_cluster_node cl_local node-a deploy loc1 --table tloc --ttl 10m "$CL_DIR/p.bt"
cl_kill node-b
check delete_while_node_down cl_cli delete probe2 # only node-b ran it
cl_kill node-a
cl_node node-a || fail restart_node_a "no socket"
cl_node node-b || fail restart_node_b "no socket"
check resynced_after_restart cl_wait_state probe1 running 10 node-a node-b
[ "$(local_state node-a loc1)" = running ] && pass local_deploy_survives_resync ||
	fail local_deploy_survives_resync "loc1 on node-a: '$(local_state node-a loc1)'"
[ -z "$(local_state node-b probe2)" ] && pass cluster_delete_applied_after_restart ||
	fail cluster_delete_applied_after_restart "probe2 on node-b: $(local_state node-b probe2)"
cl_cli --format csv status | grep -q '^loc1,' &&
	fail local_deploy_not_published "loc1 in the cluster status" || pass local_deploy_not_published
out=$(cl_cli delete loc1 2>&1)
[ $? = 4 ] && [ "$(local_state node-a loc1)" = running ] && pass cluster_delete_leaves_local ||
	fail cluster_delete_leaves_local "$out; loc1: $(local_state node-a loc1)"
# A cluster deploy of the same name makes it the cluster's.
check cluster_takes_local_name cl_cli deploy loc1 --table tloc --ttl 10m "$CL_DIR/p.bt"
check cluster_name_running cl_wait_state loc1 running 10 node-a node-b node-c node-d
check cluster_name_deleted cl_cli delete loc1
gone_locally() { for _ in $(seq 50); do [ -z "$(local_state node-a loc1)" ] && return 0; sleep 0.1; done; return 1; }
check cluster_name_gone_on_node gone_locally

# --- verify-only: compiled and verified, reported running, nothing attached --
cl_node node-v --verify-only || fail start_node_v "no socket"
check verify_only_running cl_wait_state probe1 running 10 node-v
cl_cli --format csv status probe1 | grep '^probe1,node-v,' | grep -q 'verify-only: not attached' &&
	pass verify_only_reason || fail verify_only_reason "$(cl_cli --format csv status probe1 | grep node-v)"
check verify_only_bad_program_fails cl_cli deploy bad3 --table tbad3 --ttl 1m "$CL_DIR/bad.bt"
check verify_only_failed cl_wait_state bad3 failed 10 node-v
cl_cli delete bad3 >/dev/null
work 50
sleep 0.3
[ "$(local_count node-v t1)" = 0 ] && pass verify_only_no_rows ||
	fail verify_only_no_rows "$(local_count node-v t1) rows"
check delete cl_cli delete probe1
check deleted_everywhere bash -c "for _ in \$(seq 50); do
	n=\$(\"$CL_CLI\" --cluster $CL_URL --format csv status | grep -c '^probe1,')
	[ \"\$n\" = 0 ] && exit 0; sleep 0.1; done; exit 1"
tt_done
