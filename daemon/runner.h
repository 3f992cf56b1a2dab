/*
 * daemon/runner.h - runs the commands of system() calls for one deployment
 * without ever blocking the event loop.
 *
 * bpftrace runs system()'s command and waits for it. tracetabd has one
 * thread and one io_uring loop for every deployment's ingest, so a command
 * that waited there (sleep 30) would stall every table. Here each command
 * is spawned with /bin/sh -c in its own process group, its stdout and
 * stderr come back through a pipe the loop watches, and each output line
 * goes to the deployment's log. Bounds, all reported in status: at most
 * max_running commands at once (further ones are dropped and counted),
 * each killed (the whole process group, SIGKILL) after timeout_ns, and at
 * most TTD_RUNNER_OUTPUT_MAX bytes of output kept per command (then the
 * pipe is closed). Every child is reaped through a pidfd the loop watches;
 * when the runner is freed, commands still running get a short grace to
 * finish (system() in END) and are then killed and reaped, so nothing
 * outlives the deployment.
 */
#ifndef TTD_RUNNER_H
#define TTD_RUNNER_H

#include <stdint.h>

#include <jansson.h>

#include "daemon/deplog.h"
#include "daemon/loop.h"

#define TTD_RUNNER_OUTPUT_MAX (64u << 10)
#define TTD_RUNNER_DEFAULT_RUNNING 4
#define TTD_RUNNER_MAX_RUNNING 64
#define TTD_RUNNER_DEFAULT_TIMEOUT_NS 10000000000ull /* 10 s */
#define TTD_RUNNER_MAX_TIMEOUT_NS 3600000000000ull /* 1 h */
#define TTD_RUNNER_GRACE_MS 200 /* at the end, before the kill */

struct ttd_runner_opts {
	unsigned max_running; /* 1..TTD_RUNNER_MAX_RUNNING */
	uint64_t timeout_ns; /* > 0 */
};

/* Counters since the runner was created. */
struct ttd_runner_stats {
	uint64_t started; /* commands spawned */
	uint64_t dropped; /* refused: max_running were running */
	uint64_t killed; /* killed at the time limit or at the end */
	uint64_t failed; /* could not spawn, or exited non-zero */
	uint64_t running; /* now */
};

struct ttd_runner;

/*
 * Creates a runner whose output lines go to log (which must outlive it).
 * Returns 0 and *out or -ENOMEM.
 */
int ttd_runner__new(struct ttd_loop *loop, struct ttd_deplog *log,
		    const struct ttd_runner_opts *opts,
		    struct ttd_runner **out);

/*
 * Starts cmd with /bin/sh -c. Returns 0, -EBUSY when max_running commands
 * are running (the command is dropped and counted; the first drop is
 * also a log line), or a negative errno when it could not be spawned
 * (counted as failed, and a log line says why).
 */
int ttd_runner__run(struct ttd_runner *r, const char *cmd);

void ttd_runner__stats(const struct ttd_runner *r, struct ttd_runner_stats *st);

/* Adds b's counters to a's (running too). */
void ttd_runner_stats__add(struct ttd_runner_stats *a,
			   const struct ttd_runner_stats *b);

/*
 * Status object {"started":N,"running":N,"dropped":N,"killed":N,
 * "failed":N,"limit":N,"timeout_ms":N} (new reference).
 */
json_t *ttd_runner_stats__json(const struct ttd_runner_stats *st,
			       const struct ttd_runner_opts *opts);

/*
 * Lets running commands finish for up to TTD_RUNNER_GRACE_MS (reading
 * their output), kills the rest, reaps every child and frees. Adds the
 * final counters to *st when non-NULL. NULL is fine.
 */
void ttd_runner__free(struct ttd_runner *r, struct ttd_runner_stats *st);

#endif
