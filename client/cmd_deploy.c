/*
 * client/cmd_deploy.c - the commands that talk to tracetabd over its
 * control socket: deploy, delete, status and drop (run builds on deploy
 * and status; see cmd_run.c). Requests and replies are the JSON objects
 * documented in tracetab/control.h.
 */
#include <errno.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "client/cli.h"
#include "client/cluster.h"
#include "client/deploy.h"
#include "client/deplog.h"
#include "client/wait.h"
#include "tracetab/control.h"

int ttc_control(struct ttc_global *g, json_t *req, json_t **reply)
{
	struct ttc_control *ctl;
	char err[512];
	int ret;

	*reply = NULL;
	if (!req) {
		fprintf(stderr, "tracetab: out of memory\n");
		return TTC_EXIT_ERROR;
	}
	if (g->cluster)
		return ttc_cluster__control(g, req, reply);
	ret = ttc_control__connect(g->socket, &ctl, err, sizeof(err));
	if (ret) {
		json_decref(req);
		fprintf(stderr, "tracetab: %s\n", err);
		return TTC_EXIT_NODAEMON;
	}
	ret = ttc_control__request(ctl, req, reply, err, sizeof(err));
	ttc_control__close(ctl);
	json_decref(req);
	if (ret) {
		fprintf(stderr, "tracetab: %s\n", err);
		return TTC_EXIT_NODAEMON;
	}
	const char *msg = ttc_control__reply_error(*reply);
	if (msg) {
		const char *code =
			json_string_value(json_object_get(*reply, "code"));

		fprintf(stderr, "tracetab: %s\n", msg);
		ret = code && !strcmp(code, TT_CONTROL_ENOENT)
			      ? TTC_EXIT_NOTFOUND
			      : TTC_EXIT_ERROR;
		json_decref(*reply);
		*reply = NULL;
		return ret;
	}
	return 0;
}

/* ---- deploy ------------------------------------------------------------- */

enum {
	OPT_TABLE = 1,
	OPT_TTL,
	OPT_PROGRAM,
	OPT_MIN_KERNEL,
	OPT_MAX_KERNEL,
	OPT_HOST,
	OPT_REQUIRES,
	OPT_REPLACE,
	OPT_MAP_INTERVAL,
	OPT_EXPORT_MAPS,
	OPT_WAIT,
	OPT_TIMEOUT,
	OPT_UNSAFE,
	OPT_SYSTEM_LIMIT,
	OPT_SYSTEM_TIMEOUT,
};

#define WAIT_DEFAULT_NS 30000000000LL

struct deploy_args {
	const char *name, *table, *ttl;
	bool replace, wait;
	int64_t timeout_ns; /* --wait: how long */
	json_t *programs;
	json_t *cur; /* selectors of the last program */
	const char *map_interval; /* --map-interval: checked by the daemon */
	bool export_maps;
	bool unsafe;
	long long system_limit; /* 0: not given */
	const char *system_timeout; /* checked by the daemon */
	int err;
};

char *ttc_read_file(const char *path, size_t max)
{
	FILE *f = fopen(path, "re");
	char *buf;
	size_t n;

	if (!f)
		return NULL;
	buf = malloc(max + 1);
	n = buf ? fread(buf, 1, max + 1, f) : 0;
	fclose(f);
	if (!buf || n > max) {
		free(buf);
		errno = E2BIG;
		return NULL;
	}
	buf[n] = 0;
	return buf;
}

int ttc_program__add(json_t *programs, const char *path, json_t **selectors)
{
	char *src = ttc_read_file(path, TT_CONTROL_MAX_SOURCE);

	if (!src) {
		fprintf(stderr, "tracetab: cannot read program %s: %s\n", path,
			strerror(errno));
		return TTC_EXIT_ERROR;
	}
	*selectors = json_object();
	json_array_append_new(programs, json_pack("{s:s, s:o}", "source", src,
						  "selectors", *selectors));
	free(src);
	return 0;
}

