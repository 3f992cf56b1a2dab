/*
 * test_tracefs.c - tracepoint formats, ids and wildcards from the real
 * tracefs, cross-checked with the raw files and glob(3).
 */
#include <errno.h>
#include <glob.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sched.h>
#include <sys/mount.h>
#include <sys/wait.h>
#include <unistd.h>

#include "bpf/tracefs.h"
#include "tests/tt_test.h"

static const char *root(void)
{
	const char *r = NULL;

	return bt_tracefs__root(&r, NULL, 0) ? NULL : r;
}

#define NEED_TRACEFS(r)         \
	const char *r = root(); \
	if (!r)                 \
	SKIP("tracefs is not available")

/* The number in events/<cat>/<name>/id, read directly. */
static long raw_id(const char *r, const char *cat, const char *name)
{
	char path[512];
	long id = -1;
	FILE *f;

	snprintf(path, sizeof(path), "%s/events/%s/%s/id", r, cat, name);
	f = fopen(path, "r");
	if (!f)
		return -1;
	if (fscanf(f, "%ld", &id) != 1)
		id = -1;
	fclose(f);
	return id;
}

/*
 * In a private mount namespace without tracefs, bt_tracefs__root mounts
 * it. Runs in a child that has not used tracefs yet (this test comes
 * first), so the cached root cannot hide a failure: the child checks that
 * events/ is gone before and back after.
 */
TT_TEST(mounts_tracefs_when_missing)
{
	int status;
	pid_t pid;

	if (geteuid() != 0)
		SKIP("needs root to mount");
	pid = fork();
	CHECK(pid >= 0);
	if (pid == 0) {
		const char *r = NULL;

		if (unshare(CLONE_NEWNS) ||
		    mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL))
			_exit(3);
		umount2("/sys/kernel/debug/tracing", MNT_DETACH);
		umount2("/sys/kernel/debug", MNT_DETACH);
		umount2("/sys/kernel/tracing", MNT_DETACH);
		if (!access("/sys/kernel/tracing/events", F_OK))
			_exit(4); /* could not unmount: not a real test */
		if (bt_tracefs__root(&r, NULL, 0) ||
		    strcmp(r, "/sys/kernel/tracing"))
			_exit(1);
		_exit(access("/sys/kernel/tracing/events/syscalls", F_OK) ? 2
									  : 0);
	}
	CHECK(waitpid(pid, &status, 0) == pid && WIFEXITED(status));
	if (WEXITSTATUS(status) == 3 || WEXITSTATUS(status) == 4)
		SKIP("cannot make a private mount namespace without tracefs");
	CHECKF(WEXITSTATUS(status) == 0, "child status %d",
	       WEXITSTATUS(status));
}

TT_TEST(globs)
{
	CHECK(bt_glob__match("sys_enter_get*", "sys_enter_getpid"));
	CHECK(bt_glob__match("*", ""));
	CHECK(bt_glob__match("a*b*c", "aXXbYYc"));
	CHECK(bt_glob__match("a*b*c", "abcbc"));
	CHECK(!bt_glob__match("a*b*c", "abcbd"));
	CHECK(bt_glob__match("sys_?nter_*", "sys_enter_x"));
	CHECK(!bt_glob__match("sys_?nter_*", "sys_nter_x"));
	CHECK(!bt_glob__match("abc", "abcd"));
	CHECK(!bt_glob__match("", "a"));
	CHECK(bt_glob__match("**x", "x"));
	CHECK(bt_glob__is_glob("a*"));
	CHECK(bt_glob__is_glob("a?"));
	CHECK(!bt_glob__is_glob("abc"));
}

