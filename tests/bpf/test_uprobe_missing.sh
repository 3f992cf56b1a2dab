#!/bin/bash
# tests/bpf/test_uprobe_missing.sh - a real binary with one function a
# program probes and two it does not have, under bpftrace 0.17 and
# build/bt-run side by side: bpftrace drops the missing attach points
# without a word and attaches the rest; bt-run prints the same output and
# a warning per skipped probe on stderr. A program with nothing left fails
# under both ("No probes to attach"). test_uprobe_missing.c checks the
# library API behind it.
TT_SUITE=bpf/uprobe_missing_sh
. "$(dirname "$0")/../lib.sh"
BT=$TT_BUILD/bt-run
[ -x "$BT" ] || { skip all "build/bt-run is not built"; tt_done; }
[ "$(id -u)" = 0 ] || { skip all "uprobes need root"; tt_done; }
tmp=$(mktemp -d)
pids=
trap 'kill $pids 2>/dev/null; rm -rf "$tmp"' EXIT
bpftrace=$(command -v bpftrace)

cat >"$tmp/target.c" <<'C'
__attribute__((noinline)) int tt_um_present(int x)
{
	__asm__ volatile("" ::"r"(x) : "memory");
	return x * 10;
}

#include <unistd.h>

/* Alive until the tracers stopped: bpftrace resolves func from the
 * process's address at print time. */
int main(void)
{
	int s = 0;

	for (int i = 1; i <= 3; i++)
		s += tt_um_present(i);
	sleep(2);
	return s == 60 ? 0 : 1;
}
C
if ! cc -O1 -o "$tmp/tt_um_target" "$tmp/target.c" 2>"$tmp/cc"; then
	fail build_target "$(cat "$tmp/cc")"
	tt_done
fi
tgt=$tmp/tt_um_target
# BEGIN runs once every probe is attached: READY says both are live.
cat >"$tmp/prog.bt" <<BT
BEGIN { printf("READY\n"); }
uprobe:$tgt:tt_um_present,
uprobe:$tgt:tt_um_absent { printf("%s %d\n", func, arg0); }
uprobe:$tgt:tt_um_nope_* { printf("never\n"); }
uretprobe:$tgt:tt_um_present { printf("ret %d\n", retval); }
BT

# Both tracers attached, the target run once, both stopped with SIGINT.
"$BT" "$tmp/prog.bt" -t 20 >"$tmp/tt.out" 2>"$tmp/tt.err" &
tp=$!
pids="$tp"
if [ -n "$bpftrace" ]; then
	stdbuf -oL "$bpftrace" "$tmp/prog.bt" >"$tmp/bt.out" 2>"$tmp/bt.err" &
	bp=$!
	pids="$pids $bp"
fi
for _ in $(seq 150); do
	grep -q READY "$tmp/tt.out" 2>/dev/null || ! kill -0 $tp 2>/dev/null ||
		{ sleep 0.1; continue; }
	[ -z "$bpftrace" ] || grep -q READY "$tmp/bt.out" 2>/dev/null ||
		! kill -0 $bp 2>/dev/null || { sleep 0.1; continue; }
	break
done
"$tgt" &
wp=$!
sleep 1
kill -INT $pids 2>/dev/null
# A tracer that ignores SIGINT (still attaching on a loaded machine) is
# not left behind.
(sleep 15 && kill -KILL $pids 2>/dev/null) &
killer=$!
wait $wp
check target_ran [ $? = 0 ]
wait $tp
rc=$?
want=$(printf 'READY\ntt_um_present 1\nret 10\ntt_um_present 2\nret 20\ntt_um_present 3\nret 30')
got=$(grep -v '^$' "$tmp/tt.out")
[ $rc = 0 ] && [ "$got" = "$want" ] && pass bt_run_rest_attached ||
	fail bt_run_rest_attached "rc=$rc $(cat "$tmp/tt.out" "$tmp/tt.err")"
grep -q "prog.bt:3:1: warning: uprobe:$tgt:tt_um_absent skipped" "$tmp/tt.err" &&
	grep -q "prog.bt:4:1: warning: uprobe:$tgt:tt_um_nope_\* skipped" "$tmp/tt.err" &&
	[ "$(grep -c warning "$tmp/tt.err")" = 2 ] &&
	pass bt_run_warns_per_skipped_probe ||
	fail bt_run_warns_per_skipped_probe "$(cat "$tmp/tt.err")"

if [ -n "$bpftrace" ]; then
	wait $bp
	rc=$?
	kill $killer 2>/dev/null
	# bpftrace counts what is left: BEGIN and the two tt_um_present
	# probes.
	grep -qx 'Attaching 3 probes...' "$tmp/bt.out" &&
		pass bpftrace_attaches_the_rest ||
		fail bpftrace_attaches_the_rest "rc=$rc $(cat "$tmp/bt.out" "$tmp/bt.err")"
	grep -v -e '^Attaching' "$tmp/bt.out" >"$tmp/bt.norm"
	cmp -s "$tmp/bt.norm" "$tmp/tt.out" && pass same_output_as_bpftrace ||
		fail same_output_as_bpftrace "$(diff "$tmp/bt.norm" "$tmp/tt.out" | head -5)"
else
	kill $killer 2>/dev/null
	skip same_output_as_bpftrace "bpftrace is not installed"
fi

# Nothing left: an error under both.
printf 'uprobe:%s:tt_um_absent, uprobe:%s:tt_um_nope_* { printf("x\\n"); }\n' \
	"$tgt" "$tgt" >"$tmp/none.bt"
"$BT" "$tmp/none.bt" -t 5 >"$tmp/tt.out" 2>"$tmp/tt.err"
rc=$?
[ $rc = 1 ] && grep -q "none.bt:1:1: error: cannot attach uprobe: no function matches 'tt_um_absent'.*no other probe to attach" "$tmp/tt.err" &&
	pass bt_run_no_probes_left_fails ||
	fail bt_run_no_probes_left_fails "rc=$rc $(cat "$tmp/tt.err")"
if [ -n "$bpftrace" ]; then
	timeout 20 "$bpftrace" "$tmp/none.bt" >"$tmp/bt.out" 2>"$tmp/bt.err"
	rc=$?
	[ $rc = 1 ] && grep -q 'No probes to attach' "$tmp/bt.out" "$tmp/bt.err" &&
		pass bpftrace_no_probes_left_fails ||
		fail bpftrace_no_probes_left_fails "rc=$rc $(cat "$tmp/bt.out" "$tmp/bt.err")"
fi
tt_done
