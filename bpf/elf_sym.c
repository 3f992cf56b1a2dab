/*
 * elf_sym.c - symbols of ELF files as uprobe file offsets, and uprobe
 * targets ("libc", "bash") as paths.
 *
 * Uprobes are placed at file offsets. A symbol's st_value is a virtual
 * address; the PT_LOAD program header covering it maps it back to the file:
 * offset = vaddr - p_vaddr + p_offset. Executables and shared libraries
 * (ET_EXEC, ET_DYN) both work this way; relocatable objects have no
 * program headers and are refused.
 *
 * .symtab is searched before .dynsym because it also holds static
 * functions; stripped files only have .dynsym. Files are read, not
 * mapped: a file truncated while it is read gives a short read and an
 * error, where a mapping would raise SIGBUS.
 */
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <gelf.h>
#include <libelf.h>
#include <limits.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "bpf/elf_int.h"
#include "bpf/elf_sym.h"
#include "bpf/errmsg.h"
#include "bpf/tracefs.h" /* bt_glob__match */


/* ---- Opening ELF files ----------------------------------------------------
 */

int bt_elf_file__open(struct bt_elf_file *f, const char *path, char *err,
		      size_t errlen)
{
	GElf_Ehdr eh;

	f->elf = NULL;
	f->fd = open(path, O_RDONLY | O_CLOEXEC);
	if (f->fd < 0) {
		int ret = -errno;

		bt_errmsg__set(err, errlen, "cannot open %s: %s", path,
		       strerror(errno));
		return ret;
	}
	if (elf_version(EV_CURRENT) == EV_NONE)
		goto bad;
	f->elf = elf_begin(f->fd, ELF_C_READ, NULL);
	if (!f->elf || elf_kind(f->elf) != ELF_K_ELF ||
	    !gelf_getehdr(f->elf, &eh))
		goto bad;
	if (eh.e_type != ET_EXEC && eh.e_type != ET_DYN)
		goto bad;
	return 0;
bad:
	bt_errmsg__set(err, errlen, "%s is not an ELF executable or shared library",
	       path);
	if (f->elf)
		elf_end(f->elf);
	close(f->fd);
	return -ENOEXEC;
}

void bt_elf_file__close(struct bt_elf_file *f)
{
	elf_end(f->elf);
	close(f->fd);
}

/*
 * ELF files recently read by this thread, kept open with the sections
 * libelf has read: a program puts probe after probe on one library
 * (ssllatency.bt: 18 on libcrypto), and opening it anew each time read
 * its megabyte-sized symbol tables again (most of that compile). An entry
 * serves a path while it still names the same unchanged file (device,
 * inode, size, mtime); as for library lookups, a file modified in the
 * last two seconds is not served again (a same-size rewrite within one
 * mtime tick would look unchanged). Up to N_ELF_MEMO files (descriptors)
 * stay open per thread.
 */
struct elf_memo {
	char path[PATH_MAX];
	struct stat st;
	bool reuse; /* old enough to be served again */
	struct bt_elf_file f; /* f.elf NULL: empty */
};
#define N_ELF_MEMO 2
static __thread struct elf_memo elf_memo[N_ELF_MEMO];
static __thread unsigned elf_memo_next;

static bool same_file(const struct stat *a, const struct stat *b)
{
	return a->st_dev == b->st_dev && a->st_ino == b->st_ino &&
	       a->st_size == b->st_size &&
	       a->st_mtim.tv_sec == b->st_mtim.tv_sec &&
	       a->st_mtim.tv_nsec == b->st_mtim.tv_nsec;
}

/*
 * libelf's handle on path, owned by this thread's memo (never close it;
 * valid until the next elf_get). NULL with *ret and a message when
 * bt_elf_file__open fails.
 */
