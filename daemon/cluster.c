/*
 * daemon/cluster.c - the cluster agent: NATS desired state in, status out.
 *
 * Two sides with one rule: the manager is only ever called from the loop
 * thread. libnats does blocking network calls and runs its own threads, so
 * one agent thread owns every NATS object (connection, buckets, watcher)
 * and hands desired-state events to the loop through a mutex-protected
 * queue and an eventfd. The other way, the loop leaves a JSON snapshot of
 * the manager's status in an outbox after every change and every second
 * (timerfd), and the agent thread publishes what changed.
 *
 * Expiry: a spec's "expires_at" becomes a remaining TTL for the manager,
 * so the manager (and its LMDB copy) detaches on time with or without
 * NATS. The agent thread also deletes expired specs from the bucket; the
 * delete is revision-checked (an update to an empty tombstone at the
 * revision that expired, then the delete), so a concurrent refresh wins.
 *
 * Resync: whenever a watcher is created (connection, or after a watcher
 * error) its initial values are applied and, at the end-of-initial-values
 * marker, the loop deletes local deployments that are no longer desired.
 * Across a reconnection libnats resumes the same watcher (cluster_agent.c).
 */
#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/timerfd.h>
#include <sys/utsname.h>
#include <poll.h>
#include <time.h>
#include <unistd.h>

#include <nats/nats.h>

#include "daemon/cluster.h"
#include "daemon/cluster_agent.h"
#include "daemon/log.h"

#define STATUS_PERIOD_MS 1000

enum ev_kind { EV_PUT, EV_DEL, EV_SYNC };

struct ev {
	struct ev *next;
	enum ev_kind kind;
	char *key;
	json_t *val; /* EV_PUT: the spec; EV_SYNC: array of desired names */
};

struct ttd_cluster {
	struct ttd_source src;
	struct ttd_cluster_opts opts;
	struct ttd_manager *mgr;
	struct ttd_loop *loop;
	int efd, tfd;
	struct ttd_watch *ew, *tw;
	json_t *rejected; /* name -> status of specs this node refused */

	pthread_t thr;
	bool thr_started;
	atomic_bool stop;
	pthread_mutex_t mu; /* guards head/tail and outbox */
	struct ev *head, **tail;
	char *outbox; /* latest status snapshot (JSON array text) */
};

static int64_t wall_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

int ttd_cluster__node_valid(const char *node)
{
	size_t n = node ? strlen(node) : 0;

	if (n == 0 || n >= 64)
		return 0;
	return strspn(node, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTU"
			    "VWXYZ0123456789_-") == n;
}

/* ---- agent thread -> loop ------------------------------------------------ */

void ttd_cluster__post(struct ttd_cluster *c, int kind, const char *key,
		       json_t *val)
{
	struct ev *e = calloc(1, sizeof(*e));
	uint64_t one = 1;

	if (!e || (key && !(e->key = strdup(key)))) {
		free(e);
		json_decref(val);
		ttd_err("cluster: out of memory, event for %s lost",
			key ? key : "sync");
		return;
	}
	e->kind = kind;
	e->val = val;
	pthread_mutex_lock(&c->mu);
	*c->tail = e;
	c->tail = &e->next;
	pthread_mutex_unlock(&c->mu);
	if (write(c->efd, &one, sizeof(one)) < 0)
		ttd_warn("cluster: eventfd write: %s", strerror(errno));
}

char *ttd_cluster__take_outbox(struct ttd_cluster *c)
{
	char *s;

	pthread_mutex_lock(&c->mu);
	s = c->outbox;
	c->outbox = NULL;
	pthread_mutex_unlock(&c->mu);
	return s;
}

bool ttd_cluster__stopping(struct ttd_cluster *c)
{
	return atomic_load(&c->stop);
}

const struct ttd_cluster_opts *ttd_cluster__opts(struct ttd_cluster *c)
{
	return &c->opts;
}

