/*
 * tests/bpf/test_parser_errors.c - the parser on bad input: syntax errors
 * at exact line:col with their words, recovery (one diagnostic per bad
 * statement), rendering with a caret, and the limits that keep hostile
 * input from overflowing the stack or flooding diagnostics.
 */
#include <errno.h>
#include <stdlib.h>

#include "bpf/lexer.h"
#include "tests/bpf/parser_util.h"
#include "tests/tt_test.h"

/* Syntax errors: exact line:col and words. */
TT_TEST(error_messages)
{
	static const struct {
		const char *src, *want;
	} cases[] = {
		{"BEGIN { $x = 1 $y = 2 }", "ERR -22 1:16: expected ';' or '}' "
					    "after statement, got variable"},
		{"BEGIN {\n  printf(\"abc);\n}",
		 "ERR -22 2:10: unterminated string"},
		{"BEGIN { $x = `a; }", "ERR -22 1:14: unknown character '`'"},
		{"foo:bar { }", "ERR -22 1:1: unknown probe type 'foo'"},
		{"tracepiont:a:b { }",
		 "ERR -22 1:1: unknown probe type "
		 "'tracepiont' (did you mean 'tracepoint'?)"},
		{"kretprob:f { }", "ERR -22 1:1: unknown probe type 'kretprob' "
				   "(did you mean 'kretprobe'?)"},
		{"BEGN { }", "ERR -22 1:1: unknown probe type 'BEGN' (did you "
			     "mean 'BEGIN'?)"},
		{"BEGIN { if ($x { } }", "ERR -22 1:16: expected ')', got '{'"},
		{"BEGIN { $x = 1;",
		 "ERR -22 1:16: expected '}' to close the block opened at 1:7"},
		{"BEGIN { 1 = 2; }",
		 "ERR -22 1:11: only a $variable or @map can be assigned to"},
		{"BEGIN { 3++; }",
		 "ERR -22 1:10: '++' needs a $variable or @map operand"},
		{"kprobe:f /pid {}",
		 "ERR -22 1:15: expected '/' to end the predicate, got '{'"},
		{"kprobe:f pid {}", "ERR -22 1:10: expected '{' or a predicate "
				    "after the attach points, got identifier"},
		{"", "ERR -22 1:1: the program has no probes"},
		{"// nothing\n", "ERR -22 2:1: the program has no probes"},
		{"BEGIN { $x = (1,); }",
		 "ERR -22 1:14: a tuple needs two or more elements"},
		{"BEGIN { @x[] = 1; }", "ERR -22 1:12: a map key is missing"},
		{"BEGIN { $x = ; }",
		 "ERR -22 1:14: expected an expression, got ';'"},
		{"BEGIN { f(1, ; }",
		 "ERR -22 1:14: expected an expression, got ';'"},
		{"BEGIN { f(1 2) }", "ERR -22 1:13: expected ',' or ')' in the "
				     "argument list, got integer"},
		{"BEGIN { else { } }",
		 "ERR -22 1:9: 'else' without a matching 'if'"},
		{"BEGIN { if { } }",
		 "ERR -22 1:12: expected '(' after 'if', got '{'"},
		{"BEGIN { $a.; }",
		 "ERR -22 1:12: expected a field name, got ';'"},
		{"BEGIN { delete(1) }",
		 "ERR -22 1:9: delete takes a map element: delete(@m[key]) or "
		 "delete(@m, key)"},
		{"BEGIN { $x = (struct 1)0; }",
		 "ERR -22 1:22: expected a type name, got integer"},
		{"BEGIN { $x = 1 ? 2; }",
		 "ERR -22 1:19: expected ':' in the ?: expression, got ';'"},
		{"BEGIN {\n#include <x.h>\n}",
		 "ERR -22 2:1: '#' directives are only allowed outside probes"},
		{"#pragma once\nBEGIN{}",
		 "ERR -22 1:1: unsupported directive '#pragma'"},
		{"#define F(x) x\nBEGIN{}",
		 "ERR -22 1:1: function-like macros are not supported"},
		{"#include\nBEGIN{}",
		 "ERR -22 1:1: expected <file> or \"file\" after #include"},
		{"#ifdef X\nBEGIN{}", "ERR -22 2:8: missing #endif"},
		{"#endif\nBEGIN{}", "ERR -22 1:1: #endif without #if"},
		{"#if X > 1\n#endif\nBEGIN{}",
		 "ERR -22 1:1: unsupported #if condition (use 0, 1, "
		 "defined(NAME) or #ifdef)"},
		{"struct X { int; }",
		 "ERR -22 1:15: expected a member name, got ';'"},
		{"struct X { int a[2][3]; }",
		 "ERR -22 1:20: multi-dimensional arrays are not supported"},
		{"BEGIN { $x = (int8[)1; }",
		 "ERR -22 1:20: expected an array length, got ')'"},
		{"BEGIN { $x = $t.99999; }",
		 "ERR -22 1:17: tuple index too large"},
		{", BEGIN {}",
		 "ERR -22 1:1: expected an attach point, got ','"},
		{"struct { int a; }",
		 "ERR -22 1:8: expected a struct name, got '{'"},
		{"struct X int a; }", "ERR -22 1:10: expected '{' after the "
				      "struct name, got identifier"},
		{"struct X { int a;", "ERR -22 1:18: expected '}' to end the "
				      "struct, got end of input"},
		{"#if defined FOO junk\n#endif\nBEGIN{}",
		 "ERR -22 1:1: unsupported #if condition (use 0, 1, "
		 "defined(NAME) "
		 "or #ifdef)"},
		{"#ifdef\n#endif\nBEGIN{}",
		 "ERR -22 1:1: expected one name after #ifdef"},
		{"#if 1\n#else\n#else\n#endif\nBEGIN{}",
		 "ERR -22 3:1: #else after #else"},
		{"#define\nBEGIN{}",
		 "ERR -22 1:1: expected a macro name after #define"},
		{"uprobe:\"/bin/bash:readline {}",
		 "ERR -22 1:8: unterminated string"},
		{"BEGIN { $x = (short long)1; }",
		 "ERR -22 1:15: invalid C type"},
		{"BEGIN { $x = sizeof 1; }",
		 "ERR -22 1:21: expected '(' after sizeof, got integer"},
		{"BEGIN { $x = (struct)1; }",
		 "ERR -22 1:21: expected a type name, got ')'"},
		{"BEGIN { for ($i : 0..3) { } }",
		 "ERR -22 1:9: 'for' loops are not supported; use while or "
		 "unroll"},
		{"BEGIN { $x = offsetof(struct s, f); }",
		 "ERR -22 1:14: offsetof() is not supported"},
	};
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		CHECK_STR(parse_dump(cases[i].src), cases[i].want);
}