static int deploy__arg(int id, const char *val, void *ctx)
{
	struct deploy_args *a = ctx;
	static const char *const sel[] = {
		[OPT_MIN_KERNEL] = "min_kernel",
		[OPT_MAX_KERNEL] = "max_kernel",
		[OPT_HOST] = "host_name",
	};

	switch (id) {
	case 0:
		if (!a->name) {
			a->name = val;
			return 0;
		}
		/* further words are programs */
		__attribute__((fallthrough));
	case OPT_PROGRAM:
		return ttc_program__add(a->programs, val, &a->cur);
	case OPT_TABLE:
		a->table = val;
		return 0;
	case OPT_TTL:
		a->ttl = val;
		return 0;
	case OPT_REPLACE:
		a->replace = true;
		return 0;
	case OPT_MAP_INTERVAL:
		a->map_interval = val;
		return 0;
	case OPT_EXPORT_MAPS:
		a->export_maps = true;
		return 0;
	case OPT_WAIT:
		a->wait = true;
		return 0;
	case OPT_UNSAFE:
		a->unsafe = true;
		return 0;
	case OPT_SYSTEM_LIMIT: {
		char *end;

		a->system_limit = strtoll(val, &end, 10);
		if (end == val || *end || a->system_limit <= 0) {
			fprintf(stderr,
				"tracetab: deploy: bad --system-limit '%s' "
				"(a number from 1 to 64)\n",
				val);
			return TTC_EXIT_USAGE;
		}
		return 0;
	}
	case OPT_SYSTEM_TIMEOUT:
		a->system_timeout = val;
		return 0;
	case OPT_TIMEOUT:
		if (ttq_duration__parse(val, &a->timeout_ns) ||
		    a->timeout_ns <= 0) {
			fprintf(stderr,
				"tracetab: deploy: bad --timeout '%s' (e.g. "
				"500ms, 30s, 2m)\n",
				val);
			return TTC_EXIT_USAGE;
		}
		return 0;
	default:
		break;
	}
	if (!a->cur) {
		fprintf(stderr,
			"tracetab: deploy: selectors follow the program they "
			"select (PROG.bt or --program FILE first)\n");
		return TTC_EXIT_USAGE;
	}
	if (id != OPT_REQUIRES) {
		json_object_set_new(a->cur, sel[id], json_string(val));
		return 0;
	}
	json_t *req = json_object_get(a->cur, "requires");
	if (!req) {
		req = json_array();
		json_object_set_new(a->cur, "requires", req);
	}
	char *copy = strdup(val), *save, *tok;
	for (tok = strtok_r(copy, ",", &save); tok;
	     tok = strtok_r(NULL, ",", &save))
		json_array_append_new(req, json_string(tok));
	free(copy);
	return 0;
}

/* Prints one deployment status line set; returns the exit code it means. */
int ttc_status__report(const json_t *st)
{
	const char *state = json_string_value(json_object_get(st, "state"));
	const char *error = json_string_value(json_object_get(st, "error"));
	const char *reason = json_string_value(json_object_get(st, "reason"));

	if (!state)
		return TTC_EXIT_ERROR;
	fprintf(stderr, "%s: %s%s%s\n",
		json_string_value(json_object_get(st, "name")), state,
		error || reason ? ": " : "",
		error	 ? error
		: reason ? reason
			 : "");
	return !strcmp(state, "failed") || !strcmp(state, "skipped")
		       ? TTC_EXIT_DEPLOYFAIL
		       : TTC_EXIT_OK;
}

