/*
 * builtins_text.c - functions whose values a probe records as numbers or
 * raw bytes and user space turns into text (render_text.c): strftime(),
 * cgroup_path(), usym(), buf(); and uaddr(), resolved at compile time.
 * Same table shape as builtins.c; bt_builtin__find searches every table.
 *
 * A rendering that needs text from the program (strftime's format,
 * cgroup_path's filter) keeps it in a BT_REC_TEXT record of the object,
 * never emitted, whose id the value's type carries in bt_type.depth:
 * values with different formats then have different types, and the
 * decoder finds the text without a side table.
 */
#include <string.h>

#include "bpf/builtins.h"
#include "bpf/elf_sym.h"
#include "bpf/probes.h"

#define EMIT(cg, i) bt_emit__insn(&(cg)->e, (i))
#define err bt_builtin__err
#define ty bt_builtin__type

/* Longest buf(): bpftrace 0.17's string size. */
#define BT_BUF_MAX 64

/* The BT_REC_TEXT record holding text for a renderer; -1 after an error. */
static int text_record(struct bt_sema *s, const struct bt_expr *at,
		       const char *text)
{
	int id = bt_sema__action(s, BT_REC_TEXT, -1, text);
	if (id < 0)
		return err(s, at, "out of memory");
	if (id > UINT8_MAX)
		return err(s, at, "too many records in one program for "
				  "another format");
	return id;
}

static int ck_int_arg(struct bt_sema *s, const struct bt_expr *a,
		      const char *msg)
{
	struct bt_einfo *ai = bt_sema__expr(s, a);
	if (!ai)
		return -1;
	if (ai->type.kind != BT_T_INT && ai->type.kind != BT_T_PTR)
		return err(s, a, msg);
	return 0;
}

/* strftime("fmt", ns): ns is CLOCK_MONOTONIC (nsecs). */
static int ck_strftime(struct bt_sema *s, const struct bt_expr *e,
		       struct bt_einfo *ei)
{
	const struct bt_expr *f = e->call.args[0];
	if (f->kind != BT_EXPR_STR)
		return err(s, f, "strftime()'s format must be a string "
				 "literal");
	if (ck_int_arg(s, e->call.args[1], "strftime() needs a time in "
					   "nanoseconds (nsecs)") < 0)
		return -1;
	int id = text_record(s, f, f->str.data);
	if (id < 0)
		return -1;
	return ty(ei, (struct bt_type){ .kind = BT_T_TEXT, .size = 8,
					.render = BT_RENDER_STRFTIME,
					.depth = (uint8_t)id });
}

static int gen_last_arg(struct bt_cg *cg, const struct bt_expr *e,
			const struct bt_einfo *ei)
{
	(void)ei;
	return bt_cg__expr(cg, e->call.args[e->call.nargs - 1]);
}

static int gen_first_arg(struct bt_cg *cg, const struct bt_expr *e,
			 const struct bt_einfo *ei)
{
	(void)ei;
	return bt_cg__expr(cg, e->call.args[0]);
}

/* cgroup_path(id[, "filter"]): the filter globs hierarchy names. */
static int ck_cgroup_path(struct bt_sema *s, const struct bt_expr *e,
			  struct bt_einfo *ei)
{
	if (ck_int_arg(s, e->call.args[0], "cgroup_path() needs a cgroup id "
					   "(cgroup)") < 0)
		return -1;
	const char *filter = "*";
	if (e->call.nargs == 2) {
		const struct bt_expr *f = e->call.args[1];
		if (f->kind != BT_EXPR_STR)
			return err(s, f, "cgroup_path()'s filter must be a "
					 "string literal");
		filter = f->str.data;
	}
	int id = text_record(s, e, filter);
	if (id < 0)
		return -1;
	return ty(ei, (struct bt_type){ .kind = BT_T_TEXT, .size = 8,
					.render = BT_RENDER_CGROUP,
					.depth = (uint8_t)id });
}

/* usym(addr): 16 bytes, the address and the pid whose maps resolve it. */
static int ck_usym(struct bt_sema *s, const struct bt_expr *e,
		   struct bt_einfo *ei)
{
	if (ck_int_arg(s, e->call.args[0], "usym() needs an address") < 0)
		return -1;
	return ty(ei, (struct bt_type){ .kind = BT_T_TEXT, .size = 16,
					.render = BT_RENDER_USYM });
}

