/*
 * render_text.c - user-space text for the values of builtins_text.c:
 * buf() bytes as %r text, strftime() times, cgroup_path() paths and
 * usym() symbols (see render.h), rendered the way bpftrace 0.17 does.
 *
 * Probes only record numbers (a time, a cgroup id, an address and pid);
 * everything that needs the file system happens here, when a record is
 * decoded. cgroup paths and ELF symbol tables are cached because a probe
 * can fire far more often than paths or binaries change; a cached cgroup
 * path is re-checked with stat() before it is used, as bpftrace does, so
 * a removed and re-created cgroup never shows a stale name.
 */
#include <dirent.h>
#include <fnmatch.h>
#include <inttypes.h>
#include <limits.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "bpf/elf_sym.h"
#include "bpf/object.h"
#include "bpf/render.h"

/* ---- buf() ------------------------------------------------------------------ */

size_t bt_render__buf(const uint8_t *p, size_t n, char *out, size_t len)
{
	size_t o = 0;
	if (!len)
		return 0;
	for (size_t i = 0; i < n; i++) {
		char tmp[5];
		size_t k = 1;
		if (p[i] >= 0x20 && p[i] <= 0x7e)
			tmp[0] = (char)p[i];
		else
			k = (size_t)snprintf(tmp, sizeof(tmp), "\\x%02x", p[i]);
		if (o + k >= len)
			break; /* never half an escape */
		memcpy(out + o, tmp, k);
		o += k;
	}
	out[o] = 0;
	return o;
}

/* ---- strftime() --------------------------------------------------------------- */

int bt_render__strftime(const char *fmt, uint64_t mono_ns, char *out,
			size_t len)
{
	struct timespec rt, mono;
	if (!len)
		return -1;
	out[0] = 0;
	clock_gettime(CLOCK_REALTIME, &rt);
	clock_gettime(CLOCK_MONOTONIC, &mono);
	/* Wall clock of the event: now minus how long ago it happened. */
	int64_t now_rt = (int64_t)rt.tv_sec * 1000000000 + rt.tv_nsec;
	int64_t now_mono = (int64_t)mono.tv_sec * 1000000000 + mono.tv_nsec;
	int64_t ns = now_rt - (now_mono - (int64_t)mono_ns);
	time_t sec = (time_t)(ns / 1000000000);
	long usec = (long)(ns % 1000000000) / 1000;
	/* %f (microseconds, 6 digits) is bpftrace's; C strftime lacks it. */
	char f[512];
	size_t o = 0;
	for (size_t i = 0; fmt[i] && o + 8 < sizeof(f); i++) {
		if (fmt[i] == '%' && fmt[i + 1] == 'f') {
			o += (size_t)snprintf(f + o, sizeof(f) - o, "%06ld", usec);
			i++;
		} else if (fmt[i] == '%' && fmt[i + 1]) {
			f[o++] = fmt[i++];
			f[o++] = fmt[i];
		} else {
			f[o++] = fmt[i];
		}
	}
	f[o] = 0;
	struct tm tm;
	if (!localtime_r(&sec, &tm))
		return -1;
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wformat-nonliteral"
	size_t n = strftime(out, len, f, &tm);
#pragma GCC diagnostic pop
	if (!n)
		out[0] = 0;
	return (int)n;
}

/* ---- cgroup_path() ------------------------------------------------------------ */

/*
 * Finds the entry whose inode is id below root (root itself is "/"),
 * depth first in directory order, files included: bpftrace 0.17 compares
 * every entry's inode, so a v1 hierarchy may answer with a file.
 * Writes the path relative to root; returns false when none matches.
 */
