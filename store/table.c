/*
 * store/table.c - the single writer of a table: creating, reopening and
 * repairing table files, appending rows, recycling segments.
 *
 * The writer owns a ring of segments and fills one at a time (the head).
 * When the head is full - out of rows, or out of dictionary arena for a
 * string - the writer moves to the next segment of the ring and recycles
 * it, dropping the oldest rows: that is the byte cap. Segments whose
 * newest row is older than max_age are recycled by tt_table__expire().
 *
 * Files are created under a temporary name, fully preallocated with
 * posix_fallocate (on tmpfs a file that is not preallocated can SIGBUS a
 * reader when memory runs out), given their header and renamed into
 * place, so a reader never sees a half-made header. A writer holds an
 * exclusive flock on its file, so two daemons cannot both write a table.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "store/dict.h"
#include "store/segment.h"

struct tt_table {
	char path[PATH_MAX];
	int fd;
	void *base;
	uint64_t map_bytes;
	struct tt_layout l;
	struct tt_schema schema;
	uint32_t time_col;
	uint64_t max_age_ns;
	/* The head segment. */
	uint32_t cur;
	uint32_t cur_n;
	uint64_t first_id;
	struct tt_seg_meta *meta;
	int64_t *summ;
	char *colp[TT_MAX_COLUMNS];
	/* String columns and their dictionaries. */
	uint32_t nstr;
	uint8_t str_col[TT_MAX_COLUMNS];
	struct tt_dict dict[TT_MAX_COLUMNS];
};

static int64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return ts.tv_sec * 1000000000ll + ts.tv_nsec;
}

/*
 * Points the writer's head at segment seg, which holds n rows, and indexes
 * its dictionaries. Returns false when a dictionary is damaged (entries
 * not back to back): new strings must then not go into this segment, or
 * codes in its old rows could come to name them.
 */
static bool head__attach(struct tt_table *t, uint32_t seg, uint32_t n)
{
	struct tt_dict_entry *ents;
	bool intact = true;

	char *body = tt_layout__body(&t->l, t->base, seg);
	uint32_t *dn = tt_seg__dict_sizes(&t->l, t->base, seg);

	t->cur = seg;
	t->cur_n = n;
	t->meta = tt_layout__meta(&t->l, t->base, seg);
	t->summ = tt_layout__summary(&t->l, t->base, seg);
	t->first_id = t->meta->first_row_id;
	for (uint32_t i = 0; i < t->l.ncols; i++)
		t->colp[i] = body + t->l.col_off[i];
	for (uint32_t k = 0; k < t->nstr; k++) {
		uint32_t c = t->str_col[k];

		uint32_t want = n ? dn[c] : 0;

		if (!t->dict[k].slots) /* not yet allocated: see open */
			continue;
		if (want > t->l.segment_rows)
			want = t->l.segment_rows + 1; /* cannot all be kept */
		ents = (struct tt_dict_entry *)(body + t->l.ent_off[c]);
		if (tt_dict__attach(&t->dict[k], ents, body + t->l.arena_off[c],
				    &dn[c], want) != want)
			intact = false;
	}
	return intact;
}

/* Seals the head and recycles the next segment of the ring as the head. */
static void head__advance(struct tt_table *t)
{
	uint64_t next = t->first_id + t->cur_n;
	uint32_t seg = (t->cur + 1) % t->l.nsegs;

	tt_seg__recycle(&t->l, t->base, seg, next);
	head__attach(t, seg, 0);
}

static int map_file(struct tt_table *t, uint64_t bytes, char *err,
		    size_t errlen)
{
	t->base =
		mmap(NULL, bytes, PROT_READ | PROT_WRITE, MAP_SHARED, t->fd, 0);
	if (t->base == MAP_FAILED) {
		t->base = NULL;
		return tt_err(err, errlen, -errno, "%s: mmap: %s", t->path,
			      strerror(errno));
	}
	return 0;
}