static Elf *elf_get(const char *path, int *ret, char *err, size_t errlen)
{
	struct bt_elf_file f;
	struct stat st;

	if (stat(path, &st) == 0)
		for (size_t i = 0; i < N_ELF_MEMO; i++)
			if (elf_memo[i].f.elf && elf_memo[i].reuse &&
			    !strcmp(elf_memo[i].path, path) &&
			    same_file(&elf_memo[i].st, &st))
				return elf_memo[i].f.elf;
	*ret = bt_elf_file__open(&f, path, err, errlen);
	if (*ret)
		return NULL;
	if (fstat(f.fd, &st) < 0 || strlen(path) >= PATH_MAX) {
		bt_elf_file__close(&f);
		bt_errmsg__set(err, errlen, "cannot read %s", path);
		*ret = -EIO;
		return NULL;
	}
	struct elf_memo *m = &elf_memo[elf_memo_next++ % N_ELF_MEMO];
	if (m->f.elf)
		bt_elf_file__close(&m->f);
	struct timespec now;
	clock_gettime(CLOCK_REALTIME, &now);
	strcpy(m->path, path);
	m->st = st;
	m->reuse = st.st_mtim.tv_sec < now.tv_sec - 1;
	m->f = f;
	return f.elf;
}

int bt_elf__vaddr_to_offset(Elf *elf, uint64_t vaddr, uint64_t *off)
{
	size_t n;

	if (elf_getphdrnum(elf, &n))
		return -ERANGE;
	for (size_t i = 0; i < n; i++) {
		GElf_Phdr ph;

		if (!gelf_getphdr(elf, i, &ph) || ph.p_type != PT_LOAD)
			continue;
		if (vaddr >= ph.p_vaddr && vaddr < ph.p_vaddr + ph.p_filesz) {
			*off = vaddr - ph.p_vaddr + ph.p_offset;
			return 0;
		}
	}
	return -ERANGE;
}

/* ---- Walking symbols --------------------------------------------------------
 */

/*
 * Called per defined symbol; nonzero stops the walk and is returned.
 * hidden: a non-default version in .gnu.version ("memcpy@GLIBC_2.2.5"
 * beside the default "memcpy@@GLIBC_2.14"), which callers of the plain name
 * do not reach.
 */
typedef int (*sym_fn)(void *ctx, const char *name, const GElf_Sym *sym,
		      bool hidden);

static bool usable(const GElf_Sym *s, bool funcs_only)
{
	int type = GELF_ST_TYPE(s->st_info);

	if (s->st_shndx == SHN_UNDEF || s->st_value == 0)
		return false;
	if (type == STT_FUNC || type == STT_GNU_IFUNC)
		return true;
	return !funcs_only && type == STT_OBJECT;
}

/* The .gnu.version data (one entry per .dynsym symbol), or NULL. */
static Elf_Data *versym_data(Elf *elf)
{
	Elf_Scn *scn = NULL;
	GElf_Shdr sh;

	while ((scn = elf_nextscn(elf, scn)))
		if (gelf_getshdr(scn, &sh) && sh.sh_type == SHT_GNU_versym)
			return elf_getdata(scn, NULL);
	return NULL;
}

static bool is_hidden(Elf_Data *versym, size_t i)
{
	GElf_Versym v;

	return versym && gelf_getversym(versym, i, &v) && (v & 0x8000);
}

/* Walks the symbols of sections of type `shtype`. */
static int walk_syms(Elf *elf, Elf64_Word shtype, bool funcs_only, sym_fn fn,
		     void *ctx)
{
	Elf_Data *versym = shtype == SHT_DYNSYM ? versym_data(elf) : NULL;
	Elf_Scn *scn = NULL;

	while ((scn = elf_nextscn(elf, scn))) {
		GElf_Shdr sh;
		Elf_Data *data;
		size_t n;

		if (!gelf_getshdr(scn, &sh) || sh.sh_type != shtype ||
		    !sh.sh_entsize)
			continue;
		data = elf_getdata(scn, NULL);
		if (!data)
			continue;
		n = sh.sh_size / sh.sh_entsize;
		for (size_t i = 0; i < n; i++) {
			GElf_Sym s;
			const char *name;
			int ret;

			if (!gelf_getsym(data, i, &s) ||
			    !usable(&s, funcs_only))
				continue;
			name = elf_strptr(elf, sh.sh_link, s.st_name);
			if (!name || !*name)
				continue;
			ret = fn(ctx, name, &s, is_hidden(versym, i));
			if (ret)
				return ret;
		}
	}
	return 0;
}

