/*
 * bpf/sema_member.c - typing of member access: `args->f` and `args.f` of
 * tracepoints (the format file's fields, typed by their C spelling) and of
 * fentry/fexit (BTF-typed parameters, one u64 slot each), and `->`/`.` on
 * kernel or in-script structs through BTF (a program's own struct shadows
 * the kernel's of the same name). Split from sema_expr.c, which dispatches
 * here for member expressions.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bpf/object.h"
#include "bpf/probes.h"
#include "bpf/sema.h"

static struct bt_einfo *member_btf(struct bt_sema *s, const struct bt_expr *e,
				   const struct bt_type *bt)
{
	char err[256];
	struct bt_btf_member m;
	uint32_t rec = bt->kind == BT_T_PTR ? bt->btf : bt->btf;
	if (!bt_sema__btf(s))
		return bt_sema__fail(s, e, "no BTF: cannot resolve member '%s'",
				     e->member.field);
	if (bt_btf__member(bt_sema__btf(s), rec, e->member.field, &m, err,
			   sizeof(err)) < 0)
		return bt_sema__fail(s, e, "%s", err);
	struct bt_type t;
	if (bt_sema__from_btf(s, m.type, bt, &t) < 0) {
		char tn[128];
		bt_btf__type_str(bt_sema__btf(s), m.type, tn, sizeof(tn));
		return bt_sema__fail(s, e, "member has unsupported type '%s'",
				     tn);
	}
	struct bt_einfo *ei = bt_sema__typed(s, e, t);
	if (ei) {
		ei->offset = m.offset;
		ei->btf_type = m.type;
		ei->bit_size = m.bit_size;
		ei->bit_shift = m.bit_shift;
		/*
		 * BTF's load_size is capped at 8: it sizes scalar loads. A
		 * char array member (comm, u6_addr8[16]) is read whole.
		 */
		ei->load_size = t.kind == BT_T_STR ? 0 : m.load_size;
	}
	return ei;
}

/* A C type spelling without its const/volatile qualifiers. */
static void unquals(char *out, size_t len, const char *type)
{
	size_t o = 0;
	for (const char *p = type; *p && o + 1 < len;) {
		size_t w = strcspn(p, " *");
		if ((w == 5 && !strncmp(p, "const", 5)) ||
		    (w == 8 && !strncmp(p, "volatile", 8))) {
			p += w;
			continue;
		}
		if (!w)
			w = 1;
		for (size_t i = 0; i < w && o + 1 < len; i++)
			out[o++] = p[i];
		p += w;
	}
	out[o] = 0;
}

static struct bt_einfo *member_args(struct bt_sema *s, const struct bt_expr *e)
{
	const struct bt_tp_format *f = s->uap->tp;
	const struct bt_tp_field *fl = bt_tp_format__field(f, e->member.field);
	if (!fl) {
		char msg[300];
		snprintf(msg, sizeof(msg), "tracepoint %s has no field '%s'",
			 s->uap->target, e->member.field);
		return bt_sema__fail(s, e, "%s", msg);
	}
	struct bt_type t = {0};
	if (fl->data_loc) {
		t = bt_type__str(BT_STRLEN);
	} else if (fl->array_count && fl->size / fl->array_count == 1 &&
		   strstr(fl->type, "char")) {
		t = bt_type__str(fl->array_count);
	} else if (fl->array_count) {
		/* u8 saddr[4], unsigned long args[6]: indexable, ntop-able. */
		t.kind = BT_T_ARRAY;
		t.size = fl->size;
		t.elem_size = (uint16_t)(fl->size / fl->array_count);
		t.elem_signed = fl->is_signed;
	} else if (fl->is_pointer) {
		uint32_t pointee = 0;
		char spelling[140];
		/*
		 * "struct sock *" -> the BTF pointee when it has one;
		 * "const char *const *" (execve's argv) -> char *.
		 */
		unquals(spelling, sizeof(spelling), fl->type);
		char *star = strrchr(spelling, '*');
		if (star && bt_sema__btf(s)) {
			*star = 0;
			if (bt_btf__lookup(bt_sema__btf(s), spelling, &pointee,
					   NULL, 0) < 0)
				pointee = 0;
		}
		t = bt_type__ptr(pointee, fl->user_ptr);
	} else if (fl->size == 8 && !strcmp(f->category, "syscalls")) {
		char ctype[140];
		unquals(ctype, sizeof(ctype), fl->type);
		t = bt_sema__syscall_arg(s, ctype);
	} else if (fl->size == 1 || fl->size == 2 || fl->size == 4 ||
		   fl->size == 8) {
		t = bt_type__int(fl->size, fl->is_signed);
	} else {
		return bt_sema__fail(s, e, "field '%s' has an unsupported type",
				     e->member.field);
	}
	struct bt_einfo *ei = bt_sema__typed(s, e, t);
	if (ei) {
		ei->field = fl;
		ei->offset = fl->offset;
		/* A syscall argument's type may be narrower than its slot. */
		ei->load_size = t.kind == BT_T_INT && t.size < fl->size
					? t.size
					: fl->size;
	}
	return ei;
}

