/*
 * client/cmd_query.c - the commands that read the store directly, never
 * through the daemon: query, tables, schema and tail. Any user in the
 * store's readers group can run them.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "client/cli.h"
#include "tracetab/store.h"

int ttc_query_error(int ret, const struct ttq_error *err, const char *sql)
{
	char buf[2048];

	ttq_error__format(err, sql, buf, sizeof(buf));
	fprintf(stderr, "%s\n", buf);
	return ret == -ENOENT ? TTC_EXIT_NOTFOUND : TTC_EXIT_ERROR;
}

static int64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

int ttc_run_sql(struct ttc_global *g, const char *sql)
{
	struct ttq_opts o = {.sz = sizeof(o), .store_dir = g->store_dir};
	struct ttq_query *q;
	struct ttq_result *r;
	struct ttq_error err;
	int ret;

	o.now_ns = now_ns();
	if (g->since_ns)
		o.since_ns = o.now_ns - g->since_ns;
	if ((ret = ttq_query__prepare(sql, &o, &q, &err)))
		return ttc_query_error(ret, &err, sql);
	ret = ttq_query__run(q, &r, &err);
	if (ret) {
		ttq_query__free(q);
		return ttc_query_error(ret, &err, NULL);
	}
	ttc_output__result(g, r);
	if (ttq_query__missed_rows(q))
		fprintf(stderr,
			"tracetab: %" PRIu64 " rows were recycled by the ring "
					     "while the query read them\n",
			ttq_query__missed_rows(q));
	ttq_result__free(r);
	ttq_query__free(q);
	return TTC_EXIT_OK;
}

/* Collects positionals into a small array. */
struct positionals {
	const char *v[4];
	int n;
};

static int take_pos(int id, const char *val, void *ctx)
{
	struct positionals *p = ctx;

	if (id)
		return 0;
	if (p->n == 4) {
		fprintf(stderr, "tracetab: too many arguments\n");
		return TTC_EXIT_USAGE;
	}
	p->v[p->n++] = val;
	return 0;
}

static int scan_simple(int argc, char **argv, struct ttc_global *g,
		       struct positionals *p, int want, const char *help)
{
	int ret = ttc_args__scan(argc, argv, g, NULL, take_pos, p);

	if (ret)
		return ret;
	if (g->help) {
		fputs(help, stdout);
		return -1;
	}
	if (p->n != want) {
		fputs(help, stderr);
		return TTC_EXIT_USAGE;
	}
	return 0;
}

int ttc_cmd__query(int argc, char **argv, struct ttc_global *g)
{
	static const char help[] =
		"usage: tracetab query [--format F] [--since D] [--utc] "
		"\"SQL\"\n"
		"  SELECT expr [AS name], ... FROM table [WHERE cond]\n"
		"  [GROUP BY expr, ...] [HAVING cond] [ORDER BY expr [DESC], "
		"...] [LIMIT n]\n"
		"  conditions: = != < <= > >= AND OR NOT IN LIKE BETWEEN "
		"contains(s, sub)\n"
		"  aggregates: count(*) count sum min max avg p50 p90 p95 p99 "
		"(exact)\n"
		"  time: now(), durations 500ms 10s 5m 1h 2d, time_ > now() - "
		"5m,\n"
		"        bin(time_, 10s), '2026-11-25T01:00:00Z' literals\n"
		"  functions: ip_host(ip) lower upper length\n";
	struct positionals p = {0};
	int ret = scan_simple(argc, argv, g, &p, 1, help);

	if (ret)
		return ret < 0 ? TTC_EXIT_OK : ret;
	return ttc_run_sql(g, p.v[0]);
}

struct table_list {
	struct ttc_global *g;
	struct ttq_value *cells;
	char **strs;
	size_t n, cap;
};

