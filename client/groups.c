/*
 * client/groups.c - group-by state: key dictionaries, the group table and
 * aggregate cells.
 *
 * Each GROUP BY position has a dictionary mapping key values to dense ids
 * (0, 1, 2, ... in first-seen order); a group is a tuple of key ids. With
 * at most two keys and small id spaces the tuple indexes a dense array
 * directly (the common "count per (src_ip, comm)" case never hashes per
 * row); otherwise an open-addressing hash over the tuple is used. String
 * columns reach the dictionaries once per distinct code per chunk (see
 * exec.c), so per-row work is array indexing.
 *
 * Aggregate cells are exact and mergeable: counts and sums add (integer
 * averages keep a 128-bit sum), min/max compare, percentiles keep every
 * value and pick the nearest rank at the end.
 */
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "client/sql.h"

#define DENSE_MAX (1u << 22)

struct keydict {
	struct ttq_value *vals;
	uint32_t n, cap;
	uint32_t *slots; /* id + 1; 0 empty */
	uint32_t scap;
	struct arena strs;
};

int groups__init(struct groups *g, struct ttq_query *q)
{
	memset(g, 0, sizeof(*g));
	g->q = q;
	g->nkeys = q->nkeys;
	g->naggs = q->naggs;
	if (g->nkeys) {
		g->kd = calloc(g->nkeys, sizeof(*g->kd));
		if (!g->kd)
			return -ENOMEM;
	}
	if (g->nkeys <= 2) {
		g->dcap0 = g->dcap1 = 1;
		g->dense = malloc(sizeof(*g->dense));
		if (!g->dense)
			return -ENOMEM;
		g->dense[0] = -1;
	}
	return 0;
}

void agg__cell_free(struct agg_cell *c)
{
	free(c->s);
	free(c->vals);
}

void groups__fini(struct groups *g)
{
	for (int k = 0; k < g->nkeys; k++) {
		free(g->kd[k].vals);
		free(g->kd[k].slots);
		arena__free(&g->kd[k].strs);
	}
	for (size_t i = 0; i < (size_t)g->ngroups * g->naggs; i++)
		agg__cell_free(&g->cells[i]);
	free(g->kd);
	free(g->keyids);
	free(g->cells);
	free(g->dense);
	free(g->hslots);
	memset(g, 0, sizeof(*g));
}

static int keydict__grow(struct keydict *d)
{
	uint32_t scap = d->scap ? d->scap * 2 : 64;
	uint32_t *slots = calloc(scap, sizeof(*slots));

	if (!slots)
		return -ENOMEM;
	for (uint32_t id = 0; id < d->n; id++) {
		uint32_t h = (uint32_t)value__hash(&d->vals[id]) & (scap - 1);

		while (slots[h])
			h = (h + 1) & (scap - 1);
		slots[h] = id + 1;
	}
	free(d->slots);
	d->slots = slots;
	d->scap = scap;
	return 0;
}

int groups__intern(struct groups *g, int k, const struct ttq_value *v,
		   uint32_t *id)
{
	struct keydict *d = &g->kd[k];

	if ((d->n + 1) * 2 > d->scap && keydict__grow(d))
		return -ENOMEM;
	uint32_t h = (uint32_t)value__hash(v) & (d->scap - 1);
	for (; d->slots[h]; h = (h + 1) & (d->scap - 1)) {
		const struct ttq_value *o = &d->vals[d->slots[h] - 1];

		if (o->type == v->type && value__equal(o, v)) {
			*id = d->slots[h] - 1;
			return 0;
		}
	}
	if (d->n == d->cap) {
		uint32_t cap = d->cap ? d->cap * 2 : 64;
		struct ttq_value *nv = realloc(d->vals, cap * sizeof(*nv));

		if (!nv)
			return -ENOMEM;
		d->vals = nv;
		d->cap = cap;
	}
	struct ttq_value *nv = &d->vals[d->n];
	*nv = *v;
	if (v->type == TTQ_STRING) {
		char *s = arena__strndup(&d->strs, v->s.ptr, v->s.len);

		if (!s)
			return -ENOMEM;
		nv->s.ptr = s;
	}
	d->slots[h] = ++d->n;
	*id = d->n - 1;
	return 0;
}

const struct ttq_value *groups__key(const struct groups *g, int k, uint32_t id)
{
	return &g->kd[k].vals[id];
}

