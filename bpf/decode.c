/*
 * decode.c - ring buffer records to rows, and rows to bpftrace-style text.
 *
 * A record is decoded by its own printf id with the layout fixed at
 * compile time (never with another printf's layout). values[i] is the
 * i-th printf argument; when the program has no time_ argument the record
 * timestamp follows as values[nargs], which is exactly the schema order in
 * table mode. Strings point into the ring buffer (valid during the
 * callback); ntop addresses are rendered into per-program text slots.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "bpf/object.h"

static void decode_arg(struct bt_program *prog, size_t i,
		       const struct bt_printf_arg *a, const uint8_t *rec)
{
	union tt_value *v = &prog->values[i];
	const uint8_t *p = rec + a->offset;
	switch (a->type.kind) {
	case BT_T_STR:
		v->str.ptr = (const char *)p;
		v->str.len = (uint32_t)strnlen((const char *)p, a->type.size);
		return;
	case BT_T_INET: {
		uint64_t fam;
		memcpy(&fam, p, 8);
		char *t = prog->text[i];
		if (!inet_ntop(fam == 10 ? AF_INET6 : AF_INET, p + 8, t,
			       sizeof(prog->text[i])))
			snprintf(t, sizeof(prog->text[i]), "?");
		v->str.ptr = t;
		v->str.len = (uint32_t)strlen(t);
		return;
	}
	default:
		memcpy(&v->u64, p, 8);
	}
}

int bt_decode__record(void *ctx, void *data, size_t size)
{
	struct bt_program *prog = ctx;
	struct bt_rec_hdr h;
	if (size < sizeof(h)) {
		prog->decode_errors++;
		return 0;
	}
	memcpy(&h, data, sizeof(h));
	if (h.printf_id >= prog->obj->nprintfs) {
		prog->decode_errors++;
		return 0;
	}
	const struct bt_printf_def *pd = &prog->obj->printfs[h.printf_id];
	if (pd->is_exit) {
		prog->exited = true;
		return 0;
	}
	if (size < pd->size || pd->nargs >= TT_MAX_COLUMNS) {
		prog->decode_errors++;
		return 0;
	}
	for (size_t i = 0; i < pd->nargs; i++)
		decode_arg(prog, i, &pd->args[i], data);
	prog->values[pd->nargs].u64 = h.ktime_ns;
	if (!prog->fn)
		return 0;
	struct bt_row row = { .printf_id = h.printf_id,
			      .mono_ns = h.ktime_ns,
			      .values = prog->values };
	int rc = prog->fn(prog->fn_ctx, &row);
	if (rc < 0) {
		prog->fn_rc = rc;
		return rc; /* stops ring_buffer__consume */
	}
	return 0;
}

/* Appends to buf at *o, never past len; returns false when full. */
static void put(char *buf, size_t len, size_t *o, const char *s, size_t n)
{
	if (*o + 1 >= len)
		return;
	size_t room = len - 1 - *o;
	if (n > room)
		n = room;
	memcpy(buf + *o, s, n);
	*o += n;
	buf[*o] = 0;
}

/* Literal text between conversions, with %% collapsed. */
static void put_literal(char *buf, size_t len, size_t *o, const char *s,
			size_t n)
{
	for (size_t i = 0; i < n; i++) {
		if (s[i] == '%' && i + 1 < n && s[i + 1] == '%')
			i++;
		put(buf, len, o, s + i, 1);
	}
}

static void render(const struct bt_printf_arg *a, const char *spec, size_t sl,
		   const union tt_value *v, char *out, size_t olen)
{
	char f[32];
	size_t k = 0;
	/* Keep flags, width and precision; replace the length modifier. */
	for (size_t i = 0; i + 1 < sl && k < 20; i++)
		if (!strchr("hlzjt", spec[i]))
			f[k++] = spec[i];
	f[k] = 0;
	char c = (char)a->conv;
	if (a->type.kind == BT_T_STR || a->type.kind == BT_T_INET) {
		char tmp[40];
		snprintf(tmp, sizeof(tmp), "%s.*s", f);
		if (c != 's') /* %d of a string: print the text anyway */
			snprintf(tmp, sizeof(tmp), "%%.*s");
		snprintf(out, olen, tmp, (int)v->str.len, v->str.ptr);
		return;
	}
	char tmp[40];
	if (c == 'c') {
		snprintf(tmp, sizeof(tmp), "%sc", f);
		snprintf(out, olen, tmp, (int)(unsigned char)v->u64);
	} else if (c == 'p') {
		snprintf(tmp, sizeof(tmp), "%s#llx", f);
		snprintf(out, olen, tmp, (unsigned long long)v->u64);
	} else if (c == 's') {
		snprintf(out, olen, a->type.is_signed ? "%lld" : "%llu",
			 (long long)v->i64);
	} else if (c == 'd' || c == 'i') {
		snprintf(tmp, sizeof(tmp), "%slld", f);
		snprintf(out, olen, tmp, (long long)v->i64);
	} else {
		snprintf(tmp, sizeof(tmp), "%sll%c", f, c);
		snprintf(out, olen, tmp, (unsigned long long)v->u64);
	}
}

int bt_program__format_row(const struct bt_program *prog,
			   const struct bt_row *row, char *buf, size_t len)
{
	if (!len)
		return -EINVAL;
	buf[0] = 0;
	if (row->printf_id >= prog->obj->nprintfs)
		return -EINVAL;
	const struct bt_printf_def *pd = &prog->obj->printfs[row->printf_id];
	if (pd->is_exit)
		return -EINVAL;
	size_t o = 0, at = 0;
	for (size_t i = 0; i < pd->nargs; i++) {
		const struct bt_printf_arg *a = &pd->args[i];
		put_literal(buf, len, &o, pd->fmt + at, a->fmt_start - at);
		char out[512];
		render(a, pd->fmt + a->fmt_start, a->fmt_end - a->fmt_start,
		       &row->values[i], out, sizeof(out));
		put(buf, len, &o, out, strlen(out));
		at = a->fmt_end;
	}
	put_literal(buf, len, &o, pd->fmt + at, strlen(pd->fmt + at));
	return (int)o;
}
