/*
 * daemon/map_export.c - a deployment's @maps as tables (see map_export.h).
 *
 * The compiler reads the maps (bt_program__map_snapshot); this file
 * decides which maps go where and when, and appends the rows. A snapshot
 * is a full copy of the map at one instant, so consecutive snapshots are
 * told apart by time_: a query for the latest values filters on the
 * largest time_. Tables of print()-only exports are opened at the first
 * print(@m), so a printf program never gets empty tables for maps it
 * never prints; every other table is opened at deploy time, so a schema
 * clash fails the deployment instead of losing snapshots later.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "daemon/ingest.h"
#include "daemon/log.h"
#include "daemon/map_export.h"

struct mx_map {
	size_t idx; /* the program's map index */
	char table[TT_NAME_MAX];
	struct tt_schema schema;
	struct ttd_table_ref *ref; /* NULL until opened */
	bool failed; /* opening failed (print-only): logged */
	uint64_t rows;
};

struct ttd_map_export {
	struct bt_program *prog;
	struct ttd_tables *tabs;
	bool replace;
	bool all; /* every map: interval and final snapshots */
	int64_t interval_ns; /* 0: no periodic snapshots */
	int64_t next_ns; /* CLOCK_MONOTONIC of the next snapshot */
	size_t n;
	struct mx_map *maps;
	uint64_t append_errors;
};

