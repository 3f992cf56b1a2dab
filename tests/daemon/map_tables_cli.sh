#!/bin/bash
# tests/daemon/map_tables_cli.sh - the README's "maps become tables"
# example, run as written: syscount.bt deployed unchanged with
# tracetab deploy --map-interval, answered with SQL from its map tables,
# then deleted (its last snapshot follows END).
TT_SUITE=daemon/map_tables_cli
. "$(dirname "$0")/../lib.sh"

if [ "$(id -u)" != 0 ]; then
	skip all "needs root to run tracetabd and attach probes"
	tt_done
fi
tt=$TT_BUILD/tracetab
ttd=$TT_BUILD/tracetabd
if ! out=$(make -s -C "$TT_ROOT" BUILD="$TT_BUILD" "$tt" "$ttd" 2>&1); then
	for b in "$tt" "$ttd"; do
		if [ ! -x "$b" ]; then
			fail build "$(echo "$out" | tail -3 | tr '\n' ' ')"
			tt_done
		fi
	done
fi
dir=$(mktemp -d /dev/shm/tt-maps.XXXXXX)
"$ttd" --store-dir "$dir/store" --state-dir "$dir/state" \
	--socket "$dir/sock" 2>"$dir/log" &
pid=$!
trap 'kill $pid 2>/dev/null; wait $pid 2>/dev/null; rm -rf "$dir"' EXIT
tab() { "$tt" --socket "$dir/sock" --store-dir "$dir/store" "$@"; }
for _ in $(seq 100); do tab status >/dev/null 2>&1 && break; sleep 0.05; done

tool=$TT_ROOT/tests/conformance/corpus/tools/syscount.bt
out=$(tab deploy syscount --table syscount --map-interval 500ms "$tool" 2>&1)
check deploy grep -q "syscount: running" <<<"$out"

# A process with a known name makes 500 getppid calls (syscall 110).
python3 -c '
import ctypes, os
libc = ctypes.CDLL(None)
libc.prctl(15, b"ttmaps_cli", 0, 0, 0)
for _ in range(500):
    os.getppid()
'
sleep 1.2
got=$(tab query "SELECT comm, max(value) AS calls FROM syscount_process
	WHERE time_ > now() - 2s GROUP BY comm ORDER BY calls DESC" --format csv)
calls=$(grep '^ttmaps_cli,' <<<"$got" | cut -d, -f2)
[ -n "$calls" ] && [ "$calls" -ge 500 ] && pass top_processes ||
	fail top_processes "ttmaps_cli: '$calls' in: $(head -5 <<<"$got" | tr '\n' ' ')"

got=$(tab query "SELECT time_, count(*) AS keys, sum(value) AS syscalls
	FROM syscount_syscall GROUP BY time_ ORDER BY time_" --format csv)
snaps=$(($(wc -l <<<"$got") - 1))
[ "$snaps" -ge 2 ] && pass snapshots || fail snapshots "$snaps snapshots: $got"

check delete tab delete syscount
# END printed @syscall (a snapshot) and cleared both maps; nothing after.
got=$(tab query "SELECT id, value FROM syscount_syscall
	WHERE time_ > now() - 2s AND id = 110 ORDER BY value DESC LIMIT 1" --format csv)
v=$(tail -1 <<<"$got" | cut -d, -f2)
[ -n "$v" ] && [ "$v" -ge 500 ] && pass end_print ||
	fail end_print "getppid after END: '$got'"
tt_done
