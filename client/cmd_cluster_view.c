/*
 * client/cmd_cluster_view.c - `tracetab status` and `tracetab query` in
 * cluster mode.
 *
 * status: one row per deployment and node plus an aggregate row per
 * deployment (node "*"); a node whose heartbeat is older than 3 s is shown
 * "unreachable" with the time it was last seen, whatever it reported last.
 * query: the SQL goes out once as a NATS request; every node answers with
 * its partial (chunked, daemon/cluster_query.h); the partials are merged
 * with the query engine's merge API. Replies are awaited from every live
 * node until the deadline; missing nodes are named and, unless
 * --allow-partial, the exit code is 1. The client prepares the query
 * against its own --store-dir to learn the table's schema; a table that
 * directory lacks is created empty, with the schema a node reports, in a
 * temporary store removed afterwards, so any machine can query.
 */
#include <ctype.h>
#include <errno.h>
#include <ftw.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "client/cluster.h"
#include "client/deploy.h"
#include "daemon/cluster.h"
#include "daemon/cluster_query.h"
#include "tracetab/query.h"
#include "tracetab/store.h"

#define UNREACHABLE_NS 3000000000LL
#define QUERY_TIMEOUT_MS 5000

static json_t *entry__json(kvStore *kv, const char *key)
{
	kvEntry *e = NULL;
	json_t *v = NULL;

	if (kvStore_Get(&e, kv, key) == NATS_OK && kvEntry_ValueString(e))
		v = json_loads(kvEntry_ValueString(e), 0, NULL);
	kvEntry_Destroy(e);
	return v;
}

int ttc_cl__snapshot(struct ttc_cl *c, json_t **nodes, json_t **deps)
{
	kvKeysList keys = {0};
	natsStatus s = kvStore_Keys(&keys, c->status, NULL);
	int64_t now = ttc_cl__now();

	*nodes = json_object();
	*deps = json_array();
	if (s != NATS_OK && s != NATS_NOT_FOUND) {
		fprintf(stderr, "tracetab: cluster status: %s\n",
			natsStatus_GetText(s));
		return TTC_EXIT_ERROR;
	}
	for (int i = 0; i < keys.Count; i++) {
		const char *dot = strchr(keys.Keys[i], '.');
		json_t *v = entry__json(c->status, keys.Keys[i]);

		if (!dot || !json_is_object(v)) {
			json_decref(v);
			continue;
		}
		if (strcmp(dot + 1, TTD_CLUSTER_NODE_KEY)) {
			json_array_append_new(*deps, v);
			continue;
		}
		json_int_t hb =
			json_integer_value(json_object_get(v, "heartbeat_ns"));
		json_object_set_new(v, "live",
				    json_boolean(now - hb < UNREACHABLE_NS));
		json_object_setn_new(*nodes, keys.Keys[i],
				     (size_t)(dot - keys.Keys[i]), v);
	}
	kvKeysList_Destroy(&keys);
	return 0;
}

/* ---- status -----------------------------------------------------------------
 */

#define NCOLS 7
struct view {
	struct ttq_value *cells;
	size_t nrows, cap;
	json_t *keep; /* strings the cells point into */
};

static const char *keep(struct view *v, const char *s)
{
	json_t *j = json_string(s ? s : "");

	json_array_append_new(v->keep, j);
	return json_string_value(j);
}

static int view__row(struct view *v, const char *dep, const char *node,
		     const char *state, const json_t *st, const char *reason)
{
	struct ttq_value *r;
	int64_t exp = json_integer_value(json_object_get(st, "expires_ns"));

	if (v->nrows == v->cap) {
		size_t cap = v->cap ? 2 * v->cap : 16;
		struct ttq_value *n =
			realloc(v->cells, cap * NCOLS * sizeof(*n));

		if (!n)
			return -ENOMEM;
		v->cells = n;
		v->cap = cap;
	}
	r = v->cells + v->nrows++ * NCOLS;
	r[0] = ttc_str(keep(v, dep));
	r[1] = ttc_str(keep(v, node));
	r[2] = ttc_str(keep(v, state));
	r[3] = st ? ttc_int(json_integer_value(json_object_get(st, "rows")))
		  : (struct ttq_value){.type = TTQ_NULL};
	r[4] = st ? ttc_int(json_integer_value(json_object_get(st, "lost")))
		  : (struct ttq_value){.type = TTQ_NULL};
	r[5] = exp ? (struct ttq_value){.type = TTQ_TIME, .i = exp}
		   : (struct ttq_value){.type = TTQ_NULL};
	r[6] = ttc_str(keep(v, reason));
	return 0;
}

