/*
 * tests/daemon/test_ingest.c - tracetabd end to end on the real kernel:
 * deploy a tracepoint program over the control socket, make the events
 * happen in a helper process, read the rows back as an unprivileged reader
 * (nobody:nogroup) and check every value; then upserts, TTL expiry,
 * schema conflicts, drop, compile/attach/verifier failures in status, and
 * SIGKILL during ingest followed by a restart.
 */
#include <sys/prctl.h>

#include "tests/daemon/harness.h"
#include "tests/tt_test.h"
#include "tracetab/store.h"

#define HELPER_COMM "ttd_getppid"
#define PROG                                     \
	"tracepoint:syscalls:sys_enter_getppid " \
	"{ printf(\"pid:%d uid:%d comm:%s\\n\", pid, uid, comm); }"
/* Same schema, different program text: a changed spec. */
#define PROG2                                              \
	"tracepoint:syscalls:sys_enter_getppid /pid > 0/ " \
	"{ printf(\"pid:%d uid:%d comm:%s\\n\", pid, uid, comm); }"

static struct td d;

#define NEED_DAEMON()                                                          \
	do {                                                                   \
		if (geteuid() != 0)                                            \
			SKIP("needs root to run tracetabd and attach probes"); \
		if (d.pid <= 0 || !td_ping(&d))                                \
			CHECKF(td_start(&d) == 0,                              \
			       "tracetabd did not start (log %s)", d.log);     \
	} while (0)

/* Forks a helper named HELPER_COMM, as nobody, calling getppid n times
 * with gap_us between calls; returns its pid (running) or -1. */
static pid_t helper_start(unsigned n, unsigned gap_us)
{
	pid_t pid = fork();

	if (pid != 0)
		return pid;
	prctl(PR_SET_NAME, HELPER_COMM);
	if (setgroups(0, NULL) < 0 || setgid(NOGROUP_GID) < 0 ||
	    setuid(NOBODY_UID) < 0)
		_exit(2);
	for (unsigned i = 0; i < n; i++) {
		syscall(SYS_getppid);
		if (gap_us)
			usleep(gap_us);
	}
	_exit(0);
}

static pid_t helper_run(unsigned n)
{
	pid_t pid = helper_start(n, 0);
	int status;

	waitpid(pid, &status, 0);
	return WIFEXITED(status) && WEXITSTATUS(status) == 0 ? pid : -1;
}

struct count {
	int rc; /* 0, or the negative errno of open/scan */
	uint64_t rows; /* rows of the helper's pid */
	uint64_t bad; /* of those, rows with a wrong value */
	char what[200]; /* first wrong value, or the error */
};

static void count__rows(struct tt_reader *r, pid_t pid, int64_t t0, int64_t t1,
			struct count *c)
{
	const struct tt_schema *s = tt_reader__schema(r);
	int cp = tt_schema__find(s, "pid"), cu = tt_schema__find(s, "uid");
	int cc = tt_schema__find(s, "comm"), ct = tt_schema__find(s, "time_");
	struct tt_scan_opts o = {.sz = sizeof(o), .flags = TT_SCAN_COPY};
	struct tt_chunk ch;
	struct tt_scan *sc;

	if (cp < 0 || cu < 0 || cc < 0 || ct < 0) {
		c->rc = -EPROTO;
		snprintf(c->what, sizeof(c->what), "schema lacks a column");
		return;
	}
	c->rc = tt_reader__scan(r, &o, &sc);
	while (c->rc == 0 && tt_scan__next(sc, &ch) == 1) {
		for (uint32_t i = 0; i < ch.nrows; i++) {
			const char *str;
			uint32_t len;
			int64_t t = ((const int64_t *)ch.cols[ct])[i];
			uint32_t code = ((const uint32_t *)ch.cols[cc])[i];

			if (((const int64_t *)ch.cols[cp])[i] != pid)
				continue;
			c->rows++;
			if (tt_chunk__string(&ch, cc, code, &str, &len) < 0 ||
			    len != strlen(HELPER_COMM) ||
			    memcmp(str, HELPER_COMM, len) != 0 ||
			    ((const uint64_t *)ch.cols[cu])[i] != NOBODY_UID ||
			    t < t0 || t > t1) {
				if (!c->bad++)
					snprintf(
						c->what, sizeof(c->what),
						"uid %llu comm %.*s time_ %lld "
						"not in [%lld, %lld]",
						(unsigned long long)((const uint64_t
									      *)ch
									     .cols[cu])
							[i],
						(int)len, str, (long long)t,
						(long long)t0, (long long)t1);
			}
		}
	}
	if (c->rc == 0)
		tt_scan__free(sc);
}

