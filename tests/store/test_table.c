/*
 * tests/store/test_table.c - the writer and reader on real files: append
 * and read back, reopen, file mode and size, schema changes, two writers,
 * listing and dropping, retention wrap-around, maximum age.
 */
#include <errno.h>
#include <fcntl.h>
#include <sys/stat.h>

#include "tests/store/store_util.h"
#include "tests/tt_test.h"

static char dirbuf[64];
static char err[512];

static struct tt_table *open_table(const char *dir, uint64_t max_bytes,
				   uint32_t segment_rows)
{
	return trace_open(dir, "trace", max_bytes, segment_rows, err,
			  sizeof(err));
}

/* Appends ids [from, to) with time_ = 1000 * id. */
static int fill(struct tt_table *t, uint64_t from, uint64_t to, unsigned ncomm)
{
	struct drow r;

	for (uint64_t id = from; id < to; id++) {
		drow_make(&r, id, (int64_t)(1000 * id), ncomm);
		if (tt_table__append(t, r.v) != (int64_t)id)
			return -1;
	}
	return 0;
}

TT_TEST(append_and_read_back)
{
	const char *dir = tdir_make(dirbuf);
	struct tt_table *t = open_table(dir, 4 << 20, 0);
	struct tt_reader *r = NULL;
	struct tt_reader_stats st;
	struct scan_result res;

	CHECK(t);
	CHECK_INT(tt_table__next_row_id(t), 0);
	CHECK_INT(fill(t, 0, 5000, 13), 0);
	CHECK_INT(tt_table__next_row_id(t), 5000);
	CHECKF(!tt_reader__open(dir, "trace", &r, err, sizeof(err)), "%s", err);
	CHECK(tt_schema__equal(tt_reader__schema(r), tt_table__schema(t)));
	CHECK_INT(tt_reader__stats(r, &st), 0);
	CHECK_INT(st.next_row_id, 5000);
	CHECK_INT(st.oldest_row_id, 0);
	for (int copy = 0; copy < 2; copy++) {
		res = scan_all(r, 0, copy ? TT_SCAN_COPY : 0, 13);
		CHECK_INT(res.rc, 0);
		CHECK_INT(res.bad, 0);
		CHECK_INT(res.rows, 5000);
		CHECK_INT(res.first, 0);
		CHECK_INT(res.last, 4999);
		CHECK_INT(res.missed, 0);
	}
	/* Resuming returns exactly the rows after the resume point. */
	res = scan_all(r, 4321, 0, 13);
	CHECK_INT(res.rows, 5000 - 4321);
	CHECK_INT(res.first, 4321);
	res = scan_all(r, 5000, 0, 13);
	CHECK_INT(res.rows, 0);
	/* Rows appended after the reader opened are visible. */
	CHECK_INT(fill(t, 5000, 5100, 13), 0);
	res = scan_all(r, 5000, 0, 13);
	CHECK_INT(res.rows, 100);
	tt_reader__close(r);
	tt_table__close(t);
	tdir_rm(dir);
}

TT_TEST(reopen_keeps_rows)
{
	const char *dir = tdir_make(dirbuf);
	struct tt_table *t = open_table(dir, 4 << 20, 256);
	struct tt_reader *r = NULL;
	struct scan_result res;

	CHECK(t);
	CHECK_INT(fill(t, 0, 1000, 5), 0);
	tt_table__close(t);
	t = open_table(dir, 4 << 20, 256);
	CHECK(t);
	CHECK_INT(tt_table__next_row_id(t), 1000);
	CHECK_INT(fill(t, 1000, 2000, 5), 0);
	CHECK(!tt_reader__open(dir, "trace", &r, err, sizeof(err)));
	res = scan_all(r, 0, TT_SCAN_COPY, 5);
	CHECK_INT(res.bad, 0);
	CHECK_INT(res.rows, 2000);
	tt_reader__close(r);
	tt_table__close(t);
	tdir_rm(dir);
}

TT_TEST(file_mode_size_and_group)
{
	const char *dir = tdir_make(dirbuf);
	struct tt_table_opts o = {
		.sz = sizeof(o), .max_bytes = 3 << 20, .group = 65534};
	struct tt_table *t = NULL;
	struct tt_schema s;
	char path[128];
	struct stat st;

	trace_schema(&s);
	CHECKF(!tt_table__open(dir, "g", &s, &o, &t, err, sizeof(err)), "%s",
	       err);
	snprintf(path, sizeof(path), "%s/g.tt", dir);
	CHECK_INT(stat(path, &st), 0);
	CHECK_INT(st.st_mode & 0777, 0640);
	CHECK_INT(st.st_uid, geteuid());
	CHECK_INT(st.st_gid, 65534);
	CHECKF(st.st_size <= (off_t)(3 << 20) && st.st_size > (2 << 20),
	       "size %lld", (long long)st.st_size);
	/* Preallocated: every block is there before any row. */
	CHECK(st.st_blocks * 512 >= st.st_size);
	tt_table__close(t);
	tdir_rm(dir);
}

