/*
 * client/exec.c - the scan loop: store chunks in, partial results out.
 *
 * Chunks come zero-copy from the store (tt_scan__next) with the query's
 * time bounds handed to the store's time index. For each chunk everything
 * that reads shared memory happens first (filter, group key ids, aggregate
 * inputs gathered into private buffers, output rows copied), then
 * tt_scan__validate() tells whether the segment was recycled meanwhile; only
 * then are the derived results committed (group states updated, rows
 * kept). A failed validation discards the chunk's results, and its rows
 * count as missed, like rows the ring recycled before we got to them.
 *
 * GROUP BY keys that depend on a single string column are computed once
 * per dictionary code of the chunk (lazily, only for codes that occur),
 * then looked up per row through a code -> key id array. count(*) alone
 * over one or two keys skips group lookups while scanning: rows count
 * into dense per-key-pair counters that become groups at the end (see
 * "count(*)-only GROUP BY" below).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "client/sql.h"

struct exec {
	struct ttq_query *q;
	struct tt_scan *scan;
	uint32_t cap, seg_rows;
	uint32_t *sel, *gidx, *tuple;
	uint32_t **ids; /* per key */
	uint32_t **codemap; /* per key: code -> id + 1; 0 unknown */
	uint32_t *codemap_cap, *dict; /* per key; dict: the chunk's */
	int *key_strcol; /* per key: string column or -1 */
	uint64_t **slots; /* per aggregate */
	uint8_t **nulls;
	struct ttq_value **svals;
	struct arena chunk_strs;
	/*
	 * count(*) per group, counted here rather than in the 32-byte cells:
	 * the random increments then touch 8 bytes per group, which keeps
	 * 200k groups' counters in cache. Folded into the cells at the end.
	 */
	int64_t *counts;
	size_t counts_cap;
	struct slotcount {
		bool on; /* only count(*) over one or two keys */
		uint16_t *cnt; /* [id0 << shift | id1], 0: no such group */
		size_t cap;
		uint32_t shift, c0, c1; /* c0, c1: powers of two */
	} sc;
};

static int exec__init(struct exec *x, struct ttq_query *q)
{
	int nk = q->nkeys, na = q->naggs;

	memset(x, 0, sizeof(*x));
	x->q = q;
	x->ids = calloc(nk + 1, sizeof(*x->ids));
	x->codemap = calloc(nk + 1, sizeof(*x->codemap));
	x->codemap_cap = calloc(nk + 1, sizeof(*x->codemap_cap));
	x->dict = calloc(nk + 1, sizeof(*x->dict));
	x->key_strcol = calloc(nk + 1, sizeof(*x->key_strcol));
	x->tuple = calloc(nk + 1, sizeof(*x->tuple));
	x->slots = calloc(na + 1, sizeof(*x->slots));
	x->nulls = calloc(na + 1, sizeof(*x->nulls));
	x->svals = calloc(na + 1, sizeof(*x->svals));
	if (!x->ids || !x->codemap || !x->codemap_cap || !x->dict ||
	    !x->key_strcol || !x->tuple || !x->slots || !x->nulls || !x->svals)
		return -ENOMEM;
	for (int k = 0; k < nk; k++)
		x->key_strcol[k] = plan__single_str_col(q->keys[k]);
	x->sc.on = q->is_agg && nk >= 1 && nk <= 2 && na >= 1;
	for (int a = 0; a < na; a++)
		x->sc.on &= q->aggs[a].kind == AGG_COUNT_STAR;
	return 0;
}

static void exec__fini(struct exec *x)
{
	for (int k = 0; k < x->q->nkeys && x->ids; k++) {
		free(x->ids[k]);
		free(x->codemap ? x->codemap[k] : NULL);
	}
	for (int a = 0; a < x->q->naggs && x->slots; a++) {
		free(x->slots[a]);
		free(x->nulls ? x->nulls[a] : NULL);
		free(x->svals ? x->svals[a] : NULL);
	}
	free(x->ids);
	free(x->codemap);
	free(x->codemap_cap);
	free(x->dict);
	free(x->key_strcol);
	free(x->tuple);
	free(x->slots);
	free(x->nulls);
	free(x->svals);
	free(x->sel);
	free(x->gidx);
	bigvec__free(x->counts, x->counts_cap, sizeof(*x->counts));
	bigvec__free(x->sc.cnt, x->sc.cap, sizeof(*x->sc.cnt));
	arena__free(&x->chunk_strs);
	tt_scan__free(x->scan);
}

