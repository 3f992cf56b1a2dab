/*
 * btf_str.c - C spellings of BTF types, for diagnostics.
 *
 * "struct sock *", "const char *", "char[16]", "int (*)(void *)": the
 * compiler names types the way a C programmer reads them. Output goes to a
 * bounded buffer that reports the length it wanted (like snprintf). The
 * walk is bounded in depth and in total types printed, so a malformed BTF
 * (cycles, huge fan-out through function prototypes) cannot hang it.
 */
#include <stdarg.h>
#include <stdio.h>

#include <bpf/btf.h> /* libbpf's inline accessors of struct btf_type */

#include "bpf/btf.h"
#include "bpf/btf_int.h"

/* ---- Type names
 * ---------------------------------------------------------------- */

struct sbuf {
	char *buf;
	size_t len;
	size_t pos; /* wanted length so far (may exceed len) */
	long budget; /* types left to print: bounds malformed BTF */
};

static void sb_put(struct sbuf *s, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static void sb_put(struct sbuf *s, const char *fmt, ...)
{
	va_list ap;
	size_t room = s->pos < s->len ? s->len - s->pos : 0;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(room ? s->buf + s->pos : NULL, room, fmt, ap);
	va_end(ap);
	if (n > 0)
		s->pos += n;
}

static char sb_last(const struct sbuf *s)
{
	if (!s->pos || s->pos > s->len)
		return 0;
	return s->buf[s->pos - 1];
}

static void type_str(const struct bt_btf *b, uint32_t id, struct sbuf *s,
		     int depth);

static void proto_str(const struct bt_btf *b, const struct btf_type *t,
		      const char *mid, struct sbuf *s, int depth)
{
	const struct btf_param *p = btf_params(t);
	uint16_t n = btf_vlen(t);

	type_str(b, t->type, s, depth + 1);
	sb_put(s, " %s(", mid);
	for (uint16_t i = 0; i < n; i++) {
		if (i)
			sb_put(s, ", ");
		if (p[i].type == 0)
			sb_put(s, "...");
		else
			type_str(b, p[i].type, s, depth + 1);
	}
	sb_put(s, ")");
}

static void type_str(const struct bt_btf *b, uint32_t id, struct sbuf *s,
		     int depth)
{
	const struct btf_type *t = bt_btf__rec(b, id);
	const char *name = bt_btf__name(b, id);
	const char *tag = "";

	if (!t) {
		sb_put(s, "void");
		return;
	}
	if (depth > 16 || --s->budget < 0) {
		sb_put(s, "...");
		return;
	}
	switch (bt_btf__kind(b, id)) {
	case BT_BTF_STRUCT:
		tag = "struct ";
		break;
	case BT_BTF_UNION:
		tag = "union ";
		break;
	case BT_BTF_ENUM:
		tag = "enum ";
		break;
	case BT_BTF_FWD:
		tag = btf_kflag(t) ? "union " : "struct ";
		break;
	case BT_BTF_PTR: {
		const struct btf_type *to = bt_btf__rec(b, t->type);

		if (to && btf_is_func_proto(to)) {
			proto_str(b, to, "(*)", s, depth);
			return;
		}
		type_str(b, t->type, s, depth + 1);
		sb_put(s, sb_last(s) == '*' ? "*" : " *");
		return;
	}
	case BT_BTF_ARRAY:
		type_str(b, btf_array(t)->type, s, depth + 1);
		sb_put(s, "[%u]", btf_array(t)->nelems);
		return;
	case BT_BTF_MODIFIER:
		if (btf_is_type_tag(t)) {
			type_str(b, t->type, s, depth + 1);
			return;
		}
		name = btf_is_const(t)	    ? "const"
		       : btf_is_volatile(t) ? "volatile"
					    : "restrict";
		if (bt_btf__kind(b, t->type) == BT_BTF_PTR) {
			type_str(b, t->type, s, depth + 1);
			sb_put(s, " %s", name);
		} else {
			sb_put(s, "%s ", name);
			type_str(b, t->type, s, depth + 1);
		}
		return;
	case BT_BTF_FUNC: {
		const struct btf_type *fp = bt_btf__rec(b, t->type);

		if (fp && btf_is_func_proto(fp)) {
			proto_str(b, fp, name, s, depth);
			return;
		}
		break; /* malformed: just the name */
	}
	case BT_BTF_FUNC_PROTO:
		proto_str(b, t, "", s, depth);
		return;
	default:
		break;
	}
	sb_put(s, "%s%s", tag, *name ? name : "(anon)");
}

int bt_btf__type_str(const struct bt_btf *b, uint32_t id, char *buf, size_t len)
{
	struct sbuf s = {buf, len, 0, 1000};

	if (len)
		buf[0] = 0;
	type_str(b, id, &s, 0);
	if (len)
		buf[s.pos < len ? s.pos : len - 1] = 0;
	return (int)s.pos;
}
