/*
 * client/sql_parse.c - tokens to a statement AST, by recursive descent.
 *
 * Precedence, lowest first: OR, AND, NOT, comparison (= != < <= > >=,
 * [NOT] IN, [NOT] LIKE, [NOT] BETWEEN), + -, * / %, unary -, primary.
 * BETWEEN is rewritten to two comparisons here so later stages see only
 * comparisons (and the time-range extraction finds both bounds). Nesting is
 * capped so hostile input cannot exhaust the stack.
 */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "client/sql.h"

#define MAX_DEPTH 200

struct parser {
	const char *sql;
	struct token *t;
	size_t i, n;
	struct arena *a;
	struct ttq_error *err;
	int depth;
	int failed;
};

static const char *const keywords[] = {
	"select", "from", "where", "group", "by",    "having", "order",
	"limit",  "and",  "or",	   "not",   "in",    "like",   "between",
	"as",	  "asc",  "desc",  "true",  "false", "null",   NULL,
};

static bool is_keyword(const char *s)
{
	for (int i = 0; keywords[i]; i++)
		if (!strcasecmp(s, keywords[i]))
			return true;
	return false;
}

static struct token *peek(struct parser *p)
{
	return &p->t[p->i];
}

static bool at_kw(struct parser *p, const char *kw)
{
	struct token *t = peek(p);

	return t->kind == TK_IDENT && !strcasecmp(t->text, kw);
}

static bool at_op(struct parser *p, const char *op)
{
	struct token *t = peek(p);

	return t->kind == TK_OP && !strcmp(t->text, op);
}

static bool accept_kw(struct parser *p, const char *kw)
{
	if (!at_kw(p, kw))
		return false;
	p->i++;
	return true;
}

static bool accept_op(struct parser *p, const char *op)
{
	if (!at_op(p, op))
		return false;
	p->i++;
	return true;
}

static void *fail(struct parser *p, int pos, const char *what)
{
	struct token *t = peek(p);

	if (!p->failed) {
		if (t->kind == TK_EOF)
			ttq_error__set(p->err, pos,
				       "expected %s at end of query", what);
		else
			ttq_error__set(p->err, pos, "expected %s, found '%s'",
				       what, t->text);
	}
	p->failed = 1;
	return NULL;
}

static void *oom(struct parser *p)
{
	if (!p->failed)
		ttq_error__set(p->err, -1, "out of memory");
	p->failed = -ENOMEM;
	return NULL;
}

static bool expect_kw(struct parser *p, const char *kw)
{
	if (accept_kw(p, kw))
		return true;
	char what[32];
	snprintf(what, sizeof(what), "%s", kw);
	for (char *c = what; *c; c++)
		*c = (char)(*c - 32 * (*c >= 'a' && *c <= 'z'));
	fail(p, peek(p)->pos, what);
	return false;
}

static bool expect_op(struct parser *p, const char *op)
{
	if (accept_op(p, op))
		return true;
	char what[16];
	snprintf(what, sizeof(what), "'%s'", op);
	fail(p, peek(p)->pos, what);
	return false;
}

struct node *node__new(struct arena *a, enum node_kind kind, int pos, int end)
{
	struct node *n = arena__alloc(a, sizeof(*n));

	if (n) {
		n->kind = kind;
		n->pos = pos;
		n->end = end;
		n->col = -1;
	}
	return n;
}

static struct node *mk(struct parser *p, enum node_kind kind, int pos,
		       int nargs)
{
	struct node *n = node__new(p->a, kind, pos, pos);

	if (!n)
		return oom(p);
	if (nargs) {
		n->args = arena__alloc(p->a, nargs * sizeof(*n->args));
		if (!n->args)
			return oom(p);
		n->nargs = nargs;
	}
	return n;
}

static struct node *binary(struct parser *p, enum op op, int pos,
			   struct node *l, struct node *r)
{
	struct node *n = mk(p, N_BINARY, pos, 2);

	if (!n)
		return NULL;
	n->op = op;
	n->args[0] = l;
	n->args[1] = r;
	n->oppos = pos;
	n->pos = l->pos;
	n->end = r->end;
	return n;
}

static struct node *expr(struct parser *p);

/* Comma-separated expressions up to ')' (already inside the parens). */
static struct node **expr_list(struct parser *p, int *count)
{
	struct node **v = NULL;
	int n = 0, cap = 0;

	do {
		struct node *e = expr(p);

		if (!e)
			return NULL;
		if (n == cap) {
			cap = cap ? cap * 2 : 4;
			struct node **nv =
				arena__alloc(p->a, cap * sizeof(*nv));
			if (!nv)
				return oom(p);
			if (n)
				memcpy(nv, v, n * sizeof(*nv));
			v = nv;
		}
		v[n++] = e;
	} while (accept_op(p, ","));
	*count = n;
	return v;
}

