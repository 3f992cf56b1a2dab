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
 * marker, the loop deletes the cluster's deployments that are no longer
 * desired. Across a reconnection libnats resumes the same watcher
 * (cluster_agent.c).
 *
 * Origin: a node may also take deployments through its local control
 * socket. The names that came from the cluster are kept in the "origin"
 * set, persisted in <state-dir>/cluster-deployments.json (the manager's
 * catalog restores deployments of both kinds at start-up, so the set must
 * outlive the process). Resync and cluster deletes touch only names in the
 * set; only they are published to the status bucket. A name deployed by
 * the cluster belongs to the cluster, even if it was deployed locally
 * before.
 *
 * Exit: a deployment whose program called exit() stays ended (the manager
 * keeps it terminated across restarts), but every resync re-delivers its
 * spec and a deploy restarts an exited deployment. So the origin set also
 * keeps, per name, the KV revision last applied: a put with that same
 * revision is a re-delivery and leaves an exited deployment alone; a user
 * deploying again writes a new revision, which restarts it. Revision 0 is
 * "unknown" (a file from before revisions were kept): the put is applied.
 */
#include <errno.h>
#include <limits.h>
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
#include "daemon/cluster_wire.h"
#include "daemon/log.h"

#define STATUS_PERIOD_MS 1000

enum ev_kind { EV_PUT, EV_DEL, EV_SYNC };

struct ev {
	struct ev *next;
	enum ev_kind kind;
	char *key;
	json_t *val; /* EV_PUT: the spec; EV_SYNC: array of desired names */
	uint64_t rev; /* EV_PUT: the entry's KV revision */
};

