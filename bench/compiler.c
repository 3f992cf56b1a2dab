/*
 * bench-compiler - the compiler side by side with bpftrace 0.17, same run:
 *
 *   startup    compile + load + attach of a one-probe tracepoint printf
 *              program that exits at once (bt-run vs bpftrace): wall time
 *              until every probe is attached (bt-run's READY line,
 *              bpftrace's __BPFTRACE_NOTIFY_PROBES_ATTACHED line), until
 *              exit, and peak RSS of the whole process; tracetab's
 *              in-process compile + load + attach alone;
 *   tcpretrans compile + load of the seed's kprobe program (attach then
 *              fails on this kernel for both tools): whole process, plus
 *              tracetab's in-process compile + load alone;
 *   largest_tool  the largest Debian tool that attaches here
 *              (tests/conformance/corpus/tools): in-process compile +
 *              load + attach, and the whole process (until attached,
 *              until exit, RSS) beside bpftrace;
 *   per-event  added cost per sys_enter_getppid event of a printf probe,
 *              rows decoded but not printed (bt-run --quiet) vs bpftrace
 *              writing to /dev/null: getppid loop time with the probe
 *              minus without, and records lost at that rate.
 *
 * The issues' targets (in-process compile + load (+ attach) under 20 ms,
 * bt-run under 10 MB, under 1 us per event) are printed as ratios too.
 * Lines: "bench compiler.<figure> <value> <unit>" and ratios (> 1 means
 * tracetab is better). bpftrace figures are skipped when it is missing.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "tracetab/bt.h"

#define RUNS 5
#define EVENTS 1000000

static const char *bt_run = "build/bt-run";

static const char *startup_prog =
	"tracepoint:syscalls:sys_enter_getppid "
	"{ printf(\"pid:%d comm:%s\\n\", pid, comm); }\n"
	"BEGIN { exit(); }";

static const char *tcpretrans_prog =
	"#include <linux/socket.h>\n#include <net/sock.h>\n"
	"kprobe:tcp_retransmit_skb\n{\n"
	"  $sk = (struct sock *)arg0;\n"
	"  $inet_family = $sk->__sk_common.skc_family;\n"
	"  $AF_INET = (uint16) 2;\n  $AF_INET6 = (uint16) 10;\n"
	"  if ($inet_family == $AF_INET || $inet_family == $AF_INET6) {\n"
	"    if ($inet_family == $AF_INET) {\n"
	"      $daddr = ntop($sk->__sk_common.skc_daddr);\n"
	"      $saddr = ntop($sk->__sk_common.skc_rcv_saddr);\n"
	"    } else {\n"
	"      $daddr = ntop($sk->__sk_common.skc_v6_daddr.in6_u.u6_addr8);\n"
	"      $saddr = "
	"ntop($sk->__sk_common.skc_v6_rcv_saddr.in6_u.u6_addr8);\n"
	"    }\n"
	"    $sport = $sk->__sk_common.skc_num;\n"
	"    $dport = $sk->__sk_common.skc_dport;\n"
	"    $dport = ($dport >> 8) | (($dport << 8) & 0x00FF00);\n"
	"    printf(\"time_:%llu src_ip:%s src_port:%d dst_ip:%s "
	"dst_port:%d\",\n      nsecs, $saddr, $sport, $daddr, $dport);\n"
	"  }\n}\n";

static double now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

/*
 * Whole-process figures come from a launcher process forked at the top of
 * main(), while this benchmark is still small: a child's peak RSS counts
 * the pages it inherited at fork (the kernel keeps the high-water mark
 * across exec), so forking the measured tools from this process after it
 * has compiled a few programs in-process would add its own ~10 MB to
 * theirs. The launcher forks and execs each request, output discarded,
 * and answers with the wall time until exit, the wall time until a
 * marker line on stderr (probes attached), the peak RSS and the status.
 */