/* Per-chunk scratch: the old contents need not survive, so no copy. */
static void *grow(void *p, size_t n)
{
	free(p);
	return malloc(n);
}

/* Sizes every per-row buffer for chunks of n rows. */
static int exec__reserve(struct exec *x, uint32_t n)
{
	if (n <= x->cap)
		return 0;
	/* Whole segments usually follow a partial first chunk: size for one. */
	if (n < x->seg_rows)
		n = x->seg_rows;
	x->cap = n;
	if (!(x->sel = grow(x->sel, n * sizeof(uint32_t))) ||
	    !(x->gidx = grow(x->gidx, n * sizeof(uint32_t))))
		return -ENOMEM;
	for (int k = 0; k < x->q->nkeys; k++)
		if (!(x->ids[k] = grow(x->ids[k], n * sizeof(uint32_t))))
			return -ENOMEM;
	for (int a = 0; a < x->q->naggs; a++) {
		if (!x->q->aggs[a].arg) /* count(*) reads no input */
			continue;
		if (!(x->slots[a] = grow(x->slots[a], n * sizeof(uint64_t))) ||
		    !(x->nulls[a] = grow(x->nulls[a], n)) ||
		    !(x->svals[a] =
			      grow(x->svals[a], n * sizeof(struct ttq_value))))
			return -ENOMEM;
	}
	return 0;
}

/* Chunk row of the i-th selected row (all selected: sel is not filled). */
static inline uint32_t row_of(const struct exec *x, const struct tt_chunk *ch,
			      uint32_t nsel, uint32_t i)
{
	return nsel == ch->nrows ? i : x->sel[i];
}

/*
 * Readies key k's code -> id map for the chunk's dictionary (ids resolved
 * lazily by code__id, only for codes that occur). -ENOMEM.
 */
static int codemap__reset(struct exec *x, int k, const struct tt_chunk *ch)
{
	uint32_t dict = tt_chunk__dict_size(ch, (uint32_t)x->key_strcol[k]);

	if (dict + 1 > x->codemap_cap[k]) {
		free(x->codemap[k]);
		x->codemap[k] = malloc((dict + 1) * sizeof(uint32_t));
		if (!x->codemap[k])
			return -ENOMEM;
		x->codemap_cap[k] = dict + 1;
	}
	memset(x->codemap[k], 0, (dict + 1) * sizeof(uint32_t));
	x->dict[k] = dict;
	return 0;
}

/* First sight of a code: evaluates key k over its string; id + 1 or 0. */
static uint32_t code__intern(struct exec *x, struct groups *g, int k,
			     const struct tt_chunk *ch, uint32_t code)
{
	struct ectx *e = x->q->ectx;
	int col = x->key_strcol[k];
	struct ttq_value v;
	const char *s;
	uint32_t len, id;

	e->chunk = NULL;
	e->ocol = col;
	e->oval.type = TTQ_NULL;
	if (code < x->dict[k] &&
	    !tt_chunk__string(ch, (uint32_t)col, code, &s, &len)) {
		e->oval.type = TTQ_STRING;
		e->oval.s.ptr = s;
		e->oval.s.len = len;
	}
	e->used = 0;
	expr__eval(x->q->keys[k], e, &v);
	e->ocol = -1;
	if (groups__intern(g, k, &v, &id))
		return 0;
	return x->codemap[k][code] = id + 1;
}

/* Key k's id for chunk row r: by code for string keys, else precomputed
 * (x->ids[k][i], i the row's place in the selection). -ENOMEM. */
static inline int64_t key__id(struct exec *x, struct groups *g, int k,
			      const struct tt_chunk *ch, uint32_t i, uint32_t r)
{
	if (x->key_strcol[k] < 0)
		return x->ids[k][i];
	uint32_t code = ((const uint32_t *)ch->cols[x->key_strcol[k]])[r];
	if (code >= x->dict[k])
		code = x->dict[k]; /* garbage: NULL key, discarded later */
	uint32_t m = x->codemap[k][code];
	if (__builtin_expect(!m, 0) && !(m = code__intern(x, g, k, ch, code)))
		return -ENOMEM;
	return m - 1;
}

