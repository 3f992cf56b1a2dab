/*
 * tests/store/test_prefault.c - tt_reader__prefault maps the whole table
 * into the reader's page tables: a full scan afterwards takes (next to) no
 * page faults, while the same scan on a fresh reader of the same file
 * takes many, which shows that the fault count measured is the real one.
 * How much faster lookups get is a timing matter, left to bench-store.
 */
#include <sys/resource.h>

#include "tests/store/store_util.h"
#include "tests/tt_test.h"

#define NROWS 200000u
#define NCOMM 100u

static char dirbuf[64], err[512];

static long minflt(void)
{
	struct rusage ru;

	getrusage(RUSAGE_SELF, &ru);
	return ru.ru_minflt;
}

/* Page faults taken by one full, checked scan of the table. */
static long scan_faults(struct tt_reader *r, struct scan_result *res)
{
	long f0 = minflt();

	*res = scan_all(r, 0, 0, NCOMM);
	return minflt() - f0;
}

TT_TEST(prefaulted_scan_takes_no_faults)
{
	const char *dir = tdir_make(dirbuf);
	struct tt_reader *fresh = NULL, *warm = NULL;
	struct scan_result a, b;
	struct tt_table *t;
	long fa, fb;

	CHECK(dir);
	t = trace_open(dir, "pf", 16 << 20, 4096, err, sizeof(err));
	CHECKF(t, "%s", err);
	for (uint64_t i = 0; i < NROWS; i++) {
		struct drow d;

		drow_make(&d, i, 1000 + (int64_t)i, NCOMM);
		CHECK_INT(tt_table__append(t, d.v), (int64_t)i);
	}
	CHECKF(!tt_reader__open(dir, "pf", &fresh, err, sizeof(err)), "%s",
	       err);
	CHECKF(!tt_reader__open(dir, "pf", &warm, err, sizeof(err)), "%s",
	       err);
	CHECK_INT(tt_reader__prefault(warm), 0);
	fa = scan_faults(fresh, &a);
	fb = scan_faults(warm, &b);
	CHECK_INT(a.rc, 0);
	CHECK_INT(b.rc, 0);
	CHECK_INT(a.bad, 0);
	CHECK_INT(b.bad, 0);
	CHECK_INT(a.rows, NROWS);
	CHECK_INT(b.rows, NROWS);
	/* 200,000 rows span ~1,500 pages: a fresh mapping faults often. */
	CHECKF(fa >= 40, "fresh reader's scan took only %ld faults", fa);
	CHECKF(fb * 10 < fa, "prefaulted scan took %ld faults (fresh: %ld)", fb,
	       fa);
	CHECK_INT(tt_reader__prefault(NULL), -EINVAL);
	tt_reader__close(fresh);
	tt_reader__close(warm);
	tt_table__close(t);
	tdir_rm(dirbuf);
}

TT_MAIN("store_prefault", TT_CASE(prefaulted_scan_takes_no_faults))
