/*
 * daemon/ingest.h - one deployment's compiled program and its ring-buffer
 * ingest into store tables and the deployment's log.
 *
 * Life cycle: ttd_ingest__compile() (compile and load through the
 * verifier; the table schemas are then known), ttd_ingest__attach()
 * (probes live, ring fd watched by the loop), ttd_ingest__drain() (also
 * from the tick, because the compiler batches ring-buffer wake-ups),
 * ttd_ingest__end() (END runs, its text reaches the log), ttd_ingest__free()
 * (stop watching, drain what is left, detach). A program has one table per
 * distinct row printf format: table i is ttd_tables__nth_name(table, i).
 * Banner printfs (BEGIN/END, no conversions) go to the log. Every record
 * is counted: appended rows, kernel-side losses, decode errors and store
 * append errors.
 */
#ifndef TTD_INGEST_H
#define TTD_INGEST_H

#include <stdbool.h>
#include <stdint.h>

#include "daemon/deplog.h"
#include "daemon/loop.h"
#include "daemon/runner.h"
#include "daemon/tables.h"
#include "tracetab/bt.h"

struct ttd_ingest;

/* How a deployment's program may act on the system. */
struct ttd_ingest_opts {
	bool unsafe; /* signal(), system(), override() compile */
	struct ttd_runner_opts system; /* bounds of system()'s commands */
};

/*
 * Compiles and loads program source (prog_no names it in diagnostics)
 * with opts (NULL: safe). Returns 0 and *out, or a negative errno with
 * *error set to a malloc'd plain-words explanation (rendered diagnostics
 * with line:col, verifier log tail).
 */
int ttd_ingest__compile(const char *source, int prog_no,
			const struct ttd_ingest_opts *opts,
			struct ttd_ingest **out, char **error);

/* Tables the program writes rows to (0 when rows only come from maps). */
size_t ttd_ingest__ntables(const struct ttd_ingest *ing);
/* The row schema of table i (always has time_); NULL when i is too big. */
const struct tt_schema *ttd_ingest__table_schema(const struct ttd_ingest *ing,
						 size_t i);
/* The first table's schema (no columns when there is no table). */
const struct tt_schema *ttd_ingest__schema(const struct ttd_ingest *ing);

/*
 * Attaches the probes and starts watching the ring buffer. Rows of table i
 * go to tables[i] (ntables of them, ttd_ingest__ntables), with time_
 * shifted by *mono_to_wall_ns (kept fresh by the caller); log records go
 * to *log, which must outlive ing, and so do the output lines of system()
 * commands (run asynchronously, see runner.h) and time() text
 * (ttd_deplog__add_time). Takes over the table references, also
 * on failure. Returns 0 or a negative errno with *error set (e.g.
 * "kprobes are not available on this kernel").
 */
int ttd_ingest__attach(struct ttd_ingest *ing, struct ttd_tables *tabs,
		       struct ttd_table_ref *const *tables, size_t ntables,
		       struct ttd_loop *loop, const int64_t *mono_to_wall_ns,
		       struct ttd_deplog *log, char **error);

/*
 * Verify-only mode (tracetabd --verify-only), set once at start-up before
 * anything compiles: programs are compiled and loaded through the verifier
 * with a small ring buffer, ttd_ingest__attach() takes the tables but
 * attaches no probe and watches no ring, so a deployment reaches "running"
 * without tracing anything. For control-plane tests and simulations of
 * many nodes on one machine.
 */
extern bool ttd_ingest__verify_only;

/* Consumes every record in the ring buffer now; returns records or -errno. */
int ttd_ingest__drain(struct ttd_ingest *ing);

/*
 * The program ends: drains the ring, runs END once, and drains what END
 * and the last events emitted; those log lines are also written to the
 * daemon's log. Does nothing before a successful attach or the second
 * time. NULL is fine.
 */
void ttd_ingest__end(struct ttd_ingest *ing);

struct ttd_ingest_stats {
	uint64_t rows; /* appended to the tables */
	uint64_t lost; /* dropped by the kernel: ring buffer full */
	uint64_t decode_errors; /* undecodable records and failed appends */
	uint64_t table_rows[BT_MAX_TABLES]; /* rows per table index */
	struct ttd_runner_stats system; /* system() commands */
};
void ttd_ingest__stats(const struct ttd_ingest *ing,
		       struct ttd_ingest_stats *st);
/* Adds b's counters to a's. */
void ttd_ingest_stats__add(struct ttd_ingest_stats *a,
			   const struct ttd_ingest_stats *b);

/* The compiled program (maps as tables read it); owned by ing. */
struct bt_program *ttd_ingest__program(const struct ttd_ingest *ing);

/* The first table this ingest writes, or NULL (before attach, none). */
struct ttd_table_ref *ttd_ingest__table(const struct ttd_ingest *ing);
/* True when ing writes rows to ref. */
bool ttd_ingest__writes(const struct ttd_ingest *ing,
			const struct ttd_table_ref *ref);

/*
 * Ends the program (ttd_ingest__end), stops watching, drains the ring,
 * detaches the probes, releases the table references and frees. Adds the
 * final counters to *st when non-NULL. NULL is fine.
 */
void ttd_ingest__free(struct ttd_ingest *ing, struct ttd_loop *loop,
		      struct ttd_ingest_stats *st);

#endif
