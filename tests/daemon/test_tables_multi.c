/*
 * test_tables_multi.c - programs as people write them, deployed to a real
 * tracetabd: banner printfs (BEGIN, END, no conversions) go to the
 * deployment's log, each distinct row format gets its own table (T, T_2),
 * on real tracepoints provoked by this test. Checks rows in both tables
 * (read back from the store files), per-table counts in status, the log in
 * status, END's text in the delete reply, after a TTL expiry and in the
 * daemon's log at shutdown, and schema changes checked table by table.
 */
#include <errno.h>
#include <stdint.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "tests/daemon/harness.h"
#include "tests/tt_test.h"
#include "tracetab/store.h"

static struct td d;

#define GETPGID_ARG 4243

/* BEGIN banners, two row formats, a banner per getpgid, END. */
static const char tool[] =
	"BEGIN {\n"
	"  printf(\"Tracing getppid/getpgid... Hit Ctrl-C to end.\\n\");\n"
	"  printf(\"%-6s %s\\n\", \"PID\", \"COMM\");\n"
	"}\n"
	"tracepoint:syscalls:sys_enter_getppid { printf(\"%-6d %s\\n\", pid, "
	"comm); }\n"
	"tracepoint:syscalls:sys_enter_getpgid /args->pid == 4243/ {\n"
	"  printf(\"pid:%d asked:%d\\n\", pid, args->pid);\n"
	"  printf(\"-- one more getpgid --\\n\");\n"
	"}\n"
	"END { printf(\"END: %s\\n\", \"done\"); }\n";

static bool start(void)
{
	if (d.pid > 0)
		return true;
	if (td_start(&d) < 0) {
		td_dump_log(&d);
		return false;
	}
	return true;
}

/* Rows of table whose column col equals v (and, if acol, acol == av). */
static long count_rows(const char *table, const char *col, int64_t v,
		       const char *acol, int64_t av)
{
	struct tt_reader *r;
	struct tt_scan *sc;
	struct tt_chunk ch;
	struct tt_scan_opts o = {.sz = sizeof(o), .flags = TT_SCAN_COPY};
	char err[256];
	long n = 0;

	/* Status drains the rings: every emitted record is in the table. */
	json_decref(td_request(&d, json_pack("{s:s}", "op", "status")));
	if (tt_reader__open(d.store, table, &r, err, sizeof(err)) < 0)
		return -1;
	int c = tt_schema__find(tt_reader__schema(r), col);
	int a = acol ? tt_schema__find(tt_reader__schema(r), acol) : -1;
	if (c < 0 || (acol && a < 0) || tt_reader__scan(r, &o, &sc) < 0) {
		tt_reader__close(r);
		return -2;
	}
	while (tt_scan__next(sc, &ch) == 1)
		for (uint32_t i = 0; i < ch.nrows; i++)
			if (((const int64_t *)ch.cols[c])[i] == v &&
			    (a < 0 || ((const int64_t *)ch.cols[a])[i] == av))
				n++;
	tt_scan__free(sc);
	tt_reader__close(r);
	return n;
}

/* The log of a status/delete reply member as "line|line|...". */
static const char *log_text(const json_t *log, char *buf, size_t len)
{
	const json_t *l;
	size_t i, o = 0;

	buf[0] = '\0';
	json_array_foreach(log, i, l)
	{
		if (json_integer_value(json_object_get(l, "time_ns")) <
		    1600000000000000000LL)
			return "(a line without a wall-clock time)";
		if (o < len)
			o += snprintf(
				buf + o, len - o, "%s%s", i ? "|" : "",
				json_string_value(json_object_get(l, "text")));
	}
	return buf;
}

static long long table_rows(json_t *st, size_t i, const char **name)
{
	json_t *t = json_array_get(
		json_object_get(json_object_get(st, "status"), "tables"), i);

	*name = json_string_value(json_object_get(t, "name"));
	return t ? json_integer_value(json_object_get(t, "rows")) : -1;
}

static bool file_has(const char *path, const char *what)
{
	char buf[1 << 16];
	FILE *f = fopen(path, "r");
	size_t n = f ? fread(buf, 1, sizeof(buf) - 1, f) : 0;

	if (f)
		fclose(f);
	buf[n] = '\0';
	return strstr(buf, what) != NULL;
}

