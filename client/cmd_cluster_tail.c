/*
 * client/cmd_cluster_tail.c - `tracetab --cluster URL tail TABLE`: new rows
 * of TABLE from every node, with a leading `node` column.
 *
 * Pull, not push: every interval the client sends one tail request to all
 * nodes carrying a row-id cursor per node, and each node answers with the
 * rows after its cursor and the new cursor (protocol at the top of
 * daemon/cluster_query.c). A cursor only moves when a node's answer was
 * printed, so an answer lost on the way, a slow node or a NATS outage
 * delays rows but never skips or repeats them; rows the node's ring
 * recycled before they were asked for are reported as missed on stderr.
 * A node seen for the first time starts with its last --last rows. Each
 * round's rows are printed in time order (time_) across nodes; a node whose
 * answer was cut short ("more") is asked again at once.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <jansson.h>

#include "client/cluster.h"
#include "daemon/cluster_query.h"
#include "tracetab/store.h"

#define STR_(x) #x
#define STR(x) STR_(x)

#define REPLY_WAIT_MS 1000 /* per round, for nodes that are live */
#define LIVE_REFRESH_NS 2000000000LL

/* One node's answer being reassembled from its chunks. */
struct ct_answer {
	struct ct_answer *next;
	char node[96];
	char *buf;
	size_t len;
	int next_seq;
	json_t *reply; /* the decoded payload once complete */
	int *map; /* header column -> column of this answer (ct__map) */
};

struct ct {
	struct ttc_global *g;
	struct ttc_tail_args a;
	struct ttc_cl c;
	json_t *cursors; /* node -> next row id */
	json_t *noted; /* node -> the last problem printed for it */
	json_t *live; /* node -> true */
	int64_t live_at;
	json_t *hdr; /* [[name, type]...] of the printed header */
	const char **names; /* "node" + header names */
	size_t ncols; /* with node */
	uint64_t printed;
	int time_col; /* index in hdr of time_, or -1 */
};

/* Prints msg about node once (until it changes); NULL forgets. */
static void ct__note(struct ct *t, const char *node, const char *msg)
{
	const char *old = json_string_value(json_object_get(t->noted, node));

	if (!msg) {
		json_object_del(t->noted, node);
		return;
	}
	if (old && !strcmp(old, msg))
		return;
	fprintf(stderr, "tracetab: tail: node %s: %s\n", node, msg);
	json_object_set_new(t->noted, node, json_string(msg));
}

static void ct__refresh_live(struct ct *t)
{
	json_t *nodes = NULL, *deps = NULL, *v;
	const char *k;

	if (t->live && ttc_cl__now() - t->live_at < LIVE_REFRESH_NS)
		return;
	if (ttc_cl__snapshot(&t->c, &nodes, &deps) == 0) {
		json_decref(t->live);
		t->live = json_object();
		json_object_foreach(
			nodes, k,
			v) if (json_is_true(json_object_get(v, "live")))
			json_object_set_new(t->live, k, json_true());
		t->live_at = ttc_cl__now();
	}
	json_decref(nodes);
	json_decref(deps);
}

/* ---- one round: request, answers ------------------------------------------
 */

static struct ct_answer *answer__find(struct ct_answer **head, const char *node,
				      size_t n)
{
	struct ct_answer *a;

	for (a = *head; a; a = a->next)
		if (strlen(a->node) == n && !strncmp(a->node, node, n))
			return a;
	if (n >= sizeof(a->node) || !(a = calloc(1, sizeof(*a))))
		return NULL;
	memcpy(a->node, node, n);
	a->next = *head;
	*head = a;
	return a;
}

/* Takes one chunk; returns the answer when it completed it. */
static struct ct_answer *chunk__take(struct ct_answer **head, natsMsg *m)
{
	const char *data = natsMsg_GetData(m), *nl, *node, *err;
	int len = natsMsg_GetDataLength(m);
	struct ct_answer *a = NULL;
	json_t *h;
	char *nb;

