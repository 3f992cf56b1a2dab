/*
 * bpf/parser_expr.c - type names and expressions (see parser_internal.h).
 *
 * Precedence climbing over C's binary operator table (bpftrace's), with
 * unary, cast and postfix operators above it and the right-associative
 * ternary below it. A '(' starts a cast when a type follows (type words,
 * struct/union/enum, or NAME '*'... ')'), a tuple when a ',' follows the
 * first expression, and a parenthesised expression otherwise.
 *
 * Every node records its height; add_child() refuses trees taller than
 * BT_AST_MAX_DEPTH (minus the block nesting around them) so that left-deep
 * chains like 1+1+...+1, built by a loop, stay safe for recursive passes.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bpf/parser_internal.h"

static bool push_expr(struct bt_parser *p, struct bt_expr ***arr, size_t *n,
		      size_t *cap, struct bt_expr *e)
{
	struct bt_expr **slot = grow(p, arr, n, cap, sizeof(*slot));

	if (slot)
		*slot = e;
	return slot != NULL;
}

static struct bt_expr *new_expr(struct bt_parser *p, enum bt_expr_kind kind,
				int line, int col)
{
	struct bt_expr *e = alloc(p, sizeof(*e));

	if (!e)
		return NULL;
	e->kind = kind;
	e->line = line;
	e->col = col;
	e->height = 1;
	return e;
}

/* Accounts for child c in e's height; false (with an error) when too tall. */
static bool add_child(struct bt_parser *p, struct bt_expr *e,
		      const struct bt_expr *c)
{
	if (c && c->height + 1 > e->height)
		e->height = c->height + 1;
	if (e->height + p->sdepth > BT_AST_MAX_DEPTH) {
		if (!p->stop)
			bt_parser__error(
				p, e->line, e->col,
				"expression nested too deeply (limit %d)",
				BT_AST_MAX_DEPTH);
		p->stop = true;
		return false;
	}
	return true;
}

/* ---- types ------------------------------------------------------------- */

static const struct {
	const char *name;
	unsigned bits;
	bool is_signed;
} int_types[] = {
	{"int8", 8, true},     {"int16", 16, true},   {"int32", 32, true},
	{"int64", 64, true},   {"uint8", 8, false},   {"uint16", 16, false},
	{"uint32", 32, false}, {"uint64", 64, false},
};

/* C base-type words, combined as in "unsigned long long int". */
static bool is_c_word(const char *s)
{
	static const char *const words[] = {"char", "short",  "int",
					    "long", "signed", "unsigned"};
	size_t i;

	for (i = 0; i < sizeof(words) / sizeof(words[0]); i++)
		if (strcmp(s, words[i]) == 0)
			return true;
	return false;
}

static bool is_type_word(const char *s)
{
	size_t i;

	for (i = 0; i < sizeof(int_types) / sizeof(int_types[0]); i++)
		if (strcmp(s, int_types[i].name) == 0)
			return true;
	return is_c_word(s) || strcmp(s, "bool") == 0 ||
	       strcmp(s, "string") == 0 || strcmp(s, "void") == 0;
}

static bool starts_type(const struct bt_token *t)
{
	return t->kind == BT_TOK_STRUCT || t->kind == BT_TOK_UNION ||
	       t->kind == BT_TOK_ENUM ||
	       (t->kind == BT_TOK_IDENT && is_type_word(t->str));
}

/* Collects C words ("unsigned long") into an INT type. */
static bool parse_c_int(struct bt_parser *p, struct bt_type_name *t)
{
	int longs = 0, shorts = 0, chars = 0, sign = 0;
	static char names[2][4][8] = {
		{"uint8", "uint16", "uint32", "uint64"},
		{"int8", "int16", "int32", "int64"},
	};
	int size;

	while (at(p, BT_TOK_IDENT) && is_c_word(peek(p)->str)) {
		struct bt_token w = next(p);

		if (!strcmp(w.str, "long"))
			longs++;
		else if (!strcmp(w.str, "short"))
			shorts++;
		else if (!strcmp(w.str, "char"))
			chars++;
		else if (!strcmp(w.str, "unsigned") || !strcmp(w.str, "signed"))
			sign = w.str[0] == 'u' ? 1 : 2;
	}
	if (longs > 2 || (longs && (shorts || chars)) || shorts > 1 ||
	    chars > 1 || (shorts && chars)) {
		bt_parser__error(p, t->line, t->col, "invalid C type");
		return false;
	}
	size = chars ? 0 : shorts ? 1 : longs ? 3 : 2;
	t->kind = BT_TYPE_INT;
	t->bits = 8u << size;
	t->is_signed = sign != 1;
	t->name = names[t->is_signed][size];
	return true;
}

