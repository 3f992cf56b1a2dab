/*
 * tests/bpf/test_parser.c - the bpftrace parser: every construct through
 * the S-expression dump (which makes precedence and associativity
 * visible), attach points with aliases and wildcards, positions on nodes,
 * program-level items, and the tools bpftrace ships. Errors, rendering
 * and limits are in test_parser_errors.c.
 */
#include <dirent.h>
#include <errno.h>
#include <stdlib.h>

#include "bpf/lexer.h"
#include "bpf/parser.h"
#include "tests/bpf/parser_util.h"
#include "tests/tt_test.h"

/* The dump of `BEGIN { <stmt> }`, body only, without the probe wrapper. */
static const char *stmt_dump(const char *stmt)
{
	static char src[4096], out[8192];
	const char *d, *body;
	size_t n;

	snprintf(src, sizeof(src), "BEGIN { %s }", stmt);
	d = parse_dump(src);
	if (strncmp(d, "(probe (BEGIN)\n  ", 17) != 0)
		return d;
	body = d + 17;
	n = strlen(body);
	if (n >= 2 && strcmp(body + n - 2, ")\n") == 0)
		n -= 2;
	snprintf(out, sizeof(out), "%.*s", (int)n, body);
	return out;
}

/* The dump of one expression used as a statement. */
#define EXPR(src, want) CHECK_STR(stmt_dump(src), want)

TT_TEST(literals_and_names)
{
	EXPR("42", "42");
	EXPR("0x10", "16");
	EXPR("1_000", "1000");
	EXPR("\"a\\tb\"", "\"a\\tb\"");
	EXPR("$x", "$x");
	EXPR("@m", "@m");
	EXPR("@", "@");
	EXPR("@m[1, \"k\", $x]", "@m[1, \"k\", $x]");
	EXPR("$1", "$1");
	EXPR("$#", "$#");
	EXPR("pid", "pid");
	EXPR("arg0", "arg0");
	EXPR("exit()", "(call exit)");
	EXPR("printf(\"%d %s\\n\", pid, comm)",
	     "(call printf \"%d %s\\n\" pid comm)");
	EXPR("kstack(perf, 3)", "(call kstack perf 3)");
}

TT_TEST(binary_precedence)
{
	EXPR("1 + 2 * 3", "(+ 1 (* 2 3))");
	EXPR("1 * 2 + 3", "(+ (* 1 2) 3)");
	EXPR("a % b / c * d", "(* (/ (% a b) c) d)");
	EXPR("1 << 2 + 3", "(<< 1 (+ 2 3))");
	EXPR("1 < 2 << 3", "(< 1 (<< 2 3))");
	EXPR("1 == 2 < 3", "(== 1 (< 2 3))");
	EXPR("a & b == c", "(& a (== b c))");
	EXPR("a ^ b & c", "(^ a (& b c))");
	EXPR("a | b ^ c", "(| a (^ b c))");
	EXPR("a && b | c", "(&& a (| b c))");
	EXPR("a || b && c", "(|| a (&& b c))");
	EXPR("a || b && c | d ^ e & f == g < h << i + j * k",
	     "(|| a (&& b (| c (^ d (& e (== f (< g (<< h (+ i (* j "
	     "k))))))))))");
	EXPR("a <= b >= c > d != e", "(!= (> (>= (<= a b) c) d) e)");
	EXPR("a >> b", "(>> a b)");
}

TT_TEST(associativity)
{
	EXPR("1 - 2 - 3", "(- (- 1 2) 3)");
	EXPR("8 / 4 / 2", "(/ (/ 8 4) 2)");
	EXPR("a || b || c", "(|| (|| a b) c)");
	EXPR("a ? b : c ? d : e", "(? a b (? c d e))");
	EXPR("a ? b ? c : d : e", "(? a (? b c d) e)");
	EXPR("a || b ? c + 1 : d", "(? (|| a b) (+ c 1) d)");
	EXPR("(1 + 2) * 3", "(* (+ 1 2) 3)");
}

