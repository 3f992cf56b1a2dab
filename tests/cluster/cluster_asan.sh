#!/bin/bash
# tests/cluster/cluster_asan.sh - cluster.sh again with the ASan+UBSan
# builds of tracetabd and tracetab (libnats runs its own threads next to
# the daemon's loop, so the sanitizers watch the hand-over).
D=$(cd "$(dirname "$0")" && pwd)
B=${TT_BUILD:-$D/../../build}
for f in "$B/asan/tracetabd" "$B/asan/tracetab"; do
	if [ ! -x "$f" ]; then
		echo "SKIP cluster_asan/all: $f not built"
		exit 0
	fi
done
export TT_SUITE=cluster_asan CL_DAEMON=$B/asan/tracetabd CL_CLI=$B/asan/tracetab
exec bash "$D/cluster.sh"
