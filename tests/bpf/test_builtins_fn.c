/*
 * test_builtins_fn.c - buf/%r, usym, uaddr, reg, strftime, cgroup_path,
 * str(p, n), signal, system and override compiled, loaded and run on the
 * real kernel: uprobes on this binary's own functions, tracepoints hit by
 * a child this test controls (in a cgroup it creates), and the unsafe
 * functions refused unless allowed. Expected texts are what bpftrace 0.17
 * prints for the same programs on this machine.
 */
#include <errno.h>
#include <link.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "tests/bpf/bpf_util.h"
#include "tests/tt_test.h"
#include "tracetab/bt.h"

#define MAX_ROWS 16

struct rows {
	struct bt_program *prog;
	int n;
	char text[MAX_ROWS][512];
};

static int on_row(void *ctx, const struct bt_row *row)
{
	struct rows *r = ctx;
	if (r->n < MAX_ROWS)
		bt_program__format_row(r->prog, row, r->text[r->n++], 512);
	return 0;
}

static char errbuf[2048];

/* Compiles (unsafe calls allowed or not), loads, attaches; NULL and
 * errbuf on failure. */
static struct bt_program *start(const char *src, bool unsafe, FILE *out)
{
	struct bt_compile_opts o = { .sz = sizeof(o), .unsafe = unsafe };
	const struct btt_run r = {
		.opts = &o, .out = out, .upto = BTT_ATTACH, .render = true};
	struct bt_program *p = NULL;

	return btt__run(src, &r, &p, errbuf, sizeof(errbuf)) ? NULL : p;
}

/* Compile only: 0, or the error with its message in errbuf. */
static int compile_only(const char *src, bool unsafe)
{
	struct bt_compile_opts o = { .sz = sizeof(o), .unsafe = unsafe };
	const struct btt_run r = {.opts = &o, .render = true};

	return btt__run(src, &r, NULL, errbuf, sizeof(errbuf));
}

static void drain(struct rows *r, int want)
{
	btt__drain(r->prog, on_row, r, &r->n, want, false);
}

/* uprobe targets */
__attribute__((noinline)) int tt_fn_bytes(const char *p, long n)
{
	__asm__ __volatile__("" ::: "memory");
	return p[0] + (int)n;
}
BTT_TARGET_INT(tt_fn_sig);
int tt_fn_global = 7;

TT_TEST(buf_r_on_uprobe)
{
	char *src = btt__fmt("uprobe:%s:tt_fn_bytes /pid == %d/ {\n"
			     "  printf(\"%%r|%%r|%%r\\n\", buf(arg0, arg1), "
			     "buf(arg0, 4), buf(arg0, 0));\n}",
			     btt__self(), getpid());
	struct rows r = { .prog = start(src, false, NULL) };
	CHECKF(r.prog, "%s", errbuf);
	static char b[80] = { 'A', 'b', 0, 1, 0x7f, ' ', '~', '\\', '"', '\n',
			      (char)0xff, 'z' };
	tt_fn_bytes(b, 12);
	tt_fn_bytes(b, 1000); /* clamped to 64 bytes */
	drain(&r, 2);
	bt_program__free(r.prog);
	CHECK_INT(r.n, 2);
	/* bpftrace 0.17: Ab\x00\x01\x7f ~\"\x0a\xffz|Ab\x00\x01| */
	const char *head = "Ab\\x00\\x01\\x7f ~\\\"\\x0a\\xffz";
	CHECK_STR(r.text[0], btt__fmt("%s|Ab\\x00\\x01|\n", head));
	char want[512];
	size_t o = (size_t)snprintf(want, sizeof(want), "%s", head);
	for (int i = 12; i < 64; i++)
		o += (size_t)snprintf(want + o, sizeof(want) - o, "\\x00");
	snprintf(want + o, sizeof(want) - o, "|Ab\\x00\\x01|\n");
	CHECK_STR(r.text[1], want);
}