static int table__create(struct tt_table *t, const char *dir,
			 const struct tt_table_opts *o, char *err,
			 size_t errlen)
{
	char tmp[PATH_MAX + 32];
	int rc;

	rc = tt_layout__plan(&t->l, &t->schema,
			     o->max_bytes ? o->max_bytes
					  : TT_TABLE_DEFAULT_BYTES,
			     o->segment_rows, err, errlen);
	if (rc)
		return rc;
	snprintf(tmp, sizeof(tmp), "%s/.%s.%d.tmp", dir,
		 strrchr(t->path, '/') + 1, (int)getpid());
	t->fd = open(tmp, O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0640);
	if (t->fd < 0)
		return tt_err(err, errlen, -errno, "%s: create: %s", tmp,
			      strerror(errno));
	if ((o->group != (gid_t)-1 && fchown(t->fd, (uid_t)-1, o->group)) ||
	    fchmod(t->fd, 0640)) {
		rc = tt_err(err, errlen, -errno, "%s: chown/chmod: %s", tmp,
			    strerror(errno));
		goto fail;
	}
	rc = posix_fallocate(t->fd, 0, (off_t)t->l.file_bytes);
	if (rc) {
		rc = tt_err(err, errlen, -rc,
			    "%s: preallocating %llu bytes: %s", tmp,
			    (unsigned long long)t->l.file_bytes, strerror(rc));
		goto fail;
	}
	rc = map_file(t, t->l.file_bytes, err, errlen);
	if (rc)
		goto fail;
	t->map_bytes = t->l.file_bytes;
	tt_header__init(t->base, &t->schema, &t->l, (uint64_t)now_ns());
	if (flock(t->fd, LOCK_EX | LOCK_NB) || rename(tmp, t->path)) {
		rc = tt_err(err, errlen, -errno, "%s: %s", t->path,
			    strerror(errno));
		goto fail;
	}
	tt_seg__recycle(&t->l, t->base, 0, 0);
	head__attach(t, 0, 0);
	return 0;
fail:
	unlink(tmp);
	return rc;
}

/*
 * Brings every segment of a reopened file to a consistent state: segments
 * left odd by a killed writer, or with impossible metadata, are emptied.
 * Returns the segment holding the newest rows.
 */
static uint32_t table__repair(struct tt_table *t)
{
	struct tt_seg_view v;
	uint64_t next = 0;
	uint32_t head = 0;
	bool found = false;

	for (uint32_t s = 0; s < t->l.nsegs; s++) {
		if (tt_seg__load(&t->l, t->base, s, &v) != 1 || !v.gen)
			continue;
		if (!found || v.first_row_id + v.nrows > next ||
		    (v.first_row_id + v.nrows == next && v.nrows)) {
			next = v.first_row_id + v.nrows;
			head = s;
			found = true;
		}
	}
	for (uint32_t s = 0; s < t->l.nsegs; s++) {
		int rc = tt_seg__load(&t->l, t->base, s, &v);

		if (rc < 0 || (rc == 0 && v.gen))
			tt_seg__recycle(&t->l, t->base, s, next);
	}
	if (!found)
		tt_seg__recycle(&t->l, t->base, head, next);
	return head;
}

/*
 * Recomputes the head's time index from its published rows: a killed
 * writer may have widened it for a row it never published. The exact
 * values are valid for every prefix a reader may have loaded, so they are
 * stored in place, without recycling.
 */
static void head__reindex(struct tt_table *t)
{
	const int64_t *times = (const int64_t *)t->colp[t->time_col];
	int64_t *summ = t->summ;
	struct tt_seg_meta m = {.min_time = INT64_MAX, .max_time = INT64_MIN};

	for (uint32_t i = 0; i < t->cur_n; i++)
		tt_seg__note_time(&m, summ, i, times[i]);
	__atomic_store_n(&t->meta->min_time, m.min_time, __ATOMIC_RELAXED);
	__atomic_store_n(&t->meta->max_time, m.max_time, __ATOMIC_RELAXED);
	__atomic_store_n(&t->meta->disorder, m.disorder, __ATOMIC_RELAXED);
}

