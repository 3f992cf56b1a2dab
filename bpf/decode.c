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
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "bpf/object.h"
#include "bpf/printf_format.h"
#include "bpf/render.h"

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
	case BT_T_INET:
	case BT_T_TEXT: {
		char *t = prog->text[i];
		size_t len = sizeof(prog->text[i]);
		if (a->type.kind == BT_T_TEXT &&
		    (a->type.render == BT_RENDER_KSTACK ||
		     a->type.render == BT_RENDER_USTACK)) {
			/* Stacks are long: they get the larger buffers. */
			size_t k = prog->nstacks++;
			if (k >= BT_ROW_STACKS) {
				snprintf(t, len, "[too many stacks]");
			} else {
				t = prog->stack_text[k];
				len = sizeof(prog->stack_text[k]);
				bt_render__stack_of(prog->obj, &a->type, p, 8, t,
						    len);
			}
		} else if (a->type.kind == BT_T_TEXT &&
			   a->type.render == BT_RENDER_BUF) {
			/* Up to 4 characters a byte: a large buffer too. */
			size_t k = prog->nstacks++;
			if (k < BT_ROW_STACKS) {
				t = prog->stack_text[k];
				len = sizeof(prog->stack_text[k]);
			}
			bt_render__text(prog->obj, &a->type, p, t, len);
		} else if (!bt_render__text(prog->obj, &a->type, p, t, len)) {
			bt_render__value(&a->type, p, t, len);
		}
		v->str.ptr = t;
		v->str.len = (uint32_t)strlen(t);
		return;
	}
	default:
		memcpy(&v->u64, p, 8);
	}
}

static void cat_file(const char *path, FILE *out)
{
	FILE *f = fopen(path, "r");
	if (!f) {
		fprintf(out, "cat: cannot open %s\n", path);
		return;
	}
	char buf[4096];
	size_t n;
	while ((n = fread(buf, 1, sizeof(buf), f)) > 0)
		fwrite(buf, 1, n, out);
	fclose(f);
}

/* cat() for the text callback: bounded, and never blocks the consumer. */
static size_t cat_text(const char *path, char *buf, size_t cap)
{
	int fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
	size_t n = 0;
	ssize_t r;

	if (fd < 0) {
		int len = snprintf(buf, cap, "cat: cannot open %s\n", path);
		return len < 0 ? 0 : (size_t)len < cap ? (size_t)len : cap - 1;
	}
	while (n + 1 < cap && (r = read(fd, buf + n, cap - 1 - n)) > 0)
		n += (size_t)r;
	close(fd);
	buf[n] = 0;
	return n;
}

/* join(argv, sep)'s line into buf (cut at cap - 1 bytes); its length. */
static size_t join_text(const uint8_t *rec, const char *sep, char *buf,
			size_t cap)
{
	const char *a = (const char *)rec + sizeof(struct bt_rec_hdr);
	size_t o = 0;

	for (int i = 0; i < BT_JOIN_ARGS && o + 1 < cap;
	     i++, a += BT_JOIN_ARGLEN) {
		int n = (int)strnlen(a, BT_JOIN_ARGLEN);
		if (!n)
			break;
		int w = snprintf(buf + o, cap - o, "%s%.*s", i ? sep : "", n,
				 a);
		o += w < 0 ? 0 : (size_t)w;
	}
	if (o + 1 < cap)
		buf[o++] = '\n';
	o = o < cap ? o : cap - 1;
	buf[o] = 0;
	return o;
}

/* join()/cat(): their text to the text callback if set, else to out. */
static int format(const struct bt_printf_def *pd, const union tt_value *v,
		  char *buf, size_t len);

/* cat()'s path: the literal, or cat(fmt, args)'s formatted into buf. */
static const char *cat_path(struct bt_program *prog,
			    const struct bt_printf_def *pd, const uint8_t *rec,
			    char *buf, size_t len)
{
	if (!pd->nargs || pd->nargs >= TT_MAX_COLUMNS)
		return pd->fmt;
	prog->nstacks = 0;
	for (size_t i = 0; i < pd->nargs; i++)
		decode_arg(prog, i, &pd->args[i], rec);
	format(pd, prog->values, buf, len);
	return buf;
}

