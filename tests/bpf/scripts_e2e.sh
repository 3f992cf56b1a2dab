#!/bin/bash
# tests/bpf/scripts_e2e.sh - end-to-end tests of the bundled scripts in
# bpf/tools/: every script is checked statically (script.json and the
# seed's printf rules over all its variants), every program is checked by
# the reference bpftrace (dry run: parse, types from this kernel's BTF,
# code generation), and then the events are provoked for real and the rows
# are checked:
#   tcp_retransmits, tcp_drops  TCP transfers 127.0.0.2 -> 127.0.0.1 and
#                               ::2 -> ::1 inside a network namespace made
#                               here, nftables dropping 30% of the data
#                               segments on input
#   sync_snoop                  sync(1), dd conv=fsync / conv=fdatasync
#   nap_time                    nanosleep(2), clock_nanosleep(2), sleep(1)
#   capable                     unshare -n as root (granted) and as nobody
#                               (denied)
#   oom_kill                    a process eating 256 MiB in a memory cgroup
#                               limited to 32 MiB
#   md_flush                    no md driver here: the raw-tracepoint
#                               variant's flush detection is checked on a
#                               loop device instead
#   dc_snoop                    kprobe only: skipped without kprobes
# Rows are captured by the engines available, side by side in one run:
#   tracetab   build/tracetabd + build/tracetab: deploy each script, query
#              its table with the script's default query and others
#   bt-run     build/bt-run on the program the daemon would select
#   bpftrace   Debian's bpftrace 0.17 on the same program (reference)
# An engine that is not built yet is skipped with the reason.
. "$(dirname "$0")/../lib.sh"

TOOLS=$TT_ROOT/bpf/tools
BIN=$TT_BUILD/scripts
WORK=$(mktemp -d /tmp/tt_scripts.XXXXXX)
NS=tt_scripts_$$
PORT=$((20000 + $$ % 20000))
PORT6=$((PORT + 1))
SCRIPTS="capable dc_snoop md_flush nap_time oom_kill sync_snoop tcp_drops tcp_retransmits"
PIDS=()
CGDIR=
LOOPDEV=
DAEMON_PID=

. "$TT_ROOT/tests/bpf/provoke/engines.sh"
. "$TT_ROOT/tests/bpf/provoke/events.sh"
. "$TT_ROOT/tests/bpf/provoke/tracetab.sh"

cleanup() {
	stop__all "${PIDS[@]}" $DAEMON_PID
	ip netns del "$NS" 2>/dev/null
	[ -n "$CGDIR" ] && rmdir "$CGDIR" 2>/dev/null
	[ -n "$LOOPDEV" ] && losetup -d "$LOOPDEV" 2>/dev/null
	rm -rf "$WORK"
}
trap cleanup EXIT
trap 'exit 143' TERM INT

if [ "$(id -u)" != 0 ]; then
	skip all "needs root (probes, network namespaces, cgroups)"
	exit 0
fi
[ -d /sys/kernel/tracing/events ] ||
	mount -t tracefs tracefs /sys/kernel/tracing 2>/dev/null

# ---- helpers built from tests/bpf/provoke/ ---------------------------------
mkdir -p "$BIN"
CFLAGS_H="-std=gnu11 -O2 -g -Wall -Wextra -Werror -D_GNU_SOURCE"
SAN="-fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=undefined"
if ! gcc $CFLAGS_H $SAN -o "$BIN/scripttool" "$TT_ROOT/tests/bpf/provoke/scripttool.c" -ljansson ||
	! gcc $CFLAGS_H -o "$BIN/provoke" "$TT_ROOT/tests/bpf/provoke/provoke.c" -lpthread; then
	fail helpers "cannot build tests/bpf/provoke/*.c"
	tt_done
fi
ST=$BIN/scripttool
# Phase times go to the log (not test lines) to keep the runtime honest.
phase() { echo "# ${SECONDS}s: $*"; }
phase "helpers built"

# ---- static checks ----------------------------------------------------------
for s in $SCRIPTS; do
	check "static/$s" "$ST" check "$TOOLS/$s"
