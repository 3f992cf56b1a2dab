/*
 * client/query.c - the public lifecycle of a query: prepare (parse, open
 * the table, plan), run (scan into a partial, finish), and free. The table
 * stays mapped while the query lives so that --watch can run it again.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "client/sql.h"

struct closest {
	const char *name;
	char best[TT_NAME_MAX];
	int dist;
};

static int closest__visit(const char *name, void *ctx)
{
	struct closest *c = ctx;
	int d = ttq_edit_distance(c->name, name);

	if (d < c->dist) {
		c->dist = d;
		snprintf(c->best, sizeof(c->best), "%s", name);
	}
	return 0;
}

static int open_table(struct ttq_query *q, struct ttq_error *err)
{
	char msg[256];
	int ret;

	if (strlen(q->st.table) >= TT_NAME_MAX) {
		ttq_error__set(err, q->st.table_pos, "table name too long");
		return -EINVAL;
	}
	snprintf(q->table, sizeof(q->table), "%s", q->st.table);
	ret = tt_reader__open(q->store_dir, q->table, &q->reader, msg,
			      sizeof(msg));
	if (ret == -ENOENT) {
		struct closest c = {.name = q->table};

		c.dist = 1 + (int)strlen(q->table) / 3 + 1;
		tt_store__list(q->store_dir, closest__visit, &c);
		ttq_error__set(err, q->st.table_pos, "unknown table '%s' in %s",
			       q->table, q->store_dir);
		if (c.best[0])
			snprintf(err->suggestion, sizeof(err->suggestion), "%s",
				 c.best);
		return ret;
	}
	if (ret) {
		ttq_error__set(err, q->st.table_pos, "%s", msg);
		return ret;
	}
	q->schema = tt_reader__schema(q->reader);
	return 0;
}

int query__scratch(struct ttq_query *q, uint32_t n)
{
	if (n <= q->codebits_cap)
		return 0;
	uint8_t *b = realloc(q->codebits, n);
	if (!b)
		return -ENOMEM;
	q->codebits = b;
	q->codebits_cap = n;
	return 0;
}

int ttq_query__prepare(const char *sql, const struct ttq_opts *opts,
		       struct ttq_query **out, struct ttq_error *err)
{
	struct ttq_query *q = calloc(1, sizeof(*q));
	struct ttq_error dummy;
	int ret = -ENOMEM;

	if (!err)
		err = &dummy;
	memset(err, 0, sizeof(*err));
	err->pos = -1;
	if (!q)
		goto oom;
	q->sql = strdup(sql ? sql : "");
	q->ectx = calloc(1, sizeof(*q->ectx));
	const char *dir = opts && opts->store_dir ? opts->store_dir
						  : TT_STORE_DEFAULT_DIR;
	q->store_dir = strdup(dir);
	if (!q->sql || !q->ectx || !q->store_dir)
		goto oom;
	q->ectx->q = q;
	q->ectx->ocol = -1;
	q->now_ns = opts ? opts->now_ns : 0;
	if (!q->now_ns) {
		struct timespec ts;

		clock_gettime(CLOCK_REALTIME, &ts);
		q->now_ns = ts.tv_sec * 1000000000LL + ts.tv_nsec;
	}
	q->since_ns = opts ? opts->since_ns : 0;
	q->dns_timeout_ms =
		opts && opts->dns_timeout_ms ? opts->dns_timeout_ms : 300;
	if (opts && opts->sz > offsetof(struct ttq_opts, node) && opts->node &&
	    !(q->node = strdup(opts->node)))
		goto oom;
	if ((ret = sql__parse(q->sql, &q->arena, &q->st, err)) ||
	    (ret = open_table(q, err)) || (ret = plan__build(q, err)))
		goto fail;
	*out = q;
	return 0;
oom:
	ttq_error__set(err, -1, "out of memory");
fail:
	if (ret == -ENOMEM && !err->msg[0])
		ttq_error__set(err, -1, "out of memory");
	ttq_query__free(q);
	return ret;
}

void ttq_query__free(struct ttq_query *q)
{
	if (!q)
		return;
	tt_reader__close(q->reader);
	arena__free(&q->arena);
	free(q->node);
	free(q->codebits);
	free(q->codemap);
	free(q->ectx);
	free(q->store_dir);
	free(q->sql);
	free(q);
}

const char *ttq_query__table(const struct ttq_query *q)
{
	return q->table;
}

bool ttq_query__is_aggregate(const struct ttq_query *q)
{
	return q->is_agg;
}

uint64_t ttq_query__missed_rows(const struct ttq_query *q)
{
	return q->missed;
}

struct ttq_partial *ttq_partial__new(struct ttq_query *q)
{
	struct ttq_partial *p = calloc(1, sizeof(*p));

	if (!p)
		return NULL;
	p->q = q;
	if (q->is_agg && groups__init(&p->g, q)) {
		ttq_partial__free(p);
		return NULL;
	}
	return p;
}

void ttq_partial__free(struct ttq_partial *p)
{
	if (!p)
		return;
	if (p->q->is_agg)
		groups__fini(&p->g);
	rowbuf__free(&p->rows);
	free(p);
}

int ttq_query__run_partial(struct ttq_query *q, struct ttq_partial **out,
			   struct ttq_error *err)
{
	struct ttq_partial *p = ttq_partial__new(q);
	int ret;

	if (!p) {
		ttq_error__set(err, -1, "out of memory");
		return -ENOMEM;
	}
	if ((ret = exec__run(q, p, err))) {
		ttq_partial__free(p);
		return ret;
	}
	*out = p;
	return 0;
}

int ttq_query__run(struct ttq_query *q, struct ttq_result **out,
		   struct ttq_error *err)
{
	struct ttq_partial *p;
	int ret = ttq_query__run_partial(q, &p, err);

	if (ret)
		return ret;
	ret = partial__finish(p, out, err, true);
	ttq_partial__free(p);
	return ret;
}