static int table__reopen(struct tt_table *t, const struct tt_table_opts *o,
			 char *err, size_t errlen)
{
	struct tt_seg_view v;
	struct stat st;
	uint32_t head;
	int rc;

	if (fstat(t->fd, &st))
		return tt_err(err, errlen, -errno, "%s: %s", t->path,
			      strerror(errno));
	if (flock(t->fd, LOCK_EX | LOCK_NB))
		return tt_err(err, errlen, -EBUSY,
			      "%s: another writer has the table open", t->path);
	if (st.st_size < (off_t)sizeof(struct tt_file_header))
		return tt_err(err, errlen, -EBADMSG,
			      "%s: truncated table file (%lld bytes)", t->path,
			      (long long)st.st_size);
	rc = map_file(t, (uint64_t)st.st_size, err, errlen);
	if (rc)
		return rc;
	t->map_bytes = (uint64_t)st.st_size;
	rc = tt_header__validate(t->base, (size_t)st.st_size, t->path, &t->l,
				 err, errlen);
	if (rc)
		return rc;
	if (!tt_schema__equal(&((struct tt_file_header *)t->base)->schema,
			      &t->schema))
		return tt_err(err, errlen, -EEXIST,
			      "%s: table exists with a different schema",
			      t->path);
	if (o->group != (gid_t)-1 && fchown(t->fd, (uid_t)-1, o->group))
		return tt_err(err, errlen, -errno, "%s: chown: %s", t->path,
			      strerror(errno));
	head = table__repair(t);
	tt_seg__load(&t->l, t->base, head, &v);
	head__attach(t, head, (uint32_t)v.nrows);
	head__reindex(t);
	return 0;
}

static int table__init(struct tt_table *t, const char *dir, const char *name,
		       const struct tt_schema *schema,
		       const struct tt_table_opts *o, char *err, size_t errlen)
{
	int rc;

	t->fd = -1;
	if (tt_name__check(name))
		return tt_err(err, errlen, -EINVAL,
			      "invalid table name \"%.64s\"", name ? name : "");
	rc = tt_schema__validate(schema, err, errlen);
	if (rc)
		return rc;
	if (tt_name__path(t->path, sizeof(t->path), dir, name))
		return tt_err(err, errlen, -ENAMETOOLONG,
			      "store directory path too long");
	rc = tt_dir__make(dir, 0755);
	if (rc)
		return tt_err(err, errlen, rc, "%s: mkdir: %s", dir,
			      strerror(-rc));
	memset(&t->schema, 0, sizeof(t->schema));
	t->schema.ncols = schema->ncols;
	for (uint32_t i = 0; i < schema->ncols; i++) {
		strcpy(t->schema.cols[i].name, schema->cols[i].name);
		t->schema.cols[i].type = schema->cols[i].type;
		if (schema->cols[i].type == TT_TYPE_STRING)
			t->str_col[t->nstr++] = (uint8_t)i;
	}
	t->time_col = (uint32_t)tt_schema__find(schema, TT_TIME_COLUMN);
	t->max_age_ns = o->max_age_ns;
	t->fd = open(t->path, O_RDWR | O_CLOEXEC);
	if (t->fd >= 0) {
		rc = table__reopen(t, o, err, errlen);
		if (!rc || !o->replace || rc == -EBUSY)
			return rc;
		if (t->base)
			munmap(t->base, t->map_bytes);
		t->base = NULL;
		close(t->fd);
		t->fd = -1;
	} else if (errno != ENOENT) {
		return tt_err(err, errlen, -errno, "%s: %s", t->path,
			      strerror(errno));
	}
	return table__create(t, dir, o, err, errlen);
}

static int dicts__init(struct tt_table *t)
{
	for (uint32_t k = 0; k < t->nstr; k++)
		if (tt_dict__init(&t->dict[k], t->l.segment_rows,
				  t->l.arena_bytes))
			return -ENOMEM;
	return 0;
}

