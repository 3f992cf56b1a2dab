#!/bin/bash
# tests/conformance/run.sh - the differential conformance runner.
#
# Runs every corpus program (corpus/*.bt, corpus/tools/*.bt) under
# bpftrace 0.17 and tracetab's bt-run at the same time, while the
# deterministic workload (ttconf_work) runs once, so both tracers see the
# same events. Compares their outputs after normalising and prints a table
# and the totals line
#     conformance: N same, N differ, N unsupported
# plus "load-only: N loaded, N failed" for programs bpftrace cannot run here
# (kprobe, kfunc), which tracetab compiles and loads with bt_load, and
# "debian tools: N of M agree (K via adaptations)": the tools Debian ships
# (corpus/tools/T.bt) that agree themselves or through an adaptation (a
# corpus tool whose header says "tracetab conformance adaptation of T.bt").
#
#   run.sh [-x EXPECTED] [-o RESULTS] [PROGRAM.bt...]
#
#   -x EXPECTED  compare verdicts with the expectation list: exit 1 if a
#                program that was `same` (or `load-ok`) no longer is;
#                improvements are printed
#   -o RESULTS   also write "program verdict" lines (an expectation list)
#
# Corpus directives, in a comment line "// conf: ..." of the program or,
# for programs kept verbatim, in directives.txt:
#   load-only   compile + load with tracetab only (bpftrace cannot run it)
#   mask        replace every number by N (times, latencies, counts that
#               depend on the rest of the machine): type/plausibility only;
#               histogram bucket lines all read "[bucket] N |bar|" (their
#               bounds and unit suffixes follow latencies)
#   clock       replace wall-clock times (HH:MM:SS, from time()) by
#               HH:MM:SS and compare every other field exactly
#   maskcol=I,J replace blank-separated fields I, J... of every line by N
#               (latency, load average) and compare the rest exactly
#   work=P,Q    the workload also runs its optional parts P, Q (TTCONF_IO:
#               block, oom, unix, retrans in ttconf_io.c; tls in
#               ttconf_tls.c), which cost time or leave traces every other
#               program can do without
#   uniq        compare the set of distinct lines (periodic output)
#   grep=RE     keep only output lines matching the extended regex RE
#   keep=RE     keep only the map entries (a line starting with @ and the
#               lines after it up to an empty line: a histogram, a
#               multi-line stack key) with a line matching RE; other lines
#               stay. For system-wide maps where only the workload's
#               entries are deterministic
#   wait=S      let the tracers run S more seconds after the workload
#   linger      the workload stays alive (paused) until both tracers have
#               stopped, so symbols of its addresses still resolve when
#               bpftrace prints them at exit (uprobe func, usym)
#   args=A,B    positional parameters $1=A, $2=B for both tracers
#   unsafe      both tracers run with --unsafe (signal, system)
#   ref=FILE    bpftrace runs corpus/ref/FILE instead: an equivalent it
#               can run here (rawtracepoint:, which 0.17 cannot parse, or a
#               tool whose kernel-header branch fails without headers)
# "@WORK@" in a program is replaced by the workload's path; "@BACKLOG@" in
# a directive by the listen backlog of the slot's workload (TTCONF_BACKLOG,
# unique per slot and invocation, so a backlog-keyed map entry is this
# slot's own). Output lines are compared as a sorted multiset (bpftrace
# prints map entries and events from several CPUs in no fixed order); empty
# lines and bpftrace's "Attaching N probes..." line are dropped.
#
# Environment: BT_RUN, BT_LOAD, TTCONF_WORK (binaries), BPFTRACE.
set -u
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
BT_RUN=${BT_RUN:-$root/build/bt-run}
BT_LOAD=${BT_LOAD:-$root/build/conformance/bt_load}
TTCONF_WORK=${TTCONF_WORK:-$root/build/conformance/ttconf_work}
BPFTRACE=${BPFTRACE:-bpftrace}
expected= results=
while getopts x:o: opt; do
	case $opt in
	x) expected=$OPTARG ;;
	o) results=$OPTARG ;;
	*) exit 2 ;;
	esac
