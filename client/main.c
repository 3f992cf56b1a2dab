/*
 * client/main.c - `tracetab`, the unprivileged command line: dispatches to
 * the commands (cmd_*.c), scans the options they share, and documents the
 * exit codes. Queries read the store directly; deploy/status/... talk to
 * tracetabd's control socket.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "client/cli.h"
#include "client/cluster.h"
#include "tracetab/store.h"
#include "tracetab/version.h"

static const char usage[] =
	"usage: tracetab [OPTIONS] COMMAND [ARGS]\n"
	"\n"
	"Commands:\n"
	"  deploy NAME --table T [--ttl 10m] PROG.bt [selectors] [--program F "
	"[selectors]]...\n"
	"                       deploy (or refresh, or replace) a bpftrace "
	"program\n"
	"  delete NAME          remove a deployment (its table stays)\n"
	"  status [NAME]        deployments: state, program, message, rows, "
	"lost, expiry\n"
	"  tables               tables in the store\n"
	"  schema TABLE         columns of a table\n"
	"  drop TABLE           remove a table\n"
	"  query \"SQL\"          run a query on the local store\n"
	"  tail TABLE           follow new rows as they arrive\n"
	"  run SCRIPT [--watch] deploy a bundled script and show its query\n"
	"\n"
	"Options (any command):\n"
	"  --format table|csv|json  output format (json: one object per line)\n"
	"  --utc                    print times in UTC instead of local time\n"
	"  --since DURATION         only rows with time_ > now() - DURATION "
	"(e.g. 5m)\n"
	"  --store-dir DIR          store directory "
	"(default " TT_STORE_DEFAULT_DIR ")\n"
	"  --socket PATH            tracetabd control socket\n"
	"  --cluster URL            cluster mode over NATS (nats://H:P; also\n"
	"                           TRACETAB_CLUSTER): deploy, delete, "
	"status,\n"
	"                           query, tail and run act on every node;\n"
	"                           give it before the command\n"
	"  NATS credentials and TLS for --cluster (also TRACETAB_NATS_*):\n"
	"%s"
	"  --help                   help (also after a command)\n"
	"  --version                print the version and exit\n"
	"\n"
	"Exit codes: 0 ok, 1 error, 2 usage, 3 tracetabd not reachable,\n"
	"            4 no such table/column/deployment, 5 deployment failed or "
	"skipped\n";

static void print_usage(FILE *f)
{
	fprintf(f, usage, ttd_nats_opts__usage);
}

static int parse_format(const char *s, struct ttc_global *g)
{
	if (!strcmp(s, "table"))
		g->format = TTC_FMT_TABLE;
	else if (!strcmp(s, "csv"))
		g->format = TTC_FMT_CSV;
	else if (!strcmp(s, "json"))
		g->format = TTC_FMT_JSON;
	else
		return -1;
	return 0;
}

/* A --nats-* option at argv[*i] (client/cluster.h): as global_opt. */
static int nats_opt(int argc, char **argv, int *i)
{
	const char *a = argv[*i], *val = NULL;
	int ret;

	if (ttd_nats_opts__takes_value(a) && *i + 1 < argc)
		val = argv[++*i];
	ret = ttd_nats_opts__parse_arg(ttc_cl__nats(), a, val);
	if (ret < 0 && !strncmp(a, "--nats-tls=", 11))
		fprintf(stderr, "tracetab: --nats-tls takes no value\n");
	else if (ret < 0)
		fprintf(stderr, "tracetab: %s needs a value\n", a);
	return ret < 0 ? -1 : ret;
}

/* Global option at argv[*i]: 1 consumed, 0 not global, -1 usage error. */
static int global_opt(int argc, char **argv, int *i, struct ttc_global *g)
{
	static const char *const with_arg[] = {"--format", "--since",
					       "--store-dir", "--socket"};
	const char *a = argv[*i], *val = NULL, *eq = strchr(a, '=');
	size_t nlen = eq ? (size_t)(eq - a) : strlen(a);

	if (!strcmp(a, "--help") || !strcmp(a, "-h")) {
		g->help = true;
		return 1;
	}
	if (!strncmp(a, "--nats-", 7))
		return nats_opt(argc, argv, i);
	if (!strcmp(a, "--utc")) {
		g->fmt_flags |= TTQ_FMT_UTC;
		return 1;
	}
	size_t k;
	for (k = 0; k < 4; k++)
		if (strlen(with_arg[k]) == nlen &&
		    !strncmp(a, with_arg[k], nlen))
			break;
	if (k == 4)
		return 0;
	if (eq)
		val = eq + 1;
	else if (*i + 1 < argc)
		val = argv[++*i];
	if (!val) {
		fprintf(stderr, "tracetab: %.*s needs a value\n", (int)nlen, a);
		return -1;
	}
	switch (k) {
	case 0:
		if (parse_format(val, g)) {
			fprintf(stderr, "tracetab: --format must be table, csv "
					"or json\n");
			return -1;
		}
		return 1;
	case 1: {
		int64_t ns;

		if (ttq_duration__parse(val, &ns)) {
			fprintf(stderr,
				"tracetab: bad --since '%s' (e.g. 5m, 30s, "
				"1h)\n",
				val);
			return -1;
		}
		g->since_ns = ns;
		return 1;
	}
	case 2:
		g->store_dir = val;
		return 1;
	default:
		g->socket = val;
		return 1;
	}
}