TT_TEST(buf_refused_where_wrong)
{
	CHECK(compile_only("BEGIN { printf(\"%s\", buf(0, 4)); }", false));
	CHECKF(strstr(errbuf, "%s cannot print"), "%s", errbuf);
	CHECK(compile_only("BEGIN { printf(\"%r\", 5); }", false));
	CHECKF(strstr(errbuf, "%r cannot print"), "%s", errbuf);
	CHECK(compile_only("BEGIN { printf(\"%r\", buf(0)); }", false));
	CHECKF(strstr(errbuf, "needs a length"), "%s", errbuf);
	CHECK(compile_only("BEGIN { printf(\"%r\", buf(0, -1)); }", false));
	CHECKF(strstr(errbuf, "must not be negative"), "%s", errbuf);
	/* bpftrace 0.17 takes a string with a length (test_builtins_more.c). */
	CHECK(compile_only("BEGIN { printf(\"%r\", buf(\"x\")); }", false));
	CHECKF(strstr(errbuf, "buf() of a string needs a length"), "%s",
	       errbuf);
	CHECK(compile_only("BEGIN { printf(\"%r\", buf((1, 2), 2)); }",
			   false));
	CHECKF(strstr(errbuf, "buf() needs a pointer"), "%s", errbuf);
}

/* The load address of this (PIE) executable. */
static int base_cb(struct dl_phdr_info *info, size_t size, void *data)
{
	(void)size;
	*(uint64_t *)data = info->dlpi_addr;
	return 1; /* the first object is the executable */
}

TT_TEST(usym_uaddr_reg_on_uprobe)
{
	char *src =
		btt__fmt("uprobe:%s:tt_fn_sig /pid == %d/ {\n"
			 "  printf(\"%%s|%%s|%%s|%%d\\n\", usym(reg(\"ip\")), "
			 "usym(reg(\"ip\") + 1), usym(12), "
			 "uaddr(\"tt_fn_global\"));\n}",
			 btt__self(), getpid());
	struct rows r = { .prog = start(src, false, NULL) };
	CHECKF(r.prog, "%s", errbuf);
	tt_fn_sig(1);
	drain(&r, 1);
	bt_program__free(r.prog);
	uint64_t base = 0;
	dl_iterate_phdr(base_cb, &base);
	CHECK_INT(r.n, 1);
	char want[256];
	snprintf(want, sizeof(want), "tt_fn_sig|tt_fn_sig|0xc|%llu\n",
		 (unsigned long long)((uintptr_t)&tt_fn_global - base));
	CHECK_STR(r.text[0], want);
}

TT_TEST(uaddr_and_reg_refused)
{
	CHECK(compile_only("BEGIN { printf(\"%d\", uaddr(\"x\")); }", false));
	CHECKF(strstr(errbuf, "only available in uprobe"), "%s", errbuf);
	char *src = btt__fmt("uprobe:%s:tt_fn_sig { printf(\"%%d\", "
			     "uaddr(\"no_such_symbol_here\")); }",
			     btt__self());
	CHECK(compile_only(src, false));
	CHECKF(strstr(errbuf, "no_such_symbol_here"), "%s", errbuf);
	CHECK(compile_only("tracepoint:syscalls:sys_enter_getppid { "
			   "printf(\"%d\", reg(\"ip\")); }",
			   false));
	CHECKF(strstr(errbuf, "reg() is only available"), "%s", errbuf);
	src = btt__fmt("uprobe:%s:tt_fn_sig { printf(\"%%d\", reg(\"xyz\")); }",
		       btt__self());
	CHECK(compile_only(src, false));
	CHECKF(strstr(errbuf, "unknown register 'xyz'"), "%s", errbuf);
}

/*
 * Ternaries over usym() and over buf() values: one slot each, buf taking
 * the larger capacity (the shorter value zero-padded, its own length kept).
 */
TT_TEST(ternary_of_usym_and_buf)
{
	char *src = btt__fmt(
		"uprobe:%s:tt_fn_bytes /pid == %d/ {\n"
		"  printf(\"%%s|%%r\\n\", arg1 > 5 ? usym(reg(\"ip\")) "
		": usym(12), arg1 > 5 ? buf(arg0, 2) : buf(arg0, 12));"
		"\n}",
		btt__self(), getpid());
	struct rows r = { .prog = start(src, false, NULL) };
	CHECKF(r.prog, "%s", errbuf);
	static char b[16] = { 'A', 'b', 'c', 'd', 'e', 'f',
			      'g', 'h', 'i', 'j', 'k', 'l' };
	tt_fn_bytes(b, 12);
	tt_fn_bytes(b, 3);
	drain(&r, 2);
	bt_program__free(r.prog);
	CHECK_INT(r.n, 2);
	CHECK_STR(r.text[0], "tt_fn_bytes|Ab\n");
	CHECK_STR(r.text[1], "0xc|Abcdefghijkl\n");
}

