/*
 * daemon/cluster_agent.c - the cluster agent's NATS thread.
 *
 * Owns the connection, both KV buckets, the desired-state watcher and the
 * query subscription. It never touches the manager: desired-state changes
 * go to the loop as events (cluster_agent.h). Invariants:
 *  - NATS being away is normal: nothing here blocks for long or gives up;
 *    the connection retries forever and every NATS call is skipped while
 *    disconnected (the deployments keep running from the manager's state);
 *  - at every connection the watcher's initial values resynchronise the
 *    node (late joiners, restarts); after a reconnection libnats resumes
 *    the same watcher where it stopped, so what changed meanwhile arrives;
 *  - every put reaches the loop with its KV revision: a re-delivered entry
 *    keeps its revision, a new deploy writes a new one (cluster.c uses
 *    that to leave a program that called exit() ended);
 *  - liveness "<node>._node" is rewritten every second; status keys when
 *    their state changed (at once) or only their counters (at most every
 *    5 s), and deleted when the deployment is gone.
 */
#include <errno.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/utsname.h>
#include <time.h>
#include <unistd.h>

#include <nats/nats.h>

#include "daemon/cluster_agent.h"
#include "daemon/cluster_query.h"
#include "daemon/cluster_wire.h"
#include "daemon/log.h"
#include "daemon/spec.h"

#define HEARTBEAT_NS 1000000000LL
#define EXPIRY_SCAN_NS 100000000LL
#define EXPIRY_SPREAD_MS 1000
#define COUNTER_PERIOD_NS 5000000000LL /* status counters, see status__due */
#define WATCH_WAIT_MS 50

struct agent {
	struct ttd_cluster *c;
	const struct ttd_cluster_opts *o;
	natsConnection *nc;
	jsCtx *js;
	kvStore *desired, *status;
	kvWatcher *watcher;
	natsSubscription *qsub;
	atomic_bool reconnected;
	bool syncing;
	json_t *sync_names; /* names seen in the watcher's initial values */
	json_t *known; /* name -> [expires_at, revision] */
	json_t *published; /* status key -> last published text */
	int64_t last_hb, last_scan;
	int64_t expiry_delay_ns; /* this node's turn to remove expired specs */
	char kernel[65];
	json_t *complained; /* connection failures logged: reason -> true */
};

static int64_t wall_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

static void on_reconnected(natsConnection *nc, void *closure)
{
	struct agent *a = closure;

	(void)nc;
	ttd_info("cluster: reconnected to NATS, resynchronising");
	atomic_store(&a->reconnected, true);
}

static void on_disconnected(natsConnection *nc, void *closure)
{
	(void)nc;
	(void)closure;
	ttd_warn("cluster: NATS connection lost; deployments keep running");
}

static bool connected(struct agent *a)
{
	return a->nc &&
	       natsConnection_Status(a->nc) == NATS_CONN_STATUS_CONNECTED;
}

/* Binds bucket name, creating it (file storage, one revision) if missing. */
static natsStatus bucket(struct agent *a, const char *name, kvStore **out)
{
	natsStatus s = js_KeyValue(out, a->js, name);
	kvConfig cfg;

	if (s != NATS_NOT_FOUND)
		return s;
	kvConfig_Init(&cfg);
	cfg.Bucket = name;
	cfg.History = 1;
	cfg.StorageType = js_FileStorage;
	s = js_CreateKeyValue(out, a->js, &cfg);
	if (s != NATS_OK) /* another node created it first */
		s = js_KeyValue(out, a->js, name);
	return s;
}

/*
 * Marks every status key as unknown: each is written again if its
 * deployment still exists and deleted otherwise. Also adopts this node's
 * keys left in the bucket by an earlier run, so stale ones get deleted.
 */
static void published__forget(struct agent *a)
{
	kvKeysList keys = {0};
	const char *k, *rest;
	char node[64];
	json_t *v;

	json_object_foreach(a->published, k, v)
		json_object_set_new(a->published, k, json_string(""));
	if (!a->status || kvStore_Keys(&keys, a->status, NULL) != NATS_OK)
		return;
	for (int i = 0; i < keys.Count; i++) {
		const char *key = keys.Keys[i];

		if (!ttd_wire__status_key(key, node, &rest) &&
		    !strcmp(node, a->o->node) &&
		    strcmp(rest, TTD_CLUSTER_NODE_KEY))
			json_object_set_new(a->published, key, json_string(""));
	}
	kvKeysList_Destroy(&keys);
}

