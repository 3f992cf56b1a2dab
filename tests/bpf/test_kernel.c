/*
 * test_kernel.c - compiled programs on the real kernel: this process makes
 * known events (syscalls, a TCP connection over loopback, calls of its own
 * uprobe target) and the decoded rows must match them exactly. Programs
 * filter on this process' pid, so other activity on the machine never
 * shows up in the rows.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdarg.h>
#include <sys/wait.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <signal.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "tests/bpf/bpf_util.h"
#include "tests/tt_test.h"
#include "tracetab/bt.h"

#define MAX_ROWS 64

struct rows {
	struct bt_program *prog;
	int n;
	char text[MAX_ROWS][256];
	uint64_t u[MAX_ROWS][8]; /* integer values by schema column */
	char s[MAX_ROWS][8][64]; /* string values by schema column */
};

static int on_row(void *ctx, const struct bt_row *row)
{
	struct rows *r = ctx;
	if (r->n >= MAX_ROWS)
		return 0;
	bt_program__format_row(r->prog, row, r->text[r->n], 256);
	const struct tt_schema *sc = bt_program__schema(r->prog);
	for (uint32_t i = 0; i < sc->ncols && i < 8; i++) {
		if (sc->cols[i].type == TT_TYPE_STRING)
			snprintf(r->s[r->n][i], 64, "%.*s",
				 (int)row->values[i].str.len,
				 row->values[i].str.ptr);
		else
			r->u[r->n][i] = row->values[i].u64;
	}
	r->n++;
	return 0;
}

static char errbuf[2048];

/* Compiles, loads and attaches; NULL with errbuf filled on failure. */
static struct bt_program *start(const char *src, bool table)
{
	struct bt_compile_opts o = { .sz = sizeof(o), .table_mode = table };
	const struct btt_run r = {
		.opts = &o, .upto = BTT_ATTACH, .render = true};
	struct bt_program *p = NULL;

	return btt__run(src, &r, &p, errbuf, sizeof(errbuf)) ? NULL : p;
}

/* Drains until `want` rows arrived or 3 s passed. */
static void drain(struct rows *r, int want)
{
	btt__drain(r->prog, on_row, r, &r->n, want, false);
}

TT_TEST(getppid_rows_exact)
{
	int me = getpid();
	char *src =
		btt__fmt("tracepoint:syscalls:sys_enter_getppid /pid == %d/ {\n"
			 "  printf(\"pid:%%d comm:%%s n:%%d\\n\", pid, comm, "
			 "@n);\n  @n = @n + 1;\n}",
			 me);
	struct rows r = { .prog = start(src, true) };
	CHECKF(r.prog, "%s", errbuf);
	for (int i = 0; i < 5; i++)
		syscall(SYS_getppid);
	drain(&r, 5);
	bt_program__free(r.prog);
	CHECK_INT(r.n, 5);
	for (int i = 0; i < 5; i++) {
		char want[128];
		snprintf(want, sizeof(want), "pid:%d comm:test_kernel n:%d\n",
			 me, i);
		CHECK_STR(r.text[i], want);
		CHECK_INT(r.u[i][0], me);
		CHECK_STR(r.s[i][1], "test_kernel");
		CHECK_INT(r.u[i][2], i);
		CHECK(r.u[i][3] > 0); /* time_ from the record header */
	}
}

TT_TEST(openat_path_via_str)
{
	char path[64];
	snprintf(path, sizeof(path), "/tmp/bt_test_open_%d", getpid());
	char *src =
		btt__fmt("tracepoint:syscalls:sys_enter_openat /pid == %d/ {\n"
			 "  printf(\"%%s %%x\", str(args->filename), "
			 "args->flags);\n}",
			 getpid());
	struct rows r = { .prog = start(src, false) };
	CHECKF(r.prog, "%s", errbuf);
	int fd = open(path, O_CREAT | O_WRONLY, 0600);
	if (fd >= 0)
		close(fd);
	unlink(path);
	drain(&r, 1);
	bt_program__free(r.prog);
	CHECK(fd >= 0);
	CHECK_INT(r.n, 1);
	char want[128];
	snprintf(want, sizeof(want), "%s %x", path, O_CREAT | O_WRONLY);
	CHECK_STR(r.text[0], want);
}

