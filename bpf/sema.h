/*
 * sema.h - semantic analysis and the state it shares with code generation.
 *
 * The compiler translates one probe block for one attach point at a time
 * (a "unit"): semantic analysis types every expression of the block for
 * that attach point (args fields differ between tracepoints), then code
 * generation emits one BPF program from the annotations. Annotations live
 * in a table keyed by expression node, reset for each unit; maps, printf
 * layouts and the table schema accumulate in the object across units.
 *
 * Invariants: after bt_sema__unit() returns 0, every expression reachable
 * from the block has an annotation with a type other than BT_T_NONE, every
 * $variable has a fixed type, and codegen can rely on them without
 * re-checking.
 */
#ifndef BT_SEMA_H
#define BT_SEMA_H

#include "bpf/ast.h"
#include "bpf/btf.h"
#include "bpf/object.h"
#include "bpf/tracefs.h"
#include "bpf/types.h"
#include "tracetab/bt.h"

struct bt_builtin;

/* What semantic analysis knows about one expression. */
struct bt_einfo {
	const struct bt_expr *e;
	struct bt_type type;
	const struct bt_builtin *bi; /* builtin identifier or function */
	int map;                     /* object map index, -1 none */
	int var;                     /* unit variable index, -1 none */
	int printf_id;               /* printf()/exit() record id */
	bool is_const;               /* cval is the value (ints) */
	int64_t cval;
	/* Member access: where the member is relative to the base. */
	uint32_t offset, bit_size, bit_shift, load_size;
	uint32_t btf_type; /* BTF member: its type id (for '&') */
	const struct bt_tp_field *field; /* tracepoint args field */
	const char *text;                /* string positional parameter */
};

struct bt_var {
	const char *name;
	struct bt_type type;
	int slot; /* stack offset, set by codegen */
};

struct bt_sema {
	struct bt_object *obj;
	struct bt_diags *diags;
	struct bt_types *types;
	struct bt_btf *btf; /* use bt_sema__btf(): loaded on first use */
	bool btf_tried;
	bool btf_owned; /* btf is the kernel's plus in-script structs */
	/* In-script struct/union definitions, ids in btf (sema_struct.c). */
	struct bt_script_type {
		const char *name;
		bool is_union;
		uint32_t id;
	} *script_types;
	size_t nscript_types;
	bool table_mode;
	bool unsafe; /* signal(), system(), override() allowed */
	const char *const *args; /* positional parameters $1.. */
	size_t nargs;
	/* The current unit. */
	const struct bt_probe *probe;
	struct bt_unit_ap *uap;
	struct bt_einfo *info; /* open-addressing table keyed by node */
	size_t ninfo, info_cap;
	struct bt_var *vars;
	size_t nvars, vars_cap;
	int errors; /* diagnostics added for this unit */
	int loops;  /* while loops around the statement being checked */
	/* The first printf whose record is a row, or -1: outside table mode
	 * the first printf (its schema is bt_program__schema), in table mode
	 * the first one given a table (log records never are). */
	int row_printf;
};

int bt_sema__init(struct bt_sema *s, struct bt_object *obj,
		  struct bt_diags *diags, bool table_mode);
void bt_sema__release(struct bt_sema *s);
/* The kernel's BTF, loaded on first call; NULL when there is none. */
struct bt_btf *bt_sema__btf(struct bt_sema *s);

/*
 * sema_struct.c: adds the program's struct/union definitions as types
 * (kernel BTF plus new records; script definitions win over the kernel's
 * of the same name). Returns 0, or -EINVAL after diagnostics.
 */
int bt_sema__structs(struct bt_sema *s, const struct bt_ast *ast);
/*
 * The integer type bpftrace 0.17 gives a syscall tracepoint argument of C
 * type ctype (qualifiers stripped): the format stores every argument in
 * an 8-byte slot marked unsigned, bpftrace types it by its C type.
 */
struct bt_type bt_sema__syscall_arg(struct bt_sema *s, const char *ctype);
/*
 * id, or the program's own struct/union of the same name when id is a
 * kernel struct/union the program redefines (reached through a kernel
 * pointer or member): a name denotes one type, as in bpftrace.
 */
uint32_t bt_sema__shadowed(const struct bt_sema *s, uint32_t id);
/* The id of an in-script struct (or union) called name; false if none. */
bool bt_sema__script_type(const struct bt_sema *s, bool is_union,
			  const char *name, uint32_t *id);

/* Types the probe body for one attach point. Returns 0 or -EINVAL. */
int bt_sema__unit(struct bt_sema *s, const struct bt_probe *probe,
		  struct bt_unit_ap *uap);

/* Program-wide checks after every unit (table rules). 0 or -EINVAL. */
int bt_sema__finish(struct bt_sema *s);

/* The annotation of e (created zeroed on first use; NULL on OOM). */
struct bt_einfo *bt_sema__info(struct bt_sema *s, const struct bt_expr *e);
/* Types e (recursively). Returns its annotation, NULL after a diagnostic. */
struct bt_einfo *bt_sema__expr(struct bt_sema *s, const struct bt_expr *e);
/* Adds a diagnostic at a node's position and counts the error. */
void bt_sema__error(struct bt_sema *s, int line, int col, const char *fmt,
		    ...) __attribute__((format(printf, 4, 5)));
/*
 * Shared by the expression typing files (sema_expr.c, sema_member.c): a
 * diagnostic at e (returns NULL); e typed t (its annotation, NULL on OOM);
 * a BTF id as a language type (0, or -1 when unsupported; memory kept in
 * base); whether the attach point is fentry/fexit; `a->f` / `a.f` typed.
 */
struct bt_einfo *bt_sema__fail(struct bt_sema *s, const struct bt_expr *e,
			       const char *fmt, const char *arg);
struct bt_einfo *bt_sema__typed(struct bt_sema *s, const struct bt_expr *e,
				struct bt_type t);
int bt_sema__from_btf(struct bt_sema *s, uint32_t id,
		      const struct bt_type *base, struct bt_type *t);
bool bt_sema__is_fentry(const struct bt_sema *s);
struct bt_einfo *bt_sema__member(struct bt_sema *s, const struct bt_expr *e);
/* Finds or creates the object map for @name with the given types. */
int bt_sema__map(struct bt_sema *s, const struct bt_expr *m,
		 const struct bt_type *key, const struct bt_type *value,
		 enum bt_map_kind kind);
/* The key type of a map expression's keys (NONE for @x); -1 on error. */
int bt_sema__map_key(struct bt_sema *s, const struct bt_expr *m,
		     struct bt_type *key);
/* True for a call of an aggregation (count(), hist(), ...). */
bool bt_sema__is_aggregation(const struct bt_expr *v);
/* Registers a printf record for a call; returns its id or -1. */
int bt_sema__printf(struct bt_sema *s, const struct bt_expr *call);
/*
 * The id of the action record (exit, time, print/clear/zero of a map;
 * fmt for time, else NULL), created on first use; -1 on OOM.
 */
int bt_sema__action(struct bt_sema *s, enum bt_rec_kind kind, int map,
		    const char *fmt);
/* Like bt_sema__action for print(@m, top, div). */
int bt_sema__print_action(struct bt_sema *s, enum bt_rec_kind kind, int map,
			  int64_t top, int64_t div);

#endif
