/*
 * test_runner.c - system() commands run by the daemon's runner on a real
 * io_uring loop with real processes: output lines (blank ones too, and
 * stderr) reach the log, exit
 * statuses are reported, the concurrency limit drops and counts, the time
 * limit kills the whole process group (also what a shell left running in
 * the background), output is bounded, and freeing the runner lets a quick
 * command finish, kills the rest and reaps every child, leaking no file
 * descriptor.
 */
#include <dirent.h>
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "daemon/deplog.h"
#include "daemon/loop.h"
#include "daemon/runner.h"
#include "tests/tt_test.h"

struct fixture {
	struct ttd_loop *loop;
	struct ttd_runner *r;
	struct ttd_deplog log;
	int64_t deadline_ms;
};

static int64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Stops the loop once no command runs, or at the deadline. */
static void tick(void *ctx)
{
	struct fixture *f = ctx;
	struct ttd_runner_stats st;

	ttd_runner__stats(f->r, &st);
	if (!st.running || now_ms() > f->deadline_ms)
		ttd_loop__stop(f->loop);
}

static int setup(struct fixture *f, unsigned max_running, uint64_t timeout_ms)
{
	struct ttd_runner_opts o = {max_running, timeout_ms * 1000000};

	memset(f, 0, sizeof(*f));
	snprintf(f->log.name, sizeof(f->log.name), "test");
	if (ttd_loop__new(10, tick, f, &f->loop) < 0)
		return -1;
	return ttd_runner__new(f->loop, &f->log, &o, &f->r);
}

/* Runs the loop until every command is done (or max_ms passed). */
static void settle(struct fixture *f, int max_ms)
{
	f->deadline_ms = now_ms() + max_ms;
	ttd_loop__run(f->loop);
}

static void teardown(struct fixture *f, struct ttd_runner_stats *st)
{
	ttd_runner__free(f->r, st);
	ttd_loop__free(f->loop);
	ttd_deplog__clear(&f->log);
}

/* The log as one text, lines joined by '\n' (malloc'd). */
static char *log_text(const struct ttd_deplog *log)
{
	json_t *arr = ttd_deplog__json(log), *l;
	size_t i, cap = 1;
	char *s;

	json_array_foreach(arr, i, l) cap +=
		strlen(json_string_value(json_object_get(l, "text"))) + 1;
	s = calloc(1, cap);
	json_array_foreach(arr, i, l)
	{
		strcat(s, json_string_value(json_object_get(l, "text")));
		strcat(s, "\n");
	}
	json_decref(arr);
	return s;
}

static int count_fds(void)
{
	DIR *d = opendir("/proc/self/fd");
	int n = 0;

	while (d && readdir(d))
		n++;
	if (d)
		closedir(d);
	return n;
}

/* A process is gone: no /proc entry, or a zombie of another parent. */
static bool gone(pid_t pid)
{
	char path[64], buf[256];
	FILE *f;
	bool z = false;

	snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
	f = fopen(path, "r");
	if (!f)
		return true;
	if (fgets(buf, sizeof(buf), f)) {
		char *p = strrchr(buf, ')');

		z = p && (p[2] == 'Z' || p[2] == 'X');
	}
	fclose(f);
	return z;
}

/* Waits up to ms for pid to be gone. */
static bool gone_within(pid_t pid, int ms)
{
	for (int i = 0; i < ms / 10; i++) {
		if (gone(pid))
			return true;
		struct timespec ts = {0, 10000000};
		nanosleep(&ts, NULL);
	}
	return gone(pid);
}

/* The first number in the log at or after "pid " (0 when none). */
static pid_t pid_in(const char *text)
{
	const char *p = strstr(text, "pid ");

	return p ? (pid_t)atoi(p + 4) : 0;
}

TT_TEST(output_lines_reach_the_log)
{
	struct fixture f;
	struct ttd_runner_stats st = {0};
	int fds = count_fds();

	CHECK(setup(&f, 4, 5000) == 0);
	CHECK_INT(ttd_runner__run(f.r, "echo one; echo; echo two >&2; "
				       "printf three"),
		  0);
	settle(&f, 3000);
	char *text = log_text(&f.log);
	teardown(&f, &st);
	bool ok = text && strcmp(text, "one\n\ntwo\nthree\n") == 0;
	if (!ok)
		fprintf(stderr, "log: [%s]\n", text ? text : "(null)");
	free(text);
	CHECK(ok);
	CHECK_INT(st.started, 1);
	CHECK_INT(st.running, 0);
	CHECK_INT(st.failed, 0);
	CHECK_INT(st.killed, 0);
	CHECK_INT(count_fds(), fds);
}

