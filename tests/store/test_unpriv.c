/*
 * tests/store/test_unpriv.c - a process that dropped to user nobody reads a
 * table whose file belongs to its group, and cannot modify the store: the
 * file cannot be opened for writing, its mapping cannot be made writable,
 * it cannot be removed, and the writer API refuses. Without the group, the
 * same process cannot read the table at all.
 */
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include "tests/store/store_util.h"
#include "tests/tt_test.h"

#define NOBODY 65534
static char dirbuf[64];
static char err[512];

static int make_table(const char *dir, gid_t group)
{
	struct tt_table_opts o = {
		.sz = sizeof(o), .max_bytes = 1 << 20, .group = group};
	struct tt_table *t = NULL;
	struct tt_schema s;
	struct drow row;

	trace_schema(&s);
	if (chmod(dir, 0755) ||
	    tt_table__open(dir, "p", &s, &o, &t, err, sizeof(err)))
		return -1;
	for (uint64_t id = 0; id < 1000; id++) {
		drow_make(&row, id, (int64_t)id, 3);
		tt_table__append(t, row.v);
	}
	tt_table__close(t);
	return 0;
}

static void drop_to_nobody(void)
{
	if (setgroups(0, NULL) || setgid(NOBODY) || setuid(NOBODY))
		_exit(100);
	if (geteuid() != NOBODY)
		_exit(101);
}

static bool denied(int rc)
{
	return rc == -EACCES || rc == -EPERM;
}

/* Runs in the child as nobody; the exit code names the failed step. */
static int reader_child(const char *dir)
{
	struct tt_reader *r = NULL;
	struct tt_table *t = NULL;
	struct tt_scan_opts o = {.sz = sizeof(o)};
	struct tt_scan *sc;
	struct tt_chunk ch;
	struct scan_result res;
	char path[128];
	struct tt_schema s;

	drop_to_nobody();
	if (tt_reader__open(dir, "p", &r, err, sizeof(err)))
		return 1;
	res = scan_all(r, 0, 0, 3);
	if (res.rc || res.bad || res.rows != 1000)
		return 2;
	snprintf(path, sizeof(path), "%s/p.tt", dir);
	if (open(path, O_RDWR) >= 0 || (errno != EACCES && errno != EPERM))
		return 3;
	if (open(path, O_WRONLY | O_TRUNC) >= 0)
		return 4;
	if (unlink(path) == 0 || !denied(-errno))
		return 5;
	if (!denied(tt_store__drop(dir, "p")))
		return 6;
	/* The reader's own mapping cannot be made writable. */
	if (tt_reader__scan(r, &o, &sc) || tt_scan__next(sc, &ch) != 1)
		return 7;
	{
		uintptr_t page = (uintptr_t)ch.cols[0] & ~(uintptr_t)4095;

		if (mprotect((void *)page, 4096, PROT_READ | PROT_WRITE) == 0 ||
		    !denied(-errno))
			return 8;
	}
	tt_scan__free(sc);
	trace_schema(&s);
	if (!denied(tt_table__open(dir, "p", &s, NULL, &t, err, sizeof(err))))
		return 9;
	if (!strstr(err, "p.tt"))
		return 10;
	tt_reader__close(r);
	return 0;
}

/* Runs as nobody against a table readable only by root's group. */
static int outsider_child(const char *dir)
{
	struct tt_reader *r = NULL;
	int rc;

	drop_to_nobody();
	rc = tt_reader__open(dir, "p", &r, err, sizeof(err));
	if (!denied(rc))
		return 1;
	if (!strstr(err, "p.tt"))
		return 2;
	return 0;
}

static int run_as_child(int (*fn)(const char *), const char *dir)
{
	int status;
	pid_t pid = fork();

	if (pid == 0)
		_exit(fn(dir));
	if (waitpid(pid, &status, 0) != pid || !WIFEXITED(status))
		return -1;
	return WEXITSTATUS(status);
}

TT_TEST(nobody_in_group_reads_but_cannot_write)
{
	const char *dir;

	if (geteuid() != 0)
		SKIP("needs root to create root-owned files and drop "
		     "privileges");
	dir = tdir_make(dirbuf);
	CHECKF(!make_table(dir, NOBODY), "%s", err);
	CHECK_INT(run_as_child(reader_child, dir), 0);
	tdir_rm(dir);
}

TT_TEST(nobody_outside_group_cannot_read)
{
	const char *dir;

	if (geteuid() != 0)
		SKIP("needs root to create root-owned files and drop "
		     "privileges");
	dir = tdir_make(dirbuf);
	CHECKF(!make_table(dir, 0), "%s", err);
	CHECK_INT(run_as_child(outsider_child, dir), 0);
	tdir_rm(dir);
}

TT_MAIN("store_unpriv", TT_CASE(nobody_in_group_reads_but_cannot_write),
	TT_CASE(nobody_outside_group_cannot_read))
