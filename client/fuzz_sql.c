/*
 * client/fuzz_sql.c - libFuzzer target over the SQL front end and the
 * partial-aggregate decoder. Each input is used twice: as SQL text
 * (lexer, parser, planner, and for accepted queries a run over a small
 * real table plus a serialize/merge round trip), and as a serialized
 * partial handed to ttq_partial__merge_bytes() of a fixed aggregate query.
 * Bad input must produce an error, never a crash, leak or hang.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "tracetab/query.h"
#include "tracetab/store.h"

static char dir[64];
static struct ttq_query *agg_q;

static void cleanup(void)
{
	char path[128];

	ttq_query__free(agg_q);
	snprintf(path, sizeof(path), "%s/t", dir);
	tt_store__drop(dir, "t");
	rmdir(dir);
}

static const struct ttq_opts opts = {
	.sz = sizeof(struct ttq_opts),
	.store_dir = dir,
	.now_ns = 1700000000000000000LL,
	.dns_timeout_ms = 1,
};

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	struct tt_table_opts o = {
		.sz = sizeof(o), .group = (gid_t)-1, .segment_rows = 64};
	struct tt_schema s = {0};
	struct tt_table *t;
	struct ttq_error err;
	char e[256];

	(void)argc;
	(void)argv;
	/* libFuzzer may end without running atexit handlers: the test script
	 * passes a directory it removes itself. */
	const char *given = getenv("TTQ_FUZZ_DIR");
	if (given && strlen(given) < sizeof(dir)) {
		strcpy(dir, given);
	} else {
		strcpy(dir, "/dev/shm/ttq-fuzz-XXXXXX");
		if (!mkdtemp(dir))
			abort();
	}
	tt_schema__add(&s, "time_", TT_TYPE_TIME);
	tt_schema__add(&s, "pid", TT_TYPE_INT64);
	tt_schema__add(&s, "comm", TT_TYPE_STRING);
	tt_schema__add(&s, "ip", TT_TYPE_STRING);
	tt_schema__add(&s, "value", TT_TYPE_UINT64);
	if (tt_table__open(dir, "t", &s, &o, &t, e, sizeof(e)))
		abort();
	for (int i = 0; i < 200; i++) {
		char comm[16];
		union tt_value v[5];

		snprintf(comm, sizeof(comm), "c%d", i % 7);
		v[0].i64 = opts.now_ns - (200 - i) * 1000000000LL;
		v[1].i64 = i % 13 - 3;
		v[2].str.ptr = comm;
		v[2].str.len = (uint32_t)strlen(comm);
		v[3].str.ptr = i % 2 ? "127.0.0.1" : "not-an-ip";
		v[3].str.len = (uint32_t)strlen(v[3].str.ptr);
		v[4].u64 = (uint64_t)i * 0x9e3779b97f4a7c15ULL;
		tt_table__append(t, v);
	}
	tt_table__close(t);
	if (ttq_query__prepare("SELECT comm, count(*), sum(value), min(comm), "
			       "avg(pid), p90(value) FROM t GROUP BY comm",
			       &opts, &agg_q, &err))
		abort();
	atexit(cleanup);
	return 0;
}

static void run_sql(const char *sql)
{
	struct ttq_query *q;
	struct ttq_partial *p, *p2;
	struct ttq_result *r;
	struct ttq_error err;
	char buf[1024];
	void *bytes;
	size_t len;

	if (ttq_query__prepare(sql, &opts, &q, &err)) {
		ttq_error__format(&err, sql, buf, sizeof(buf));
		return;
	}
	if (!ttq_query__run_partial(q, &p, &err)) {
		p2 = ttq_partial__new(q);
		if (p2 && !ttq_partial__serialize(p, &bytes, &len)) {
			ttq_partial__merge_bytes(p2, bytes, len);
			ttq_partial__merge_bytes(p2, bytes, len);
			free(bytes);
		}
		if (p2 && !ttq_partial__finish(p2, &r, &err)) {
			for (size_t i = 0; i < ttq_result__nrows(r); i++)
				for (size_t c = 0; c < ttq_result__ncols(r);
				     c++)
					ttq_value__format(
						ttq_result__value(r, i, c), 0,
						buf, sizeof(buf));
			ttq_result__free(r);
		}
		ttq_partial__free(p2);
		ttq_partial__free(p);
	}
	ttq_query__free(q);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *sql = malloc(size + 1);
	struct ttq_partial *p = ttq_partial__new(agg_q);

	if (!sql || !p) {
		free(sql);
		ttq_partial__free(p);
		return 0;
	}
	memcpy(sql, data, size);
	sql[size] = 0;
	run_sql(sql);
	ttq_partial__merge_bytes(p, data, size);
	ttq_partial__free(p);
	free(sql);
	return 0;
}
