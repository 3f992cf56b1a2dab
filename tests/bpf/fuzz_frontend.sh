#!/bin/bash
# tests/bpf/fuzz_frontend.sh - runs the front-end libFuzzer target (lexer,
# parser, printf formats) for a bounded time (FUZZ_SECONDS, default 20)
# from a seed corpus of the test programs and bpftrace's shipped tools,
# with a dictionary of the language's tokens. Any crash, sanitizer report
# or leak fails the test; the crashing input is kept and named.
TT_SUITE=bpf/fuzz_frontend
. "$(dirname "$0")/../lib.sh"

fuzz_setup fuzz_frontend
i=0
for f in /usr/sbin/*.bt "$TT_ROOT"/bpf/tools/*.bt "$TT_ROOT"/bpf/tools/*/*.bt; do
	[ -f "$f" ] && cp "$f" "$work/corpus/seed$((i++))"
done
while IFS= read -r line; do
	printf '%s' "$line" > "$work/corpus/snippet$((i++))"
done <<'SNIPPETS'
BEGIN { printf("pid:%d comm:%s %-8lu %%\n", pid, comm, nsecs); exit(); }
t:syscalls:sys_enter_openat /pid == $1 && comm != "sh"/ { @[comm, args->flags & 3] = count(); }
u:/bin/bash:readline { $s = (struct sock *)arg0; printf("%d %s\n", $s->__sk_common.skc_num, str(retval)); }
i:s:1 { $t = (1, "a"); $x = $t.0 ? -1 : ~2 << 3; unroll(2) { $x++; } while ($x < 5) { $x += 1; break; } }
#define N 5
struct Foo { int a; char b[4]; unsigned long *c; }
k:f,kr:f { delete(@m[1]); delete(@m, 2); if (sizeof(struct Foo) > N) { return; } else { @a[1] <<= 2; } }
SNIPPETS

# libFuzzer dictionary: one quoted token per line.
cat > "$work/dict" <<'DICT'
"tracepoint:"
"uprobe:"
"kprobe:"
"interval:s:"
"BEGIN"
"END"
"{"
"}"
"/"
"("
")"
"["
"]"
";"
","
"$x"
"@m"
"$1"
"$#"
"->"
"."
"?"
":"
"++"
"--"
"<<="
">>="
"&&"
"||"
"=="
"!="
"if"
"else"
"while"
"unroll"
"return"
"break"
"continue"
"sizeof"
"struct"
"union"
"enum"
"(uint16)"
"\""
"\\x41"
"0x"
"1_000"
"#define "
"#include <"
"#ifdef "
"#endif"
"/*"
"*/"
"//"
"%d"
"%-8s"
"%llu"
"name:%d"
"%%"
"printf("
"delete("
"count()"
"args->"
"curtask"
DICT

fuzz_run -max_len=4096 -dict="$work/dict"
tt_done
