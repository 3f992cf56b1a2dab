/*
 * client/plan.c - from a parsed statement to an executable plan.
 *
 * Steps, in order (plan__build): open the table; expand *; resolve column
 * names (suggesting the closest name when one is unknown) and aliases in
 * GROUP BY/HAVING/ORDER BY; type-check bottom-up (typecheck.c); for
 * aggregate queries
 * rewrite the output expressions into "group context", where a subtree
 * equal to a GROUP BY expression reads the group's key and an aggregate
 * call reads its finished value, so any column left outside both is an
 * error; fold constants (now() is fixed per query); split WHERE into
 * conjuncts, compile each to its fastest form (filter.c) and collect time_
 * bounds for the store's time index.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "client/sql.h"

enum ttq_type plan__col_type(uint32_t tt_type)
{
	switch (tt_type) {
	case TT_TYPE_INT64:
		return TTQ_INT;
	case TT_TYPE_UINT64:
		return TTQ_UINT;
	case TT_TYPE_TIME:
		return TTQ_TIME;
	default:
		return TTQ_STRING;
	}
}

static bool is_intlike(enum ttq_type t)
{
	return t == TTQ_INT || t == TTQ_UINT || t == TTQ_TIME ||
	       t == TTQ_DURATION;
}

/* ---- Name resolution ---------------------------------------------------- */

static int unknown_column(struct ttq_query *q, struct node *n,
			  struct ttq_error *err)
{
	int best = 255;

	ttq_error__set(err, n->pos, "unknown column '%s' in table %s", n->name,
		       q->table);
	for (uint32_t i = 0; i < q->schema->ncols; i++) {
		int d = ttq_edit_distance(n->name, q->schema->cols[i].name);

		if (d < best && d <= 1 + (int)strlen(n->name) / 3) {
			best = d;
			snprintf(err->suggestion, sizeof(err->suggestion), "%s",
				 q->schema->cols[i].name);
		}
	}
	return -ENOENT;
}

/* Finds a select alias named `name`; returns its item index or -1. */
static int find_alias(struct ttq_query *q, const char *name)
{
	for (int i = 0; i < q->st.nitems; i++)
		if (q->st.items[i].alias &&
		    !strcasecmp(q->st.items[i].alias, name))
			return i;
	return -1;
}

/*
 * Resolves columns in *np; with aliases, an unknown name that is a select
 * alias is replaced by the aliased expression.
 */
static int resolve(struct ttq_query *q, struct node **np, bool aliases,
		   struct ttq_error *err)
{
	struct node *n = *np;

	if (n->kind == N_COL) {
		int c = tt_schema__find(q->schema, n->name);

		if (c < 0 && !strcasecmp(n->name, "time"))
			c = tt_schema__find(q->schema, TT_TIME_COLUMN);
		if (c >= 0) {
			n->col = c;
			n->type = plan__col_type(q->schema->cols[c].type);
			return 0;
		}
		int a = aliases ? find_alias(q, n->name) : -1;
		if (a >= 0) {
			*np = q->st.items[a].expr;
			return 0;
		}
		if (q->node && !strcasecmp(n->name, "node")) {
			/* cluster: this node's name, a string constant */
			n->kind = N_LIT;
			n->lit.type = TTQ_STRING;
			n->lit.s.ptr = q->node;
			n->lit.s.len = (uint32_t)strlen(q->node);
			return 0;
		}
		return unknown_column(q, n, err);
	}
	for (int i = 0; i < n->nargs; i++) {
		int ret = resolve(q, &n->args[i], aliases, err);

		if (ret)
			return ret;
	}
	return 0;
}

/* ---- Aggregate rewriting ------------------------------------------------ */

static bool node__equal(const struct node *a, const struct node *b)
{
	if (a->kind != b->kind || a->op != b->op || a->nargs != b->nargs ||
	    a->negated != b->negated)
		return false;
	switch (a->kind) {
	case N_LIT:
		if (a->lit.type != b->lit.type ||
		    !value__equal(&a->lit, &b->lit))
			return false;
		break;
	case N_COL:
		if (a->col != b->col)
			return false;
		break;
	case N_CALL:
		if (a->fn != b->fn)
			return false;
		break;
	default:
		break;
	}
	for (int i = 0; i < a->nargs; i++)
		if (!node__equal(a->args[i], b->args[i]))
			return false;
	return true;
}

