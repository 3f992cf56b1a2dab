/*
 * daemon/runner.c - asynchronous, bounded system() commands (see runner.h).
 *
 * A command is a struct child with three descriptors the loop watches: the
 * read end of its output pipe, a pidfd (readable once the shell exits;
 * then it is reaped with waitpid, which cannot hit another process because
 * only we reap our children) and a timerfd for its time limit. A child is
 * done when it is reaped and its pipe is closed, and, if something it
 * started still holds the process group, when its time limit has killed
 * that group too: a backgrounded `sleep 100 >/dev/null &` counts against
 * the limits like its shell did. Until done it counts as running, which is
 * what max_running bounds.
 *
 * Children are spawned with posix_spawn: no signal mask or ignored SIGPIPE
 * inherited from the daemon, stdin from /dev/null, every descriptor above
 * stderr closed (BPF maps, ring buffers, tables and the control socket
 * stay in the daemon), and a process group of their own so that the kill
 * at the time limit reaches the shell's children as well.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/timerfd.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "daemon/log.h"
#include "daemon/runner.h"

extern char **environ;

struct child {
	struct ttd_runner *r;
	pid_t pid; /* also the process group */
	int pidfd, outfd, timerfd;
	struct ttd_watch *w_pid, *w_out, *w_timer;
	bool reaped, timed_out;
	size_t out_bytes; /* output read so far */
	size_t len; /* of the partial line in line[] */
	char line[TTD_DEPLOG_LINE_MAX + 2]; /* text, '\n', NUL */
	char cmd[81]; /* for messages */
	struct child *next;
};

struct ttd_runner {
	struct ttd_loop *loop;
	struct ttd_deplog *log;
	struct ttd_runner_opts opts;
	struct ttd_runner_stats st;
	struct child *children;
	bool told_drop; /* the first dropped command was logged */
};

static int64_t wall_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

static int64_t mono_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* A line of the runner's own in the log: "system: ...". */
static void note(struct ttd_runner *r, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
static void note(struct ttd_runner *r, const char *fmt, ...)
{
	char text[512];
	va_list ap;
	int n = snprintf(text, sizeof(text), "system: ");

	va_start(ap, fmt);
	vsnprintf(text + n, sizeof(text) - n, fmt, ap);
	va_end(ap);
	ttd_debug("deployment %s: %s", r->log->name, text);
	ttd_deplog__add(r->log, wall_now(), text, false);
}

static void close_fd(int *fd)
{
	if (*fd >= 0)
		close(*fd);
	*fd = -1;
}

static void unwatch(struct ttd_runner *r, struct ttd_watch **w)
{
	ttd_loop__unwatch(r->loop, *w);
	*w = NULL;
}

/*
 * The output line collected so far goes to the log; with newline, even
 * when empty (a blank line of output is a line too).
 */
static void flush_line(struct child *c, bool newline)
{
	if (!c->len && !newline)
		return;
	c->line[c->len] = newline ? '\n' : '\0';
	c->line[c->len + newline] = '\0';
	ttd_deplog__add(c->r->log, wall_now(), c->line, false);
	c->len = 0;
}

static void close_out(struct child *c)
{
	flush_line(c, false);
	unwatch(c->r, &c->w_out);
	close_fd(&c->outfd);
}

/* True while a process of the command's group lives on. */
static bool group_alive(const struct child *c)
{
	return kill(-c->pid, 0) == 0 || errno == EPERM;
}

static void child__free(struct child *c)
{
	struct ttd_runner *r = c->r;

	for (struct child **pp = &r->children; *pp; pp = &(*pp)->next)
		if (*pp == c) {
			*pp = c->next;
			break;
		}
	unwatch(r, &c->w_pid);
	unwatch(r, &c->w_timer);
	close_out(c);
	close_fd(&c->pidfd);
	close_fd(&c->timerfd);
	r->st.running--;
	free(c);
}

/* Frees c once nothing of it is left (may free c: do not touch it after). */
static void maybe_done(struct child *c)
{
	if (c->reaped && c->outfd < 0 && (c->timed_out || !group_alive(c)))
		child__free(c);
}

/* Adds output bytes: complete lines go to the log; bounded per command. */
static void feed(struct child *c, const char *buf, size_t n)
{
	size_t room = TTD_RUNNER_OUTPUT_MAX - c->out_bytes;
	bool over = n > room;

	if (over)
		n = room;
	c->out_bytes += n;
	for (size_t i = 0; i < n; i++) {
		if (buf[i] == '\n') {
			flush_line(c, true);
			continue;
		}
		c->line[c->len++] = buf[i];
		if (c->len == TTD_DEPLOG_LINE_MAX) /* a long line: in pieces */
			flush_line(c, false);
	}
	if (over) {
		note(c->r,
		     "output of `%s` is over %u KiB; the rest is discarded",
		     c->cmd, TTD_RUNNER_OUTPUT_MAX >> 10);
		close_out(c);
	}
}

/* Reads what the pipe holds; closes it at EOF, error or the bound. */
static void read_out(struct child *c)
{
	char buf[4096];

	while (c->outfd >= 0) {
		ssize_t n = read(c->outfd, buf, sizeof(buf));

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && errno == EAGAIN)
			return;
		if (n <= 0) {
			close_out(c);
			return;
		}
		feed(c, buf, (size_t)n);
	}
}