TT_TEST(ternary_mismatch_names_both_types)
{
	char *src = btt__fmt("uprobe:%s:tt_fn_bytes { printf(\"%%s\", "
			     "arg1 ? usym(arg0) : buf(arg0, 4)); }",
			     btt__self());
	CHECK(compile_only(src, false));
	CHECKF(strstr(errbuf, "ternary branches have different types: usym "
			      "and buf[8]"),
	       "%s", errbuf);
	src = btt__fmt("uprobe:%s:tt_fn_bytes { printf(\"%%s\", "
		       "arg1 ? ksym(arg0) : usym(arg0)); }",
		       btt__self());
	CHECK(compile_only(src, false));
	CHECKF(strstr(errbuf, "different types: ksym and usym"), "%s", errbuf);
	CHECK(compile_only("BEGIN { printf(\"%s\", nsecs ? \"a\" : 1); }",
			   false));
	CHECKF(strstr(errbuf, "different types: string[8] and"), "%s", errbuf);
}

TT_TEST(strftime_in_begin)
{
	char *src = "BEGIN { printf(\"%s|%s\\n\", strftime(\"%Y\", nsecs), "
		    "strftime(\"%H:%M\", nsecs)); exit(); }";
	struct rows r = { .prog = start(src, false, NULL) };
	CHECKF(r.prog, "%s", errbuf);
	drain(&r, 1);
	bt_program__free(r.prog);
	CHECK_INT(r.n, 1);
	time_t t = time(NULL);
	struct tm tm;
	localtime_r(&t, &tm);
	char year[16];
	strftime(year, sizeof(year), "%Y|", &tm);
	CHECKF(!strncmp(r.text[0], year, strlen(year)) &&
		       strlen(r.text[0]) == strlen(year) + 6,
	       "%s", r.text[0]);
	CHECK(compile_only("BEGIN { printf(\"%s\", strftime(1, nsecs)); }",
			   false));
	CHECKF(strstr(errbuf, "format must be a string"), "%s", errbuf);
}

/* A child that waits for a byte on fd, joins cgroup dir (if any), calls
 * getppid and exits. */
static pid_t child_getppid(int fd, const char *dir)
{
	pid_t p = fork();
	if (p)
		return p;
	char c;
	if (read(fd, &c, 1) != 1)
		_exit(1);
	if (dir) {
		char procs[600];
		snprintf(procs, sizeof(procs), "%s/cgroup.procs", dir);
		FILE *f = fopen(procs, "w");
		if (!f || fprintf(f, "0\n") < 0 || fclose(f))
			_exit(2);
	}
	syscall(SYS_getppid);
	_exit(0);
}

TT_TEST(cgroup_path_of_child_in_new_cgroup)
{
	char mnt[256], dir[512];
	struct stat st;
	if (!btt__cgroup2_mount(mnt, sizeof(mnt)))
		SKIP("no cgroup2 mount");
	snprintf(dir, sizeof(dir), "%s/tt_fn_%d", mnt, getpid());
	if (mkdir(dir, 0755) < 0)
		SKIP("cannot create a cgroup in %s", mnt);
	int pfd[2];
	CHECK(pipe(pfd) == 0);
	pid_t child = child_getppid(pfd[0], dir);
	char *src = btt__fmt(
		"tracepoint:syscalls:sys_enter_getppid /pid == %d/ {\n"
		"  printf(\"%%s|%%d\\n\", cgroup_path(cgroup, \"unif*\"), "
		"cgroup);\n}",
		child);
	struct rows r = { .prog = start(src, false, NULL) };
	if (write(pfd[1], "x", 1) != 1)
		r.n = -1;
	int status = -1;
	waitpid(child, &status, 0);
	if (r.prog)
		drain(&r, 1);
	/* Render before the cgroup goes: paths resolve in user space. */
	bt_program__free(r.prog);
	stat(dir, &st);
	rmdir(dir);
	close(pfd[0]);
	close(pfd[1]);
	CHECKF(r.prog, "%s", errbuf);
	CHECK_INT(status, 0);
	CHECK_INT(r.n, 1);
	char want[600];
	snprintf(want, sizeof(want), "unified:/tt_fn_%d|%llu\n", getpid(),
		 (unsigned long long)st.st_ino);
	CHECK_STR(r.text[0], want);
}

