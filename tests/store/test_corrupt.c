/*
 * tests/store/test_corrupt.c - truncated, corrupted and foreign files give
 * readers (and a reopening writer) a clear error naming the file, never a
 * crash; damage inside segments is contained to an error or a skipped
 * string.
 */
#include <errno.h>
#include <fcntl.h>
#include <stddef.h>
#include <sys/mman.h>
#include <sys/stat.h>

#include "store/format.h"
#include "tests/store/store_util.h"
#include "tests/tt_test.h"

static char dirbuf[64];
static char err[512];
static char path[128];

/* A fresh table "x" with 2000 rows; fills path. */
static const char *setup(void)
{
	struct tt_table_opts o = {.sz = sizeof(o),
				  .max_bytes = 1 << 20,
				  .segment_rows = 512,
				  .group = (gid_t)-1};
	const char *dir = tdir_make(dirbuf);
	struct tt_table *t = NULL;
	struct tt_schema s;
	struct drow row;

	trace_schema(&s);
	if (!dir || tt_table__open(dir, "x", &s, &o, &t, err, sizeof(err)))
		return NULL;
	for (uint64_t id = 0; id < 2000; id++) {
		drow_make(&row, id, (int64_t)id, 9);
		tt_table__append(t, row.v);
	}
	tt_table__close(t);
	snprintf(path, sizeof(path), "%s/x.tt", dir);
	return dir;
}

