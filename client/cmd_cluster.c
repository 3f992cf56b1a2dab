/*
 * client/cmd_cluster.c - the CLI in cluster mode (--cluster URL or
 * TRACETAB_CLUSTER): deploy and delete write the NATS desired-state bucket,
 * status reads the status bucket, query scatters the SQL to every node and
 * merges their partial aggregates.
 *
 * Bucket layout and query wire format: daemon/cluster.h and
 * daemon/cluster_query.h. Deploys are revision-checked (create when absent,
 * update at the revision read), so two concurrent deploys of one name
 * cannot lose each other: the loser re-reads and retries.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <jansson.h>
#include <nats/nats.h>

#include "client/cli.h"
#include "client/cluster.h"
#include "client/deploy.h"
#include "daemon/cluster.h"
#include "daemon/cluster_query.h"
#include "tracetab/control.h"

#define UNREACHABLE_NS 3000000000LL /* no heartbeat for 3 s */
#define UPDATE_TRIES 10

int64_t ttc_cl__now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

struct ttd_nats_opts *ttc_cl__nats(void)
{
	static struct ttd_nats_opts o;

	return &o;
}

void ttc_cl__close(struct ttc_cl *c)
{
	kvStore_Destroy(c->desired);
	kvStore_Destroy(c->status);
	jsCtx_Destroy(c->js);
	natsConnection_Destroy(c->nc);
	/*
	 * Wait for libnats' threads: run --watch reconnects right away, and a
	 * library still closing fails to open ("Initialization Failed").
	 */
	nats_CloseAndWait(2000);
}

static natsStatus cl__bucket(struct ttc_cl *c, const char *name, kvStore **out)
{
	natsStatus s = js_KeyValue(out, c->js, name);
	kvConfig cfg;

	if (s != NATS_NOT_FOUND)
		return s;
	kvConfig_Init(&cfg);
	cfg.Bucket = name;
	cfg.History = 1;
	cfg.StorageType = js_FileStorage;
	s = js_CreateKeyValue(out, c->js, &cfg);
	return s == NATS_OK ? s : js_KeyValue(out, c->js, name);
}

/* Connects and binds both buckets; prints why not. Returns 0 or exit 3. */
int ttc_cl__open(const struct ttc_global *g, struct ttc_cl *c)
{
	struct ttd_nats_opts *o = ttc_cl__nats();
	natsOptions *no = NULL;
	natsStatus s = natsOptions_Create(&no);
	char err[512];

	memset(c, 0, sizeof(*c));
	o->url = g->cluster;
	ttd_nats_opts__from_env(o);
	if (s == NATS_OK && ttd_nats_opts__apply(o, no, err, sizeof(err))) {
		fprintf(stderr, "tracetab: cluster %s: %s\n", g->cluster, err);
		natsOptions_Destroy(no);
		nats_CloseAndWait(2000);
		return TTC_EXIT_USAGE;
	}
	if (s == NATS_OK)
		s = natsOptions_SetTimeout(no, 2000);
	if (s == NATS_OK)
		s = natsOptions_SetAllowReconnect(no, false);
	if (s == NATS_OK)
		s = natsConnection_Connect(&c->nc, no);
	natsOptions_Destroy(no);
	if (s != NATS_OK) {
		fprintf(stderr, "tracetab: cluster %s: %s\n", g->cluster,
			ttd_nats_opts__connect_error(o, s, err, sizeof(err)));
		ttc_cl__close(c);
		return TTC_EXIT_NODAEMON;
	}
	s = natsConnection_JetStream(&c->js, c->nc, NULL);
	if (s == NATS_OK)
		s = cl__bucket(c, TTD_CLUSTER_DESIRED, &c->desired);
	if (s == NATS_OK)
		s = cl__bucket(c, TTD_CLUSTER_STATUS, &c->status);
	if (s != NATS_OK) {
		fprintf(stderr, "tracetab: cluster %s: %s\n", g->cluster,
			natsStatus_GetText(s));
		ttc_cl__close(c);
		return TTC_EXIT_NODAEMON;
	}
	return 0;
}

/* ---- deploy and delete (through ttc_control) ------------------------------
 */

static json_t *reply__error(const char *code, const char *fmt, const char *a)
{
	char msg[512];

	snprintf(msg, sizeof(msg), fmt, a);
	return json_pack("{s:b, s:s, s:i, s:s}", "ok", 0, "code", code, "errno",
			 EINVAL, "error", msg);
}