/* Counts (as nobody:nogroup, in a child) the rows table has for pid. */
static struct count reader_count(const char *table, pid_t pid, int64_t t0,
				 int64_t t1)
{
	struct count c = {.rc = -ECHILD};
	int fds[2];
	pid_t child;

	/* Status drains the rings: every emitted record is in the table. */
	json_decref(td_request(&d, json_pack("{s:s}", "op", "status")));
	if (pipe(fds) < 0)
		return c;
	child = fork();
	if (child == 0) {
		struct tt_reader *r;

		memset(&c, 0, sizeof(c));
		if (setgroups(0, NULL) < 0 || setgid(NOGROUP_GID) < 0 ||
		    setuid(NOBODY_UID) < 0)
			c.rc = -EPERM;
		else
			c.rc = tt_reader__open(d.store, table, &r, c.what,
					       sizeof(c.what));
		if (c.rc == 0) {
			count__rows(r, pid, t0, t1, &c);
			tt_reader__close(r);
		}
		if (write(fds[1], &c, sizeof(c)) != sizeof(c))
			_exit(1);
		_exit(0);
	}
	close(fds[1]);
	if (read(fds[0], &c, sizeof(c)) != sizeof(c))
		c.rc = -EIO;
	close(fds[0]);
	waitpid(child, NULL, 0);
	return c;
}

static json_t *deploy1(const char *name, const char *table, const char *ttl,
		       const char *src, bool replace)
{
	const char *srcs[] = {src};

	return td_deploy(&d, name, table, ttl, replace, 1, srcs, NULL);
}

static json_t *op_name(const char *op, const char *key, const char *val)
{
	return td_request(&d, json_pack("{s:s,s:s}", "op", op, key, val));
}

#define CHECK_RUNNING(r)                                          \
	CHECKF(strcmp(td_status_str(r, "state"), "running") == 0, \
	       "state %s: %s", td_status_str(r, "state"),         \
	       td_status_str(r, "error"))

TT_TEST(rows_exact_for_unprivileged_reader)
{
	int64_t t0 = td_now_ns();
	struct count c;
	json_t *r;
	pid_t pid;

	NEED_DAEMON();
	r = deploy1("getppid", "t_getppid", "1h", PROG, false);
	CHECK(r != NULL);
	CHECK_RUNNING(r);
	CHECK_INT(td_status_int(r, "program"), 0);
	json_decref(r);
	pid = helper_run(1000);
	CHECK(pid > 0);
	c = reader_count("t_getppid", pid, t0, td_now_ns());
	CHECKF(c.rc == 0, "reader: %d %s", c.rc, c.what);
	CHECK_INT(c.rows, 1000);
	CHECKF(c.bad == 0, "%llu bad rows, first: %s",
	       (unsigned long long)c.bad, c.what);
	r = td_status(&d, "getppid");
	CHECK(td_status_int(r, "rows") >= 1000);
	CHECK_INT(td_status_int(r, "lost"), 0);
	CHECK_INT(td_status_int(r, "decode_errors"), 0);
	json_decref(r);
}

TT_TEST(identical_upsert_refreshes)
{
	struct count c;
	long long exp0;
	json_t *r;
	pid_t pid;

	NEED_DAEMON();
	r = td_status(&d, "getppid");
	CHECK(r != NULL);
	exp0 = td_status_int(r, "expires_ns");
	json_decref(r);
	td_sleep_ms(20);
	r = deploy1("getppid", "t_getppid", "1h", PROG, false);
	CHECK_STR(json_string_value(json_object_get(r, "result")), "refreshed");
	CHECK_RUNNING(r);
	CHECK(td_status_int(r, "expires_ns") > exp0);
	json_decref(r);
	pid = helper_run(100);
	c = reader_count("t_getppid", pid, 0, INT64_MAX);
	CHECK_INT(c.rows, 100);
}