static uint32_t tuple_hash(const uint32_t *ids, int n)
{
	uint64_t h = 0x9e3779b97f4a7c15ULL;

	for (int i = 0; i < n; i++)
		h = (h ^ ids[i]) * 0xff51afd7ed558ccdULL;
	return (uint32_t)(h ^ (h >> 32));
}

static int hash__rebuild(struct groups *g, uint32_t cap)
{
	uint32_t *slots = calloc(cap, sizeof(*slots));

	if (!slots)
		return -ENOMEM;
	for (uint32_t gi = 0; gi < g->ngroups; gi++) {
		uint32_t h = tuple_hash(&g->keyids[(size_t)gi * g->nkeys],
					g->nkeys) & (cap - 1);
		while (slots[h])
			h = (h + 1) & (cap - 1);
		slots[h] = gi + 1;
	}
	free(g->hslots);
	g->hslots = slots;
	g->hcap = cap;
	return 0;
}

static uint32_t pow2_at_least(uint32_t v)
{
	uint32_t p = 1;

	while (p < v)
		p <<= 1;
	return p;
}

/* Resizes the dense array to hold ids (k0, k1), or switches to hashing. */
static int dense__grow(struct groups *g, uint32_t k0, uint32_t k1)
{
	uint32_t c0 = g->dcap0, c1 = g->dcap1;

	if (k0 >= c0)
		c0 = pow2_at_least(k0 + 1 > c0 * 2 ? k0 + 1 : c0 * 2);
	if (k1 >= c1)
		c1 = pow2_at_least(k1 + 1 > c1 * 2 ? k1 + 1 : c1 * 2);
	free(g->dense);
	g->dense = NULL;
	if ((uint64_t)c0 * c1 > DENSE_MAX)
		return hash__rebuild(g, pow2_at_least(g->ngroups * 2 + 64));
	g->dense = malloc((size_t)c0 * c1 * sizeof(*g->dense));
	if (!g->dense)
		return -ENOMEM;
	memset(g->dense, 0xff, (size_t)c0 * c1 * sizeof(*g->dense));
	g->dcap0 = c0;
	g->dcap1 = c1;
	g->dshift = (uint32_t)__builtin_ctz(c1);
	for (uint32_t gi = 0; gi < g->ngroups; gi++) {
		const uint32_t *ids = &g->keyids[(size_t)gi * g->nkeys];
		uint32_t a = g->nkeys > 0 ? ids[0] : 0;
		uint32_t b = g->nkeys > 1 ? ids[1] : 0;

		g->dense[((size_t)a << g->dshift) | b] = (int32_t)gi;
	}
	return 0;
}

static int64_t group__new(struct groups *g, const uint32_t *ids)
{
	if (g->ngroups == g->capgroups) {
		uint32_t cap = g->capgroups ? g->capgroups * 2 : 64;
		uint32_t *k = realloc(g->keyids, (size_t)cap * (g->nkeys + 1) *
							 sizeof(*k));
		if (!k)
			return -ENOMEM;
		g->keyids = k;
		struct agg_cell *c = realloc(g->cells, (size_t)cap *
							       (g->naggs + 1) *
							       sizeof(*c));
		if (!c)
			return -ENOMEM;
		g->cells = c;
		g->capgroups = cap;
	}
	uint32_t gi = g->ngroups++;
	if (g->nkeys)
		memcpy(&g->keyids[(size_t)gi * g->nkeys], ids,
		       g->nkeys * sizeof(*ids));
	memset(&g->cells[(size_t)gi * g->naggs], 0,
	       g->naggs * sizeof(*g->cells));
	return gi;
}

