/*
 * builtins_ext.c - the builtins whose values are rendered in user space
 * (ksym, username, kstack, ustack), kaddr resolved at compile time, and
 * small helpers (rand, cgroup, strncmp, strcontains, reg). Same table
 * shape as builtins.c; bt_builtin__find searches both.
 */
#include <string.h>

#include "bpf/builtins.h"
#include "bpf/render.h"

#define EMIT(cg, i) bt_emit__insn(&(cg)->e, (i))
#define err bt_builtin__err
#define ty bt_builtin__type
#define helper_r0 bt_builtin__helper
#define ck_u32 bt_builtin__ck_u32
#define ck_u64 bt_builtin__ck_u64

static int gen_uid(struct bt_cg *cg, const struct bt_expr *e,
		   const struct bt_einfo *ei)
{
	(void)e, (void)ei;
	EMIT(cg, BT_CALL(BPF_FUNC_get_current_uid_gid));
	EMIT(cg, ((struct bpf_insn){ .code = BPF_ALU | BPF_MOV | BPF_X,
				     .dst_reg = BPF_REG_0,
				     .src_reg = BPF_REG_0 }));
	return 0;
}

static int ck_ksym(struct bt_sema *s, const struct bt_expr *e,
		   struct bt_einfo *ei)
{
	struct bt_einfo *a = bt_sema__expr(s, e->call.args[0]);
	if (!a)
		return -1;
	if (a->type.kind != BT_T_INT && a->type.kind != BT_T_PTR)
		return err(s, e->call.args[0], "ksym() needs an address");
	return ty(ei, (struct bt_type){ .kind = BT_T_TEXT, .size = 8,
					.render = BT_RENDER_KSYM });
}

static int gen_first_arg(struct bt_cg *cg, const struct bt_expr *e,
			 const struct bt_einfo *ei)
{
	(void)ei;
	return bt_cg__expr(cg, e->call.args[0]);
}

static int ck_username(struct bt_sema *s, const struct bt_expr *e,
		       struct bt_einfo *ei)
{
	(void)s, (void)e;
	return ty(ei, (struct bt_type){ .kind = BT_T_TEXT, .size = 8,
					.render = BT_RENDER_USERNAME });
}

static int ck_kaddr(struct bt_sema *s, const struct bt_expr *e,
		    struct bt_einfo *ei)
{
	const struct bt_expr *a = e->call.args[0];
	if (a->kind != BT_EXPR_STR)
		return err(s, a, "kaddr() needs a symbol name in quotes");
	uint64_t v = bt_render__kaddr(a->str.data);
	if (!v) {
		char msg[160];
		snprintf(msg, sizeof(msg), "unknown kernel symbol '%.100s'",
			 a->str.data);
		return err(s, a, msg);
	}
	ei->is_const = true;
	ei->cval = (int64_t)v;
	return ty(ei, bt_type__int(8, false));
}

static int gen_rand(struct bt_cg *cg, const struct bt_expr *e,
		    const struct bt_einfo *ei)
{
	(void)e, (void)ei;
	return helper_r0(cg, BPF_FUNC_get_prandom_u32);
}

static int gen_cgroup(struct bt_cg *cg, const struct bt_expr *e,
		      const struct bt_einfo *ei)
{
	(void)e, (void)ei;
	return helper_r0(cg, BPF_FUNC_get_current_cgroup_id);
}

/* Types the first two arguments, which must be strings; 0 or -1. */
static int ck_two_strings(struct bt_sema *s, const struct bt_expr *e,
			  const char *msg)
{
	for (int i = 0; i < 2; i++) {
		struct bt_einfo *a = bt_sema__expr(s, e->call.args[i]);
		if (!a)
			return -1;
		if (a->type.kind != BT_T_STR)
			return err(s, e->call.args[i], msg);
	}
	return 0;
}

static int ck_strncmp(struct bt_sema *s, const struct bt_expr *e,
		      struct bt_einfo *ei)
{
	if (ck_two_strings(s, e, "strncmp() compares strings") < 0)
		return -1;
	struct bt_einfo *n = bt_sema__expr(s, e->call.args[2]);
	if (!n)
		return -1;
	if (!n->is_const || n->cval < 0)
		return err(s, e->call.args[2], "strncmp()'s length must be a "
					       "non-negative constant");
	ei->cval = n->cval;
	return ty(ei, bt_type__int(8, true));
}

