/*
 * client/expr.c - evaluating an expression for one row or one group.
 *
 * Row context reads columns from a store chunk (strings resolved through
 * the chunk's dictionary, bounds-checked, so a segment being recycled under
 * us yields NULL rather than a wild read); group context reads group keys
 * and finished aggregates. The planner has checked types, so evaluation
 * only follows them: NULL propagates through arithmetic and comparisons,
 * and NULL conditions are false. Integer arithmetic wraps (no UB);
 * division by zero is NULL.
 */
#include <math.h>
#include <string.h>

#include "client/sql.h"

void value__from_chunk(const struct tt_chunk *ch, int col, uint32_t type,
		       uint32_t row, struct ttq_value *out)
{
	switch (type) {
	case TT_TYPE_INT64:
		out->type = TTQ_INT;
		out->i = ((const int64_t *)ch->cols[col])[row];
		return;
	case TT_TYPE_TIME:
		out->type = TTQ_TIME;
		out->i = ((const int64_t *)ch->cols[col])[row];
		return;
	case TT_TYPE_UINT64:
		out->type = TTQ_UINT;
		out->u = ((const uint64_t *)ch->cols[col])[row];
		return;
	default: {
		const char *s;
		uint32_t len;
		uint32_t code = ((const uint32_t *)ch->cols[col])[row];

		if (tt_chunk__string(ch, (uint32_t)col, code, &s, &len) < 0) {
			out->type = TTQ_NULL;
			return;
		}
		out->type = TTQ_STRING;
		out->s.ptr = s;
		out->s.len = len;
	}
	}
}

static bool is_numeric(enum ttq_type t)
{
	return t == TTQ_INT || t == TTQ_UINT || t == TTQ_DOUBLE;
}

static double as_double(const struct ttq_value *v)
{
	return v->type == TTQ_DOUBLE ? v->d
	       : v->type == TTQ_UINT ? (double)v->u
				     : (double)v->i;
}

int value__cmp(const struct ttq_value *a, const struct ttq_value *b)
{
	if (a->type == TTQ_NULL || b->type == TTQ_NULL)
		return (a->type != TTQ_NULL) - (b->type != TTQ_NULL);
	if (a->type == TTQ_STRING && b->type == TTQ_STRING) {
		uint32_t n = a->s.len < b->s.len ? a->s.len : b->s.len;
		int c = n ? memcmp(a->s.ptr, b->s.ptr, n) : 0;

		return c ? (c > 0) - (c < 0)
			 : (a->s.len > b->s.len) - (a->s.len < b->s.len);
	}
	if (a->type == TTQ_DOUBLE || b->type == TTQ_DOUBLE) {
		double x = as_double(a), y = as_double(b);

		return (x > y) - (x < y);
	}
	if (a->type == TTQ_UINT || b->type == TTQ_UINT) {
		if (a->type != TTQ_UINT && a->i < 0)
			return -1;
		if (b->type != TTQ_UINT && b->i < 0)
			return 1;
		return (a->u > b->u) - (a->u < b->u);
	}
	return (a->i > b->i) - (a->i < b->i);
}

bool value__equal(const struct ttq_value *a, const struct ttq_value *b)
{
	if (a->type == TTQ_NULL || b->type == TTQ_NULL)
		return a->type == b->type;
	return value__cmp(a, b) == 0;
}

uint64_t value__hash(const struct ttq_value *v)
{
	uint64_t h = 0xcbf29ce484222325ULL;

	if (v->type == TTQ_NULL)
		return 0;
	if (v->type == TTQ_STRING) {
		for (uint32_t i = 0; i < v->s.len; i++)
			h = (h ^ (unsigned char)v->s.ptr[i]) * 0x100000001b3ULL;
		return h ^ (h >> 29);
	}
	h = (uint64_t)v->i * 0x9e3779b97f4a7c15ULL;
	return h ^ (h >> 31);
}

bool like__match(const char *s, size_t slen, const char *p, size_t plen)
{
	/* Greedy with one backtrack point: linear-ish, never exponential. */
	size_t si = 0, pi = 0, star = (size_t)-1, mark = 0;

	while (si < slen) {
		if (pi < plen && (p[pi] == '_' || p[pi] == s[si])) {
			si++;
			pi++;
		} else if (pi < plen && p[pi] == '%') {
			star = pi++;
			mark = si;
		} else if (star != (size_t)-1) {
			pi = star + 1;
			si = ++mark;
		} else {
			return false;
		}
	}
	while (pi < plen && p[pi] == '%')
		pi++;
	return pi == plen;
}

static void set_bool(struct ttq_value *out, bool b)
{
	out->type = TTQ_BOOL;
	out->i = b;
}

static void eval_cmp(enum op op, const struct ttq_value *a,
		     const struct ttq_value *b, struct ttq_value *out)
{
	if (a->type == TTQ_NULL || b->type == TTQ_NULL) {
		out->type = TTQ_NULL;
		return;
	}
	int c = value__cmp(a, b);
	switch (op) {
	case OP_EQ:
		set_bool(out, c == 0);
		break;
	case OP_NE:
		set_bool(out, c != 0);
		break;
	case OP_LT:
		set_bool(out, c < 0);
		break;
	case OP_LE:
		set_bool(out, c <= 0);
		break;
	case OP_GT:
		set_bool(out, c > 0);
		break;
	default:
		set_bool(out, c >= 0);
		break;
	}
}

