#!/bin/bash
# tests/cluster/cluster_client.sh - the client's cluster commands against a
# real nats-server and three real tracetabd nodes attaching real
# tracepoints: deploy --wait (all running, a host selector, skipped
# everywhere, a failing replacement that must not be reported with the old
# spec's state, a frozen node timing out), tail over every node (each row exactly once per
# node, across several answers per node, a node restarted mid-tail), and
# run --cluster (wait, per-node failure reasons, the query over all nodes,
# --watch).
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/lib.bash"
set -o pipefail

[ "$(id -u)" = 0 ] || { skip all "needs root to attach probes"; exit 0; }
command -v nats-server >/dev/null || { skip all "nats-server not installed"; exit 0; }
command -v perl >/dev/null || { skip all "perl not installed"; exit 0; }
[ -x "${CL_DAEMON:-$TT_BUILD/tracetabd}" ] && [ -x "${CL_CLI:-$TT_BUILD/tracetab}" ] ||
	{ fail build "build tracetabd and tracetab first"; tt_done; }

cl_init
cl_nats_start || { fail nats "nats-server did not start"; tt_done; }
NODES="node-a node-b node-c"
for n in $NODES; do cl_node "$n" || fail "start_$n" "no socket"; done

# The workload has its own comm so other tests' syscalls stay out; it
# calls getpgid(i) for i in FROM..TO, and the probe records i.
cp "$(command -v perl)" "$CL_DIR/ttccw"
work() { "$CL_DIR/ttccw" -e "syscall(121, \$_) for $1..$2"; }
cat >"$CL_DIR/p.bt" <<'EOT'
tracepoint:syscalls:sys_enter_getpgid /comm == "ttccw"/ { printf("i:%d\n", args.pid); }
EOT
cat >"$CL_DIR/bad.bt" <<'EOT'
tracepoint:syscalls:sys_enter_no_such_syscall_tt { printf("x:%d\n", pid); }
EOT

# expect NAME WANT_EXIT PATTERN CMD...: CMD exits WANT_EXIT and its output
# (stdout and stderr) matches PATTERN.
expect() {
	local name=$1 want=$2 pat=$3 out rc
	shift 3
	out=$("$@" 2>&1)
	rc=$?
	if [ "$rc" = "$want" ] && grep -Eq -- "$pat" <<<"$out"; then
		pass "$name"
	else
		fail "$name" "exit $rc (want $want): $(tail -4 <<<"$out" | tr '\n' ' ')"
	fi
	LAST_OUT=$out
}

# --- deploy --wait ------------------------------------------------------------
expect wait_all 0 "running on 3 of 3 live nodes" \
	cl_cli deploy w1 --table tw --ttl 10m --wait --timeout 20s "$CL_DIR/p.bt"
n=$(grep -c "^w1 .*running" <<<"$LAST_OUT")
[ "$n" = 3 ] && pass wait_all_table || fail wait_all_table "$n running rows: $LAST_OUT"

expect wait_host 0 "running on 1 of 3 live nodes \(skipped 2" \
	cl_cli deploy w2 --table tw2 --ttl 10m --wait "$CL_DIR/p.bt" --host node-b
grep -Eq "^w2 +node-a +skipped +no program matches" <<<"$LAST_OUT" &&
	pass wait_host_reason || fail wait_host_reason "$LAST_OUT"

expect wait_skipped_everywhere 5 "running on 0 of 3 live nodes \(skipped 3" \
	cl_cli deploy w3 --table tw3 --ttl 10m --wait "$CL_DIR/p.bt" --host nowhere

# w1 runs everywhere; its failing replacement must be reported failed, not
# with the state the previous spec left in the status bucket.
expect wait_replaced_failing 5 "failed 3" \
	cl_cli deploy w1 --table tw --ttl 10m --wait --timeout 20s "$CL_DIR/bad.bt"
grep -Eq "^w1 +node-c +failed +.*no_such_syscall" <<<"$LAST_OUT" &&
	pass wait_failed_reason || fail wait_failed_reason "$LAST_OUT"

# A frozen node still counts as live for 3 s after its last heartbeat but
# cannot act on the spec: the wait times out naming it.
kill -STOP "${CL_PIDS[node-c]}"
expect wait_timeout 5 "still pending after" \
	cl_cli deploy w4 --table tw4 --ttl 10m --wait --timeout 1s "$CL_DIR/p.bt"
kill -CONT "${CL_PIDS[node-c]}"
grep -Eq "^w4 +node-c +pending +not reported yet" <<<"$LAST_OUT" &&
	pass wait_timeout_names_node || fail wait_timeout_names_node "$LAST_OUT"
