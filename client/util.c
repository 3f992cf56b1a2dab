/*
 * client/util.c - small helpers of the query engine: the arena every query
 * allocates its AST, plan and strings from (freed in one call, so error
 * paths never leak), error messages with positions, edit distance for
 * "did you mean" suggestions, and value type names.
 */
#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "client/sql.h"

struct arena_blk {
	struct arena_blk *next;
	size_t used, cap;
	max_align_t data[];
};

/* Uninitialised bytes; arena__alloc zeroes them. */
static void *arena__raw(struct arena *a, size_t n)
{
	struct arena_blk *b = a->head;

	n = (n + 15) & ~(size_t)15;
	if (!b || b->cap - b->used < n) {
		size_t cap = n > 65536 ? n : 65536;

		b = malloc(sizeof(*b) + cap);
		if (!b)
			return NULL;
		b->cap = cap;
		b->used = 0;
		b->next = a->head;
		a->head = b;
	}
	void *p = (char *)b->data + b->used;
	b->used += n;
	return p;
}

void *arena__alloc(struct arena *a, size_t n)
{
	void *p = arena__raw(a, n);

	if (p)
		memset(p, 0, n);
	return p;
}

char *arena__strndup(struct arena *a, const char *s, size_t n)
{
	char *p = arena__raw(a, n + 1);

	if (!p)
		return NULL;
	if (n)
		memcpy(p, s, n);
	p[n] = 0;
	return p;
}

void arena__move(struct arena *dst, struct arena *src)
{
	struct arena_blk *t = src->head;

	if (!t)
		return;
	while (t->next)
		t = t->next;
	t->next = dst->head;
	dst->head = src->head;
	src->head = NULL;
}

void arena__free(struct arena *a)
{
	while (a->head) {
		struct arena_blk *n = a->head->next;

		free(a->head);
		a->head = n;
	}
}

void ttq_error__set(struct ttq_error *err, int pos, const char *fmt, ...)
{
	va_list ap;

	if (!err)
		return;
	err->pos = pos;
	err->suggestion[0] = 0;
	va_start(ap, fmt);
	vsnprintf(err->msg, sizeof(err->msg), fmt, ap);
	va_end(ap);
}

int ttq_error__format(const struct ttq_error *err, const char *sql, char *buf,
		      size_t len)
{
	int n = snprintf(buf, len, "error: %s", err->msg);

	if (err->suggestion[0])
		n += snprintf(buf + (n < (int)len ? n : (int)len),
			      n < (int)len ? len - n : 0,
			      " (did you mean '%s'?)", err->suggestion);
	if (!sql || err->pos < 0 || (size_t)err->pos > strlen(sql))
		return n;
	/* Show the line holding the position, and a caret under it. */
	const char *ls = sql + err->pos, *le;
	while (ls > sql && ls[-1] != '\n')
		ls--;
	le = strchr(ls, '\n');
	if (!le)
		le = ls + strlen(ls);
	int col = (int)(sql + err->pos - ls);
	size_t off = n < (int)len ? (size_t)n : len;
	n += snprintf(buf + off, len - off, "\n  %.*s\n  %*s^", (int)(le - ls),
		      ls, col, "");
	return n;
}

int ttq_edit_distance(const char *a, const char *b)
{
	size_t la = strlen(a), lb = strlen(b);
	int row[65];

	if (la > 64 || lb > 64)
		return 255;
	for (size_t j = 0; j <= lb; j++)
		row[j] = (int)j;
	for (size_t i = 1; i <= la; i++) {
		int diag = row[0];

		row[0] = (int)i;
		for (size_t j = 1; j <= lb; j++) {
			int up = row[j];
			int cost = tolower((unsigned char)a[i - 1]) !=
				   tolower((unsigned char)b[j - 1]);
			int best = diag + cost;

			if (row[j] + 1 < best)
				best = row[j] + 1;
			if (row[j - 1] + 1 < best)
				best = row[j - 1] + 1;
			row[j] = best;
			diag = up;
		}
	}
	return row[lb] > 255 ? 255 : row[lb];
}

const char *ttq_type__name(enum ttq_type type)
{
	static const char *const names[] = {
		[TTQ_NULL] = "null",	     [TTQ_BOOL] = "bool",
		[TTQ_INT] = "int64",	     [TTQ_UINT] = "uint64",
		[TTQ_DOUBLE] = "double",     [TTQ_TIME] = "time",
		[TTQ_DURATION] = "duration", [TTQ_STRING] = "string",
	};
	if ((unsigned)type >= sizeof(names) / sizeof(names[0]))
		return "?";
	return names[type];
}

static const struct {
	const char *unit;
	int64_t ns;
} units[] = {
	{"ns", 1},
	{"us", 1000},
	{"ms", 1000000},
	{"s", 1000000000},
	{"m", 60000000000LL},
	{"h", 3600000000000LL},
	{"d", 86400000000000LL},
};

/* Parses one "<digits><unit>" at *p; advances *p. */
static int duration__part(const char **p, int64_t *ns)
{
	const char *s = *p;
	int64_t v = 0;

	if (!isdigit((unsigned char)*s))
		return -EINVAL;
	while (isdigit((unsigned char)*s)) {
		if (v > (INT64_MAX - 9) / 10)
			return -EINVAL;
		v = v * 10 + (*s++ - '0');
	}
	size_t ul = 0;
	while (isalpha((unsigned char)s[ul]))
		ul++;
	for (size_t i = 0; i < sizeof(units) / sizeof(units[0]); i++) {
		if (strlen(units[i].unit) != ul ||
		    strncmp(s, units[i].unit, ul))
			continue;
		if (v > INT64_MAX / units[i].ns)
			return -EINVAL;
		*ns = v * units[i].ns;
		*p = s + ul;
		return 0;
	}
	return -EINVAL;
}

int ttq_duration__parse(const char *text, int64_t *ns)
{
	int64_t total = 0, part;

	if (!text || !*text)
		return -EINVAL;
	while (*text) {
		if (duration__part(&text, &part) < 0 ||
		    total > INT64_MAX - part)
			return -EINVAL;
		total += part;
	}
	*ns = total;
	return 0;
}

void ttq_duration__format(int64_t ns, char *buf, size_t len)
{
	const char *sign = ns < 0 ? "-" : "";
	uint64_t v = ns < 0 ? -(uint64_t)ns : (uint64_t)ns;

	for (int i = (int)(sizeof(units) / sizeof(units[0])) - 1; i > 0; i--) {
		if (v && v % (uint64_t)units[i].ns == 0) {
			snprintf(buf, len, "%s%llu%s", sign,
				 (unsigned long long)(v / units[i].ns),
				 units[i].unit);
			return;
		}
	}
	snprintf(buf, len, "%s%lluns", sign, (unsigned long long)v);
}
