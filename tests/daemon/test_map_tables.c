/*
 * tests/daemon/test_map_tables.c - maps become tables, end to end: a real
 * tracetabd deploys map-only programs on real tracepoints, a helper
 * process with a known name makes a known number of syscalls, and the
 * snapshot rows read back from the store must count them: count by comm,
 * a latency histogram whose buckets add up, two maps as two tables,
 * print(@m) in an interval probe, the final snapshot after delete (END
 * included), a printf program exporting only what it prints, and
 * syscount.bt deployed unchanged.
 */
#include <sys/prctl.h>

#include "tests/daemon/harness.h"
#include "tests/tt_test.h"
#include "tracetab/store.h"

#define MAXC 8
#define CALLS 300

static struct td d;

#define NEED_DAEMON()                                                          \
	do {                                                                   \
		if (geteuid() != 0)                                            \
			SKIP("needs root to run tracetabd and attach probes"); \
		if (d.pid <= 0 || !td_ping(&d))                                \
			CHECKF(td_start(&d) == 0,                              \
			       "tracetabd did not start (log %s)", d.log);     \
	} while (0)

/* Runs a helper called comm that calls getppid n times; 0 when it did. */
static int helper(const char *comm, unsigned n)
{
	int status = 0;
	pid_t pid = fork();

	if (pid == 0) {
		prctl(PR_SET_NAME, comm);
		for (unsigned i = 0; i < n; i++)
			syscall(SYS_getppid);
		_exit(0);
	}
	if (pid < 0)
		return -1;
	waitpid(pid, &status, 0);
	return WIFEXITED(status) && WEXITSTATUS(status) == 0 ? 0 : -1;
}

/* ---- Reading a table back -------------------------------------------------
 */

struct row {
	int64_t v[MAXC];
	char s[MAXC][64];
};

struct tab {
	int rc;
	struct tt_schema schema;
	size_t n;
	struct row *rows;
	char err[256];
};

static void tab__free(struct tab *t)
{
	free(t->rows);
	memset(t, 0, sizeof(*t));
}

static void tab__chunk(struct tab *t, const struct tt_chunk *ch)
{
	struct row *more = realloc(t->rows, (t->n + ch->nrows) * sizeof(*more));

	if (!more) {
		t->rc = -ENOMEM;
		return;
	}
	t->rows = more;
	for (uint32_t i = 0; i < ch->nrows; i++) {
		struct row *r = &t->rows[t->n++];

		memset(r, 0, sizeof(*r));
		for (uint32_t c = 0; c < t->schema.ncols && c < MAXC; c++) {
			const char *str;
			uint32_t len;

			if (t->schema.cols[c].type != TT_TYPE_STRING) {
				r->v[c] = ((const int64_t *)ch->cols[c])[i];
				continue;
			}
			if (tt_chunk__string(ch, c,
					     ((const uint32_t *)ch->cols[c])[i],
					     &str, &len) == 0)
				snprintf(r->s[c], sizeof(r->s[c]), "%.*s",
					 (int)len, str);
		}
	}
}

/* Every row of table (after a status request drained the rings). */
static struct tab tab__read(const char *table)
{
	struct tt_scan_opts o = {.sz = sizeof(o), .flags = TT_SCAN_COPY};
	struct tab t = {0};
	struct tt_reader *r;
	struct tt_scan *sc;
	struct tt_chunk ch;

	json_decref(td_request(&d, json_pack("{s:s}", "op", "status")));
	t.rc = tt_reader__open(d.store, table, &r, t.err, sizeof(t.err));
	if (t.rc < 0)
		return t;
	t.schema = *tt_reader__schema(r);
	t.rc = tt_reader__scan(r, &o, &sc);
	while (t.rc == 0 && tt_scan__next(sc, &ch) == 1)
		tab__chunk(&t, &ch);
	if (t.rc == 0 || t.rc == -ENOMEM)
		tt_scan__free(sc);
	tt_reader__close(r);
	return t;
}