TT_TEST(long_line_comes_in_pieces)
{
	struct fixture f;
	struct ttd_runner_stats st = {0};

	CHECK(setup(&f, 4, 5000) == 0);
	CHECK_INT(ttd_runner__run(f.r, "head -c 3000 /dev/zero | tr '\\0' x"),
		  0);
	settle(&f, 3000);
	json_t *j = ttd_deplog__json(&f.log);
	size_t n = json_array_size(j), len[3] = {0};
	for (size_t i = 0; i < n && i < 3; i++)
		len[i] = strlen(json_string_value(
			json_object_get(json_array_get(j, i), "text")));
	json_decref(j);
	teardown(&f, &st);
	CHECK_INT(n, 3);
	CHECK_INT(len[0], TTD_DEPLOG_LINE_MAX);
	CHECK_INT(len[1], TTD_DEPLOG_LINE_MAX);
	CHECK_INT(len[2], 3000 - 2 * TTD_DEPLOG_LINE_MAX);
}

TT_TEST(ignored_sigchld_still_completes)
{
	struct fixture f;
	struct ttd_runner_stats st = {0};

	/* The kernel reaps the children itself: the runner must notice. */
	signal(SIGCHLD, SIG_IGN);
	CHECK(setup(&f, 4, 5000) == 0);
	CHECK_INT(ttd_runner__run(f.r, "echo reaped elsewhere"), 0);
	settle(&f, 3000);
	struct ttd_runner_stats mid;
	ttd_runner__stats(f.r, &mid);
	char *text = log_text(&f.log);
	teardown(&f, &st);
	signal(SIGCHLD, SIG_DFL);
	bool ok = text && strstr(text, "reaped elsewhere");
	free(text);
	CHECK(ok);
	CHECK_INT(mid.running, 0);
	CHECK_INT(st.failed, 0);
}

TT_TEST(exit_status_is_reported)
{
	struct fixture f;
	struct ttd_runner_stats st = {0};

	CHECK(setup(&f, 4, 5000) == 0);
	CHECK_INT(ttd_runner__run(f.r, "exit 3"), 0);
	CHECK_INT(ttd_runner__run(f.r, "kill -USR1 $$"), 0);
	settle(&f, 3000);
	char *text = log_text(&f.log);
	teardown(&f, &st);
	bool ok = text &&
		  strstr(text, "system: `exit 3` exited with status 3") &&
		  strstr(text, "was killed by signal 10");
	if (!ok)
		fprintf(stderr, "log: [%s]\n", text ? text : "(null)");
	free(text);
	CHECK(ok);
	CHECK_INT(st.failed, 2);
}

TT_TEST(limit_drops_and_counts)
{
	struct fixture f;
	struct ttd_runner_stats st = {0}, mid;

	CHECK(setup(&f, 2, 5000) == 0);
	CHECK_INT(ttd_runner__run(f.r, "sleep 0.3"), 0);
	CHECK_INT(ttd_runner__run(f.r, "sleep 0.3"), 0);
	CHECK_INT(ttd_runner__run(f.r, "echo never"), -EBUSY);
	CHECK_INT(ttd_runner__run(f.r, "echo never"), -EBUSY);
	ttd_runner__stats(f.r, &mid);
	settle(&f, 3000);
	/* Room again once they are done. */
	CHECK_INT(ttd_runner__run(f.r, "echo again"), 0);
	settle(&f, 3000);
	char *text = log_text(&f.log);
	teardown(&f, &st);
	bool ok = text && !strstr(text, "never") && strstr(text, "again") &&
		  strstr(text, "2 commands are running, the limit");
	/* The drop is told once, not per dropped command. */
	int told = 0;
	for (const char *p = text; p && (p = strstr(p, "the limit")); p++)
		told++;
	free(text);
	CHECK_INT(mid.running, 2);
	CHECK_INT(st.started, 3);
	CHECK_INT(st.dropped, 2);
	CHECK(ok);
	CHECK_INT(told, 1);
}

