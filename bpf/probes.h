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

/*
 * probes_trace.c: usdt and fentry/fexit, with the entry points of the
 * table in probes.c.
 */
int bt_probe__expand_usdt(struct bt_sema *s, const struct bt_attach_point *ap,
			  struct bt_unit_ap **out);
/* Loads USDT argument n of the current unit; false past the last one. */
bool bt_probe__usdt_arg(struct bt_cg *cg, unsigned n);
int bt_probe__attach_usdt(int fd, const struct bt_unit_ap *u,
			  struct bt_link **out, char *err, size_t len);
int bt_probe__expand_fentry(struct bt_sema *s, const struct bt_attach_point *ap,
			    struct bt_unit_ap **out);
/* Loads fexit's return value (the slot after the last parameter). */
bool bt_probe__fexit_ret(struct bt_cg *cg);
/*
 * Finds the parameter called name of the current fentry/fexit unit's
 * function. Returns 0 with its position and BTF type id, or -ENOENT.
 */
int bt_probe__fentry_param(struct bt_sema *s, const char *name, unsigned *index,
			   uint32_t *type);
int bt_probe__attach_fentry(int fd, const struct bt_unit_ap *u,
			    struct bt_link **out, char *err, size_t len);

#endif
