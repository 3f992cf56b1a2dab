/*
 * store/reader.c - unprivileged readers: opening table files read-only,
 * listing the store directory, table statistics.
 *
 * A reader trusts nothing in the file. The header is validated once at
 * open (store/format.c); segment metadata is validated every time it is
 * loaded (store/segment.c), and every dictionary code and entry is
 * bounds-checked when resolved. A reader never writes the mapping (it is
 * PROT_READ) and never waits for the writer.
 *
 * Scans live in store/scan.c.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "store/reader.h"

/* Checks every segment's metadata once, so corruption is reported early. */
static int reader__check_segments(struct tt_reader *r, char *err, size_t errlen)
{
	struct tt_seg_view v;

	for (uint32_t s = 0; s < r->l.nsegs; s++)
		if (tt_seg__load(&r->l, r->base, s, &v) < 0)
			return tt_err(err, errlen, -EBADMSG,
				      "%s: corrupted table: segment %u has "
				      "impossible metadata",
				      r->path, s);
	return 0;
}

static int reader__map(struct tt_reader *r, char *err, size_t errlen)
{
	struct stat st;
	int fd, rc = 0;
	void *p;

	fd = open(r->path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return tt_err(err, errlen, -errno, "%s: %s", r->path,
			      strerror(errno));
	if (fstat(fd, &st) || !S_ISREG(st.st_mode)) {
		rc = tt_err(err, errlen, -EBADMSG, "%s: not a regular file",
			    r->path);
	} else if (st.st_size < (off_t)sizeof(struct tt_file_header)) {
		rc = tt_err(err, errlen, -EBADMSG,
			    "%s: truncated table file (%lld bytes)", r->path,
			    (long long)st.st_size);
	} else {
		p = mmap(NULL, (size_t)st.st_size, PROT_READ, MAP_SHARED, fd,
			 0);
		if (p == MAP_FAILED)
			rc = tt_err(err, errlen, -errno, "%s: mmap: %s",
				    r->path, strerror(errno));
		else
			r->base = p, r->size = (size_t)st.st_size;
	}
	close(fd);
	return rc;
}

int tt_reader__open(const char *dir, const char *name, struct tt_reader **out,
		    char *err, size_t errlen)
{
	struct tt_reader *r;
	int rc;

	if (!out)
		return tt_err(err, errlen, -EINVAL, "missing argument");
	*out = NULL;
	if (tt_name__check(name))
		return tt_err(err, errlen, -EINVAL,
			      "invalid table name \"%.64s\"", name ? name : "");
	r = calloc(1, sizeof(*r));
	if (!r)
		return tt_err(err, errlen, -ENOMEM, "out of memory");
	rc = tt_name__path(r->path, sizeof(r->path),
			   dir ? dir : TT_STORE_DEFAULT_DIR, name);
	if (rc)
		tt_err(err, errlen, rc, "store directory path too long");
	if (!rc)
		rc = reader__map(r, err, errlen);
	if (!rc)
		rc = tt_header__validate(r->base, r->size, r->path, &r->l, err,
					 errlen);
	if (!rc)
		rc = reader__check_segments(r, err, errlen);
	if (rc) {
		tt_reader__close(r);
		return rc;
	}
	/* A private copy: the schema is used long after validation. */
	r->schema = ((const struct tt_file_header *)r->base)->schema;
	r->time_col = (uint32_t)tt_schema__find(&r->schema, TT_TIME_COLUMN);
	*out = r;
	return 0;
}

const struct tt_schema *tt_reader__schema(const struct tt_reader *r)
{
	return &r->schema;
}

#ifndef MADV_POPULATE_READ
#define MADV_POPULATE_READ 22
#endif

/*
 * Two steps, both needed. MADV_POPULATE_READ (Linux 5.14+) fills the page
 * tables in one system call, 16x cheaper than taking the faults one by
 * one. But populated is not yet warm: measured on this project's VMs, the
 * first load through each freshly populated entry still costs 4-9 us of
 * CPU time with no page fault counted, and the second costs 0.05 us. The
 * VMs appear to use shadow paging (Firecracker, "pvm_" on the kernel
 * command line): the first access through a new guest page-table entry
 * exits to the hypervisor, which builds its shadow entry. The cost is per
 * entry of this mapping, not per page of data: a second mapping of an
 * already warm file pays it again. A 1.6 GB table has 400,000 pages and
 * a lookup touches about three, so without the touch nearly every lookup
 * paid that price three times. Reading one byte per page pays it here,
 * once, sequentially; on kernels without MADV_POPULATE_READ the same loop
 * also takes the faults.
 */
int tt_reader__prefault(struct tt_reader *r)
{
	volatile const char *p;
	char sink = 0;

	if (!r)
		return -EINVAL;
	(void)madvise((void *)r->base, r->size, MADV_POPULATE_READ);
	p = r->base;
	for (size_t off = 0; off < r->size; off += TT_PAGE)
		sink ^= p[off];
	(void)sink;
	return 0;
}

void tt_reader__close(struct tt_reader *r)
{
	if (!r)
		return;
	if (r->base)
		munmap((void *)r->base, r->size);
	free(r);
}

int tt_reader__stats(const struct tt_reader *r, struct tt_reader_stats *st)
{
	struct tt_seg_view v;
	uint64_t next = 0, oldest = UINT64_MAX;

	if (!r || !st)
		return -EINVAL;
	for (uint32_t s = 0; s < r->l.nsegs; s++) {
		if (tt_seg__load(&r->l, r->base, s, &v) != 1 || !v.gen)
			continue;
		if (v.first_row_id + v.nrows > next)
			next = v.first_row_id + v.nrows;
		if (v.nrows && v.first_row_id < oldest)
			oldest = v.first_row_id;
	}
	st->next_row_id = next;
	st->oldest_row_id = oldest == UINT64_MAX ? next : oldest;
	st->file_bytes = r->l.file_bytes;
	st->segments = r->l.nsegs;
	st->segment_rows = r->l.segment_rows;
	return 0;
}

/* ---- listing ---- */

static bool is_table_file(const char *dir, const char *file)
{
	char path[PATH_MAX], magic[8];
	bool ok = false;
	int fd;

	if (snprintf(path, sizeof(path), "%s/%s", dir, file) >=
	    (int)sizeof(path))
		return false;
	fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK);
	if (fd < 0)
		return false;
	ok = pread(fd, magic, sizeof(magic), 0) == (ssize_t)sizeof(magic) &&
	     !memcmp(magic, TT_FILE_MAGIC, sizeof(magic));
	close(fd);
	return ok;
}