TT_TEST(unary_operators)
{
	EXPR("-1", "(- 1)");
	EXPR("- -x", "(- (- x))");
	EXPR("!a && ~b", "(&& (! a) (~ b))");
	EXPR("*$p + 1", "(+ (* $p) 1)");
	EXPR("&$x", "(& $x)");
	EXPR("-a * b", "(* (- a) b)");
	EXPR("!$p->x", "(! (-> $p x))");
	EXPR("a - -b", "(- a (- b))");
	EXPR("a*-b", "(* a (- b))");
}

TT_TEST(postfix_and_members)
{
	EXPR("args->filename", "(-> args filename)");
	EXPR("args.filename", "(. args filename)");
	EXPR("curtask->real_parent->tgid",
	     "(-> (-> curtask real_parent) tgid)");
	EXPR("$s.a.b[2].c", "(. ([] (. (. $s a) b) 2) c)");
	EXPR("$t.0", "(. $t 0)");
	EXPR("$t.1.0", "(. (. $t 1) 0)");
	EXPR("$a[$i + 1]", "([] $a (+ $i 1))");
	EXPR("@m[1][2]", "([] @m[1] 2)");
	EXPR("$x->union", "(-> $x union)");
	EXPR("$x++", "(post++ $x)");
	EXPR("@m[1]--", "(post-- @m[1])");
	EXPR("++@c", "(pre++ @c)");
	EXPR("--$x", "(pre-- $x)");
	EXPR("$x++ + 1", "(+ (post++ $x) 1)");
}

TT_TEST(casts_tuples_sizeof)
{
	EXPR("(uint16)x", "(cast <uint16> x)");
	EXPR("(int8)x + 1", "(+ (cast <int8> x) 1)");
	EXPR("(struct sock *)arg0", "(cast <struct sock *> arg0)");
	EXPR("((struct sock *)arg0)->__sk_common.skc_num",
	     "(. (-> (cast <struct sock *> arg0) __sk_common) skc_num)");
	EXPR("(union u **)$p", "(cast <union u **> $p)");
	EXPR("(enum e)$v", "(cast <enum e> $v)");
	EXPR("(int8[4])$x", "(cast <int8[4]> $x)");
	EXPR("(pid_t *)arg1", "(cast <pid_t *> arg1)");
	EXPR("(unsigned long)arg1", "(cast <uint64> arg1)");
	EXPR("(char)arg1", "(cast <int8> arg1)");
	EXPR("(x)", "x");
	EXPR("(1, \"a\", $x)", "(tuple 1 \"a\" $x)");
	EXPR("((1, 2), 3)", "(tuple (tuple 1 2) 3)");
	EXPR("sizeof(struct task_struct)", "(sizeof <struct task_struct>)");
	EXPR("sizeof(uint32)", "(sizeof <uint32>)");
	EXPR("sizeof($x)", "(sizeof $x)");
	EXPR("sizeof(u32)", "(sizeof u32)");
	EXPR("sizeof(1 + 2)", "(sizeof (+ 1 2))");
	EXPR("(bool)$x", "(cast <bool> $x)");
	EXPR("(string)$x", "(cast <string> $x)");
	EXPR("(void *)$x", "(cast <void *> $x)");
	EXPR("(unsigned short)$x", "(cast <uint16> $x)");
	EXPR("(long long)$x", "(cast <int64> $x)");
	EXPR("(signed char)$x", "(cast <int8> $x)");
	EXPR("(unsigned)$x", "(cast <uint32> $x)");
}

TT_TEST(statements)
{
	CHECK_STR(
		stmt_dump("$x = 1; @m[pid] = count(); @s = sum(1)"),
		"(= $x 1)\n  (= @m[pid] (call count))\n  (= @s (call sum 1))");
	CHECK_STR(stmt_dump("$x += 1; $x -= 1; $x *= 2; $x /= 2; $x %= 3"),
		  "(+= $x 1)\n  (-= $x 1)\n  (*= $x 2)\n  (/= $x 2)\n  (%= $x "
		  "3)");
	CHECK_STR(stmt_dump("@a &= 1; @a |= 2; @a ^= 3; @a <<= 4; @a >>= 5"),
		  "(&= @a 1)\n  (|= @a 2)\n  (^= @a 3)\n  (<<= @a 4)\n  (>>= "
		  "@a 5)");
	CHECK_STR(stmt_dump("@x++; --$y;"), "(post++ @x)\n  (pre-- $y)");
	CHECK_STR(stmt_dump("return"), "(return)");
	CHECK_STR(stmt_dump("return 1;"), "(return 1)");
	CHECK_STR(stmt_dump("delete(@m[1, 2]); delete(@n, \"k\")"),
		  "(delete @m[1, 2])\n  (delete @n[\"k\"])");
	CHECK_STR(stmt_dump("delete(@m)"), "(delete @m)");
	CHECK_STR(stmt_dump("{ $x = 1; { $y = 2 } }"),
		  "(block\n    (= $x 1)\n    (block\n      (= $y 2)))");
	CHECK_STR(stmt_dump(";; $x = 1;;"), "(= $x 1)");
}