struct ttd_cluster {
	struct ttd_source src;
	struct ttd_cluster_opts opts;
	struct ttd_manager *mgr;
	struct ttd_loop *loop;
	int efd, tfd;
	struct ttd_watch *ew, *tw;
	json_t *rejected; /* name -> status of specs this node refused */
	json_t *origin; /* name -> KV revision applied (0: unknown) */
	char origin_path[PATH_MAX]; /* "" when there is no state dir */

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

/* ---- agent thread -> loop ------------------------------------------------ */

void ttd_cluster__post(struct ttd_cluster *c, int kind, const char *key,
		       json_t *val, uint64_t rev)
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
	e->rev = rev;
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

/* ---- loop side: which deployments came from the cluster ------------------ */

#define ORIGIN_FILE "cluster-deployments.json"

/* A revision as kept in the origin set: 0 when unknown. */
static uint64_t origin__rev(json_t *v)
{
	json_int_t r = json_is_integer(v) ? json_integer_value(v) : 0;

	return r > 0 ? (uint64_t)r : 0;
}

/*
 * Reads the origin set; a missing or unreadable file is an empty set. The
 * file is {"name": revision, ...}; the older form, an array of names, is
 * read with every revision unknown.
 */
static void origin__load(struct ttd_cluster *c)
{
	json_t *file, *v;
	const char *k;
	size_t i;

	if (!c->opts.state_dir ||
	    snprintf(c->origin_path, sizeof(c->origin_path), "%s/%s",
		     c->opts.state_dir,
		     ORIGIN_FILE) >= (int)sizeof(c->origin_path)) {
		c->origin_path[0] = '\0';
		return;
	}
	file = json_load_file(c->origin_path, 0, NULL);
	json_array_foreach(file, i, v)
	{
		if (json_is_string(v))
			json_object_set_new(c->origin, json_string_value(v),
					    json_integer(0));
	}
	json_object_foreach(file, k, v)
	{
		json_object_set_new(c->origin, k,
				    json_integer((json_int_t)origin__rev(v)));
	}
	json_decref(file);
}

/* Writes the set atomically (temporary file, rename). */
static void origin__save(struct ttd_cluster *c)
{
	char tmp[PATH_MAX + 8];

	if (!c->origin_path[0])
		return;
	snprintf(tmp, sizeof(tmp), "%s.tmp", c->origin_path);
	if (json_dump_file(c->origin, tmp, JSON_COMPACT | JSON_SORT_KEYS) < 0 ||
	    rename(tmp, c->origin_path) < 0)
		ttd_err("cluster: cannot save %s: %s; a restart may keep "
			"deployments the cluster deleted meanwhile, or restart "
			"ones whose program called exit()",
			c->origin_path, strerror(errno));
}

/* Marks name as the cluster's, applied at revision rev. */
static void origin__put(struct ttd_cluster *c, const char *name, uint64_t rev)
{
	json_t *v = json_object_get(c->origin, name);

	if (v && origin__rev(v) == rev)
		return;
	json_object_set_new(c->origin, name, json_integer((json_int_t)rev));
	origin__save(c);
}

/* Forgets name: no longer the cluster's. */
static void origin__drop(struct ttd_cluster *c, const char *name)
{
	if (json_object_del(c->origin, name) == 0)
		origin__save(c);
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

/*
 * Whether a put is a re-delivery (resync, restart) of the revision already
 * applied to a deployment whose program called exit() since: deploying it
 * would restart a program that ended, which only a new deploy may do.
 */
static bool put__exited_again(struct ttd_cluster *c, const char *name,
			      uint64_t rev)
{
	uint64_t had = origin__rev(json_object_get(c->origin, name));

	if (!rev || had != rev || !ttd_manager__exited(c->mgr, name))
		return false;
	ttd_info("cluster: deployment %s: revision %llu already applied and "
		 "its program called exit(); left terminated (deploy again to "
		 "restart it)",
		 name, (unsigned long long)rev);
	return true;
}

/*
 * val: the parsed desired value, or a string saying why it did not parse;
 * rev: its KV revision.
 */
static void apply_put(struct ttd_cluster *c, const char *name, json_t *val,
		      uint64_t rev)
{
	json_t *spec = NULL, *st = NULL;
	enum ttd_upsert res;
	char err[1024];
	int rc;

	json_object_del(c->rejected, name);
	if (put__exited_again(c, name, rev))
		return;
	origin__put(c, name, rev);
	if (json_is_string(val)) {

		reject(c, name, json_string_value(val));
		return;
	}
	rc = ttd_wire__desired_spec(name, val, wall_ns(), &spec, err,
				    sizeof(err));
	if (rc < 0)
		reject(c, name, err);
	if (rc == 1) /* expired while we were away */
		ttd_manager__delete(c->mgr, name);
	if (rc)
		return;
	if (ttd_manager__deploy(c->mgr, spec, &res, &st, err, sizeof(err)) < 0)
		reject(c, name, err);
	else
		ttd_info("cluster: deployment %s %s: %s", name,
			 ttd_upsert__name(res),
			 json_string_value(json_object_get(st, "state")));
	json_decref(st);
	json_decref(spec);
}

static bool names__has(json_t *names, const char *name)
{
	json_t *n;
	size_t i;

	json_array_foreach(
		names, i,
		n) if (!strcmp(name, json_string_value(n))) return true;
	return false;
}

/*
 * Deletes every deployment from the cluster whose name is not in desired;
 * deployments made through the local socket stay.
 */
static void apply_sync(struct ttd_cluster *c, json_t *desired)
{
	const char *name;
	json_t *v;
	void *tmp;

	json_object_foreach_safe(c->origin, tmp, name, v)
	{
		if (names__has(desired, name))
			continue;
		if (ttd_manager__delete(c->mgr, name) == 0)
			ttd_info("cluster: deployment %s no longer desired",
				 name);
		json_object_del(c->rejected, name);
		origin__drop(c, name);
	}
	ttd_info("cluster: synchronised (%zu desired)",
		 json_array_size(desired));
}

/* A cluster delete; a local deployment of that name is not the cluster's. */
static void apply_del(struct ttd_cluster *c, const char *name)
{
	json_object_del(c->rejected, name);
	if (!json_object_get(c->origin, name))
		return;
	if (ttd_manager__delete(c->mgr, name) == 0)
		ttd_info("cluster: deployment %s deleted", name);
	origin__drop(c, name);
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
	/* Local deployments are not the cluster's business. */
	for (size_t i = json_array_size(all); i-- > 0;)
		if (!json_object_get(c->origin,
				     json_string_value(json_object_get(
					     json_array_get(all, i), "name"))))
			json_array_remove(all, i);
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
			apply_put(c, e->key, e->val, e->rev);
		else if (e->kind == EV_DEL)
			apply_del(c, e->key);
		else
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
	json_decref(c->origin);
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
	c->origin = json_object();
	pthread_mutex_init(&c->mu, NULL);
	if (!c->rejected || !c->origin) {
		json_decref(c->rejected);
		json_decref(c->origin);
		free(c);
		return NULL;
	}
	origin__load(c);
	return &c->src;
}