static int64_t clock_ns(clockid_t id)
{
	struct timespec ts;

	clock_gettime(id, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

/* "<table>" for a lone map of a map-only program, else "<table>_<name>". */
static int table_name(const struct ttd_map_export_opts *o, const char *map,
		      bool alone, char *out, size_t len)
{
	int n = alone ? snprintf(out, len, "%s", o->table)
		      : snprintf(out, len, "%s_%s", o->table,
				 map[0] ? map : "map");

	return n < 0 || (size_t)n >= len ? -ENAMETOOLONG : 0;
}

static int open_table(struct ttd_map_export *mx, struct mx_map *m, char *err,
		      size_t errlen)
{
	return ttd_tables__acquire(mx->tabs, m->table, &m->schema, mx->replace,
				   &m->ref, err, errlen);
}

static int append(void *ctx, const union tt_value *row)
{
	struct mx_map *m = ctx;
	int64_t rc = tt_table__append(m->ref->table, row);

	if (rc < 0)
		return (int)rc;
	m->rows++;
	return 0;
}

static void snapshot(struct ttd_map_export *mx, struct mx_map *m,
		     int64_t wall_ns)
{
	int rc;

	if (!m->ref)
		return;
	rc = bt_program__map_snapshot(mx->prog, m->idx, wall_ns, append, m);
	if (rc < 0) {
		if (!mx->append_errors++)
			ttd_warn("table %s: map snapshot failed: %s", m->table,
				 strerror(-rc));
	}
}

static void snapshot_all(struct ttd_map_export *mx)
{
	int64_t now = clock_ns(CLOCK_REALTIME);

	for (size_t i = 0; i < mx->n; i++)
		snapshot(mx, &mx->maps[i], now);
}

/* print(@m) record: that map's snapshot, opening its table if needed. */
static void printed(void *ctx, size_t map)
{
	struct ttd_map_export *mx = ctx;
	struct mx_map *m = map < mx->n ? &mx->maps[map] : NULL;
	char err[512];

	if (!m || m->failed)
		return;
	if (!m->ref && open_table(mx, m, err, sizeof(err)) < 0) {
		m->failed = true;
		ttd_warn("print(@%s): %s", bt_program__map_name(mx->prog, map),
			 err);
		return;
	}
	snapshot(mx, m, clock_ns(CLOCK_REALTIME));
}

static void release(struct ttd_map_export *mx)
{
	for (size_t i = 0; i < mx->n; i++)
		ttd_tables__release(mx->tabs, mx->maps[i].ref);
	free(mx->maps);
	free(mx);
}

/* Names, schemas and (unless print-only) tables of every map. */
static int setup_maps(struct ttd_map_export *mx,
		      const struct ttd_map_export_opts *o, char *err,
		      size_t errlen)
{
	bool alone = mx->n == 1 && bt_program__ntables(mx->prog) == 0;
	int rc;

	for (size_t i = 0; i < mx->n; i++) {
		struct mx_map *m = &mx->maps[i];
		const char *name = bt_program__map_name(mx->prog, i);

		m->idx = i;
		if (table_name(o, name, alone, m->table, sizeof(m->table)) <
		    0) {
			snprintf(err, errlen,
				 "map @%s: table name %s_%s is longer than "
				 "%d bytes",
				 name, o->table, name, TT_NAME_MAX - 1);
			return -ENAMETOOLONG;
		}
		for (size_t j = 0; j < i; j++)
			if (strcmp(mx->maps[j].table, m->table) == 0) {
				snprintf(err, errlen,
					 "maps @%s and @%s would both be "
					 "table %s; rename one",
					 bt_program__map_name(mx->prog, j),
					 name, m->table);
				return -EINVAL;
			}
		rc = bt_program__map_schema(mx->prog, i, o->source, &m->schema);
		if (rc < 0) {
			snprintf(err, errlen, "map @%s: no table schema: %s",
				 name, strerror(-rc));
			return rc;
		}
		if (mx->all && (rc = open_table(mx, m, err, errlen)) < 0)
			return rc;
	}
	return 0;
}

int ttd_map_export__new(struct bt_program *prog, struct ttd_tables *tabs,
			const struct ttd_map_export_opts *o,
			struct ttd_map_export **out, char **error)
{
	struct ttd_map_export *mx;
	char err[768];
	int rc;

	*out = NULL;
	*error = NULL;
	if (ttd_ingest__verify_only || bt_program__nmaps(prog) == 0)
		return 0;
	mx = calloc(1, sizeof(*mx));
	if (mx)
		mx->maps = calloc(bt_program__nmaps(prog), sizeof(*mx->maps));
	if (!mx || !mx->maps) {
		free(mx);
		*error = strdup("out of memory");
		return -ENOMEM;
	}
	mx->prog = prog;
	mx->tabs = tabs;
	mx->replace = o->replace;
	mx->n = bt_program__nmaps(prog);
	mx->all = o->export_maps || bt_program__ntables(prog) == 0;
	mx->interval_ns = mx->all ? (int64_t)o->interval_ms * 1000000 : 0;
	mx->next_ns = clock_ns(CLOCK_MONOTONIC) + mx->interval_ns;
	rc = setup_maps(mx, o, err, sizeof(err));
	if (rc < 0) {
		release(mx);
		*error = strdup(err);
		return rc;
	}
	bt_program__on_print(prog, printed, mx);
	*out = mx;
	return 0;
}

void ttd_map_export__tick(struct ttd_map_export *mx)
{
	int64_t now;

	if (!mx || !mx->interval_ns)
		return;
	now = clock_ns(CLOCK_MONOTONIC);
	if (now < mx->next_ns)
		return;
	/* A late tick does not make snapshots pile up. */
	mx->next_ns += mx->interval_ns;
	if (mx->next_ns <= now)
		mx->next_ns = now + mx->interval_ns;
	snapshot_all(mx);
}

json_t *ttd_map_export__status(const struct ttd_map_export *mx)
{
	json_t *o;

	if (!mx)
		return NULL;
	o = json_object();
	for (size_t i = 0; i < mx->n; i++)
		if (mx->maps[i].ref)
			json_object_set_new(
				o, mx->maps[i].table,
				json_integer((json_int_t)mx->maps[i].rows));
	return o;
}

void ttd_map_export__free(struct ttd_map_export *mx)
{
	if (!mx)
		return;
	/* Like bpftrace at exit: probes off, END, then the last snapshot,
	 * which holds exactly what END saw (and its print(@m) calls). */
	bt_program__detach(mx->prog);
	bt_program__finish(mx->prog, NULL);
	if (mx->all)
		snapshot_all(mx);
	bt_program__on_print(mx->prog, NULL, NULL);
	release(mx);
}