/* Per-node rows of deployment name, then its aggregate row. */
static void view__deployment(struct view *v, const char *name, json_t *nodes,
			     json_t *deps, const struct ttc_global *g)
{
	json_t *counts = json_object(), *st, *hb, *any = NULL;
	const char *node, *state;
	char agg[256] = "", seen[96];
	size_t i, off = 0;
	void *it;

	json_object_foreach(nodes, node, hb)
	{
		const char *reason = NULL;

		st = NULL;
		json_array_foreach(deps, i, st)
		{
			if (!strcmp(json_string_value(
					    json_object_get(st, "name"))
					    ?: "",
				    name) &&
			    !strcmp(json_string_value(
					    json_object_get(st, "node"))
					    ?: "",
				    node))
				break;
		}
		if (i == json_array_size(deps))
			st = NULL;
		any = st ? st : any;
		state = st ? json_string_value(json_object_get(st, "state"))
			   : "pending";
		reason = st ? (json_string_value(json_object_get(st, "error"))
				       ?: json_string_value(json_object_get(
						  st, "reason")))
			    : "not reported yet";
		if (!json_is_true(json_object_get(hb, "live"))) {
			struct ttq_value t = {
				.type = TTQ_TIME,
				.i = json_integer_value(
					json_object_get(hb, "heartbeat_ns"))};
			char when[64];

			ttq_value__format(&t, g->fmt_flags, when, sizeof(when));
			snprintf(seen, sizeof(seen), "last seen %s", when);
			state = "unreachable";
			reason = seen;
		}
		json_object_set_new(
			counts, state,
			json_integer(json_integer_value(
					     json_object_get(counts, state)) +
				     1));
		view__row(v, name, node, state, st, reason);
	}
	for (it = json_object_iter(counts); it;
	     it = json_object_iter_next(counts, it))
		off += snprintf(
			agg + off, off < sizeof(agg) ? sizeof(agg) - off : 0,
			"%s%s %lld", off ? ", " : "", json_object_iter_key(it),
			(long long)json_integer_value(
				json_object_iter_value(it)));
	view__row(v, name, "*",
		  json_object_size(counts) == 1
			  ? json_object_iter_key(json_object_iter(counts))
			  : "mixed",
		  any, agg);
	json_decref(counts);
}

static int cl__status(int argc, char **argv, struct ttc_global *g)
{
	static const char *const names[NCOLS] = {
		"deployment", "node",	 "state", "rows",
		"lost",	      "expires", "reason"};
	struct view v = {0};
	json_t *nodes, *deps, *desired, *d;
	kvKeysList keys = {0};
	struct ttc_cl c;
	const char *name;
	size_t i;
	struct ttc_one only = {NULL, 0};
	int ret = ttc_args__scan(argc, argv, g, NULL, ttc_take_one, &only);

	if (!ret && (g->help || only.n > 1)) {
		fputs("usage: tracetab --cluster URL status [NAME]\n",
		      g->help ? stdout : stderr);
		return g->help ? TTC_EXIT_OK : TTC_EXIT_USAGE;
	}
	if (ret || (ret = ttc_cl__open(g, &c)))
		return ret;
	v.keep = json_array();
	desired = json_object();
	ret = ttc_cl__snapshot(&c, &nodes, &deps);
	if (kvStore_Keys(&keys, c.desired, NULL) == NATS_OK)
		for (int k = 0; k < keys.Count; k++)
			json_object_set_new(desired, keys.Keys[k], json_true());
	kvKeysList_Destroy(&keys);
	/* Deployments nodes still report (being removed) are shown too. */
	json_array_foreach(deps, i, d)
	{
		if ((name = json_string_value(json_object_get(d, "name"))))
			json_object_set_new(desired, name, json_true());
	}
	json_object_foreach(desired, name, d)
	{
		if (!only.v || !strcmp(only.v, name))
			view__deployment(&v, name, nodes, deps, g);
	}
	if (!ret) {
		struct ttc_rows rows = {NCOLS, v.nrows, names, v.cells};

		ttc_output__print(g, &rows);
	}
	free(v.cells);
	json_decref(v.keep);
	json_decref(desired);
	json_decref(nodes);
	json_decref(deps);
	ttc_cl__close(&c);
	return ret;
}

