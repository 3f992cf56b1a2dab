/*
 * codegen_expr.c - expressions to BPF instructions.
 *
 * Scalars are computed into r0; a binary operator spills its left operand
 * to a stack slot while the right one is computed, because any operand may
 * call helpers (which clobber r1-r5). Memory reads go through
 * bpf_probe_read_{kernel,user} into a stack slot, except tracepoint fields
 * that are read straight from the context with a verifier-checked load.
 */
#include <errno.h>
#include <string.h>

#include "bpf/builtins.h"
#include "bpf/codegen.h"

#define EMIT(cg, i) bt_emit__insn(&(cg)->e, (i))

void bt_cg__fail(struct bt_cg *cg, int line, int col, const char *msg)
{
	if (!cg->failed)
		bt_diags__add(cg->s->diags, line, col, "%s", msg);
	cg->failed = true;
}

int bt_cg__slot(struct bt_cg *cg, int size, int line, int col)
{
	int off = bt_emit__stack_alloc(&cg->e, size);
	if (!off) {
		bt_cg__fail(cg, line, col,
			    "this probe needs more than the 512 bytes of BPF "
			    "stack; use fewer or shorter strings");
		return -8; /* keep emitting harmless code */
	}
	return off;
}

int bt_cg__spill(struct bt_cg *cg, int line, int col)
{
	int slot = bt_cg__slot(cg, 8, line, col);
	EMIT(cg, BT_STX(BPF_DW, BPF_REG_10, BPF_REG_0, slot));
	return slot;
}

void bt_cg__int_cast(struct bt_cg *cg, unsigned size, bool is_signed)
{
	if (size >= 8 || size == 0)
		return;
	int sh = 64 - (int)size * 8;
	EMIT(cg, BT_ALU64_IMM(BPF_LSH, BPF_REG_0, sh));
	EMIT(cg, BT_ALU64_IMM(is_signed ? BPF_ARSH : BPF_RSH, BPF_REG_0, sh));
}

static void const_r0(struct bt_cg *cg, int64_t v)
{
	if (v >= INT32_MIN && v <= INT32_MAX)
		EMIT(cg, BT_MOV64_IMM(BPF_REG_0, (int32_t)v));
	else
		bt_emit__ld_imm64(&cg->e, BPF_REG_0, (uint64_t)v);
}

void bt_cg__read_mem(struct bt_cg *cg, const struct bt_type *t, int32_t off,
		     int slot, int size)
{
	EMIT(cg, BT_MOV64_REG(BPF_REG_3, BPF_REG_0));
	if (off)
		EMIT(cg, BT_ALU64_IMM(BPF_ADD, BPF_REG_3, off));
	EMIT(cg, BT_MOV64_REG(BPF_REG_1, BPF_REG_10));
	EMIT(cg, BT_ALU64_IMM(BPF_ADD, BPF_REG_1, slot));
	EMIT(cg, BT_MOV64_IMM(BPF_REG_2, size));
	EMIT(cg, BT_CALL(t->user ? BPF_FUNC_probe_read_user
				 : BPF_FUNC_probe_read_kernel));
}

/* Bitfield extraction and sign extension of a value loaded into r0. */
static void finish_scalar(struct bt_cg *cg, const struct bt_einfo *m,
			  const struct bt_type *t)
{
	if (m->bit_size) {
		if (m->bit_shift)
			EMIT(cg, BT_ALU64_IMM(BPF_RSH, BPF_REG_0, m->bit_shift));
		if (m->bit_size < 32)
			EMIT(cg, BT_ALU64_IMM(BPF_AND, BPF_REG_0,
					      (1 << m->bit_size) - 1));
		if (t->kind == BT_T_INT && t->is_signed && m->bit_size < 64) {
			int sh = 64 - (int)m->bit_size;
			EMIT(cg, BT_ALU64_IMM(BPF_LSH, BPF_REG_0, sh));
			EMIT(cg, BT_ALU64_IMM(BPF_ARSH, BPF_REG_0, sh));
		}
		return;
	}
	if (t->kind == BT_T_INT && t->is_signed)
		bt_cg__int_cast(cg, m->load_size, true);
}

