/*
 * test_elf_sym.c - ELF symbols to uprobe offsets, checked against where the
 * loader really mapped them: for a function at runtime address A inside a
 * /proc/self/maps line (start, file offset O), its file offset is
 * A - start + O. That needs no ELF parsing at all, so it checks ours.
 */
#include <dlfcn.h>
#include <errno.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "bpf/elf_sym.h"
#include "tests/tt_test.h"

/* Functions to find; noinline and used so that they exist as symbols. */
__attribute__((noinline, used)) int tt_elf_fn_one(int x)
{
	__asm__ volatile("" ::: "memory");
	return x + 1;
}
__attribute__((noinline, used)) int tt_elf_fn_two(int x)
{
	__asm__ volatile("" ::: "memory");
	return x + 2;
}
__attribute__((noinline, used)) int tt_elf_fn_three(int x)
{
	__asm__ volatile("" ::: "memory");
	return x + 3;
}

/* File offset and file path of a runtime code address, from maps. */
static int maps_offset(const void *addr, uint64_t *off, char *path, size_t len)
{
	FILE *f = fopen("/proc/self/maps", "r");
	char line[PATH_MAX + 128];
	uintptr_t a = (uintptr_t)addr;
	int ret = -ENOENT;

	if (!f)
		return -errno;
	while (ret && fgets(line, sizeof(line), f)) {
		unsigned long lo, hi, o;
		char perm[8], file[PATH_MAX] = "";

		if (sscanf(line, "%lx-%lx %7s %lx %*s %*s %4095s", &lo, &hi,
			   perm, &o, file) < 4)
			continue;
		if (a < lo || a >= hi)
			continue;
		*off = a - lo + o;
		snprintf(path, len, "%s", file);
		ret = 0;
	}
	fclose(f);
	return ret;
}

TT_TEST(own_function_offset)
{
	struct bt_elf_sym s;
	char path[PATH_MAX];
	uint64_t want;
	char err[256];

	CHECK_INT(maps_offset((void *)tt_elf_fn_two, &want, path, sizeof(path)),
		  0);
	CHECK_INT(bt_elf__resolve("/proc/self/exe", "tt_elf_fn_two", &s, err,
				  sizeof(err)),
		  0);
	CHECKF(s.file_offset == want, "offset 0x%llx, maps say 0x%llx",
	       (unsigned long long)s.file_offset, (unsigned long long)want);
	CHECK(s.size > 0);
	CHECK(s.name == NULL);
	/* Same answer through the real path. */
	CHECK_INT(bt_elf__resolve(path, "tt_elf_fn_two", &s, NULL, 0), 0);
	CHECK_INT(s.file_offset, want);
	CHECK_INT(tt_elf_fn_two(1), 3);
}

TT_TEST(libc_getpid_offset)
{
	void *fn = dlsym(RTLD_DEFAULT, "getpid");
	char path[PATH_MAX], found[PATH_MAX], rp1[PATH_MAX], rp2[PATH_MAX];
	struct bt_elf_sym s;
	uint64_t want;

	CHECK(fn != NULL);
	CHECK_INT(maps_offset(fn, &want, path, sizeof(path)), 0);
	CHECK(strstr(path, "libc") != NULL);
	CHECK_INT(bt_elf__resolve(path, "getpid", &s, NULL, 0), 0);
	CHECKF(s.file_offset == want, "offset 0x%llx, maps say 0x%llx",
	       (unsigned long long)s.file_offset, (unsigned long long)want);
	/* And "libc" finds that same file. */
	CHECK_INT(bt_elf__find_target("libc", 0, found, sizeof(found), NULL, 0),
		  0);
	CHECK(realpath(found, rp1) && realpath(path, rp2));
	CHECK_STR(rp1, rp2);
	CHECK_INT(bt_elf__find_target("libc.so.6", getpid(), found,
				      sizeof(found), NULL, 0),
		  0);
	CHECK(realpath(found, rp1));
	CHECK_STR(rp1, rp2);
	CHECK_INT(bt_elf__resolve(found, "getpid", &s, NULL, 0), 0);
	CHECK_INT(s.file_offset, want);
}

