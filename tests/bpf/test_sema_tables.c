/*
 * test_sema_tables.c - table mode's printf rules: banner printfs (BEGIN,
 * END, no conversions) are log records, each distinct row format is its
 * own table in order of first appearance, identical formats share one,
 * and every diagnostic keeps its exact position. The last test runs a
 * program on real tracepoints and checks that records reach the right
 * table (or the log) with the values of that table's schema.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "tests/tt_test.h"
#include "tracetab/bt.h"

#define GETPPID "tracepoint:syscalls:sys_enter_getppid"
#define GETPGID "tracepoint:syscalls:sys_enter_getpgid"

struct compiled {
	int rc;
	int line, col;
	char msg[512];
	struct bt_program *prog;
};

/* Compiles src; keeps the first diagnostic. The caller frees c.prog. */
static struct compiled compile(const char *src, bool table_mode)
{
	struct compiled c = { 0 };
	struct bt_diags *d = bt_diags__new();
	struct bt_compile_opts o = { .sz = sizeof(o),
				     .table_mode = table_mode };
	c.rc = bt_program__compile(src, &o, &c.prog, d);
	if (bt_diags__count(d)) {
		const struct bt_diag *g = bt_diags__get(d, 0);
		c.line = g->line;
		c.col = g->col;
		snprintf(c.msg, sizeof(c.msg), "%s", g->msg);
	}
	bt_diags__free(d);
	return c;
}

/* Expects a table-mode error at line:col whose message contains what. */
#define CHECK_ERROR(src, l, c, what)                                         \
	do {                                                                 \
		struct compiled _c = compile(src, true);                     \
		bt_program__free(_c.prog);                                   \
		CHECKF(_c.rc < 0, "compiled: %s", src);                      \
		CHECKF(_c.line == (l) && _c.col == (c),                      \
		       "at %d:%d, want %d:%d: %s", _c.line, _c.col, l, c,    \
		       _c.msg);                                              \
		CHECKF(strstr(_c.msg, what), "message \"%s\" lacks \"%s\"",  \
		       _c.msg, what);                                        \
	} while (0)

/* "name:type,name:type" of a schema, for one-line comparisons. */
static const char *cols(const struct tt_schema *s, char *buf, size_t len)
{
	size_t o = 0;
	buf[0] = 0;
	for (uint32_t i = 0; s && i < s->ncols && o < len; i++)
		o += (size_t)snprintf(buf + o, len - o, "%s%s:%s", i ? "," : "",
				      s->cols[i].name,
				      tt_type__name(s->cols[i].type));
	return buf;
}

/* Tables that printf ids 0..n-1 map to, as "0 1 - 0" (-: not a row). */
static const char *routes(const struct bt_program *p, uint32_t n, char *buf,
			  size_t len)
{
	size_t o = 0;
	buf[0] = 0;
	for (uint32_t id = 0; id < n && o < len; id++) {
		int t = bt_program__row_table(p, id);
		o += (size_t)snprintf(buf + o, len - o, "%s", o ? " " : "");
		if (t >= 0)
			o += (size_t)snprintf(buf + o, len - o, "%d", t);
		else
			o += (size_t)snprintf(buf + o, len - o, "-");
	}
	return buf;
}

static const char upstream_style[] =
	"BEGIN { printf(\"Tracing... Hit Ctrl-C to end.\\n\");\n"
	"        printf(\"%-6s %s\\n\", \"PID\", \"COMM\"); }\n" GETPPID
	" { printf(\"%-6d %s\\n\", pid, comm); }\n" GETPGID
	" { printf(\"pgid pid:%d arg:%d\\n\", pid, args->pid);\n"
	"   printf(\"-- separator --\\n\"); }\n"
	"END { printf(\"Bye after %d\\n\", 3); }";