static struct node *call(struct parser *p, struct token *name)
{
	struct node *n = mk(p, N_CALL, name->pos, 0);

	if (!n)
		return NULL;
	n->name = name->text;
	if (at_op(p, "*")) {
		struct node *star = mk(p, N_STAR, peek(p)->pos, 0);

		if (!star)
			return NULL;
		star->end = star->pos + 1;
		p->i++;
		n->args = arena__alloc(p->a, sizeof(*n->args));
		if (!n->args)
			return oom(p);
		n->args[0] = star;
		n->nargs = 1;
	} else if (!at_op(p, ")")) {
		n->args = expr_list(p, &n->nargs);
		if (!n->args)
			return NULL;
	}
	n->end = peek(p)->pos + 1;
	return expect_op(p, ")") ? n : NULL;
}

static struct node *literal(struct parser *p, struct token *t)
{
	struct node *n = mk(p, N_LIT, t->pos, 0);

	if (!n)
		return NULL;
	n->end = t->pos + t->len;
	switch (t->kind) {
	case TK_INT:
		n->lit.type = TTQ_INT;
		n->lit.i = t->ival;
		break;
	case TK_FLOAT:
		n->lit.type = TTQ_DOUBLE;
		n->lit.d = t->dval;
		break;
	case TK_DURATION:
		n->lit.type = TTQ_DURATION;
		n->lit.i = t->ival;
		break;
	default:
		n->lit.type = TTQ_STRING;
		n->lit.s.ptr = t->text;
		n->lit.s.len = (uint32_t)t->ival;
		break;
	}
	return n;
}

static struct node *primary(struct parser *p)
{
	struct token *t = peek(p);

	switch (t->kind) {
	case TK_INT:
	case TK_FLOAT:
	case TK_DURATION:
	case TK_STRING:
		p->i++;
		return literal(p, t);
	case TK_QIDENT:
	case TK_IDENT:
		if (t->kind == TK_IDENT && (!strcasecmp(t->text, "true") ||
					    !strcasecmp(t->text, "false") ||
					    !strcasecmp(t->text, "null"))) {
			struct node *n = mk(p, N_LIT, t->pos, 0);

			if (!n)
				return NULL;
			p->i++;
			n->end = t->pos + t->len;
			n->lit.type = tolower((unsigned char)t->text[0]) == 'n'
					      ? TTQ_NULL
					      : TTQ_BOOL;
			n->lit.i = tolower((unsigned char)t->text[0]) == 't';
			return n;
		}
		if (t->kind == TK_IDENT && is_keyword(t->text))
			return fail(p, t->pos, "an expression");
		p->i++;
		if (t->kind == TK_IDENT && accept_op(p, "("))
			return call(p, t);
		struct node *n = mk(p, N_COL, t->pos, 0);
		if (!n)
			return NULL;
		n->end = t->pos + t->len;
		n->name = t->text;
		return n;
	case TK_OP:
		if (accept_op(p, "(")) {
			struct node *e = expr(p);

			if (!e || !expect_op(p, ")"))
				return NULL;
			return e;
		}
		/* fallthrough */
	default:
		return fail(p, t->pos, "an expression");
	}
}

static struct node *unary(struct parser *p)
{
	struct token *t = peek(p);

	if (++p->depth > MAX_DEPTH) {
		ttq_error__set(p->err, t->pos, "expression nested too deeply");
		p->failed = 1;
		return NULL;
	}
	struct node *r;
	if (accept_op(p, "-")) {
		struct node *e = unary(p);

		r = e ? mk(p, N_UNARY, t->pos, 1) : NULL;
		if (r) {
			r->op = OP_NEG;
			r->args[0] = e;
			r->end = e->end;
		}
	} else {
		r = primary(p);
	}
	p->depth--;
	return r;
}

static struct node *term(struct parser *p)
{
	struct node *l = unary(p);

	while (l) {
		struct token *t = peek(p);
		enum op op = at_op(p, "*")   ? OP_MUL
			     : at_op(p, "/") ? OP_DIV
			     : at_op(p, "%") ? OP_MOD
					     : OP_NONE;
		if (op == OP_NONE)
			break;
		p->i++;
		struct node *r = unary(p);
		l = r ? binary(p, op, t->pos, l, r) : NULL;
	}
	return l;
}

static struct node *sum(struct parser *p)
{
	struct node *l = term(p);