/* Recovery: one diagnostic per bad statement, the rest still checked. */
TT_TEST(error_recovery)
{
	struct bt_diags *d = bt_diags__new();
	struct bt_ast *ast = (struct bt_ast *)1;
	const char *src = "BEGIN {\n  $x = ;\n  $y = 1;\n  @z[ = 2;\n  if (1) "
			  "{ $a = ) }\n"
			  "  $ok = 1\n}\nfoo:x { $b = ; }\nEND { 1 + }\n";

	CHECK_INT(bt_parse(src, &ast, d), -EINVAL);
	CHECK(ast == NULL);
	CHECK_INT(bt_diags__count(d), 6);
	CHECK_INT(bt_diags__get(d, 0)->line, 2);
	CHECK_INT(bt_diags__get(d, 1)->line, 4);
	CHECK_INT(bt_diags__get(d, 2)->line, 5);
	CHECK_INT(bt_diags__get(d, 2)->col, 17);
	CHECK_STR(bt_diags__get(d, 3)->msg, "unknown probe type 'foo'");
	CHECK_INT(bt_diags__get(d, 4)->line, 8);
	CHECK_INT(bt_diags__get(d, 4)->col, 14);
	CHECK_INT(bt_diags__get(d, 5)->line, 9);
	bt_diags__free(d);
}

/* A bad struct member is one error; the probes after it still parse. */
TT_TEST(struct_recovery)
{
	struct bt_diags *d = bt_diags__new();
	struct bt_ast *ast;

	CHECK_INT(bt_parse("struct X { int; struct { int a; } b; int c; }\n"
			   "BEGIN { $x = ; }",
			   &ast, d),
		  -EINVAL);
	CHECK_INT(bt_diags__count(d), 2);
	CHECK_STR(bt_diags__get(d, 0)->msg, "expected a member name, got ';'");
	CHECK_INT(bt_diags__get(d, 1)->line, 2);
	CHECK_INT(bt_diags__get(d, 1)->col, 14);
	bt_diags__free(d);
}