void bt_cg__read_scalar(struct bt_cg *cg, const struct bt_type *base,
			const struct bt_einfo *m, const struct bt_type *t)
{
	int mark = cg->e.stack;
	int slot = bt_cg__slot(cg, 8, m->e->line, m->e->col);
	unsigned ls = m->load_size ? m->load_size : t->size;
	if (ls > 8)
		ls = 8;
	/* Zero first: a failed read then yields 0, not stack garbage. */
	EMIT(cg, BT_ST_IMM(BPF_DW, BPF_REG_10, slot, 0));
	bt_cg__read_mem(cg, base, (int32_t)m->offset, slot, (int)ls);
	EMIT(cg, BT_LDX(bt_emit__size(ls == 3 ? 4 : ls), BPF_REG_0,
			BPF_REG_10, slot));
	finish_scalar(cg, m, t);
	bt_emit__stack_reset(&cg->e, mark);
}

/* Reads a string-typed member (char[N]) at r0 + off into a new slot. */
static int read_str(struct bt_cg *cg, const struct bt_expr *e,
		    const struct bt_type *base, const struct bt_einfo *m)
{
	int slot = bt_cg__slot(cg, (int)m->type.size, e->line, e->col);
	bt_emit__zero(&cg->e, slot, (int)m->type.size);
	unsigned n = m->load_size ? m->load_size : m->type.size;
	if (n > m->type.size)
		n = m->type.size;
	bt_cg__read_mem(cg, base, (int32_t)m->offset, slot, (int)n);
	return slot;
}

/* args->field of a tracepoint: the context is the record itself. */
static int args_member(struct bt_cg *cg, const struct bt_expr *e,
		       const struct bt_einfo *m)
{
	const struct bt_tp_field *f = m->field;
	struct bt_type kern = { .kind = BT_T_PTR };
	if (!f) { /* fentry/fexit: a u64 slot per parameter */
		EMIT(cg, BT_LDX(BPF_DW, BPF_REG_0, BT_REG_CTX,
				(int16_t)m->offset));
		if (m->type.kind == BT_T_INT)
			bt_cg__int_cast(cg, m->type.size, m->type.is_signed);
		return 0;
	}
	if (f->data_loc) {
		int slot = bt_cg__slot(cg, BT_STRLEN, e->line, e->col);
		bt_emit__zero(&cg->e, slot, BT_STRLEN);
		EMIT(cg, BT_LDX(BPF_W, BPF_REG_3, BT_REG_CTX, f->offset));
		EMIT(cg, BT_ALU64_IMM(BPF_AND, BPF_REG_3, 0xffff));
		if (f->rel_loc)
			EMIT(cg, BT_ALU64_IMM(BPF_ADD, BPF_REG_3,
					      f->offset + 4));
		EMIT(cg, BT_ALU64_REG(BPF_ADD, BPF_REG_3, BT_REG_CTX));
		EMIT(cg, BT_MOV64_REG(BPF_REG_1, BPF_REG_10));
		EMIT(cg, BT_ALU64_IMM(BPF_ADD, BPF_REG_1, slot));
		EMIT(cg, BT_MOV64_IMM(BPF_REG_2, BT_STRLEN));
		EMIT(cg, BT_CALL(BPF_FUNC_probe_read_kernel_str));
		return slot;
	}
	if (m->type.kind == BT_T_STR) {
		EMIT(cg, BT_MOV64_REG(BPF_REG_0, BT_REG_CTX));
		return read_str(cg, e, &kern, m);
	}
	if (m->type.kind == BT_T_ARRAY) { /* its address in the record */
		EMIT(cg, BT_MOV64_REG(BPF_REG_0, BT_REG_CTX));
		EMIT(cg, BT_ALU64_IMM(BPF_ADD, BPF_REG_0, f->offset));
		return 0;
	}
	unsigned sz = m->load_size ? m->load_size : f->size;
	EMIT(cg, BT_LDX(bt_emit__size(sz), BPF_REG_0, BT_REG_CTX, f->offset));
	if (m->type.kind == BT_T_INT && m->type.is_signed)
		bt_cg__int_cast(cg, sz, true);
	return 0;
}

static int member(struct bt_cg *cg, const struct bt_expr *e,
		  const struct bt_einfo *m)
{
	struct bt_einfo *bi = bt_sema__info(cg->s, e->member.base);
	if (bi->type.kind == BT_T_ARGS)
		return args_member(cg, e, m);
	bt_cg__expr(cg, e->member.base); /* address in r0 */
	return 0;
}