TT_TEST(two_formats_two_tables_banners_in_log)
{
	char log[2048];
	const char *n0, *n1;

	if (geteuid() != 0)
		SKIP("tracetabd needs root to load BPF programs");
	CHECK(start());
	json_t *r = td_deploy(&d, "multi", "mt", "1h", false, 1,
			      (const char *[]){tool}, NULL);
	const char *state = td_status_str(r, "state");
	CHECKF(!strcmp(state, "running"), "%s: %s", state,
	       td_status_str(r, "error"));
	json_decref(r);
	for (int i = 0; i < 30; i++)
		syscall(SYS_getppid);
	for (int i = 0; i < 12; i++)
		syscall(SYS_getpgid, GETPGID_ARG);
	/* Both tables hold exactly this process's calls. */
	CHECK_INT(count_rows("mt", "col1", getpid(), NULL, 0), 30);
	CHECK_INT(count_rows("mt_2", "pid", getpid(), "asked", GETPGID_ARG),
		  12);
	/* Status: rows per table, summing to rows; the log. */
	json_t *st = td_status(&d, "multi");
	CHECK(st);
	long long r0 = table_rows(st, 0, &n0), r1 = table_rows(st, 1, &n1);
	long long rows = td_status_int(st, "rows");
	const char *n2;
	long long r2 = table_rows(st, 2, &n2);
	log_text(json_object_get(json_object_get(st, "status"), "log"), log,
		 sizeof(log));
	bool names = n0 && n1 && !strcmp(n0, "mt") && !strcmp(n1, "mt_2");
	json_decref(st);
	CHECK(names);
	CHECK_INT(r2, -1);
	CHECKF(r0 >= 30 && r1 == 12 && rows == r0 + r1,
	       "rows %lld = %lld + %lld?", rows, r0, r1);
	/* BEGIN's banners first, then one line per getpgid of ours. */
	CHECKF(!strncmp(log,
			"Tracing getppid/getpgid... Hit Ctrl-C to end.|"
			"PID    COMM|-- one more getpgid --|",
			strlen("Tracing getppid/getpgid... Hit Ctrl-C to "
			       "end.|PID    COMM|-- one more getpgid --|")),
	       "log: %s", log);

	/* Delete: END runs; its text ends the reply's log. */
	r = td_request(&d,
		       json_pack("{s:s,s:s}", "op", "delete", "name", "multi"));
	CHECK(json_is_true(json_object_get(r, "ok")));
	log_text(json_object_get(r, "log"), log, sizeof(log));
	json_decref(r);
	size_t n = strlen(log);
	CHECKF(n >= 9 && !strcmp(log + n - 9, "END: done"), "log: %s", log);
	CHECK(file_has(d.log, "deployment multi: END: done"));
	/* The tables stay. */
	CHECK_INT(count_rows("mt_2", "pid", getpid(), "asked", GETPGID_ARG),
		  12);
}

TT_TEST(ttl_expiry_runs_end_into_the_log)
{
	char log[2048];

	if (geteuid() != 0)
		SKIP("tracetabd needs root to load BPF programs");
	CHECK(start());
	json_t *r = td_deploy(&d, "short", "short", "1s", false, 1,
			      (const char *[]){tool}, NULL);
	CHECK(!strcmp(td_status_str(r, "state"), "running"));
	json_decref(r);
	json_t *st = NULL;
	for (int i = 0; i < 60; i++) {
		json_decref(st);
		st = td_status(&d, "short");
		if (st && !strcmp(td_status_str(st, "state"), "terminated"))
			break;
		td_sleep_ms(100);
	}
	CHECK(st);
	const char *state = td_status_str(st, "state");
	bool terminated = !strcmp(state, "terminated");
	log_text(json_object_get(json_object_get(st, "status"), "log"), log,
		 sizeof(log));
	json_decref(st);
	CHECK(terminated);
	size_t n = strlen(log);
	CHECKF(n >= 9 && !strcmp(log + n - 9, "END: done"), "log: %s", log);
	r = td_request(&d,
		       json_pack("{s:s,s:s}", "op", "delete", "name", "short"));
	json_decref(r);
}