static int col(const struct tab *t, const char *name)
{
	return tt_schema__find(&t->schema, name);
}

/* The schema as "a,b,time_". */
static void tab__columns(const struct tab *t, char *buf, size_t len)
{
	size_t o = 0;

	buf[0] = '\0';
	for (uint32_t c = 0; c < t->schema.ncols && o < len; c++)
		o += snprintf(buf + o, len - o, "%s%s", c ? "," : "",
			      t->schema.cols[c].name);
}

/* Distinct time_ values, and the largest. */
static size_t snapshots(const struct tab *t, int64_t *last)
{
	int ct = col(t, "time_");
	size_t n = 0;
	int64_t prev = INT64_MIN;

	*last = INT64_MIN;
	for (size_t i = 0; i < t->n && ct >= 0; i++) {
		int64_t ts = t->rows[i].v[ct];

		n += ts != prev;
		prev = ts;
		*last = ts > *last ? ts : *last;
	}
	return n;
}

/* value (column vcol) of the row whose string column kcol is key, in the
 * snapshot taken at ts; -1 when absent. */
static int64_t value_at(const struct tab *t, int kcol, const char *key,
			int vcol, int64_t ts)
{
	int ct = col(t, "time_");

	for (size_t i = 0; i < t->n; i++)
		if (t->rows[i].v[ct] == ts &&
		    (kcol < 0 || strcmp(t->rows[i].s[kcol], key) == 0))
			return t->rows[i].v[vcol];
	return -1;
}

/* ---- Deploying --------------------------------------------------------------
 */

/* Deploys one program; extra is a JSON object text merged into the spec. */
static json_t *deploy(const char *name, const char *table, const char *src,
		      const char *extra)
{
	json_t *spec = json_pack("{s:s,s:s,s:s,s:b,s:[{s:s}]}", "name", name,
				 "table", table, "ttl", "1m", "replace_table",
				 1, "programs", "source", src);

	json_t *more = extra ? json_loads(extra, 0, NULL) : NULL;

	if (more)
		json_object_update(spec, more);
	json_decref(more);
	return td_request(
		&d, json_pack("{s:s,s:o}", "op", "deploy", "deployment", spec));
}

static void undeploy(const char *name)
{
	json_decref(td_request(
		&d, json_pack("{s:s,s:s}", "op", "delete", "name", name)));
}

#define CHECK_RUNNING(reply)                                                   \
	do {                                                                   \
		json_t *r_ = (reply);                                          \
		bool ok_ = strcmp(td_status_str(r_, "state"), "running") == 0; \
		if (!ok_) {                                                    \
			char *t_ = json_dumps(r_, 0);                          \
			fprintf(stderr, "deploy: %s\n", t_ ? t_ : "?");        \
			free(t_);                                              \
		}                                                              \
		json_decref(r_);                                               \
		CHECKF(ok_, "deployment is not running");                      \
	} while (0)

/* ---- Tests
 * -------------------------------------------------------------------- */

TT_TEST(count_by_comm_snapshots)
{
	NEED_DAEMON();
	CHECK_RUNNING(deploy("mt_count", "mt_count",
			     "tracepoint:raw_syscalls:sys_enter "
			     "{ @calls[comm] = count(); }",
			     "{\"map_interval_ms\": 200}"));
	CHECK(helper("ttmap_count", CALLS) == 0);
	int64_t t_done = td_now_ns();
	struct tab t = {0};
	size_t snaps = 0;
	int64_t last = 0;
	/* Two snapshots after the helper finished: the count is stable. */
	for (int i = 0; i < 50; i++) {
		tab__free(&t);
		t = tab__read("mt_count");
		if (t.rc == 0 && (snaps = snapshots(&t, &last)) >= 3 &&
		    last > t_done + 250000000)
			break;
		td_sleep_ms(100);
	}
	undeploy("mt_count");
	char cols[256];
	tab__columns(&t, cols, sizeof(cols));
	CHECKF(t.rc == 0, "read: %s", t.err);
	CHECK_STR(cols, "comm,value,time_");
	CHECKF(snaps >= 3, "%zu snapshots", snaps);
	int64_t v = value_at(&t, col(&t, "comm"), "ttmap_count",
			     col(&t, "value"), last);
	/* The helper's syscalls, plus its exit and a few more. */
	CHECKF(v >= CALLS && v < CALLS + 100, "ttmap_count: %lld",
	       (long long)v);
	CHECKF(last > t_done && last < td_now_ns(), "time_ %lld",
	       (long long)last);
	tab__free(&t);
}