done
# The checker itself must reject each rule's violation.
reject() { # NAME SED-EXPR: a broken copy of tcp_retransmits must fail check
	local d=$WORK/reject_$1
	cp -r "$TOOLS/tcp_retransmits" "$d"
	sed -i "$2" "$d/tracepoint.bt" "$d/script.json"
	if "$ST" check "$d" >"$WORK/reject.out" 2>&1; then
		fail "static/rejects_$1" "check accepted it"
	else
		pass "static/rejects_$1"
	fi
}
reject format_mismatch 's/ state:%s"/ state_name:%s"/'
reject unlabelled_column 's/ state:%s"/ %s"/'
reject duplicate_column 's/ dst_port:%d / src_port:%d /'
reject time_not_nsecs 's/^\t\t       nsecs, pid,/\t\t       pid, pid,/'
reject printf_in_begin 's/^\t@tcp_states\[1\] = "ESTABLISHED";/&\n\tprintf("time_:%llu", nsecs);/'
reject bad_ttl 's/"ttl": "10m"/"ttl": "10 minutes"/'
reject bad_selector 's/"min_kernel": "4.16"/"min_kernel": "4.x"/'
reject unknown_member 's/"ttl": "10m",/"ttl": "10m", "tll": "1m",/'
reject missing_file 's/"file": "tracepoint.bt"/"file": "nope.bt"/'
reject query_other_table 's/FROM tcp_retransmits/FROM tcp_drops/'

phase "static checks done"

# ---- every program through the compilers -----------------------------------
# Reference: bpftrace's dry run (parse, types from this kernel's BTF, code
# generation), two at a time. tracetab: bt-run compiles, loads and attaches
# each program for a second. Programs this kernel cannot take by design
# must fail with the reason given here.
HAVE_BPFTRACE=0
command -v bpftrace >/dev/null && HAVE_BPFTRACE=1
declare -A BPFTRACE_EXPECT=(
	[md_flush/kprobe_5.11.bt]="does not contain a field named 'bi_disk'"
)
declare -A BPFTRACE_SKIP=(
	[md_flush/rawtracepoint.bt]="bpftrace 0.17 aborts on raw tracepoints (Invalid probe type made it to attachpoint parser)"
)
KPROBE_MSG="kprobes are not available on this kernel"
declare -A BTRUN_EXPECT=(
	[capable/kprobe.bt]=$KPROBE_MSG
	[dc_snoop/kprobe.bt]=$KPROBE_MSG
	[oom_kill/kprobe.bt]=$KPROBE_MSG
	[tcp_retransmits/kprobe.bt]=$KPROBE_MSG
	[md_flush/kprobe.bt]=$KPROBE_MSG
	[md_flush/kprobe_5.11.bt]="struct bio has no member 'bi_disk'"
	[tcp_drops/kprobe.bt]=$KPROBE_MSG
)
# A kprobe on a function this kernel lacks compiles (arguments come from
# pt_regs, not BTF) and fails at attach, as in bpftrace.
if [ -e /sys/bus/event_source/devices/kprobe ]; then
	for k in capable dc_snoop oom_kill tcp_retransmits; do
		unset "BTRUN_EXPECT[$k/kprobe.bt]"
	done
	BTRUN_EXPECT[md_flush/kprobe.bt]="no such kernel function"
	BTRUN_EXPECT[tcp_drops/kprobe.bt]="no such kernel function"
fi

# compiled_as ENGINE REL OUTFILE EXPECTED: PASS on success (or on the
# expected failure), FAIL otherwise.
compiled_as() {
	local e=$1 rel=$2 out=$3 want=$4 err
	err=$(grep -E 'ERROR|FATAL|error:' "$out" | grep -v RLIMIT_MEMLOCK | head -2 | tr '\n' ' ')
	if [ -n "$want" ]; then
		if grep -qF "$want" "$out"; then
			pass "$e/$rel"
		else
			fail "$e/$rel" "expected '$want' on this kernel, got: ${err:-success}"
		fi
	elif [ -n "$err" ] || ! grep -q "^rc=0$" "$out"; then
		fail "$e/$rel" "${err:-$(tail -c 300 "$out" | tr '\n' ' ')}"
	else
		pass "$e/$rel"
	fi
}

