/*
 * object.h - a compiled program before and after loading: BPF programs
 * (instructions, map relocations, attach points), map definitions and the
 * printf record layouts the decoder needs.
 *
 * Invariants: map 0 is the ring buffer, map 1 the per-CPU lost-record
 * counter, map 2 the per-CPU scratch buffer used to assemble records, map
 * 3 the globals user space sets at attach time; user maps (@name) follow. Every relocation names a valid map index. A
 * printf's record layout is fixed at compile time: header then arguments
 * at natural alignment, so the decoder never guesses.
 */
#ifndef BT_OBJECT_H
#define BT_OBJECT_H

#include <linux/bpf.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "bpf/ast.h"
#include "bpf/codegen_emit.h"
#include "bpf/tracefs.h"
#include "bpf/types.h"
#include "tracetab/bt.h"
#include "tracetab/store.h"

struct bt_link;
struct bt_usdt_arg;

enum {
	BT_MAP_RINGBUF = 0,
	BT_MAP_LOST = 1,
	BT_MAP_SCRATCH = 2,
	BT_MAP_GLOBALS = 3, /* array[1] of struct bt_globals */
	BT_MAP_USER = 4,    /* first @map */
};

/* Frames kept per stack trace (the kernel's default maximum). */
#define BT_STACK_DEPTH 127

/* Size of the per-CPU scratch buffer in which records are assembled. */
#define BT_SCRATCH_BYTES 8192

/*
 * Scratch slots, one per execution context that can interrupt another on
 * the same CPU: task context (tracepoints, kprobes, uprobes, raw
 * tracepoints; the kernel never nests tracing programs there), perf
 * events (timer interrupts, which can land in the middle of a task
 * context probe), and BEGIN/END runs.
 */
#define BT_SCRATCH_SLOTS 3
static inline int bt_scratch_slot(enum bt_probe_kind kind)
{
	switch (kind) {
	case BT_PROBE_INTERVAL:
	case BT_PROBE_PROFILE:
	case BT_PROBE_SOFTWARE:
	case BT_PROBE_HARDWARE:
		return 1;
	case BT_PROBE_BEGIN:
	case BT_PROBE_END:
		return 2;
	default:
		return 0;
	}
}

/* Values user space writes before the probes fire. */
struct bt_globals {
	uint64_t start_ns; /* CLOCK_MONOTONIC at attach: elapsed's origin */
};

/* The record header every printf record starts with. */
struct bt_rec_hdr {
	uint32_t printf_id;
	uint32_t reserved;
	uint64_t ktime_ns;
};

/* The attach point one program is compiled for (after expansion). */
struct bt_unit_ap {
	enum bt_probe_kind kind;
	const struct bt_attach_point *ap; /* as written; NULL after compile */
	int line, col;                    /* of the attach point */
	char *target;                     /* "cat:name", function, raw tp */
	char *symbol;                     /* uprobe symbol */
	char *path;                       /* uprobe binary */
	uint64_t file_offset;             /* uprobe */
	uint64_t value;                   /* interval ns, profile hz,
					     perf event period */
	struct bt_tp_format *tp;          /* tracepoint format */
	uint32_t btf_id;                  /* fentry/fexit: the BTF FUNC */
	uint64_t sema_offset;             /* usdt: semaphore, 0 if none */
	struct bt_usdt_arg *usdt_args;    /* usdt: argument specs */
	int usdt_nargs;
};

struct bt_prog_def {
	char name[32];
	enum bpf_prog_type type;
	struct bpf_insn *insns;
	size_t ninsns;
	struct bt_reloc *relocs;
	size_t nrelocs;
	struct bt_unit_ap unit;
	struct bt_link *link; /* once attached */
	int line, col; /* the probe block, for messages */
	int fd;
};