static void on_out(void *ctx, int revents)
{
	struct child *c = ctx;

	(void)revents;
	read_out(c);
	maybe_done(c);
}

/* Reaps the shell if it has exited; says how it ended when not well. */
static void reap(struct child *c)
{
	struct ttd_runner *r = c->r;
	int status = 0;
	pid_t w = c->reaped ? 0 : waitpid(c->pid, &status, WNOHANG);

	/* ECHILD: SIGCHLD was ignored and the kernel reaped it at exit. */
	if (w == 0 || (w < 0 && errno != ECHILD))
		return;
	c->reaped = true;
	unwatch(r, &c->w_pid);
	close_fd(&c->pidfd);
	read_out(c); /* its last output comes before the verdict */
	if (c->timed_out)
		return;
	if (WIFEXITED(status) && WEXITSTATUS(status) != 0) {
		r->st.failed++;
		note(r, "`%s` exited with status %d", c->cmd,
		     WEXITSTATUS(status));
	} else if (WIFSIGNALED(status)) {
		r->st.failed++;
		note(r, "`%s` was killed by signal %d", c->cmd,
		     WTERMSIG(status));
	}
}

static void on_pid(void *ctx, int revents)
{
	struct child *c = ctx;

	(void)revents;
	reap(c);
	maybe_done(c);
}

/* Kills the command's whole process group; why says when. */
static void kill_group(struct child *c, const char *why)
{
	if (c->timed_out)
		return;
	c->timed_out = true;
	if (kill(-c->pid, SIGKILL) < 0 && errno == ESRCH)
		return; /* already gone: nothing was killed */
	c->r->st.killed++;
	note(c->r, "`%s` killed %s", c->cmd, why);
}

static void on_timer(void *ctx, int revents)
{
	struct child *c = ctx;
	char why[64];

	(void)revents;
	unwatch(c->r, &c->w_timer);
	snprintf(why, sizeof(why), "after %llu ms (the time limit)",
		 (unsigned long long)(c->r->opts.timeout_ns / 1000000));
	kill_group(c, why);
	close_out(c); /* a member outside the group may hold the pipe */
	maybe_done(c);
}