struct launch_req {
	char marker[64]; /* "" = no marker */
	char env[64]; /* NAME=VALUE added to the environment, or "" */
	char argv[8192]; /* NUL-separated arguments, an empty one last */
};

struct launch_res {
	double ms, ready_ms, rss_mb;
	int status;
};

static int launch_fd[2] = {-1, -1}; /* requests to, results from */

static pid_t spawn(const struct launch_req *q, int *err)
{
	char *argv[64];
	size_t n = 0;
	int ep[2] = {-1, -1};

	for (const char *a = q->argv; *a && n < 63; a += strlen(a) + 1)
		argv[n++] = (char *)a;
	argv[n] = NULL;
	if (q->marker[0] && pipe(ep) < 0)
		return -1;
	pid_t p = fork();
	if (p == 0) {
		int dn = open("/dev/null", O_RDWR);
		dup2(dn, 0);
		dup2(dn, 1);
		dup2(q->marker[0] ? ep[1] : dn, 2);
		if (q->env[0])
			putenv((char *)q->env);
		execvp(argv[0], argv);
		_exit(127);
	}
	if (q->marker[0])
		close(ep[1]);
	*err = ep[0];
	return p;
}

/* Reads fd to its end; ms since t0 when a line holds marker, else -1. */
static double await_marker(int fd, const char *marker, double t0)
{
	char line[512];
	size_t n = 0;
	double at = -1;
	char c;

	while (fd >= 0 && read(fd, &c, 1) == 1) {
		if (c != '\n' && n < sizeof(line) - 1) {
			line[n++] = c;
			continue;
		}
		line[n] = 0;
		n = 0;
		if (at < 0 && strstr(line, marker))
			at = now_ms() - t0;
	}
	if (fd >= 0)
		close(fd);
	return at;
}

static void launcher_loop(int req, int res)
{
	struct launch_req q;
	struct launch_res r;

	while (read(req, &q, sizeof(q)) == (ssize_t)sizeof(q)) {
		int err = -1, st = 0;
		struct rusage ru = {0};
		double t0 = now_ms();
		pid_t p = spawn(&q, &err);
		r.ready_ms = q.marker[0] ? await_marker(err, q.marker, t0) : -1;
		if (p < 0 || wait4(p, &st, 0, &ru) < 0)
			st = -1;
		r.ms = now_ms() - t0;
		r.rss_mb = (double)ru.ru_maxrss / 1024.0;
		r.status = st < 0 || !WIFEXITED(st) ? -1 : WEXITSTATUS(st);
		if (write(res, &r, sizeof(r)) != (ssize_t)sizeof(r))
			break;
	}
	_exit(0);
}

static void launcher_start(void)
{
	int req[2], res[2];

	if (pipe2(req, O_CLOEXEC) < 0 || pipe2(res, O_CLOEXEC) < 0)
		return;
	pid_t p = fork();
	if (p == 0) {
		close(req[1]);
		close(res[0]);
		launcher_loop(req[0], res[1]);
	}
	close(req[0]);
	close(res[1]);
	launch_fd[0] = p < 0 ? -1 : req[1];
	launch_fd[1] = p < 0 ? -1 : res[0];
}

/*
 * Runs argv (at most 63 arguments) to completion through the launcher;
 * marker/env as in struct launch_req (NULL: none). 0 or -1.
 */
static int run(char *const argv[], const char *marker, const char *env,
	       struct launch_res *r)
{
	static struct launch_req q;
	size_t o = 0;

	memset(&q, 0, sizeof(q));
	snprintf(q.marker, sizeof(q.marker), "%s", marker ? marker : "");
	snprintf(q.env, sizeof(q.env), "%s", env ? env : "");
	for (size_t i = 0; argv[i]; i++) {
		size_t len = strlen(argv[i]) + 1;
		if (o + len + 1 > sizeof(q.argv))
			return -1;
		memcpy(q.argv + o, argv[i], len);
		o += len;
	}
	if (launch_fd[0] < 0 ||
	    write(launch_fd[0], &q, sizeof(q)) != (ssize_t)sizeof(q) ||
	    read(launch_fd[1], r, sizeof(*r)) != (ssize_t)sizeof(*r))
		return -1;
	return 0;
}

