/*
 * test_builtins_more.c - print(value), strcontains(), kstack/ustack with
 * mode and depth, avg/stats map order and buf() of a string, compiled,
 * loaded and run on the real kernel: BEGIN programs, a syscall tracepoint
 * this test triggers, uprobes on this binary's own functions. Expected
 * texts are what bpftrace 0.17 prints for the same programs here.
 */
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "bpf/object.h"
#include "tests/bpf/bpf_util.h"
#include "tests/tt_test.h"
#include "tracetab/bt.h"

#define MAX_ROWS 8

struct rows {
	struct bt_program *prog;
	int n;
	char text[MAX_ROWS][1024];
};

static int on_row(void *ctx, const struct bt_row *row)
{
	struct rows *r = ctx;
	if (r->n < MAX_ROWS)
		bt_program__format_row(r->prog, row, r->text[r->n++], 1024);
	return 0;
}

static char errbuf[2048];

/* Compiles, loads, attaches; NULL with errbuf filled on failure. */
static struct bt_program *start(const char *src, FILE *out)
{
	struct bt_compile_opts o = { .sz = sizeof(o) };
	const struct btt_run r = {
		.opts = &o, .out = out, .upto = BTT_ATTACH, .render = true};
	struct bt_program *p = NULL;

	return btt__run(src, &r, &p, errbuf, sizeof(errbuf)) ? NULL : p;
}

/* Compile only: 0, or the error with its message in errbuf. */
static int compile_only(const char *src)
{
	struct bt_compile_opts o = { .sz = sizeof(o) };
	const struct btt_run r = {.opts = &o, .render = true};

	return btt__run(src, &r, NULL, errbuf, sizeof(errbuf));
}

/* Consumes until want rows arrived or the program exited (3 s at most). */
static void drain(struct rows *r, int want)
{
	btt__drain(r->prog, on_row, r, &r->n, want, true);
}

/* uprobe target, called from two places. */
BTT_TARGET_INT(tt_more_fn);
__attribute__((noinline)) int tt_more_a(int x)
{
	return tt_more_fn(x) + 2;
}
__attribute__((noinline)) int tt_more_b(int x)
{
	return tt_more_fn(x) * 3;
}

/* Runs a BEGIN program to its exit(); its print() output (static). */
static const char *run_begin(const char *src)
{
	static char out[4096];
	memset(out, 0, sizeof(out));
	FILE *f = fmemopen(out, sizeof(out) - 1, "w");
	struct rows r = { .prog = start(src, f) };
	if (!r.prog) {
		fclose(f);
		snprintf(out, sizeof(out), "ERROR %s", errbuf);
		return out;
	}
	drain(&r, 0);
	bt_program__free(r.prog);
	fclose(f);
	return out;
}

TT_TEST(print_value_texts)
{
	const char *out = run_begin(
		"BEGIN { print(123); print(-5); print((int8)-3); "
		"print((uint8)255); print(\"abc\"); "
		"print((1, \"a\", (2, 3))); print(ntop(0)); print(ksym(0)); "
		"print(usym(0)); print(ksym(1)); exit(); }");
	CHECK_STR(out, "123\n-5\n-3\n255\nabc\n(1, a, (2, 3))\n0.0.0.0\n0\n0\n"
		       "0x1\n");
}

TT_TEST(print_value_of_a_stack)
{
	/* bpftrace's layout: a newline, then frames indented by 8. */
	const char *out = run_begin("BEGIN { print(kstack(2)); exit(); }");
	CHECKF(!strncmp(out, "\n        ", 9) &&
		       !strcmp(out + strlen(out) - 2, "\n\n") &&
		       strchr(out + 9, '\n') < out + strlen(out) - 2,
	       "%s", out);
}

struct texts {
	int n;
	char t[4][128];
};

static void on_text(void *ctx, uint64_t mono_ns, const char *text,
		    size_t len)
{
	struct texts *x = ctx;
	(void)mono_ns;
	if (x->n < 4)
		snprintf(x->t[x->n++], 128, "%.*s", (int)len, text);
}

