/*
 * daemon/ingest.h - one deployment's compiled program and its ring-buffer
 * ingest into a store table.
 *
 * Life cycle: ttd_ingest__compile() (compile and load through the
 * verifier; the schema is then known), ttd_ingest__attach() (probes live,
 * ring fd watched by the loop), ttd_ingest__drain() (also from the tick,
 * because the compiler batches ring-buffer wake-ups), ttd_ingest__free()
 * (stop watching, drain what is left, detach). Every record is counted:
 * appended rows, kernel-side losses, decode errors and store append errors.
 */
#ifndef TTD_INGEST_H
#define TTD_INGEST_H

#include <stdbool.h>
#include <stdint.h>

#include "daemon/loop.h"
#include "daemon/tables.h"

struct ttd_ingest;

/*
 * Compiles and loads program source (prog_no names it in diagnostics).
 * Returns 0 and *out, or a negative errno with *error set to a malloc'd
 * plain-words explanation (rendered diagnostics with line:col, verifier
 * log tail).
 */
int ttd_ingest__compile(const char *source, int prog_no,
			struct ttd_ingest **out, char **error);

/* The row schema of the compiled program (always has time_). */
const struct tt_schema *ttd_ingest__schema(const struct ttd_ingest *ing);

/*
 * Attaches the probes and starts watching the ring buffer. Rows go to
 * table, with time_ shifted by *mono_to_wall_ns (kept fresh by the
 * caller). Takes over the table reference, also on failure. Returns 0 or a
 * negative errno with *error set (e.g. "kprobes are not available on this
 * kernel").
 */
int ttd_ingest__attach(struct ttd_ingest *ing, struct ttd_tables *tabs,
		       struct ttd_table_ref *table, struct ttd_loop *loop,
		       const int64_t *mono_to_wall_ns, char **error);

/*
 * Verify-only mode (tracetabd --verify-only), set once at start-up before
 * anything compiles: programs are compiled and loaded through the verifier
 * with a small ring buffer, ttd_ingest__attach() takes the table but
 * attaches no probe and watches no ring, so a deployment reaches "running"
 * without tracing anything. For control-plane tests and simulations of
 * many nodes on one machine.
 */
extern bool ttd_ingest__verify_only;

/* Consumes every record in the ring buffer now; returns records or -errno. */
int ttd_ingest__drain(struct ttd_ingest *ing);

struct ttd_ingest_stats {
	uint64_t rows; /* appended to the table */
	uint64_t lost; /* dropped by the kernel: ring buffer full */
	uint64_t decode_errors; /* undecodable records and failed appends */
};
void ttd_ingest__stats(const struct ttd_ingest *ing,
		       struct ttd_ingest_stats *st);

/* The compiled program (maps as tables read it); owned by ing. */
struct bt_program;
struct bt_program *ttd_ingest__program(const struct ttd_ingest *ing);

/* The table this ingest writes, or NULL before attach. */
struct ttd_table_ref *ttd_ingest__table(const struct ttd_ingest *ing);

/*
 * Stops watching, drains the ring, detaches the probes, releases the
 * table reference and frees. Adds the final counters to *st when non-NULL.
 * NULL is fine.
 */
void ttd_ingest__free(struct ttd_ingest *ing, struct ttd_loop *loop,
		      struct ttd_ingest_stats *st);

#endif
