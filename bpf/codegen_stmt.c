/*
 * codegen_stmt.c - statements, and the frame of one BPF program: prologue
 * (save the context, find the scratch buffer, zero the variables),
 * predicate, body and the single epilogue every return jumps to.
 *
 * Variables get fixed stack slots for the whole program, zeroed in the
 * prologue so that the verifier never sees an uninitialised read whatever
 * path assigned them. Temporaries above them are released after each
 * statement.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "bpf/builtins.h"
#include "bpf/codegen.h"
#include "bpf/probes.h"

#define EMIT(cg, i) bt_emit__insn(&(cg)->e, (i))
#define BT_MAX_INSNS 1000000

static bool stmt(struct bt_cg *cg, const struct bt_stmt *st);

/*
 * Returns false when the block never falls through (it ends in return):
 * code after it would be unreachable, which the verifier rejects.
 */
bool bt_cg__block(struct bt_cg *cg, const struct bt_block *b)
{
	for (size_t i = 0; i < b->n; i++) {
		/* The kernel loads at most 1M instructions; nested unrolls
		 * could otherwise grow without bound. */
		if (cg->e.n > BT_MAX_INSNS) {
			bt_cg__fail(cg, b->line, b->col,
				    "probe too large: more than 1000000 BPF "
				    "instructions");
			return false;
		}
		if (!stmt(cg, b->stmts[i]))
			return false;
	}
	return true;
}

static void assign_var(struct bt_cg *cg, const struct bt_stmt *st)
{
	const struct bt_einfo *ti = bt_sema__info(cg->s, st->assign.target);
	const struct bt_einfo *vi = bt_sema__info(cg->s, st->assign.value);
	const struct bt_var *v = &cg->s->vars[ti->var];
	if (v->type.kind != BT_T_INT) {
		bt_cg__store(cg, st->assign.value, BPF_REG_10, v->slot,
			     &v->type);
		return;
	}
	/* Integers write their width over the variable (types.c): a
	 * compound assignment is a 64-bit binary operation. */
	bt_cg__expr(cg, st->assign.value);
	if (st->assign.op == BT_BINOP_NONE) {
		bt_cg__var_store(cg, v, vi->type.kind == BT_T_INT
						? bt_type__width(&vi->type)
						: 8);
		return;
	}
	EMIT(cg, BT_MOV64_REG(BPF_REG_1, BPF_REG_0));
	bt_cg__var_load(cg, v); /* r0 only */
	bt_cg__alu(cg, st->assign.op, v->type.is_signed && vi->type.is_signed);
	bt_cg__var_store(cg, v, 8);
}

static bool stmt(struct bt_cg *cg, const struct bt_stmt *st)
{
	int mark = cg->e.stack;
	bool through = true;
	switch (st->kind) {
	case BT_STMT_EXPR:
		bt_cg__expr(cg, st->expr);
		break;
	case BT_STMT_ASSIGN:
		if (st->assign.target->kind == BT_EXPR_VAR)
			assign_var(cg, st);
		else if (bt_sema__is_aggregation(st->assign.value))
			bt_cg__map_aggregate(cg, st->assign.target,
					     st->assign.value);
		else
			bt_cg__map_assign(cg, st);
		break;
	case BT_STMT_IF: {
		int other = bt_emit__label(&cg->e), end = bt_emit__label(&cg->e);
		bt_cg__expr(cg, st->if_.cond);
		bt_emit__jmp_imm(&cg->e, BPF_JEQ, BPF_REG_0, 0, other);
		bt_emit__stack_reset(&cg->e, mark);
		bool a = bt_cg__block(cg, &st->if_.then);
		if (a && st->if_.otherwise)
			bt_emit__ja(&cg->e, end);
		bt_emit__place(&cg->e, other);
		bool b = true;
		if (st->if_.otherwise)
			b = bt_cg__block(cg, st->if_.otherwise);
		bt_emit__place(&cg->e, end);
		through = a || b;
		break;
	}
	case BT_STMT_UNROLL: {
		int64_t n = bt_sema__info(cg->s, st->unroll.count)->cval;
		for (int64_t i = 0; i < n && through; i++)
			through = bt_cg__block(cg, &st->unroll.body);
		break;
	}
	case BT_STMT_WHILE: {
		/* A bounded loop: the verifier proves it ends (kernel 5.3+). */
		int top = bt_emit__label(&cg->e), end = bt_emit__label(&cg->e);
		bt_emit__place(&cg->e, top);
		bt_cg__expr(cg, st->while_.cond);
		bt_emit__jmp_imm(&cg->e, BPF_JEQ, BPF_REG_0, 0, end);
		bt_emit__stack_reset(&cg->e, mark);
		cg->loop_break[cg->nloops] = end;
		cg->loop_continue[cg->nloops++] = top;
		if (bt_cg__block(cg, &st->while_.body))
			bt_emit__ja(&cg->e, top);
		cg->nloops--;
		bt_emit__place(&cg->e, end);
		break;
	}
	case BT_STMT_BREAK:
	case BT_STMT_CONTINUE:
		bt_emit__ja(&cg->e, st->kind == BT_STMT_BREAK
					    ? cg->loop_break[cg->nloops - 1]
					    : cg->loop_continue[cg->nloops - 1]);
		through = false;
		break;
	case BT_STMT_RETURN:
		bt_emit__ja(&cg->e, cg->exit_label);
		through = false;
		break;
	case BT_STMT_DELETE:
		bt_cg__map_delete(cg, st->del.map);
		break;
	case BT_STMT_BLOCK:
		through = bt_cg__block(cg, &st->block);
		break;
	default:
		bt_cg__fail(cg, st->line, st->col, "unsupported statement");
	}
	bt_emit__stack_reset(&cg->e, mark);
	return through;
}

