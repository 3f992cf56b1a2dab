/*
 * tests/store/test_dict.c - per-segment string dictionaries: repeated
 * strings share a code, any bytes round-trip, long strings seal segments
 * early, and 10 million distinct strings stay within the table's cap with
 * every code resolving to its own string.
 */
#include <errno.h>
#include <sys/stat.h>

#include "tests/store/store_util.h"
#include "tests/tt_test.h"

static char dirbuf[64];
static char err[512];

static struct tt_table *open_trace(const char *dir, uint64_t max_bytes,
				   uint32_t segment_rows)
{
	return trace_open(dir, "d", max_bytes, segment_rows, err, sizeof(err));
}

static int first_chunk(struct tt_reader *r, struct tt_scan **sc,
		       struct tt_chunk *ch)
{
	struct tt_scan_opts o = {.sz = sizeof(o)};

	if (tt_reader__scan(r, &o, sc))
		return -1;
	return tt_scan__next(*sc, ch);
}

TT_TEST(repeated_strings_share_codes)
{
	const char *dir = tdir_make(dirbuf);
	struct tt_table *t = open_trace(dir, 1 << 20, 1024);
	struct tt_reader *r = NULL;
	struct tt_scan *sc = NULL;
	struct tt_chunk ch;
	struct drow row;
	const uint32_t *codes;

	CHECK(t);
	for (uint64_t id = 0; id < 1000; id++) {
		drow_make(&row, id, (int64_t)id, 10);
		CHECK(tt_table__append(t, row.v) == (int64_t)id);
	}
	CHECK(!tt_reader__open(dir, "d", &r, err, sizeof(err)));
	CHECK_INT(first_chunk(r, &sc, &ch), 1);
	CHECK_INT(ch.nrows, 1000);
	CHECK_INT(tt_chunk__dict_size(&ch, 2), 10);
	CHECK_INT(tt_chunk__dict_size(&ch, 1), 0); /* not a string column */
	codes = ch.cols[2];
	for (uint32_t i = 0; i < 1000; i++)
		CHECK_INT(codes[i], codes[i % 10]);
	for (uint32_t i = 0; i < 1000; i++)
		CHECK_INT(drow_check(&ch, i, 10), 0);
	CHECK(tt_scan__validate(sc));
	tt_scan__free(sc);
	tt_reader__close(r);
	tt_table__close(t);
	tdir_rm(dir);
}

TT_TEST(any_bytes_round_trip)
{
	static const char *const vals[] = {"", "a", "with\0nul", "\xff\xfe",
					   "tab\there"};
	static const uint32_t lens[] = {0, 1, 8, 2, 8};
	const char *dir = tdir_make(dirbuf);
	struct tt_table *t = open_trace(dir, 1 << 20, 1024);
	struct tt_reader *r = NULL;
	struct tt_scan *sc = NULL;
	struct tt_chunk ch;
	union tt_value v[4] = {{0}};
	const uint32_t *codes;
	const char *s;
	uint32_t len;

	CHECK(t);
	for (int i = 0; i < 5; i++) {
		v[2].str.ptr = vals[i];
		v[2].str.len = lens[i];
		CHECK(tt_table__append(t, v) == i);
	}
	v[2].str.ptr = NULL;
	v[2].str.len = 3;
	CHECK(tt_table__append(t, v) == -EINVAL);
	v[2].str.len = 0; /* NULL with length 0 is the empty string */
	CHECK(tt_table__append(t, v) == 5);
	CHECK(!tt_reader__open(dir, "d", &r, err, sizeof(err)));
	CHECK_INT(first_chunk(r, &sc, &ch), 1);
	CHECK_INT(ch.nrows, 6);
	codes = ch.cols[2];
	for (int i = 0; i < 5; i++) {
		CHECK_INT(tt_chunk__string(&ch, 2, codes[i], &s, &len), 0);
		CHECK_INT(len, lens[i]);
		CHECK(!memcmp(s, vals[i], len));
	}
	CHECK_INT(codes[5], codes[0]);
	CHECK_INT(tt_chunk__string(&ch, 2, 5, &s, &len), -ERANGE);
	CHECK_INT(tt_chunk__string(&ch, 2, UINT32_MAX, &s, &len), -ERANGE);
	CHECK_INT(tt_chunk__string(&ch, 64, 0, &s, &len), -EINVAL);
	CHECK_INT(tt_chunk__string(NULL, 2, 0, &s, &len), -EINVAL);
	tt_scan__free(sc);
	tt_reader__close(r);
	tt_table__close(t);
	tdir_rm(dir);
}

