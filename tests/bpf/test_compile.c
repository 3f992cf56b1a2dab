/*
 * test_compile.c - the compiler from text to verified BPF, without
 * attaching: schemas, type checking, every kind of diagnostic with its
 * exact position, the printf -> table rules, and kprobe programs passing
 * the real verifier on a kernel that cannot attach them.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "tests/tt_test.h"
#include "tracetab/bt.h"

struct result {
	int rc;
	int line, col;
	char msg[512];
	size_t ndiags;
	struct bt_program *prog;
};

/* Compiles src; keeps the first diagnostic. The caller frees r->prog. */
static struct result compile(const char *src, bool table_mode)
{
	struct result r = { 0 };
	struct bt_diags *d = bt_diags__new();
	struct bt_compile_opts o = { .sz = sizeof(o), .table_mode = table_mode };
	r.rc = bt_program__compile(src, &o, &r.prog, d);
	r.ndiags = bt_diags__count(d);
	if (r.ndiags) {
		const struct bt_diag *g = bt_diags__get(d, 0);
		r.line = g->line;
		r.col = g->col;
		snprintf(r.msg, sizeof(r.msg), "%s", g->msg);
	}
	bt_diags__free(d);
	return r;
}

/* Expects a compile error at line:col whose message contains `what`. */
#define CHECK_ERROR(src, table, l, c, what)                                  \
	do {                                                                 \
		struct result _r = compile(src, table);                      \
		bt_program__free(_r.prog);                                   \
		CHECKF(_r.rc < 0, "compiled: %s", src);                      \
		CHECKF(_r.line == (l) && _r.col == (c),                      \
		       "at %d:%d, want %d:%d: %s", _r.line, _r.col, l, c,    \
		       _r.msg);                                              \
		CHECKF(strstr(_r.msg, what), "message \"%s\" lacks \"%s\"",  \
		       _r.msg, what);                                        \
	} while (0)

#define GETPPID "tracepoint:syscalls:sys_enter_getppid"

TT_TEST(schema_from_labels)
{
	struct result r = compile(GETPPID " { printf(\"pid:%d comm:%s "
					   "%u\\n\", pid, comm, (int32)-1); }",
				  true);
	CHECKF(r.rc == 0, "%s", r.msg);
	const struct tt_schema *s = bt_program__schema(r.prog);
	CHECK_INT(s->ncols, 4);
	CHECK_STR(s->cols[0].name, "pid");
	CHECK_INT(s->cols[0].type, TT_TYPE_UINT64); /* pid is unsigned */
	CHECK_STR(s->cols[1].name, "comm");
	CHECK_INT(s->cols[1].type, TT_TYPE_STRING);
	CHECK_STR(s->cols[2].name, "col3");
	CHECK_INT(s->cols[2].type, TT_TYPE_INT64); /* signed cast */
	CHECK_STR(s->cols[3].name, "time_");
	CHECK_INT(s->cols[3].type, TT_TYPE_TIME);
	bt_program__free(r.prog);
}

TT_TEST(schema_with_time)
{
	struct result r = compile(GETPPID " { printf(\"time_:%llu a:%s "
					   "b:%d\", nsecs, ntop(0x0100007f), "
					   "-3); }",
				  true);
	CHECKF(r.rc == 0, "%s", r.msg);
	const struct tt_schema *s = bt_program__schema(r.prog);
	CHECK_INT(s->ncols, 3);
	CHECK_STR(s->cols[0].name, "time_");
	CHECK_INT(s->cols[0].type, TT_TYPE_TIME);
	CHECK_INT(s->cols[1].type, TT_TYPE_STRING); /* ntop is text */
	CHECK_INT(s->cols[2].type, TT_TYPE_INT64);
	bt_program__free(r.prog);
}

TT_TEST(table_rule_same_printf_ok)
{
	struct result r = compile(GETPPID " { printf(\"a:%d\", pid); }\n"
					  "tracepoint:syscalls:sys_enter_getpid"
					  " { printf(\"a:%d\", tid); }",
				  true);
	CHECKF(r.rc == 0, "%s", r.msg);
	bt_program__free(r.prog);
}

/* Several formats, BEGIN/END printfs and programs without printf: see
 * test_sema_tables.c (they became tables and log records). */

TT_TEST(table_rule_time_integer)
{
	CHECK_ERROR(GETPPID " { printf(\"x:%d time_:%s\", 1, comm); }", true,
		    1, 54, "time_ must be an integer");
}

/* Regression: positions inside a format count escapes as written. */
TT_TEST(printf_positions_after_escapes)
{
	CHECK_ERROR(GETPPID " { printf(\"a\\tb %q\", pid); }", false, 1, 54,
		    "unknown printf conversion");
	CHECK_ERROR(GETPPID " { printf(\"\\t\\ttime_:%s\", comm); }", true,
		    1, 53, "time_ must be an integer");
}

TT_TEST(table_rule_duplicate_column)
{
	struct result r = compile(GETPPID " { printf(\"a:%d a:%d\", 1, 2); }",
				  true);
	bt_program__free(r.prog);
	CHECK(r.rc < 0);
	CHECK_INT(r.line, 1);
	CHECKF(strstr(r.msg, "a"), "%s", r.msg);
}

