/*
 * client/cmd_wait.c - waiting until a deployment has settled (wait.h).
 *
 * On one node the control socket's status says it. In the cluster the
 * status bucket does, with one trap: a node's entry may still describe
 * the previous spec of the same name. The bucket's own timestamps settle
 * it: an entry created (by the NATS server's clock, the same clock that
 * stamped the desired spec) after the spec was stored is about this spec.
 * A node whose state did not change has nothing to rewrite, so a node that
 * kept heartbeating for STALE_NS after the spec was stored has seen it
 * (watchers deliver in milliseconds) and its entry stands.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>

#include "client/cluster.h"
#include "client/deploy.h"
#include "client/wait.h"
#include "daemon/cluster.h"

#define STEP_NS 100000000LL /* poll every 100 ms */
#define STALE_NS 2000000000LL
#define UNREACHABLE_NS 3000000000LL

/* ---- one node (control socket) -------------------------------------------
 */

static int wait__local(struct ttc_global *g, const char *name, int64_t timeout)
{
	for (int64_t waited = 0;; waited += STEP_NS) {
		json_t *reply, *st;
		int ret = ttc_control(
			g,
			json_pack("{s:s, s:s}", "op", "status", "name", name),
			&reply);
		if (ret)
			return ret;
		st = json_array_get(json_object_get(reply, "deployments"), 0);
		const char *state =
			json_string_value(json_object_get(st, "state"));
		if (state && strcmp(state, "pending")) {
			ret = ttc_status__report(st);
			if (!ret && strcmp(state, "running"))
				ret = TTC_EXIT_DEPLOYFAIL;
			json_decref(reply);
			return ret;
		}
		json_decref(reply);
		if (waited >= timeout) {
			fprintf(stderr,
				"tracetab: %s still pending after %llds\n",
				name, (long long)(timeout / 1000000000));
			return TTC_EXIT_DEPLOYFAIL;
		}
		fprintf(stderr, "%s: pending...\r", name);
		ttc_sleep_ns(STEP_NS);
	}
}

/* ---- every live node (status bucket) --------------------------------------
 */

/* One key's JSON value and server timestamp; NULL if absent or not JSON. */
static json_t *kv__json(kvStore *kv, const char *key, int64_t *created)
{
	kvEntry *e = NULL;
	json_t *v = NULL;

	if (kvStore_Get(&e, kv, key) == NATS_OK && kvEntry_ValueString(e)) {
		v = json_loads(kvEntry_ValueString(e), 0, NULL);
		*created = kvEntry_Created(e);
	}
	kvEntry_Destroy(e);
	return v;
}

/*
 * Every live node's state of deployment name as of the spec stored at
 * spec_ns: object node -> {"state","reason"}; "pending" where the node has
 * not reported on this spec yet. NULL when the bucket cannot be read.
 */
static json_t *nodes__states(struct ttc_cl *c, const char *name,
			     int64_t spec_ns)
{
	kvKeysList keys = {0};
	natsStatus s = kvStore_Keys(&keys, c->status, NULL);
	json_t *out = json_object();
	char key[256];

	if (s != NATS_OK && s != NATS_NOT_FOUND) {
		json_decref(out);
		return NULL;
	}
	for (int i = 0; i < keys.Count; i++) {
		const char *dot = strchr(keys.Keys[i], '.');
		int64_t hb_at = 0, st_at = 0;
		json_t *hb, *st;

		if (!dot || strcmp(dot + 1, TTD_CLUSTER_NODE_KEY))
			continue;
		hb = kv__json(c->status, keys.Keys[i], &hb_at);
		if (ttc_cl__now() - json_integer_value(json_object_get(
					    hb, "heartbeat_ns")) >=
		    UNREACHABLE_NS) {
			json_decref(hb); /* not live: not waited for */
			continue;
		}
		snprintf(key, sizeof(key), "%.*s.%s", (int)(dot - keys.Keys[i]),
			 keys.Keys[i], name);
		st = kv__json(c->status, key, &st_at);
		bool current =
			st && (st_at >= spec_ns || hb_at >= spec_ns + STALE_NS);
		const char *state = current ? json_string_value(json_object_get(
						      st, "state"))
					    : NULL;
		const char *why =
			current ? json_string_value(
					  json_object_get(st, "error"))
					  ?: json_string_value(json_object_get(
						     st, "reason"))
				: "not reported yet";
		json_object_setn_new(
			out, keys.Keys[i], (size_t)(dot - keys.Keys[i]),
			json_pack("{s:s, s:s}", "state", state ?: "pending",
				  "reason", why ?: ""));
		json_decref(st);
		json_decref(hb);
	}
	kvKeysList_Destroy(&keys);
	return out;
}

struct tally {
	int running, skipped, failed, pending, total;
};

static struct tally tally__of(json_t *states)
{
	struct tally t = {0};
	const char *node, *st;
	json_t *v;