/* r0 = 0 when the first n bytes (up to a NUL) are equal, else 1. */
static int gen_strncmp(struct bt_cg *cg, const struct bt_expr *e,
		       const struct bt_einfo *ei)
{
	int mark = cg->e.stack;
	int a = bt_cg__expr(cg, e->call.args[0]);
	int b = bt_cg__expr(cg, e->call.args[1]);
	uint32_t sa = bt_sema__info(cg->s, e->call.args[0])->type.size;
	uint32_t sb = bt_sema__info(cg->s, e->call.args[1])->type.size;
	int64_t n = ei->cval;
	if (n > sa)
		n = sa;
	if (n > sb)
		n = sb;
	int diff = bt_emit__label(&cg->e), same = bt_emit__label(&cg->e);
	int end = bt_emit__label(&cg->e);
	for (int64_t i = 0; i < n; i++) {
		EMIT(cg, BT_LDX(BPF_B, BPF_REG_1, BPF_REG_10, a + (int)i));
		EMIT(cg, BT_LDX(BPF_B, BPF_REG_2, BPF_REG_10, b + (int)i));
		bt_emit__jmp_reg(&cg->e, BPF_JNE, BPF_REG_1, BPF_REG_2, diff);
		bt_emit__jmp_imm(&cg->e, BPF_JEQ, BPF_REG_1, 0, same);
	}
	bt_emit__place(&cg->e, same);
	EMIT(cg, BT_MOV64_IMM(BPF_REG_0, 0));
	bt_emit__ja(&cg->e, end);
	bt_emit__place(&cg->e, diff);
	EMIT(cg, BT_MOV64_IMM(BPF_REG_0, 1));
	bt_emit__place(&cg->e, end);
	bt_emit__stack_reset(&cg->e, mark);
	return 0;
}

/*
 * kstack/ustack arguments: [mode,] [frames]; mode is the bare word
 * bpftrace or perf. Sets *depth (bt_type.depth, see render.h); 0 or -1.
 */
static int stack_args(struct bt_sema *s, const struct bt_expr *e,
		      unsigned *depth)
{
	size_t n = e->kind == BT_EXPR_CALL ? e->call.nargs : 0;
	unsigned frames = BT_STACK_DEPTH, perf = 0;
	for (size_t i = 0; i < n; i++) {
		const struct bt_expr *a = e->call.args[i];
		if (i == 0 && a->kind == BT_EXPR_IDENT &&
		    (!strcmp(a->ident.name, "perf") ||
		     !strcmp(a->ident.name, "bpftrace"))) {
			perf = a->ident.name[0] == 'p' ? BT_STACK_PERF : 0;
			continue;
		}
		if (i == 0 && n == 2)
			return err(s, a, "the stack mode must be bpftrace or "
					 "perf");
		struct bt_einfo *d = bt_sema__expr(s, a);
		if (!d)
			return -1;
		if (!d->is_const || d->cval < 1 || d->cval > BT_STACK_DEPTH)
			return err(s, a, "the stack depth must be a constant "
					 "from 1 to 127");
		frames = (unsigned)d->cval;
	}
	*depth = frames | perf;
	return 0;
}

/* The stack map for depth frames, created on first use (see render.h). */
static int stack_map(struct bt_sema *s, const struct bt_type *t)
{
	int m = bt_stack__map(s->obj, t);
	if (m >= 0)
		return m;
	m = bt_object__add_map(s->obj);
	if (m < 0)
		return -1;
	struct bt_map_def *md = &s->obj->maps[m];
	snprintf(md->name, sizeof(md->name), "bt_stacks_%u",
		 bt_stack__frames(t));
	md->type = BPF_MAP_TYPE_STACK_TRACE;
	md->key_size = 4;
	md->value_size = bt_stack__frames(t) * 8;
	md->max_entries = 4096;
	if (s->obj->stack_map < 0)
		s->obj->stack_map = m;
	return m;
}

/* kstack, ustack, kstack([mode,] [N]), ...: a stack id (ustack: and the
 * pid), frames rendered in user space. */
