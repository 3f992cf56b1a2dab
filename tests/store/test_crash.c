/*
 * tests/store/test_crash.c - a writer killed with SIGKILL in the middle of
 * appends: readers keep working, and a new writer reopening the table keeps
 * every published row and repairs a half-written segment.
 */
#include <errno.h>
#include <signal.h>
#include <fcntl.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include "store/format.h"
#include "tests/store/store_util.h"
#include "tests/tt_test.h"

#define NCOMM 31
static char dirbuf[64];
static char err[512];

static int open_writer(const char *dir, struct tt_table **t)
{
	struct tt_table_opts o = {.sz = sizeof(o),
				  .max_bytes = 4 << 20,
				  .segment_rows = 512,
				  .group = (gid_t)-1};
	struct tt_schema s;

	trace_schema(&s);
	return tt_table__open(dir, "c", &s, &o, t, err, sizeof(err));
}

/* Appends rows forever, continuing from the table's next id. */
static void writer(const char *dir)
{
	struct tt_table *t = NULL;
	struct drow row;

	prctl(PR_SET_PDEATHSIG, SIGKILL); /* never outlive a failed test */
	if (open_writer(dir, &t))
		_exit(2);
	for (uint64_t id = tt_table__next_row_id(t);; id++) {
		drow_make(&row, id, (int64_t)id, NCOMM);
		if (tt_table__append(t, row.v) != (int64_t)id)
			_exit(3);
	}
}

/* Scans until the deadline; returns 0 or what went wrong. */
static int scan_for(struct tt_reader *r, int64_t ns)
{
	int64_t end = mono_ns() + ns;

	do {
		struct scan_result res = scan_all(r, 0, 0, NCOMM);

		if (res.rc || res.bad)
			return res.rc ? res.rc : res.bad;
	} while (mono_ns() < end);
	return 0;
}

TT_TEST(sigkill_mid_append)
{
	const char *dir = tdir_make(dirbuf);
	struct tt_table *t = NULL;
	struct tt_reader *r = NULL;
	struct tt_reader_stats before, after;
	struct scan_result res;
	uint64_t rng = 12345;

	CHECK(!open_writer(dir, &t));
	tt_table__close(t);
	CHECK(!tt_reader__open(dir, "c", &r, err, sizeof(err)));
	CHECK_INT(tt_reader__stats(r, &before), 0);
	for (int round = 0; round < 25; round++) {
		uint64_t target = before.next_row_id +
				  before.segments * before.segment_rows / 2;
		int64_t limit = mono_ns() + 3000000000ll;
		pid_t pid = fork();
		int status, bad = 0;

		if (pid == 0)
			writer(dir);
		/* Readers work while the writer runs (half a ring per round)...
		 */
		while (!bad && tt_reader__stats(r, &after) == 0 &&
		       after.next_row_id < target && mono_ns() < limit)
			bad = scan_for(r, 0);
		rng = rng * 6364136223846793005ull + 1442695040888963407ull;
		if (!bad)
			bad = scan_for(r, (int64_t)(rng >> 40) % 3000000);
		kill(pid, SIGKILL);
		CHECK(waitpid(pid, &status, 0) == pid);
		CHECK_INT(bad, 0);
		CHECKF(WIFSIGNALED(status), "writer died on its own: %d",
		       status);
		/* ...and after it died. */
		CHECK_INT(scan_for(r, 0), 0);
		CHECK_INT(tt_reader__stats(r, &before), 0);
		/* Reopening keeps exactly the published rows. */
		CHECKF(!open_writer(dir, &t), "%s", err);
		CHECK_INT(tt_table__next_row_id(t), before.next_row_id);
		tt_table__close(t);
		CHECK_INT(tt_reader__stats(r, &after), 0);
		CHECK_INT(after.next_row_id, before.next_row_id);
		CHECK_INT(after.oldest_row_id, before.oldest_row_id);
		res = scan_all(r, 0, TT_SCAN_COPY, NCOMM);
		CHECK_INT(res.bad, 0);
		CHECK_INT(res.rows, after.next_row_id - after.oldest_row_id);
		CHECK_INT(res.missed, after.oldest_row_id);
	}
	CHECK(before.next_row_id >
	      10ull * before.segments * before.segment_rows);
	tt_reader__close(r);
	tdir_rm(dir);
}

/*
 * Leaves the state a writer killed in the middle of recycling leaves: a
 * segment with an odd generation and garbage rows. Readers skip it; a new
 * writer repairs it and carries on.
 */
TT_TEST(half_recycled_segment_is_repaired)
{
	const char *dir = tdir_make(dirbuf);
	struct tt_table *t = NULL;
	struct tt_reader *r = NULL;
	struct tt_layout l;
	struct scan_result res;
	struct drow row;
	char path[128];
	struct stat st;
	struct tt_seg_meta *m;
	void *base;
	int fd;

	CHECK(!open_writer(dir, &t));
	for (uint64_t id = 0; id < 1200; id++) { /* segments 0, 1, 2 */
		drow_make(&row, id, (int64_t)id, NCOMM);
		CHECK(tt_table__append(t, row.v) == (int64_t)id);
	}
	tt_table__close(t);
	snprintf(path, sizeof(path), "%s/c.tt", dir);
	fd = open(path, O_RDWR);
	CHECK(fd >= 0 && fstat(fd, &st) == 0);
	base = mmap(NULL, st.st_size, PROT_READ | PROT_WRITE, MAP_SHARED, fd,
		    0);
	close(fd);
	CHECK(base != MAP_FAILED);
	CHECK(!tt_header__validate(base, st.st_size, path, &l, err,
				   sizeof(err)));
	/* Segment 1 (rows 512..1023): odd generation, scribbled rows. */
	m = tt_layout__meta(&l, base, 1);
	m->gen |= 1;
	memset(tt_layout__body(&l, base, 1) + l.col_off[1], 0xab, 4096);
	CHECK(!tt_reader__open(dir, "c", &r, err, sizeof(err)));
	res = scan_all(r, 0, 0, NCOMM);
	CHECK_INT(res.bad, 0);
	CHECK_INT(res.rows, 1200 - 512);
	CHECK_INT(res.missed, 512);
	/* The new writer empties it and keeps everything else. */
	CHECKF(!open_writer(dir, &t), "%s", err);
	CHECK_INT(tt_table__next_row_id(t), 1200);
	CHECK_INT(m->gen & 1, 0);
	CHECK_INT(m->nrows, 0);
	for (uint64_t id = 1200; id < 3000; id++) {
		drow_make(&row, id, (int64_t)id, NCOMM);
		CHECK(tt_table__append(t, row.v) == (int64_t)id);
	}
	res = scan_all(r, 0, 0, NCOMM);
	CHECK_INT(res.bad, 0);
	CHECK_INT(res.rows, 3000 - 512);
	tt_table__close(t);
	tt_reader__close(r);
	munmap(base, st.st_size);
	tdir_rm(dir);
}

TT_MAIN("store_crash", TT_CASE(sigkill_mid_append),
	TT_CASE(half_recycled_segment_is_repaired))