int64_t groups__lookup(struct groups *g, const uint32_t *ids)
{
	if (g->dense) {
		uint32_t a = g->nkeys > 0 ? ids[0] : 0;
		uint32_t b = g->nkeys > 1 ? ids[1] : 0;

		if (a >= g->dcap0 || b >= g->dcap1) {
			if (dense__grow(g, a, b))
				return -ENOMEM;
			return groups__lookup(g, ids);
		}
		int32_t *slot = &g->dense[((size_t)a << g->dshift) | b];
		if (*slot < 0) {
			int64_t gi = group__new(g, ids);

			if (gi < 0)
				return gi;
			*slot = (int32_t)gi;
		}
		return *slot;
	}
	if ((g->ngroups + 1) * 2 > g->hcap &&
	    hash__rebuild(g, g->hcap ? g->hcap * 2 : 256))
		return -ENOMEM;
	uint32_t h = tuple_hash(ids, g->nkeys) & (g->hcap - 1);
	for (; g->hslots[h]; h = (h + 1) & (g->hcap - 1)) {
		uint32_t gi = g->hslots[h] - 1;

		if (!memcmp(&g->keyids[(size_t)gi * g->nkeys], ids,
			    g->nkeys * sizeof(*ids)))
			return gi;
	}
	int64_t gi = group__new(g, ids);
	if (gi >= 0)
		g->hslots[h] = (uint32_t)gi + 1;
	return gi;
}

/* ---- Aggregate cells ------------------------------------------------------ */

uint64_t slot__from_value(const struct ttq_value *v)
{
	return v->u;
}

/* Three-way comparison of raw slots of type t. */
static int slot_cmp(enum ttq_type t, uint64_t x, uint64_t y)
{
	if (t == TTQ_DOUBLE) {
		double a, b;

		memcpy(&a, &x, 8);
		memcpy(&b, &y, 8);
		return (a > b) - (a < b);
	}
	if (t == TTQ_UINT)
		return (x > y) - (x < y);
	return ((int64_t)x > (int64_t)y) - ((int64_t)x < (int64_t)y);
}

static int pct__push(struct agg_cell *c, uint64_t v)
{
	if (c->nvals == c->capvals) {
		size_t cap = c->capvals ? c->capvals * 2 : 16;
		uint64_t *nv = realloc(c->vals, cap * sizeof(*nv));

		if (!nv)
			return -ENOMEM;
		c->vals = nv;
		c->capvals = cap;
	}
	c->vals[c->nvals++] = v;
	return 0;
}

static void sum__add(const struct aggdef *a, struct agg_cell *c, uint64_t s)
{
	double d;

	switch (a->in) {
	case TTQ_DOUBLE:
		memcpy(&d, &s, 8);
		c->v.d += d;
		break;
	case TTQ_UINT:
		c->v.u += s;
		c->wide += (__int128)s;
		break;
	default:
		c->v.u += s;
		c->wide += (__int128)(int64_t)s;
		break;
	}
}

int agg__update(const struct aggdef *a, struct agg_cell *c, uint64_t slot,
		const struct ttq_value *sv)
{
	switch (a->kind) {
	case AGG_MIN:
	case AGG_MAX:
		if (a->in == TTQ_STRING) {
			if (!sv || sv->type != TTQ_STRING)
				return 0;
			struct ttq_value cur = { .type = TTQ_STRING };
			cur.s.ptr = c->s;
			cur.s.len = c->slen;
			int cmp = c->n ? value__cmp(sv, &cur) : 0;
			if (c->n && (a->kind == AGG_MIN ? cmp >= 0 : cmp <= 0))
				return 0;
			char *s = malloc(sv->s.len + 1);
			if (!s)
				return -ENOMEM;
			memcpy(s, sv->s.ptr, sv->s.len);
			free(c->s);
			c->s = s;
			c->slen = sv->s.len;
			c->n = 1;
			return 0;
		}
		if (!c->n || (slot_cmp(a->in, slot, c->v.u) < 0) ==
				     (a->kind == AGG_MIN)) {
			if (!c->n || slot_cmp(a->in, slot, c->v.u) != 0)
				c->v.u = slot;
		}
		c->n = 1;
		return 0;
	case AGG_SUM:
	case AGG_AVG:
		sum__add(a, c, slot);
		c->n++;
		return 0;
	case AGG_PCT:
		c->n++;
		return pct__push(c, slot);
	default:
		c->n++;
		return 0;
	}
}