static int spawn(struct child *c, const char *cmd, int outw)
{
	char *argv[] = {"sh", "-c", (char *)cmd, NULL};
	posix_spawn_file_actions_t fa;
	posix_spawnattr_t at;
	sigset_t none, dfl;
	int rc;

	sigemptyset(&none);
	sigemptyset(&dfl);
	sigaddset(&dfl, SIGPIPE); /* ignored in the daemon */
	sigaddset(&dfl, SIGTERM);
	sigaddset(&dfl, SIGINT);
	posix_spawn_file_actions_init(&fa);
	posix_spawnattr_init(&at);
	posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
	posix_spawn_file_actions_adddup2(&fa, outw, 1);
	posix_spawn_file_actions_adddup2(&fa, outw, 2);
	posix_spawn_file_actions_addclosefrom_np(&fa, 3);
	posix_spawnattr_setsigmask(&at, &none);
	posix_spawnattr_setsigdefault(&at, &dfl);
	posix_spawnattr_setpgroup(&at, 0);
	posix_spawnattr_setflags(&at, POSIX_SPAWN_SETPGROUP |
					      POSIX_SPAWN_SETSIGMASK |
					      POSIX_SPAWN_SETSIGDEF);
	rc = posix_spawn(&c->pid, "/bin/sh", &fa, &at, argv, environ);
	posix_spawn_file_actions_destroy(&fa);
	posix_spawnattr_destroy(&at);
	return -rc;
}

/* The pidfd and the timer of a spawned child, watched. */
static int arm(struct ttd_runner *r, struct child *c)
{
	struct itimerspec its = {
		.it_value = {.tv_sec =
				     (time_t)(r->opts.timeout_ns / 1000000000),
			     .tv_nsec =
				     (long)(r->opts.timeout_ns % 1000000000)},
	};

	c->pidfd = (int)syscall(SYS_pidfd_open, c->pid, 0);
	c->timerfd =
		timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK | TFD_CLOEXEC);
	if (c->pidfd < 0 || c->timerfd < 0 ||
	    timerfd_settime(c->timerfd, 0, &its, NULL) < 0)
		return -errno;
	c->w_out = ttd_loop__watch(r->loop, c->outfd, POLLIN, on_out, c);
	c->w_pid = ttd_loop__watch(r->loop, c->pidfd, POLLIN, on_pid, c);
	c->w_timer = ttd_loop__watch(r->loop, c->timerfd, POLLIN, on_timer, c);
	return c->w_out && c->w_pid && c->w_timer ? 0 : -ENOMEM;
}

/* A child that could not be set up: killed and reaped now. */
static void abandon(struct child *c)
{
	if (c->pid > 0) {
		kill(-c->pid, SIGKILL);
		waitpid(c->pid, NULL, 0); /* SIGKILL: exits promptly */
		c->reaped = true;
	}
	c->timed_out = true;
	child__free(c);
}

int ttd_runner__run(struct ttd_runner *r, const char *cmd)
{
	struct child *c;
	int fds[2] = {-1, -1}, rc;

	if (r->st.running >= r->opts.max_running) {
		r->st.dropped++;
		if (!r->told_drop)
			note(r,
			     "%u commands are running, the limit: further "
			     "commands are dropped (counted in status)",
			     r->opts.max_running);
		r->told_drop = true;
		return -EBUSY;
	}
	c = calloc(1, sizeof(*c));
	if (!c) {
		r->st.failed++;
		return -ENOMEM;
	}
	*c = (struct child){.r = r, .pidfd = -1, .outfd = -1, .timerfd = -1};
	snprintf(c->cmd, sizeof(c->cmd), "%s", cmd);
	c->next = r->children;
	r->children = c;
	r->st.running++;
	rc = pipe2(fds, O_CLOEXEC) < 0 ? -errno : 0;
	c->outfd = fds[0];
	if (rc == 0 && fcntl(c->outfd, F_SETFL, O_NONBLOCK) < 0)
		rc = -errno;
	if (rc == 0)
		rc = spawn(c, cmd, fds[1]);
	close_fd(&fds[1]);
	if (rc == 0)
		rc = arm(r, c);
	if (rc < 0) {
		r->st.failed++;
		note(r, "cannot run `%s`: %s", c->cmd, strerror(-rc));
		abandon(c);
		return rc;
	}
	r->st.started++;
	return 0;
}

