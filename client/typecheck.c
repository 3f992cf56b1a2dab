/*
 * client/typecheck.c - types of expressions, bottom-up.
 *
 * Every node gets its value type; operators and functions accept only the
 * combinations that mean something (time - time is a duration, time +
 * duration a time, comparisons need comparable sides, conditions need
 * booleans), and anything else is a type error pointing at the operator or
 * the offending argument. A string literal compared with a time column is
 * read as an ISO 8601 time. Aggregates are accepted only where the caller
 * allows them (not in WHERE or GROUP BY, not nested).
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "client/sql.h"

static bool is_num(enum ttq_type t)
{
	return t == TTQ_INT || t == TTQ_UINT || t == TTQ_DOUBLE;
}

/* ---- Type checking --------------------------------------------------------
 */

static int type_err(struct ttq_error *err, int pos, const char *what,
		    enum ttq_type a, enum ttq_type b)
{
	ttq_error__set(err, pos, "type error: cannot %s %s and %s", what,
		       ttq_type__name(a), ttq_type__name(b));
	return -EINVAL;
}

static int arith_type(struct node *n, struct ttq_error *err)
{
	enum ttq_type a = n->args[0]->type, b = n->args[1]->type;
	enum op op = n->op;

	if (a == TTQ_NULL || b == TTQ_NULL) {
		n->type = TTQ_NULL;
		return 0;
	}
	if (is_num(a) && is_num(b)) {
		n->type = a == TTQ_DOUBLE || b == TTQ_DOUBLE ? TTQ_DOUBLE
			  : a == TTQ_UINT && b == TTQ_UINT   ? TTQ_UINT
							     : TTQ_INT;
		return 0;
	}
	if (a == TTQ_TIME && b == TTQ_TIME && op == OP_SUB)
		n->type = TTQ_DURATION;
	else if (a == TTQ_TIME && b == TTQ_DURATION &&
		 (op == OP_ADD || op == OP_SUB))
		n->type = TTQ_TIME;
	else if (a == TTQ_DURATION && b == TTQ_TIME && op == OP_ADD)
		n->type = TTQ_TIME;
	else if (a == TTQ_DURATION && b == TTQ_DURATION &&
		 (op == OP_ADD || op == OP_SUB || op == OP_MOD))
		n->type = TTQ_DURATION;
	else if (a == TTQ_DURATION && b == TTQ_DURATION && op == OP_DIV)
		n->type = TTQ_INT;
	else if (a == TTQ_DURATION && (b == TTQ_INT || b == TTQ_UINT) &&
		 (op == OP_MUL || op == OP_DIV))
		n->type = TTQ_DURATION;
	else if ((a == TTQ_INT || a == TTQ_UINT) && b == TTQ_DURATION &&
		 op == OP_MUL)
		n->type = TTQ_DURATION;
	else
		return type_err(err, n->oppos,
				op == OP_ADD   ? "add"
				: op == OP_SUB ? "subtract"
				: op == OP_MUL ? "multiply"
					       : "divide",
				a, b);
	return 0;
}

static bool comparable(enum ttq_type a, enum ttq_type b)
{
	return a == TTQ_NULL || b == TTQ_NULL || (is_num(a) && is_num(b)) ||
	       a == b;
}

/* Time literals: '2026-11-25T01:02:03Z' compared with a time column. */
static void coerce_time_literal(struct node *col, struct node *lit);

static int check_call(struct ttq_query *q, struct node *n, bool agg_ok,
		      struct ttq_error *err);

int plan__check(struct ttq_query *q, struct node *n, bool agg_ok,
		struct ttq_error *err)
{
	int ret;

	if (n->kind == N_CALL)
		return check_call(q, n, agg_ok, err);
	for (int i = 0; i < n->nargs; i++)
		if ((ret = plan__check(q, n->args[i], agg_ok, err)))
			return ret;
	switch (n->kind) {
	case N_LIT:
		n->type = n->lit.type;
		return 0;
	case N_COL:
	case N_STAR:
	case N_AGG:
	case N_KEY:
	case N_CALL:
		return 0;
	case N_UNARY:
		n->type = n->args[0]->type;
		if (n->op == OP_NOT && n->type != TTQ_BOOL &&
		    n->type != TTQ_NULL) {
			ttq_error__set(
				err, n->pos,
				"type error: NOT needs a condition, not %s",
				ttq_type__name(n->type));
			return -EINVAL;
		}
		if (n->op == OP_NEG && !is_num(n->type) &&
		    n->type != TTQ_DURATION && n->type != TTQ_NULL) {
			ttq_error__set(err, n->pos,
				       "type error: cannot negate %s",
				       ttq_type__name(n->type));
			return -EINVAL;
		}
		if (n->op == OP_NEG && n->type == TTQ_UINT)
			n->type = TTQ_INT;
		return 0;
	case N_LIKE:
		n->type = TTQ_BOOL;
		for (int i = 0; i < 2; i++) {
			if (n->args[i]->type != TTQ_STRING) {
				ttq_error__set(
					err, n->args[i]->pos,
					"type error: LIKE needs strings, not "
					"%s",
					ttq_type__name(n->args[i]->type));
				return -EINVAL;
			}
		}
		return 0;
	case N_IN:
		n->type = TTQ_BOOL;
		for (int i = 1; i < n->nargs; i++) {
			coerce_time_literal(n->args[0], n->args[i]);
			if (!comparable(n->args[0]->type, n->args[i]->type))
				return type_err(err, n->args[i]->pos, "compare",
						n->args[0]->type,
						n->args[i]->type);
		}
		return 0;
	case N_BINARY:
		break;
	}
	enum ttq_type a = n->args[0]->type, b = n->args[1]->type;
	switch (n->op) {
	case OP_AND:
	case OP_OR:
		n->type = TTQ_BOOL;
		for (int i = 0; i < 2; i++) {
			enum ttq_type t = n->args[i]->type;

			if (t != TTQ_BOOL && t != TTQ_NULL) {
				ttq_error__set(err, n->args[i]->pos,
					       "type error: %s needs "
					       "conditions, not %s",
					       n->op == OP_AND ? "AND" : "OR",
					       ttq_type__name(t));
				return -EINVAL;
			}
		}
		return 0;
	case OP_EQ:
	case OP_NE:
	case OP_LT:
	case OP_LE:
	case OP_GT:
	case OP_GE:
		coerce_time_literal(n->args[0], n->args[1]);
		coerce_time_literal(n->args[1], n->args[0]);
		a = n->args[0]->type;
		b = n->args[1]->type;
		n->type = TTQ_BOOL;
		if (!comparable(a, b))
			return type_err(err, n->oppos, "compare", a, b);
		return 0;
	default:
		return arith_type(n, err);
	}
}