TT_TEST(control_flow)
{
	CHECK_STR(stmt_dump("if (a) { $x = 1 }"),
		  "(if a\n    (then\n      (= $x 1)))");
	CHECK_STR(stmt_dump("if (a) { } else { $x = 2; }"),
		  "(if a\n    (then)\n    (else\n      (= $x 2)))");
	CHECK_STR(stmt_dump("if (a) { } else if (b) { exit() } else { }"),
		  "(if a\n    (then)\n    (else\n      (if b\n        (then\n"
		  "          (call exit))\n        (else))))");
	CHECK_STR(stmt_dump("unroll (3) { @c++ }"),
		  "(unroll 3\n    (post++ @c))");
	CHECK_STR(stmt_dump("unroll($1) { }"), "(unroll $1)");
	CHECK_STR(stmt_dump("while ($i < 10) { $i++; if ($i == 5) { break; } "
			    "continue; }"),
		  "(while (< $i 10)\n    (post++ $i)\n    (if (== $i 5)\n"
		  "      (then\n        (break)))\n    (continue))");
	CHECK_STR(stmt_dump("if (a) { } $x = 1"),
		  "(if a\n    (then))\n  (= $x 1)");
}

static const char *probe_dump(const char *src)
{
	return parse_dump(src);
}

TT_TEST(attach_points_and_aliases)
{
	static const struct {
		const char *src, *want;
	} cases[] = {
		{"t:syscalls:sys_enter_openat {}",
		 "(probe (tracepoint syscalls sys_enter_openat))\n"},
		{"tracepoint:syscalls:sys_enter_* {}",
		 "(probe (tracepoint syscalls sys_enter_*))\n"},
		{"rt:sched_switch {}",
		 "(probe (rawtracepoint sched_switch))\n"},
		{"rawtracepoint:sched_switch {}",
		 "(probe (rawtracepoint sched_switch))\n"},
		{"k:vfs_read {}", "(probe (kprobe vfs_read))\n"},
		{"kr:vfs_read {}", "(probe (kretprobe vfs_read))\n"},
		{"u:/bin/bash:readline {}",
		 "(probe (uprobe /bin/bash readline))\n"},
		{"ur:/bin/bash:readline {}",
		 "(probe (uretprobe /bin/bash readline))\n"},
		{"uprobe:libc:malloc {}", "(probe (uprobe libc malloc))\n"},
		{"U:/bin/x:prov:probe {}",
		 "(probe (usdt /bin/x prov probe))\n"},
		{"i:s:1 {}", "(probe (interval s 1))\n"},
		{"interval:ms:100 {}", "(probe (interval ms 100))\n"},
		{"p:hz:99 {}", "(probe (profile hz 99))\n"},
		{"s:cpu-clock:1000 {}", "(probe (software cpu-clock 1000))\n"},
		{"h:cache-misses:1000000 {}",
		 "(probe (hardware cache-misses 1000000))\n"},
		{"f:vfs_read {}", "(probe (fentry vfs_read))\n"},
		{"kfunc:vfs_read {}", "(probe (fentry vfs_read))\n"},
		{"fr:vfs_read {}", "(probe (fexit vfs_read))\n"},
		{"kretfunc:vfs_read {}", "(probe (fexit vfs_read))\n"},
		{"BEGIN{}", "(probe (BEGIN))\n"},
		{"END {}", "(probe (END))\n"},
		{"kprobe:tcp_*+0x10 {}", "(probe (kprobe tcp_*+0x10))\n"},
		{"uprobe:\"/a b/c\":f {}", "(probe (uprobe /a b/c f))\n"},
		{"BEGIN, END,\n  i:s:1 {}",
		 "(probe (BEGIN) (END) (interval s 1))\n"},
	};
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		CHECK_STR(probe_dump(cases[i].src), cases[i].want);
}

