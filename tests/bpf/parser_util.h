/*
 * tests/bpf/parser_util.h - what the parser tests share: parse a program
 * and get its AST dump, or its first diagnostic.
 */
#ifndef BT_TEST_PARSER_UTIL_H
#define BT_TEST_PARSER_UTIL_H

#include <stdio.h>
#include <string.h>

#include "bpf/parser.h"

static char dump_buf[8192];

/* Parses src; returns the AST dump, or "ERR line:col: msg" of the first
 * diagnostic. Checks that success and diagnostics agree. */
static inline const char *parse_dump(const char *src)
{
	struct bt_diags *d = bt_diags__new();
	struct bt_ast *ast = NULL;
	int err = bt_parse(src, &ast, d);
	FILE *f;

	if (err) {
		const struct bt_diag *g = bt_diags__get(d, 0);

		snprintf(dump_buf, sizeof(dump_buf), "ERR %d %d:%d: %s", err,
			 g ? g->line : -1, g ? g->col : -1,
			 g ? g->msg : "none");
		bt_diags__free(d);
		return dump_buf;
	}
	f = fmemopen(dump_buf, sizeof(dump_buf), "w");
	bt_ast__dump(ast, f);
	fclose(f);
	if (bt_diags__count(d))
		snprintf(dump_buf, sizeof(dump_buf), "diagnostics on success");
	bt_ast__free(ast);
	bt_diags__free(d);
	return dump_buf;
}

#endif