/* A deployment's print(value) goes to its log, like join()/cat(). */
TT_TEST(print_value_goes_to_the_text_callback)
{
	struct texts x = { 0 };
	struct rows r = { .prog = start(
				  "BEGIN { print((7, \"x\")); exit(); }", NULL) };
	CHECKF(r.prog, "%s", errbuf);
	bt_program__set_text_fn(r.prog, on_text, &x);
	drain(&r, 0);
	bt_program__free(r.prog);
	CHECK_INT(x.n, 1);
	CHECK_STR(x.t[0], "(7, x)\n");
}

TT_TEST(print_value_errors)
{
	CHECK(compile_only("BEGIN { print(1, 2); }"));
	CHECKF(strstr(errbuf, "print() of a value takes one argument, 2 "
			      "given"),
	       "%s", errbuf);
	CHECK(compile_only("BEGIN { print(curtask); }"));
	CHECKF(strstr(errbuf, "print() cannot print struct task_struct *"),
	       "%s", errbuf);
	CHECK(compile_only("BEGIN { @a[1] = 1; print(@a[1]); }"));
	CHECKF(strstr(errbuf, "not one of its elements"), "%s", errbuf);
	CHECK(compile_only("BEGIN { print(@nope); }"));
	CHECKF(strstr(errbuf, "never assigned"), "%s", errbuf);
}

TT_TEST(strcontains_cases)
{
	struct rows r = { .prog = start(
				  "BEGIN { $h = \"hello world\"; $n = \"lo w\";\n"
				  "  printf(\"%d %d %d %d %d %d %d %d\\n\",\n"
				  "    strcontains($h, \"wor\"), "
				  "strcontains($h, \"xyz\"),\n"
				  "    strcontains($h, \"\"), strcontains(\"\", \"\"),"
				  "\n    strcontains($h, $h), strcontains($h, $n),\n"
				  "    strcontains(\"ab\", \"abc\"), "
				  "strcontains($h, \"worlds\"));\n"
				  "  exit(); }",
				  NULL) };
	CHECKF(r.prog, "%s", errbuf);
	drain(&r, 1);
	bt_program__free(r.prog);
	CHECK_INT(r.n, 1);
	CHECK_STR(r.text[0], "1 0 1 1 1 1 0 0\n");
	CHECK(compile_only("BEGIN { printf(\"%d\", strcontains(1, \"a\")); }"));
	CHECKF(strstr(errbuf, "strcontains() needs two strings"), "%s",
	       errbuf);
}

/* A path read from the kernel at run time: the needle at its very end. */
TT_TEST(strcontains_on_a_tracepoint_string)
{
	char *src = btt__fmt(
		"tracepoint:syscalls:sys_enter_openat /pid == %d/ {\n"
		"  printf(\"%%d %%d\\n\", "
		"strcontains(str(args->filename), \"more_tail\"), "
		"strcontains(str(args->filename), \"more_tails\"));\n}",
		getpid());
	struct rows r = { .prog = start(src, NULL) };
	CHECKF(r.prog, "%s", errbuf);
	FILE *f = fopen("/tmp/tt_strcontains_more_tail", "r");
	if (f)
		fclose(f);
	drain(&r, 1);
	bt_program__free(r.prog);
	CHECK_INT(r.n, 1);
	CHECK_STR(r.text[0], "1 0\n");
}

/* The value sizes of the program's stack maps, ascending. */
static int stack_sizes(const struct bt_program *p, uint32_t *v, int max)
{
	int n = 0;
	for (size_t i = 0; i < p->obj->nmaps && n < max; i++)
		if (p->obj->maps[i].type == BPF_MAP_TYPE_STACK_TRACE)
			v[n++] = p->obj->maps[i].value_size;
	for (int i = 1; i < n; i++)
		for (int k = i; k > 0 && v[k - 1] > v[k]; k--) {
			uint32_t t = v[k];
			v[k] = v[k - 1];
			v[k - 1] = t;
		}
	return n;
}