/* Maps the table file read-write for surgery. */
static void *map_rw(size_t *size)
{
	struct stat st;
	void *p;
	int fd = open(path, O_RDWR);

	if (fd < 0 || fstat(fd, &st))
		return NULL;
	p = mmap(NULL, st.st_size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	close(fd);
	*size = st.st_size;
	return p == MAP_FAILED ? NULL : p;
}

/* Maps the file read-write and computes its layout; NULL on failure. */
static void *map_layout(struct tt_layout *l, size_t *size)
{
	void *base = map_rw(size);

	if (base &&
	    tt_header__validate(base, *size, path, l, err, sizeof(err))) {
		munmap(base, *size);
		return NULL;
	}
	return base;
}

static void reseal(void *base)
{
	struct tt_file_header *h = base;

	h->checksum = tt_header__checksum(h);
}

/* Opens as a reader; returns the error and checks err names the file. */
static int open_err(const char *dir, const char *want)
{
	struct tt_reader *r = NULL;
	int rc = tt_reader__open(dir, "x", &r, err, sizeof(err));

	tt_reader__close(r);
	if (rc == 0)
		return 0;
	if (!strstr(err, path) || (want && !strstr(err, want))) {
		fprintf(stderr, "unexpected message: %s\n", err);
		return -9999;
	}
	return rc;
}

TT_TEST(truncated)
{
	const char *dir = setup();
	/* Shrinking only: growing back would pad with zeros. */
	off_t sizes[] = {0,
			 TT_HEADER_BYTES + 64,
			 sizeof(struct tt_file_header) - 1,
			 100,
			 7,
			 0};
	struct stat st;

	CHECKF(dir, "%s", err);
	CHECK_INT(stat(path, &st), 0);
	sizes[0] = st.st_size - 1;
	for (unsigned i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
		CHECK_INT(truncate(path, sizes[i]), 0);
		CHECK_INT(open_err(dir, "truncated"), -EBADMSG);
	}
	tdir_rm(dir);
}

TT_TEST(foreign_files)
{
	const char *dir = setup();
	static const char elf[] = "\x7f"
				  "ELF\x02\x01\x01 and then some bytes";
	char big[20000];
	int fd;

	CHECKF(dir, "%s", err);
	memset(big, 'A', sizeof(big));
	memcpy(big, elf, sizeof(elf));
	fd = open(path, O_WRONLY | O_TRUNC);
	CHECK(fd >= 0);
	CHECK(write(fd, big, sizeof(big)) == sizeof(big));
	close(fd);
	CHECK_INT(open_err(dir, "not a tracetab table"), -EBADMSG);
	/* A directory where a table should be. */
	CHECK_INT(unlink(path), 0);
	CHECK_INT(mkdir(path, 0755), 0);
	CHECK(open_err(dir, NULL) < 0);
	CHECK_INT(rmdir(path), 0);
	tdir_rm(dir);
}

TT_TEST(corrupted_header)
{
	const char *dir = setup();
	struct tt_file_header *h;
	size_t size;

	CHECKF(dir, "%s", err);
	h = map_rw(&size);
	CHECK(h);
	/* One flipped bit anywhere in the header. */
	h->schema.cols[2].name[1] ^= 0x10;
	CHECK_INT(open_err(dir, "checksum"), -EBADMSG);
	h->schema.cols[2].name[1] ^= 0x10;
	CHECK_INT(open_err(dir, NULL), 0);
	/* Resealed nonsense is still caught by the field checks. */
	h->version = 7;
	reseal(h);
	CHECK_INT(open_err(dir, "version 7"), -EPROTO);
	h->version = TT_FILE_VERSION;
	h->nsegs = 0xffffffff;
	reseal(h);
	CHECK_INT(open_err(dir, "geometry"), -EBADMSG);
	h->nsegs = 1000;
	h->file_bytes = 0;
	reseal(h);
	CHECK_INT(open_err(dir, "geometry"), -EBADMSG);
	h->nsegs = 1000; /* consistent geometry, but the file is too short */
	{
		struct tt_layout l;

		tt_layout__compute(&l, &h->schema, h->segment_rows,
				   h->arena_bytes, 1000);
		h->file_bytes = l.file_bytes;
		h->seg_bytes = l.seg_bytes;
	}
	reseal(h);
	CHECK_INT(open_err(dir, "truncated"), -EBADMSG);
	h->schema.ncols = 65;
	reseal(h);
	CHECK_INT(open_err(dir, "schema"), -EBADMSG);
	h->schema.ncols = 4;
	h->schema.cols[0].type = 9;
	reseal(h);
	CHECK_INT(open_err(dir, "schema"), -EBADMSG);
	memset(h->schema.cols[0].name, 'q', TT_NAME_MAX);
	reseal(h);
	CHECK_INT(open_err(dir, "schema"), -EBADMSG);
	munmap(h, size);
	tdir_rm(dir);
}

TT_TEST(corrupted_segment_metadata)
{
	const char *dir = setup();
	struct tt_reader *r = NULL;
	struct tt_scan *sc = NULL;
	struct tt_scan_opts o = {.sz = sizeof(o)};
	struct tt_chunk ch;
	struct tt_layout l;
	struct tt_seg_meta *m;
	void *base;
	size_t size;
	int rc;

	CHECKF(dir, "%s", err);
	base = map_layout(&l, &size);
	CHECK(base);
	m = tt_layout__meta(&l, base, 2);
	m->nrows = 1u << 30;
	CHECK_INT(open_err(dir, "segment 2"), -EBADMSG);
	m->nrows = 512;
	/* Damage after a reader opened: the scan fails, nothing crashes. */
	CHECK(!tt_reader__open(dir, "x", &r, err, sizeof(err)));
	CHECK(!tt_reader__scan(r, &o, &sc));
	m->nrows = UINT64_MAX;
	while ((rc = tt_scan__next(sc, &ch)) == 1)
		;
	CHECK_INT(rc, -EBADMSG);
	CHECK(strstr(tt_scan__error(sc), path));
	CHECK(strstr(tt_scan__error(sc), "segment 2 "));
	tt_scan__free(sc);
	m->first_row_id = UINT64_MAX - 3;
	m->nrows = 10;
	CHECK_INT(tt_reader__scan(r, &o, &sc), -EBADMSG);
	tt_reader__close(r);
	munmap(base, size);
	tdir_rm(dir);
}

TT_TEST(corrupted_dictionary)
{
	const char *dir = setup();
	struct tt_reader *r = NULL;
	struct tt_scan *sc = NULL;
	struct tt_scan_opts o = {.sz = sizeof(o)};
	struct tt_chunk ch;
	struct tt_layout l;
	struct tt_dict_entry *ents;
	uint32_t *codes, *dn;
	const char *s;
	uint32_t len;
	void *base;
	size_t size;

	CHECKF(dir, "%s", err);
	base = map_layout(&l, &size);
	CHECK(base);
	ents = (void *)(tt_layout__body(&l, base, 0) + l.ent_off[2]);
	codes = (void *)(tt_layout__body(&l, base, 0) + l.col_off[2]);
	dn = (void *)tt_layout__body(&l, base, 0);
	ents[1].off = 0xfffffff0;
	ents[2].len = 0xffffffff;
	codes[5] = 0xdeadbeef;
	dn[2] = 0xffffffff; /* clamped to the segment's capacity */
	for (int copy = 0; copy < 2; copy++) {
		o.flags = copy ? TT_SCAN_COPY : 0;
		CHECK(!tt_reader__open(dir, "x", &r, err, sizeof(err)));
		CHECK(!tt_reader__scan(r, &o, &sc));
		CHECK_INT(tt_scan__next(sc, &ch), 1);
		CHECK_INT(ch.first_row_id, 0);
		CHECK(tt_chunk__dict_size(&ch, 2) <= 512);
		CHECK_INT(tt_chunk__string(&ch, 2, 1, &s, &len), -ERANGE);
		CHECK_INT(tt_chunk__string(&ch, 2, 2, &s, &len), -ERANGE);
		CHECK_INT(tt_chunk__string(&ch, 2, codes[5], &s, &len),
			  -ERANGE);
		CHECK_INT(tt_chunk__string(&ch, 2, 3, &s, &len), 0);
		CHECK(len == 2 && !memcmp(s, "c3", 2));
		tt_scan__free(sc);
		tt_reader__close(r);
	}
	munmap(base, size);
	tdir_rm(dir);
}

/*
 * A damaged dictionary in the head segment: a reopening writer must not
 * add strings to it (old codes could come to name them); it moves on.
 */
TT_TEST(writer_seals_head_with_damaged_dictionary)
{
	const char *dir = setup();
	struct tt_table *t = NULL;
	struct tt_reader *r = NULL;
	struct tt_scan_opts o = {.sz = sizeof(o), .from_row_id = 1536};
	struct tt_scan *sc = NULL;
	struct tt_chunk ch;
	struct tt_layout l;
	struct tt_dict_entry *ents;
	struct drow row;
	void *base;
	size_t size;
	uint32_t head = 3; /* 2000 rows in 512-row segments */

	CHECKF(dir, "%s", err);
	base = map_layout(&l, &size);
	CHECK(base);
	CHECK_INT(tt_layout__meta(&l, base, head)->first_row_id, 1536);
	ents = (void *)(tt_layout__body(&l, base, head) + l.ent_off[2]);
	ents[1].off += 1;
	{
		struct tt_table_opts wo = {.sz = sizeof(wo),
					   .group = (gid_t)-1};
		struct tt_schema s;

		trace_schema(&s);
		CHECKF(!tt_table__open(dir, "x", &s, &wo, &t, err, sizeof(err)),
		       "%s", err);
	}
	CHECK_INT(tt_table__next_row_id(t), 2000);
	drow_make(&row, 2000, 2000, 1000); /* "c2000": a new string */
	CHECK(tt_table__append(t, row.v) == 2000);
	CHECK(!tt_reader__open(dir, "x", &r, err, sizeof(err)));
	CHECK(!tt_reader__scan(r, &o, &sc));
	CHECK_INT(tt_scan__next(sc, &ch), 1);
	CHECK_INT(ch.first_row_id, 1536);
	CHECK_INT(ch.nrows, 2000 - 1536); /* the damaged head took no row */
	CHECK_INT(tt_scan__next(sc, &ch), 1);
	CHECK_INT(ch.first_row_id, 2000);
	tt_scan__free(sc);
	tt_reader__close(r);
	tt_table__close(t);
	munmap(base, size);
	tdir_rm(dir);
}

TT_TEST(writer_refuses_damaged_file_unless_replacing)
{
	const char *dir = setup();
	struct tt_table_opts o = {
		.sz = sizeof(o), .max_bytes = 1 << 20, .group = (gid_t)-1};
	struct tt_table *t = NULL;
	struct tt_schema s;

	CHECKF(dir, "%s", err);
	CHECK_INT(truncate(path, 5000), 0);
	trace_schema(&s);
	CHECK_INT(tt_table__open(dir, "x", &s, &o, &t, err, sizeof(err)),
		  -EBADMSG);
	CHECK(strstr(err, path));
	o.replace = true;
	CHECKF(!tt_table__open(dir, "x", &s, &o, &t, err, sizeof(err)), "%s",
	       err);
	CHECK_INT(tt_table__next_row_id(t), 0);
	tt_table__close(t);
	CHECK_INT(open_err(dir, NULL), 0);
	tdir_rm(dir);
}

TT_MAIN("store_corrupt", TT_CASE(truncated), TT_CASE(foreign_files),
	TT_CASE(corrupted_header), TT_CASE(corrupted_segment_metadata),
	TT_CASE(corrupted_dictionary),
	TT_CASE(writer_seals_head_with_damaged_dictionary),
	TT_CASE(writer_refuses_damaged_file_unless_replacing))
