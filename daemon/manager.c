/*
 * daemon/manager.c - deployments: upsert, TTL, persistence, status (see
 * manager.h).
 *
 * Invariants:
 *  - A deployment is RUNNING exactly when it owns an attached ingest.
 *  - A spec that fails validation or would silently change a table's
 *    schema changes nothing; any other spec becomes the desired state, even
 *    if it then fails on this node (status says why).
 *  - A replacement attaches the new probes before detaching and draining
 *    the old ones, so no event is missed; only when the table itself must
 *    be recreated (replace_table with a new schema) does the old ingest
 *    stop first, because its rows belong to the old file anyway.
 *  - The catalog record of a deployment holds its canonical spec, created
 *    and expiry times; it is written before a deploy replies.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "daemon/ingest.h"
#include "daemon/log.h"
#include "daemon/manager.h"
#include "daemon/map_export.h"
#include "daemon/tables.h"

#define SPACE "deployments"

enum ttd_state {
	ST_PENDING,
	ST_RUNNING,
	ST_FAILED,
	ST_SKIPPED,
	ST_TERMINATED,
};

static const char *const state_names[] = {"pending", "running", "failed",
					  "skipped", "terminated"};

struct ttd_deployment {
	struct ttd_spec spec;
	enum ttd_state state;
	int prog; /* chosen program index, -1 for none */
	char reason[1024]; /* why that program, or why none */
	char *error; /* last error in plain words, or NULL */
	int64_t created_ns, expires_ns;
	/*
	 * Terminated because its program called exit(): saved, so that a
	 * daemon restart leaves it ended, as a program that ended stays
	 * ended, until it is deployed again (which clears it).
	 */
	bool exited;
	struct ttd_ingest *ing;
	struct ttd_map_export *mx; /* ing's maps as tables, or NULL */
	struct ttd_ingest_stats done; /* counters of detached ingests */
	size_t ntables; /* printf tables of the last program started */
	struct ttd_deplog log; /* banner printfs (BEGIN, END, no conversions) */
	struct ttd_deployment *next; /* list in name order */
};

struct ttd_manager {
	struct ttd_manager_opts opts;
	struct ttd_loop *loop;
	struct tt_catalog *cat;
	struct ttd_tables tables;
	struct ttd_node node;
	int64_t mono_to_wall_ns;
	int64_t last_expire_ns;
	struct ttd_deployment *head;
};

const char *ttd_upsert__name(enum ttd_upsert u)
{
	static const char *const n[] = {"created", "refreshed", "replaced"};

	return n[u];
}

static int64_t ts_ns(const struct timespec *ts)
{
	return (int64_t)ts->tv_sec * 1000000000 + ts->tv_nsec;
}

static int64_t wall_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return ts_ns(&ts);
}

/* Realtime minus monotonic, sampled between two monotonic reads. */
static int64_t clock_offset(void)
{
	struct timespec m1, r, m2;

	clock_gettime(CLOCK_MONOTONIC, &m1);
	clock_gettime(CLOCK_REALTIME, &r);
	clock_gettime(CLOCK_MONOTONIC, &m2);
	return ts_ns(&r) - (ts_ns(&m1) + (ts_ns(&m2) - ts_ns(&m1)) / 2);
}

static struct ttd_deployment *find(struct ttd_manager *mgr, const char *name)
{
	for (struct ttd_deployment *d = mgr->head; d; d = d->next)
		if (strcmp(d->spec.name, name) == 0)
			return d;
	return NULL;
}

static void insert(struct ttd_manager *mgr, struct ttd_deployment *dep)
{
	struct ttd_deployment **pp = &mgr->head;

	while (*pp && strcmp((*pp)->spec.name, dep->spec.name) < 0)
		pp = &(*pp)->next;
	dep->next = *pp;
	*pp = dep;
}

