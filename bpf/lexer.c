/*
 * bpf/lexer.c - bpftrace program text to tokens (see lexer.h).
 *
 * A hand-written scanner: each token kind is one small function chosen by
 * the first byte. Every read is bounds-checked against lx->len through
 * peek(), which returns 0 past the end, so malformed input (NULs, truncated
 * escapes, a lone '$' at the end) can never read out of bounds.
 *
 * Integer literals follow bpftrace 0.17: decimal with '_' separators
 * between digits, octal with a leading 0, hex with 0x, a scientific form
 * 1e6 (integer result), and on decimals the C suffixes u, l, ul, ll, ull
 * (ignored).
 * Strings take the escapes \n \t \r \\ \" \' \0-\377 (octal) and \xHH and
 * may not span lines.
 */
#include "bpf/lexer.h"

#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int peek(const struct bt_lexer *lx, size_t ahead)
{
	size_t i = lx->pos + ahead;
	return i < lx->len ? (unsigned char)lx->src[i] : 0;
}

static bool at_end(const struct bt_lexer *lx)
{
	return lx->pos >= lx->len;
}

static void advance(struct bt_lexer *lx)
{
	if (at_end(lx))
		return;
	if (lx->src[lx->pos] == '\n') {
		lx->line++;
		lx->line_start = lx->pos + 1;
	}
	lx->pos++;
}

static int col_of(const struct bt_lexer *lx, size_t off)
{
	return (int)(off - lx->line_start) + 1;
}