TT_TEST(banners_are_log_records)
{
	char buf[512];
	struct compiled c = compile(upstream_style, true);
	CHECKF(c.rc == 0, "%d:%d %s", c.line, c.col, c.msg);
	CHECK_INT(bt_program__ntables(c.prog), 2);
	/* Ids in registration order: 2 BEGIN banners, 2 rows, 1 banner,
	 * 1 END banner. */
	/* An unknown id is not a row either. */
	const char *r = routes(c.prog, 7, buf, sizeof(buf));
	bt_program__free(c.prog);
	CHECK_STR(r, "- - 0 1 - - -");
}

TT_TEST(one_table_per_format_in_source_order)
{
	char a[512], b[512];
	struct compiled c = compile(upstream_style, true);
	CHECKF(c.rc == 0, "%s", c.msg);
	const struct tt_schema *t0 = bt_program__table_schema(c.prog, 0);
	const struct tt_schema *t1 = bt_program__table_schema(c.prog, 1);
	bool first = bt_program__schema(c.prog) && t0 &&
		     tt_schema__equal(bt_program__schema(c.prog), t0);
	bool none = bt_program__table_schema(c.prog, 2) == NULL;
	cols(t0, a, sizeof(a));
	cols(t1, b, sizeof(b));
	bt_program__free(c.prog);
	CHECK_STR(a, "col1:uint64,col2:string,time_:time");
	CHECK_STR(b, "pid:uint64,arg:uint64,time_:time");
	CHECK(first);
	CHECK(none);
}

TT_TEST(identical_formats_share_a_table)
{
	char buf[512];
	struct compiled c = compile(
		GETPGID " { printf(\"b:%d\\n\", pid); }\n" GETPPID
			" { printf(\"a:%s\\n\", comm); }\n"
			"tracepoint:syscalls:sys_enter_getpid"
			" { printf(\"b:%d\\n\", tid); printf(\"a:%s\\n\", "
			"\"x\"); }",
		true);
	CHECKF(c.rc == 0, "%s", c.msg);
	size_t n = bt_program__ntables(c.prog);
	const char *first = bt_program__table_schema(c.prog, 0)->cols[0].name;
	bool b_first = !strcmp(first, "b");
	const char *r = routes(c.prog, 4, buf, sizeof(buf));
	bt_program__free(c.prog);
	CHECK_INT(n, 2);
	CHECK(b_first); /* the first printf in the source is table 0 */
	CHECK_STR(r, "0 1 0 1");
}

TT_TEST(same_format_other_types_is_another_table)
{
	char a[256], b[256];
	struct compiled c = compile(GETPPID " { printf(\"v:%d\\n\", pid); }\n" GETPGID
					    " { printf(\"v:%d\\n\", (int8)-1); "
					    "printf(\"v:%d\\n\", (uint8)1); }",
				    true);
	CHECKF(c.rc == 0, "%s", c.msg);
	size_t n = bt_program__ntables(c.prog);
	cols(bt_program__table_schema(c.prog, 0), a, sizeof(a));
	cols(bt_program__table_schema(c.prog, 1), b, sizeof(b));
	bt_program__free(c.prog);
	/* pid and (uint8) are both unsigned: one table; (int8) another. */
	CHECK_INT(n, 2);
	CHECK_STR(a, "v:uint64,time_:time");
	CHECK_STR(b, "v:int64,time_:time");
}

TT_TEST(outside_table_mode_no_tables)
{
	char buf[256];
	struct compiled c = compile(upstream_style, false);
	CHECKF(c.rc == 0, "%s", c.msg);
	size_t n = bt_program__ntables(c.prog);
	const char *r = routes(c.prog, 6, buf, sizeof(buf));
	bt_program__free(c.prog);
	CHECK_INT(n, 0);
	CHECK_STR(r, "- - - - - -");
}

