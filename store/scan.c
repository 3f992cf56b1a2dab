/*
 * store/scan.c - reading a table as chunks of consecutive rows.
 *
 * A scan takes a snapshot of the segments (segment, generation, first row
 * id) at start, ordered by row id, and walks it; each segment yields at
 * most one chunk. Loading a segment again when its turn comes tells what
 * happened meanwhile: a changed generation means it was recycled and its
 * rows are counted as missed; a grown row count (the head) is picked up.
 * Segments started after the snapshot are left to the next scan, which
 * resumes at from_row_id: row ids only increase, so nothing is returned
 * twice.
 *
 * A time range prunes segments by their min/max time_ (at the snapshot,
 * and again when their turn comes) and narrows the rest by binary search
 * (store/segment.c explains why this is correct for nearly sorted input).
 *
 * Zero-copy chunks point into the shared mapping, so the caller validates
 * after use (tt_scan__validate); with TT_SCAN_COPY the rows and the
 * dictionaries they use are copied and validated here before the chunk is
 * returned.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "store/reader.h"

/* What tt_chunk__string needs: the chunk's dictionaries (chunk->priv). */
struct chunk_dict {
	uint32_t ncols;
	uint32_t n[TT_MAX_COLUMNS];
	uint32_t arena_bytes[TT_MAX_COLUMNS];
	const struct tt_dict_entry *ents[TT_MAX_COLUMNS];
	const char *arena[TT_MAX_COLUMNS];
};

struct snap {
	uint32_t seg;
	bool pruned; /* outside the time range when the scan started */
	uint64_t gen, first, nrows;
};

struct tt_scan {
	struct tt_reader *r;
	struct tt_scan_opts o;
	struct snap *snaps;
	uint32_t nsnaps, pos;
	uint64_t cursor; /* next row id wanted */
	uint64_t missed;
	/* The last chunk handed out. */
	bool live; /* zero-copy chunk not yet validated */
	uint32_t seg;
	uint64_t gen, chunk_rows;
	struct chunk_dict dict;
	char *buf;
	size_t bufcap;
	char *errmsg; /* allocated on error only: scans must start cheaply */
};

static void snaps__reverse(struct snap *s, uint32_t a, uint32_t b)
{
	while (a + 1 < b) {
		struct snap t = s[a];

		s[a++] = s[--b];
		s[b] = t;
	}
}

/*
 * Sorts a snapshot taken in ring order by first row id. Ring order is the
 * sorted order rotated, so rotating at the oldest segment leaves the
 * insertion sort (for expired-and-reused segments) next to nothing to do.
 */
static void snaps__sort(struct snap *s, uint32_t n)
{
	uint32_t lo = 0;

	for (uint32_t i = 1; i < n; i++)
		if (s[i].first < s[lo].first)
			lo = i;
	snaps__reverse(s, 0, lo);
	snaps__reverse(s, lo, n);
	snaps__reverse(s, 0, n);
	for (uint32_t i = 1; i < n; i++) {
		struct snap t = s[i];
		uint32_t j = i;

		for (; j > 0 && s[j - 1].first > t.first; j--)
			s[j] = s[j - 1];
		s[j] = t;
	}
}

/* True when no row of the segment can be in the scan's time range. */
static bool scan__outside(const struct tt_scan *sc, const struct tt_seg_view *v)
{
	return sc->o.has_time_range &&
	       (v->max_time < sc->o.time_min || v->min_time > sc->o.time_max);
}

static int scan__snapshot(struct tt_scan *sc)
{
	const struct tt_layout *l = &sc->r->l;
	struct tt_seg_view v;

	sc->snaps = malloc((size_t)l->nsegs * sizeof(*sc->snaps));
	if (!sc->snaps)
		return -ENOMEM;
	for (uint32_t s = 0; s < l->nsegs; s++) {
		int rc = tt_seg__load(l, sc->r->base, s, &v);

		if (rc < 0)
			return rc;
		if (rc == 0 || !v.nrows ||
		    v.first_row_id + v.nrows <= sc->cursor)
			continue;
		sc->snaps[sc->nsnaps++] =
			(struct snap){s, scan__outside(sc, &v), v.gen,
				      v.first_row_id, v.nrows};
	}
	snaps__sort(sc->snaps, sc->nsnaps);
	return 0;
}

int tt_reader__scan(struct tt_reader *r, const struct tt_scan_opts *opts,
		    struct tt_scan **out)
{
	struct tt_scan *sc;
	int rc;

	if (!r || !out)
		return -EINVAL;
	*out = NULL;
	sc = calloc(1, sizeof(*sc));
	if (!sc)
		return -ENOMEM;
	sc->r = r;
	if (opts)
		memcpy(&sc->o, opts,
		       opts->sz && opts->sz < sizeof(sc->o) ? opts->sz
							    : sizeof(sc->o));
	if (sc->o.has_time_range && sc->o.time_min > sc->o.time_max)
		sc->pos = UINT32_MAX; /* empty range */
	sc->cursor = sc->o.from_row_id;
	rc = scan__snapshot(sc);
	if (rc) {
		tt_scan__free(sc);
		return rc;
	}
	*out = sc;
	return 0;
}