/* The symbol's address and size as readelf prints them. */
TT_TEST(libc_getpid_matches_readelf)
{
	char path[PATH_MAX], cmd[PATH_MAX + 64], line[512];
	unsigned long long value = 0, size = 0;
	struct bt_elf_sym s;
	bool seen = false;
	FILE *p;

	if (system("command -v readelf >/dev/null 2>&1"))
		SKIP("no readelf");
	CHECK_INT(bt_elf__find_target("libc", 0, path, sizeof(path), NULL, 0),
		  0);
	snprintf(cmd, sizeof(cmd), "readelf -W --dyn-syms '%s'", path);
	p = popen(cmd, "r");
	CHECK(p != NULL);
	while (fgets(line, sizeof(line), p)) {
		char name[256];

		if (sscanf(line, "%*s %llx %llu %*s %*s %*s %*s %255s", &value,
			   &size, name) == 3 &&
		    (!strcmp(name, "getpid") || !strncmp(name, "getpid@", 7))) {
			seen = true;
			break;
		}
	}
	pclose(p);
	CHECK(seen);
	CHECK_INT(bt_elf__resolve(path, "getpid", &s, NULL, 0), 0);
	CHECK_INT(s.vaddr, value);
	CHECK_INT(s.size, size);
}

/*
 * libc exports old versions beside the default (memcpy@GLIBC_2.2.5 and
 * memcpy@@GLIBC_2.14): the plain name means the default, "@@" in readelf.
 */
TT_TEST(default_symbol_versions)
{
	static const char *const names[] = {"memcpy", "realpath", "regexec"};
	char path[PATH_MAX], cmd[PATH_MAX + 64], line[512], want[64];
	struct bt_elf_syms l = {0};
	struct bt_elf_sym s;
	int checked = 0;

	if (system("command -v readelf >/dev/null 2>&1"))
		SKIP("no readelf");
	CHECK_INT(bt_elf__find_target("libc", 0, path, sizeof(path), NULL, 0),
		  0);
	for (size_t k = 0; k < sizeof(names) / sizeof(names[0]); k++) {
		unsigned long long value = 0;
		bool seen = false;
		FILE *p;

		snprintf(cmd, sizeof(cmd), "readelf -W --dyn-syms '%s'", path);
		snprintf(want, sizeof(want), "%s@@", names[k]);
		p = popen(cmd, "r");
		CHECK(p != NULL);
		while (!seen && fgets(line, sizeof(line), p)) {
			char name[256];

			seen = sscanf(line,
				      "%*s %llx %*s %*s %*s %*s %*s %255s",
				      &value, name) == 2 &&
			       !strncmp(name, want, strlen(want));
		}
		pclose(p);
		if (!seen)
			continue; /* this libc has one version only */
		CHECK_INT(bt_elf__resolve(path, names[k], &s, NULL, 0), 0);
		CHECKF(s.vaddr == value, "%s at 0x%llx, default is 0x%llx",
		       names[k], (unsigned long long)s.vaddr, value);
		CHECK_INT(bt_elf__match(path, names[k], &l, NULL, 0), 1);
		CHECK_INT(l.v[0].vaddr, value);
		bt_elf_syms__free(&l);
		checked++;
	}
	if (!checked)
		SKIP("this libc has no multi-version symbols among %s...",
		     names[0]);
}

TT_TEST(wildcards)
{
	struct bt_elf_syms l = {0};
	char err[256];
	uint64_t want;
	char path[PATH_MAX];

	CHECK_INT(bt_elf__match("/proc/self/exe", "tt_elf_fn_*", &l, err,
				sizeof(err)),
		  3);
	CHECK_STR(l.v[0].name, "tt_elf_fn_one");
	CHECK_STR(l.v[1].name, "tt_elf_fn_three");
	CHECK_STR(l.v[2].name, "tt_elf_fn_two");
	CHECK_INT(
		maps_offset((void *)tt_elf_fn_three, &want, path, sizeof(path)),
		0);
	CHECK_INT(l.v[1].file_offset, want);
	bt_elf_syms__free(&l);
	CHECK(l.n == 0 && l.v == NULL);
	CHECK_INT(bt_elf__match("/proc/self/exe", "tt_elf_fn_t?o", &l, NULL, 0),
		  1);
	bt_elf_syms__free(&l);
	CHECK_INT(bt_elf__match("/proc/self/exe", "no_such_fn_*", &l, err,
				sizeof(err)),
		  -ENOENT);
	CHECK(strstr(err, "no_such_fn_*") != NULL);
	CHECK_INT(bt_elf__match("/proc/self/exe", "", &l, NULL, 0), -EINVAL);
}

