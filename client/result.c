/*
 * client/result.c - finishing a query: from partial state (groups with
 * aggregate cells, or selected rows) to the rows the user sees: HAVING,
 * the SELECT expressions in group context, ORDER BY over any number of
 * keys (hidden ORDER BY columns are dropped afterwards), LIMIT. The result
 * owns copies of every string, so it outlives the query's table mapping.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "client/sql.h"

static int copy_strings(struct ttq_result *r, struct ttq_value *v, int n)
{
	for (int i = 0; i < n; i++) {
		if (v[i].type != TTQ_STRING)
			continue;
		char *s = arena__strndup(&r->arena, v[i].s.ptr, v[i].s.len);

		if (!s)
			return -ENOMEM;
		v[i].s.ptr = s;
	}
	return 0;
}

/*
 * Evaluates HAVING and the outputs of every group into rb. With consume,
 * columns that are plain group keys keep pointing at the key dictionary's
 * strings (which then move into the result) instead of being copied.
 */
static int finish__groups(struct ttq_partial *p, struct rowbuf *rb,
			  bool consume)
{
	struct ttq_query *q = p->q;
	struct groups *g = &p->g;
	struct ttq_value keys[q->nkeys + 1], aggs[q->naggs + 1],
		vals[q->nout + 1];
	bool keep[q->nout + 1];
	struct ectx *e = q->ectx;

	for (int c = 0; c < q->nout; c++)
		keep[c] = consume && q->out[c]->kind == N_KEY;

	/* No GROUP BY: one row even over no rows (count(*) = 0). */
	if (!q->nkeys && !g->ngroups && groups__lookup(g, NULL) < 0)
		return -ENOMEM;
	/* One reservation for every group's row: no regrowth while filling. */
	if (bigvec__reserve((void **)&rb->vals, &rb->cap,
			    ((size_t)g->ngroups + 1) * q->nout + 1,
			    sizeof(*rb->vals)))
		return -ENOMEM;
	e->chunk = NULL;
	e->ocol = -1;
	e->keys = keys;
	e->aggs = aggs;
	for (uint32_t gi = 0; gi < g->ngroups; gi++) {
		for (int k = 0; k < q->nkeys; k++)
			keys[k] = *groups__key(
				g, k, g->keyids[(size_t)gi * q->nkeys + k]);
		for (int a = 0; a < q->naggs; a++)
			agg__final(&q->aggs[a], &g->pools[a],
				   &g->cells[(size_t)gi * q->naggs + a],
				   &aggs[a]);
		e->used = 0;
		if (q->having) {
			struct ttq_value h;

			expr__eval(q->having, e, &h);
			if (!value__true(&h))
				continue;
		}
		for (int c = 0; c < q->nout; c++)
			expr__eval(q->out[c], e, &vals[c]);
		if (rowbuf__push(rb, q->nout, vals, keep))
			return -ENOMEM;
	}
	return 0;
}

static int row_cmp(const void *pa, const void *pb, void *arg)
{
	const struct ttq_query *q = arg;
	const struct ttq_value *a = *(const struct ttq_value *const *)pa;
	const struct ttq_value *b = *(const struct ttq_value *const *)pb;

	for (int i = 0; i < q->norder; i++) {
		int c = value__cmp(&a[q->order_col[i]], &b[q->order_col[i]]);

		if (c)
			return q->order_desc[i] ? -c : c;
	}
	return 0;
}

int rowbuf__keep_top(struct rowbuf *rb, const struct ttq_query *q, size_t k)
{
	size_t nout = (size_t)q->nout;
	struct rowbuf nb = {0};
	const struct ttq_value **rows = malloc((rb->nrows + 1) * sizeof(*rows));
	int ret = 0;

	if (!rows)
		return -ENOMEM;
	for (size_t i = 0; i < rb->nrows; i++)
		rows[i] = &rb->vals[i * nout];
	qsort_r(rows, rb->nrows, sizeof(*rows), row_cmp, (void *)q);
	for (size_t i = 0; i < k && i < rb->nrows && !ret; i++)
		ret = rowbuf__push(&nb, q->nout, rows[i], NULL);
	free(rows);
	if (ret) {
		rowbuf__free(&nb);
		return ret;
	}
	rowbuf__free(rb);
	*rb = nb;
	return 0;
}