static int cmp_d(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return x < y ? -1 : x > y;
}

struct figures {
	double ms, ready_ms, rss; /* medians; max RSS */
};

/*
 * Median wall times (to exit, to the marker) and max RSS over RUNS runs;
 * false if it never ran or the marker never came.
 */
static bool measure(char *const argv[], const char *marker, const char *env,
		    struct figures *f)
{
	double t[RUNS], rt[RUNS];
	struct launch_res r;

	f->rss = 0;
	for (int i = 0; i < RUNS; i++) {
		if (run(argv, marker, env, &r) < 0 || r.status == 127 ||
		    r.status < 0 || (marker && r.ready_ms < 0))
			return false;
		t[i] = r.ms;
		rt[i] = r.ready_ms;
		if (r.rss_mb > f->rss)
			f->rss = r.rss_mb;
	}
	qsort(t, RUNS, sizeof(t[0]), cmp_d);
	qsort(rt, RUNS, sizeof(rt[0]), cmp_d);
	f->ms = t[RUNS / 2];
	f->ready_ms = rt[RUNS / 2];
	return true;
}

static bool have_bpftrace(void)
{
	return access("/usr/bin/bpftrace", X_OK) == 0 ||
	       access("/usr/sbin/bpftrace", X_OK) == 0;
}

/* bt-run says READY, bpftrace (asked by this variable) this, once every
 * probe is attached. */
#define BPFTRACE_ATTACHED "__BPFTRACE_NOTIFY_PROBES_ATTACHED"

static void print_pair(const char *fig, const char *what, double ours,
		       double theirs, const char *unit)
{
	printf("bench compiler.%s%s %.*f %s\n", fig, what,
	       strcmp(unit, "MB") ? 2 : 1, ours, unit);
	if (theirs < 0)
		return;
	printf("bench compiler.%s_bpftrace%s %.*f %s\n", fig, what,
	       strcmp(unit, "MB") ? 2 : 1, theirs, unit);
	printf("bench compiler.%s%s ratio %.1f vs bpftrace\n", fig, what,
	       theirs / ours);
}

/*
 * src (a file when file, else -e) through bt-run and bpftrace: wall time
 * to exit and peak RSS; with attached, also the wall time from exec until
 * every probe is attached (compile + load + attach as the user waits for
 * it, process start included).
 */
static struct figures pair(const char *fig, const char *src, bool file,
			   bool attached)
{
	char path[] = "/tmp/bench-compiler-XXXXXX";
	struct figures t = {-1, -1, -1}, b = {-1, -1, -1};
	int fd = mkstemp(path);
	if (fd < 0 || write(fd, src, strlen(src)) < 0)
		return t;
	close(fd);
	char *bt[] = {(char *)bt_run, file ? path : "-e",
		      file ? NULL : (char *)src, NULL};
	char *bp[] = {"bpftrace", file ? path : "-e", file ? NULL : (char *)src,
		      NULL};
	if (!measure(bt, attached ? "READY" : NULL, NULL, &t)) {
		fprintf(stderr, "bench-compiler: bt-run failed on %s\n", fig);
		unlink(path);
		return (struct figures){-1, -1, -1};
	}
	if (have_bpftrace() && !measure(bp, attached ? BPFTRACE_ATTACHED : NULL,
					BPFTRACE_ATTACHED "=1", &b)) {
		fprintf(stderr, "bench-compiler: bpftrace failed on %s\n", fig);
		b = (struct figures){-1, -1, -1};
	}
	print_pair(fig, "_ms", t.ms, b.ms, "ms");
	print_pair(fig, "_rss", t.rss, b.rss, "MB");
	if (attached)
		print_pair(fig, "_attached_ms", t.ready_ms, b.ready_ms, "ms");
	unlink(path);
	fflush(stdout);
	return t;
}

