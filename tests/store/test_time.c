/*
 * tests/store/test_time.c - time-range lookups on sorted, nearly sorted
 * and unsorted data, checked against a brute-force count over every row.
 */
#include <errno.h>

#include "tests/store/store_util.h"
#include "tests/tt_test.h"

#define NROWS 40000
static char dirbuf[64];
static char err[512];
static int64_t times[NROWS];

enum order { SORTED, NEARLY, RANDOM };

static uint64_t rng = 88172645463325252ull;
static uint64_t xorshift(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return rng;
}

static int64_t make_time(enum order o, uint64_t id)
{
	switch (o) {
	case SORTED:
		return 1700000000000000000ll + (int64_t)(id / 3) * 10;
	case NEARLY: /* up to 1 us late, as ring buffers of several CPUs */
		return 1700000000000000000ll + (int64_t)id * 10 -
		       (int64_t)(xorshift() % 1000);
	default:
		return 1700000000000000000ll + (int64_t)(xorshift() % 400000);
	}
}

static struct tt_reader *build_seg(enum order o, uint32_t segment_rows)
{
	struct tt_table_opts opts = {.sz = sizeof(opts),
				     .max_bytes = 8 << 20,
				     .segment_rows = segment_rows,
				     .group = (gid_t)-1};
	const char *dir = tdir_make(dirbuf);
	struct tt_table *t = NULL;
	struct tt_reader *r = NULL;
	struct tt_schema s;
	struct drow row;

	trace_schema(&s);
	if (tt_table__open(dir, "t", &s, &opts, &t, err, sizeof(err)))
		return NULL;
	for (uint64_t id = 0; id < NROWS; id++) {
		times[id] = make_time(o, id);
		drow_make(&row, id, times[id], 5);
		tt_table__append(t, row.v);
	}
	tt_table__close(t);
	tt_reader__open(dir, "t", &r, err, sizeof(err));
	return r;
}

static struct tt_reader *build(enum order o)
{
	return build_seg(o, 1000);
}

/*
 * Scans [tmin, tmax]; returns the matching rows, checks each returned row
 * against its own time, and counts rows returned in all (*seen).
 */
static int64_t lookup(struct tt_reader *r, int64_t tmin, int64_t tmax,
		      uint32_t flags, uint64_t *seen)
{
	struct tt_scan_opts o = {.sz = sizeof(o),
				 .has_time_range = true,
				 .time_min = tmin,
				 .time_max = tmax,
				 .flags = flags};
	struct tt_scan *sc;
	struct tt_chunk ch;
	int64_t hits = 0;

	*seen = 0;
	if (tt_reader__scan(r, &o, &sc))
		return -1;
	while (tt_scan__next(sc, &ch) == 1) {
		const int64_t *t = ch.cols[0];

		for (uint32_t i = 0; i < ch.nrows; i++) {
			bool in = t[i] >= tmin && t[i] <= tmax;

			if (t[i] != times[ch.first_row_id + i])
				return -2;
			if (ch.exact && !in)
				return -3;
			hits += in;
		}
		*seen += ch.nrows;
	}
	tt_scan__free(sc);
	return hits;
}

static int64_t brute(int64_t tmin, int64_t tmax)
{
	int64_t n = 0;

	for (int i = 0; i < NROWS; i++)
		n += times[i] >= tmin && times[i] <= tmax;
	return n;
}

/* Random ranges of several widths; returns rows seen over rows hit. */
static int check_ranges(struct tt_reader *r, double *overscan)
{
	uint64_t seen, total_seen = 0, total_hits = 0;

	for (int q = 0; q < 400; q++) {
		int64_t base = times[xorshift() % NROWS] - 50;
		int64_t width =
			(int64_t)(xorshift() % (q % 4 == 0 ? 100000 : 100));
		int64_t want = brute(base, base + width);
		int64_t got = lookup(r, base, base + width,
				     q & 1 ? TT_SCAN_COPY : 0, &seen);

		if (got != want) {
			fprintf(stderr, "[%lld, %lld]: got %lld want %lld\n",
				(long long)base, (long long)(base + width),
				(long long)got, (long long)want);
			return -1;
		}
		total_seen += seen;
		total_hits += (uint64_t)got;
	}
	*overscan = total_hits ? (double)total_seen / total_hits : 0;
	return 0;
}