/* type := (struct|union|enum) NAME | int-name | C words | NAME; then '*'s */
struct bt_type_name *bt_parser__type(struct bt_parser *p)
{
	struct bt_token *t = peek(p);
	struct bt_type_name *ty = alloc(p, sizeof(*ty));
	size_t i;

	if (!ty)
		return NULL;
	ty->line = t->line;
	ty->col = t->col;
	if (t->kind == BT_TOK_STRUCT || t->kind == BT_TOK_UNION ||
	    t->kind == BT_TOK_ENUM) {
		enum bt_tok_kind k = next(p).kind;

		ty->kind = k == BT_TOK_STRUCT  ? BT_TYPE_STRUCT
			   : k == BT_TOK_UNION ? BT_TYPE_UNION
					       : BT_TYPE_ENUM;
		if (!at(p, BT_TOK_IDENT)) {
			expected(p, peek(p), "a type name");
			return NULL;
		}
		ty->name = next(p).str;
	} else if (t->kind == BT_TOK_IDENT && is_c_word(t->str)) {
		if (!parse_c_int(p, ty))
			return NULL;
	} else if (t->kind == BT_TOK_IDENT) {
		ty->name = next(p).str;
		ty->kind = BT_TYPE_NAMED;
		for (i = 0; i < sizeof(int_types) / sizeof(int_types[0]); i++)
			if (!strcmp(ty->name, int_types[i].name)) {
				ty->kind = BT_TYPE_INT;
				ty->bits = int_types[i].bits;
				ty->is_signed = int_types[i].is_signed;
			}
		if (!strcmp(ty->name, "bool"))
			ty->kind = BT_TYPE_BOOL;
		else if (!strcmp(ty->name, "string"))
			ty->kind = BT_TYPE_STRING;
		else if (!strcmp(ty->name, "void"))
			ty->kind = BT_TYPE_VOID;
	} else {
		expected(p, t, "a type");
		return NULL;
	}
	while (accept(p, BT_TOK_STAR))
		ty->ptr_depth++;
	return ty;
}

/* Optional "[N]" after a type or declarator. */
bool bt_parser__array_suffix(struct bt_parser *p, struct bt_type_name *ty)
{
	if (!accept(p, BT_TOK_LBRACKET))
		return true;
	if (!at(p, BT_TOK_INT)) {
		expected(p, peek(p), "an array length");
		return false;
	}
	ty->is_array = true;
	ty->array_len = next(p).ival;
	if (!expect(p, BT_TOK_RBRACKET, "']'"))
		return false;
	if (at(p, BT_TOK_LBRACKET)) {
		bt_parser__error(p, peek(p)->line, peek(p)->col,
				 "multi-dimensional arrays are not supported");
		return false;
	}
	return true;
}

/*
 * After '(' (at la[0]): is this a cast or sizeof type? True for type
 * keywords and words, and for `NAME *...* )` (a typedef pointer), which
 * needs unbounded look-ahead: scan a quiet copy of the lexer.
 */
static bool looks_like_type(struct bt_parser *p)
{
	struct bt_lexer l2;
	struct bt_token t;
	int i = 2;

	if (starts_type(peek_n(p, 1)))
		return true;
	if (peek_n(p, 1)->kind != BT_TOK_IDENT ||
	    peek_n(p, 2)->kind != BT_TOK_STAR)
		return false;
	l2 = p->lx;
	l2.quiet = true;
	for (;;) {
		if (i < p->nla)
			t = p->la[i++];
		else if (bt_lexer__next(&l2, &t) < 0)
			return false;
		if (t.kind != BT_TOK_STAR)
			return t.kind == BT_TOK_RPAREN;
	}
}