int tt_table__open(const char *dir, const char *name,
		   const struct tt_schema *schema,
		   const struct tt_table_opts *opts, struct tt_table **out,
		   char *err, size_t errlen)
{
	struct tt_table_opts o = {.group = (gid_t)-1};
	struct tt_table *t;
	int rc;

	if (opts)
		memcpy(&o, opts,
		       opts->sz && opts->sz < sizeof(o) ? opts->sz : sizeof(o));
	if (!out || !schema)
		return tt_err(err, errlen, -EINVAL, "missing argument");
	*out = NULL;
	t = calloc(1, sizeof(*t));
	if (!t)
		return tt_err(err, errlen, -ENOMEM, "out of memory");
	rc = table__init(t, dir ? dir : TT_STORE_DEFAULT_DIR, name, schema, &o,
			 err, errlen);
	if (!rc && dicts__init(t))
		rc = tt_err(err, errlen, -ENOMEM, "out of memory");
	if (!rc) {
		/* Dictionaries exist only now: index the head's again. */
		if (!head__attach(t, t->cur, t->cur_n))
			head__advance(t);
		*out = t;
		return 0;
	}
	tt_table__close(t);
	return rc;
}

/* Interns the row's strings into the head; 0 or -ENOSPC (head is full). */
static int row__intern(struct tt_table *t, const union tt_value *row,
		       uint32_t *codes)
{
	for (uint32_t k = 0; k < t->nstr; k++) {
		const union tt_value *v = &row[t->str_col[k]];
		int64_t code =
			tt_dict__intern(&t->dict[k], v->str.ptr, v->str.len);

		if (code < 0)
			return (int)code;
		codes[k] = (uint32_t)code;
	}
	return 0;
}

int64_t tt_table__append(struct tt_table *t, const union tt_value *row)
{
	uint32_t codes[TT_MAX_COLUMNS], n, k = 0;

	if (!t || !row)
		return -EINVAL;
	for (uint32_t i = 0; i < t->nstr; i++)
		if (!row[t->str_col[i]].str.ptr && row[t->str_col[i]].str.len)
			return -EINVAL;
	if (t->cur_n == t->l.segment_rows)
		head__advance(t);
	if (row__intern(t, row, codes)) {
		/* An empty segment always has room for one row's strings. */
		head__advance(t);
		if (row__intern(t, row, codes))
			return -ENOSPC;
	}
	n = t->cur_n;
	for (uint32_t i = 0; i < t->l.ncols; i++) {
		if (t->l.width[i] == 8)
			((int64_t *)t->colp[i])[n] = row[i].i64;
		else
			((uint32_t *)t->colp[i])[n] = codes[k++];
	}
	tt_seg__note_time(t->meta, t->summ, n, row[t->time_col].i64);
	tt_seg__publish(t->meta, n + 1);
	t->cur_n = n + 1;
	return (int64_t)(t->first_id + n);
}

void tt_table__expire(struct tt_table *t, int64_t now)
{
	struct tt_seg_view v;
	int64_t cutoff;

	if (!t || !t->max_age_ns || t->max_age_ns > (uint64_t)INT64_MAX)
		return;
	cutoff = now - (int64_t)t->max_age_ns;
	for (uint32_t s = 0; s < t->l.nsegs; s++) {
		if (tt_seg__load(&t->l, t->base, s, &v) != 1 || !v.nrows ||
		    v.max_time >= cutoff)
			continue;
		tt_seg__recycle(&t->l, t->base, s, t->first_id + t->cur_n);
		if (s == t->cur)
			head__attach(t, s, 0);
	}
}

const struct tt_schema *tt_table__schema(const struct tt_table *t)
{
	return &t->schema;
}

uint64_t tt_table__next_row_id(const struct tt_table *t)
{
	return t->first_id + t->cur_n;
}

void tt_table__close(struct tt_table *t)
{
	if (!t)
		return;
	for (uint32_t k = 0; k < t->nstr; k++)
		tt_dict__free(&t->dict[k]);
	if (t->base)
		munmap(t->base, t->map_bytes);
	if (t->fd >= 0)
		close(t->fd);
	free(t);
}

int tt_store__drop(const char *dir, const char *name)
{
	char path[PATH_MAX];

	if (tt_name__check(name))
		return -EINVAL;
	if (tt_name__path(path, sizeof(path), dir ? dir : TT_STORE_DEFAULT_DIR,
			  name))
		return -ENAMETOOLONG;
	return unlink(path) ? -errno : 0;
}