/* "getpid" matches "getpid" and versioned "getpid@@GLIBC_2.2.5". */
static bool name_is(const char *name, const char *want)
{
	size_t n = strlen(want);

	return !strncmp(name, want, n) && (name[n] == 0 || name[n] == '@');
}

struct find_ctx {
	const char *want;
	GElf_Sym sym;
	bool found; /* a hidden version only, so far */
};

/* Stops at the first default-version match; keeps a hidden one in case. */
static int find_cb(void *ctx, const char *name, const GElf_Sym *sym,
		   bool hidden)
{
	struct find_ctx *c = ctx;

	if (!name_is(name, c->want) || (hidden && c->found))
		return 0;
	c->sym = *sym;
	c->found = true;
	return !hidden;
}

int bt_elf__resolve(const char *path, const char *symbol,
		    struct bt_elf_sym *out, char *err, size_t errlen)
{
	struct find_ctx c = {.want = symbol};
	uint64_t off;
	int ret = 0;

	if (!symbol || !*symbol) {
		bt_errmsg__set(err, errlen, "empty symbol name");
		return -EINVAL;
	}
	Elf *elf = elf_get(path, &ret, err, errlen);
	if (!elf)
		return ret;
	if (!walk_syms(elf, SHT_SYMTAB, false, find_cb, &c) &&
	    !walk_syms(elf, SHT_DYNSYM, false, find_cb, &c) && !c.found) {
		bt_errmsg__set(err, errlen, "no symbol '%s' in %s", symbol, path);
		return -ENOENT;
	}
	ret = bt_elf__vaddr_to_offset(elf, c.sym.st_value, &off);
	if (ret) {
		bt_errmsg__set(err, errlen,
		       "symbol '%s' in %s is at 0x%llx, in no loadable segment",
		       symbol, path, (unsigned long long)c.sym.st_value);
		return ret;
	}
	out->name = NULL;
	out->vaddr = c.sym.st_value;
	out->size = c.sym.st_size;
	out->file_offset = off;
	return 0;
}

/* A number as bpftrace writes probe offsets: decimal or 0x hex. */
static bool parse_u64(const char *s, uint64_t *v)
{
	char *end;

	if (!*s || *s == '-' || *s == '+')
		return false;
	errno = 0;
	*v = strtoull(s, &end, 0);
	return !*end && !errno;
}

int bt_elf__locate(const char *path, const char *spec, uint64_t *file_offset,
		   char *err, size_t errlen)
{
	char sym[256];
	const char *plus = strrchr(spec, '+');
	uint64_t v, add = 0;
	struct bt_elf_sym s;
	int ret = 0;

	if (parse_u64(spec, &v)) { /* a virtual address */
		Elf *elf = elf_get(path, &ret, err, errlen);

		if (!elf)
			return ret;
		ret = bt_elf__vaddr_to_offset(elf, v, file_offset);
		if (ret)
			bt_errmsg__set(err, errlen,
				       "address %s is in no loadable segment "
				       "of %s",
				       spec, path);
		return ret;
	}
	if (!plus || (size_t)(plus - spec) >= sizeof(sym) ||
	    !parse_u64(plus + 1, &add)) {
		bt_errmsg__set(err, errlen,
			       "malformed uprobe location '%s' (expected "
			       "function, function+offset or address)",
			       spec);
		return -EINVAL;
	}
	snprintf(sym, sizeof(sym), "%.*s", (int)(plus - spec), spec);
	ret = bt_elf__resolve(path, sym, &s, err, errlen);
	if (ret)
		return ret;
	if (s.size && add >= s.size) {
		bt_errmsg__set(err, errlen,
			       "offset %s is past the end of %s (%llu bytes)",
			       plus + 1, sym, (unsigned long long)s.size);
		return -ERANGE;
	}
	*file_offset = s.file_offset + add;
	return 0;
}