/* ---- query
 * ------------------------------------------------------------------- */

struct q_args {
	const char *sql;
	int npos;
	bool allow_partial;
	long timeout_ms;
};

enum { OPT_PARTIAL = 1, OPT_TIMEOUT };

static int q__arg(int id, const char *val, void *ctx)
{
	struct q_args *a = ctx;
	char *end;

	if (id == 0) {
		a->sql = val;
		a->npos++;
	} else if (id == OPT_PARTIAL) {
		a->allow_partial = true;
	} else {
		a->timeout_ms = strtol(val, &end, 10);
		if (*end || a->timeout_ms <= 0) {
			fprintf(stderr, "tracetab: --timeout takes "
					"milliseconds\n");
			return TTC_EXIT_USAGE;
		}
	}
	return 0;
}

/* One node's reply in progress: its chunks concatenated. */
struct answer {
	char *buf;
	size_t len;
	int next_seq;
	bool done;
};

/* Takes one reply chunk; returns the node's name when it is complete. */
static const char *chunk__take(json_t *answers, natsMsg *m,
			       struct ttq_partial *dst, json_t *failed)
{
	const char *data = natsMsg_GetData(m), *nl;
	int len = natsMsg_GetDataLength(m);
	json_t *h, *ans;
	struct answer *a;
	const char *node, *err;

	if (!data || !(nl = memchr(data, '\n', len)))
		return NULL;
	h = json_loadb(data, nl - data, 0, NULL);
	node = json_string_value(json_object_get(h, "node"));
	if (!node) {
		json_decref(h);
		return NULL;
	}
	ans = json_object_get(answers, node);
	if (!ans) {
		ans = json_integer((json_int_t)(intptr_t)calloc(1, sizeof(*a)));
		json_object_set_new(answers, node, ans);
	}
	a = (struct answer *)(intptr_t)json_integer_value(ans);
	if (!a || a->done ||
	    json_integer_value(json_object_get(h, "seq")) != a->next_seq) {
		json_decref(h);
		return NULL;
	}
	size_t n = len - (nl + 1 - data);
	char *nb = realloc(a->buf, a->len + n + 1);
	if (!nb) {
		json_decref(h);
		return NULL;
	}
	a->buf = nb;
	memcpy(a->buf + a->len, nl + 1, n);
	a->len += n;
	a->next_seq++;
	if (!json_is_true(json_object_get(h, "last"))) {
		json_decref(h);
		return NULL;
	}
	a->done = true;
	err = json_string_value(json_object_get(h, "error"));
	if (err)
		json_object_set_new(failed, node, json_string(err));
	else if (ttq_partial__merge_bytes(dst, a->buf, a->len) < 0)
		json_object_set_new(failed, node,
				    json_string("its partial did not merge"));
	free(a->buf);
	a->buf = NULL;
	/* The key lives in answers as long as the caller keeps it. */
	node = json_object_iter_key(json_object_iter_at(answers, node));
	json_decref(h);
	return node;
}

static void answers__free(json_t *answers)
{
	const char *k;
	json_t *v;

	json_object_foreach(answers, k, v)
	{
		struct answer *a =
			(struct answer *)(intptr_t)json_integer_value(v);

		if (a)
			free(a->buf);
		free(a);
	}
	json_decref(answers);
}

/* Scatter sql, gather every live node's partial into dst until deadline. */
static int q__gather(struct ttc_cl *c, const char *sql, long timeout_ms,
		     struct ttq_partial *dst, json_t *expect, json_t *failed,
		     json_t *answered)
{
	json_t *answers = json_object();
	natsInbox *inbox = NULL;
	natsSubscription *sub = NULL;
	int64_t deadline = ttc_cl__now() + timeout_ms * 1000000LL;
	natsStatus s = natsInbox_Create(&inbox);

	if (s == NATS_OK)
		s = natsConnection_SubscribeSync(&sub, c->nc, inbox);
	if (s == NATS_OK)
		s = natsConnection_PublishRequest(c->nc,
						  TTD_CLUSTER_QUERY_SUBJECT,
						  inbox, sql, (int)strlen(sql));
	while (s == NATS_OK) {
		int64_t left = (deadline - ttc_cl__now()) / 1000000LL;
		size_t pending = 0;
		const char *k;
		json_t *v;
		natsMsg *m = NULL;

		json_object_foreach(expect, k, v) pending +=
			!json_object_get(answered, k);
		if (!pending || left <= 0)
			break;
		if (natsSubscription_NextMsg(&m, sub, left) != NATS_OK)
			break;
		const char *node = chunk__take(answers, m, dst, failed);
		if (node)
			json_object_set_new(answered, node, json_true());
		natsMsg_Destroy(m);
	}
	natsSubscription_Destroy(sub);
	natsInbox_Destroy(inbox);
	answers__free(answers);
	if (s != NATS_OK) {
		fprintf(stderr, "tracetab: cluster query: %s\n",
			natsStatus_GetText(s));
		return TTC_EXIT_ERROR;
	}
	return 0;
}