TT_TEST(data_loc_string)
{
	/* sched_process_exec's filename is a __data_loc string. */
	char *src = btt__fmt("tracepoint:sched:sched_process_exec "
			     "/curtask->real_parent->tgid == %d/ {\n"
			     "  printf(\"%%s\", str(args->filename));\n}",
			     getpid());
	struct rows r = { .prog = start(src, false) };
	CHECKF(r.prog, "%s", errbuf);
	pid_t c = fork();
	if (c == 0) {
		execl("/bin/true", "true", (char *)NULL);
		_exit(127);
	}
	int st;
	waitpid(c, &st, 0);
	drain(&r, 1);
	bt_program__free(r.prog);
	CHECK_INT(r.n, 1);
	CHECK_STR(r.text[0], "/bin/true");
}

TT_TEST(curtask_parent)
{
	char *src =
		btt__fmt("tracepoint:syscalls:sys_enter_getppid /pid == %d/ {\n"
			 "  printf(\"%%d %%d\", curtask->real_parent->tgid,\n"
			 "         curtask->tgid);\n}",
			 getpid());
	struct rows r = { .prog = start(src, false) };
	CHECKF(r.prog, "%s", errbuf);
	pid_t pp = getppid();
	drain(&r, 1);
	bt_program__free(r.prog);
	CHECK_INT(r.n, 1);
	char want[64];
	snprintf(want, sizeof(want), "%d %d", pp, getpid());
	CHECK_STR(r.text[0], want);
}