/* The value of a member/index/deref whose address base is in r0. */
static int at_address(struct bt_cg *cg, const struct bt_expr *e,
		      const struct bt_einfo *m, const struct bt_type *base)
{
	switch (m->type.kind) {
	case BT_T_RECORD:
	case BT_T_ARRAY:
		if (m->offset)
			EMIT(cg, BT_ALU64_IMM(BPF_ADD, BPF_REG_0, m->offset));
		return 0;
	case BT_T_STR:
		return read_str(cg, e, base, m);
	default:
		bt_cg__read_scalar(cg, base, m, &m->type);
		return 0;
	}
}

static void compare(struct bt_cg *cg, int op)
{
	int t = bt_emit__label(&cg->e), end = bt_emit__label(&cg->e);
	bt_emit__jmp_reg(&cg->e, op, BPF_REG_0, BPF_REG_1, t);
	EMIT(cg, BT_MOV64_IMM(BPF_REG_0, 0));
	bt_emit__ja(&cg->e, end);
	bt_emit__place(&cg->e, t);
	EMIT(cg, BT_MOV64_IMM(BPF_REG_0, 1));
	bt_emit__place(&cg->e, end);
}

/* r0 = (string at r10+a) == (string at r10+b), word by word. */
static void str_eq(struct bt_cg *cg, int a, int b, unsigned n, bool ne)
{
	int diff = bt_emit__label(&cg->e), end = bt_emit__label(&cg->e);
	for (unsigned i = 0; i < n; i += 8) {
		EMIT(cg, BT_LDX(BPF_DW, BPF_REG_1, BPF_REG_10, a + (int)i));
		EMIT(cg, BT_LDX(BPF_DW, BPF_REG_2, BPF_REG_10, b + (int)i));
		bt_emit__jmp_reg(&cg->e, BPF_JNE, BPF_REG_1, BPF_REG_2, diff);
		/* Equal words containing the terminator: equal strings. */
		EMIT(cg, BT_MOV64_REG(BPF_REG_3, BPF_REG_1));
		bt_emit__ld_imm64(&cg->e, BPF_REG_4, 0x0101010101010101ull);
		EMIT(cg, BT_ALU64_REG(BPF_SUB, BPF_REG_3, BPF_REG_4));
		EMIT(cg, BT_ALU64_IMM(BPF_XOR, BPF_REG_1, -1));
		EMIT(cg, BT_ALU64_REG(BPF_AND, BPF_REG_3, BPF_REG_1));
		bt_emit__ld_imm64(&cg->e, BPF_REG_4, 0x8080808080808080ull);
		EMIT(cg, BT_ALU64_REG(BPF_AND, BPF_REG_3, BPF_REG_4));
		int next = bt_emit__label(&cg->e);
		bt_emit__jmp_imm(&cg->e, BPF_JEQ, BPF_REG_3, 0, next);
		EMIT(cg, BT_MOV64_IMM(BPF_REG_0, !ne));
		bt_emit__ja(&cg->e, end);
		bt_emit__place(&cg->e, next);
	}
	EMIT(cg, BT_MOV64_IMM(BPF_REG_0, !ne));
	bt_emit__ja(&cg->e, end);
	bt_emit__place(&cg->e, diff);
	EMIT(cg, BT_MOV64_IMM(BPF_REG_0, ne));
	bt_emit__place(&cg->e, end);
}

static void logical(struct bt_cg *cg, const struct bt_expr *e)
{
	bool and = e->binary.op == BT_BINOP_LAND;
	int shortc = bt_emit__label(&cg->e), end = bt_emit__label(&cg->e);
	bt_cg__expr(cg, e->binary.lhs);
	bt_emit__jmp_imm(&cg->e, and ? BPF_JEQ : BPF_JNE, BPF_REG_0, 0, shortc);
	bt_cg__expr(cg, e->binary.rhs);
	bt_emit__jmp_imm(&cg->e, and ? BPF_JEQ : BPF_JNE, BPF_REG_0, 0, shortc);
	EMIT(cg, BT_MOV64_IMM(BPF_REG_0, and));
	bt_emit__ja(&cg->e, end);
	bt_emit__place(&cg->e, shortc);
	EMIT(cg, BT_MOV64_IMM(BPF_REG_0, !and));
	bt_emit__place(&cg->e, end);
}