TT_TEST(errors_keep_their_position)
{
	/* Argument count of a second format. */
	CHECK_ERROR(GETPPID " { printf(\"a:%d\\n\", pid); }\n" GETPGID
			    " { printf(\"b:%d c:%d\\n\", pid); }",
		    2, 41, "2 conversions but 1 argument");
	/* Column rules apply to every table, at the label. */
	CHECK_ERROR(GETPPID " { printf(\"a:%d\\n\", pid); }\n" GETPGID
			    " { printf(\"x:%d x:%d\\n\", pid, tid); }",
		    2, 54, "duplicate column name 'x'");
	CHECK_ERROR(GETPPID " { printf(\"a:%d\\n\", pid); }\n" GETPGID
			    " { printf(\"time_:%s\\n\", comm); }",
		    2, 49, "time_ must be an integer");
	/* A conversion a banner cannot print is still an error. */
	CHECK_ERROR("BEGIN { printf(\"%d\\n\", \"s\"); }\n" GETPPID
		    " { printf(\"a:%d\\n\", pid); }",
		    1, 24, "%d cannot print");
}

TT_TEST(needs_a_row_or_a_map)
{
	CHECK_ERROR("BEGIN { printf(\"hello %d\\n\", 1); }\n" GETPPID
		    " { printf(\"tick\\n\"); }",
		    0, 0, "needs a printf with conversions outside BEGIN/END");
	/* Maps alone are fine: they are exported as tables. */
	struct compiled c = compile(GETPPID " { @n[comm] = count(); }", true);
	size_t n = c.prog ? bt_program__ntables(c.prog) : 99;
	bt_program__free(c.prog);
	CHECKF(c.rc == 0, "%s", c.msg);
	CHECK_INT(n, 0);
}

TT_TEST(at_most_max_tables)
{
	char src[4096];
	size_t o = 0;
	for (int i = 0; i <= BT_MAX_TABLES; i++)
		o += (size_t)snprintf(src + o, sizeof(src) - o,
				      GETPPID " { printf(\"c%d:%%d\\n\", pid); }\n",
				      i);
	CHECK_ERROR(src, BT_MAX_TABLES + 1, 41, "at most 16 distinct");
	src[o - strlen(GETPPID " { printf(\"c16:%d\\n\", pid); }\n")] = 0;
	struct compiled c = compile(src, true);
	size_t n = c.prog ? bt_program__ntables(c.prog) : 0;
	bt_program__free(c.prog);
	CHECKF(c.rc == 0, "%s", c.msg);
	CHECK_INT(n, BT_MAX_TABLES);
}

TT_TEST(time_join_cat_compile_in_table_mode)
{
	char buf[64];
	struct compiled c = compile(
		"BEGIN { time(\"%H:%M\\n\"); cat(\"/proc/loadavg\"); }\n"
		"tracepoint:syscalls:sys_enter_execve {\n"
		"  time(\"%H:%M:%S \"); printf(\"%-5d \", pid);\n"
		"  join(args->argv); join(args->argv, \",\"); }",
		true);
	CHECKF(c.rc == 0, "%d:%d %s", c.line, c.col, c.msg);
	size_t n = c.prog ? bt_program__ntables(c.prog) : 0;
	/* time, cat, time, the row, join, join with ",": one row only. */
	const char *r = c.prog ? routes(c.prog, 6, buf, sizeof(buf)) : "";
	bt_program__free(c.prog);
	CHECK_INT(n, 1);
	CHECK_STR(r, "- - - 0 - -");
	/* They print text, not rows: without a row printf there is none. */
	CHECK_ERROR("tracepoint:syscalls:sys_enter_execve { join(args->argv); }",
		    0, 0, "needs a printf with conversions outside BEGIN/END");
	/* system() stays an unsafe function, table mode or not. */
	CHECK_ERROR(GETPPID " { printf(\"a:%d\\n\", pid); system(\"true\"); }",
		    1, 64, "unsafe");
}

/* ---- Real probes ------------------------------------------------------------ */