static void print_text(struct bt_program *prog, const struct bt_printf_def *pd,
		       const uint8_t *rec)
{
	char buf[BT_TEXT_MAX + 1], path[4096];
	struct bt_rec_hdr h;
	const char *file = pd->kind == BT_REC_CAT
				   ? cat_path(prog, pd, rec, path, sizeof(path))
				   : NULL;

	if (!prog->text_fn) {
		if (prog->out && pd->kind == BT_REC_CAT)
			cat_file(file, prog->out);
		else if (prog->out)
			fwrite(buf, 1,
			       join_text(rec, pd->fmt, buf, sizeof(buf)),
			       prog->out);
		return;
	}
	memcpy(&h, rec, sizeof(h));
	size_t n = pd->kind == BT_REC_CAT
			   ? cat_text(file, buf, sizeof(buf))
			   : join_text(rec, pd->fmt, buf, sizeof(buf));
	prog->text_fn(prog->text_ctx, h.ktime_ns, buf, n);
}

/* time(): the local time in the record's format, where print() goes. */
static void print_time(struct bt_program *prog, const struct bt_printf_def *pd,
		       const uint8_t *rec)
{
	char buf[256];
	time_t now = time(NULL);
	struct bt_rec_hdr h;
	struct tm tm;
	size_t n;

	if (!prog->out && !prog->time_fn)
		return;
	localtime_r(&now, &tm);
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wformat-nonliteral"
	n = strftime(buf, sizeof(buf), pd->fmt, &tm);
#pragma GCC diagnostic pop
	if (!n)
		return;
	if (!prog->time_fn) {
		fputs(buf, prog->out);
		return;
	}
	memcpy(&h, rec, sizeof(h));
	prog->time_fn(prog->time_ctx, h.ktime_ns, buf, n);
}

static void run_system(struct bt_program *prog, const struct bt_printf_def *pd,
		       const uint8_t *rec);

/* print(value): its text where join()/cat() text goes. */
static void print_value(struct bt_program *prog,
			const struct bt_printf_def *pd, const uint8_t *rec)
{
	char buf[BT_TEXT_MAX + 1];
	struct bt_rec_hdr h;
	size_t n = bt_render__print_text(prog->obj, &pd->args[0].type,
					 rec + pd->args[0].offset, buf,
					 sizeof(buf));
	memcpy(&h, rec, sizeof(h));
	if (prog->text_fn)
		prog->text_fn(prog->text_ctx, h.ktime_ns, buf, n);
	else if (prog->out)
		fwrite(buf, 1, n, prog->out);
}

/* Performs an action record, in record order with the rows around it. */
static void act(struct bt_program *prog, const struct bt_printf_def *pd,
		const uint8_t *rec)
{
	const struct bt_map_def *m =
		pd->map >= 0 && (size_t)pd->map < prog->obj->nmaps
			? &prog->obj->maps[pd->map]
			: NULL;
	switch (pd->kind) {
	case BT_REC_EXIT:
		prog->exited = true;
		return;
	case BT_REC_TIME:
		print_time(prog, pd, rec);
		return;
	case BT_REC_PRINT:
		if (pd->nargs) { /* print(value) */
			print_value(prog, pd, rec);
			return;
		}
		bt_maps__printed(prog, pd->map);
		if (prog->out && m)
			bt_maps__print_one(prog->obj, m, prog->out, pd->top,
					   pd->div);
		return;
	case BT_REC_CLEAR:
	case BT_REC_ZERO:
		if (m)
			bt_maps__clear(m, pd->kind == BT_REC_ZERO);
		return;
	case BT_REC_CAT:
	case BT_REC_JOIN:
		print_text(prog, pd, rec);
		return;
	case BT_REC_SYSTEM:
		run_system(prog, pd, rec);
		return;
	default:
		prog->decode_errors++;
	}
}

