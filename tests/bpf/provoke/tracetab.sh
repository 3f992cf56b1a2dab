# tests/bpf/provoke/tracetab.sh - the real path of tests/bpf/scripts_e2e.sh
# (sourced there): a private tracetabd (temporary store, state and socket),
# every bundled script deployed to it before the events, then each table
# checked with the script's default query and a targeted one through the
# CLI. Deploys go through `tracetab run` when the CLI has it, else straight
# to the control socket with scripttool (the spec tracetab run would send).

TT_SOCK=$WORK/tracetabd.sock
TT_ON=0
TT_CLI=0
declare -A TT_STATE # script -> state reported after deploy

tt_status() { # NAME -> one line: state<TAB>error
	echo "{\"op\":\"status\",\"name\":\"$1\"}" | "$ST" send "$TT_SOCK" |
		sed -n 's/.*"state":"\([a-z]*\)".*/\1/p' | head -1
}


tracetab__deploy() { # SCRIPT
	local s=$1 out=$WORK/$1.deploy
	if [ $TT_CLI = 1 ]; then
		timeout 60 "$TT_BUILD/tracetab" --socket "$TT_SOCK" --store-dir "$WORK/store" \
			run "$s" --scripts-dir "$TOOLS" --timeout 30s </dev/null >"$out" 2>&1
		echo "exit=$?" >>"$out"
	else
		"$ST" spec "$TOOLS/$s" | "$ST" send "$TT_SOCK" >"$out" 2>&1
	fi
}

tracetab__start() {
	local i s
	if [ ! -x "$TT_BUILD/tracetabd" ]; then
		skip "tracetab/daemon" "build/tracetabd is not built yet"
		return
	fi
	mkdir -p "$WORK/store" "$WORK/state"
	"$TT_BUILD/tracetabd" --store-dir "$WORK/store" --state-dir "$WORK/state" \
		--socket "$TT_SOCK" </dev/null >"$WORK/tracetabd.log" 2>&1 &
	DAEMON_PID=$!
	for i in $(seq 100); do
		[ -S "$TT_SOCK" ] && break
		kill -0 $DAEMON_PID 2>/dev/null || break
		sleep 0.1
	done
	if ! [ -S "$TT_SOCK" ]; then
		fail "tracetab/daemon" "tracetabd did not start: $(tail -c 300 "$WORK/tracetabd.log" | tr '\n' ' ')"
		return
	fi
	TT_ON=1
	[ -x "$TT_BUILD/tracetab" ] && TT_CLI=1
	# All deploys at once: each compiles and attaches in the daemon.
	local pids=()
	for s in $SCRIPTS; do
		tracetab__deploy "$s" &
		pids+=($!)
	done
	wait "${pids[@]}"
	for s in $SCRIPTS; do
		TT_STATE[$s]=$(tt_status "$s")
		if [ -n "${SEL[$s]}" ]; then
			if [ "${TT_STATE[$s]}" = running ]; then
				pass "tracetab/$s/running"
			else
				fail "tracetab/$s/running" "state ${TT_STATE[$s]:-?}: $(tail -c 400 "$WORK/$s.deploy" | tr '\n' ' ')"
			fi
		elif [ "${TT_STATE[$s]}" = skipped ] && grep -qi kprobe "$WORK/$s.deploy" &&
			{ [ $TT_CLI = 0 ] || grep -q '^exit=5$' "$WORK/$s.deploy"; }; then
			# No program fits this kernel: the status must say why, and
			# tracetab run must exit 5.
			pass "tracetab/$s/skipped_with_reason"
		else
			fail "tracetab/$s/skipped_with_reason" "state ${TT_STATE[$s]:-?}: $(tail -c 400 "$WORK/$s.deploy" | tr '\n' ' ')"
		fi
	done
}