/* A figure against an issue's target (an upper bound): limit / value. */
static void target(const char *fig, double value, double limit,
		   const char *name)
{
	if (value > 0)
		printf("bench compiler.%s ratio %.1f vs %s_target\n", fig,
		       limit / value, name);
}

static double cpu_now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
	return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

/*
 * In-process compile + load (+ attach) of src over RUNS runs: the median
 * wall time in ms, or -1 when it does not get that far; *cpu_ms the
 * median CPU time of this process meanwhile (the verifier runs in the
 * bpf() syscall, so it is counted), which neighbours on a shared machine
 * do not inflate.
 */
static double inprocess_ms(const char *src, bool table_mode, bool attach,
			   double *cpu_ms)
{
	double t[RUNS], c[RUNS];
	for (int i = 0; i < RUNS; i++) {
		struct bt_diags *d = bt_diags__new();
		struct bt_program *p = NULL;
		struct bt_compile_opts o = {.sz = sizeof(o),
					    .table_mode = table_mode,
					    .ringbuf_bytes = 1u << 20};
		double t0 = now_ms(), c0 = cpu_now_ms();
		int rc = bt_program__compile(src, &o, &p, d);
		if (!rc)
			rc = bt_program__load(p, d);
		if (!rc && attach)
			rc = bt_program__attach(p, d);
		t[i] = now_ms() - t0;
		c[i] = cpu_now_ms() - c0;
		bt_program__free(p);
		bt_diags__free(d);
		if (rc)
			return -1;
	}
	qsort(t, RUNS, sizeof(t[0]), cmp_d);
	qsort(c, RUNS, sizeof(c[0]), cmp_d);
	*cpu_ms = c[RUNS / 2];
	return t[RUNS / 2];
}

/* inprocess_ms of src printed as <fig>_ms and <fig>_cpu_ms, with the
 * issues' 20 ms target; false when it failed. */
static bool inprocess(const char *fig, const char *src, bool table_mode,
		      bool attach)
{
	double cpu, ms = inprocess_ms(src, table_mode, attach, &cpu);
	if (ms < 0)
		return false;
	printf("bench compiler.%s_ms %.2f ms\n", fig, ms);
	printf("bench compiler.%s_cpu_ms %.2f ms\n", fig, cpu);
	char name[128];
	snprintf(name, sizeof(name), "%s_ms", fig);
	target(name, ms, 20, "20ms");
	return true;
}

static char *slurp(const char *path)
{
	FILE *f = fopen(path, "r");
	if (!f)
		return NULL;
	char *buf = NULL;
	size_t len = 0;
	FILE *m = open_memstream(&buf, &len);
	char chunk[4096];
	size_t n;
	while (m && (n = fread(chunk, 1, sizeof(chunk), f)) > 0)
		fwrite(chunk, 1, n, m);
	if (m)
		fclose(m);
	fclose(f);
	return buf;
}

#define TOOLS_DIR "tests/conformance/corpus/tools"

/*
 * The largest of Debian's bpftrace tools (source bytes) that tracetab
 * compiles, loads and attaches on this kernel (kprobe tools cannot
 * attach here, and bpftrace cannot run tcpdrop.bt here: it takes the
 * kernel-header branch). Returns its text (caller frees) or NULL.
 */
