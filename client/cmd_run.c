/*
 * client/cmd_run.c - `tracetab run SCRIPT [--watch]`: bundled scripts.
 *
 * A script is a directory SCRIPTS/NAME holding script.json
 *     {"name", "table", "ttl", "description",
 *      "programs": [{"file": "x.bt", "min_kernel", "max_kernel",
 *                    "host_name", "requires": [...]}, ...],
 *      "query": "SELECT ...", "unsafe": false}
 * and the program files. A script whose programs call signal(), system()
 * or override() says "unsafe": true; run deploys it only with --unsafe
 * (the caller's consent, as `deploy --unsafe`), so that nobody starts
 * commands as root by naming a script. --unsafe also marks a script that
 * does not say so unsafe (a site's own script in --scripts-dir).
 * The scripts directory is --scripts-dir, else
 * $TRACETAB_SCRIPTS, else bpf/tools next to a build tree's binary (or
 * its ASan build one level deeper), else
 * /usr/share/tracetab/scripts. run deploys the script, waits until this
 * node runs it (printing progress, or why it cannot), then shows the
 * script's query; --watch re-runs the query every --interval. With
 * --cluster the same steps go through NATS: the spec to the desired-state
 * bucket, the wait over every live node (client/wait.h), the query to
 * every node (ttc_cluster__sql).
 */
#include <errno.h>
#include <jansson.h>
#include <libgen.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "client/cli.h"
#include "client/cluster.h"
#include "client/deploy.h"
#include "client/wait.h"
#include "tracetab/control.h"

#define SCRIPTS_INSTALLED "/usr/share/tracetab/scripts"

enum {
	OPT_WATCH = 1,
	OPT_INTERVAL,
	OPT_SCRIPTS,
	OPT_TIMEOUT,
	OPT_TTL,
	OPT_PARTIAL,
	OPT_UNSAFE
};

#define RUN_QUERY_TIMEOUT_MS 5000

struct run_args {
	const char *script, *scripts_dir, *ttl;
	int npos;
	bool watch, allow_partial, unsafe;
	int64_t interval_ns, timeout_ns;
};

static int run__arg(int id, const char *val, void *ctx)
{
	struct run_args *a = ctx;

	switch (id) {
	case 0:
		a->script = val;
		a->npos++;
		return 0;
	case OPT_WATCH:
		a->watch = true;
		return 0;
	case OPT_PARTIAL:
		a->allow_partial = true;
		return 0;
	case OPT_UNSAFE:
		a->unsafe = true;
		return 0;
	case OPT_SCRIPTS:
		a->scripts_dir = val;
		return 0;
	case OPT_TTL:
		a->ttl = val;
		return 0;
	default: {
		int64_t *dst =
			id == OPT_INTERVAL ? &a->interval_ns : &a->timeout_ns;

		if (ttq_duration__parse(val, dst) || !*dst) {
			fprintf(stderr, "tracetab: run: bad duration '%s'\n",
				val);
			return TTC_EXIT_USAGE;
		}
		return 0;
	}
	}
}

static bool is_dir(const char *p)
{
	return access(p, X_OK) == 0;
}

/* The scripts directory, per the order in the header comment. */
static void scripts_dir(const struct run_args *a, char *out, size_t len)
{
	char exe[PATH_MAX];
	ssize_t n;
	const char *env = getenv("TRACETAB_SCRIPTS");

	if (a->scripts_dir) {
		snprintf(out, len, "%s", a->scripts_dir);
		return;
	}
	if (env && *env) {
		snprintf(out, len, "%s", env);
		return;
	}
	n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
	if (n > 0) {
		exe[n] = 0;
		const char *bin = dirname(exe);

		/* build/tracetab, and build/asan/tracetab one level deeper */
		snprintf(out, len, "%s/../bpf/tools", bin);
		if (is_dir(out))
			return;
		snprintf(out, len, "%s/../../bpf/tools", bin);
		if (is_dir(out))
			return;
	}
	snprintf(out, len, "%s", SCRIPTS_INSTALLED);
}

static void add_selector(json_t *sel, const json_t *prog, const char *key)
{
	json_t *v = json_object_get(prog, key);

	if (v)
		json_object_set(sel, key, v);
}

/*
 * script.json -> a deploy spec with the program sources inlined; NULL
 * after saying why, *ec the exit code (a missing --unsafe is a usage
 * error, anything else a script not found or not readable).
 */
