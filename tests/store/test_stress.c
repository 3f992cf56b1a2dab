/*
 * tests/store/test_stress.c - one writer process wrapping a small ring
 * many times while two reader processes scan it concurrently, zero-copy
 * and copying, resuming by row id. Every row a reader keeps must be whole
 * (all columns derived from its row id agree, the string included), ids
 * must only increase and never repeat. Bounded to a few seconds.
 */
#include <errno.h>
#include <signal.h>
#include <sys/wait.h>

#include "tests/store/store_util.h"
#include "tests/tt_test.h"

#define NCOMM 997
#define RUN_NS 4000000000ll
#define T0 1700000000000000000ll

static char dirbuf[64];
static char err[512];

struct reader_report {
	uint64_t rows, chunks, discarded, missed, scans, range_rows;
	int bad; /* 0, or what was wrong */
	uint64_t bad_id;
};

static void writer(const char *dir)
{
	struct tt_table_opts o = {.sz = sizeof(o),
				  .max_bytes = 1 << 20,
				  .segment_rows = 256,
				  .group = (gid_t)-1};
	struct tt_table *t = NULL;
	struct tt_schema s;
	struct drow row;
	int64_t end = mono_ns() + RUN_NS;

	trace_schema(&s);
	if (tt_table__open(dir, "s", &s, &o, &t, err, sizeof(err)))
		_exit(2);
	for (uint64_t id = 0;; id++) {
		drow_make(&row, id, T0 + (int64_t)id * 10, NCOMM);
		if (tt_table__append(t, row.v) != (int64_t)id)
			_exit(3);
		if ((id & 1023) == 0 && mono_ns() > end)
			break;
	}
	tt_table__close(t);
	_exit(0);
}

/* Checks one chunk; returns 0 or a code, and the bad row's id. */
static int check_chunk(const struct tt_chunk *ch, uint64_t *bad_id)
{
	const int64_t *tm = ch->cols[0];

	for (uint32_t i = 0; i < ch->nrows; i++) {
		int bad = drow_check(ch, i, NCOMM);

		if (!bad && tm[i] != T0 + (int64_t)(ch->first_row_id + i) * 10)
			bad = 5;
		if (bad) {
			*bad_id = ch->first_row_id + i;
			return bad;
		}
	}
	return 0;
}

static void scan_once(struct tt_reader *r, uint64_t *next, uint32_t flags,
		      struct reader_report *rep)
{
	struct tt_scan_opts o = {
		.sz = sizeof(o), .from_row_id = *next, .flags = flags};
	struct tt_scan *sc;
	struct tt_chunk ch;
	uint64_t bad_id = 0;
	int rc;

	if (tt_reader__scan(r, &o, &sc)) {
		rep->bad = 20;
		return;
	}
	while ((rc = tt_scan__next(sc, &ch)) == 1) {
		int bad = check_chunk(&ch, &bad_id);

		if (!tt_scan__validate(sc)) {
			rep->discarded++;
			continue;
		}
		if (bad || ch.first_row_id < *next || !ch.nrows) {
			rep->bad = bad ? bad : 11;
			rep->bad_id = bad ? bad_id : ch.first_row_id;
			break;
		}
		*next = ch.first_row_id + ch.nrows;
		rep->rows += ch.nrows;
		rep->chunks++;
	}
	if (rc < 0)
		rep->bad = 21;
	rep->missed += tt_scan__missed_rows(sc);
	rep->scans++;
	tt_scan__free(sc);
}

/*
 * A time-range scan over the last `span` rows before *next: every row kept
 * must be whole, and inside the range when the chunk says it is exact.
 */
static void scan_range(struct tt_reader *r, uint64_t next, uint64_t span,
		       struct reader_report *rep)
{
	uint64_t from = next > span ? next - span : 0;
	struct tt_scan_opts o = {.sz = sizeof(o),
				 .has_time_range = true,
				 .time_min = T0 + (int64_t)from * 10,
				 .time_max = T0 + (int64_t)next * 10};
	struct tt_scan *sc;
	struct tt_chunk ch;
	uint64_t bad_id = 0;

