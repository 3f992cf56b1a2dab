/*
 * probes.h - the probe kinds the compiler knows, one table entry each:
 * program type, how an attach point expands (wildcards, symbol lookup),
 * where argN and retval live in the context, and how it attaches.
 */
#ifndef BT_PROBES_H
#define BT_PROBES_H

#include "bpf/codegen.h"
#include "bpf/sema.h"

struct bt_link;

struct bt_probe_info {
	enum bt_probe_kind kind;
	enum bpf_prog_type prog_type;
	/*
	 * Expands an attach point as written into units (wildcards become
	 * several). Returns the number of units (>= 1) with *out (free with
	 * bt_probe__free_units) or -1 after a diagnostic.
	 */
	int (*expand)(struct bt_sema *s, const struct bt_attach_point *ap,
		      struct bt_unit_ap **out);
	/* Loads argN into r0; false if the probe has no such argument. */
	bool (*arg)(struct bt_cg *cg, unsigned n);
	/* Loads the return value into r0; false if there is none. */
	bool (*retval)(struct bt_cg *cg);
	/* Attaches a loaded program. */
	int (*attach)(int prog_fd, const struct bt_unit_ap *u,
		      struct bt_link **out, char *err, size_t errlen);
};

/* The entry for a kind; NULL for kinds this compiler does not support. */
const struct bt_probe_info *bt_probe__info(enum bt_probe_kind kind);
void bt_probe__free_units(struct bt_unit_ap *u, int n);

#endif