static bool is_ident_start(int c)
{
	return c == '_' || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

static bool is_ident_char(int c)
{
	return is_ident_start(c) || (c >= '0' && c <= '9');
}

void bt_lexer__init(struct bt_lexer *lx, const char *src, size_t len,
		    struct bt_arena *arena, struct bt_diags *diags)
{
	memset(lx, 0, sizeof(*lx));
	lx->src = src;
	lx->len = len;
	lx->line = 1;
	lx->arena = arena;
	lx->diags = diags;
}

/* Reports an error at a byte offset on the current line. */
__attribute__((format(printf, 3, 4))) static void
lex_error(struct bt_lexer *lx, size_t off, const char *fmt, ...)
{
	char msg[256];
	va_list ap;

	/* Re-lexing after the parser rewinds must not repeat a report. */
	if (lx->quiet || off < lx->report_from)
		return;
	lx->nerrors++;
	lx->report_from = off + 1;
	if (!lx->diags)
		return;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	bt_diags__add(lx->diags, lx->line, col_of(lx, off), "%s", msg);
}

/* Writes a printable rendering of byte c ("`", "\x01") into buf[8]. */
static const char *show_char(int c, char *buf)
{
	if (c >= 0x21 && c < 0x7f)
		snprintf(buf, 8, "%c", c);
	else
		snprintf(buf, 8, "\\x%02x", c & 0xff);
	return buf;
}

/* Skips blanks and comments; returns -1 after an unterminated comment. */
static int skip_space(struct bt_lexer *lx)
{
	for (;;) {
		int c = peek(lx, 0);

		if (at_end(lx))
			return 0;
		if (c == ' ' || c == '\t' || c == '\n' || c == '\r' ||
		    c == '\f' || c == '\v') {
			advance(lx);
		} else if (c == '/' && peek(lx, 1) == '/') {
			while (!at_end(lx) && peek(lx, 0) != '\n')
				advance(lx);
		} else if (c == '/' && peek(lx, 1) == '*') {
			size_t start = lx->pos;
			int line = lx->line;
			size_t ls = lx->line_start;

			advance(lx);
			advance(lx);
			while (!at_end(lx) &&
			       !(peek(lx, 0) == '*' && peek(lx, 1) == '/'))
				advance(lx);
			if (at_end(lx)) {
				int save_line = lx->line;
				size_t save_ls = lx->line_start;

				lx->line = line;
				lx->line_start = ls;
				lex_error(lx, start, "unterminated comment");
				lx->line = save_line;
				lx->line_start = save_ls;
				return -1;
			}
			advance(lx);
			advance(lx);
		} else {
			return 0;
		}
	}
}

static void tok_begin(struct bt_lexer *lx, struct bt_token *tok,
		      enum bt_tok_kind kind)
{
	memset(tok, 0, sizeof(*tok));
	tok->kind = kind;
	tok->line = lx->line;
	tok->col = col_of(lx, lx->pos);
	tok->off = lx->pos;
}

static void tok_end(struct bt_lexer *lx, struct bt_token *tok)
{
	tok->len = lx->pos - tok->off;
}

/* Copies the token's raw bytes [from, pos) into the arena as tok->str. */
static int tok_copy(struct bt_lexer *lx, struct bt_token *tok, size_t from)
{
	tok->slen = lx->pos - from;
	tok->str = bt_arena__strndup(lx->arena, lx->src + from, tok->slen);
	if (!tok->str) {
		tok->kind = BT_TOK_ERROR;
		return -ENOMEM;
	}
	return 0;
}

static const struct {
	const char *word;
	enum bt_tok_kind kind;
} keywords[] = {
	{"if", BT_TOK_IF},
	{"else", BT_TOK_ELSE},
	{"unroll", BT_TOK_UNROLL},
	{"while", BT_TOK_WHILE},
	{"return", BT_TOK_RETURN},
	{"break", BT_TOK_BREAK},
	{"continue", BT_TOK_CONTINUE},
	{"sizeof", BT_TOK_SIZEOF},
	{"struct", BT_TOK_STRUCT},
	{"union", BT_TOK_UNION},
	{"enum", BT_TOK_ENUM},
};

static int lex_ident(struct bt_lexer *lx, struct bt_token *tok)
{
	size_t start = lx->pos;
	size_t i;

	tok->kind = BT_TOK_IDENT;
	while (is_ident_char(peek(lx, 0)))
		advance(lx);
	for (i = 0; i < sizeof(keywords) / sizeof(keywords[0]); i++) {
		size_t n = strlen(keywords[i].word);

		if (n == lx->pos - start &&
		    memcmp(lx->src + start, keywords[i].word, n) == 0) {
			tok->kind = keywords[i].kind;
			break;
		}
	}
	return tok_copy(lx, tok, start);
}

static unsigned digit_value(int c)
{
	if (c >= '0' && c <= '9')
		return (unsigned)(c - '0');
	if (c >= 'a' && c <= 'f')
		return (unsigned)(c - 'a' + 10);
	if (c >= 'A' && c <= 'F')
		return (unsigned)(c - 'A' + 10);
	return 99;
}

/* *v = *v * base + d, false on overflow. */
static bool mul_add(uint64_t *v, unsigned base, unsigned d)
{
	if (*v > (UINT64_MAX - d) / base)
		return false;
	*v = *v * base + d;
	return true;
}

/* True when [s, s+n) is one of the integer suffixes bpftrace accepts. */
static bool is_int_suffix(const char *s, size_t n)
{
	static const char *const ok[] = {"u",  "l",   "ul", "lu",
					 "ll", "ull", "llu"};
	char low[4];
	size_t i;

	if (n == 0)
		return true;
	if (n > 3)
		return false;
	for (i = 0; i < n; i++)
		low[i] = (char)tolower((unsigned char)s[i]);
	low[n] = 0;
	for (i = 0; i < sizeof(ok) / sizeof(ok[0]); i++)
		if (strcmp(low, ok[i]) == 0)
			return true;
	return false;
}

/* Reads digits of base with optional '_' between digits into *v. */
static bool scan_digits(struct bt_lexer *lx, unsigned base, uint64_t *v,
			bool *overflow)
{
	bool any = false;

	for (;;) {
		int c = peek(lx, 0);

		if (c == '_' && any && digit_value(peek(lx, 1)) < base) {
			advance(lx);
			continue;
		}
		if (digit_value(c) >= base)
			return any;
		if (!mul_add(v, base, (unsigned)digit_value(c)))
			*overflow = true;
		any = true;
		advance(lx);
	}
}

static int lex_number(struct bt_lexer *lx, struct bt_token *tok)
{
	size_t start = lx->pos, suffix;
	uint64_t v = 0;
	bool overflow = false, hex = false;

	tok->kind = BT_TOK_INT;
	if (peek(lx, 0) == '0' && (peek(lx, 1) == 'x' || peek(lx, 1) == 'X') &&
	    digit_value(peek(lx, 2)) < 16) {
		hex = true;
		advance(lx);
		advance(lx);
		scan_digits(lx, 16, &v, &overflow);
	} else if (peek(lx, 0) == '0' && digit_value(peek(lx, 1)) < 10) {
		scan_digits(lx, 8, &v, &overflow);
	} else {
		scan_digits(lx, 10, &v, &overflow);
		if ((peek(lx, 0) == 'e' || peek(lx, 0) == 'E') &&
		    digit_value(peek(lx, 1)) < 10) {
			uint64_t exp = 0;

			advance(lx);
			scan_digits(lx, 10, &exp, &overflow);
			while (exp-- > 0 && !overflow)
				if (!mul_add(&v, 10, 0))
					overflow = true;
		}
	}
	suffix = lx->pos;
	while (is_ident_char(peek(lx, 0)))
		advance(lx);
	tok->ival = v;
	/* Like bpftrace 0.17, hex literals take no suffix. */
	if ((hex && lx->pos > suffix) ||
	    !is_int_suffix(lx->src + suffix, lx->pos - suffix)) {
		lex_error(lx, start, "invalid integer literal '%.*s'",
			  (int)(lx->pos - start), lx->src + start);
		tok->kind = BT_TOK_ERROR;
	} else if (overflow) {
		lex_error(lx, start, "integer literal too large");
		tok->kind = BT_TOK_ERROR;
	}
	return 0;
}

/* Decodes one escape after the backslash at lx->pos - 1; -1 if invalid. */
static int lex_escape(struct bt_lexer *lx)
{
	int c = peek(lx, 0), v = 0, n;

	switch (c) {
	case 'n':
		advance(lx);
		return '\n';
	case 't':
		advance(lx);
		return '\t';
	case 'r':
		advance(lx);
		return '\r';
	case '\\':
		advance(lx);
		return '\\';
	case '"':
		advance(lx);
		return '"';
	case '\'':
		advance(lx);
		return '\'';
	case 'x':
		if (digit_value(peek(lx, 1)) >= 16)
			return -1;
		advance(lx);
		for (n = 0; n < 2 && digit_value(peek(lx, 0)) < 16; n++) {
			v = v * 16 + digit_value(peek(lx, 0));
			advance(lx);
		}
		return v;
	}
	if (c >= '0' && c <= '7') {
		for (n = 0; n < 3 && peek(lx, 0) >= '0' && peek(lx, 0) <= '7';
		     n++) {
			v = v * 8 + (peek(lx, 0) - '0');
			advance(lx);
		}
		return v > 255 ? -1 : v;
	}
	return -1;
}

static int lex_string(struct bt_lexer *lx, struct bt_token *tok)
{
	size_t start = lx->pos, cap = 16, n = 0;
	char *buf;

	tok->kind = BT_TOK_STR;
	advance(lx); /* '"' */
	buf = malloc(cap);
	if (!buf)
		goto nomem;
	for (;;) {
		int c = peek(lx, 0);

		if (at_end(lx) || c == '\n') {
			lex_error(lx, start, "unterminated string");
			tok->kind = BT_TOK_ERROR;
			break;
		}
		advance(lx);
		if (c == '"')
			break;
		if (c == '\\') {
			size_t esc = lx->pos - 1;
			int what = peek(lx, 0);

			if (at_end(lx))
				continue; /* reported as unterminated */
			c = lex_escape(lx);
			if (c < 0) {
				char show[8];

				lex_error(lx, esc,
					  "invalid escape '\\%s' in string",
					  show_char(what, show));
				tok->kind = BT_TOK_ERROR;
				continue;
			}
		}
		if (n + 1 >= cap) {
			char *nb = realloc(buf, cap * 2);

			if (!nb)
				goto nomem;
			buf = nb;
			cap *= 2;
		}
		buf[n++] = (char)c;
	}
	tok->str = bt_arena__strndup(lx->arena, buf, n);
	tok->slen = n;
	free(buf);
	if (!tok->str)
		goto nomem;
	return 0;
nomem:
	free(buf);
	tok->kind = BT_TOK_ERROR;
	return -ENOMEM;
}

/* $name, $1, $#, @name, @ */
static int lex_sigil(struct bt_lexer *lx, struct bt_token *tok)
{
	int sigil = peek(lx, 0);
	size_t start;

	advance(lx);
	start = lx->pos;
	if (sigil == '$' && peek(lx, 0) == '#') {
		advance(lx);
		tok->kind = BT_TOK_NARGS;
		return 0;
	}
	if (sigil == '$' && digit_value(peek(lx, 0)) < 10) {
		bool overflow = false;

		tok->kind = BT_TOK_POSITIONAL;
		scan_digits(lx, 10, &tok->ival, &overflow);
		if (overflow || tok->ival == 0 || tok->ival > 65535) {
			lex_error(lx, tok->off, "invalid positional parameter");
			tok->kind = BT_TOK_ERROR;
		}
		return 0;
	}
	while (is_ident_char(peek(lx, 0)))
		advance(lx);
	tok->kind = sigil == '$' ? BT_TOK_VAR : BT_TOK_MAP;
	if (sigil == '$' && lx->pos == start) {
		lex_error(lx, tok->off, "expected a variable name after '$'");
		tok->kind = BT_TOK_ERROR;
		return 0;
	}
	return tok_copy(lx, tok, start);
}

/* A '#' line: recorded whole, with backslash-newline continuations. */
static int lex_directive(struct bt_lexer *lx, struct bt_token *tok)
{
	size_t start;

	tok->kind = BT_TOK_DIRECTIVE;
	advance(lx); /* '#' */
	start = lx->pos;
	while (!at_end(lx) && peek(lx, 0) != '\n') {
		if (peek(lx, 0) == '\\' && peek(lx, 1) == '\n')
			advance(lx);
		advance(lx);
	}
	return tok_copy(lx, tok, start);
}

static bool first_on_line(const struct bt_lexer *lx)
{
	size_t i;

	for (i = lx->line_start; i < lx->pos; i++)
		if (lx->src[i] != ' ' && lx->src[i] != '\t')
			return false;
	return true;
}

/* Operators, longest first so that "<<=" wins over "<<" and "<". */
static const struct {
	const char *text;
	enum bt_tok_kind kind;
} operators[] = {
	{"<<=", BT_TOK_SHL_ASSIGN}, {">>=", BT_TOK_SHR_ASSIGN},
	{"->", BT_TOK_ARROW},	    {"++", BT_TOK_INC},
	{"--", BT_TOK_DEC},	    {"<<", BT_TOK_SHL},
	{">>", BT_TOK_SHR},	    {"<=", BT_TOK_LE},
	{">=", BT_TOK_GE},	    {"==", BT_TOK_EQ},
	{"!=", BT_TOK_NE},	    {"&&", BT_TOK_LAND},
	{"||", BT_TOK_LOR},	    {"+=", BT_TOK_ADD_ASSIGN},
	{"-=", BT_TOK_SUB_ASSIGN},  {"*=", BT_TOK_MUL_ASSIGN},
	{"/=", BT_TOK_DIV_ASSIGN},  {"%=", BT_TOK_MOD_ASSIGN},
	{"&=", BT_TOK_AND_ASSIGN},  {"|=", BT_TOK_OR_ASSIGN},
	{"^=", BT_TOK_XOR_ASSIGN},  {"(", BT_TOK_LPAREN},
	{")", BT_TOK_RPAREN},	    {"{", BT_TOK_LBRACE},
	{"}", BT_TOK_RBRACE},	    {"[", BT_TOK_LBRACKET},
	{"]", BT_TOK_RBRACKET},	    {",", BT_TOK_COMMA},
	{";", BT_TOK_SEMI},	    {":", BT_TOK_COLON},
	{"?", BT_TOK_QUESTION},	    {".", BT_TOK_DOT},
	{"+", BT_TOK_PLUS},	    {"-", BT_TOK_MINUS},
	{"*", BT_TOK_STAR},	    {"/", BT_TOK_SLASH},
	{"%", BT_TOK_PERCENT},	    {"<", BT_TOK_LT},
	{">", BT_TOK_GT},	    {"&", BT_TOK_AMP},
	{"^", BT_TOK_CARET},	    {"|", BT_TOK_PIPE},
	{"!", BT_TOK_BANG},	    {"~", BT_TOK_TILDE},
	{"=", BT_TOK_ASSIGN},
};

static bool lex_operator(struct bt_lexer *lx, struct bt_token *tok)
{
	size_t i, j;

	for (i = 0; i < sizeof(operators) / sizeof(operators[0]); i++) {
		const char *t = operators[i].text;

		for (j = 0; t[j] && peek(lx, j) == (unsigned char)t[j]; j++)
			;
		if (t[j] == 0) {
			while (j--)
				advance(lx);
			tok->kind = operators[i].kind;
			return true;
		}
	}
	return false;
}

int bt_lexer__next(struct bt_lexer *lx, struct bt_token *tok)
{
	int c, err = 0;
	char show[8];

	if (skip_space(lx) < 0) {
		tok_begin(lx, tok, BT_TOK_ERROR);
		return 0;
	}
	tok_begin(lx, tok, BT_TOK_EOF);
	if (at_end(lx))
		return 0;
	c = peek(lx, 0);
	if (is_ident_start(c))
		err = lex_ident(lx, tok);
	else if (c >= '0' && c <= '9')
		err = lex_number(lx, tok);
	else if (c == '"')
		err = lex_string(lx, tok);
	else if (c == '$' || c == '@')
		err = lex_sigil(lx, tok);
	else if (c == '#' && first_on_line(lx))
		err = lex_directive(lx, tok);
	else if (!lex_operator(lx, tok)) {
		lex_error(lx, lx->pos, "unknown character '%s'",
			  show_char(c, show));
		tok->kind = BT_TOK_ERROR;
		advance(lx);
	}
	tok_end(lx, tok);
	return err;
}

/* Providers whose first argument is a file path, which may hold '/'. */
static bool provider_takes_path(const char *s, size_t n)
{
	static const char *const names[] = {"u",	 "uprobe", "ur",
					    "uretprobe", "usdt",   "U"};
	size_t i;

	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (strlen(names[i]) == n && memcmp(s, names[i], n) == 0)
			return true;
	return false;
}

static bool is_attach_char(int c)
{
	return is_ident_char(c) || (c && strchr("-./*?+$[]:@", c));
}

int bt_lexer__attach_point(struct bt_lexer *lx, struct bt_token *tok)
{
	size_t start, provider_len = 0;
	unsigned part = 0;

	if (skip_space(lx) < 0) {
		tok_begin(lx, tok, BT_TOK_ERROR);
		return 0;
	}
	tok_begin(lx, tok, BT_TOK_ATTACH);
	start = lx->pos;
	for (;;) {
		int c = peek(lx, 0);

		if (at_end(lx))
			break;
		if (c == '"') {
			/* A quoted part runs to the closing quote on the line.
			 */
			size_t q = 1;

			while (lx->pos + q < lx->len && peek(lx, q) != '"' &&
			       peek(lx, q) != '\n')
				q++;
			if (peek(lx, q) != '"') {
				lex_error(lx, lx->pos, "unterminated string");
				tok->kind = BT_TOK_ERROR;
				while (!at_end(lx) && peek(lx, 0) != '\n')
					advance(lx);
				break;
			}
			while (q-- > 0)
				advance(lx);
			advance(lx);
			continue;
		}
		if (!is_attach_char(c))
			break;
		if (c == ':' && part++ == 0)
			provider_len = lx->pos - start;
		if (c == '/' &&
		    !(part == 1 &&
		      provider_takes_path(lx->src + start, provider_len)))
			break;
		advance(lx);
	}
	tok_end(lx, tok);
	if (tok->len == 0) {
		tok->kind = BT_TOK_ERROR;
		return 0;
	}
	return tok_copy(lx, tok, start);
}

const char *bt_lexer__peek_word(struct bt_lexer *lx, size_t *len)
{
	struct bt_lexer save = *lx;
	size_t n = 0;

	lx->quiet = true;
	if (skip_space(lx) < 0) {
		*lx = save;
		*len = 0;
		return NULL;
	}
	if (is_ident_start(peek(lx, 0)))
		while (is_ident_char(peek(lx, n)))
			n++;
	*len = n;
	save.pos = lx->pos;
	save.line = lx->line;
	save.line_start = lx->line_start;
	*lx = save;
	return lx->src + lx->pos;
}

int bt_lexer__str_col(const struct bt_expr *str, size_t decoded_off)
{
	struct bt_lexer lx;
	size_t n;

	/* Re-decode the raw text with the same escape rules, counting. */
	bt_lexer__init(&lx, str->str.raw, str->str.raw_len, NULL, NULL);
	for (n = 0; n < decoded_off && !at_end(&lx); n++) {
		int c = peek(&lx, 0);

		advance(&lx);
		if (c == '\\' && !at_end(&lx) && lex_escape(&lx) < 0)
			advance(&lx);
	}
	return str->col + 1 + (int)lx.pos;
}

static const char *const tok_names[BT_TOK__COUNT] = {
	[BT_TOK_EOF] = "end of input",
	[BT_TOK_ERROR] = "invalid token",
	[BT_TOK_INT] = "integer",
	[BT_TOK_STR] = "string",
	[BT_TOK_IDENT] = "identifier",
	[BT_TOK_VAR] = "variable",
	[BT_TOK_MAP] = "map",
	[BT_TOK_POSITIONAL] = "positional parameter",
	[BT_TOK_NARGS] = "'$#'",
	[BT_TOK_DIRECTIVE] = "'#' directive",
	[BT_TOK_ATTACH] = "attach point",
	[BT_TOK_IF] = "'if'",
	[BT_TOK_ELSE] = "'else'",
	[BT_TOK_UNROLL] = "'unroll'",
	[BT_TOK_WHILE] = "'while'",
	[BT_TOK_RETURN] = "'return'",
	[BT_TOK_BREAK] = "'break'",
	[BT_TOK_CONTINUE] = "'continue'",
	[BT_TOK_SIZEOF] = "'sizeof'",
	[BT_TOK_STRUCT] = "'struct'",
	[BT_TOK_UNION] = "'union'",
	[BT_TOK_ENUM] = "'enum'",
	[BT_TOK_LPAREN] = "'('",
	[BT_TOK_RPAREN] = "')'",
	[BT_TOK_LBRACE] = "'{'",
	[BT_TOK_RBRACE] = "'}'",
	[BT_TOK_LBRACKET] = "'['",
	[BT_TOK_RBRACKET] = "']'",
	[BT_TOK_COMMA] = "','",
	[BT_TOK_SEMI] = "';'",
	[BT_TOK_COLON] = "':'",
	[BT_TOK_QUESTION] = "'?'",
	[BT_TOK_DOT] = "'.'",
	[BT_TOK_ARROW] = "'->'",
	[BT_TOK_INC] = "'++'",
	[BT_TOK_DEC] = "'--'",
	[BT_TOK_PLUS] = "'+'",
	[BT_TOK_MINUS] = "'-'",
	[BT_TOK_STAR] = "'*'",
	[BT_TOK_SLASH] = "'/'",
	[BT_TOK_PERCENT] = "'%'",
	[BT_TOK_SHL] = "'<<'",
	[BT_TOK_SHR] = "'>>'",
	[BT_TOK_LT] = "'<'",
	[BT_TOK_LE] = "'<='",
	[BT_TOK_GT] = "'>'",
	[BT_TOK_GE] = "'>='",
	[BT_TOK_EQ] = "'=='",
	[BT_TOK_NE] = "'!='",
	[BT_TOK_AMP] = "'&'",
	[BT_TOK_CARET] = "'^'",
	[BT_TOK_PIPE] = "'|'",
	[BT_TOK_LAND] = "'&&'",
	[BT_TOK_LOR] = "'||'",
	[BT_TOK_BANG] = "'!'",
	[BT_TOK_TILDE] = "'~'",
	[BT_TOK_ASSIGN] = "'='",
	[BT_TOK_ADD_ASSIGN] = "'+='",
	[BT_TOK_SUB_ASSIGN] = "'-='",
	[BT_TOK_MUL_ASSIGN] = "'*='",
	[BT_TOK_DIV_ASSIGN] = "'/='",
	[BT_TOK_MOD_ASSIGN] = "'%='",
	[BT_TOK_AND_ASSIGN] = "'&='",
	[BT_TOK_OR_ASSIGN] = "'|='",
	[BT_TOK_XOR_ASSIGN] = "'^='",
	[BT_TOK_SHL_ASSIGN] = "'<<='",
	[BT_TOK_SHR_ASSIGN] = "'>>='",
};

const char *bt_tok_kind__str(enum bt_tok_kind kind)
{
	if ((unsigned)kind >= BT_TOK__COUNT || !tok_names[kind])
		return "token";
	return tok_names[kind];
}