static void persist(struct ttd_manager *mgr, struct ttd_deployment *dep)
{
	json_t *rec = json_pack("{s:O,s:I,s:I,s:b}", "spec", dep->spec.canon,
				"created_ns", (json_int_t)dep->created_ns,
				"expires_ns", (json_int_t)dep->expires_ns,
				"exited", dep->exited);
	char *text = rec ? json_dumps(rec, JSON_COMPACT) : NULL;
	int rc = text ? tt_catalog__put(mgr->cat, SPACE, dep->spec.name, text,
					strlen(text))
		      : -ENOMEM;

	if (rc < 0)
		ttd_err("catalog: cannot save deployment %s: %s",
			dep->spec.name, strerror(-rc));
	free(text);
	json_decref(rec);
}

/* The daemon-wide rule for unsafe specs (see spec.c); -EPERM with err. */
static int unsafe_refused(const struct ttd_manager *mgr,
			  const struct ttd_spec *spec, char *err, size_t errlen)
{
	if (!spec->unsafe || mgr->opts.allow_unsafe)
		return 0;
	snprintf(err, errlen,
		 "deployment %s is unsafe (signal(), system(), override()): "
		 "unsafe deployments need tracetabd started with "
		 "--allow-unsafe, and this one was not",
		 spec->name);
	return -EPERM;
}

static void set_error(struct ttd_deployment *dep, char *error)
{
	free(dep->error);
	dep->error = error;
}

/* Detaches the running ingest, keeping its counters. */
static void stop(struct ttd_manager *mgr, struct ttd_deployment *dep)
{
	ttd_ingest__end(dep->ing); /* END's text reaches dep->log */
	ttd_map_export__free(dep->mx); /* END, final map snapshot */
	dep->mx = NULL;
	ttd_ingest__free(dep->ing, mgr->loop, &dep->done);
	dep->ing = NULL;
}

static void schema__describe(const struct tt_schema *s, char *buf, size_t len)
{
	size_t off = 0;

	buf[0] = '\0';
	for (uint32_t i = 0; i < s->ncols && off < len; i++)
		off += snprintf(buf + off, len - off, "%s%s %s", i ? ", " : "",
				s->cols[i].name,
				tt_type__name(s->cols[i].type));
}

/*
 * A new program may write table only if its schema is the one recorded,
 * or replace_table is set and no other deployment writes the table.
 */
static int check_schema(struct ttd_manager *mgr, struct ttd_deployment *dep,
			const struct ttd_spec *spec, const char *table,
			const struct tt_schema *schema, char *err,
			size_t errlen)
{
	struct tt_schema old;
	struct ttd_table_ref *ref;
	char a[1024], b[1024];
	unsigned own;

	/* Maps only: their tables are checked when map_export opens them. */
	if (schema->ncols == 0 ||
	    tt_catalog__get_table(mgr->cat, table, &old) < 0 ||
	    tt_schema__equal(&old, schema))
		return 0;
	if (!spec->replace_table) {
		schema__describe(&old, a, sizeof(a));
		schema__describe(schema, b, sizeof(b));
		snprintf(err, errlen,
			 "table %s has columns (%.400s) but this program "
			 "writes (%.400s); set replace_table to recreate the "
			 "table",
			 table, a, b);
		return -EEXIST;
	}
	ref = ttd_tables__find(&mgr->tables, table);
	own = dep && dep->ing && ttd_ingest__writes(dep->ing, ref);
	if (ref && ref->refs > own) {
		snprintf(err, errlen,
			 "table %s cannot be replaced: another deployment "
			 "writes to it",
			 table);
		return -EEXIST;
	}
	return 0;
}

/*
 * Every printf table of ing (table, table_2, ...) against the catalog:
 * the selector variants of a deployment agree table by table. A name too
 * long is start()'s error.
 */