static int decode_one(struct bt_program *prog, void *data, size_t size)
{
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
	if (pd->kind != BT_REC_PRINTF) {
		if (size < pd->size) {
			prog->decode_errors++;
			return 0;
		}
		act(prog, pd, data);
		return 0;
	}
	if (size < pd->size || pd->nargs >= TT_MAX_COLUMNS) {
		prog->decode_errors++;
		return 0;
	}
	prog->nstacks = 0;
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

int bt_decode__record(void *ctx, void *data, size_t size)
{
	struct bt_program *prog = ctx;
	int rc = decode_one(prog, data, size);
	if (rc < 0)
		return rc;
	/* Bound one drain: under a flood of events the ring never empties,
	 * and the caller must get control back (timeouts, signals, other
	 * rings). libbpf has consumed this record when we stop. */
	if (++prog->batch >= BT_CONSUME_BATCH) {
		prog->batch_full = true;
		return -EAGAIN;
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

/* Renders one argument with the C conversion compiled for it. */
static void render(const struct bt_printf_arg *a, const union tt_value *v,
		   char *out, size_t olen)
{
	const char *spec = a->cspec;
	if (a->type.kind == BT_T_STR || a->type.kind == BT_T_INET ||
	    a->type.kind == BT_T_TEXT) {
		char tmp[4096];
		uint32_t n = v->str.len < sizeof(tmp) - 1 ? v->str.len
							  : sizeof(tmp) - 1;
		memcpy(tmp, v->str.ptr, n);
		tmp[n] = 0;
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wformat-nonliteral"
#ifndef __clang__
#pragma GCC diagnostic ignored "-Wformat-truncation"
#endif
		snprintf(out, olen, a->conv == 's' ? spec : "%s", tmp);
		return;
	}
	switch (a->conv) {
	case 'c':
		snprintf(out, olen, spec, (int)(unsigned char)v->u64);
		break;
	case 'p':
		snprintf(out, olen, spec, (void *)(uintptr_t)v->u64);
		break;
	case 's':
		snprintf(out, olen, a->type.is_signed ? "%lld" : "%llu",
			 (long long)v->i64);
		break;
	case 'd':
	case 'i':
		if (bt_fmt_cspec__is_int(spec)) /* %d: the low 32 bits */
			snprintf(out, olen, spec, (int)v->i64);
		else
			snprintf(out, olen, spec, (long long)v->i64);
		break;
	default:
		if (bt_fmt_cspec__is_int(spec))
			snprintf(out, olen, spec, (unsigned)v->u64);
		else
			snprintf(out, olen, spec, (unsigned long long)v->u64);
	}
#pragma GCC diagnostic pop
}

/* Renders a printf-shaped record's format with its decoded values. */
static int format(const struct bt_printf_def *pd, const union tt_value *v,
		  char *buf, size_t len)
{
	size_t o = 0, at = 0;
	buf[0] = 0;
	for (size_t i = 0; i < pd->nargs; i++) {
		const struct bt_printf_arg *a = &pd->args[i];
		put_literal(buf, len, &o, pd->fmt + at, a->fmt_start - at);
		char out[512];
		render(a, &v[i], out, sizeof(out));
		put(buf, len, &o, out, strlen(out));
		at = a->fmt_end;
	}
	/* bpftrace 0.17 prints the text after the last conversion as it
	 * is: "100%%\n" stays "100%%". */
	put(buf, len, &o, pd->fmt + at, strlen(pd->fmt + at));
	return (int)o;
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
	if (pd->kind != BT_REC_PRINTF)
		return -EINVAL;
	return format(pd, row->values, buf, len);
}

void bt_program__set_time_fn(struct bt_program *prog, bt_text_fn fn, void *ctx)
{
	prog->time_fn = fn;
	prog->time_ctx = ctx;
}

void bt_program__set_system_fn(struct bt_program *prog, bt_system_fn fn,
			       void *ctx)
{
	prog->system_fn = fn;
	prog->system_ctx = ctx;
}

/*
 * system(): formats the command. With a system callback (the daemon) the
 * caller runs it; otherwise it runs here with sh -c, its output going
 * where print() goes (discarded when nowhere), like bpftrace 0.17, and
 * the decoder waits for it: records after it come after its output.
 */
static void run_system(struct bt_program *prog, const struct bt_printf_def *pd,
		       const uint8_t *rec)
{
	char cmd[4096];
	if (pd->nargs >= TT_MAX_COLUMNS)
		return;
	prog->nstacks = 0;
	for (size_t i = 0; i < pd->nargs; i++)
		decode_arg(prog, i, &pd->args[i], rec);
	format(pd, prog->values, cmd, sizeof(cmd));
	if (prog->system_fn) {
		struct bt_rec_hdr h;

		memcpy(&h, rec, sizeof(h));
		prog->system_fn(prog->system_ctx, h.ktime_ns, cmd);
		return;
	}
	if (prog->out)
		fflush(prog->out);
	FILE *p = popen(cmd, "re");
	if (!p) {
		prog->decode_errors++;
		return;
	}
	char buf[4096];
	size_t n;
	while ((n = fread(buf, 1, sizeof(buf), p)) > 0)
		if (prog->out)
			fwrite(buf, 1, n, prog->out);
	pclose(p);
}
