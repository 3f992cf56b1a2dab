/*
 * sema_expr.c - typing of expressions.
 *
 * Each expression kind has one function that types its operands first and
 * then itself, storing the result in the node's annotation. Constants
 * (literals, enum values, macros, sizeof) are folded into cval so that
 * code generation can emit immediates and builtins can demand constants.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bpf/builtins.h"
#include "bpf/macros.h"
#include "bpf/object.h"
#include "bpf/probes.h"
#include "bpf/usdt.h"
#include "bpf/sema.h"

struct bt_einfo *bt_sema__fail(struct bt_sema *s, const struct bt_expr *e,
			       const char *fmt, const char *arg)
{
	bt_sema__error(s, e->line, e->col, fmt, arg);
	return NULL;
}

struct bt_einfo *bt_sema__typed(struct bt_sema *s, const struct bt_expr *e,
				struct bt_type t)
{
	struct bt_einfo *ei = bt_sema__info(s, e);
	if (ei)
		ei->type = t;
	return ei;
}

static struct bt_einfo *constant(struct bt_sema *s, const struct bt_expr *e,
				 int64_t v, struct bt_type t)
{
	struct bt_einfo *ei = bt_sema__typed(s, e, t);
	if (ei) {
		ei->is_const = true;
		ei->cval = v;
	}
	return ei;
}

/* Converts a BTF type id into a language type (memory kept in `base`). */
int bt_sema__from_btf(struct bt_sema *s, uint32_t id,
		      const struct bt_type *base, struct bt_type *t)
{
	uint32_t sid = bt_btf__strip(bt_sema__btf(s), id);
	unsigned size;
	bool sg, ch, bo;
	memset(t, 0, sizeof(*t));
	t->user = base->user;
	switch (bt_btf__kind(bt_sema__btf(s), sid)) {
	case BT_BTF_INT:
	case BT_BTF_ENUM:
		if (bt_btf__int(bt_sema__btf(s), sid, &size, &sg, &ch, &bo) < 0)
			return -1;
		*t = bt_type__int(size, sg);
		return 0;
	case BT_BTF_PTR: {
		uint32_t tgt;
		bt_btf__pointee(bt_sema__btf(s), sid, &tgt);
		/* To a struct the program redefines: to the program's. */
		uint32_t st = bt_btf__strip(bt_sema__btf(s), tgt);
		if (bt_sema__shadowed(s, st) != st)
			tgt = bt_sema__shadowed(s, st);
		*t = bt_type__ptr(tgt, base->user);
		return 0;
	}
	case BT_BTF_STRUCT:
	case BT_BTF_UNION:
		t->kind = BT_T_RECORD;
		t->btf = bt_sema__shadowed(s, sid);
		t->size = (uint32_t)bt_btf__size(bt_sema__btf(s), t->btf);
		return 0;
	case BT_BTF_ARRAY: {
		uint32_t elem, count;
		bt_btf__array(bt_sema__btf(s), sid, &elem, &count);
		if (bt_btf__int(bt_sema__btf(s), elem, &size, &sg, &ch, &bo) == 0 &&
		    ch && size == 1 && count > 0) {
			*t = bt_type__str(count);
			t->user = base->user;
			return 0;
		}
		t->kind = BT_T_ARRAY;
		t->btf = sid;
		t->size = (uint32_t)bt_btf__size(bt_sema__btf(s), sid);
		return 0;
	}
	default:
		return -1;
	}
}

bool bt_sema__is_fentry(const struct bt_sema *s)
{
	return s->uap->kind == BT_PROBE_FENTRY || s->uap->kind == BT_PROBE_FEXIT;
}

/* argN as a number, or -1 for other names. */
static int arg_number(const char *name)
{
	if (strncmp(name, "arg", 3) || !name[3])
		return -1;
	char *end;
	long n = strtol(name + 3, &end, 10);
	return *end || n < 0 || n > 255 ? -1 : (int)n;
}

/*
 * What the probe kind changes about a builtin the builtin table types the
 * same everywhere: USDT arguments exist only as far as the note says, are
 * readable only from pt_regs registers and point into the traced process;
 * fentry/fexit have BTF-typed args and retval.
 */