expect wait_bad_timeout 2 "bad --timeout" \
	cl_cli deploy w5 --table tw5 --wait --timeout soon "$CL_DIR/p.bt"
# Without --cluster, --wait waits for this node (its control socket).
expect wait_local 0 "running" \
	cl_local node-a deploy wl --table twl --ttl 10m --wait "$CL_DIR/p.bt"
cl_local node-a delete wl >/dev/null 2>&1
for d in w1 w2 w3 w4; do cl_cli delete "$d" >/dev/null 2>&1; done

# --- tail ---------------------------------------------------------------------
check tail_deploy cl_cli deploy t1 --table tt --ttl 10m --wait "$CL_DIR/p.bt"
# per_node FILE N: every node printed i = 1..N exactly once (csv: node,i,...).
per_node() {
	awk -F, -v n="$2" -v nodes="$NODES" '
		NR > 1 { seen[$1 "," $2]++; cnt[$1]++; at[$1 "," $2] = at[$1 "," $2] " " NR }
		END {
			split(nodes, ns, " ")
			for (k in ns) {
				if (cnt[ns[k]] != n) { print ns[k] ": " cnt[ns[k]] " rows"; bad = 1 }
				for (i = 1; i <= n; i++)
					if (seen[ns[k] "," i] != 1) { printf "%s i=%d: %d (lines%s) ", ns[k], i, seen[ns[k] "," i], at[ns[k] "," i]; bad = 1; break }
			}
			exit bad
		}' "$1"
}
cl_cli --format csv tail tt --last 0 --count 300 >"$CL_DIR/tail1.csv" 2>"$CL_DIR/tail1.err" &
tp=$!
sleep 1.5 # the first round fixes each node's cursor at its end
work 1 100
for _ in $(seq 100); do kill -0 $tp 2>/dev/null || break; sleep 0.1; done
if wait $tp; then pass tail_exit; else fail tail_exit "$(cat "$CL_DIR/tail1.err")"; fi
check tail_each_row_once per_node "$CL_DIR/tail1.csv" 100
head -1 "$CL_DIR/tail1.csv" | grep -q '^node,i,time_' && pass tail_header ||
	fail tail_header "$(head -1 "$CL_DIR/tail1.csv")"

# Many rows: each node answers in several parts ("more"); none lost or
# repeated. --from-start also covers the 100 rows above.
work 101 10000
sleep 1
timeout 60 "$CL_CLI" --cluster "$CL_URL" --format csv tail tt --from-start --count 30000 \
	>"$CL_DIR/tail2.csv" 2>"$CL_DIR/tail2.err"
check tail_many_each_once per_node "$CL_DIR/tail2.csv" 10000

# A node restarted while tail runs: its cursor survives the restart (row
# ids continue in its store), so nothing is repeated and what it recorded
# while up arrives.
cl_cli --format csv tail tt --last 0 --count 3000 >"$CL_DIR/tail3.csv" 2>"$CL_DIR/tail3.err" &
tp=$!
sleep 1.5
work 1 500
sleep 0.5
cl_kill node-c
cl_node node-c || fail restart_node_c "no socket"
cl_wait_state t1 running 15 node-c || fail tail_node_c_running "t1 not running on node-c again"
sleep 2.5 # node-c is live to tail again
work 501 1000
for _ in $(seq 150); do kill -0 $tp 2>/dev/null || break; sleep 0.1; done
if wait $tp; then pass tail_restart_exit; else
	kill $tp 2>/dev/null
	fail tail_restart_exit "$(cat "$CL_DIR/tail3.err") rows: $(wc -l <"$CL_DIR/tail3.csv")"
fi
# On failure the lines of the first bad row and tail's notes (reset,
# missed) say which path repeated it.
per_node_noted() { per_node "$@" || { tr '\n' ' ' <"$CL_DIR/tail3.err"; return 1; }; }
check tail_restart_each_once per_node_noted "$CL_DIR/tail3.csv" 1000

