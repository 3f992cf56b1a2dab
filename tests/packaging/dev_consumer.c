/*
 * tests/packaging/dev_consumer.c - a program built only from what the
 * libtracetab-dev package installs (headers, libtracetab.a, tracetab.pc),
 * the way a user of the package builds one:
 *
 *     cc dev_consumer.c $(pkg-config --cflags --libs tracetab)
 *
 * It writes a table into the directory given as argv[1] with the store
 * API, reads it back with the query engine, asks the control client for a
 * daemon that is not there and has the compiler point at a syntax error.
 * Each part of the archive is therefore linked and exercised; it prints one line and exits 0 when
 * the answers are the ones it wrote.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include <tracetab/bt.h>
#include <tracetab/control.h>
#include <tracetab/query.h>
#include <tracetab/store.h>

#define NROWS 1000

static int write_table(const char *dir)
{
	struct tt_schema schema = { 0 };
	struct tt_table *t;
	char err[256];
	int i;

	if (tt_schema__add(&schema, "time_", TT_TYPE_TIME) ||
	    tt_schema__add(&schema, "value", TT_TYPE_INT64) ||
	    tt_schema__add(&schema, "comm", TT_TYPE_STRING))
		return fprintf(stderr, "schema rejected\n"), -1;
	if (tt_table__open(dir, "dev_t", &schema, NULL, &t, err, sizeof(err)))
		return fprintf(stderr, "open: %s\n", err), -1;
	for (i = 0; i < NROWS; i++) {
		union tt_value row[3];

		row[0].i64 = 1700000000000000000LL + i;
		row[1].i64 = i;
		row[2].str.ptr = i % 2 ? "odd" : "even";
		row[2].str.len = (uint32_t)strlen(row[2].str.ptr);
		if (tt_table__append(t, row) < 0)
			return fprintf(stderr, "append %d failed\n", i), -1;
	}
	tt_table__close(t);
	return 0;
}

static int query_sum(const char *dir, int64_t *sum)
{
	const char *sql = "SELECT sum(value) FROM dev_t WHERE comm = 'odd'";
	struct ttq_opts opts = { .sz = sizeof(opts), .store_dir = dir };
	struct ttq_query *q;
	struct ttq_result *r;
	struct ttq_error err;
	const struct ttq_value *v;

	if (ttq_query__prepare(sql, &opts, &q, &err) ||
	    ttq_query__run(q, &r, &err))
		return fprintf(stderr, "query: %s\n", err.msg), -1;
	if (ttq_result__nrows(r) != 1 || ttq_result__ncols(r) != 1)
		return fprintf(stderr, "query: wrong result shape\n"), -1;
	v = ttq_result__value(r, 0, 0);
	*sum = v->type == TTQ_UINT ? (int64_t)v->u : v->i;
	ttq_result__free(r);
	ttq_query__free(q);
	return 0;
}

/* A missing ')' must be reported at its line and column, before any
 * kernel access. */
static int compile_error(void)
{
	const char *src = "tracepoint:syscalls:sys_enter_getppid\n"
			  "{ printf(\"pid:%d\\n\", pid; }\n";
	struct bt_compile_opts opts = { .sz = sizeof(opts), .table_mode = true };
	struct bt_diags *diags = bt_diags__new();
	struct bt_program *prog = NULL;
	const struct bt_diag *d;
	int rc;

	if (!diags)
		return -1;
	rc = bt_program__compile(src, &opts, &prog, diags);
	d = bt_diags__count(diags) ? bt_diags__get(diags, 0) : NULL;
	if (rc >= 0 || !d || d->line != 2 || d->col < 1) {
		fprintf(stderr, "compile: rc %d, diagnostic %s at %d:%d\n", rc,
			d ? d->msg : "(none)", d ? d->line : 0, d ? d->col : 0);
		bt_program__free(prog);
		bt_diags__free(diags);
		return -1;
	}
	bt_diags__free(diags);
	return 0;
}

int main(int argc, char **argv)
{
	struct ttc_control *ctl;
	char sock[4096], err[256];
	int64_t sum = 0, want = 0;
	int i, rc;

	if (argc != 2)
		return fprintf(stderr, "usage: %s DIR\n", argv[0]), 2;
	if (write_table(argv[1]) || query_sum(argv[1], &sum))
		return 1;
	for (i = 1; i < NROWS; i += 2)
		want += i;
	if (sum != want)
		return fprintf(stderr, "sum %lld, want %lld\n", (long long)sum,
			       (long long)want), 1;
	snprintf(sock, sizeof(sock), "%s/no-daemon.sock", argv[1]);
	rc = ttc_control__connect(sock, &ctl, err, sizeof(err));
	if (rc != -ENOENT && rc != -ECONNREFUSED)
		return fprintf(stderr, "connect: %d %s\n", rc, err), 1;
	if (compile_error())
		return 1;
	printf("store, query, control and compiler work: sum %lld\n",
	       (long long)sum);
	return 0;
}
