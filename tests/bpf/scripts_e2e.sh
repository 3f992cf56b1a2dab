#!/bin/bash
# tests/bpf/scripts_e2e.sh - end-to-end tests of the bundled scripts in
# bpf/tools/: every script is checked statically (script.json and the
# seed's printf rules over all its variants), every program is checked by
# the reference bpftrace (dry run: parse, types from this kernel's BTF,
# code generation), and then the events are provoked for real and the rows
# are checked:
#   tcp_retransmits, tcp_drops  TCP transfer 127.0.0.2 -> 127.0.0.1 inside
#                               a network namespace made here, nftables
#                               dropping 30% of the data segments on input
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
SCRIPTS="capable dc_snoop md_flush nap_time oom_kill sync_snoop tcp_drops tcp_retransmits"
PIDS=()
CGDIR=
LOOPDEV=
DAEMON_PID=

cleanup() {
	for p in "${PIDS[@]}" $DAEMON_PID; do
		kill -INT "$p" 2>/dev/null
	done
	for p in "${PIDS[@]}" $DAEMON_PID; do
		wait "$p" 2>/dev/null
	done
	ip netns del "$NS" 2>/dev/null
	[ -n "$CGDIR" ] && rmdir "$CGDIR" 2>/dev/null
	[ -n "$LOOPDEV" ] && losetup -d "$LOOPDEV" 2>/dev/null
	rm -rf "$WORK"
}
trap cleanup EXIT

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

# ---- reference bpftrace: every program through its dry run -----------------
HAVE_BPFTRACE=0
command -v bpftrace >/dev/null && HAVE_BPFTRACE=1
# Programs this kernel cannot compile by design, with the reason expected.
declare -A EXPECT_FAIL=(
	[md_flush/kprobe_5.11.bt]="does not contain a field named 'bi_disk'"
)
for f in "$TOOLS"/*/*.bt; do
	rel=${f#$TOOLS/}
	if [ $HAVE_BPFTRACE = 0 ]; then
		skip "bpftrace_dry_run/$rel" "bpftrace not installed"
		continue
	fi
	out=$(timeout 60 bpftrace -d "$f" 2>&1 >/dev/null | grep -v -e RLIMIT_MEMLOCK -e available_filter_functions)
	err=$(echo "$out" | grep 'ERROR' | head -2 | tr '\n' ' ')
	want=${EXPECT_FAIL[$rel]:-}
	if [ -n "$want" ]; then
		if echo "$err" | grep -qF "$want"; then
			pass "bpftrace_dry_run/$rel"
		else
			fail "bpftrace_dry_run/$rel" "expected '$want' on this kernel, got: ${err:-success}"
		fi
	elif [ -n "$err" ]; then
		fail "bpftrace_dry_run/$rel" "$err"
	else
		pass "bpftrace_dry_run/$rel"
	fi
done

. "$TT_ROOT/tests/bpf/provoke/engines.sh"
. "$TT_ROOT/tests/bpf/provoke/events.sh"
. "$TT_ROOT/tests/bpf/provoke/tracetab.sh"

engines__start
provoke__all
engines__stop
rows__check_all
tracetab__check_all
tt_done