TT_TEST(attach_point_fields)
{
	struct bt_ast *ast;
	const struct bt_attach_point *ap;

	CHECK_INT(bt_parse("\n  kprobe:tcp_*, t:sched:sched_switch,\n"
			   "  u:/bin/bash:readline /pid == 1/ { }",
			   &ast, NULL),
		  0);
	CHECK_INT(ast->nprobes, 1);
	CHECK_INT(ast->probes[0].npoints, 3);
	CHECK_INT(ast->probes[0].line, 2);
	CHECK_INT(ast->probes[0].col, 3);
	ap = &ast->probes[0].points[0];
	CHECK_INT(ap->kind, BT_PROBE_KPROBE);
	CHECK_STR(ap->raw, "kprobe:tcp_*");
	CHECK(ap->has_wildcard);
	CHECK_INT(ap->nparts, 1);
	ap = &ast->probes[0].points[1];
	CHECK_INT(ap->kind, BT_PROBE_TRACEPOINT);
	CHECK_STR(ap->provider, "tracepoint");
	CHECK_STR(ap->raw, "t:sched:sched_switch");
	CHECK(!ap->has_wildcard);
	CHECK_INT(ap->line, 2);
	CHECK_INT(ap->col, 17);
	ap = &ast->probes[0].points[2];
	CHECK_INT(ap->kind, BT_PROBE_UPROBE);
	CHECK_STR(ap->parts[0], "/bin/bash");
	CHECK_STR(ap->parts[1], "readline");
	CHECK_INT(ap->line, 3);
	CHECK_INT(ap->col, 3);
	CHECK(ast->probes[0].predicate != NULL);
	CHECK_INT(ast->probes[0].predicate->line, 3);
	CHECK_INT(ast->probes[0].predicate->col, 25);
	bt_ast__free(ast);
}

TT_TEST(predicates)
{
	CHECK_STR(
		probe_dump("BEGIN /pid == 1 && comm == \"sh\"/ { }"),
		"(probe (BEGIN)\n  (pred (&& (== pid 1) (== comm \"sh\"))))\n");
	/* A '/' inside the predicate divides unless a '{' follows it. */
	CHECK_STR(probe_dump("BEGIN / pid / 2 == 1 / { }"),
		  "(probe (BEGIN)\n  (pred (== (/ pid 2) 1)))\n");
	CHECK_STR(probe_dump("BEGIN /(a / b)/{}"),
		  "(probe (BEGIN)\n  (pred (/ a b)))\n");
	CHECK_STR(probe_dump("u:/bin/sh:main/$1/{}"),
		  "(probe (uprobe /bin/sh main)\n  (pred $1))\n");
}

/* Every node records where its first token is. */
TT_TEST(node_positions)
{
	struct bt_ast *ast;
	const struct bt_stmt *s;
	const struct bt_expr *e;

	CHECK_INT(bt_parse("BEGIN {\n  $x = 1 +\n    foo(2);\n  if ($x) {\n"
			   "    @m[1] = (uint8)$x;\n  }\n}",
			   &ast, NULL),
		  0);
	CHECK_INT(ast->probes[0].body.line, 1);
	CHECK_INT(ast->probes[0].body.col, 7);
	s = ast->probes[0].body.stmts[0];
	CHECK_INT(s->line, 2);
	CHECK_INT(s->col, 3);
	e = s->assign.value;
	CHECK_INT(e->kind, BT_EXPR_BINARY);
	CHECK_INT(e->line, 2);
	CHECK_INT(e->col, 8);
	CHECK_INT(e->binary.rhs->line, 3);
	CHECK_INT(e->binary.rhs->col, 5);
	CHECK_INT(e->binary.rhs->call.args[0]->col, 9);
	CHECK_INT(e->height, 3);
	s = ast->probes[0].body.stmts[1];
	CHECK_INT(s->kind, BT_STMT_IF);
	CHECK_INT(s->line, 4);
	s = s->if_.then.stmts[0];
	CHECK_INT(s->line, 5);
	CHECK_INT(s->col, 5);
	CHECK_INT(s->assign.value->kind, BT_EXPR_CAST);
	CHECK_INT(s->assign.value->col, 13);
	CHECK_INT(s->assign.value->cast.type->col, 14);
	bt_ast__free(ast);
}