/* Points the chunk dictionary at segment seg's shared dictionaries. */
static void dict__share(struct tt_scan *sc, uint32_t seg)
{
	const struct tt_reader *r = sc->r;
	const char *body = tt_layout__body(&r->l, (void *)r->base, seg);

	sc->dict.ncols = r->l.ncols;
	for (uint32_t c = 0; c < r->l.ncols; c++) {
		if (r->schema.cols[c].type != TT_TYPE_STRING) {
			sc->dict.n[c] = 0;
			continue;
		}
		sc->dict.n[c] = tt_seg__dict_size(&r->l, r->base, seg, c);
		sc->dict.ents[c] = (const void *)(body + r->l.ent_off[c]);
		sc->dict.arena[c] = body + r->l.arena_off[c];
		sc->dict.arena_bytes[c] = r->l.arena_bytes;
	}
}

/*
 * Bytes of arena that entries [0, n) of column c reach, ignoring entries
 * that point outside the arena (they fail to resolve either way).
 */
static uint32_t dict__used(const struct chunk_dict *d, uint32_t c)
{
	uint64_t used = 0;

	for (uint32_t i = 0; i < d->n[c]; i++) {
		struct tt_dict_entry e = d->ents[c][i];
		uint64_t end = (uint64_t)e.off + e.len;

		if (end <= d->arena_bytes[c] && end > used)
			used = end;
	}
	return (uint32_t)used;
}

static char *buf__reserve(struct tt_scan *sc, size_t bytes)
{
	if (bytes > sc->bufcap) {
		char *p = realloc(sc->buf, bytes);

		if (!p)
			return NULL;
		sc->buf = p;
		sc->bufcap = bytes;
	}
	return sc->buf;
}

/* Copies the chunk's columns and dictionaries into the scan's buffer. */
static int chunk__copy(struct tt_scan *sc, struct tt_chunk *ch)
{
	const struct tt_layout *l = &sc->r->l;
	size_t need = 0, off = 0;
	uint32_t used[TT_MAX_COLUMNS];
	char *p;

	for (uint32_t c = 0; c < l->ncols; c++) {
		used[c] = dict__used(&sc->dict, c);
		need += (size_t)l->width[c] * ch->nrows + 8;
		need += (size_t)sc->dict.n[c] * sizeof(struct tt_dict_entry) +
			used[c] + 8;
	}
	p = buf__reserve(sc, need);
	if (!p)
		return -ENOMEM;
	for (uint32_t c = 0; c < l->ncols; c++) {
		size_t b = (size_t)l->width[c] * ch->nrows;

		memcpy(p + off, ch->cols[c], b);
		ch->cols[c] = p + off;
		off = (off + b + 7) & ~(size_t)7;
		if (!sc->dict.n[c])
			continue;
		b = (size_t)sc->dict.n[c] * sizeof(struct tt_dict_entry);
		memcpy(p + off, sc->dict.ents[c], b);
		sc->dict.ents[c] = (const void *)(p + off);
		off = (off + b + 7) & ~(size_t)7;
		memcpy(p + off, sc->dict.arena[c], used[c]);
		sc->dict.arena[c] = p + off;
		sc->dict.arena_bytes[c] = used[c];
		off = (off + used[c] + 7) & ~(size_t)7;
	}
	return 0;
}

/*
 * Fills a chunk from segment view v, rows from the cursor on. Returns 1,
 * or 0 when the time range excludes every row.
 */
static int chunk__fill(struct tt_scan *sc, const struct tt_seg_view *v,
		       struct tt_chunk *ch)
{
	const struct tt_reader *r = sc->r;
	const char *body = tt_layout__body(&r->l, (void *)r->base, v->seg);
	uint32_t lo = 0, hi = (uint32_t)v->nrows;
	bool exact = true;

	if (sc->cursor > v->first_row_id)
		lo = (uint32_t)(sc->cursor - v->first_row_id);
	sc->cursor = v->first_row_id + v->nrows;
	if (sc->o.has_time_range) {
		if (scan__outside(sc, v))
			return 0;
		exact = v->disorder == 0 || (v->min_time >= sc->o.time_min &&
					     v->max_time <= sc->o.time_max);
		tt_seg__time_bounds(
			(const int64_t *)(body + r->l.col_off[r->time_col]),
			tt_layout__summary(&r->l, (void *)r->base, v->seg),
			v->disorder, sc->o.time_min, sc->o.time_max, &lo, &hi);
		if (lo >= hi)
			return 0;
	}
	memset(ch, 0, sizeof(*ch));
	ch->first_row_id = v->first_row_id + lo;
	ch->nrows = hi - lo;
	ch->exact = exact;
	ch->sorted = v->disorder == 0;
	ch->min_time = v->min_time;
	ch->max_time = v->max_time;
	for (uint32_t c = 0; c < r->l.ncols; c++)
		ch->cols[c] =
			body + r->l.col_off[c] + (size_t)lo * r->l.width[c];
	dict__share(sc, v->seg);
	ch->priv = &sc->dict;
	return 1;
}

