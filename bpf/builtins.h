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

#endif