TT_TEST(kstack_modes_and_depths)
{
	char *src =
		btt__fmt("tracepoint:syscalls:sys_enter_getppid /pid == %d/ {\n"
			 "  @p[kstack(perf, 2)] = count(); "
			 "@b[kstack(bpftrace, 1)] = count();\n"
			 "  @q[kstack(perf)] = count(); @v = kstack(1);\n"
			 "  printf(\"[%%s]\", kstack(perf, 1));\n}",
			 getpid());
	struct rows r = { .prog = start(src, NULL) };
	CHECKF(r.prog, "%s", errbuf);
	/* One map per depth, each frames * 8 bytes a stack. */
	uint32_t v[4];
	CHECK_INT(stack_sizes(r.prog, v, 4), 3);
	CHECK_INT(v[0], 8);
	CHECK_INT(v[1], 16);
	CHECK_INT(v[2], 127 * 8);
	syscall(SYS_getppid);
	syscall(SYS_getppid);
	drain(&r, 2);
	const char *out = btt__end(r.prog);
	CHECK_INT(r.n, 2);
	/* perf mode: a tab, the address in hex, the symbol+offset. */
	CHECKF(!strncmp(r.text[0], "[\n\tffffffff", 11) &&
		       strstr(r.text[0], " perf_syscall_enter+") &&
		       !strcmp(r.text[0] + strlen(r.text[0]) - 2, "\n]"),
	       "%s", r.text[0]);
	CHECKF(strstr(out, "@b[\n    perf_syscall_enter+") &&
		       strstr(out, "]: 2\n@p[\n\tffffffff"),
	       "%s", out);
	const char *p = strstr(out, "@p[\n");
	int lines = 0;
	for (; p && *p && strncmp(p, "]: 2", 4); p++)
		lines += *p == '\n';
	CHECKF(lines == 3, "%d lines in %s", lines, out);
	CHECKF(strstr(out, "@q[\n\t") && strstr(out, " do_syscall_64+"), "%s",
	       out);
	/* A stack as a value: frames indented by 8. */
	CHECKF(strstr(out, "@v: \n        perf_syscall_enter+"), "%s", out);
}

/* User frames name symbol+offset (perf mode: and the file), through the
 * pid the value carries; ustack(1) keys of two callers are one key. */
TT_TEST(ustack_modes_name_user_frames)
{
	char *src = btt__fmt("uprobe:%s:tt_more_fn /pid == %d/ {\n"
			     "  @u[ustack(1)] = count(); "
			     "@p[ustack(perf, 1)] = count();\n}",
			     btt__self(), getpid());
	struct rows r = { .prog = start(src, NULL) };
	CHECKF(r.prog, "%s", errbuf);
	tt_more_a(1);
	tt_more_b(2);
	const char *out = btt__end(r.prog);
	char want[8192];
	snprintf(want, sizeof(want),
		 "\n\n@p[\n\t%llx tt_more_fn+0 (%s)\n]: 2\n"
		 "@u[\n    tt_more_fn+0\n]: 2\n",
		 (unsigned long long)(uintptr_t)tt_more_fn, btt__self());
	CHECK_STR(out, want);
}

TT_TEST(stack_argument_errors)
{
	CHECK(compile_only("BEGIN { @[kstack(fast)] = 1; }"));
	CHECKF(strstr(errbuf, "unknown identifier") ||
		       strstr(errbuf, "fast"),
	       "%s", errbuf);
	CHECK(compile_only("BEGIN { @[kstack(perf, 0)] = 1; }"));
	CHECKF(strstr(errbuf, "stack depth must be a constant from 1 to 127"),
	       "%s", errbuf);
	CHECK(compile_only("BEGIN { @[ustack(200)] = 1; }"));
	CHECKF(strstr(errbuf, "from 1 to 127"), "%s", errbuf);
	CHECK(compile_only("BEGIN { @[kstack(1, 2)] = 1; }"));
	CHECKF(strstr(errbuf, "stack mode must be bpftrace or perf"), "%s",
	       errbuf);
	CHECK(compile_only("BEGIN { @[kstack(perf, 2, 3)] = 1; }"));
	CHECKF(strstr(errbuf, "kstack"), "%s", errbuf);
	CHECK(compile_only("BEGIN { $n = 2; @[kstack($n)] = 1; }"));
	CHECKF(strstr(errbuf, "must be a constant"), "%s", errbuf);
}

TT_TEST(avg_and_stats_maps_print_by_average)
{
	struct rows r = { .prog = start(
				  "BEGIN { @a[1] = avg(10); @a[2] = avg(3); "
				  "@a[3] = avg(-4);\n"
				  "  @s[1] = stats(10); @s[2] = stats(3); "
				  "@s[3] = stats(5); exit(); }",
				  NULL) };
	CHECKF(r.prog, "%s", errbuf);
	drain(&r, 0);
	const char *out = btt__end(r.prog);
	CHECK_STR(out, "\n\n@a[3]: -4\n@a[2]: 3\n@a[1]: 10\n\n"
		       "@s[2]: count 1, average 3, total 3\n"
		       "@s[3]: count 1, average 5, total 5\n"
		       "@s[1]: count 1, average 10, total 10\n\n");
}

