/*
 * store/format.c - computing and validating the table file layout
 * described in store/format.h.
 *
 * Everything a reader learns from a file goes through tt_header__validate()
 * before any pointer into the mapping is formed: the file is untrusted (it
 * may be truncated, corrupted or something else entirely), so every size is
 * checked against the real file size with overflow-safe arithmetic.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include "store/format.h"

_Static_assert(sizeof(struct tt_file_header) <= TT_HEADER_BYTES,
	       "header must fit its reserved area");
_Static_assert(sizeof(struct tt_seg_meta) == 64, "one cache line per meta");

int tt_err(char *err, size_t errlen, int code, const char *fmt, ...)
{
	va_list ap;

	if (err && errlen) {
		va_start(ap, fmt);
		vsnprintf(err, errlen, fmt, ap);
		va_end(ap);
	}
	return code;
}

static uint64_t align_up(uint64_t v, uint64_t a)
{
	return (v + a - 1) / a * a;
}

int tt_layout__compute(struct tt_layout *l, const struct tt_schema *schema,
		       uint32_t segment_rows, uint32_t arena_bytes,
		       uint32_t nsegs)
{
	uint64_t off;

	if (schema->ncols == 0 || schema->ncols > TT_MAX_COLUMNS ||
	    segment_rows < TT_MIN_SEGMENT_ROWS ||
	    segment_rows > TT_MAX_SEGMENT_ROWS || nsegs > TT_MAX_SEGMENTS ||
	    arena_bytes < TT_MIN_ARENA || arena_bytes > (1u << 31))
		return -EINVAL;
	memset(l, 0, sizeof(*l));
	l->ncols = schema->ncols;
	l->nsegs = nsegs;
	l->segment_rows = segment_rows;
	l->arena_bytes = arena_bytes;
	/* Body starts with one u32 dictionary size per column. */
	off = align_up(TT_MAX_COLUMNS * sizeof(uint32_t), 64);
	for (uint32_t i = 0; i < schema->ncols; i++) {
		l->width[i] = tt_type__width(schema->cols[i].type);
		l->col_off[i] = off;
		off = align_up(off + (uint64_t)l->width[i] * segment_rows, 64);
	}
	for (uint32_t i = 0; i < schema->ncols; i++) {
		if (schema->cols[i].type != TT_TYPE_STRING)
			continue;
		l->ent_off[i] = off;
		off += (uint64_t)segment_rows * sizeof(struct tt_dict_entry);
		l->arena_off[i] = off;
		off = align_up(off + arena_bytes, 64);
	}
	/* All terms are < 2^38 each, so none of this can overflow. */
	l->seg_bytes = align_up(off, TT_PAGE);
	l->dir_off = TT_HEADER_BYTES;
	l->summ_off = l->dir_off + (uint64_t)nsegs * sizeof(struct tt_seg_meta);
	l->summ_stride = align_up((uint64_t)(segment_rows + TT_TIME_BLOCK - 1) /
					  TT_TIME_BLOCK * sizeof(int64_t),
				  64);
	l->data_off = align_up(l->summ_off + (uint64_t)nsegs * l->summ_stride,
			       TT_PAGE);
	l->file_bytes = l->data_off + (uint64_t)nsegs * l->seg_bytes;
	return 0;
}

/* Bytes a row costs in the file, dictionaries included. */
static uint64_t row_cost(const struct tt_schema *schema)
{
	uint64_t cost = 0;

	for (uint32_t i = 0; i < schema->ncols; i++) {
		cost += tt_type__width(schema->cols[i].type);
		if (schema->cols[i].type == TT_TYPE_STRING)
			cost += sizeof(struct tt_dict_entry) + TT_ARENA_PER_ROW;
	}
	return cost;
}

static uint32_t arena_for(uint32_t segment_rows)
{
	uint64_t a = (uint64_t)segment_rows * TT_ARENA_PER_ROW;

	return a < TT_MIN_ARENA ? TT_MIN_ARENA : (uint32_t)align_up(a, 64);
}

int tt_layout__plan(struct tt_layout *l, const struct tt_schema *schema,
		    uint64_t max_bytes, uint32_t segment_rows, char *err,
		    size_t errlen)
{
	uint64_t rows, nsegs;
	int rc;

	if (!segment_rows) {
		rows = max_bytes / TT_AUTO_SEGMENTS / row_cost(schema);
		rows = rows / 64 * 64;
		if (rows < TT_MIN_SEGMENT_ROWS)
			rows = TT_MIN_SEGMENT_ROWS;
		if (rows > TT_MAX_SEGMENT_ROWS)
			rows = TT_MAX_SEGMENT_ROWS;
		segment_rows = (uint32_t)rows;
	}
	rc = tt_layout__compute(l, schema, segment_rows,
				arena_for(segment_rows), 1);
	if (rc)
		return tt_err(
			err, errlen, rc, "segment_rows %u is outside [%u, %u]",
			segment_rows, TT_MIN_SEGMENT_ROWS, TT_MAX_SEGMENT_ROWS);
	/* Directory entries and page rounding: solve conservatively. */
	nsegs = (max_bytes > l->data_off ? max_bytes - l->data_off : 0) /
		(l->seg_bytes + sizeof(struct tt_seg_meta) + l->summ_stride);
	if (nsegs > TT_MAX_SEGMENTS)
		nsegs = TT_MAX_SEGMENTS;
	while (nsegs >= 2) {
		tt_layout__compute(l, schema, segment_rows, l->arena_bytes,
				   (uint32_t)nsegs);
		if (l->file_bytes <= max_bytes)
			return 0;
		nsegs--;
	}
	return tt_err(err, errlen, -EINVAL,
		      "a cap of %llu bytes cannot hold two segments of %u rows "
		      "(%llu bytes each)",
		      (unsigned long long)max_bytes, segment_rows,
		      (unsigned long long)l->seg_bytes);
}