/* r0 = r0 op r1, with the signedness of the operation. */
void bt_cg__alu(struct bt_cg *cg, enum bt_binop op, bool is_signed)
{
	static const int alu[] = {
		[BT_BINOP_MUL] = BPF_MUL, [BT_BINOP_DIV] = BPF_DIV,
		[BT_BINOP_MOD] = BPF_MOD, [BT_BINOP_ADD] = BPF_ADD,
		[BT_BINOP_SUB] = BPF_SUB, [BT_BINOP_SHL] = BPF_LSH,
		[BT_BINOP_SHR] = BPF_RSH, [BT_BINOP_BAND] = BPF_AND,
		[BT_BINOP_BXOR] = BPF_XOR, [BT_BINOP_BOR] = BPF_OR,
	};
	static const int cmp_u[] = {
		[BT_BINOP_LT] = BPF_JLT, [BT_BINOP_LE] = BPF_JLE,
		[BT_BINOP_GT] = BPF_JGT, [BT_BINOP_GE] = BPF_JGE,
		[BT_BINOP_EQ] = BPF_JEQ, [BT_BINOP_NE] = BPF_JNE,
	};
	static const int cmp_s[] = {
		[BT_BINOP_LT] = BPF_JSLT, [BT_BINOP_LE] = BPF_JSLE,
		[BT_BINOP_GT] = BPF_JSGT, [BT_BINOP_GE] = BPF_JSGE,
		[BT_BINOP_EQ] = BPF_JEQ,  [BT_BINOP_NE] = BPF_JNE,
	};
	if (op >= BT_BINOP_LT && op <= BT_BINOP_NE) {
		compare(cg, is_signed ? cmp_s[op] : cmp_u[op]);
		return;
	}
	/* bpftrace 0.17 divides unsigned and shifts right logically
	 * whatever the operands' signs (types.c). */
	EMIT(cg, BT_ALU64_REG(alu[op], BPF_REG_0, BPF_REG_1));
}

static int binary(struct bt_cg *cg, const struct bt_expr *e)
{
	enum bt_binop op = e->binary.op;
	if (op == BT_BINOP_LAND || op == BT_BINOP_LOR) {
		logical(cg, e);
		return 0;
	}
	struct bt_einfo *l = bt_sema__info(cg->s, e->binary.lhs);
	struct bt_einfo *r = bt_sema__info(cg->s, e->binary.rhs);
	int mark = cg->e.stack;
	if (l->type.kind == BT_T_STR) {
		int a = bt_cg__expr(cg, e->binary.lhs);
		int b = bt_cg__expr(cg, e->binary.rhs);
		unsigned n = l->type.size < r->type.size ? l->type.size
							 : r->type.size;
		str_eq(cg, a, b, n, op == BT_BINOP_NE);
		bt_emit__stack_reset(&cg->e, mark);
		return 0;
	}
	bool sg = (l->type.kind == BT_T_INT && l->type.is_signed) &&
		  (r->type.kind == BT_T_INT && r->type.is_signed);
	if (r->is_const && r->cval >= INT32_MIN && r->cval <= INT32_MAX) {
		bt_cg__expr(cg, e->binary.lhs);
		EMIT(cg, BT_MOV64_IMM(BPF_REG_1, (int32_t)r->cval));
	} else {
		bt_cg__expr(cg, e->binary.lhs);
		int slot = bt_cg__spill(cg, e->line, e->col);
		bt_cg__expr(cg, e->binary.rhs);
		EMIT(cg, BT_MOV64_REG(BPF_REG_1, BPF_REG_0));
		EMIT(cg, BT_LDX(BPF_DW, BPF_REG_0, BPF_REG_10, slot));
	}
	/* Pointer arithmetic scales by the pointee's size, like C. */
	if (l->type.kind == BT_T_PTR && l->type.btf && bt_sema__btf(cg->s) &&
	    (op == BT_BINOP_ADD || op == BT_BINOP_SUB)) {
		int64_t sz = bt_btf__size(bt_sema__btf(cg->s), l->type.btf);
		if (sz > 1)
			EMIT(cg, BT_ALU64_IMM(BPF_MUL, BPF_REG_1, (int32_t)sz));
	}
	bt_cg__alu(cg, op, sg);
	bt_emit__stack_reset(&cg->e, mark);
	return 0;
}

