#!/bin/bash
# tests/cluster/cluster_client_asan.sh - cluster_client.sh with the
# sanitizer builds (the tail responder runs on a libnats thread in the
# daemon; the client reassembles chunked answers).
. "$(dirname "$0")/asan_rerun.bash" cluster_client_asan cluster_client.sh
