/*
 * bpf/parser_internal.h - what the parser's files share (private to
 * bpf/parser*.c; everyone else uses bpf/parser.h).
 *
 * The parser is split by grammar level, one file each:
 *     parser.c        token buffer, errors, memory, the program loop
 *     parser_expr.c   type names and expressions
 *     parser_stmt.c   statements and blocks
 *     parser_top.c    attach points and probes, struct definitions,
 *                     #directives
 * Every parse function adds one diagnostic and returns NULL/false on error.
 */
#ifndef BT_PARSER_INTERNAL_H
#define BT_PARSER_INTERNAL_H

#include <stdbool.h>
#include <stdint.h>

#include "bpf/ast.h"
#include "bpf/lexer.h"
#include "bpf/parser.h"

#define BT_PARSER_MAX_ERRORS 20
#define BT_PARSER_LOOKAHEAD 3

struct bt_parser {
	struct bt_lexer lx;
	struct bt_arena *arena;
	struct bt_diags *diags; /* may be NULL */
	struct bt_ast *ast;
	struct bt_token la[BT_PARSER_LOOKAHEAD]; /* look-ahead, la[0] next */
	int nla;
	int nerrors;
	bool nomem;
	bool stop; /* too many errors or out of memory */
	unsigned rdepth; /* recursion depth of the expression parser */
	unsigned sdepth; /* block nesting */
	bool in_pred; /* a '/' followed by '{' ends the expression */
	/* #if nesting: bit i of cond_active set when level i is taken,
	 * of cond_taken once its #else was seen. */
	unsigned cond_depth;
	uint64_t cond_active, cond_taken;
	/* Nodes copied by #define expansion, bounded because each define
	 * can double the size of the next. */
	size_t expanded;
};

#define BT_PARSER_MAX_EXPANDED 100000

/* ---- parser.c: tokens, errors, memory, depth ------------------------------
 */

/* Token n ahead (0 = next); lexes on demand. */
struct bt_token *bt_parser__peek_n(struct bt_parser *p, int n);
/* Consumes and returns the next token (EOF is never consumed). */
struct bt_token bt_parser__next(struct bt_parser *p);
/* Gives buffered look-ahead back to the lexer (before raw lexing). */
void bt_parser__rewind(struct bt_parser *p);
/* Column of the lexer's position, for errors at the end of input. */
int bt_parser__col_of_end(const struct bt_parser *p);
/* Adds a diagnostic; stops the parse after BT_PARSER_MAX_ERRORS. */
void bt_parser__error(struct bt_parser *p, int line, int col, const char *fmt,
		      ...) __attribute__((format(printf, 4, 5)));
/* "expected <what>, got <t>" (error tokens were reported by the lexer). */
void bt_parser__expected(struct bt_parser *p, const struct bt_token *t,
			 const char *what);
/* Consumes a token of kind or reports "expected <what>". */
bool bt_parser__expect(struct bt_parser *p, enum bt_tok_kind kind,
		       const char *what);
/* Zeroed arena memory; NULL (and the parse stops) when out of memory. */
void *bt_parser__alloc(struct bt_parser *p, size_t size);
/* Appends a zeroed element to an arena array (*arrp, *n, *cap). */
void *bt_parser__grow(struct bt_parser *p, void *arrp, size_t *n, size_t *cap,
		      size_t elsz);
/* Bounds recursion at t; pair every successful enter with a leave. */
bool bt_parser__enter(struct bt_parser *p, const struct bt_token *t);
void bt_parser__leave(struct bt_parser *p);

/* ---- parser_expr.c ------------------------------------------------------ */

struct bt_expr *bt_parser__expr(struct bt_parser *p);
/* An identifier or a call name(args...), at an IDENT token. */
struct bt_expr *bt_parser__ident(struct bt_parser *p);
struct bt_type_name *bt_parser__type(struct bt_parser *p);
/* An optional "[N]" after a type or declarator. */
bool bt_parser__array_suffix(struct bt_parser *p, struct bt_type_name *ty);

/* ---- parser_stmt.c ------------------------------------------------------ */

/* '{' statements '}' into *b, recovering at statement boundaries. */
bool bt_parser__block(struct bt_parser *p, struct bt_block *b);
/* Skips to the end of the current statement: past ';' or before '}'. */
void bt_parser__sync_stmt(struct bt_parser *p);

/* ---- parser_top.c ------------------------------------------------------- */

void bt_parser__probe(struct bt_parser *p, size_t *cap);
void bt_parser__struct_def(struct bt_parser *p, size_t *cap);
/* The '#' line at la[0]: include, define, if/ifdef/ifndef/else/endif. */
void bt_parser__directive(struct bt_parser *p, size_t *dcap, size_t *icap);
/* False inside the untaken branch of an #if. */
bool bt_parser__region_active(const struct bt_parser *p);
/* The latest #define of name so far, if its value is an expression. */
const struct bt_define *bt_parser__find_define(struct bt_parser *p,
					       const char *name);
/* A copy of d's expression placed at line:col (bounded in size). */
struct bt_expr *bt_parser__expand_define(struct bt_parser *p,
					 const struct bt_define *d, int line,
					 int col);

/* ---- short names for the parser files --------------------------------- */

static inline struct bt_token *peek_n(struct bt_parser *p, int n)
{
	return bt_parser__peek_n(p, n);
}

static inline struct bt_token *peek(struct bt_parser *p)
{
	return bt_parser__peek_n(p, 0);
}

static inline bool at(struct bt_parser *p, enum bt_tok_kind kind)
{
	return peek(p)->kind == kind;
}

static inline struct bt_token next(struct bt_parser *p)
{
	return bt_parser__next(p);
}

static inline bool accept(struct bt_parser *p, enum bt_tok_kind kind)
{
	if (!at(p, kind))
		return false;
	bt_parser__next(p);
	return true;
}

static inline bool expect(struct bt_parser *p, enum bt_tok_kind kind,
			  const char *what)
{
	return bt_parser__expect(p, kind, what);
}

static inline void expected(struct bt_parser *p, const struct bt_token *t,
			    const char *what)
{
	bt_parser__expected(p, t, what);
}

static inline void *alloc(struct bt_parser *p, size_t size)
{
	return bt_parser__alloc(p, size);
}

static inline void *grow(struct bt_parser *p, void *arrp, size_t *n,
			 size_t *cap, size_t elsz)
{
	return bt_parser__grow(p, arrp, n, cap, elsz);
}

static inline bool enter(struct bt_parser *p, const struct bt_token *t)
{
	return bt_parser__enter(p, t);
}

static inline void leave(struct bt_parser *p)
{
	bt_parser__leave(p);
}

/* Assignment and ++/-- targets. */
static inline bool bt_parser__is_lvalue(const struct bt_expr *e)
{
	return e->kind == BT_EXPR_VAR || e->kind == BT_EXPR_MAP;
}

#endif
