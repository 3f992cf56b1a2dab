/*
 * daemon/bench/ingest.c - bench-ingest: end-to-end ingest throughput and
 * CPU cost of tracetabd against bpftrace 0.17, in the same run.
 *
 * A generator process calls getppid(2) N times as fast as one core allows.
 * Both tools trace sys_enter_getppid with the same printf (pid, comm, a
 * value): tracetabd appends rows to its store, bpftrace writes lines to a
 * file. For each we count what arrived for the generator's pid, the
 * tool's CPU time (utime+stime from /proc/PID/stat) over the run, and the
 * records it reports lost. The headline ratio is events per CPU-second.
 */
#include <sys/prctl.h>

#include "tests/daemon/harness.h"
#include "tracetab/store.h"

#define GEN_COMM "ttd_bench_gen"
#define PRINTF "printf(\"pid:%d comm:%s v:%d\\n\", pid, comm, tid)"
#define PROBE "tracepoint:syscalls:sys_enter_getppid"

static unsigned long long events = 1000000;

static double cpu_seconds(pid_t pid)
{
	char path[64], buf[2048], *p;
	unsigned long long ut = 0, st = 0;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
	f = fopen(path, "r");
	if (!f)
		return -1;
	p = fgets(buf, sizeof(buf), f) ? strrchr(buf, ')') : NULL;
	fclose(f);
	/* After "comm)": state is field 3; utime, stime are 14 and 15. */
	if (!p || sscanf(p + 2,
			 "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u "
			 "%llu %llu",
			 &ut, &st) != 2)
		return -1;
	return (double)(ut + st) / sysconf(_SC_CLK_TCK);
}

static double mono_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

/* Runs the generator to completion; returns its pid. */
static pid_t generate(void)
{
	pid_t pid = fork();

	if (pid == 0) {
		prctl(PR_SET_NAME, GEN_COMM);
		for (unsigned long long i = 0; i < events; i++)
			syscall(SYS_getppid);
		_exit(0);
	}
	waitpid(pid, NULL, 0);
	return pid;
}

static uint64_t store_rows(struct td *d, const char *table, pid_t pid)
{
	struct tt_scan_opts o = {.sz = sizeof(o)};
	struct tt_reader *r;
	struct tt_scan *sc;
	struct tt_chunk ch;
	uint64_t n = 0;
	char err[256];
	int col;

	if (tt_reader__open(d->store, table, &r, err, sizeof(err)) < 0) {
		fprintf(stderr, "bench-ingest: %s\n", err);
		return 0;
	}
	col = tt_schema__find(tt_reader__schema(r), "pid");
	if (col >= 0 && tt_reader__scan(r, &o, &sc) == 0) {
		while (tt_scan__next(sc, &ch) == 1)
			for (uint32_t i = 0; i < ch.nrows; i++)
				n += ((const int64_t *)ch.cols[col])[i] == pid;
		tt_scan__free(sc);
	}
	tt_reader__close(r);
	return n;
}

struct result {
	double wall, cpu;
	uint64_t got, lost;
};

static int run_tracetab(struct result *res)
{
	struct td d = {.table_bytes = "256M"}; /* holds every row */
	const char *src[] = {PROBE " { " PRINTF "; }"};
	json_t *r;
	double c0, t0;
	pid_t gen;
	int rc = -1;

	if (td_start(&d) < 0) {
		fprintf(stderr, "bench-ingest: tracetabd did not start\n");
		goto out;
	}
	r = td_deploy(&d, "bench", "bench_ingest", "1h", true, 1, src, NULL);
	if (strcmp(td_status_str(r, "state"), "running") != 0) {
		fprintf(stderr, "bench-ingest: deploy: %s\n",
			td_status_str(r, "error"));
		json_decref(r);
		goto out;
	}
	json_decref(r);
	c0 = cpu_seconds(d.pid);
	t0 = mono_s();
	gen = generate();
	r = td_status(&d, "bench"); /* drains the ring */
	res->wall = mono_s() - t0;
	res->cpu = cpu_seconds(d.pid) - c0;
	res->lost = td_status_int(r, "lost");
	json_decref(r);
	res->got = store_rows(&d, "bench_ingest", gen);
	rc = 0;
out:
	td_cleanup(&d);
	return rc;
}