/*
 * args->name in fentry/fexit: parameter i is the u64 at ctx + 8 * i, typed
 * by BTF. Structs passed by value are not addressable there.
 */
static struct bt_einfo *member_fargs(struct bt_sema *s, const struct bt_expr *e)
{
	unsigned i;
	uint32_t type;
	char msg[300];
	if (bt_probe__fentry_param(s, e->member.field, &i, &type) < 0) {
		snprintf(msg, sizeof(msg), "function %s has no parameter '%s'",
			 s->uap->target, e->member.field);
		return bt_sema__fail(s, e, "%s", msg);
	}
	struct bt_type t, base = {0};
	if (bt_sema__from_btf(s, type, &base, &t) < 0 ||
	    (t.kind != BT_T_INT && t.kind != BT_T_PTR)) {
		char tn[128];
		bt_btf__type_str(bt_sema__btf(s), type, tn, sizeof(tn));
		snprintf(msg, sizeof(msg),
			 "parameter '%s' has type '%s'; only integer and "
			 "pointer parameters can be read",
			 e->member.field, tn);
		return bt_sema__fail(s, e, "%s", msg);
	}
	struct bt_einfo *ei = bt_sema__typed(s, e, t);
	if (ei) {
		ei->offset = 8 * i;
		ei->load_size = t.size;
	}
	return ei;
}

struct bt_einfo *bt_sema__member(struct bt_sema *s, const struct bt_expr *e)
{
	struct bt_einfo *b = bt_sema__expr(s, e->member.base);
	if (!b)
		return NULL;
	const struct bt_type *bt = &b->type;
	if (bt->kind == BT_T_ARGS)
		return bt_sema__is_fentry(s) ? member_fargs(s, e)
					     : member_args(s, e);
	if (bt->kind == BT_T_PTR && e->member.arrow) {
		uint32_t sid = bt_sema__btf(s)
				       ? bt_btf__strip(bt_sema__btf(s), bt->btf)
				       : 0;
		enum bt_btf_kind k = bt_btf__kind(bt_sema__btf(s), sid);
		if (k != BT_BTF_STRUCT && k != BT_BTF_UNION)
			return bt_sema__fail(
				s, e,
				"'->%s' needs a pointer to a struct or "
				"union",
				e->member.field);
		struct bt_type rt = *bt;
		rt.btf = bt_sema__shadowed(s, sid);
		return member_btf(s, e, &rt);
	}
	if (bt->kind == BT_T_RECORD && !e->member.arrow)
		return member_btf(s, e, bt);
	if (bt->kind == BT_T_RECORD)
		return bt_sema__fail(s, e, "'->%s' on a struct value; use '.'",
				     e->member.field);
	if (bt->kind == BT_T_PTR)
		return bt_sema__fail(s, e, "'.%s' on a pointer; use '->'",
				     e->member.field);
	char tn[128];
	bt_type__name(bt, tn, sizeof(tn));
	bt_sema__error(s, e->line, e->col, "cannot access member '%s' of %s",
		       e->member.field, tn);
	return NULL;
}
