/*
 * store/demo.c - tt-store-demo: the store end to end, as the README's
 * fallback demo. As root it creates a table in a temporary store
 * directory (readable by the group of user nobody), fills it with
 * synthetic exec-latency rows, then forks a child that drops to user
 * nobody, reads a 2 ms time range and prints it as an aligned table, and
 * shows that it cannot write the table file.
 */
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "tracetab/store.h"

#define NROWS 100000
#define STEP_NS 100000 /* 100 us between rows: 10 s of trace */
#define SHOW_MAX 64

static const char *const comms[] = {"bash",	"sshd",	   "cron",   "nginx",
				    "postgres", "python3", "systemd"};

static int64_t wall_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return ts.tv_sec * 1000000000ll + ts.tv_nsec;
}

static int fill(const char *dir, gid_t group, int64_t start)
{
	struct tt_table_opts o = {.sz = sizeof(o), .group = group};
	struct tt_schema s = {0};
	struct tt_table *t = NULL;
	union tt_value v[4];
	char err[512];
	uint64_t rng = 42;

	tt_schema__add(&s, "time_", TT_TYPE_TIME);
	tt_schema__add(&s, "pid", TT_TYPE_INT64);
	tt_schema__add(&s, "comm", TT_TYPE_STRING);
	tt_schema__add(&s, "latency_us", TT_TYPE_UINT64);
	if (tt_table__open(dir, "exec", &s, &o, &t, err, sizeof(err))) {
		fprintf(stderr, "tt-store-demo: %s\n", err);
		return -1;
	}
	for (int i = 0; i < NROWS; i++) {
		const char *c;

		rng = rng * 6364136223846793005ull + 1442695040888963407ull;
		c = comms[(rng >> 33) % 7];
		v[0].i64 = start + (int64_t)i * STEP_NS;
		v[1].i64 = 1000 + (int64_t)((rng >> 40) % 5000);
		v[2].str.ptr = c;
		v[2].str.len = (uint32_t)strlen(c);
		v[3].u64 = 5 + (rng >> 52) % 900;
		if (tt_table__append(t, v) < 0)
			return -1;
	}
	printf("root wrote %d rows to %s/exec.tt\n", NROWS, dir);
	tt_table__close(t);
	return 0;
}

struct row {
	char time[40], pid[24], comm[64], lat[24];
};

static void fmt_time(char *buf, size_t len, int64_t ns)
{
	time_t sec = (time_t)(ns / 1000000000);
	struct tm tm;

	gmtime_r(&sec, &tm);
	snprintf(buf, len, "%02d:%02d:%02d.%06lld", tm.tm_hour, tm.tm_min,
		 tm.tm_sec, (long long)(ns % 1000000000) / 1000);
}

/* Collects the rows of [tmin, tmax] (at most SHOW_MAX) as text. */
static int collect(struct tt_reader *r, int64_t tmin, int64_t tmax,
		   struct row *rows)
{
	struct tt_scan_opts o = {.sz = sizeof(o),
				 .has_time_range = true,
				 .time_min = tmin,
				 .time_max = tmax,
				 .flags = TT_SCAN_COPY};
	struct tt_scan *sc;
	struct tt_chunk ch;
	int n = 0;

	if (tt_reader__scan(r, &o, &sc))
		return -1;
	while (tt_scan__next(sc, &ch) == 1) {
		const int64_t *tm = ch.cols[0], *pid = ch.cols[1];
		const uint32_t *code = ch.cols[2];
		const uint64_t *lat = ch.cols[3];

		for (uint32_t i = 0; i < ch.nrows && n < SHOW_MAX; i++) {
			const char *s;
			uint32_t len;

			if (tm[i] < tmin || tm[i] > tmax)
				continue;
			if (tt_chunk__string(&ch, 2, code[i], &s, &len))
				s = "?", len = 1;
			fmt_time(rows[n].time, sizeof(rows[n].time), tm[i]);
			snprintf(rows[n].pid, sizeof(rows[n].pid), "%lld",
				 (long long)pid[i]);
			snprintf(rows[n].comm, sizeof(rows[n].comm), "%.*s",
				 (int)len, s);
			snprintf(rows[n].lat, sizeof(rows[n].lat), "%llu",
				 (unsigned long long)lat[i]);
			n++;
		}
	}
	tt_scan__free(sc);
	return n;
}