/* Latency of getppid as a log2 histogram: buckets sum to the calls. */
TT_TEST(hist_buckets_sum_to_count_two_tables)
{
	NEED_DAEMON();
	CHECK_RUNNING(deploy(
		"mt_hist", "mt_hist",
		"tracepoint:syscalls:sys_enter_getppid /comm == "
		"\"ttmap_hist\"/ "
		"{ @start[tid] = nsecs; }\n"
		"tracepoint:syscalls:sys_exit_getppid /@start[tid]/ "
		"{ @lat = hist(nsecs - @start[tid]); delete(@start[tid]); }",
		"{\"map_interval_ms\": 150}"));
	CHECK(helper("ttmap_hist", CALLS) == 0);
	int64_t t_done = td_now_ns(), last = 0;
	struct tab t = {0};
	for (int i = 0; i < 50; i++) {
		tab__free(&t);
		t = tab__read("mt_hist_lat");
		if (t.rc == 0 && snapshots(&t, &last) &&
		    last > t_done + 200000000)
			break;
		td_sleep_ms(100);
	}
	struct tab s = tab__read("mt_hist_start");
	undeploy("mt_hist");
	char cols[256];
	tab__columns(&t, cols, sizeof(cols));
	CHECKF(t.rc == 0, "read: %s", t.err);
	CHECK_STR(cols, "lo,hi,count,time_");
	tab__columns(&s, cols, sizeof(cols));
	CHECKF(s.rc == 0, "second map's table: %s", s.err);
	CHECK_STR(cols, "tid,value,time_");
	int ct = col(&t, "time_"), lo = col(&t, "lo"), hi = col(&t, "hi");
	int64_t sum = 0, rows = 0;
	for (size_t i = 0; i < t.n; i++) {
		const int64_t *v = t.rows[i].v;
		if (v[ct] != last)
			continue;
		rows++;
		sum += v[col(&t, "count")];
		CHECKF(v[lo] >= 0 && v[lo] < v[hi], "bucket [%lld, %lld)",
		       (long long)v[lo], (long long)v[hi]);
		/* log2 buckets: [0,1), [1,2), [2^k, 2^(k+1)) */
		CHECKF(v[lo] == 0 ? v[hi] == 1 : v[hi] == 2 * v[lo],
		       "bucket [%lld, %lld)", (long long)v[lo],
		       (long long)v[hi]);
	}
	CHECKF(sum == CALLS, "buckets sum to %lld over %lld rows",
	       (long long)sum, (long long)rows);
	tab__free(&t);
	tab__free(&s);
}

/* print(@m) from an interval probe, with periodic snapshots off. */
TT_TEST(print_in_interval_probe)
{
	NEED_DAEMON();
	int64_t t0 = td_now_ns();
	CHECK_RUNNING(deploy("mt_print", "mt_print",
			     "tracepoint:syscalls:sys_enter_getppid "
			     "/comm == \"ttmap_print\"/ { @n = count(); }\n"
			     "interval:ms:100 { print(@n); }",
			     "{\"map_interval\": \"none\"}"));
	CHECK(helper("ttmap_print", CALLS) == 0);
	int64_t last = 0;
	size_t snaps = 0;
	struct tab t = {0};
	for (int i = 0; i < 50; i++) {
		tab__free(&t);
		t = tab__read("mt_print");
		if (t.rc == 0 && (snaps = snapshots(&t, &last)) >= 4)
			break;
		td_sleep_ms(100);
	}
	int64_t t1 = td_now_ns();
	undeploy("mt_print");
	char cols[256];
	tab__columns(&t, cols, sizeof(cols));
	CHECKF(t.rc == 0, "read: %s", t.err);
	CHECK_STR(cols, "value,time_");
	/* Snapshots only from print(): about one per 100 ms. */
	CHECKF(snaps >= 4 && (int64_t)snaps <= (t1 - t0) / 50000000 + 1,
	       "%zu snapshots in %lld ms", snaps,
	       (long long)((t1 - t0) / 1000000));
	CHECKF(value_at(&t, -1, NULL, col(&t, "value"), last) == CALLS,
	       "value %lld", (long long)value_at(&t, -1, NULL, 0, last));
	tab__free(&t);
}

