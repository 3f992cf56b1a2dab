/*
 * bpf_asm.h - a tiny BPF assembler for kernel-interface tests.
 *
 * Tests of attach and BTF need real programs in the kernel, written without
 * the compiler under test: a few instructions appended to a buffer, with
 * forward jumps to one "out" label patched at the end. Encodings are those
 * of Documentation/bpf/standardization/instruction-set.rst.
 */
#ifndef TT_TESTS_BPF_ASM_H
#define TT_TESTS_BPF_ASM_H

#include <linux/bpf.h>
#include <string.h>

struct asm_prog {
	struct bpf_insn v[512];
	int n;
	int jumps[64]; /* instructions jumping to "out" */
	int njumps;
	int map_fd;
};

static inline void asm_emit(struct asm_prog *p, struct bpf_insn i)
{
	if (p->n < (int)(sizeof(p->v) / sizeof(p->v[0])))
		p->v[p->n++] = i;
}

#define INSN(c, d, s, o, i)                \
	((struct bpf_insn){.code = (c),    \
			   .dst_reg = (d), \
			   .src_reg = (s), \
			   .off = (o),     \
			   .imm = (i)})

static inline void mov_imm(struct asm_prog *p, int dst, int imm)
{
	asm_emit(p, INSN(BPF_ALU64 | BPF_MOV | BPF_K, dst, 0, 0, imm));
}

static inline void mov_reg(struct asm_prog *p, int dst, int src)
{
	asm_emit(p, INSN(BPF_ALU64 | BPF_MOV | BPF_X, dst, src, 0, 0));
}

static inline void alu_imm(struct asm_prog *p, int op, int dst, int imm)
{
	asm_emit(p, INSN(BPF_ALU64 | op | BPF_K, dst, 0, 0, imm));
}

/* dst = *(size *)(src + off); size is BPF_B, BPF_H, BPF_W or BPF_DW. */
static inline void ldx(struct asm_prog *p, int size, int dst, int src, int off)
{
	asm_emit(p, INSN(BPF_LDX | BPF_MEM | size, dst, src, off, 0));
}

static inline void stx(struct asm_prog *p, int size, int dst, int src, int off)
{
	asm_emit(p, INSN(BPF_STX | BPF_MEM | size, dst, src, off, 0));
}

static inline void st_imm(struct asm_prog *p, int size, int dst, int off,
			  int imm)
{
	asm_emit(p, INSN(BPF_ST | BPF_MEM | size, dst, 0, off, imm));
}

static inline void call(struct asm_prog *p, int fn)
{
	asm_emit(p, INSN(BPF_JMP | BPF_CALL, 0, 0, 0, fn));
}

/* if (dst <op> imm) goto out */
static inline void jmp_out(struct asm_prog *p, int op, int dst, int imm)
{
	if (p->njumps < 64)
		p->jumps[p->njumps++] = p->n;
	asm_emit(p, INSN(BPF_JMP | op | BPF_K, dst, 0, 0, imm));
}

static inline void ld_map(struct asm_prog *p, int dst, int fd)
{
	asm_emit(p, INSN(BPF_LD | BPF_DW | BPF_IMM, dst, BPF_PSEUDO_MAP_FD, 0,
			 fd));
	asm_emit(p, INSN(0, 0, 0, 0, 0));
}

/* Keeps only events of process tgid (clobbers r0-r5). */
static inline void only_tgid(struct asm_prog *p, int tgid)
{
	call(p, BPF_FUNC_get_current_pid_tgid);
	alu_imm(p, BPF_RSH, BPF_REG_0, 32);
	jmp_out(p, BPF_JNE, BPF_REG_0, tgid);
}

/* r0 = &map[slot], or goto out if the lookup fails. */
static inline void slot_ptr(struct asm_prog *p, int slot)
{
	st_imm(p, BPF_W, BPF_REG_10, -4, slot);
	mov_reg(p, BPF_REG_2, BPF_REG_10);
	alu_imm(p, BPF_ADD, BPF_REG_2, -4);
	ld_map(p, BPF_REG_1, p->map_fd);
	call(p, BPF_FUNC_map_lookup_elem);
	jmp_out(p, BPF_JEQ, BPF_REG_0, 0);
}

/* map[slot] += 1, atomically. */
static inline void slot_inc(struct asm_prog *p, int slot)
{
	slot_ptr(p, slot);
	mov_imm(p, BPF_REG_1, 1);
	asm_emit(p, INSN(BPF_STX | BPF_ATOMIC | BPF_DW, BPF_REG_0, BPF_REG_1, 0,
			 BPF_ADD));
}

/* map[slot] = reg (reg must be r6-r9: calls clobber r0-r5). */
static inline void slot_set(struct asm_prog *p, int slot, int reg)
{
	slot_ptr(p, slot);
	stx(p, BPF_DW, BPF_REG_0, reg, 0);
}

/* r7 = the size bytes at kernel address (base + off), zero-extended. */
static inline void read_kernel(struct asm_prog *p, int base, int off, int size)
{
	st_imm(p, BPF_DW, BPF_REG_10, -16, 0);
	mov_reg(p, BPF_REG_1, BPF_REG_10);
	alu_imm(p, BPF_ADD, BPF_REG_1, -16);
	mov_imm(p, BPF_REG_2, size);
	mov_reg(p, BPF_REG_3, base);
	alu_imm(p, BPF_ADD, BPF_REG_3, off);
	call(p, BPF_FUNC_probe_read_kernel);
	ldx(p, BPF_DW, BPF_REG_7, BPF_REG_10, -16);
}

/* out: r0 = 0; exit. Patches every jump to out. */
static inline void asm_finish(struct asm_prog *p)
{
	for (int i = 0; i < p->njumps; i++)
		p->v[p->jumps[i]].off = p->n - p->jumps[i] - 1;
	mov_imm(p, BPF_REG_0, 0);
	asm_emit(p, INSN(BPF_JMP | BPF_EXIT, 0, 0, 0, 0));
}

#endif