TT_TEST(schema_changes_checked_per_table)
{
	if (geteuid() != 0)
		SKIP("tracetabd needs root to load BPF programs");
	CHECK(start());
	const char *v1 =
		"tracepoint:syscalls:sys_enter_getppid { printf(\"a:%d\\n\", "
		"pid); }\n"
		"tracepoint:syscalls:sys_enter_getpgid { printf(\"b:%d\\n\", "
		"pid); }\n";
	/* Same first table, another second one: mt2_2 changes. */
	const char *v2 =
		"tracepoint:syscalls:sys_enter_getppid { printf(\"a:%d\\n\", "
		"pid); }\n"
		"tracepoint:syscalls:sys_enter_getpgid { printf(\"b:%s\\n\", "
		"comm); }\n";
	json_t *r = td_deploy(&d, "chg", "mt2", "1h", false, 1,
			      (const char *[]){v1}, NULL);
	CHECK(!strcmp(td_status_str(r, "state"), "running"));
	json_decref(r);
	r = td_request(&d,
		       json_pack("{s:s,s:s}", "op", "drop", "table", "mt2_2"));
	bool busy = !strcmp(td_code(r), "conflict");
	json_decref(r);
	CHECKF(busy, "drop of a second table while it is written");
	r = td_deploy(&d, "chg", "mt2", "1h", false, 1, (const char *[]){v2},
		      NULL);
	const char *err = json_string_value(json_object_get(r, "error"));
	bool conflict = !strcmp(td_code(r), "conflict") && err &&
			strstr(err, "table mt2_2 has columns (b uint64");
	json_decref(r);
	CHECKF(conflict, "error: %s", err ? err : "(none)");
	r = td_deploy(&d, "chg", "mt2", "1h", true, 1, (const char *[]){v2},
		      NULL);
	bool replaced = !strcmp(td_status_str(r, "state"), "running");
	json_decref(r);
	CHECK(replaced);
	r = td_request(
		&d, json_pack("{s:s,s:s}", "op", "schema", "table", "mt2_2"));
	const char *type = json_string_value(json_object_get(
		json_array_get(json_object_get(r, "columns"), 0), "type"));
	bool strings = type && !strcmp(type, "string");
	json_decref(r);
	CHECKF(strings, "mt2_2's b is %s", type ? type : "(none)");
	r = td_request(&d,
		       json_pack("{s:s,s:s}", "op", "delete", "name", "chg"));
	json_decref(r);
}

TT_TEST(too_long_table_names_fail_clearly)
{
	if (geteuid() != 0)
		SKIP("tracetabd needs root to load BPF programs");
	CHECK(start());
	char table[64];
	memset(table, 'x', 62);
	table[62] = '\0';
	const char *src =
		"tracepoint:syscalls:sys_enter_getppid { printf(\"a:%d\\n\", "
		"pid); }\n"
		"tracepoint:syscalls:sys_enter_getpgid { printf(\"b:%d\\n\", "
		"pid); }\n";
	json_t *r = td_deploy(&d, "long", table, "1h", false, 1,
			      (const char *[]){src}, NULL);
	const char *state = td_status_str(r, "state");
	const char *err = td_status_str(r, "error");
	bool ok = !strcmp(state, "failed") &&
		  strstr(err, "printf format 2 needs table") &&
		  strstr(err, "longer than 63 bytes");
	json_decref(r);
	CHECKF(ok, "%s", err);
	r = td_request(&d,
		       json_pack("{s:s,s:s}", "op", "delete", "name", "long"));
	json_decref(r);
}

TT_TEST(shutdown_runs_end_restart_restores_both_tables)
{
	if (geteuid() != 0)
		SKIP("tracetabd needs root to load BPF programs");
	CHECK(start());
	const char *src =
		"tracepoint:syscalls:sys_enter_getppid { printf(\"a:%d\\n\", "
		"pid); }\n"
		"tracepoint:syscalls:sys_enter_getpgid /args->pid == 4245/ {\n"
		"  printf(\"b:%d\\n\", pid); }\n"
		"END { printf(\"bye from %s\\n\", \"shutdown\"); }\n";
	json_t *r = td_deploy(&d, "bye", "bye", "1h", false, 1,
			      (const char *[]){src}, NULL);
	CHECK(!strcmp(td_status_str(r, "state"), "running"));
	json_decref(r);
	syscall(SYS_getpgid, 4245);
	CHECK_INT(count_rows("bye_2", "b", getpid(), NULL, 0), 1);
	CHECK_INT(td_stop(&d, SIGTERM), 0);
	CHECK(file_has(d.log, "deployment bye: bye from shutdown"));
	/* Restored at the next start, writing both tables again; BEGIN-less,
	 * so the log is empty. */
	CHECK(start());
	json_t *st = td_status(&d, "bye");
	CHECK(st);
	bool running = !strcmp(td_status_str(st, "state"), "running");
	size_t nlog = json_array_size(
		json_object_get(json_object_get(st, "status"), "log"));
	json_decref(st);
	CHECK(running);
	CHECK_INT(nlog, 0);
	syscall(SYS_getpgid, 4245);
	syscall(SYS_getppid);
	CHECK_INT(count_rows("bye_2", "b", getpid(), NULL, 0), 2);
	CHECK_INT(count_rows("bye", "a", getpid(), NULL, 0), 1);
	r = td_request(&d,
		       json_pack("{s:s,s:s}", "op", "delete", "name", "bye"));
	json_decref(r);
}

static void teardown(void) __attribute__((destructor));
static void teardown(void)
{
	td_cleanup(&d);
}

TT_MAIN("daemon/tables_multi", TT_CASE(two_formats_two_tables_banners_in_log),
	TT_CASE(ttl_expiry_runs_end_into_the_log),
	TT_CASE(schema_changes_checked_per_table),
	TT_CASE(too_long_table_names_fail_clearly),
	TT_CASE(shutdown_runs_end_restart_restores_both_tables))