static int gen_usym(struct bt_cg *cg, const struct bt_expr *e,
		    const struct bt_einfo *ei)
{
	(void)ei;
	int slot = bt_cg__slot(cg, 16, e->line, e->col);
	bt_cg__expr(cg, e->call.args[0]);
	bt_builtin__store_with_pid(cg, slot);
	return slot;
}

void bt_builtin__store_with_pid(struct bt_cg *cg, int slot)
{
	EMIT(cg, BT_STX(BPF_DW, BPF_REG_10, BPF_REG_0, slot));
	EMIT(cg, BT_CALL(BPF_FUNC_get_current_pid_tgid));
	EMIT(cg, BT_ALU64_IMM(BPF_RSH, BPF_REG_0, 32));
	EMIT(cg, BT_STX(BPF_DW, BPF_REG_10, BPF_REG_0, slot + 8));
}

/* uaddr("sym"): the symbol's address in the probed binary (st_value). */
static int ck_uaddr(struct bt_sema *s, const struct bt_expr *e,
		    struct bt_einfo *ei)
{
	const struct bt_expr *a = e->call.args[0];
	enum bt_probe_kind k = s->uap->kind;
	if (a->kind != BT_EXPR_STR)
		return err(s, a, "uaddr() needs a symbol name in quotes");
	if ((k != BT_PROBE_UPROBE && k != BT_PROBE_URETPROBE &&
	     k != BT_PROBE_USDT) ||
	    !s->uap->path)
		return err(s, e, "uaddr() is only available in uprobe, "
				 "uretprobe and usdt probes");
	struct bt_elf_sym sym;
	char msg[256];
	if (bt_elf__resolve(s->uap->path, a->str.data, &sym, msg,
			    sizeof(msg)) < 0)
		return err(s, a, msg);
	ei->is_const = true;
	ei->cval = (int64_t)sym.vaddr;
	return ty(ei, bt_type__int(8, false));
}

/* buf(p[, n]): n bytes (n <= 64; arrays default to their size). */
static int ck_buf(struct bt_sema *s, const struct bt_expr *e,
		  struct bt_einfo *ei)
{
	struct bt_einfo *a = bt_sema__expr(s, e->call.args[0]);
	if (!a)
		return -1;
	enum bt_tkind k = a->type.kind;
	if (k != BT_T_PTR && k != BT_T_INT && k != BT_T_ARRAY &&
	    k != BT_T_STR)
		return err(s, e->call.args[0],
			   "buf() needs a pointer, an integer address, an "
			   "array or a string");
	int64_t cap = k == BT_T_ARRAY ? (int64_t)a->type.size : -1;
	ei->cval = 0; /* 0: the length is the constant cap */
	if (e->call.nargs == 2) {
		struct bt_einfo *n = bt_sema__expr(s, e->call.args[1]);
		if (!n)
			return -1;
		if (n->type.kind != BT_T_INT)
			return err(s, e->call.args[1],
				   "buf()'s length must be an integer");
		if (n->is_const && n->cval < 0)
			return err(s, e->call.args[1],
				   "buf()'s length must not be negative");
		cap = n->is_const ? n->cval : BT_BUF_MAX;
		ei->cval = !n->is_const;
	} else if (cap < 0) {
		return err(s, e, k == BT_T_STR ? "buf() of a string needs a length"
					       : "buf() of a pointer needs a length");
	}
	if (cap > BT_BUF_MAX)
		cap = BT_BUF_MAX;
	if (ei->cval && k == BT_T_ARRAY)
		return err(s, e->call.args[1], "buf() of an array needs a "
					       "constant length");
	struct bt_type t = { .kind = BT_T_TEXT,
			     .size = 8 + (((uint32_t)cap + 7) & ~7u),
			     .render = BT_RENDER_BUF };
	t.user = a->type.user || s->uap->kind == BT_PROBE_UPROBE ||
		 s->uap->kind == BT_PROBE_URETPROBE;
	return ty(ei, t);
}

/*
 * The slot holds the length (u64) then the bytes. A runtime length is
 * clamped to the capacity in a register, so the verifier sees the read
 * bounded.
 */