TT_TEST(sorted_lookup_is_exact)
{
	struct tt_reader *r = build(SORTED);
	uint64_t seen;
	double over;

	CHECKF(r, "%s", err);
	CHECK_INT(check_ranges(r, &over), 0);
	CHECKF(over == 1.0, "sorted data returned %.2fx the matching rows",
	       over);
	/* Everything, nothing, an inverted range, the extremes. */
	CHECK_INT(lookup(r, INT64_MIN, INT64_MAX, 0, &seen), NROWS);
	CHECK_INT(lookup(r, 0, 5, 0, &seen), 0);
	CHECK_INT(seen, 0);
	CHECK_INT(lookup(r, INT64_MAX - 5, INT64_MAX, 0, &seen), 0);
	CHECK_INT(lookup(r, times[NROWS - 1], times[0], 0, &seen), 0);
	/* Duplicate times (three rows share each) are all found. */
	CHECK_INT(lookup(r, times[300], times[300], 0, &seen), 3);
	tt_reader__close(r);
	tdir_rm(dirbuf);
}

TT_TEST(nearly_sorted_lookup_is_correct_and_tight)
{
	struct tt_reader *r = build(NEARLY);
	double over;

	CHECKF(r, "%s", err);
	CHECK_INT(check_ranges(r, &over), 0);
	/* Disorder of 1 us widens each bound by ~100 rows, not the segment. */
	CHECKF(over < 4.0, "nearly sorted data returned %.2fx the matches",
	       over);
	tt_reader__close(r);
	tdir_rm(dirbuf);
}

/* Big segments: the block summary does most of the narrowing. */
TT_TEST(big_segments_use_block_summary)
{
	for (int o = SORTED; o <= RANDOM; o++) {
		struct tt_reader *r = build_seg(o, 32768);
		double over;

		CHECKF(r, "%s", err);
		CHECKF(check_ranges(r, &over) == 0, "order %d", o);
		CHECKF(o == RANDOM || over < 4.0, "order %d: %.2fx", o, over);
		tt_reader__close(r);
		tdir_rm(dirbuf);
	}
}

TT_TEST(unsorted_lookup_is_correct)
{
	struct tt_reader *r = build(RANDOM);
	double over;

	CHECKF(r, "%s", err);
	CHECK_INT(check_ranges(r, &over), 0);
	tt_reader__close(r);
	tdir_rm(dirbuf);
}

TT_TEST(segments_are_pruned)
{
	struct tt_reader *r = build(SORTED);
	struct tt_scan_opts o = {.sz = sizeof(o),
				 .has_time_range = true,
				 .time_min = times[20500],
				 .time_max = times[20500]};
	struct tt_scan *sc;
	struct tt_chunk ch;
	int chunks = 0;

	CHECK(r);
	CHECK(!tt_reader__scan(r, &o, &sc));
	while (tt_scan__next(sc, &ch) == 1) {
		chunks++;
		CHECK(ch.sorted && ch.exact);
		CHECK(ch.min_time <= times[20500] &&
		      ch.max_time >= times[20500]);
	}
	CHECK_INT(chunks, 1);
	CHECK_INT(tt_scan__missed_rows(sc), 0);
	tt_scan__free(sc);
	tt_reader__close(r);
	tdir_rm(dirbuf);
}

TT_MAIN("store_time", TT_CASE(sorted_lookup_is_exact),
	TT_CASE(nearly_sorted_lookup_is_correct_and_tight),
	TT_CASE(unsorted_lookup_is_correct),
	TT_CASE(big_segments_use_block_summary), TT_CASE(segments_are_pruned))