struct seen {
	const struct bt_program *prog;
	int rows[2];     /* rows per table from this process */
	bool values_ok;  /* every row of ours had its schema's values */
	char log[1024];  /* log records, rendered, in order */
};

static int on_record(void *ctx, const struct bt_row *row)
{
	struct seen *s = ctx;
	int t = bt_program__row_table(s->prog, row->printf_id);
	if (t < 0) {
		size_t o = strlen(s->log);
		bt_program__format_row(s->prog, row, s->log + o,
				       sizeof(s->log) - o);
		return 0;
	}
	const struct tt_schema *sc = bt_program__table_schema(s->prog, (size_t)t);
	int pid_col = tt_schema__find(sc, t == 0 ? "col1" : "pid");
	int time_col = tt_schema__find(sc, TT_TIME_COLUMN);
	if (pid_col < 0 || time_col < 0 || t > 1)
		return 0;
	if (row->values[pid_col].i64 != getpid())
		return 0;
	s->rows[t]++;
	if (row->values[time_col].u64 != row->mono_ns)
		s->values_ok = false;
	if (t == 1 && row->values[tt_schema__find(sc, "arg")].i64 != 4242)
		s->values_ok = false;
	return 0;
}

TT_TEST(rows_reach_their_tables_on_real_tracepoints)
{
	if (geteuid() != 0)
		SKIP("needs root to load BPF programs");
	struct compiled c = compile(upstream_style, true);
	CHECKF(c.rc == 0, "%s", c.msg);
	struct bt_diags *d = bt_diags__new();
	int rc = bt_program__load(c.prog, d);
	if (rc == 0)
		rc = bt_program__attach(c.prog, d);
	char why[512] = "";
	if (rc < 0 && bt_diags__count(d))
		snprintf(why, sizeof(why), "%s", bt_diags__get(d, 0)->msg);
	bt_diags__free(d);
	if (rc < 0) {
		bt_program__free(c.prog);
		CHECKF(0, "load/attach: %s", why);
	}
	for (int i = 0; i < 7; i++)
		syscall(SYS_getppid);
	for (int i = 0; i < 5; i++)
		syscall(SYS_getpgid, 4242);
	struct seen s = { .prog = c.prog, .values_ok = true };
	int n = bt_program__consume(c.prog, on_record, &s);
	char before_end[1024];
	snprintf(before_end, sizeof(before_end), "%s", s.log);
	s.log[0] = 0;
	bt_program__finish(c.prog, NULL);
	bt_program__free(c.prog);
	CHECKF(n > 0, "consume: %d", n);
	CHECK_INT(s.rows[0], 7);
	CHECK_INT(s.rows[1], 5);
	CHECK(s.values_ok);
	/* BEGIN's banners first, then one separator per getpgid. */
	static const char banner[] = "Tracing... Hit Ctrl-C to end.\n"
				     "PID    COMM\n-- separator --\n";
	CHECKF(!strncmp(before_end, banner, strlen(banner)), "log: %s",
	       before_end);
	CHECK_STR(s.log, "Bye after 3\n");
}

/* ---- join() and cat() text through bt_program__set_text_fn ---------------- */

struct texts {
	int calls, joins;
	char begin[4][64]; /* the first four texts (BEGIN's cat()s), cut */
	size_t zero_len;    /* length of the /dev/zero cat */
	bool marker_line;   /* our child's join() line was seen */
	bool bad;           /* a text whose len was not its strlen */
};

static void on_text(void *ctx, uint64_t mono_ns, const char *text, size_t len)
{
	struct texts *t = ctx;
	(void)mono_ns;
	if (t->calls == 3)
		t->zero_len = len; /* NUL bytes: strlen says 0 */
	else if (strlen(text) != len)
		t->bad = true;
	if (t->calls < 4)
		snprintf(t->begin[t->calls], sizeof(t->begin[0]), "%s", text);
	else if (!strcmp(text, "/bin/true tt-join-marker two\n"))
		t->marker_line = true;
	t->calls++;
}

