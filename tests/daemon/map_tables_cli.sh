#!/bin/bash
# tests/daemon/map_tables_cli.sh - the README's "maps become tables"
# example, run as written: syscount.bt deployed unchanged with
# tracetab deploy --map-interval, answered with SQL from its map tables,
# then deleted (its last snapshot follows END).
TT_SUITE=daemon/map_tables_cli
. "$(dirname "$0")/../lib.sh"

td_start maps

tool=$TT_ROOT/tests/conformance/corpus/tools/syscount.bt
out=$(t deploy syscount --table syscount --map-interval 500ms "$tool" 2>&1)
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
got=$(t query "SELECT comm, max(value) AS calls FROM syscount_process
	WHERE time_ > now() - 2s GROUP BY comm ORDER BY calls DESC" --format csv)
calls=$(grep '^ttmaps_cli,' <<<"$got" | cut -d, -f2)
[ -n "$calls" ] && [ "$calls" -ge 500 ] && pass top_processes ||
	fail top_processes "ttmaps_cli: '$calls' in: $(head -5 <<<"$got" | tr '\n' ' ')"

got=$(t query "SELECT time_, count(*) AS keys, sum(value) AS syscalls
	FROM syscount_syscall GROUP BY time_ ORDER BY time_" --format csv)
snaps=$(($(wc -l <<<"$got") - 1))
[ "$snaps" -ge 2 ] && pass snapshots || fail snapshots "$snaps snapshots: $got"

check delete t delete syscount
# END printed @syscall (a snapshot) and cleared both maps; nothing after.
got=$(t query "SELECT id, value FROM syscount_syscall
	WHERE time_ > now() - 2s AND id = 110 ORDER BY value DESC LIMIT 1" --format csv)
v=$(tail -1 <<<"$got" | cut -d, -f2)
[ -n "$v" ] && [ "$v" -ge 500 ] && pass end_print ||
	fail end_print "getppid after END: '$got'"
tt_done
