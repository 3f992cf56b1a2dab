/*
 * types.c - bpftrace value types: alignment, compatibility, names, and
 * the program's arena: tuple layouts and compile warnings.
 *
 * Compatibility follows bpftrace: a variable or map keeps the kind of its
 * first assignment; strings of another capacity are truncated or padded.
 *
 * Integers follow bpftrace 0.17 exactly, as measured with `bpftrace -d`
 * and its output (tests/bpf/test_var_types.c checks each rule):
 *  - A variable keeps the integer type of its first assignment, narrow
 *    ones included: `$p = (uint16)x` is a uint16. Map keys and values
 *    are 64-bit with the value's signedness; tuple fields keep 8 bytes
 *    here (their values are the same).
 *  - Every integer expression has a size and sign (its type) and a
 *    width: the bytes bpftrace's LLVM code holds it in. They differ only
 *    for unary -, ~ (64-bit type, operand's width), ! (operand's size,
 *    unsigned) and ++/-- (64-bit type, variable's width).
 *  - In a register the value is its width's bytes extended with its own
 *    signedness. Binary operators compute in 64 bits, signed only when
 *    both operands are; / and % are always unsigned and >> always
 *    logical. A cast extends from the operand's width with the cast's
 *    signedness; a ternary is 64-bit with its then branch's signedness
 *    and extends both branches with that.
 *  - An assignment to an existing variable writes the value's width in
 *    bytes over the variable's low bytes: a narrower value leaves the
 *    upper bytes as they were, a wider one (`$u16 = $u16 + 1`, any
 *    binary operator or literal) leaves the variable unchanged. That is
 *    bpftrace 0.17's behaviour (an LLVM store of the value's own type),
 *    kept so that programs print what they print there.
 *  - printf arguments and tuple fields narrower in width than in type
 *    (-$i8) are zero-extended from their width: bpftrace writes them
 *    into zeroed slots.
 */
#include "bpf/types.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bpf/btf.h"
#include "bpf/object.h"
#include "tracetab/bt.h"

struct bt_type bt_type__unary(const struct bt_type *x, bool lnot)
{
	bool is_int = x->kind == BT_T_INT;
	unsigned w = is_int ? bt_type__width(x) : 8;
	unsigned size = lnot && is_int ? x->size : 8;
	struct bt_type t = bt_type__int(size, !lnot && is_int && x->is_signed);
	if (w != t.size)
		t.width = (uint8_t)w;
	return t;
}

int64_t bt_type__int_value(int64_t v, const struct bt_type *t)
{
	unsigned w = bt_type__width(t);
	if (w >= 8 || w == 0)
		return v;
	unsigned sh = 64 - 8 * w;
	uint64_t u = (uint64_t)v << sh;
	return t->is_signed ? (int64_t)u >> sh : (int64_t)(u >> sh);
}

unsigned bt_type__align(const struct bt_type *t)
{
	switch (t->kind) {
	case BT_T_INT:
		return t->size ? t->size : 1;
	case BT_T_STR:
		return 1;
	case BT_T_TUPLE: {
		unsigned a = 1;
		for (size_t i = 0; i < t->tuple->n; i++) {
			unsigned fa = bt_type__align(&t->tuple->f[i]);
			a = fa > a ? fa : a;
		}
		return a;
	}
	default:
		return 8;
	}
}

bool bt_type__compatible(const struct bt_type *a, const struct bt_type *b)
{
	if (a->kind != b->kind)
		return false;
	if (a->kind == BT_T_TUPLE) {
		if (a->tuple->n != b->tuple->n)
			return false;
		for (size_t i = 0; i < a->tuple->n; i++)
			if (!bt_type__compatible(&a->tuple->f[i],
						 &b->tuple->f[i]))
				return false;
	}
	if (a->kind == BT_T_PTR || a->kind == BT_T_RECORD)
		return a->btf == b->btf;
	if (a->kind == BT_T_TEXT)
		return a->render == b->render && a->depth == b->depth;
	return true;
}

bool bt_type__equal(const struct bt_type *a, const struct bt_type *b)
{
	if (!bt_type__compatible(a, b))
		return false;
	if (a->kind == BT_T_INT)
		return a->size == b->size && a->is_signed == b->is_signed;
	if (a->kind == BT_T_TUPLE) {
		for (size_t i = 0; i < a->tuple->n; i++)
			if (!bt_type__equal(&a->tuple->f[i], &b->tuple->f[i]))
				return false;
		return true;
	}
	return a->size == b->size;
}

/*
 * The BTF whose ids this thread's compilation uses: the kernel's, or the
 * kernel's plus the program's own structs (sema_struct.c sets it).
 */
static __thread const struct bt_btf *names_btf;

void bt_type__names_from(const struct bt_btf *btf)
{
	names_btf = btf;
}