static int keys__by_code(struct exec *x, struct groups *g, int k,
			 const struct tt_chunk *ch, uint32_t nsel)
{
	/* Every row selected (the common case): skip the indirection. */
	const uint32_t *sel = nsel == ch->nrows ? NULL : x->sel;
	int ret = codemap__reset(x, k, ch);

	for (uint32_t i = 0; i < nsel && !ret; i++) {
		int64_t id = key__id(x, g, k, ch, i, sel ? sel[i] : i);

		if (id < 0)
			ret = (int)id;
		x->ids[k][i] = (uint32_t)id;
	}
	return ret;
}

static int keys__by_row(struct exec *x, struct groups *g, int k,
			const struct tt_chunk *ch, uint32_t nsel)
{
	const struct node *key = x->q->keys[k];
	struct ectx *e = x->q->ectx;
	struct ttq_value v = {.type = key->type};

	if (key->kind == N_COL && key->type != TTQ_STRING) {
		/* A plain integer column: intern the raw values, and skip the
		 * lookup while consecutive rows repeat the previous one. */
		const int64_t *col = ch->cols[key->col];
		uint32_t last_id = 0;
		bool have = false;

		for (uint32_t i = 0; i < nsel; i++) {
			int64_t raw = col[row_of(x, ch, nsel, i)];

			if (!have || raw != v.i) {
				v.i = raw;
				if (groups__intern(g, k, &v, &last_id))
					return -ENOMEM;
				have = true;
			}
			x->ids[k][i] = last_id;
		}
		return 0;
	}
	e->chunk = ch;
	e->ocol = -1;
	for (uint32_t i = 0; i < nsel; i++) {
		e->row = row_of(x, ch, nsel, i);
		e->used = 0;
		expr__eval(key, e, &v);
		if (groups__intern(g, k, &v, &x->ids[k][i]))
			return -ENOMEM;
	}
	return 0;
}

/* Aggregate a's inputs for the selected rows, into private buffers. */
static int gather(struct exec *x, int a, const struct tt_chunk *ch,
		  uint32_t nsel)
{
	const struct aggdef *ad = &x->q->aggs[a];
	struct ectx *e = x->q->ectx;
	uint64_t *slots = x->slots[a];

	if (ad->arg->kind == N_COL && ad->in != TTQ_STRING) {
		const uint64_t *col = ch->cols[ad->arg->col];

		if (nsel == ch->nrows)
			memcpy(slots, col, nsel * sizeof(*slots));
		else
			for (uint32_t i = 0; i < nsel; i++)
				slots[i] = col[row_of(x, ch, nsel, i)];
		return 0;
	}
	e->chunk = ch;
	e->ocol = -1;
	for (uint32_t i = 0; i < nsel; i++) {
		struct ttq_value v;

		e->row = row_of(x, ch, nsel, i);
		e->used = 0;
		expr__eval(ad->arg, e, &v);
		x->nulls[a][i] = v.type == TTQ_NULL;
		slots[i] = v.u;
		if (v.type == TTQ_STRING) {
			char *s = arena__strndup(&x->chunk_strs, v.s.ptr,
						 v.s.len);
			if (!s)
				return -ENOMEM;
			v.s.ptr = s;
		}
		x->svals[a][i] = v;
	}
	return 1; /* nulls and svals are meaningful */
}

static int counts__add(struct exec *x, const struct groups *g, uint32_t nsel)
{
	if (bigvec__reserve((void **)&x->counts, &x->counts_cap, g->ngroups,
			    sizeof(*x->counts)))
		return -ENOMEM;
	for (uint32_t i = 0; i < nsel; i++)
		x->counts[x->gidx[i]]++;
	return 0;
}

