#!/bin/bash
# tests/client/run_unsafe.sh - `tracetab run SCRIPT --unsafe` against a
# private tracetabd started with --allow-unsafe: a script whose program
# calls system() is refused without the flag (by the daemon, or by run
# itself when script.json says "unsafe": true), and with it deploys, its
# rows answer the script's query and its command's output reaches the
# deployment's log; all on a real tracepoint and real processes.
TT_SUITE=client/run_unsafe
. "$(dirname "$0")/../lib.sh"

td_start rununsafe --allow-unsafe
mkdir -p "$dir/scripts/sysecho" "$dir/scripts/sysdecl"
# A process named $1 that calls getppid() once (perl sets its comm).
poke() { perl -e '$0 = shift; getppid()' "$1"; }

# Two scripts with the same program: one says it is unsafe, one does not.
for s in sysecho sysdecl; do
	cat >"$dir/scripts/$s/prog.bt" <<EOF
tracepoint:syscalls:sys_enter_getppid /comm == "ttrun_$s"/ {
	printf("pid:%d\n", pid);
	system("echo $s ran for %d", pid);
}
EOF
done
cat >"$dir/scripts/sysecho/script.json" <<'EOF'
{"name": "sysecho", "table": "sysecho", "ttl": "5m",
 "programs": [{"file": "prog.bt"}],
 "query": "SELECT count(*) AS n FROM sysecho"}
EOF
cat >"$dir/scripts/sysdecl/script.json" <<'EOF'
{"name": "sysdecl", "table": "sysdecl", "ttl": "5m", "unsafe": true,
 "programs": [{"file": "prog.bt"}],
 "query": "SELECT count(*) AS n FROM sysdecl"}
EOF

t run --help | grep -q -- '--unsafe' && pass help_names_unsafe ||
	fail help_names_unsafe "$(t run --help)"

# Without --unsafe the daemon refuses system() and says what to do.
out=$(t run sysecho --scripts-dir "$dir/scripts" --timeout 10s --format csv 2>&1)
rc=$?
[ $rc != 0 ] && echo "$out" | grep -q 'system() is an unsafe function; deploy with --unsafe' &&
	pass undeclared_refused_without_unsafe ||
	fail undeclared_refused_without_unsafe "rc $rc: $out"
t delete sysecho >/dev/null 2>&1

# A script declaring "unsafe": true is refused by run itself (usage error).
out=$(t run sysdecl --scripts-dir "$dir/scripts" --timeout 10s 2>&1)
rc=$?
[ $rc = 2 ] && echo "$out" | grep -q "script 'sysdecl' calls unsafe functions.*run it with --unsafe" &&
	pass declared_needs_unsafe || fail declared_needs_unsafe "rc $rc: $out"
t status sysdecl >/dev/null 2>&1 && fail declared_not_deployed "it was deployed" ||
	pass declared_not_deployed

# With --unsafe both deploy, rows fill the table and system() runs.
for s in sysecho sysdecl; do
	out=$(t run "$s" --unsafe --scripts-dir "$dir/scripts" --timeout 20s --format csv 2>&1)
	rc=$?
	[ $rc = 0 ] && echo "$out" | grep -qx 'n' && pass "${s}_runs_with_unsafe" ||
		fail "${s}_runs_with_unsafe" "rc $rc: $out"
	poke "ttrun_$s"
	poke "ttrun_$s"
	for _ in $(seq 50); do
		st=$(t status "$s")
		[ "$(echo "$st" | grep -c "  $s ran for [0-9]*$")" = 2 ] && break
		sleep 0.1
	done
	[ "$(echo "$st" | grep -c "  $s ran for [0-9]*$")" = 2 ] &&
		pass "${s}_system_output_in_log" || fail "${s}_system_output_in_log" "$st"
	n=$(t query "SELECT count(*) AS n FROM $s" --format csv | tail -1)
	[ "$n" = 2 ] && pass "${s}_rows" || fail "${s}_rows" "count $n"
	t delete "$s" >/dev/null 2>&1
done
tt_done