TT_TEST(buf_of_a_string)
{
	struct rows r = { .prog = start(
				  "BEGIN { $n = 2;\n"
				  "  printf(\"[%r][%r]\\n\", buf(\"ab\\x01c\", 10), "
				  "buf(\"abc\", $n)); exit(); }",
				  NULL) };
	CHECKF(r.prog, "%s", errbuf);
	drain(&r, 1);
	bt_program__free(r.prog);
	CHECK_INT(r.n, 1);
	CHECK_STR(r.text[0], "[ab\\x01c\\x00\\x00\\x00\\x00\\x00\\x00][ab]\n");
}

/* Values of 2^31 and up print in [2G, 4G), as bpftrace 0.17's hist(). */
TT_TEST(hist_prints_large_values_in_2g_bucket)
{
	struct rows r = { .prog = start(
				  "BEGIN { @h = hist(0x80000000); "
				  "@h = hist(0x140000000); @h = hist(nsecs); "
				  "@h = hist(3); exit(); }",
				  NULL) };
	CHECKF(r.prog, "%s", errbuf);
	drain(&r, 0);
	const char *out = btt__end(r.prog);
	CHECKF(strstr(out, "\n[2, 4)                 1 |@@@@@@@@@@@@@@@@@")
		       && strstr(out, "\n[2G, 4G)               3 |@@@@") &&
		       !strstr(out, "[4G, 8G)"),
	       "%s", out);
}

/* "%%" becomes "%" only before a conversion; the tail prints as written. */
TT_TEST(printf_percent_as_bpftrace)
{
	struct rows r = { .prog = start(
				  "BEGIN { printf(\"a%%b %d %%\\n\", 5); "
				  "printf(\"100%%\\n\"); exit(); }",
				  NULL) };
	CHECKF(r.prog, "%s", errbuf);
	drain(&r, 2);
	bt_program__free(r.prog);
	CHECK_INT(r.n, 2);
	CHECK_STR(r.text[0], "a%b 5 %%\n");
	CHECK_STR(r.text[1], "100%%\n");
}

/* cat(fmt, args): the path is formatted from the record's values. */
TT_TEST(cat_with_a_format)
{
	char path[64];
	snprintf(path, sizeof(path), "/tmp/tt_cat_more_%d", getpid());
	FILE *f = fopen(path, "w");
	CHECK(f);
	if (!f)
		return;
	fputs("formatted cat\n", f);
	fclose(f);
	const char *out = run_begin(
		"BEGIN { cat(\"/tmp/tt_cat_more_%d\", pid); exit(); }");
	unlink(path);
	CHECK_STR(out, "formatted cat\n");
	CHECK(compile_only("BEGIN { cat(\"/tmp/%d/%s\", 1); }"));
	CHECKF(strstr(errbuf, "cat() format has 2 conversions but 1 "
			      "arguments"),
	       "%s", errbuf);
}

/* The idle task has no user stack: bpftrace prints it as "". */
TT_TEST(missing_stack_is_empty)
{
	struct rows r = { .prog = start(
				  "tracepoint:sched:sched_switch /pid == 0/ { "
				  "printf(\"[%s]\", ustack(perf)); exit(); }",
				  NULL) };
	CHECKF(r.prog, "%s", errbuf);
	drain(&r, 1);
	bt_program__free(r.prog);
	if (!r.n)
		SKIP("no CPU went idle within 3 s (a busy machine)");
	CHECK_STR(r.text[0], "[]");
}

/*
 * print(@m, top, div) as bpftrace 0.17: hist maps sort by total count and
 * print counts divided with undivided bars, lhist ignores div, avg
 * divides, stats ignores top and div.
 */