TT_TEST(changed_upsert_replaces_without_loss)
{
	struct count c;
	json_t *r;
	pid_t pid;
	int status;

	NEED_DAEMON();
	/* 2000 calls over ~0.3 s, with the replacement in the middle. */
	pid = helper_start(2000, 150);
	CHECK(pid > 0);
	td_sleep_ms(100);
	r = deploy1("getppid", "t_getppid", "1h", PROG2, false);
	CHECK_STR(json_string_value(json_object_get(r, "result")), "replaced");
	CHECK_RUNNING(r);
	json_decref(r);
	waitpid(pid, &status, 0);
	CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	c = reader_count("t_getppid", pid, 0, INT64_MAX);
	CHECK_INT(c.rc, 0);
	/* Both programs attached for a moment: duplicates allowed, loss not. */
	CHECKF(c.rows >= 2000, "%llu of 2000 rows", (unsigned long long)c.rows);
	pid = helper_run(50);
	c = reader_count("t_getppid", pid, 0, INT64_MAX);
	CHECK_INT(c.rows, 50); /* only the new program is attached now */
}

TT_TEST(ttl_expiry_detaches)
{
	struct count c;
	json_t *r;
	pid_t pid;

	NEED_DAEMON();
	r = deploy1("brief", "t_brief", "500ms", PROG, false);
	CHECK_RUNNING(r);
	json_decref(r);
	pid = helper_run(10);
	CHECK_INT(reader_count("t_brief", pid, 0, INT64_MAX).rows, 10);
	td_sleep_ms(500 + 1000); /* expiry + the 1 s detach bound */
	r = td_status(&d, "brief");
	CHECK_STR(td_status_str(r, "state"), "terminated");
	json_decref(r);
	pid = helper_run(10);
	c = reader_count("t_brief", pid, 0, INT64_MAX);
	CHECK_INT(c.rc, 0); /* the table stays */
	CHECK_INT(c.rows, 0);
}

TT_TEST(schema_change_needs_replace_table)
{
	const char *other = "tracepoint:syscalls:sys_enter_getppid "
			    "{ printf(\"x:%d\\n\", pid); }";
	json_t *r;

	NEED_DAEMON();
	r = deploy1("brief", "t_brief", "1h", other, false);
	CHECK_STR(td_code(r), "conflict");
	CHECKF(strstr(json_string_value(json_object_get(r, "error")),
		      "replace_table") != NULL,
	       "%s", json_string_value(json_object_get(r, "error")));
	json_decref(r);
	r = td_status(&d, "brief"); /* unchanged */
	CHECK_STR(td_status_str(r, "state"), "terminated");
	json_decref(r);
	r = deploy1("brief", "t_brief", "1h", other, true);
	CHECK_RUNNING(r);
	json_decref(r);
	r = td_request(
		&d, json_pack("{s:s,s:s}", "op", "schema", "table", "t_brief"));
	CHECK(json_is_true(json_object_get(r, "ok")));
	char *cols = json_dumps(json_object_get(r, "columns"), JSON_COMPACT);
	CHECKF(strstr(cols, "\"x\"") && !strstr(cols, "\"comm\""), "%s", cols);
	free(cols);
	json_decref(r);
}

TT_TEST(drop_refused_while_running)
{
	struct tt_reader *rd;
	char err[256];
	json_t *r;

	NEED_DAEMON();
	r = op_name("drop", "table", "t_brief");
	CHECK_STR(td_code(r), "conflict");
	json_decref(r);
	r = op_name("delete", "name", "brief");
	CHECK(json_is_true(json_object_get(r, "ok")));
	json_decref(r);
	r = op_name("drop", "table", "t_brief");
	CHECK(json_is_true(json_object_get(r, "ok")));
	json_decref(r);
	CHECK(tt_reader__open(d.store, "t_brief", &rd, err, sizeof(err)) < 0);
}

TT_TEST(kprobe_fails_with_feature_message)
{
	json_t *r;

	NEED_DAEMON();
	r = deploy1("kp", "t_kp", "1h",
		    "kprobe:do_nanosleep { printf(\"p:%d\\n\", pid); }", false);
	CHECK(json_is_true(json_object_get(r, "ok")));
	CHECK_STR(td_status_str(r, "state"), "failed");
	CHECKF(strstr(td_status_str(r, "error"), "kprobe") &&
		       strstr(td_status_str(r, "error"), "not available"),
	       "error: %s", td_status_str(r, "error"));
	json_decref(r);
}