TT_TEST(schema_change_needs_replace)
{
	const char *dir = tdir_make(dirbuf);
	struct tt_table_opts o = {
		.sz = sizeof(o), .max_bytes = 1 << 20, .group = (gid_t)-1};
	struct tt_table *t = open_table(dir, 1 << 20, 0), *t2 = NULL;
	struct tt_reader *r = NULL;
	struct tt_schema s;

	CHECK(t);
	CHECK_INT(fill(t, 0, 10, 3), 0);
	tt_table__close(t);
	trace_schema(&s);
	tt_schema__add(&s, "extra", TT_TYPE_INT64);
	CHECK_INT(tt_table__open(dir, "trace", &s, &o, &t2, err, sizeof(err)),
		  -EEXIST);
	CHECK(strstr(err, "trace.tt"));
	CHECK(strstr(err, "different schema"));
	o.replace = true;
	CHECKF(!tt_table__open(dir, "trace", &s, &o, &t2, err, sizeof(err)),
	       "%s", err);
	CHECK_INT(tt_table__next_row_id(t2), 0);
	CHECK(!tt_reader__open(dir, "trace", &r, err, sizeof(err)));
	CHECK(tt_schema__equal(tt_reader__schema(r), &s));
	tt_reader__close(r);
	tt_table__close(t2);
	tdir_rm(dir);
}

TT_TEST(second_writer_refused)
{
	const char *dir = tdir_make(dirbuf);
	struct tt_table *t = open_table(dir, 1 << 20, 0), *t2;

	CHECK(t);
	t2 = open_table(dir, 1 << 20, 0);
	CHECK(t2 == NULL);
	CHECK(strstr(err, "another writer"));
	tt_table__close(t);
	t2 = open_table(dir, 1 << 20, 0);
	CHECK(t2);
	tt_table__close(t2);
	tdir_rm(dir);
}

static int collect(const char *name, void *ctx)
{
	strcat(ctx, name);
	strcat(ctx, ",");
	return 0;
}

TT_TEST(list_and_drop)
{
	const char *dir = tdir_make(dirbuf);
	struct tt_table_opts o = {
		.sz = sizeof(o), .max_bytes = 1 << 20, .group = (gid_t)-1};
	const char *names[] = {"zeta", "alpha", "mid"};
	struct tt_schema s;
	char got[256] = "", path[128];
	struct tt_table *t;
	int fd;

	trace_schema(&s);
	for (int i = 0; i < 3; i++) {
		CHECK(!tt_table__open(dir, names[i], &s, &o, &t, err,
				      sizeof(err)));
		tt_table__close(t);
	}
	/* Not tables: a foreign file with the suffix, a stray file. */
	snprintf(path, sizeof(path), "%s/foreign.tt", dir);
	fd = open(path, O_CREAT | O_WRONLY, 0644);
	CHECK(fd >= 0);
	CHECK(write(fd, "hello world", 11) == 11);
	close(fd);
	snprintf(path, sizeof(path), "%s/notes.txt", dir);
	close(open(path, O_CREAT | O_WRONLY, 0644));
	CHECK_INT(tt_store__list(dir, collect, got), 0);
	CHECK_STR(got, "alpha,mid,zeta,");
	CHECK_INT(tt_store__drop(dir, "mid"), 0);
	CHECK_INT(tt_store__drop(dir, "mid"), -ENOENT);
	CHECK_INT(tt_store__drop(dir, "../etc"), -EINVAL);
	got[0] = 0;
	CHECK_INT(tt_store__list(dir, collect, got), 0);
	CHECK_STR(got, "alpha,zeta,");
	CHECK_INT(tt_store__list("/nonexistent/dir", collect, got), -ENOENT);
	tdir_rm(dir);
}

TT_TEST(store_directory_created_with_parents)
{
	const char *dir = tdir_make(dirbuf);
	char sub[128], mid[128];
	struct tt_table *t;
	struct stat st;

	snprintf(mid, sizeof(mid), "%s/a", dir);
	snprintf(sub, sizeof(sub), "%s/a/b/", dir);
	t = open_table(sub, 1 << 20, 0);
	CHECK(t);
	CHECK_INT(stat(sub, &st), 0);
	CHECK(S_ISDIR(st.st_mode));
	CHECK_INT(st.st_mode & 0777, 0755);
	tt_table__close(t);
	CHECK_INT(tt_store__drop(sub, "trace"), 0);
	CHECK_INT(rmdir(sub), 0);
	CHECK_INT(rmdir(mid), 0);
	tdir_rm(dir);
}