static int add_agg(struct ttq_query *q, struct node *call)
{
	for (int i = 0; i < q->naggs; i++)
		if (node__equal(q->aggs[i].call, call))
			return i;
	if (q->naggs % 8 == 0) {
		struct aggdef *v =
			arena__alloc(&q->arena, (q->naggs + 8) * sizeof(*v));
		if (!v)
			return -ENOMEM;
		if (q->naggs)
			memcpy(v, q->aggs, q->naggs * sizeof(*v));
		q->aggs = v;
	}
	struct aggdef *a = &q->aggs[q->naggs];
	a->kind = call->fn->agg;
	a->q = call->fn->q;
	a->call = call;
	a->arg = a->kind == AGG_COUNT_STAR ? NULL : call->args[0];
	a->in = a->arg ? a->arg->type : TTQ_INT;
	a->out = call->type;
	return q->naggs++;
}

/* Returns the group-context copy of n, or NULL with err set. */
static struct node *to_group(struct ttq_query *q, struct node *n,
			     struct ttq_error *err)
{
	for (int k = 0; k < q->nkeys; k++) {
		if (node__equal(n, q->keys[k])) {
			struct node *r =
				node__new(&q->arena, N_KEY, n->pos, n->end);
			if (!r)
				goto oom;
			r->ref = k;
			r->type = n->type;
			return r;
		}
	}
	if (n->kind == N_CALL && n->fn->agg) {
		int a = add_agg(q, n);
		struct node *r =
			a < 0 ? NULL
			      : node__new(&q->arena, N_AGG, n->pos, n->end);
		if (!r)
			goto oom;
		r->ref = a;
		r->type = n->type;
		return r;
	}
	if (n->kind == N_COL) {
		ttq_error__set(err, n->pos,
			       "column '%s' must appear in GROUP BY or inside "
			       "an aggregate",
			       q->schema->cols[n->col].name);
		return NULL;
	}
	struct node *r = node__new(&q->arena, n->kind, n->pos, n->end);
	if (!r)
		goto oom;
	*r = *n;
	if (n->nargs) {
		r->args = arena__alloc(&q->arena, n->nargs * sizeof(*r->args));
		if (!r->args)
			goto oom;
		for (int i = 0; i < n->nargs; i++)
			if (!(r->args[i] = to_group(q, n->args[i], err)))
				return NULL;
	}
	return r;
oom:
	ttq_error__set(err, -1, "out of memory");
	return NULL;
}

/* ---- Constant folding ------------------------------------------------------
 */

static bool is_const(const struct node *n)
{
	if (n->kind == N_COL || n->kind == N_AGG || n->kind == N_KEY ||
	    n->kind == N_STAR || (n->kind == N_CALL && n->fn && n->fn->agg))
		return false;
	for (int i = 0; i < n->nargs; i++)
		if (!is_const(n->args[i]))
			return false;
	return true;
}

static int fold(struct ttq_query *q, struct node *n)
{
	if (n->kind == N_LIT)
		return 0;
	if (!is_const(n)) {
		for (int i = 0; i < n->nargs; i++)
			if (fold(q, n->args[i]))
				return -ENOMEM;
		return 0;
	}
	struct ectx *c = calloc(1, sizeof(*c));
	struct ttq_value v;
	if (!c)
		return -ENOMEM;
	c->q = q;
	c->ocol = -1;
	expr__eval(n, c, &v);
	if (v.type == TTQ_STRING) {
		char *s = arena__strndup(&q->arena, v.s.ptr, v.s.len);

		if (!s) {
			free(c);
			return -ENOMEM;
		}
		v.s.ptr = s;
	}
	free(c);
	n->kind = N_LIT;
	n->lit = v;
	n->nargs = 0;
	return 0;
}

