/*
 * tracetab/bt.h - the bpftrace compiler: program text to attached BPF.
 *
 * tracetab compiles the bpftrace language itself, without LLVM: kernel
 * types come from BTF, tracepoint arguments from tracefs format files.
 *
 *     bt_program__compile()   text -> BPF instructions, maps, printf schema
 *     bt_program__load()      maps created, programs through the verifier
 *     bt_program__attach()    probes live; records flow to the ring buffer
 *     bt_program__consume()   ring buffer -> decoded rows
 *     bt_program__free()      detach, close, free
 *
 * Errors are negative errno values; what the user must read goes to a
 * bt_diags list (line:col, message, source line with a caret).
 */
#ifndef TRACETAB_BT_H
#define TRACETAB_BT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "tracetab/store.h"

#ifdef __cplusplus
extern "C" {
#endif

/* ---- Diagnostics ----------------------------------------------------------- */

struct bt_diag {
	int line; /* 1-based; 0 when the problem has no position */
	int col;  /* 1-based */
	char msg[512];
};

struct bt_diags;

struct bt_diags *bt_diags__new(void);
void bt_diags__free(struct bt_diags *diags);
size_t bt_diags__count(const struct bt_diags *diags);
const struct bt_diag *bt_diags__get(const struct bt_diags *diags, size_t i);
/* Adds a diagnostic (printf-style message). */
void bt_diags__add(struct bt_diags *diags, int line, int col, const char *fmt,
		   ...) __attribute__((format(printf, 4, 5)));
/*
 * Renders every diagnostic as
 *     file:line:col: error: message
 *         source line
 *         ^
 * into a malloc'd string the caller frees.
 */
char *bt_diags__render(const struct bt_diags *diags, const char *source,
		       const char *filename);

/* ---- Kernel features --------------------------------------------------------- */

struct bt_features {
	unsigned kernel_major, kernel_minor, kernel_patch;
	bool btf;            /* /sys/kernel/btf/vmlinux loads */
	bool kprobe;         /* kprobe events or the kprobe PMU exist */
	bool fentry;         /* BPF_PROG_TYPE_TRACING with fentry attaches */
	bool uprobe;
	bool tracepoint;
	bool raw_tracepoint;
	bool ringbuf;
	bool perf_event;     /* software perf events (interval, profile) */
};

/* Fills *f from this kernel. Cached after the first call. Returns 0. */
int bt_features__probe(struct bt_features *f);

/* ---- Programs ------------------------------------------------------------------ */

struct bt_compile_opts {
	size_t sz;            /* sizeof(struct bt_compile_opts) */
	const char *filename; /* for diagnostics; NULL: "<program>" */
	/*
	 * Table mode (the daemon): printf -> table rules. Each distinct row
	 * format is a table (bt_program__ntables); printfs in BEGIN/END or
	 * without conversions are log records (bt_program__row_table -1);
	 * a program needs a row printf or a map. Actions that print in user
	 * space are refused. Off (bt-run): printf anywhere, any formats.
	 */
	bool table_mode;
	/* Ring buffer size, rounded up to a power of two >= 4096; 0: 4 MiB.
	 * Creating the ring is most of the load time (4 MiB ~ 20 ms). */
	uint32_t ringbuf_bytes;
	/* Positional parameters $1..$nargs (numbers become integers). */
	const char *const *args;
	size_t nargs;
	/*
	 * Allow the unsafe functions signal(), system() and override()
	 * (bpftrace's --unsafe); without it they are compile errors. Read
	 * only when sz covers it.
	 */
	bool unsafe;
};

struct bt_program;

/*
 * Compiles a program. On error returns a negative errno and adds at least
 * one diagnostic; never crashes on any input.
 */
int bt_program__compile(const char *source, const struct bt_compile_opts *opts,
			struct bt_program **out, struct bt_diags *diags);

/*
 * The table schema of the program's printf rows: named columns from
 * `name:%fmt` labels (col<N> otherwise) with store types, always including
 * a TT_TYPE_TIME column time_. In table mode every row has this schema.
 */
const struct tt_schema *bt_program__schema(const struct bt_program *prog);

/* Distinct row formats (tables) a table program may have. */
#define BT_MAX_TABLES 16

/*
 * Table mode: the number of tables, one per distinct row printf format
 * (format string and argument types) in order of first appearance in the
 * source. 0 for a program whose rows only come from maps, and outside
 * table mode.
 */
size_t bt_program__ntables(const struct bt_program *prog);
/*
 * The schema of table i (< bt_program__ntables), like bt_program__schema
 * (which is table 0's); NULL when i is out of range.
 */
const struct tt_schema *bt_program__table_schema(const struct bt_program *prog,
						 size_t i);
/*
 * The table a record of printf_id belongs to: its index, or -1 when the
 * record is not a row (a log record: a printf in BEGIN/END or without
 * conversions; an action; an unknown id; any record outside table mode).
 * A row's values follow its table's schema.
 */
int bt_program__row_table(const struct bt_program *prog, uint32_t printf_id);

/*
 * Creates maps, loads programs. A verifier rejection is a diagnostic at
 * the probe with the last lines of the verifier log; returns its errno.
 */
int bt_program__load(struct bt_program *prog, struct bt_diags *diags);
/*
 * Runs BEGIN (BPF_PROG_TEST_RUN) and attaches every probe. On failure
 * (e.g. -EOPNOTSUPP "kprobes are not available on this kernel ...") the
 * diagnostic is at the attach point and nothing stays attached.
 */
int bt_program__attach(struct bt_program *prog, struct bt_diags *diags);

/*
 * Attach points the program skips, as bpftrace 0.17 does: uprobes and
 * uretprobes on a function the binary lacks, or whose wildcard matches
 * none (tools written for another build of a library), and USDT probes the
 * binary lacks. They compile and
 * load, and bt_program__attach leaves them out; when nothing else is left
 * (no other probe, no BEGIN/END) it fails instead, as bpftrace's "No
 * probes to attach". bpftrace skips them silently; callers should say so
 * (bt-run warns on stderr, the daemon writes them to the deployment's log
 * and status). Returns the number of skipped attach points (known after
 * bt_program__compile).
 */
size_t bt_program__nskipped(const struct bt_program *prog);
/*
 * Fills *out with skipped attach point i (< bt_program__nskipped): its
 * source position and a message naming the resolved probe, e.g.
 * "uprobe:/lib/x86_64-linux-gnu/libcrypto.so.3:rsa_ossl_public_encrypt
 * skipped: no function in the file matches it".
 * Returns 0, or -ENOENT when i is out of range.
 */
int bt_program__skipped(const struct bt_program *prog, size_t i,
			struct bt_diag *out);

/*
 * Compile warnings: things the program does that compile and run but do
 * not do what they seem to, kept so that nothing is silently ignored
 * (bt-run prints them on stderr, the daemon writes them to the
 * deployment's log and status): an integer assigned to a variable of
 * another width (bpftrace 0.17 stores the value's width: "assigning a
 * 64-bit value to the uint16 variable '$p' has no effect (as in bpftrace
 * 0.17); give the variable a wider type where it is first assigned", or
 * a narrower one "replaces only its low 8 bits"), an expression statement
 * whose value is dropped, statements after return/break/continue. Each is
 * said once per position and text, however many attach points compiled
 * it.
 * Returns the number of warnings (known after bt_program__compile; 0 for
 * NULL).
 */
size_t bt_program__nwarnings(const struct bt_program *prog);
/*
 * Fills *out with warning i (< bt_program__nwarnings): its source position
 * (line 0 when it has none) and message, without "warning:". Returns 0,
 * or -ENOENT when i is out of range.
 */
int bt_program__warning(const struct bt_program *prog, size_t i,
			struct bt_diag *out);

/*
 * Ring buffer fd, pollable (EPOLLIN/POLLIN) for new records. Wake-ups are
 * batched in BPF: the fd only becomes readable once the ring is a quarter
 * full (or a program called exit()), so consumers must also call
 * bt_program__consume on a short timer (e.g. every 10 ms). Returns -1
 * before bt_program__load.
 */
int bt_program__ring_fd(const struct bt_program *prog);

/*
 * A decoded printf record. values[i] is the i-th printf argument; when the
 * program has no time_ argument, values[nargs] is the record's timestamp.
 * In table mode a row follows exactly the schema of its table
 * (bt_program__row_table, bt_program__table_schema); log records follow
 * their own arguments (render them with bt_program__format_row), and so
 * do all records outside table mode, where bt_program__schema describes
 * the first printf only. The
 * time_ value is CLOCK_MONOTONIC ns (the daemon converts it to wall
 * clock). String values (strings, ntop addresses) point into the ring
 * buffer or the program and live only for the call.
 */
struct bt_row {
	uint32_t printf_id;
	uint64_t mono_ns; /* when the record was emitted */
	const union tt_value *values;
};
typedef int (*bt_row_fn)(void *ctx, const struct bt_row *row);

/*
 * Drains the ring buffer, calling fn for every printf record, at most
 * 65536 records per call so that a flood of events never keeps the caller
 * away from its timers (call again when it returns that many). Returns
 * the number of records consumed or a negative errno (fn's negative value
 * stops the drain and is returned).
 */
int bt_program__consume(struct bt_program *prog, bt_row_fn fn, void *ctx);

/* Formats a record the way bpftrace's printf would print it. */
int bt_program__format_row(const struct bt_program *prog,
			   const struct bt_row *row, char *buf, size_t len);

/*
 * Where print(@map), time(), join() and cat() write while records are
 * consumed, in order with the rows (bt-run: stdout). NULL (the default):
 * they are dropped. In table mode print(@map) fills the map's table and
 * time() is a row's timestamp prefix (rows carry time_), so a daemon
 * leaves this NULL and takes join()/cat() text with bt_program__set_text_fn.
 */
void bt_program__set_output(struct bt_program *prog, FILE *out);

/*
 * The text of one join() or cat() record: NUL-terminated, len bytes, at
 * most BT_TEXT_MAX (longer text is cut); mono_ns is when the record was
 * emitted (CLOCK_MONOTONIC). Valid only during the call.
 */
#define BT_TEXT_MAX 8192
typedef void (*bt_text_fn)(void *ctx, uint64_t mono_ns, const char *text,
			   size_t len);

/*
 * Sends the text join() and cat() print to fn (called from
 * bt_program__consume/bt_program__finish, in record order with the rows)
 * instead of the output file; NULL fn restores the output file. The
 * daemon appends it to the deployment's log. A record's text is its own:
 * when a tool prints a row and then join()s on the same line (execsnoop:
 * printf("%-5d ", pid); join(argv)), the row goes to its table and the
 * joined text arrives here separately. For fn, cat() reads at most
 * BT_TEXT_MAX bytes and opens the file non-blocking (a FIFO or a device
 * never stalls the caller); "cat: cannot open PATH" when it cannot.
 */
void bt_program__set_text_fn(struct bt_program *prog, bt_text_fn fn,
			     void *ctx);

/*
 * Sends the text of time() records to fn (same type and rules as
 * bt_program__set_text_fn: called in record order, valid only during the
 * call) instead of the output file; NULL fn restores the output file. The
 * daemon keeps these lines in the deployment's log apart from the banner,
 * because a program printing the time every second would otherwise push
 * its banner out.
 */
void bt_program__set_time_fn(struct bt_program *prog, bt_text_fn fn,
			     void *ctx);

/*
 * The command a system() record formatted (NUL-terminated, at most 4095
 * bytes); mono_ns is when the record was emitted. Valid only during the
 * call.
 */
typedef void (*bt_system_fn)(void *ctx, uint64_t mono_ns, const char *cmd);

/*
 * Hands every system() command to fn instead of running it. Without fn
 * (the default, and bt-run) the decoder runs the command itself with
 * /bin/sh -c and waits for it, its output going to the output file in
 * record order, as bpftrace does; a daemon must not wait on its event
 * loop, so it sets fn and runs commands asynchronously.
 */
void bt_program__set_system_fn(struct bt_program *prog, bt_system_fn fn,
			       void *ctx);

/* Records the kernel could not fit into the ring buffer (all CPUs). */
uint64_t bt_program__lost(const struct bt_program *prog);
/* Records that failed to decode (unknown id, short record). */
uint64_t bt_program__decode_errors(const struct bt_program *prog);
/* True once the program called exit(). */
bool bt_program__exited(const struct bt_program *prog);

/*
 * Runs END (once), drains the ring buffer with the callback of the last
 * bt_program__consume call (rows END printed, last events), then prints
 * the maps to out in bpftrace's format: two newlines, then every map in
 * name order (out may be NULL). Returns 0 or a negative errno from END.
 */
int bt_program__finish(struct bt_program *prog, FILE *out);

/* Detaches, closes every fd, frees. NULL is fine. */
void bt_program__free(struct bt_program *prog);

/* ---- Maps as tables --------------------------------------------------------- */

/*
 * Detaches every probe now (idempotent); the maps and the ring buffer stay
 * readable and bt_program__finish still runs END. Ending a deployment this
 * way makes the last map snapshot the state END saw, with no event after.
 */
void bt_program__detach(struct bt_program *prog);

/*
 * The program's @maps in definition order (bpftrace's anonymous map @ has
 * the empty name). A daemon exports each as a table of snapshots.
 */
size_t bt_program__nmaps(const struct bt_program *prog);
/* Map i's name without the '@' ("" for @), or NULL when i is too large. */
const char *bt_program__map_name(const struct bt_program *prog, size_t i);

/*
 * Fills *out with the table schema of map i: one column per key element,
 * then the value columns, then time_ (TT_TYPE_TIME):
 *     count, sum, min, max, plain values   value (tuples: value1..valueN)
 *     avg, stats                           count (uint64), sum, avg (int64)
 *     hist, lhist                          lo, hi (int64), count (uint64)
 * Integers are int64 or uint64 by signedness, everything else a string.
 * Key columns are named after the key expression where it names itself
 * (comm, pid, args->id -> id, $x -> x) when source (the program's text,
 * may be NULL) is given; otherwise, and on any clash, key or key1..keyN.
 * Returns 0, -ENOENT (no map i) or -E2BIG (more than TT_MAX_COLUMNS).
 */
int bt_program__map_schema(const struct bt_program *prog, size_t i,
			   const char *source, struct tt_schema *out);

/* One snapshot row in bt_program__map_schema order; <0 stops the walk. */
typedef int (*bt_map_row_fn)(void *ctx, const union tt_value *values);

/*
 * Reads map i now and calls fn once per entry (hist/lhist: once per
 * non-empty bucket, bounds [lo, hi) with INT64_MIN/INT64_MAX for the open
 * ends), every row's time_ set to time_ns. Per-CPU maps are folded into
 * one value. Strings live only for the call. The walk visits at most
 * max_entries keys, so probes updating the map never make it endless.
 * Returns the number of rows, -ENOENT, -EINVAL (not loaded), -ENOMEM, or
 * fn's negative value.
 */
int bt_program__map_snapshot(const struct bt_program *prog, size_t i,
			     int64_t time_ns, bt_map_row_fn fn, void *ctx);

/* Told that a print(@map i) record was consumed (in record order). */
typedef void (*bt_map_print_fn)(void *ctx, size_t map);
/*
 * Calls fn(ctx, i) from bt_program__consume / bt_program__finish for every
 * print(@m) record, before the record's own output (if any). fn NULL
 * stops the calls.
 */
void bt_program__on_print(struct bt_program *prog, bt_map_print_fn fn,
			  void *ctx);

#ifdef __cplusplus
}
#endif
#endif