TT_TEST(openat_format)
{
	NEED_TRACEFS(r);
	struct bt_tp_format *f = NULL;
	const struct bt_tp_field *fn;
	char err[256];

	CHECK_INT(bt_tracefs__format("syscalls", "sys_enter_openat", &f, err,
				     sizeof(err)),
		  0);
	CHECK_STR(f->category, "syscalls");
	CHECK_STR(f->name, "sys_enter_openat");
	CHECKF(f->id == raw_id(r, "syscalls", "sys_enter_openat"), "id %u",
	       f->id);
	CHECK_INT(bt_tracefs__tracepoint_id("syscalls", "sys_enter_openat",
					    NULL, 0),
		  f->id);
	CHECK_INT(f->ncommon, 4);
	CHECK_STR(f->common[3].name, "common_pid");
	CHECK_INT(f->common[3].offset, 4);
	CHECK(f->common[3].is_signed);
	fn = bt_tp_format__field(f, "filename");
	CHECK(fn != NULL);
	CHECK_STR(fn->type, "const char *");
	CHECK_INT(fn->offset, 24);
	CHECK_INT(fn->size, 8);
	CHECK(fn->is_pointer);
	CHECK(fn->user_ptr);
	CHECK(!fn->data_loc);
	CHECK(bt_tp_format__field(f, "__syscall_nr") != NULL);
	CHECK(bt_tp_format__field(f, "dfd") != NULL);
	CHECK(bt_tp_format__field(f, "flags") != NULL);
	CHECK(bt_tp_format__field(f, "mode") != NULL);
	CHECK(bt_tp_format__field(f, "common_pid") == NULL);
	CHECK_INT(f->nfields, 5);
	CHECK_INT(f->size, 48);
	bt_tp_format__free(f);
}

TT_TEST(exec_data_loc)
{
	NEED_TRACEFS(r);
	struct bt_tp_format *f = NULL;
	const struct bt_tp_field *fn, *pid;

	(void)r;
	CHECK_INT(
		bt_tracefs__format("sched", "sched_process_exec", &f, NULL, 0),
		0);
	fn = bt_tp_format__field(f, "filename");
	pid = bt_tp_format__field(f, "pid");
	CHECK(fn && pid);
	CHECK(fn->data_loc);
	CHECK(!fn->rel_loc);
	CHECK(!fn->is_pointer);
	CHECK_STR(fn->type, "__data_loc char[]");
	CHECK_INT(fn->offset, 8);
	CHECK_INT(fn->size, 4);
	CHECK_STR(pid->type, "pid_t");
	CHECK(pid->is_signed);
	CHECK(!pid->user_ptr);
	bt_tp_format__free(f);
}

TT_TEST(fixed_arrays)
{
	NEED_TRACEFS(r);
	struct bt_tp_format *f = NULL;
	const struct bt_tp_field *comm;

	(void)r;
	CHECK_INT(bt_tracefs__format("sched", "sched_switch", &f, NULL, 0), 0);
	comm = bt_tp_format__field(f, "prev_comm");
	CHECK(comm != NULL);
	CHECK_INT(comm->array_count, 16);
	CHECK_INT(comm->size, 16);
	CHECK_STR(comm->type, "char[16]");
	bt_tp_format__free(f);
}

TT_TEST(parse_synthetic)
{
	static const char text[] =
		"name: t\nID: 7\nformat:\n"
		"\tfield:unsigned short "
		"common_type;\toffset:0;\tsize:2;\tsigned:0;\n"
		"\n"
		"\tfield:__u8 saddr[sizeof(struct "
		"sockaddr_in6)];\toffset:8;\tsize:28;\tsigned:0;\n"
		"\tfield:__u16 "
		"ports[NR_PORTS];\toffset:36;\tsize:8;\tsigned:0;\n"
		"\tfield:__rel_loc char[] s;\toffset:44;\tsize:4;\tsigned:0;\n"
		"\tfield:const char __user * "
		"p;\toffset:48;\tsize:8;\tsigned:0;\n"
		"\tfield:long v;\toffset:56;\tsize:8;\tsigned:1;\n"
		"\nprint fmt: \"x\", REC->v\n";
	struct bt_tp_format *f = NULL;
	const struct bt_tp_field *x;
	char err[256];

	CHECK_INT(bt_tp_format__parse(text, strlen(text), NULL, &f, err,
				      sizeof(err)),
		  0);
	CHECK_INT(f->id, 7);
	CHECK_INT(f->nfields, 5);
	CHECK_INT(f->size, 64);
	x = bt_tp_format__field(f, "saddr");
	CHECK(x && x->array_count == 28);
	CHECK_STR(x->type, "__u8[28]");
	x = bt_tp_format__field(f, "ports");
	CHECK(x && x->array_count == 4);
	x = bt_tp_format__field(f, "s");
	CHECK(x && x->data_loc && x->rel_loc);
	x = bt_tp_format__field(f, "p");
	CHECK(x && x->is_pointer && x->user_ptr);
	CHECK_STR(x->type, "const char __user *");
	x = bt_tp_format__field(f, "v");
	CHECK(x && x->is_signed && !x->is_pointer);
	bt_tp_format__free(f);
}

