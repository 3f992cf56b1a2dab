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
 * The grammar levels live in parser_expr.c, parser_stmt.c and parser_top.c
 * (see parser_internal.h); this file holds the token buffer, errors, memory
 * and the program loop.
 *
 * Error handling: every error adds one diagnostic and makes the current
 * parse function return NULL. Blocks recover by skipping to the next ';'
 * or '}' of the same nesting level, so each bad statement is reported once
 * and the rest still gets checked. After BT_PARSER_MAX_ERRORS the parse stops.
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

#include "bpf/parser_internal.h"

/* ---- tokens --------------------------------------------------------- */

struct bt_token *bt_parser__peek_n(struct bt_parser *p, int n)
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

struct bt_token bt_parser__next(struct bt_parser *p)
{
	struct bt_token t = *peek(p);

	if (t.kind != BT_TOK_EOF) {
		memmove(&p->la[0], &p->la[1], sizeof(p->la[0]) * (p->nla - 1));
		p->nla--;
	}
	return t;
}

/* Gives buffered look-ahead back to the lexer (before raw lexing). */
void bt_parser__rewind(struct bt_parser *p)
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
int bt_parser__col_of_end(const struct bt_parser *p)
{
	return (int)(p->lx.pos - p->lx.line_start) + 1;
}

void bt_parser__error(struct bt_parser *p, int line, int col, const char *fmt,
		      ...)
{
	char msg[400];
	va_list ap;

	if (++p->nerrors >= BT_PARSER_MAX_ERRORS)
		p->stop = true;
	if (!p->diags || p->nerrors > BT_PARSER_MAX_ERRORS)
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
void bt_parser__expected(struct bt_parser *p, const struct bt_token *t,
			 const char *what)
{
	if (t->kind == BT_TOK_ERROR) {
		if (++p->nerrors >= BT_PARSER_MAX_ERRORS)
			p->stop = true;
		return;
	}
	bt_parser__error(p, t->line, t->col, "expected %s, got %s", what,
			 bt_tok_kind__str(t->kind));
}

bool bt_parser__expect(struct bt_parser *p, enum bt_tok_kind kind,
		       const char *what)
{
	if (accept(p, kind))
		return true;
	expected(p, peek(p), what);
	return false;
}

/* ---- memory ------------------------------------------------------------ */

void *bt_parser__alloc(struct bt_parser *p, size_t size)
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
void *bt_parser__grow(struct bt_parser *p, void *arrp, size_t *n, size_t *cap,
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

/* Bounds recursion; pair every successful enter() with leave(). */
bool bt_parser__enter(struct bt_parser *p, const struct bt_token *t)
{
	if (p->stop)
		return false;
	if (p->rdepth + p->sdepth >= BT_AST_MAX_DEPTH) {
		bt_parser__error(p, t->line, t->col,
				 "program nested too deeply (limit %d)",
				 BT_AST_MAX_DEPTH);
		p->stop = true;
		return false;
	}
	p->rdepth++;
	return true;
}

void bt_parser__leave(struct bt_parser *p)
{
	p->rdepth--;
}

/* ---- program ----------------------------------------------------------------
 */

/* Inside a false #if: drop tokens up to the next directive. */
static void skip_inactive(struct bt_parser *p)
{
	bool quiet = p->lx.quiet;

	p->lx.quiet = true;
	while (!at(p, BT_TOK_EOF) && !at(p, BT_TOK_DIRECTIVE))
		next(p);
	p->lx.quiet = quiet;
}

static void parse_program(struct bt_parser *p)
{
	size_t pcap = 0, scap = 0, dcap = 0, icap = 0;

	while (!p->stop) {
		const char *w;
		size_t n;

		bt_parser__rewind(p);
		w = bt_lexer__peek_word(&p->lx, &n);
		if (!w) {
			next(p); /* the lexer reports the bad comment */
			p->nerrors++;
			break;
		}
		if (p->lx.pos >= p->lx.len)
			break;
		if (!bt_parser__region_active(p)) {
			skip_inactive(p);
			if (at(p, BT_TOK_DIRECTIVE))
				bt_parser__directive(p, &dcap, &icap);
		} else if (*w == '#') {
			if (at(p, BT_TOK_DIRECTIVE))
				bt_parser__directive(p, &dcap, &icap);
			else
				bt_parser__probe(p,
						 &pcap); /* reports the '#' */
		} else if (*w == ',' && p->ast->nprobes &&
			   at(p, BT_TOK_COMMA)) {
			next(p); /* bpftrace 0.17 takes "} , probe {" too */
			if (at(p, BT_TOK_EOF))
				expected(p, peek(p), "a probe after ','");
		} else if ((n == 6 && !memcmp(w, "struct", 6)) ||
			   (n == 5 && !memcmp(w, "union", 5))) {
			bt_parser__struct_def(p, &scap);
		} else {
			bt_parser__probe(p, &pcap);
		}
	}
	if (p->stop)
		return;
	if (p->cond_depth)
		bt_parser__error(p, p->lx.line, bt_parser__col_of_end(p),
				 "missing #endif");
	else if (!p->nerrors && !p->ast->nprobes)
		bt_parser__error(p, p->lx.line, bt_parser__col_of_end(p),
				 "the program has no probes");
}

int bt_parse_n(const char *src, size_t len, struct bt_ast **out,
	       struct bt_diags *diags)
{
	struct bt_parser p;
	struct bt_arena *arena = bt_arena__new();

	*out = NULL;
	if (!src && len) {
		bt_arena__free(arena);
		bt_diags__add(diags, 0, 0, "no program text");
		return -EINVAL;
	}
	if (!src)
		src = "";
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
	if (!src) {
		*out = NULL;
		bt_diags__add(diags, 0, 0, "no program text");
		return -EINVAL;
	}
	return bt_parse_n(src, strlen(src), out, diags);
}
