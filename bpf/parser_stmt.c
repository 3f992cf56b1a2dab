/*
 * bpf/parser_stmt.c - statements and blocks (see parser_internal.h).
 *
 * A simple statement (expression, assignment, return, delete, ...) ends
 * with ';' or right before '}'; if/while/unroll/blocks need no ';'. A bad
 * statement is reported once, then bt_parser__sync_stmt() skips to the
 * next ';' or '}' at the same brace depth and the block goes on.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bpf/parser_internal.h"

/* ---- statements ------------------------------------------------------ */

static struct bt_stmt *parse_stmt(struct bt_parser *p);

static struct bt_stmt *new_stmt(struct bt_parser *p, enum bt_stmt_kind kind,
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
void bt_parser__sync_stmt(struct bt_parser *p)
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

bool bt_parser__block(struct bt_parser *p, struct bt_block *b)
{
	struct bt_token open = *peek(p);
	size_t cap = 0;
	bool ok = true;

	b->line = open.line;
	b->col = open.col;
	if (!expect(p, BT_TOK_LBRACE, "'{'"))
		return false;
	if (++p->sdepth + p->rdepth >= BT_AST_MAX_DEPTH) {
		bt_parser__error(p, open.line, open.col,
				 "blocks nested too deeply (limit %d)",
				 BT_AST_MAX_DEPTH);
		p->stop = true;
	}
	while (!p->stop && !at(p, BT_TOK_RBRACE)) {
		struct bt_stmt *s, **slot;

		if (at(p, BT_TOK_EOF)) {
			bt_parser__error(p, peek(p)->line, peek(p)->col,
					 "expected '}' to close the block "
					 "opened at %d:%d",
					 open.line, open.col);
			ok = false;
			break;
		}
		if (accept(p, BT_TOK_SEMI))
			continue;
		s = parse_stmt(p);
		if (!s) {
			ok = false;
			bt_parser__sync_stmt(p);
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
static struct bt_stmt *parse_cond_stmt(struct bt_parser *p, enum bt_stmt_kind k)
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
	cond = bt_parser__expr(p);
	if (!cond)
		return NULL;
	body = k == BT_STMT_IF	    ? &s->if_.then
	       : k == BT_STMT_WHILE ? &s->while_.body
				    : &s->unroll.body;
	if (k == BT_STMT_IF)
		s->if_.cond = cond;
	else if (k == BT_STMT_WHILE)
		s->while_.cond = cond;
	else
		s->unroll.count = cond;
	if (!bt_parser__block(p, body))
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
	return bt_parser__block(p, s->if_.otherwise) ? s : NULL;
}

/* delete(@m[k]) or delete(@m, k) */
static struct bt_stmt *parse_delete(struct bt_parser *p)
{
	struct bt_token kw = *peek(p);
	struct bt_stmt *s = new_stmt(p, BT_STMT_DELETE, &kw);
	struct bt_expr *call = bt_parser__ident(p), *m;

	if (!s || !call)
		return NULL;
	if (call->call.nargs < 1 || call->call.nargs > 2 ||
	    call->call.args[0]->kind != BT_EXPR_MAP ||
	    (call->call.nargs == 2 && call->call.args[0]->map.nkeys)) {
		bt_parser__error(p, kw.line, kw.col,
				 "delete takes a map element: delete(@m[key]) "
				 "or delete(@m, key)");
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
		{BT_TOK_ASSIGN, BT_BINOP_NONE},
		{BT_TOK_ADD_ASSIGN, BT_BINOP_ADD},
		{BT_TOK_SUB_ASSIGN, BT_BINOP_SUB},
		{BT_TOK_MUL_ASSIGN, BT_BINOP_MUL},
		{BT_TOK_DIV_ASSIGN, BT_BINOP_DIV},
		{BT_TOK_MOD_ASSIGN, BT_BINOP_MOD},
		{BT_TOK_AND_ASSIGN, BT_BINOP_BAND},
		{BT_TOK_OR_ASSIGN, BT_BINOP_BOR},
		{BT_TOK_XOR_ASSIGN, BT_BINOP_BXOR},
		{BT_TOK_SHL_ASSIGN, BT_BINOP_SHL},
		{BT_TOK_SHR_ASSIGN, BT_BINOP_SHR},
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
static struct bt_stmt *parse_simple(struct bt_parser *p)
{
	struct bt_token first = *peek(p);
	struct bt_expr *e = bt_parser__expr(p);
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
	if (!bt_parser__is_lvalue(e)) {
		bt_parser__error(p, peek(p)->line, peek(p)->col,
				 "only a $variable or @map can be assigned to");
		return NULL;
	}
	next(p);
	s = new_stmt(p, BT_STMT_ASSIGN, &first);
	if (!s)
		return NULL;
	s->assign.target = e;
	s->assign.op = op;
	s->assign.value = bt_parser__expr(p);
	return s->assign.value ? s : NULL;
}

static struct bt_stmt *parse_stmt_inner(struct bt_parser *p)
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
		return s && bt_parser__block(p, &s->block) ? s : NULL;
	case BT_TOK_ELSE:
		bt_parser__error(p, t.line, t.col,
				 "'else' without a matching 'if'");
		return NULL;
	case BT_TOK_DIRECTIVE:
		bt_parser__error(
			p, t.line, t.col,
			"'#' directives are only allowed outside probes");
		return NULL;
	case BT_TOK_RETURN:
	case BT_TOK_BREAK:
	case BT_TOK_CONTINUE:
		next(p);
		s = new_stmt(p,
			     t.kind == BT_TOK_RETURN  ? BT_STMT_RETURN
			     : t.kind == BT_TOK_BREAK ? BT_STMT_BREAK
						      : BT_STMT_CONTINUE,
			     &t);
		if (s && t.kind == BT_TOK_RETURN && !at(p, BT_TOK_SEMI) &&
		    !at(p, BT_TOK_RBRACE)) {
			s->ret.value = bt_parser__expr(p);
			if (!s->ret.value)
				return NULL;
		}
		break;
	case BT_TOK_IDENT:
		if (!strcmp(t.str, "delete") &&
		    peek_n(p, 1)->kind == BT_TOK_LPAREN) {
			s = parse_delete(p);
			break;
		}
		/* bpftrace 0.17 has no for loops; say so rather than
		 * mis-parse for(...) as a call. */
		if (!strcmp(t.str, "for") &&
		    peek_n(p, 1)->kind == BT_TOK_LPAREN) {
			bt_parser__error(p, t.line, t.col,
					 "'for' loops are not supported; use "
					 "while or unroll");
			return NULL;
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

static struct bt_stmt *parse_stmt(struct bt_parser *p)
{
	struct bt_stmt *s;

	if (!enter(p, peek(p)))
		return NULL;
	s = parse_stmt_inner(p);
	leave(p);
	return s;
}
