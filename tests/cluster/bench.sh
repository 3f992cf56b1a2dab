#!/bin/bash
# tests/cluster/bench.sh - bench group "cluster" (installed as
# build/bench-cluster; run by `make bench NAME=cluster`, needs root).
#
#  deploy_to_running: a cluster deploy until all three daemons report
#    running in the status bucket (median of 5), side by side with the same
#    deploy through one daemon's control socket (its anchor: what the
#    cluster adds over a local deploy).
#  query_3x1M: a group-by over 3 nodes x 1 M rows each through NATS,
#    against the same query on one store holding the same 3 M rows
#    (median of 5 each).
#  scale: CL_SCALE (default 50) daemons on this machine, each compiling,
#    verifying and attaching the program: a deploy until every node reports
#    running (first node and all nodes), and a delete until every node's
#    status is gone.
TT_SUITE=bench-cluster
BIN_DIR=$(cd "$(dirname "$0")" && pwd)
TT_BUILD=${TT_BUILD:-$BIN_DIR}
SRC=$(cd "$BIN_DIR/.." && pwd)
[ -f "$SRC/tests/cluster/lib.bash" ] || SRC=$(cd "$BIN_DIR/../../.." && pwd)
. "$SRC/tests/lib.sh"
TT_BUILD=$BIN_DIR
. "$SRC/tests/cluster/lib.bash"

[ "$(id -u)" = 0 ] || { echo "bench-cluster: needs root" >&2; exit 0; }
ms() { echo $(($(date +%s%N) / 1000000)); }
median() { sort -n | awk '{ a[NR] = $1 } END { print a[int((NR + 1) / 2)] }'; }

CL_POLL=0.02
cl_init
cl_nats_start || { echo "bench-cluster: nats-server did not start" >&2; exit 1; }
for n in node-a node-b node-c; do cl_node "$n"; done
cat >"$CL_DIR/p.bt" <<'EOF'
tracepoint:syscalls:sys_enter_getppid /comm == "ttclbench"/ { printf("pid:%d\n", pid); }
EOF
sleep 1 # first heartbeats

for i in 1 2 3 4 5; do
	t0=$(ms)
	cl_cli deploy "b$i" --table "tb$i" --ttl 10m "$CL_DIR/p.bt" >/dev/null 2>&1
	cl_wait_state "b$i" running 10 node-a node-b node-c >/dev/null
	echo $(($(ms) - t0))
done | median >"$CL_DIR/cluster_ms"
for i in 1 2 3 4 5; do
	t0=$(ms)
	cl_local node-a deploy "l$i" --table "tl$i" --ttl 10m "$CL_DIR/p.bt" >/dev/null 2>&1
	echo $(($(ms) - t0))
done | median >"$CL_DIR/local_ms"
c=$(cat "$CL_DIR/cluster_ms") l=$(cat "$CL_DIR/local_ms")
echo "bench cluster.deploy_to_running_3_nodes $c ms"
echo "bench cluster.deploy_local_1_node $l ms"
awk -v c="$c" -v l="$l" 'BEGIN { printf "bench cluster.deploy_to_running ratio %.2f vs local_control_socket_deploy\n", (c ? l / c : 0) }'

W=$TT_BUILD/tests/client/tt-writer
if [ ! -x "$W" ]; then
	echo "bench-cluster: $W missing (make build/tests/client/tt-writer)" >&2
	exit 0
fi
mkdir -p "$CL_DIR/single"
for n in node-a node-b node-c; do
	"$W" "$CL_DIR/$n/store" q 0 1000000 --max-bytes 268435456 >/dev/null
done
"$W" "$CL_DIR/single" q 0 3000000 --max-bytes 805306368 >/dev/null
SQL="select pid, count(*) as n, avg(value) as v from q group by pid order by pid"
for i in 1 2 3 4 5; do
	t0=$(ms)
	cl_cli --store-dir "$CL_DIR/node-a/store" query "$SQL" >/dev/null
	echo $(($(ms) - t0))
done | median >"$CL_DIR/qc"
for i in 1 2 3 4 5; do
	t0=$(ms)
	"$CL_CLI" --store-dir "$CL_DIR/single" query "$SQL" >/dev/null
	echo $(($(ms) - t0))
done | median >"$CL_DIR/ql"
qc=$(cat "$CL_DIR/qc") ql=$(cat "$CL_DIR/ql")
echo "bench cluster.query_groupby_3x1M_rows $qc ms"
echo "bench cluster.query_groupby_1x3M_rows $ql ms"
awk -v c="$qc" -v l="$ql" 'BEGIN { printf "bench cluster.query_groupby ratio %.2f vs one_node_3M_rows\n", (c ? l / c : 0) }'

# ---- control plane at scale -------------------------------------------------
for i in 1 2 3 4 5; do cl_cli delete "b$i" >/dev/null 2>&1; done
for n in node-a node-b node-c; do cl_kill "$n"; done
N=${CL_SCALE:-50}
export CL_TABLE_BYTES=4M
for i in $(seq -w 1 "$N"); do cl_node_start "s$i"; done
for i in $(seq -w 1 "$N"); do cl_node_wait "s$i"; done
sleep 2 # every node heartbeating
count_state() { # DEPLOYMENT STATE: nodes in STATE
	cl_cli --format csv status 2>/dev/null |
		awk -F, -v d="$1" -v s="$2" '$1 == d && $2 != "*" && $3 == s' | wc -l
}
t0=$(ms)
cl_cli deploy scale1 --table ts --ttl 10m "$CL_DIR/p.bt" >/dev/null 2>&1
first=0
while :; do
	r=$(count_state scale1 running)
	[ "$first" = 0 ] && [ "$r" -gt 0 ] && first=$(($(ms) - t0))
	[ "$r" -ge "$N" ] && break
	[ $(($(ms) - t0)) -gt 60000 ] && { echo "bench-cluster: only $r of $N running" >&2; break; }
	sleep 0.05
done
all=$(($(ms) - t0))
t0=$(ms)
cl_cli delete scale1 >/dev/null 2>&1
while [ "$(cl_cli --format csv status 2>/dev/null | grep -c '^scale1,')" != 0 ]; do
	[ $(($(ms) - t0)) -gt 60000 ] && break
	sleep 0.05
done
gone=$(($(ms) - t0))
echo "bench cluster.scale${N}_deploy_first_running $first ms"
echo "bench cluster.scale${N}_deploy_all_running $all ms"
echo "bench cluster.scale${N}_delete_all_gone $gone ms"
# What 50 nodes cost over 3 in the same run (< 1: slower at scale).
awk -v a="$all" -v c="$c" 'BEGIN { printf "bench cluster.scale_deploy ratio %.2f vs deploy_to_running_3_nodes\n", (a ? c / a : 0) }'