static int tables__visit(const char *name, void *ctx)
{
	struct table_list *l = ctx;
	struct tt_reader *r;
	struct tt_reader_stats st = {0};
	char err[256];

	if (l->n == l->cap) {
		size_t cap = l->cap ? l->cap * 2 : 16;
		struct ttq_value *c = realloc(l->cells, cap * 5 * sizeof(*c));
		char **s = c ? realloc(l->strs, cap * sizeof(*s)) : NULL;

		if (!s) {
			if (c)
				l->cells = c;
			return -ENOMEM;
		}
		l->cells = c;
		l->strs = s;
		l->cap = cap;
	}
	struct ttq_value *row = &l->cells[l->n * 5];
	l->strs[l->n] = strdup(name);
	row[0] = ttc_str(l->strs[l->n]);
	row[1] = row[2] = row[3] = row[4] = ttc_str(NULL);
	if (!tt_reader__open(l->g->store_dir, name, &r, err, sizeof(err))) {
		tt_reader__stats(r, &st);
		row[1] = ttc_int(tt_reader__schema(r)->ncols);
		row[2] = ttc_int((int64_t)(st.next_row_id - st.oldest_row_id));
		row[3] = ttc_int((int64_t)st.next_row_id);
		row[4] = ttc_int((int64_t)st.file_bytes);
		tt_reader__close(r);
	}
	l->n++;
	return 0;
}

int ttc_cmd__tables(int argc, char **argv, struct ttc_global *g)
{
	static const char help[] =
		"usage: tracetab tables [--store-dir DIR] [--format F]\n"
		"  lists the tables in the store: columns, rows stored, rows "
		"ever\n"
		"  appended, file size in bytes\n";
	static const char *const names[] = {"table", "columns", "rows",
					    "appended", "bytes"};
	struct positionals p = {0};
	struct table_list l = {.g = g};
	int ret = scan_simple(argc, argv, g, &p, 0, help);

	if (ret)
		return ret < 0 ? TTC_EXIT_OK : ret;
	ret = tt_store__list(g->store_dir, tables__visit, &l);
	if (ret && ret != -ENOENT) {
		fprintf(stderr, "tracetab: cannot list %s: %s\n", g->store_dir,
			strerror(-ret));
	} else {
		struct ttc_rows rows = {5, l.n, names, l.cells};
		ttc_output__print(g, &rows);
		ret = 0;
	}
	for (size_t i = 0; i < l.n; i++)
		free(l.strs[i]);
	free(l.strs);
	free(l.cells);
	return ret ? TTC_EXIT_ERROR : TTC_EXIT_OK;
}

/* Opens a table for reading, printing a helpful error. */
static int open_reader(struct ttc_global *g, const char *name,
		       struct tt_reader **r)
{
	char err[256];
	int ret = tt_reader__open(g->store_dir, name, r, err, sizeof(err));

	if (ret == -ENOENT) {
		fprintf(stderr,
			"tracetab: no table '%s' in %s (see tracetab tables)\n",
			name, g->store_dir);
		return TTC_EXIT_NOTFOUND;
	}
	if (ret) {
		fprintf(stderr, "tracetab: %s\n", err);
		return TTC_EXIT_ERROR;
	}
	return 0;
}

int ttc_cmd__schema(int argc, char **argv, struct ttc_global *g)
{
	static const char help[] = "usage: tracetab schema TABLE\n"
				   "  prints the table's columns and types\n";
	static const char *const names[] = {"column", "type"};
	struct positionals p = {0};
	struct tt_reader *r;
	int ret = scan_simple(argc, argv, g, &p, 1, help);

	if (ret)
		return ret < 0 ? TTC_EXIT_OK : ret;
	if ((ret = open_reader(g, p.v[0], &r)))
		return ret;
	const struct tt_schema *s = tt_reader__schema(r);
	struct ttq_value cells[TT_MAX_COLUMNS * 2];
	for (uint32_t i = 0; i < s->ncols; i++) {
		cells[i * 2] = ttc_str(s->cols[i].name);
		cells[i * 2 + 1] = ttc_str(tt_type__name(s->cols[i].type));
	}
	struct ttc_rows rows = {2, s->ncols, names, cells};
	ttc_output__print(g, &rows);
	tt_reader__close(r);
	return TTC_EXIT_OK;
}