/* String literals keep their raw text so printf errors can point into it. */
TT_TEST(string_raw_text)
{
	struct bt_ast *ast;
	const struct bt_expr *str;

	CHECK_INT(bt_parse("BEGIN {\n  printf(\"x\\ty%q\\n\"); }", &ast, NULL),
		  0);
	str = ast->probes[0].body.stmts[0]->expr->call.args[0];
	CHECK_INT(str->kind, BT_EXPR_STR);
	CHECK_INT(str->str.len, 6);
	CHECK_INT(str->str.raw_len, 8);
	CHECK(memcmp(str->str.raw, "x\\ty%q\\n", 8) == 0);
	CHECK_INT(str->line, 2);
	CHECK_INT(str->col, 10);
	CHECK_INT(bt_lexer__str_col(str, 3), 15); /* the '%' */
	bt_ast__free(ast);
}

/* The #if subset: 0, 1, [!]defined(NAME), defined NAME, #ifdef/#ifndef,
 * #else, nesting, and skipped text that is not bpftrace at all. */
TT_TEST(conditionals)
{
	CHECK_STR(
		parse_dump(
			"#if !defined(FOO)\nBEGIN {}\n#endif\n"
			"#if defined BPFTRACE_HAVE_BTF\nEND {}\n#endif\n"
			"#if 0\n#if 1\n`garbage\n#else\n\"\n#endif\n#else\n"
			"i:s:1 {}\n#endif\n#ifndef FOO\n#ifdef FOO\nx\n#else\n"
			"i:s:2 {}\n#endif\n#endif\n"),
		"(probe (BEGIN))\n(probe (END))\n(probe (interval s 1))\n"
		"(probe (interval s 2))\n");
	{
		char src[2048];
		size_t n = 0;
		int i;

		for (i = 0; i < 40; i++)
			n += (size_t)snprintf(src + n, sizeof(src) - n,
					      "#if 1\n");
		CHECK_STR(parse_dump(src),
			  "ERR -22 33:1: #if nested too deeply");
	}
}

TT_TEST(program_items)
{
	const char *src =
		"#!/usr/bin/env bpftrace\n"
		"#include <linux/sched.h>\n"
		"#include \"net/sock.h\"\n"
		"#define AF_X 17 // comment\n"
		"#define NAME \"str\"\n"
		"#define WEIRD { not an expr\n"
		"#ifndef BPFTRACE_HAVE_BTF\n"
		"struct skipped { int a; }\n"
		"#else\n"
		"#ifdef NOT_DEFINED\n"
		"this is not bpftrace at all `\n"
		"#endif\n"
		"#endif\n"
		"#if defined(AF_X)\n"
		"struct Foo { int a; unsigned long b, *c; char comm[16];\n"
		"  struct bar *next; u32 d; };\n"
		"union U { uint8 x; }\n"
		"#endif\n"
		"#if 0\n"
		"BEGIN { broken(( }\n"
		"#endif\n"
		"BEGIN { }\n";

	CHECK_STR(parse_dump(src),
		  "(include \"linux/sched.h\")\n"
		  "(include \"net/sock.h\")\n"
		  "(define AF_X 17)\n"
		  "(define NAME \"str\")\n"
		  "(define WEIRD \"{ not an expr\")\n"
		  "(struct Foo (<int32> a) (<uint64> b) (<uint64 *> c) "
		  "(<int8[16]> comm) (<struct bar *> next) (<u32> d))\n"
		  "(union U (<uint8> x))\n"
		  "(probe (BEGIN))\n");
}

