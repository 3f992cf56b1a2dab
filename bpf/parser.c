/*
 * bpf/parser.c - recursive-descent parser for bpftrace (see parser.h).
 *
 * Program structure:
 *     program   := { directive | struct_def | probe }
 *     probe     := attach { ',' attach } [ '/' expr '/' ] block
 *     block     := '{' { stmt [';'] } '}'
 * Expressions use precedence climbing over C's binary operator table
 * (bpftrace's), with unary, cast and postfix operators above it and the
 * right-associative ternary below it.
 *
 * Attach points are lexed raw (bt_lexer__attach_point) because paths and
 * wildcards are not tokens; before asking for one, any look-ahead tokens are
 * given back to the lexer by rewinding it to the first buffered token.
 *
 * Error handling: every error adds one diagnostic and makes the current
 * parse function return NULL. Blocks recover by skipping to the next ';'
 * or '}' of the same nesting level, so each bad statement is reported once
 * and the rest still gets checked. After MAX_ERRORS the parse stops.
 *
 * Depth: recursion is bounded by BT_AST_MAX_DEPTH (nested parentheses,
 * unary chains), and so is the height of every expression tree plus the
 * block nesting around it (long left-assoc chains like 1+1+...+1 are built
 * iteratively but still make a tall tree that later passes recurse over).
 */
#include "bpf/parser.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bpf/lexer.h"

#define MAX_ERRORS 20
#define LOOKAHEAD 3

struct parser {
	struct bt_lexer lx;
	struct bt_arena *arena;
	struct bt_diags *diags;
	struct bt_ast *ast;
	struct bt_token la[LOOKAHEAD];
	int nla;
	int nerrors;
	bool nomem;
	bool stop; /* too many errors or out of memory */
	unsigned rdepth; /* recursion depth of the expression parser */
	unsigned sdepth; /* block nesting */
	bool in_pred;    /* a '/' followed by '{' ends the expression */
	/* #if nesting: bit i set when level i is active (taken). */
	unsigned cond_depth;
	uint64_t cond_active, cond_taken;
};

/* ---- tokens --------------------------------------------------------- */

static struct bt_token *peek_n(struct parser *p, int n)
{
	while (p->nla <= n) {
		if (bt_lexer__next(&p->lx, &p->la[p->nla]) < 0) {
			p->nomem = true;
			p->stop = true;
		}
		p->nla++;
	}
	return &p->la[n];
}

static struct bt_token *peek(struct parser *p)
{
	return peek_n(p, 0);
}

static bool at(struct parser *p, enum bt_tok_kind kind)
{
	return peek(p)->kind == kind;
}

static struct bt_token next(struct parser *p)
{
	struct bt_token t = *peek(p);

	if (t.kind != BT_TOK_EOF) {
		memmove(&p->la[0], &p->la[1], sizeof(p->la[0]) * (p->nla - 1));
		p->nla--;
	}
	return t;
}

static bool accept(struct parser *p, enum bt_tok_kind kind)
{
	if (!at(p, kind))
		return false;
	next(p);
	return true;
}

/* Gives buffered look-ahead back to the lexer (before raw lexing). */
static void rewind_la(struct parser *p)
{
	if (!p->nla)
		return;
	p->lx.pos = p->la[0].off;
	p->lx.line = p->la[0].line;
	p->lx.line_start = p->la[0].off - (size_t)(p->la[0].col - 1);
	p->nla = 0;
}

/* ---- errors ----------------------------------------------------------- */

/* Column of the lexer's position (for errors at the end of input). */
static int col_of_end(const struct parser *p)
{
	return (int)(p->lx.pos - p->lx.line_start) + 1;
}

__attribute__((format(printf, 4, 5))) static void
error_at(struct parser *p, int line, int col, const char *fmt, ...)
{
	char msg[400];
	va_list ap;

	if (++p->nerrors >= MAX_ERRORS)
		p->stop = true;
	if (!p->diags || p->nerrors > MAX_ERRORS)
		return;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	bt_diags__add(p->diags, line, col, "%s", msg);
}

/*
 * "expected X, got Y" at token t. Error tokens were already reported by
 * the lexer, so they only count.
 */
static void expected(struct parser *p, const struct bt_token *t,
		     const char *what)
{
	if (t->kind == BT_TOK_ERROR) {
		if (++p->nerrors >= MAX_ERRORS)
			p->stop = true;
		return;
	}
	error_at(p, t->line, t->col, "expected %s, got %s", what,
		 bt_tok_kind__str(t->kind));
}

static bool expect(struct parser *p, enum bt_tok_kind kind, const char *what)
{
	if (accept(p, kind))
		return true;
	expected(p, peek(p), what);
	return false;
}

/* ---- memory ------------------------------------------------------------ */

static void *alloc(struct parser *p, size_t size)
{
	void *m = bt_arena__alloc(p->arena, size);

	if (!m) {
		p->nomem = true;
		p->stop = true;
	}
	return m;
}

/*
 * Appends an element of elsz bytes to an arena array, doubling it when
 * full (the old copy stays in the arena; at most 2x waste). Returns the
 * new zeroed slot or NULL.
 */
static void *grow(struct parser *p, void *arrp, size_t *n, size_t *cap,
		  size_t elsz)
{
	void **arr = arrp;
	unsigned char *slot;

	if (*n == *cap) {
		size_t ncap = *cap ? *cap * 2 : 4;
		void *m = alloc(p, ncap * elsz);

		if (!m)
			return NULL;
		if (*n)
			memcpy(m, *arr, *n * elsz);
		*arr = m;
		*cap = ncap;
	}
	slot = (unsigned char *)*arr + (*n)++ * elsz;
	memset(slot, 0, elsz);
	return slot;
}