static int check_schemas(struct ttd_manager *mgr, struct ttd_deployment *dep,
			 const struct ttd_spec *spec,
			 const struct ttd_ingest *ing, char *err, size_t errlen)
{
	char name[TT_NAME_MAX];

	for (size_t i = 0; i < ttd_ingest__ntables(ing); i++)
		if (ttd_tables__nth_name(spec->table, i, name, sizeof(name)) ==
			    0 &&
		    check_schema(mgr, dep, spec, name,
				 ttd_ingest__table_schema(ing, i), err,
				 errlen) < 0)
			return -EEXIST;
	return 0;
}

/* Opens table i of ing for dep (0, or -errno with msg). */
static int start_table(struct ttd_manager *mgr, struct ttd_deployment *dep,
		       struct ttd_ingest *ing, size_t i,
		       struct ttd_table_ref **out, char *msg, size_t len)
{
	const struct tt_schema *schema = ttd_ingest__table_schema(ing, i);
	char name[TT_NAME_MAX];
	struct ttd_table_ref *ref;

	if (ttd_tables__nth_name(dep->spec.table, i, name, sizeof(name)) < 0) {
		snprintf(msg, len,
			 "the program's printf format %zu needs table %s_%zu, "
			 "a name longer than %d bytes; use a shorter table",
			 i + 1, dep->spec.table, i + 1, TT_NAME_MAX - 1);
		return -ENAMETOOLONG;
	}
	ref = ttd_tables__find(&mgr->tables, name);
	/* Recreating the table: the old writer must let go first. */
	if (ref && !tt_schema__equal(tt_table__schema(ref->table), schema) &&
	    dep->ing && ttd_ingest__writes(dep->ing, ref))
		stop(mgr, dep);
	return ttd_tables__acquire(&mgr->tables, name, schema,
				   dep->spec.replace_table, out, msg, len);
}

/*
 * What the program does not do although it reads as if it did: compile
 * warnings (assignments bpftrace 0.17 ignores) and probes it runs without
 * (uprobes on functions a library lacks, dropped silently by bpftrace
 * 0.17). One warning line each in the deployment's log (mirrored to the
 * daemon's), right after the attach, so nobody wonders why a value or a
 * probe never changes. status also lists skipped probes (skipped__json).
 */
static void skipped__log(struct ttd_deployment *dep,
			 const struct ttd_ingest *ing)
{
	int (*const get[])(const struct bt_program *, size_t,
			   struct bt_diag *) = { bt_program__warning,
						 bt_program__skipped };
	const struct bt_program *prog = ttd_ingest__program(ing);
	struct bt_diag d;
	char line[700];

	for (size_t k = 0; k < sizeof(get) / sizeof(get[0]); k++)
		for (size_t i = 0; get[k](prog, i, &d) == 0; i++) {
			snprintf(line, sizeof(line),
				 "warning: program %d:%d:%d: %s",
				 dep->prog + 1, d.line, d.col, d.msg);
			ttd_deplog__add(&dep->log, wall_now(), line, true);
		}
	/* Kept with the BEGIN banner: per-event text never evicts them. */
	ttd_deplog__pin(&dep->log);
}

/* ["line:col: message", ...] of the running program's skipped probes
 * (get: bt_program__skipped) or compile warnings (bt_program__warning). */
static json_t *skipped__json(const struct ttd_deployment *dep,
			     int (*get)(const struct bt_program *, size_t,
					struct bt_diag *))
{
	const struct bt_program *prog =
		dep->ing ? ttd_ingest__program(dep->ing) : NULL;
	json_t *arr = json_array();
	struct bt_diag d;

	for (size_t i = 0; prog && get(prog, i, &d) == 0; i++)
		json_array_append_new(arr, json_sprintf("%d:%d: %s", d.line,
							d.col, d.msg));
	return arr;
}

/*
 * Attaches ing to its tables (one per printf format; none for a maps-only
 * program, whose tables map_export.c opens); on failure ing is freed and
 * *error set.
 */