TT_TEST(time_limit_kills_the_process_group)
{
	struct fixture f;
	struct ttd_runner_stats st = {0};
	int64_t t0 = now_ms();

	CHECK(setup(&f, 4, 300) == 0);
	/* The shell waits for a child of its own: both must die. */
	CHECK_INT(ttd_runner__run(f.r, "sleep 30 & echo pid $!; wait"), 0);
	settle(&f, 5000);
	int64_t took = now_ms() - t0;
	char *text = log_text(&f.log);
	pid_t pid = text ? pid_in(text) : 0;
	bool told =
		text && strstr(text, "killed after 300 ms (the time limit)");
	if (!told)
		fprintf(stderr, "log: [%s]\n", text ? text : "(null)");
	free(text);
	teardown(&f, &st);
	CHECK(pid > 0);
	CHECK(told);
	CHECK_INT(st.killed, 1);
	CHECK_INT(st.failed, 0);
	CHECKF(took < 3000, "took %lld ms", (long long)took);
	CHECK(gone_within(pid, 2000));
}

TT_TEST(background_command_counts_until_its_limit)
{
	struct fixture f;
	struct ttd_runner_stats st = {0}, mid;

	CHECK(setup(&f, 1, 500) == 0);
	/* The shell exits at once; its background child lives on with
	 * stdout closed: it still holds the slot until the time limit. */
	CHECK_INT(
		ttd_runner__run(f.r, "sleep 30 >/dev/null 2>&1 & echo pid $!"),
		0);
	f.deadline_ms = now_ms() + 200;
	ttd_loop__run(f.loop);
	ttd_runner__stats(f.r, &mid);
	int busy = ttd_runner__run(f.r, "echo refused");
	settle(&f, 5000);
	char *text = log_text(&f.log);
	pid_t pid = text ? pid_in(text) : 0;
	free(text);
	teardown(&f, &st);
	CHECK(pid > 0);
	CHECK_INT(mid.running, 1);
	CHECK_INT(busy, -EBUSY);
	CHECK_INT(st.killed, 1);
	CHECK(gone_within(pid, 2000));
}

TT_TEST(output_is_bounded)
{
	struct fixture f;
	struct ttd_runner_stats st = {0};

	CHECK(setup(&f, 4, 5000) == 0);
	/* Endless output: the pipe closes at the bound, yes dies of
	 * SIGPIPE (not ignored in the child, unlike in the daemon). */
	CHECK_INT(ttd_runner__run(f.r, "yes"), 0);
	settle(&f, 4000);
	char *text = log_text(&f.log);
	bool told = text && strstr(text, "output of `yes` is over 64 KiB; "
					 "the rest is discarded");
	free(text);
	teardown(&f, &st);
	CHECK(told);
	CHECK_INT(st.killed, 0);
	CHECK_INT(st.running, 0);
}

TT_TEST(free_finishes_quick_kills_slow_reaps_all)
{
	struct fixture f;
	struct ttd_runner_stats st = {0};
	int fds = count_fds();
	int64_t t0;

	CHECK(setup(&f, 4, 30000) == 0);
	CHECK_INT(ttd_runner__run(f.r, "echo pid $$; exec sleep 30"), 0);
	CHECK_INT(ttd_runner__run(f.r, "echo bye"), 0);
	/* Let the first print its pid, then end at once. */
	f.deadline_ms = now_ms() + 150;
	ttd_loop__run(f.loop);
	t0 = now_ms();
	ttd_runner__free(f.r, &st);
	int64_t took = now_ms() - t0;
	char *text = log_text(&f.log);
	pid_t pid = text ? pid_in(text) : 0;
	bool ok = text && strstr(text, "bye") &&
		  strstr(text, "killed as the deployment ended");
	if (!ok)
		fprintf(stderr, "log: [%s]\n", text ? text : "(null)");
	free(text);
	ttd_loop__free(f.loop);
	ttd_deplog__clear(&f.log);
	CHECK(ok);
	CHECK(pid > 0);
	/* Our own child: reaped by the runner, so no /proc entry at all. */
	CHECK(access("/proc/self", F_OK) == 0);
	char path[64];
	snprintf(path, sizeof(path), "/proc/%d", (int)pid);
	CHECK(access(path, F_OK) != 0);
	CHECK_INT(st.started, 2);
	CHECK_INT(st.killed, 1);
	CHECK_INT(st.running, 0);
	CHECKF(took < 1500, "free took %lld ms", (long long)took);
	CHECK_INT(count_fds(), fds);
}

TT_MAIN("daemon/runner", TT_CASE(output_lines_reach_the_log),
	TT_CASE(long_line_comes_in_pieces),
	TT_CASE(ignored_sigchld_still_completes),
	TT_CASE(exit_status_is_reported), TT_CASE(limit_drops_and_counts),
	TT_CASE(time_limit_kills_the_process_group),
	TT_CASE(background_command_counts_until_its_limit),
	TT_CASE(output_is_bounded),
	TT_CASE(free_finishes_quick_kills_slow_reaps_all))
