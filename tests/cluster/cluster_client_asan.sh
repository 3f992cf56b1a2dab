#!/bin/bash
# tests/cluster/cluster_client_asan.sh - cluster_client.sh again with the
# ASan+UBSan builds of tracetabd and tracetab (the tail responder runs on a
# libnats thread in the daemon; the client reassembles chunked answers).
D=$(cd "$(dirname "$0")" && pwd)
B=${TT_BUILD:-$D/../../build}
for f in "$B/asan/tracetabd" "$B/asan/tracetab"; do
	if [ ! -x "$f" ]; then
		echo "SKIP cluster_client_asan/all: $f not built"
		exit 0
	fi
done
export TT_SUITE=cluster_client_asan CL_DAEMON=$B/asan/tracetabd CL_CLI=$B/asan/tracetab
exec bash "$D/cluster_client.sh"
