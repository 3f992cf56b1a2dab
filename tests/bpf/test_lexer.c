/*
 * tests/bpf/test_lexer.c - the bpftrace lexer: every token kind, integer
 * and string literal forms, raw attach points, comments, positions, and
 * the exact error for each kind of bad input.
 */
#include <errno.h>
#include <stdlib.h>

#include "bpf/lexer.h"
#include "tests/tt_test.h"

#define MAXTOK 64

struct lexed {
	struct bt_arena *arena;
	struct bt_diags *diags;
	struct bt_token tok[MAXTOK];
	int n;
};

/* Lexes all of src (up to EOF or MAXTOK tokens). */
static void lex_all(struct lexed *l, const char *src)
{
	struct bt_lexer lx;

	l->arena = bt_arena__new();
	l->diags = bt_diags__new();
	l->n = 0;
	bt_lexer__init(&lx, src, strlen(src), l->arena, l->diags);
	while (l->n < MAXTOK) {
		struct bt_token *t = &l->tok[l->n++];

		if (bt_lexer__next(&lx, t) < 0 || t->kind == BT_TOK_EOF)
			break;
	}
}

static void lexed_free(struct lexed *l)
{
	bt_arena__free(l->arena);
	bt_diags__free(l->diags);
}

/* The first diagnostic as "line:col: msg" in buf. */
static const char *first_diag(const struct lexed *l, char *buf, size_t len)
{
	const struct bt_diag *d = bt_diags__get(l->diags, 0);

	if (!d)
		return "(none)";
	snprintf(buf, len, "%d:%d: %s", d->line, d->col, d->msg);
	return buf;
}

TT_TEST(punctuation_longest_match)
{
	static const enum bt_tok_kind want[] = {
		BT_TOK_SHL_ASSIGN, BT_TOK_SHL,	      BT_TOK_LE,
		BT_TOK_LT,	   BT_TOK_SHR_ASSIGN, BT_TOK_SHR,
		BT_TOK_GE,	   BT_TOK_GT,	      BT_TOK_ARROW,
		BT_TOK_DEC,	   BT_TOK_SUB_ASSIGN, BT_TOK_MINUS,
		BT_TOK_INC,	   BT_TOK_ADD_ASSIGN, BT_TOK_PLUS,
		BT_TOK_LAND,	   BT_TOK_AND_ASSIGN, BT_TOK_AMP,
		BT_TOK_LOR,	   BT_TOK_OR_ASSIGN,  BT_TOK_PIPE,
		BT_TOK_EQ,	   BT_TOK_ASSIGN,     BT_TOK_NE,
		BT_TOK_BANG,	   BT_TOK_XOR_ASSIGN, BT_TOK_CARET,
		BT_TOK_TILDE,	   BT_TOK_MUL_ASSIGN, BT_TOK_STAR,
		BT_TOK_DIV_ASSIGN, BT_TOK_SLASH,      BT_TOK_MOD_ASSIGN,
		BT_TOK_PERCENT,	   BT_TOK_LPAREN,     BT_TOK_RPAREN,
		BT_TOK_LBRACE,	   BT_TOK_RBRACE,     BT_TOK_LBRACKET,
		BT_TOK_RBRACKET,   BT_TOK_COMMA,      BT_TOK_SEMI,
		BT_TOK_COLON,	   BT_TOK_QUESTION,   BT_TOK_DOT,
		BT_TOK_EOF,
	};
	struct lexed l;
	size_t i;

	lex_all(&l,
		"<<= << <= < >>= >> >= > -> -- -= - ++ += + && &= & || "
		"|= | == = != ! ^= ^ ~ *= * /= / %= % ( ) { } [ ] , ; : ? .");
	CHECK_INT(l.n, sizeof(want) / sizeof(want[0]));
	for (i = 0; i < sizeof(want) / sizeof(want[0]); i++)
		CHECKF(l.tok[i].kind == want[i], "token %zu: %s, want %s", i,
		       bt_tok_kind__str(l.tok[i].kind),
		       bt_tok_kind__str(want[i]));
	CHECK_INT(bt_diags__count(l.diags), 0);
	lexed_free(&l);
}