static bool find_ino(const char *root, const char *rel, uint64_t id,
		     char *out, size_t len, int depth)
{
	char dir[PATH_MAX];
	if (depth > 64 ||
	    snprintf(dir, sizeof(dir), "%s%s", root, rel) >= (int)sizeof(dir))
		return false;
	DIR *d = opendir(dir);
	if (!d)
		return false;
	bool found = false;
	struct dirent *de;
	while (!found && (de = readdir(d))) {
		if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
			continue;
		char sub[PATH_MAX], full[PATH_MAX];
		struct stat st;
		if (snprintf(sub, sizeof(sub), "%s/%s", rel, de->d_name) >=
			    (int)sizeof(sub) ||
		    snprintf(full, sizeof(full), "%s%s", root, sub) >=
			    (int)sizeof(full) ||
		    lstat(full, &st) < 0)
			continue;
		if (st.st_ino == id) {
			snprintf(out, len, "%s", sub);
			found = true;
		} else if (S_ISDIR(st.st_mode)) {
			found = find_ino(root, sub, id, out, len, depth + 1);
		}
	}
	closedir(d);
	return found;
}

/*
 * Found paths stay cached while stat() confirms them. Misses are cached
 * for CG_MISS_NS: a probe usually reports the same few cgroups, and
 * walking every v1 hierarchy for each event would cost a millisecond;
 * a cgroup created since shows up within that time.
 */
#define CG_CACHE 64
#define CG_MISS_NS 1000000000ull
struct cg_cached {
	uint64_t id;
	uint64_t miss_until; /* a cached miss, valid until this time */
	char root[128];
	char rel[256];
};

static uint64_t now_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000 + (uint64_t)ts.tv_nsec;
}
static struct cg_cached cg_cache[CG_CACHE];
static unsigned cg_next;
static pthread_mutex_t cg_lock = PTHREAD_MUTEX_INITIALIZER;

/* The path of cgroup id in the hierarchy mounted at root, whose own
 * inode is root_ino ("" if none). */
static void cg_path_in(const char *root, uint64_t root_ino, uint64_t id,
		       char *out, size_t len)
{
	struct stat st;
	out[0] = 0;
	if (root_ino == id) {
		snprintf(out, len, "/");
		return;
	}
	pthread_mutex_lock(&cg_lock);
	for (unsigned i = 0; i < CG_CACHE; i++) {
		struct cg_cached *c = &cg_cache[i];
		char full[PATH_MAX];
		if (c->id != id || strcmp(c->root, root))
			continue;
		if (c->miss_until) {
			bool fresh = now_ns() < c->miss_until;
			if (fresh) {
				pthread_mutex_unlock(&cg_lock);
				return;
			}
			c->id = 0;
			continue;
		}
		snprintf(full, sizeof(full), "%s%s", root, c->rel);
		if (lstat(full, &st) == 0 && st.st_ino == id) {
			snprintf(out, len, "%s", c->rel);
			pthread_mutex_unlock(&cg_lock);
			return;
		}
		c->id = 0; /* stale */
	}
	pthread_mutex_unlock(&cg_lock);
	bool found = find_ino(root, "", id, out, len, 0);
	if (!found)
		out[0] = 0;
	pthread_mutex_lock(&cg_lock);
	struct cg_cached *c = &cg_cache[cg_next++ % CG_CACHE];
	c->id = id;
	c->miss_until = found ? 0 : now_ns() + CG_MISS_NS;
	snprintf(c->root, sizeof(c->root), "%s", root);
	snprintf(c->rel, sizeof(c->rel), "%s", found ? out : "");
	pthread_mutex_unlock(&cg_lock);
}

struct cg_root {
	char name[128];
	char path[128];
	uint64_t ino; /* of the mount point: the hierarchy's root cgroup */
	bool v2;
};

static int cg_root_cmp(const void *a, const void *b)
{
	const struct cg_root *x = a, *y = b;
	if (x->v2 != y->v2)
		return x->v2 ? -1 : 1;
	if (x->v2)
		return 0;
	int c = strcmp(x->name, y->name);
	return c ? c : strcmp(x->path, y->path);
}

/* cgroup mounts from /proc/mounts, cgroup2 ("unified") first, then v1
 * by mount point name, like bpftrace. Returns how many. */
