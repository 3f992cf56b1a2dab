/*
 * codegen.h - code generation from a typed probe body to BPF instructions.
 *
 * Register convention (why: helper calls clobber r0-r5, so nothing lives
 * there across a call):
 *   r6  the program context, saved at entry
 *   r9  the per-CPU scratch buffer in which printf records are assembled
 *       (looked up once at entry; the program exits if the lookup fails)
 *   r0  the value of the scalar expression just generated
 *   aggregates (strings, tuples, inet) live in stack slots, addressed
 *       as r10 + offset
 * Intermediate scalars are spilled to stack slots, which keeps the
 * generator simple and the verifier's job easy. Every stack slot is
 * written before it is read.
 */
#ifndef BT_CODEGEN_H
#define BT_CODEGEN_H

#include "bpf/codegen_emit.h"
#include "bpf/sema.h"

#define BT_REG_CTX BPF_REG_6
#define BT_REG_SCRATCH BPF_REG_9

struct bt_cg {
	struct bt_sema *s;
	struct bt_emit e;
	int exit_label; /* epilogue: r0 = 0; exit */
	int nloops;     /* enclosing while loops (sema bounds the nesting) */
	int loop_break[BT_AST_MAX_DEPTH], loop_continue[BT_AST_MAX_DEPTH];
	bool failed;
};

/*
 * Generates code for one unit typed by bt_sema__unit and appends the
 * program to the object. Returns 0 or a negative errno with a diagnostic.
 */
int bt_codegen__unit(struct bt_sema *s, const struct bt_probe *probe,
		     struct bt_unit_ap *uap);

/*
 * Generates an expression. Scalars end in r0 (returns 0); aggregates are
 * materialised in a stack slot whose (negative) r10 offset is returned;
 * records and arrays in memory end as their address in r0 (returns 0).
 */
int bt_cg__expr(struct bt_cg *cg, const struct bt_expr *e);
/* Generates a statement block; false if it never falls through. */
bool bt_cg__block(struct bt_cg *cg, const struct bt_block *b);
/* Reports a code generation failure (e.g. stack exhausted) at e. */
void bt_cg__fail(struct bt_cg *cg, int line, int col, const char *msg);
/* Allocates a stack slot or fails with a diagnostic at (line, col). */
int bt_cg__slot(struct bt_cg *cg, int size, int line, int col);

/* Materialises len bytes of text in a new slot of size bytes (NUL kept). */
int bt_cg__const_str(struct bt_cg *cg, const char *data, size_t len,
		     unsigned size, int line, int col);
/* Spills r0 into a new 8-byte slot; returns its offset. */
int bt_cg__spill(struct bt_cg *cg, int line, int col);
/* Normalises r0 to an integer of `size` bytes and signedness. */
void bt_cg__int_cast(struct bt_cg *cg, unsigned size, bool is_signed);
/*
 * Reads `size` bytes at r0 + off (memory described by type t: kernel,
 * user or context) into the stack slot at r10 + slot.
 */
void bt_cg__read_mem(struct bt_cg *cg, const struct bt_type *t, int32_t off,
		     int slot, int size);
/* Reads a scalar at r0 + off (load_size bytes, bitfield, sign) into r0. */
void bt_cg__read_scalar(struct bt_cg *cg, const struct bt_type *base,
			const struct bt_einfo *m, const struct bt_type *t);
/* Copies an expression's value into dreg + doff (size bytes of type t). */
void bt_cg__store(struct bt_cg *cg, const struct bt_expr *e, int dreg,
		  int doff, const struct bt_type *t);

/* r0 = variable v: its size's bytes extended with its sign. */
void bt_cg__var_load(struct bt_cg *cg, const struct bt_var *v);
/*
 * Writes the low `width` bytes of r0 over variable v (bpftrace 0.17's
 * assignment, types.c): nothing when width exceeds the variable's size.
 */
void bt_cg__var_store(struct bt_cg *cg, const struct bt_var *v,
		      unsigned width);

/* r0 = r0 op r1 (arithmetic, bitwise, comparisons as 0/1). */
void bt_cg__alu(struct bt_cg *cg, enum bt_binop op, bool is_signed);

/* Maps (codegen_map.c). */
void bt_cg__map_incdec(struct bt_cg *cg, const struct bt_expr *e);
void bt_cg__map_read(struct bt_cg *cg, const struct bt_expr *e, int slot);
void bt_cg__map_assign(struct bt_cg *cg, const struct bt_stmt *st);
void bt_cg__map_delete(struct bt_cg *cg, const struct bt_expr *m);
void bt_cg__map_aggregate(struct bt_cg *cg, const struct bt_expr *m,
			  const struct bt_expr *call);
/* Builds a map's key on the stack; returns its offset. */
int bt_cg__map_key(struct bt_cg *cg, const struct bt_expr *m);

/* Records (codegen_printf.c): printf() rows and user-space actions. */
void bt_cg__printf(struct bt_cg *cg, const struct bt_expr *call);
void bt_cg__action(struct bt_cg *cg, const struct bt_expr *call);
void bt_cg__join(struct bt_cg *cg, const struct bt_expr *call);

#endif