int plan__single_str_col(const struct node *n)
{
	if (n->kind == N_COL)
		return n->type == TTQ_STRING ? n->col : -1;
	if (n->kind == N_AGG || n->kind == N_KEY ||
	    (n->kind == N_CALL && n->fn && n->fn->agg))
		return -1;
	int col = -2; /* no column seen yet */
	for (int i = 0; i < n->nargs; i++) {
		if (n->args[i]->kind == N_LIT)
			continue;
		int c = plan__single_str_col(n->args[i]);

		if (c < 0 && c != -2)
			return -1;
		if (c >= 0 && col >= 0 && c != col)
			return -1;
		if (c >= 0)
			col = c;
	}
	return col;
}

/* ---- WHERE: conjuncts and the time range --------------------------------- */

static int add_conj(struct ttq_query *q, struct node *n)
{
	if (n->kind == N_BINARY && n->op == OP_AND)
		return add_conj(q, n->args[0]) ?: add_conj(q, n->args[1]);
	if (q->nconj % 8 == 0) {
		struct conj *v =
			arena__alloc(&q->arena, (q->nconj + 8) * sizeof(*v));
		if (!v)
			return -ENOMEM;
		if (q->nconj)
			memcpy(v, q->conj, q->nconj * sizeof(*v));
		q->conj = v;
	}
	struct conj *c = &q->conj[q->nconj++];
	c->expr = n;
	c->kind = CJ_ROW;
	c->col = plan__single_str_col(n);
	if (c->col >= 0) {
		c->kind = CJ_STR_CODES;
		return 0;
	}
	if (n->kind != N_BINARY || n->op < OP_EQ || n->op > OP_GE)
		return 0;
	struct node *l = n->args[0], *r = n->args[1];
	enum op op = n->op;
	if (l->kind == N_LIT && r->kind == N_COL) {
		static const enum op flip[] = {
			[OP_EQ] = OP_EQ, [OP_NE] = OP_NE, [OP_LT] = OP_GT,
			[OP_LE] = OP_GE, [OP_GT] = OP_LT, [OP_GE] = OP_LE,
		};
		struct node *t = l;
		l = r;
		r = t;
		op = flip[op];
	}
	/* Same-kind integers only: mixed signs or doubles go per row. */
	if (l->kind != N_COL || r->kind != N_LIT || !is_intlike(l->type) ||
	    r->lit.type != l->type)
		return 0;
	c->kind = CJ_INT_CMP;
	c->col = l->col;
	c->op = op;
	c->val = r->lit.i;
	c->is_uint = l->type == TTQ_UINT;
	if (l->type != TTQ_TIME ||
	    strcmp(q->schema->cols[l->col].name, TT_TIME_COLUMN))
		return 0;
	int64_t lo = INT64_MIN, hi = INT64_MAX, v = c->val;
	switch (op) {
	case OP_EQ:
		lo = hi = v;
		break;
	case OP_LT:
		hi = v == INT64_MIN ? v : v - 1;
		break;
	case OP_LE:
		hi = v;
		break;
	case OP_GT:
		lo = v == INT64_MAX ? v : v + 1;
		break;
	case OP_GE:
		lo = v;
		break;
	default:
		return 0;
	}
	if (!q->has_time_range) {
		q->has_time_range = true;
		q->tmin = INT64_MIN;
		q->tmax = INT64_MAX;
	}
	if (lo > q->tmin)
		q->tmin = lo;
	if (hi < q->tmax)
		q->tmax = hi;
	return 0;
}

/* ---- Output columns and ORDER BY ------------------------------------------
 */

static const char *out_name(struct ttq_query *q, const struct select_item *it)
{
	if (it->alias)
		return it->alias;
	if (it->expr->kind == N_COL)
		return q->schema->cols[it->expr->col].name;
	int len = it->expr->end - it->expr->pos;
	if (len <= 0 || it->expr->pos + len > (int)strlen(q->sql))
		return "?";
	return arena__strndup(&q->arena, q->sql + it->expr->pos, len);
}