	if (tt_reader__scan(r, &o, &sc)) {
		rep->bad = 22;
		return;
	}
	while (tt_scan__next(sc, &ch) == 1) {
		const int64_t *tm = ch.cols[0];
		int bad = check_chunk(&ch, &bad_id);

		for (uint32_t i = 0; i < ch.nrows && !bad && ch.exact; i++)
			if (tm[i] < o.time_min || tm[i] > o.time_max)
				bad = 12, bad_id = ch.first_row_id + i;
		if (!tt_scan__validate(sc)) {
			rep->discarded++;
			continue;
		}
		if (bad) {
			rep->bad = bad;
			rep->bad_id = bad_id;
			break;
		}
		rep->range_rows += ch.nrows;
	}
	tt_scan__free(sc);
}

static void reader(const char *dir, int fd, int which)
{
	struct reader_report rep = {0};
	struct tt_reader *r = NULL;
	int64_t end = mono_ns() + RUN_NS;
	uint64_t next = 0;

	/* The writer creates the table; wait for it to appear. */
	while (tt_reader__open(dir, "s", &r, err, sizeof(err)))
		if (mono_ns() > end)
			_exit(4);
		else
			usleep(1000);
	while (mono_ns() < end && !rep.bad) {
		/* Alternate modes; sometimes rescan from the oldest row. */
		uint32_t flags = (rep.scans + which) & 1 ? TT_SCAN_COPY : 0;

		scan_once(r, &next, flags, &rep);
		if (rep.scans % 4 == 0)
			scan_range(r, next, 5000, &rep);
	}
	tt_reader__close(r);
	if (write(fd, &rep, sizeof(rep)) != sizeof(rep))
		_exit(5);
	_exit(0);
}

TT_TEST(writer_and_two_readers)
{
	const char *dir = tdir_make(dirbuf);
	struct reader_report rep[2];
	int fds[2][2], status;
	pid_t w, rd[2];

	CHECK(dir);
	w = fork();
	if (w == 0)
		writer(dir);
	for (int i = 0; i < 2; i++) {
		CHECK(pipe(fds[i]) == 0);
		rd[i] = fork();
		if (rd[i] == 0)
			reader(dir, fds[i][1], i);
		close(fds[i][1]);
	}
	CHECK(waitpid(w, &status, 0) == w);
	CHECKF(WIFEXITED(status) && WEXITSTATUS(status) == 0,
	       "writer status %d", status);
	for (int i = 0; i < 2; i++) {
		CHECK(waitpid(rd[i], &status, 0) == rd[i]);
		CHECKF(WIFEXITED(status) && WEXITSTATUS(status) == 0,
		       "reader %d status %d", i, status);
		CHECK(read(fds[i][0], &rep[i], sizeof(rep[i])) ==
		      sizeof(rep[i]));
		close(fds[i][0]);
		fprintf(stderr,
			"reader %d: %llu rows in %llu chunks, %llu scans, "
			"%llu chunks discarded, %llu rows missed, %llu rows "
			"from time ranges\n",
			i, (unsigned long long)rep[i].rows,
			(unsigned long long)rep[i].chunks,
			(unsigned long long)rep[i].scans,
			(unsigned long long)rep[i].discarded,
			(unsigned long long)rep[i].missed,
			(unsigned long long)rep[i].range_rows);
		CHECKF(!rep[i].bad, "reader %d: bad row %llu (code %d)", i,
		       (unsigned long long)rep[i].bad_id, rep[i].bad);
		CHECK(rep[i].rows > 1000);
		CHECK(rep[i].range_rows > 1000);
	}
	{
		struct tt_reader *r = NULL;
		struct tt_reader_stats st;

		CHECK(!tt_reader__open(dir, "s", &r, err, sizeof(err)));
		CHECK_INT(tt_reader__stats(r, &st), 0);
		fprintf(stderr, "writer: %llu rows, ring of %u x %u\n",
			(unsigned long long)st.next_row_id, st.segments,
			st.segment_rows);
		/* The ring wrapped many times. */
		CHECK(st.next_row_id > 20ull * st.segments * st.segment_rows);
		tt_reader__close(r);
	}
	tdir_rm(dir);
}

TT_MAIN("store_stress", TT_CASE(writer_and_two_readers))
