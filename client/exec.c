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
 * then looked up per row through a code -> key id array.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "client/sql.h"

struct exec {
	struct ttq_query *q;
	struct tt_scan *scan;
	uint32_t cap;
	uint32_t *sel, *gidx, *tuple;
	uint32_t **ids; /* per key */
	uint32_t **codemap; /* per key: code -> id + 1; 0 unknown */
	uint32_t *codemap_cap;
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
		uint16_t *cnt; /* laid out like the groups' dense index */
		size_t cap;
		uint32_t shift, c0, c1;
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
	x->key_strcol = calloc(nk + 1, sizeof(*x->key_strcol));
	x->tuple = calloc(nk + 1, sizeof(*x->tuple));
	x->slots = calloc(na + 1, sizeof(*x->slots));
	x->nulls = calloc(na + 1, sizeof(*x->nulls));
	x->svals = calloc(na + 1, sizeof(*x->svals));
	if (!x->ids || !x->codemap || !x->codemap_cap || !x->key_strcol ||
	    !x->tuple || !x->slots || !x->nulls || !x->svals)
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

static void *grow(void *p, size_t n)
{
	void *np = realloc(p, n);

	if (!np)
		free(p);
	return np;
}

/* Sizes every per-row buffer for chunks of n rows. */
static int exec__reserve(struct exec *x, uint32_t n)
{
	if (n <= x->cap)
		return 0;
	x->cap = n;
	if (!(x->sel = grow(x->sel, n * sizeof(uint32_t))) ||
	    !(x->gidx = grow(x->gidx, n * sizeof(uint32_t))))
		return -ENOMEM;
	for (int k = 0; k < x->q->nkeys; k++)
		if (!(x->ids[k] = grow(x->ids[k], n * sizeof(uint32_t))))
			return -ENOMEM;
	for (int a = 0; a < x->q->naggs; a++) {
		if (!(x->slots[a] = grow(x->slots[a], n * sizeof(uint64_t))) ||
		    !(x->nulls[a] = grow(x->nulls[a], n)) ||
		    !(x->svals[a] =
			      grow(x->svals[a], n * sizeof(struct ttq_value))))
			return -ENOMEM;
	}
	return 0;
}

static int keys__by_code(struct exec *x, struct groups *g, int k,
			 const struct tt_chunk *ch, uint32_t nsel)
{
	struct ttq_query *q = x->q;
	int col = x->key_strcol[k];
	uint32_t dict = tt_chunk__dict_size(ch, (uint32_t)col);
	const uint32_t *codes = ch->cols[col];
	struct ectx *e = q->ectx;

	if (dict + 1 > x->codemap_cap[k]) {
		x->codemap[k] =
			grow(x->codemap[k], (dict + 1) * sizeof(uint32_t));
		if (!x->codemap[k])
			return -ENOMEM;
		x->codemap_cap[k] = dict + 1;
	}
	uint32_t *map = x->codemap[k];
	/* Every row selected (the common case): skip the indirection. */
	const uint32_t *sel = nsel == ch->nrows ? NULL : x->sel;
	memset(map, 0, (dict + 1) * sizeof(*map));
	e->chunk = NULL;
	e->ocol = col;
	for (uint32_t i = 0; i < nsel; i++) {
		uint32_t code = codes[sel ? sel[i] : i];

		if (code >= dict)
			code = dict; /* garbage: NULL key, discarded later */
		if (!map[code]) {
			struct ttq_value v;
			const char *s;
			uint32_t len, id;

			e->oval.type = TTQ_NULL;
			if (code < dict && !tt_chunk__string(ch, (uint32_t)col,
							     code, &s, &len)) {
				e->oval.type = TTQ_STRING;
				e->oval.s.ptr = s;
				e->oval.s.len = len;
			}
			e->used = 0;
			expr__eval(q->keys[k], e, &v);
			if (groups__intern(g, k, &v, &id))
				return -ENOMEM;
			map[code] = id + 1;
		}
		x->ids[k][i] = map[code] - 1;
	}
	e->ocol = -1;
	return 0;
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
			int64_t raw = col[x->sel[i]];

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
		e->row = x->sel[i];
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
				slots[i] = col[x->sel[i]];
		return 0;
	}
	e->chunk = ch;
	e->ocol = -1;
	for (uint32_t i = 0; i < nsel; i++) {
		struct ttq_value v;

		e->row = x->sel[i];
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

static int counts__add(struct exec *x, const struct groups *g, uint32_t from,
		       uint32_t nsel)
{
	if (bigvec__reserve((void **)&x->counts, &x->counts_cap, g->ngroups,
			    sizeof(*x->counts)))
		return -ENOMEM;
	for (uint32_t i = from; i < nsel; i++)
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
 * pair. Counting straight into an array laid out like the groups' dense
 * index touches one random cache line per row instead of two (index, then
 * counter); a slot's group is looked up only when the slot first counts.
 * Counters are 16 bits so that 200k groups (512 KiB in the padded dense
 * layout) stay in L2; a full counter spills its 65535 into the group's
 * cell.
 * The counters are folded into the count(*) cells at the end, or earlier if
 * the groups leave dense mode (too many distinct keys), after which the
 * generic path takes over.
 */
static size_t slot_of(const uint32_t *ids, int nkeys, uint32_t shift)
{
	return ((size_t)ids[0] << shift) | (nkeys > 1 ? ids[1] : 0);
}

/* Re-lays the counters after the dense index changed shape. */
static int slots__sync(struct exec *x, const struct groups *g)
{
	struct slotcount *sc = &x->sc, n = *sc;

	if (sc->cnt && g->dshift == sc->shift && g->dcap0 == sc->c0 &&
	    g->dcap1 == sc->c1)
		return 0;
	n.cnt = NULL;
	n.cap = 0;
	if (bigvec__reserve((void **)&n.cnt, &n.cap,
			    (size_t)g->dcap0 * g->dcap1, sizeof(*n.cnt)))
		return -ENOMEM;
	for (uint32_t gi = 0; sc->cnt && gi < g->ngroups; gi++) {
		const uint32_t *ids = &g->keyids[(size_t)gi * g->nkeys];

		if (ids[0] < sc->c0 && (g->nkeys < 2 || ids[1] < sc->c1))
			n.cnt[slot_of(ids, g->nkeys, g->dshift)] =
				sc->cnt[slot_of(ids, g->nkeys, sc->shift)];
	}
	bigvec__free(sc->cnt, sc->cap, sizeof(*sc->cnt));
	n.shift = g->dshift;
	n.c0 = g->dcap0;
	n.c1 = g->dcap1;
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

static void slots__fold(struct exec *x, struct groups *g)
{
	struct slotcount *sc = &x->sc;

	for (uint32_t gi = 0; sc->cnt && gi < g->ngroups; gi++) {
		const uint32_t *ids = &g->keyids[(size_t)gi * g->nkeys];

		if (ids[0] < sc->c0 && (g->nkeys < 2 || ids[1] < sc->c1))
			count_cells__add(
				x, g, gi,
				sc->cnt[slot_of(ids, g->nkeys, sc->shift)]);
	}
	bigvec__free(sc->cnt, sc->cap, sizeof(*sc->cnt));
	memset(sc, 0, sizeof(*sc));
}

/* Counts rows [0, nsel); returns 0, 1 with *stop when the groups left
 * dense mode at row *stop (not counted), or -ENOMEM. */
static int slots__count(struct exec *x, struct groups *g, uint32_t nsel,
			uint32_t *stop)
{
	struct slotcount *sc = &x->sc;
	const uint32_t *k0 = x->ids[0], *k1 = g->nkeys > 1 ? x->ids[1] : NULL;

	/* The chunk's keys are interned already: size the index for them. */
	if (groups__presize(g) || (g->dense && slots__sync(x, g)))
		return -ENOMEM;
	for (uint32_t i = 0; i < nsel; i++) {
		uint32_t a = k0[i], b = k1 ? k1[i] : 0;
		size_t s = ((size_t)a << sc->shift) | b;

		if (a < sc->c0 && b < sc->c1 && sc->cnt[s] &&
		    sc->cnt[s] != UINT16_MAX) {
			sc->cnt[s]++;
			continue;
		}
		x->tuple[0] = a;
		x->tuple[1] = b;
		int64_t gi = groups__lookup(g, x->tuple);
		if (gi < 0)
			return (int)gi;
		if (!g->dense) {
			*stop = i;
			return 1;
		}
		if (slots__sync(x, g))
			return -ENOMEM;
		s = slot_of(x->tuple, g->nkeys, sc->shift);
		if (sc->cnt[s] == UINT16_MAX) { /* spill into the cell */
			count_cells__add(x, g, (uint32_t)gi, UINT16_MAX);
			sc->cnt[s] = 0;
		}
		sc->cnt[s]++;
	}
	return 0;
}

/* Folds selected rows [from, nsel) into their groups (generic path). */
static int rows__apply(struct exec *x, struct groups *g, const bool *rowwise,
		       uint32_t from, uint32_t nsel)
{
	struct ttq_query *q = x->q;
	int ret;

	for (uint32_t i = from; i < nsel; i++) {
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
			if (!counted && counts__add(x, g, from, nsel))
				return -ENOMEM;
			counted = true;
			continue;
		}
		ret = agg__update_batch(
			&q->aggs[a], &g->pools[a], g->cells + a, g->naggs,
			x->gidx + from, x->slots[a] + from,
			rowwise[a] ? x->nulls[a] + from : NULL,
			rowwise[a] ? x->svals[a] + from : NULL, nsel - from);
		if (ret)
			return ret;
	}
	return 0;
}

static int chunk__aggregate(struct exec *x, struct groups *g,
			    const struct tt_chunk *ch, uint32_t nsel)
{
	struct ttq_query *q = x->q;
	bool rowwise[q->naggs + 1];
	uint32_t from = 0;
	int ret;

	arena__free(&x->chunk_strs);
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
	if (x->sc.on) {
		ret = slots__count(x, g, nsel, &from);
		if (ret <= 0)
			return ret;
		slots__fold(x, g); /* left dense mode: generic from here */
	}
	return rows__apply(x, g, rowwise, from, nsel);
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
		e->row = x->sel[i];
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
	if (!tt_reader__stats(q->reader, &st))
		opts.from_row_id = st.oldest_row_id;
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
		slots__fold(&x, &p->g);
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
