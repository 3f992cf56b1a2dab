/*
 * codegen_emit.h - BPF instruction emission: a growable instruction buffer with
 * forward labels, map-fd relocations and a stack-slot allocator.
 *
 * Invariants: every jump to a label is patched when the buffer is finished
 * (bt_emit__finish fails if a label was never placed); map references are
 * emitted as BPF_LD_IMM64 with src_reg BPF_PSEUDO_MAP_FD and imm = map index,
 * and the loader replaces the index with the map's fd. Stack slots are
 * handed out below the frame pointer, 8-byte aligned, and never exceed the
 * 512-byte BPF stack: running out is a compile error, not a verifier one.
 */
#ifndef BT_CODEGEN_EMIT_H
#define BT_CODEGEN_EMIT_H

#include <linux/bpf.h>
#include <stddef.h>
#include <stdint.h>

#define BT_STACK_MAX 512

struct bt_reloc {
	uint32_t insn; /* index of the first half of the LD_IMM64 */
	uint32_t map;  /* index into the object's map table */
};

struct bt_emit {
	struct bpf_insn *insns;
	size_t n, cap;
	struct bt_reloc *relocs;
	size_t nrelocs, relocs_cap;
	int32_t *labels; /* label -> insn index, -1 while unplaced */
	size_t nlabels, labels_cap;
	struct {
		uint32_t insn;
		int label;
	} *fixups;
	size_t nfixups, fixups_cap;
	int stack;     /* bytes in use below r10 (positive) */
	int stack_max; /* high-water mark */
	int oom;       /* an allocation failed: the buffer is unusable */
};

void bt_emit__init(struct bt_emit *e);
void bt_emit__release(struct bt_emit *e);

void bt_emit__insn(struct bt_emit *e, struct bpf_insn insn);
/* Loads a 64-bit constant (two instruction slots). */
void bt_emit__ld_imm64(struct bt_emit *e, int dst, uint64_t imm);
/* Loads the fd of map `map` (relocated by the loader). */
void bt_emit__ld_map(struct bt_emit *e, int dst, uint32_t map);

int bt_emit__label(struct bt_emit *e);
void bt_emit__place(struct bt_emit *e, int label);
/* Conditional (op != BPF_JA) or unconditional jump to a label. */
void bt_emit__jmp_imm(struct bt_emit *e, int op, int dst, int32_t imm,
		      int label);
void bt_emit__jmp_reg(struct bt_emit *e, int op, int dst, int src, int label);
void bt_emit__ja(struct bt_emit *e, int label);

/*
 * Reserves `size` bytes (rounded up to 8) of stack; returns the (negative)
 * offset from r10 or 0 when the 512-byte stack is exhausted.
 */
int bt_emit__stack_alloc(struct bt_emit *e, int size);
/* Releases every slot allocated after `mark` (a former e->stack value). */
static inline void bt_emit__stack_reset(struct bt_emit *e, int mark)
{
	e->stack = mark;
}
/* Zeroes `size` bytes (multiple of 8) at r10+off. */
void bt_emit__zero(struct bt_emit *e, int off, int size);
/* Copies `size` bytes (multiple of 8) from sreg+soff to dreg+doff via r1. */
void bt_emit__copy(struct bt_emit *e, int dreg, int doff, int sreg, int soff,
		   int size);

/* Patches jumps; returns 0 or -EINVAL (unplaced label), -ENOMEM. */
int bt_emit__finish(struct bt_emit *e);

/* Instruction constructors (the kernel's filter.h macros are not uapi). */
#define BT_ALU64_REG(op, d, s)                                                \
	((struct bpf_insn){ .code = BPF_ALU64 | BPF_OP(op) | BPF_X,           \
			    .dst_reg = d, .src_reg = s })
#define BT_ALU64_IMM(op, d, i)                                                \
	((struct bpf_insn){ .code = BPF_ALU64 | BPF_OP(op) | BPF_K,           \
			    .dst_reg = d, .imm = i })
#define BT_ALU32_IMM(op, d, i)                                                \
	((struct bpf_insn){ .code = BPF_ALU | BPF_OP(op) | BPF_K,             \
			    .dst_reg = d, .imm = i })
/* Signed division/modulo (cpu v4: off = 1). */
#define BT_ALU64_SREG(op, d, s)                                               \
	((struct bpf_insn){ .code = BPF_ALU64 | BPF_OP(op) | BPF_X,           \
			    .dst_reg = d, .src_reg = s, .off = 1 })
#define BT_MOV64_REG(d, s) BT_ALU64_REG(BPF_MOV, d, s)
#define BT_MOV64_IMM(d, i) BT_ALU64_IMM(BPF_MOV, d, i)
#define BT_LDX(sz, d, s, o)                                                   \
	((struct bpf_insn){ .code = BPF_LDX | BPF_SIZE(sz) | BPF_MEM,         \
			    .dst_reg = d, .src_reg = s, .off = o })
#define BT_STX(sz, d, s, o)                                                   \
	((struct bpf_insn){ .code = BPF_STX | BPF_SIZE(sz) | BPF_MEM,         \
			    .dst_reg = d, .src_reg = s, .off = o })
#define BT_ST_IMM(sz, d, o, i)                                                \
	((struct bpf_insn){ .code = BPF_ST | BPF_SIZE(sz) | BPF_MEM,          \
			    .dst_reg = d, .off = o, .imm = i })
#define BT_CALL(fn)                                                           \
	((struct bpf_insn){ .code = BPF_JMP | BPF_CALL, .imm = fn })
#define BT_EXIT() ((struct bpf_insn){ .code = BPF_JMP | BPF_EXIT })

/* BPF size code for a 1/2/4/8-byte access. */
static inline int bt_emit__size(int bytes)
{
	return bytes == 1 ? BPF_B : bytes == 2 ? BPF_H : bytes == 4 ? BPF_W
								   : BPF_DW;
}

#endif