done
shift $((OPTIND - 1))
if [ $# = 0 ]; then
	set -- "$here"/corpus/*.bt "$here"/corpus/tools/*.bt
fi
tmp=$(mktemp -d /tmp/ttconf.XXXXXX)
trap 'rm -rf "$tmp"' EXIT

# directive FILE NAME: the program's directives, from its "// conf:" line
# or directives.txt.
directive() {
	grep -m1 -oE "^// conf:.*" "$1" | sed 's|^// conf:||'
	awk -v n="$2" '$1 == n { $1 = ""; print }' "$here/directives.txt"
}

# normalise FILE DIRECTIVES: the comparable form of one tracer's output.
normalise() {
	local re='' keep='' cols='' d
	for d in $2; do
		case $d in
		grep=*) re=${d#grep=} ;;
		keep=*) keep=${d#keep=} ;;
		maskcol=*) cols=${d#maskcol=} ;;
		esac
	done
	keep_entries "$1" "$keep" |
	grep -vE '^(Attaching [0-9]+ probes?\.\.\.|ERROR: Unknown error -1: couldn.t set RLIMIT_MEMLOCK.*|TTCONF_READY)$' |
		grep -v '^[[:space:]]*$' |
		{ if [ -n "$re" ]; then grep -E -- "$re"; else cat; fi; } |
		{ if [ -n "$cols" ]; then
			awk -v c="$cols" 'BEGIN { n = split(c, k, ",") }
			{ for (i = 1; i <= n; i++) if (NF >= k[i]) $k[i] = "N"; print }'
		  else cat; fi; } |
		{ if [[ " $2 " == *" clock "* ]]; then
			sed -E 's/[0-9]{2}:[0-9]{2}:[0-9]{2}/HH:MM:SS/g'
		  else cat; fi; } |
		{ if [[ " $2 " == *" mask "* ]]; then
			# Numbers of other widths shift padded columns: runs of
			# spaces compare as one.
			sed -E 's/[0-9]+/N/g; s/\|[@ ]*\|/|bar|/; s/ +/ /g
				s/^\[N[KMGTPE]?(, N[KMGTPE]?\)|\]) N \|bar\|$/[bucket] N |bar|/'
		  else cat; fi; } |
		{ if [[ " $2 " == *" uniq "* ]]; then sort -u; else sort; fi; }
}

# keep_entries FILE RE: FILE without the map entries that have no line
# matching RE (all of FILE when RE is empty); see keep= above. An entry is
# judged whole because sorting later separates a histogram from its key.
keep_entries() {
	[ -n "$2" ] || { cat "$1"; return; }
	awk -v re="$2" '
	function flush() { if (n && hit) for (i = 1; i <= n; i++) print b[i]; n = 0; hit = 0 }
	/^@/ { flush(); inent = 1 }
	/^[[:space:]]*$/ { flush(); inent = 0 }
	inent { b[++n] = $0; if ($0 ~ re) hit = 1; next }
	{ print }
	END { flush() }' "$1"
}

# ready_marker SRC: makes BEGIN print TTCONF_READY (adding a BEGIN probe
# where there is none). Both tracers run BEGIN only once every probe is
# attached, so the line says when the workload may start; normalise drops
# it.
ready_marker() {
	if grep -qE '(^|[^_[:alnum:]])BEGIN([[:space:]]|$|\{)' "$1"; then
		perl -0pi -e 's/(^|[^\w])BEGIN(\s*)\{/$1BEGIN$2\{ printf("TTCONF_READY\\n");/' "$1"
	else
		printf '\nBEGIN { printf("TTCONF_READY\\n"); }\n' >>"$1"
	fi
}

alive() { kill -0 "$1" 2>/dev/null; }

# The waits below poll with builtins only: on a loaded machine every fork
# costs tens of ms, and each 0.1 s tick used to fork a grep and a sleep.
exec 9<> <(:)
# nap S: sleeps S seconds (read times out on a pipe nobody writes).
nap() { read -r -t "$1" -u 9 || :; }
# has FILE LINE: FILE holds the line LINE.
has() {
	local l
	[ -f "$1" ] || return 1 # the tracer has not opened its output yet
	while IFS= read -r l; do [ "$l" = "$2" ] && return 0; done <"$1"
	return 1
}

# stop_both PID PID: SIGINT to both at once, SIGKILL what is left after
# 10 s (a loaded bpftrace can take over 5 s to print its maps and exit).
stop_both() {
	local i
	kill -INT "$1" "$2" 2>/dev/null
	for ((i = 0; i < 100; i++)); do
		alive "$1" || alive "$2" || break
		nap 0.1
	done
	kill -KILL "$1" "$2" 2>/dev/null
	wait "$1" "$2" 2>/dev/null
}

# stop PID: SIGINT, then SIGKILL after 5 s.
stop() {
	local i
	kill -INT "$1" 2>/dev/null
	for ((i = 0; i < 50; i++)); do alive "$1" || break; nap 0.1; done
	kill -KILL "$1" 2>/dev/null
	wait "$1" 2>/dev/null
}

# pair NAME SRC BTSRC DIRECTIVES WORKLOAD: runs both tracers (bpftrace on
# BTSRC) around one workload run; leaves $tmp/NAME.{bt,tt}.{out,err}.
pair() {
	local n=$1 src=$2 btsrc=$3 dirs=$4 work=$5 extra=0 linger= d i bp tp wp
	local parts=
	local -a args=() opt=()
	for d in $dirs; do
		case $d in
		wait=*) extra=${d#wait=} ;;
		linger) linger=1 ;;
		unsafe) opt=(--unsafe) ;;
		args=*) IFS=, read -r -a args <<<"${d#args=}" ;;
		work=*) parts=${d#work=} ;;
		esac
	done
	# Line-buffered, so "Attaching N probes..." shows up when it is printed.
	stdbuf -oL "$BPFTRACE" "${opt[@]}" "$btsrc" "${args[@]}" \
		>"$tmp/$n.bt.out" 2>"$tmp/$n.bt.err" &
	bp=$!
	"$BT_RUN" "${opt[@]}" "$src" -t 60 "${args[@]}" >"$tmp/$n.tt.out" \
		2>"$tmp/$n.tt.err" &
	tp=$!
	# bpftrace 0.17 takes 20 s to start tcplife_tp at load average 25
	# (every CPU shared with builds): up to 90 s before giving up.
	for ((i = 0; i < 900; i++)); do
		{ has "$tmp/$n.bt.out" TTCONF_READY || ! alive $bp; } &&
			{ has "$tmp/$n.tt.out" TTCONF_READY || ! alive $tp; } &&
			break
		nap 0.1
	done
	nap 0.2
	if [ -n "$linger" ]; then
		(cd "$tmp" && TTCONF_LINGER=1 TTCONF_IO=$parts TTCONF_BACKLOG=$backlog exec timeout 20 "$work" >"$tmp/$n.work" 2>&1) &
		wp=$!
		for ((i = 0; i < 100; i++)); do
			has "$tmp/$n.work" TTCONF_DONE || ! alive $wp && break
			nap 0.1
		done
	else
		(cd "$tmp" && TTCONF_IO=$parts TTCONF_BACKLOG=$backlog timeout 20 "$work" >"$tmp/$n.work" 2>&1)
	fi
	nap 0.4
	[ "$extra" = 0 ] || nap "$extra"
	stop_both $bp $tp
	[ -n "$linger" ] && stop $wp
}

# judge: compares the outputs of one pair (run_one's variables) and sets
# v, why, btres, ttres.
judge() {
	for t in bt tt; do
		# In-shell renaming: an exec'd sed would show up in exec tracing.
		# The literal name belongs to other runs (no slot uses it), so
		# it is neutralised before this slot's name becomes it.
		local text
		text=$(<"$tmp/$key.$t.out")
		text=${text//ttconf_work/ttconf_othr}
		text=${text//ttconf_wor/ttconf_oth}
		text=${text//$name/ttconf_work}
		# Tools that print comm with %-10.10s (tcplife) show 10 chars.
		printf '%s\n' "${text//${name:0:10}/ttconf_wor}" >"$tmp/$key.$t.out"
		normalise "$tmp/$key.$t.out" "${dirs//$name/ttconf_work}" >"$tmp/$key.$t.norm"
	done
	btres="$(wc -l <"$tmp/$key.bt.norm") lines"
	ttres="$(wc -l <"$tmp/$key.tt.norm") lines"
	if grep -q 'error' "$tmp/$key.tt.err" && ! grep -qx READY "$tmp/$key.tt.err"; then
		v=unsupported ttres=error
		why="unsupported: $(grep -m1 'error' "$tmp/$key.tt.err" | sed "s|^$tmp/||" | cut -c1-120)"
	elif ! grep -q TTCONF_READY "$tmp/$key.bt.out"; then
		v=differs btres=error
		why="differs: bpftrace failed: $(grep -v RLIMIT_MEMLOCK "$tmp/$key.bt.err" | grep -m1 -E 'ERROR|FATAL|error' | sed "s|^$tmp/||" | cut -c1-100)"
	elif [ ! -s "$tmp/$key.bt.norm" ] && [ ! -s "$tmp/$key.tt.norm" ]; then
		# Nothing to compare is not agreement: the program missed the
		# workload (or both tracers lost the output).
		v=differs why="differs: no output from either tracer"
	elif cmp -s "$tmp/$key.bt.norm" "$tmp/$key.tt.norm"; then
		v=same why=same
	else
		v=differs
		why="differs: $(diff "$tmp/$key.bt.norm" "$tmp/$key.tt.norm" | grep -m1 '^[<>]' | sed 's/^</bpftrace:/; s/^>/tracetab:/' | cut -c1-110)"
	fi
}

# run_one INDEX FILE SLOT: one program, in a slot of its own; writes the
# table row to $tmp/row.INDEX and "name verdict" to $tmp/v.INDEX.
# Slots run side by side without seeing each other's events: slot k uses a
# copy of the workload named ttconf_K<tag>, where the three-letter tag is
# this invocation's own (same length as ttconf_work, so the same comm
# width; the slot comes first so that comms cut to 10 characters still
# tell slots apart), and the program text, its directives and both outputs are
# rewritten between the two names. No slot runs under the literal name
# and no two invocations share a name, so other runs on the machine
# (another suite, a developer's run.sh) are never taken for this one's:
# a shared name made setuids flaky, tracetab alone (attached longer than
# bpftrace) seeing another run's setuid().
run_one() {
	local i=$1 f=$2 slot=$3 n key dirs src btsrc work name v why btres ttres
	local backlog
	local line d want attempts=3
	n=$(basename "$f" .bt)
	[[ $f == */tools/* ]] && n=tools/$n
	key=${n//\//_}
	name=ttconf_$slot$tag work=$tmp/$name backlog=$((backlog_base + slot))
	dirs=$(directive "$f" "$n" | tr '\n' ' ' |
		sed "s/ttconf_work/$name/g; s/@BACKLOG@/$backlog/g")
	src=$tmp/$key.bt btsrc=$src
	sed "s|@WORK@|$work|g; s/ttconf_work/$name/g" "$f" >"$src"
	ready_marker "$src"
	for d in $dirs; do
		case $d in ref=*)
			btsrc=$tmp/$key.ref.bt
			sed "s|@WORK@|$work|g; s/ttconf_work/$name/g" \
				"$here/corpus/ref/${d#ref=}" >"$btsrc"
			ready_marker "$btsrc" ;;
		esac
	done
	if [[ " $dirs " == *" load-only "* ]]; then
		line=$("$BT_LOAD" "$src" 2>&1 | head -1)
		line=${line#"$src": }
		case $line in load-ok) v=load-ok ;; *) v=load-fail ;; esac
		printf '%-26s %-16s %-16s %s\n' "$n" "(cannot run)" "$v" "$line" >"$tmp/row.$i"
		echo "$n $v" >"$tmp/v.$i"
		return
	fi
	# A difference in a program expected to agree is checked twice more:
	# bpftrace sometimes loses its END output or attaches late (a clean CI
	# trial saw positional.bt print nothing under bpftrace twice in a
	# row). Known differences are not rerun (suite time).
	if [ -n "$expected" ]; then
		want=$(awk -v n="$n" '$1 == n { print $2 }' "$expected")
		[ "$want" = same ] || attempts=1
	fi
	for attempt in $(seq $attempts); do
		pair "$key" "$src" "$btsrc" "$dirs" "$work"
		judge
		[ "$v" = differs ] && [ "$btres" != error ] || break
	done
	[ -s "$tmp/$key.bt.norm" ] || [ "$btres" = error ] || btres="no output"
	printf '%-26s %-16s %-16s %s\n' "$n" "$btres" "$ttres" "$why" >"$tmp/row.$i"
	echo "$n $v" >"$tmp/v.$i"
	if [ -n "${TTCONF_KEEP:-}" ]; then
		mkdir -p "$TTCONF_KEEP" && cp "$tmp/$key".* "$TTCONF_KEEP/"
	fi
}

jobs_max=${TTCONF_JOBS:-3}
tag=$(tr -dc a-z </dev/urandom | head -c3)
# Listen backlogs of this invocation's slots: 100..4000, under somaxconn.
backlog_base=$((100 + RANDOM % 3900))
for k in $(seq 0 $((jobs_max - 1))); do
	cp "$TTCONF_WORK" "$tmp/ttconf_$k$tag"
done
printf '%-26s %-16s %-16s %s\n' program bpftrace tracetab verdict
i=0
declare -A slot_pid
for f in "$@"; do
	# Find a free slot (the pid that held it has finished).
	while :; do
		for k in $(seq 0 $((jobs_max - 1))); do
			p=${slot_pid[$k]:-}
			if [ -z "$p" ] || ! kill -0 "$p" 2>/dev/null; then
				[ -n "$p" ] && wait "$p" 2>/dev/null
				break 2
			fi
		done
		nap 0.1
	done
	run_one "$i" "$f" "$k" &
	slot_pid[$k]=$!
	i=$((i + 1))
done
wait
declare -A verdict_of variant_of
nsame=0 ndiff=0 nunsup=0 nlok=0 nlfail=0
for j in $(seq 0 $((i - 1))); do
	[ -f "$tmp/row.$j" ] && cat "$tmp/row.$j"
	read -r n v <"$tmp/v.$j" || continue
	verdict_of[$n]=$v
	# An adaptation says whose in its header (tcpconnect_tp.bt: "tracetab
	# conformance adaptation of tcpconnect.bt").
	if [[ $n == tools/* ]]; then
		f=$(grep -m1 -oE 'tracetab conformance adaptation of [[:alnum:]_]+\.bt' "$here/corpus/$n.bt")
		[ -n "$f" ] && f=${f##* } && variant_of[$n]=tools/${f%.bt}
	fi
	case $v in
	same) nsame=$((nsame + 1)) ;;
	differs) ndiff=$((ndiff + 1)) ;;
	unsupported) nunsup=$((nunsup + 1)) ;;
	load-ok) nlok=$((nlok + 1)) ;;
	load-fail) nlfail=$((nlfail + 1)) ;;
	esac
done
echo "conformance: $nsame same, $ndiff differ, $nunsup unsupported"
echo "load-only: $nlok loaded, $nlfail failed"
# The issue's count: a Debian tool (a corpus/tools/T.bt that adapts no
# other) agrees when T or one of its adaptations (tracepoints for kprobes,
# libc for the libpthread stub) agrees with bpftrace.
declare -A adapted_ok
for n in "${!variant_of[@]}"; do
	[ "${verdict_of[$n]}" = same ] && adapted_ok[${variant_of[$n]}]=1
done
ndeb=0 ndebok=0 ndebad=0
for n in "${!verdict_of[@]}"; do
	[[ $n == tools/* && -z ${variant_of[$n]:-} ]] || continue
	ndeb=$((ndeb + 1))
	if [ "${verdict_of[$n]}" = same ]; then
		ndebok=$((ndebok + 1))
	elif [ -n "${adapted_ok[$n]:-}" ]; then
		ndebok=$((ndebok + 1)) ndebad=$((ndebad + 1))
	fi
done
[ $ndeb = 0 ] ||
	echo "debian tools: $ndebok of $ndeb agree ($ndebad via adaptations)"

if [ -n "$results" ]; then
	for n in "${!verdict_of[@]}"; do echo "$n ${verdict_of[$n]}"; done | sort >"$results"
fi
rc=0
if [ -n "$expected" ]; then
	while read -r n want; do
		[ -z "$n" ] || [[ $n == \#* ]] && continue
		got=${verdict_of[$n]:-}
		[ -z "$got" ] && continue
		if [ "$got" != "$want" ]; then
			case $want in
			same | load-ok)
				echo "REGRESSION $n: expected $want, got $got"
				rc=1 ;;
			*)
				[ "$got" = same ] || [ "$got" = load-ok ] &&
					echo "IMPROVED $n: expected $want, got $got (update expected.txt)" ;;
			esac
		fi
	done <"$expected"
	for n in "${!verdict_of[@]}"; do
		grep -q "^$n " "$expected" || echo "NEW $n: ${verdict_of[$n]} (add it to expected.txt)"
	done
fi
exit $rc