/* Counts rows [cursor, end) as missed and moves the cursor past them. */
static void scan__miss(struct tt_scan *sc, uint64_t end)
{
	if (end > sc->cursor) {
		sc->missed += end - sc->cursor;
		sc->cursor = end;
	}
}

/* Records the error message for tt_scan__error; returns rc. */
static int scan__fail(struct tt_scan *sc, int rc, const char *what)
{
	free(sc->errmsg);
	if (asprintf(&sc->errmsg, "%s: %s", sc->r->path, what) < 0)
		sc->errmsg = NULL;
	return rc;
}

int tt_scan__next(struct tt_scan *sc, struct tt_chunk *ch)
{
	const struct tt_layout *l;
	struct tt_seg_view v;
	int rc;

	if (!sc || !ch)
		return -EINVAL;
	l = &sc->r->l;
	sc->live = false;
	while (sc->pos < sc->nsnaps) {
		const struct snap *s = &sc->snaps[sc->pos++];

		/*
		 * Rows it gains later belong to a later scan, like those of
		 * segments started after the snapshot.
		 */
		if (s->pruned) {
			if (s->first + s->nrows > sc->cursor)
				sc->cursor = s->first + s->nrows;
			continue;
		}
		rc = tt_seg__load(l, sc->r->base, s->seg, &v);
		if (rc < 0) {
			char what[80];

			snprintf(what, sizeof(what),
				 "corrupted table: segment "
				 "%u has impossible metadata",
				 s->seg);
			return scan__fail(sc, rc, what);
		}
		if (rc == 0 || v.gen != s->gen) { /* recycled meanwhile */
			scan__miss(sc, s->first + s->nrows);
			continue;
		}
		if (v.first_row_id + v.nrows <= sc->cursor)
			continue;
		scan__miss(sc, v.first_row_id); /* recycled before the scan */
		if (!chunk__fill(sc, &v, ch))
			continue;
		sc->seg = v.seg;
		sc->gen = v.gen;
		sc->chunk_rows = ch->nrows;
		if (!(sc->o.flags & TT_SCAN_COPY)) {
			sc->live = true;
			return 1;
		}
		rc = chunk__copy(sc, ch);
		if (rc)
			return scan__fail(sc, rc,
					  "out of memory copying a chunk");
		if (tt_seg__unchanged(l, sc->r->base, v.seg, v.gen))
			return 1;
		sc->missed += ch->nrows;
	}
	return 0;
}

bool tt_scan__validate(struct tt_scan *sc)
{
	if (!sc || !sc->live)
		return true;
	sc->live = false;
	if (tt_seg__unchanged(&sc->r->l, sc->r->base, sc->seg, sc->gen))
		return true;
	sc->missed += sc->chunk_rows;
	return false;
}

const char *tt_scan__error(const struct tt_scan *sc)
{
	return sc && sc->errmsg ? sc->errmsg : "";
}

uint64_t tt_scan__missed_rows(const struct tt_scan *sc)
{
	return sc ? sc->missed : 0;
}

void tt_scan__free(struct tt_scan *sc)
{
	if (!sc)
		return;
	free(sc->snaps);
	free(sc->buf);
	free(sc->errmsg);
	free(sc);
}

uint32_t tt_chunk__dict_size(const struct tt_chunk *ch, uint32_t col)
{
	const struct chunk_dict *d = ch ? ch->priv : NULL;

	return d && col < d->ncols ? d->n[col] : 0;
}

int tt_chunk__string(const struct tt_chunk *ch, uint32_t col, uint32_t code,
		     const char **s, uint32_t *len)
{
	const struct chunk_dict *d = ch ? ch->priv : NULL;
	struct tt_dict_entry e;

	if (!d || !s || !len || col >= d->ncols)
		return -EINVAL;
	if (code >= d->n[col])
		return -ERANGE;
	/* One read of the entry: it may change under a zero-copy reader. */
	e.off = __atomic_load_n(&d->ents[col][code].off, __ATOMIC_RELAXED);
	e.len = __atomic_load_n(&d->ents[col][code].len, __ATOMIC_RELAXED);
	if (e.off > d->arena_bytes[col] || e.len > d->arena_bytes[col] - e.off)
		return -ERANGE;
	*s = d->arena[col] + e.off;
	*len = e.len;
	return 0;
}