# Malformed requests (raw NATS protocol) get an error answer from every
# node, and every node stays up. The table tt exists on all nodes.
bad_request() {
	local name=$1 pat=$2 out
	out=$(cl_raw_request "$3")
	if [ "$(grep -c "$pat" <<<"$out")" = 3 ]; then pass "$name"; else
		fail "$name" "$(tr '\n' ' ' <<<"$out")"
	fi
}
bad_request bad_json '"error":"bad request JSON"' '{"op":'
bad_request bad_op '"error":"unknown request"' '{"op":"nope"}'
bad_request bad_array 'unexpected\|error":"[^n]' '[1,2]'
bad_request bad_no_table 'names no table' '{"op":"tail"}'
bad_request bad_table_type 'names no table' '{"op":"tail","table":5}'
bad_request bad_table_name '"code":"EIO"' '{"op":"tail","table":"../../etc/passwd"}'
bad_request bad_cursors_type '"error":null} | {"columns":\[\[' '{"op":"tail","table":"tt","cursors":[1],"last":1}'
bad_request bad_cursor_negative '"error":null} | {"columns":\[\[' '{"op":"tail","table":"tt","cursors":{"node-a":-5,"node-b":-1,"node-c":-9}}'
bad_request bad_cursor_huge '"error":null} | {"columns":\[\[' '{"op":"tail","table":"tt","cursors":{"node-a":1e300,"node-b":9223372036854775807,"node-c":4611686018427387904}}'
bad_request bad_last_negative '"error":null} | {"columns":\[\[' '{"op":"tail","table":"tt","last":-1}'
bad_request bad_last_huge '"error":null} | {"columns":\[\[' '{"op":"tail","table":"tt","last":99999999999999999}'
alive=0
for n in $NODES; do kill -0 "${CL_PIDS[$n]}" 2>/dev/null && alive=$((alive + 1)); done
[ $alive = 3 ] && pass bad_requests_nodes_alive || fail bad_requests_nodes_alive "$alive of 3 alive"

# JSON lines carry the node too.
out=$(timeout 10 "$CL_CLI" --cluster "$CL_URL" --format json tail tt --last 1 --count 3)
n=$(grep -cE '^\{"node": ?"node-[abc]", ?"i": ?[0-9]+' <<<"$out")
[ "$n" = 3 ] && pass tail_json || fail tail_json "$out"
expect tail_no_table 4 "no node has a table nosuch" timeout 10 "$CL_CLI" --cluster "$CL_URL" tail nosuch
expect tail_usage 2 "usage: tracetab --cluster URL tail" cl_cli tail
cl_cli delete t1 >/dev/null 2>&1

# --- run --------------------------------------------------------------------
S=$CL_DIR/scripts
mkdir -p "$S/ok" "$S/broken"
cp "$CL_DIR/p.bt" "$S/ok/p.bt"
cp "$CL_DIR/bad.bt" "$S/broken/p.bt"
cat >"$S/ok/script.json" <<'EOT'
{"name": "runok", "table": "trun", "ttl": "5m", "programs": [{"file": "p.bt"}],
 "query": "SELECT node, count(*) AS n FROM trun GROUP BY node ORDER BY node"}
EOT
sed 's/runok/runbad/; s/trun/trunbad/g' "$S/ok/script.json" >"$S/broken/script.json"
# The client is no node: it has no store, so the query's schema comes from
# the nodes. (An existing but empty store directory would do as well, but
# the store's table listing trips UBSan on one: qsort(NULL, 0) in
# store/reader.c, reported.)
E=$CL_DIR/client-store
export TMPDIR=$CL_DIR/tmp # where the client keeps schemas it learned
mkdir -p "$TMPDIR"
expect run_first 0 "runok on node-c: running" \
	cl_cli run ok --scripts-dir "$S" --store-dir "$E"
work 1 50
sleep 0.5
expect run_all_nodes 0 "node-c +50" \
	cl_cli run ok --scripts-dir "$S" --store-dir "$E"
n=$(grep -cE "^node-[abc] +50$" <<<"$LAST_OUT")
[ "$n" = 3 ] && pass run_query_rows || fail run_query_rows "$LAST_OUT"
grep -q "runok on node-b: running" <<<"$LAST_OUT" && pass run_progress ||
	fail run_progress "$LAST_OUT"
expect run_failure_reasons 5 "runbad on node-a: failed: .*no_such_syscall" \
	cl_cli run broken --scripts-dir "$S" --store-dir "$E"
[ ! -e "$E" ] && pass query_leaves_no_files || fail query_leaves_no_files "$(ls "$E")"
ls -d "$TMPDIR"/tracetab-cl.* >/dev/null 2>&1 &&
	fail query_temp_removed "$(ls -d "$TMPDIR"/tracetab-cl.*)" || pass query_temp_removed
expect query_unknown_everywhere 4 "unknown table 'nosuch'" \
	cl_cli --store-dir "$E" query "select count(*) from nosuch"
cl_cli run ok --watch --interval 300ms --scripts-dir "$S" \
	--store-dir "$E" >"$CL_DIR/watch.out" 2>&1 &
wp=$!
sleep 2.5
kill $wp 2>/dev/null
wait $wp 2>/dev/null
n=$(grep -c "^node  *n$" "$CL_DIR/watch.out")
[ "$n" -ge 2 ] && pass run_watch_refreshes || fail run_watch_refreshes "$n refreshes: $(tail -3 "$CL_DIR/watch.out")"
tt_done