static struct bt_einfo *probe_builtin(struct bt_sema *s, const struct bt_expr *e,
				      struct bt_einfo *ei)
{
	const struct bt_unit_ap *u = s->uap;
	int n = arg_number(e->ident.name);
	if (u->kind == BT_PROBE_USDT && n >= 0) {
		char msg[300];
		if (n >= u->usdt_nargs) {
			snprintf(msg, sizeof(msg),
				 "%s: usdt probe %s has %d argument%s",
				 e->ident.name, u->symbol, u->usdt_nargs,
				 u->usdt_nargs == 1 ? "" : "s");
			return bt_sema__fail(s, e, "%s", msg);
		}
		if (u->usdt_args[n].kind != BT_USDT_ARG_CONST &&
		    u->usdt_args[n].reg_off < 0) {
			snprintf(msg, sizeof(msg),
				 "%s: usdt operand register '%s' is not in "
				 "pt_regs",
				 e->ident.name, u->usdt_args[n].reg);
			return bt_sema__fail(s, e, "%s", msg);
		}
		ei->type = bt_type__int(8, u->usdt_args[n].is_signed);
		ei->type.user = true; /* pointers point into the process */
		return ei;
	}
	uint32_t rt;
	struct bt_type t, base = { 0 };
	if (u->kind == BT_PROBE_FEXIT && !strcmp(e->ident.name, "retval") &&
	    bt_btf__func_ret(bt_sema__btf(s), u->btf_id, &rt) == 0 && rt &&
	    bt_sema__from_btf(s, rt, &base, &t) == 0 &&
	    (t.kind == BT_T_INT || t.kind == BT_T_PTR))
		ei->type = t;
	/* bpftrace 0.17 types pid, uid, cpu, rand, ... as 64-bit: a
	 * variable assigned from one is (types.c). */
	else if (ei->type.kind == BT_T_INT && ei->type.size < 8)
		ei->type = bt_type__int(8, ei->type.is_signed);
	return ei;
}

static struct bt_einfo *ident(struct bt_sema *s, const struct bt_expr *e)
{
	const char *name = e->ident.name;
	const struct bt_builtin *bi = bt_builtin__find(name, false);
	if (bi && bt_sema__is_fentry(s) && !strcmp(name, "args")) {
		/* The context: one u64 slot per parameter (member_fargs). */
		struct bt_einfo *ei = bt_sema__typed(
			s, e, (struct bt_type){.kind = BT_T_ARGS, .ctx = true});
		if (ei)
			ei->bi = bi;
		return ei;
	}
	if (bi) {
		struct bt_einfo *ei = bt_sema__info(s, e);
		if (!ei)
			return NULL;
		ei->bi = bi;
		return bi->check(s, e, ei) < 0 ? NULL : probe_builtin(s, e, ei);
	}
	int64_t v;
	if (bt_macro__lookup(name, &v) == 0 ||
	    (bt_sema__btf(s) && bt_btf__enum_value(bt_sema__btf(s), name, &v, NULL) == 0))
		return constant(s, e, v, bt_type__int(8, true));
	return bt_sema__fail(s, e, "unknown identifier '%s'", name);
}

static struct bt_einfo *call(struct bt_sema *s, const struct bt_expr *e)
{
	const struct bt_builtin *bi = bt_builtin__find(e->call.name, true);
	if (!bi)
		return bt_sema__fail(s, e, "unknown function '%s'",
				     e->call.name);
	if ((int)e->call.nargs < bi->min_args ||
	    (int)e->call.nargs > bi->max_args) {
		bt_sema__error(s, e->line, e->col,
			       "%s() takes %d%s argument%s, got %zu",
			       e->call.name, bi->min_args,
			       bi->max_args > bi->min_args ? " or more" : "",
			       bi->max_args == 1 ? "" : "s", e->call.nargs);
		return NULL;
	}
	struct bt_einfo *ei = bt_sema__info(s, e);
	if (!ei)
		return NULL;
	ei->bi = bi;
	/* The rule types the arguments, which can grow the table and move
	 * *ei: it fills a copy, stored once it is done. */
	struct bt_einfo done = *ei;
	if (bi->check(s, e, &done) < 0)
		return NULL;
	ei = bt_sema__info(s, e);
	if (ei)
		*ei = done;
	return ei;
}

