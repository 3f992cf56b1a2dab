/*
 * daemon/tables.h - the daemon's open store tables, shared by deployments.
 *
 * The store allows one writer per table, and several deployments may feed
 * the same table, so the daemon opens each table once and hands out
 * references. A table's schema is fixed while it has references; recreating
 * it with another schema is only possible when nobody writes to it.
 */
#ifndef TTD_TABLES_H
#define TTD_TABLES_H

#include <stdbool.h>
#include <stddef.h>

#include "tracetab/store.h"

struct ttd_table_ref {
	char name[TT_NAME_MAX];
	struct tt_table *table;
	unsigned refs;
	struct ttd_table_ref *next;
};

struct ttd_tables {
	const char *dir; /* store directory */
	struct tt_table_opts opts; /* size, age, reader group */
	struct tt_catalog *cat; /* table schemas are recorded here */
	struct ttd_table_ref *head;
};

/*
 * Returns a reference to table name with the given schema, opening or
 * creating its file. With replace, a file with another schema is
 * recreated. Returns 0, -EBUSY (open with another schema), -EEXIST (file
 * has another schema and !replace) or another negative errno; err says why.
 */
int ttd_tables__acquire(struct ttd_tables *tabs, const char *name,
			const struct tt_schema *schema, bool replace,
			struct ttd_table_ref **out, char *err, size_t errlen);
/* Drops a reference; the last one closes the table (the file stays). */
void ttd_tables__release(struct ttd_tables *tabs, struct ttd_table_ref *ref);
/* The open table called name, or NULL. */
struct ttd_table_ref *ttd_tables__find(struct ttd_tables *tabs,
				       const char *name);
/*
 * The name of a deployment's i-th printf table: table itself for i == 0,
 * then table_2, table_3, ... Returns 0, or -ENAMETOOLONG when the name
 * does not fit in TT_NAME_MAX (len must be at least that).
 */
int ttd_tables__nth_name(const char *table, size_t i, char *out, size_t len);

/* Applies the retention age to every open table. */
void ttd_tables__expire(struct ttd_tables *tabs, int64_t now_ns);

#endif
