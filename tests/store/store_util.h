/*
 * tests/store/store_util.h - helpers shared by the store tests: a private
 * store directory on tmpfs, the trace-like schema, and a reader that
 * collects every row of a table with its strings resolved.
 */
#ifndef TT_STORE_UTIL_H
#define TT_STORE_UTIL_H

#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "tracetab/store.h"

/* Creates a fresh directory under /dev/shm; returns its path (static). */
static inline const char *tdir_make(char *buf)
{
	strcpy(buf, "/dev/shm/tt-test-XXXXXX");
	return mkdtemp(buf);
}

/* Removes the directory and the files in it. */
static inline void tdir_rm(const char *dir)
{
	char path[PATH_MAX];
	struct dirent *de;
	DIR *d = opendir(dir);

	if (!d)
		return;
	while ((de = readdir(d)))
		if (de->d_name[0] != '.' || de->d_name[1] > '.')
			if (snprintf(path, sizeof(path), "%s/%s", dir,
				     de->d_name) < (int)sizeof(path))
				unlink(path);
	closedir(d);
	rmdir(dir);
}

/* time_, pid int64, comm string, value uint64. */
static inline void trace_schema(struct tt_schema *s)
{
	memset(s, 0, sizeof(*s));
	tt_schema__add(s, "time_", TT_TYPE_TIME);
	tt_schema__add(s, "pid", TT_TYPE_INT64);
	tt_schema__add(s, "comm", TT_TYPE_STRING);
	tt_schema__add(s, "value", TT_TYPE_UINT64);
}

/*
 * Opens (creating) trace table `name` in dir with the given cap and
 * segment size, the creator's group; NULL with err filled on failure.
 */
static inline struct tt_table *trace_open(const char *dir, const char *name,
					  uint64_t max_bytes,
					  uint32_t segment_rows, char *err,
					  size_t errlen)
{
	struct tt_table_opts o = {.sz = sizeof(o),
				  .max_bytes = max_bytes,
				  .segment_rows = segment_rows,
				  .group = (gid_t)-1};
	struct tt_schema s;
	struct tt_table *t = NULL;

	trace_schema(&s);
	if (tt_table__open(dir, name, &s, &o, &t, err, errlen))
		fprintf(stderr, "open: %s\n", err);
	return t;
}

/*
 * A row derived entirely from its id, so any reader can check a row is
 * whole: pid = id * 7, comm = "c<id % ncomm>", value = id ^ 0x5a5a.
 */
struct drow {
	char comm[32];
	union tt_value v[4];
};

static inline void drow_make(struct drow *r, uint64_t id, int64_t time,
			     unsigned ncomm)
{
	int n = snprintf(r->comm, sizeof(r->comm), "c%llu",
			 (unsigned long long)(id % ncomm));

	r->v[0].i64 = time;
	r->v[1].i64 = (int64_t)(id * 7);
	r->v[2].str.ptr = r->comm;
	r->v[2].str.len = (uint32_t)n;
	r->v[3].u64 = id ^ 0x5a5a;
}

/*
 * Checks row i of a chunk against drow_make(id, ...) (time not checked).
 * Returns 0, or a line number-like code saying which column disagreed.
 */
static inline int drow_check(const struct tt_chunk *ch, uint32_t i,
			     unsigned ncomm)
{
	uint64_t id = ch->first_row_id + i;
	const int64_t *pid = ch->cols[1];
	const uint32_t *code = ch->cols[2];
	const uint64_t *val = ch->cols[3];
	struct drow want;
	const char *s;
	uint32_t len;

	drow_make(&want, id, 0, ncomm);
	if (pid[i] != want.v[1].i64)
		return 1;
	if (val[i] != want.v[3].u64)
		return 3;
	if (tt_chunk__string(ch, 2, code[i], &s, &len))
		return 4;
	if (len != want.v[2].str.len || memcmp(s, want.comm, len))
		return 2;
	return 0;
}

static inline int64_t mono_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000000000ll + ts.tv_nsec;
}

/* Result of scan_all(). */
struct scan_result {
	uint64_t rows, first, last, missed;
	int bad; /* drow_check code of the first bad row, 0 when all fine */
	int rc; /* scan error */
};

/*
 * Scans every row from from_row_id (flags: TT_SCAN_COPY or 0), checking
 * each with drow_check and that ids increase without repeats.
 */
static inline struct scan_result scan_all(struct tt_reader *r,
					  uint64_t from_row_id, uint32_t flags,
					  unsigned ncomm)
{
	struct tt_scan_opts o = {
		.sz = sizeof(o), .from_row_id = from_row_id, .flags = flags};
	struct scan_result res = {0, UINT64_MAX, 0, 0, 0, 0};
	struct tt_scan *sc;
	struct tt_chunk ch;
	uint64_t next = from_row_id;
	int rc;

	res.rc = tt_reader__scan(r, &o, &sc);
	if (res.rc)
		return res;
	while ((rc = tt_scan__next(sc, &ch)) == 1) {
		int bad = 0;

		for (uint32_t i = 0; i < ch.nrows && !bad; i++)
			bad = drow_check(&ch, i, ncomm);
		if (!tt_scan__validate(sc))
			continue; /* recycled under us: discard */
		if (bad && !res.bad)
			res.bad = bad;
		if (ch.first_row_id < next && !res.bad)
			res.bad = 10; /* repeated or backwards id */
		next = ch.first_row_id + ch.nrows;
		if (res.first == UINT64_MAX)
			res.first = ch.first_row_id;
		res.last = next - 1;
		res.rows += ch.nrows;
	}
	res.rc = rc;
	res.missed = tt_scan__missed_rows(sc);
	tt_scan__free(sc);
	return res;
}

#endif