TT_TEST(printf_errors)
{
	CHECK_ERROR(GETPPID " { printf(\"%d %d\", 1); }", false, 1, 41,
		    "2 conversions but 1 argument");
	CHECK_ERROR(GETPPID " { printf(\"x %q\", 1); }", false, 1, 51, "");
	CHECK_ERROR(GETPPID " { printf(\"%d\", comm); }", false, 1, 54,
		    "%d cannot print string");
}

TT_TEST(unknown_names)
{
	CHECK_ERROR(GETPPID " {\n  $x = nosuch;\n}", false, 2, 8,
		    "unknown identifier 'nosuch'");
	CHECK_ERROR(GETPPID " { frob(1); }", false, 1, 41,
		    "unknown function 'frob'");
	CHECK_ERROR(GETPPID " { printf(\"%d\", args->nosuch); }", false, 1,
		    54, "has no field 'nosuch'");
	CHECK_ERROR("tracepoint:syscalls:sys_enter_nosuch { }", false, 1, 1,
		    "nosuch");
	CHECK_ERROR(GETPPID " { $t = curtask->nosuch; }", false, 1, 46,
		    "nosuch");
	CHECK_ERROR(GETPPID " { $s = (struct nosuch *)0; }", false, 1, 47,
		    "nosuch");
	CHECK_ERROR(GETPPID " { printf(\"%d\", $y); }", false, 1, 54,
		    "'$y' is used before");
	/* A map read before any assignment is an integer map. */
	CHECK_ERROR(GETPPID " { $x = @m; @m = comm; }", false, 1, 50,
		    "holds int64, cannot assign string");
}

TT_TEST(type_errors)
{
	CHECK_ERROR(GETPPID " {\n  $x = 1;\n  $x = comm;\n}", false, 3, 3,
		    "holds int64, cannot assign string");
	CHECK_ERROR(GETPPID " { @m[1] = 1; @m[\"a\"] = 2; }", false, 1, 52,
		    "keys of type");
	CHECK_ERROR(GETPPID " { @m = 1; @m = comm; }", false, 1, 49,
		    "cannot assign");
	CHECK_ERROR(GETPPID " { $x = comm + 1; }", false, 1, 46,
		    "cannot combine");
	CHECK_ERROR(GETPPID " { $x = pid->x; }", false, 1, 46, "member");
	CHECK_ERROR(GETPPID " { $x = curtask.pid; }", false, 1, 46,
		    "use '->'");
	CHECK_ERROR(GETPPID " { $x = count(); }", false, 1, 46,
		    "can only be assigned to a map");
	CHECK_ERROR(GETPPID " { @c = count(); @c = sum(1); }", false, 1, 55,
		    "different aggregation");
}

TT_TEST(probe_context_errors)
{
	CHECK_ERROR(GETPPID " { printf(\"%d\", retval); }", false, 1, 54,
		    "retval");
	CHECK_ERROR(GETPPID " { printf(\"%d\", arg0); }", false, 1, 54,
		    "args->field");
	CHECK_ERROR("BEGIN { printf(\"%d\", args->x); }", false, 1, 22,
		    "only available in tracepoint");
	CHECK_ERROR("interval:xs:1 { }", false, 1, 1, "interval:s|ms|us|hz");
	/* usdt, fentry, hardware and missing kprobe functions:
	 * test_compile_probes.c. */
	CHECK_ERROR("uprobe:/nonexistent/bin:f { }", false, 1, 1,
		    "nonexistent");
}

TT_TEST(syntax_error_position)
{
	CHECK_ERROR("BEGIN {\n  if (1) { break; }\n}", false, 2, 12,
		    "break outside a while loop");
	CHECK_ERROR("BEGIN {\n  $x = ;\n}", false, 2, 8, "");
	CHECK_ERROR("BEGIN {\n  return 5;\n}", false, 2, 10,
		    "return takes no value in a probe");
}

TT_TEST(constants_and_macros)
{
	/* Enum constants from BTF, macros from the built-in table. */
	struct result r = compile(GETPPID " { printf(\"%d %d %d\", "
					   "TCP_ESTABLISHED, AF_INET6, "
					   "sizeof(struct sock) > 0); }",
				  false);
	CHECKF(r.rc == 0, "%s", r.msg);
	bt_program__free(r.prog);
}

