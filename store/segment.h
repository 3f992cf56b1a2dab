/*
 * store/segment.h - the segment seqlock: the only code that touches a
 * segment's generation and row count. The protocol is documented at the
 * top of store/segment.c.
 */
#ifndef TT_STORE_SEGMENT_H
#define TT_STORE_SEGMENT_H

#include <stdbool.h>
#include <stdint.h>

#include "store/format.h"

/* ---- writer side ---- */

/*
 * Empties segment seg so that it can take rows from first_row_id on:
 * marks it odd (in flux), resets its metadata and dictionary sizes, and
 * publishes it even again with no rows.
 */
void tt_seg__recycle(const struct tt_layout *l, void *base, uint32_t seg,
		     uint64_t first_row_id);

/* Makes rows [0, nrows) of the segment visible (release store). */
void tt_seg__publish(struct tt_seg_meta *m, uint64_t nrows);

/*
 * Records row nrows's time_ in the segment's time index: min/max, the
 * disorder bound and the block summary summ (NULL: no summary).
 */
void tt_seg__note_time(struct tt_seg_meta *m, int64_t *summ, uint64_t nrows,
		       int64_t t);

/* The dictionary size words at the start of a body. */
static inline uint32_t *tt_seg__dict_sizes(const struct tt_layout *l,
					   void *base, uint32_t seg)
{
	return (uint32_t *)tt_layout__body(l, base, seg);
}

/* ---- reader side ---- */

/* A consistent-at-load-time copy of a segment's metadata. */
struct tt_seg_view {
	uint32_t seg;
	uint64_t gen;
	uint64_t nrows;
	uint64_t first_row_id;
	int64_t min_time, max_time;
	uint64_t disorder;
};

/*
 * Loads segment seg's metadata. Returns 1 with *v filled when the segment
 * is stable (even generation, unchanged while its metadata was read; it
 * may still be growing), 0 when it is in flux (odd or changing
 * generation), -EBADMSG when a field is impossible (row count
 * above capacity, row ids overflowing): the file is corrupted.
 */
int tt_seg__load(const struct tt_layout *l, const void *base, uint32_t seg,
		 struct tt_seg_view *v);

/*
 * True when the segment still has generation gen: everything read from it
 * since the load that returned gen belongs to that generation.
 */
bool tt_seg__unchanged(const struct tt_layout *l, const void *base,
		       uint32_t seg, uint64_t gen);

/* Dictionary size of column col, clamped to the segment's capacity. */
uint32_t tt_seg__dict_size(const struct tt_layout *l, const void *base,
			   uint32_t seg, uint32_t col);

/*
 * Narrows rows [*lo, *hi) of a segment's time column, *hi being the
 * published row count, to a range that holds every row with
 * tmin <= time_ <= tmax: binary search on the block summary, then on the
 * rows, both correct for input out of order by at most `disorder` (see
 * store/segment.c).
 */
void tt_seg__time_bounds(const int64_t *times, const int64_t *summ,
			 uint64_t disorder, int64_t tmin, int64_t tmax,
			 uint32_t *lo, uint32_t *hi);

#endif