static int start(struct ttd_manager *mgr, struct ttd_deployment *dep,
		 struct ttd_ingest *ing, char **error)
{
	struct ttd_table_ref *refs[BT_MAX_TABLES] = {NULL};
	size_t n = ttd_ingest__ntables(ing);
	char msg[512];
	int rc = 0;

	for (size_t i = 0; i < n && rc == 0; i++)
		rc = start_table(mgr, dep, ing, i, &refs[i], msg, sizeof(msg));
	if (rc < 0) {
		*error = strdup(msg);
		for (size_t i = 0; i < n; i++)
			ttd_tables__release(&mgr->tables, refs[i]);
		ttd_ingest__free(ing, mgr->loop, NULL);
		return rc;
	}
	snprintf(dep->log.name, sizeof(dep->log.name), "%s", dep->spec.name);
	rc = ttd_ingest__attach(ing, &mgr->tables, refs, n, mgr->loop,
				&mgr->mono_to_wall_ns, &dep->log, error);
	if (rc < 0)
		ttd_ingest__free(ing, mgr->loop, NULL);
	else
		dep->ntables = n;
	if (rc == 0)
		skipped__log(dep, ing);
	return rc;
}

/* Exports the running program's maps as tables; on failure it stops. */
static int maps__start(struct ttd_manager *mgr, struct ttd_deployment *dep,
		       char **error)
{
	struct ttd_map_export_opts o = {
		.table = dep->spec.table,
		.source = dep->spec.progs[dep->prog].source,
		.interval_ms = dep->spec.map_interval_ms,
		.export_maps = dep->spec.export_maps,
		.replace = dep->spec.replace_table,
	};
	int rc = ttd_map_export__new(ttd_ingest__program(dep->ing),
				     &mgr->tables, &o, &dep->mx, error);

	if (rc < 0)
		stop(mgr, dep);
	return rc;
}

/*
 * Makes spec the desired state of dep: select, compile, check, attach the
 * new probes, then drop the old ones. -EEXIST (with err) leaves dep as it
 * was and spec unreleased.
 */
static int apply(struct ttd_manager *mgr, struct ttd_deployment *dep,
		 struct ttd_spec *spec, bool existing, char *err, size_t errlen)
{
	struct ttd_ingest_opts io = {
		.unsafe = spec->unsafe,
		.system = {.max_running = spec->system_limit,
			   .timeout_ns = spec->system_timeout_ns},
	};
	struct ttd_ingest *ing = NULL;
	char *error = NULL, why[sizeof(dep->reason)];
	int idx = ttd_spec__select(spec, &mgr->node, why, sizeof(why));

	if (idx >= 0 &&
	    ttd_ingest__compile(spec->progs[idx].source, idx + 1, &io, &ing,
				&error) == 0 &&
	    check_schemas(mgr, existing ? dep : NULL, spec, ing, err,
			  errlen) < 0) {
		ttd_ingest__free(ing, mgr->loop, NULL);
		return -EEXIST;
	}
	if (existing)
		ttd_spec__release(&dep->spec);
	dep->spec = *spec;
	dep->prog = idx;
	snprintf(dep->reason, sizeof(dep->reason), "%s", why);
	if (ing && start(mgr, dep, ing, &error) < 0)
		ing = NULL;
	stop(mgr, dep); /* after the new probes are live: nothing missed */
	dep->ing = ing;
	if (ing && maps__start(mgr, dep, &error) < 0)
		ing = NULL;
	dep->state = ing ? ST_RUNNING : idx < 0 ? ST_SKIPPED : ST_FAILED;
	if (ing && ttd_ingest__verify_only)
		snprintf(dep->reason, sizeof(dep->reason),
			 "verify-only: not attached; %.900s", why);
	set_error(dep, idx < 0 ? strdup(why) : error);
	if (dep->state == ST_RUNNING)
		ttd_info("deployment %s: running program %d into table %s",
			 dep->spec.name, idx + 1, dep->spec.table);
	else
		ttd_warn("deployment %s: %s: %s", dep->spec.name,
			 state_names[dep->state],
			 dep->error ? dep->error : "unknown error");
	return 0;
}