/* Adds the side counters into every count(*) cell. */
static void counts__fold(struct exec *x, struct groups *g)
{
	for (uint32_t gi = 0; x->counts && gi < g->ngroups; gi++)
		for (int a = 0; a < g->naggs; a++)
			if (x->q->aggs[a].kind == AGG_COUNT_STAR)
				g->cells[(size_t)gi * g->naggs + a].n +=
					x->counts[gi];
}

/*
 * count(*)-only GROUP BY over one or two keys - the commonest trace query
 * ("count per (src_ip, comm)") - needs per row only a counter for its key
 * pair, so it counts into a dense array of 16-bit counters indexed by
 * (id0 << shift | id1) and creates no group while scanning: per row that
 * is two code -> id lookups and one increment into an array small enough
 * for L2 (200k pairs: 512 KiB). At the end every non-zero counter becomes
 * a group, in key-id order (slots__fold). A counter that wraps spills
 * 65536 into its group's cell. Key pairs too sparse for a dense array
 * (more than SLOTS_MAX slots) fold what was counted and continue on the
 * generic path.
 */
#define SLOTS_MAX (1u << 22)

/* The least power of two above v, at least twice p (p may be 0). */
static uint64_t pow2_above(uint32_t v, uint64_t p)
{
	for (p = p ? p * 2 : 1; p <= v;)
		p <<= 1;
	return p;
}

/*
 * Widens the counters to hold ids (a, b), keeping the counts. 0, 1 when
 * that would exceed SLOTS_MAX, or -ENOMEM.
 */
static int slots__fit(struct slotcount *sc, int nkeys, uint32_t a, uint32_t b)
{
	struct slotcount n = *sc;
	uint64_t c0 = a < sc->c0 ? sc->c0 : pow2_above(a, sc->c0);
	uint64_t c1 = nkeys < 2	   ? 1
		      : b < sc->c1 ? sc->c1
				   : pow2_above(b, sc->c1);

	if (c0 * c1 > SLOTS_MAX)
		return 1;
	n.c0 = (uint32_t)c0;
	n.c1 = (uint32_t)c1;
	n.shift = (uint32_t)__builtin_ctz(n.c1);
	n.cnt = NULL; /* a fresh mapping is zeroed */
	n.cap = 0;
	if (bigvec__reserve((void **)&n.cnt, &n.cap, (size_t)n.c0 * n.c1,
			    sizeof(*n.cnt)))
		return -ENOMEM;
	for (uint32_t i = 0; sc->cnt && i < sc->c0; i++)
		memcpy(&n.cnt[(size_t)i << n.shift],
		       &sc->cnt[(size_t)i << sc->shift],
		       sc->c1 * sizeof(*n.cnt));
	bigvec__free(sc->cnt, sc->cap, sizeof(*sc->cnt));
	*sc = n;
	return 0;
}

static void count_cells__add(struct exec *x, struct groups *g, uint32_t gi,
			     int64_t n)
{
	for (int a = 0; a < g->naggs; a++)
		if (x->q->aggs[a].kind == AGG_COUNT_STAR)
			g->cells[(size_t)gi * g->naggs + a].n += n;
}

/* Adds n to the group of slot s (creating the group). -ENOMEM. */
static int slot__spill(struct exec *x, struct groups *g, size_t s, int64_t n)
{
	const struct slotcount *sc = &x->sc;
	uint32_t ids[2] = {(uint32_t)(s >> sc->shift),
			   (uint32_t)(s & (sc->c1 - 1))};
	int64_t gi = groups__lookup(g, ids);

	if (gi < 0)
		return (int)gi;
	count_cells__add(x, g, (uint32_t)gi, n);
	return 0;
}

/* Turns every non-zero counter into its group's count; frees them. */
static int slots__fold(struct exec *x, struct groups *g)
{
	struct slotcount *sc = &x->sc;
	size_t n = 0, nslots = (size_t)sc->c0 * sc->c1;
	int ret;

	if (!sc->cnt)
		return 0;
	for (size_t s = 0; s < nslots; s++)
		n += sc->cnt[s] != 0;
	/* One step for all the groups: not a move and zeroing per doubling. */
	ret = groups__presize(g) ?: groups__reserve(g, n);
	for (size_t s = 0; !ret && s < nslots; s++)
		if (sc->cnt[s])
			ret = slot__spill(x, g, s, sc->cnt[s]);
	bigvec__free(sc->cnt, sc->cap, sizeof(*sc->cnt));
	sc->cnt = NULL;
	sc->cap = 0;
	sc->c0 = sc->c1 = sc->shift = 0;
	return ret;
}

