/*
 * daemon/tables.c - reference-counted open tables (see tables.h).
 *
 * The catalog's schema entry is written whenever a table is opened, so
 * the catalog always describes the files the daemon has written, and a
 * schema-change check can consult it even when the table is closed.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "daemon/log.h"
#include "daemon/tables.h"

struct ttd_table_ref *ttd_tables__find(struct ttd_tables *tabs,
				       const char *name)
{
	for (struct ttd_table_ref *r = tabs->head; r; r = r->next)
		if (strcmp(r->name, name) == 0)
			return r;
	return NULL;
}

int ttd_tables__acquire(struct ttd_tables *tabs, const char *name,
			const struct tt_schema *schema, bool replace,
			struct ttd_table_ref **out, char *err, size_t errlen)
{
	struct ttd_table_ref *r = ttd_tables__find(tabs, name);
	struct tt_table_opts opts = tabs->opts;
	int rc;

	if (r) {
		if (!tt_schema__equal(tt_table__schema(r->table), schema)) {
			snprintf(err, errlen,
				 "table %s is being written by another "
				 "deployment with a different schema",
				 name);
			return -EBUSY;
		}
		r->refs++;
		*out = r;
		return 0;
	}
	r = calloc(1, sizeof(*r));
	if (!r) {
		snprintf(err, errlen, "out of memory");
		return -ENOMEM;
	}
	opts.sz = sizeof(opts);
	opts.replace = replace;
	rc = tt_table__open(tabs->dir, name, schema, &opts, &r->table, err,
			    errlen);
	if (rc < 0) {
		free(r);
		return rc;
	}
	rc = tt_catalog__put_table(tabs->cat, name, schema);
	if (rc < 0)
		ttd_warn("catalog: cannot record table %s: %s", name,
			 strerror(-rc));
	snprintf(r->name, sizeof(r->name), "%s", name);
	r->refs = 1;
	r->next = tabs->head;
	tabs->head = r;
	*out = r;
	return 0;
}

void ttd_tables__release(struct ttd_tables *tabs, struct ttd_table_ref *ref)
{
	struct ttd_table_ref **pp;

	if (!ref || --ref->refs)
		return;
	for (pp = &tabs->head; *pp; pp = &(*pp)->next) {
		if (*pp == ref) {
			*pp = ref->next;
			break;
		}
	}
	tt_table__close(ref->table);
	free(ref);
}

int ttd_tables__nth_name(const char *table, size_t i, char *out, size_t len)
{
	int n = i ? snprintf(out, len, "%s_%zu", table, i + 1)
		  : snprintf(out, len, "%s", table);

	return n < 0 || (size_t)n >= len || n >= TT_NAME_MAX ? -ENAMETOOLONG
							       : 0;
}

void ttd_tables__expire(struct ttd_tables *tabs, int64_t now_ns)
{
	for (struct ttd_table_ref *r = tabs->head; r; r = r->next)
		tt_table__expire(r->table, now_ns);
}
