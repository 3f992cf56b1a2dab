#!/bin/bash
# Runs the benchmarks whose group matches $1 (all when empty). A benchmark is
# an executable named bench-<group>[-what]; it prints lines
#     bench <group>.<figure> <value> <unit>
#     bench <group>.<figure> ratio <r> vs <anchor>
name=$1
shift
status=0
for b in "$@"; do
	group=$(basename "$b" | sed -e 's/^bench-//' -e 's/[-.].*//')
	[ -n "$name" ] && [ "$group" != "$name" ] && continue
	echo "== $b" >&2
	"$b" || { echo "bench $group.failed 1 run" ; status=1; }
done
exit $status