static bool is_int(const struct bt_einfo *ei)
{
	return ei->type.kind == BT_T_INT;
}

static struct bt_einfo *need_int(struct bt_sema *s, const struct bt_expr *e,
				 const char *what)
{
	struct bt_einfo *ei = bt_sema__expr(s, e);
	if (!ei)
		return NULL;
	if (ei->type.kind == BT_T_INT || ei->type.kind == BT_T_PTR)
		return ei;
	char tn[128];
	bt_type__name(&ei->type, tn, sizeof(tn));
	bt_sema__error(s, e->line, e->col, "%s needs an integer, not %s", what,
		       tn);
	return NULL;
}

static int64_t fold(enum bt_binop op, int64_t a, int64_t b, bool *ok)
{
	*ok = true;
	switch (op) {
	case BT_BINOP_MUL: return (int64_t)((uint64_t)a * (uint64_t)b);
	case BT_BINOP_ADD: return (int64_t)((uint64_t)a + (uint64_t)b);
	case BT_BINOP_SUB: return (int64_t)((uint64_t)a - (uint64_t)b);
	case BT_BINOP_BAND: return a & b;
	case BT_BINOP_BOR: return a | b;
	case BT_BINOP_BXOR: return a ^ b;
	case BT_BINOP_SHL: return (int64_t)((uint64_t)a << (b & 63));
	default: *ok = false; return 0;
	}
}

static struct bt_einfo *binary(struct bt_sema *s, const struct bt_expr *e)
{
	struct bt_einfo *l = bt_sema__expr(s, e->binary.lhs);
	struct bt_einfo *r = bt_sema__expr(s, e->binary.rhs);
	if (!l || !r)
		return NULL;
	enum bt_binop op = e->binary.op;
	bool cmp = op >= BT_BINOP_LT && op <= BT_BINOP_NE;
	if (l->type.kind == BT_T_STR && r->type.kind == BT_T_STR &&
	    (op == BT_BINOP_EQ || op == BT_BINOP_NE))
		return bt_sema__typed(s, e, bt_type__int(8, true));
	bool lok = is_int(l) || l->type.kind == BT_T_PTR;
	bool rok = is_int(r) || r->type.kind == BT_T_PTR;
	if (!lok || !rok) {
		char a[128], b[128];
		bt_type__name(&l->type, a, sizeof(a));
		bt_type__name(&r->type, b, sizeof(b));
		bt_sema__error(s, e->line, e->col,
			       "operator '%s' cannot combine %s and %s",
			       bt_binop__str(op), a, b);
		return NULL;
	}
	/* 64-bit, signed only when both operands are (types.c). */
	struct bt_type t = bt_type__int(8, l->type.is_signed && is_int(l) &&
						   r->type.is_signed && is_int(r));
	if (!cmp && l->type.kind == BT_T_PTR &&
	    (op == BT_BINOP_ADD || op == BT_BINOP_SUB) && is_int(r))
		t = l->type;
	if (l->is_const && r->is_const) {
		bool ok;
		int64_t v = fold(op, l->cval, r->cval, &ok);
		if (ok)
			return constant(s, e, v, t);
	}
	return bt_sema__typed(s, e, t);
}

/*
 * '&': the address of a struct member in kernel or user memory (&p->f,
 * &p->a.b), or &*p. Variables and map values live in BPF registers and
 * stack slots and have no address the program could use.
 */