TT_TEST(keywords_identifiers_sigils)
{
	struct lexed l;

	lex_all(&l, "if else unroll while return break continue sizeof struct "
		    "union enum iff comm $x $_y1 @ @map $1 $12 $#");
	CHECK_INT(l.tok[0].kind, BT_TOK_IF);
	CHECK_INT(l.tok[6].kind, BT_TOK_CONTINUE);
	CHECK_INT(l.tok[10].kind, BT_TOK_ENUM);
	CHECK_INT(l.tok[11].kind, BT_TOK_IDENT);
	CHECK_STR(l.tok[11].str, "iff");
	CHECK_STR(l.tok[12].str, "comm");
	CHECK_INT(l.tok[13].kind, BT_TOK_VAR);
	CHECK_STR(l.tok[13].str, "x");
	CHECK_STR(l.tok[14].str, "_y1");
	CHECK_INT(l.tok[15].kind, BT_TOK_MAP);
	CHECK_STR(l.tok[15].str, "");
	CHECK_INT(l.tok[16].kind, BT_TOK_MAP);
	CHECK_STR(l.tok[16].str, "map");
	CHECK_INT(l.tok[17].kind, BT_TOK_POSITIONAL);
	CHECK_INT(l.tok[17].ival, 1);
	CHECK_INT(l.tok[18].ival, 12);
	CHECK_INT(l.tok[19].kind, BT_TOK_NARGS);
	CHECK_INT(l.tok[20].kind, BT_TOK_EOF);
	lexed_free(&l);
}

TT_TEST(integer_literals)
{
	static const struct {
		const char *text;
		uint64_t value;
	} cases[] = {
		{"0", 0},
		{"42", 42},
		{"1_000_000", 1000000},
		{"0x2a", 42},
		{"0XfF", 255},
		{"052", 42},
		{"1e6", 1000000},
		{"5u", 5},
		{"5UL", 5},
		{"7ull", 7},
		{"18446744073709551615", UINT64_MAX},
		{"0xffffffffffffffff", UINT64_MAX},
	};
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct lexed l;

		lex_all(&l, cases[i].text);
		CHECKF(l.tok[0].kind == BT_TOK_INT, "%s: kind %s",
		       cases[i].text, bt_tok_kind__str(l.tok[0].kind));
		CHECKF(l.tok[0].ival == cases[i].value, "%s: %llu",
		       cases[i].text, (unsigned long long)l.tok[0].ival);
		CHECKF(l.tok[0].len == strlen(cases[i].text), "%s: len %zu",
		       cases[i].text, l.tok[0].len);
		CHECK_INT(l.tok[1].kind, BT_TOK_EOF);
		CHECK_INT(bt_diags__count(l.diags), 0);
		lexed_free(&l);
	}
}

/* Integers never swallow a '.', so tuple indexes $t.0.1 stay tokens. */
TT_TEST(integer_then_dot)
{
	struct lexed l;

	lex_all(&l, "$t.0.1");
	CHECK_INT(l.tok[0].kind, BT_TOK_VAR);
	CHECK_INT(l.tok[1].kind, BT_TOK_DOT);
	CHECK_INT(l.tok[2].kind, BT_TOK_INT);
	CHECK_INT(l.tok[3].kind, BT_TOK_DOT);
	CHECK_INT(l.tok[4].kind, BT_TOK_INT);
	CHECK_INT(l.tok[4].ival, 1);
	lexed_free(&l);
}

TT_TEST(string_escapes)
{
	struct lexed l;

	lex_all(&l, "\"a\\n\\t\\r\\\\\\\"\\'\\x41\\101\\0z\" \"\"");
	CHECK_INT(l.tok[0].kind, BT_TOK_STR);
	CHECK_INT(l.tok[0].slen, 11);
	CHECK(memcmp(l.tok[0].str, "a\n\t\r\\\"'AA\0z", 11) == 0);
	CHECK_INT(l.tok[1].kind, BT_TOK_STR);
	CHECK_INT(l.tok[1].slen, 0);
	CHECK_INT(bt_diags__count(l.diags), 0);
	lexed_free(&l);
}