/* ---- expressions ------------------------------------------------------- */

static struct bt_expr *parse_unary(struct bt_parser *p);

/* Parses "a, b, c" up to the closing token into an arena array. */
static bool parse_list(struct bt_parser *p, enum bt_tok_kind close,
		       const char *what, struct bt_expr *parent,
		       struct bt_expr ***out, size_t *n)
{
	size_t cap = 0;
	bool pred = p->in_pred;

	*n = 0;
	*out = NULL;
	p->in_pred = false;
	if (!at(p, close)) {
		do {
			struct bt_expr *e = bt_parser__expr(p);

			if (!e || !push_expr(p, out, n, &cap, e) ||
			    !add_child(p, parent, e)) {
				p->in_pred = pred;
				return false;
			}
		} while (accept(p, BT_TOK_COMMA));
	}
	p->in_pred = pred;
	return expect(p, close, what);
}

static struct bt_expr *make_incdec(struct bt_parser *p,
				   const struct bt_token *op,
				   struct bt_expr *target, bool prefix)
{
	struct bt_expr *e;
	int line = prefix ? op->line : target->line;
	int col = prefix ? op->col : target->col;

	if (!bt_parser__is_lvalue(target)) {
		bt_parser__error(p, op->line, op->col,
				 "%s needs a $variable or @map operand",
				 bt_tok_kind__str(op->kind));
		return NULL;
	}
	e = new_expr(p, BT_EXPR_INCDEC, line, col);
	if (!e || !add_child(p, e, target))
		return NULL;
	e->incdec.target = target;
	e->incdec.increment = op->kind == BT_TOK_INC;
	e->incdec.prefix = prefix;
	return e;
}

/* ( expr ) or ( a, b, ... ) */
static struct bt_expr *parse_paren(struct bt_parser *p)
{
	struct bt_token open = next(p);
	struct bt_expr *first, *t;
	bool pred = p->in_pred;

	p->in_pred = false;
	first = bt_parser__expr(p);
	p->in_pred = pred;
	if (!first)
		return NULL;
	if (accept(p, BT_TOK_RPAREN))
		return first;
	if (!at(p, BT_TOK_COMMA)) {
		expected(p, peek(p), "')'");
		return NULL;
	}
	next(p);
	t = new_expr(p, BT_EXPR_TUPLE, open.line, open.col);
	if (!t || !add_child(p, t, first))
		return NULL;
	if (!parse_list(p, BT_TOK_RPAREN, "')' to end the tuple", t,
			&t->tuple.elems, &t->tuple.n))
		return NULL;
	{
		/* Put first in front of the rest. */
		struct bt_expr **all =
			alloc(p, (t->tuple.n + 1) * sizeof(*all));

		if (!all)
			return NULL;
		all[0] = first;
		if (t->tuple.n)
			memcpy(all + 1, t->tuple.elems,
			       t->tuple.n * sizeof(*all));
		t->tuple.elems = all;
		t->tuple.n++;
	}
	if (t->tuple.n < 2) {
		bt_parser__error(p, open.line, open.col,
				 "a tuple needs two or more elements");
		return NULL;
	}
	return t;
}

/* sizeof(type) or sizeof(expr) */
static struct bt_expr *parse_sizeof(struct bt_parser *p)
{
	struct bt_token kw = next(p);
	struct bt_expr *e = new_expr(p, BT_EXPR_SIZEOF, kw.line, kw.col);

	if (!e || !at(p, BT_TOK_LPAREN)) {
		if (e)
			expected(p, peek(p), "'(' after sizeof");
		return NULL;
	}
	if (looks_like_type(p)) {
		next(p);
		e->size_of.type = bt_parser__type(p);
		if (!e->size_of.type ||
		    !bt_parser__array_suffix(p, e->size_of.type))
			return NULL;
		if (!expect(p, BT_TOK_RPAREN, "')'"))
			return NULL;
	} else {
		e->size_of.expr = parse_paren(p);
		if (!e->size_of.expr || !add_child(p, e, e->size_of.expr))
			return NULL;
	}
	return e;
}