TT_TEST(print_top_div_on_aggregations)
{
	struct rows r = { .prog = start(
				  "BEGIN { @h[1] = hist(5); @h[1] = hist(5); "
				  "@h[1] = hist(5); @h[1] = hist(5); "
				  "@h[1] = hist(50); @h[2] = hist(9); "
				  "@h[0] = hist(7); @h[0] = hist(7);\n"
				  "  @l = lhist(3, 0, 10, 1); @l = lhist(3, 0, 10, 1);\n"
				  "  @a = avg(9); @s[1] = stats(5); @s[2] = stats(7);\n"
				  "  print(@h, 2, 2); print(@l, 0, 2); print(@a, 0, 2);"
				  " print(@s, 1, 2); clear(@h); clear(@l); clear(@a);"
				  " clear(@s); exit(); }",
				  NULL) };
	CHECKF(r.prog, "%s", errbuf);
	char out[4096] = "";
	FILE *f = fmemopen(out, sizeof(out) - 1, "w");
	bt_program__set_output(r.prog, f);
	drain(&r, 0);
	bt_program__free(r.prog);
	fclose(f);
	const char *bar52 = "@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@";
	char want[4096];
	snprintf(want, sizeof(want),
		 "@h[0]: \n[4, 8)                 1 |%s|\n\n"
		 "@h[1]: \n[4, 8)                 2 |%s|\n"
		 "[8, 16)                0 |%52s|\n"
		 "[16, 32)               0 |%52s|\n"
		 "[32, 64)               0 |@@@@@@@@@@@@@%39s|\n\n"
		 "@l: \n[3, 4)                 2 |%s|\n\n"
		 "@a: 4\n\n"
		 "@s[1]: count 1, average 5, total 5\n"
		 "@s[2]: count 1, average 7, total 7\n\n",
		 bar52, bar52, "", "", "", bar52);
	CHECK_STR(out, want);
}

struct seq {
	struct bt_program *prog;
	int n, bad;
};

/* Row i of the growth test must read "i i+1". */
static int on_seq(void *ctx, const struct bt_row *row)
{
	struct seq *q = ctx;
	char text[64], want[64];
	bt_program__format_row(q->prog, row, text, sizeof(text));
	snprintf(want, sizeof(want), "%d %d\n", q->n, q->n + 1);
	q->bad += strcmp(text, want) != 0;
	q->n++;
	return 0;
}

/*
 * Regression (tcplife_tp): typing a call's arguments can grow the
 * annotation table; the call's own entry moved and its printf id was
 * written to freed memory, so the record went out with size 0. 100
 * printfs after 0..4 padding statements put a growth inside some call's
 * arguments; every row must still arrive intact.
 */
TT_TEST(printf_args_survive_table_growth)
{
	for (int pad = 0; pad < 5; pad++) {
		char *src = malloc(16384);
		size_t o = (size_t)snprintf(src, 16384, "BEGIN {");
		for (int i = 0; i < pad; i++)
			o += (size_t)snprintf(src + o, 16384 - o, " $p%d = %d;",
					      i, i);
		for (int i = 0; i < 100; i++)
			o += (size_t)snprintf(src + o, 16384 - o,
					      " printf(\"%%d %%d\\n\", %d, %d + 1);",
					      i, i);
		snprintf(src + o, 16384 - o, " exit(); }");
		struct seq q = { .prog = start(src, NULL) };
		free(src);
		CHECKF(q.prog, "pad %d: %s", pad, errbuf);
		if (!q.prog)
			continue;
		btt__drain(q.prog, on_seq, &q, &q.n, 100, false);
		bt_program__free(q.prog);
		CHECKF(q.n == 100 && !q.bad, "pad %d: %d rows, %d wrong", pad,
		       q.n, q.bad);
	}
}

TT_MAIN("builtins_more", TT_CASE(print_value_texts),
	TT_CASE(print_value_of_a_stack),
	TT_CASE(print_value_goes_to_the_text_callback),
	TT_CASE(print_value_errors), TT_CASE(strcontains_cases),
	TT_CASE(strcontains_on_a_tracepoint_string),
	TT_CASE(kstack_modes_and_depths),
	TT_CASE(ustack_modes_name_user_frames),
	TT_CASE(stack_argument_errors),
	TT_CASE(avg_and_stats_maps_print_by_average),
	TT_CASE(buf_of_a_string),
	TT_CASE(hist_prints_large_values_in_2g_bucket),
	TT_CASE(printf_percent_as_bpftrace), TT_CASE(cat_with_a_format),
	TT_CASE(missing_stack_is_empty),
	TT_CASE(print_top_div_on_aggregations),
	TT_CASE(printf_args_survive_table_growth))
