/*
 * bench/query/bench_query.c - `make bench NAME=query`: tracetab's query
 * engine against DuckDB (one thread) on the same 10-million-row trace
 * table, side by side in one run.
 *
 * The rows are a function of their index i (h = i * 2654435761 mod
 * 4294967291; 200 comms, 1000 source and 1000 destination addresses,
 * time_ = base + i us), so duckdb.mjs builds the identical table inside
 * DuckDB with one SQL statement instead of parsing a dump. Both sides run
 * each query several times and report the median, excluding load; the
 * answers are written sorted and compared line by line.
 *
 * Prints:  bench query.<figure> <value> <unit>
 *          bench query.<figure> ratio <r> vs duckdb   (r > 1: tracetab faster)
 */
#include <errno.h>
#include <inttypes.h>
#include <libgen.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "tracetab/query.h"
#include "tracetab/store.h"

#define NROWS 10000000ULL
#define RUNS 5
#define BASE_NS 1767225600000000000LL /* 2026-01-01T00:00:00Z */

static const char *q1_fmt =
	"SELECT src_ip, comm, count(*) AS n FROM trace WHERE time_ BETWEEN "
	"'2026-01-01T00:00:02Z' AND '2026-01-01T00:00:07Z' "
	"GROUP BY src_ip, comm";
static const char *q2_fmt =
	"SELECT dst_ip, p99(value) AS p99 FROM trace GROUP BY dst_ip";

static double now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

/* CPU time of the process: stable on a machine shared with other work. */
static double cpu_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
	return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

