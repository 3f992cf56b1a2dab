# tests/bpf/provoke/events.sh - the real events of tests/bpf/scripts_e2e.sh
# and what each script's rows must show for them (sourced there).
#
# provoke__all makes every event once, while all captures run; it records
# the pids and names the expectations need. expect__<script> ENGINE checks
# the captured rows of one engine.

MD_ON_LOOP=0

# The numeric value of a drop reason on this kernel (enum skb_drop_reason
# numbers change between kernels; the tracepoint's format lists them).
drop_reason() {
	grep -o "{ [0-9]*, \"$1\" }" /sys/kernel/tracing/events/skb/kfree_skb/format |
		grep -o '[0-9]*' | head -1
}

# Two lossy transfers inside a fresh network namespace, IPv4 on $PORT and
# IPv6 on $PORT6, each from a second loopback address to the first so that
# source and destination differ. nftables drops 30% of the data segments
# (not the handshake, whose timeouts would take seconds) on input, after
# they were sent: the senders retransmit them.
provoke__tcp() {
	ip netns add "$NS" &&
		ip -n "$NS" link set lo up &&
		ip -n "$NS" addr add 127.0.0.2/8 dev lo &&
		ip -n "$NS" addr add ::2/128 dev lo nodad &&
		ip netns exec "$NS" nft -f - <<-EOF || return 1
			table inet tt_scripts {
				chain input {
					type filter hook input priority 0; policy accept;
					tcp dport { $PORT, $PORT6 } meta length > 200 numgen random mod 10 < 3 drop
				}
			}
		EOF
	ip netns exec "$NS" "$BIN/provoke" tcp 127.0.0.2 127.0.0.1 "$PORT" 300000 &&
		ip netns exec "$NS" "$BIN/provoke" tcp ::2 ::1 "$PORT6" 300000
}

provoke__sync() {
	sync &&
		dd if=/dev/zero of="$WORK/sync.dat" bs=4k count=1 conv=fsync status=none &&
		dd if=/dev/zero of="$WORK/sync.dat" bs=4k count=1 conv=fdatasync status=none
}

provoke__nap() {
	"$BIN/provoke" nap &
	NAP_PID=$!
	wait $NAP_PID || return 1
	sleep 0.1 &
	SLEEP_PID=$!
	wait $SLEEP_PID
}

provoke__capable() {
	unshare -n true &
	CAP_ROOT_PID=$!
	wait $CAP_ROOT_PID || return 1
	# As nobody the same request must be denied.
	setpriv --reuid 65534 --regid 65534 --clear-groups unshare -n true 2>/dev/null &
	CAP_USER_PID=$!
	! wait $CAP_USER_PID
}

# A memory cgroup of 32 MiB: cgroup v2 where it has the memory controller,
# else the v1 memory hierarchy; made under this process's own cgroup.
oom__cgroup() {
	local v2 v1 own
	v2=$(awk '$3 == "cgroup2" { print $2; exit }' /proc/mounts)
	if [ -n "$v2" ] && grep -qw memory "$v2/cgroup.controllers" 2>/dev/null; then
		own=$(awk -F: '$1 == "0" { print $3 }' /proc/self/cgroup)
		CGDIR=$v2$own/tt_oom_$$
		mkdir "$CGDIR" && echo 32M >"$CGDIR/memory.max" &&
			{ echo 0 >"$CGDIR/memory.swap.max" 2>/dev/null || true; }
		return
	fi
	v1=$(awk '$3 == "cgroup" && $4 ~ /(^|,)memory(,|$)/ { print $2; exit }' /proc/mounts)
	[ -n "$v1" ] || return 1
	own=$(awk -F: '$2 == "memory" { print $3 }' /proc/self/cgroup)
	CGDIR=$v1$own/tt_oom_$$
	mkdir "$CGDIR" && echo $((32 << 20)) >"$CGDIR/memory.limit_in_bytes" &&
		{ echo $((32 << 20)) >"$CGDIR/memory.memsw.limit_in_bytes" 2>/dev/null || true; }
}

provoke__oom() {
	if ! oom__cgroup 2>"$WORK/cgroup.err"; then
		OOM_WHY="cannot make a memory cgroup: $(head -c 200 "$WORK/cgroup.err")"
		return 1
	fi
	sh -c "echo \$\$ >'$CGDIR/cgroup.procs' && exec '$BIN/provoke' eat 256" >/dev/null 2>&1 &
	OOM_PID=$!
	wait $OOM_PID
	local rc=$?
	[ $rc = 137 ] || OOM_WHY="the eater was not OOM-killed (exit $rc)"
	[ $rc = 137 ]
}

provoke__md() {
	truncate -s 16M "$WORK/loop.img" &&
		LOOPDEV=$(losetup -f --show "$WORK/loop.img") || return 1
	dd if=/dev/zero of="$LOOPDEV" bs=4k count=1 conv=fsync status=none
}

