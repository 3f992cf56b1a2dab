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

# Waits until a capture prints its first line (bpftrace: "Attaching N
# probes...") or dies; up to 30 s, since starts race on 2 shared cores.
capture__wait() { # KEY FILE
	local pid=${CAP_PID[$1]} i
	for i in $(seq 300); do
		[ -s "$2" ] && return 0
		kill -0 "$pid" 2>/dev/null || return 1
		sleep 0.1
	done
	return 1
}

bpftrace__start() { # SCRIPT
	local s=$1 prog=$WORK/$1.bpftrace.bt
	# bpftrace prints rows without separators; tracetab stores records.
	sed 's/printf("\([^"]*\)"/printf("\1\\n"/' "${PROG[$s]}" >"$prog"
	if grep -q '^rawtracepoint:' "$prog"; then
		skip "bpftrace/$s" "bpftrace 0.17 cannot attach raw tracepoints"
		return
	fi
	bpftrace -B line "$prog" >"$WORK/$s.bpftrace.rows" 2>"$WORK/$s.bpftrace.err" &
	CAP_PID[$s.bpftrace]=$!
	PIDS+=($!)
}

btrun__start() { # SCRIPT
	local s=$1
	"$TT_BUILD/bt-run" "${PROG[$s]}" >"$WORK/$s.bt-run.rows" 2>"$WORK/$s.bt-run.err" &
	CAP_PID[$s.bt-run]=$!
	PIDS+=($!)
}

# bt-run is usable once it compiles and runs a trivial tracepoint program.
btrun__works() {
	[ -x "$TT_BUILD/bt-run" ] || return 1
	printf 'tracepoint:syscalls:sys_enter_getppid { printf("time_:%%llu pid:%%d", nsecs, pid); }\n' >"$WORK/probe.bt"
	timeout 20 "$TT_BUILD/bt-run" "$WORK/probe.bt" >/dev/null 2>"$WORK/probe.err" &
	local p=$!
	sleep 3
	kill -0 $p 2>/dev/null || { wait $p; return 1; }
	kill -INT $p 2>/dev/null
	wait $p 2>/dev/null
	return 0
}

engines__start() {
	local s e
	engines__select
	if [ $HAVE_BPFTRACE = 1 ]; then
		CAPTURE_ENGINES="bpftrace"
	else
		skip "bpftrace/capture" "bpftrace not installed"
	fi
	if btrun__works; then
		CAPTURE_ENGINES="$CAPTURE_ENGINES bt-run"
	elif [ -x "$TT_BUILD/bt-run" ]; then
		skip "bt-run/capture" "build/bt-run cannot run a one-probe tracepoint program yet: $(head -c 300 "$WORK/probe.err" | tr '\n' ' ')"
	else
		skip "bt-run/capture" "build/bt-run is not built yet"
	fi
	tracetab__start
	for s in $SCRIPTS; do
		[ -n "${PROG[$s]:-}" ] || continue
		for e in $CAPTURE_ENGINES; do
			case $e in
			bpftrace) bpftrace__start "$s" ;;
			bt-run) btrun__start "$s" ;;
			esac
		done
	done
	for s in $SCRIPTS; do
		for e in $CAPTURE_ENGINES; do
			[ -n "${CAP_PID[$s.$e]:-}" ] || continue
			if ! capture__wait "$s.$e" "$WORK/$s.$e.rows"; then
				fail "$e/$s/attach" "$(tail -c 400 "$WORK/$s.$e.err" | tr '\n' ' ')"
				unset "CAP_PID[$s.$e]"
			fi
		done
	done
	# A capture's first line comes as it attaches; give the kernel a
	# moment to have every probe live.
	sleep 1
}

engines__stop() {
	local k
	sleep 1 # ring buffers drain
	for k in "${!CAP_PID[@]}"; do
		kill -INT "${CAP_PID[$k]}" 2>/dev/null
	done
	for k in "${!CAP_PID[@]}"; do
		wait "${CAP_PID[$k]}" 2>/dev/null
	done
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