/* ---- loop side: applying desired state ----------------------------------- */

static void reject(struct ttd_cluster *c, const char *name, const char *why)
{
	ttd_warn("cluster: deployment %s refused: %s", name, why);
	json_object_set_new(c->rejected, name,
			    json_pack("{s:s, s:s, s:i, s:s}", "name", name,
				      "state", "failed", "program", -1, "error",
				      why));
}

static void apply_put(struct ttd_cluster *c, const char *name, json_t *val)
{
	json_t *spec = json_deep_copy(val), *st = NULL;
	json_t *exp = json_object_get(val, "expires_at");
	int64_t left = 0, expires = json_integer_value(exp);
	enum ttd_upsert res;
	char err[1024], ttl[32] = "none";

	json_object_del(c->rejected, name);
	if (!spec || !json_is_object(spec)) {
		json_decref(spec);
		reject(c, name, "spec is not a JSON object");
		return;
	}
	json_object_del(spec, "expires_at");
	if (exp && !json_is_integer(exp)) {
		json_decref(spec);
		reject(c, name, "expires_at must be an integer (ns)");
		return;
	}
	if (expires) {
		left = expires - wall_ns();
		if (left <= 0) { /* expired while we were away */
			json_decref(spec);
			ttd_manager__delete(c->mgr, name);
			return;
		}
		snprintf(ttl, sizeof(ttl), "%lldms",
			 (long long)((left + 999999) / 1000000));
	}
	json_object_set_new(spec, "ttl", json_string(ttl));
	json_object_set_new(spec, "name", json_string(name));
	if (ttd_manager__deploy(c->mgr, spec, &res, &st, err, sizeof(err)) < 0)
		reject(c, name, err);
	else
		ttd_info("cluster: deployment %s %s: %s", name,
			 ttd_upsert__name(res),
			 json_string_value(json_object_get(st, "state")));
	json_decref(st);
	json_decref(spec);
}

/* Deletes every local deployment whose name is not in desired. */
static void apply_sync(struct ttd_cluster *c, json_t *desired)
{
	json_t *all = ttd_manager__status(c->mgr, NULL), *d, *n;
	size_t i, j;

	json_array_foreach(all, i, d)
	{
		const char *name =
			json_string_value(json_object_get(d, "name"));
		bool keep = false;

		json_array_foreach(desired, j, n) keep |=
			name && !strcmp(name, json_string_value(n));
		if (name && !keep) {
			ttd_info("cluster: deployment %s no longer desired",
				 name);
			ttd_manager__delete(c->mgr, name);
		}
	}
	json_decref(all);
	ttd_info("cluster: synchronised (%zu desired)",
		 json_array_size(desired));
}

/* Leaves a fresh status snapshot for the agent thread to publish. */
static void snapshot(struct ttd_cluster *c)
{
	json_t *all, *v;
	const char *k;
	char *s;

	all = ttd_manager__status(c->mgr, NULL);
	if (!all)
		return;
	json_object_foreach(c->rejected, k, v) json_array_append(all, v);
	s = json_dumps(all, JSON_COMPACT);
	json_decref(all);
	if (!s)
		return;
	pthread_mutex_lock(&c->mu);
	free(c->outbox);
	c->outbox = s;
	pthread_mutex_unlock(&c->mu);
}

static void on_events(void *ctx, int revents)
{
	struct ttd_cluster *c = ctx;
	struct ev *e, *next;
	uint64_t n;

	(void)revents;
	if (read(c->efd, &n, sizeof(n)) < 0 && errno != EAGAIN)
		ttd_warn("cluster: eventfd read: %s", strerror(errno));
	pthread_mutex_lock(&c->mu);
	e = c->head;
	c->head = NULL;
	c->tail = &c->head;
	pthread_mutex_unlock(&c->mu);
	for (; e; e = next) {
		next = e->next;
		if (e->kind == EV_PUT)
			apply_put(c, e->key, e->val);
		else if (e->kind == EV_DEL) {
			json_object_del(c->rejected, e->key);
			if (ttd_manager__delete(c->mgr, e->key) == 0)
				ttd_info("cluster: deployment %s deleted",
					 e->key);
		} else
			apply_sync(c, e->val);
		json_decref(e->val);
		free(e->key);
		free(e);
	}
	snapshot(c); /* state changes reach the status bucket at once */
}

