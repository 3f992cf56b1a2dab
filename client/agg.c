/*
 * client/agg.c - aggregate cells: update, merge, finish.
 *
 * Everything is exact and mergeable: counts add; sums add into a 128-bit
 * total (low 64 bits in v, high in hi) so integer sums and averages never
 * overflow silently; min/max compare; percentiles keep every value and
 * pick the nearest rank (p(q) = value of rank ceil(q * n)) at the end.
 *
 * Percentile values live in a per-aggregate pool (a bigvec of uint64_t)
 * as chains of blocks, 8 values for a group's first block and doubling up
 * to 4096: many small groups stay small, big groups append without ever
 * copying, and the pool grows by mremap. Block layout at offset o:
 * p[o] = next block + 1 (0: last), p[o+1] = capacity << 32 | count,
 * values from p[o+2].
 */
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "client/sql.h"

#define BLOCK_MIN 8u
#define BLOCK_MAX 4096u

void agg__cell_free(const struct aggdef *a, struct agg_cell *c)
{
	if ((a->kind == AGG_MIN || a->kind == AGG_MAX) && a->in == TTQ_STRING)
		free(c->x.s);
}

static int64_t block__new(struct vpool *vp, uint32_t cap)
{
	size_t o = vp->used;

	if (o + 2 + cap > vp->cap &&
	    bigvec__reserve((void **)&vp->p, &vp->cap, o + 2 + cap,
			    sizeof(uint64_t)))
		return -ENOMEM;
	vp->p[o] = 0;
	vp->p[o + 1] = cap;
	vp->used = o + 2 + cap;
	return (int64_t)o;
}

static int pct__grow(struct vpool *vp, struct agg_cell *c)
{
	uint32_t cap = (uint32_t)(c->x.tail >> 32);
	uint32_t ncap = !cap		      ? BLOCK_MIN
			: cap * 2 > BLOCK_MAX ? BLOCK_MAX
					      : cap * 2;
	int64_t o = block__new(vp, ncap);

	if (o < 0)
		return (int)o;
	if (c->v.u)
		vp->p[c->hi] = (uint64_t)o + 1;
	else
		c->v.u = (uint64_t)o + 1;
	c->hi = o;
	c->x.tail = (uint64_t)ncap << 32;
	return 0;
}

int agg__pct_push(struct vpool *vp, struct agg_cell *c, uint64_t v)
{
	uint32_t n = (uint32_t)c->x.tail;

	if (n == (uint32_t)(c->x.tail >> 32)) {
		int ret = pct__grow(vp, c);

		if (ret)
			return ret;
		n = 0;
	}
	vp->p[c->hi + 2 + n] = v;
	c->x.tail++;
	c->n++;
	return 0;
}