static struct bt_einfo *address_of(struct bt_sema *s, const struct bt_expr *e)
{
	const struct bt_expr *o = e->unary.operand;
	if (o->kind == BT_EXPR_UNARY && o->unary.op == BT_UNOP_DEREF) {
		struct bt_einfo *pi = bt_sema__expr(s, o->unary.operand);
		if (!pi)
			return NULL;
		if (pi->type.kind != BT_T_PTR)
			return bt_sema__fail(s, e, "%s", "'*' needs a pointer");
		return bt_sema__typed(s, e, pi->type);
	}
	if (o->kind != BT_EXPR_MEMBER)
		return bt_sema__fail(
			s, e, "%s",
			"'&' (address-of) applies only to struct members "
			"(&p->field) and *p; variables and maps have no "
			"address");
	struct bt_einfo *mi = bt_sema__expr(s, o);
	if (!mi)
		return NULL;
	const struct bt_einfo *bi = bt_sema__info(s, o->member.base);
	if ((bi->type.kind != BT_T_PTR && bi->type.kind != BT_T_RECORD) ||
	    bi->type.ctx)
		return bt_sema__fail(
			s, e, "%s", "'&' needs a member of a struct in memory");
	if (mi->bit_size)
		return bt_sema__fail(s, e,
				     "cannot take the address of bitfield '%s'",
				     o->member.field);
	return bt_sema__typed(s, e, bt_type__ptr(mi->btf_type, bi->type.user));
}

static struct bt_einfo *unary(struct bt_sema *s, const struct bt_expr *e)
{
	const struct bt_expr *o = e->unary.operand;
	switch (e->unary.op) {
	case BT_UNOP_NEG:
	case BT_UNOP_BNOT:
	case BT_UNOP_LNOT: {
		struct bt_einfo *oi = need_int(s, o, bt_unop__str(e->unary.op));
		if (!oi)
			return NULL;
		struct bt_type t = bt_type__unary(&oi->type,
						  e->unary.op == BT_UNOP_LNOT);
		if (oi->is_const) {
			int64_t v = e->unary.op == BT_UNOP_NEG	  ? -oi->cval
				    : e->unary.op == BT_UNOP_BNOT ? ~oi->cval
								  : !oi->cval;
			return constant(s, e, bt_type__int_value(v, &t), t);
		}
		return bt_sema__typed(s, e, t);
	}
	case BT_UNOP_DEREF: {
		struct bt_einfo *oi = bt_sema__expr(s, o);
		if (!oi)
			return NULL;
		if (oi->type.kind != BT_T_PTR || !oi->type.btf)
			return bt_sema__fail(s, e, "%s",
					     "'*' needs a typed pointer");
		struct bt_type t;
		if (bt_sema__from_btf(s, oi->type.btf, &oi->type, &t) < 0)
			return bt_sema__fail(s, e, "%s",
					     "cannot dereference this type");
		struct bt_einfo *ei = bt_sema__typed(s, e, t);
		if (ei && bt_type__scalar(&t))
			ei->load_size = t.size;
		return ei;
	}
	default:
		return address_of(s, e);
	}
}

/*
 * A type's name for ternary messages: TEXT values by what makes them
 * (bt_type__name calls them all "text"), buf with its capacity.
 */
static void branch_name(const struct bt_type *t, char *buf, size_t len)
{
	static const char *text[] = {
		[BT_RENDER_KSYM] = "ksym",
		[BT_RENDER_USERNAME] = "username",
		[BT_RENDER_KSTACK] = "kstack",
		[BT_RENDER_USTACK] = "ustack",
		[BT_RENDER_STRFTIME] = "strftime",
		[BT_RENDER_CGROUP] = "cgroup_path",
		[BT_RENDER_USYM] = "usym",
	};
	if (t->kind != BT_T_TEXT)
		bt_type__name(t, buf, len);
	else if (t->render == BT_RENDER_BUF)
		snprintf(buf, len, "buf[%u]", t->size - 8);
	else if (t->render < sizeof(text) / sizeof(text[0]) && text[t->render])
		snprintf(buf, len, "%s", text[t->render]);
	else
		bt_type__name(t, buf, len);
}

/*
 * Both branches go to one register or one zeroed stack slot, so they must
 * be the same kind: integers widen to 64 bits, strings and buf() values
 * take the larger capacity (the smaller is copied and zero-padded), other
 * text values (usym, ksym, stacks of one depth) must match exactly.
 */