/*
 * An identifier: a #define with an expression value expands to a copy of
 * it at the use site, as the C preprocessor bpftrace runs would do.
 */
static struct bt_expr *make_ident(struct bt_parser *p, const struct bt_token *t)
{
	const struct bt_define *d = bt_parser__find_define(p, t->str);
	struct bt_expr *e;

	if (d)
		return bt_parser__expand_define(p, d, t->line, t->col);
	e = new_expr(p, BT_EXPR_IDENT, t->line, t->col);
	if (e)
		e->ident.name = t->str;
	return e;
}

struct bt_expr *bt_parser__ident(struct bt_parser *p)
{
	struct bt_token t = next(p);
	struct bt_expr *e;

	if (!at(p, BT_TOK_LPAREN))
		return make_ident(p, &t);
	if (!strcmp(t.str, "offsetof")) {
		bt_parser__error(p, t.line, t.col,
				 "offsetof() is not supported");
		return NULL;
	}
	next(p);
	e = new_expr(p, BT_EXPR_CALL, t.line, t.col);
	if (!e)
		return NULL;
	e->call.name = t.str;
	if (!parse_list(p, BT_TOK_RPAREN, "',' or ')' in the argument list", e,
			&e->call.args, &e->call.nargs))
		return NULL;
	return e;
}

static struct bt_expr *parse_map(struct bt_parser *p)
{
	struct bt_token t = next(p);
	struct bt_expr *e = new_expr(p, BT_EXPR_MAP, t.line, t.col);

	if (!e)
		return NULL;
	e->map.name = t.str;
	if (!accept(p, BT_TOK_LBRACKET))
		return e;
	if (at(p, BT_TOK_RBRACKET)) {
		bt_parser__error(p, peek(p)->line, peek(p)->col,
				 "a map key is missing");
		return NULL;
	}
	if (!parse_list(p, BT_TOK_RBRACKET, "',' or ']' after the map key", e,
			&e->map.keys, &e->map.nkeys))
		return NULL;
	return e;
}

static struct bt_expr *parse_primary(struct bt_parser *p)
{
	struct bt_token *t = peek(p);
	struct bt_expr *e;

	switch (t->kind) {
	case BT_TOK_INT:
	case BT_TOK_STR:
	case BT_TOK_VAR:
	case BT_TOK_POSITIONAL:
	case BT_TOK_NARGS:
		break;
	case BT_TOK_IDENT:
		return bt_parser__ident(p);
	case BT_TOK_MAP:
		return parse_map(p);
	case BT_TOK_LPAREN:
		return parse_paren(p);
	case BT_TOK_SIZEOF:
		return parse_sizeof(p);
	default:
		expected(p, t, "an expression");
		return NULL;
	}
	e = new_expr(p, BT_EXPR_INT, t->line, t->col);
	if (!e)
		return NULL;
	switch (t->kind) {
	case BT_TOK_INT:
		e->integer.value = t->ival;
		break;
	case BT_TOK_STR:
		e->kind = BT_EXPR_STR;
		e->str.data = t->str;
		e->str.len = t->slen;
		/* A STR token is always terminated: both quotes are there. */
		e->str.raw_len = t->len - 2;
		e->str.raw = bt_arena__strndup(p->arena, p->lx.src + t->off + 1,
					       e->str.raw_len);
		if (!e->str.raw) {
			p->nomem = p->stop = true;
			return NULL;
		}
		break;
	case BT_TOK_VAR:
		e->kind = BT_EXPR_VAR;
		e->var.name = t->str;
		break;
	case BT_TOK_POSITIONAL:
		e->kind = BT_EXPR_POSITIONAL;
		e->positional.index = (unsigned)t->ival;
		break;
	default:
		e->kind = BT_EXPR_NARGS;
		break;
	}
	next(p);
	return e;
}

/* x.f  x->f  x.0  x[i]  x++  x-- */
static struct bt_expr *parse_postfix(struct bt_parser *p)
{
	struct bt_expr *e = parse_primary(p), *n;