TT_TEST(errors)
{
	struct bt_elf_sym s;
	char err[256];

	CHECK_INT(bt_elf__resolve("/proc/self/exe", "no_such_symbol_x", &s, err,
				  sizeof(err)),
		  -ENOENT);
	CHECK(strstr(err, "no symbol 'no_such_symbol_x'") != NULL);
	CHECK_INT(bt_elf__resolve("/etc/passwd", "x", &s, err, sizeof(err)),
		  -ENOEXEC);
	CHECK_STR(err,
		  "/etc/passwd is not an ELF executable or shared library");
	CHECK_INT(
		bt_elf__resolve("/nonexistent/file", "x", &s, err, sizeof(err)),
		-ENOENT);
	CHECK_INT(bt_elf__resolve("/proc/self/exe", "", &s, NULL, 0), -EINVAL);
	CHECK_INT(bt_elf__resolve("/dev/null", "x", &s, NULL, 0), -ENOEXEC);
}

TT_TEST(targets)
{
	char path[PATH_MAX], err[256];

	CHECK_INT(bt_elf__find_target("ls", 0, path, sizeof(path), NULL, 0), 0);
	CHECK(path[0] == '/' && !strcmp(strrchr(path, '/'), "/ls"));
	CHECK_INT(bt_elf__find_target("/proc/self/exe", 0, path, sizeof(path),
				      NULL, 0),
		  0);
	CHECK(path[0] == '/' && access(path, X_OK) == 0);
	CHECK_INT(bt_elf__find_target("libnosuchlib_x", 0, path, sizeof(path),
				      err, sizeof(err)),
		  -ENOENT);
	CHECK_STR(err, "library 'libnosuchlib_x' not found");
	CHECK_INT(bt_elf__find_target("nosuchprog_x", 0, path, sizeof(path),
				      err, sizeof(err)),
		  -ENOENT);
	CHECK_INT(bt_elf__find_target("/no/such/file", 0, path, sizeof(path),
				      err, sizeof(err)),
		  -ENOENT);
	CHECK_INT(bt_elf__find_target("", 0, path, sizeof(path), NULL, 0),
		  -EINVAL);
	CHECK_INT(bt_elf__find_target("libc", 0, path, 4, NULL, 0),
		  -ENAMETOOLONG);
	/* "libc" must not pick libcap or libcrypt. */
	CHECK_INT(bt_elf__find_target("libc", 0, path, sizeof(path), NULL, 0),
		  0);
	CHECK(strstr(strrchr(path, '/'), "/libc.so.") != NULL);
}

/*
 * A library mapped from outside the standard directories is found only
 * through the process's /proc/PID/maps: a copy of libz under /tmp, loaded
 * with dlopen, then resolved for this pid (found) and for no pid (not).
 */
TT_TEST(library_found_through_proc_maps)
{
	char src[PATH_MAX], dir[] = "/tmp/tt_elfmaps.XXXXXX", lib[PATH_MAX];
	char path[PATH_MAX], cmd[3 * PATH_MAX];
	struct bt_elf_sym s;
	void *h;

	CHECK_INT(bt_elf__find_target("libz", 0, src, sizeof(src), NULL, 0), 0);
	CHECK(mkdtemp(dir) != NULL);
	snprintf(lib, sizeof(lib), "%s/libttmapsz.so.1", dir);
	snprintf(cmd, sizeof(cmd), "cp '%s' '%s'", src, lib);
	CHECK_INT(system(cmd), 0);
	h = dlopen(lib, RTLD_NOW | RTLD_LOCAL);
	CHECKF(h != NULL, "dlopen: %s", dlerror());
	CHECK_INT(bt_elf__find_target("libttmapsz", getpid(), path,
				      sizeof(path), NULL, 0),
		  0);
	CHECK_STR(path, lib);
	CHECK_INT(bt_elf__resolve(path, "crc32", &s, NULL, 0), 0);
	CHECK(s.file_offset != 0);
	CHECK_INT(bt_elf__find_target("libttmapsz", 0, path, sizeof(path), NULL,
				      0),
		  -ENOENT);
	dlclose(h);
	unlink(lib);
	rmdir(dir);
}

/* The library name `name`'s lookup without a pid, as a path or "-errno". */
static const char *lookup(const char *name)
{
	static char path[PATH_MAX];
	int rc = bt_elf__find_target(name, 0, path, sizeof(path), NULL, 0);

	if (rc < 0)
		snprintf(path, sizeof(path), "%d", rc);
	return path;
}

