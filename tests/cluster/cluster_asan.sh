#!/bin/bash
# tests/cluster/cluster_asan.sh - cluster.sh with the sanitizer builds.
. "$(dirname "$0")/asan_rerun.bash" cluster_asan cluster.sh