/* &p->field: the member's base address plus its offset; &*p: p. */
static int address_of(struct bt_cg *cg, const struct bt_expr *o)
{
	if (o->kind == BT_EXPR_UNARY)
		return bt_cg__expr(cg, o->unary.operand);
	const struct bt_einfo *mi = bt_sema__info(cg->s, o);
	member(cg, o, mi); /* base address in r0 */
	if (mi->offset)
		EMIT(cg, BT_ALU64_IMM(BPF_ADD, BPF_REG_0, (int32_t)mi->offset));
	return 0;
}

static int unary(struct bt_cg *cg, const struct bt_expr *e,
		 const struct bt_einfo *ei)
{
	if (e->unary.op == BT_UNOP_ADDR)
		return address_of(cg, e->unary.operand);
	bt_cg__expr(cg, e->unary.operand);
	switch (e->unary.op) {
	case BT_UNOP_NEG:
	case BT_UNOP_BNOT:
		if (e->unary.op == BT_UNOP_NEG)
			EMIT(cg, BT_ALU64_IMM(BPF_NEG, BPF_REG_0, 0));
		else
			EMIT(cg, BT_ALU64_IMM(BPF_XOR, BPF_REG_0, -1));
		/* Computed in the operand's width (types.c). */
		bt_cg__int_cast(cg, bt_type__width(&ei->type),
				ei->type.is_signed);
		return 0;
	case BT_UNOP_LNOT:
		EMIT(cg, BT_MOV64_IMM(BPF_REG_1, 0));
		compare(cg, BPF_JEQ);
		return 0;
	default: {
		struct bt_einfo *oi = bt_sema__info(cg->s, e->unary.operand);
		return at_address(cg, e, ei, &oi->type);
	}
	}
}

/* One ternary branch into the slot or r0 (integers: the ternary's sign
 * extends the branch from its width, as in bpftrace 0.17). */
static void branch(struct bt_cg *cg, const struct bt_expr *b, int slot,
		   const struct bt_type *t)
{
	if (slot) {
		bt_cg__store(cg, b, BPF_REG_10, slot, t);
		return;
	}
	bt_cg__expr(cg, b);
	const struct bt_einfo *bi = bt_sema__info(cg->s, b);
	if (t->kind == BT_T_INT && bi->type.kind == BT_T_INT)
		bt_cg__int_cast(cg, bt_type__width(&bi->type), t->is_signed);
}

static int ternary(struct bt_cg *cg, const struct bt_expr *e,
		   const struct bt_einfo *ei)
{
	int other = bt_emit__label(&cg->e), end = bt_emit__label(&cg->e);
	int slot = 0;
	if (bt_type__aggregate(&ei->type)) {
		slot = bt_cg__slot(cg, (int)ei->type.size, e->line, e->col);
		bt_emit__zero(&cg->e, slot, (int)ei->type.size);
	}
	bt_cg__expr(cg, e->ternary.cond);
	bt_emit__jmp_imm(&cg->e, BPF_JEQ, BPF_REG_0, 0, other);
	branch(cg, e->ternary.then, slot, &ei->type);
	bt_emit__ja(&cg->e, end);
	bt_emit__place(&cg->e, other);
	branch(cg, e->ternary.otherwise, slot, &ei->type);
	bt_emit__place(&cg->e, end);
	return slot;
}

static int index_(struct bt_cg *cg, const struct bt_expr *e,
		  const struct bt_einfo *ei)
{
	struct bt_einfo *bi = bt_sema__info(cg->s, e->index.base);
	struct bt_einfo *ii = bt_sema__info(cg->s, e->index.index);
	bt_cg__expr(cg, e->index.base);
	if (ii->is_const) {
		EMIT(cg, BT_ALU64_IMM(BPF_ADD, BPF_REG_0,
				      (int32_t)(ii->cval * ei->cval)));
	} else {
		int slot = bt_cg__spill(cg, e->line, e->col);
		bt_cg__expr(cg, e->index.index);
		EMIT(cg, BT_ALU64_IMM(BPF_MUL, BPF_REG_0, (int32_t)ei->cval));
		EMIT(cg, BT_LDX(BPF_DW, BPF_REG_1, BPF_REG_10, slot));
		EMIT(cg, BT_ALU64_REG(BPF_ADD, BPF_REG_0, BPF_REG_1));
	}
	struct bt_einfo m = *ei;
	m.offset = 0;
	return at_address(cg, e, &m, &bi->type);
}