static void eval_double(enum op op, double x, double y, struct ttq_value *out)
{
	out->type = TTQ_DOUBLE;
	switch (op) {
	case OP_ADD:
		out->d = x + y;
		break;
	case OP_SUB:
		out->d = x - y;
		break;
	case OP_MUL:
		out->d = x * y;
		break;
	default:
		if (y == 0) {
			out->type = TTQ_NULL;
			return;
		}
		out->d = op == OP_DIV ? x / y : fmod(x, y);
		break;
	}
}

/* 64-bit integer arithmetic, signed or not, wrapping instead of UB. */
static void eval_int(enum op op, enum ttq_type type, uint64_t x, uint64_t y,
		     struct ttq_value *out)
{
	out->type = type;
	switch (op) {
	case OP_ADD:
		out->u = x + y;
		return;
	case OP_SUB:
		out->u = x - y;
		return;
	case OP_MUL:
		out->u = x * y;
		return;
	default:
		break;
	}
	if (y == 0) {
		out->type = TTQ_NULL;
		return;
	}
	if (type == TTQ_UINT) {
		out->u = op == OP_DIV ? x / y : x % y;
		return;
	}
	if ((int64_t)y == -1) {
		out->u = op == OP_DIV ? 0 - x : 0;
		return;
	}
	out->i = op == OP_DIV ? (int64_t)x / (int64_t)y
			      : (int64_t)x % (int64_t)y;
}

static void eval_binary(const struct node *n, struct ectx *c,
			struct ttq_value *out)
{
	struct ttq_value a, b;

	expr__eval(n->args[0], c, &a);
	if (n->op == OP_AND || n->op == OP_OR) {
		bool is_and = n->op == OP_AND;

		if (a.type == TTQ_BOOL && a.i != is_and) {
			set_bool(out, !is_and);
			return;
		}
		expr__eval(n->args[1], c, &b);
		if (b.type == TTQ_BOOL && b.i != is_and)
			set_bool(out, !is_and);
		else if (a.type == TTQ_NULL || b.type == TTQ_NULL)
			out->type = TTQ_NULL;
		else
			set_bool(out, is_and);
		return;
	}
	expr__eval(n->args[1], c, &b);
	if (n->op >= OP_EQ && n->op <= OP_GE) {
		eval_cmp(n->op, &a, &b, out);
		return;
	}
	if (a.type == TTQ_NULL || b.type == TTQ_NULL || n->type == TTQ_NULL) {
		out->type = TTQ_NULL;
		return;
	}
	if (n->type == TTQ_DOUBLE)
		eval_double(n->op, as_double(&a), as_double(&b), out);
	else
		eval_int(n->op, n->type, a.u, b.u, out);
}

static void eval_unary(const struct node *n, struct ectx *c,
		       struct ttq_value *out)
{
	expr__eval(n->args[0], c, out);
	if (out->type == TTQ_NULL)
		return;
	if (n->op == OP_NOT) {
		out->i = !out->i;
	} else if (out->type == TTQ_DOUBLE) {
		out->d = -out->d;
	} else {
		out->u = 0 - out->u;
		if (out->type == TTQ_UINT)
			out->type = TTQ_INT;
	}
}

static void eval_in(const struct node *n, struct ectx *c, struct ttq_value *out)
{
	struct ttq_value a, b;
	bool saw_null = false;

	expr__eval(n->args[0], c, &a);
	if (a.type == TTQ_NULL) {
		out->type = TTQ_NULL;
		return;
	}
	for (int i = 1; i < n->nargs; i++) {
		expr__eval(n->args[i], c, &b);
		if (b.type == TTQ_NULL) {
			saw_null = true;
			continue;
		}
		if (value__cmp(&a, &b) == 0) {
			set_bool(out, !n->negated);
			return;
		}
	}
	if (saw_null)
		out->type = TTQ_NULL;
	else
		set_bool(out, n->negated);
}

static void eval_call(const struct node *n, struct ectx *c,
		      struct ttq_value *out)
{
	struct ttq_value args[4];

	for (int i = 0; i < n->nargs && i < 4; i++)
		expr__eval(n->args[i], c, &args[i]);
	n->fn->eval(n, c, args, out);
}

void expr__eval(const struct node *n, struct ectx *c, struct ttq_value *out)
{
	switch (n->kind) {
	case N_LIT:
		*out = n->lit;
		return;
	case N_COL:
		if (n->col == c->ocol) {
			*out = c->oval;
			return;
		}
		if (!c->chunk) {
			out->type = TTQ_NULL;
			return;
		}
		value__from_chunk(c->chunk, n->col,
				  c->q->schema->cols[n->col].type, c->row, out);
		return;
	case N_KEY:
		*out = c->keys[n->ref];
		return;
	case N_AGG:
		*out = c->aggs[n->ref];
		return;
	case N_UNARY:
		eval_unary(n, c, out);
		return;
	case N_BINARY:
		eval_binary(n, c, out);
		return;
	case N_CALL:
		eval_call(n, c, out);
		return;
	case N_IN:
		eval_in(n, c, out);
		return;
	case N_LIKE: {
		struct ttq_value s, p;

		expr__eval(n->args[0], c, &s);
		expr__eval(n->args[1], c, &p);
		if (s.type != TTQ_STRING || p.type != TTQ_STRING) {
			out->type = TTQ_NULL;
			return;
		}
		set_bool(out, like__match(s.s.ptr, s.s.len, p.s.ptr, p.s.len) !=
				      n->negated);
		return;
	}
	default:
		out->type = TTQ_NULL;
		return;
	}
}

/* Helpers for func.c: 64-bit ops on raw values. */
bool expr__is_numeric(enum ttq_type t)
{
	return is_numeric(t);
}