/* No interval: only the final snapshot, taken after END ran. */
TT_TEST(final_snapshot_after_delete_includes_end)
{
	NEED_DAEMON();
	CHECK_RUNNING(deploy("mt_end", "mt_end",
			     "tracepoint:syscalls:sys_enter_getppid "
			     "/comm == \"ttmap_end\"/ { @n = count(); }\n"
			     "END { @fin = 42; }",
			     "{\"map_interval_ms\": 0}"));
	CHECK(helper("ttmap_end", CALLS) == 0);
	struct tab before = tab__read("mt_end_n");
	undeploy("mt_end");
	struct tab n = tab__read("mt_end_n"), fin = tab__read("mt_end_fin");
	CHECKF(before.rc == 0 && before.n == 0, "rows before the end: %zu (%s)",
	       before.n, before.err);
	CHECKF(n.rc == 0 && n.n == 1, "@n rows: %zu (%s)", n.n, n.err);
	CHECKF(n.rows[0].v[col(&n, "value")] == CALLS, "@n = %lld",
	       (long long)n.rows[0].v[col(&n, "value")]);
	CHECKF(fin.rc == 0 && fin.n == 1, "@fin rows: %zu (%s)", fin.n,
	       fin.err);
	CHECK_INT(fin.rows[0].v[col(&fin, "value")], 42);
	CHECK_INT(fin.rows[0].v[col(&fin, "time_")],
		  n.rows[0].v[col(&n, "time_")]);
	tab__free(&before);
	tab__free(&n);
	tab__free(&fin);
}

/* A deployment ends by TTL expiry or daemon shutdown: one last snapshot. */
static void end_by(const char *name, bool shutdown)
{
	char prog[256];

	snprintf(prog, sizeof(prog),
		 "tracepoint:syscalls:sys_enter_getppid "
		 "/comm == \"%s\"/ { @n = count(); }",
		 name);
	json_t *r =
		deploy(name, name, prog,
		       shutdown ? "{\"map_interval_ms\": 0}"
				: "{\"map_interval_ms\": 0, \"ttl\": \"1s\"}");
	bool running = strcmp(td_status_str(r, "state"), "running") == 0;
	json_decref(r);
	CHECKF(running, "%s is not running", name);
	CHECK(helper(name, CALLS) == 0);
	if (shutdown)
		CHECK_INT(td_stop(&d, SIGTERM), 0);
	else
		td_sleep_ms(1300); /* the reaper runs on the daemon's tick */
	struct tab t = {0};
	for (int i = 0; i < 20 && !t.n; i++) {
		tab__free(&t);
		t = tab__read(name);
		td_sleep_ms(50);
	}
	CHECKF(t.rc == 0 && t.n == 1, "%zu rows (%s)", t.n, t.err);
	CHECK_INT(t.rows[0].v[col(&t, "value")], CALLS);
	tab__free(&t);
}

TT_TEST(ttl_expiry_takes_final_snapshot)
{
	NEED_DAEMON();
	end_by("ttmap_ttl", false);
}

TT_TEST(shutdown_takes_final_snapshot)
{
	NEED_DAEMON();
	end_by("ttmap_down", true);
	/* Restarted, the deployment is restored; end it for good. */
	NEED_DAEMON();
	undeploy("ttmap_down");
}