/* ---- Wildcards
 * ---------------------------------------------------------------- */

struct match_ctx {
	const char *glob;
	Elf *elf;
	struct bt_elf_syms *out;
	size_t cap;
};

static int match_cb(void *ctx, const char *name, const GElf_Sym *sym,
		    bool hidden)
{
	struct match_ctx *c = ctx;
	struct bt_elf_sym *s;
	size_t n = strcspn(name, "@");
	uint64_t off;

	/* Old versions: the default one of the same name is listed too. */
	if (hidden || n != strlen(name) || !bt_glob__match(c->glob, name) ||
	    bt_elf__vaddr_to_offset(c->elf, sym->st_value, &off))
		return 0;
	if (c->out->n == c->cap) {
		size_t nc = c->cap ? c->cap * 2 : 64;
		struct bt_elf_sym *nv = realloc(c->out->v, nc * sizeof(*nv));

		if (!nv)
			return -ENOMEM;
		c->out->v = nv;
		c->cap = nc;
	}
	s = &c->out->v[c->out->n];
	s->name = strdup(name);
	if (!s->name)
		return -ENOMEM;
	s->vaddr = sym->st_value;
	s->size = sym->st_size;
	s->file_offset = off;
	c->out->n++;
	return 0;
}

static int sym_cmp(const void *a, const void *b)
{
	const struct bt_elf_sym *x = a, *y = b;

	return strcmp(x->name, y->name);
}

/*
 * Sorts by name and keeps one of each name: .symtab and .dynsym list the
 * same exported functions at the same address, so any copy will do.
 */
static void syms_unique(struct bt_elf_syms *l)
{
	size_t o = 0;

	if (!l->n)
		return;
	qsort(l->v, l->n, sizeof(*l->v), sym_cmp);
	for (size_t i = 0; i < l->n; i++) {
		if (o && !strcmp(l->v[o - 1].name, l->v[i].name)) {
			free(l->v[i].name);
			continue;
		}
		l->v[o++] = l->v[i];
	}
	l->n = o;
}

void bt_elf_syms__free(struct bt_elf_syms *l)
{
	if (!l)
		return;
	for (size_t i = 0; i < l->n; i++)
		free(l->v[i].name);
	free(l->v);
	l->v = NULL;
	l->n = 0;
}

int bt_elf__match(const char *path, const char *glob, struct bt_elf_syms *out,
		  char *err, size_t errlen)
{
	struct match_ctx c = {.glob = glob, .out = out};
	int ret = 0;

	out->n = 0;
	out->v = NULL;
	if (!glob || !*glob) {
		bt_errmsg__set(err, errlen, "empty symbol pattern");
		return -EINVAL;
	}
	c.elf = elf_get(path, &ret, err, errlen);
	if (!c.elf)
		return ret;
	ret = walk_syms(c.elf, SHT_SYMTAB, true, match_cb, &c);
	if (!ret)
		ret = walk_syms(c.elf, SHT_DYNSYM, true, match_cb, &c);
	if (ret) {
		bt_elf_syms__free(out);
		return ret;
	}
	syms_unique(out);
	if (!out->n) {
		bt_errmsg__set(err, errlen, "no function matches '%s' in %s", glob,
		       path);
		return -ENOENT;
	}
	return (int)out->n;
}

/* ---- Targets: paths, libraries, programs
 * -------------------------------------- */

static bool is_elf(const char *path)
{
	unsigned char m[4];
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	bool ok;

	if (fd < 0)
		return false;
	ok = read(fd, m, 4) == 4 && !memcmp(m, ELFMAG, SELFMAG);
	close(fd);
	return ok;
}