static char *largest_tool(char *name, size_t len)
{
	static const char *const tools[] = {
		"bashreadline",	  "bitesize",	"cpuwalk",     "execsnoop",
		"gethostlatency", "killsnoop",	"loads",       "naptime",
		"opensnoop",	  "pidpersec",	"runqlat",     "runqlen",
		"setuids",	  "ssllatency", "sslsnoop",    "statsnoop",
		"syncsnoop",	  "syscount",	"threadsnoop", "writeback",
	};
	char *best = NULL;
	for (size_t i = 0; i < sizeof(tools) / sizeof(tools[0]); i++) {
		char path[256];
		snprintf(path, sizeof(path), TOOLS_DIR "/%s.bt", tools[i]);
		char *src = slurp(path);
		if (!src)
			continue;
		struct bt_diags *d = bt_diags__new();
		struct bt_program *p = NULL;
		struct bt_compile_opts o = {.sz = sizeof(o),
					    .ringbuf_bytes = 1u << 20};
		int rc = bt_program__compile(src, &o, &p, d);
		if (!rc)
			rc = bt_program__load(p, d);
		if (!rc)
			rc = bt_program__attach(p, d);
		bt_program__free(p);
		bt_diags__free(d);
		if (!rc && (!best || strlen(src) > strlen(best))) {
			free(best);
			best = src;
			snprintf(name, len, "%s", tools[i]);
		} else {
			free(src);
		}
	}
	return best;
}

/*
 * The largest tool that attaches here: in-process compile + load +
 * attach, and the whole process (it exits 1 ms after attaching) beside
 * bpftrace running the same file.
 */
static void tool_startup(void)
{
	char name[64];
	char *src = largest_tool(name, sizeof(name));
	if (!src) {
		fprintf(stderr, "no tool of " TOOLS_DIR " attaches here\n");
		return;
	}
	fflush(stdout);
	fprintf(stderr, "largest tool that attaches here: %s.bt\n", name);
	inprocess("largest_tool_compile_load_attach_inprocess", src, false,
		  true);
	char *text = NULL;
	if (asprintf(&text, "%s\ninterval:ms:1 { exit(); }\n", src) > 0) {
		struct figures f = pair("largest_tool", text, true, true);
		target("largest_tool_rss", f.rss, 10, "10MB");
	}
	free(text);
	free(src);
}

/* ---- Per-event cost ---------------------------------------------------------
 */

/*
 * Forks a generator that waits for a byte on `go`, then makes EVENTS
 * getppid calls and writes the loop's ns to `res`.
 */
static pid_t generator(int go[2], int res[2])
{
	if (pipe(go) < 0 || pipe(res) < 0)
		return -1;
	pid_t p = fork();
	if (p == 0) {
		char c;
		if (read(go[0], &c, 1) != 1)
			_exit(1);
		double t0 = now_ms();
		for (int i = 0; i < EVENTS; i++)
			syscall(SYS_getppid);
		double ns = (now_ms() - t0) * 1e6;
		if (write(res[1], &ns, sizeof(ns)) < 0)
			_exit(1);
		_exit(0);
	}
	return p;
}

static double gen_finish(pid_t g, int go[2], int res[2])
{
	double ns = -1;
	if (write(go[1], "g", 1) != 1 ||
	    read(res[0], &ns, sizeof(ns)) != sizeof(ns))
		ns = -1;
	waitpid(g, NULL, 0);
	for (int i = 0; i < 2; i++) {
		close(go[i]);
		close(res[i]);
	}
	return ns;
}

/* Starts a tracer for pid g with stderr to a pipe; waits for its READY
 * (bt-run) or for `settle_ms` (bpftrace). */
static pid_t tracer(char *const argv[], int *err_fd, int settle_ms)
{
	int ep[2];
	if (pipe(ep) < 0)
		return -1;
	pid_t p = fork();
	if (p == 0) {
		int dn = open("/dev/null", O_RDWR);
		dup2(dn, 1);
		dup2(ep[1], 2);
		close(ep[0]);
		execvp(argv[0], argv);
		_exit(127);
	}
	close(ep[1]);
	*err_fd = ep[0];
	if (settle_ms) {
		usleep((useconds_t)settle_ms * 1000);
		return p;
	}
	char buf[256];
	size_t n = 0;
	while (n < sizeof(buf) - 1) {
		ssize_t k = read(ep[0], buf + n, 1);
		if (k <= 0)
			return -1;
		n++;
		buf[n] = 0;
		if (strstr(buf, "READY\n"))
			return p;
	}
	return -1;
}