	while (l) {
		struct token *t = peek(p);
		enum op op = at_op(p, "+")   ? OP_ADD
			     : at_op(p, "-") ? OP_SUB
					     : OP_NONE;
		if (op == OP_NONE)
			break;
		p->i++;
		struct node *r = term(p);
		l = r ? binary(p, op, t->pos, l, r) : NULL;
	}
	return l;
}

static enum op cmp_op(struct parser *p)
{
	static const struct {
		const char *s;
		enum op op;
	} ops[] = {
		{"=", OP_EQ}, {"==", OP_EQ}, {"!=", OP_NE}, {"<>", OP_NE},
		{"<", OP_LT}, {"<=", OP_LE}, {">", OP_GT},  {">=", OP_GE},
	};
	for (size_t i = 0; i < sizeof(ops) / sizeof(ops[0]); i++)
		if (at_op(p, ops[i].s))
			return ops[i].op;
	return OP_NONE;
}

static struct node *negate(struct parser *p, struct node *e)
{
	struct node *n = mk(p, N_UNARY, e->pos, 1);

	if (!n)
		return NULL;
	n->op = OP_NOT;
	n->args[0] = e;
	n->end = e->end;
	return n;
}

/* After `lhs [NOT]`: IN (...), LIKE pat, BETWEEN lo AND hi. */
static struct node *predicate(struct parser *p, struct node *l, bool neg)
{
	struct token *t = peek(p);

	if (accept_kw(p, "in")) {
		int n;
		struct node **list;

		if (!expect_op(p, "("))
			return NULL;
		list = expr_list(p, &n);
		if (!list)
			return NULL;
		struct node *in = mk(p, N_IN, t->pos, n + 1);
		if (!in)
			return NULL;
		in->args[0] = l;
		memcpy(in->args + 1, list, n * sizeof(*list));
		in->negated = neg;
		in->pos = l->pos;
		in->end = peek(p)->pos + 1;
		return expect_op(p, ")") ? in : NULL;
	}
	if (accept_kw(p, "like")) {
		struct node *r = sum(p);
		struct node *lk = r ? mk(p, N_LIKE, t->pos, 2) : NULL;

		if (!lk)
			return NULL;
		lk->args[0] = l;
		lk->args[1] = r;
		lk->negated = neg;
		lk->pos = l->pos;
		lk->end = r->end;
		return lk;
	}
	if (accept_kw(p, "between")) {
		struct node *lo = sum(p), *hi;

		if (!lo || !expect_kw(p, "and") || !(hi = sum(p)))
			return NULL;
		struct node *a = binary(p, OP_GE, t->pos, l, lo);
		struct node *b = a ? binary(p, OP_LE, t->pos, l, hi) : NULL;
		struct node *both = b ? binary(p, OP_AND, t->pos, a, b) : NULL;
		return both && neg ? negate(p, both) : both;
	}
	return fail(p, t->pos, "IN, LIKE or BETWEEN");
}

static struct node *comparison(struct parser *p)
{
	struct node *l = sum(p);

	if (!l)
		return NULL;
	struct token *t = peek(p);
	enum op op = cmp_op(p);
	if (op != OP_NONE) {
		p->i++;
		struct node *r = sum(p);
		return r ? binary(p, op, t->pos, l, r) : NULL;
	}
	if (at_kw(p, "not") && p->t[p->i + 1].kind == TK_IDENT) {
		const char *w = p->t[p->i + 1].text;

		if (!strcasecmp(w, "in") || !strcasecmp(w, "like") ||
		    !strcasecmp(w, "between")) {
			p->i++;
			return predicate(p, l, true);
		}
	}
	if (at_kw(p, "in") || at_kw(p, "like") || at_kw(p, "between"))
		return predicate(p, l, false);
	return l;
}

static struct node *not_expr(struct parser *p)
{
	struct token *t = peek(p);

	if (accept_kw(p, "not")) {
		if (++p->depth > MAX_DEPTH) {
			ttq_error__set(p->err, t->pos,
				       "expression nested too deeply");
			p->failed = 1;
			return NULL;
		}
		struct node *e = not_expr(p);
		p->depth--;
		struct node *n = e ? negate(p, e) : NULL;
		if (n)
			n->pos = t->pos;
		return n;
	}
	return comparison(p);
}

static struct node *and_expr(struct parser *p)
{
	struct node *l = not_expr(p);

	while (l && at_kw(p, "and")) {
		int pos = peek(p)->pos;
		p->i++;
		struct node *r = not_expr(p);
		l = r ? binary(p, OP_AND, pos, l, r) : NULL;
	}
	return l;
}