	if (!data || len <= 0 || !(nl = memchr(data, '\n', len)))
		return NULL;
	h = json_loadb(data, nl - data, 0, NULL);
	node = json_string_value(json_object_get(h, "node"));
	if (node)
		a = answer__find(head, node, strlen(node));
	if (!a || a->reply ||
	    json_integer_value(json_object_get(h, "seq")) != a->next_seq)
		goto drop;
	size_t n = (size_t)len - (size_t)(nl + 1 - data);
	if (!(nb = realloc(a->buf, a->len + n + 1)))
		goto drop;
	a->buf = nb;
	memcpy(a->buf + a->len, nl + 1, n);
	a->len += n;
	a->next_seq++;
	if (!json_is_true(json_object_get(h, "last")))
		goto drop;
	err = json_string_value(json_object_get(h, "error"));
	a->reply = err ? json_pack("{s:s}", "error", err)
		       : json_loadb(a->buf, a->len, 0, NULL);
	if (!a->reply)
		a->reply = json_pack("{s:s}", "error", "unreadable answer");
	json_decref(h);
	return a;
drop:
	json_decref(h);
	return NULL;
}

static void answers__free(struct ct_answer *a)
{
	while (a) {
		struct ct_answer *n = a->next;

		free(a->buf);
		free(a->map);
		json_decref(a->reply);
		free(a);
		a = n;
	}
}

/* Sends one tail request and collects the answers of the live nodes. */
static int ct__round(struct ct *t, struct ct_answer **out)
{
	json_t *req =
		json_pack("{s:s, s:s, s:O, s:I, s:b}", "op", "tail", "table",
			  t->a.table, "cursors", t->cursors, "last",
			  (json_int_t)t->a.last, "from_start", t->a.from_start);
	char *text = req ? json_dumps(req, JSON_COMPACT) : NULL;
	int64_t deadline = ttc_cl__now() + REPLY_WAIT_MS * 1000000LL;
	json_t *answered = json_object();
	natsSubscription *sub = NULL;
	natsInbox *inbox = NULL;
	natsStatus s = text ? natsInbox_Create(&inbox) : NATS_NO_MEMORY;

	*out = NULL;
	if (s == NATS_OK)
		s = natsConnection_SubscribeSync(&sub, t->c.nc, inbox);
	if (s == NATS_OK)
		s = natsConnection_PublishRequest(
			t->c.nc, TTD_CLUSTER_QUERY_SUBJECT, inbox, text,
			(int)strlen(text));
	while (s == NATS_OK) {
		int64_t left = (deadline - ttc_cl__now()) / 1000000LL;
		size_t pending = 0;
		struct ct_answer *a;
		natsMsg *m = NULL;
		const char *k;
		json_t *v;

		json_object_foreach(t->live, k, v) pending +=
			!json_object_get(answered, k);
		if ((!pending && json_object_size(answered)) || left <= 0)
			break;
		if (natsSubscription_NextMsg(&m, sub, left) != NATS_OK)
			break;
		if ((a = chunk__take(out, m)))
			json_object_set_new(answered, a->node, json_true());
		natsMsg_Destroy(m);
	}
	natsSubscription_Destroy(sub);
	natsInbox_Destroy(inbox);
	json_decref(answered);
	json_decref(req);
	free(text);
	if (s == NATS_OK)
		return 0;
	fprintf(stderr, "tracetab: tail: %s\n", natsStatus_GetText(s));
	return TTC_EXIT_ERROR;
}

/* ---- printing
 * ----------------------------------------------------------------
 */

/* The first answer with columns fixes the header. */
static void ct__header(struct ct *t, json_t *cols)
{
	size_t i;
	json_t *c;

	if (t->hdr || !json_array_size(cols))
		return;
	if (json_array_size(cols) > TT_MAX_COLUMNS) {
		fprintf(stderr,
			"tracetab: tail: a node reported %zu columns; "
			"tables have at most " STR(TT_MAX_COLUMNS) "\n",
			json_array_size(cols));
		return;
	}
	t->hdr = json_incref(cols);
	t->ncols = json_array_size(cols) + 1;
	t->names = calloc(t->ncols, sizeof(*t->names));
	if (!t->names) {
		t->ncols = 0;
		return;
	}
	t->names[0] = "node";
	t->time_col = -1;
	json_array_foreach(cols, i, c)
	{
		t->names[i + 1] = json_string_value(json_array_get(c, 0));
		if (!strcmp(t->names[i + 1] ?: "", "time_"))
			t->time_col = (int)i;
	}
	ttc_output__header(t->g, t->ncols, t->names);
}

