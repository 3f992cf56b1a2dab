/*
 * daemon/ingest.c - compiled program + ring-buffer ingest (see ingest.h).
 *
 * The hot path is row(): look up the record's table (by printf id), copy
 * the decoded values (at most TT_MAX_COLUMNS cells), rewrite time_ from
 * CLOCK_MONOTONIC to wall-clock ns with the offset the daemon refreshes
 * every tick, append. Strings are copied by the store, so nothing outlives
 * the ring-buffer record. Records that are not rows (banner printfs) and
 * the text of join() and cat() are rendered as bpftrace would print them
 * into the deployment's log.
 */
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "daemon/ingest.h"
#include "daemon/log.h"
#include "tracetab/bt.h"

/* One table the program writes: a row printf format. */
struct ingest_table {
	struct ttd_table_ref *ref;
	uint32_t ncols;
	int time_col;
	uint64_t rows;
};

struct ttd_ingest {
	struct bt_program *prog;
	struct ttd_tables *tabs;
	struct ingest_table tables[BT_MAX_TABLES];
	size_t ntables;
	struct ttd_deplog *log;
	struct ttd_ingest_opts opts;
	struct ttd_runner *runner; /* system() commands; unsafe only */
	struct ttd_watch *watch;
	struct ttd_loop *loop;
	const int64_t *offset;
	int prog_no; /* 1-based, for messages */
	bool attached; /* probes attached: END runs at the end */
	bool ending; /* ttd_ingest__end: log lines are mirrored */
	uint64_t append_errors;
	int last_append_error;
};

/* Messages without source context (attach errors), "; "-separated. */
static char *diags__join(struct bt_diags *d)
{
	size_t n = bt_diags__count(d), len = 0;
	char *text = malloc(n * 520 + 1);

	if (!text)
		return NULL;
	text[0] = '\0';
	for (size_t i = 0; i < n; i++)
		len += sprintf(text + len, "%s%.512s", i ? "; " : "",
			       bt_diags__get(d, i)->msg);
	return text;
}

/* Joins the diagnostics into one malloc'd text, or strerror if none. */
static char *diags__text(struct bt_diags *d, const char *source, int prog_no,
			 const char *what, int rc)
{
	char name[32], *text = NULL;

	snprintf(name, sizeof(name), "program %d", prog_no);
	if (bt_diags__count(d) && source)
		text = bt_diags__render(d, source, name);
	else if (bt_diags__count(d))
		text = diags__join(d);
	if (!text &&
	    asprintf(&text, "%s: %s failed: %s", name, what, strerror(-rc)) < 0)
		text = NULL;
	for (size_t n = text ? strlen(text) : 0; n && text[n - 1] == '\n';)
		text[--n] = '\0';
	return text;
}

bool ttd_ingest__verify_only;

int ttd_ingest__compile(const char *source, int prog_no,
			const struct ttd_ingest_opts *iopts,
			struct ttd_ingest **out, char **error)
{
	struct bt_compile_opts opts = {
		.sz = sizeof(opts),
		.table_mode = true,
		/* verify-only: nothing is ever written to the ring */
		.ringbuf_bytes = (ttd_ingest__verify_only ? 64u : 16384u) << 10,
		.unsafe = iopts && iopts->unsafe,
	};
	struct bt_diags *d = bt_diags__new();
	struct ttd_ingest *ing = calloc(1, sizeof(*ing));
	int rc = -ENOMEM;
	const char *what = "compile";

	*error = NULL;
	if (!d || !ing)
		goto fail;
	rc = bt_program__compile(source, &opts, &ing->prog, d);
	if (rc == 0) {
		what = "load";
		rc = bt_program__load(ing->prog, d);
	}
	if (rc < 0)
		goto fail;
	ing->prog_no = prog_no;
	if (iopts)
		ing->opts = *iopts;
	ing->ntables = bt_program__ntables(ing->prog);
	for (size_t i = 0; i < ing->ntables; i++) {
		const struct tt_schema *sc =
			bt_program__table_schema(ing->prog, i);

		ing->tables[i].ncols = sc->ncols;
		ing->tables[i].time_col = tt_schema__find(sc, TT_TIME_COLUMN);
	}
	bt_diags__free(d);
	*out = ing;
	return 0;
fail:
	if (rc == 0)
		rc = -EINVAL;
	*error = d ? diags__text(d, source, prog_no, what, rc) : NULL;
	if (ing)
		bt_program__free(ing->prog);
	free(ing);
	bt_diags__free(d);
	return rc;
}

