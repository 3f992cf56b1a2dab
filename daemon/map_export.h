/*
 * daemon/map_export.h - a deployment's @maps exported as tables.
 *
 * Which maps, into which tables, when:
 *  - A program without printf rows exports every map; with printf rows,
 *    every map only when the spec says export_maps, otherwise just the
 *    maps it passes to print(@m), and only at those calls.
 *  - Map @name goes to table "<table>_<name>", or "<table>" when the
 *    program has no printf rows and exactly one map ("<table>_map" for
 *    the anonymous map @ among several).
 *  - Snapshots: every map_interval_ms (0: never), at every print(@m)
 *    record (that map only), and once when the deployment ends, after END
 *    ran, so END-time values are included. All rows of one snapshot carry
 *    the same time_ (wall clock).
 */
#ifndef TTD_MAP_EXPORT_H
#define TTD_MAP_EXPORT_H

#include <stdbool.h>
#include <stdint.h>

#include <jansson.h>

#include "daemon/tables.h"
#include "tracetab/bt.h"

struct ttd_map_export;

struct ttd_map_export_opts {
	const char *table; /* the deployment's table */
	const char *source; /* program text: names key columns */
	uint64_t interval_ms;
	bool export_maps; /* printf programs export every map too */
	bool replace; /* replace_table: recreate tables of another schema */
};

/*
 * Sets up map export for a loaded, attached program: opens the tables of
 * the maps it exports and asks the program for print(@m) notifications.
 * Returns 0 with *out (NULL when the program exports nothing), or a
 * negative errno with *error set to a malloc'd sentence (e.g. a table of
 * another schema without replace_table).
 */
int ttd_map_export__new(struct bt_program *prog, struct ttd_tables *tabs,
			const struct ttd_map_export_opts *o,
			struct ttd_map_export **out, char **error);

/* Takes the periodic snapshot when it is due. NULL is fine. */
void ttd_map_export__tick(struct ttd_map_export *mx);

/*
 * {"table": rows appended, ...} for the deployment's status (new
 * reference), or NULL for a NULL export.
 */
json_t *ttd_map_export__status(const struct ttd_map_export *mx);

/*
 * Ends the export: detaches the probes, runs END, drains the ring through
 * the program's consumer (print(@m) in END snapshots), takes the final
 * snapshot, stops notifications, releases the tables and frees. Call it
 * before the program is freed. NULL is fine.
 */
void ttd_map_export__free(struct ttd_map_export *mx);

#endif