static int result__init(struct ttq_result *r, const struct ttq_query *q)
{
	r->ncols = q->nvisible;
	r->names = arena__alloc(&r->arena, (q->nvisible + 1) * sizeof(char *));
	r->types = arena__alloc(&r->arena,
				(q->nvisible + 1) * sizeof(enum ttq_type));
	if (!r->names || !r->types)
		return -ENOMEM;
	for (int c = 0; c < q->nvisible; c++) {
		r->names[c] = arena__strndup(&r->arena, q->out_names[c],
					     strlen(q->out_names[c]));
		if (!r->names[c])
			return -ENOMEM;
		r->types[c] = q->out[c]->type;
	}
	return 0;
}

/*
 * Sorts rows of rb, applies LIMIT and keeps the visible columns. With
 * steal, rb's rows and strings move into the result (no copy when nothing
 * needs reordering); otherwise strings are copied so the result outlives
 * the partial.
 */
static int result__fill(struct ttq_result *r, const struct ttq_query *q,
			struct rowbuf *rb, bool steal)
{
	size_t n = rb->nrows, nv = (size_t)q->nvisible, nout = (size_t)q->nout;

	if (q->limit >= 0 && (size_t)q->limit < n)
		n = (size_t)q->limit;
	if (steal && !q->norder && nv == nout) {
		r->rows = *rb;
		r->rows.nrows = n;
		memset(rb, 0, sizeof(*rb));
		return 0;
	}
	const struct ttq_value **rows = malloc((rb->nrows + 1) * sizeof(*rows));
	if (!rows)
		return -ENOMEM;
	for (size_t i = 0; i < rb->nrows; i++)
		rows[i] = &rb->vals[i * nout];
	if (q->norder)
		qsort_r(rows, rb->nrows, sizeof(*rows), row_cmp, (void *)q);
	int ret = bigvec__reserve((void **)&r->rows.vals, &r->rows.cap,
				  n * nv + 1, sizeof(*r->rows.vals));
	for (size_t i = 0; i < n && !ret; i++) {
		struct ttq_value *dst = &r->rows.vals[i * nv];

		memcpy(dst, rows[i], nv * sizeof(*dst));
		if (!steal)
			ret = copy_strings(r, dst, (int)nv);
	}
	if (steal) {
		r->rows.strings = rb->strings;
		rb->strings.head = NULL;
	}
	r->rows.nrows = n;
	free(rows);
	return ret;
}

int ttq_partial__finish(struct ttq_partial *p, struct ttq_result **out,
			struct ttq_error *err)
{
	return partial__finish(p, out, err, false);
}

int partial__finish(struct ttq_partial *p, struct ttq_result **out,
		    struct ttq_error *err, bool consume)
{
	struct ttq_query *q = p->q;
	struct ttq_result *r = calloc(1, sizeof(*r));
	struct rowbuf tmp = {0};
	int ret = -ENOMEM;

	if (!r)
		goto fail;
	if ((ret = result__init(r, q)))
		goto fail;
	if (q->is_agg && (ret = finish__groups(p, &tmp, consume)))
		goto fail;
	if ((ret = result__fill(r, q, q->is_agg ? &tmp : &p->rows, q->is_agg)))
		goto fail;
	rowbuf__free(&tmp);
	if (consume && q->is_agg)
		groups__give_strings(&p->g, &r->arena);
	*out = r;
	return 0;
fail:
	rowbuf__free(&tmp);
	ttq_result__free(r);
	ttq_error__set(err, -1, "out of memory finishing the query");
	return ret;
}

size_t ttq_result__ncols(const struct ttq_result *r)
{
	return (size_t)r->ncols;
}

size_t ttq_result__nrows(const struct ttq_result *r)
{
	return r->rows.nrows;
}

const char *ttq_result__col_name(const struct ttq_result *r, size_t col)
{
	return col < (size_t)r->ncols ? r->names[col] : NULL;
}

enum ttq_type ttq_result__col_type(const struct ttq_result *r, size_t col)
{
	return col < (size_t)r->ncols ? r->types[col] : TTQ_NULL;
}

const struct ttq_value *ttq_result__value(const struct ttq_result *r,
					  size_t row, size_t col)
{
	if (row >= r->rows.nrows || col >= (size_t)r->ncols)
		return NULL;
	return &r->rows.vals[row * r->ncols + col];
}

void ttq_result__free(struct ttq_result *r)
{
	if (!r)
		return;
	rowbuf__free(&r->rows);
	arena__free(&r->arena);
	free(r);
}
