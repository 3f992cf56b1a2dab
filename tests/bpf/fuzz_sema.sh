#!/bin/bash
# tests/bpf/fuzz_sema.sh - runs bpf/fuzz_sema.c (parse, semantic analysis
# and code generation against this kernel's BTF and tracefs; nothing is
# loaded) for FUZZ_SECONDS (default 20). Seeds are the bundled tools and
# typed snippets, each prefixed with the mode byte the target reads (odd:
# table mode). A crash, sanitizer report, leak or timeout fails the test
# and the input is kept under build/fuzz/.
TT_SUITE=bpf/fuzz_sema
. "$(dirname "$0")/../lib.sh"

fuzz_setup fuzz_sema
i=0
for f in "$TT_ROOT"/bpf/tools/*/*.bt; do
	[ -f "$f" ] || continue
	{ printf '\001'; cat "$f"; } >"$work/corpus/tool$((i++))"
done
while IFS= read -r line; do
	printf '\000%s' "$line" >"$work/corpus/snippet$((i++))"
	printf '\001%s' "$line" >"$work/corpus/snippet$((i++))"
done <<'SNIPPETS'
tracepoint:syscalls:sys_enter_openat /pid == 1/ { printf("%s %d", str(args->filename), args->flags); }
tracepoint:sched:sched_process_exec { printf("f:%s p:%d", str(args->filename), curtask->real_parent->tgid); }
tracepoint:sock:inet_sock_set_state { $sk = (struct sock *)args->skaddr; printf("%d %s", $sk->__sk_common.skc_num, ntop(args->saddr)); }
BEGIN { @a[1, "x"] = (2, "y"); @c = count(); @s = sum(3); @m = min(-1); @x = max(2); $t = @a[1, "x"]; delete(@c); exit(); }
END { $x = 1; $x += 2; $x <<= 1; @y = $x > 3 ? "big" : "small"; if ($x) { return; } }
rawtracepoint:sys_enter { printf("%d %d", arg0, arg1); }
kretprobe:tcp_sendmsg { @r[retval] = count(); }
interval:ms:10 { @t = elapsed; @n++; unroll(3) { @n += bswap((uint16)1); } }
tracepoint:syscalls:sys_enter_read { @h = hist(args->count); @l[comm] = lhist(args->fd, 0, 20, 5); @a = avg(1); @k[kstack(2)] = count(); print(@a); }
struct p { int a; char n[4]; struct p *next; } union u { long l; struct p q[2]; } BEGIN { $x = (struct p *)0; @s = sizeof(union u); @a = &$x->n; @b = &*$x; @c = $x->next->a; }
kfunc:vfs_read { @[comm] = sum(args->count); } kretfunc:vfs_read /retval > 0/ { @r = hist(retval); }
hardware:cycles:100000 { @c[cpu] = count(); } software:faults { @f = count(); }
tracepoint:syscalls:sys_enter_execve { @[str(*(args->argv + 1))] = count(); } kprobe:vfs_read+8 { @k = arg0; }
BEGIN { $i = 0; while ($i < 5) { $i++; if ($i == 2) { continue; } } printf("%s %s %d", ksym(kaddr("vfs_read")), username, strncmp("a", "b", 1)); time(); }
uprobe:/bin/sh:main { printf("%s %d", func, arg0); }
tracepoint:syscalls:sys_enter_getppid { printf("time_:%llu c:%s n:%d", nsecs, comm, sizeof(struct task_struct)); }
SNIPPETS

cat >"$work/dict" <<'DICT'
"tracepoint:syscalls:sys_enter_openat"
"tracepoint:sched:sched_switch"
"rawtracepoint:sys_enter"
"BEGIN"
"END"
"args->"
"filename"
"curtask->"
"real_parent"
"->tgid"
"(struct sock *)"
"__sk_common."
"skc_dport"
"str("
"ntop("
"bswap("
"count()"
"sum("
"min("
"max("
"printf(\""
"time_:%llu"
"%s"
"%d"
"exit()"
"delete("
"@m["
"$x"
"comm"
"pid"
"nsecs"
"retval"
"arg0"
"unroll(3)"
"return;"
"TCP_ESTABLISHED"
"AF_INET"
"hist("
"lhist("
"avg("
"stats("
"print(@m, 2)"
"clear(@m)"
"time()"
"kstack"
"ustack(3)"
"ksym("
"kaddr(\"vfs_read\")"
"username"
"strncmp("
"while ("
"break;"
"$1"
"$#"
DICT

fuzz_run -max_len=2048 -dict="$work/dict"
tt_done