TT_TEST(parse_rejects_garbage)
{
	static const char *const bad[] = {
		"",
		"format:\n",
		"\tfield:int;\toffset:0;\tsize:4;\tsigned:0;\n",
		"\tfield:int x\toffset:0;\tsize:4;\n",
		"\tfield:int x;\toffset:;\tsize:4;\n",
		"\tfield:int x;\tsize:4;\n",
		"\tfield:int x;\toffset:0;\tsize:99999999999;\n",
		"\tfield:int x[;\toffset:0;\tsize:4;\n",
		"\tfield:int 9x;\toffset:0;\tsize:4;\n",
		"ID: nope\n\tfield:int x;\toffset:0;\tsize:4;\n",
	};
	struct bt_tp_format *f = NULL;
	char err[256];

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		err[0] = 0;
		int ret = bt_tp_format__parse(bad[i], strlen(bad[i]), "c", &f,
					      err, sizeof(err));

		CHECKF(ret == -EINVAL, "case %zu: %d", i, ret);
		CHECKF(err[0] != 0, "case %zu: no message", i);
	}
	/* Embedded NUL and no trailing newline: no crash, bounded read. */
	static const char nul[] = "\tfield:int x;\toffset:0;\tsize:4;\0junk";
	CHECK_INT(bt_tp_format__parse(nul, sizeof(nul) - 1, NULL, &f, err,
				      sizeof(err)),
		  0);
	CHECK_INT(f->nfields, 1);
	bt_tp_format__free(f);
}

TT_TEST(missing_and_hostile_names)
{
	NEED_TRACEFS(r);
	struct bt_tp_format *f = NULL;
	char err[256];

	(void)r;
	CHECK_INT(bt_tracefs__format("syscalls", "sys_enter_nosuch", &f, err,
				     sizeof(err)),
		  -ENOENT);
	CHECK_STR(err, "tracepoint syscalls:sys_enter_nosuch does not exist");
	CHECK_INT(bt_tracefs__tracepoint_id("nosuchcat", "x", err, sizeof(err)),
		  -ENOENT);
	CHECK_INT(bt_tracefs__tracepoint_id("..", "..", err, sizeof(err)),
		  -EINVAL);
	CHECK_INT(bt_tracefs__tracepoint_id("syscalls", "../../x", err,
					    sizeof(err)),
		  -EINVAL);
	CHECK_INT(bt_tracefs__format("", "x", &f, err, sizeof(err)), -EINVAL);
	CHECK_INT(bt_tracefs__format(NULL, NULL, &f, err, sizeof(err)),
		  -EINVAL);
}

/* Our expansion equals glob(3) on the events directory. */
TT_TEST(expand_matches_glob3)
{
	NEED_TRACEFS(r);
	struct bt_strlist l = {0};
	char pat[512], want[512];
	glob_t g;
	int n;

	n = bt_tracefs__expand("syscalls", "sys_enter_get*", &l, NULL, 0);
	CHECK(n > 5);
	snprintf(pat, sizeof(pat), "%s/events/syscalls/sys_enter_get*", r);
	CHECK_INT(glob(pat, 0, NULL, &g), 0);
	CHECK_INT(g.gl_pathc, n);
	for (size_t i = 0; i < g.gl_pathc; i++) { /* glob(3) sorts too */
		snprintf(want, sizeof(want), "syscalls:%s",
			 strrchr(g.gl_pathv[i], '/') + 1);
		CHECK_STR(l.v[i], want);
	}
	globfree(&g);
	for (size_t i = 1; i < l.n; i++)
		CHECK(strcmp(l.v[i - 1], l.v[i]) < 0);
	bool ppid = false;
	for (size_t i = 0; i < l.n; i++)
		ppid |= !strcmp(l.v[i], "syscalls:sys_enter_getppid");
	CHECK(ppid);
	bt_strlist__free(&l);
	CHECK_INT(l.n, 0);
}