/* Table name of a directory entry, or false when it cannot be a table. */
static bool table_name(const char *file, char *name)
{
	size_t len = strlen(file), sl = strlen(TT_FILE_SUFFIX);

	if (len <= sl || len - sl >= TT_NAME_MAX ||
	    strcmp(file + len - sl, TT_FILE_SUFFIX))
		return false;
	memcpy(name, file, len - sl);
	name[len - sl] = 0;
	return tt_name__check(name) == 0;
}

static int cmp_names(const void *a, const void *b)
{
	return strcmp(a, b);
}

int tt_store__list(const char *dir, int (*fn)(const char *name, void *ctx),
		   void *ctx)
{
	char(*names)[TT_NAME_MAX] = NULL, name[TT_NAME_MAX];
	size_t n = 0, cap = 0;
	struct dirent *de;
	int rc = 0;
	DIR *d;

	if (!fn)
		return -EINVAL;
	dir = dir ? dir : TT_STORE_DEFAULT_DIR;
	d = opendir(dir);
	if (!d)
		return -errno;
	while ((de = readdir(d))) {
		if (!table_name(de->d_name, name) ||
		    !is_table_file(dir, de->d_name))
			continue;
		if (n == cap) {
			void *p = realloc(names, (cap = cap * 2 + 16) *
							 sizeof(*names));
			if (!p) {
				rc = -ENOMEM;
				goto out;
			}
			names = p;
		}
		memcpy(names[n++], name, TT_NAME_MAX);
	}
	if (n) /* qsort(NULL, 0) is undefined behaviour (UBSan says so) */
		qsort(names, n, sizeof(*names), cmp_names);
	for (size_t i = 0; i < n && !rc; i++)
		rc = fn(names[i], ctx);
out:
	closedir(d);
	free(names);
	return rc;
}