static int add_out(struct ttq_query *q, struct node *e, const char *name,
		   int cap)
{
	if (q->nout >= cap)
		return -E2BIG;
	q->out[q->nout] = e;
	q->out_names[q->nout] = name;
	return q->nout++;
}

/* ORDER BY item -> output column: position, alias, select expr, or hidden. */
static int order_target(struct ttq_query *q, struct order_item *o, int cap,
			struct ttq_error *err)
{
	struct node *e = o->expr;

	if (e->kind == N_LIT && e->lit.type == TTQ_INT) {
		if (e->lit.i < 1 || e->lit.i > q->nvisible) {
			ttq_error__set(err, e->pos,
				       "ORDER BY position %lld is not in the "
				       "select list (1..%d)",
				       (long long)e->lit.i, q->nvisible);
			return -EINVAL;
		}
		return (int)e->lit.i - 1;
	}
	if (e->kind == N_COL) {
		for (int i = 0; i < q->nvisible; i++)
			if (!strcasecmp(q->out_names[i], e->name))
				return i;
	}
	int ret = resolve(q, &o->expr, true, err);
	if (ret || (ret = plan__check(q, o->expr, true, err)))
		return ret;
	for (int i = 0; i < q->st.nitems; i++)
		if (node__equal(q->st.items[i].expr, o->expr))
			return i;
	return add_out(q, o->expr, "", cap);
}

static int group_key(struct ttq_query *q, int i, struct ttq_error *err)
{
	struct node **np = &q->st.group[i];
	int ret;

	if ((*np)->kind == N_LIT && (*np)->lit.type == TTQ_INT) {
		int64_t pos = (*np)->lit.i;

		if (pos < 1 || pos > q->st.nitems) {
			ttq_error__set(err, (*np)->pos,
				       "GROUP BY position %lld is not in the "
				       "select list",
				       (long long)pos);
			return -EINVAL;
		}
		*np = q->st.items[pos - 1].expr;
	}
	if ((ret = resolve(q, np, true, err)) ||
	    (ret = plan__check(q, *np, false, err)))
		return ret;
	q->keys[q->nkeys++] = *np;
	return 0;
}

static int plan__outputs(struct ttq_query *q, struct ttq_error *err)
{
	int cap = q->st.nitems + q->st.norder, ret;

	q->out = arena__alloc(&q->arena, cap * sizeof(*q->out));
	q->out_names = arena__alloc(&q->arena, cap * sizeof(*q->out_names));
	q->order_col =
		arena__alloc(&q->arena, (q->st.norder + 1) * sizeof(int));
	q->order_desc =
		arena__alloc(&q->arena, (q->st.norder + 1) * sizeof(bool));
	if (!q->out || !q->out_names || !q->order_col || !q->order_desc)
		return -ENOMEM;
	for (int i = 0; i < q->st.nitems; i++)
		add_out(q, q->st.items[i].expr, out_name(q, &q->st.items[i]),
			cap);
	q->nvisible = q->nout;
	for (int i = 0; i < q->st.norder; i++) {
		ret = order_target(q, &q->st.order[i], cap, err);
		if (ret < 0)
			return ret;
		q->order_col[q->norder] = ret;
		q->order_desc[q->norder++] = q->st.order[i].desc;
	}
	if (q->st.having) {
		if ((ret = resolve(q, &q->st.having, true, err)) ||
		    (ret = plan__check(q, q->st.having, true, err)))
			return ret;
		if (!q->is_agg) {
			ttq_error__set(err, q->st.having->pos,
				       "HAVING needs GROUP BY or an aggregate");
			return -EINVAL;
		}
		if (q->st.having->type != TTQ_BOOL) {
			ttq_error__set(
				err, q->st.having->pos,
				"type error: HAVING needs a condition, not %s",
				ttq_type__name(q->st.having->type));
			return -EINVAL;
		}
	}
	if (!q->is_agg)
		return 0;
	for (int i = 0; i < q->nout; i++)
		if (!(q->out[i] = to_group(q, q->out[i], err)))
			return err->msg[0] == 'o' ? -ENOMEM : -EINVAL;
	if (q->st.having && !(q->having = to_group(q, q->st.having, err)))
		return -EINVAL;
	return 0;
}