TT_TEST(syntax_error_has_position)
{
	json_t *r;

	NEED_DAEMON();
	r = deploy1("syn", "t_syn", "1h",
		    "tracepoint:syscalls:sys_enter_getppid {\n"
		    "  printf(\"p:%d\\n\", pid) +;\n}",
		    false);
	CHECK_STR(td_status_str(r, "state"), "failed");
	CHECKF(strstr(td_status_str(r, "error"), "program 1:2:") != NULL,
	       "error: %s", td_status_str(r, "error"));
	json_decref(r);
}

TT_TEST(verifier_rejection_shows_log)
{
	/*
	 * Semantically fine, but 2^40 paths reach str() with a length the
	 * verifier must track precisely: it gives up after a million
	 * instructions, and status must quote its log.
	 */
	json_t *r;

	NEED_DAEMON();
	r = deploy1("ver", "t_ver", "1h",
		    "tracepoint:syscalls:sys_enter_openat {\n"
		    "  $x = 1;\n"
		    "  unroll(40) { if (nsecs & 1) { $x = $x * 2 + 1; }\n"
		    "               else { $x = $x * 2; } }\n"
		    "  printf(\"f:%s\\n\", str(args->filename, $x));\n}",
		    false);
	CHECK(json_is_true(json_object_get(r, "ok")));
	CHECK_STR(td_status_str(r, "state"), "failed");
	CHECKF(strstr(td_status_str(r, "error"), "verifier rejected") &&
		       strstr(td_status_str(r, "error"), "processed"),
	       "error: %s", td_status_str(r, "error"));
	json_decref(r);
	/* Restarts would spend seconds verifying it again. */
	json_decref(op_name("delete", "name", "ver"));
}

TT_TEST(sigkill_during_ingest_then_restart)
{
	long long exp0;
	struct count c;
	pid_t early, busy, late;
	json_t *r;

	NEED_DAEMON();
	r = deploy1("durable", "t_durable", "1h", PROG, false);
	CHECK_RUNNING(r);
	exp0 = td_status_int(r, "expires_ns");
	json_decref(r);
	early = helper_run(500);
	CHECK_INT(reader_count("t_durable", early, 0, INT64_MAX).rows, 500);
	busy = helper_start(5000, 50); /* ingest is live when the kill lands */
	td_sleep_ms(50);
	CHECK_INT(td_stop(&d, SIGKILL), 128 + SIGKILL);
	waitpid(busy, NULL, 0);
	CHECK_INT(td_start(&d), 0);
	r = td_status(&d, "durable");
	CHECK_RUNNING(r);
	CHECK_INT(td_status_int(r, "expires_ns"), exp0);
	json_decref(r);
	c = reader_count("t_durable", early, 0, INT64_MAX);
	CHECKF(c.rc == 0 && c.rows == 500, "after restart: rc %d rows %llu %s",
	       c.rc, (unsigned long long)c.rows, c.what);
	late = helper_run(100);
	CHECK_INT(reader_count("t_durable", late, 0, INT64_MAX).rows, 100);
	CHECK_INT(td_stop(&d, SIGTERM), 0);
}

TT_TEST(sigterm_drains_before_exit)
{
	struct count c;
	json_t *r;
	pid_t pid;

	NEED_DAEMON();
	r = deploy1("drained", "t_drained", "1h", PROG, false);
	CHECK_RUNNING(r);
	json_decref(r);
	pid = helper_run(300);
	/* No status request: whatever is still in the ring at SIGTERM must
	 * reach the table before the daemon exits. */
	CHECK_INT(td_stop(&d, SIGTERM), 0);
	c = reader_count("t_drained", pid, 0, INT64_MAX);
	CHECKF(c.rc == 0, "reader: %s", c.what);
	CHECK_INT(c.rows, 300);
}

static void teardown(void) __attribute__((destructor));
static void teardown(void)
{
	td_cleanup(&d);
}

TT_MAIN("daemon/ingest", TT_CASE(rows_exact_for_unprivileged_reader),
	TT_CASE(identical_upsert_refreshes),
	TT_CASE(changed_upsert_replaces_without_loss),
	TT_CASE(ttl_expiry_detaches),
	TT_CASE(schema_change_needs_replace_table),
	TT_CASE(drop_refused_while_running),
	TT_CASE(kprobe_fails_with_feature_message),
	TT_CASE(syntax_error_has_position),
	TT_CASE(verifier_rejection_shows_log),
	TT_CASE(sigkill_during_ingest_then_restart),
	TT_CASE(sigterm_drains_before_exit))