static size_t cg_roots(struct cg_root *r, size_t max)
{
	FILE *f = fopen("/proc/mounts", "re");
	size_t n = 0;
	char line[1024];
	if (!f)
		return 0;
	while (n < max && fgets(line, sizeof(line), f)) {
		char dev[64], path[128];
		struct stat st;
		if (sscanf(line, "%63s %127s", dev, path) != 2 ||
		    (strcmp(dev, "cgroup") && strcmp(dev, "cgroup2")) ||
		    stat(path, &st) < 0 || !S_ISDIR(st.st_mode))
			continue;
		r[n].v2 = !strcmp(dev, "cgroup2");
		r[n].ino = st.st_ino;
		const char *base = strrchr(path, '/');
		const char *name = r[n].v2 ? "unified" : (base ? base + 1 : path);
		memcpy(r[n].name, name, strlen(name) + 1);
		memcpy(r[n].path, path, strlen(path) + 1);
		n++;
	}
	fclose(f);
	/* Stable order within cgroup2 mounts: a merge of two passes. */
	struct cg_root tmp[32];
	size_t k = 0;
	for (int pass = 0; pass < 2; pass++)
		for (size_t i = 0; i < n && k < 32; i++)
			if (r[i].v2 == !pass)
				tmp[k++] = r[i];
	memcpy(r, tmp, k * sizeof(*r));
	size_t v2 = 0;
	while (v2 < k && r[v2].v2)
		v2++;
	qsort(r + v2, k - v2, sizeof(*r), cg_root_cmp);
	return k;
}

/* The mount list, re-read at most once per CG_MISS_NS. */
static size_t cg_roots_cached(struct cg_root *r, size_t max)
{
	static struct cg_root roots[32];
	static size_t n;
	static uint64_t until;
	pthread_mutex_lock(&cg_lock);
	uint64_t now = now_ns();
	if (now >= until) {
		n = cg_roots(roots, 32);
		until = now + CG_MISS_NS;
	}
	size_t k = n < max ? n : max;
	memcpy(r, roots, k * sizeof(*r));
	pthread_mutex_unlock(&cg_lock);
	return k;
}

size_t bt_render__cgroup_path(uint64_t id, const char *filter, char *out,
			      size_t len)
{
	struct cg_root roots[32];
	size_t n = cg_roots_cached(roots, 32), o = 0;
	if (!len)
		return 0;
	out[0] = 0;
	for (size_t i = 0; i < n; i++) {
		char rel[PATH_MAX];
		if (filter && *filter && fnmatch(filter, roots[i].name, 0))
			continue;
		cg_path_in(roots[i].path, roots[i].ino, id, rel, sizeof(rel));
		if (!rel[0])
			continue;
		int k = snprintf(out + o, len - o, "%s%s:%s", o ? "," : "",
				 roots[i].name, rel);
		if (k < 0 || (size_t)k >= len - o) {
			out[o] = 0;
			break;
		}
		o += (size_t)k;
	}
	return o;
}

/* ---- usym() -------------------------------------------------------------------- */

/* Function symbols of one file, by file offset; a small cache of files. */
#define SYM_FILES 8
struct sym_file {
	char path[PATH_MAX];
	struct stat st; /* to notice a rebuilt binary */
	struct bt_elf_syms syms;
	bool used;
};
static struct sym_file sym_files[SYM_FILES];
static unsigned sym_next;
static pthread_mutex_t sym_lock = PTHREAD_MUTEX_INITIALIZER;

static struct sym_file *sym_file_get(const char *path)
{
	struct stat st;
	if (stat(path, &st) < 0)
		return NULL;
	for (unsigned i = 0; i < SYM_FILES; i++) {
		struct sym_file *f = &sym_files[i];
		if (f->used && !strcmp(f->path, path) &&
		    f->st.st_ino == st.st_ino &&
		    f->st.st_mtim.tv_sec == st.st_mtim.tv_sec &&
		    f->st.st_mtim.tv_nsec == st.st_mtim.tv_nsec)
			return f;
	}
	struct sym_file *f = &sym_files[sym_next++ % SYM_FILES];
	bt_elf_syms__free(&f->syms);
	f->used = false;
	if (bt_elf__match(path, "*", &f->syms, NULL, 0) < 0)
		return NULL;
	snprintf(f->path, sizeof(f->path), "%s", path);
	f->st = st;
	f->used = true;
	return f;
}