size_t ttd_ingest__ntables(const struct ttd_ingest *ing)
{
	return ing->ntables;
}

const struct tt_schema *ttd_ingest__table_schema(const struct ttd_ingest *ing,
						 size_t i)
{
	return bt_program__table_schema(ing->prog, i);
}

const struct tt_schema *ttd_ingest__schema(const struct ttd_ingest *ing)
{
	return bt_program__schema(ing->prog);
}

/* A banner printf: its text, as bpftrace prints it, goes to the log. */
static int log_record(struct ttd_ingest *ing, const struct bt_row *r)
{
	char text[TTD_DEPLOG_LINE_MAX + 1];

	if (bt_program__format_row(ing->prog, r, text, sizeof(text)) >= 0)
		ttd_deplog__add(ing->log, (int64_t)r->mono_ns + *ing->offset,
				text, ing->ending);
	return 0;
}

/* join()/cat() text: to the log as well (a row's join() is its own line). */
static void log_text(void *ctx, uint64_t mono_ns, const char *text, size_t len)
{
	struct ttd_ingest *ing = ctx;

	(void)len; /* NUL-terminated; the log splits it into lines */
	ttd_deplog__add(ing->log, (int64_t)mono_ns + *ing->offset, text,
			ing->ending);
}

/* time() text: to the log's own ring of time lines. */
static void log_time(void *ctx, uint64_t mono_ns, const char *text, size_t len)
{
	struct ttd_ingest *ing = ctx;

	(void)len;
	ttd_deplog__add_time(ing->log, (int64_t)mono_ns + *ing->offset, text,
			     ing->ending);
}

/* system(): the runner starts the command; the loop never waits. */
static void run_system(void *ctx, uint64_t mono_ns, const char *cmd)
{
	struct ttd_ingest *ing = ctx;

	(void)mono_ns;
	ttd_runner__run(ing->runner, cmd); /* refusals are counted there */
}

static int row(void *ctx, const struct bt_row *r)
{
	struct ttd_ingest *ing = ctx;
	int t = bt_program__row_table(ing->prog, r->printf_id);
	struct ingest_table *it;
	union tt_value v[TT_MAX_COLUMNS];
	int64_t rc;

	if (t < 0)
		return log_record(ing, r);
	if ((size_t)t >= ing->ntables || !ing->tables[t].ref)
		return 0; /* verify-only: no table ever fills */
	it = &ing->tables[t];
	memcpy(v, r->values, it->ncols * sizeof(v[0]));
	if (it->time_col >= 0) {
		int64_t mono = v[it->time_col].i64;

		if (mono == 0) /* program without a time_ argument */
			mono = (int64_t)r->mono_ns;
		v[it->time_col].i64 = mono + *ing->offset;
	}
	rc = tt_table__append(it->ref->table, v);
	if (rc < 0) {
		/* Counted and reported in status; one log line per kind. */
		if (ing->last_append_error != (int)rc)
			ttd_warn("table %s: append failed: %s", it->ref->name,
				 strerror((int)-rc));
		ing->last_append_error = (int)rc;
		ing->append_errors++;
		return 0;
	}
	it->rows++;
	return 0;
}

/* For messages: the first table, or what a maps-only program writes. */
static const char *ingest__name(const struct ttd_ingest *ing)
{
	return ing->ntables && ing->tables[0].ref ? ing->tables[0].ref->name
						  : "(maps)";
}

int ttd_ingest__drain(struct ttd_ingest *ing)
{
	if (!ing->loop) /* not attached */
		return 0;
	return bt_program__consume(ing->prog, row, ing);
}

static void ring_ready(void *ctx, int revents)
{
	struct ttd_ingest *ing = ctx;
	int rc;

	if (revents < 0) {
		ttd_warn("table %s: ring buffer poll failed: %s",
			 ingest__name(ing), strerror(-revents));
		return;
	}
	rc = ttd_ingest__drain(ing);
	if (rc < 0)
		ttd_warn("table %s: ring buffer drain failed: %s",
			 ingest__name(ing), strerror(-rc));
}

int ttd_ingest__attach(struct ttd_ingest *ing, struct ttd_tables *tabs,
		       struct ttd_table_ref *const *tables, size_t ntables,
		       struct ttd_loop *loop, const int64_t *mono_to_wall_ns,
		       struct ttd_deplog *log, char **error)
{
	struct bt_diags *d = bt_diags__new();
	int rc = -ENOMEM;