static struct bt_einfo *ternary(struct bt_sema *s, const struct bt_expr *e)
{
	if (!need_int(s, e->ternary.cond, "a condition"))
		return NULL;
	struct bt_einfo *a = bt_sema__expr(s, e->ternary.then);
	struct bt_einfo *b = bt_sema__expr(s, e->ternary.otherwise);
	if (!a || !b)
		return NULL;
	char x[128], y[128];
	branch_name(&a->type, x, sizeof(x));
	branch_name(&b->type, y, sizeof(y));
	if (!bt_type__compatible(&a->type, &b->type)) {
		bt_sema__error(s, e->line, e->col,
			       "ternary branches have different types: %s and "
			       "%s",
			       x, y);
		return NULL;
	}
	if (!bt_type__scalar(&a->type) && a->type.kind != BT_T_STR &&
	    a->type.kind != BT_T_TEXT)
		return bt_sema__fail(s, e,
				     "ternary branches cannot be %s values", x);
	struct bt_type t = a->type;
	if (t.kind == BT_T_INT) /* bpftrace: the then branch's sign */
		t = bt_type__int(8, a->type.is_signed);
	else if (t.kind == BT_T_STR || t.kind == BT_T_TEXT)
		t.size = a->type.size > b->type.size ? a->type.size
						     : b->type.size;
	return bt_sema__typed(s, e, t);
}

/* Resolves a type name of a cast to a language type. */
/* An in-script struct/union named by tn (before any '*'). */
static bool script_type(const struct bt_sema *s, const struct bt_type_name *tn,
			uint32_t *id)
{
	return (tn->kind == BT_TYPE_STRUCT || tn->kind == BT_TYPE_UNION) &&
	       bt_sema__script_type(s, tn->kind == BT_TYPE_UNION, tn->name, id);
}

static int type_name(struct bt_sema *s, const struct bt_type_name *tn,
		     struct bt_type *t)
{
	static const char *ints[2][4] = { { "u8", "u16", "u32", "u64" },
					  { "s8", "s16", "s32", "s64" } };
	char spelling[200];
	if (tn->is_array) {
		bt_sema__error(s, tn->line, tn->col,
			       "array casts are not supported");
		return -1;
	}
	if (tn->ptr_depth == 0) {
		if (tn->kind == BT_TYPE_INT || tn->kind == BT_TYPE_BOOL) {
			unsigned bits = tn->kind == BT_TYPE_BOOL ? 8 : tn->bits;
			*t = bt_type__int(bits / 8, tn->is_signed);
			return 0;
		}
		bt_sema__error(s, tn->line, tn->col,
			       "cannot cast to '%s'; cast to a pointer or an "
			       "integer type",
			       tn->name);
		return -1;
	}
	const char *kw = tn->kind == BT_TYPE_STRUCT  ? "struct "
			 : tn->kind == BT_TYPE_UNION ? "union "
			 : tn->kind == BT_TYPE_ENUM  ? "enum "
						     : "";
	const char *name = tn->name;
	if (tn->kind == BT_TYPE_INT) {
		unsigned i = tn->bits == 8 ? 0 : tn->bits == 16 ? 1
					 : tn->bits == 32 ? 2 : 3;
		name = ints[tn->is_signed][i];
	}
	snprintf(spelling, sizeof(spelling), "%s%s", kw, name);
	for (unsigned i = 1; i < tn->ptr_depth && i < 8; i++)
		strncat(spelling, " *", sizeof(spelling) - strlen(spelling) - 1);
	uint32_t id = 0;
	char err[256];
	if (script_type(s, tn, &id)) {
		for (unsigned i = 1; i < tn->ptr_depth && id; i++)
			if (bt_btf__ptr_to(bt_sema__btf(s), id, &id) < 0)
				id = 0;
		*t = bt_type__ptr(id, false);
		return 0;
	}
	if (tn->kind != BT_TYPE_VOID || tn->ptr_depth > 1) {
		if (!bt_sema__btf(s)) {
			bt_sema__error(s, tn->line, tn->col,
				       "no BTF: unknown type '%s'", spelling);
			return -1;
		}
		if (bt_btf__lookup(bt_sema__btf(s), spelling, &id, err, sizeof(err)) <
		    0) {
			bt_sema__error(s, tn->line, tn->col, "%s", err);
			return -1;
		}
	}
	*t = bt_type__ptr(id, false);
	return 0;
}