struct exec_rows {
	pid_t child;
	int rows; /* rows whose pid is the child's */
};

static int on_exec_row(void *ctx, const struct bt_row *row)
{
	struct exec_rows *e = ctx;
	if (row->printf_id == 5 && row->values[0].i64 == e->child)
		e->rows++;
	return 0;
}

TT_TEST(join_and_cat_text_goes_to_the_text_fn)
{
	if (geteuid() != 0)
		SKIP("needs root to load BPF programs");
	char dir[] = "/tmp/tt-sema-text.XXXXXX", file[64], fifo[64], src[1024];
	CHECK(mkdtemp(dir) != NULL);
	snprintf(file, sizeof(file), "%s/known", dir);
	snprintf(fifo, sizeof(fifo), "%s/fifo", dir);
	FILE *f = fopen(file, "w");
	CHECK(f && fputs("known text\n", f) >= 0 && fclose(f) == 0);
	CHECK(mkfifo(fifo, 0600) == 0);
	/* A FIFO without writers and /dev/zero: neither may stall. */
	snprintf(src, sizeof(src),
		 "BEGIN { cat(\"%s\"); cat(\"%s/none\"); cat(\"%s\");\n"
		 "  cat(\"/dev/zero\"); time(); }\n"
		 "tracepoint:syscalls:sys_enter_execve {\n"
		 "  printf(\"%%-5d \", pid); join(args->argv); }",
		 file, dir, fifo);
	struct compiled c = compile(src, true);
	CHECKF(c.rc == 0, "%s", c.msg);
	struct texts t = { 0 };
	bt_program__set_text_fn(c.prog, on_text, &t);
	struct bt_diags *d = bt_diags__new();
	int rc = bt_program__load(c.prog, d);
	if (rc == 0)
		rc = bt_program__attach(c.prog, d);
	bt_diags__free(d);
	struct exec_rows e = { 0 };
	if (rc == 0 && (e.child = fork()) == 0) {
		/* Written by the child, so the pages are present when BPF
		 * reads them (a fork leaves file-backed .rodata unmapped). */
		char a0[] = "/bin/true", a1[] = "tt-join-marker", a2[] = "two";
		execl(a0, a0, a1, a2, NULL);
		_exit(127);
	}
	int status = -1;
	if (e.child > 0)
		waitpid(e.child, &status, 0);
	if (rc == 0)
		bt_program__consume(c.prog, on_exec_row, &e);
	bt_program__free(c.prog);
	unlink(fifo);
	unlink(file);
	rmdir(dir);
	CHECKF(rc == 0, "load/attach: %d", rc);
	CHECK_INT(status, 0);
	CHECK_STR(t.begin[0], "known text\n");
	char none[128];
	snprintf(none, sizeof(none), "cat: cannot open %s/none\n", dir);
	CHECK_STR(t.begin[1], none);
	CHECK_STR(t.begin[2], ""); /* the FIFO: empty, at once */
	CHECK_INT(t.zero_len, BT_TEXT_MAX);
	CHECK(!t.bad);
	CHECK(t.marker_line); /* time() is not text: the join is next */
	CHECK_INT(e.rows, 1);
}

TT_MAIN("bpf/sema_tables", TT_CASE(banners_are_log_records),
	TT_CASE(one_table_per_format_in_source_order),
	TT_CASE(identical_formats_share_a_table),
	TT_CASE(same_format_other_types_is_another_table),
	TT_CASE(outside_table_mode_no_tables),
	TT_CASE(errors_keep_their_position), TT_CASE(needs_a_row_or_a_map),
	TT_CASE(at_most_max_tables), TT_CASE(time_join_cat_compile_in_table_mode),
	TT_CASE(rows_reach_their_tables_on_real_tracepoints),
	TT_CASE(join_and_cat_text_goes_to_the_text_fn))