static void coerce_time_literal(struct node *col, struct node *lit)
{
	struct tm tm = {0};
	char buf[64];
	const char *end;
	int ms = 0;

	if (col->type != TTQ_TIME || lit->kind != N_LIT ||
	    lit->lit.type != TTQ_STRING || lit->lit.s.len >= sizeof(buf))
		return;
	memcpy(buf, lit->lit.s.ptr, lit->lit.s.len);
	buf[lit->lit.s.len] = 0;
	end = strptime(buf, "%Y-%m-%dT%H:%M:%S", &tm);
	if (!end)
		end = strptime(buf, "%Y-%m-%d %H:%M:%S", &tm);
	if (!end)
		return;
	if (*end == '.') {
		int digits = 0;

		for (end++; *end >= '0' && *end <= '9'; end++)
			if (digits++ < 3)
				ms = ms * 10 + (*end - '0');
		for (; digits < 3; digits++)
			ms *= 10;
	}
	if (*end == 'Z')
		end++;
	if (*end)
		return;
	int64_t ns;
	/* Out of the int64 nanosecond range: stays a string (type error). */
	if (__builtin_mul_overflow((int64_t)timegm(&tm), 1000000000LL, &ns) ||
	    __builtin_add_overflow(ns, (int64_t)ms * 1000000, &ns))
		return;
	lit->lit.type = lit->type = TTQ_TIME;
	lit->lit.i = ns;
}

static const struct func *find_func(struct node *n, struct ttq_error *err)
{
	const struct func *f = func__find(n->name);

	if (!f) {
		const char *c = func__closest(n->name);

		ttq_error__set(err, n->pos, "unknown function '%s'", n->name);
		if (c)
			snprintf(err->suggestion, sizeof(err->suggestion), "%s",
				 c);
		return NULL;
	}
	if (n->nargs < f->min_args || n->nargs > f->max_args) {
		if (f->min_args == f->max_args)
			ttq_error__set(err, n->pos,
				       "%s() takes %d argument%s, not %d",
				       f->name, f->min_args,
				       f->min_args == 1 ? "" : "s", n->nargs);
		else
			ttq_error__set(err, n->pos,
				       "%s() takes %d to %d arguments, not %d",
				       f->name, f->min_args, f->max_args,
				       n->nargs);
		return NULL;
	}
	return f;
}

static int agg_type(struct node *n, struct ttq_error *err)
{
	const struct func *f = n->fn;
	enum ttq_type t = n->args[0]->type;

	if (f->agg == AGG_COUNT_STAR || f->agg == AGG_COUNT) {
		n->type = TTQ_INT;
		return 0;
	}
	if (f->agg == AGG_MIN || f->agg == AGG_MAX) {
		n->type = t;
		return 0;
	}
	bool ok = is_num(t) || t == TTQ_DURATION ||
		  (t == TTQ_TIME && f->agg != AGG_SUM);
	if (!ok) {
		ttq_error__set(err, n->args[0]->pos,
			       "type error: %s() needs a number, time or "
			       "duration, not %s",
			       f->name, ttq_type__name(t));
		return -EINVAL;
	}
	n->type = f->agg == AGG_AVG && is_num(t) ? TTQ_DOUBLE : t;
	return 0;
}

static int check_call(struct ttq_query *q, struct node *n, bool agg_ok,
		      struct ttq_error *err)
{
	const struct func *f = find_func(n, err);
	int ret;

	if (!f)
		return -ENOENT;
	n->fn = f;
	if (f->agg && !agg_ok) {
		ttq_error__set(err, n->pos,
			       "aggregate %s() is not allowed here (only in "
			       "SELECT, HAVING and ORDER BY)",
			       f->name);
		return -EINVAL;
	}
	bool star = n->nargs == 1 && n->args[0]->kind == N_STAR;
	if (star && strcasecmp(f->name, "count")) {
		ttq_error__set(err, n->args[0]->pos, "only count() takes *");
		return -EINVAL;
	}
	if (star) {
		n->fn = func__find("count(*)");
		n->type = TTQ_INT;
		q->is_agg = true;
		return 0;
	}
	for (int i = 0; i < n->nargs; i++)
		if ((ret = plan__check(q, n->args[i], !f->agg && agg_ok, err)))
			return ret;
	if (f->agg) {
		q->is_agg = true;
		return agg_type(n, err);
	}
	return f->check(n, err);
}