/* buf(string, n): the string's bytes, zeros past its capacity. */
static void gen_buf_str(struct bt_cg *cg, const struct bt_expr *e, int slot,
			int cap)
{
	struct bt_einfo *n = bt_sema__info(cg->s, e->call.args[1]);
	if (n->is_const) {
		EMIT(cg, BT_ST_IMM(BPF_DW, BPF_REG_10, slot,
				   n->cval < cap ? (int32_t)n->cval : cap));
	} else {
		int ok = bt_emit__label(&cg->e);
		bt_cg__expr(cg, e->call.args[1]);
		bt_emit__jmp_imm(&cg->e, BPF_JLE, BPF_REG_0, cap, ok);
		EMIT(cg, BT_MOV64_IMM(BPF_REG_0, cap));
		bt_emit__place(&cg->e, ok);
		EMIT(cg, BT_STX(BPF_DW, BPF_REG_10, BPF_REG_0, slot));
	}
	int src = bt_cg__expr(cg, e->call.args[0]);
	int words = (int)bt_sema__info(cg->s, e->call.args[0])->type.size;
	bt_emit__copy(&cg->e, BPF_REG_10, slot + 8, BPF_REG_10, src,
		      words < ((cap + 7) & ~7) ? words : (cap + 7) & ~7);
}

static int gen_buf(struct bt_cg *cg, const struct bt_expr *e,
		   const struct bt_einfo *ei)
{
	int size = (int)ei->type.size, cap = size - 8;
	struct bt_einfo *n = e->call.nargs == 2
				     ? bt_sema__info(cg->s, e->call.args[1])
				     : NULL;
	int slot = bt_cg__slot(cg, size, e->line, e->col);
	bt_emit__zero(&cg->e, slot, size);
	int mark = cg->e.stack;
	if (bt_sema__info(cg->s, e->call.args[0])->type.kind == BT_T_STR) {
		gen_buf_str(cg, e, slot, cap);
		bt_emit__stack_reset(&cg->e, mark);
		return slot;
	}
	if (!ei->cval) {
		int len = n ? (int)n->cval : cap;
		if (len > cap)
			len = cap;
		EMIT(cg, BT_ST_IMM(BPF_DW, BPF_REG_10, slot, len));
		bt_cg__expr(cg, e->call.args[0]);
		if (len)
			bt_cg__read_mem(cg, &ei->type, 0, slot + 8, len);
		bt_emit__stack_reset(&cg->e, mark);
		return slot;
	}
	bt_cg__expr(cg, e->call.args[1]);
	int ok = bt_emit__label(&cg->e);
	bt_emit__jmp_imm(&cg->e, BPF_JLE, BPF_REG_0, cap, ok);
	EMIT(cg, BT_MOV64_IMM(BPF_REG_0, cap));
	bt_emit__place(&cg->e, ok);
	EMIT(cg, BT_STX(BPF_DW, BPF_REG_10, BPF_REG_0, slot));
	bt_cg__expr(cg, e->call.args[0]);
	EMIT(cg, BT_MOV64_REG(BPF_REG_3, BPF_REG_0));
	EMIT(cg, BT_MOV64_REG(BPF_REG_1, BPF_REG_10));
	EMIT(cg, BT_ALU64_IMM(BPF_ADD, BPF_REG_1, slot + 8));
	EMIT(cg, BT_LDX(BPF_DW, BPF_REG_2, BPF_REG_10, slot));
	/* Re-bound after the fill: a spilled bound may not survive. */
	ok = bt_emit__label(&cg->e);
	bt_emit__jmp_imm(&cg->e, BPF_JLE, BPF_REG_2, cap, ok);
	EMIT(cg, BT_MOV64_IMM(BPF_REG_2, cap));
	bt_emit__place(&cg->e, ok);
	EMIT(cg, BT_CALL(ei->type.user ? BPF_FUNC_probe_read_user
				       : BPF_FUNC_probe_read_kernel));
	bt_emit__stack_reset(&cg->e, mark);
	return slot;
}

#define FUNC(n, lo, hi, c, g)                                                 \
	{ .name = n, .is_func = true, .min_args = lo, .max_args = hi,         \
	  .check = c, .gen = g }

const struct bt_builtin bt_builtins_text[] = {
	FUNC("strftime", 2, 2, ck_strftime, gen_last_arg),
	FUNC("cgroup_path", 1, 2, ck_cgroup_path, gen_first_arg),
	FUNC("usym", 1, 1, ck_usym, gen_usym),
	FUNC("uaddr", 1, 1, ck_uaddr, NULL),
	FUNC("buf", 1, 2, ck_buf, gen_buf),
};
const size_t bt_builtins_text_n =
	sizeof(bt_builtins_text) / sizeof(bt_builtins_text[0]);