TT_TEST(str_reads_n_characters)
{
	char *src = btt__fmt("uprobe:%s:tt_fn_bytes /pid == %d/ {\n"
			     "  printf(\"%%s|%%s|%%s\\n\", str(arg0, 8), "
			     "str(arg0, arg1), str(arg0, 1));\n}",
			     btt__self(), getpid());
	struct rows r = { .prog = start(src, false, NULL) };
	CHECKF(r.prog, "%s", errbuf);
	tt_fn_bytes("/etc/ld.so.cache", 3);
	drain(&r, 1);
	bt_program__free(r.prog);
	CHECK_INT(r.n, 1);
	/* bpftrace 0.17: str(p, 8) of "/etc/ld.so.cache" is "/etc/ld." */
	CHECK_STR(r.text[0], "/etc/ld.|/et|/\n");
}

static volatile sig_atomic_t got_sig;
static void on_sig(int s)
{
	got_sig = s;
}

/* A child that waits for a byte, calls tt_fn_sig and exits with the
 * number of the signal it then received (0: none within 1 s). */
static pid_t child_sig(int fd)
{
	pid_t p = fork();
	if (p)
		return p;
	signal(SIGUSR1, on_sig);
	signal(SIGUSR2, on_sig);
	char c;
	if (read(fd, &c, 1) != 1)
		_exit(100);
	tt_fn_sig(1);
	for (int i = 0; i < 100 && !got_sig; i++)
		usleep(10000);
	_exit(got_sig);
}

static int run_signal(const char *sig, int *status)
{
	int pfd[2];
	if (pipe(pfd))
		return -1;
	pid_t child = child_sig(pfd[0]);
	char *src = btt__fmt("uprobe:%s:tt_fn_sig /pid == %d/ { signal(%s); }",
			     btt__self(), child, sig);
	struct bt_program *p = start(src, true, NULL);
	if (write(pfd[1], "x", 1) != 1)
		*status = -1;
	waitpid(child, status, 0);
	bt_program__free(p);
	close(pfd[0]);
	close(pfd[1]);
	return p ? 0 : -1;
}

TT_TEST(signal_reaches_the_probed_process)
{
	int status = -1;
	CHECKF(run_signal("\"SIGUSR1\"", &status) == 0, "%s", errbuf);
	CHECK(WIFEXITED(status));
	CHECK_INT(WEXITSTATUS(status), SIGUSR1);
	CHECKF(run_signal("\"USR2\"", &status) == 0, "%s", errbuf);
	CHECK_INT(WEXITSTATUS(status), SIGUSR2);
	CHECKF(run_signal("10", &status) == 0, "%s", errbuf);
	CHECK_INT(WEXITSTATUS(status), 10);
	/* SIGKILL by name ends the child. */
	CHECKF(run_signal("\"SIGKILL\"", &status) == 0, "%s", errbuf);
	CHECK(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL);
}

TT_TEST(unsafe_functions_refused_without_unsafe)
{
	const char *progs[] = {
		"tracepoint:syscalls:sys_enter_getppid { signal(\"SIGKILL\"); }",
		"BEGIN { system(\"echo %d\", 1); }",
		"kprobe:do_nanosleep { override(-1); }",
	};
	const char *names[] = { "signal", "system", "override" };
	for (int i = 0; i < 3; i++) {
		CHECK(compile_only(progs[i], false) == -EINVAL);
		char want[96];
		snprintf(want, sizeof(want),
			 "%s() is an unsafe function; deploy with --unsafe",
			 names[i]);
		CHECKF(strstr(errbuf, want), "%s", errbuf);
		CHECKF(strstr(errbuf, "test:1:"), "%s", errbuf);
	}
	CHECK(compile_only(progs[0], true) == 0);
	CHECK(compile_only(progs[1], true) == 0);
}