int ttc_cmd__deploy(int argc, char **argv, struct ttc_global *g)
{
	static const char help[] =
		"usage: tracetab deploy NAME --table T [--ttl 10m] "
		"[--replace-table]\n"
		"                       PROG.bt [selectors] [--program FILE "
		"[selectors]]...\n"
		"  Deploys (or refreshes, or replaces) NAME. Each program's "
		"selectors\n"
		"  follow it; a node runs the first program whose selectors "
		"all match:\n"
		"    --min-kernel V  --max-kernel V   kernel version bounds, "
		"inclusive\n"
		"                                     (5.18 as a maximum "
		"covers 5.18.x)\n"
		"    --host NAME                      only on this host\n"
		"    --requires F[,F]                 kernel features: kprobe "
		"fentry uprobe btf\n"
		"  --ttl: 500ms 30s 10m 1h 2d or none (default none)\n"
		"  --replace-table: allow a schema change of an existing "
		"table\n"
		"  --map-interval 5s: how often maps exported as tables are "
		"snapshot\n"
		"    (default 1s; none: only at print(@m) and at the end)\n"
		"  --export-maps: a program with printf rows also exports "
		"its maps\n"
		"  --unsafe: the programs may call signal(), system() and "
		"override();\n"
		"    only root may deploy it, and only to a tracetabd "
		"started with\n"
		"    --allow-unsafe (with --cluster: that flag on each "
		"node)\n"
		"  --system-limit N: system() commands running at once "
		"(1-64, default 4;\n"
		"    further ones are dropped and counted in status)\n"
		"  --system-timeout 10s: each system() command is killed "
		"after this\n"
		"    (1ms to 1h, default 10s); its output goes to the log\n"
		"  --wait [--timeout 30s]: wait until it settles (with "
		"--cluster: on\n"
		"    every live node) and print each node's state; exit 5 "
		"if it failed\n"
		"    anywhere, was skipped everywhere or is still pending at "
		"the timeout\n"
		"  Exit 5 when this node cannot run it (failed or skipped), "
		"with why.\n";
	static const struct ttc_opt opts[] = {
		{"--table", true, OPT_TABLE},
		{"--ttl", true, OPT_TTL},
		{"--program", true, OPT_PROGRAM},
		{"--min-kernel", true, OPT_MIN_KERNEL},
		{"--max-kernel", true, OPT_MAX_KERNEL},
		{"--host", true, OPT_HOST},
		{"--requires", true, OPT_REQUIRES},
		{"--replace-table", false, OPT_REPLACE},
		{"--map-interval", true, OPT_MAP_INTERVAL},
		{"--export-maps", false, OPT_EXPORT_MAPS},
		{"--unsafe", false, OPT_UNSAFE},
		{"--system-limit", true, OPT_SYSTEM_LIMIT},
		{"--system-timeout", true, OPT_SYSTEM_TIMEOUT},
		{"--wait", false, OPT_WAIT},
		{"--timeout", true, OPT_TIMEOUT},
		{NULL, false, 0},
	};
	struct deploy_args a = {.programs = json_array(),
				.timeout_ns = WAIT_DEFAULT_NS};
	json_t *reply;
	int ret = ttc_args__scan(argc, argv, g, opts, deploy__arg, &a);

	if (!ret && g->help) {
		fputs(help, stdout);
		json_decref(a.programs);
		return TTC_EXIT_OK;
	}
	if (!ret && (!a.name || !a.table || !json_array_size(a.programs))) {
		fputs(help, stderr);
		ret = TTC_EXIT_USAGE;
	}
	if (ret) {
		json_decref(a.programs);
		return ret;
	}
	json_t *spec =
		json_pack("{s:s, s:s, s:s, s:b, s:o}", "name", a.name, "table",
			  a.table, "ttl", a.ttl ? a.ttl : "none",
			  "replace_table", a.replace, "programs", a.programs);
	if (a.map_interval)
		json_object_set_new(spec, "map_interval",
				    json_string(a.map_interval));
	if (a.export_maps)
		json_object_set_new(spec, "export_maps", json_true());
	if (a.unsafe)
		json_object_set_new(spec, "unsafe", json_true());
	if (a.system_limit) /* the daemon checks the range */
		json_object_set_new(spec, "system_limit",
				    json_integer(a.system_limit));
	if (a.system_timeout)
		json_object_set_new(spec, "system_timeout",
				    json_string(a.system_timeout));
	ret = ttc_control(
		g, json_pack("{s:s, s:o}", "op", "deploy", "deployment", spec),
		&reply);
	if (ret)
		return ret;
	printf("%s\n", json_string_value(json_object_get(reply, "result")));
	fflush(stdout);
	ret = ttc_status__report(json_object_get(reply, "status"));
	json_decref(reply);
	if (!ret && a.wait)
		ret = ttc_wait__deployment(g, a.name, a.timeout_ns,
					   TTC_WAIT_TABLE);
	return ret;
}

/* ---- delete, drop ----------------------------------------------------------
 */

static int one_name(int argc, char **argv, struct ttc_global *g,
		    const char *help, const char **name)
{
	struct ttc_one p = {NULL, 0};
	int ret = ttc_args__scan(argc, argv, g, NULL, ttc_take_one, &p);

	if (ret)
		return ret;
	if (g->help) {
		fputs(help, stdout);
		return -1;
	}
	if (p.n != 1) {
		fputs(help, stderr);
		return TTC_EXIT_USAGE;
	}
	*name = p.v;
	return 0;
}

int ttc_take_one(int id, const char *val, void *ctx)
{
	struct ttc_one *p = ctx;

	if (!id) {
		p->v = val;
		p->n++;
	}
	return 0;
}

/* A request naming one object, {"op": op, key: NAME}, from `tracetab op NAME`.
 */
static int name_request(int argc, char **argv, struct ttc_global *g,
			const char *help, const char *op, const char *key)
{
	const char *name;
	json_t *reply;
	int ret = one_name(argc, argv, g, help, &name);

	if (ret)
		return ret < 0 ? TTC_EXIT_OK : ret;
	ret = ttc_control(g, json_pack("{s:s, s:s}", "op", op, key, name),
			  &reply);
	if (!ret) /* delete: the log, ending with what END printed */
		ttc_deplog__print(g, json_object_get(reply, "log"), false,
				  stdout);
	json_decref(reply);
	return ret;
}

int ttc_cmd__delete(int argc, char **argv, struct ttc_global *g)
{
	static const char help[] =
		"usage: tracetab delete NAME\n"
		"  detaches and forgets deployment NAME; its table stays\n";

	return name_request(argc, argv, g, help, "delete", "name");
}