static void disconnect(struct agent *a)
{
	kvWatcher_Destroy(a->watcher);
	natsSubscription_Destroy(a->qsub);
	kvStore_Destroy(a->desired);
	kvStore_Destroy(a->status);
	jsCtx_Destroy(a->js);
	natsConnection_Destroy(a->nc);
	a->watcher = NULL;
	a->qsub = NULL;
	a->desired = a->status = NULL;
	a->js = NULL;
	a->nc = NULL;
}

/* Servers, credentials and TLS; main.c checked them at start-up. */
static natsStatus options__security(struct agent *a, natsOptions *no)
{
	struct ttd_nats_opts none = {0}, o = a->o->nats ? *a->o->nats : none;
	char err[512];

	o.url = a->o->url;
	if (ttd_nats_opts__apply(&o, no, err, sizeof(err)) == 0)
		return NATS_OK;
	ttd_err("cluster: %s", err);
	return NATS_INVALID_ARG;
}

/*
 * Logs why a connection failed, once per distinct reason until the next
 * successful connection (a TLS failure alternates between two reasons).
 */
static void connect__complain(struct agent *a, natsStatus s)
{
	struct ttd_nats_opts none = {0};
	char err[512];

	ttd_nats_opts__connect_error(a->o->nats ? a->o->nats : &none, s, err,
				     sizeof(err));
	if (json_object_get(a->complained, err))
		return;
	if (json_object_size(a->complained) >= 16) /* bounded */
		json_object_clear(a->complained);
	json_object_set_new(a->complained, err, json_true());
	ttd_warn("cluster: cannot connect to %s: %s; retrying", a->o->url, err);
}

static natsStatus connect_once(struct agent *a)
{
	natsOptions *no = NULL;
	jsOptions jo;
	natsStatus s = natsOptions_Create(&no);

	if (s == NATS_OK)
		s = options__security(a, no);
	if (s == NATS_OK)
		s = natsOptions_SetName(no, a->o->node);
	if (s == NATS_OK)
		s = natsOptions_SetTimeout(no, 1000);
	if (s == NATS_OK)
		s = natsOptions_SetMaxReconnect(no, -1);
	if (s == NATS_OK)
		s = natsOptions_SetReconnectWait(no, 250);
	if (s == NATS_OK)
		s = natsOptions_SetReconnectedCB(no, on_reconnected, a);
	if (s == NATS_OK)
		s = natsOptions_SetDisconnectedCB(no, on_disconnected, a);
	if (s == NATS_OK && (s = natsConnection_Connect(&a->nc, no)) != NATS_OK)
		connect__complain(a, s);
	natsOptions_Destroy(no);
	jsOptions_Init(&jo);
	jo.Wait = 2000;
	if (s == NATS_OK)
		s = natsConnection_JetStream(&a->js, a->nc, &jo);
	if (s == NATS_OK)
		s = bucket(a, TTD_CLUSTER_DESIRED, &a->desired);
	if (s == NATS_OK)
		s = bucket(a, TTD_CLUSTER_STATUS, &a->status);
	if (s == NATS_OK)
		s = ttd_cluster_query__subscribe(a->nc, a->o, &a->qsub);
	if (s != NATS_OK) {
		disconnect(a);
		return s;
	}
	published__forget(a);
	json_object_clear(a->complained);
	ttd_info("cluster: connected to %s", a->o->url);
	return s;
}

/* ---- desired state --------------------------------------------------------
 */

static void entry__handle(struct agent *a, kvEntry *e)
{
	const char *key = kvEntry_Key(e);
	int len = kvEntry_ValueLen(e);
	kvOperation op = kvEntry_Operation(e);
	json_t *spec = NULL;
	char err[256];

	/* An empty value is the tombstone of a revision-checked expiry. */
	if (op == kvOp_Put && len > 0) {
		spec = ttd_wire__desired_parse(kvEntry_Value(e), (size_t)len,
					       err, sizeof(err));
		if (!spec) {
			ttd_warn("cluster: desired %s: %s", key, err);
			spec = json_string(err); /* the loop reports it */
		}
		json_object_set_new(
			a->known, key,
			json_pack("[I, I]",
				  (json_int_t)json_integer_value(
					  json_object_get(spec, "expires_at")),
				  (json_int_t)kvEntry_Revision(e)));
		if (a->syncing)
			json_array_append_new(a->sync_names, json_string(key));
		ttd_cluster__post(a->c, TTD_CLUSTER_EV_PUT, key, spec,
				  kvEntry_Revision(e));
		return;
	}
	json_object_del(a->known, key);
	ttd_cluster__post(a->c, TTD_CLUSTER_EV_DEL, key, NULL, 0);
}