TT_TEST(kprobe_loads_but_cannot_attach)
{
	struct bt_features f;
	bt_features__probe(&f);
	const char *src =
		"#include <net/sock.h>\n"
		"kprobe:tcp_retransmit_skb {\n"
		"  $sk = (struct sock *)arg0;\n"
		"  if ($sk->__sk_common.skc_family == AF_INET) {\n"
		"    printf(\"time_:%llu src:%s sport:%d dst:%s dport:%d\\n\",\n"
		"      nsecs, ntop($sk->__sk_common.skc_rcv_saddr),\n"
		"      $sk->__sk_common.skc_num,\n"
		"      ntop($sk->__sk_common.skc_v6_daddr.in6_u.u6_addr8),\n"
		"      bswap($sk->__sk_common.skc_dport));\n"
		"  }\n"
		"}\n"
		"kretprobe:tcp_retransmit_skb { @r[retval] = count(); }\n";
	struct bt_diags *d = bt_diags__new();
	struct bt_compile_opts o = { .sz = sizeof(o), .table_mode = true };
	struct bt_program *p = NULL;
	int rc = bt_program__compile(src, &o, &p, d);
	CHECKF(rc == 0, "%s", bt_diags__count(d) ? bt_diags__get(d, 0)->msg
						 : "?");
	rc = bt_program__load(p, d);
	CHECKF(rc == 0, "load: %s", bt_diags__count(d)
					    ? bt_diags__get(d, 0)->msg
					    : "?");
	rc = bt_program__attach(p, d);
	if (f.kprobe) {
		bt_program__free(p);
		bt_diags__free(d);
		SKIP("this kernel has kprobes; the missing-kprobe path is "
		     "untestable here (compile and load passed)");
	}
	CHECK(rc < 0);
	CHECK(bt_diags__count(d) == 1);
	const struct bt_diag *g = bt_diags__get(d, 0);
	CHECKF(strstr(g->msg, "kprobes are not available on this kernel"),
	       "%s", g->msg);
	CHECK_INT(g->line, 2);
	CHECK_INT(g->col, 1);
	bt_program__free(p);
	bt_diags__free(d);
}

TT_TEST(verifier_rejection_has_log_tail)
{
	/* Semantically fine, but 2^40 paths with a precise length: the
	 * verifier gives up after a million instructions. */
	const char *src =
		"tracepoint:syscalls:sys_enter_openat {\n"
		"  $x = 1;\n"
		"  unroll(40) { if (nsecs & 1) { $x = $x * 2 + 1; }\n"
		"               else { $x = $x * 2; } }\n"
		"  printf(\"%s\", str(args->filename, $x));\n}";
	struct bt_diags *d = bt_diags__new();
	struct bt_program *p = NULL;
	int rc = bt_program__compile(src, NULL, &p, d);
	CHECK(rc == 0);
	rc = bt_program__load(p, d);
	bt_program__free(p);
	CHECK(rc < 0);
	CHECK(bt_diags__count(d) == 1);
	const struct bt_diag *g = bt_diags__get(d, 0);
	bool ok = g->line == 1 && g->col == 1 &&
		  strstr(g->msg, "the BPF verifier rejected") &&
		  strstr(g->msg, "processed 1000001 insns");
	char msg[600];
	snprintf(msg, sizeof(msg), "%d:%d %s", g->line, g->col, g->msg);
	bt_diags__free(d);
	CHECKF(ok, "%s", msg);
}

TT_TEST(render_with_caret)
{
	const char *src = "BEGIN {\n  $x = nosuch;\n}";
	struct bt_diags *d = bt_diags__new();
	struct bt_program *p = NULL;
	CHECK(bt_program__compile(src, NULL, &p, d) < 0);
	char *txt = bt_diags__render(d, src, "t.bt");
	CHECK(txt);
	bool ok = strstr(txt, "t.bt:2:8:") && strstr(txt, "  $x = nosuch;") &&
		  strstr(txt, "       ^");
	free(txt);
	bt_diags__free(d);
	CHECK(ok);
}

TT_TEST(garbage_never_crashes)
{
	static const char *bad[] = {
		"", "{", "BEGIN", "BEGIN {", "BEGIN { printf( }",
		"tracepoint: { }", "tracepoint:a:b:c { }", "kprobe { }",
		"BEGIN { @x[1,2] = 1; @x[1] = 2; }",
		"BEGIN { $x = (1, \"a\"); $y = $x.5; }",
		"BEGIN { $x = *0; }", "BEGIN { $x = str(comm, -1); }",
		"BEGIN { unroll(1000) { } }", "BEGIN { while (1) { } }",
		"BEGIN { printf(\"%s\", (1,2)); }",
		"uprobe:/bin/sh { }", "profile:hz:0 { }",
		"BEGIN { delete(@nosuch[1]); }",
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		struct result r = compile(bad[i], true);
		bt_program__free(r.prog);
		CHECKF(r.rc < 0 && r.ndiags > 0, "accepted: %s", bad[i]);
	}
}

TT_MAIN("compile", TT_CASE(schema_from_labels), TT_CASE(schema_with_time),
	TT_CASE(table_rule_same_printf_ok), TT_CASE(table_rule_time_integer),
	TT_CASE(printf_positions_after_escapes),
	TT_CASE(table_rule_duplicate_column), TT_CASE(printf_errors),
	TT_CASE(unknown_names), TT_CASE(type_errors),
	TT_CASE(probe_context_errors), TT_CASE(syntax_error_position),
	TT_CASE(constants_and_macros),
	TT_CASE(kprobe_loads_but_cannot_attach),
	TT_CASE(verifier_rejection_has_log_tail), TT_CASE(render_with_caret),
	TT_CASE(garbage_never_crashes))
