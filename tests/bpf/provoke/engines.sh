# tests/bpf/provoke/engines.sh - the row-capturing engines of
# tests/bpf/scripts_e2e.sh (sourced there, after lib.sh).
#
# For each script the program is the one tracetab would select on this
# node (scripttool select). Each available engine runs it in the
# background while the events are provoked; its rows land in
# $WORK/<script>.<engine>.rows, one printf row per line as bpftrace prints
# them ("name:value name:value ..."). The tracetab engine instead deploys
# the scripts to a private tracetabd and is checked with SQL.

declare -A SEL          # script -> program file this node runs ("" if none)
declare -A WHY          # script -> why no program is selected
declare -A PROG         # script -> path of the program text to capture with
declare -A CAP_PID      # "<script>.<engine>" -> capture process id
CAPTURE_ENGINES=""      # engines that run captures in this test run

# md_flush: no md devices here, so its flush detection is captured on a
# loop device: the same program with md's block major replaced by loop's.
mdflush__program() {
	local f=$1 out=$WORK/md_flush_loop.bt
	sed 's/\$disk->major == 9/$disk->major == 7/' "$f" >"$out"
	grep -q 'major == 7' "$out" && echo "$out"
}

engines__select() {
	local s sel
	for s in $SCRIPTS; do
		if sel=$("$ST" select "$TOOLS/$s"); then
			SEL[$s]=$sel
			PROG[$s]=$TOOLS/$s/$sel
		else
			SEL[$s]=""
			WHY[$s]=${sel#none: }
		fi
	done
	if [ "${SEL[md_flush]}" = rawtracepoint.bt ] &&
		! ls /dev/md[0-9]* >/dev/null 2>&1; then
		PROG[md_flush]=$(mdflush__program "${PROG[md_flush]}")
		MD_ON_LOOP=1
	fi
}

# Waits until a capture says it is attached (bpftrace: READY from BEGIN
# on stdout, bt-run: READY on stderr) or dies; up to 30 s, since
# starts race on 2 shared cores.
capture__wait() { # KEY FILE PATTERN
	local pid=${CAP_PID[$1]} i
	for i in $(seq 300); do
		grep -q "$3" "$2" 2>/dev/null && return 0
		kill -0 "$pid" 2>/dev/null || return 1
		sleep 0.1
	done
	return 1
}

# The program with a newline after each printf row: both engines print
# rows as formatted text, and the seed's formats have no separator.
program__lines() { # SCRIPT ENGINE
	local prog=$WORK/$1.$2.bt
	sed 's/printf("\([^"]*\)"/printf("\1\\n"/' "${PROG[$1]}" >"$prog"
	echo "$prog"
}

bpftrace__start() { # SCRIPT
	local s=$1 prog
	prog=$(program__lines "$s" bpftrace)
	# bpftrace says "Attaching" before it attaches; BEGIN runs after.
	if grep -q '^BEGIN' "$prog"; then
		sed -i '/^BEGIN/{n;s/^{/{ printf("READY\\n");/}' "$prog"
	else
		printf 'BEGIN { printf("READY\\n"); }\n' >>"$prog"
	fi
	if grep -q '^rawtracepoint:' "$prog"; then
		skip "bpftrace/$s" "bpftrace 0.17 cannot attach raw tracepoints"
		return
	fi
	bpftrace -B line "$prog" </dev/null >"$WORK/$s.bpftrace.rows" 2>"$WORK/$s.bpftrace.err" &
	CAP_PID[$s.bpftrace]=$!
	PIDS+=($!)
}

btrun__start() { # SCRIPT
	local s=$1 prog
	prog=$(program__lines "$s" bt-run)
	"$TT_BUILD/bt-run" "$prog" </dev/null >"$WORK/$s.bt-run.rows" 2>"$WORK/$s.bt-run.err" &
	CAP_PID[$s.bt-run]=$!
	PIDS+=($!)
}

# bt-run is usable once it compiles and attaches a one-probe program.
btrun__works() {
	[ -x "$TT_BUILD/bt-run" ] || return 1
	timeout 20 "$TT_BUILD/bt-run" -t 1 -e \
		'tracepoint:syscalls:sys_enter_getppid { printf("time_:%llu pid:%d", nsecs, pid); }' \
		>/dev/null 2>"$WORK/probe.err"
	grep -q READY "$WORK/probe.err"
}

# Captures run with bt-run, tracetab's own compiler, once it works, and
# with the reference bpftrace before that (or with TT_SCRIPTS_BPFTRACE=1).
engines__start() {
	local s e
	engines__select
	if btrun__works; then
		CAPTURE_ENGINES="bt-run"
	elif [ -x "$TT_BUILD/bt-run" ]; then
		skip "bt-run/capture" "build/bt-run cannot run a one-probe tracepoint program yet: $(head -c 300 "$WORK/probe.err" | tr '\n' ' ')"
	else
		skip "bt-run/capture" "build/bt-run is not built yet"
	fi
	if [ $HAVE_BPFTRACE = 1 ] &&
		{ [ -z "$CAPTURE_ENGINES" ] || [ "${TT_SCRIPTS_BPFTRACE:-0}" = 1 ]; }; then
		CAPTURE_ENGINES="$CAPTURE_ENGINES bpftrace"
	fi
	for s in $SCRIPTS; do
		[ -n "${PROG[$s]:-}" ] || continue
		for e in $CAPTURE_ENGINES; do
			case $e in
			bpftrace) bpftrace__start "$s" ;;
			bt-run) btrun__start "$s" ;;
			esac
		done
	done
	tracetab__start
	for s in $SCRIPTS; do
		for e in $CAPTURE_ENGINES; do
			[ -n "${CAP_PID[$s.$e]:-}" ] || continue
			case $e in
			bpftrace) f=$WORK/$s.$e.rows pat=^READY ;;
			*) f=$WORK/$s.$e.err pat=READY ;;
			esac
			if ! capture__wait "$s.$e" "$f" "$pat"; then
				fail "$e/$s/attach" "$(tail -c 400 "$WORK/$s.$e.err" | tr '\n' ' ')"
				unset "CAP_PID[$s.$e]"
			fi
		done
	done
	sleep 0.5
}