static void watch__step(struct agent *a)
{
	kvEntry *e = NULL;
	natsStatus s;

	if (!a->watcher) {
		s = kvStore_WatchAll(&a->watcher, a->desired, NULL);
		if (s != NATS_OK) {
			a->watcher = NULL;
			usleep(WATCH_WAIT_MS * 1000);
			return;
		}
		a->syncing = true;
		json_array_clear(a->sync_names);
		json_object_clear(a->known);
	}
	s = kvWatcher_Next(&e, a->watcher, WATCH_WAIT_MS);
	if (s == NATS_OK && !e && a->syncing) { /* end of initial values */
		a->syncing = false;
		ttd_cluster__post(a->c, TTD_CLUSTER_EV_SYNC, NULL,
				  json_deep_copy(a->sync_names), 0);
	} else if (s == NATS_OK && e) {
		entry__handle(a, e);
		kvEntry_Destroy(e);
	} else if (s != NATS_TIMEOUT && s != NATS_OK) {
		ttd_debug("cluster: watcher: %s", natsStatus_GetText(s));
		kvWatcher_Destroy(a->watcher);
		a->watcher = NULL;
		usleep(WATCH_WAIT_MS * 1000);
	}
}

/*
 * Each node waits its own delay (0-1 s, from a hash of its name) after an
 * expiry before removing the spec, so in a large fleet one node or a few
 * do it and the others see the delete arrive instead of all racing the
 * revision-checked update. The manager detaches on time regardless.
 */
static int64_t expiry__delay(const char *node)
{
	uint32_t h = 2166136261u; /* FNV-1a */

	for (; *node; node++)
		h = (h ^ (unsigned char)*node) * 16777619u;
	return (int64_t)(h % EXPIRY_SPREAD_MS) * 1000000LL;
}

/* Removes expired specs from the bucket unless refreshed meanwhile. */
static void expiry__scan(struct agent *a, int64_t now)
{
	const char *key;
	json_t *v;
	void *tmp;

	json_object_foreach_safe(a->known, tmp, key, v)
	{
		int64_t exp = json_integer_value(json_array_get(v, 0));
		uint64_t rev = json_integer_value(json_array_get(v, 1)), nrev;

		if (!exp || exp + a->expiry_delay_ns > now)
			continue;
		if (kvStore_UpdateString(&nrev, a->desired, key, "", rev) ==
		    NATS_OK) {
			kvStore_Delete(a->desired, key);
			ttd_info("cluster: deployment %s expired, removed from "
				 "the desired state",
				 key);
		}
		json_object_del(a->known, key);
	}
}

/* ---- status and liveness --------------------------------------------------
 */

static void heartbeat(struct agent *a, int64_t now)
{
	const unsigned f = a->o->features;
	json_t *feat = json_array(), *hb;
	char key[128], *text;
	uint64_t rev;

	if (f & TTD_FEAT_KPROBE)
		json_array_append_new(feat, json_string("kprobe"));
	if (f & TTD_FEAT_FENTRY)
		json_array_append_new(feat, json_string("fentry"));
	if (f & TTD_FEAT_UPROBE)
		json_array_append_new(feat, json_string("uprobe"));
	if (f & TTD_FEAT_BTF)
		json_array_append_new(feat, json_string("btf"));
	hb = json_pack("{s:s, s:s, s:o, s:i, s:I}", "node", a->o->node,
		       "kernel", a->kernel, "features", feat, "pid",
		       (int)getpid(), "heartbeat_ns", (json_int_t)now);
	text = json_dumps(hb, JSON_COMPACT);
	snprintf(key, sizeof(key), "%s.%s", a->o->node, TTD_CLUSTER_NODE_KEY);
	if (text && kvStore_PutString(&rev, a->status, key, text) != NATS_OK)
		ttd_debug("cluster: heartbeat not published");
	free(text);
	json_decref(hb);
}

/* The status without its counters: what reaches the bucket at once. */
static char *status__stable(const json_t *st)
{
	json_t *c = json_copy((json_t *)st);
	char *text;

	json_object_del(c, "rows");
	json_object_del(c, "lost");
	json_object_del(c, "decode_errors");
	text = c ? json_dumps(c, JSON_COMPACT | JSON_SORT_KEYS) : NULL;
	json_decref(c);
	return text;
}