/* #define constants expand where they are used, like cpp. */
TT_TEST(define_expansion)
{
	struct bt_ast *ast;
	const struct bt_expr *e;

	CHECK_STR(parse_dump("#define N 5\n#define M (N * 2)\n"
			     "#define S \"str\"\n#define X {\n"
			     "BEGIN { $a = N + M; printf(S); @m[N] = X; $y = "
			     "$n.N }"),
		  "(define N 5)\n(define M (* 5 2))\n(define S \"str\")\n"
		  "(define X \"{\")\n(probe (BEGIN)\n"
		  "  (= $a (+ 5 (* 5 2)))\n  (call printf \"str\")\n"
		  "  (= @m[5] X)\n  (= $y (. $n N)))\n");
	/* Only names defined earlier expand; a define cannot expand itself. */
	CHECK_STR(
		parse_dump("BEGIN { $a = N }\n#define N N + 1\nEND { $b = N }"),
		"(define N (+ N 1))\n(probe (BEGIN)\n  (= $a N))\n"
		"(probe (END)\n  (= $b (+ N 1)))\n");
	/* Every kind of node is copied, not shared. */
	CHECK(strstr(parse_dump(
			     "#define E (@m[1, f(2)] ? -(1, $t.0).1 : "
			     "((struct s *)$p)->a[sizeof($y)] + sizeof(int8))\n"
			     "BEGIN { $x = E; $y = E }"),
		     "(= $y (? @m[1, (call f 2)] (- (. (tuple 1 (. $t 0)) 1)) "
		     "(+ ([] (-> (cast <struct s *> $p) a) (sizeof $y)) "
		     "(sizeof <int8>))))") != NULL);
	/* The latest definition wins, even when it is not an expression. */
	CHECK(strstr(parse_dump("#define N 5\n#define N {\nBEGIN { $x = N }"),
		     "(= $x N)") != NULL);
	/* The copy sits at the use site. */
	CHECK_INT(bt_parse("#define M (1 + 2)\nBEGIN {\n  $x = M;\n}", &ast,
			   NULL),
		  0);
	e = ast->probes[0].body.stmts[0]->assign.value;
	CHECK_INT(e->kind, BT_EXPR_BINARY);
	CHECK_INT(e->line, 3);
	CHECK_INT(e->col, 8);
	CHECK_INT(e->binary.rhs->line, 3);
	CHECK(e != ast->defines[0].expr);
	bt_ast__free(ast);
}

/* Each define may double the next; the expansion stays bounded. */
TT_TEST(define_blowup_bounded)
{
	char src[8192];
	size_t n = 0;
	int i;

	n += (size_t)snprintf(src + n, sizeof(src) - n, "#define A0 (1 + 1)\n");
	for (i = 1; i < 60; i++)
		n += (size_t)snprintf(src + n, sizeof(src) - n,
				      "#define A%d (A%d + A%d)\n", i, i - 1,
				      i - 1);
	snprintf(src + n, sizeof(src) - n, "BEGIN { $x = A59 + A59; }");
	CHECK(strstr(parse_dump(src), "expansion too large") != NULL ||
	      strstr(parse_dump(src), "nested too deeply") != NULL);
}

/* Files with CRLF line ends parse like LF ones. */
TT_TEST(crlf_lines)
{
	CHECK_STR(parse_dump("#include <a.h>\r\n#define N 3\r\n#ifdef N\r\n"
			     "BEGIN {\r\n  $x = N;\r\n}\r\n#endif\r\n"),
		  "(include \"a.h\")\n(define N 3)\n(probe (BEGIN)\n  (= $x "
		  "3))\n");
}