TT_TEST(render_with_caret)
{
	struct bt_diags *d = bt_diags__new();
	struct bt_ast *ast;
	const char *src = "BEGIN {\n\t$x = 1 $y\n}\n";
	char *r;

	CHECK_INT(bt_parse(src, &ast, d), -EINVAL);
	r = bt_diags__render(d, src, "prog.bt");
	CHECK_STR(r, "prog.bt:2:9: error: expected ';' or '}' after statement, "
		     "got variable\n"
		     "    \t$x = 1 $y\n"
		     "    \t       ^\n");
	free(r);
	bt_diags__add(d, 0, 0, "no position %d", 7);
	bt_diags__add(d, 99, 3, "past the end");
	r = bt_diags__render(d, src, NULL);
	CHECK(strstr(r, "<program>: error: no position 7\n") != NULL);
	CHECK(strstr(r, "<program>:99:3: error: past the end\n") != NULL);
	free(r);
	bt_diags__free(d);
}

TT_TEST(render_utf8_and_control)
{
	struct bt_diags *d = bt_diags__new();
	char *r;

	bt_diags__add(d, 1, 8, "here");
	r = bt_diags__render(d, "\"h\xc3\xa9\x1b\" x", "f");
	/* The escape byte shows as '?', the 2-byte é takes one column. */
	CHECK_STR(r, "f:1:8: error: here\n    \"h\xc3\xa9?\" x\n          ^\n");
	free(r);
	CHECK_INT(bt_diags__count(d), 1);
	CHECK(bt_diags__get(d, 1) == NULL);
	bt_diags__free(d);
}

static char *repeat(const char *a, int n, const char *mid, const char *b)
{
	size_t la = strlen(a), lb = strlen(b), lm = strlen(mid);
	char *s = malloc(la * n + lb * n + lm + 1), *p = s;
	int i;

	for (i = 0; i < n; i++, p += la)
		memcpy(p, a, la);
	memcpy(p, mid, lm);
	p += lm;
	for (i = 0; i < n; i++, p += lb)
		memcpy(p, b, lb);
	*p = 0;
	return s;
}

static const char *parse_wrapped(const char *body)
{
	static char src[1 << 20];

	snprintf(src, sizeof(src), "BEGIN { $x = %s; }", body);
	return parse_dump(src);
}

/* Deep input is an error, never a stack overflow, and AST height stays
 * bounded so later passes can recurse. */
TT_TEST(depth_limits)
{
	char *s;

	s = repeat("(", 100000, "1", ")");
	CHECK(strstr(parse_wrapped(s), "nested too deeply") != NULL);
	free(s);
	s = repeat("-", 100000, "1", "");
	CHECK(strstr(parse_wrapped(s), "nested too deeply") != NULL);
	free(s);
	s = repeat("1+", 100000, "1", "");
	CHECK(strstr(parse_wrapped(s), "nested too deeply") != NULL);
	free(s);
	s = repeat("$a.", 1, "b", "");
	CHECK(strstr(parse_wrapped(s), "ERR") == NULL);
	free(s);
	s = repeat("{", 100000, "", "}");
	CHECK(strstr(parse_wrapped(s), "ERR") != NULL);
	free(s);
	s = repeat("if (1) {", 300, "", "}");
	{
		char src[8192];

		snprintf(src, sizeof(src), "BEGIN { %s }", s);
		CHECK(strstr(parse_dump(src), "nested too deeply") != NULL);
	}
	free(s);
	/* Within the limit is fine. */
	s = repeat("(", BT_AST_MAX_DEPTH / 4, "1", ")");
	CHECK_STR(parse_wrapped(s), "(probe (BEGIN)\n  (= $x 1))\n");
	free(s);
}

/* Many errors stop after a bounded number of diagnostics. */
TT_TEST(error_flood_bounded)
{
	struct bt_diags *d = bt_diags__new();
	struct bt_ast *ast;
	char *s = repeat("$x = ; ", 1000, "", "");
	char *src = malloc(strlen(s) + 16);

	sprintf(src, "BEGIN { %s }", s);
	CHECK_INT(bt_parse(src, &ast, d), -EINVAL);
	CHECK(bt_diags__count(d) >= 10 && bt_diags__count(d) <= 20);
	free(s);
	free(src);
	bt_diags__free(d);
}

TT_MAIN("bpf/parser", TT_CASE(error_messages), TT_CASE(error_recovery),
	TT_CASE(struct_recovery), TT_CASE(render_with_caret),
	TT_CASE(render_utf8_and_control), TT_CASE(depth_limits),
	TT_CASE(error_flood_bounded))