int agg__update_batch(const struct aggdef *a, struct agg_cell *cells,
		      size_t stride, const uint32_t *gidx,
		      const uint64_t *slots, const uint8_t *nulls,
		      const struct ttq_value *svals, uint32_t n)
{
	if (nulls || svals) {
		for (uint32_t i = 0; i < n; i++) {
			if (nulls && nulls[i])
				continue;
			int ret = agg__update(a, &cells[gidx[i] * stride],
					      slots ? slots[i] : 0,
					      svals ? &svals[i] : NULL);
			if (ret)
				return ret;
		}
		return 0;
	}
	/* The hot kinds get their own loops; the rest go cell by cell. */
	if (a->kind == AGG_COUNT_STAR || a->kind == AGG_COUNT) {
		for (uint32_t i = 0; i < n; i++)
			cells[gidx[i] * stride].n++;
		return 0;
	}
	if (a->kind == AGG_PCT) {
		for (uint32_t i = 0; i < n; i++) {
			struct agg_cell *c = &cells[gidx[i] * stride];

			c->n++;
			if (c->nvals < c->capvals)
				c->vals[c->nvals++] = slots[i];
			else if (pct__push(c, slots[i]))
				return -ENOMEM;
		}
		return 0;
	}
	for (uint32_t i = 0; i < n; i++) {
		int ret = agg__update(a, &cells[gidx[i] * stride], slots[i],
				      NULL);
		if (ret)
			return ret;
	}
	return 0;
}

int agg__merge(const struct aggdef *a, struct agg_cell *dst,
	       const struct agg_cell *src)
{
	if (!src->n)
		return 0;
	switch (a->kind) {
	case AGG_MIN:
	case AGG_MAX:
		if (a->in == TTQ_STRING) {
			struct ttq_value v = { .type = TTQ_STRING };

			v.s.ptr = src->s;
			v.s.len = src->slen;
			return agg__update(a, dst, 0, &v);
		}
		return agg__update(a, dst, src->v.u, NULL);
	case AGG_SUM:
	case AGG_AVG:
		if (a->in == TTQ_DOUBLE)
			dst->v.d += src->v.d;
		else
			dst->v.u += src->v.u;
		dst->wide += src->wide;
		dst->n += src->n;
		return 0;
	case AGG_PCT:
		for (size_t i = 0; i < src->nvals; i++)
			if (pct__push(dst, src->vals[i]))
				return -ENOMEM;
		dst->n += src->n;
		return 0;
	default:
		dst->n += src->n;
		return 0;
	}
}

/* Quickselect: the k-th smallest slot (0-based); reorders v. */
static uint64_t select_kth(enum ttq_type t, uint64_t *v, size_t n, size_t k)
{
	size_t lo = 0, hi = n - 1;

	while (lo < hi) {
		uint64_t pivot = v[lo + (hi - lo) / 2];
		size_t i = lo, j = hi;

		while (i <= j) {
			while (slot_cmp(t, v[i], pivot) < 0)
				i++;
			while (slot_cmp(t, v[j], pivot) > 0)
				j--;
			if (i <= j) {
				uint64_t tmp = v[i];
				v[i] = v[j];
				v[j] = tmp;
				i++;
				if (j == 0)
					break;
				j--;
			}
		}
		if (k <= j)
			hi = j;
		else if (k >= i)
			lo = i;
		else
			break;
	}
	return v[k];
}

void agg__final(const struct aggdef *a, struct agg_cell *c,
		struct ttq_value *out)
{
	out->type = a->out;
	switch (a->kind) {
	case AGG_COUNT_STAR:
	case AGG_COUNT:
		out->i = c->n;
		return;
	case AGG_MIN:
	case AGG_MAX:
		if (!c->n) {
			out->type = TTQ_NULL;
		} else if (a->in == TTQ_STRING) {
			out->s.ptr = c->s;
			out->s.len = c->slen;
		} else {
			out->u = c->v.u;
		}
		return;
	case AGG_SUM:
		if (!c->n)
			out->type = TTQ_NULL;
		else
			out->u = c->v.u;
		return;
	case AGG_AVG:
		if (!c->n) {
			out->type = TTQ_NULL;
		} else if (a->out == TTQ_DOUBLE) {
			out->d = a->in == TTQ_DOUBLE ? c->v.d / c->n
						     : (double)c->wide / c->n;
		} else {
			out->i = (int64_t)(c->wide / c->n);
		}
		return;
	case AGG_PCT: {
		if (!c->nvals) {
			out->type = TTQ_NULL;
			return;
		}
		size_t rank = (size_t)ceil(a->q * (double)c->nvals);
		if (rank < 1)
			rank = 1;
		if (rank > c->nvals)
			rank = c->nvals;
		out->u = select_kth(a->in, c->vals, c->nvals, rank - 1);
		return;
	}
	default:
		out->type = TTQ_NULL;
		return;
	}
}
