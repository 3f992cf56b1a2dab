#!/bin/bash
# The README's first command: build tracetab, start tracetabd in a private
# directory, run the bundled sync_snoop script against sync() calls this
# script makes, show its table and query, then stop the daemon.
# Run as root (tracetabd loads BPF programs). Leaves nothing running.
set -euo pipefail
cd "$(dirname "$0")/.."
make -s deps
make -s -j"$(nproc)" build/tracetabd build/tracetab
dir=$(mktemp -d /dev/shm/tracetab-demo.XXXXXX)
tt="build/tracetab --socket $dir/sock --store-dir $dir/store"
build/tracetabd --store-dir "$dir/store" --socket "$dir/sock" \
	--state-dir "$dir/state" 2>"$dir/tracetabd.log" &
daemon=$!
trap 'kill $daemon 2>/dev/null; wait $daemon 2>/dev/null; rm -rf "$dir"' EXIT
for _ in $(seq 50); do [ -S "$dir/sock" ] && break; sleep 0.1; done

echo "== tracetab run sync_snoop   (deploys bpf/tools/sync_snoop, TTL 10m)"
$tt run sync_snoop --timeout 30s >/dev/null
echo "== generating activity: sync, fsync, fdatasync from a few processes"
for i in 1 2 3; do sync; python3 -c 'import os; f=open("/dev/shm/x","w"); os.fsync(f.fileno()); os.fdatasync(f.fileno())' 2>/dev/null || sync; done
rm -f /dev/shm/x
sleep 1.5
echo "== tracetab status"
$tt status
echo "== tracetab query 'SELECT time_, pid, comm, event FROM sync_snoop ORDER BY time_ DESC LIMIT 10'"
$tt query "SELECT time_, pid, comm, event FROM sync_snoop ORDER BY time_ DESC LIMIT 10"
echo "== the script's own query"
$tt run sync_snoop --timeout 30s