/*
 * Library lookups are remembered (a program names one library in probe
 * after probe) but never stale: a newer version installed after a lookup
 * is found by the next one, and so is a removal. The copies of libz go
 * to /usr/local/lib, the last standard directory.
 */
TT_TEST(library_lookup_sees_installs_and_removals)
{
	char src[PATH_MAX], name[64], v1[PATH_MAX], v2[PATH_MAX];
	char cmd[3 * PATH_MAX], got[5][PATH_MAX];

	if (geteuid() != 0 || access("/usr/local/lib", W_OK) != 0)
		SKIP("needs root to install a library in /usr/local/lib");
	CHECK_INT(bt_elf__find_target("libz", 0, src, sizeof(src), NULL, 0), 0);
	snprintf(name, sizeof(name), "libttmemo%d", (int)getpid());
	snprintf(v1, sizeof(v1), "/usr/local/lib/%s.so.1", name);
	snprintf(v2, sizeof(v2), "/usr/local/lib/%s.so.2", name);
	snprintf(cmd, sizeof(cmd), "cp '%s' '%s'", src, v1);
	CHECK_INT(system(cmd), 0);
	/* Old enough for the directory's state to be remembered. */
	sleep(2);
	snprintf(got[0], PATH_MAX, "%s", lookup(name));
	snprintf(got[1], PATH_MAX, "%s", lookup(name));
	snprintf(cmd, sizeof(cmd), "cp '%s' '%s'", src, v2);
	int cp = system(cmd);
	snprintf(got[2], PATH_MAX, "%s", lookup(name));
	unlink(v2);
	snprintf(got[3], PATH_MAX, "%s", lookup(name));
	unlink(v1);
	snprintf(got[4], PATH_MAX, "%s", lookup(name));
	CHECK_STR(got[0], v1);
	CHECK_STR(got[1], v1);
	CHECK_INT(cp, 0);
	CHECK_STR(got[2], v2);
	CHECK_STR(got[3], v1);
	CHECK_STR(got[4], "-2"); /* -ENOENT */
}

/*
 * Files read for symbols are kept open between lookups (probe after probe
 * on one library) but never stale: a file rewritten in place with other
 * contents, a while after it was read, is read again.
 */
TT_TEST(rewritten_file_read_again)
{
	char z[PATH_MAX], c[PATH_MAX], dir[] = "/tmp/tt_elfmemo.XXXXXX";
	char lib[PATH_MAX], cmd[3 * PATH_MAX];
	struct bt_elf_sym s;
	int rc[4];

	CHECK_INT(bt_elf__find_target("libz", 0, z, sizeof(z), NULL, 0), 0);
	CHECK_INT(bt_elf__find_target("libc", 0, c, sizeof(c), NULL, 0), 0);
	CHECK(mkdtemp(dir) != NULL);
	snprintf(lib, sizeof(lib), "%s/libttelfmemo.so.1", dir);
	snprintf(cmd, sizeof(cmd), "cp '%s' '%s'", z, lib);
	CHECK_INT(system(cmd), 0);
	sleep(2); /* old enough to be kept */
	rc[0] = bt_elf__resolve(lib, "crc32", &s, NULL, 0);
	rc[1] = bt_elf__resolve(lib, "crc32", &s, NULL, 0);
	/* cp rewrites the same inode: new size and mtime. */
	snprintf(cmd, sizeof(cmd), "cp '%s' '%s'", c, lib);
	int cp = system(cmd);
	rc[2] = bt_elf__resolve(lib, "crc32", &s, NULL, 0);
	rc[3] = bt_elf__resolve(lib, "getpid", &s, NULL, 0);
	unlink(lib);
	rmdir(dir);
	CHECK_INT(rc[0], 0);
	CHECK_INT(rc[1], 0);
	CHECK_INT(cp, 0);
	CHECK_INT(rc[2], -ENOENT);
	CHECK_INT(rc[3], 0);
}

TT_MAIN("bpf/elf_sym", TT_CASE(own_function_offset),
	TT_CASE(libc_getpid_offset), TT_CASE(libc_getpid_matches_readelf),
	TT_CASE(default_symbol_versions), TT_CASE(wildcards), TT_CASE(errors),
	TT_CASE(targets), TT_CASE(library_found_through_proc_maps),
	TT_CASE(library_lookup_sees_installs_and_removals),
	TT_CASE(rewritten_file_read_again))