/* Where each header column sits in an answer's columns (-1: absent). */
static void ct__map(const struct ct *t, json_t *cols, int *map)
{
	for (size_t h = 0; h + 1 < t->ncols; h++) {
		const char *want = t->names[h + 1];
		size_t i;
		json_t *c;

		map[h] = -1;
		json_array_foreach(
			cols, i,
			c) if (!strcmp(json_string_value(json_array_get(c, 0))
					       ?: "",
				       want))
		{
			map[h] = (int)i;
			break;
		}
	}
}

static struct ttq_value cell__of(json_t *v, const char *type)
{
	struct ttq_value c = {.type = TTQ_NULL};

	if (json_is_string(v)) {
		c.type = TTQ_STRING;
		c.s.ptr = json_string_value(v);
		c.s.len = json_string_length(v);
	} else if (json_is_integer(v)) {
		c.type = !strcmp(type, "uint")	 ? TTQ_UINT
			 : !strcmp(type, "time") ? TTQ_TIME
						 : TTQ_INT;
		c.i = json_integer_value(v); /* u shares the bits */
	}
	return c;
}

/* A row to print: its answer, its values and its time. */
struct ct_row {
	struct ct_answer *a;
	json_t *vals;
	int64_t time;
	size_t seq; /* arrival order: ties keep it */
};

static int row__cmp(const void *x, const void *y)
{
	const struct ct_row *a = x, *b = y;

	if (a->time != b->time)
		return a->time < b->time ? -1 : 1;
	return a->seq < b->seq ? -1 : a->seq > b->seq;
}

static void ct__print_row(struct ct *t, const struct ct_row *r)
{
	const int *map = r->a->map;
	struct ttq_value cells[1 + TT_MAX_COLUMNS];
	json_t *cols = json_object_get(r->a->reply, "columns");

	cells[0] = ttc_str(r->a->node);
	for (size_t h = 0; h + 1 < t->ncols; h++) {
		json_t *c = map[h] < 0 ? NULL : json_array_get(cols, map[h]);

		cells[h + 1] = cell__of(
			map[h] < 0 ? NULL : json_array_get(r->vals, map[h]),
			json_string_value(json_array_get(c, 1)) ?: "");
	}
	ttc_output__row(t->g, t->ncols, t->names, cells);
}

/* ---- the loop
 * ------------------------------------------------------------------
 */

struct ct_batch {
	struct ct_row *rows;
	size_t n, cap;
	int ok, enoent; /* answers with rows, and "no such table" answers */
	bool more;
};

static int batch__add(struct ct_batch *b, const struct ct_row *r)
{
	if (b->n == b->cap) {
		size_t cap = b->cap ? 2 * b->cap : 256;
		struct ct_row *n = realloc(b->rows, cap * sizeof(*n));

		if (!n)
			return -ENOMEM;
		b->rows = n;
		b->cap = cap;
	}
	b->rows[b->n] = *r;
	b->rows[b->n].seq = b->n;
	b->n++;
	return 0;
}

/* One node's answer: its problems, its rows into b, its new cursor. */
static void ct__absorb(struct ct *t, struct ct_answer *a, struct ct_batch *b)
{
	json_t *r = a->reply, *rows = json_object_get(r, "rows"), *v;
	const char *err = json_string_value(json_object_get(r, "error"));
	json_int_t missed = json_integer_value(json_object_get(r, "missed"));
	size_t i;

	if (err) {
		b->enoent += !strcmp(
			json_string_value(json_object_get(r, "code")) ?: "",
			"ENOENT");
		ct__note(t, a->node, err);
		return;
	}
	b->ok++;
	ct__note(t, a->node, NULL);
	if (json_is_true(json_object_get(r, "reset")))
		fprintf(stderr,
			"tracetab: tail: node %s: the table was recreated; "
			"following it from its oldest row\n",
			a->node);
	if (missed > 0)
		fprintf(stderr,
			"tracetab: tail: node %s: missed %" PRId64
			" rows: the ring wrapped faster than tail read\n",
			a->node, (int64_t)missed);
	ct__header(t, json_object_get(r, "columns"));
	if (!t->ncols || !(a->map = calloc(t->ncols, sizeof(int))))
		return;
	ct__map(t, json_object_get(r, "columns"), a->map);
	json_array_foreach(rows, i, v)
	{
		json_t *tv = t->time_col < 0 || a->map[t->time_col] < 0
				     ? NULL
				     : json_array_get(v, a->map[t->time_col]);
		struct ct_row row = {a, v, json_integer_value(tv), 0};

		if (batch__add(b, &row))
			return; /* the cursor stays: asked again next round */
	}
	json_object_set(t->cursors, a->node, json_object_get(r, "next"));
	b->more = b->more || json_is_true(json_object_get(r, "more"));
}

