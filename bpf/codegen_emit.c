/*
 * codegen_emit.c - the instruction buffer behind code generation.
 *
 * Jumps to labels are recorded as fixups and patched in bt_emit__finish,
 * so code generators can jump forward without knowing distances. An
 * allocation failure sets e->oom and turns every later call into a no-op;
 * finish reports it once, which keeps callers free of error checks.
 */
#include "bpf/codegen_emit.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

void bt_emit__init(struct bt_emit *e)
{
	memset(e, 0, sizeof(*e));
}

void bt_emit__release(struct bt_emit *e)
{
	free(e->insns);
	free(e->relocs);
	free(e->labels);
	free(e->fixups);
	memset(e, 0, sizeof(*e));
}

/* Grows *arr (of elements `size`) to hold one more; false on OOM. */
static int grow(void **arr, size_t *cap, size_t n, size_t size)
{
	if (n < *cap)
		return 1;
	size_t ncap = *cap ? *cap * 2 : 64;
	void *p = realloc(*arr, ncap * size);
	if (!p)
		return 0;
	*arr = p;
	*cap = ncap;
	return 1;
}

void bt_emit__insn(struct bt_emit *e, struct bpf_insn insn)
{
	if (e->oom || !grow((void **)&e->insns, &e->cap, e->n, sizeof(insn))) {
		e->oom = 1;
		return;
	}
	e->insns[e->n++] = insn;
}

void bt_emit__ld_imm64(struct bt_emit *e, int dst, uint64_t imm)
{
	bt_emit__insn(e, (struct bpf_insn){ .code = BPF_LD | BPF_DW | BPF_IMM,
					    .dst_reg = dst,
					    .imm = (int32_t)(uint32_t)imm });
	bt_emit__insn(e, (struct bpf_insn){ .imm = (int32_t)(imm >> 32) });
}

void bt_emit__ld_map(struct bt_emit *e, int dst, uint32_t map)
{
	if (e->oom || !grow((void **)&e->relocs, &e->relocs_cap, e->nrelocs,
			    sizeof(*e->relocs))) {
		e->oom = 1;
		return;
	}
	e->relocs[e->nrelocs++] =
		(struct bt_reloc){ .insn = (uint32_t)e->n, .map = map };
	bt_emit__insn(e, (struct bpf_insn){ .code = BPF_LD | BPF_DW | BPF_IMM,
					    .dst_reg = dst,
					    .src_reg = BPF_PSEUDO_MAP_FD,
					    .imm = (int32_t)map });
	bt_emit__insn(e, (struct bpf_insn){ 0 });
}

int bt_emit__label(struct bt_emit *e)
{
	if (e->oom || !grow((void **)&e->labels, &e->labels_cap, e->nlabels,
			    sizeof(*e->labels))) {
		e->oom = 1;
		return 0;
	}
	e->labels[e->nlabels] = -1;
	return (int)e->nlabels++;
}

void bt_emit__place(struct bt_emit *e, int label)
{
	if (!e->oom)
		e->labels[label] = (int32_t)e->n;
}

static void add_fixup(struct bt_emit *e, int label)
{
	if (e->oom || !grow((void **)&e->fixups, &e->fixups_cap, e->nfixups,
			    sizeof(*e->fixups))) {
		e->oom = 1;
		return;
	}
	e->fixups[e->nfixups].insn = (uint32_t)e->n;
	e->fixups[e->nfixups++].label = label;
}

void bt_emit__jmp_imm(struct bt_emit *e, int op, int dst, int32_t imm,
		      int label)
{
	add_fixup(e, label);
	bt_emit__insn(e, (struct bpf_insn){ .code = BPF_JMP | BPF_OP(op) |
						    BPF_K,
					    .dst_reg = dst,
					    .imm = imm });
}

void bt_emit__jmp_reg(struct bt_emit *e, int op, int dst, int src, int label)
{
	add_fixup(e, label);
	bt_emit__insn(e, (struct bpf_insn){ .code = BPF_JMP | BPF_OP(op) |
						    BPF_X,
					    .dst_reg = dst,
					    .src_reg = src });
}

void bt_emit__ja(struct bt_emit *e, int label)
{
	bt_emit__jmp_imm(e, BPF_JA, 0, 0, label);
}

int bt_emit__stack_alloc(struct bt_emit *e, int size)
{
	int sz = (size + 7) & ~7;
	if (size <= 0 || e->stack + sz > BT_STACK_MAX)
		return 0;
	e->stack += sz;
	if (e->stack > e->stack_max)
		e->stack_max = e->stack;
	return -e->stack;
}

void bt_emit__zero(struct bt_emit *e, int off, int size)
{
	for (int i = 0; i < size; i += 8)
		bt_emit__insn(e, BT_ST_IMM(BPF_DW, BPF_REG_10, off + i, 0));
}

void bt_emit__copy(struct bt_emit *e, int dreg, int doff, int sreg, int soff,
		   int size)
{
	for (int i = 0; i < size; i += 8) {
		bt_emit__insn(e, BT_LDX(BPF_DW, BPF_REG_1, sreg, soff + i));
		bt_emit__insn(e, BT_STX(BPF_DW, dreg, BPF_REG_1, doff + i));
	}
}

int bt_emit__finish(struct bt_emit *e)
{
	if (e->oom)
		return -ENOMEM;
	for (size_t i = 0; i < e->nfixups; i++) {
		int32_t target = e->labels[e->fixups[i].label];
		if (target < 0)
			return -EINVAL;
		int32_t off = target - (int32_t)e->fixups[i].insn - 1;
		if (off < INT16_MIN || off > INT16_MAX)
			return -E2BIG;
		e->insns[e->fixups[i].insn].off = (int16_t)off;
	}
	return 0;
}