/*
 * Does file name `base` satisfy library `want`? "libc.so.6" must match
 * exactly; "libc" and "libc.so" also accept "libc.so.<version>".
 */
static bool lib_matches(const char *base, const char *want)
{
	size_t n = strlen(want);
	const char *rest;

	if (!strcmp(base, want))
		return true;
	if (strncmp(base, want, n))
		return false;
	rest = base + n;
	if (n > 3 && !strcmp(want + n - 3, ".so"))
		return rest[0] == '.' && isdigit((unsigned char)rest[1]);
	if (strstr(want, ".so"))
		return false;
	return !strncmp(rest, ".so.", 4) && isdigit((unsigned char)rest[4]);
}

static int put_path(char *path, size_t len, const char *dir, const char *base)
{
	int n = snprintf(path, len, "%s%s%s", dir, *dir ? "/" : "", base);

	return n < 0 || (size_t)n >= len ? -ENAMETOOLONG : 0;
}

/* Library by name in /proc/<pid>/maps. */
static int lib_in_maps(pid_t pid, const char *want, char *path, size_t len)
{
	char maps[64], line[PATH_MAX + 256];
	FILE *f;
	int ret = -ENOENT;

	snprintf(maps, sizeof(maps), "/proc/%d/maps", (int)pid);
	f = fopen(maps, "re");
	if (!f)
		return -ENOENT;
	while (ret == -ENOENT && fgets(line, sizeof(line), f)) {
		char *p = strchr(line, '/'), *base;

		if (!p)
			continue;
		p[strcspn(p, "\n")] = 0;
		base = strrchr(p, '/') + 1;
		if (lib_matches(base, want) && is_elf(p))
			ret = put_path(path, len, "", p);
	}
	fclose(f);
	return ret;
}

static const char *const lib_dirs[] = {
	"/lib/x86_64-linux-gnu",
	"/usr/lib/x86_64-linux-gnu",
	"/lib64",
	"/usr/lib64",
	"/lib",
	"/usr/lib",
	"/usr/local/lib",
};
#define N_LIB_DIRS (sizeof(lib_dirs) / sizeof(lib_dirs[0]))

/*
 * Recent library lookups of this thread. A program names the same
 * library in probe after probe (ssllatency.bt: 24 probes, two libraries)
 * and each lookup reads all of /lib/<multiarch>, which dominated its
 * compile time. An answer stays valid while the directories searched up
 * to the one holding it keep their mtime (adding, removing or renaming an
 * entry moves it); a missing directory counts with mtime -1. mtimes tick
 * with the kernel's coarse clock, so two changes a few ms apart can leave
 * the same mtime: an answer is remembered only when every mtime is over a
 * second old (git's "racily clean" rule).
 */
struct lib_memo {
	char want[NAME_MAX + 1], path[512];
	size_t ndirs; /* lib_dirs[0..ndirs-1] were searched */
	struct timespec mtime[N_LIB_DIRS];
};
#define N_LIB_MEMO 4
static __thread struct lib_memo lib_memo[N_LIB_MEMO];
static __thread unsigned lib_memo_next;

static struct timespec dir_mtime(const char *dir)
{
	struct stat st;

	if (stat(dir, &st) < 0)
		return (struct timespec){-1, -1};
	return st.st_mtim;
}

static bool memo_valid(const struct lib_memo *m, const char *want)
{
	if (!m->ndirs || strcmp(m->want, want))
		return false;
	for (size_t i = 0; i < m->ndirs; i++) {
		struct timespec t = dir_mtime(lib_dirs[i]);
		if (t.tv_sec != m->mtime[i].tv_sec ||
		    t.tv_nsec != m->mtime[i].tv_nsec)
			return false;
	}
	return true;
}

/* Remembers that want is path, found in lib_dirs[ndirs - 1]; mtime holds
 * the mtimes of lib_dirs[0..ndirs-1] taken before each was read. */
