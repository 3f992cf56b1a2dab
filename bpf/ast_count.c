/*
 * ast_count.c - how many expression nodes a probe holds.
 *
 * Semantic analysis sizes its annotation table from this count before it
 * analyses a unit, so the table never moves while annotations are held
 * (sema.c). The count must never be short: every expression child of
 * every statement and expression kind is visited (the same shape as the
 * AST dump in ast.c).
 */
#include "bpf/ast_count.h"

static size_t count_exprs(const struct bt_expr *e);

static size_t count_list(struct bt_expr *const *v, size_t n)
{
	size_t c = 0;
	for (size_t i = 0; i < n; i++)
		c += count_exprs(v[i]);
	return c;
}

static size_t count_exprs(const struct bt_expr *e)
{
	if (!e)
		return 0;
	switch (e->kind) {
	case BT_EXPR_MAP:
		return 1 + count_list(e->map.keys, e->map.nkeys);
	case BT_EXPR_CALL:
		return 1 + count_list(e->call.args, e->call.nargs);
	case BT_EXPR_UNARY:
		return 1 + count_exprs(e->unary.operand);
	case BT_EXPR_BINARY:
		return 1 + count_exprs(e->binary.lhs) +
		       count_exprs(e->binary.rhs);
	case BT_EXPR_TERNARY:
		return 1 + count_exprs(e->ternary.cond) +
		       count_exprs(e->ternary.then) +
		       count_exprs(e->ternary.otherwise);
	case BT_EXPR_CAST:
		return 1 + count_exprs(e->cast.operand);
	case BT_EXPR_MEMBER:
		return 1 + count_exprs(e->member.base);
	case BT_EXPR_INDEX:
		return 1 + count_exprs(e->index.base) +
		       count_exprs(e->index.index);
	case BT_EXPR_TUPLE:
		return 1 + count_list(e->tuple.elems, e->tuple.n);
	case BT_EXPR_TUPLE_INDEX:
		return 1 + count_exprs(e->tuple_index.base);
	case BT_EXPR_SIZEOF:
		return 1 + count_exprs(e->size_of.expr);
	case BT_EXPR_INCDEC:
		return 1 + count_exprs(e->incdec.target);
	default:
		return 1;
	}
}

static size_t count_block(const struct bt_block *b);

static size_t count_stmt(const struct bt_stmt *st)
{
	switch (st->kind) {
	case BT_STMT_EXPR:
		return count_exprs(st->expr);
	case BT_STMT_ASSIGN:
		return count_exprs(st->assign.target) +
		       count_exprs(st->assign.value);
	case BT_STMT_IF:
		return count_exprs(st->if_.cond) + count_block(&st->if_.then) +
		       (st->if_.otherwise ? count_block(st->if_.otherwise) : 0);
	case BT_STMT_UNROLL:
		return count_exprs(st->unroll.count) +
		       count_block(&st->unroll.body);
	case BT_STMT_WHILE:
		return count_exprs(st->while_.cond) +
		       count_block(&st->while_.body);
	case BT_STMT_RETURN:
		return count_exprs(st->ret.value);
	case BT_STMT_DELETE:
		return count_exprs(st->del.map);
	case BT_STMT_BLOCK:
		return count_block(&st->block);
	default:
		return 0;
	}
}

static size_t count_block(const struct bt_block *b)
{
	size_t c = 0;
	for (size_t i = 0; i < b->n; i++)
		c += count_stmt(b->stmts[i]);
	return c;
}

size_t bt_probe__nexprs(const struct bt_probe *probe)
{
	return count_exprs(probe->predicate) + count_block(&probe->body);
}