/*
 * slots__index's loop when every key goes by dictionary code, with the
 * maps and columns in registers. Places rows [from, nsel) and returns the
 * first it cannot (a code not interned yet or an id beyond the counters'
 * shape), or nsel.
 */
static uint32_t slots__index_codes(struct exec *x, const struct tt_chunk *ch,
				   const uint32_t *sel, uint32_t from,
				   uint32_t nsel)
{
	bool two = x->q->nkeys > 1;
	const uint32_t *c0 = ch->cols[x->key_strcol[0]];
	const uint32_t *c1 = two ? ch->cols[x->key_strcol[1]] : c0;
	const uint32_t *m0 = x->codemap[0], *m1 = two ? x->codemap[1] : NULL;
	uint32_t d0 = x->dict[0], d1 = two ? x->dict[1] : 0;
	uint32_t cap0 = x->sc.c0, cap1 = x->sc.c1, shift = x->sc.shift;
	uint32_t *gidx = x->gidx;

	for (uint32_t i = from; i < nsel; i++) {
		uint32_t r = sel ? sel[i] : i;
		uint32_t k0 = c0[r], k1 = c1[r];
		uint32_t a = m0[k0 < d0 ? k0 : d0] - 1;
		uint32_t b = two ? m1[k1 < d1 ? k1 : d1] - 1 : 0;

		/* Unmapped codes wrap to UINT32_MAX: out of shape as well. */
		if (a >= cap0 || b >= cap1)
			return i;
		gidx[i] = a << shift | b;
	}
	return nsel;
}

/*
 * The slot of every selected row into x->gidx (reads shared memory only;
 * nothing is counted yet). 0, 1 when the key pairs outgrew dense counters,
 * or -ENOMEM. New key ids beyond the counters' shape widen them and
 * restart the chunk: slots computed before used the old shape.
 */
static int slots__index(struct exec *x, struct groups *g,
			const struct tt_chunk *ch, uint32_t nsel)
{
	const uint32_t *sel = nsel == ch->nrows ? NULL : x->sel;
	struct slotcount *sc = &x->sc;
	bool two = x->q->nkeys > 1;
	bool fast = x->key_strcol[0] >= 0 && (!two || x->key_strcol[1] >= 0);
	uint32_t hint[2] = {1, 1};
	int ret;

	for (int k = 0; k < x->q->nkeys; k++) {
		ret = x->key_strcol[k] >= 0 ? codemap__reset(x, k, ch)
					    : keys__by_row(x, g, k, ch, nsel);
		if (ret)
			return ret;
		if (x->key_strcol[k] >= 0 && x->dict[k])
			hint[k] = x->dict[k];
	}
	/*
	 * Shaped up front for as many ids as the chunk has codes: widening
	 * one doubling at a time would restart the chunk each time. Only a
	 * hint (ids are global), so "too large" is left to the ids to decide.
	 */
	if (hint[0] > sc->c0 || (two && hint[1] > sc->c1)) {
		ret = slots__fit(sc, x->q->nkeys, hint[0] - 1, hint[1] - 1);
		if (ret < 0)
			return ret;
	}
	for (uint32_t i = 0; i < nsel;) {
		if (fast &&
		    (i = slots__index_codes(x, ch, sel, i, nsel)) == nsel)
			break;
		uint32_t r = sel ? sel[i] : i;
		int64_t a = key__id(x, g, 0, ch, i, r);
		int64_t b = two ? key__id(x, g, 1, ch, i, r) : 0;

		if (a < 0 || b < 0)
			return -ENOMEM;
		if (a >= sc->c0 || b >= sc->c1) {
			ret = slots__fit(sc, x->q->nkeys, (uint32_t)a,
					 (uint32_t)b);
			if (ret)
				return ret;
			i = 0; /* the slots so far used the old shape */
			continue;
		}
		x->gidx[i++] = (uint32_t)a << sc->shift | (uint32_t)b;
	}
	return 0;
}