/* How a map's values print at exit and how its slots are laid out. */
enum bt_map_kind {
	BT_MAPK_VALUE,
	BT_MAPK_COUNT,
	BT_MAPK_SUM,
	BT_MAPK_MIN,
	BT_MAPK_MAX,
	BT_MAPK_AVG,   /* value: u64 count, s64 sum */
	BT_MAPK_STATS, /* same layout, printed as count/average/total */
	BT_MAPK_HIST,  /* value: u64 buckets[BT_HIST_BUCKETS] (log2) */
	BT_MAPK_LHIST, /* value: u64 buckets[nbuckets] (linear) */
};

/* log2 histogram: (..., 0), [0], [1], [2, 4), ..., [2^63, ...). */
#define BT_HIST_BUCKETS 66

struct bt_map_def {
	char name[80]; /* "@name"; internal maps have a plain name */
	enum bpf_map_type type;
	uint32_t key_size, value_size, max_entries;
	enum bt_map_kind kind;
	struct bt_type key, value; /* key BT_T_NONE: no key (@x) */
	bool provisional; /* read before any assignment: an integer so far */
	int64_t lmin, lmax, lstep; /* lhist parameters */
	uint32_t nbuckets;         /* hist/lhist */
	int fd;
};

struct bt_printf_arg {
	struct bt_type type;
	uint32_t offset; /* in the record */
	int conv;        /* the conversion character: d u x s ... */
	uint32_t fmt_start, fmt_end; /* the conversion's text in fmt */
	char cspec[32]; /* the C conversion that renders it */
	int col;         /* schema column, -1 when the record is not a row */
};

/*
 * What a record asks of user space. Only BT_REC_PRINTF records are rows;
 * the others are actions bpftrace also performs in user space, in record
 * order: stop, print the time, print/clear/zero a map.
 */
enum bt_rec_kind {
	BT_REC_PRINTF = 0,
	BT_REC_EXIT,
	BT_REC_TIME,
	BT_REC_PRINT,
	BT_REC_CLEAR,
	BT_REC_ZERO,
	BT_REC_CAT,  /* cat("file"): fmt is the path */
	BT_REC_JOIN, /* join(argv[, sep]): BT_JOIN_ARGS strings follow */
	/* Never emitted: fmt is text a rendering needs (strftime's format,
	 * cgroup_path's filter), found through bt_type.depth. */
	BT_REC_TEXT,
	/* system(fmt, ...): args laid out like a printf; user space runs the
	 * formatted command (only compiled with bt_compile_opts.unsafe). */
	BT_REC_SYSTEM,
};

/* join(): arguments read and their capacity, as bpftrace 0.17. */
#define BT_JOIN_ARGS 16
#define BT_JOIN_ARGLEN 64

struct bt_printf_def {
	char *fmt; /* the format string, escapes processed */
	struct bt_printf_arg *args;
	size_t nargs;
	uint32_t size; /* record size including the header */
	enum bt_rec_kind kind; /* printf rows, or an action for user space */
	int map;               /* PRINT/CLEAR/ZERO: the map's index */
	int64_t top, div;      /* PRINT: print(@m, top, div); 0 if absent */
	int line, col;
	/* Table mode: index into bt_object.tables of this printf's rows, or
	 * -1 for a log record (BEGIN/END, no conversions) and outside
	 * table mode. */
	int table;
};

struct bt_object {
	struct bt_prog_def *progs;
	size_t nprogs;
	struct bt_map_def *maps;
	size_t nmaps;
	struct bt_printf_def *printfs;
	size_t nprintfs;
	struct tt_schema schema; /* tables[0] (or the first printf) */
	/* Table mode: one schema per distinct row format, in order of first
	 * appearance; the daemon writes table i to "<table>" or "<table>_<i+1>". */
	struct tt_schema *tables;
	size_t ntables;
	int time_col; /* schema column of time_ */
	bool time_from_arg; /* time_ given by the program, else the header */
	int stack_map; /* BPF_MAP_TYPE_STACK_TRACE for kstack/ustack, or -1 */
	uint32_t ringbuf_bytes;
};

/* Records one bt_program__consume call decodes at most. */
#define BT_CONSUME_BATCH 65536