static int ct__follow(struct ct *t)
{
	bool first = true;

	for (;;) {
		struct ct_batch b = {0};
		struct ct_answer *ans, *a;
		int ret;

		ct__refresh_live(t);
		if ((ret = ct__round(t, &ans)))
			return ret;
		for (a = ans; a; a = a->next)
			if (a->reply)
				ct__absorb(t, a, &b);
		if (first && !b.ok && b.enoent) {
			fprintf(stderr,
				"tracetab: tail: no node has a table %s (see "
				"tracetab --cluster URL status)\n",
				t->a.table);
			answers__free(ans);
			return TTC_EXIT_NOTFOUND;
		}
		first = first && !b.ok;
		if (b.n)
			qsort(b.rows, b.n, sizeof(*b.rows), row__cmp);
		for (size_t i = 0; i < b.n; i++) {
			if (t->a.count && t->printed >= t->a.count)
				break;
			ct__print_row(t, &b.rows[i]);
			t->printed++;
		}
		fflush(stdout);
		free(b.rows);
		answers__free(ans);
		if (t->a.count && t->printed >= t->a.count)
			return TTC_EXIT_OK;
		if (!b.more)
			ttc_sleep_ns(t->a.interval_ns);
	}
}

int ttc_cluster__tail(int argc, char **argv, struct ttc_global *g)
{
	static const char help[] =
		"usage: tracetab --cluster URL tail TABLE [--last N] "
		"[--from-start]\n"
		"                 [--count N] [--interval 200ms] [--format F]\n"
		"  prints new rows of TABLE from every node, with a node "
		"column, by\n"
		"  per-node row-id cursors: no row is printed twice or "
		"skipped; rows a\n"
		"  node's ring recycled before tail asked are reported as "
		"missed.\n"
		"  --last N      start with each node's last N rows (default "
		"10)\n"
		"  --from-start  start with each node's oldest row\n"
		"  --count N     exit after printing N rows\n";
	struct ct t = {.g = g,
		       .a = {.last = 10, .interval_ns = 200000000},
		       .time_col = -1};
	int ret = ttc_tail_args__scan(argc, argv, g, &t.a);

	if (!ret && (g->help || t.a.npos != 1)) {
		fputs(help, g->help ? stdout : stderr);
		return g->help ? TTC_EXIT_OK : TTC_EXIT_USAGE;
	}
	if (ret || (ret = ttc_cl__open(g, &t.c)))
		return ret;
	t.cursors = json_object();
	t.noted = json_object();
	ret = ct__follow(&t);
	ttc_cl__close(&t.c);
	json_decref(t.cursors);
	json_decref(t.noted);
	json_decref(t.live);
	json_decref(t.hdr);
	free(t.names);
	return ret;
}

json_t *ttc_cluster__columns(struct ttc_cl *c, const char *table)
{
	struct ct t = {.c = *c, .a = {.table = table}, .time_col = -1};
	struct ct_answer *ans = NULL, *a;
	json_t *cols = NULL, *v;

	t.cursors = json_object();
	ct__refresh_live(&t);
	if (ct__round(&t, &ans) == 0)
		for (a = ans; a && !cols; a = a->next) {
			v = json_object_get(a->reply, "columns");
			if (json_array_size(v) &&
			    !json_object_get(a->reply, "error"))
				cols = json_incref(v);
		}
	answers__free(ans);
	json_decref(t.cursors);
	json_decref(t.live);
	return cols;
}