static void print_table(const struct row *rows, int n)
{
	int w[4] = {5, 3, 4, 10}; /* header widths */

	for (int i = 0; i < n; i++) {
		int l[4] = {(int)strlen(rows[i].time), (int)strlen(rows[i].pid),
			    (int)strlen(rows[i].comm),
			    (int)strlen(rows[i].lat)};

		for (int c = 0; c < 4; c++)
			w[c] = l[c] > w[c] ? l[c] : w[c];
	}
	printf("%-*s  %*s  %-*s  %*s\n", w[0], "time_", w[1], "pid", w[2],
	       "comm", w[3], "latency_us");
	for (int i = 0; i < n; i++)
		printf("%-*s  %*s  %-*s  %*s\n", w[0], rows[i].time, w[1],
		       rows[i].pid, w[2], rows[i].comm, w[3], rows[i].lat);
	printf("(%d rows)\n", n);
}

static int reader_child(const char *dir, const struct passwd *pw, int64_t start)
{
	struct row rows[SHOW_MAX];
	struct tt_reader *r = NULL;
	struct tt_reader_stats st;
	char err[512], path[4200];
	int n;

	if (setgroups(0, NULL) || setgid(pw->pw_gid) || setuid(pw->pw_uid)) {
		perror("tt-store-demo: dropping to nobody");
		return 1;
	}
	if (tt_reader__open(dir, "exec", &r, err, sizeof(err))) {
		fprintf(stderr, "tt-store-demo: %s\n", err);
		return 1;
	}
	tt_reader__stats(r, &st);
	printf("uid %d (nobody) reads table exec: %llu rows; rows of "
	       "time_ in [+5.000 s, +5.002 s]:\n",
	       (int)getuid(), (unsigned long long)st.next_row_id);
	n = collect(r, start + 5000000000ll, start + 5002000000ll, rows);
	if (n < 0)
		return 1;
	print_table(rows, n);
	snprintf(path, sizeof(path), "%s/exec.tt", dir);
	if (open(path, O_RDWR) >= 0) {
		fprintf(stderr, "tt-store-demo: nobody could write %s\n", path);
		return 1;
	}
	printf("uid %d opening %s for writing: %s (as it should)\n",
	       (int)getuid(), path, strerror(errno));
	tt_reader__close(r);
	return n > 0 ? 0 : 1;
}

int main(void)
{
	char dir[] = "/dev/shm/tt-demo-XXXXXX";
	struct passwd *pw = getpwnam("nobody");
	int64_t start = wall_ns() - 10000000000ll;
	int status = 1;
	pid_t pid;

	if (geteuid() != 0) {
		fprintf(stderr, "tt-store-demo: run as root: it creates "
				"root-owned table files and drops to nobody\n");
		return 1;
	}
	if (!pw) {
		fprintf(stderr, "tt-store-demo: no user nobody\n");
		return 1;
	}
	if (!mkdtemp(dir) || chmod(dir, 0755)) {
		perror("tt-store-demo: store directory");
		return 1;
	}
	if (fill(dir, pw->pw_gid, start) == 0) {
		fflush(stdout);
		pid = fork();
		if (pid == 0) {
			int rc = reader_child(dir, pw, start);

			fflush(stdout);
			_exit(rc);
		}
		if (pid < 0 || waitpid(pid, &status, 0) != pid)
			status = 1;
	}
	tt_store__drop(dir, "exec");
	rmdir(dir);
	return WIFEXITED(status) && WEXITSTATUS(status) == 0 ? 0 : 1;
}