static void memo_put(const char *want, const char *path, size_t ndirs,
		     const struct timespec *mtime)
{
	struct lib_memo *m = &lib_memo[lib_memo_next % N_LIB_MEMO];
	struct timespec now;

	clock_gettime(CLOCK_REALTIME, &now);
	for (size_t i = 0; i < ndirs; i++)
		if (mtime[i].tv_sec >= now.tv_sec - 1)
			return; /* too recent to tell later changes apart */
	if (strlen(want) >= sizeof(m->want) || strlen(path) >= sizeof(m->path))
		return;
	lib_memo_next++;
	strcpy(m->want, want);
	strcpy(m->path, path);
	memcpy(m->mtime, mtime, ndirs * sizeof(*mtime));
	m->ndirs = ndirs;
}

/* Library by name in the standard directories; highest version wins. */
static int lib_in_dirs(const char *want, char *path, size_t len)
{
	char best[NAME_MAX + 1], cand[PATH_MAX];
	struct timespec mtime[N_LIB_DIRS];

	for (size_t i = 0; i < N_LIB_MEMO; i++)
		if (memo_valid(&lib_memo[i], want))
			return put_path(path, len, "", lib_memo[i].path);
	for (size_t i = 0; i < N_LIB_DIRS; i++) {
		mtime[i] = dir_mtime(lib_dirs[i]); /* before reading it */
		DIR *dh = opendir(lib_dirs[i]);
		struct dirent *d;

		if (!dh)
			continue;
		best[0] = 0;
		while ((d = readdir(dh))) {
			if (!lib_matches(d->d_name, want) ||
			    (best[0] && strverscmp(d->d_name, best) <= 0) ||
			    put_path(cand, sizeof(cand), lib_dirs[i],
				     d->d_name) ||
			    !is_elf(cand))
				continue;
			snprintf(best, sizeof(best), "%s", d->d_name);
		}
		closedir(dh);
		if (!best[0])
			continue;
		int ret = put_path(path, len, lib_dirs[i], best);
		if (!ret)
			memo_put(want, path, i + 1, mtime);
		return ret;
	}
	return -ENOENT;
}

/* Program by name in $PATH. */
static int prog_in_path(const char *name, char *path, size_t len)
{
	const char *env = getenv("PATH");
	char dirs[4096], *save = NULL;

	snprintf(dirs, sizeof(dirs), "%s", env ? env : "/usr/bin:/bin");
	for (char *d = strtok_r(dirs, ":", &save); d;
	     d = strtok_r(NULL, ":", &save)) {
		if (!put_path(path, len, d, name) && !access(path, X_OK) &&
		    is_elf(path))
			return 0;
	}
	return -ENOENT;
}

static bool looks_like_lib(const char *t)
{
	return !strncmp(t, "lib", 3) || strstr(t, ".so");
}

int bt_elf__find_target(const char *target, pid_t pid, char *path,
			size_t pathlen, char *err, size_t errlen)
{
	char abs[PATH_MAX];
	int ret = -ENOENT;

	if (!target || !*target) {
		bt_errmsg__set(err, errlen, "empty uprobe target");
		return -EINVAL;
	}
	if (strchr(target, '/')) {
		if (!realpath(target, abs)) {
			ret = -errno;
			bt_errmsg__set(err, errlen, "uprobe target %s: %s", target,
			       strerror(errno));
			return ret;
		}
		ret = put_path(path, pathlen, "", abs);
	} else if (looks_like_lib(target)) {
		if (pid > 0)
			ret = lib_in_maps(pid, target, path, pathlen);
		if (ret == -ENOENT)
			ret = lib_in_dirs(target, path, pathlen);
		if (ret == -ENOENT)
			bt_errmsg__set(err, errlen, "library '%s' not found", target);
	} else {
		ret = prog_in_path(target, path, pathlen);
		if (ret == -ENOENT)
			bt_errmsg__set(err, errlen, "program '%s' not found in $PATH",
			       target);
	}
	if (ret == -ENAMETOOLONG)
		bt_errmsg__set(err, errlen, "path of '%s' is too long", target);
	return ret;
}
