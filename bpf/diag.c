/*
 * bpf/diag.c - the diagnostics list every compiler pass reports into.
 *
 * A diagnostic is a position (1-based line and byte column, or line 0 for
 * "no position"), and a message. Rendering shows the source line under the
 * message with a caret below the column; the caret line copies the tabs of
 * the source line and skips UTF-8 continuation bytes so the caret lines up
 * in a terminal. Control characters in the source line are shown as '?'
 * so a hostile program cannot drive the user's terminal.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tracetab/bt.h"

struct bt_diags {
	struct bt_diag *v;
	size_t n, cap;
};

struct bt_diags *bt_diags__new(void)
{
	return calloc(1, sizeof(struct bt_diags));
}

void bt_diags__free(struct bt_diags *diags)
{
	if (!diags)
		return;
	free(diags->v);
	free(diags);
}

size_t bt_diags__count(const struct bt_diags *diags)
{
	return diags ? diags->n : 0;
}

const struct bt_diag *bt_diags__get(const struct bt_diags *diags, size_t i)
{
	if (!diags || i >= diags->n)
		return NULL;
	return &diags->v[i];
}

void bt_diags__add(struct bt_diags *diags, int line, int col, const char *fmt,
		   ...)
{
	struct bt_diag *d;
	va_list ap;

	if (!diags)
		return;
	if (diags->n == diags->cap) {
		size_t cap = diags->cap ? diags->cap * 2 : 8;
		struct bt_diag *v = realloc(diags->v, cap * sizeof(*v));

		if (!v)
			return; /* out of memory: the caller's error code
				   remains */
		diags->v = v;
		diags->cap = cap;
	}
	d = &diags->v[diags->n++];
	d->line = line > 0 ? line : 0;
	d->col = line > 0 && col > 0 ? col : (line > 0 ? 1 : 0);
	va_start(ap, fmt);
	vsnprintf(d->msg, sizeof(d->msg), fmt, ap);
	va_end(ap);
}

/* Finds line `line` (1-based) of source: start and length, false if none. */
static bool find_line(const char *source, int line, const char **start,
		      size_t *len)
{
	const char *s = source;
	int l;

	for (l = 1; l < line; l++) {
		s = strchr(s, '\n');
		if (!s)
			return false;
		s++;
	}
	*start = s;
	*len = strcspn(s, "\n");
	if (*len && s[*len - 1] == '\r')
		(*len)--;
	return true;
}

static void render_source(FILE *out, const char *line, size_t len, int col)
{
	size_t i, caret = (size_t)col - 1;

	fputs("    ", out);
	for (i = 0; i < len; i++) {
		unsigned char c = (unsigned char)line[i];

		fputc(c == '\t' || c >= 0x20 ? (c == 0x7f ? '?' : c) : '?',
		      out);
	}
	fputs("\n    ", out);
	if (caret > len)
		caret = len;
	for (i = 0; i < caret; i++) {
		unsigned char c = (unsigned char)line[i];

		if (c == '\t')
			fputc('\t', out);
		else if ((c & 0xc0) != 0x80)
			fputc(' ', out);
	}
	fputs("^\n", out);
}

char *bt_diags__render(const struct bt_diags *diags, const char *source,
		       const char *filename)
{
	char *buf = NULL;
	size_t size = 0, i;
	FILE *out = open_memstream(&buf, &size);

	if (!out)
		return NULL;
	if (!filename)
		filename = "<program>";
	for (i = 0; diags && i < diags->n; i++) {
		const struct bt_diag *d = &diags->v[i];
		const char *line;
		size_t len;

		if (d->line <= 0) {
			fprintf(out, "%s: error: %s\n", filename, d->msg);
			continue;
		}
		fprintf(out, "%s:%d:%d: error: %s\n", filename, d->line, d->col,
			d->msg);
		if (source && find_line(source, d->line, &line, &len))
			render_source(out, line, len, d->col);
	}
	if (fclose(out) != 0) {
		free(buf);
		return NULL;
	}
	return buf;
}