/* A printf program keeps its rows; only the printed map is exported. */
TT_TEST(printf_program_exports_printed_map_only)
{
	NEED_DAEMON();
	CHECK_RUNNING(deploy("mt_mixed", "mt_mixed",
			     "tracepoint:syscalls:sys_enter_getppid "
			     "/comm == \"ttmap_mixed\"/ "
			     "{ @n = count(); @other = count(); "
			     "printf(\"pid:%d\\n\", pid); }\n"
			     "END { print(@n); }",
			     NULL));
	CHECK(helper("ttmap_mixed", 50) == 0);
	undeploy("mt_mixed");
	struct tab rows = tab__read("mt_mixed"), n = tab__read("mt_mixed_n"),
		   other = tab__read("mt_mixed_other");
	CHECKF(rows.rc == 0 && rows.n == 50, "printf rows: %zu (%s)", rows.n,
	       rows.err);
	CHECKF(n.rc == 0 && n.n == 1, "@n rows: %zu (%s)", n.n, n.err);
	CHECK_INT(n.rows[0].v[col(&n, "value")], 50);
	CHECKF(other.rc == -ENOENT, "@other has a table: %d", other.rc);
	tab__free(&rows);
	tab__free(&n);
	tab__free(&other);
}

/* export_maps: a printf program's maps are snapshot like a map program's. */
TT_TEST(printf_program_export_maps)
{
	NEED_DAEMON();
	CHECK_RUNNING(
		deploy("mt_exp", "mt_exp",
		       "tracepoint:syscalls:sys_enter_getppid "
		       "/comm == \"ttmap_exp\"/ "
		       "{ @n = count(); printf(\"pid:%d\\n\", pid); }",
		       "{\"export_maps\": true, \"map_interval_ms\": 100}"));
	CHECK(helper("ttmap_exp", 50) == 0);
	int64_t last = 0;
	size_t snaps = 0;
	struct tab n = {0};
	for (int i = 0; i < 30 && snaps < 2; i++) {
		td_sleep_ms(100);
		tab__free(&n);
		n = tab__read("mt_exp_n");
		snaps = n.rc == 0 ? snapshots(&n, &last) : 0;
	}
	undeploy("mt_exp");
	struct tab rows = tab__read("mt_exp");
	CHECKF(rows.rc == 0 && rows.n == 50, "printf rows: %zu (%s)", rows.n,
	       rows.err);
	CHECKF(snaps >= 2, "%zu snapshots before the end (%s)", snaps, n.err);
	CHECK_INT(value_at(&n, -1, NULL, col(&n, "value"), last), 50);
	tab__free(&rows);
	tab__free(&n);
}

/* A bundled tool's text (malloc'd), or NULL outside the repository root. */
static char *tool(const char *name)
{
	char path[256], *src = NULL;
	size_t len = 0;
	int c;

	snprintf(path, sizeof(path), "tests/conformance/corpus/tools/%s", name);
	FILE *f = fopen(path, "r");
	if (!f)
		return NULL;
	FILE *m = open_memstream(&src, &len);
	while (m && (c = fgetc(f)) != EOF)
		fputc(c, m);
	fclose(f);
	if (m)
		fclose(m);
	return src;
}

/* pidpersec.bt as shipped: time(), print(@) and clear(@) every second. */
TT_TEST(pidpersec_unchanged)
{
	NEED_DAEMON();
	char *src = tool("pidpersec.bt");
	if (!src)
		SKIP("run from the repository root (pidpersec.bt not found)");
	json_t *r =
		deploy("mt_pps", "mt_pps", src, "{\"map_interval\": \"none\"}");
	free(src);
	CHECK_RUNNING(r);
	for (int i = 0; i < 40; i++)
		CHECK(helper("ttmap_fork", 0) == 0);
	td_sleep_ms(2200);
	undeploy("mt_pps");
	struct tab t = tab__read("mt_pps");
	char cols[256];
	int64_t sum = 0, last;
	tab__columns(&t, cols, sizeof(cols));
	CHECK_STR(cols, "value,time_");
	for (size_t i = 0; i < t.n; i++)
		sum += t.rows[i].v[0];
	/* One row per print(@) (cleared after each), none after END's clear. */
	CHECKF(snapshots(&t, &last) == t.n && t.n >= 1 && t.n <= 4, "%zu rows",
	       t.n);
	CHECKF(sum >= 40, "forks counted: %lld", (long long)sum);
	tab__free(&t);
}