PROGRAMS=$(cd "$TOOLS" && ls */*.bt)
mkdir -p "$WORK/dry" "$WORK/btrun"
outname() { echo "$1" | tr / _; }
# bt-run first, four at a time (it mostly waits out its second). A
# program it compiled and loaded (READY, or refused only at attach for
# want of kprobes) needs no second opinion; bpftrace's dry run (seconds
# each, CPU-bound in LLVM) covers the rest, two at a time: the programs
# bt-run stops early on (their kernel function is missing here) or all of
# them when bt-run is not built. TT_SCRIPTS_FULL=1 dry-runs every program.
if [ -x "$TT_BUILD/bt-run" ]; then
	echo "$PROGRAMS" | xargs -P 4 -I{} sh -c 'o="$1/btrun/$(echo "$2" | tr / _)"; timeout 30 "$4" "$3/$2" -t 1 --quiet --table-mode >/dev/null 2>"$o"; echo "rc=$?" >>"$o"' _ "$WORK" {} "$TOOLS" "$TT_BUILD/bt-run"
fi
declare -A BTRUN_COVERED
for rel in $PROGRAMS; do
	o=$WORK/btrun/$(outname "$rel")
	if [ "${TT_SCRIPTS_FULL:-0}" != 1 ] && [ -f "$o" ] &&
		grep -q -e '^READY$' -e "$KPROBE_MSG" "$o"; then
		BTRUN_COVERED[$rel]=1
	fi
done
if [ $HAVE_BPFTRACE = 1 ]; then
	for rel in $PROGRAMS; do
		[ -n "${BPFTRACE_SKIP[$rel]:-}${BTRUN_COVERED[$rel]:-}" ] || echo "$rel"
	done | xargs -P 2 -I{} sh -c 'o="$1/dry/$(echo "$2" | tr / _)"; timeout 60 bpftrace -d "$3/$2" >/dev/null 2>"$o"; echo "rc=$?" >>"$o"' _ "$WORK" {} "$TOOLS"
fi
# tcp_drop() left the kernel in 5.19, so tcp_drops/kprobe.bt stops at the
# missing function; its body still gets compiled and verified on
# tcp_drop_reason(sk, skb, reason), which takes the same first arguments.
body_check() {
	local name=bt-run_compile/tcp_drops/kprobe.bt_body o=$WORK/btrun/tcp_drops_body
	if [ ! -x "$TT_BUILD/bt-run" ]; then
		skip "$name" "build/bt-run is not built yet"
		return
	fi
	sed 's/^kprobe:tcp_drop$/kprobe:tcp_drop_reason/' "$TOOLS/tcp_drops/kprobe.bt" >"$WORK/tcp_drops_body.bt"
	timeout 30 "$TT_BUILD/bt-run" "$WORK/tcp_drops_body.bt" -t 1 --quiet --table-mode >/dev/null 2>"$o"
	echo "rc=$?" >>"$o"
	if [ -e /sys/bus/event_source/devices/kprobe ]; then
		compiled_as bt-run_compile tcp_drops/kprobe.bt_body "$o" ""
	else
		compiled_as bt-run_compile tcp_drops/kprobe.bt_body "$o" "$KPROBE_MSG"
	fi
}
body_check
for rel in $PROGRAMS; do
	if [ -n "${BTRUN_COVERED[$rel]:-}" ]; then
		: # bt-run_compile/$rel below is the check
	elif [ $HAVE_BPFTRACE = 0 ]; then
		skip "bpftrace_dry_run/$rel" "bpftrace not installed"
	elif [ -n "${BPFTRACE_SKIP[$rel]:-}" ]; then
		skip "bpftrace_dry_run/$rel" "${BPFTRACE_SKIP[$rel]}"
	else
		compiled_as bpftrace_dry_run "$rel" "$WORK/dry/$(outname "$rel")" "${BPFTRACE_EXPECT[$rel]:-}"
	fi
	if [ -x "$TT_BUILD/bt-run" ]; then
		compiled_as bt-run_compile "$rel" "$WORK/btrun/$(outname "$rel")" "${BTRUN_EXPECT[$rel]:-}"
	else
		skip "bt-run_compile/$rel" "build/bt-run is not built yet"
	fi
done


phase "compilers checked"
engines__start
phase "captures attached"
provoke__all
phase "events provoked"
engines__stop
rows__check_all
tracetab__check_all
phase "done"
tt_done
