/*
 * tests/daemon/harness.h - starts a real tracetabd on temporary
 * directories and talks to it over its control socket, for the daemon's
 * integration tests. Functions are static inline so each test program
 * takes only what it uses.
 *
 * The daemon binary is found next to the test's build tree
 * (build/tracetabd for build/tests/daemon/test_x and for
 * build/asan/tests/daemon/test_x). Table files are created for group
 * "nogroup", so a reader forked as nobody:nogroup can map them, which is
 * how tests prove unprivileged reading.
 */
#ifndef TTD_TEST_HARNESS_H
#define TTD_TEST_HARNESS_H

#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <limits.h>
#include <stdbool.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>

#include "tracetab/control.h"

#define NOBODY_UID 65534
#define NOGROUP_GID 65534

struct td {
	char dir[64]; /* temporary root: store/ state/ sock log */
	char store[80];
	char state[80];
	char sock[80];
	char log[80];
	const char *table_bytes; /* --table-bytes; NULL: 16M */
	pid_t pid;
};

static inline int64_t td_now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

static inline void td_sleep_ms(unsigned ms)
{
	struct timespec ts = {ms / 1000, (long)(ms % 1000) * 1000000};

	nanosleep(&ts, NULL);
}

static inline int td_binary(char *out, size_t len)
{
	char exe[PATH_MAX];
	ssize_t n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);

	if (n < 0)
		return -errno;
	exe[n] = '\0';
	for (int up = 0; up < 5; up++) {
		char *slash = strrchr(exe, '/');

		if (!slash)
			break;
		*slash = '\0';
		snprintf(out, len, "%.4000s/tracetabd", exe);
		if (access(out, X_OK) == 0)
			return 0;
	}
	return -ENOENT;
}

/* A JSON request on a fresh connection; NULL reply on transport error. */
static inline json_t *td_request(struct td *d, json_t *req)
{
	struct ttc_control *c;
	json_t *reply = NULL;
	char err[256];

	if (ttc_control__connect(d->sock, &c, err, sizeof(err)) == 0) {
		if (ttc_control__request(c, req, &reply, err, sizeof(err)) < 0)
			fprintf(stderr, "request: %s\n", err);
		ttc_control__close(c);
	}
	json_decref(req);
	return reply;
}

static inline bool td_ping(struct td *d)
{
	json_t *r = td_request(d, json_pack("{s:s}", "op", "ping"));
	bool ok = r && json_is_true(json_object_get(r, "ok"));

	json_decref(r);
	return ok;
}

/* Starts tracetabd on d's directories (created on the first start). */
static inline int td_start(struct td *d)
{
	char bin[PATH_MAX];
	pid_t pid;

	if (td_binary(bin, sizeof(bin)) < 0)
		return -ENOENT;
	if (!d->dir[0]) {
		snprintf(d->dir, sizeof(d->dir), "/dev/shm/ttd-test.XXXXXX");
		if (!mkdtemp(d->dir))
			return -errno;
		chmod(d->dir, 0755); /* the unprivileged reader walks in */
		snprintf(d->store, sizeof(d->store), "%s/store", d->dir);
		snprintf(d->state, sizeof(d->state), "%s/state", d->dir);
		snprintf(d->sock, sizeof(d->sock), "%s/sock", d->dir);
		snprintf(d->log, sizeof(d->log), "%s/log", d->dir);
	}
	pid = fork();
	if (pid < 0)
		return -errno;
	if (pid == 0) {
		int fd = open(d->log, O_WRONLY | O_CREAT | O_APPEND, 0644);

		/* A crashed test must not leave a daemon behind. */
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		/* A sanitized daemon: keep freed memory out of RSS checks. */
		setenv("ASAN_OPTIONS", "quarantine_size_mb=4", 0);

		dup2(fd, 2);
		execl(bin, bin, "--store-dir", d->store, "--state-dir",
		      d->state, "--socket", d->sock, "--reader-group",
		      "nogroup", "--admin-group", "adm", "--table-bytes",
		      d->table_bytes ? d->table_bytes : "16M", "--log-level",
		      "debug", (char *)NULL);
		_exit(127);
	}
	d->pid = pid;
	/* Restoring deployments (compile, verify) comes before listening. */
	for (int i = 0; i < 800; i++) {
		if (td_ping(d))
			return 0;
		if (waitpid(pid, NULL, WNOHANG) == pid) {
			d->pid = 0;
			return -ECHILD;
		}
		td_sleep_ms(25);
	}
	return -ETIMEDOUT;
}

/* Sends sig and waits; returns the exit status (or 128+signal). */
static inline int td_stop(struct td *d, int sig)
{
	int status = 0;

	if (d->pid <= 0)
		return -1;
	kill(d->pid, sig);
	waitpid(d->pid, &status, 0);
	d->pid = 0;
	return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

static inline void td_cleanup(struct td *d)
{
	char cmd[160];

	if (d->pid > 0)
		td_stop(d, SIGKILL);
	if (d->dir[0] && !getenv("TTD_TEST_KEEP")) {
		snprintf(cmd, sizeof(cmd), "rm -rf '%s'", d->dir);
		if (system(cmd) != 0)
			fprintf(stderr, "cannot remove %s\n", d->dir);
	}
	d->dir[0] = '\0';
}

/* Prints the daemon's log to stderr (for a failing test's context). */
static inline void td_dump_log(struct td *d)
{
	char cmd[160];

	snprintf(cmd, sizeof(cmd), "tail -20 '%s' >&2", d->log);
	if (system(cmd) != 0)
		return;
}

/*
 * Deploys name -> table with one program per source (selectors may be
 * NULL or a JSON object text per program). Returns the reply.
 */
static inline json_t *td_deploy(struct td *d, const char *name,
				const char *table, const char *ttl,
				bool replace, size_t n, const char *const *src,
				const char *const *sel)
{
	json_t *progs = json_array();

	for (size_t i = 0; i < n; i++) {
		json_t *p = json_pack("{s:s}", "source", src[i]);

		if (sel && sel[i])
			json_object_set_new(p, "selectors",
					    json_loads(sel[i], 0, NULL));
		json_array_append_new(progs, p);
	}
	return td_request(
		d, json_pack("{s:s,s:{s:s,s:s,s:s,s:b,s:o}}", "op", "deploy",
			     "deployment", "name", name, "table", table, "ttl",
			     ttl, "replace_table", replace, "programs", progs));
}

/* reply.status.<key> as a string ("" when missing). */
static inline const char *td_status_str(json_t *reply, const char *key)
{
	const char *s = json_string_value(
		json_object_get(json_object_get(reply, "status"), key));
	return s ? s : "";
}

static inline long long td_status_int(json_t *reply, const char *key)
{
	return json_integer_value(
		json_object_get(json_object_get(reply, "status"), key));
}

/* status of one deployment, as the "status" member of a fake reply. */
static inline json_t *td_status(struct td *d, const char *name)
{
	json_t *r = td_request(
		d, json_pack("{s:s,s:s}", "op", "status", "name", name));
	json_t *st = json_array_get(json_object_get(r, "deployments"), 0);
	json_t *out = st ? json_pack("{s:O}", "status", st) : NULL;

	json_decref(r);
	return out;
}

static inline const char *td_code(json_t *reply)
{
	const char *s = json_string_value(json_object_get(reply, "code"));
	return s ? s : "";
}

#endif