TT_TEST(bad_arguments)
{
	const char *dir = tdir_make(dirbuf);
	struct tt_table_opts o = {
		.sz = sizeof(o), .max_bytes = 1000, .group = (gid_t)-1};
	struct tt_schema s = {0};
	struct tt_table *t = NULL;
	struct tt_reader *r = NULL;

	tt_schema__add(&s, "x", TT_TYPE_INT64);
	CHECK_INT(tt_table__open(dir, "t", &s, NULL, &t, err, sizeof(err)),
		  -EINVAL);
	CHECK(strstr(err, "time_"));
	trace_schema(&s);
	CHECK_INT(tt_table__open(dir, "a/b", &s, NULL, &t, err, sizeof(err)),
		  -EINVAL);
	CHECK_INT(tt_table__open(dir, "t", &s, &o, &t, err, sizeof(err)),
		  -EINVAL);
	CHECK(strstr(err, "cannot hold"));
	CHECK_INT(tt_reader__open(dir, "missing", &r, err, sizeof(err)),
		  -ENOENT);
	CHECK(strstr(err, "missing.tt"));
	CHECK(tt_table__append(NULL, NULL) == -EINVAL);
	tdir_rm(dir);
}

TT_TEST(retention_wraps_around)
{
	const char *dir = tdir_make(dirbuf);
	struct tt_table *t = open_table(dir, 1 << 20, 1024);
	struct tt_reader *r = NULL;
	struct tt_reader_stats st;
	struct scan_result res;
	uint64_t total, capacity;

	CHECK(t);
	CHECK(!tt_reader__open(dir, "trace", &r, err, sizeof(err)));
	CHECK_INT(tt_reader__stats(r, &st), 0);
	capacity = (uint64_t)st.segments * st.segment_rows;
	total = capacity * 10 + 517; /* wrap the ring ten times */
	CHECK_INT(fill(t, 0, total, 7), 0);
	CHECK_INT(tt_reader__stats(r, &st), 0);
	CHECK_INT(st.next_row_id, total);
	/* Only whole segments are recycled; the ring is full but one. */
	CHECKF(st.oldest_row_id >= total - capacity &&
		       st.oldest_row_id <= total - capacity + st.segment_rows,
	       "oldest %llu", (unsigned long long)st.oldest_row_id);
	CHECK_INT(st.oldest_row_id % st.segment_rows, 0);
	res = scan_all(r, 0, 0, 7);
	CHECK_INT(res.bad, 0);
	CHECK_INT(res.first, st.oldest_row_id);
	CHECK_INT(res.last, total - 1);
	CHECK_INT(res.rows, total - st.oldest_row_id);
	CHECK_INT(res.missed, st.oldest_row_id); /* the scan asked for 0 */
	tt_reader__close(r);
	tt_table__close(t);
	tdir_rm(dir);
}

TT_TEST(max_age_recycles_old_segments)
{
	const char *dir = tdir_make(dirbuf);
	struct tt_table_opts o = {.sz = sizeof(o),
				  .max_bytes = 1 << 20,
				  .segment_rows = 100,
				  .max_age_ns = 1000000000,
				  .group = (gid_t)-1};
	struct tt_table *t = NULL;
	struct tt_reader *r = NULL;
	struct scan_result res;
	struct tt_schema s;
	struct drow row;

	trace_schema(&s);
	CHECK(!tt_table__open(dir, "aged", &s, &o, &t, err, sizeof(err)));
	/* 250 rows at t = 0..249 s: segments [0,100) [100,200) [200,250). */
	for (uint64_t id = 0; id < 250; id++) {
		drow_make(&row, id, (int64_t)id * 1000000000, 3);
		CHECK(tt_table__append(t, row.v) == (int64_t)id);
	}
	CHECK(!tt_reader__open(dir, "aged", &r, err, sizeof(err)));
	tt_table__expire(t, 150 * 1000000000ll); /* cutoff 149 s */
	res = scan_all(r, 0, 0, 3);
	CHECK_INT(res.first, 100);
	CHECK_INT(res.rows, 150);
	tt_table__expire(t, 1000 * 1000000000ll); /* everything is old */
	res = scan_all(r, 0, 0, 3);
	CHECK_INT(res.rows, 0);
	/* Ids keep increasing after the table emptied. */
	CHECK_INT(tt_table__next_row_id(t), 250);
	drow_make(&row, 250, 2000ll * 1000000000, 3);
	CHECK(tt_table__append(t, row.v) == 250);
	res = scan_all(r, 0, 0, 3);
	CHECK_INT(res.rows, 1);
	CHECK_INT(res.first, 250);
	tt_reader__close(r);
	tt_table__close(t);
	tdir_rm(dir);
}

TT_MAIN("store_table", TT_CASE(append_and_read_back),
	TT_CASE(reopen_keeps_rows), TT_CASE(file_mode_size_and_group),
	TT_CASE(schema_change_needs_replace), TT_CASE(second_writer_refused),
	TT_CASE(list_and_drop), TT_CASE(store_directory_created_with_parents),
	TT_CASE(bad_arguments), TT_CASE(retention_wraps_around),
	TT_CASE(max_age_recycles_old_segments))