static int ck_stack(struct bt_sema *s, const struct bt_expr *e,
		    struct bt_einfo *ei)
{
	bool user = e->kind == BT_EXPR_CALL ? e->call.name[0] == 'u'
					    : e->ident.name[0] == 'u';
	unsigned depth;
	if (stack_args(s, e, &depth) < 0)
		return -1;
	struct bt_type t = { .kind = BT_T_TEXT, .size = user ? 16 : 8,
			     .render = user ? BT_RENDER_USTACK
					    : BT_RENDER_KSTACK,
			     .depth = (uint8_t)depth };
	if (stack_map(s, &t) < 0)
		return err(s, e, "out of memory");
	return ty(ei, t);
}

static int gen_stack(struct bt_cg *cg, const struct bt_expr *e,
		     const struct bt_einfo *ei)
{
	bool user = ei->type.render == BT_RENDER_USTACK;
	int slot = user ? bt_cg__slot(cg, 16, e->line, e->col) : 0;
	EMIT(cg, BT_MOV64_REG(BPF_REG_1, BT_REG_CTX));
	bt_emit__ld_map(&cg->e, BPF_REG_2,
			(uint32_t)bt_stack__map(cg->s->obj, &ei->type));
	EMIT(cg, BT_MOV64_IMM(BPF_REG_3, user ? BPF_F_USER_STACK : 0));
	EMIT(cg, BT_CALL(BPF_FUNC_get_stackid));
	if (!user)
		return 0;
	bt_builtin__store_with_pid(cg, slot); /* the pid names the frames */
	return slot;
}

static int ck_strcontains(struct bt_sema *s, const struct bt_expr *e,
			  struct bt_einfo *ei)
{
	if (ck_two_strings(s, e, "strcontains() needs two strings") < 0)
		return -1;
	return ty(ei, bt_type__int(8, true));
}

/* r0 = *(u8 *)(r10 + base + idx): a byte of a string slot at a bounded
 * variable index (the verifier allows it to privileged programs). */
static void load_byte(struct bt_cg *cg, int dst, int base, int idx)
{
	EMIT(cg, BT_MOV64_REG(BPF_REG_1, BPF_REG_10));
	EMIT(cg, BT_ALU64_IMM(BPF_ADD, BPF_REG_1, base));
	EMIT(cg, BT_ALU64_REG(BPF_ADD, BPF_REG_1, idx));
	EMIT(cg, BT_LDX(BPF_B, dst, BPF_REG_1, 0));
}

/*
 * r0 = 1 when the needle occurs in the haystack (an empty needle always
 * does), else 0: two bounded loops, i over the haystack (r4), j over the
 * needle (r5); no helper calls inside, so r2-r5 live across them.
 */
static int gen_strcontains(struct bt_cg *cg, const struct bt_expr *e,
			   const struct bt_einfo *ei)
{
	(void)ei;
	int mark = cg->e.stack;
	int h = bt_cg__expr(cg, e->call.args[0]);
	int n = bt_cg__expr(cg, e->call.args[1]);
	int32_t hs = (int32_t)bt_sema__info(cg->s, e->call.args[0])->type.size;
	int32_t ns = (int32_t)bt_sema__info(cg->s, e->call.args[1])->type.size;
	int outer = bt_emit__label(&cg->e), inner = bt_emit__label(&cg->e);
	int next = bt_emit__label(&cg->e), found = bt_emit__label(&cg->e);
	int absent = bt_emit__label(&cg->e), end = bt_emit__label(&cg->e);
	EMIT(cg, BT_MOV64_IMM(BPF_REG_4, 0));
	bt_emit__place(&cg->e, outer);
	bt_emit__jmp_imm(&cg->e, BPF_JGE, BPF_REG_4, hs, absent);
	EMIT(cg, BT_MOV64_IMM(BPF_REG_5, 0));
	bt_emit__place(&cg->e, inner);
	bt_emit__jmp_imm(&cg->e, BPF_JGE, BPF_REG_5, ns, found);
	load_byte(cg, BPF_REG_2, n, BPF_REG_5);
	bt_emit__jmp_imm(&cg->e, BPF_JEQ, BPF_REG_2, 0, found);
	EMIT(cg, BT_MOV64_REG(BPF_REG_3, BPF_REG_4));
	EMIT(cg, BT_ALU64_REG(BPF_ADD, BPF_REG_3, BPF_REG_5));
	bt_emit__jmp_imm(&cg->e, BPF_JGE, BPF_REG_3, hs, absent);
	load_byte(cg, BPF_REG_3, h, BPF_REG_3);
	bt_emit__jmp_reg(&cg->e, BPF_JNE, BPF_REG_3, BPF_REG_2, next);
	EMIT(cg, BT_ALU64_IMM(BPF_ADD, BPF_REG_5, 1));
	bt_emit__ja(&cg->e, inner);
	bt_emit__place(&cg->e, next);
	/* The haystack ended here: no later start can match. */
	bt_emit__jmp_imm(&cg->e, BPF_JEQ, BPF_REG_3, 0, absent);
	EMIT(cg, BT_ALU64_IMM(BPF_ADD, BPF_REG_4, 1));
	bt_emit__ja(&cg->e, outer);
	bt_emit__place(&cg->e, found);
	EMIT(cg, BT_MOV64_IMM(BPF_REG_0, 1));
	bt_emit__ja(&cg->e, end);
	bt_emit__place(&cg->e, absent);
	EMIT(cg, BT_MOV64_IMM(BPF_REG_0, 0));
	bt_emit__place(&cg->e, end);
	bt_emit__stack_reset(&cg->e, mark);
	return 0;
}