static int load(const char *dir)
{
	static char comm[200][16], src[1000][24], dst[1000][24];
	struct tt_table_opts o = {.sz = sizeof(o), .group = (gid_t)-1};
	struct tt_schema s = {0};
	struct tt_table *t;
	char err[256];

	for (int k = 0; k < 200; k++)
		snprintf(comm[k], sizeof(comm[k]), "comm%d", k);
	for (int k = 0; k < 1000; k++) {
		snprintf(src[k], sizeof(src[k]), "10.%d.%d.1", k / 256,
			 k % 256);
		snprintf(dst[k], sizeof(dst[k]), "172.%d.%d.9", k / 256,
			 k % 256);
	}
	tt_schema__add(&s, "time_", TT_TYPE_TIME);
	tt_schema__add(&s, "pid", TT_TYPE_INT64);
	tt_schema__add(&s, "comm", TT_TYPE_STRING);
	tt_schema__add(&s, "src_ip", TT_TYPE_STRING);
	tt_schema__add(&s, "dst_ip", TT_TYPE_STRING);
	tt_schema__add(&s, "value", TT_TYPE_UINT64);
	o.segment_rows = 65536;
	o.max_bytes = 4ull << 30;
	if (tt_table__open(dir, "trace", &s, &o, &t, err, sizeof(err))) {
		fprintf(stderr, "bench-query: %s\n", err);
		return -1;
	}
	for (uint64_t i = 0; i < NROWS; i++) {
		uint64_t h = (i * 2654435761ULL) % 4294967291ULL;
		union tt_value v[6];
		int c = (int)(h % 200), sk = (int)((h / 200) % 1000),
		    dk = (int)((h / 200000) % 1000);

		v[0].i64 = BASE_NS + (int64_t)i * 1000;
		v[1].i64 = (int64_t)((h / 13) % 30000);
		v[2].str.ptr = comm[c];
		v[2].str.len = (uint32_t)strlen(comm[c]);
		v[3].str.ptr = src[sk];
		v[3].str.len = (uint32_t)strlen(src[sk]);
		v[4].str.ptr = dst[dk];
		v[4].str.len = (uint32_t)strlen(dst[dk]);
		v[5].u64 = (h / 7) % 100000;
		if (tt_table__append(t, v) < 0) {
			fprintf(stderr,
				"bench-query: append failed at row %" PRIu64
				"\n",
				i);
			tt_table__close(t);
			return -1;
		}
	}
	tt_table__close(t);
	return 0;
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Writes the result as sorted tab-separated lines. */
static int write_sorted(const struct ttq_result *r, const char *path)
{
	size_t n = ttq_result__nrows(r), nc = ttq_result__ncols(r);
	char **lines = calloc(n + 1, sizeof(*lines));
	FILE *f = fopen(path, "w");

	if (!lines || !f)
		return -1;
	for (size_t i = 0; i < n; i++) {
		char line[512] = "", cell[128];

		for (size_t c = 0; c < nc; c++) {
			ttq_value__format(ttq_result__value(r, i, c),
					  TTQ_FMT_UTC, cell, sizeof(cell));
			strcat(line, cell);
			strcat(line, c + 1 < nc ? "\t" : "");
		}
		lines[i] = strdup(line);
	}
	qsort(lines, n, sizeof(*lines), cmp_str);
	for (size_t i = 0; i < n; i++) {
		fprintf(f, "%s\n", lines[i]);
		free(lines[i]);
	}
	free(lines);
	fclose(f);
	return 0;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

/*
 * Median of RUNS timed runs of sql (wall clock; *cpu gets the median CPU
 * time); writes the last answer to path.
 */
static double time_query(const char *dir, const char *sql, const char *path,
			 double *cpu)
{
	struct ttq_opts o = {.sz = sizeof(o), .store_dir = dir};
	double t[RUNS], c[RUNS];
	struct ttq_error err;
	struct ttq_result *r = NULL;

	struct ttq_query *q;

	/*
	 * Prepared once, like DuckDB's table stays attached: the runs measure
	 * execution over an already mapped table, not page-table setup.
	 */
	if (ttq_query__prepare(sql, &o, &q, &err)) {
		fprintf(stderr, "bench-query: %s\n", err.msg);
		return -1;
	}
	for (int k = 0; k < RUNS; k++) {
		double t0 = now_ms(), c0 = cpu_ms();

		if (ttq_query__run(q, &r, &err)) {
			fprintf(stderr, "bench-query: %s\n", err.msg);
			ttq_query__free(q);
			return -1;
		}
		t[k] = now_ms() - t0;
		c[k] = cpu_ms() - c0;
		if (getenv("TTQ_BENCH_VERBOSE"))
			fprintf(stderr, "run %d: %.1f ms (cpu %.1f ms)\n", k,
				t[k], c[k]);
		if (k + 1 < RUNS)
			ttq_result__free(r);
	}
	ttq_query__free(q);
	write_sorted(r, path);
	ttq_result__free(r);
	qsort(t, RUNS, sizeof(t[0]), cmp_double);
	qsort(c, RUNS, sizeof(c[0]), cmp_double);
	*cpu = c[RUNS / 2];
	return t[RUNS / 2];
}

static int same_file(const char *a, const char *b, long *lines)
{
	char cmd[PATH_MAX * 2 + 64];
	FILE *f = fopen(a, "r");
	int c;

	*lines = 0;
	if (!f)
		return 0;
	while ((c = fgetc(f)) != EOF)
		*lines += c == '\n';
	fclose(f);
	snprintf(cmd, sizeof(cmd), "cmp -s '%s' '%s'", a, b);
	return system(cmd) == 0;
}

int main(void)
{
	char dir[64] = "/dev/shm/ttq-bench-XXXXXX", exe[PATH_MAX],
	     src[PATH_MAX];
	char cmd[PATH_MAX * 4], path[PATH_MAX], dpath[PATH_MAX];
	double tt[2], tc[2], dd[2] = {-1, -1}, dc[2] = {-1, -1};
	const char *sql[2] = {q1_fmt, q2_fmt};
	const char *fig[2] = {"count_per_src_comm_window", "p99_per_dst"};
	int status = 0;

	ssize_t n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
	exe[n > 0 ? n : 0] = 0;
	snprintf(src, sizeof(src), "%s/../bench/query", dirname(exe));
	double t0 = now_ms();
	const char *reuse = getenv("TTQ_BENCH_DIR"); /* for profiling runs */
	if (reuse && *reuse) {
		snprintf(dir, sizeof(dir), "%s", reuse);
	} else if (!mkdtemp(dir) || load(dir)) {
		status = 1;
		goto out;
	}
	printf("bench query.load_rows %llu rows\n", NROWS);
	printf("bench query.load_tracetab %.0f ms\n", now_ms() - t0);
	fflush(stdout);
	for (int i = 0; i < 2; i++) {
		const char *only =
			getenv("TTQ_BENCH_ONLY"); /* profiling: "1"/"2" */

		if (only && atoi(only) != i + 1)
			continue;
		snprintf(path, sizeof(path), "%s/tt_q%d.tsv", dir, i + 1);
		tt[i] = time_query(dir, sql[i], path, &tc[i]);
		if (tt[i] < 0) {
			status = 1;
			goto out;
		}
		printf("bench query.%s_tracetab %.1f ms\n", fig[i], tt[i]);
		printf("bench query.%s_tracetab_cpu %.1f ms\n", fig[i], tc[i]);
		fflush(stdout);
	}
	if (getenv("TTQ_BENCH_NO_DUCKDB"))
		goto out;
	snprintf(cmd, sizeof(cmd), "%s/run-duckdb.sh %llu %lld '%s' %d", src,
		 NROWS, BASE_NS, dir, RUNS);
	FILE *p = popen(cmd, "r");
	char line[256];
	while (p && fgets(line, sizeof(line), p)) {
		int q;
		double ms, cms;

		if (sscanf(line, "duckdb q%d %lf %lf", &q, &ms, &cms) == 3 &&
		    q >= 1 && q <= 2) {
			dd[q - 1] = ms;
			dc[q - 1] = cms;
		} else
			fputs(line, stderr);
	}
	if (!p || pclose(p) != 0 || dd[0] < 0 || dd[1] < 0) {
		fprintf(stderr,
			"bench-query: the DuckDB side failed (see above)\n");
		status = 1;
		goto out;
	}
	for (int i = 0; i < 2; i++) {
		long lines;

		snprintf(path, sizeof(path), "%s/tt_q%d.tsv", dir, i + 1);
		snprintf(dpath, sizeof(dpath), "%s/duck_q%d.tsv", dir, i + 1);
		bool same = same_file(path, dpath, &lines);
		printf("bench query.%s_duckdb %.1f ms\n", fig[i], dd[i]);
		printf("bench query.%s_duckdb_cpu %.1f ms\n", fig[i], dc[i]);
		printf("bench query.%s_groups %ld groups\n", fig[i], lines);
		printf("bench query.%s_identical %d bool\n", fig[i], same);
		printf("bench query.%s ratio %.2f vs duckdb\n", fig[i],
		       dd[i] / tt[i]);
		printf("bench query.%s_cpu ratio %.2f vs duckdb\n", fig[i],
		       dc[i] / tc[i]);
		if (!same) {
			fprintf(stderr,
				"bench-query: answers differ: diff %s %s\n",
				path, dpath);
			status = 1;
		}
	}
out:
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	if (!getenv("TTQ_BENCH_KEEP") && !reuse && system(cmd))
		status = 1;
	return status;
}