/* The spec as stored: ttl kept, "expires_at" computed from it. */
static json_t *spec__desired(const json_t *spec, char *why, size_t len)
{
	const char *ttl = json_string_value(json_object_get(spec, "ttl"));
	json_t *d;
	int64_t ns = 0;

	if (!json_string_value(json_object_get(spec, "name"))) {
		snprintf(why, len, "the deployment has no name");
		return NULL;
	}
	if (ttl && strcmp(ttl, "none") &&
	    (ttq_duration__parse(ttl, &ns) || ns <= 0)) {
		snprintf(why, len, "bad ttl '%s' (e.g. 500ms, 30s, 10m, none)",
			 ttl);
		return NULL;
	}
	d = json_deep_copy(spec);
	json_object_set_new(d, "expires_at",
			    json_integer(ns ? ttc_cl__now() + ns : 0));
	return d;
}

static bool spec__same(const char *old, const json_t *spec)
{
	json_t *o = json_loads(old, 0, NULL);
	json_t *n = json_deep_copy(spec);
	bool same;

	json_object_del(o, "expires_at");
	json_object_del(n, "expires_at");
	json_object_del(o, "ttl");
	json_object_del(n, "ttl");
	same = o && json_equal(o, n);
	json_decref(o);
	json_decref(n);
	return same;
}

static json_t *cl__deploy(struct ttc_cl *c, const json_t *spec)
{
	const char *name = json_string_value(json_object_get(spec, "name"));
	const char *result = "created";
	char why[256], *text;
	json_t *d = spec__desired(spec, why, sizeof(why));
	natsStatus s = NATS_ERR;
	uint64_t rev;

	if (!d)
		return reply__error(TT_CONTROL_EINVAL, "%s", why);
	text = json_dumps(d, JSON_COMPACT);
	for (int i = 0; i < UPDATE_TRIES && s != NATS_OK; i++) {
		kvEntry *e = NULL;

		s = kvStore_Get(&e, c->desired, name);
		if (s == NATS_NOT_FOUND) {
			result = "created";
			s = kvStore_CreateString(&rev, c->desired, name, text);
		} else if (s == NATS_OK) {
			result = spec__same(kvEntry_ValueString(e), d)
					 ? "refreshed"
					 : "replaced";
			s = kvStore_UpdateString(&rev, c->desired, name, text,
						 kvEntry_Revision(e));
		}
		kvEntry_Destroy(e);
	}
	free(text);
	json_decref(d);
	if (s != NATS_OK)
		return reply__error(TT_CONTROL_EINTERNAL,
				    "cluster: cannot store the deployment: %s",
				    natsStatus_GetText(s));
	return json_pack("{s:b, s:s, s:{s:s, s:s, s:s}}", "ok", 1, "result",
			 result, "status", "name", name, "state", "pending",
			 "reason",
			 "stored in the cluster; `tracetab status` shows each "
			 "node");
}

static json_t *cl__delete(struct ttc_cl *c, const char *name)
{
	kvEntry *e = NULL;
	natsStatus s = name ? kvStore_Get(&e, c->desired, name) : NATS_ERR;

	kvEntry_Destroy(e);
	if (s == NATS_NOT_FOUND || !name)
		return reply__error(TT_CONTROL_ENOENT,
				    "no deployment %s in the cluster",
				    name ? name : "");
	s = kvStore_Delete(c->desired, name);
	if (s != NATS_OK)
		return reply__error(TT_CONTROL_EINTERNAL, "cluster: %s",
				    natsStatus_GetText(s));
	return json_pack("{s:b}", "ok", 1);
}

int ttc_cluster__control(struct ttc_global *g, json_t *req, json_t **reply)
{
	const char *op = json_string_value(json_object_get(req, "op"));
	const char *msg, *code;
	struct ttc_cl c;
	int ret = ttc_cl__open(g, &c);

	*reply = NULL;
	if (ret) {
		json_decref(req);
		return ret;
	}
	if (op && !strcmp(op, "deploy"))
		*reply = cl__deploy(&c, json_object_get(req, "deployment"));
	else if (op && !strcmp(op, "delete"))
		*reply = cl__delete(
			&c, json_string_value(json_object_get(req, "name")));
	else
		*reply = reply__error(TT_CONTROL_EBADREQ,
				      "%s is not available in cluster mode",
				      op ? op : "this request");
	ttc_cl__close(&c);
	json_decref(req);
	if (!*reply) {
		fprintf(stderr, "tracetab: out of memory\n");
		return TTC_EXIT_ERROR;
	}
	if (!(msg = ttc_control__reply_error(*reply)))
		return 0;
	code = json_string_value(json_object_get(*reply, "code"));
	fprintf(stderr, "tracetab: %s\n", msg);
	ret = code && !strcmp(code, TT_CONTROL_ENOENT) ? TTC_EXIT_NOTFOUND
						       : TTC_EXIT_ERROR;
	json_decref(*reply);
	*reply = NULL;
	return ret;
}