	while (e) {
		struct bt_token op = *peek(p);

		if (op.kind == BT_TOK_INC || op.kind == BT_TOK_DEC) {
			next(p);
			e = make_incdec(p, &op, e, false);
			continue;
		}
		if (op.kind != BT_TOK_DOT && op.kind != BT_TOK_ARROW &&
		    op.kind != BT_TOK_LBRACKET)
			return e;
		next(p);
		n = new_expr(p, BT_EXPR_MEMBER, e->line, e->col);
		if (!n || !add_child(p, n, e))
			return NULL;
		if (op.kind == BT_TOK_LBRACKET) {
			bool pred = p->in_pred;

			n->kind = BT_EXPR_INDEX;
			n->index.base = e;
			p->in_pred = false;
			n->index.index = bt_parser__expr(p);
			p->in_pred = pred;
			if (!n->index.index ||
			    !add_child(p, n, n->index.index) ||
			    !expect(p, BT_TOK_RBRACKET, "']'"))
				return NULL;
		} else if (op.kind == BT_TOK_DOT && at(p, BT_TOK_INT)) {
			struct bt_token i = next(p);

			if (i.ival > 65535) {
				bt_parser__error(p, i.line, i.col,
						 "tuple index too large");
				return NULL;
			}
			n->kind = BT_EXPR_TUPLE_INDEX;
			n->tuple_index.base = e;
			n->tuple_index.index = (unsigned)i.ival;
		} else {
			struct bt_token f = next(p);

			/* Field names may collide with keywords (e.g. ->union).
			 */
			if (f.kind != BT_TOK_IDENT &&
			    !(f.kind >= BT_TOK_IF && f.kind <= BT_TOK_ENUM)) {
				expected(p, &f, "a field name");
				return NULL;
			}
			n->member.base = e;
			n->member.field = f.str;
			n->member.arrow = op.kind == BT_TOK_ARROW;
		}
		e = n;
	}
	return NULL;
}

static struct bt_expr *parse_cast(struct bt_parser *p)
{
	struct bt_token open = next(p);
	struct bt_expr *e = new_expr(p, BT_EXPR_CAST, open.line, open.col);

	if (!e)
		return NULL;
	e->cast.type = bt_parser__type(p);
	if (!e->cast.type || !bt_parser__array_suffix(p, e->cast.type) ||
	    !expect(p, BT_TOK_RPAREN, "')' after the type"))
		return NULL;
	e->cast.operand = parse_unary(p);
	if (!e->cast.operand || !add_child(p, e, e->cast.operand))
		return NULL;
	return e;
}

static struct bt_expr *parse_unary_inner(struct bt_parser *p)
{
	struct bt_token op = *peek(p);
	struct bt_expr *e, *operand;
	enum bt_unop uop;

	switch (op.kind) {
	case BT_TOK_MINUS:
		uop = BT_UNOP_NEG;
		break;
	case BT_TOK_BANG:
		uop = BT_UNOP_LNOT;
		break;
	case BT_TOK_TILDE:
		uop = BT_UNOP_BNOT;
		break;
	case BT_TOK_STAR:
		uop = BT_UNOP_DEREF;
		break;
	case BT_TOK_AMP:
		uop = BT_UNOP_ADDR;
		break;
	case BT_TOK_INC:
	case BT_TOK_DEC:
		next(p);
		operand = parse_unary(p);
		return operand ? make_incdec(p, &op, operand, true) : NULL;
	case BT_TOK_LPAREN:
		if (looks_like_type(p))
			return parse_cast(p);
		/* fallthrough */
	default:
		return parse_postfix(p);
	}
	next(p);
	operand = parse_unary(p);
	if (!operand)
		return NULL;
	e = new_expr(p, BT_EXPR_UNARY, op.line, op.col);
	if (!e || !add_child(p, e, operand))
		return NULL;
	e->unary.op = uop;
	e->unary.operand = operand;
	return e;
}

static struct bt_expr *parse_unary(struct bt_parser *p)
{
	struct bt_expr *e;

