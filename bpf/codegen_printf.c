/*
 * codegen_printf.c - printf() records and action records (exit, time,
 * print/clear/zero of a map, print of a value) into the ring buffer.
 *
 * A record is assembled in the per-CPU scratch buffer (r9) - header, then
 * each argument at the offset its printf layout fixed - and copied into
 * the ring buffer with bpf_ringbuf_output. Wake-ups are batched: the
 * consumer is only woken once the ring holds more than a quarter of its
 * size (it also polls on a short timer); exit() always wakes it. A record
 * that does not fit bumps the per-CPU lost counter.
 */
#include "bpf/codegen.h"

#define EMIT(cg, i) bt_emit__insn(&(cg)->e, (i))

/* Emits the output of the record in r9 of `size` bytes. */
static void output(struct bt_cg *cg, uint32_t size, bool force_wake)
{
	EMIT(cg, BT_CALL(BPF_FUNC_ktime_get_ns));
	EMIT(cg, BT_STX(BPF_DW, BT_REG_SCRATCH, BPF_REG_0, 8));
	int flags_set = bt_emit__label(&cg->e);
	if (force_wake) {
		EMIT(cg, BT_MOV64_IMM(BPF_REG_4, BPF_RB_FORCE_WAKEUP));
	} else {
		uint32_t ring = cg->s->obj->ringbuf_bytes;
		bt_emit__ld_map(&cg->e, BPF_REG_1, BT_MAP_RINGBUF);
		EMIT(cg, BT_MOV64_IMM(BPF_REG_2, BPF_RB_AVAIL_DATA));
		EMIT(cg, BT_CALL(BPF_FUNC_ringbuf_query));
		EMIT(cg, BT_MOV64_IMM(BPF_REG_4, BPF_RB_NO_WAKEUP));
		bt_emit__jmp_imm(&cg->e, BPF_JLT, BPF_REG_0,
				 (int32_t)(ring / 4), flags_set);
		EMIT(cg, BT_MOV64_IMM(BPF_REG_4, BPF_RB_FORCE_WAKEUP));
	}
	bt_emit__place(&cg->e, flags_set);
	bt_emit__ld_map(&cg->e, BPF_REG_1, BT_MAP_RINGBUF);
	EMIT(cg, BT_MOV64_REG(BPF_REG_2, BT_REG_SCRATCH));
	EMIT(cg, BT_MOV64_IMM(BPF_REG_3, (int32_t)size));
	EMIT(cg, BT_CALL(BPF_FUNC_ringbuf_output));
	int done = bt_emit__label(&cg->e);
	bt_emit__jmp_imm(&cg->e, BPF_JEQ, BPF_REG_0, 0, done);
	/* Lost: count it in this CPU's slot of the lost map (key 0). */
	int mark = cg->e.stack;
	int key = bt_cg__slot(cg, 8, 0, 0);
	EMIT(cg, BT_ST_IMM(BPF_DW, BPF_REG_10, key, 0));
	bt_emit__ld_map(&cg->e, BPF_REG_1, BT_MAP_LOST);
	EMIT(cg, BT_MOV64_REG(BPF_REG_2, BPF_REG_10));
	EMIT(cg, BT_ALU64_IMM(BPF_ADD, BPF_REG_2, key));
	EMIT(cg, BT_CALL(BPF_FUNC_map_lookup_elem));
	bt_emit__jmp_imm(&cg->e, BPF_JEQ, BPF_REG_0, 0, done);
	EMIT(cg, BT_LDX(BPF_DW, BPF_REG_1, BPF_REG_0, 0));
	EMIT(cg, BT_ALU64_IMM(BPF_ADD, BPF_REG_1, 1));
	EMIT(cg, BT_STX(BPF_DW, BPF_REG_0, BPF_REG_1, 0));
	bt_emit__place(&cg->e, done);
	bt_emit__stack_reset(&cg->e, mark);
}