provoke__all() {
	local what
	for what in tcp sync nap capable oom; do
		if provoke__$what >"$WORK/provoke_$what.out" 2>&1; then
			pass "provoke/$what"
			PROVOKED[$what]=1
		elif [ $what = oom ] && [ -n "${OOM_WHY:-}" ] && [ -z "$CGDIR" ]; then
			skip "provoke/$what" "$OOM_WHY"
		else
			fail "provoke/$what" "${OOM_WHY:-}$(tail -c 300 "$WORK/provoke_$what.out" | tr '\n' ' ')"
		fi
	done
	if [ $MD_ON_LOOP = 1 ]; then
		if provoke__md >"$WORK/provoke_md.out" 2>&1; then
			PROVOKED[md]=1
			pass "provoke/md_flush_on_loop"
		else
			skip "provoke/md_flush_on_loop" "no loop device: $(tail -c 200 "$WORK/provoke_md.out")"
		fi
	fi
}
declare -A PROVOKED

expect__tcp_retransmits() {
	[ -n "${PROVOKED[tcp]:-}" ] || return
	local p="time_:[0-9]+ pid:[0-9]+ pid_start_time:[0-9]+"
	# Every data segment of the lossy transfers leaves the client.
	rows__expect "$1" tcp_retransmits ipv4 \
		"$p src_ip:127\.0\.0\.2 src_port:[0-9]+ dst_ip:127\.0\.0\.1 dst_port:$PORT state:[A-Z_0-9]+"
	rows__expect "$1" tcp_retransmits ipv6 \
		"$p src_ip:::2 src_port:[0-9]+ dst_ip:::1 dst_port:$PORT6 state:[A-Z_0-9]+"
}

expect__tcp_drops() {
	[ -n "${PROVOKED[tcp]:-}" ] || return
	local nf
	nf=$(drop_reason NETFILTER_DROP)
	local p="time_:[0-9]+ pid:[0-9]+ pid_start_time:[0-9]+"
	# nftables drops on input, before the socket lookup: the packet's own
	# addresses, reason NETFILTER_DROP.
	rows__expect "$1" tcp_drops ipv4_netfilter \
		"$p src_ip:127\.0\.0\.2 src_port:[0-9]+ dst_ip:127\.0\.0\.1 dst_port:$PORT state:[A-Z_0-9]* reason:${nf:-NETFILTER_DROP}"
	rows__expect_known "$1" tcp_drops ipv6_netfilter \
		"$p src_ip:::2 src_port:[0-9]+ dst_ip:::1 dst_port:$PORT6 state:[A-Z_0-9]* reason:${nf:-NETFILTER_DROP}" \
		"$p src_ip::: src_port:[0-9]+ dst_ip::: dst_port:$PORT6 state:[A-Z_0-9]* reason:${nf:-NETFILTER_DROP}"
}

expect__sync_snoop() {
	[ -n "${PROVOKED[sync]:-}" ] || return
	local p="time_:[0-9]+ pid:[0-9]+"
	rows__expect "$1" sync_snoop sync "$p comm:sync event:tracepoint:syscalls:sys_enter_sync"
	rows__expect "$1" sync_snoop fsync "$p comm:dd event:tracepoint:syscalls:sys_enter_fsync"
	rows__expect "$1" sync_snoop fdatasync "$p comm:dd event:tracepoint:syscalls:sys_enter_fdatasync"
}

expect__nap_time() {
	[ -n "${PROVOKED[nap]:-}" ] || return
	local p="time_:[0-9]+ ppid:$$ pcomm:[^ ]+"
	# One nanosleep and one clock_nanosleep of 10 ms, nothing else.
	rows__expect "$1" nap_time both_syscalls "$p pid:$NAP_PID comm:provoke sec:0 nsec:10000000" 2 2
	rows__expect "$1" nap_time sleep_0.1 "$p pid:$SLEEP_PID comm:sleep sec:0 nsec:100000000" 1 1
}

expect__capable() {
	[ -n "${PROVOKED[capable]:-}" ] || return
	local p="time_:[0-9]+ pid:" c="cap:21 name:CAP_SYS_ADMIN audit:-?[01]"
	# unshare(CLONE_NEWNET) checks CAP_SYS_ADMIN: granted to root (ret 0),
	# denied to nobody (ret -EPERM).
	rows__expect "$1" capable granted "${p}$CAP_ROOT_PID comm:unshare uid:0 $c ret:0"
	rows__expect "$1" capable denied "${p}$CAP_USER_PID comm:unshare uid:65534 $c ret:-1"
}

expect__oom_kill() {
	[ -n "${PROVOKED[oom]:-}" ] || return
	rows__expect "$1" oom_kill victim \
		"time_:[0-9]+ triggered_by_pid:$OOM_PID triggered_by_comm:provoke killed_pid:$OOM_PID killed_comm:provoke pages:-?[0-9]+" 1 1
}

expect__md_flush() {
	if [ $MD_ON_LOOP = 1 ] && [ -n "${PROVOKED[md]:-}" ]; then
		rows__expect "$1" md_flush flush_on_loop \
			"time_:[0-9]+ pid:[0-9]+ comm:dd device:$(basename "$LOOPDEV")"
		skip "$1/md_flush/md_device" "no md driver in this kernel (md_flush_request not in /proc/kallsyms, no /dev/md*): checked on a loop device instead"
	elif [ $MD_ON_LOOP = 0 ]; then
		skip "$1/md_flush/md_device" "md devices exist here; the test does not write to them"
	fi
}

expect__dc_snoop() {
	skip "$1/dc_snoop" "not provoked: the script's only program needs kprobes"
}