	json_object_foreach(states, node, v)
	{
		st = json_string_value(json_object_get(v, "state"));
		t.total++;
		if (!strcmp(st, "running"))
			t.running++;
		else if (!strcmp(st, "skipped"))
			t.skipped++;
		else if (!strcmp(st, "failed"))
			t.failed++;
		else
			t.pending++; /* pending, or anything transitional */
	}
	return t;
}

static void report__lines(const char *name, json_t *states)
{
	const char *node, *reason;
	json_t *v;

	json_object_foreach(states, node, v)
	{
		reason = json_string_value(json_object_get(v, "reason"));
		fprintf(stderr, "%s on %s: %s%s%s\n", name, node,
			json_string_value(json_object_get(v, "state")),
			*reason ? ": " : "", reason);
	}
}

static void report__table(const struct ttc_global *g, const char *name,
			  json_t *states)
{
	static const char *const names[] = {"deployment", "node", "state",
					    "reason"};
	size_t n = json_object_size(states), i = 0;
	struct ttq_value *cells = calloc(n * 4 + 1, sizeof(*cells));
	const char *node;
	json_t *v;

	if (!cells)
		return;
	json_object_foreach(states, node, v)
	{
		struct ttq_value *r = cells + 4 * i++;

		r[0] = ttc_str(name);
		r[1] = ttc_str(node);
		r[2] = ttc_str(json_string_value(json_object_get(v, "state")));
		r[3] = ttc_str(json_string_value(json_object_get(v, "reason")));
	}
	struct ttc_rows rows = {4, n, names, cells};
	ttc_output__print(g, &rows);
	free(cells);
}

/* The exit code for settled (or timed out) states, with the summary. */
static int wait__verdict(const char *name, const struct tally *t,
			 int64_t timeout)
{
	fprintf(stderr,
		"%s: running on %d of %d live nodes (skipped %d, failed %d, "
		"pending %d)\n",
		name, t->running, t->total, t->skipped, t->failed, t->pending);
	if (!t->total) {
		fprintf(stderr, "tracetab: no live node in the cluster\n");
		return TTC_EXIT_ERROR;
	}
	if (t->pending) {
		fprintf(stderr, "tracetab: %s still pending after %llds\n",
			name, (long long)(timeout / 1000000000));
		return TTC_EXIT_DEPLOYFAIL;
	}
	return t->failed || !t->running ? TTC_EXIT_DEPLOYFAIL : TTC_EXIT_OK;
}

/* The server's timestamp of the stored spec; 0 and an exit code if none. */
static int spec__stored_at(struct ttc_cl *c, const char *name, int64_t *at)
{
	kvEntry *e = NULL;
	natsStatus s = kvStore_Get(&e, c->desired, name);

	*at = s == NATS_OK ? kvEntry_Created(e) : 0;
	kvEntry_Destroy(e);
	if (s == NATS_OK)
		return 0;
	fprintf(stderr, "tracetab: %s: %s\n", name,
		s == NATS_NOT_FOUND ? "no such deployment in the cluster"
				    : natsStatus_GetText(s));
	return s == NATS_NOT_FOUND ? TTC_EXIT_NOTFOUND : TTC_EXIT_ERROR;
}

static int wait__cluster(struct ttc_global *g, const char *name,
			 int64_t timeout, enum ttc_wait_report report)
{
	struct ttc_cl c;
	struct tally t = {0};
	json_t *states = NULL;
	int64_t spec_ns, waited;
	int ret = ttc_cl__open(g, &c);

	if (ret)
		return ret;
	if ((ret = spec__stored_at(&c, name, &spec_ns)))
		goto out;
	for (waited = 0;; waited += STEP_NS) {
		json_decref(states);
		states = nodes__states(&c, name, spec_ns);
		if (!states) {
			fprintf(stderr, "tracetab: cannot read the cluster "
					"status\n");
			ret = TTC_EXIT_ERROR;
			goto out;
		}
		t = tally__of(states);
		if ((t.total && !t.pending) || waited >= timeout)
			break;
		if (isatty(STDERR_FILENO))
			fprintf(stderr, "%s: %d of %d live nodes settled...\r",
				name, t.total - t.pending, t.total);
		ttc_sleep_ns(STEP_NS);
	}
	if (isatty(STDERR_FILENO))
		fputs("\r\033[K", stderr);
	if (report == TTC_WAIT_TABLE)
		report__table(g, name, states);
	else
		report__lines(name, states);
	ret = wait__verdict(name, &t, timeout);
out:
	json_decref(states);
	ttc_cl__close(&c);
	return ret;
}

int ttc_wait__deployment(struct ttc_global *g, const char *name,
			 int64_t timeout_ns, enum ttc_wait_report report)
{
	if (g->cluster)
		return wait__cluster(g, name, timeout_ns, report);
	return wait__local(g, name, timeout_ns);
}