/* [{"name": "t", "rows": N}, {"name": "t_2", ...}]: the printf tables. */
static json_t *tables__json(const struct ttd_deployment *dep,
			    const struct ttd_ingest_stats *st)
{
	json_t *arr = json_array();
	char name[TT_NAME_MAX];

	for (size_t i = 0; i < dep->ntables && i < BT_MAX_TABLES; i++)
		if (ttd_tables__nth_name(dep->spec.table, i, name,
					 sizeof(name)) == 0)
			json_array_append_new(
				arr, json_pack("{s:s,s:I}", "name", name,
					       "rows",
					       (json_int_t)st->table_rows[i]));
	return arr;
}

/*
 * A deployment's status; with_log adds its log (up to 8 KiB: only when
 * one deployment is asked for, so that status of all, which the cluster
 * publishes every few seconds, stays small).
 */
static json_t *status__json(struct ttd_deployment *dep, bool with_log)
{
	struct ttd_ingest_stats st = dep->done;

	struct ttd_runner_opts ro = {dep->spec.system_limit,
				     dep->spec.system_timeout_ns};

	if (dep->ing) {
		struct ttd_ingest_stats cur;

		ttd_ingest__drain(dep->ing);
		ttd_ingest__stats(dep->ing, &cur);
		ttd_ingest_stats__add(&st, &cur);
	}
	return json_pack("{s:s,s:s,s:s,s:i,s:s,s:s,s:I,s:I,s:I,s:I,s:I,s:s?,"
			 "s:o*,s:o,s:o*,s:o,s:o,s:b,s:o*}",
			 "name", dep->spec.name, "table", dep->spec.table,
			 "state", state_names[dep->state], "program", dep->prog,
			 "reason", dep->reason, "ttl", dep->spec.ttl,
			 "created_ns", (json_int_t)dep->created_ns,
			 "expires_ns", (json_int_t)dep->expires_ns, "rows",
			 (json_int_t)st.rows, "lost", (json_int_t)st.lost,
			 "decode_errors", (json_int_t)st.decode_errors, "error",
			 dep->error, "map_tables",
			 ttd_map_export__status(dep->mx), "tables",
			 tables__json(dep, &st), "log",
			 with_log ? ttd_deplog__json(&dep->log) : NULL,
			 "skipped_probes",
			 skipped__json(dep, bt_program__skipped), "warnings",
			 skipped__json(dep, bt_program__warning), "unsafe",
			 dep->spec.unsafe, "system",
			 dep->spec.unsafe
				 ? ttd_runner_stats__json(&st.system, &ro)
				 : NULL);
}

static void drain_all(struct ttd_manager *mgr)
{
	for (struct ttd_deployment *d = mgr->head; d; d = d->next)
		if (d->ing)
			ttd_ingest__drain(d->ing);
}

