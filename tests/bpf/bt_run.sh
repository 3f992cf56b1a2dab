#!/bin/bash
# tests/bpf/bt_run.sh - build/bt-run as a user meets it: exit codes,
# diagnostics rendered with file:line:col and a caret, rows printed one
# per line (printf rendering and --table), END maps in bpftrace's format,
# and the same output as bpftrace 0.17 for a BEGIN program when bpftrace
# is installed.
. "$(dirname "$0")/../lib.sh"
BT=$TT_BUILD/bt-run
[ -x "$BT" ] || { skip all "build/bt-run is not built"; tt_done; }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# Usage errors exit 2.
"$BT" >/dev/null 2>&1; rc=$?
[ $rc = 2 ] && pass usage_exit_2 || fail usage_exit_2 "rc=$rc"

# A compile error exits 1 with position and caret.
printf 'BEGIN {\n  $x = nosuch;\n}\n' >"$tmp/bad.bt"
"$BT" "$tmp/bad.bt" >"$tmp/out" 2>"$tmp/err"; rc=$?
if [ $rc = 1 ] && grep -q "bad.bt:2:8: error: unknown identifier 'nosuch'" "$tmp/err" &&
	grep -q '^    \$x = nosuch;' "$tmp/err" 2>/dev/null ||
	grep -q '  \$x = nosuch;' "$tmp/err"; then
	if sed -n 3p "$tmp/err" | grep -q '^ *\^$'; then
		pass compile_error_caret
	else
		fail compile_error_caret "$(cat "$tmp/err")"
	fi
else
	fail compile_error_caret "rc=$rc $(cat "$tmp/err")"
fi

# Rows printed verbatim, as bpftrace does (the first format has no
# newline): two getppid calls by a known process.
"$BT" -c 4 -t 5 -e "tracepoint:syscalls:sys_enter_getppid /comm == \"bt_run_probe\"/ { printf(\"pid:%d \", pid); printf(\"comm:%s\\n\", comm); }" \
	>"$tmp/rows" 2>"$tmp/err" &
bt=$!
for _ in $(seq 50); do grep -q READY "$tmp/err" && break; sleep 0.1; done
cp /usr/bin/perl "$tmp/bt_run_probe"
"$tmp/bt_run_probe" -e 'getppid(); getppid(); print "$$\n"' >"$tmp/pid"
wait $bt; rc=$?
p=$(cat "$tmp/pid")
want=$(printf 'pid:%s comm:bt_run_probe\npid:%s comm:bt_run_probe\n\n\n' "$p" "$p")
[ $rc = 0 ] && [ "$(cat "$tmp/rows")" = "$want" ] && pass rows_verbatim ||
	fail rows_verbatim "rc=$rc $(cat "$tmp/rows" "$tmp/err")"

# --table prints schema names; time_ comes from the record.
"$BT" -c 1 -t 5 --table --table-mode -e "tracepoint:syscalls:sys_enter_getppid /comm == \"bt_run_probe\"/ { printf(\"pid:%d comm:%s\", pid, comm); }" \
	>"$tmp/rows" 2>"$tmp/err" &
bt=$!
for _ in $(seq 50); do grep -q READY "$tmp/err" && break; sleep 0.1; done
"$tmp/bt_run_probe" -e 'getppid(); print "$$\n"' >"$tmp/pid"
wait $bt
p=$(cat "$tmp/pid")
head -1 "$tmp/rows" | grep -Eq "^pid=$p comm=bt_run_probe time_=[0-9]+$" &&
	pass table_columns || fail table_columns "$(cat "$tmp/rows" "$tmp/err")"

# --table alone (no --table-mode): each format's rows get their own
# columns (rows of the second format once came out with the first's).
"$BT" -c 2 -t 5 --table -e "tracepoint:syscalls:sys_enter_getppid /comm == \"bt_run_probe\"/ { printf(\"pid:%d\", pid); }
tracepoint:syscalls:sys_enter_getpid /comm == \"bt_run_probe\"/ { printf(\"who:%s tid:%d\", comm, tid); }" \
	>"$tmp/rows" 2>"$tmp/err" &
bt=$!
for _ in $(seq 50); do grep -q READY "$tmp/err" && break; sleep 0.1; done
"$tmp/bt_run_probe" -e 'getppid(); syscall(39); print "$$\n"' >"$tmp/pid"
wait $bt
p=$(cat "$tmp/pid")
grep -Eq "^pid=$p time_=[0-9]+$" "$tmp/rows" &&
	grep -Eq "^who=bt_run_probe tid=$p time_=[0-9]+$" "$tmp/rows" &&
	pass table_two_formats || fail table_two_formats "$(cat "$tmp/rows" "$tmp/err")"

