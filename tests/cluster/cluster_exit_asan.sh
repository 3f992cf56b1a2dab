#!/bin/bash
# tests/cluster/cluster_exit_asan.sh - cluster_exit.sh with the sanitizer
# builds (origin records and exit() handling across restarts).
. "$(dirname "$0")/asan_rerun.bash" cluster_exit_asan cluster_exit.sh
