/*
 * bpf/printf_format.c - bpftrace printf format strings (see the header for
 * the accepted syntax and the column naming rule).
 *
 * One left-to-right pass: each '%' starts a conversion that is parsed in
 * the fixed C order flags, width, precision, length, conversion character.
 * Every index is checked against len before it is read, so a format may
 * hold NULs or stop in the middle of a conversion.
 */
#include "bpf/printf_format.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_WIDTH 4096

struct fmt_parser {
	const char *s;
	size_t len, i;
	struct bt_fmt *out;
	size_t cap;
	struct bt_fmt_error *err;
};

__attribute__((format(printf, 3, 4))) static int
fail(struct fmt_parser *fp, size_t offset, const char *fmt, ...)
{
	va_list ap;

	if (fp->err) {
		fp->err->offset = offset;
		va_start(ap, fmt);
		vsnprintf(fp->err->msg, sizeof(fp->err->msg), fmt, ap);
		va_end(ap);
	}
	return -EINVAL;
}

static int at(const struct fmt_parser *fp, size_t k)
{
	return fp->i + k < fp->len ? (unsigned char)fp->s[fp->i + k] : -1;
}

static bool is_space(int c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' ||
	       c == '\f';
}

static bool is_ident(const char *s, size_t n)
{
	size_t i;

	if (n == 0 || (s[0] >= '0' && s[0] <= '9'))
		return false;
	for (i = 0; i < n; i++) {
		char c = s[i];

		if (!(c == '_' || (c >= 'a' && c <= 'z') ||
		      (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')))
			return false;
	}
	return true;
}

/* Reads a decimal number (width or precision); -1 if it is too large. */
static int read_number(struct fmt_parser *fp)
{
	int v = 0;

	while (at(fp, 0) >= '0' && at(fp, 0) <= '9') {
		if (v <= MAX_WIDTH)
			v = v * 10 + (at(fp, 0) - '0');
		fp->i++;
	}
	return v > MAX_WIDTH ? -1 : v;
}

static enum bt_fmt_length read_length(struct fmt_parser *fp)
{
	static const struct {
		const char *text;
		enum bt_fmt_length len;
	} mods[] = {
		{"hh", BT_FMT_LEN_HH}, {"h", BT_FMT_LEN_H},
		{"ll", BT_FMT_LEN_LL}, {"l", BT_FMT_LEN_L},
		{"z", BT_FMT_LEN_Z},   {"j", BT_FMT_LEN_J},
		{"t", BT_FMT_LEN_T},
	};
	size_t k;

	for (k = 0; k < sizeof(mods) / sizeof(mods[0]); k++) {
		size_t n = strlen(mods[k].text);

		if (at(fp, 0) == mods[k].text[0] &&
		    (n == 1 || at(fp, 1) == mods[k].text[1])) {
			fp->i += n;
			return mods[k].len;
		}
	}
	return BT_FMT_LEN_NONE;
}

static int conv_kind(int c, enum bt_fmt_kind *kind)
{
	switch (c) {
	case 'd':
	case 'i':
		*kind = BT_FMT_SIGNED;
		return 0;
	case 'u':
	case 'x':
	case 'X':
	case 'o':
		*kind = BT_FMT_UNSIGNED;
		return 0;
	case 'p':
		*kind = BT_FMT_POINTER;
		return 0;
	case 'c':
		*kind = BT_FMT_CHAR;
		return 0;
	case 's':
		*kind = BT_FMT_STRING;
		return 0;
	case 'r':
		*kind = BT_FMT_BUFFER;
		return 0;
	}
	return -1;
}

/* Names conversion c from a `label:` at the start of its token. */
static int name_conv(struct fmt_parser *fp, struct bt_fmt_conv *c)
{
	size_t start = c->offset, tok = start, n;

	while (tok > 0 && !is_space((unsigned char)fp->s[tok - 1]))
		tok--;
	/* Opening punctuation is not part of a label: "(pid:%d)". */
	while (tok < start && strchr("([{<'\"", fp->s[tok]) && fp->s[tok])
		tok++;
	n = start - tok;
	if (n >= 2 && fp->s[start - 1] == ':' &&
	    !memchr(fp->s + tok, '%', n - 1)) {
		n--;
		if (!is_ident(fp->s + tok, n))
			return fail(fp, tok,
				    "column label '%.*s' is not an identifier",
				    (int)(n > 64 ? 64 : n), fp->s + tok);
		if (n >= TT_NAME_MAX)
			return fail(fp, tok,
				    "column label longer than %d characters",
				    TT_NAME_MAX - 1);
		memcpy(c->name, fp->s + tok, n);
		c->name[n] = 0;
		c->labelled = true;
		c->label_offset = tok;
		return 0;
	}
	snprintf(c->name, sizeof(c->name), "col%zu", fp->out->n);
	return 0;
}

static int check_duplicate(struct fmt_parser *fp, const struct bt_fmt_conv *c)
{
	size_t k;

	for (k = 0; k + 1 < fp->out->n; k++)
		if (strcmp(fp->out->convs[k].name, c->name) == 0)
			return fail(fp,
				    c->labelled ? c->label_offset : c->offset,
				    "duplicate column name '%s'", c->name);
	return 0;
}

static struct bt_fmt_conv *new_conv(struct fmt_parser *fp)
{
	struct bt_fmt *f = fp->out;

	if (f->n == fp->cap) {
		size_t cap = fp->cap ? fp->cap * 2 : 8;
		struct bt_fmt_conv *v = realloc(f->convs, cap * sizeof(*v));

		if (!v)
			return NULL;
		f->convs = v;
		fp->cap = cap;
	}
	memset(&f->convs[f->n], 0, sizeof(f->convs[0]));
	return &f->convs[f->n++];
}

/* Parses the conversion whose '%' is at fp->i. */
static int parse_conv(struct fmt_parser *fp)
{
	size_t start = fp->i;
	struct bt_fmt_conv *c;
	const char *flag;
	int ch;

	c = new_conv(fp);
	if (!c)
		return -ENOMEM;
	c->offset = start;
	c->width = c->precision = -1;
	fp->i++;
	while (at(fp, 0) > 0 && (flag = strchr("-+ #0", at(fp, 0)))) {
		c->flags |= 1u << (flag - "-+ #0");
		fp->i++;
	}
	if (at(fp, 0) == '*')
		return fail(fp, start,
			    "'*' widths are not supported in printf");
	if (at(fp, 0) >= '0' && at(fp, 0) <= '9' &&
	    (c->width = read_number(fp)) < 0)
		return fail(fp, start, "printf width larger than %d",
			    MAX_WIDTH);
	if (at(fp, 0) == '.') {
		fp->i++;
		if (at(fp, 0) == '*')
			return fail(
				fp, start,
				"'*' precisions are not supported in printf");
		if ((c->precision = read_number(fp)) < 0)
			return fail(fp, start,
				    "printf precision larger than %d",
				    MAX_WIDTH);
	}
	c->length = read_length(fp);
	ch = at(fp, 0);
	if (ch < 0)
		return fail(fp, start,
			    "incomplete printf conversion '%.*s' at the end",
			    (int)(fp->i - start), fp->s + start);
	fp->i++;
	c->conv = (char)ch;
	c->len = fp->i - start;
	if (conv_kind(ch, &c->kind) < 0) {
		if (ch > 0x20 && ch < 0x7f)
			return fail(fp, start,
				    "unknown printf conversion '%.*s'",
				    (int)c->len, fp->s + start);
		return fail(fp, start, "unknown printf conversion '%%\\x%02x'",
			    ch);
	}
	if (name_conv(fp, c) < 0)
		return -EINVAL;
	return check_duplicate(fp, c);
}

int bt_fmt__parse(const char *fmt, size_t len, struct bt_fmt *out,
		  struct bt_fmt_error *err)
{
	struct fmt_parser fp = {.s = fmt, .len = len, .out = out, .err = err};
	int rc;

	out->convs = NULL;
	out->n = 0;
	if (err) {
		err->offset = 0;
		err->msg[0] = 0;
	}
	while (fp.i < len) {
		if (fmt[fp.i] != '%') {
			fp.i++;
			continue;
		}
		if (at(&fp, 1) == '%') {
			fp.i += 2;
			continue;
		}
		rc = parse_conv(&fp);
		if (rc < 0) {
			if (rc == -ENOMEM && err)
				snprintf(err->msg, sizeof(err->msg),
					 "out of memory");
			return rc;
		}
	}
	return 0;
}

void bt_fmt__free(struct bt_fmt *f)
{
	if (!f)
		return;
	free(f->convs);
	f->convs = NULL;
	f->n = 0;
}

size_t bt_fmt_conv__cspec(const struct bt_fmt_conv *conv, char *buf, size_t cap)
{
	char spec[64];
	size_t n = 0, k;
	const char *len = "";

	spec[n++] = '%';
	for (k = 0; k < 5; k++)
		if (conv->flags & (1u << k))
			spec[n++] = "-+ #0"[k];
	if (conv->width >= 0)
		n += (size_t)snprintf(spec + n, sizeof(spec) - n, "%d",
				      conv->width);
	if (conv->precision >= 0)
		n += (size_t)snprintf(spec + n, sizeof(spec) - n, ".%d",
				      conv->precision);
	if (conv->kind == BT_FMT_SIGNED || conv->kind == BT_FMT_UNSIGNED)
		len = conv->length == BT_FMT_LEN_HH	? "hh"
		      : conv->length == BT_FMT_LEN_H	? "h"
		      : conv->length == BT_FMT_LEN_NONE ? ""
							: "ll";
	n += (size_t)snprintf(spec + n, sizeof(spec) - n, "%s%c", len,
			      conv->kind == BT_FMT_BUFFER ? 's' : conv->conv);
	if (cap) {
		size_t c = n < cap ? n : cap - 1;

		memcpy(buf, spec, c);
		buf[c] = 0;
	}
	return n;
}

size_t bt_fmt__literal(const char *fmt, size_t from, size_t to, char *buf,
		       size_t cap)
{
	size_t n = 0, i;

	for (i = from; i < to; i++) {
		if (fmt[i] == '%' && i + 1 < to && fmt[i + 1] == '%')
			i++;
		if (n + 1 < cap)
			buf[n] = fmt[i];
		n++;
	}
	if (cap)
		buf[n < cap ? n : cap - 1] = 0;
	return n;
}