/*
 * Whether status key k must be put again: at once when anything but the
 * counters changed, at most every COUNTER_PERIOD_NS when only counters
 * moved (they move every second while rows arrive, and a fleet of
 * thousands of nodes cannot put every counter every second).
 * a->published: key -> [full text, stable text, put ns], or "" when the
 * bucket's copy is unknown.
 */
static bool status__due(struct agent *a, const char *k, const char *full,
			const char *stable, int64_t now)
{
	json_t *p = json_object_get(a->published, k);

	if (!json_is_array(p))
		return true;
	if (!strcmp(json_string_value(json_array_get(p, 0)), full))
		return false;
	return strcmp(json_string_value(json_array_get(p, 1)), stable) ||
	       now - json_integer_value(json_array_get(p, 2)) >=
		       COUNTER_PERIOD_NS;
}

static void status__publish(struct agent *a, const char *snapshot, int64_t now)
{
	json_t *all = json_loads(snapshot, 0, NULL), *st, *seen = json_object();
	const char *key;
	char k[160];
	size_t i;
	void *tmp;
	json_t *v;

	json_array_foreach(all, i, st)
	{
		const char *name =
			json_string_value(json_object_get(st, "name"));
		char *text, *stable;
		uint64_t rev;

		if (!name)
			continue;
		snprintf(k, sizeof(k), "%s.%s", a->o->node, name);
		json_object_set_new(seen, k, json_true());
		json_object_set_new(st, "node", json_string(a->o->node));
		text = json_dumps(st, JSON_COMPACT | JSON_SORT_KEYS);
		stable = status__stable(st);
		if (text && stable && status__due(a, k, text, stable, now) &&
		    kvStore_PutString(&rev, a->status, k, text) == NATS_OK)
			json_object_set_new(a->published, k,
					    json_pack("[s, s, I]", text, stable,
						      (json_int_t)now));
		free(stable);
		free(text);
	}
	json_object_foreach_safe(a->published, tmp, key, v)
	{
		if (json_object_get(seen, key))
			continue;
		if (kvStore_Delete(a->status, key) == NATS_OK)
			json_object_del(a->published, key);
	}
	json_decref(seen);
	json_decref(all);
}

/* ---- the thread ------------------------------------------------------------
 */

static void agent__step(struct agent *a, char **pending)
{
	int64_t now = wall_ns();
	char *snap;

	/*
	 * The watcher is an ordered consumer that libnats re-creates by itself
	 * after a reconnection, resuming after the last entry it delivered, so
	 * changes made while we were away (deletes included: the bucket keeps
	 * delete markers) still arrive. Destroying it here instead races that
	 * re-creation inside libnats 3.4 (use after free of the consumer name,
	 * found by ASan), so it is kept; only status is republished in full.
	 */
	if (atomic_exchange(&a->reconnected, false))
		published__forget(a);
	watch__step(a);
	if (!connected(a))
		return;
	if ((snap = ttd_cluster__take_outbox(a->c))) {
		free(*pending);
		*pending = snap;
	}
	if (*pending) {
		status__publish(a, *pending, now);
		free(*pending);
		*pending = NULL;
	}
	if (now - a->last_hb >= HEARTBEAT_NS) {
		heartbeat(a, now);
		a->last_hb = now;
	}
	if (now - a->last_scan >= EXPIRY_SCAN_NS && !a->syncing) {
		expiry__scan(a, now);
		a->last_scan = now;
	}
}

void *ttd_agent__main(void *arg)
{
	struct agent a = {.c = arg};
	struct utsname u;
	char *pending = NULL;

	a.o = ttd_cluster__opts(a.c);
	a.sync_names = json_array();
	a.known = json_object();
	a.published = json_object();
	a.complained = json_object();
	a.expiry_delay_ns = expiry__delay(a.o->node);
	if (uname(&u) == 0)
		snprintf(a.kernel, sizeof(a.kernel), "%s", u.release);
	while (!ttd_cluster__stopping(a.c)) {
		if (!a.nc && connect_once(&a) != NATS_OK) {
			for (int i = 0; i < 10 && !ttd_cluster__stopping(a.c);
			     i++)
				usleep(50000);
			continue;
		}
		agent__step(&a, &pending);
	}
	if (connected(&a))
		natsConnection_FlushTimeout(a.nc, 500);
	free(pending);
	disconnect(&a);
	json_decref(a.sync_names);
	json_decref(a.known);
	json_decref(a.published);
	json_decref(a.complained);
	return NULL;
}