static struct bt_einfo *cast(struct bt_sema *s, const struct bt_expr *e)
{
	struct bt_einfo *oi = need_int(s, e->cast.operand, "a cast");
	struct bt_type t;
	if (!oi || type_name(s, e->cast.type, &t) < 0)
		return NULL;
	if (t.kind == BT_T_PTR)
		t.user = oi->type.user || s->uap->kind == BT_PROBE_UPROBE ||
			 s->uap->kind == BT_PROBE_URETPROBE;
	if (oi->is_const && t.kind == BT_T_INT) {
		struct bt_type from = t;
		unsigned w = bt_type__width(&oi->type);
		from.size = w < t.size ? w : t.size;
		return constant(s, e, bt_type__int_value(oi->cval, &from), t);
	}
	return bt_sema__typed(s, e, t);
}

/* Indexing an array of integers described by a tracepoint field. */
static struct bt_einfo *tp_index(struct bt_sema *s, const struct bt_expr *e,
				 const struct bt_einfo *b,
				 const struct bt_einfo *i)
{
	unsigned es = b->type.elem_size;
	if (es != 1 && es != 2 && es != 4 && es != 8)
		return bt_sema__fail(s, e, "%s",
				     "unsupported array element size");
	uint32_t count = b->type.size / es;
	if (i->is_const && (i->cval < 0 || i->cval >= count))
		return bt_sema__fail(s, e, "%s",
				     "index out of the array's bounds");
	struct bt_einfo *ei =
		bt_sema__typed(s, e, bt_type__int(es, b->type.elem_signed));
	if (ei) {
		ei->load_size = es;
		ei->cval = es;
	}
	return ei;
}

static struct bt_einfo *index_(struct bt_sema *s, const struct bt_expr *e)
{
	struct bt_einfo *b = bt_sema__expr(s, e->index.base);
	struct bt_einfo *i = need_int(s, e->index.index, "an index");
	if (!b || !i)
		return NULL;
	uint32_t elem = 0, count = 0;
	if (b->type.kind == BT_T_ARRAY && !b->type.btf)
		return tp_index(s, e, b, i);
	if (b->type.kind == BT_T_ARRAY)
		bt_btf__array(bt_sema__btf(s), b->type.btf, &elem, &count);
	else if (b->type.kind == BT_T_PTR && b->type.btf)
		elem = b->type.btf;
	else
		return bt_sema__fail(s, e, "%s",
				     "only arrays and typed pointers can "
				     "be indexed");
	if (count && i->is_const && (i->cval < 0 || i->cval >= count))
		return bt_sema__fail(s, e, "%s",
				     "index out of the array's bounds");
	struct bt_type t;
	if (bt_sema__from_btf(s, elem, &b->type, &t) < 0)
		return bt_sema__fail(s, e, "%s", "unsupported element type");
	struct bt_einfo *ei = bt_sema__typed(s, e, t);
	if (ei) {
		ei->load_size = t.size > 8 ? 8 : t.size;
		ei->cval = bt_btf__size(bt_sema__btf(s), elem); /* element size */
	}
	return ei;
}

static struct bt_einfo *tuple(struct bt_sema *s, const struct bt_expr *e)
{
	struct bt_type f[16];
	if (e->tuple.n > 16)
		return bt_sema__fail(s, e, "%s",
				     "tuples have at most 16 elements");
	for (size_t i = 0; i < e->tuple.n; i++) {
		struct bt_einfo *ei = bt_sema__expr(s, e->tuple.elems[i]);
		if (!ei)
			return NULL;
		f[i] = ei->type;
		if (f[i].kind == BT_T_INT)
			f[i] = bt_type__int(8, f[i].is_signed);
		if (!bt_type__scalar(&f[i]) && !bt_type__aggregate(&f[i]))
			return bt_sema__fail(
				s, e->tuple.elems[i], "%s",
				"this value cannot be stored in a tuple");
	}
	return bt_sema__typed(s, e, bt_types__tuple(s->types, f, e->tuple.n));
}