TT_TEST(signal_and_override_diagnostics)
{
	CHECK(compile_only("BEGIN { signal(9); }", true));
	CHECKF(strstr(errbuf, "cannot be used in BEGIN"), "%s", errbuf);
	CHECK(compile_only("tracepoint:syscalls:sys_enter_getppid { "
			   "signal(\"SIGNOPE\"); }",
			   true));
	CHECKF(strstr(errbuf, "unknown signal 'SIGNOPE'"), "%s", errbuf);
	CHECK(compile_only("tracepoint:syscalls:sys_enter_getppid { "
			   "signal(65); }",
			   true));
	CHECKF(strstr(errbuf, "from 1 to 64"), "%s", errbuf);
	CHECK(compile_only("tracepoint:syscalls:sys_enter_getppid { "
			   "override(1); }",
			   true));
	CHECKF(strstr(errbuf, "only available in kprobe"), "%s", errbuf);
	/* kprobe: compiles where the kernel allows it, else says why. */
	int rc = compile_only("kprobe:do_nanosleep { override(-1); }", true);
	CHECKF(rc == 0 || strstr(errbuf, "CONFIG_BPF_KPROBE_OVERRIDE"), "%s",
	       errbuf);
}

TT_TEST(system_runs_in_record_order)
{
	char out[4096] = { 0 };
	FILE *f = fmemopen(out, sizeof(out) - 1, "w");
	CHECK(f);
	struct rows r = { .prog = start(
				  "BEGIN { printf(\"before\\n\"); "
				  "system(\"echo sys %d %s\", 7, \"x y\"); "
				  "printf(\"after\\n\"); exit(); }",
				  true, f) };
	if (!r.prog)
		fclose(f);
	CHECKF(r.prog, "%s", errbuf);
	drain(&r, 2);
	bt_program__free(r.prog);
	fclose(f);
	CHECK_INT(r.n, 2);
	CHECK_STR(r.text[0], "before\n");
	CHECK_STR(r.text[1], "after\n");
	CHECK_STR(out, "sys 7 x y\n");
	CHECK(compile_only("BEGIN { system(\"echo %d %d\", 7); }", true));
	CHECKF(strstr(errbuf, "1 arguments") || strstr(errbuf, "conversions"),
	       "%s", errbuf);
}

TT_TEST(rendered_map_keys_and_table_rows)
{
	/* Map keys print with the program's formats at exit. */
	struct rows r = { .prog = start("BEGIN { @[strftime(\"%Y\", nsecs)] = "
					"count(); exit(); }",
					false, NULL) };
	CHECKF(r.prog, "%s", errbuf);
	drain(&r, 0);
	char out[4096];
	btt__finish(r.prog, out, sizeof(out));
	bt_program__free(r.prog);
	time_t t = time(NULL);
	struct tm tm;
	localtime_r(&t, &tm);
	char want[64];
	strftime(want, sizeof(want), "@[%Y]: 1\n", &tm);
	CHECKF(strstr(out, want), "%s", out);
	/* Table mode: rendered values are string columns. */
	struct bt_diags *d = bt_diags__new();
	struct bt_compile_opts o = { .sz = sizeof(o), .table_mode = true };
	struct bt_program *p = NULL;
	char *src =
		btt__fmt("uprobe:%s:tt_fn_bytes { printf(\"s:%%s b:%%r t:%%s "
			 "c:%%s\", usym(reg(\"ip\")), buf(arg0, 2), "
			 "strftime(\"%%Y\", nsecs), cgroup_path(cgroup)); }",
			 btt__self());
	int rc = bt_program__compile(src, &o, &p, d);
	bt_diags__free(d);
	CHECK_INT(rc, 0);
	const struct tt_schema *sc = bt_program__schema(p);
	CHECK_INT(sc->ncols, 5);
	for (int i = 0; i < 4; i++)
		CHECK_INT(sc->cols[i].type, TT_TYPE_STRING);
	bt_program__free(p);
}

TT_MAIN("builtins_fn", TT_CASE(buf_r_on_uprobe),
	TT_CASE(buf_refused_where_wrong), TT_CASE(usym_uaddr_reg_on_uprobe),
	TT_CASE(ternary_of_usym_and_buf),
	TT_CASE(ternary_mismatch_names_both_types),
	TT_CASE(uaddr_and_reg_refused), TT_CASE(strftime_in_begin),
	TT_CASE(cgroup_path_of_child_in_new_cgroup),
	TT_CASE(str_reads_n_characters),
	TT_CASE(signal_reaches_the_probed_process),
	TT_CASE(unsafe_functions_refused_without_unsafe),
	TT_CASE(signal_and_override_diagnostics),
	TT_CASE(system_runs_in_record_order),
	TT_CASE(rendered_map_keys_and_table_rows))
