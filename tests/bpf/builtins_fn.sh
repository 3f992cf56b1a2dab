#!/bin/bash
# tests/bpf/builtins_fn.sh - buf/%r, str(p, n), cgroup_path and strftime
# through build/bt-run on real tracepoints, side by side with bpftrace
# 0.17 on the same events when it is installed (the outputs must be
# identical), and bt-run --unsafe for system().
#
# The workload is a copy of perl named tt_h6_fn, run in a cgroup this
# test creates: it writes known bytes and calls getppid.
. "$(dirname "$0")/../lib.sh"
BT=$TT_BUILD/bt-run
[ -x "$BT" ] || { skip all "build/bt-run is not built"; tt_done; }
tmp=$(mktemp -d)
cg=
cleanup() {
	[ -n "$cg" ] && rmdir "$cg" 2>/dev/null
	rm -rf "$tmp"
}
trap cleanup EXIT

# system() is refused without --unsafe, runs with it.
"$BT" -e 'BEGIN { system("echo sys %d", 7); exit(); }' >"$tmp/out" 2>"$tmp/err"; rc=$?
if [ $rc = 1 ] && grep -q "system() is an unsafe function; deploy with --unsafe" "$tmp/err"; then
	pass system_refused
else
	fail system_refused "rc=$rc $(head -3 "$tmp/err")"
fi
"$BT" --unsafe -e 'BEGIN { system("echo sys %d", 7); exit(); }' >"$tmp/out" 2>"$tmp/err"; rc=$?
if [ $rc = 0 ] && grep -qx 'sys 7' "$tmp/out"; then
	pass system_unsafe
else
	fail system_unsafe "rc=$rc $(head -3 "$tmp/out" "$tmp/err" | tr '\n' ' ')"
fi

cg2=$(awk '$1 == "cgroup2" && $3 == "cgroup2" { print $2; exit }' /proc/mounts)
if [ -n "$cg2" ] && mkdir "$cg2/tt_h6_fn_$$" 2>/dev/null; then
	cg=$cg2/tt_h6_fn_$$
fi
cp /usr/bin/perl "$tmp/tt_h6_fn"
cat >"$tmp/p.bt" <<'EOF'
BEGIN { printf("GO\n"); }
tracepoint:syscalls:sys_enter_write /comm == "tt_h6_fn"/ {
	printf("%r|%s|%s\n", buf(args->buf, args->count), str(args->buf, 2),
	       cgroup_path(cgroup, "unified"));
}
tracepoint:syscalls:sys_enter_getppid /comm == "tt_h6_fn"/ {
	printf("%s\n", strftime("%Y", nsecs));
}
EOF

# run_tracer NAME CMD...: starts a tracer writing $tmp/NAME.out.
run_tracer() {
	local n=$1
	shift
	stdbuf -oL "$@" "$tmp/p.bt" >"$tmp/$n.out" 2>"$tmp/$n.err" &
	eval "${n}_pid=$!"
}
run_tracer tt "$BT"
have_bpftrace=
if command -v bpftrace >/dev/null; then
	have_bpftrace=1
	run_tracer bt bpftrace
fi
for _ in $(seq 100); do
	grep -q GO "$tmp/tt.out" 2>/dev/null &&
		{ [ -z "$have_bpftrace" ] || grep -q GO "$tmp/bt.out" 2>/dev/null; } && break
	sleep 0.1
done
# The workload: in the new cgroup when there is one.
work='syswrite(STDOUT, "a\x01b\xff\n"); getppid();'
if [ -n "$cg" ]; then
	sh -c "echo \$\$ > '$cg/cgroup.procs' && exec '$tmp/tt_h6_fn' -e '$work'" >/dev/null
else
	"$tmp/tt_h6_fn" -e "$work" >/dev/null
fi
sleep 0.5
kill -INT "$tt_pid" ${bt_pid:-} 2>/dev/null
wait

# What bpftrace 0.17 prints for these events, checked on its own.
year=$(date +%Y)
path=${cg:+unified:/tt_h6_fn_$$}
# (%r escapes the bytes; %s of str() prints them raw.)
printf '%s\n' "a\\x01b\\xff\\x0a|a"$'\x01'"|$path" "$year" >"$tmp/want"
norm() { grep -vE '^(Attaching .*|GO|ERROR: .*RLIMIT_MEMLOCK.*|)$' "$1"; }
norm "$tmp/tt.out" >"$tmp/tt.norm"
if cmp -s "$tmp/tt.norm" "$tmp/want"; then
	pass tracepoint_buf_str_cgroup_strftime
else
	fail tracepoint_buf_str_cgroup_strftime "$(diff "$tmp/want" "$tmp/tt.norm" | head -5 | tr '\n' ' ')"
fi
[ -n "$cg" ] || skip cgroup_created "no cgroup2 mount to create a cgroup in"
if [ -z "$have_bpftrace" ]; then
	skip same_as_bpftrace "bpftrace is not installed"
else
	norm "$tmp/bt.out" >"$tmp/bt.norm"
	if cmp -s "$tmp/tt.norm" "$tmp/bt.norm"; then
		pass same_as_bpftrace
	else
		fail same_as_bpftrace "$(diff "$tmp/bt.norm" "$tmp/tt.norm" | head -5 | tr '\n' ' ')"
	fi
fi
tt_done