# tt_query NAME SQL REGEX [BUGGY]: PASS when the CSV answer has a line
# matching REGEX (extended); FAIL naming $NTOP6_BUG when instead a line
# matches BUGGY.
tt_query() {
	local name=$1 sql=$2 re=$3 bad=${4:-} out=$WORK/query.out s=${1%%/*}
	if [ "${TT_STATE[$s]}" != running ]; then
		skip "tracetab/$name" "deployment not running (see tracetab/$s/running)"
	elif ! timeout 30 "$TT_BUILD/tracetab" --store-dir "$WORK/store" --format csv query "$sql" >"$out" 2>&1; then
		fail "tracetab/$name" "query failed: $(head -c 300 "$out" | tr '\n' ' ')"
	elif grep -qE "$re" "$out"; then
		pass "tracetab/$name"
	elif [ -n "$bad" ] && grep -qE "$bad" "$out"; then
		fail "tracetab/$name" "$NTOP6_BUG"
	else
		fail "tracetab/$name" "no line matches /$re/ in: $(head -c 300 "$out" | tr '\n' ' ')"
	fi
}

tracetab__check_all() {
	local s
	[ $TT_ON = 1 ] || return
	if [ $TT_CLI = 0 ]; then
		skip "tracetab/queries" "build/tracetab (the CLI) is not built yet"
		return
	fi
	sleep 2 # the daemon ingests asynchronously
	# tracetab run showed the script's query (its column header) once running.
	if [ "${TT_STATE[sync_snoop]}" = running ]; then
		if grep -qE '^comm +event +calls' "$WORK/sync_snoop.deploy"; then
			pass "tracetab/sync_snoop/run_shows_query"
		else
			fail "tracetab/sync_snoop/run_shows_query" "$(head -c 300 "$WORK/sync_snoop.deploy" | tr '\n' ' ')"
		fi
	fi
	if [ -n "${PROVOKED[tcp]:-}" ]; then
		tt_query tcp_retransmits/default_query "$("$ST" query "$TOOLS/tcp_retransmits")" \
			'^"?127\.0\.0\.2"?,"?127\.0\.0\.1"?,[1-9][0-9]*$'
		tt_query tcp_drops/default_query "$("$ST" query "$TOOLS/tcp_drops")" \
			'^"?127\.0\.0\.2"?,"?127\.0\.0\.1"?,[1-9][0-9]*$'
		tt_query tcp_retransmits/port "SELECT count(*) AS n FROM tcp_retransmits WHERE dst_port = $PORT AND src_ip = '127.0.0.2'" '^[1-9][0-9]*$'
		tt_query tcp_retransmits/ipv6 "SELECT src_ip, dst_ip, count(*) AS n FROM tcp_retransmits WHERE dst_port = $PORT6 GROUP BY src_ip, dst_ip" '^"?::2"?,"?::1"?,[1-9][0-9]*$'
		tt_query tcp_drops/ipv6 "SELECT src_ip, dst_ip, count(*) AS n FROM tcp_drops WHERE dst_port = $PORT6 GROUP BY src_ip, dst_ip" '^"?::2"?,"?::1"?,[1-9][0-9]*$' \
			'^"?::"?,"?::"?,[1-9][0-9]*$'
		tt_query tcp_drops/netfilter_reason "SELECT count(*) AS n FROM tcp_drops WHERE dst_port = $PORT AND reason = $(drop_reason NETFILTER_DROP)" '^[1-9][0-9]*$'
	fi
	if [ -n "${PROVOKED[sync]:-}" ]; then
		tt_query sync_snoop/default_query "$("$ST" query "$TOOLS/sync_snoop")" \
			'^"?sync"?,"?tracepoint:syscalls:sys_enter_sync"?,[1-9]'
	fi
	if [ -n "${PROVOKED[nap]:-}" ]; then
		tt_query nap_time/naps "SELECT count(*) AS n FROM nap_time WHERE pid = $NAP_PID AND nsec = 10000000" '^2$'
		tt_query nap_time/sleep "SELECT comm, sec, nsec FROM nap_time WHERE pid = $SLEEP_PID AND ppid = $$" '^"?sleep"?,0,100000000$'
	fi
	if [ -n "${PROVOKED[capable]:-}" ]; then
		tt_query capable/denied "SELECT count(*) AS n FROM capable WHERE pid = $CAP_USER_PID AND name = 'CAP_SYS_ADMIN' AND ret = -1" '^[1-9][0-9]*$'
		# The default query's top 20 belong to whatever is busiest; its
		# shape, narrowed to unshare, must count the two requests.
		tt_query capable/default_query "$("$ST" query "$TOOLS/capable")" '^"?CAP_[A-Z_]+"?,.*,[1-9][0-9]*$'
		tt_query capable/unshare "SELECT name, comm, count(*) AS checks FROM capable WHERE comm = 'unshare' AND uid = 65534 GROUP BY name, comm" '^"?CAP_SYS_ADMIN"?,"?unshare"?,[1-9][0-9]*$'
	fi
	if [ -n "${PROVOKED[oom]:-}" ]; then
		tt_query oom_kill/victim "SELECT triggered_by_pid, killed_comm FROM oom_kill WHERE killed_pid = $OOM_PID" "^$OOM_PID,\"?provoke\"?\$"
	fi
	skip "tracetab/md_flush/rows" "no md device to flush here (the deployed program attaches; rows are checked on a loop device by the capture engines)"
}