TT_TEST(sock_chain_ports)
{
	/* The established client socket: family, ports through struct sock,
	 * and the tracepoint's own copies must agree. */
	char *src =
		btt__fmt("tracepoint:sock:inet_sock_set_state\n"
			 "/pid == %d && args->newstate == TCP_ESTABLISHED &&\n"
			 " args->oldstate == TCP_SYN_SENT/ {\n"
			 "  $sk = (struct sock *)args->skaddr;\n"
			 "  printf(\"%%d %%d %%d %%s %%d %%d\", "
			 "$sk->__sk_common.skc_family,\n"
			 "    $sk->__sk_common.skc_num, "
			 "bswap($sk->__sk_common.skc_dport),\n"
			 "    ntop($sk->__sk_common.skc_daddr), args->sport, "
			 "args->dport);\n}",
			 getpid());
	struct rows r = { .prog = start(src, false) };
	CHECKF(r.prog, "%s", errbuf);
	int ls = socket(AF_INET, SOCK_STREAM, 0);
	struct sockaddr_in a = { .sin_family = AF_INET,
				 .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	socklen_t al = sizeof(a);
	bind(ls, (struct sockaddr *)&a, sizeof(a));
	listen(ls, 1);
	getsockname(ls, (struct sockaddr *)&a, &al);
	int cs = socket(AF_INET, SOCK_STREAM, 0);
	int rc = connect(cs, (struct sockaddr *)&a, sizeof(a));
	struct sockaddr_in la;
	socklen_t ll = sizeof(la);
	getsockname(cs, (struct sockaddr *)&la, &ll);
	drain(&r, 1);
	close(cs);
	close(ls);
	bt_program__free(r.prog);
	CHECK(rc == 0);
	CHECK_INT(r.n, 1);
	int sport = ntohs(la.sin_port), dport = ntohs(a.sin_port);
	char want[128];
	snprintf(want, sizeof(want), "2 %d %d 127.0.0.1 %d %d", sport, dport,
		 sport, dport);
	CHECK_STR(r.text[0], want);
}

/*
 * Regression: char-array members wider than 8 bytes (u6_addr8[16], comm)
 * were read only 8 bytes deep, so IPv6 addresses came out as "::".
 */
TT_TEST(sock_chain_ipv6_and_comm)
{
	char *src = btt__fmt(
		"tracepoint:sock:inet_sock_set_state\n"
		"/pid == %d && args->family == AF_INET6 &&\n"
		" args->newstate == TCP_ESTABLISHED &&\n"
		" args->oldstate == TCP_SYN_SENT/ {\n"
		"  $sk = (struct sock *)args->skaddr;\n"
		"  printf(\"%%s %%s %%s\",\n"
		"    ntop($sk->__sk_common.skc_v6_daddr.in6_u.u6_addr8),\n"
		"    ntop($sk->__sk_common.skc_v6_rcv_saddr.in6_u.u6_addr8),\n"
		"    curtask->comm);\n}",
		getpid());
	struct rows r = { .prog = start(src, false) };
	CHECKF(r.prog, "%s", errbuf);
	int ls = socket(AF_INET6, SOCK_STREAM, 0);
	struct sockaddr_in6 a = { .sin6_family = AF_INET6,
				  .sin6_addr = IN6ADDR_LOOPBACK_INIT };
	socklen_t al = sizeof(a);
	int rc = bind(ls, (struct sockaddr *)&a, sizeof(a));
	if (rc < 0) {
		close(ls);
		bt_program__free(r.prog);
		SKIP("no IPv6 loopback here: %s", strerror(errno));
	}
	listen(ls, 1);
	getsockname(ls, (struct sockaddr *)&a, &al);
	int cs = socket(AF_INET6, SOCK_STREAM, 0);
	rc = connect(cs, (struct sockaddr *)&a, sizeof(a));
	drain(&r, 1);
	close(cs);
	close(ls);
	bt_program__free(r.prog);
	CHECK(rc == 0);
	CHECK_INT(r.n, 1);
	char comm[32] = "";
	FILE *f = fopen("/proc/self/comm", "r");
	if (f) {
		if (fgets(comm, sizeof(comm), f))
			comm[strcspn(comm, "\n")] = 0;
		fclose(f);
	}
	char want[128];
	snprintf(want, sizeof(want), "::1 ::1 %s", comm);
	CHECK_STR(r.text[0], want);
}

/* The uprobe target: not inlined, not optimised away. */
__attribute__((noinline, used)) long bt_test_uprobe_target(long a, long b)
{
	__asm__ volatile("" ::: "memory");
	return a * 100 + b;
}

__attribute__((noinline, used)) int bt_test_uprobe_str(const char *s, int n)
{
	__asm__ volatile("" ::: "memory");
	return (int)strlen(s) + n;
}

__attribute__((noinline, used)) long bt_test_uprobe_many(long a, long b, long c,
							long d, long e, long f,
							long g, long h)
{
	__asm__ volatile("" ::: "memory");
	return a + b + c + d + e + f + g + h;
}

TT_TEST(uprobe_stack_args)
{
	const char *exe = btt__self();
	CHECK(exe != NULL);
	if (!exe)
		return;
	char *src = btt__fmt("uprobe:%s:bt_test_uprobe_many /pid == %d/ {\n"
			     "  printf(\"%%d %%d %%d\", arg0, arg6, arg7);\n}",
			     exe, getpid());
	struct rows r = { .prog = start(src, false) };
	CHECKF(r.prog, "%s", errbuf);
	long v = bt_test_uprobe_many(1, 2, 3, 4, 5, 6, 70, 80);
	drain(&r, 1);
	bt_program__free(r.prog);
	CHECK_INT(v, 171);
	CHECK_INT(r.n, 1);
	CHECK_STR(r.text[0], "1 70 80");
}

TT_TEST(uprobe_user_string)
{
	const char *exe = btt__self();
	CHECK(exe != NULL);
	if (!exe)
		return;
	char *src =
		btt__fmt("uprobe:%s:bt_test_uprobe_str /pid == %d/ {\n"
			 "  printf(\"%%s|%%s|%%d\", str(arg0), str(arg0, 4), "
			 "(int32)arg1);\n}",
			 exe, getpid());
	struct rows r = { .prog = start(src, false) };
	CHECKF(r.prog, "%s", errbuf);
	char word[] = "hello world";
	int v = bt_test_uprobe_str(word, -7);
	drain(&r, 1);
	bt_program__free(r.prog);
	CHECK_INT(v, 4);
	CHECK_INT(r.n, 1);
	CHECK_STR(r.text[0], "hello world|hell|-7");
}

TT_TEST(uprobe_args_and_retval)
{
	const char *exe = btt__self();
	CHECK(exe != NULL);
	if (!exe)
		return;
	char *src =
		btt__fmt("uprobe:%s:bt_test_uprobe_target /pid == %d/ {\n"
			 "  printf(\"in %%d %%d %%s\", arg0, arg1, func);\n}\n"
			 "uretprobe:%s:bt_test_uprobe_target /pid == %d/ {\n"
			 "  printf(\"out %%d\", retval);\n}",
			 exe, getpid(), exe, getpid());
	struct rows r = { .prog = start(src, false) };
	CHECKF(r.prog, "%s", errbuf);
	long v = bt_test_uprobe_target(7, 42) + bt_test_uprobe_target(3, 5);
	drain(&r, 4);
	bt_program__free(r.prog);
	CHECK_INT(v, 742 + 305);
	CHECK_INT(r.n, 4);
	CHECK_STR(r.text[0], "in 7 42 bt_test_uprobe_target");
	CHECK_STR(r.text[1], "out 742");
	CHECK_STR(r.text[2], "in 3 5 bt_test_uprobe_target");
	CHECK_STR(r.text[3], "out 305");
}

TT_TEST(interval_fires)
{
	struct rows r = {
		.prog = start("interval:ms:20 { @n = count(); "
			      "printf(\"tick %d\", @n); }",
			      false)
	};
	CHECKF(r.prog, "%s", errbuf);
	drain(&r, 3);
	bt_program__free(r.prog);
	CHECK(r.n >= 3);
	CHECK_STR(r.text[0], "tick 1");
	CHECK_STR(r.text[2], "tick 3");
}

TT_TEST(profile_fires_on_cpus)
{
	struct rows r = { .prog = start("profile:hz:200 { @s[cpu] = count(); "
					"printf(\"%d\", cpu); }",
					false) };
	CHECKF(r.prog, "%s", errbuf);
	drain(&r, 10);
	bt_program__free(r.prog);
	CHECK(r.n >= 10);
	long ncpu = sysconf(_SC_NPROCESSORS_ONLN);
	for (int i = 0; i < r.n; i++)
		CHECKF(atol(r.text[i]) >= 0 && atol(r.text[i]) < ncpu, "cpu %s",
		       r.text[i]);
}

TT_TEST(software_page_faults)
{
	char *src =
		btt__fmt("software:page-faults:1 /pid == %d/ { @f = count(); "
			 "printf(\"f\"); }",
			 getpid());
	struct rows r = { .prog = start(src, false) };
	CHECKF(r.prog, "%s", errbuf);
	/* Touch 64 fresh pages: at least 64 faults. */
	size_t len = 64 * 4096;
	char *m = mmap(NULL, len, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	CHECK(m != MAP_FAILED);
	for (size_t i = 0; i < len; i += 4096)
		m[i] = 1;
	munmap(m, len);
	drain(&r, 64);
	bt_program__free(r.prog);
	CHECKF(r.n >= 64, "%d faults", r.n);
}

TT_TEST(begin_end_maps_exit)
{
	/* Table mode takes it too: its maps become tables (test_sema_tables.c). */
	struct rows r = { 0 };
	r.prog = start("BEGIN { @a = 1; @s[\"x\", 2] = \"hello\"; exit(); }\n"
		       "END { @b = @a + 41; @t = (1, \"z\"); delete(@a); }",
		       false);
	CHECKF(r.prog, "%s", errbuf);
	drain(&r, 0);
	CHECK(bt_program__exited(r.prog));
	const char *out = btt__end(r.prog);
	/* The deleted @a prints as an empty line, like bpftrace 0.17. */
	CHECK_STR(out, "\n\n\n@b: 42\n@s[x, 2]: hello\n@t: (1, z)\n");
}

TT_TEST(map_actions_in_order)
{
	/* print/clear/zero/time run in user space in record order: the
	 * rows around them show where. */
	char *src =
		btt__fmt("tracepoint:syscalls:sys_enter_getppid /pid == %d/ {\n"
			 "  @c[\"k\"] = count(); @s = \"a longer string\";\n"
			 "  printf(\"row\\n\"); print(@c); time(\"T\\n\");\n"
			 "  zero(@c); print(@c); clear(@c);\n"
			 "  @s = \"short\";\n}",
			 getpid());
	struct rows r = { .prog = start(src, false) };
	CHECKF(r.prog, "%s", errbuf);
	char out[4096] = "";
	FILE *f = fmemopen(out, sizeof(out) - 1, "w");
	bt_program__set_output(r.prog, f);
	syscall(SYS_getppid);
	drain(&r, 1);
	fflush(f);
	char during[4096];
	snprintf(during, sizeof(during), "%s", out);
	const char *end = btt__end(r.prog);
	fclose(f);
	CHECK_INT(r.n, 1);
	CHECK_STR(during, "@c[k]: 1\nT\n@c[k]: 0\n");
	CHECK_STR(end, "\n\n\n@s: short\n"); /* @c: cleared, empty */
	/* In table programs time() prints nothing (builtins.c decides). */
}

TT_TEST(histograms_and_averages)
{
	char *src =
		btt__fmt("tracepoint:syscalls:sys_enter_getppid /pid == %d/ {\n"
			 "  @i++; @h = hist(@i * 3); @l = lhist(@i, 0, 4, 2);\n"
			 "  @a = avg(@i); @s = stats(@i * 10);\n"
			 "  if (@i == 5) { exit(); }\n}",
			 getpid());
	struct rows r = { .prog = start(src, false) };
	CHECKF(r.prog, "%s", errbuf);
	for (int i = 0; i < 5; i++)
		syscall(SYS_getppid);
	drain(&r, 0);
	CHECK(bt_program__exited(r.prog));
	const char *out = btt__end(r.prog);
	/* @i = 1..5: hist of 3 6 9 12 15 (bars scaled to the largest
	 * bucket), lhist of 1..5, avg 3, stats of 10..50. */
	const char *bar52 =
		"@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@";
	char want[2048];
	snprintf(want, sizeof(want),
		 "\n\n@a: 3\n\n@h: \n"
		 "[2, 4)                 1 |%.17s%35s|\n"
		 "[4, 8)                 1 |%.17s%35s|\n"
		 "[8, 16)                3 |%s|\n\n"
		 "@i: 5\n"
		 "@l: \n"
		 "[0, 2)                 1 |%.26s%26s|\n"
		 "[2, 4)                 2 |%s|\n"
		 "[4, ...)               2 |%s|\n\n"
		 "@s: count 5, average 30, total 150\n\n",
		 bar52, "", bar52, "", bar52, bar52, "", bar52, bar52);
	CHECK_STR(out, want);
}

TT_TEST(rendered_values)
{
	/* ksym/username are numbers in BPF and text for the user; kaddr is
	 * resolved at compile time. */
	struct rows r = {
		.prog = start("BEGIN { printf(\"%s|%s|%d%d|%d\", "
			      "ksym(kaddr(\"vfs_read\")), username, "
			      "strncmp(\"hello\", \"help\", 3), "
			      "strncmp(\"hello\", \"help\", 4), "
			      "rand >= 0); @u[username] = count(); "
			      "@k = ksym(kaddr(\"vfs_write\")); exit(); }",
			      false)
	};
	CHECKF(r.prog, "%s", errbuf);
	drain(&r, 1);
	const char *out = btt__end(r.prog);
	CHECK_INT(r.n, 1);
	CHECK_STR(r.text[0], "vfs_read|root|01|1");
	CHECK_STR(out, "\n\n@k: vfs_write\n@u[root]: 1\n");
}

TT_TEST(kernel_stacks)
{
	char *src = btt__fmt(
		"tracepoint:syscalls:sys_enter_getppid /pid == %d/ {\n"
		"  printf(\"[%%s]\", kstack); @[kstack(2)] = count();\n"
		"  exit();\n}",
		getpid());
	struct rows r = { .prog = start(src, false) };
	CHECKF(r.prog, "%s", errbuf);
	syscall(SYS_getppid);
	drain(&r, 1);
	const char *out = btt__end(r.prog);
	CHECK_INT(r.n, 1);
	/* bpftrace's layout: frames on their own lines, 8 spaces in text
	 * and 4 in map keys; a syscall tracepoint is under do_syscall_64. */
	CHECKF(!strncmp(r.text[0], "[\n        ", 10) &&
		       strstr(r.text[0], "\n        do_syscall_64+") &&
		       !strcmp(r.text[0] + strlen(r.text[0]) - 2, "\n]"),
	       "%s", r.text[0]);
	CHECKF(!strncmp(out, "\n\n@[\n    ", 9) && strstr(out, "]: 1\n"),
	       "%s", out);
}

TT_TEST(join_and_cat)
{
	char path[64];
	snprintf(path, sizeof(path), "/tmp/bt_test_cat_%d", getpid());
	FILE *cf = fopen(path, "w");
	CHECK(cf);
	fputs("cat works\n", cf);
	fclose(cf);
	char *src = btt__fmt(
		"BEGIN { cat(\"%s\"); }\n"
		"tracepoint:syscalls:sys_enter_execve /pid != %d && "
		"curtask->real_parent->tgid == %d/ {\n"
		"  join(args->argv); join(args->argv, \",\"); exit();\n}",
		path, getpid(), getpid());
	struct rows r = { .prog = start(src, false) };
	CHECKF(r.prog, "%s", errbuf);
	char out[4096] = "";
	FILE *f = fmemopen(out, sizeof(out) - 1, "w");
	bt_program__set_output(r.prog, f);
	pid_t c = fork();
	if (c == 0) {
		/* Strings on the heap: BPF cannot fault in the child's
		 * not-yet-mapped file pages (string literals). */
		char *argv[] = { strdup("true"), strdup("one"),
				 strdup("two words"), NULL };
		execv("/bin/true", argv);
		_exit(127);
	}
	int st;
	waitpid(c, &st, 0);
	drain(&r, 0);
	unlink(path); /* cat() runs when its record is consumed */
	fclose(f);
	bt_program__free(r.prog);
	CHECK_STR(out, "cat works\ntrue one two words\ntrue,one,two words\n");
}

TT_TEST(aggregations_read_back)
{
	char *src = btt__fmt(
		"tracepoint:syscalls:sys_enter_getppid /pid == %d/ {\n"
		"  @c = count(); @c2[comm] = count(); @sum = sum(@i);\n"
		"  @mn = min(@i + 10); @mx = max(@i * 2); @i++;\n"
		"  @neg = min(-5 + @i);\n"
		"  $x = @i > 2 ? 1 : 0; @big = sum($x);\n"
		"  if (@i == 4) { exit(); }\n}",
		getpid());
	struct rows r = { .prog = start(src, false) };
	CHECKF(r.prog, "%s", errbuf);
	for (int i = 0; i < 4; i++)
		syscall(SYS_getppid);
	drain(&r, 0);
	CHECK(bt_program__exited(r.prog));
	CHECK_INT(bt_program__lost(r.prog), 0);
	CHECK_INT(bt_program__decode_errors(r.prog), 0);
	const char *out = btt__end(r.prog);
	/* @i: 0,1,2,3 before each increment; sum 6, min 10, max 6. */
	CHECK_STR(out, "\n\n@big: 2\n@c: 4\n@c2[test_kernel]: 4\n@i: 4\n"
		       "@mn: 10\n@mx: 6\n@neg: -4\n@sum: 6\n");
}

TT_TEST(operators_and_control_flow)
{
	char *src = btt__fmt(
		"tracepoint:syscalls:sys_enter_getppid /pid == %d/ {\n"
		"  $a = 7; $b = -3; $u = (uint8)300;\n"
		"  $c = $a / 2 + $a %% 4 * 2 - ($b << 2) + ($b >> 1);\n"
		"  $l = $a > 5 && $b < 0 || 0; $n = !$a; $t = ~0 & 0xff ^ 0x0f "
		"| 1;\n"
		"  if ($a == 7) { $s = \"seven\"; } else { $s = \"other\"; }\n"
		"  $bs = bswap((uint16)0x1234);\n"
		"  printf(\"%%ld %%d %%d %%d %%d %%s %%x %%ld\", $c, $l, $n, "
		"$t, $u, "
		"$s, $bs, $b / 2);\n"
		"  return;\n"
		"  printf(\"unreachable\");\n}",
		getpid());
	struct rows r = { .prog = start(src, false) };
	CHECKF(r.prog, "%s", errbuf);
	syscall(SYS_getppid);
	drain(&r, 1);
	bt_program__free(r.prog);
	CHECK_INT(r.n, 1);
	/* As bpftrace 0.17 prints it: / and % are unsigned and >> is
	 * logical whatever the signs, so 7/2=3, 7%4*2=6, -(-3<<2)=+12 and
	 * -3>>1=2^63-2 add up to 19 + 2^63 - 2; -3/2 = (2^64-3)/2. */
	CHECK_STR(r.text[0], "-9223372036854775789 1 0 241 44 seven 3412 "
			     "9223372036854775806");
}

TT_TEST(wildcard_tracepoints)
{
	char *src =
		btt__fmt("tracepoint:syscalls:sys_enter_getp*id /pid == %d/ {\n"
			 "  printf(\"%%s\", probe);\n}",
			 getpid());
	struct rows r = { .prog = start(src, true) };
	CHECKF(r.prog, "%s", errbuf);
	syscall(SYS_getppid);
	syscall(SYS_getpid);
	drain(&r, 2);
	bt_program__free(r.prog);
	CHECK_INT(r.n, 2);
	CHECK_STR(r.text[0], "tracepoint:syscalls:sys_enter_getppid");
	CHECK_STR(r.text[1], "tracepoint:syscalls:sys_enter_getpid");
}

TT_TEST(shared_body_and_tp_arrays)
{
	/* Two probes, one body; an unsigned long args[6] field indexed. */
	char *src = btt__fmt("tracepoint:raw_syscalls:sys_enter,\n"
			     "tracepoint:syscalls:sys_enter_getppid\n"
			     "/pid == %d && (probe == "
			     "\"tracepoint:syscalls:sys_enter_getppid\" || "
			     "args->id == %d)/ {\n"
			     "  printf(\"%%s\", probe);\n}",
			     getpid(), SYS_getppid);
	struct rows r = { .prog = start(src, false) };
	CHECK(!r.prog); /* args->id does not exist in sys_enter_getppid */
	CHECKF(strstr(errbuf, "test:3:") &&
		       strstr(errbuf, "has no field 'id'"),
	       "%s", errbuf);
	src = btt__fmt("tracepoint:raw_syscalls:sys_enter /pid == %d && "
		       "args->id == %d/ { printf(\"a %%d %%d\", args->args[0], "
		       "args->args[1]); }\n"
		       "tracepoint:syscalls:sys_enter_kill,\n"
		       "tracepoint:syscalls:sys_enter_tkill /pid == %d/ {\n"
		       "  printf(\"b %%d %%d\", args->sig, probe == "
		       "\"tracepoint:syscalls:sys_enter_kill\");\n}",
		       getpid(), SYS_kill, getpid());
	r.prog = start(src, false);
	CHECKF(r.prog, "%s", errbuf);
	kill(getpid(), 0);
	syscall(SYS_tkill, gettid(), 0);
	drain(&r, 3);
	bt_program__free(r.prog);
	CHECK_INT(r.n, 3);
	/* Both tracepoints fire on kill(2), in an order of the kernel's
	 * choosing; tkill comes after both. */
	char a[64];
	snprintf(a, sizeof(a), "a %d 0", getpid());
	bool a_first = !strcmp(r.text[0], a);
	CHECK_STR(r.text[a_first ? 0 : 1], a);
	CHECK_STR(r.text[a_first ? 1 : 0], "b 0 1");
	CHECK_STR(r.text[2], "b 0 0");
}

TT_TEST(while_loop)
{
	char *src = btt__fmt(
		"tracepoint:syscalls:sys_enter_getppid /pid == %d/ {\n"
		"  $i = 0; $s = 0;\n"
		"  while ($i < 10) { $i++; if ($i == 3) { continue; }\n"
		"    if ($i > 7) { break; } $s += $i; }\n"
		"  printf(\"%%d %%d\", $i, $s);\n}",
		getpid());
	struct rows r = { .prog = start(src, false) };
	CHECKF(r.prog, "%s", errbuf);
	syscall(SYS_getppid);
	drain(&r, 1);
	bt_program__free(r.prog);
	CHECK_INT(r.n, 1);
	CHECK_STR(r.text[0], "8 25");
}

TT_TEST(rawtracepoint_args)
{
	/* sys_enter(regs, id): arg1 is the syscall number. */
	char *src =
		btt__fmt("rawtracepoint:sys_enter /pid == %d && arg1 == %d/ {\n"
			 "  printf(\"%%d\", arg1);\n}",
			 getpid(), SYS_getppid);
	struct rows r = { .prog = start(src, false) };
	CHECKF(r.prog, "%s", errbuf);
	syscall(SYS_getppid);
	drain(&r, 1);
	bt_program__free(r.prog);
	CHECK_INT(r.n, 1);
	char want[16];
	snprintf(want, sizeof(want), "%d", SYS_getppid);
	CHECK_STR(r.text[0], want);
}

TT_MAIN("kernel", TT_CASE(getppid_rows_exact), TT_CASE(openat_path_via_str),
	TT_CASE(data_loc_string), TT_CASE(curtask_parent),
	TT_CASE(sock_chain_ports), TT_CASE(sock_chain_ipv6_and_comm), TT_CASE(uprobe_args_and_retval),
	TT_CASE(interval_fires), TT_CASE(begin_end_maps_exit),
	TT_CASE(aggregations_read_back), TT_CASE(operators_and_control_flow),
	TT_CASE(wildcard_tracepoints), TT_CASE(rawtracepoint_args),
	TT_CASE(uprobe_user_string), TT_CASE(shared_body_and_tp_arrays),
	TT_CASE(while_loop), TT_CASE(profile_fires_on_cpus),
	TT_CASE(uprobe_stack_args), TT_CASE(software_page_faults),
	TT_CASE(map_actions_in_order), TT_CASE(histograms_and_averages),
	TT_CASE(rendered_values), TT_CASE(kernel_stacks),
	TT_CASE(join_and_cat))