int ttc_cmd__drop(int argc, char **argv, struct ttc_global *g)
{
	static const char help[] =
		"usage: tracetab drop TABLE\n"
		"  removes the table and its rows (refused while a running\n"
		"  deployment writes to it)\n";

	return name_request(argc, argv, g, help, "drop", "table");
}

/* ---- status
 * ------------------------------------------------------------------ */

static struct ttq_value json_cell(const json_t *v)
{
	if (json_is_integer(v))
		return ttc_int(json_integer_value(v));
	return ttc_str(json_string_value(v));
}

/* An unsafe deployment's system() counters, one line. */
static void system__print(const json_t *sys)
{
	static const char *const keys[] = {"started", "running", "dropped",
					   "killed",  "failed",	 "limit",
					   "timeout_ms"};
	json_int_t v[7];

	if (!json_is_object(sys))
		return;
	for (size_t i = 0; i < 7; i++)
		v[i] = json_integer_value(json_object_get(sys, keys[i]));
	printf("\nsystem(): %lld started, %lld running, %lld dropped (at most "
	       "%lld at once), %lld killed (after %lld ms), %lld failed\n",
	       (long long)v[0], (long long)v[1], (long long)v[2],
	       (long long)v[5], (long long)v[3], (long long)v[6],
	       (long long)v[4]);
}

int ttc_cmd__status(int argc, char **argv, struct ttc_global *g)
{
	static const char help[] =
		"usage: tracetab status [NAME]\n"
		"  deployments: name, table, state (pending running failed "
		"skipped\n"
		"  terminated), program chosen (1 = first), status message, "
		"rows\n"
		"  ingested, records lost in the kernel, expiry\n"
		"  A program with several printf formats writes one table "
		"per format\n"
		"  (T, T_2, ...). With NAME the log follows: what its "
		"BEGIN/END printfs\n"
		"  and printfs without conversions printed, time() lines "
		"(the last 10)\n"
		"  and, for an unsafe deployment, its system() commands' "
		"output and\n"
		"  counters (started, running, dropped, killed, failed).\n";
	static const char *const names[] = {"name",    "table",	  "state",
					    "program", "message", "rows",
					    "lost",    "expires"};
	struct ttc_one p = {NULL, 0};
	json_t *reply, *deps, *d;
	size_t i;
	int ret = ttc_args__scan(argc, argv, g, NULL, ttc_take_one, &p);

	if (ret)
		return ret;
	if (g->help) {
		fputs(help, stdout);
		return TTC_EXIT_OK;
	}
	json_t *req = p.v ? json_pack("{s:s, s:s}", "op", "status", "name", p.v)
			  : json_pack("{s:s}", "op", "status");
	if ((ret = ttc_control(g, req, &reply)))
		return ret;
	deps = json_object_get(reply, "deployments");
	struct ttq_value *cells =
		calloc(json_array_size(deps) * 8 + 1, sizeof(*cells));
	char(*tables)[512] = calloc(json_array_size(deps) + 1, 512);
	json_array_foreach(deps, i, d)
	{
		struct ttq_value *row = &cells[i * 8];
		const json_t *err = json_object_get(d, "error");
		int64_t exp =
			json_integer_value(json_object_get(d, "expires_ns"));

		row[0] = json_cell(json_object_get(d, "name"));
		row[1] = ttc_str(ttc_deplog__tables(d, tables[i], 512));
		row[2] = json_cell(json_object_get(d, "state"));
		/* Programs are numbered from 1, as in the status messages. */
		json_int_t prog =
			json_integer_value(json_object_get(d, "program"));
		row[3] = prog >= 0 ? ttc_int(prog + 1) : ttc_str(NULL);
		row[4] = json_cell(json_is_string(err)
					   ? err
					   : json_object_get(d, "reason"));
		row[5] = json_cell(json_object_get(d, "rows"));
		row[6] = json_cell(json_object_get(d, "lost"));
		row[7] = exp ? (struct ttq_value){.type = TTQ_TIME, .i = exp}
			     : ttc_str("never");
	}
	struct ttc_rows rows = {8, json_array_size(deps), names, cells};
	ttc_output__print(g, &rows);
	if (p.v && g->format == TTC_FMT_TABLE)
		system__print(
			json_object_get(json_array_get(deps, 0), "system"));
	if (p.v && g->format == TTC_FMT_TABLE &&
	    json_array_size(json_object_get(json_array_get(deps, 0), "log"))) {
		printf("\nlog:\n");
		ttc_deplog__print(
			g, json_object_get(json_array_get(deps, 0), "log"),
			true, stdout);
	}
	free(tables);
	free(cells);
	json_decref(reply);
	return TTC_EXIT_OK;
}