/* Counts the selected rows' slots (after validation). -ENOMEM. */
static int slots__count(struct exec *x, struct groups *g, uint32_t nsel)
{
	uint16_t *cnt = x->sc.cnt;

	for (uint32_t i = 0; i < nsel; i++) {
		uint32_t s = x->gidx[i];

		if (__builtin_expect(!++cnt[s], 0)) {
			int ret = slot__spill(x, g, s, 65536);

			if (ret)
				return ret;
		}
	}
	return 0;
}

/* Folds the selected rows into their groups (generic path). */
static int rows__apply(struct exec *x, struct groups *g, const bool *rowwise,
		       uint32_t nsel)
{
	struct ttq_query *q = x->q;
	int ret;

	for (uint32_t i = 0; i < nsel; i++) {
		/* Dense fast path for one or two keys; the rest look up. */
		if (g->dense && q->nkeys <= 2) {
			uint32_t a = q->nkeys > 0 ? x->ids[0][i] : 0;
			uint32_t b = q->nkeys > 1 ? x->ids[1][i] : 0;

			if (a < g->dcap0 && b < g->dcap1) {
				int32_t s =
					g->dense[((size_t)a << g->dshift) | b];

				if (s >= 0) {
					x->gidx[i] = (uint32_t)s;
					continue;
				}
			}
		}
		for (int k = 0; k < q->nkeys; k++)
			x->tuple[k] = x->ids[k][i];
		int64_t gi = groups__lookup(g, x->tuple);
		if (gi < 0)
			return (int)gi;
		x->gidx[i] = (uint32_t)gi;
	}
	bool counted = false;
	for (int a = 0; a < q->naggs; a++) {
		if (q->aggs[a].kind == AGG_COUNT_STAR) {
			if (!counted && counts__add(x, g, nsel))
				return -ENOMEM;
			counted = true;
			continue;
		}
		ret = agg__update_batch(&q->aggs[a], &g->pools[a], g->cells + a,
					g->naggs, x->gidx, x->slots[a],
					rowwise[a] ? x->nulls[a] : NULL,
					rowwise[a] ? x->svals[a] : NULL, nsel);
		if (ret)
			return ret;
	}
	return 0;
}

/* The dense count(*) path; 1 when the chunk must take the generic one. */
static int chunk__count(struct exec *x, struct groups *g,
			const struct tt_chunk *ch, uint32_t nsel)
{
	int ret = slots__index(x, g, ch, nsel);

	if (ret == 1) { /* too sparse for dense counters from here on */
		x->sc.on = false;
		return slots__fold(x, g) ?: 1;
	}
	if (ret)
		return ret;
	if (!tt_scan__validate(x->scan)) {
		x->q->missed += nsel;
		return 0;
	}
	return slots__count(x, g, nsel);
}

static int chunk__aggregate(struct exec *x, struct groups *g,
			    const struct tt_chunk *ch, uint32_t nsel)
{
	struct ttq_query *q = x->q;
	bool rowwise[q->naggs + 1];
	int ret;

	arena__free(&x->chunk_strs);
	if (x->sc.on && (ret = chunk__count(x, g, ch, nsel)) != 1)
		return ret;
	for (int k = 0; k < q->nkeys; k++) {
		ret = x->key_strcol[k] >= 0 ? keys__by_code(x, g, k, ch, nsel)
					    : keys__by_row(x, g, k, ch, nsel);
		if (ret)
			return ret;
	}
	for (int a = 0; a < q->naggs; a++) {
		rowwise[a] = false;
		if (!q->aggs[a].arg)
			continue;
		if ((ret = gather(x, a, ch, nsel)) < 0)
			return ret;
		rowwise[a] = ret == 1;
	}
	if (!tt_scan__validate(x->scan)) {
		q->missed += nsel;
		return 0;
	}
	return rows__apply(x, g, rowwise, nsel);
}