int ttd_manager__deploy(struct ttd_manager *mgr, const json_t *json,
			enum ttd_upsert *result, json_t **status, char *err,
			size_t errlen)
{
	struct ttd_deployment *dep;
	struct ttd_spec spec;
	int64_t now = wall_now();
	bool existing, same;

	if (ttd_spec__parse(json, &spec, err, errlen) < 0)
		return -EINVAL;
	if (unsafe_refused(mgr, &spec, err, errlen) < 0) {
		ttd_spec__release(&spec);
		return -EPERM;
	}
	/*
	 * Compiling and verifying can take seconds on this one thread:
	 * empty every ring first so they have all their room meanwhile.
	 */
	drain_all(mgr);
	dep = find(mgr, spec.name);
	existing = dep != NULL;
	same = existing && ttd_spec__same_probes(&dep->spec, &spec);
	if (same && dep->state == ST_RUNNING) {
		ttd_spec__release(&dep->spec);
		dep->spec = spec;
		*result = TTD_UPSERT_REFRESHED;
	} else {
		if (!dep && !(dep = calloc(1, sizeof(*dep)))) {
			ttd_spec__release(&spec);
			snprintf(err, errlen, "out of memory");
			return -ENOMEM;
		}
		dep->exited = false; /* deployed again: it runs anew */
		if (apply(mgr, dep, &spec, existing, err, errlen) < 0) {
			ttd_spec__release(&spec);
			if (!existing)
				free(dep);
			return -EEXIST;
		}
		if (!existing) {
			dep->created_ns = now;
			insert(mgr, dep);
		}
		/* Same spec, not running (failed, expired): tried again. */
		*result = !existing ? TTD_UPSERT_CREATED
			  : same    ? TTD_UPSERT_REFRESHED
				    : TTD_UPSERT_REPLACED;
	}
	dep->expires_ns =
		dep->spec.ttl_ns ? now + (int64_t)dep->spec.ttl_ns : 0;
	persist(mgr, dep);
	*status = status__json(dep, true);
	return 0;
}

static void unlink_dep(struct ttd_manager *mgr, struct ttd_deployment *dep)
{
	for (struct ttd_deployment **pp = &mgr->head; *pp; pp = &(*pp)->next)
		if (*pp == dep) {
			*pp = dep->next;
			return;
		}
}

static void dep__free(struct ttd_manager *mgr, struct ttd_deployment *dep)
{
	stop(mgr, dep);
	ttd_spec__release(&dep->spec);
	free(dep->error);
	ttd_deplog__clear(&dep->log);
	free(dep);
}

int ttd_manager__delete(struct ttd_manager *mgr, const char *name)
{
	return ttd_manager__delete_log(mgr, name, NULL);
}

int ttd_manager__delete_log(struct ttd_manager *mgr, const char *name,
			    json_t **log)
{
	struct ttd_deployment *dep = find(mgr, name);
	int rc;

	if (!dep)
		return -ENOENT;
	unlink_dep(mgr, dep);
	rc = tt_catalog__del(mgr->cat, SPACE, name);
	if (rc < 0 && rc != -ENOENT)
		ttd_err("catalog: cannot delete deployment %s: %s", name,
			strerror(-rc));
	ttd_info("deployment %s deleted", name);
	if (log) { /* END runs in stop(): its text is the log's last */
		stop(mgr, dep);
		*log = ttd_deplog__json(&dep->log);
	}
	dep__free(mgr, dep);
	return 0;
}

int ttd_manager__drop(struct ttd_manager *mgr, const char *table, char *err,
		      size_t errlen)
{
	int rc, rc2;

	for (struct ttd_deployment *d = mgr->head; d; d = d->next) {
		if (d->state == ST_RUNNING &&
		    (strcmp(d->spec.table, table) == 0 ||
		     (d->ing &&
		      ttd_ingest__writes(
			      d->ing, ttd_tables__find(&mgr->tables, table))))) {
			snprintf(err, errlen,
				 "table %s is being written by running "
				 "deployment %s; delete it first",
				 table, d->spec.name);
			return -EBUSY;
		}
	}
	rc = tt_store__drop(mgr->opts.store_dir, table);
	rc2 = tt_catalog__del_table(mgr->cat, table);
	if (rc == -ENOENT && rc2 < 0) {
		snprintf(err, errlen, "no table %s", table);
		return -ENOENT;
	}
	if (rc < 0 && rc != -ENOENT) {
		snprintf(err, errlen, "cannot remove table %s: %s", table,
			 strerror(-rc));
		return rc;
	}
	ttd_info("table %s dropped", table);
	return 0;
}

json_t *ttd_manager__status(struct ttd_manager *mgr, const char *name)
{
	json_t *arr = json_array();

	for (struct ttd_deployment *d = mgr->head; d; d = d->next)
		if (!name || strcmp(d->spec.name, name) == 0)
			json_array_append_new(arr,
					      status__json(d, name != NULL));
	if (name && json_array_size(arr) == 0) {
		json_decref(arr);
		return NULL;
	}
	return arr;
}

