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
 * Group state lives in bigvecs (see bigvec.c); aggregate cells are in
 * agg.c.
 */
#include <errno.h>
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
	g->pools = calloc(g->naggs + 1, sizeof(*g->pools));
	if (!g->pools)
		return -ENOMEM;
	if (g->nkeys <= 2) {
		g->dcap0 = g->dcap1 = 1;
		if (bigvec__reserve((void **)&g->dense, &g->dense_cap, 1,
				    sizeof(*g->dense)))
			return -ENOMEM;
		g->dense[0] = -1;
	}
	return 0;
}

void groups__fini(struct groups *g)
{
	for (int k = 0; k < g->nkeys; k++) {
		free(g->kd[k].vals);
		free(g->kd[k].slots);
		arena__free(&g->kd[k].strs);
	}
	for (size_t i = 0; i < (size_t)g->ngroups * g->naggs; i++)
		agg__cell_free(&g->q->aggs[i % g->naggs], &g->cells[i]);
	for (int a = 0; g->pools && a < g->naggs; a++)
		bigvec__free(g->pools[a].p, g->pools[a].cap, sizeof(uint64_t));
	free(g->pools);
	free(g->kd);
	bigvec__free(g->keyids, g->capkeys, sizeof(*g->keyids));
	bigvec__free(g->cells, g->capcells, sizeof(*g->cells));
	bigvec__free(g->dense, g->dense_cap, sizeof(*g->dense));
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

void groups__give_strings(struct groups *g, struct arena *dst)
{
	for (int k = 0; k < g->nkeys; k++)
		arena__move(dst, &g->kd[k].strs);
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
					g->nkeys) &
			     (cap - 1);
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
	if ((uint64_t)c0 * c1 > DENSE_MAX) {
		bigvec__free(g->dense, g->dense_cap, sizeof(*g->dense));
		g->dense = NULL;
		return hash__rebuild(g, pow2_at_least(g->ngroups * 2 + 64));
	}
	if (bigvec__reserve((void **)&g->dense, &g->dense_cap, (size_t)c0 * c1,
			    sizeof(*g->dense)))
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

int groups__presize(struct groups *g)
{
	uint32_t n0 = g->nkeys > 0 ? g->kd[0].n : 1;
	uint32_t n1 = g->nkeys > 1 ? g->kd[1].n : 1;

	if (!g->dense || g->nkeys > 2 || !n0 || !n1 ||
	    (n0 <= g->dcap0 && n1 <= g->dcap1))
		return 0;
	return dense__grow(g, n0 - 1, g->nkeys > 1 ? n1 - 1 : 0);
}

int groups__reserve(struct groups *g, size_t n)
{
	n += g->ngroups;
	if (bigvec__reserve((void **)&g->keyids, &g->capkeys, n * g->nkeys + 1,
			    sizeof(*g->keyids)) ||
	    bigvec__reserve((void **)&g->cells, &g->capcells, n * g->naggs + 1,
			    sizeof(*g->cells)))
		return -ENOMEM;
	return 0;
}

static int64_t group__new(struct groups *g, const uint32_t *ids)
{
	if (groups__reserve(g, 1))
		return -ENOMEM;
	uint32_t gi = g->ngroups++;
	/* Plain loops: one or two keys and cells, not worth a libc call. */
	for (int k = 0; k < g->nkeys; k++)
		g->keyids[(size_t)gi * g->nkeys + k] = ids[k];
	for (int a = 0; a < g->naggs; a++)
		g->cells[(size_t)gi * g->naggs + a] = (struct agg_cell){0};
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