void agg__pct_values(const struct vpool *vp, const struct agg_cell *c,
		     uint64_t *out)
{
	size_t k = 0;

	for (uint64_t o = c->v.u; o; o = vp->p[o - 1]) {
		uint32_t n =
			vp->p[o - 1] ? (uint32_t)vp->p[o] : (uint32_t)c->x.tail;

		memcpy(out + k, &vp->p[o + 1], n * sizeof(uint64_t));
		k += n;
	}
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

/* 128-bit sum: adds s (signed unless the input is unsigned). */
static void sum__add(const struct aggdef *a, struct agg_cell *c, uint64_t s)
{
	double d;

	if (a->in == TTQ_DOUBLE) {
		memcpy(&d, &s, 8);
		c->v.d += d;
		return;
	}
	uint64_t lo = c->v.u + s;
	c->hi += (lo < c->v.u) - (a->in != TTQ_UINT && (int64_t)s < 0);
	c->v.u = lo;
}

static void sum__merge(const struct aggdef *a, struct agg_cell *dst,
		       const struct agg_cell *src)
{
	if (a->in == TTQ_DOUBLE) {
		dst->v.d += src->v.d;
		return;
	}
	uint64_t lo = dst->v.u + src->v.u;
	dst->hi += src->hi + (lo < dst->v.u);
	dst->v.u = lo;
}

static int minmax__string(const struct aggdef *a, struct agg_cell *c,
			  const struct ttq_value *sv)
{
	if (!sv || sv->type != TTQ_STRING)
		return 0;
	if (c->n) {
		struct ttq_value cur = {.type = TTQ_STRING};

		cur.s.ptr = c->x.s;
		cur.s.len = (uint32_t)c->hi;
		int cmp = value__cmp(sv, &cur);
		if (a->kind == AGG_MIN ? cmp >= 0 : cmp <= 0)
			return 0;
	}
	char *s = malloc(sv->s.len + 1);
	if (!s)
		return -ENOMEM;
	memcpy(s, sv->s.ptr, sv->s.len);
	free(c->x.s);
	c->x.s = s;
	c->hi = sv->s.len;
	c->n = 1;
	return 0;
}

int agg__update(const struct aggdef *a, struct vpool *vp, struct agg_cell *c,
		uint64_t slot, const struct ttq_value *sv)
{
	switch (a->kind) {
	case AGG_MIN:
	case AGG_MAX:
		if (a->in == TTQ_STRING)
			return minmax__string(a, c, sv);
		if (!c->n ||
		    (slot_cmp(a->in, slot, c->v.u) < 0) == (a->kind == AGG_MIN))
			if (!c->n || slot_cmp(a->in, slot, c->v.u) != 0)
				c->v.u = slot;
		c->n = 1;
		return 0;
	case AGG_SUM:
	case AGG_AVG:
		sum__add(a, c, slot);
		c->n++;
		return 0;
	case AGG_PCT:
		return agg__pct_push(vp, c, slot);
	default:
		c->n++;
		return 0;
	}
}

int agg__update_batch(const struct aggdef *a, struct vpool *vp,
		      struct agg_cell *cells, size_t stride,
		      const uint32_t *gidx, const uint64_t *slots,
		      const uint8_t *nulls, const struct ttq_value *svals,
		      uint32_t n)
{
	int ret = 0;

	/* The hot kinds get their own loops; the rest go cell by cell. */
	if (!nulls && !svals &&
	    (a->kind == AGG_COUNT_STAR || a->kind == AGG_COUNT)) {
		for (uint32_t i = 0; i < n; i++)
			cells[gidx[i] * stride].n++;
		return 0;
	}
	if (!nulls && !svals && a->kind == AGG_PCT) {
		for (uint32_t i = 0; i < n && !ret; i++)
			ret = agg__pct_push(vp, &cells[gidx[i] * stride],
					    slots[i]);
		return ret;
	}
	for (uint32_t i = 0; i < n && !ret; i++) {
		if (nulls && nulls[i])
			continue;
		ret = agg__update(a, vp, &cells[gidx[i] * stride],
				  slots ? slots[i] : 0,
				  svals ? &svals[i] : NULL);
	}
	return ret;
}

int agg__merge(const struct aggdef *a, struct vpool *dvp, struct agg_cell *dst,
	       const struct vpool *svp, const struct agg_cell *src)
{
	if (!src->n)
		return 0;
	switch (a->kind) {
	case AGG_MIN:
	case AGG_MAX:
		if (a->in == TTQ_STRING) {
			struct ttq_value v = {.type = TTQ_STRING};

			v.s.ptr = src->x.s;
			v.s.len = (uint32_t)src->hi;
			return minmax__string(a, dst, &v);
		}
		return agg__update(a, dvp, dst, src->v.u, NULL);
	case AGG_SUM:
	case AGG_AVG:
		sum__merge(a, dst, src);
		dst->n += src->n;
		return 0;
	case AGG_PCT: {
		uint64_t *v = malloc((size_t)src->n * sizeof(*v));

		if (!v)
			return -ENOMEM;
		agg__pct_values(svp, src, v);
		for (int64_t i = 0; i < src->n; i++)
			if (agg__pct_push(dvp, dst, v[i])) {
				free(v);
				return -ENOMEM;
			}
		free(v);
		return 0;
	}
	default:
		dst->n += src->n;
		return 0;
	}
}

/* Quickselect (Hoare partition): the k-th smallest slot; reorders v. */
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

static void pct__final(const struct aggdef *a, const struct vpool *vp,
		       const struct agg_cell *c, struct ttq_value *out)
{
	size_t n = (size_t)c->n;
	uint64_t *v = n ? malloc(n * sizeof(*v)) : NULL;

	if (!v) {
		out->type = TTQ_NULL;
		return;
	}
	agg__pct_values(vp, c, v);
	size_t rank = (size_t)ceil(a->q * (double)n);
	if (rank < 1)
		rank = 1;
	if (rank > n)
		rank = n;
	out->u = select_kth(a->in, v, n, rank - 1);
	free(v);
}

void agg__final(const struct aggdef *a, const struct vpool *vp,
		const struct agg_cell *c, struct ttq_value *out)
{
	/* hi:lo as a two's complement 128-bit sum (no shift of a negative). */
	__int128 total =
		(__int128)(((unsigned __int128)(uint64_t)c->hi << 64) | c->v.u);

	out->type = a->out;
	if (!c->n && a->kind != AGG_COUNT_STAR && a->kind != AGG_COUNT) {
		out->type = TTQ_NULL;
		return;
	}
	switch (a->kind) {
	case AGG_COUNT_STAR:
	case AGG_COUNT:
		out->i = c->n;
		return;
	case AGG_MIN:
	case AGG_MAX:
		if (a->in == TTQ_STRING) {
			out->s.ptr = c->x.s;
			out->s.len = (uint32_t)c->hi;
		} else {
			out->u = c->v.u;
		}
		return;
	case AGG_SUM:
		out->u = c->v.u; /* the low 64 bits: wraps like the type */
		return;
	case AGG_AVG:
		if (a->in == TTQ_DOUBLE)
			out->d = c->v.d / c->n;
		else if (a->out == TTQ_DOUBLE)
			out->d = (double)total / c->n;
		else
			out->i = (int64_t)(total / c->n);
		return;
	case AGG_PCT:
		pct__final(a, vp, c, out);
		return;
	default:
		out->type = TTQ_NULL;
		return;
	}
}