static struct bt_einfo *tuple_index(struct bt_sema *s, const struct bt_expr *e)
{
	struct bt_einfo *b = bt_sema__expr(s, e->tuple_index.base);
	if (!b)
		return NULL;
	if (b->type.kind != BT_T_TUPLE)
		return bt_sema__fail(s, e, "%s", "'.N' needs a tuple");
	if (e->tuple_index.index >= b->type.tuple->n)
		return bt_sema__fail(s, e, "%s", "tuple index out of range");
	struct bt_einfo *ei =
		bt_sema__typed(s, e, b->type.tuple->f[e->tuple_index.index]);
	if (ei)
		ei->offset = b->type.tuple->off[e->tuple_index.index];
	return ei;
}

static struct bt_einfo *size_of(struct bt_sema *s, const struct bt_expr *e)
{
	struct bt_type t;
	if (e->size_of.expr) {
		struct bt_einfo *ei = bt_sema__expr(s, e->size_of.expr);
		if (!ei)
			return NULL;
		t = ei->type;
	} else if (e->size_of.type->ptr_depth) {
		t = bt_type__ptr(0, false);
	} else if (e->size_of.type->kind == BT_TYPE_INT) {
		t = bt_type__int(e->size_of.type->bits / 8, true);
	} else {
		char spelling[160];
		uint32_t id;
		const struct bt_type_name *tn = e->size_of.type;
		if (script_type(s, tn, &id))
			return constant(s, e, bt_btf__size(bt_sema__btf(s), id),
					bt_type__int(8, false));
		snprintf(spelling, sizeof(spelling), "%s%s",
			 tn->kind == BT_TYPE_STRUCT  ? "struct "
			 : tn->kind == BT_TYPE_UNION ? "union "
			 : tn->kind == BT_TYPE_ENUM  ? "enum "
						     : "",
			 tn->name);
		char err[256];
		if (!bt_sema__btf(s) ||
		    bt_btf__lookup(bt_sema__btf(s), spelling, &id, err, sizeof(err)) < 0)
			return bt_sema__fail(s, e, "unknown type '%s'",
					     spelling);
		return constant(s, e, bt_btf__size(bt_sema__btf(s), id),
				bt_type__int(8, false));
	}
	return constant(s, e, t.size, bt_type__int(8, false));
}

static struct bt_einfo *var(struct bt_sema *s, const struct bt_expr *e)
{
	for (size_t i = 0; i < s->nvars; i++) {
		if (!strcmp(s->vars[i].name, e->var.name)) {
			struct bt_einfo *ei =
				bt_sema__typed(s, e, s->vars[i].type);
			if (ei)
				ei->var = (int)i;
			return ei;
		}
	}
	return bt_sema__fail(s, e,
			     "variable '$%s' is used before it is assigned",
			     e->var.name);
}

static struct bt_einfo *map(struct bt_sema *s, const struct bt_expr *e)
{
	char name[80];
	snprintf(name, sizeof(name), "@%s", e->map.name);
	int m = bt_object__find_map(s->obj, name);
	struct bt_type key;
	if (bt_sema__map_key(s, e, &key) < 0)
		return NULL;
	if (m < 0) {
		/* Read before any assignment: an integer map, zero so far. */
		struct bt_type v = bt_type__int(8, true);
		m = bt_sema__map(s, e, &key, &v, BT_MAPK_VALUE);
		if (m < 0)
			return NULL;
		s->obj->maps[m].provisional = true;
	}
	const struct bt_map_def *md = &s->obj->maps[m];
	if (!bt_type__compatible(&key, &md->key) &&
	    !(key.kind == BT_T_NONE && md->key.kind == BT_T_NONE)) {
		char a[128], b[128];
		bt_type__name(&key, a, sizeof(a));
		bt_type__name(&md->key, b, sizeof(b));
		bt_sema__error(s, e->line, e->col,
			       "map '%s' has keys of type %s, not %s", name, b,
			       a);
		return NULL;
	}
	struct bt_type vt = md->value;
	if (md->kind >= BT_MAPK_AVG)
		return bt_sema__fail(s, e,
				     "map '%s' holds an avg/stats/hist/lhist "
				     "aggregation, which cannot be read in an "
				     "expression",
				     name);
	if (md->kind != BT_MAPK_VALUE)
		vt = bt_type__int(8, md->kind != BT_MAPK_COUNT);
	struct bt_einfo *ei = bt_sema__typed(s, e, vt);
	if (ei)
		ei->map = m;
	return ei;
}