int ttc_args__scan(int argc, char **argv, struct ttc_global *g,
		   const struct ttc_opt *opts,
		   int (*fn)(int id, const char *val, void *ctx), void *ctx)
{
	bool only_pos = false;

	for (int i = 0; i < argc; i++) {
		const char *a = argv[i];
		int ret;

		if (!only_pos && !strcmp(a, "--")) {
			only_pos = true;
			continue;
		}
		if (only_pos || a[0] != '-' || !a[1]) {
			if ((ret = fn(0, a, ctx)))
				return ret;
			continue;
		}
		ret = global_opt(argc, argv, &i, g);
		if (ret < 0)
			return TTC_EXIT_USAGE;
		if (ret)
			continue;
		const char *eq = strchr(a, '=');
		size_t nlen = eq ? (size_t)(eq - a) : strlen(a);
		const struct ttc_opt *o = opts;
		while (o && o->name &&
		       (strlen(o->name) != nlen || strncmp(o->name, a, nlen)))
			o++;
		if (!o || !o->name) {
			fprintf(stderr,
				"tracetab: unknown option %s (see --help)\n",
				a);
			return TTC_EXIT_USAGE;
		}
		const char *val = NULL;
		if (o->has_arg) {
			val = eq ? eq + 1 : i + 1 < argc ? argv[++i] : NULL;
			if (!val) {
				fprintf(stderr, "tracetab: %s needs a value\n",
					o->name);
				return TTC_EXIT_USAGE;
			}
		} else if (eq) {
			fprintf(stderr, "tracetab: %s takes no value\n",
				o->name);
			return TTC_EXIT_USAGE;
		}
		if ((ret = fn(o->id, val, ctx)))
			return ret;
	}
	return 0;
}

static const struct {
	const char *name;
	int (*fn)(int argc, char **argv, struct ttc_global *g);
} commands[] = {
	{"query", ttc_cmd__query},   {"tables", ttc_cmd__tables},
	{"schema", ttc_cmd__schema}, {"tail", ttc_cmd__tail},
	{"deploy", ttc_cmd__deploy}, {"delete", ttc_cmd__delete},
	{"status", ttc_cmd__status}, {"drop", ttc_cmd__drop},
	{"run", ttc_cmd__run},
};

int main(int argc, char **argv)
{
	struct ttc_global g = {.store_dir = TT_STORE_DEFAULT_DIR};
	int i = 1;

	const char *env = getenv("TRACETAB_STORE_DIR");
	if (env && *env)
		g.store_dir = env;
	env = getenv("TRACETAB_SOCKET");
	if (env && *env)
		g.socket = env;
	env = getenv("TRACETAB_CLUSTER");
	if (env && *env)
		g.cluster = env;
	/* Global options may come before the command too. */
	while (i < argc && argv[i][0] == '-') {
		if (!strcmp(argv[i], "--version")) {
			printf("tracetab %s\n", TRACETAB_VERSION);
			return TTC_EXIT_OK;
		}
		if (!strcmp(argv[i], "--cluster") && i + 1 < argc) {
			g.cluster = argv[i + 1]; /* before the command only */
			i += 2;
			continue;
		}
		int ret = global_opt(argc, argv, &i, &g);

		if (ret <= 0) {
			if (!ret) {
				fprintf(stderr, "tracetab: unknown option %s\n",
					argv[i]);
				print_usage(stderr);
			}
			return TTC_EXIT_USAGE;
		}
		i++;
	}
	if (i >= argc) {
		print_usage(g.help ? stdout : stderr);
		return g.help ? TTC_EXIT_OK : TTC_EXIT_USAGE;
	}
	int cl = g.cluster ? ttc_cluster__cmd(argv[i], argc - i - 1,
					      argv + i + 1, &g)
			   : -1;
	if (cl >= 0)
		return cl;
	for (size_t c = 0; c < sizeof(commands) / sizeof(commands[0]); c++)
		if (!strcmp(argv[i], commands[c].name))
			return commands[c].fn(argc - i - 1, argv + i + 1, &g);
	if (!strcmp(argv[i], "help")) {
		print_usage(stdout);
		return TTC_EXIT_OK;
	}
	fprintf(stderr, "tracetab: unknown command '%s'\n", argv[i]);
	print_usage(stderr);
	return TTC_EXIT_USAGE;
}