/* Timer: counters (rows, lost) move without events. */
static void on_timer(void *ctx, int revents)
{
	struct ttd_cluster *c = ctx;
	uint64_t n;

	(void)revents;
	if (read(c->tfd, &n, sizeof(n)) == sizeof(n))
		snapshot(c);
}

/* ---- the source -----------------------------------------------------------
 */

static int timer__open(void)
{
	struct itimerspec it = {
		.it_interval = {STATUS_PERIOD_MS / 1000,
				(STATUS_PERIOD_MS % 1000) * 1000000L},
		.it_value = {0, 1000000L},
	};
	int fd = timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK | TFD_CLOEXEC);

	if (fd >= 0 && timerfd_settime(fd, 0, &it, NULL) < 0) {
		close(fd);
		return -1;
	}
	return fd;
}

static int cluster__start(struct ttd_source *src, struct ttd_manager *mgr,
			  struct ttd_loop *loop, char *err, size_t errlen)
{
	struct ttd_cluster *c = (struct ttd_cluster *)src;
	int rc;

	c->mgr = mgr;
	c->loop = loop;
	c->efd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	c->tfd = timer__open();
	if (c->efd < 0 || c->tfd < 0) {
		snprintf(err, errlen, "cluster: eventfd/timerfd: %s",
			 strerror(errno));
		return -errno;
	}
	c->ew = ttd_loop__watch(loop, c->efd, POLLIN, on_events, c);
	c->tw = ttd_loop__watch(loop, c->tfd, POLLIN, on_timer, c);
	if (!c->ew || !c->tw) {
		snprintf(err, errlen, "cluster: out of memory");
		return -ENOMEM;
	}
	rc = pthread_create(&c->thr, NULL, ttd_agent__main, c);
	if (rc) {
		snprintf(err, errlen, "cluster: cannot start thread: %s",
			 strerror(rc));
		return -rc;
	}
	c->thr_started = true;
	ttd_info("cluster: node %s, NATS %s", c->opts.node, c->opts.url);
	return 0;
}

static void cluster__stop(struct ttd_source *src)
{
	struct ttd_cluster *c = (struct ttd_cluster *)src;
	struct ev *e, *next;

	atomic_store(&c->stop, true);
	if (c->thr_started)
		pthread_join(c->thr, NULL);
	if (c->loop) {
		ttd_loop__unwatch(c->loop, c->ew);
		ttd_loop__unwatch(c->loop, c->tw);
	}
	if (c->efd >= 0)
		close(c->efd);
	if (c->tfd >= 0)
		close(c->tfd);
	for (e = c->head; e; e = next) {
		next = e->next;
		json_decref(e->val);
		free(e->key);
		free(e);
	}
	json_decref(c->rejected);
	free(c->outbox);
	pthread_mutex_destroy(&c->mu);
	free(c);
	nats_Close();
}

struct ttd_source *ttd_cluster__source(const struct ttd_cluster_opts *opts)
{
	struct ttd_cluster *c = calloc(1, sizeof(*c));

	if (!c)
		return NULL;
	c->src.name = "cluster";
	c->src.start = cluster__start;
	c->src.stop = cluster__stop;
	c->opts = *opts;
	c->efd = c->tfd = -1;
	c->tail = &c->head;
	c->rejected = json_object();
	pthread_mutex_init(&c->mu, NULL);
	if (!c->rejected) {
		free(c);
		return NULL;
	}
	return &c->src;
}