/* syscount.bt as shipped: banner printfs, two maps, print + clear in END. */
TT_TEST(syscount_unchanged)
{
	NEED_DAEMON();
	char *src = tool("syscount.bt");
	if (!src)
		SKIP("run from the repository root (syscount.bt not found)");
	json_t *r = deploy("mt_sys", "mt_sys", src, NULL);
	free(src);
	if (strcmp(td_status_str(r, "state"), "running") != 0) {
		char msg[300];
		snprintf(msg, sizeof(msg),
			 "syscount.bt does not deploy: %.200s",
			 td_status_str(r, "error"));
		json_decref(r);
		SKIP("%s", msg);
	}
	json_decref(r);
	CHECK(helper("ttmap_sysc", CALLS) == 0);
	undeploy("mt_sys");
	struct tab p = tab__read("mt_sys_process"),
		   s = tab__read("mt_sys_syscall");
	char cols[256];
	tab__columns(&p, cols, sizeof(cols));
	CHECK_STR(cols, "comm,value,time_");
	tab__columns(&s, cols, sizeof(cols));
	CHECK_STR(cols, "id,value,time_");
	/* print(@process, 10) in END: the helper is among the top 10. */
	int64_t best = -1, getppid = -1;
	for (size_t i = 0; i < p.n; i++)
		if (!strcmp(p.rows[i].s[col(&p, "comm")], "ttmap_sysc"))
			best = p.rows[i].v[col(&p, "value")] > best
				       ? p.rows[i].v[col(&p, "value")]
				       : best;
	for (size_t i = 0; i < s.n; i++)
		if (s.rows[i].v[col(&s, "id")] == SYS_getppid)
			getppid = s.rows[i].v[col(&s, "value")] > getppid
					  ? s.rows[i].v[col(&s, "value")]
					  : getppid;
	CHECKF(best >= CALLS, "ttmap_sysc counted %lld", (long long)best);
	CHECKF(getppid >= CALLS, "getppid counted %lld", (long long)getppid);
	tab__free(&p);
	tab__free(&s);
}

TT_TEST(spec_rejects_bad_map_options)
{
	NEED_DAEMON();
	const char *bad[] = {
		"{\"map_interval_ms\": -1}", "{\"map_interval\": \"soon\"}",
		"{\"map_interval\": \"1s\", \"map_interval_ms\": 5}",
		"{\"export_maps\": 1}"};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		json_t *r = deploy("mt_bad", "mt_bad",
				   "tracepoint:syscalls:sys_enter_getppid "
				   "{ @n = count(); }",
				   bad[i]);
		bool refused = r && !json_is_true(json_object_get(r, "ok"));
		json_decref(r);
		CHECKF(refused, "accepted %s", bad[i]);
	}
}

static void teardown(void) __attribute__((destructor));
static void teardown(void)
{
	td_cleanup(&d);
}

TT_MAIN("daemon_map_tables", TT_CASE(count_by_comm_snapshots),
	TT_CASE(hist_buckets_sum_to_count_two_tables),
	TT_CASE(print_in_interval_probe),
	TT_CASE(final_snapshot_after_delete_includes_end),
	TT_CASE(ttl_expiry_takes_final_snapshot),
	TT_CASE(shutdown_takes_final_snapshot),
	TT_CASE(printf_program_exports_printed_map_only),
	TT_CASE(printf_program_export_maps), TT_CASE(syscount_unchanged),
	TT_CASE(pidpersec_unchanged), TT_CASE(spec_rejects_bad_map_options))
