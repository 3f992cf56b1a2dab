/*
 * store/segment.c - the writer/reader protocol of a segment.
 *
 * One writer, many readers in other processes, no locks, and readers never
 * write shared memory (they map the file read-only) and never wait. Each
 * segment's directory entry (struct tt_seg_meta) holds two protocol words:
 *
 *   gen    64-bit generation. Odd while the writer recycles the segment
 *          (its rows and dictionaries are being thrown away); even
 *          otherwise. It only increases, so it never returns to a value a
 *          reader has seen (no ABA in 2^63 recycles).
 *   nrows  rows published in the current generation; only increases
 *          within a generation.
 *
 * Writer, appending row n to its current segment: writes the column values
 * at index n and any new dictionary entry (and bumps the dictionary size),
 * widens min/max time_ and the disorder bound, then stores nrows = n + 1
 * with release ordering. Everything a reader needs for rows [0, n] is thus
 * written before the count that makes them visible.
 *
 * Writer, recycling a segment: stores gen + 1 (odd, relaxed), issues a
 * release fence, resets the metadata and dictionary sizes, then stores
 * gen + 2 (even) with release ordering. New rows then follow the append
 * rule. The fence orders the odd store before every later store to the
 * segment (Boehm, "Can seqlocks get along with programming language memory
 * models?", the fence-based writer).
 *
 * Reader: loads gen (acquire); odd means skip the segment, never wait.
 * Loads nrows (acquire), then the other metadata, and checks gen again
 * (after an acquire fence) so that the row range and row ids it goes by
 * all belong to one generation; then it reads rows < nrows
 * (copying them, or letting the caller scan them in place), then issues an
 * acquire fence and loads gen again. Equal to the first load means nothing
 * read came from a later generation: if a read had observed any store made
 * after the writer's release fence, the acquire fence would make the
 * writer's odd store visible to the second load. Changed means the rows
 * were recycled under the reader: it discards what it derived from them and
 * counts them as missed. Metadata read after nrows may describe more rows
 * than nrows (the writer runs ahead), which is safe: min/max only widen and
 * the disorder bound only grows.
 *
 * Column values are written with plain stores and read with plain loads,
 * as in the kernel's seqlocks; the fences give the ordering, and a value
 * read from a changing segment is never trusted: the generation check
 * rejects it, and before that every index or offset derived from shared
 * memory is bounds-checked (the file is untrusted anyway).
 *
 * A writer killed at any point leaves either an odd generation (killed
 * while recycling: the next writer recycles the segment again, reusing
 * the odd value) or an even one with a valid published prefix (killed
 * while appending: the row being written was never published, so it
 * simply does not exist). The next writer recomputes the head's time
 * index from its published rows and stores it in place: values exact for
 * all published rows are also correct bounds for any prefix a reader
 * loaded.
 *
 * Time index: per segment min/max time_ and `disorder`, the largest amount
 * by which a row's time_ fell below the maximum of the rows before it (0:
 * sorted). For i < j, t[j] >= t[i] - disorder, which makes binary search
 * for tmin - disorder a correct lower bound (every row before a probe that
 * went right is below tmin) and for tmax + disorder a correct upper bound.
 * A block summary (the running maximum at the end of every TT_TIME_BLOCK
 * rows, non-decreasing by construction) is searched first, so that a
 * lookup in a segment of millions of rows touches a few pages, not forty.
 * The writer stores the summary entry of a row before publishing it; the
 * entry of the last, incomplete block may already include a row that is
 * not yet published, which only makes it larger: still a correct bound
 * for the block, which is the last one anyway.
 */
#include <errno.h>

#include "store/segment.h"

void tt_seg__recycle(const struct tt_layout *l, void *base, uint32_t seg,
		     uint64_t first_row_id)
{
	struct tt_seg_meta *m = tt_layout__meta(l, base, seg);
	uint64_t gen = __atomic_load_n(&m->gen, __ATOMIC_RELAXED);
	uint32_t *dn = tt_seg__dict_sizes(l, base, seg);

	/* A segment left odd by a killed writer stays odd until done. */
	gen |= 1;
	__atomic_store_n(&m->gen, gen, __ATOMIC_RELAXED);
	__atomic_thread_fence(__ATOMIC_RELEASE);
	__atomic_store_n(&m->nrows, 0, __ATOMIC_RELAXED);
	__atomic_store_n(&m->first_row_id, first_row_id, __ATOMIC_RELAXED);
	__atomic_store_n(&m->min_time, INT64_MAX, __ATOMIC_RELAXED);
	__atomic_store_n(&m->max_time, INT64_MIN, __ATOMIC_RELAXED);
	__atomic_store_n(&m->disorder, 0, __ATOMIC_RELAXED);
	for (uint32_t i = 0; i < l->ncols; i++)
		__atomic_store_n(&dn[i], 0, __ATOMIC_RELAXED);
	__atomic_store_n(&m->gen, gen + 1, __ATOMIC_RELEASE);
}

void tt_seg__publish(struct tt_seg_meta *m, uint64_t nrows)
{
	__atomic_store_n(&m->nrows, nrows, __ATOMIC_RELEASE);
}