static struct bt_einfo *incdec(struct bt_sema *s, const struct bt_expr *e)
{
	const struct bt_expr *t = e->incdec.target;
	struct bt_einfo *ti = bt_sema__expr(s, t);
	if (!ti)
		return NULL;
	if (ti->type.kind != BT_T_INT)
		return bt_sema__fail(s, e, "%s", "'++'/'--' need an integer");
	if (t->kind == BT_EXPR_MAP &&
	    s->obj->maps[ti->map].kind != BT_MAPK_VALUE)
		return bt_sema__fail(s, e, "%s",
				     "'++'/'--' on an aggregation map");
	struct bt_type r = bt_type__int(8, ti->type.is_signed);
	r.width = (uint8_t)ti->type.size; /* bpftrace: the variable's */
	return bt_sema__typed(s, e, r);
}

/* $N: an integer constant when the argument is a number, else a string. */
static struct bt_einfo *positional(struct bt_sema *s, const struct bt_expr *e)
{
	unsigned i = e->positional.index;
	if (i == 0 || i > s->nargs) {
		char msg[96];
		snprintf(msg, sizeof(msg),
			 "positional parameter $%u is not given (%zu given)",
			 i, s->nargs);
		return bt_sema__fail(s, e, "%s", msg);
	}
	const char *a = s->args[i - 1];
	char *end;
	errno = 0;
	long long v = strtoll(a, &end, 0);
	if (*a && !*end && !errno)
		return constant(s, e, v, bt_type__int(8, true));
	size_t len = strlen(a);
	struct bt_einfo *ei = bt_sema__typed(
		s, e, bt_type__str(len + 1 > 256 ? 256 : (unsigned)len + 1));
	if (ei)
		ei->text = a;
	return ei;
}

struct bt_einfo *bt_sema__expr(struct bt_sema *s, const struct bt_expr *e)
{
	switch (e->kind) {
	case BT_EXPR_INT:
		return constant(s, e, (int64_t)e->integer.value,
				bt_type__int(8, true));
	case BT_EXPR_STR:
		return bt_sema__typed(s, e,
				      bt_type__str((e->str.len + 8) & ~7u));
	case BT_EXPR_VAR:
		return var(s, e);
	case BT_EXPR_MAP:
		return map(s, e);
	case BT_EXPR_POSITIONAL:
		return positional(s, e);
	case BT_EXPR_NARGS:
		return constant(s, e, (int64_t)s->nargs, bt_type__int(8, true));
	case BT_EXPR_IDENT:
		return ident(s, e);
	case BT_EXPR_CALL:
		return call(s, e);
	case BT_EXPR_UNARY:
		return unary(s, e);
	case BT_EXPR_BINARY:
		return binary(s, e);
	case BT_EXPR_TERNARY:
		return ternary(s, e);
	case BT_EXPR_CAST:
		return cast(s, e);
	case BT_EXPR_MEMBER:
		return bt_sema__member(s, e);
	case BT_EXPR_INDEX:
		return index_(s, e);
	case BT_EXPR_TUPLE:
		return tuple(s, e);
	case BT_EXPR_TUPLE_INDEX:
		return tuple_index(s, e);
	case BT_EXPR_SIZEOF:
		return size_of(s, e);
	case BT_EXPR_INCDEC:
		return incdec(s, e);
	}
	return bt_sema__fail(s, e, "%s", "unsupported expression");
}