int ttd_runner__new(struct ttd_loop *loop, struct ttd_deplog *log,
		    const struct ttd_runner_opts *opts, struct ttd_runner **out)
{
	struct ttd_runner *r = calloc(1, sizeof(*r));

	if (!r)
		return -ENOMEM;
	r->loop = loop;
	r->log = log;
	r->opts = *opts;
	if (!r->opts.max_running)
		r->opts.max_running = TTD_RUNNER_DEFAULT_RUNNING;
	if (!r->opts.timeout_ns)
		r->opts.timeout_ns = TTD_RUNNER_DEFAULT_TIMEOUT_NS;
	*out = r;
	return 0;
}

void ttd_runner__stats(const struct ttd_runner *r, struct ttd_runner_stats *st)
{
	*st = r->st;
}

void ttd_runner_stats__add(struct ttd_runner_stats *a,
			   const struct ttd_runner_stats *b)
{
	a->started += b->started;
	a->dropped += b->dropped;
	a->killed += b->killed;
	a->failed += b->failed;
	a->running += b->running;
}

json_t *ttd_runner_stats__json(const struct ttd_runner_stats *st,
			       const struct ttd_runner_opts *opts)
{
	return json_pack(
		"{s:I,s:I,s:I,s:I,s:I,s:I,s:I}", "started",
		(json_int_t)st->started, "running", (json_int_t)st->running,
		"dropped", (json_int_t)st->dropped, "killed",
		(json_int_t)st->killed, "failed", (json_int_t)st->failed,
		"limit", (json_int_t)opts->max_running, "timeout_ms",
		(json_int_t)(opts->timeout_ns / 1000000));
}

/* Children the grace period still waits for: output or exit pending. */
static size_t grace__fds(struct ttd_runner *r, struct pollfd *p,
			 struct child **who)
{
	size_t n = 0;

	for (struct child *c = r->children; c; c = c->next) {
		if (c->outfd >= 0) {
			p[n] = (struct pollfd){.fd = c->outfd,
					       .events = POLLIN};
			who[n++] = c;
		}
		if (!c->reaped) {
			p[n] = (struct pollfd){.fd = c->pidfd,
					       .events = POLLIN};
			who[n++] = c;
		}
	}
	return n;
}

/* Serves output and exits without the loop until done or the grace ends. */
static void grace(struct ttd_runner *r)
{
	struct pollfd p[2 * TTD_RUNNER_MAX_RUNNING];
	struct child *who[2 * TTD_RUNNER_MAX_RUNNING];
	int64_t end = mono_ms() + TTD_RUNNER_GRACE_MS, left;
	size_t n;

	while ((n = grace__fds(r, p, who)) && (left = end - mono_ms()) > 0) {
		if (poll(p, n, (int)left) <= 0)
			continue;
		for (size_t i = 0; i < n; i++) {
			if (!p[i].revents)
				continue;
			/* A child appears at most twice, adjacent: the
			 * second entry may name one freed by the first. */
			if (i && who[i] == who[i - 1] && p[i - 1].revents)
				continue;
			read_out(who[i]);
			reap(who[i]);
			maybe_done(who[i]);
		}
	}
}

void ttd_runner__free(struct ttd_runner *r, struct ttd_runner_stats *st)
{
	if (!r)
		return;
	for (struct child *c = r->children; c; c = c->next) {
		unwatch(r, &c->w_out);
		unwatch(r, &c->w_pid);
		unwatch(r, &c->w_timer);
	}
	grace(r);
	while (r->children) {
		struct child *c = r->children;

		kill_group(c, "as the deployment ended");
		if (!c->reaped) {
			struct pollfd p = {.fd = c->pidfd, .events = POLLIN};

			/* Bounded: a process stuck in the kernel is left. */
			poll(&p, 1, 1000);
			if (waitpid(c->pid, NULL, WNOHANG) == 0)
				ttd_warn("deployment %s: system() command "
					 "pid %d did not exit after SIGKILL",
					 r->log->name, (int)c->pid);
			c->reaped = true;
		}
		child__free(c);
	}
	if (st)
		ttd_runner_stats__add(st, &r->st);
	free(r);
}