	*error = NULL;
	ing->tabs = tabs;
	for (size_t i = 0; i < ntables && i < ing->ntables; i++)
		ing->tables[i].ref = tables[i];
	for (size_t i = ing->ntables; i < ntables; i++) /* never: caller bug */
		ttd_tables__release(tabs, tables[i]);
	ing->loop = loop;
	ing->offset = mono_to_wall_ns;
	ing->log = log;
	bt_program__set_text_fn(ing->prog, log_text, ing);
	bt_program__set_time_fn(ing->prog, log_time, ing);
	if (ing->opts.unsafe) {
		if (ttd_runner__new(loop, log, &ing->opts.system,
				    &ing->runner) < 0) {
			*error =
				strdup("out of memory for the system() runner");
			goto out;
		}
		bt_program__set_system_fn(ing->prog, run_system, ing);
	}
	if (!d || ttd_ingest__verify_only) { /* verified at load: done */
		rc = d ? 0 : rc;
		goto out;
	}
	rc = bt_program__attach(ing->prog, d);
	if (rc < 0) {
		*error = diags__text(d, NULL, ing->prog_no, "attach", rc);
		goto out;
	}
	ing->attached = true;
	/* BEGIN ran during the attach: its banner is in the ring; pin it. */
	ttd_ingest__drain(ing);
	ttd_deplog__pin(log);
	ing->watch = ttd_loop__watch(loop, bt_program__ring_fd(ing->prog),
				     POLLIN, ring_ready, ing);
	if (!ing->watch) {
		rc = -ENOMEM;
		if (asprintf(error, "cannot watch the ring buffer") < 0)
			*error = NULL;
	}
out:
	bt_diags__free(d);
	return rc;
}

void ttd_ingest__end(struct ttd_ingest *ing)
{
	if (!ing || !ing->attached || ing->ending)
		return;
	ttd_ingest__drain(ing); /* what came before END stays unmirrored */
	ing->ending = true;
	/* END's records are drained by the callback of the last consume. */
	bt_program__finish(ing->prog, NULL);
}

void ttd_ingest__stats(const struct ttd_ingest *ing,
		       struct ttd_ingest_stats *st)
{
	memset(st, 0, sizeof(*st));
	for (size_t i = 0; i < ing->ntables; i++) {
		st->table_rows[i] = ing->tables[i].rows;
		st->rows += ing->tables[i].rows;
	}
	st->lost = bt_program__lost(ing->prog);
	st->decode_errors =
		bt_program__decode_errors(ing->prog) + ing->append_errors;
	if (ing->runner)
		ttd_runner__stats(ing->runner, &st->system);
}

void ttd_ingest_stats__add(struct ttd_ingest_stats *a,
			   const struct ttd_ingest_stats *b)
{
	a->rows += b->rows;
	a->lost += b->lost;
	a->decode_errors += b->decode_errors;
	for (size_t i = 0; i < BT_MAX_TABLES; i++)
		a->table_rows[i] += b->table_rows[i];
	ttd_runner_stats__add(&a->system, &b->system);
}

struct bt_program *ttd_ingest__program(const struct ttd_ingest *ing)
{
	return ing->prog;
}

struct ttd_table_ref *ttd_ingest__table(const struct ttd_ingest *ing)
{
	return ing->ntables ? ing->tables[0].ref : NULL;
}

bool ttd_ingest__writes(const struct ttd_ingest *ing,
			const struct ttd_table_ref *ref)
{
	for (size_t i = 0; ref && i < ing->ntables; i++)
		if (ing->tables[i].ref == ref)
			return true;
	return false;
}

void ttd_ingest__free(struct ttd_ingest *ing, struct ttd_loop *loop,
		      struct ttd_ingest_stats *st)
{
	struct ttd_ingest_stats s;

	if (!ing)
		return;
	ttd_ingest__end(ing);
	ttd_loop__unwatch(loop, ing->watch);
	ttd_ingest__drain(ing);
	ttd_ingest__stats(ing, &s);
	/* After END: its system() commands get their grace to finish. */
	memset(&s.system, 0, sizeof(s.system));
	ttd_runner__free(ing->runner, &s.system);
	ing->runner = NULL;
	if (st)
		ttd_ingest_stats__add(st, &s);
	bt_program__free(ing->prog);
	for (size_t i = 0; i < ing->ntables; i++)
		ttd_tables__release(ing->tabs, ing->tables[i].ref);
	free(ing);
}
