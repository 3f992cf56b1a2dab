/*
 * client/partial.c - partial results on the wire, for cluster queries.
 *
 * Layout (little-endian, as on every supported machine):
 *   "TTQP" u32 version, u64 plan fingerprint, u8 is_agg
 *   aggregate: u32 nkeys, u32 naggs, u32 ngroups, then per group its key
 *              values and per aggregate: i64 n, u64 v, u64 wide lo/hi,
 *              string min/max as a value, u64 nvals + nvals u64
 *   rows:      u32 nout, u64 nrows, then nrows * nout values
 *   value:     u8 type, then u32 len + bytes (string), nothing (null) or
 *              u64 (everything else)
 * Merging parses the buffer twice: a dry run that checks every length
 * against the buffer, then the real merge, so damaged input leaves the
 * destination untouched.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "client/sql.h"

#define PARTIAL_VERSION 1

struct wbuf {
	unsigned char *p;
	size_t len, cap;
	int err;
};

static void put(struct wbuf *w, const void *d, size_t n)
{
	if (w->err || !n)
		return;
	if (w->len + n > w->cap) {
		size_t cap = w->cap ? w->cap * 2 : 4096;

		while (cap < w->len + n)
			cap *= 2;
		unsigned char *np = realloc(w->p, cap);
		if (!np) {
			w->err = -ENOMEM;
			return;
		}
		w->p = np;
		w->cap = cap;
	}
	memcpy(w->p + w->len, d, n);
	w->len += n;
}

#define PUT(w, v)                          \
	do {                               \
		__typeof__(v) _v = (v);    \
		put((w), &_v, sizeof(_v)); \
	} while (0)

static void put_value(struct wbuf *w, const struct ttq_value *v)
{
	PUT(w, (uint8_t)v->type);
	if (v->type == TTQ_STRING) {
		PUT(w, v->s.len);
		put(w, v->s.ptr, v->s.len);
	} else if (v->type != TTQ_NULL) {
		PUT(w, v->u);
	}
}

static void put_cell(struct wbuf *w, const struct aggdef *a,
		     const struct vpool *vp, const struct agg_cell *c)
{
	struct ttq_value s = {.type = TTQ_NULL};
	bool pct = a->kind == AGG_PCT;

	PUT(w, c->n);
	PUT(w, pct ? 0 : c->v.u);
	PUT(w, pct ? 0 : c->hi);
	if (a->in == TTQ_STRING && c->x.s) {
		s.type = TTQ_STRING;
		s.s.ptr = c->x.s;
		s.s.len = (uint32_t)c->hi;
	}
	put_value(w, &s);
	PUT(w, (uint64_t)(pct ? c->n : 0));
	if (pct && c->n) {
		uint64_t *v = malloc((size_t)c->n * sizeof(*v));

		if (!v) {
			w->err = -ENOMEM;
			return;
		}
		agg__pct_values(vp, c, v);
		put(w, v, (size_t)c->n * sizeof(*v));
		free(v);
	}
}

int ttq_partial__serialize(const struct ttq_partial *p, void **buf, size_t *len)
{
	const struct ttq_query *q = p->q;
	struct wbuf w = {0};

	put(&w, "TTQP", 4);
	PUT(&w, (uint32_t)PARTIAL_VERSION);
	PUT(&w, q->fingerprint);
	PUT(&w, (uint8_t)q->is_agg);
	if (q->is_agg) {
		const struct groups *g = &p->g;

		PUT(&w, (uint32_t)q->nkeys);
		PUT(&w, (uint32_t)q->naggs);
		PUT(&w, g->ngroups);
		for (uint32_t gi = 0; gi < g->ngroups; gi++) {
			for (int k = 0; k < q->nkeys; k++)
				put_value(
					&w,
					groups__key(g, k,
						    g->keyids[(size_t)gi *
								      q->nkeys +
							      k]));
			for (int a = 0; a < q->naggs; a++)
				put_cell(&w, &q->aggs[a], &g->pools[a],
					 &g->cells[(size_t)gi * q->naggs + a]);
		}
	} else {
		PUT(&w, (uint32_t)q->nout);
		PUT(&w, (uint64_t)p->rows.nrows);
		for (size_t i = 0; i < p->rows.nrows * q->nout; i++)
			put_value(&w, &p->rows.vals[i]);
	}
	if (w.err) {
		free(w.p);
		return w.err;
	}
	*buf = w.p;
	*len = w.len;
	return 0;
}

struct rbuf {
	const unsigned char *p;
	size_t len, off;
	bool bad;
};

static bool get(struct rbuf *r, void *d, size_t n)
{
	if (r->bad || n > r->len - r->off) {
		r->bad = true;
		memset(d, 0, n);
		return false;
	}
	memcpy(d, r->p + r->off, n);
	r->off += n;
	return true;
}

/* Strings point into the buffer. */
static bool get_value(struct rbuf *r, struct ttq_value *v)
{
	uint8_t t;

	memset(v, 0, sizeof(*v));
	if (!get(r, &t, 1) || t > TTQ_STRING)
		return !(r->bad = true);
	v->type = t;
	if (t == TTQ_STRING) {
		if (!get(r, &v->s.len, 4) || v->s.len > r->len - r->off)
			return !(r->bad = true);
		v->s.ptr = (const char *)r->p + r->off;
		r->off += v->s.len;
	} else if (t != TTQ_NULL) {
		get(r, &v->u, 8);
	}
	return !r->bad;
}