static int q__report(json_t *expect, json_t *answered, json_t *failed,
		     bool allow_partial)
{
	char missing[1024] = "";
	size_t off = 0;
	const char *k;
	json_t *v;

	json_object_foreach(failed, k, v) fprintf(
		stderr, "tracetab: node %s: %s\n", k, json_string_value(v));
	json_object_foreach(expect, k, v)
	{
		if (json_object_get(answered, k) && !json_object_get(failed, k))
			continue;
		off += snprintf(missing + off,
				off < sizeof(missing) ? sizeof(missing) - off
						      : 0,
				"%s%s", off ? ", " : "", k);
	}
	if (!off)
		return 0;
	fprintf(stderr, "tracetab: partial answer: no result from %s\n",
		missing);
	return allow_partial ? 0 : TTC_EXIT_ERROR;
}

/* ---- schemas of tables this machine does not have -------------------------
 */

#define SCHEMA_TABLES_MAX 8 /* tables one query may learn from the nodes */

/* The table name at the position of an "unknown table" error, or false. */
static bool unknown__table(const char *sql, const struct ttq_error *err,
			   char *name, size_t len)
{
	size_t n = 0;

	if (err->pos < 0 || strncmp(err->msg, "unknown table", 13))
		return false;
	for (const char *p = sql + err->pos;
	     n + 1 < len && (isalnum((unsigned char)*p) || *p == '_'); p++)
		name[n++] = *p;
	name[n] = 0;
	return n > 0;
}

/* An empty table with the columns the nodes report, in store dir. */
static int schema__materialize(struct ttc_cl *c, const char *dir,
			       const char *table)
{
	static const char *const types[] = {
		[TT_TYPE_INT64] = "int",
		[TT_TYPE_UINT64] = "uint",
		[TT_TYPE_TIME] = "time",
		[TT_TYPE_STRING] = "string",
	};
	struct tt_table_opts to = {
		.sz = sizeof(to), .max_bytes = 1 << 20, .group = (gid_t)-1};
	json_t *cols = ttc_cluster__columns(c, table), *col;
	struct tt_schema schema = {0};
	struct tt_table *t = NULL;
	char err[256];
	size_t i;
	int ret = cols ? 0 : -ENOENT;

	json_array_foreach(cols, i, col)
	{
		const char *type = json_string_value(json_array_get(col, 1));
		int k = TT_TYPE_INT64;

		while (k <= TT_TYPE_STRING && strcmp(types[k], type ?: ""))
			k++;
		if (!ret)
			ret = tt_schema__add(
				&schema,
				json_string_value(json_array_get(col, 0)) ?: "",
				k <= TT_TYPE_STRING ? k : TT_TYPE_INT64);
	}
	json_decref(cols);
	if (!ret)
		ret = tt_table__open(dir, table, &schema, &to, &t, err,
				     sizeof(err));
	tt_table__close(t);
	return ret;
}

static int rm__entry(const char *path, const struct stat *st, int flag,
		     struct FTW *ftw)
{
	(void)st, (void)flag, (void)ftw;
	return remove(path);
}

/*
 * Prepares sql for merging: against g->store_dir when it has the tables,
 * else against a temporary store (*tmp, "" when none) holding empty tables
 * with the schemas the nodes report, so a machine that is not a node can
 * query the cluster. Returns 0 or an exit code after printing why.
 */
static int sql__prepare(struct ttc_global *g, struct ttc_cl *c, const char *sql,
			struct ttq_query **q, char *tmp, size_t tmplen)
{
	struct ttq_opts qo = {
		.sz = sizeof(qo), .store_dir = g->store_dir, .node = ""};
	struct ttq_error err = {.pos = -1};
	char table[TT_NAME_MAX];
	int rc = ttq_query__prepare(sql, &qo, q, &err);