void tt_seg__note_time(struct tt_seg_meta *m, int64_t *summ, uint64_t nrows,
		       int64_t t)
{
	int64_t max = m->max_time;

	if (nrows == 0 || t < m->min_time)
		__atomic_store_n(&m->min_time, t, __ATOMIC_RELAXED);
	if (nrows == 0 || t > max) {
		__atomic_store_n(&m->max_time, t, __ATOMIC_RELAXED);
		max = t;
	} else if ((uint64_t)max - (uint64_t)t > m->disorder) {
		__atomic_store_n(&m->disorder, (uint64_t)max - (uint64_t)t,
				 __ATOMIC_RELAXED);
	}
	if (summ)
		summ[nrows / TT_TIME_BLOCK] = max;
}

int tt_seg__load(const struct tt_layout *l, const void *base, uint32_t seg,
		 struct tt_seg_view *v)
{
	const struct tt_seg_meta *m = tt_layout__meta(l, (void *)base, seg);

	v->seg = seg;
	v->gen = __atomic_load_n(&m->gen, __ATOMIC_ACQUIRE);
	if (v->gen & 1)
		return 0;
	v->nrows = __atomic_load_n(&m->nrows, __ATOMIC_ACQUIRE);
	v->first_row_id = __atomic_load_n(&m->first_row_id, __ATOMIC_RELAXED);
	v->min_time = __atomic_load_n(&m->min_time, __ATOMIC_RELAXED);
	v->max_time = __atomic_load_n(&m->max_time, __ATOMIC_RELAXED);
	v->disorder = __atomic_load_n(&m->disorder, __ATOMIC_RELAXED);
	/* The metadata itself is read under the seqlock: all one generation. */
	if (!tt_seg__unchanged(l, base, seg, v->gen))
		return 0;
	if (v->nrows > l->segment_rows ||
	    v->first_row_id > UINT64_MAX - l->segment_rows)
		return -EBADMSG;
	return 1;
}

bool tt_seg__unchanged(const struct tt_layout *l, const void *base,
		       uint32_t seg, uint64_t gen)
{
	const struct tt_seg_meta *m = tt_layout__meta(l, (void *)base, seg);

	__atomic_thread_fence(__ATOMIC_ACQUIRE);
	return __atomic_load_n(&m->gen, __ATOMIC_RELAXED) == gen;
}

uint32_t tt_seg__dict_size(const struct tt_layout *l, const void *base,
			   uint32_t seg, uint32_t col)
{
	const uint32_t *dn = tt_seg__dict_sizes(l, (void *)base, seg);
	uint32_t n = __atomic_load_n(&dn[col], __ATOMIC_RELAXED);

	return n > l->segment_rows ? l->segment_rows : n;
}

/* a + b and a - b clamped to the int64 range. */
static int64_t clamp128(__int128 v)
{
	return v > INT64_MAX   ? INT64_MAX
	       : v < INT64_MIN ? INT64_MIN
			       : (int64_t)v;
}

static int64_t sat_add(int64_t a, uint64_t b)
{
	return clamp128((__int128)a + b);
}

static int64_t sat_sub(int64_t a, uint64_t b)
{
	return clamp128((__int128)a - b);
}

/*
 * First index in [lo, hi) whose time is > x (strict) or >= x. Both
 * possible next probes are prefetched, so that in a large cold segment
 * two cache misses overlap instead of following each other.
 */
static uint32_t search(const int64_t *t, uint32_t lo, uint32_t hi, int64_t x,
		       bool strict)
{
	while (lo < hi) {
		uint32_t mid = lo + (hi - lo) / 2;
		int64_t v;

		__builtin_prefetch(&t[lo + (mid - lo) / 2]);
		__builtin_prefetch(&t[mid + 1 + (hi - mid - 1) / 2]);
		v = t[mid];
		if (strict ? v <= x : v < x)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

/*
 * Narrows [*lo, *hi) by whole blocks using the block summary: rows of
 * blocks whose running maximum is below tmin are all below it, and every
 * row after a block whose running maximum exceeds tmax + disorder is
 * above tmax. The summary is small and hot, so a lookup touches few pages
 * of a large segment.
 */
static void blocks__narrow(const int64_t *summ, uint64_t disorder, int64_t tmin,
			   int64_t tmax, uint32_t *lo, uint32_t *hi)
{
	uint32_t nb = (*hi + TT_TIME_BLOCK - 1) / TT_TIME_BLOCK;
	uint32_t a = search(summ, 0, nb, tmin, false);
	uint32_t b = search(summ, a, nb, sat_add(tmax, disorder), true);
	uint64_t first = (uint64_t)a * TT_TIME_BLOCK;
	uint64_t end = ((uint64_t)b + 1) * TT_TIME_BLOCK;

	if (first > *lo)
		*lo = first < *hi ? (uint32_t)first : *hi;
	if (end < *hi)
		*hi = (uint32_t)end;
	if (*lo > *hi)
		*lo = *hi;
}

void tt_seg__time_bounds(const int64_t *times, const int64_t *summ,
			 uint64_t disorder, int64_t tmin, int64_t tmax,
			 uint32_t *lo, uint32_t *hi)
{
	uint32_t a, b;

	blocks__narrow(summ, disorder, tmin, tmax, lo, hi);
	a = search(times, *lo, *hi, sat_sub(tmin, disorder), false);
	b = search(times, a, *hi, sat_add(tmax, disorder), true);
	*lo = a;
	*hi = b;
}