static json_t *script__spec(const char *dir, const struct run_args *a,
			    const char **query, int *ec)
{
	char path[PATH_MAX];
	json_error_t jerr;
	json_t *s, *progs, *p, *out_progs = json_array();
	size_t i;

	*ec = TTC_EXIT_NOTFOUND;
	if (snprintf(path, sizeof(path), "%s/%s/script.json", dir, a->script) >=
	    (int)sizeof(path)) {
		fprintf(stderr, "tracetab: run: path too long\n");
		json_decref(out_progs);
		return NULL;
	}
	s = json_load_file(path, 0, &jerr);
	if (!s) {
		if (access(path, F_OK))
			fprintf(stderr, "tracetab: run: no script '%s' in %s\n",
				a->script, dir);
		else
			fprintf(stderr, "tracetab: run: %s:%d: %s\n", path,
				jerr.line, jerr.text);
		json_decref(out_progs);
		return NULL;
	}
	progs = json_object_get(s, "programs");
	json_array_foreach(progs, i, p)
	{
		const char *file =
			json_string_value(json_object_get(p, "file"));
		json_t *sel;

		if (!file ||
		    snprintf(path, sizeof(path), "%s/%s/%s", dir, a->script,
			     file) >= (int)sizeof(path) ||
		    ttc_program__add(out_progs, path, &sel)) {
			json_decref(out_progs);
			json_decref(s);
			return NULL;
		}
		add_selector(sel, p, "min_kernel");
		add_selector(sel, p, "max_kernel");
		add_selector(sel, p, "host_name");
		add_selector(sel, p, "requires");
	}
	const char *name = json_string_value(json_object_get(s, "name"));
	const char *table = json_string_value(json_object_get(s, "table"));
	const char *ttl =
		a->ttl ? a->ttl : json_string_value(json_object_get(s, "ttl"));
	const char *q = json_string_value(json_object_get(s, "query"));
	if (!name || !table || !q || !json_array_size(out_progs)) {
		fprintf(stderr,
			"tracetab: run: %s/%s/script.json needs name, table, "
			"programs and query\n",
			dir, a->script);
		json_decref(out_progs);
		json_decref(s);
		return NULL;
	}
	if (json_is_true(json_object_get(s, "unsafe")) && !a->unsafe) {
		fprintf(stderr,
			"tracetab: run: script '%s' calls unsafe functions "
			"(signal(), system() or override()); run it with "
			"--unsafe\n",
			a->script);
		*ec = TTC_EXIT_USAGE;
		json_decref(out_progs);
		json_decref(s);
		return NULL;
	}
	*query = strdup(q);
	json_t *spec =
		json_pack("{s:s, s:s, s:s, s:o}", "name", name, "table", table,
			  "ttl", ttl ? ttl : "10m", "programs", out_progs);
	if (spec && a->unsafe)
		json_object_set_new(spec, "unsafe", json_true());
	json_decref(s);
	return spec;
}

int ttc_cmd__run(int argc, char **argv, struct ttc_global *g)
{
	static const char help[] =
		"usage: tracetab run SCRIPT [--watch] [--interval 2s] [--ttl "
		"D]\n"
		"                    [--scripts-dir DIR] [--timeout 30s] "
		"[--unsafe]\n"
		"  deploys a bundled script (capable, dc_snoop, md_flush, "
		"nap_time,\n"
		"  oom_kill, sync_snoop, tcp_drops, tcp_retransmits), waits "
		"until it\n"
		"  runs on this node (or says why it cannot: exit 5), then "
		"shows its\n"
		"  query; --watch refreshes the query every --interval.\n"
		"  With --cluster URL: deploys to the cluster, waits until "
		"every live\n"
		"  node runs it or skips it (per-node states and reasons on "
		"stderr),\n"
		"  then shows the query over all nodes (--allow-partial: "
		"also when\n"
		"  a node does not answer); --store-dir must hold the table "
		"for its\n"
		"  schema (any node's store does).\n"
		"  --unsafe: deploy it unsafe, as deploy --unsafe (root, and "
		"a daemon\n"
		"  started with --allow-unsafe); a script whose script.json "
		"says\n"
		"  \"unsafe\": true runs only with it.\n";
	static const struct ttc_opt opts[] = {
		{"--watch", false, OPT_WATCH},
		{"--interval", true, OPT_INTERVAL},
		{"--scripts-dir", true, OPT_SCRIPTS},
		{"--timeout", true, OPT_TIMEOUT},
		{"--ttl", true, OPT_TTL},
		{"--allow-partial", false, OPT_PARTIAL},
		{"--unsafe", false, OPT_UNSAFE},
		{NULL, false, 0},
	};
	struct run_args a = {.interval_ns = 2000000000LL,
			     .timeout_ns = 30000000000LL};
	char dir[PATH_MAX];
	const char *query = NULL;
	json_t *reply;
	int ret = ttc_args__scan(argc, argv, g, opts, run__arg, &a);

	if (ret)
		return ret;
	if (g->help) {
		fputs(help, stdout);
		return TTC_EXIT_OK;
	}
	if (a.npos != 1) {
		fputs(help, stderr);
		return TTC_EXIT_USAGE;
	}
	scripts_dir(&a, dir, sizeof(dir));
	json_t *spec = script__spec(dir, &a, &query, &ret);
	if (!spec)
		return ret;
	char *name = strdup(json_string_value(json_object_get(spec, "name")));
	ret = ttc_control(
		g, json_pack("{s:s, s:o}", "op", "deploy", "deployment", spec),
		&reply);
	json_decref(reply);
	if (!ret)
		ret = ttc_wait__deployment(g, name, a.timeout_ns,
					   TTC_WAIT_LINES);
	while (!ret) {
		if (a.watch && isatty(STDOUT_FILENO))
			fputs("\033[H\033[2J", stdout);
		ret = g->cluster ? ttc_cluster__sql(g, query, a.allow_partial,
						    RUN_QUERY_TIMEOUT_MS)
				 : ttc_run_sql(g, query);
		if (!a.watch)
			break;
		ttc_sleep_ns(a.interval_ns);
	}
	free(name);
	free((char *)query);
	return ret;
}