static void prologue(struct bt_cg *cg)
{
	EMIT(cg, BT_MOV64_REG(BT_REG_CTX, BPF_REG_1));
	/* r9 = &scratch[slot] (per-CPU); without it nothing can be emitted. */
	int key = bt_cg__slot(cg, 8, 0, 0);
	EMIT(cg, BT_ST_IMM(BPF_DW, BPF_REG_10, key,
			   bt_scratch_slot(cg->s->uap->kind)));
	bt_emit__ld_map(&cg->e, BPF_REG_1, BT_MAP_SCRATCH);
	EMIT(cg, BT_MOV64_REG(BPF_REG_2, BPF_REG_10));
	EMIT(cg, BT_ALU64_IMM(BPF_ADD, BPF_REG_2, key));
	EMIT(cg, BT_CALL(BPF_FUNC_map_lookup_elem));
	bt_emit__jmp_imm(&cg->e, BPF_JEQ, BPF_REG_0, 0, cg->exit_label);
	EMIT(cg, BT_MOV64_REG(BT_REG_SCRATCH, BPF_REG_0));
	bt_emit__stack_reset(&cg->e, 0);
	for (size_t i = 0; i < cg->s->nvars; i++) {
		struct bt_var *v = &cg->s->vars[i];
		int size = bt_type__scalar(&v->type) ? 8 : (int)v->type.size;
		v->slot = bt_cg__slot(cg, size, 0, 0);
		bt_emit__zero(&cg->e, v->slot, size);
	}
}

static int add_prog(struct bt_cg *cg, const struct bt_probe *probe,
		    struct bt_unit_ap *uap)
{
	struct bt_object *obj = cg->s->obj;
	int pi = bt_object__add_prog(obj);
	if (pi < 0)
		return -ENOMEM;
	struct bt_prog_def *p = &obj->progs[pi];
	snprintf(p->name, sizeof(p->name), "bt_%d", pi);
	p->type = bt_probe__info(uap->kind)->prog_type;
	p->insns = cg->e.insns;
	p->ninsns = cg->e.n;
	p->relocs = cg->e.relocs;
	p->nrelocs = cg->e.nrelocs;
	p->line = probe->line;
	p->col = probe->col;
	p->fd = -1;
	p->unit = *uap;
	p->unit.line = uap->ap ? uap->ap->line : probe->line;
	p->unit.col = uap->ap ? uap->ap->col : probe->col;
	p->unit.ap = NULL; /* the AST does not outlive compilation */
	memset(uap, 0, sizeof(*uap)); /* the program owns its strings now */
	cg->e.insns = NULL;
	cg->e.relocs = NULL;
	return 0;
}

int bt_codegen__unit(struct bt_sema *s, const struct bt_probe *probe,
		     struct bt_unit_ap *uap)
{
	struct bt_cg cg = { .s = s };
	bt_emit__init(&cg.e);
	cg.exit_label = bt_emit__label(&cg.e);
	prologue(&cg);
	int mark = cg.e.stack;
	if (probe->predicate) {
		bt_cg__expr(&cg, probe->predicate);
		bt_emit__jmp_imm(&cg.e, BPF_JEQ, BPF_REG_0, 0, cg.exit_label);
		bt_emit__stack_reset(&cg.e, mark);
	}
	bt_cg__block(&cg, &probe->body);
	bt_emit__place(&cg.e, cg.exit_label);
	EMIT(&cg, BT_MOV64_IMM(BPF_REG_0, 0));
	EMIT(&cg, BT_EXIT());
	int rc = bt_emit__finish(&cg.e);
	if (!rc && cg.failed)
		rc = -EINVAL;
	if (rc == -E2BIG)
		bt_diags__add(s->diags, probe->line, probe->col,
			      "probe body too large (jump out of range)");
	else if (rc == -ENOMEM)
		bt_diags__add(s->diags, probe->line, probe->col,
			      "out of memory");
	if (!rc)
		rc = add_prog(&cg, probe, uap);
	bt_emit__release(&cg.e);
	return rc;
}