/*
 * The function symbol covering file offset off in path: its name into out
 * and off's distance from its start into *delta. False if none.
 */
static bool sym_at(const char *path, uint64_t off, char *out, size_t len,
		   uint64_t *delta)
{
	bool found = false;
	pthread_mutex_lock(&sym_lock);
	struct sym_file *f = sym_file_get(path);
	for (size_t i = 0; f && i < f->syms.n && !found; i++) {
		const struct bt_elf_sym *s = &f->syms.v[i];
		if (off == s->file_offset ||
		    (off > s->file_offset && off < s->file_offset + s->size)) {
			snprintf(out, len, "%s", s->name);
			*delta = off - s->file_offset;
			found = true;
		}
	}
	pthread_mutex_unlock(&sym_lock);
	return found;
}

/* The file mapped at addr in pid's address space and the file offset. */
static bool map_of(uint32_t pid, uint64_t addr, char *path, size_t len,
		   uint64_t *off)
{
	char fn[64], line[PATH_MAX + 128];
	snprintf(fn, sizeof(fn), "/proc/%u/maps", pid);
	FILE *f = fopen(fn, "re");
	bool found = false;
	if (!f)
		return false;
	while (!found && fgets(line, sizeof(line), f)) {
		uint64_t lo, hi, pgoff;
		int at = 0;
		if (sscanf(line, "%" SCNx64 "-%" SCNx64 " %*s %" SCNx64
				 " %*s %*s %n",
			   &lo, &hi, &pgoff, &at) != 3 ||
		    addr < lo || addr >= hi || !at || line[at] != '/')
			continue;
		line[strcspn(line, "\n")] = 0;
		snprintf(path, len, "%s", line + at);
		*off = addr - lo + pgoff;
		found = true;
	}
	fclose(f);
	return found;
}

bool bt_render__usym_at(uint64_t addr, uint32_t pid, char *name, size_t nlen,
			uint64_t *off, char *path, size_t plen)
{
	uint64_t foff;
	return pid && map_of(pid, addr, path, plen, &foff) &&
	       sym_at(path, foff, name, nlen, off);
}

void bt_render__usym(uint64_t addr, uint32_t pid, char *out, size_t len)
{
	char path[PATH_MAX];
	uint64_t off;
	if (!bt_render__usym_at(addr, pid, out, len, &off, path, sizeof(path)))
		snprintf(out, len, addr ? "0x%" PRIx64 : "0", addr);
}

/* ---- Dispatch ------------------------------------------------------------------ */

/* The text a BT_REC_TEXT record holds for a value (format, filter). */
static const char *text_arg(const struct bt_object *obj,
			    const struct bt_type *t)
{
	if (!obj || t->depth >= obj->nprintfs ||
	    obj->printfs[t->depth].kind != BT_REC_TEXT)
		return NULL;
	return obj->printfs[t->depth].fmt;
}

bool bt_render__text(const struct bt_object *obj, const struct bt_type *t,
		     const uint8_t *p, char *buf, size_t len)
{
	uint64_t v, w;
	if (t->kind != BT_T_TEXT || !len)
		return false;
	memcpy(&v, p, 8);
	switch (t->render) {
	case BT_RENDER_STRFTIME: {
		const char *fmt = text_arg(obj, t);
		bt_render__strftime(fmt ? fmt : "%H:%M:%S", v, buf, len);
		return true;
	}
	case BT_RENDER_CGROUP:
		bt_render__cgroup_path(v, text_arg(obj, t), buf, len);
		return true;
	case BT_RENDER_USYM:
		memcpy(&w, p + 8, 8);
		bt_render__usym(v, (uint32_t)w, buf, len);
		return true;
	case BT_RENDER_BUF:
		bt_render__buf(p + 8, v < t->size - 8 ? v : t->size - 8, buf,
			       len);
		return true;
	default:
		return false;
	}
}