/* Regression (found by fuzz_store): a NULL empty string new to a segment. */
TT_TEST(null_empty_string_first)
{
	const char *dir = tdir_make(dirbuf);
	struct tt_table *t = open_trace(dir, 1 << 20, 1024);
	struct tt_reader *r = NULL;
	struct tt_scan *sc = NULL;
	struct tt_chunk ch;
	union tt_value v[4] = {{0}};
	const char *s;
	uint32_t len = 99;

	CHECK(t);
	CHECK(tt_table__append(t, v) == 0);
	CHECK(!tt_reader__open(dir, "d", &r, err, sizeof(err)));
	CHECK_INT(first_chunk(r, &sc, &ch), 1);
	CHECK_INT(tt_chunk__string(&ch, 2, ((const uint32_t *)ch.cols[2])[0],
				   &s, &len),
		  0);
	CHECK_INT(len, 0);
	tt_scan__free(sc);
	tt_reader__close(r);
	tt_table__close(t);
	tdir_rm(dir);
}

TT_TEST(long_strings_seal_segments_early)
{
	const char *dir = tdir_make(dirbuf);
	struct tt_table *t = open_trace(dir, 8 << 20, 1024);
	struct tt_reader *r = NULL;
	struct tt_scan_opts o = {.sz = sizeof(o)};
	struct tt_scan *sc = NULL;
	struct tt_chunk ch;
	union tt_value v[4] = {{0}};
	static char big[100000];
	uint64_t rows = 0, chunks = 0;
	const char *s;
	uint32_t len;

	CHECK(t);
	/* 1024 rows of 1000 distinct bytes each cannot share one arena. */
	for (int i = 0; i < 1024; i++) {
		char buf[1000];

		memset(buf, 'a' + i % 26, sizeof(buf));
		snprintf(buf, 16, "%08d", i);
		v[1].i64 = i;
		v[2].str.ptr = buf;
		v[2].str.len = sizeof(buf);
		CHECK(tt_table__append(t, v) == i);
	}
	/* A string longer than a whole arena is cut to the arena. */
	memset(big, 'z', sizeof(big));
	v[2].str.ptr = big;
	v[2].str.len = sizeof(big);
	CHECK(tt_table__append(t, v) == 1024);
	CHECK(!tt_reader__open(dir, "d", &r, err, sizeof(err)));
	CHECK(!tt_reader__scan(r, &o, &sc));
	while (tt_scan__next(sc, &ch) == 1) {
		const uint32_t *codes = ch.cols[2];
		const int64_t *ids = ch.cols[1];

		chunks++;
		for (uint32_t i = 0; i < ch.nrows; i++, rows++) {
			CHECK_INT(tt_chunk__string(&ch, 2, codes[i], &s, &len),
				  0);
			if (ch.first_row_id + i == 1024) {
				CHECK(len < sizeof(big) && len >= 4096);
				CHECK(s[len - 1] == 'z');
				continue;
			}
			CHECK_INT(len, 1000);
			CHECK_INT(atoi(s), ids[i]);
		}
	}
	CHECK_INT(rows, 1025);
	CHECKF(chunks > 2, "only %llu segments used",
	       (unsigned long long)chunks);
	tt_scan__free(sc);
	tt_reader__close(r);
	tt_table__close(t);
	tdir_rm(dir);
}

TT_TEST(ten_million_distinct_strings_stay_in_cap)
{
	const uint64_t n = 10 * 1000 * 1000, cap = TT_TABLE_DEFAULT_BYTES;
	const char *dir = tdir_make(dirbuf);
	struct tt_table *t = open_trace(dir, 0, 0);
	struct tt_reader *r = NULL;
	struct scan_result res;
	struct drow row;
	char path[128];
	struct stat st;

	CHECK(t);
	for (uint64_t id = 0; id < n; id++) {
		drow_make(&row, id, (int64_t)id, 4000000000u); /* distinct */
		CHECK(tt_table__append(t, row.v) == (int64_t)id);
	}
	snprintf(path, sizeof(path), "%s/d.tt", dir);
	CHECK_INT(stat(path, &st), 0);
	CHECKF((uint64_t)st.st_size <= cap &&
		       (uint64_t)st.st_blocks * 512 <= cap + 4096,
	       "file %lld bytes, %lld allocated, cap %llu",
	       (long long)st.st_size, (long long)st.st_blocks * 512,
	       (unsigned long long)cap);
	CHECK(!tt_reader__open(dir, "d", &r, err, sizeof(err)));
	res = scan_all(r, 0, 0, 4000000000u);
	CHECK_INT(res.rc, 0);
	CHECK_INT(res.bad, 0);
	CHECK_INT(res.last, n - 1);
	CHECKF(res.rows > 100000, "only %llu rows kept",
	       (unsigned long long)res.rows);
	CHECK_INT(res.rows + res.missed, n);
	tt_reader__close(r);
	tt_table__close(t);
	tdir_rm(dir);
}

TT_MAIN("store_dict", TT_CASE(repeated_strings_share_codes),
	TT_CASE(any_bytes_round_trip), TT_CASE(null_empty_string_first),
	TT_CASE(long_strings_seal_segments_early),
	TT_CASE(ten_million_distinct_strings_stay_in_cap))