	for (int i = 0; rc == -ENOENT && i < SCHEMA_TABLES_MAX &&
			unknown__table(sql, &err, table, sizeof(table));
	     i++) {
		if (!*tmp && (snprintf(tmp, tmplen, "%s/tracetab-cl.XXXXXX",
				       getenv("TMPDIR") ?: "/tmp"),
			      !mkdtemp(tmp))) {
			*tmp = 0;
			break;
		}
		if (schema__materialize(c, tmp, table))
			break; /* no node has it either: the error stands */
		qo.store_dir = tmp;
		err = (struct ttq_error){.pos = -1};
		rc = ttq_query__prepare(sql, &qo, q, &err);
	}
	return rc < 0 ? ttc_query_error(rc, &err, sql) : 0;
}

int ttc_cluster__sql(struct ttc_global *g, const char *sql, bool allow_partial,
		     long timeout_ms)
{
	struct ttq_query *q = NULL;
	struct ttq_partial *p = NULL;
	struct ttq_result *r = NULL;
	struct ttq_error err = {.pos = -1};
	json_t *nodes = NULL, *deps = NULL, *expect = json_object();
	json_t *failed = json_object(), *answered = json_object(), *v;
	char tmp[PATH_MAX] = "";
	const char *k;
	struct ttc_cl c;
	int ret, rc;

	if ((ret = ttc_cl__open(g, &c)))
		goto out0;
	if ((ret = sql__prepare(g, &c, sql, &q, tmp, sizeof(tmp))))
		goto out1;
	ret = ttc_cl__snapshot(&c, &nodes, &deps);
	json_object_foreach(nodes, k,
			    v) if (json_is_true(json_object_get(v, "live")))
		json_object_set_new(expect, k, json_true());
	p = ttq_partial__new(q);
	if (!ret && !p)
		ret = TTC_EXIT_ERROR;
	if (!ret)
		ret = q__gather(&c, sql, timeout_ms, p, expect, failed,
				answered);
	/* Nodes that are known but not live are missing too. */
	json_object_foreach(nodes, k, v)
		json_object_set_new(expect, k, json_true());
	if (!ret && (rc = ttq_partial__finish(p, &r, &err)) < 0)
		ret = ttc_query_error(rc, &err, sql);
	if (!ret) {
		ttc_output__result(g, r);
		ret = q__report(expect, answered, failed, allow_partial);
	}
out1:
	ttc_cl__close(&c);
out0:
	ttq_result__free(r);
	ttq_partial__free(p);
	ttq_query__free(q);
	if (*tmp)
		nftw(tmp, rm__entry, 8, FTW_DEPTH | FTW_PHYS);
	json_decref(nodes);
	json_decref(deps);
	json_decref(expect);
	json_decref(failed);
	json_decref(answered);
	return ret;
}

static int cl__query(int argc, char **argv, struct ttc_global *g)
{
	static const struct ttc_opt opts[] = {
		{"--allow-partial", false, OPT_PARTIAL},
		{"--timeout", true, OPT_TIMEOUT},
		{NULL, false, 0},
	};
	struct q_args a = {.timeout_ms = QUERY_TIMEOUT_MS};
	int ret = ttc_args__scan(argc, argv, g, opts, q__arg, &a);

	if (!ret && (g->help || a.npos != 1)) {
		fputs("usage: tracetab --cluster URL query [--allow-partial] "
		      "[--timeout MS] SQL\n",
		      g->help ? stdout : stderr);
		return g->help ? TTC_EXIT_OK : TTC_EXIT_USAGE;
	}
	return ret ? ret
		   : ttc_cluster__sql(g, a.sql, a.allow_partial, a.timeout_ms);
}

int ttc_cluster__cmd(const char *cmd, int argc, char **argv,
		     struct ttc_global *g)
{
	if (!strcmp(cmd, "status"))
		return cl__status(argc, argv, g);
	if (!strcmp(cmd, "query"))
		return cl__query(argc, argv, g);
	if (!strcmp(cmd, "tail"))
		return ttc_cluster__tail(argc, argv, g);
	if (!strcmp(cmd, "drop")) {
		fprintf(stderr,
			"tracetab: drop is not available in cluster mode; "
			"run it on each node without --cluster\n");
		return TTC_EXIT_USAGE;
	}
	return -1;
}
