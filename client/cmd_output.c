/*
 * client/cmd_output.c - printing rows: an aligned table (numbers right-
 * aligned, widths from the widest cell), CSV (RFC 4180 quoting) or JSON
 * lines (one object per row; numbers stay numbers, times become ISO 8601
 * strings). Every cell goes through ttq_value__format so all three agree.
 */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "client/cli.h"

#define CELL_MAX 4096

struct ttq_value ttc_str(const char *s)
{
	struct ttq_value v = {.type = s ? TTQ_STRING : TTQ_NULL};

	if (s) {
		v.s.ptr = s;
		v.s.len = (uint32_t)strlen(s);
	}
	return v;
}

struct ttq_value ttc_int(int64_t i)
{
	struct ttq_value v = {.type = TTQ_INT, .i = i};

	return v;
}

static bool right_aligned(enum ttq_type t)
{
	return t == TTQ_INT || t == TTQ_UINT || t == TTQ_DOUBLE ||
	       t == TTQ_DURATION;
}

/*
 * One cell on one line: a multi-line status message (compile diagnostics,
 * a verifier log tail) would break the table's alignment.
 */
static int table_cell(const struct ttc_global *g, const struct ttq_value *v,
		      char *buf, size_t len)
{
	int n = ttq_value__format(v, g->fmt_flags, buf, len);

	for (char *c = buf; *c; c++)
		if (*c == '\n' || *c == '\r' || *c == '\t')
			*c = ' ';
	return n;
}

static void print_table(const struct ttc_global *g, const struct ttc_rows *r)
{
	size_t *w = calloc(r->ncols + 1, sizeof(*w));
	char buf[CELL_MAX];

	if (!w)
		return;
	for (size_t c = 0; c < r->ncols; c++)
		w[c] = strlen(r->names[c]);
	for (size_t i = 0; i < r->nrows; i++)
		for (size_t c = 0; c < r->ncols; c++) {
			int n = ttq_value__format(&r->cells[i * r->ncols + c],
						  g->fmt_flags, buf,
						  sizeof(buf));
			if ((size_t)n > w[c])
				w[c] = (size_t)n < CELL_MAX ? (size_t)n
							    : CELL_MAX;
		}
	for (size_t c = 0; c < r->ncols; c++)
		printf("%-*s%s", c + 1 < r->ncols ? (int)w[c] : 0, r->names[c],
		       c + 1 < r->ncols ? "  " : "\n");
	for (size_t i = 0; i < r->nrows; i++) {
		for (size_t c = 0; c < r->ncols; c++) {
			const struct ttq_value *v = &r->cells[i * r->ncols + c];
			bool last = c + 1 == r->ncols;

			table_cell(g, v, buf, sizeof(buf));
			if (right_aligned(v->type))
				printf("%*s", (int)w[c], buf);
			else
				printf("%-*s", last ? 0 : (int)w[c], buf);
			fputs(last ? "\n" : "  ", stdout);
		}
	}
	free(w);
}

static void csv_field(const char *s)
{
	if (!strpbrk(s, ",\"\r\n")) {
		fputs(s, stdout);
		return;
	}
	putchar('"');
	for (; *s; s++) {
		if (*s == '"')
			putchar('"');
		putchar(*s);
	}
	putchar('"');
}

static json_t *json_value(const struct ttc_global *g, const struct ttq_value *v)
{
	char buf[CELL_MAX];

	switch (v->type) {
	case TTQ_NULL:
		return json_null();
	case TTQ_BOOL:
		return json_boolean(v->i);
	case TTQ_INT:
		return json_integer(v->i);
	case TTQ_UINT:
		if (v->u <= (uint64_t)INT64_MAX)
			return json_integer((json_int_t)v->u);
		return json_real((double)v->u);
	case TTQ_DOUBLE:
		return json_real(v->d);
	case TTQ_STRING:
		return json_stringn_nocheck(v->s.ptr, v->s.len);
	default:
		ttq_value__format(v, g->fmt_flags, buf, sizeof(buf));
		return json_string(buf);
	}
}

void ttc_output__header(const struct ttc_global *g, size_t ncols,
			const char *const *names)
{
	if (g->format == TTC_FMT_JSON)
		return;
	for (size_t c = 0; c < ncols; c++) {
		if (g->format == TTC_FMT_CSV)
			csv_field(names[c]);
		else
			fputs(names[c], stdout);
		fputs(c + 1 < ncols ? (g->format == TTC_FMT_CSV ? "," : "  ")
				    : "\n",
		      stdout);
	}
}

void ttc_output__row(const struct ttc_global *g, size_t ncols,
		     const char *const *names, const struct ttq_value *cells)
{
	char buf[CELL_MAX];

	if (g->format == TTC_FMT_JSON) {
		json_t *o = json_object();

		for (size_t c = 0; c < ncols; c++)
			json_object_set_new(o, names[c],
					    json_value(g, &cells[c]));
		char *s = json_dumps(o, JSON_COMPACT | JSON_PRESERVE_ORDER |
						JSON_ENSURE_ASCII);
		if (s)
			puts(s);
		free(s);
		json_decref(o);
		return;
	}
	for (size_t c = 0; c < ncols; c++) {
		ttq_value__format(&cells[c], g->fmt_flags, buf, sizeof(buf));
		if (g->format == TTC_FMT_CSV)
			csv_field(buf);
		else
			fputs(buf, stdout);
		fputs(c + 1 < ncols ? (g->format == TTC_FMT_CSV ? "," : "  ")
				    : "\n",
		      stdout);
	}
}

void ttc_output__print(const struct ttc_global *g, const struct ttc_rows *r)
{
	if (g->format == TTC_FMT_TABLE) {
		print_table(g, r);
	} else {
		ttc_output__header(g, r->ncols, r->names);
		for (size_t i = 0; i < r->nrows; i++)
			ttc_output__row(g, r->ncols, r->names,
					&r->cells[i * r->ncols]);
	}
	fflush(stdout);
}

void ttc_output__result(const struct ttc_global *g,
			const struct ttq_result *res)
{
	size_t nc = ttq_result__ncols(res), nr = ttq_result__nrows(res);
	const char **names = calloc(nc + 1, sizeof(*names));
	struct ttq_value *cells = calloc(nc * nr + 1, sizeof(*cells));

	if (names && cells) {
		for (size_t c = 0; c < nc; c++)
			names[c] = ttq_result__col_name(res, c);
		for (size_t i = 0; i < nr; i++)
			for (size_t c = 0; c < nc; c++)
				cells[i * nc + c] =
					*ttq_result__value(res, i, c);
		struct ttc_rows rows = {nc, nr, names, cells};
		ttc_output__print(g, &rows);
	}
	free(names);
	free(cells);
}