# Table mode: a second row format is a second table (no error), and a
# table rule broken in the second one is reported at its position.
"$BT" -t 2 --table-mode -e 'tracepoint:syscalls:sys_enter_getppid { printf("a:%d", pid); }
tracepoint:syscalls:sys_enter_getpid { printf("a:%d a:%s", pid, comm); }' >/dev/null 2>"$tmp/err"; rc=$?
[ $rc = 1 ] && grep -q "<program>:2:53: error: duplicate column name 'a'" "$tmp/err" &&
	pass table_rule_positions || fail table_rule_positions "rc=$rc $(cat "$tmp/err")"

# kprobes: compiled and verified, then refused at attach with the reason.
"$BT" -e 'kprobe:do_sys_openat2 { printf("%d", arg0); }' >/dev/null 2>"$tmp/err"; rc=$?
if grep -q 'kprobes are not available' "$tmp/err"; then
	[ $rc = 1 ] && grep -q '<program>:1:1: error:' "$tmp/err" && pass kprobe_refused ||
		fail kprobe_refused "rc=$rc $(cat "$tmp/err")"
else
	skip kprobe_refused "this kernel has kprobes"
fi

# Positional parameters: numbers are integers, the rest strings; $# counts.
out=$("$BT" -e 'BEGIN { printf("%d %s %d|%s\n", $1 + 1, $2, $#, str($2)); exit(); }' 41 hello 2>/dev/null)
[ "$out" = "$(printf '42 hello 2|hello\n\n')" ] && pass positional_params ||
	fail positional_params "$out"
"$BT" -e 'BEGIN { printf("%d", $3); exit(); }' 1 2 >/dev/null 2>"$tmp/err"; rc=$?
[ $rc = 1 ] && grep -q '1:22: error: positional parameter \$3 is not given (2 given)' "$tmp/err" &&
	pass positional_missing || fail positional_missing "rc=$rc $(cat "$tmp/err")"

# BEGIN/END, maps and exit, compared with bpftrace when it is installed.
prog='BEGIN { @a[3] = "c"; @a[1] = "a"; @n = count(); @s["x", 2] = sum(5); @m = max(9); printf("hello %d %s|%-4d|%x\n", 42, "w", 7, 255); exit(); } END { @e = 1; }'
"$BT" -e "$prog" >"$tmp/ours" 2>"$tmp/err"; rc=$?
want=$(printf 'hello 42 w|7   |ff\n\n\n@a[1]: a\n@a[3]: c\n@e: 1\n@m: 9\n@n: 1\n@s[x, 2]: 5\n')
[ $rc = 0 ] && [ "$(cat "$tmp/ours")" = "$want" ] && pass begin_end_maps ||
	fail begin_end_maps "rc=$rc $(cat "$tmp/ours" "$tmp/err")"
if command -v bpftrace >/dev/null; then
	timeout 30 bpftrace -e "$prog" 2>/dev/null | tail -n +2 >"$tmp/theirs"
	diff "$tmp/ours" "$tmp/theirs" >"$tmp/diff" && pass same_as_bpftrace ||
		fail same_as_bpftrace "$(cat "$tmp/diff")"
	hist='BEGIN { @h = hist(0); @h = hist(1); @h = hist(5); @h = hist(5); @h = hist(1500); @h = hist(-3); @a = avg(4); @a = avg(7); @l = lhist(7, 0, 100, 10); @l = lhist(55, 0, 100, 10); @l = lhist(250, 0, 100, 10); @k[1] = hist(3); @k[2] = hist(100); @k[2] = hist(90); @z = 1; @x = stats(4); exit(); }'
	"$BT" -e "$hist" >"$tmp/ours" 2>/dev/null
	timeout 30 bpftrace -e "$hist" 2>/dev/null | tail -n +2 >"$tmp/theirs"
	diff "$tmp/ours" "$tmp/theirs" >"$tmp/diff" && pass hist_same_as_bpftrace ||
		fail hist_same_as_bpftrace "$(head -5 "$tmp/diff")"
	acts='BEGIN { @a[1] = 10; @a[2] = 30; @a[3] = 20; @a[4] = 5; print(@a, 2); print(@a, 0, 10); clear(@a); @b = 1; exit(); } interval:s:100 { @c[1] = 1; }'
	"$BT" -e "$acts" >"$tmp/ours" 2>/dev/null
	timeout 30 bpftrace -e "$acts" 2>/dev/null | tail -n +2 >"$tmp/theirs"
	diff "$tmp/ours" "$tmp/theirs" >"$tmp/diff" && pass print_clear_same_as_bpftrace ||
		fail print_clear_same_as_bpftrace "$(head -5 "$tmp/diff")"
else
	skip same_as_bpftrace "bpftrace is not installed"
fi
tt_done