	if (!enter(p, peek(p)))
		return NULL;
	e = parse_unary_inner(p);
	leave(p);
	return e;
}

/* Binary operators by token: operator and precedence (higher binds tighter). */
static int binop_of(enum bt_tok_kind k, enum bt_binop *op)
{
	static const struct {
		enum bt_tok_kind tok;
		enum bt_binop op;
		int prec;
	} table[] = {
		{BT_TOK_LOR, BT_BINOP_LOR, 1},
		{BT_TOK_LAND, BT_BINOP_LAND, 2},
		{BT_TOK_PIPE, BT_BINOP_BOR, 3},
		{BT_TOK_CARET, BT_BINOP_BXOR, 4},
		{BT_TOK_AMP, BT_BINOP_BAND, 5},
		{BT_TOK_EQ, BT_BINOP_EQ, 6},
		{BT_TOK_NE, BT_BINOP_NE, 6},
		{BT_TOK_LT, BT_BINOP_LT, 7},
		{BT_TOK_LE, BT_BINOP_LE, 7},
		{BT_TOK_GT, BT_BINOP_GT, 7},
		{BT_TOK_GE, BT_BINOP_GE, 7},
		{BT_TOK_SHL, BT_BINOP_SHL, 8},
		{BT_TOK_SHR, BT_BINOP_SHR, 8},
		{BT_TOK_PLUS, BT_BINOP_ADD, 9},
		{BT_TOK_MINUS, BT_BINOP_SUB, 9},
		{BT_TOK_STAR, BT_BINOP_MUL, 10},
		{BT_TOK_SLASH, BT_BINOP_DIV, 10},
		{BT_TOK_PERCENT, BT_BINOP_MOD, 10},
	};
	size_t i;

	for (i = 0; i < sizeof(table) / sizeof(table[0]); i++)
		if (table[i].tok == k) {
			*op = table[i].op;
			return table[i].prec;
		}
	return 0;
}

static struct bt_expr *parse_binary(struct bt_parser *p, int min_prec)
{
	struct bt_expr *lhs = parse_unary(p);

	while (lhs) {
		struct bt_token t = *peek(p);
		struct bt_expr *rhs, *e;
		enum bt_binop op;
		int prec = binop_of(t.kind, &op);

		if (prec == 0 || prec < min_prec)
			break;
		/* In a predicate, "/ {" closes it rather than dividing. */
		if (p->in_pred && t.kind == BT_TOK_SLASH &&
		    peek_n(p, 1)->kind == BT_TOK_LBRACE)
			break;
		next(p);
		rhs = parse_binary(p, prec + 1);
		if (!rhs)
			return NULL;
		e = new_expr(p, BT_EXPR_BINARY, lhs->line, lhs->col);
		if (!e || !add_child(p, e, lhs) || !add_child(p, e, rhs))
			return NULL;
		e->binary.op = op;
		e->binary.lhs = lhs;
		e->binary.rhs = rhs;
		lhs = e;
	}
	return lhs;
}

static struct bt_expr *parse_ternary(struct bt_parser *p)
{
	struct bt_expr *cond = parse_binary(p, 1), *e;
	bool pred = p->in_pred;

	if (!cond || !accept(p, BT_TOK_QUESTION))
		return cond;
	e = new_expr(p, BT_EXPR_TERNARY, cond->line, cond->col);
	if (!e || !add_child(p, e, cond))
		return NULL;
	e->ternary.cond = cond;
	p->in_pred = false;
	e->ternary.then = bt_parser__expr(p);
	p->in_pred = pred;
	if (!e->ternary.then || !add_child(p, e, e->ternary.then) ||
	    !expect(p, BT_TOK_COLON, "':' in the ?: expression"))
		return NULL;
	e->ternary.otherwise = bt_parser__expr(p);
	if (!e->ternary.otherwise || !add_child(p, e, e->ternary.otherwise))
		return NULL;
	return e;
}

struct bt_expr *bt_parser__expr(struct bt_parser *p)
{
	struct bt_expr *e;

	if (!enter(p, peek(p)))
		return NULL;
	e = parse_ternary(p);
	leave(p);
	return e;
}