static int expand_star(struct ttq_query *q)
{
	int n = (int)q->schema->ncols;

	q->st.items = arena__alloc(&q->arena, n * sizeof(*q->st.items));
	if (!q->st.items)
		return -ENOMEM;
	for (int i = 0; i < n; i++) {
		struct node *c = node__new(&q->arena, N_COL, q->st.star_pos,
					   q->st.star_pos + 1);
		if (!c)
			return -ENOMEM;
		c->name = q->schema->cols[i].name;
		q->st.items[i].expr = c;
	}
	q->st.nitems = n;
	return 0;
}

static int plan__where(struct ttq_query *q, struct ttq_error *err)
{
	struct node *w = q->st.where;
	int ret;

	if (w) {
		if ((ret = resolve(q, &q->st.where, false, err)) ||
		    (ret = plan__check(q, q->st.where, false, err)))
			return ret;
		w = q->st.where;
		if (w->type != TTQ_BOOL && w->type != TTQ_NULL) {
			ttq_error__set(
				err, w->pos,
				"type error: WHERE needs a condition, not %s",
				ttq_type__name(w->type));
			return -EINVAL;
		}
		if ((ret = fold(q, w)) || (ret = add_conj(q, w)))
			return ret;
	}
	if (!q->since_ns)
		return 0;
	/* --since: time_ >= since, through the same path as a WHERE bound. */
	struct node *ge = node__new(&q->arena, N_BINARY, -1, -1);
	struct node *col = node__new(&q->arena, N_COL, -1, -1);
	struct node *lit = node__new(&q->arena, N_LIT, -1, -1);
	struct node **args = arena__alloc(&q->arena, 2 * sizeof(*args));
	if (!ge || !col || !lit || !args)
		return -ENOMEM;
	col->col = tt_schema__find(q->schema, TT_TIME_COLUMN);
	if (col->col < 0)
		return 0;
	col->type = TTQ_TIME;
	lit->lit.type = lit->type = TTQ_TIME;
	lit->lit.i = q->since_ns;
	ge->op = OP_GE;
	ge->type = TTQ_BOOL;
	ge->args = args;
	ge->nargs = 2;
	args[0] = col;
	args[1] = lit;
	return add_conj(q, ge);
}

static uint64_t fnv(uint64_t h, const void *p, size_t n)
{
	const unsigned char *b = p;

	for (size_t i = 0; i < n; i++)
		h = (h ^ b[i]) * 0x100000001b3ULL;
	return h;
}

int plan__build(struct ttq_query *q, struct ttq_error *err)
{
	int ret;

	if (q->st.star && (ret = expand_star(q)))
		return ret;
	for (int i = 0; i < q->st.nitems; i++) {
		if ((ret = resolve(q, &q->st.items[i].expr, false, err)) ||
		    (ret = plan__check(q, q->st.items[i].expr, true, err)))
			return ret;
	}
	if ((ret = plan__where(q, err)))
		return ret;
	if (q->st.ngroup) {
		q->is_agg = true;
		q->keys = arena__alloc(&q->arena,
				       q->st.ngroup * sizeof(*q->keys));
		if (!q->keys)
			return -ENOMEM;
		for (int i = 0; i < q->st.ngroup; i++)
			if ((ret = group_key(q, i, err)))
				return ret;
	}
	if ((ret = plan__outputs(q, err)))
		return ret;
	for (int i = 0; i < q->nkeys; i++)
		if ((ret = fold(q, q->keys[i])))
			return ret;
	for (int i = 0; i < q->naggs; i++)
		if (q->aggs[i].arg && (ret = fold(q, q->aggs[i].arg)))
			return ret;
	for (int i = 0; i < q->nout; i++)
		if ((ret = fold(q, q->out[i])))
			return ret;
	if (q->having && (ret = fold(q, q->having)))
		return ret;
	q->limit = q->st.limit;
	q->fingerprint = fnv(fnv(0xcbf29ce484222325ULL, q->sql, strlen(q->sql)),
			     q->schema, sizeof(*q->schema));
	return 0;
}