void bt_cg__printf(struct bt_cg *cg, const struct bt_expr *call)
{
	const struct bt_einfo *ei = bt_sema__info(cg->s, call);
	const struct bt_printf_def *pd = &cg->s->obj->printfs[ei->printf_id];
	/* printf/system arguments follow the format; print(value) has none. */
	size_t first = pd->kind == BT_REC_PRINT ? 0 : 1;
	for (size_t i = 0; i < pd->nargs; i++)
		bt_cg__store(cg, call->call.args[i + first], BT_REG_SCRATCH,
			     (int)pd->args[i].offset, &pd->args[i].type);
	EMIT(cg, BT_ST_IMM(BPF_W, BT_REG_SCRATCH, 0, ei->printf_id));
	EMIT(cg, BT_ST_IMM(BPF_W, BT_REG_SCRATCH, 4, 0));
	output(cg, pd->size, false);
}

void bt_cg__action(struct bt_cg *cg, const struct bt_expr *call)
{
	const struct bt_einfo *ei = bt_sema__info(cg->s, call);
	const struct bt_printf_def *pd = &cg->s->obj->printfs[ei->printf_id];
	EMIT(cg, BT_ST_IMM(BPF_W, BT_REG_SCRATCH, 0, ei->printf_id));
	EMIT(cg, BT_ST_IMM(BPF_W, BT_REG_SCRATCH, 4, 0));
	/* exit() wakes the consumer at once: it ends the run. */
	output(cg, sizeof(struct bt_rec_hdr), pd->kind == BT_REC_EXIT);
}

/*
 * join(argv): the record carries BT_JOIN_ARGS strings read from the user
 * array of pointers (stopping at its NULL); user space prints them
 * separated. Strings go straight into the scratch record.
 */
void bt_cg__join(struct bt_cg *cg, const struct bt_expr *call)
{
	const struct bt_einfo *ei = bt_sema__info(cg->s, call);
	int mark = cg->e.stack;
	int argv = bt_cg__slot(cg, 8, call->line, call->col);
	int ptr = bt_cg__slot(cg, 8, call->line, call->col);
	int done = bt_emit__label(&cg->e);
	bt_cg__expr(cg, call->call.args[0]);
	EMIT(cg, BT_STX(BPF_DW, BPF_REG_10, BPF_REG_0, argv));
	uint32_t rec = sizeof(struct bt_rec_hdr);
	for (int i = 0; i < BT_JOIN_ARGS; i++) /* empty strings by default */
		EMIT(cg, BT_ST_IMM(BPF_B, BT_REG_SCRATCH,
				   (int16_t)(rec + i * BT_JOIN_ARGLEN), 0));
	for (int i = 0; i < BT_JOIN_ARGS; i++) {
		EMIT(cg, BT_ST_IMM(BPF_DW, BPF_REG_10, ptr, 0));
		EMIT(cg, BT_MOV64_REG(BPF_REG_1, BPF_REG_10));
		EMIT(cg, BT_ALU64_IMM(BPF_ADD, BPF_REG_1, ptr));
		EMIT(cg, BT_MOV64_IMM(BPF_REG_2, 8));
		EMIT(cg, BT_LDX(BPF_DW, BPF_REG_3, BPF_REG_10, argv));
		EMIT(cg, BT_ALU64_IMM(BPF_ADD, BPF_REG_3, i * 8));
		EMIT(cg, BT_CALL(BPF_FUNC_probe_read_user));
		EMIT(cg, BT_LDX(BPF_DW, BPF_REG_3, BPF_REG_10, ptr));
		bt_emit__jmp_imm(&cg->e, BPF_JEQ, BPF_REG_3, 0, done);
		EMIT(cg, BT_MOV64_REG(BPF_REG_1, BT_REG_SCRATCH));
		EMIT(cg, BT_ALU64_IMM(BPF_ADD, BPF_REG_1,
				      (int32_t)(rec + i * BT_JOIN_ARGLEN)));
		EMIT(cg, BT_MOV64_IMM(BPF_REG_2, BT_JOIN_ARGLEN));
		EMIT(cg, BT_CALL(BPF_FUNC_probe_read_user_str));
	}
	bt_emit__place(&cg->e, done);
	bt_emit__stack_reset(&cg->e, mark);
	EMIT(cg, BT_ST_IMM(BPF_W, BT_REG_SCRATCH, 0, ei->printf_id));
	EMIT(cg, BT_ST_IMM(BPF_W, BT_REG_SCRATCH, 4, 0));
	output(cg, rec + BT_JOIN_ARGS * BT_JOIN_ARGLEN, false);
}