int rowbuf__push(struct rowbuf *rb, int nout, const struct ttq_value *vals,
		 const bool *keep)
{
	if (bigvec__reserve((void **)&rb->vals, &rb->cap,
			    (rb->nrows + 1) * nout + 1, sizeof(*rb->vals)))
		return -ENOMEM;
	struct ttq_value *dst = &rb->vals[rb->nrows * nout];
	for (int i = 0; i < nout; i++) {
		dst[i] = vals[i];
		if (vals[i].type == TTQ_STRING && !(keep && keep[i])) {
			char *s = arena__strndup(&rb->strings, vals[i].s.ptr,
						 vals[i].s.len);
			if (!s)
				return -ENOMEM;
			dst[i].s.ptr = s;
		}
	}
	rb->nrows++;
	return 0;
}

void rowbuf__free(struct rowbuf *rb)
{
	bigvec__free(rb->vals, rb->cap, sizeof(*rb->vals));
	arena__free(&rb->strings);
	memset(rb, 0, sizeof(*rb));
}

static int chunk__rows(struct exec *x, struct rowbuf *rb,
		       const struct tt_chunk *ch, uint32_t nsel)
{
	struct ttq_query *q = x->q;
	struct ectx *e = q->ectx;
	struct ttq_value vals[q->nout + 1];
	size_t before = rb->nrows;

	e->chunk = ch;
	e->ocol = -1;
	for (uint32_t i = 0; i < nsel; i++) {
		e->row = row_of(x, ch, nsel, i);
		e->used = 0;
		for (int c = 0; c < q->nout; c++)
			expr__eval(q->out[c], e, &vals[c]);
		if (rowbuf__push(rb, q->nout, vals, NULL))
			return -ENOMEM;
		if (!q->norder && q->limit >= 0 &&
		    rb->nrows >= (size_t)q->limit)
			break;
	}
	if (!tt_scan__validate(x->scan)) {
		q->missed += rb->nrows - before;
		rb->nrows = before;
	}
	/* ORDER BY ... LIMIT k: only the best k rows so far can be answers. */
	size_t keep = q->limit >= 0 ? (size_t)q->limit : 0;
	if (q->norder && q->limit >= 0 && rb->nrows >= 2 * keep + 4096)
		return rowbuf__keep_top(rb, q, keep);
	return 0;
}

static bool limit_reached(const struct ttq_query *q,
			  const struct ttq_partial *p)
{
	return !q->is_agg && !q->norder && q->limit >= 0 &&
	       p->rows.nrows >= (size_t)q->limit;
}

int exec__run(struct ttq_query *q, struct ttq_partial *p, struct ttq_error *err)
{
	struct tt_scan_opts opts = {.sz = sizeof(opts)};
	struct tt_chunk ch;
	struct exec x;
	int ret;

	q->missed = 0;
	if ((ret = exec__init(&x, q)))
		goto out;
	/*
	 * Start at the oldest row stored now: rows recycled before the query
	 * began are not "missed", only those recycled while it scans.
	 */
	struct tt_reader_stats st;
	if (!tt_reader__stats(q->reader, &st)) {
		opts.from_row_id = st.oldest_row_id;
		x.seg_rows = st.segment_rows;
	}
	opts.has_time_range = q->has_time_range;
	opts.time_min = q->tmin;
	opts.time_max = q->tmax;
	if (q->has_time_range && q->tmin > q->tmax)
		goto out; /* contradictory bounds: nothing to read */
	if ((ret = tt_reader__scan(q->reader, &opts, &x.scan)))
		goto out;
	while (!limit_reached(q, p) && (ret = tt_scan__next(x.scan, &ch)) > 0) {
		uint32_t nsel;

		if ((ret = exec__reserve(&x, ch.nrows)))
			break;
		nsel = filter__chunk(q, &ch, x.sel);
		if (!nsel)
			continue;
		ret = q->is_agg ? chunk__aggregate(&x, &p->g, &ch, nsel)
				: chunk__rows(&x, &p->rows, &ch, nsel);
		if (ret)
			break;
	}
	if (ret > 0)
		ret = 0;
	if (q->is_agg) {
		int fret = slots__fold(&x, &p->g);

		ret = ret ? ret : fret;
		counts__fold(&x, &p->g);
	}
	q->missed += tt_scan__missed_rows(x.scan);
out:
	exec__fini(&x);
	if (ret)
		ttq_error__set(err, -1, "query failed on table %s: %s",
			       q->table, strerror(-ret));
	return ret;
}
