/*
 * tests/client/client_util.h - helpers for the query engine tests (the
 * private store directory comes from tests/store/store_util.h): a trace table
 * filled with rows derived from their index (so every test can compute the
 * expected answer naively), and shortcuts to run SQL and read cells as text.
 */
#ifndef TT_CLIENT_UTIL_H
#define TT_CLIENT_UTIL_H

#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "tracetab/query.h"
#include "tracetab/store.h"
#include "tests/store/store_util.h" /* tdir_make, tdir_rm */

/* time_, pid int64, comm, src_ip, dst_ip strings, value uint64. */
static inline void cu_schema(struct tt_schema *s)
{
	memset(s, 0, sizeof(*s));
	tt_schema__add(s, "time_", TT_TYPE_TIME);
	tt_schema__add(s, "pid", TT_TYPE_INT64);
	tt_schema__add(s, "comm", TT_TYPE_STRING);
	tt_schema__add(s, "src_ip", TT_TYPE_STRING);
	tt_schema__add(s, "dst_ip", TT_TYPE_STRING);
	tt_schema__add(s, "value", TT_TYPE_UINT64);
}

/* Row i of the test data set; base is the time of row 0. */
struct cu_row {
	int64_t time;
	int64_t pid;
	char comm[16], src[24], dst[24];
	uint64_t value;
};

static inline void cu_row(uint64_t i, int64_t base, struct cu_row *r)
{
	r->time = base + (int64_t)i * 1000000; /* 1 ms apart */
	r->pid = (int64_t)(i % 50);
	snprintf(r->comm, sizeof(r->comm), "comm%d", (int)(i % 7));
	snprintf(r->src, sizeof(r->src), "10.0.0.%d", (int)(i % 5));
	snprintf(r->dst, sizeof(r->dst), "10.0.1.%d", (int)(i % 3));
	r->value = (i * 37) % 1000;
}

static inline void cu_values(const struct cu_row *r, union tt_value *v)
{
	v[0].i64 = r->time;
	v[1].i64 = r->pid;
	v[2].str.ptr = r->comm;
	v[2].str.len = (uint32_t)strlen(r->comm);
	v[3].str.ptr = r->src;
	v[3].str.len = (uint32_t)strlen(r->src);
	v[4].str.ptr = r->dst;
	v[4].str.len = (uint32_t)strlen(r->dst);
	v[5].u64 = r->value;
}

/* Writes rows [from, to) of the data set into table `name`. */
static inline int cu_fill(const char *dir, const char *name, uint64_t from,
			  uint64_t to, uint64_t step, int64_t base)
{
	struct tt_table_opts o = {.sz = sizeof(o), .group = (gid_t)-1};
	struct tt_schema s;
	struct tt_table *t;
	char err[256];
	int ret;

	o.segment_rows = 1024;
	o.max_bytes = 64ull << 20;
	cu_schema(&s);
	ret = tt_table__open(dir, name, &s, &o, &t, err, sizeof(err));
	if (ret) {
		fprintf(stderr, "cu_fill: %s\n", err);
		return ret;
	}
	for (uint64_t i = from; i < to; i += step) {
		struct cu_row r;
		union tt_value v[6];

		cu_row(i, base, &r);
		cu_values(&r, v);
		if (tt_table__append(t, v) < 0) {
			tt_table__close(t);
			return -1;
		}
	}
	tt_table__close(t);
	return 0;
}

/* Runs sql; returns the result or NULL with err filled. */
static inline struct ttq_result *cu_query(const char *dir, const char *sql,
					  int64_t now, struct ttq_error *err)
{
	struct ttq_opts o = {.sz = sizeof(o), .store_dir = dir, .now_ns = now};
	struct ttq_query *q;
	struct ttq_result *r = NULL;

	if (ttq_query__prepare(sql, &o, &q, err))
		return NULL;
	ttq_query__run(q, &r, err);
	ttq_query__free(q);
	return r;
}

/* Cell as text (UTC times); a static buffer per call slot. */
static inline const char *cu_cell(const struct ttq_result *r, size_t row,
				  size_t col)
{
	static char bufs[8][256];
	static int slot;
	char *b = bufs[slot++ % 8];
	const struct ttq_value *v = ttq_result__value(r, row, col);

	if (!v)
		return "(out of range)";
	ttq_value__format(v, TTQ_FMT_UTC, b, 256);
	return b;
}

#endif
