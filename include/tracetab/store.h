/*
 * tracetab/store.h - the memory-mapped columnar table store.
 *
 * One writer (the daemon) appends rows; any number of unprivileged readers
 * map the same files read-only and scan them without ever waiting for, or
 * writing to, the writer. A table is one preallocated file under the store
 * directory: a header (schema, ring geometry) and a ring of fixed-capacity
 * segments, each holding the same rows for every column as contiguous
 * fixed-width arrays. String values are dictionary-encoded per segment, so
 * a code is only meaningful together with the segment it came from, and a
 * recycled segment takes its dictionary with it.
 *
 * Errors are negative errno values. Functions that can fail for a reason a
 * user must read also fill an error buffer (err, errlen) with a sentence
 * naming the file involved.
 *
 * The memory-ordering protocol between writer and readers is documented
 * once, at the top of store/segment.c.
 */
#ifndef TRACETAB_STORE_H
#define TRACETAB_STORE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#ifdef __cplusplus
extern "C" {
#endif

/* ---- Values and schemas ------------------------------------------------ */

enum tt_type {
	TT_TYPE_INT64 = 1,
	TT_TYPE_UINT64 = 2,
	TT_TYPE_TIME = 3, /* int64 ns since the Unix epoch (wall clock) */
	TT_TYPE_STRING = 4,
};

#define TT_NAME_MAX 64     /* column and table names, including the NUL */
#define TT_MAX_COLUMNS 64
#define TT_TIME_COLUMN "time_"

struct tt_column_def {
	char name[TT_NAME_MAX];
	uint32_t type; /* enum tt_type */
};

/* A table schema. Plain data: copy it, compare it, store it. */
struct tt_schema {
	uint32_t ncols;
	struct tt_column_def cols[TT_MAX_COLUMNS];
};

/*
 * One cell. Integers and times use i64/u64; strings point at bytes that are
 * not necessarily NUL-terminated. On append the store copies the string.
 */
union tt_value {
	int64_t i64;
	uint64_t u64;
	struct {
		const char *ptr;
		uint32_t len;
	} str;
};

/* "int64", "uint64", "time", "string"; NULL for an unknown type. */
const char *tt_type__name(enum tt_type type);
/* Parses a type name; returns the type or -EINVAL. */
int tt_type__parse(const char *name);

/*
 * Appends a column. Names are [A-Za-z_][A-Za-z0-9_]* and unique.
 * Returns 0, -EINVAL (bad name or type), -EEXIST (duplicate) or -E2BIG.
 */
int tt_schema__add(struct tt_schema *schema, const char *name,
		   enum tt_type type);
/* Index of the named column, or -ENOENT. */
int tt_schema__find(const struct tt_schema *schema, const char *name);
/* True when both have the same columns, names and types, in order. */
bool tt_schema__equal(const struct tt_schema *a, const struct tt_schema *b);
/*
 * Checks a schema is usable as a table: at least one column, a column named
 * time_ of type TT_TYPE_TIME, valid unique names. Returns 0 or -EINVAL with
 * a reason in err.
 */
int tt_schema__validate(const struct tt_schema *schema, char *err,
			size_t errlen);

/* ---- Writer (the daemon; one per table) ---------------------------------- */

#define TT_STORE_DEFAULT_DIR "/dev/shm/tracetab"
#define TT_TABLE_DEFAULT_BYTES (64ull << 20)

struct tt_table_opts {
	size_t sz;            /* sizeof(struct tt_table_opts) */
	uint64_t max_bytes;   /* file size cap; 0: TT_TABLE_DEFAULT_BYTES */
	uint64_t max_age_ns;  /* recycle segments older than this; 0: never */
	uint32_t segment_rows; /* rows per segment; 0: chosen from max_bytes */
	gid_t group;          /* group that may read; (gid_t)-1: the
			       * creating process's (opts == NULL means -1;
			       * a zeroed struct means gid 0) */
	bool replace;         /* schema differs from the file's, or the file
			       * is damaged: recreate it empty */
};

struct tt_table;

/*
 * Opens table `name` in directory `dir` (NULL: TT_STORE_DEFAULT_DIR) for
 * writing, creating the file (and the directory, 0755) if needed. An
 * existing file with the same schema is reopened: every published row is
 * kept and a half-written segment left by a killed writer is repaired; the
 * file keeps the geometry it was created with (max_bytes, segment_rows
 * apply to new files only). A different schema is -EEXIST unless
 * opts->replace. Files are created 0640, owned by the caller (root) and
 * opts->group, fully preallocated: the size never changes afterwards.
 * With segment_rows 0 the ring gets about 64 segments. opts may be NULL.
 * Returns 0 and *out, or a negative errno with err filled: -EINVAL (bad
 * name or schema, a cap too small for two segments), -EEXIST, -EBUSY
 * (another writer holds the table), -EBADMSG/-EPROTO (existing file
 * damaged or of another format version), -ENOSPC, -EACCES, ...
 */
int tt_table__open(const char *dir, const char *name,
		   const struct tt_schema *schema,
		   const struct tt_table_opts *opts, struct tt_table **out,
		   char *err, size_t errlen);

/*
 * Appends one row: row[i] is the value of column i. The row is visible to
 * readers when the call returns. When the ring is full the oldest segment
 * is recycled. A string longer than a segment's string arena (24 bytes per
 * row, at least 4 KiB) is truncated to it; a NULL string pointer is only
 * allowed with length 0. Returns the new row's id (>= 0, ids only
 * increase) or a negative errno (-EINVAL).
 */
int64_t tt_table__append(struct tt_table *table, const union tt_value *row);

/*
 * Recycles every segment whose newest time_ is older than now_ns minus
 * opts->max_age_ns (wall-clock ns); a no-op without max_age_ns. Call
 * periodically.
 */
void tt_table__expire(struct tt_table *table, int64_t now_ns);

const struct tt_schema *tt_table__schema(const struct tt_table *table);
/* Id the next appended row will get. */
uint64_t tt_table__next_row_id(const struct tt_table *table);
/* Unmaps and closes; the file stays. NULL is fine. */
void tt_table__close(struct tt_table *table);

/*
 * Removes a table's file. Readers that have it mapped keep their mapping.
 * Returns 0, -EINVAL (bad name), -ENOENT or another negative errno.
 */
int tt_store__drop(const char *dir, const char *name);

/* ---- Reader (anyone in the readers' group) -------------------------------- */

struct tt_reader;
struct tt_scan;

/*
 * Calls fn(name, ctx) for every table file in dir, in name order; stops
 * early and returns fn's value when it is non-zero. Files that are not
 * tables are skipped. Returns 0 or a negative errno.
 */
int tt_store__list(const char *dir, int (*fn)(const char *name, void *ctx),
		   void *ctx);

/*
 * Maps table `name` of dir (NULL: TT_STORE_DEFAULT_DIR) read-only. A
 * truncated, corrupted or foreign file is -EBADMSG (or -EPROTO for an
 * unknown format version) with err naming the file and what is wrong;
 * -ENOENT, -EACCES, ... come from open(2). A reader is read-only state:
 * several scans of one reader may run at once in one thread; use one
 * reader per thread.
 */
int tt_reader__open(const char *dir, const char *name, struct tt_reader **out,
		    char *err, size_t errlen);
const struct tt_schema *tt_reader__schema(const struct tt_reader *reader);
void tt_reader__close(struct tt_reader *reader);

/*
 * Maps every page of the table into the reader's page tables now, so that
 * later lookups take no page faults: for long-lived readers (a query
 * server) where first-touch faults would dominate lookup latency. Costs
 * time proportional to the file size. Returns 0 or a negative errno.
 */
int tt_reader__prefault(struct tt_reader *reader);

struct tt_reader_stats {
	uint64_t next_row_id;   /* rows ever appended */
	uint64_t oldest_row_id; /* first row still stored */
	uint64_t file_bytes;
	uint32_t segments;
	uint32_t segment_rows;
};
int tt_reader__stats(const struct tt_reader *reader,
		     struct tt_reader_stats *stats);

/* What to scan. Zero-initialise, then set what you need. */
struct tt_scan_opts {
	size_t sz;              /* sizeof(struct tt_scan_opts) */
	uint64_t from_row_id;   /* first row wanted (resume point) */
	bool has_time_range;
	int64_t time_min;       /* inclusive, ns since epoch */
	int64_t time_max;       /* inclusive */
	/*
	 * TT_SCAN_COPY: chunks are private copies (strings included) that are
	 * already validated; slower, but safe to keep until the next call.
	 * Without it chunks point into shared memory and the caller must call
	 * tt_scan__validate() after using a chunk and discard what it derived
	 * from it when that returns false.
	 */
	uint32_t flags;
};
#define TT_SCAN_COPY 0x1

/*
 * A run of consecutive rows from one segment. cols[i] points at nrows
 * values of column i: int64_t for INT64/TIME, uint64_t for UINT64, uint32_t
 * dictionary codes for STRING. With a time range, rows outside it may be
 * included unless `exact`; the caller filters time_.
 */
struct tt_chunk {
	uint64_t first_row_id;
	uint32_t nrows;
	bool exact;   /* every row lies inside the requested time range */
	bool sorted;  /* time_ is non-decreasing within the chunk */
	int64_t min_time, max_time;
	const void *cols[TT_MAX_COLUMNS];
	const void *priv; /* segment the codes belong to; for tt_chunk__string */
};

/*
 * Starts a scan of rows with id >= opts->from_row_id (opts may be NULL),
 * in row id order. Returns 0 and *out, -ENOMEM, or -EBADMSG when segment
 * metadata is impossible (the file was damaged after it was opened).
 */
int tt_reader__scan(struct tt_reader *reader, const struct tt_scan_opts *opts,
		    struct tt_scan **out);
/*
 * Next chunk: returns 1 with *chunk filled, 0 at the end, or a negative
 * errno. Recycled or in-flux segments are skipped, never waited for. The
 * chunk stays valid until the next call or tt_scan__free().
 */
int tt_scan__next(struct tt_scan *scan, struct tt_chunk *chunk);
/*
 * True when the last chunk was not recycled while the caller used it
 * (acquire fence + generation re-check). Always true with TT_SCAN_COPY.
 */
bool tt_scan__validate(struct tt_scan *scan);
/*
 * After tt_scan__next() returned a negative errno: a sentence naming the
 * table file and what is wrong with it ("" when there was no error).
 */
const char *tt_scan__error(const struct tt_scan *scan);
/* Rows the scan could not return because the ring recycled them first. */
uint64_t tt_scan__missed_rows(const struct tt_scan *scan);
void tt_scan__free(struct tt_scan *scan);

/*
 * Number of distinct codes in the chunk's dictionary for string column col
 * (codes are < this), for dense per-code arrays.
 */
uint32_t tt_chunk__dict_size(const struct tt_chunk *chunk, uint32_t col);
/*
 * Resolves a string code. Bounds-checked: a garbage code from a segment
 * being recycled yields -ERANGE, never a wild read. Without TT_SCAN_COPY
 * the bytes are trustworthy only once tt_scan__validate() returns true.
 */
int tt_chunk__string(const struct tt_chunk *chunk, uint32_t col,
		     uint32_t code, const char **s, uint32_t *len);

/* ---- Catalog (writer side, LMDB) ------------------------------------------ */

/*
 * The root-side catalog: tables and their schemas, plus named key/value
 * spaces the daemon uses for deployment specs. Readers never open it.
 */
struct tt_catalog;

int tt_catalog__open(const char *state_dir, struct tt_catalog **out,
		     char *err, size_t errlen);
void tt_catalog__close(struct tt_catalog *cat);

int tt_catalog__put_table(struct tt_catalog *cat, const char *name,
			  const struct tt_schema *schema);
/* 0 and *schema, or -ENOENT. */
int tt_catalog__get_table(struct tt_catalog *cat, const char *name,
			  struct tt_schema *schema);
int tt_catalog__del_table(struct tt_catalog *cat, const char *name);

/*
 * Generic records in a named space ("deployments", ...): put replaces,
 * get copies into a malloc'd buffer the caller frees, each visits every
 * record in key order until fn returns non-zero.
 */
int tt_catalog__put(struct tt_catalog *cat, const char *space,
		    const char *key, const void *val, size_t len);
int tt_catalog__get(struct tt_catalog *cat, const char *space,
		    const char *key, void **val, size_t *len);
int tt_catalog__del(struct tt_catalog *cat, const char *space,
		    const char *key);
int tt_catalog__each(struct tt_catalog *cat, const char *space,
		     int (*fn)(const char *key, const void *val, size_t len,
			       void *ctx),
		     void *ctx);

#ifdef __cplusplus
}
#endif
#endif
