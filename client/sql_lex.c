/*
 * client/sql_lex.c - SQL text to tokens.
 *
 * Every token keeps its byte span so that any later error can point at the
 * exact place with a caret. A number directly followed by a time unit
 * ("500ms", "5m", "1h30m") is one duration token: durations are a value
 * type of their own, so `time_ > now() - 5m` type-checks. Keywords are not
 * distinguished here; the parser matches identifiers case-insensitively.
 */
#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "client/sql.h"

struct lexer {
	const char *sql;
	size_t pos;
	struct arena *a;
	struct token *toks;
	size_t n, cap;
	struct ttq_error *err;
};

static struct token *lex__push(struct lexer *lx, enum tok_kind kind,
			       size_t start)
{
	if (lx->n == lx->cap) {
		size_t cap = lx->cap ? lx->cap * 2 : 32;
		struct token *t = arena__alloc(lx->a, cap * sizeof(*t));

		if (!t)
			return NULL;
		if (lx->n)
			memcpy(t, lx->toks, lx->n * sizeof(*t));
		lx->toks = t;
		lx->cap = cap;
	}
	struct token *t = &lx->toks[lx->n++];
	memset(t, 0, sizeof(*t));
	t->kind = kind;
	t->pos = (int)start;
	t->len = (int)(lx->pos - start);
	t->text = arena__strndup(lx->a, lx->sql + start, lx->pos - start);
	return t->text ? t : NULL;
}

static int lex__number(struct lexer *lx)
{
	const char *s = lx->sql;
	size_t start = lx->pos, p = lx->pos;
	bool is_float = false;

	while (isdigit((unsigned char)s[p]))
		p++;
	if (s[p] == '.' && isdigit((unsigned char)s[p + 1])) {
		is_float = true;
		p++;
		while (isdigit((unsigned char)s[p]))
			p++;
	}
	if (!is_float && isalpha((unsigned char)s[p])) {
		/* A duration: digits+unit, possibly repeated (1h30m). */
		while (isalnum((unsigned char)s[p]))
			p++;
		char buf[64];
		int64_t ns;

		if (p - start >= sizeof(buf) ||
		    (memcpy(buf, s + start, p - start), buf[p - start] = 0,
		     ttq_duration__parse(buf, &ns) < 0)) {
			ttq_error__set(lx->err, (int)start,
				       "bad duration '%.*s' (use ns, us, ms, "
				       "s, m, h or d, e.g. 5m)",
				       (int)(p - start), s + start);
			return -EINVAL;
		}
		lx->pos = p;
		struct token *t = lex__push(lx, TK_DURATION, start);
		if (!t)
			return -ENOMEM;
		t->ival = ns;
		return 0;
	}
	lx->pos = p;
	struct token *t = lex__push(lx, is_float ? TK_FLOAT : TK_INT, start);
	if (!t)
		return -ENOMEM;
	if (is_float) {
		t->dval = strtod(t->text, NULL);
		return 0;
	}
	errno = 0;
	unsigned long long v = strtoull(t->text, NULL, 10);
	if (errno || v > INT64_MAX) {
		ttq_error__set(lx->err, (int)start, "integer %s is too large",
			       t->text);
		return -EINVAL;
	}
	t->ival = (int64_t)v;
	return 0;
}

/* 'it''s' strings and "quoted identifiers": doubled quote escapes. */
static int lex__quoted(struct lexer *lx, char q)
{
	const char *s = lx->sql;
	size_t start = lx->pos, p = lx->pos + 1, n = 0;
	char *buf;

	for (;; p++) {
		if (!s[p]) {
			ttq_error__set(lx->err, (int)start, "unterminated %s",
				       q == '\'' ? "string" : "quoted name");
			return -EINVAL;
		}
		if (s[p] == q) {
			if (s[p + 1] != q)
				break;
			p++;
		}
	}
	buf = arena__alloc(lx->a, p - start);
	if (!buf)
		return -ENOMEM;
	for (size_t i = start + 1; i < p; i++) {
		buf[n++] = s[i];
		if (s[i] == q)
			i++;
	}
	lx->pos = p + 1;
	struct token *t =
		lex__push(lx, q == '\'' ? TK_STRING : TK_QIDENT, start);
	if (!t)
		return -ENOMEM;
	t->text = buf;
	t->ival = (int64_t)n;
	return 0;
}

static const char *const ops2[] = {"<=", ">=", "<>", "!=", "=="};
static const char ops1[] = "=<>+-*/%(),.;";

static int lex__op(struct lexer *lx)
{
	const char *s = lx->sql + lx->pos;
	size_t start = lx->pos;

	for (size_t i = 0; i < sizeof(ops2) / sizeof(ops2[0]); i++) {
		if (!strncmp(s, ops2[i], 2)) {
			lx->pos += 2;
			return lex__push(lx, TK_OP, start) ? 0 : -ENOMEM;
		}
	}
	if (*s && strchr(ops1, *s)) {
		lx->pos++;
		return lex__push(lx, TK_OP, start) ? 0 : -ENOMEM;
	}
	if (isprint((unsigned char)*s))
		ttq_error__set(lx->err, (int)start, "unexpected character '%c'",
			       *s);
	else
		ttq_error__set(lx->err, (int)start, "unexpected byte 0x%02x",
			       (unsigned char)*s);
	return -EINVAL;
}

int sql__lex(const char *sql, struct arena *a, struct token **toks, size_t *n,
	     struct ttq_error *err)
{
	struct lexer lx = {.sql = sql, .a = a, .err = err};
	int ret = 0;

	while (!ret) {
		unsigned char c = (unsigned char)sql[lx.pos];

		if (!c)
			break;
		if (isspace(c)) {
			lx.pos++;
		} else if (c == '-' && sql[lx.pos + 1] == '-') {
			while (sql[lx.pos] && sql[lx.pos] != '\n')
				lx.pos++;
		} else if (isalpha(c) || c == '_') {
			size_t start = lx.pos;

			while (isalnum((unsigned char)sql[lx.pos]) ||
			       sql[lx.pos] == '_')
				lx.pos++;
			ret = lex__push(&lx, TK_IDENT, start) ? 0 : -ENOMEM;
		} else if (isdigit(c)) {
			ret = lex__number(&lx);
		} else if (c == '\'' || c == '"') {
			ret = lex__quoted(&lx, (char)c);
		} else {
			ret = lex__op(&lx);
		}
	}
	if (ret == -ENOMEM)
		ttq_error__set(err, -1, "out of memory");
	if (ret)
		return ret;
	if (!lex__push(&lx, TK_EOF, lx.pos)) {
		ttq_error__set(err, -1, "out of memory");
		return -ENOMEM;
	}
	*toks = lx.toks;
	*n = lx.n;
	return 0;
}
