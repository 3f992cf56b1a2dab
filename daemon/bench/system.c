/*
 * daemon/bench/system.c - bench-system: what one system() call costs the
 * daemon's event loop, tracetabd's runner against the synchronous popen()
 * that bt-run (like bpftrace) uses, side by side in one run.
 *
 * The loop is single-threaded: while it is inside a system() call no ring
 * buffer of any deployment is drained. For the runner that time is the
 * spawn (ttd_runner__run returns as soon as the child exists; its output,
 * exit and time limit come back through the loop); for popen() it is the
 * whole command. Two commands: `true` (the spawn cost alone) and
 * `sleep 0.02` (a command that takes time). Figures are microseconds the
 * caller is blocked per call (median of N); ratio > 1: tracetab blocks
 * less.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "daemon/deplog.h"
#include "daemon/loop.h"
#include "daemon/runner.h"

#define N 200

struct fix {
	struct ttd_loop *loop;
	struct ttd_runner *r;
	struct ttd_deplog log;
};

static double now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e6 + ts.tv_nsec / 1e3;
}

static int cmp(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

static double median(double *v, int n)
{
	qsort(v, n, sizeof(*v), cmp);
	return v[n / 2];
}

static void tick(void *ctx)
{
	struct fix *f = ctx;
	struct ttd_runner_stats st;

	ttd_runner__stats(f->r, &st);
	if (!st.running)
		ttd_loop__stop(f->loop);
}

/* Median block time of ttd_runner__run(cmd); the loop reaps in between. */
static double runner_us(struct fix *f, const char *cmd)
{
	double v[N];

	for (int i = 0; i < N; i++) {
		double t0 = now_us();

		if (ttd_runner__run(f->r, cmd) < 0)
			return -1;
		v[i] = now_us() - t0;
		ttd_loop__run(f->loop); /* until it is done */
	}
	return median(v, N);
}

/* Median time of popen(cmd) + reading it to the end + pclose. */
static double popen_us(const char *cmd)
{
	double v[N];
	char buf[4096];

	for (int i = 0; i < N; i++) {
		double t0 = now_us();
		FILE *p = popen(cmd, "re");

		if (!p)
			return -1;
		while (fread(buf, 1, sizeof(buf), p) > 0)
			;
		pclose(p);
		v[i] = now_us() - t0;
	}
	return median(v, N);
}

static void report(const char *figure, double ours, double anchor)
{
	printf("bench system.%s %.1f us\n", figure, ours);
	printf("bench system.%s_popen %.1f us\n", figure, anchor);
	printf("bench system.%s ratio %.2f vs popen\n", figure, anchor / ours);
}

int main(void)
{
	struct ttd_runner_opts o = {TTD_RUNNER_MAX_RUNNING, 10000000000ull};
	struct fix f = {0};
	static const struct {
		const char *figure, *cmd;
	} cmds[] = {
		{"block_true", "true"},
		{"block_sleep20ms", "sleep 0.02"},
	};

	snprintf(f.log.name, sizeof(f.log.name), "bench");
	if (ttd_loop__new(1, tick, &f, &f.loop) < 0 ||
	    ttd_runner__new(f.loop, &f.log, &o, &f.r) < 0) {
		fprintf(stderr, "bench-system: cannot set up the loop\n");
		return 1;
	}
	for (size_t i = 0; i < sizeof(cmds) / sizeof(cmds[0]); i++) {
		double ours = runner_us(&f, cmds[i].cmd);
		double anchor = popen_us(cmds[i].cmd);

		if (ours <= 0 || anchor <= 0) {
			fprintf(stderr, "bench-system: %s failed\n",
				cmds[i].cmd);
			return 1;
		}
		report(cmds[i].figure, ours, anchor);
	}
	ttd_runner__free(f.r, NULL);
	ttd_loop__free(f.loop);
	ttd_deplog__clear(&f.log);
	return 0;
}