/* Reads one cell; with dst, merges it there. */
static int get_cell(struct rbuf *r, const struct aggdef *a, struct vpool *vp,
		    struct agg_cell *dst)
{
	struct agg_cell c = {0};
	struct ttq_value s;
	uint64_t nvals;

	get(r, &c.n, 8);
	get(r, &c.v.u, 8);
	get(r, &c.hi, 8);
	if (!get_value(r, &s) || !get(r, &nvals, 8) ||
	    nvals > (r->len - r->off) / 8 ||
	    (a->kind == AGG_PCT && nvals != (uint64_t)c.n) || c.n < 0)
		return -EPROTO;
	const unsigned char *vals = r->p + r->off;
	r->off += nvals * 8;
	if (!dst)
		return 0;
	if (a->kind == AGG_PCT) {
		for (uint64_t i = 0; i < nvals; i++) {
			uint64_t v;

			memcpy(&v, vals + i * 8, 8);
			if (agg__pct_push(vp, dst, v))
				return -ENOMEM;
		}
		return 0;
	}
	if (s.type == TTQ_STRING) {
		if (a->in != TTQ_STRING)
			return 0;
		c.x.s = (char *)s.s.ptr;
		c.hi = s.s.len;
	}
	/* agg__merge copies what it keeps; c borrows the buffer. */
	return agg__merge(a, vp, dst, NULL, &c);
}

static int merge_groups(struct ttq_partial *dst, struct rbuf *r, bool apply)
{
	struct ttq_query *q = dst->q;
	uint32_t nkeys, naggs, ngroups, ids[q->nkeys + 1];

	get(r, &nkeys, 4);
	get(r, &naggs, 4);
	get(r, &ngroups, 4);
	if (r->bad || nkeys != (uint32_t)q->nkeys ||
	    naggs != (uint32_t)q->naggs)
		return -EPROTO;
	for (uint32_t gi = 0; gi < ngroups; gi++) {
		for (int k = 0; k < q->nkeys; k++) {
			struct ttq_value v;

			if (!get_value(r, &v))
				return -EPROTO;
			if (apply && groups__intern(&dst->g, k, &v, &ids[k]))
				return -ENOMEM;
		}
		int64_t g = apply ? groups__lookup(&dst->g, ids) : 0;
		if (g < 0)
			return -ENOMEM;
		for (int a = 0; a < q->naggs; a++) {
			struct agg_cell *c =
				apply ? &dst->g.cells[(size_t)g * q->naggs + a]
				      : NULL;
			int ret = get_cell(r, &q->aggs[a],
					   apply ? &dst->g.pools[a] : NULL, c);

			if (ret)
				return ret;
		}
	}
	return r->bad ? -EPROTO : 0;
}

static int merge_rows(struct ttq_partial *dst, struct rbuf *r, bool apply)
{
	struct ttq_query *q = dst->q;
	struct ttq_value vals[q->nout + 1];
	uint32_t nout;
	uint64_t nrows;

	get(r, &nout, 4);
	get(r, &nrows, 8);
	if (r->bad || nout != (uint32_t)q->nout)
		return -EPROTO;
	for (uint64_t i = 0; i < nrows; i++) {
		for (int c = 0; c < q->nout; c++)
			if (!get_value(r, &vals[c]))
				return -EPROTO;
		if (apply && rowbuf__push(&dst->rows, q->nout, vals, NULL))
			return -ENOMEM;
	}
	return 0;
}

static int merge(struct ttq_partial *dst, const void *buf, size_t len,
		 bool apply)
{
	struct rbuf r = {.p = buf, .len = len};
	char magic[4];
	uint32_t version;
	uint64_t fp;
	uint8_t is_agg;

	get(&r, magic, 4);
	get(&r, &version, 4);
	get(&r, &fp, 8);
	get(&r, &is_agg, 1);
	if (r.bad || memcmp(magic, "TTQP", 4) || version != PARTIAL_VERSION ||
	    fp != dst->q->fingerprint || is_agg != dst->q->is_agg)
		return -EPROTO;
	int ret = is_agg ? merge_groups(dst, &r, apply)
			 : merge_rows(dst, &r, apply);
	if (!ret && r.off != r.len)
		ret = -EPROTO;
	return ret;
}

int ttq_partial__merge_bytes(struct ttq_partial *dst, const void *buf,
			     size_t len)
{
	int ret = merge(dst, buf, len, false);

	return ret ? ret : merge(dst, buf, len, true);
}
