/*
 * bpf/fuzz_frontend.c - libFuzzer target over the compiler front end:
 * lexer, parser, AST dump, diagnostics rendering and the printf format
 * parser. Any input must give either an AST or diagnostics; a crash, an
 * out-of-bounds read (ASan), undefined behaviour (UBSan) or a leak is a
 * bug. The input is used whole (it may hold NULs) for bt_parse_n(), and as
 * a format string; every string literal of a parsed program's printf()
 * calls is also parsed as a format.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bpf/parser.h"
#include "bpf/printf_format.h"

static FILE *sink;

static void check_format(const char *s, size_t len)
{
	struct bt_fmt f;
	struct bt_fmt_error e;
	char buf[128];
	size_t i;

	if (bt_fmt__parse(s, len, &f, &e) == 0) {
		size_t prev = 0;

		for (i = 0; i < f.n; i++) {
			bt_fmt_conv__cspec(&f.convs[i], buf, sizeof(buf));
			bt_fmt__literal(s, prev, f.convs[i].offset, buf,
					sizeof(buf));
			prev = f.convs[i].offset + f.convs[i].len;
		}
		bt_fmt__literal(s, prev, len, buf, sizeof(buf));
	} else if (e.offset > len) {
		abort(); /* errors must point inside the format */
	}
	bt_fmt__free(&f);
}

static void walk_stmts(const struct bt_block *b);

static void walk_stmt(const struct bt_stmt *s)
{
	const struct bt_expr *e;

	switch (s->kind) {
	case BT_STMT_EXPR:
		e = s->expr;
		if (e->kind == BT_EXPR_CALL && e->call.nargs &&
		    e->call.args[0]->kind == BT_EXPR_STR)
			check_format(e->call.args[0]->str.data,
				     e->call.args[0]->str.len);
		break;
	case BT_STMT_IF:
		walk_stmts(&s->if_.then);
		if (s->if_.otherwise)
			walk_stmts(s->if_.otherwise);
		break;
	case BT_STMT_WHILE:
		walk_stmts(&s->while_.body);
		break;
	case BT_STMT_UNROLL:
		walk_stmts(&s->unroll.body);
		break;
	case BT_STMT_BLOCK:
		walk_stmts(&s->block);
		break;
	default:
		break;
	}
}

static void walk_stmts(const struct bt_block *b)
{
	size_t i;

	for (i = 0; i < b->n; i++)
		walk_stmt(b->stmts[i]);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct bt_diags *diags = bt_diags__new();
	struct bt_ast *ast = NULL;
	char *src = malloc(size + 1);
	size_t i;
	int err;

	if (!sink)
		sink = fopen("/dev/null", "w");
	if (!src || !diags || !sink)
		abort();
	memcpy(src, data, size);
	src[size] = 0;
	err = bt_parse_n(src, size, &ast, diags);
	if (err == 0) {
		if (bt_diags__count(diags))
			abort(); /* success never leaves diagnostics */
		bt_ast__dump(ast, sink);
		for (i = 0; i < ast->nprobes; i++)
			walk_stmts(&ast->probes[i].body);
		bt_ast__free(ast);
	} else {
		char *r;

		if (ast || bt_diags__count(diags) == 0)
			abort(); /* failure always explains itself */
		r = bt_diags__render(diags, src, "fuzz.bt");
		if (r)
			fputs(r, sink);
		free(r);
	}
	check_format((const char *)data, size);
	bt_diags__free(diags);
	free(src);
	return 0;
}