/* The loaded program behind the public bt_program handle. */
struct ring_buffer;
struct bt_program {
	struct bt_object *obj;
	struct bt_types *types; /* owns tuple layouts the object refers to */
	struct ring_buffer *rb;
	bool loaded, attached, exited, ended;
	uint64_t decode_errors;
	/* Per-call decode state (bt_program__consume). */
	bt_row_fn fn;
	void *fn_ctx;
	int fn_rc;
	size_t batch;    /* records decoded in this consume call */
	bool batch_full; /* stopped at BT_CONSUME_BATCH */
	union tt_value values[TT_MAX_COLUMNS];
	char text[TT_MAX_COLUMNS][256]; /* ntop and other rendered values */
#define BT_ROW_STACKS 4
	char stack_text[BT_ROW_STACKS][4096]; /* rendered stacks of a row */
	size_t nstacks;
	FILE *out; /* where print()/time() write; NULL: dropped */
	bt_text_fn text_fn; /* join()/cat() text instead of out, if set */
	void *text_ctx;
	bt_text_fn time_fn; /* time() text instead of out, if set */
	void *time_ctx;
	bt_system_fn system_fn; /* system() commands, run by the caller */
	void *system_ctx;
	/* Told about every print(@m) record (map_rows.c; the daemon
	 * snapshots the map into its table). */
	bt_map_print_fn on_print;
	void *on_print_ctx;
};

/* load.c: creates maps and loads every program. */
int bt_object__load(struct bt_object *obj, struct bt_diags *diags);
/* Runs a BEGIN/END program once (BPF_PROG_TEST_RUN). */
int bt_object__run_once(const struct bt_prog_def *p);
/* decode.c: the ring buffer callback (ctx is the bt_program). */
int bt_decode__record(void *ctx, void *data, size_t size);
/* maps_print.c: prints every user map in bpftrace's format. */
int bt_maps__print(const struct bt_object *obj, FILE *out);
/*
 * Prints one map's entries (print(@m[, top[, div]])): top > 0 keeps the
 * last `top` entries of the sorted order, div > 0 divides values.
 */
int bt_maps__print_one(const struct bt_object *obj,
		       const struct bt_map_def *m, FILE *out, int64_t top,
		       int64_t div);
/* map_rows.c: a print(@m) record of object map `map` was consumed. */
void bt_maps__printed(struct bt_program *prog, int map);
/*
 * map_read.c: one entry of a user map as the language sees it, for every
 * reader. bt_map__percpu: the map keeps a slot per CPU. bt_map__slot_size:
 * the bytes of one CPU's slot in the kernel map (per-CPU min/max add a
 * "set" word to the value). bt_map__lookup: reads key's value (value_size
 * bytes, CPUs folded by the map's kind) into out; 0, -ENOENT, -ENOMEM or
 * -errno. bt_map__zero: sets key's value to zero on every CPU; 0 or
 * -errno (-ENOENT: no such key).
 */
bool bt_map__percpu(const struct bt_map_def *m);
uint32_t bt_map__slot_size(const struct bt_map_def *m);
int bt_map__lookup(const struct bt_map_def *m, const void *key, void *out);
int bt_map__zero(const struct bt_map_def *m, const void *key);
/*
 * bpf_map_lookup_batch (same arguments, return value and errno) with
 * vals receiving *count folded values of value_size bytes each, so
 * per-CPU maps batch like plain ones.
 */
int bt_map__lookup_batch(const struct bt_map_def *m, void *in, void *out,
			 void *keys, void *vals, uint32_t *count);

/* Deletes every entry (clear) or sets every value to zero (zero). */
int bt_maps__clear(const struct bt_map_def *m, bool zero);

struct bt_object *bt_object__new(void);
void bt_object__free(struct bt_object *obj);
/* Appends a zeroed entry; returns its index or -ENOMEM. */
int bt_object__add_prog(struct bt_object *obj);
int bt_object__add_map(struct bt_object *obj);
int bt_object__add_printf(struct bt_object *obj);
/* Finds a user map by name ("@x"); -1 if absent. */
int bt_object__find_map(const struct bt_object *obj, const char *name);

#endif