bool ttd_manager__exited(struct ttd_manager *mgr, const char *name)
{
	struct ttd_deployment *d = find(mgr, name);

	return d && (d->exited ||
		     (d->ing &&
		      bt_program__exited(ttd_ingest__program(d->ing))));
}

static json_t *columns__json(const struct tt_schema *s)
{
	json_t *cols = json_array();

	for (uint32_t i = 0; i < s->ncols; i++)
		json_array_append_new(
			cols,
			json_pack("{s:s,s:s}", "name", s->cols[i].name, "type",
				  tt_type__name(s->cols[i].type)));
	return cols;
}

static int table__add(const char *name, void *ctx)
{
	json_t *arr = ctx;
	struct tt_reader *r;
	char err[256];

	if (tt_reader__open(json_string_value(json_array_get(arr, 0)), name, &r,
			    err, sizeof(err)) < 0) {
		ttd_warn("list: %s", err);
		return 0;
	}
	json_array_append_new(arr,
			      json_pack("{s:s,s:o}", "name", name, "columns",
					columns__json(tt_reader__schema(r))));
	tt_reader__close(r);
	return 0;
}

json_t *ttd_manager__tables(struct ttd_manager *mgr, const char *only)
{
	/* Element 0 carries the directory through the callback. */
	json_t *arr = json_pack("[s]", mgr->opts.store_dir);

	if (only)
		table__add(only, arr);
	else
		tt_store__list(mgr->opts.store_dir, table__add, arr);
	json_array_remove(arr, 0);
	return arr;
}

/*
 * Ends deployments whose TTL expired or whose program called exit() (as
 * bpftrace does: END runs, maps get their last snapshot). An exited one
 * stays terminated until deployed again, across daemon restarts too (the
 * catalog record says so): a program that ended does not start again by
 * itself, whatever its TTL. A TTL only ends things; it never revives.
 */
static void reap(struct ttd_manager *mgr, int64_t now)
{
	for (struct ttd_deployment *d = mgr->head; d; d = d->next) {
		bool exited = d->ing && bt_program__exited(
						ttd_ingest__program(d->ing));

		if (d->state == ST_TERMINATED ||
		    (!exited && (!d->expires_ns || now < d->expires_ns)))
			continue;
		if (exited)
			snprintf(d->reason, sizeof(d->reason),
				 "the program called exit()");
		else
			snprintf(d->reason, sizeof(d->reason),
				 "ttl %s expired", d->spec.ttl);
		ttd_info("deployment %s: %s%s", d->spec.name, d->reason,
			 d->ing ? ", probes detached" : "");
		stop(mgr, d);
		d->state = ST_TERMINATED;
		if (exited) {
			d->exited = true;
			persist(mgr, d);
		}
	}
}

void ttd_manager__tick(struct ttd_manager *mgr)
{
	int64_t now = wall_now();

	mgr->mono_to_wall_ns = clock_offset();
	drain_all(mgr);
	for (struct ttd_deployment *d = mgr->head; d; d = d->next)
		ttd_map_export__tick(d->mx);
	reap(mgr, now);
	if (mgr->opts.max_age_ns && now - mgr->last_expire_ns > 1000000000) {
		ttd_tables__expire(&mgr->tables, now);
		mgr->last_expire_ns = now;
	}
}

/*
 * Re-creates one saved deployment; expired ones, and those whose program
 * called exit(), stay detached.
 */