TT_TEST(comments_and_positions)
{
	struct lexed l;

	lex_all(&l, "a // one\n  /* two\n three */ b\n\tc");
	CHECK_STR(l.tok[0].str, "a");
	CHECK_INT(l.tok[0].line, 1);
	CHECK_INT(l.tok[0].col, 1);
	CHECK_STR(l.tok[1].str, "b");
	CHECK_INT(l.tok[1].line, 3);
	CHECK_INT(l.tok[1].col, 11);
	CHECK_STR(l.tok[2].str, "c");
	CHECK_INT(l.tok[2].line, 4);
	CHECK_INT(l.tok[2].col, 2);
	CHECK_INT(l.tok[3].kind, BT_TOK_EOF);
	lexed_free(&l);
}

TT_TEST(directives_only_at_line_start)
{
	struct lexed l;
	char buf[600];

	lex_all(&l, "  #include <a.h>\n#define X 1 \\\n + 2\nx # y");
	CHECK_INT(l.tok[0].kind, BT_TOK_DIRECTIVE);
	CHECK_STR(l.tok[0].str, "include <a.h>");
	CHECK_INT(l.tok[0].col, 3);
	CHECK_INT(l.tok[1].kind, BT_TOK_DIRECTIVE);
	CHECK_STR(l.tok[1].str, "define X 1 \\\n + 2");
	CHECK_INT(l.tok[2].kind, BT_TOK_IDENT);
	CHECK_INT(l.tok[3].kind, BT_TOK_ERROR);
	CHECK_STR(first_diag(&l, buf, sizeof(buf)),
		  "4:3: unknown character '#'");
	lexed_free(&l);
}

/* Each lexical error: exact position and words. */
TT_TEST(errors_with_positions)
{
	static const struct {
		const char *src, *diag;
	} cases[] = {
		{"a `", "1:3: unknown character '`'"},
		{"x\n  \"abc", "2:3: unterminated string"},
		{"\"ab\ncd", "1:1: unterminated string"},
		{"\"a\\qb\"", "1:3: invalid escape '\\q' in string"},
		{"\"\\777\"", "1:2: invalid escape '\\7' in string"},
		{"99999999999999999999", "1:1: integer literal too large"},
		{"1e20", "1:1: integer literal too large"},
		{"  5us", "1:3: invalid integer literal '5us'"},
		{"0x10u", "1:1: invalid integer literal '0x10u'"},
		{"a /* b", "1:3: unterminated comment"},
		{"$", "1:1: expected a variable name after '$'"},
		{"$0", "1:1: invalid positional parameter"},
		{"\x01", "1:1: unknown character '\\x01'"},
	};
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct lexed l;
		char buf[600];
		int k, errors = 0;

		lex_all(&l, cases[i].src);
		for (k = 0; k < l.n; k++)
			errors += l.tok[k].kind == BT_TOK_ERROR;
		CHECKF(errors == 1, "%s: %d error tokens", cases[i].src,
		       errors);
		CHECK_STR(first_diag(&l, buf, sizeof(buf)), cases[i].diag);
		CHECK_INT(bt_diags__count(l.diags), 1);
		lexed_free(&l);
	}
}

/* NUL bytes inside the input are errors, not the end of the input. */
TT_TEST(embedded_nul)
{
	struct bt_arena *a = bt_arena__new();
	struct bt_diags *d = bt_diags__new();
	struct bt_lexer lx;
	struct bt_token t;

	bt_lexer__init(&lx, "a\0b", 3, a, d);
	CHECK_INT(bt_lexer__next(&lx, &t), 0);
	CHECK_INT(t.kind, BT_TOK_IDENT);
	CHECK_INT(bt_lexer__next(&lx, &t), 0);
	CHECK_INT(t.kind, BT_TOK_ERROR);
	CHECK_INT(bt_lexer__next(&lx, &t), 0);
	CHECK_STR(t.str, "b");
	CHECK_INT(bt_lexer__next(&lx, &t), 0);
	CHECK_INT(t.kind, BT_TOK_EOF);
	CHECK_STR(bt_diags__get(d, 0)->msg, "unknown character '\\x00'");
	bt_arena__free(a);
	bt_diags__free(d);
}