/* One-liners in the style of bpftrace's tutorial and reference guide. */
TT_TEST(one_liners_parse)
{
	static const char *const progs[] = {
		"BEGIN { printf(\"hello world\\n\"); }",
		"tracepoint:syscalls:sys_enter_openat { printf(\"%s %s\\n\", "
		"comm, "
		"str(args->filename)); }",
		"tracepoint:raw_syscalls:sys_enter { @[comm] = count(); }",
		"tracepoint:syscalls:sys_exit_read /pid == 18644/ { @bytes = "
		"hist(args->ret); }",
		"kretprobe:vfs_read { @bytes = lhist(retval, 0, 2000, 200); }",
		"kprobe:vfs_read { @start[tid] = nsecs; } kretprobe:vfs_read "
		"/@start[tid]/ { @ns[comm] = hist(nsecs - @start[tid]); "
		"delete(@start[tid]); }",
		"tracepoint:sched:sched* { @[probe] = count(); } interval:s:5 "
		"{ "
		"exit(); }",
		"profile:hz:99 { @[kstack] = count(); }",
		"kprobe:vfs_open { printf(\"open path: %s\\n\", str(((struct "
		"path "
		"*)arg0)->dentry->d_name.name)); }",
		"uprobe:/bin/bash:readline { printf(\"%s\\n\", str(arg0)); }",
		"uretprobe:/bin/bash:readline { printf(\"read a line\\n\"); }",
		"tracepoint:syscalls:sys_enter_execve { join(args->argv); }",
		"i:ms:100 { @[cpu] = stats(1); @a = avg(2); @m = min(3); @x = "
		"max(4); @s = sum(5); }",
		"t:syscalls:sys_enter_write /comm == \"bash\"/ { "
		"printf(\"%r\\n\", "
		"buf(args->buf, args->count)); }",
		"k:tcp_sendmsg { @[ntop(((struct "
		"sock*)arg0)->__sk_common.skc_daddr)] "
		"= sum(arg2); }",
		"BEGIN { printf(\"%s\\n\", strftime(\"%H:%M:%S\", nsecs)); "
		"time(); "
		"}",
		"BEGIN { @m[1] = 1; print(@m); print(@m, 10, 2); clear(@m); "
		"zero(@m); print(1 + 2) }",
		"END { print(@, 10); clear(@); }",
		"watchpoint:0x10000000:8:rw { printf(\"hit\\n\"); }",
		"usdt:/usr/sbin/mysqld:mysql:query__start { @[str(arg0)] = "
		"count(); "
		"}",
		"kprobe:f { $i = 0; while ($i < 10) { $i++; if ($i > 5) { "
		"break; } "
		"} }",
		"BEGIN { if (strncmp(comm, \"bash\", 4) == 0) { "
		"signal(\"KILL\"); "
		"system(\"ls\"); } }",
		"kprobe:f { @[ustack(perf, 10), kstack(5)] = count(); "
		"printf(\"%s\\n\", ksym(reg(\"ip\"))); }",
		"t:syscalls:sys_enter_kill { printf(\"%d %s %s %d\\n\", "
		"cgroup, "
		"cgroup_path(cgroup), username, rand % 10); }",
		"BEGIN { @x = (1, \"a\"); $t = @x; printf(\"%d %s\\n\", $t.0, "
		"$t.1); }",
		"uprobe:/bin/sh:$1 { printf(\"%d\\n\", $# + $2); }",
		"kfunc:vfs_read { printf(\"%d\\n\", args->count); } "
		"kretfunc:vfs_read { @[retval] = count(); }",
		"software:page-faults:100 { @[comm] = count(); } "
		"hardware:cache-misses:1000000 { @[pid] = count(); }",
		"t:sched:sched_process_exit { printf(\"%s\\n\", "
		"str(curtask->mm->exe_file->f_path.dentry->d_name.name)); }",
		"BEGIN { $x = (int64)-1; $y = (uint8)$x; @z = $x < 0 ? \"neg\" "
		": "
		"\"pos\"; unroll(4) { $y++ } exit() }",
		"k:f { printf(\"%s\\n\", kaddr(\"jiffies\") ? uaddr(\"x\") : "
		"0); "
		"cat(\"/proc/loadavg\"); override(0) }",
	};
	size_t i;

	for (i = 0; i < sizeof(progs) / sizeof(progs[0]); i++) {
		const char *d = parse_dump(progs[i]);

		CHECKF(strncmp(d, "(probe", 6) == 0, "%s -> %s", progs[i], d);
	}
}