static void store(struct bt_cg *cg, const struct bt_expr *e, int dreg,
		  int doff, const struct bt_type *t, bool zext);

static int tuple(struct bt_cg *cg, const struct bt_expr *e,
		 const struct bt_einfo *ei)
{
	const struct bt_tuple *tu = ei->type.tuple;
	int slot = bt_cg__slot(cg, (int)ei->type.size, e->line, e->col);
	bt_emit__zero(&cg->e, slot, (int)ei->type.size);
	for (size_t i = 0; i < tu->n; i++)
		store(cg, e->tuple.elems[i], BPF_REG_10, slot + (int)tu->off[i],
		      &tu->f[i], true);
	return slot;
}

void bt_cg__var_load(struct bt_cg *cg, const struct bt_var *v)
{
	unsigned sz = v->type.kind == BT_T_INT ? v->type.size : 8;
	EMIT(cg, BT_LDX(bt_emit__size(sz), BPF_REG_0, BPF_REG_10, v->slot));
	if (v->type.kind == BT_T_INT && v->type.is_signed)
		bt_cg__int_cast(cg, sz, true);
}

void bt_cg__var_store(struct bt_cg *cg, const struct bt_var *v,
		      unsigned width)
{
	unsigned sz = v->type.kind == BT_T_INT ? v->type.size : 8;
	if (width <= sz)
		EMIT(cg, BT_STX(bt_emit__size(width), BPF_REG_10, BPF_REG_0,
				v->slot));
}

static int var(struct bt_cg *cg, const struct bt_einfo *ei)
{
	const struct bt_var *v = &cg->s->vars[ei->var];
	if (bt_type__aggregate(&v->type))
		return v->slot;
	bt_cg__var_load(cg, v);
	return 0;
}

static int incdec(struct bt_cg *cg, const struct bt_expr *e)
{
	const struct bt_expr *t = e->incdec.target;
	int d = e->incdec.increment ? 1 : -1;
	if (t->kind == BT_EXPR_MAP) {
		bt_cg__map_incdec(cg, e);
		return 0;
	}
	const struct bt_var *v = &cg->s->vars[bt_sema__info(cg->s, t)->var];
	bt_cg__var_load(cg, v);
	EMIT(cg, BT_ALU64_IMM(BPF_ADD, BPF_REG_0, d));
	bt_cg__var_store(cg, v, v->type.size);
	if (!e->incdec.prefix)
		EMIT(cg, BT_ALU64_IMM(BPF_SUB, BPF_REG_0, d));
	/* The value in the variable's width (types.c). */
	bt_cg__int_cast(cg, v->type.size, v->type.is_signed);
	return 0;
}

int bt_cg__const_str(struct bt_cg *cg, const char *data, size_t len,
		     unsigned size, int line, int col)
{
	int slot = bt_cg__slot(cg, (int)size, line, col);
	if (len >= size) /* truncated: keep the terminator */
		len = size ? size - 1 : 0;
	for (unsigned i = 0; i < size; i += 8) {
		uint64_t w = 0;
		if (i < len)
			memcpy(&w, data + i, len - i > 8 ? 8 : len - i);
		bt_emit__ld_imm64(&cg->e, BPF_REG_1, w);
		EMIT(cg, BT_STX(BPF_DW, BPF_REG_10, BPF_REG_1, slot + (int)i));
	}
	return slot;
}