TT_TEST(expand_categories)
{
	NEED_TRACEFS(r);
	struct bt_strlist l = {0};
	char err[256];
	bool exec = false, exit_ = false;

	(void)r;
	CHECK(bt_tracefs__expand("sch?d", "sched_process_ex*", &l, NULL, 0) >=
	      2);
	for (size_t i = 0; i < l.n; i++) {
		exec |= !strcmp(l.v[i], "sched:sched_process_exec");
		exit_ |= !strcmp(l.v[i], "sched:sched_process_exit");
		CHECK(!strncmp(l.v[i], "sched:sched_process_ex", 22));
	}
	CHECK(exec && exit_);
	bt_strlist__free(&l);
	CHECK_INT(bt_tracefs__expand("sched", "sched_switch", &l, NULL, 0), 1);
	CHECK_STR(l.v[0], "sched:sched_switch");
	bt_strlist__free(&l);
	CHECK_INT(
		bt_tracefs__expand("syscalls", "nosuch*", &l, err, sizeof(err)),
		-ENOENT);
	CHECK_STR(err, "no tracepoint matches syscalls:nosuch*");
	CHECK(l.v == NULL && l.n == 0);
	CHECK_INT(bt_tracefs__expand("..", "*", &l, NULL, 0), -ENOENT);
	CHECK_INT(bt_tracefs__expand("sched", "../*", &l, NULL, 0), -EINVAL);
	CHECK_INT(bt_tracefs__expand("", "*", &l, NULL, 0), -EINVAL);
}

/* Whatever the source, vfs_read is a kernel function and matches. */
TT_TEST(kernel_funcs)
{
	struct bt_strlist l = {0};
	char err[256];
	bool read = false, write = false;
	int n;

	n = bt_tracefs__kernel_funcs("vfs_*", &l, err, sizeof(err));
	CHECKF(n > 2, "%d: %s", n, err);
	for (size_t i = 0; i < l.n; i++) {
		CHECK(!strncmp(l.v[i], "vfs_", 4));
		CHECK(!strchr(l.v[i], ' ') && !strchr(l.v[i], '.'));
		if (i)
			CHECK(strcmp(l.v[i - 1], l.v[i]) < 0);
		read |= !strcmp(l.v[i], "vfs_read");
		write |= !strcmp(l.v[i], "vfs_write");
	}
	CHECK(read && write);
	bt_strlist__free(&l);
	CHECK_INT(bt_tracefs__kernel_funcs("vfs_rea?", &l, NULL, 0), 1);
	CHECK_STR(l.v[0], "vfs_read");
	bt_strlist__free(&l);
	CHECK_INT(bt_tracefs__kernel_funcs("no_such_function_*", &l, err,
					   sizeof(err)),
		  -ENOENT);
	CHECK_STR(err, "no kernel function matches 'no_such_function_*'");
	CHECK_INT(bt_tracefs__kernel_funcs("", &l, NULL, 0), -EINVAL);
}

TT_MAIN("bpf/tracefs", TT_CASE(mounts_tracefs_when_missing), TT_CASE(globs),
	TT_CASE(openat_format), TT_CASE(exec_data_loc), TT_CASE(fixed_arrays),
	TT_CASE(parse_synthetic), TT_CASE(parse_rejects_garbage),
	TT_CASE(missing_and_hostile_names), TT_CASE(expand_matches_glob3),
	TT_CASE(expand_categories), TT_CASE(kernel_funcs))