static bool push_expr(struct parser *p, struct bt_expr ***arr, size_t *n,
		      size_t *cap, struct bt_expr *e)
{
	struct bt_expr **slot = grow(p, arr, n, cap, sizeof(*slot));

	if (slot)
		*slot = e;
	return slot != NULL;
}

static struct bt_expr *new_expr(struct parser *p, enum bt_expr_kind kind,
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
static bool add_child(struct parser *p, struct bt_expr *e,
		      const struct bt_expr *c)
{
	if (c && c->height + 1 > e->height)
		e->height = c->height + 1;
	if (e->height + p->sdepth > BT_AST_MAX_DEPTH) {
		if (!p->stop)
			error_at(p, e->line, e->col,
				 "expression nested too deeply (limit %d)",
				 BT_AST_MAX_DEPTH);
		p->stop = true;
		return false;
	}
	return true;
}

/* Bounds recursion; pair every successful enter() with leave(). */
static bool enter(struct parser *p, const struct bt_token *t)
{
	if (p->stop)
		return false;
	if (p->rdepth + p->sdepth >= BT_AST_MAX_DEPTH) {
		error_at(p, t->line, t->col, "program nested too deeply (limit %d)",
			 BT_AST_MAX_DEPTH);
		p->stop = true;
		return false;
	}
	p->rdepth++;
	return true;
}

static void leave(struct parser *p)
{
	p->rdepth--;
}

/* ---- types ------------------------------------------------------------- */

static const struct {
	const char *name;
	unsigned bits;
	bool is_signed;
} int_types[] = {
	{ "int8", 8, true },    { "int16", 16, true },
	{ "int32", 32, true },  { "int64", 64, true },
	{ "uint8", 8, false },  { "uint16", 16, false },
	{ "uint32", 32, false }, { "uint64", 64, false },
};

/* C base-type words, combined as in "unsigned long long int". */
static bool is_c_word(const char *s)
{
	static const char *const words[] = { "char", "short", "int", "long",
					     "signed", "unsigned" };
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
static bool parse_c_int(struct parser *p, struct bt_type_name *t)
{
	int longs = 0, shorts = 0, chars = 0, sign = 0;
	static char names[2][4][8] = {
		{ "uint8", "uint16", "uint32", "uint64" },
		{ "int8", "int16", "int32", "int64" },
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
		error_at(p, t->line, t->col, "invalid C type");
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
static struct bt_type_name *parse_type(struct parser *p)
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

		ty->kind = k == BT_TOK_STRUCT ? BT_TYPE_STRUCT :
			   k == BT_TOK_UNION  ? BT_TYPE_UNION :
						BT_TYPE_ENUM;
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
static bool parse_array_suffix(struct parser *p, struct bt_type_name *ty)
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
		error_at(p, peek(p)->line, peek(p)->col,
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
static bool looks_like_type(struct parser *p)
{
	struct bt_lexer l2;
	struct bt_token t;
	int i = 2;

	if (starts_type(peek_n(p, 1)))
		return true;
	if (peek_n(p, 1)->kind != BT_TOK_IDENT || peek_n(p, 2)->kind != BT_TOK_STAR)
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

static struct bt_expr *parse_expr(struct parser *p);
static struct bt_expr *parse_unary(struct parser *p);

/* Parses "a, b, c" up to the closing token into an arena array. */
static bool parse_list(struct parser *p, enum bt_tok_kind close,
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
			struct bt_expr *e = parse_expr(p);

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

static bool is_lvalue(const struct bt_expr *e)
{
	return e->kind == BT_EXPR_VAR || e->kind == BT_EXPR_MAP;
}

static struct bt_expr *make_incdec(struct parser *p, const struct bt_token *op,
				   struct bt_expr *target, bool prefix)
{
	struct bt_expr *e;
	int line = prefix ? op->line : target->line;
	int col = prefix ? op->col : target->col;

	if (!is_lvalue(target)) {
		error_at(p, op->line, op->col,
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
static struct bt_expr *parse_paren(struct parser *p)
{
	struct bt_token open = next(p);
	struct bt_expr *first, *t;
	bool pred = p->in_pred;

	p->in_pred = false;
	first = parse_expr(p);
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
		struct bt_expr **all = alloc(p, (t->tuple.n + 1) * sizeof(*all));

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
		error_at(p, open.line, open.col, "a tuple needs two or more elements");
		return NULL;
	}
	return t;
}

/* sizeof(type) or sizeof(expr) */
static struct bt_expr *parse_sizeof(struct parser *p)
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
		e->size_of.type = parse_type(p);
		if (!e->size_of.type || !parse_array_suffix(p, e->size_of.type))
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

static struct bt_expr *parse_ident(struct parser *p)
{
	struct bt_token t = next(p);
	struct bt_expr *e;

	if (!at(p, BT_TOK_LPAREN)) {
		e = new_expr(p, BT_EXPR_IDENT, t.line, t.col);
		if (e)
			e->ident.name = t.str;
		return e;
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

static struct bt_expr *parse_map(struct parser *p)
{
	struct bt_token t = next(p);
	struct bt_expr *e = new_expr(p, BT_EXPR_MAP, t.line, t.col);

	if (!e)
		return NULL;
	e->map.name = t.str;
	if (!accept(p, BT_TOK_LBRACKET))
		return e;
	if (at(p, BT_TOK_RBRACKET)) {
		error_at(p, peek(p)->line, peek(p)->col, "a map key is missing");
		return NULL;
	}
	if (!parse_list(p, BT_TOK_RBRACKET, "',' or ']' after the map key", e,
			&e->map.keys, &e->map.nkeys))
		return NULL;
	return e;
}

static struct bt_expr *parse_primary(struct parser *p)
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
		return parse_ident(p);
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
static struct bt_expr *parse_postfix(struct parser *p)
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
			n->index.index = parse_expr(p);
			p->in_pred = pred;
			if (!n->index.index || !add_child(p, n, n->index.index) ||
			    !expect(p, BT_TOK_RBRACKET, "']'"))
				return NULL;
		} else if (op.kind == BT_TOK_DOT && at(p, BT_TOK_INT)) {
			struct bt_token i = next(p);

			if (i.ival > 65535) {
				error_at(p, i.line, i.col, "tuple index too large");
				return NULL;
			}
			n->kind = BT_EXPR_TUPLE_INDEX;
			n->tuple_index.base = e;
			n->tuple_index.index = (unsigned)i.ival;
		} else {
			struct bt_token f = next(p);

			/* Field names may collide with keywords (e.g. ->union). */
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

static struct bt_expr *parse_cast(struct parser *p)
{
	struct bt_token open = next(p);
	struct bt_expr *e = new_expr(p, BT_EXPR_CAST, open.line, open.col);

	if (!e)
		return NULL;
	e->cast.type = parse_type(p);
	if (!e->cast.type || !parse_array_suffix(p, e->cast.type) ||
	    !expect(p, BT_TOK_RPAREN, "')' after the type"))
		return NULL;
	e->cast.operand = parse_unary(p);
	if (!e->cast.operand || !add_child(p, e, e->cast.operand))
		return NULL;
	return e;
}

static struct bt_expr *parse_unary_inner(struct parser *p)
{
	struct bt_token op = *peek(p);
	struct bt_expr *e, *operand;
	enum bt_unop uop;

	switch (op.kind) {
	case BT_TOK_MINUS: uop = BT_UNOP_NEG; break;
	case BT_TOK_BANG: uop = BT_UNOP_LNOT; break;
	case BT_TOK_TILDE: uop = BT_UNOP_BNOT; break;
	case BT_TOK_STAR: uop = BT_UNOP_DEREF; break;
	case BT_TOK_AMP: uop = BT_UNOP_ADDR; break;
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

static struct bt_expr *parse_unary(struct parser *p)
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
		{ BT_TOK_LOR, BT_BINOP_LOR, 1 },   { BT_TOK_LAND, BT_BINOP_LAND, 2 },
		{ BT_TOK_PIPE, BT_BINOP_BOR, 3 },  { BT_TOK_CARET, BT_BINOP_BXOR, 4 },
		{ BT_TOK_AMP, BT_BINOP_BAND, 5 },  { BT_TOK_EQ, BT_BINOP_EQ, 6 },
		{ BT_TOK_NE, BT_BINOP_NE, 6 },     { BT_TOK_LT, BT_BINOP_LT, 7 },
		{ BT_TOK_LE, BT_BINOP_LE, 7 },     { BT_TOK_GT, BT_BINOP_GT, 7 },
		{ BT_TOK_GE, BT_BINOP_GE, 7 },     { BT_TOK_SHL, BT_BINOP_SHL, 8 },
		{ BT_TOK_SHR, BT_BINOP_SHR, 8 },   { BT_TOK_PLUS, BT_BINOP_ADD, 9 },
		{ BT_TOK_MINUS, BT_BINOP_SUB, 9 }, { BT_TOK_STAR, BT_BINOP_MUL, 10 },
		{ BT_TOK_SLASH, BT_BINOP_DIV, 10 }, { BT_TOK_PERCENT, BT_BINOP_MOD, 10 },
	};
	size_t i;

	for (i = 0; i < sizeof(table) / sizeof(table[0]); i++)
		if (table[i].tok == k) {
			*op = table[i].op;
			return table[i].prec;
		}
	return 0;
}

static struct bt_expr *parse_binary(struct parser *p, int min_prec)
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

static struct bt_expr *parse_ternary(struct parser *p)
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
	e->ternary.then = parse_expr(p);
	p->in_pred = pred;
	if (!e->ternary.then || !add_child(p, e, e->ternary.then) ||
	    !expect(p, BT_TOK_COLON, "':' in the ?: expression"))
		return NULL;
	e->ternary.otherwise = parse_expr(p);
	if (!e->ternary.otherwise || !add_child(p, e, e->ternary.otherwise))
		return NULL;
	return e;
}

static struct bt_expr *parse_expr(struct parser *p)
{
	struct bt_expr *e;

	if (!enter(p, peek(p)))
		return NULL;
	e = parse_ternary(p);
	leave(p);
	return e;
}

/* ---- statements ------------------------------------------------------ */

static struct bt_stmt *parse_stmt(struct parser *p);

static struct bt_stmt *new_stmt(struct parser *p, enum bt_stmt_kind kind,
				const struct bt_token *t)
{
	struct bt_stmt *s = alloc(p, sizeof(*s));

	if (!s)
		return NULL;
	s->kind = kind;
	s->line = t->line;
	s->col = t->col;
	return s;
}

/* Skips to the end of the current statement: past ';' or before '}'. */
static void sync_stmt(struct parser *p)
{
	int depth = 0;

	while (!p->stop) {
		enum bt_tok_kind k = peek(p)->kind;

		if (k == BT_TOK_EOF)
			return;
		if (depth == 0 && k == BT_TOK_RBRACE)
			return;
		next(p);
		if (k == BT_TOK_LBRACE)
			depth++;
		else if (k == BT_TOK_RBRACE)
			depth--;
		else if (depth == 0 && k == BT_TOK_SEMI)
			return;
	}
}

static bool parse_block(struct parser *p, struct bt_block *b)
{
	struct bt_token open = *peek(p);
	size_t cap = 0;
	bool ok = true;

	b->line = open.line;
	b->col = open.col;
	if (!expect(p, BT_TOK_LBRACE, "'{'"))
		return false;
	if (++p->sdepth + p->rdepth >= BT_AST_MAX_DEPTH) {
		error_at(p, open.line, open.col, "blocks nested too deeply (limit %d)",
			 BT_AST_MAX_DEPTH);
		p->stop = true;
	}
	while (!p->stop && !at(p, BT_TOK_RBRACE)) {
		struct bt_stmt *s, **slot;

		if (at(p, BT_TOK_EOF)) {
			error_at(p, peek(p)->line, peek(p)->col,
				 "expected '}' to close the block opened at %d:%d",
				 open.line, open.col);
			ok = false;
			break;
		}
		if (accept(p, BT_TOK_SEMI))
			continue;
		s = parse_stmt(p);
		if (!s) {
			ok = false;
			sync_stmt(p);
			continue;
		}
		slot = grow(p, &b->stmts, &b->n, &cap, sizeof(*slot));
		if (slot)
			*slot = s;
	}
	p->sdepth--;
	if (p->stop)
		return false;
	next(p); /* '}' */
	return ok;
}

/* The body of if/while/unroll: a block, with '(' cond ')' before it. */
static struct bt_stmt *parse_cond_stmt(struct parser *p, enum bt_stmt_kind k)
{
	struct bt_token kw = next(p);
	struct bt_stmt *s = new_stmt(p, k, &kw);
	struct bt_expr *cond;
	struct bt_block *body;

	if (!s)
		return NULL;
	if (!at(p, BT_TOK_LPAREN)) {
		char what[48];

		snprintf(what, sizeof(what), "'(' after %s",
			 bt_tok_kind__str(kw.kind));
		expected(p, peek(p), what);
		return NULL;
	}
	cond = parse_expr(p);
	if (!cond)
		return NULL;
	body = k == BT_STMT_IF ? &s->if_.then :
	       k == BT_STMT_WHILE ? &s->while_.body : &s->unroll.body;
	if (k == BT_STMT_IF)
		s->if_.cond = cond;
	else if (k == BT_STMT_WHILE)
		s->while_.cond = cond;
	else
		s->unroll.count = cond;
	if (!parse_block(p, body))
		return NULL;
	if (k != BT_STMT_IF || !accept(p, BT_TOK_ELSE))
		return s;
	s->if_.otherwise = alloc(p, sizeof(*s->if_.otherwise));
	if (!s->if_.otherwise)
		return NULL;
	if (at(p, BT_TOK_IF)) {
		/* else if: a block holding the nested if. */
		struct bt_block *b = s->if_.otherwise;
		struct bt_stmt *nested;

		b->line = peek(p)->line;
		b->col = peek(p)->col;
		if (!enter(p, peek(p)))
			return NULL;
		p->sdepth++;
		nested = parse_cond_stmt(p, BT_STMT_IF);
		p->sdepth--;
		leave(p);
		if (!nested)
			return NULL;
		b->stmts = alloc(p, sizeof(*b->stmts));
		if (!b->stmts)
			return NULL;
		b->stmts[0] = nested;
		b->n = 1;
		return s;
	}
	return parse_block(p, s->if_.otherwise) ? s : NULL;
}

/* delete(@m[k]) or delete(@m, k) */
static struct bt_stmt *parse_delete(struct parser *p)
{
	struct bt_token kw = *peek(p);
	struct bt_stmt *s = new_stmt(p, BT_STMT_DELETE, &kw);
	struct bt_expr *call = parse_ident(p), *m;

	if (!s || !call)
		return NULL;
	if (call->call.nargs < 1 || call->call.nargs > 2 ||
	    call->call.args[0]->kind != BT_EXPR_MAP ||
	    (call->call.nargs == 2 && call->call.args[0]->map.nkeys)) {
		error_at(p, kw.line, kw.col,
			 "delete takes a map element: delete(@m[key]) or delete(@m, key)");
		return NULL;
	}
	m = call->call.args[0];
	if (call->call.nargs == 2) {
		m->map.keys = &call->call.args[1];
		m->map.nkeys = 1;
	}
	s->del.map = m;
	return s;
}

static enum bt_binop assign_op(enum bt_tok_kind k, bool *is_assign)
{
	static const struct {
		enum bt_tok_kind tok;
		enum bt_binop op;
	} table[] = {
		{ BT_TOK_ASSIGN, BT_BINOP_NONE },    { BT_TOK_ADD_ASSIGN, BT_BINOP_ADD },
		{ BT_TOK_SUB_ASSIGN, BT_BINOP_SUB }, { BT_TOK_MUL_ASSIGN, BT_BINOP_MUL },
		{ BT_TOK_DIV_ASSIGN, BT_BINOP_DIV }, { BT_TOK_MOD_ASSIGN, BT_BINOP_MOD },
		{ BT_TOK_AND_ASSIGN, BT_BINOP_BAND }, { BT_TOK_OR_ASSIGN, BT_BINOP_BOR },
		{ BT_TOK_XOR_ASSIGN, BT_BINOP_BXOR }, { BT_TOK_SHL_ASSIGN, BT_BINOP_SHL },
		{ BT_TOK_SHR_ASSIGN, BT_BINOP_SHR },
	};
	size_t i;

	for (i = 0; i < sizeof(table) / sizeof(table[0]); i++)
		if (table[i].tok == k) {
			*is_assign = true;
			return table[i].op;
		}
	*is_assign = false;
	return BT_BINOP_NONE;
}

/* expression statement or assignment */
static struct bt_stmt *parse_simple(struct parser *p)
{
	struct bt_token first = *peek(p);
	struct bt_expr *e = parse_expr(p);
	struct bt_stmt *s;
	bool is_assign;
	enum bt_binop op;

	if (!e)
		return NULL;
	op = assign_op(peek(p)->kind, &is_assign);
	if (!is_assign) {
		s = new_stmt(p, BT_STMT_EXPR, &first);
		if (s)
			s->expr = e;
		return s;
	}
	if (!is_lvalue(e)) {
		error_at(p, peek(p)->line, peek(p)->col,
			 "only a $variable or @map can be assigned to");
		return NULL;
	}
	next(p);
	s = new_stmt(p, BT_STMT_ASSIGN, &first);
	if (!s)
		return NULL;
	s->assign.target = e;
	s->assign.op = op;
	s->assign.value = parse_expr(p);
	return s->assign.value ? s : NULL;
}

static struct bt_stmt *parse_stmt_inner(struct parser *p)
{
	struct bt_token t = *peek(p);
	struct bt_stmt *s;

	switch (t.kind) {
	case BT_TOK_IF:
		return parse_cond_stmt(p, BT_STMT_IF);
	case BT_TOK_WHILE:
		return parse_cond_stmt(p, BT_STMT_WHILE);
	case BT_TOK_UNROLL:
		return parse_cond_stmt(p, BT_STMT_UNROLL);
	case BT_TOK_LBRACE:
		s = new_stmt(p, BT_STMT_BLOCK, &t);
		return s && parse_block(p, &s->block) ? s : NULL;
	case BT_TOK_ELSE:
		error_at(p, t.line, t.col, "'else' without a matching 'if'");
		return NULL;
	case BT_TOK_DIRECTIVE:
		error_at(p, t.line, t.col,
			 "'#' directives are only allowed outside probes");
		return NULL;
	case BT_TOK_RETURN:
	case BT_TOK_BREAK:
	case BT_TOK_CONTINUE:
		next(p);
		s = new_stmt(p, t.kind == BT_TOK_RETURN ? BT_STMT_RETURN :
				t.kind == BT_TOK_BREAK  ? BT_STMT_BREAK :
							  BT_STMT_CONTINUE, &t);
		if (s && t.kind == BT_TOK_RETURN && !at(p, BT_TOK_SEMI) &&
		    !at(p, BT_TOK_RBRACE)) {
			s->ret.value = parse_expr(p);
			if (!s->ret.value)
				return NULL;
		}
		break;
	case BT_TOK_IDENT:
		if (!strcmp(t.str, "delete") && peek_n(p, 1)->kind == BT_TOK_LPAREN) {
			s = parse_delete(p);
			break;
		}
		/* fallthrough */
	default:
		s = parse_simple(p);
		break;
	}
	if (!s)
		return NULL;
	if (!accept(p, BT_TOK_SEMI) && !at(p, BT_TOK_RBRACE)) {
		expected(p, peek(p), "';' or '}' after statement");
		return NULL;
	}
	return s;
}

static struct bt_stmt *parse_stmt(struct parser *p)
{
	struct bt_stmt *s;

	if (!enter(p, peek(p)))
		return NULL;
	s = parse_stmt_inner(p);
	leave(p);
	return s;
}


/* ---- attach points and probes ----------------------------------------- */

static const struct {
	const char *name;
	enum bt_probe_kind kind;
} providers[] = {
	{ "BEGIN", BT_PROBE_BEGIN },
	{ "END", BT_PROBE_END },
	{ "tracepoint", BT_PROBE_TRACEPOINT },
	{ "t", BT_PROBE_TRACEPOINT },
	{ "rawtracepoint", BT_PROBE_RAWTRACEPOINT },
	{ "rt", BT_PROBE_RAWTRACEPOINT },
	{ "kprobe", BT_PROBE_KPROBE },
	{ "k", BT_PROBE_KPROBE },
	{ "kretprobe", BT_PROBE_KRETPROBE },
	{ "kr", BT_PROBE_KRETPROBE },
	{ "uprobe", BT_PROBE_UPROBE },
	{ "u", BT_PROBE_UPROBE },
	{ "uretprobe", BT_PROBE_URETPROBE },
	{ "ur", BT_PROBE_URETPROBE },
	{ "usdt", BT_PROBE_USDT },
	{ "U", BT_PROBE_USDT },
	{ "interval", BT_PROBE_INTERVAL },
	{ "i", BT_PROBE_INTERVAL },
	{ "profile", BT_PROBE_PROFILE },
	{ "p", BT_PROBE_PROFILE },
	{ "software", BT_PROBE_SOFTWARE },
	{ "s", BT_PROBE_SOFTWARE },
	{ "hardware", BT_PROBE_HARDWARE },
	{ "h", BT_PROBE_HARDWARE },
	{ "fentry", BT_PROBE_FENTRY },
	{ "kfunc", BT_PROBE_FENTRY },
	{ "f", BT_PROBE_FENTRY },
	{ "fexit", BT_PROBE_FEXIT },
	{ "kretfunc", BT_PROBE_FEXIT },
	{ "fr", BT_PROBE_FEXIT },
	{ "watchpoint", BT_PROBE_WATCHPOINT },
	{ "w", BT_PROBE_WATCHPOINT },
	{ "asyncwatchpoint", BT_PROBE_ASYNCWATCHPOINT },
	{ "aw", BT_PROBE_ASYNCWATCHPOINT },
};

/* Splits raw text at ':' outside quotes; unquotes each part. */
static bool split_parts(struct parser *p, const char *raw,
			struct bt_attach_point *ap, const char **provider)
{
	size_t len = strlen(raw), i, cap = 0, n = 0;
	char *buf = alloc(p, len + 1);
	bool quoted = false, first = true;

	if (!buf)
		return false;
	for (i = 0; i <= len; i++) {
		char c = raw[i];

		if (c == '"') {
			quoted = !quoted;
			continue;
		}
		if (!quoted && (c == '*' || c == '?'))
			ap->has_wildcard = true;
		if (c && (quoted || c != ':')) {
			buf[n++] = c;
			continue;
		}
		buf[n] = 0;
		if (first) {
			*provider = buf;
			first = false;
		} else {
			const char **slot =
				grow(p, &ap->parts, &ap->nparts, &cap, sizeof(*slot));

			if (!slot)
				return false;
			*slot = buf;
		}
		buf = alloc(p, len + 1);
		if (!buf)
			return false;
		n = 0;
	}
	return true;
}

static bool parse_attach(struct parser *p, const struct bt_token *t,
			 struct bt_attach_point *ap)
{
	const char *name = NULL;
	size_t i;

	ap->line = t->line;
	ap->col = t->col;
	ap->raw = t->str;
	if (!split_parts(p, t->str, ap, &name))
		return false;
	for (i = 0; i < sizeof(providers) / sizeof(providers[0]); i++)
		if (!strcmp(name, providers[i].name)) {
			ap->kind = providers[i].kind;
			ap->provider = bt_probe_kind__name(ap->kind);
			return true;
		}
	error_at(p, t->line, t->col, "unknown probe type '%s'", name);
	return false;
}

/* Skips a probe whose header failed, up to its block (which still parses). */
static void sync_probe(struct parser *p)
{
	while (!p->stop && !at(p, BT_TOK_EOF) && !at(p, BT_TOK_LBRACE))
		next(p);
}

static bool parse_probe_header(struct parser *p, struct bt_probe *pr)
{
	size_t cap = 0;

	do {
		struct bt_attach_point *ap;
		struct bt_token t;

		rewind_la(p);
		if (bt_lexer__attach_point(&p->lx, &t) < 0) {
			p->nomem = p->stop = true;
			return false;
		}
		if (t.kind == BT_TOK_ERROR) {
			if (t.len == 0)
				expected(p, peek(p), "an attach point");
			else
				p->nerrors++;
			return false;
		}
		ap = grow(p, &pr->points, &pr->npoints, &cap, sizeof(*ap));
		if (!ap || !parse_attach(p, &t, ap))
			return false;
	} while (accept(p, BT_TOK_COMMA));
	pr->line = pr->points[0].line;
	pr->col = pr->points[0].col;
	if (accept(p, BT_TOK_SLASH)) {
		p->in_pred = true;
		pr->predicate = parse_expr(p);
		p->in_pred = false;
		if (!pr->predicate ||
		    !expect(p, BT_TOK_SLASH, "'/' to end the predicate"))
			return false;
	}
	if (!at(p, BT_TOK_LBRACE)) {
		expected(p, peek(p),
			 pr->predicate ? "'{' after the predicate" :
					 "'{' or a predicate after the attach points");
		return false;
	}
	return true;
}

static void parse_probe(struct parser *p, size_t *cap)
{
	struct bt_probe *pr = grow(p, &p->ast->probes, &p->ast->nprobes, cap,
				   sizeof(*pr));
	struct bt_block ignored;

	memset(&ignored, 0, sizeof(ignored));
	if (!pr)
		return;
	if (parse_probe_header(p, pr)) {
		parse_block(p, &pr->body);
		return;
	}
	/* Drop the bad probe but still check its body. */
	p->ast->nprobes--;
	sync_probe(p);
	if (at(p, BT_TOK_LBRACE))
		parse_block(p, &ignored);
}

/* ---- struct definitions ----------------------------------------------- */

/* type name [N] {, *name [N]} ; */
static bool parse_members(struct parser *p, struct bt_struct_def *sd,
			  size_t *cap)
{
	struct bt_type_name *base = parse_type(p);

	if (!base)
		return false;
	do {
		struct bt_struct_member *m;
		struct bt_type_name *ty = alloc(p, sizeof(*ty));

		if (!ty)
			return false;
		*ty = *base;
		while (accept(p, BT_TOK_STAR))
			ty->ptr_depth++;
		if (!at(p, BT_TOK_IDENT)) {
			expected(p, peek(p), "a member name");
			return false;
		}
		m = grow(p, &sd->members, &sd->nmembers, cap, sizeof(*m));
		if (!m)
			return false;
		m->line = peek(p)->line;
		m->col = peek(p)->col;
		m->name = next(p).str;
		m->type = ty;
		if (!parse_array_suffix(p, ty))
			return false;
	} while (accept(p, BT_TOK_COMMA));
	return expect(p, BT_TOK_SEMI, "';' after the struct member");
}

static void parse_struct_def(struct parser *p, size_t *cap)
{
	struct bt_token kw = next(p);
	struct bt_struct_def *sd = grow(p, &p->ast->structs, &p->ast->nstructs,
					cap, sizeof(*sd));
	size_t mcap = 0;

	if (!sd)
		return;
	sd->line = kw.line;
	sd->col = kw.col;
	sd->is_union = kw.kind == BT_TOK_UNION;
	if (!at(p, BT_TOK_IDENT)) {
		expected(p, peek(p), "a struct name");
		goto fail;
	}
	sd->name = next(p).str;
	if (!expect(p, BT_TOK_LBRACE, "'{' after the struct name"))
		goto fail;
	while (!p->stop && !at(p, BT_TOK_RBRACE)) {
		if (at(p, BT_TOK_EOF)) {
			expected(p, peek(p), "'}' to end the struct");
			goto fail;
		}
		if (!parse_members(p, sd, &mcap))
			goto fail;
	}
	next(p); /* '}' */
	/* The ';' is optional; look at the raw text so that a following
	 * attach point is not lexed as tokens. */
	bt_lexer__peek_word(&p->lx, &mcap);
	if (p->lx.pos < p->lx.len && p->lx.src[p->lx.pos] == ';')
		next(p);
	return;
fail:
	p->ast->nstructs--;
	sync_stmt(p);
	if (at(p, BT_TOK_RBRACE))
		next(p);
}

/* ---- directives ---------------------------------------------------------- */

/* Names #ifdef treats as defined besides the script's own #defines. */
static const char *const predefined[] = { "BPFTRACE_HAVE_BTF" };

#define MAX_COND 32

static const char *skip_blank(const char *s)
{
	while (*s == ' ' || *s == '\t')
		s++;
	return s;
}

static size_t ident_len(const char *s)
{
	size_t n = 0;

	if (!(*s == '_' || (*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z')))
		return 0;
	while (s[n] == '_' || (s[n] >= 'a' && s[n] <= 'z') ||
	       (s[n] >= 'A' && s[n] <= 'Z') || (s[n] >= '0' && s[n] <= '9'))
		n++;
	return n;
}

static bool word_is(const char *s, size_t n, const char *w)
{
	return strlen(w) == n && memcmp(s, w, n) == 0;
}

static bool is_defined(struct parser *p, const char *s, size_t n)
{
	size_t i;

	for (i = 0; i < p->ast->ndefines; i++)
		if (word_is(s, n, p->ast->defines[i].name))
			return true;
	for (i = 0; i < sizeof(predefined) / sizeof(predefined[0]); i++)
		if (word_is(s, n, predefined[i]))
			return true;
	return false;
}

static bool region_active(const struct parser *p)
{
	unsigned i;

	for (i = 0; i < p->cond_depth && i < MAX_COND; i++)
		if (!(p->cond_active >> i & 1))
			return false;
	return true;
}

/* Evaluates the few #if forms scripts use: 0, 1, [!]defined(X). */
static int eval_if(struct parser *p, const char *s)
{
	bool neg = false, paren;
	size_t n;

	s = skip_blank(s);
	if ((s[0] == '0' || s[0] == '1') && !*skip_blank(s + 1))
		return s[0] == '1';
	if (*s == '!') {
		neg = true;
		s = skip_blank(s + 1);
	}
	n = ident_len(s);
	if (!word_is(s, n, "defined"))
		return -1;
	s = skip_blank(s + n);
	paren = *s == '(';
	if (paren)
		s = skip_blank(s + 1);
	n = ident_len(s);
	if (!n)
		return -1;
	{
		const char *end = skip_blank(s + n);

		if (paren && *end++ != ')')
			return -1;
		if (*skip_blank(end))
			return -1;
	}
	return is_defined(p, s, n) != neg;
}

static void push_cond(struct parser *p, const struct bt_token *t, bool on)
{
	if (p->cond_depth >= MAX_COND) {
		error_at(p, t->line, t->col, "#if nested too deeply");
		p->stop = true;
		return;
	}
	p->cond_active = (p->cond_active & ~(1ull << p->cond_depth)) |
			 ((uint64_t)on << p->cond_depth);
	p->cond_taken &= ~(1ull << p->cond_depth);
	p->cond_depth++;
}

/* #if, #ifdef, #ifndef, #else, #endif. Returns false if not one of them. */
static bool handle_cond(struct parser *p, const struct bt_token *t,
			const char *w, size_t n, const char *rest)
{
	bool outer = region_active(p);
	unsigned top = p->cond_depth - 1;

	if (word_is(w, n, "ifdef") || word_is(w, n, "ifndef")) {
		size_t m = ident_len(rest);

		if (outer && (!m || *skip_blank(rest + m)))
			error_at(p, t->line, t->col, "expected one name after #%.*s",
				 (int)n, w);
		push_cond(p, t, outer && is_defined(p, rest, m) == (w[2] == 'd'));
	} else if (word_is(w, n, "if")) {
		int v = outer ? eval_if(p, rest) : 0;

		if (v < 0)
			error_at(p, t->line, t->col,
				 "unsupported #if condition (use 0, 1, defined(NAME) or #ifdef)");
		push_cond(p, t, v > 0);
	} else if (word_is(w, n, "else") || word_is(w, n, "endif")) {
		if (!p->cond_depth) {
			error_at(p, t->line, t->col, "#%.*s without #if", (int)n, w);
		} else if (w[1] == 'n') {
			p->cond_depth--;
		} else if (p->cond_taken >> top & 1) {
			error_at(p, t->line, t->col, "#else after #else");
		} else {
			p->cond_taken |= 1ull << top;
			p->cond_active ^= 1ull << top;
		}
	} else {
		return false;
	}
	return true;
}

/* Parses a #define value as an expression, quietly; NULL if it is not one. */
static struct bt_expr *parse_define_value(struct parser *p, size_t off,
					  size_t end, int line, size_t line_start)
{
	struct parser sub;
	struct bt_expr *e;

	memset(&sub, 0, sizeof(sub));
	sub.arena = p->arena;
	sub.ast = p->ast;
	bt_lexer__init(&sub.lx, p->lx.src, end, p->arena, NULL);
	sub.lx.pos = off;
	sub.lx.line = line;
	sub.lx.line_start = line_start;
	sub.lx.quiet = true;
	e = parse_expr(&sub);
	if (sub.nomem)
		p->nomem = p->stop = true;
	return e && at(&sub, BT_TOK_EOF) && !sub.nerrors ? e : NULL;
}

static void handle_define(struct parser *p, const struct bt_token *t,
			  const char *rest, size_t *cap)
{
	size_t n = ident_len(rest), off, vlen;
	struct bt_define *d;
	const char *v, *cmt;
	char *val;

	if (!n) {
		error_at(p, t->line, t->col, "expected a macro name after #define");
		return;
	}
	if (rest[n] == '(') {
		error_at(p, t->line, t->col,
			 "function-like macros are not supported");
		return;
	}
	d = grow(p, &p->ast->defines, &p->ast->ndefines, cap, sizeof(*d));
	if (!d)
		return;
	d->line = t->line;
	d->col = t->col;
	d->name = bt_arena__strndup(p->arena, rest, n);
	v = skip_blank(rest + n);
	off = t->off + 1 + (size_t)(v - t->str);
	cmt = strstr(v, "//");
	vlen = cmt ? (size_t)(cmt - v) : strlen(v);
	val = bt_arena__strndup(p->arena, v, vlen);
	if (!d->name || !val) {
		p->nomem = p->stop = true;
		return;
	}
	for (char *c = val; *c; c++)
		if (*c == '\\' || *c == '\n' || *c == '\r' || *c == '\t')
			*c = ' ';
	while (vlen && val[vlen - 1] == ' ')
		val[--vlen] = 0;
	d->value = val;
	d->expr = parse_define_value(p, off, t->off + t->len, t->line,
				     t->off - (size_t)(t->col - 1));
}

static void handle_directive(struct parser *p, size_t *dcap, size_t *icap)
{
	struct bt_token t = next(p);
	const char *w = skip_blank(t.str), *rest;
	size_t n = ident_len(w);
	struct bt_include *inc;

	rest = skip_blank(w + n);
	if (handle_cond(p, &t, w, n, rest) || !region_active(p))
		return;
	if (t.str[0] == '!' && t.line == 1)
		return; /* #!/usr/bin/env bpftrace */
	if (word_is(w, n, "define")) {
		handle_define(p, &t, rest, dcap);
	} else if (word_is(w, n, "include")) {
		size_t len = strlen(rest);

		while (len && (rest[len - 1] == ' ' || rest[len - 1] == '\t' ||
			       rest[len - 1] == '\r'))
			len--;
		if (len < 3 || !((rest[0] == '<' && rest[len - 1] == '>') ||
				 (rest[0] == '"' && rest[len - 1] == '"'))) {
			error_at(p, t.line, t.col,
				 "expected <file> or \"file\" after #include");
			return;
		}
		inc = grow(p, &p->ast->includes, &p->ast->nincludes, icap,
			   sizeof(*inc));
		if (!inc)
			return;
		inc->line = t.line;
		inc->col = t.col;
		inc->path = bt_arena__strndup(p->arena, rest + 1, len - 2);
	} else {
		error_at(p, t.line, t.col, "unsupported directive '#%.*s'",
			 (int)(n ? n : 1), n ? w : t.str);
	}
}

/* ---- program ---------------------------------------------------------------- */

/* Inside a false #if: drop tokens up to the next directive. */
static void skip_inactive(struct parser *p)
{
	bool quiet = p->lx.quiet;

	p->lx.quiet = true;
	while (!at(p, BT_TOK_EOF) && !at(p, BT_TOK_DIRECTIVE))
		next(p);
	p->lx.quiet = quiet;
}

static void parse_program(struct parser *p)
{
	size_t pcap = 0, scap = 0, dcap = 0, icap = 0;

	while (!p->stop) {
		const char *w;
		size_t n;

		rewind_la(p);
		w = bt_lexer__peek_word(&p->lx, &n);
		if (!w) {
			next(p); /* the lexer reports the bad comment */
			p->nerrors++;
			break;
		}
		if (p->lx.pos >= p->lx.len)
			break;
		if (!region_active(p)) {
			skip_inactive(p);
			if (at(p, BT_TOK_DIRECTIVE))
				handle_directive(p, &dcap, &icap);
		} else if (*w == '#') {
			if (at(p, BT_TOK_DIRECTIVE))
				handle_directive(p, &dcap, &icap);
			else
				parse_probe(p, &pcap); /* reports the '#' */
		} else if (word_is(w, n, "struct") || word_is(w, n, "union")) {
			parse_struct_def(p, &scap);
		} else {
			parse_probe(p, &pcap);
		}
	}
	if (p->stop)
		return;
	if (p->cond_depth)
		error_at(p, p->lx.line, col_of_end(p), "missing #endif");
	else if (!p->nerrors && !p->ast->nprobes)
		error_at(p, p->lx.line, col_of_end(p), "the program has no probes");
}

int bt_parse_n(const char *src, size_t len, struct bt_ast **out,
	       struct bt_diags *diags)
{
	struct parser p;
	struct bt_arena *arena = bt_arena__new();

	*out = NULL;
	if (!arena)
		return -ENOMEM;
	memset(&p, 0, sizeof(p));
	p.arena = arena;
	p.diags = diags;
	p.ast = bt_arena__alloc(arena, sizeof(*p.ast));
	if (!p.ast) {
		bt_arena__free(arena);
		return -ENOMEM;
	}
	p.ast->arena = arena;
	bt_lexer__init(&p.lx, src, len, arena, diags);
	parse_program(&p);
	if (p.nomem || p.nerrors || p.lx.nerrors) {
		bt_arena__free(arena);
		return p.nomem ? -ENOMEM : -EINVAL;
	}
	*out = p.ast;
	return 0;
}

int bt_parse(const char *src, struct bt_ast **out, struct bt_diags *diags)
{
	return bt_parse_n(src, src ? strlen(src) : 0, out, diags);
}