int bt_cg__expr(struct bt_cg *cg, const struct bt_expr *e)
{
	const struct bt_einfo *ei = bt_sema__info(cg->s, e);
	if (ei->is_const && ei->type.kind == BT_T_INT) {
		const_r0(cg, ei->cval);
		return 0;
	}
	switch (e->kind) {
	case BT_EXPR_STR:
		return bt_cg__const_str(cg, e->str.data, e->str.len,
					ei->type.size, e->line, e->col);
	case BT_EXPR_POSITIONAL: /* a string: integers are constants */
		return bt_cg__const_str(cg, ei->text, strlen(ei->text),
					ei->type.size, e->line, e->col);
	case BT_EXPR_VAR:
		return var(cg, ei);
	case BT_EXPR_MAP: {
		int slot = 0;
		if (bt_type__aggregate(&ei->type))
			slot = bt_cg__slot(cg, (int)ei->type.size, e->line,
					   e->col);
		bt_cg__map_read(cg, e, slot);
		return slot;
	}
	case BT_EXPR_IDENT:
	case BT_EXPR_CALL:
		return ei->bi->gen(cg, e, ei);
	case BT_EXPR_UNARY:
		return unary(cg, e, ei);
	case BT_EXPR_BINARY:
		return binary(cg, e);
	case BT_EXPR_TERNARY:
		return ternary(cg, e, ei);
	case BT_EXPR_CAST: {
		/* From the operand's width with the cast's sign (types.c). */
		const struct bt_einfo *oi = bt_sema__info(cg->s, e->cast.operand);
		unsigned w = oi->type.kind == BT_T_INT
				     ? bt_type__width(&oi->type)
				     : 8;
		bt_cg__expr(cg, e->cast.operand);
		if (ei->type.kind == BT_T_INT)
			bt_cg__int_cast(cg, w < ei->type.size ? w : ei->type.size,
					ei->type.is_signed);
		return 0;
	}
	case BT_EXPR_MEMBER: {
		struct bt_einfo *bi = bt_sema__info(cg->s, e->member.base);
		if (bi->type.kind == BT_T_ARGS)
			return member(cg, e, ei);
		member(cg, e, ei);
		return at_address(cg, e, ei, &bi->type);
	}
	case BT_EXPR_INDEX:
		return index_(cg, e, ei);
	case BT_EXPR_TUPLE:
		return tuple(cg, e, ei);
	case BT_EXPR_TUPLE_INDEX: {
		int base = bt_cg__expr(cg, e->tuple_index.base);
		int off = base + (int)ei->offset;
		if (bt_type__aggregate(&ei->type))
			return off;
		EMIT(cg, BT_LDX(BPF_DW, BPF_REG_0, BPF_REG_10, off));
		return 0;
	}
	case BT_EXPR_INCDEC:
		return incdec(cg, e);
	default:
		bt_cg__fail(cg, e->line, e->col, "unsupported expression");
		return 0;
	}
}

/*
 * Stores e at dreg + doff as type t. zext: a value narrower in width
 * than in type (-$i8) is zero-extended from its width, as bpftrace 0.17
 * writes printf arguments and tuple fields into zeroed slots; map keys
 * and values (zext false) keep the value's own extension (types.c).
 */
static void store(struct bt_cg *cg, const struct bt_expr *e, int dreg,
		  int doff, const struct bt_type *t, bool zext)
{
	int mark = cg->e.stack;
	int src = bt_cg__expr(cg, e);
	const struct bt_einfo *ei = bt_sema__info(cg->s, e);
	if (bt_type__aggregate(t)) {
		unsigned n = ei->type.size < t->size ? ei->type.size : t->size;
		bt_emit__copy(&cg->e, dreg, doff, BPF_REG_10, src, (int)n);
		for (unsigned i = n; i < t->size; i += 8)
			EMIT(cg, BT_ST_IMM(BPF_DW, dreg, doff + (int)i, 0));
	} else {
		unsigned sz = t->size ? t->size : 8;
		if (zext && ei->type.kind == BT_T_INT &&
		    bt_type__width(&ei->type) < ei->type.size)
			bt_cg__int_cast(cg, bt_type__width(&ei->type), false);
		EMIT(cg, BT_STX(bt_emit__size(sz), dreg, BPF_REG_0, doff));
	}
	bt_emit__stack_reset(&cg->e, mark);
}

/* printf records (in the scratch buffer) take bpftrace's zeroed-slot
 * writes; stack slots are map keys and values. */
void bt_cg__store(struct bt_cg *cg, const struct bt_expr *e, int dreg,
		  int doff, const struct bt_type *t)
{
	store(cg, e, dreg, doff, t, dreg == BT_REG_SCRATCH);
}