# stop__all PID...: SIGINT (captures print their last rows and exit), then
# SIGTERM and SIGKILL for any that still run after 5 s and 2 s more.
stop__all() {
	local sig p i left tries
	for sig in INT TERM KILL; do
		left=$(running__of "$@")
		[ -n "$left" ] || break
		kill -$sig $left 2>/dev/null
		tries=20
		[ $sig = INT ] && tries=50
		for i in $(seq $tries); do
			[ -z "$(running__of $left)" ] && break
			sleep 0.1
		done
	done
	for p in "$@"; do
		wait "$p" 2>/dev/null
	done
}

running__of() { # PID...: those still alive
	local p
	for p in "$@"; do
		kill -0 "$p" 2>/dev/null && echo "$p"
	done
}

engines__stop() {
	sleep 1 # ring buffers drain
	stop__all "${CAP_PID[@]}"
}

# rows__expect ENGINE SCRIPT NAME REGEX [MIN [MAX]]: PASS when the count of
# rows matching REGEX (extended, whole row) is within [MIN, MAX].
rows__expect() {
	local e=$1 s=$2 name=$3 re=$4 min=${5:-1} max=${6:-} n
	n=$(grep -cE "^($re)\$" "$WORK/$s.$e.rows")
	if [ "$n" -ge "$min" ] && { [ -z "$max" ] || [ "$n" -le "$max" ]; }; then
		pass "$e/$s/$name"
	else
		fail "$e/$s/$name" "$n rows match /$re/ (want ${min}..${max:-}); $(grep -c time_ "$WORK/$s.$e.rows") rows in all"
	fi
}

# A fixed bug of tracetab's compiler, named when it comes back: in6
# addresses reached through BTF members printed as "::" (char arrays were
# read only 8 bytes deep).
NTOP6_BUG="regression: ntop() of a 16-byte in6 array reached through BTF members (e.g. \$sk->__sk_common.skc_v6_daddr.in6_u.u6_addr8) yields :: where bpftrace 0.17 yields the address"

# rows__expect_known ENGINE SCRIPT NAME GOOD BUGGY: as rows__expect for
# GOOD, but FAIL naming $NTOP6_BUG when only rows matching BUGGY exist.
rows__expect_known() {
	local e=$1 s=$2 name=$3 good=$4 bad=$5
	if [ "$e" != bpftrace ] && ! grep -qE "^($good)\$" "$WORK/$s.$e.rows" &&
		grep -qE "^($bad)\$" "$WORK/$s.$e.rows"; then
		fail "$e/$s/$name" "$NTOP6_BUG"
	else
		rows__expect "$e" "$s" "$name" "$good"
	fi
}

rows__check_all() {
	local s e
	for s in $SCRIPTS; do
		if [ -z "${PROG[$s]:-}" ]; then
			skip "events/$s" "no program for this node: ${WHY[$s]:-$s}"
			continue
		fi
		for e in $CAPTURE_ENGINES; do
			[ -n "${CAP_PID[$s.$e]:-}" ] || continue
			expect__"$s" "$e"
		done
	done
}
