/*
 * store/format.h - the on-disk (in-memory, really: tmpfs) layout of a table
 * file, shared by the writer, the readers and the fuzz target.
 *
 *   [ file header: magic, version, geometry, schema, checksum ]  8 KiB
 *   [ segment directory: nsegs x struct tt_seg_meta ]
 *   [ time summaries: nsegs x summ_stride bytes ]             page-rounded
 *   [ segment 0 body ] [ segment 1 body ] ... [ segment nsegs-1 body ]
 *
 * A segment's time summary has one int64 per TT_TIME_BLOCK rows: the
 * largest time_ up to the end of that block. All summaries sit together
 * so that a lookup's walk through them stays within a few megabytes of
 * the file, whose page tables stay cached, however large the table.
 *
 * A segment body is: one u32 dictionary size per column (meaningful for
 * string columns only), then every column as a fixed-width array of
 * segment_rows values, then for each string column its dictionary: an
 * entry array (offset, length) of segment_rows entries followed by an
 * arena of arena_bytes bytes. Every array starts 64-byte aligned.
 *
 * The header never changes after the file is created (it is written into a
 * temporary file that is then renamed into place), so it is protected by a
 * checksum. The directory and the bodies change all the time and are
 * validated field by field wherever they are read. Offsets are never read
 * from the file: both sides compute the layout from (schema, segment_rows,
 * arena_bytes, nsegs) with tt_layout__compute() and the reader checks that
 * the stored geometry agrees with its own computation.
 */
#ifndef TT_STORE_FORMAT_H
#define TT_STORE_FORMAT_H

#include <stdint.h>
#include <stddef.h>

#include "tracetab/store.h"

#define TT_FILE_MAGIC "TTSTORE\0"
#define TT_FILE_VERSION 2 /* 2: time summaries moved out of the bodies */
#define TT_FILE_SUFFIX ".tt"
#define TT_HEADER_BYTES 8192u
#define TT_PAGE 4096u
#define TT_MIN_SEGMENT_ROWS 16u
#define TT_MAX_SEGMENT_ROWS (1u << 24)
#define TT_MAX_SEGMENTS (1u << 20)
#define TT_AUTO_SEGMENTS 64u /* ring length aimed at when sizing segments */
#define TT_ARENA_PER_ROW 24u /* string bytes per row budgeted per column */
#define TT_MIN_ARENA 4096u
#define TT_TIME_BLOCK 256u /* rows per time-index summary entry */

/* The immutable file header. */
struct tt_file_header {
	char magic[8];
	uint32_t version;
	uint32_t header_bytes;
	uint64_t file_bytes;
	uint32_t nsegs;
	uint32_t segment_rows;
	uint32_t arena_bytes;
	uint32_t pad0;
	uint64_t seg_bytes; /* must equal the computed layout's */
	uint64_t created_ns;
	struct tt_schema schema;
	uint64_t checksum; /* FNV-1a of every byte before this field */
};

/*
 * Per-segment metadata in the directory: one cache line. gen and nrows are
 * the seqlock words (see store/segment.c); the rest is written by the
 * writer before it publishes the rows the values describe.
 */
struct tt_seg_meta {
	uint64_t gen; /* odd while being recycled; 0: never used */
	uint64_t nrows; /* published rows */
	uint64_t first_row_id;
	int64_t min_time;
	int64_t max_time;
	uint64_t disorder; /* max drop of time_ below the running maximum */
	uint64_t pad[2];
};

/* One dictionary entry: the string's bytes are arena[off, off + len). */
struct tt_dict_entry {
	uint32_t off;
	uint32_t len;
};

/* Offsets computed from the geometry; identical on both sides. */
struct tt_layout {
	uint32_t ncols, nsegs, segment_rows, arena_bytes;
	uint64_t dir_off; /* segment directory */
	uint64_t data_off; /* first segment body */
	uint64_t seg_bytes; /* one body, page-rounded */
	uint64_t summ_off; /* time summaries, from the file start */
	uint64_t summ_stride; /* bytes of one segment's summary */
	uint64_t file_bytes; /* whole file */
	uint64_t col_off[TT_MAX_COLUMNS]; /* within a body */
	uint64_t ent_off[TT_MAX_COLUMNS]; /* string columns only */
	uint64_t arena_off[TT_MAX_COLUMNS]; /* string columns only */
	uint8_t width[TT_MAX_COLUMNS]; /* bytes per value */
};

/* Bytes per value of a column type (8, or 4 for dictionary codes). */
unsigned tt_type__width(uint32_t type);

/*
 * Fills *l for the schema and geometry. Returns 0, or -EINVAL when the
 * geometry is out of range or the file would not fit in 64 bits.
 */
int tt_layout__compute(struct tt_layout *l, const struct tt_schema *schema,
		       uint32_t segment_rows, uint32_t arena_bytes,
		       uint32_t nsegs);

/*
 * Chooses the geometry for a new table under the byte cap: segment_rows
 * (requested or derived so that the ring has about TT_AUTO_SEGMENTS
 * segments) and the largest segment count that fits. Returns 0 or -EINVAL
 * (cap too small for two segments) with err filled.
 */
int tt_layout__plan(struct tt_layout *l, const struct tt_schema *schema,
		    uint64_t max_bytes, uint32_t segment_rows, char *err,
		    size_t errlen);

/* FNV-1a over the header up to its checksum field. */
uint64_t tt_header__checksum(const struct tt_file_header *h);

/* Fills a fresh header for the layout. */
void tt_header__init(struct tt_file_header *h, const struct tt_schema *schema,
		     const struct tt_layout *l, uint64_t created_ns);

/*
 * Validates an untrusted file image of `size` bytes named `path` (for the
 * message): magic, version, checksum, schema, geometry against the
 * computed layout, and the file size. Fills *l on success. Returns 0,
 * -EBADMSG (truncated, corrupted, not a table) or -EPROTO (unknown
 * version) with err naming the file and the problem.
 */
int tt_header__validate(const void *base, size_t size, const char *path,
			struct tt_layout *l, char *err, size_t errlen);

static inline struct tt_seg_meta *tt_layout__meta(const struct tt_layout *l,
						  void *base, uint32_t seg)
{
	return (struct tt_seg_meta *)((char *)base + l->dir_off) + seg;
}

static inline char *tt_layout__body(const struct tt_layout *l, void *base,
				    uint32_t seg)
{
	return (char *)base + l->data_off + (uint64_t)seg * l->seg_bytes;
}

static inline int64_t *tt_layout__summary(const struct tt_layout *l, void *base,
					  uint32_t seg)
{
	return (int64_t *)((char *)base + l->summ_off +
			   (uint64_t)seg * l->summ_stride);
}

/* Table names follow column-name rules; 0 or -EINVAL. */
int tt_name__check(const char *name);

/*
 * Creates dir and any missing parents with mode (like mkdir -p). Returns
 * 0 (also when it exists) or a negative errno.
 */
int tt_dir__make(const char *dir, unsigned mode);

/* "dir/name.tt" into buf; -ENAMETOOLONG when it does not fit. */
int tt_name__path(char *buf, size_t len, const char *dir, const char *name);

/* snprintf into err when err is non-NULL; returns code. */
int tt_err(char *err, size_t errlen, int code, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

#endif