static const char *attach_text(struct bt_lexer *lx, struct bt_token *t)
{
	if (bt_lexer__attach_point(lx, t) < 0 || t->kind != BT_TOK_ATTACH)
		return "(error)";
	return t->str;
}

TT_TEST(attach_points_raw)
{
	const char *src =
		"  tracepoint:syscalls:sys_enter_*,uprobe:/bin/bash:readline"
		"/pid/ kprobe:tcp_*+0x10{ BEGIN\n/* c */ u:\"/a b\":f ";
	struct bt_arena *a = bt_arena__new();
	struct bt_lexer lx;
	struct bt_token t;

	bt_lexer__init(&lx, src, strlen(src), a, NULL);
	CHECK_STR(attach_text(&lx, &t), "tracepoint:syscalls:sys_enter_*");
	CHECK_INT(t.col, 3);
	CHECK_INT(bt_lexer__next(&lx, &t), 0);
	CHECK_INT(t.kind, BT_TOK_COMMA);
	/* The path keeps its '/', the predicate's '/' ends the point. */
	CHECK_STR(attach_text(&lx, &t), "uprobe:/bin/bash:readline");
	CHECK_INT(bt_lexer__next(&lx, &t), 0);
	CHECK_INT(t.kind, BT_TOK_SLASH);
	CHECK_INT(bt_lexer__next(&lx, &t), 0);
	CHECK_INT(bt_lexer__next(&lx, &t), 0);
	CHECK_STR(attach_text(&lx, &t), "kprobe:tcp_*+0x10");
	CHECK_INT(bt_lexer__next(&lx, &t), 0);
	CHECK_INT(t.kind, BT_TOK_LBRACE);
	CHECK_STR(attach_text(&lx, &t), "BEGIN");
	CHECK_STR(attach_text(&lx, &t), "u:\"/a b\":f");
	CHECK_INT(t.line, 2);
	CHECK_INT(t.col, 9);
	CHECK_INT(bt_lexer__attach_point(&lx, &t), 0);
	CHECK_INT(t.kind, BT_TOK_ERROR); /* nothing left */
	CHECK_INT(t.len, 0);
	bt_arena__free(a);
}

/* Decoded string offsets map back to source columns across escapes. */
TT_TEST(string_columns)
{
	struct bt_expr e;
	const char *raw = "a\\tb\\x41\\101%q";

	memset(&e, 0, sizeof(e));
	e.kind = BT_EXPR_STR;
	e.col = 10; /* the opening quote */
	e.str.raw = raw;
	e.str.raw_len = strlen(raw);
	CHECK_INT(bt_lexer__str_col(&e, 0), 11); /* a */
	CHECK_INT(bt_lexer__str_col(&e, 1), 12); /* \t */
	CHECK_INT(bt_lexer__str_col(&e, 2), 14); /* b */
	CHECK_INT(bt_lexer__str_col(&e, 3), 15); /* \x41 */
	CHECK_INT(bt_lexer__str_col(&e, 4), 19); /* \101 */
	CHECK_INT(bt_lexer__str_col(&e, 5), 23); /* % */
	CHECK_INT(bt_lexer__str_col(&e, 99), 25); /* the closing quote */
}

TT_TEST(token_names)
{
	CHECK_STR(bt_tok_kind__str(BT_TOK_LBRACE), "'{'");
	CHECK_STR(bt_tok_kind__str(BT_TOK_EOF), "end of input");
	CHECK_STR(bt_tok_kind__str(BT_TOK_SHR_ASSIGN), "'>>='");
	CHECK_STR(bt_tok_kind__str((enum bt_tok_kind)9999), "token");
}

TT_MAIN("bpf/lexer", TT_CASE(punctuation_longest_match),
	TT_CASE(keywords_identifiers_sigils), TT_CASE(integer_literals),
	TT_CASE(integer_then_dot), TT_CASE(string_escapes),
	TT_CASE(comments_and_positions), TT_CASE(directives_only_at_line_start),
	TT_CASE(errors_with_positions), TT_CASE(embedded_nul),
	TT_CASE(attach_points_raw), TT_CASE(string_columns),
	TT_CASE(token_names))