static void restore_one(struct ttd_manager *mgr, json_t *rec, int64_t now)
{
	struct ttd_deployment *dep = calloc(1, sizeof(*dep));
	json_int_t created = 0, expires = 0;
	int exited = 0;
	json_t *spec_json = NULL;
	struct ttd_spec spec;
	char err[512];

	if (!dep ||
	    json_unpack(rec, "{s:o,s:I,s:I,s?b}", "spec", &spec_json,
			"created_ns", &created, "expires_ns", &expires,
			"exited", &exited) < 0 ||
	    ttd_spec__parse(spec_json, &spec, err, sizeof(err)) < 0) {
		ttd_err("catalog: skipping an unreadable deployment record");
		free(dep);
		return;
	}
	dep->created_ns = created;
	dep->expires_ns = expires;
	if (expires && expires <= now) {
		dep->spec = spec;
		dep->prog = -1;
		dep->state = ST_TERMINATED;
		snprintf(dep->reason, sizeof(dep->reason), "ttl %s expired",
			 spec.ttl);
	} else if (exited) {
		dep->spec = spec;
		dep->prog = -1;
		dep->state = ST_TERMINATED;
		dep->exited = true;
		snprintf(dep->reason, sizeof(dep->reason),
			 "the program called exit()");
	} else if (unsafe_refused(mgr, &spec, err, sizeof(err)) < 0) {
		/* Saved while allowed; the daemon no longer allows it. */
		dep->spec = spec;
		dep->prog = -1;
		dep->state = ST_FAILED;
		set_error(dep, strdup(err));
	} else if (apply(mgr, dep, &spec, false, err, sizeof(err)) < 0) {
		/* The table changed under us: keep the spec, report it. */
		dep->spec = spec;
		dep->prog = -1;
		dep->state = ST_FAILED;
		set_error(dep, strdup(err));
	}
	insert(mgr, dep);
	ttd_info("deployment %s restored: %s", dep->spec.name,
		 state_names[dep->state]);
}

static int collect(const char *key, const void *val, size_t len, void *ctx)
{
	json_t *rec = json_loadb(val, len, 0, NULL);

	(void)key;
	if (rec)
		json_array_append_new(ctx, rec);
	return 0;
}

static void restore(struct ttd_manager *mgr)
{
	json_t *recs = json_array(), *rec;
	int64_t now = wall_now();
	size_t i;

	/* Collect first: applying writes the catalog. */
	tt_catalog__each(mgr->cat, SPACE, collect, recs);
	json_array_foreach(recs, i, rec) restore_one(mgr, rec, now);
	json_decref(recs);
}

int ttd_manager__new(const struct ttd_manager_opts *opts, struct ttd_loop *loop,
		     struct ttd_manager **out, char *err, size_t errlen)
{
	struct ttd_manager *mgr = calloc(1, sizeof(*mgr));
	int rc;

	if (!mgr) {
		snprintf(err, errlen, "out of memory");
		return -ENOMEM;
	}
	mgr->opts = *opts;
	mgr->loop = loop;
	rc = tt_catalog__open(opts->state_dir, &mgr->cat, err, errlen);
	if (rc < 0) {
		free(mgr);
		return rc;
	}
	ttd_node__probe(&mgr->node, opts->features);
	if (opts->host_name) /* cluster node name (tracetabd --node) */
		snprintf(mgr->node.host_name, sizeof(mgr->node.host_name), "%s",
			 opts->host_name);
	mgr->mono_to_wall_ns = clock_offset();
	mgr->tables.dir = opts->store_dir;
	mgr->tables.cat = mgr->cat;
	mgr->tables.opts.sz = sizeof(mgr->tables.opts);
	mgr->tables.opts.max_bytes = opts->table_bytes;
	mgr->tables.opts.max_age_ns = opts->max_age_ns;
	mgr->tables.opts.group = opts->reader_gid;
	restore(mgr);
	*out = mgr;
	return 0;
}

void ttd_manager__free(struct ttd_manager *mgr)
{
	if (!mgr)
		return;
	while (mgr->head) {
		struct ttd_deployment *d = mgr->head;

		mgr->head = d->next;
		dep__free(mgr, d);
	}
	tt_catalog__close(mgr->cat);
	free(mgr);
}