static unsigned long long file_lines(const char *path, const char *needle,
				     unsigned long long *lost)
{
	char line[512];
	unsigned long long n = 0, l;
	FILE *f = fopen(path, "r");

	*lost = 0;
	if (!f)
		return 0;
	while (fgets(line, sizeof(line), f)) {
		if (strstr(line, needle))
			n++;
		else if (sscanf(line, "Lost %llu events", &l) == 1)
			*lost += l;
	}
	fclose(f);
	return n;
}

static off_t file_size(const char *path)
{
	struct stat st;

	return stat(path, &st) == 0 ? st.st_size : -1;
}

static int run_bpftrace(struct result *res)
{
	char out[] = "/tmp/bench-ingest-bt.XXXXXX", needle[64];
	unsigned long long lost;
	double c0, t0;
	pid_t bt, gen;
	int fd = mkstemp(out);

	if (fd < 0)
		return -1;
	close(fd);
	bt = fork();
	if (bt == 0) {
		int null = open("/dev/null", O_WRONLY);

		dup2(null, 1);
		execlp("bpftrace", "bpftrace", "-o", out, "-e",
		       PROBE " { " PRINTF "; }", (char *)NULL);
		_exit(127);
	}
	for (int i = 0; i < 600 && file_size(out) <= 0; i++)
		td_sleep_ms(50); /* "Attaching 1 probe..." once it is live */
	if (file_size(out) <= 0) {
		kill(bt, SIGKILL);
		waitpid(bt, NULL, 0);
		unlink(out);
		fprintf(stderr, "bench-ingest: bpftrace did not start\n");
		return -1;
	}
	c0 = cpu_seconds(bt);
	t0 = mono_s();
	gen = generate();
	/* Until bpftrace has written everything it will. */
	for (off_t last = -1, now; (now = file_size(out)) != last;) {
		last = now;
		td_sleep_ms(200);
	}
	res->wall = mono_s() - t0 - 0.2;
	res->cpu = cpu_seconds(bt) - c0;
	kill(bt, SIGINT);
	waitpid(bt, NULL, 0);
	snprintf(needle, sizeof(needle), "pid:%d comm:" GEN_COMM, (int)gen);
	res->got = file_lines(out, needle, &lost);
	res->lost = lost;
	unlink(out);
	return 0;
}

static void report(const char *who, const struct result *r)
{
	printf("bench ingest.%s_rows_per_s %.0f rows/s\n", who,
	       r->got / r->wall);
	printf("bench ingest.%s_cpu_per_mrow %.3f s\n", who,
	       r->got ? r->cpu / r->got * 1e6 : 0);
	printf("bench ingest.%s_events_per_cpu_s %.0f events/s\n", who,
	       r->cpu > 0 ? r->got / r->cpu : 0);
	printf("bench ingest.%s_received %llu of %llu events\n", who,
	       (unsigned long long)r->got, events);
	printf("bench ingest.%s_lost %llu records\n", who,
	       (unsigned long long)r->lost);
}

int main(void)
{
	struct result tt = {0}, bt = {0};
	const char *n = getenv("BENCH_INGEST_EVENTS");

	if (n)
		events = strtoull(n, NULL, 10);
	if (geteuid() != 0) {
		fprintf(stderr, "bench-ingest: needs root\n");
		return 1;
	}
	if (run_tracetab(&tt) < 0 || run_bpftrace(&bt) < 0)
		return 1;
	report("tracetab", &tt);
	report("bpftrace", &bt);
	/* Events delivered per CPU-second spent by the tool. */
	printf("bench ingest.events_per_cpu_s ratio %.2f vs bpftrace\n",
	       tt.cpu > 0 && bt.got && bt.cpu > 0
		       ? (tt.got / tt.cpu) / (bt.got / bt.cpu)
		       : 0);
	return 0;
}