static void btf_name(uint32_t id, const char *suffix, char *buf, size_t len)
{
	struct bt_btf *btf;
	char tn[128] = "void";
	if (id && names_btf)
		bt_btf__type_str(names_btf, id, tn, sizeof(tn));
	else if (id && bt_btf__vmlinux(&btf, NULL, 0) == 0)
		bt_btf__type_str(btf, id, tn, sizeof(tn));
	snprintf(buf, len, "%s%s", tn, suffix);
}

void bt_type__name(const struct bt_type *t, char *buf, size_t len)
{
	switch (t->kind) {
	case BT_T_INT:
		snprintf(buf, len, "%sint%u", t->is_signed ? "" : "u",
			 t->size * 8);
		return;
	case BT_T_STR:
		snprintf(buf, len, "string[%u]", t->size);
		return;
	case BT_T_PTR:
		btf_name(t->btf, " *", buf, len);
		return;
	case BT_T_RECORD:
	case BT_T_ARRAY:
		btf_name(t->btf, "", buf, len);
		return;
	case BT_T_TUPLE: {
		size_t o = 0;
		o += snprintf(buf, len, "(");
		for (size_t i = 0; i < t->tuple->n && o < len; i++) {
			char f[64];
			bt_type__name(&t->tuple->f[i], f, sizeof(f));
			o += snprintf(buf + o, len - o, "%s%s", i ? ", " : "",
				      f);
		}
		if (o < len)
			snprintf(buf + o, len - o, ")");
		return;
	}
	default: {
		static const char *names[] = {
			[BT_T_NONE] = "none",	[BT_T_VOID] = "void",
			[BT_T_ARGS] = "args",	[BT_T_INET] = "inet",
			[BT_T_TEXT] = "text", [BT_T_COUNT] = "count",
			[BT_T_SUM] = "sum",	[BT_T_MIN] = "min",
			[BT_T_MAX] = "max",
		};
		snprintf(buf, len, "%s",
			 t->kind < sizeof(names) / sizeof(names[0]) &&
					 names[t->kind]
				 ? names[t->kind]
				 : "?");
	}
	}
}

/* ---- Program arena: tuples and warnings ------------------------------------ */

/*
 * Lives as long as the compiled program (prog->types), so it also keeps
 * what analysis has to say about a program that compiled: its warnings.
 */
struct bt_types {
	struct bt_tuple **tuples;
	size_t n, cap;
	struct bt_diags *warnings;
};

struct bt_diags *bt_types__warnings(struct bt_types *ts)
{
	if (!ts->warnings)
		ts->warnings = bt_diags__new();
	return ts->warnings;
}

struct bt_types *bt_types__new(void)
{
	return calloc(1, sizeof(struct bt_types));
}

void bt_types__free(struct bt_types *ts)
{
	if (!ts)
		return;
	for (size_t i = 0; i < ts->n; i++) {
		free(ts->tuples[i]->f);
		free(ts->tuples[i]->off);
		free(ts->tuples[i]);
	}
	free(ts->tuples);
	bt_diags__free(ts->warnings);
	free(ts);
}

/* The program keeps its arena, hence its warnings (bt.h). */
size_t bt_program__nwarnings(const struct bt_program *prog)
{
	if (!prog || !prog->types)
		return 0;
	return bt_diags__count(bt_types__warnings(prog->types));
}

int bt_program__warning(const struct bt_program *prog, size_t i,
			struct bt_diag *out)
{
	const struct bt_diag *d =
		prog && prog->types
			? bt_diags__get(bt_types__warnings(prog->types), i)
			: NULL;
	if (!d)
		return -ENOENT;
	*out = *d;
	return 0;
}

struct bt_type bt_types__tuple(struct bt_types *ts, const struct bt_type *f,
			       size_t n)
{
	struct bt_type t = { .kind = BT_T_NONE };
	if (ts->n == ts->cap) {
		size_t ncap = ts->cap ? ts->cap * 2 : 8;
		void *p = realloc(ts->tuples, ncap * sizeof(*ts->tuples));
		if (!p)
			return t;
		ts->tuples = p;
		ts->cap = ncap;
	}
	struct bt_tuple *tu = calloc(1, sizeof(*tu));
	if (!tu)
		return t;
	tu->f = calloc(n ? n : 1, sizeof(*tu->f));
	tu->off = calloc(n ? n : 1, sizeof(*tu->off));
	if (!tu->f || !tu->off) {
		free(tu->f);
		free(tu->off);
		free(tu);
		return t;
	}
	tu->n = n;
	uint32_t off = 0, align = 1;
	for (size_t i = 0; i < n; i++) {
		tu->f[i] = f[i];
		unsigned a = bt_type__align(&f[i]);
		off = (off + a - 1) & ~(a - 1);
		tu->off[i] = off;
		off += f[i].size;
		align = a > align ? a : align;
	}
	ts->tuples[ts->n++] = tu;
	t.kind = BT_T_TUPLE;
	t.tuple = tu;
	/* Padded to 8 so tuples copy in whole words. */
	t.size = (off + 7) & ~7u;
	(void)align;
	return t;
}