/* Every tool bpftrace ships (Debian: /usr/sbin/ *.bt) parses. */
TT_TEST(bpftrace_tools_parse)
{
	DIR *dir = opendir("/usr/sbin");
	struct dirent *de;
	int n = 0;

	if (!dir)
		SKIP("no /usr/sbin");
	while ((de = readdir(dir))) {
		char path[512], *buf = NULL;
		size_t cap = 0;
		size_t len = strlen(de->d_name);
		FILE *f;
		struct bt_diags *d;
		struct bt_ast *ast;
		int err;

		if (len < 4 || strcmp(de->d_name + len - 3, ".bt"))
			continue;
		snprintf(path, sizeof(path), "/usr/sbin/%s", de->d_name);
		f = fopen(path, "r");
		if (!f)
			continue;
		if (getdelim(&buf, &cap, 0, f) < 0) {
			fclose(f);
			free(buf);
			continue;
		}
		fclose(f);
		d = bt_diags__new();
		err = bt_parse(buf, &ast, d);
		if (err) {
			char *r = bt_diags__render(d, buf, path);

			tt_test__fail(__FILE__, __LINE__, "%s", r);
			free(r);
			free(buf);
			bt_diags__free(d);
			closedir(dir);
			return;
		}
		CHECK(ast->nprobes > 0);
		bt_ast__free(ast);
		bt_diags__free(d);
		free(buf);
		n++;
	}
	closedir(dir);
	if (n == 0)
		SKIP("bpftrace tools not installed");
}

TT_TEST(null_and_empty_input)
{
	struct bt_diags *d = bt_diags__new();
	struct bt_ast *ast = (struct bt_ast *)1;

	CHECK_INT(bt_parse(NULL, &ast, d), -EINVAL);
	CHECK(ast == NULL);
	CHECK_STR(bt_diags__get(d, 0)->msg, "no program text");
	CHECK_INT(bt_parse_n(NULL, 0, &ast, d), -EINVAL);
	CHECK_STR(bt_diags__get(d, 1)->msg, "the program has no probes");
	CHECK_INT(bt_parse_n("BEGIN {}", 5, &ast, NULL), -EINVAL);
	CHECK_INT(bt_parse_n("BEGIN {}xyz", 8, &ast, NULL), 0);
	CHECK_INT(ast->nprobes, 1);
	bt_ast__free(ast);
	bt_ast__free(NULL);
	bt_diags__free(d);
}

/* bpftrace 0.17 takes commas between probe blocks, not before or after. */
TT_TEST(commas_between_probes)
{
	struct bt_diags *d = bt_diags__new();
	struct bt_ast *ast = NULL;

	CHECK_INT(bt_parse("BEGIN { } , END { } , , interval:s:1 { }", &ast, d),
		  0);
	CHECK_INT(ast ? (int)ast->nprobes : -1, 3);
	bt_ast__free(ast);
	CHECK(bt_parse("BEGIN { } ,", &ast, d) < 0);
	CHECKF(bt_diags__count(d) == 1 && strstr(bt_diags__get(d, 0)->msg,
						 "expected a probe after ','"),
	       "%s", bt_diags__count(d) ? bt_diags__get(d, 0)->msg : "");
	CHECK(bt_parse(", BEGIN { }", &ast, d) < 0);
	bt_diags__free(d);
}

TT_TEST(names)
{
	CHECK_STR(bt_binop__str(BT_BINOP_SHL), "<<");
	CHECK_STR(bt_binop__str(BT_BINOP_NONE), "=");
	CHECK_STR(bt_unop__str(BT_UNOP_DEREF), "*");
	CHECK_STR(bt_probe_kind__name(BT_PROBE_RAWTRACEPOINT), "rawtracepoint");
	CHECK_STR(bt_probe_kind__name((enum bt_probe_kind)999), "?");
}

TT_MAIN("bpf/parser", TT_CASE(literals_and_names), TT_CASE(binary_precedence),
	TT_CASE(associativity), TT_CASE(unary_operators),
	TT_CASE(postfix_and_members), TT_CASE(casts_tuples_sizeof),
	TT_CASE(statements), TT_CASE(control_flow),
	TT_CASE(attach_points_and_aliases), TT_CASE(attach_point_fields),
	TT_CASE(predicates), TT_CASE(node_positions), TT_CASE(string_raw_text),
	TT_CASE(conditionals), TT_CASE(program_items), TT_CASE(crlf_lines),
	TT_CASE(define_expansion), TT_CASE(define_blowup_bounded),
	TT_CASE(one_liners_parse), TT_CASE(bpftrace_tools_parse),
	TT_CASE(null_and_empty_input), TT_CASE(commas_between_probes),
	TT_CASE(names))