uint64_t tt_header__checksum(const struct tt_file_header *h)
{
	const unsigned char *p = (const unsigned char *)h;
	uint64_t x = 0xcbf29ce484222325ull;

	for (size_t i = 0; i < offsetof(struct tt_file_header, checksum); i++)
		x = (x ^ p[i]) * 0x100000001b3ull;
	return x;
}

void tt_header__init(struct tt_file_header *h, const struct tt_schema *schema,
		     const struct tt_layout *l, uint64_t created_ns)
{
	memset(h, 0, sizeof(*h));
	memcpy(h->magic, TT_FILE_MAGIC, sizeof(h->magic));
	h->version = TT_FILE_VERSION;
	h->header_bytes = TT_HEADER_BYTES;
	h->file_bytes = l->file_bytes;
	h->nsegs = l->nsegs;
	h->segment_rows = l->segment_rows;
	h->arena_bytes = l->arena_bytes;
	h->seg_bytes = l->seg_bytes;
	h->created_ns = created_ns;
	/* Copy column by column so unused bytes stay zero (checksummed). */
	h->schema.ncols = schema->ncols;
	for (uint32_t i = 0; i < schema->ncols; i++) {
		memcpy(h->schema.cols[i].name, schema->cols[i].name,
		       strnlen(schema->cols[i].name, TT_NAME_MAX - 1));
		h->schema.cols[i].type = schema->cols[i].type;
	}
	h->checksum = tt_header__checksum(h);
}

int tt_header__validate(const void *base, size_t size, const char *path,
			struct tt_layout *l, char *err, size_t errlen)
{
	const struct tt_file_header *h = base;
	char why[160];

	if (size < sizeof(*h) || !base)
		return tt_err(err, errlen, -EBADMSG,
			      "%s: truncated table file (%zu bytes, header "
			      "needs %zu)",
			      path, size, sizeof(*h));
	if (memcmp(h->magic, TT_FILE_MAGIC, sizeof(h->magic)))
		return tt_err(err, errlen, -EBADMSG,
			      "%s: not a tracetab table (bad magic)", path);
	if (h->version != TT_FILE_VERSION)
		return tt_err(err, errlen, -EPROTO,
			      "%s: table format version %u, this build reads "
			      "version %u",
			      path, h->version, TT_FILE_VERSION);
	if (h->checksum != tt_header__checksum(h))
		return tt_err(err, errlen, -EBADMSG,
			      "%s: corrupted table header (checksum mismatch)",
			      path);
	if (tt_schema__validate(&h->schema, why, sizeof(why)))
		return tt_err(err, errlen, -EBADMSG, "%s: corrupted schema: %s",
			      path, why);
	if (h->header_bytes != TT_HEADER_BYTES || h->nsegs < 2 ||
	    tt_layout__compute(l, &h->schema, h->segment_rows, h->arena_bytes,
			       h->nsegs) ||
	    l->seg_bytes != h->seg_bytes || l->file_bytes != h->file_bytes)
		return tt_err(err, errlen, -EBADMSG,
			      "%s: corrupted table geometry", path);
	if (size < l->file_bytes)
		return tt_err(err, errlen, -EBADMSG,
			      "%s: truncated table file (%zu bytes, header "
			      "says %llu)",
			      path, size, (unsigned long long)l->file_bytes);
	return 0;
}

int tt_dir__make(const char *dir, unsigned mode)
{
	char buf[4096];
	size_t len = strlen(dir);

	if (len == 0 || len >= sizeof(buf))
		return -ENAMETOOLONG;
	memcpy(buf, dir, len + 1);
	for (char *p = buf + 1; *p; p++) {
		if (*p != '/')
			continue;
		*p = 0;
		if (mkdir(buf, mode) && errno != EEXIST)
			return -errno;
		*p = '/';
	}
	return mkdir(buf, mode) && errno != EEXIST ? -errno : 0;
}

int tt_name__path(char *buf, size_t len, const char *dir, const char *name)
{
	int n = snprintf(buf, len, "%s/%s" TT_FILE_SUFFIX, dir, name);

	return n < 0 || (size_t)n >= len ? -ENAMETOOLONG : 0;
}