#define PRINTF_BODY "{ printf(\"pid:%d comm:%s n:%d\\n\", pid, comm, tid); }"
#define EMPTY_BODY "{ }"

static double event_cost(bool bpftrace, const char *body, double base_ns,
			 long *lost, long *rows)
{
	int go[2], res[2], ef;
	pid_t g = generator(go, res);
	char src[512];
	snprintf(src, sizeof(src),
		 "tracepoint:syscalls:sys_enter_getppid /pid == %d/ %s", (int)g,
		 body);
	char *bt[] = {(char *)bt_run, "--quiet", "-e", src, NULL};
	char *bp[] = {"bpftrace", "-e", src, NULL};
	pid_t t = tracer(bpftrace ? bp : bt, &ef, bpftrace ? 3000 : 0);
	if (t < 0) {
		kill(g, SIGKILL);
		gen_finish(g, go, res);
		return -1;
	}
	double ns = gen_finish(g, go, res);
	usleep(300000); /* let the consumer drain */
	kill(t, SIGINT);
	char buf[4096] = "";
	size_t n = 0;
	ssize_t k;
	while (n < sizeof(buf) - 1 &&
	       (k = read(ef, buf + n, sizeof(buf) - 1 - n)) > 0)
		n += (size_t)k;
	buf[n] = 0;
	close(ef);
	waitpid(t, NULL, 0);
	const char *l = strstr(buf, "rows ");
	if (l)
		sscanf(l, "rows %ld lost %ld", rows, lost);
	return (ns - base_ns) / EVENTS;
}

static void per_event(void)
{
	int go[2], res[2];
	/* Baseline: the loop without any probe (best of three). */
	double base = 1e30;
	for (int i = 0; i < 3; i++) {
		pid_t g = generator(go, res);
		double ns = gen_finish(g, go, res);
		if (ns > 0 && ns < base)
			base = ns;
	}
	printf("bench compiler.getppid_base_ns %.1f ns\n", base / EVENTS);
	long lost = -1, rows = -1;
	/* The floor: an enabled tracepoint running a program that only
	 * evaluates its predicate. */
	double empty = event_cost(false, EMPTY_BODY, base, &lost, &rows);
	if (empty >= 0)
		printf("bench compiler.per_event_empty_probe_ns %.1f ns\n",
		       empty);
	double bt = event_cost(false, PRINTF_BODY, base, &lost, &rows);
	if (bt < 0)
		return;
	printf("bench compiler.per_event_ns %.1f ns\n", bt);
	printf("bench compiler.per_event_rows %ld rows\n", rows);
	printf("bench compiler.per_event_lost %ld records\n", lost);
	target("per_event_ns", bt, 1000, "1us");
	fflush(stdout);
	if (!have_bpftrace())
		return;
	long bl = -1, br = -1;
	double bp = event_cost(true, PRINTF_BODY, base, &bl, &br);
	if (bp <= 0)
		return;
	printf("bench compiler.per_event_bpftrace_ns %.1f ns\n", bp);
	printf("bench compiler.per_event_ns ratio %.1f vs bpftrace\n",
	       bp / (bt > 1 ? bt : 1));
}

int main(int argc, char **argv)
{
	if (argc > 1)
		bt_run = argv[1];
	else if (access(bt_run, X_OK) != 0)
		bt_run = "./bt-run";
	launcher_start();
	struct figures f = pair("startup", startup_prog, false, true);
	target("startup_rss", f.rss, 10, "10MB");
	inprocess("startup_compile_load_attach_inprocess", startup_prog, false,
		  true);
	pair("tcpretrans", tcpretrans_prog, true, false);
	if (!inprocess("tcpretrans_compile_load_inprocess", tcpretrans_prog,
		       true, false))
		fprintf(stderr, "tcpretrans does not compile/load\n");
	tool_startup();
	fflush(stdout);
	per_event();
	return 0;
}
