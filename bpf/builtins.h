/*
 * builtins.h - builtin identifiers (pid, comm, args, ...) and functions
 * (printf, str, ntop, ...), one table entry each with its type rule and
 * its code generator.
 */
#ifndef BT_BUILTINS_H
#define BT_BUILTINS_H

#include "bpf/codegen.h"
#include "bpf/sema.h"

struct bt_builtin {
	const char *name;
	bool is_func;
	int min_args, max_args; /* functions */
	/* Types e into ei->type; returns 0 or -1 after a diagnostic. */
	int (*check)(struct bt_sema *s, const struct bt_expr *e,
		     struct bt_einfo *ei);
	/* Generates e; returns like bt_cg__expr. */
	int (*gen)(struct bt_cg *cg, const struct bt_expr *e,
		   const struct bt_einfo *ei);
};

/* The builtin identifier or function called name; NULL if none. */
const struct bt_builtin *bt_builtin__find(const char *name, bool is_func);

/* The other tables: builtins_ext.c, builtins_text.c (values rendered in
 * user space), builtins_sys.c (signal, system, override). */
extern const struct bt_builtin bt_builtins_ext[];
extern const size_t bt_builtins_ext_n;
extern const struct bt_builtin bt_builtins_text[];
extern const size_t bt_builtins_text_n;
extern const struct bt_builtin bt_builtins_sys[];
extern const size_t bt_builtins_sys_n;

/*
 * system(fmt, ...) and cat(fmt, ...): a record of kind laid out like a
 * printf's (its id in ei->printf_id); user space formats the text. 0, or
 * -1 after a diagnostic (builtins_sys.c).
 */
int bt_builtin__fmt_record(struct bt_sema *s, const struct bt_expr *e,
			   enum bt_rec_kind kind, struct bt_einfo *ei);

/*
 * Stores r0 (a user address or stack id) at stack slot and the current
 * pid at slot + 8: user addresses only name symbols through the process's
 * mappings, read when the value is rendered (usym, ustack;
 * builtins_text.c).
 */
void bt_builtin__store_with_pid(struct bt_cg *cg, int slot);

/* Shared by the rules: a diagnostic at e (returns -1), a type (0). */
static inline int bt_builtin__err(struct bt_sema *s, const struct bt_expr *e,
				  const char *msg)
{
	bt_sema__error(s, e->line, e->col, "%s", msg);
	return -1;
}
static inline int bt_builtin__type(struct bt_einfo *ei, struct bt_type t)
{
	ei->type = t;
	return 0;
}
/* Type rules of the plain integer builtins (pid, uid, nsecs, ...). */
static inline int bt_builtin__ck_u32(struct bt_sema *s, const struct bt_expr *e,
				     struct bt_einfo *ei)
{
	(void)s, (void)e;
	return bt_builtin__type(ei, bt_type__int(4, false));
}
static inline int bt_builtin__ck_u64(struct bt_sema *s, const struct bt_expr *e,
				     struct bt_einfo *ei)
{
	(void)s, (void)e;
	return bt_builtin__type(ei, bt_type__int(8, false));
}
/* Generators: r0 = helper fn(). */
static inline int bt_builtin__helper(struct bt_cg *cg, int fn)
{
	bt_emit__insn(&cg->e, BT_CALL(fn));
	return 0;
}

#endif