static struct node *expr(struct parser *p)
{
	if (++p->depth > MAX_DEPTH) {
		ttq_error__set(p->err, peek(p)->pos,
			       "expression nested too deeply");
		p->failed = 1;
		return NULL;
	}
	struct node *l = and_expr(p);

	while (l && at_kw(p, "or")) {
		int pos = peek(p)->pos;
		p->i++;
		struct node *r = and_expr(p);
		l = r ? binary(p, OP_OR, pos, l, r) : NULL;
	}
	p->depth--;
	return l;
}

static const char *alias(struct parser *p)
{
	struct token *t;

	if (accept_kw(p, "as")) {
		t = peek(p);
		if ((t->kind != TK_IDENT || is_keyword(t->text)) &&
		    t->kind != TK_QIDENT)
			return fail(p, t->pos, "a name after AS");
		p->i++;
		return t->text;
	}
	t = peek(p);
	if (t->kind == TK_QIDENT ||
	    (t->kind == TK_IDENT && !is_keyword(t->text))) {
		p->i++;
		return t->text;
	}
	return "";
}

static int select_list(struct parser *p, struct stmt *st)
{
	int cap = 0;

	if (at_kw(p, "distinct")) {
		ttq_error__set(p->err, peek(p)->pos,
			       "DISTINCT is not supported; GROUP BY the "
			       "columns instead");
		p->failed = 1;
		return -1;
	}
	if (at_op(p, "*")) {
		st->star = true;
		st->star_pos = peek(p)->pos;
		p->i++;
		return 0;
	}
	do {
		struct node *e = expr(p);
		const char *as;

		if (!e || !(as = alias(p)))
			return -1;
		if (st->nitems == cap) {
			cap = cap ? cap * 2 : 8;
			struct select_item *v =
				arena__alloc(p->a, cap * sizeof(*v));
			if (!v)
				return oom(p), -1;
			if (st->nitems)
				memcpy(v, st->items, st->nitems * sizeof(*v));
			st->items = v;
		}
		st->items[st->nitems].expr = e;
		st->items[st->nitems++].alias = *as ? as : NULL;
	} while (accept_op(p, ","));
	return 0;
}

static int order_list(struct parser *p, struct stmt *st)
{
	int cap = 0;

	do {
		struct node *e = expr(p);

		if (!e)
			return -1;
		if (st->norder == cap) {
			cap = cap ? cap * 2 : 4;
			struct order_item *v =
				arena__alloc(p->a, cap * sizeof(*v));
			if (!v)
				return oom(p), -1;
			if (st->norder)
				memcpy(v, st->order, st->norder * sizeof(*v));
			st->order = v;
		}
		st->order[st->norder].expr = e;
		st->order[st->norder].desc = accept_kw(p, "desc");
		if (!st->order[st->norder].desc)
			accept_kw(p, "asc");
		st->norder++;
	} while (accept_op(p, ","));
	return 0;
}

static int statement(struct parser *p, struct stmt *st)
{
	if (!expect_kw(p, "select") || select_list(p, st) ||
	    !expect_kw(p, "from"))
		return -1;
	struct token *t = peek(p);
	if ((t->kind != TK_IDENT || is_keyword(t->text)) &&
	    t->kind != TK_QIDENT)
		return fail(p, t->pos, "a table name"), -1;
	st->table = t->text;
	st->table_pos = t->pos;
	p->i++;
	if (accept_kw(p, "where") && !(st->where = expr(p)))
		return -1;
	if (accept_kw(p, "group")) {
		if (!expect_kw(p, "by") ||
		    !(st->group = expr_list(p, &st->ngroup)))
			return -1;
	}
	if (accept_kw(p, "having") && !(st->having = expr(p)))
		return -1;
	if (accept_kw(p, "order")) {
		if (!expect_kw(p, "by") || order_list(p, st))
			return -1;
	}
	if (accept_kw(p, "limit")) {
		t = peek(p);
		if (t->kind != TK_INT)
			return fail(p, t->pos, "a row count after LIMIT"), -1;
		st->limit = t->ival;
		p->i++;
	}
	accept_op(p, ";");
	t = peek(p);
	if (t->kind != TK_EOF)
		return fail(p, t->pos, "end of query"), -1;
	return 0;
}

int sql__parse(const char *sql, struct arena *a, struct stmt *st,
	       struct ttq_error *err)
{
	struct parser p = {.sql = sql, .a = a, .err = err};
	int ret = sql__lex(sql, a, &p.t, &p.n, err);

	if (ret)
		return ret;
	memset(st, 0, sizeof(*st));
	st->limit = -1;
	if (statement(&p, st))
		return p.failed == -ENOMEM ? -ENOMEM : -EINVAL;
	return 0;
}
