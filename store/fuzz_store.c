/*
 * store/fuzz_store.c - libFuzzer target over table file parsing: header
 * validation, segment metadata, dictionaries, time-range search, scans in
 * both modes, and the writer's reopen-and-repair path.
 *
 * Random bytes almost never pass the header checksum, so most inputs are
 * edits of a real table file made at start-up: the input is a flags byte,
 * a truncation length and (offset, byte) patches; a flag reseals the
 * checksum after patching so the fuzzer reaches the code behind it, and
 * another uses the raw input as the whole file (foreign files).
 */
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "store/format.h"

#define F_TRUNCATE 0x01
#define F_RESEAL 0x02
#define F_RAW 0x04
#define F_WRITER 0x08
#define F_COPY 0x10
#define F_TIME 0x20

static char dir[64];
static char path[128];
static unsigned char *base_img;
static size_t base_size;
static struct tt_schema schema;

static void make_base(void)
{
	struct tt_table_opts o = {.sz = sizeof(o),
				  .max_bytes = 48 << 10,
				  .segment_rows = 16,
				  .group = (gid_t)-1};
	static const char *const strs[] = {"", "a", "bash", "with\0nul",
					   "a longer string for the arena"};
	struct tt_table *t = NULL;
	union tt_value v[4];
	char err[256];
	FILE *f;

	tt_schema__add(&schema, "time_", TT_TYPE_TIME);
	tt_schema__add(&schema, "pid", TT_TYPE_INT64);
	tt_schema__add(&schema, "comm", TT_TYPE_STRING);
	tt_schema__add(&schema, "value", TT_TYPE_UINT64);
	if (tt_table__open(dir, "f", &schema, &o, &t, err, sizeof(err))) {
		fprintf(stderr, "fuzz_store: %s\n", err);
		abort();
	}
	for (int i = 0; i < 40; i++) { /* wraps the ring of 16-row segments */
		v[0].i64 = 1000 * i - (i % 3) * 700;
		v[1].i64 = i;
		v[2].str.ptr = strs[i % 5];
		v[2].str.len = (uint32_t)(i % 5 == 3 ? 8 : strlen(strs[i % 5]));
		v[3].u64 = (uint64_t)i * 3;
		tt_table__append(t, v);
	}
	tt_table__close(t);
	f = fopen(path, "rb");
	if (!f)
		abort();
	fseek(f, 0, SEEK_END);
	base_size = (size_t)ftell(f);
	fseek(f, 0, SEEK_SET);
	base_img = malloc(base_size);
	if (!base_img || fread(base_img, 1, base_size, f) != base_size)
		abort();
	fclose(f);
}

static void cleanup(void)
{
	unlink(path);
	rmdir(dir);
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	strcpy(dir, "/dev/shm/tt-fuzz-XXXXXX");
	if (!mkdtemp(dir))
		abort();
	snprintf(path, sizeof(path), "%s/f.tt", dir);
	make_base();
	atexit(cleanup);
	return 0;
}

/* Builds the file image for an input; returns its size. */
static size_t make_image(const uint8_t *d, size_t n, unsigned char *img,
			 uint8_t *flags)
{
	size_t size = base_size;

	*flags = n ? d[0] : 0;
	if (*flags & F_RAW) {
		size = n - 1 < base_size ? n - 1 : base_size;
		memcpy(img, d + 1, size);
		return size;
	}
	memcpy(img, base_img, base_size);
	if (n >= 3 && (*flags & F_TRUNCATE))
		size = ((size_t)d[1] << 8 | d[2]) * 16 % (base_size + 1);
	for (size_t i = 3; i + 2 < n; i += 3) {
		size_t off = ((size_t)d[i] << 8 | d[i + 1]) * 7 % base_size;

		img[off] = d[i + 2];
	}
	if ((*flags & F_RESEAL) && size >= sizeof(struct tt_file_header)) {
		struct tt_file_header *h = (void *)img;

		h->checksum = tt_header__checksum(h);
	}
	return size;
}

static void scan_all(struct tt_reader *r, uint8_t flags, const uint8_t *d,
		     size_t n)
{
	struct tt_scan_opts o = {.sz = sizeof(o)};
	struct tt_scan *sc;
	struct tt_chunk ch;
	volatile uint64_t sink = 0; /* unsigned: sums of fuzzed values wrap */

	o.flags = flags & F_COPY ? TT_SCAN_COPY : 0;
	if ((flags & F_TIME) && n >= 5) {
		o.has_time_range = true;
		o.time_min = (int64_t)(d[3] * 200) - 1000;
		o.time_max = o.time_min + d[4] * 300;
	}
	/* A raw image may carry any schema: read only the columns whose
	 * types this loop assumes (8-byte time_ first, codes in column 2). */
	const struct tt_schema *sch = tt_reader__schema(r);
	bool has_time = sch && sch->ncols > 0 &&
			sch->cols[0].type != TT_TYPE_STRING;
	bool has_str = sch && sch->ncols > 2 &&
		       sch->cols[2].type == TT_TYPE_STRING;

	if (tt_reader__scan(r, &o, &sc))
		return;
	while (tt_scan__next(sc, &ch) == 1) {
		const uint32_t *codes = has_str ? ch.cols[2] : NULL;
		const int64_t *tm = has_time ? ch.cols[0] : NULL;

		for (uint32_t i = 0; i < ch.nrows; i++) {
			const char *s;
			uint32_t len;

			if (tm)
				sink += (uint64_t)tm[i];
			if (codes &&
			    !tt_chunk__string(&ch, 2, codes[i], &s, &len) &&
			    len)
				sink += (uint64_t)(s[0] + s[len - 1]);
		}
		if (has_str)
			sink += (uint64_t)tt_chunk__dict_size(&ch, 2);
		tt_scan__validate(sc);
	}
	tt_scan__free(sc);
}

int LLVMFuzzerTestOneInput(const uint8_t *d, size_t n)
{
	static unsigned char *img;
	struct tt_reader *r = NULL;
	struct tt_reader_stats st;
	char err[512];
	uint8_t flags;
	size_t size;
	int fd;

	if (!img)
		img = malloc(base_size);
	size = make_image(d, n, img, &flags);
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	if (fd < 0 || write(fd, img, size) != (ssize_t)size)
		abort();
	close(fd);
	if (!tt_reader__open(dir, "f", &r, err, sizeof(err))) {
		tt_reader__stats(r, &st);
		scan_all(r, flags, d, n);
		tt_reader__close(r);
	} else if (!strstr(err, path)) {
		fprintf(stderr, "error does not name the file: %s\n", err);
		abort();
	}
	if (flags & F_WRITER) {
		struct tt_table *t = NULL;

		if (!tt_table__open(dir, "f", &schema, NULL, &t, err,
				    sizeof(err))) {
			union tt_value v[4] = {{0}};

			for (int i = 0; i < 20; i++)
				tt_table__append(t, v);
			tt_table__close(t);
		}
	}
	return 0;
}
