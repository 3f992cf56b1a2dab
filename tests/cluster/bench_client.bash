#!/bin/bash
# tests/cluster/bench_client.bash - bench group "cluster", the client's cluster
# commands (installed as build/bench-cluster-client; `make bench
# NAME=cluster`, needs root). Three daemons on this machine, each figure
# side by side with the same work on one node through its socket and store:
#
#  wait_deploy: `deploy --wait` until every node reports running (median
#    of 5) vs `deploy --wait` on one node (its anchor: what the cluster
#    round trip adds).
#  tail_catchup: `tail --from-start` over 3 nodes x 20,000 rows, rows/s,
#    vs local `tail --from-start` of one node's 20,000 rows.
#  tail_latency: one event until the cluster tail printed its 3 rows and
#    exited (default 200 ms poll; median of 5) vs local tail's one row
#    (default 100 ms poll).
TT_SUITE=bench-cluster-client
BIN_DIR=$(cd "$(dirname "$0")" && pwd)
TT_BUILD=${TT_BUILD:-$BIN_DIR}
SRC=$(cd "$BIN_DIR/.." && pwd)
[ -f "$SRC/tests/cluster/lib.bash" ] || SRC=$(cd "$BIN_DIR/../../.." && pwd)
. "$SRC/tests/lib.sh"
TT_BUILD=$BIN_DIR
. "$SRC/tests/cluster/lib.bash"

[ "$(id -u)" = 0 ] || { echo "bench-cluster-client: needs root" >&2; exit 0; }
ms() { echo $(($(date +%s%N) / 1000000)); }
median() { sort -n | awk '{ a[NR] = $1 } END { print a[int((NR + 1) / 2)] }'; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", (b > 0 ? a / b : 0) }'; }

cl_init
cl_nats_start || { echo "bench-cluster-client: nats-server did not start" >&2; exit 1; }
NODES="node-a node-b node-c"
for n in $NODES; do cl_node "$n"; done
cp "$(command -v perl)" "$CL_DIR/ttcbw"
work() { "$CL_DIR/ttcbw" -e "syscall(121, \$_) for $1..$2"; }
cat >"$CL_DIR/p.bt" <<'EOT'
tracepoint:syscalls:sys_enter_getpgid /comm == "ttcbw"/ { printf("i:%d\n", args.pid); }
EOT
sleep 1

# --- wait_deploy ----------------------------------------------------------------
for i in 1 2 3 4 5; do
	t0=$(ms)
	cl_cli deploy "bw$i" --table tbw --ttl 10m --wait "$CL_DIR/p.bt" >/dev/null 2>&1 ||
		echo "bench-cluster-client: deploy bw$i did not settle" >&2
	echo $(($(ms) - t0)) >>"$CL_DIR/wc"
	t0=$(ms)
	cl_local node-a deploy "bl$i" --table tbl --ttl 10m --wait "$CL_DIR/p.bt" >/dev/null 2>&1
	echo $(($(ms) - t0)) >>"$CL_DIR/wl"
	cl_cli delete "bw$i" >/dev/null 2>&1
	cl_local node-a delete "bl$i" >/dev/null 2>&1
done
c=$(median <"$CL_DIR/wc") l=$(median <"$CL_DIR/wl")
echo "bench cluster.wait_deploy_3_nodes $c ms"
echo "bench cluster.wait_deploy_local $l ms"
# Anchored on Pixie's 2 s status poll; the local figure is context (the
# cluster path contains it, so a ratio against it cannot exceed 1).
echo "bench cluster.wait_deploy_cost_vs_local $(ratio "$c" "$l") x"
echo "bench cluster.wait_deploy_3_nodes ratio $(ratio 2000 "$c") vs pixie_poll_2s"

# --- tail ---------------------------------------------------------------------
cl_cli deploy bt --table tbt --ttl 10m --wait "$CL_DIR/p.bt" >/dev/null 2>&1
work 1 20000
sleep 1
t0=$(ms)
n=$(cl_cli --format csv tail tbt --from-start --count 60000 | wc -l)
tc=$(($(ms) - t0))
t0=$(ms)
cl_local node-a --format csv tail tbt --from-start --count 20000 >/dev/null
tl=$(($(ms) - t0))
[ "$n" = 60001 ] || echo "bench-cluster-client: cluster tail printed $((n - 1)) rows" >&2
rc=$((60000 * 1000 / (tc > 0 ? tc : 1))) rl=$((20000 * 1000 / (tl > 0 ? tl : 1)))
echo "bench cluster.tail_catchup_3x20k $rc rows/s"
echo "bench cluster.tail_catchup_local_20k $rl rows/s"
# No other tool tails a table across nodes, so no ratio: the share of the
# local rate the cluster path keeps is a figure.
echo "bench cluster.tail_catchup_share_of_local $(ratio "$rc" "$rl") x"

for i in 1 2 3 4 5; do
	cl_cli tail tbt --last 0 --count 3 >/dev/null 2>&1 &
	tp=$!
	sleep 1.5
	t0=$(ms)
	work 1 1
	wait $tp
	echo $(($(ms) - t0)) >>"$CL_DIR/lc"
	cl_local node-a tail tbt --last 0 --count 1 >/dev/null 2>&1 &
	tp=$!
	sleep 0.5
	t0=$(ms)
	work 1 1
	wait $tp
	echo $(($(ms) - t0)) >>"$CL_DIR/ll"
done
c=$(median <"$CL_DIR/lc") l=$(median <"$CL_DIR/ll")
echo "bench cluster.tail_latency_3_nodes $c ms"
echo "bench cluster.tail_latency_local $l ms"
echo "bench cluster.tail_latency_cost_vs_local $(ratio "$c" "$l") x"