/* reg("name"): a register of the probed context (x86-64 struct pt_regs). */
static const char *const pt_regs[] = {
	"r15", "r14", "r13", "r12", "bp", "bx",	     "r11",   "r10",
	"r9",  "r8",  "ax",  "cx",  "dx", "si",	     "di",    "orig_ax",
	"ip",  "cs",  "flags", "sp", "ss",
};

static int ck_reg(struct bt_sema *s, const struct bt_expr *e,
		  struct bt_einfo *ei)
{
	const struct bt_expr *a = e->call.args[0];
	enum bt_probe_kind k = s->uap->kind;
	if (a->kind != BT_EXPR_STR)
		return err(s, a, "reg() needs a register name in quotes");
	if (k != BT_PROBE_KPROBE && k != BT_PROBE_KRETPROBE &&
	    k != BT_PROBE_UPROBE && k != BT_PROBE_URETPROBE &&
	    k != BT_PROBE_USDT)
		return err(s, e, "reg() is only available in kprobe, uprobe "
				 "and usdt probes");
	for (size_t i = 0; i < sizeof(pt_regs) / sizeof(pt_regs[0]); i++)
		if (!strcmp(pt_regs[i], a->str.data)) {
			ei->cval = (int64_t)i * 8;
			return ty(ei, bt_type__int(8, false));
		}
	char msg[96];
	snprintf(msg, sizeof(msg), "unknown register '%.40s'", a->str.data);
	return err(s, a, msg);
}

static int gen_reg(struct bt_cg *cg, const struct bt_expr *e,
		   const struct bt_einfo *ei)
{
	(void)e;
	EMIT(cg, BT_LDX(BPF_DW, BPF_REG_0, BT_REG_CTX, (int16_t)ei->cval));
	return 0;
}

#define IDENT(n, c, g) { .name = n, .check = c, .gen = g }
#define FUNC(n, lo, hi, c, g)                                                 \
	{ .name = n, .is_func = true, .min_args = lo, .max_args = hi,         \
	  .check = c, .gen = g }

const struct bt_builtin bt_builtins_ext[] = {
	IDENT("username", ck_username, gen_uid),
	IDENT("rand", ck_u32, gen_rand),
	IDENT("cgroup", ck_u64, gen_cgroup),
	IDENT("kstack", ck_stack, gen_stack),
	IDENT("ustack", ck_stack, gen_stack),
	FUNC("ksym", 1, 1, ck_ksym, gen_first_arg),
	FUNC("kstack", 0, 2, ck_stack, gen_stack),
	FUNC("ustack", 0, 2, ck_stack, gen_stack),
	FUNC("strcontains", 2, 2, ck_strcontains, gen_strcontains),
	FUNC("kaddr", 1, 1, ck_kaddr, NULL),
	FUNC("strncmp", 3, 3, ck_strncmp, gen_strncmp),
	FUNC("reg", 1, 1, ck_reg, gen_reg),
};
const size_t bt_builtins_ext_n =
	sizeof(bt_builtins_ext) / sizeof(bt_builtins_ext[0]);
