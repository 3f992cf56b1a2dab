/*
 * daemon/main.c - tracetabd: options, start-up, the loop, clean shutdown.
 *
 * Start-up order matters: tracefs is mounted before anything compiles
 * (tracepoint formats live there), the manager restores saved deployments
 * before the control socket accepts requests (clients never see a
 * half-restored state), and shutdown stops the sources before detaching
 * probes so no request races the teardown.
 */
#include <errno.h>
#include <getopt.h>
#include <grp.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/signalfd.h>
#include <sys/stat.h>
#include <poll.h>
#include <unistd.h>

#include "daemon/cluster.h"
#include "daemon/control_server.h"
#include "daemon/ingest.h"
#include "daemon/log.h"
#include "daemon/loop.h"
#include "daemon/manager.h"
#include "daemon/nats_opts.h"
#include "daemon/notify.h"
#include "tracetab/bt.h"

#define TICK_MS 20

struct options {
	const char *store_dir, *socket, *state_dir;
	const char *admin_group, *reader_group;
	uint64_t table_bytes, max_age_ns;
	const char *cluster, *node; /* cluster mode: NATS URL, node name */
	struct ttd_nats_opts nats; /* credentials and TLS (--nats-*) */
	bool nats_flags; /* a --nats-* flag was given */
	bool allow_unsafe; /* deployments may be unsafe (daemon/spec.c) */
};

static void usage(FILE *f)
{
	fprintf(f,
		"usage: tracetabd [options]\n"
		"Runs in the foreground, logs to stderr; SIGTERM/SIGINT stop "
		"it.\n\n"
		"  --store-dir DIR     table files (default %s)\n"
		"  --socket PATH       control socket (default %s)\n"
		"  --state-dir DIR     LMDB catalog of tables and deployments\n"
		"                      (default /var/lib/tracetab)\n"
		"  --admin-group NAME  may deploy, delete and drop besides "
		"root\n"
		"                      (default tracetab-admin)\n"
		"  --reader-group NAME may read table files (default "
		"tracetab)\n"
		"  --table-bytes N     size cap per table file, suffix K, M, "
		"G\n"
		"                      (default %llu MiB)\n"
		"  --max-age TTL       drop rows older than TTL (e.g. 2d; "
		"default\n"
		"                      none: rows go when the ring recycles)\n"
		"  --log-level LEVEL   error, warn, info (default) or debug\n"
		"  --cluster URL       cluster mode: desired state, status\n"
		"                      and queries over NATS JetStream\n"
		"                      (nats://H:P; credentials: user:pass@\n"
		"                      in the URL or the NATS options below)\n"
		"  --node NAME         cluster node name (default: host name)\n"
		"  --allow-unsafe      accept unsafe deployments (signal(),\n"
		"                      system(), override()): from root on\n"
		"                      the control socket, and from the\n"
		"                      cluster; refused without this flag\n"
		"  --verify-only       compile and load programs through the\n"
		"                      verifier but attach nothing (state\n"
		"                      running, reason \"verify-only\"); for\n"
		"                      control-plane tests\n"
		"  --version           print the version and exit\n"
		"  --help              print this help and exit\n"
		"NATS credentials and TLS in cluster mode:\n%s",
		TT_STORE_DEFAULT_DIR, TT_CONTROL_DEFAULT_SOCKET,
		(unsigned long long)(TT_TABLE_DEFAULT_BYTES >> 20),
		ttd_nats_opts__usage);
}

static int parse_bytes(const char *s, uint64_t *out)
{
	char *end;
	unsigned long long n;
	int shift = 0;

	errno = 0;
	n = strtoull(s, &end, 10);
	if (end == s || errno || s[0] == '-')
		return -EINVAL;
	if (*end == 'K' || *end == 'k')
		shift = 10;
	else if (*end == 'M' || *end == 'm')
		shift = 20;
	else if (*end == 'G' || *end == 'g')
		shift = 30;
	if (shift)
		end++;
	if (*end || n == 0 || n > (UINT64_MAX >> shift))
		return -EINVAL;
	*out = (uint64_t)n << shift;
	return 0;
}

/*
 * NATS options only mean something with --cluster; a bad combination or an
 * unreadable file stops the start-up here, where the operator sees it,
 * instead of failing every reconnection in the background.
 */
static int nats__check(struct options *o)
{
	natsOptions *no = NULL;
	char err[512];
	int rc;

	if (!o->cluster) {
		if (!o->nats_flags)
			return 0;
		fprintf(stderr, "tracetabd: --nats-* options need --cluster\n");
		return -1;
	}
	o->nats.url = o->cluster;
	ttd_nats_opts__from_env(&o->nats);
	if (natsOptions_Create(&no) != NATS_OK) {
		fprintf(stderr, "tracetabd: out of memory\n");
		return -1;
	}
	rc = ttd_nats_opts__apply(&o->nats, no, err, sizeof(err));
	natsOptions_Destroy(no);
	if (rc < 0)
		fprintf(stderr, "tracetabd: %s\n", err);
	return rc < 0 ? -1 : 0;
}

/* Returns 0 to run, 1 to exit successfully, -1 on a usage error. */
static int parse_args(int argc, char **argv, struct options *o)
{
	static const struct option longs[] = {
		{"store-dir", required_argument, NULL, 's'},
		{"socket", required_argument, NULL, 'S'},
		{"state-dir", required_argument, NULL, 'd'},
		{"admin-group", required_argument, NULL, 'a'},
		{"reader-group", required_argument, NULL, 'r'},
		{"table-bytes", required_argument, NULL, 'b'},
		{"max-age", required_argument, NULL, 'm'},
		{"log-level", required_argument, NULL, 'l'},
		{"cluster", required_argument, NULL, 'C'},
		{"node", required_argument, NULL, 'N'},
		{"verify-only", no_argument, NULL, 'v'},
		{"allow-unsafe", no_argument, NULL, 'U'},
		TTD_NATS_OPTS_LONGOPTS('n'),
		{"version", no_argument, NULL, 'V'},
		{"help", no_argument, NULL, 'h'},
		{0},
	};
	int c, lvl, idx;

	while ((c = getopt_long(argc, argv, "h", longs, &idx)) != -1) {
		switch (c) {
		case 's':
			o->store_dir = optarg;
			break;
		case 'S':
			o->socket = optarg;
			break;
		case 'd':
			o->state_dir = optarg;
			break;
		case 'a':
			o->admin_group = optarg;
			break;
		case 'r':
			o->reader_group = optarg;
			break;
		case 'b':
			if (parse_bytes(optarg, &o->table_bytes) < 0) {
				fprintf(stderr,
					"tracetabd: --table-bytes %s: "
					"not a size\n",
					optarg);
				return -1;
			}
			break;
		case 'm':
			if (ttd_ttl__parse(optarg, &o->max_age_ns) < 0) {
				fprintf(stderr,
					"tracetabd: --max-age %s: not a "
					"duration like 30m, 2d or none\n",
					optarg);
				return -1;
			}
			break;
		case 'l':
			lvl = ttd_log__parse(optarg);
			if (lvl < 0) {
				fprintf(stderr,
					"tracetabd: --log-level %s: use "
					"error, warn, info or debug\n",
					optarg);
				return -1;
			}
			ttd_log__level = lvl;
			break;
		case 'C':
			o->cluster = optarg;
			break;
		case 'N':
			o->node = optarg;
			break;
		case 'v':
			ttd_ingest__verify_only = true;
			break;
		case 'U':
			o->allow_unsafe = true;
			break;
		case 'n':
			if (ttd_nats_opts__parse_arg(&o->nats, longs[idx].name,
						     optarg) < 0) {
				fprintf(stderr,
					"tracetabd: --%s needs a value\n",
					longs[idx].name);
				return -1;
			}
			o->nats_flags = true;
			break;
		case 'V':
			printf("tracetabd %s\n", TTD_VERSION);
			return 1;
		case 'h':
			usage(stdout);
			return 1;
		default:
			usage(stderr);
			return -1;
		}
	}
	if (optind < argc) {
		fprintf(stderr, "tracetabd: unexpected argument %s\n",
			argv[optind]);
		return -1;
	}
	return nats__check(o);
}

static gid_t group__gid(const char *name, const char *what)
{
	struct group *g = getgrnam(name);

	if (!g) {
		ttd_warn("%s group %s does not exist; %s", what, name,
			 strcmp(what, "admin") == 0
				 ? "only root may change deployments"
				 : "table files are readable by root only");
		return (gid_t)-1;
	}
	return g->gr_gid;
}

static void tracefs__mount(void)
{
	struct stat st;

	if (stat("/sys/kernel/tracing/events", &st) == 0)
		return;
	if (mount("tracefs", "/sys/kernel/tracing", "tracefs", 0, NULL) < 0)
		ttd_warn("cannot mount tracefs on /sys/kernel/tracing: %s; "
			 "tracepoint programs will fail",
			 strerror(errno));
	else
		ttd_info("mounted tracefs on /sys/kernel/tracing");
}

static unsigned features__probe(void)
{
	struct bt_features f;
	unsigned bits = 0;

	bt_features__probe(&f);
	bits |= f.kprobe ? TTD_FEAT_KPROBE : 0;
	bits |= f.fentry ? TTD_FEAT_FENTRY : 0;
	bits |= f.uprobe ? TTD_FEAT_UPROBE : 0;
	bits |= f.btf ? TTD_FEAT_BTF : 0;
	ttd_info("kernel %u.%u.%u: btf %s, kprobe %s, fentry %s, uprobe %s",
		 f.kernel_major, f.kernel_minor, f.kernel_patch,
		 f.btf ? "yes" : "no", f.kprobe ? "yes" : "no",
		 f.fentry ? "yes" : "no", f.uprobe ? "yes" : "no");
	return bits;
}

struct daemon {
	struct ttd_loop *loop;
	struct ttd_manager *mgr;
	int sigfd;
};

static void on_tick(void *ctx)
{
	struct daemon *d = ctx;

	if (d->mgr)
		ttd_manager__tick(d->mgr);
}

static void on_signal(void *ctx, int revents)
{
	struct daemon *d = ctx;
	struct signalfd_siginfo si;

	(void)revents;
	if (read(d->sigfd, &si, sizeof(si)) == sizeof(si))
		ttd_info("signal %u: stopping", si.ssi_signo);
	ttd_loop__stop(d->loop);
}

static int setup_signals(struct daemon *d)
{
	sigset_t set;

	signal(SIGPIPE, SIG_IGN);
	/* An ignored SIGCHLD (inherited) would reap system() commands
	 * behind the runner's back. */
	signal(SIGCHLD, SIG_DFL);
	sigemptyset(&set);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	if (sigprocmask(SIG_BLOCK, &set, NULL) < 0)
		return -errno;
	d->sigfd = signalfd(-1, &set, SFD_NONBLOCK | SFD_CLOEXEC);
	return d->sigfd < 0 ? -errno : 0;
}

static int run(const struct options *o)
{
	struct ttd_manager_opts mo = {
		.store_dir = o->store_dir,
		.state_dir = o->state_dir,
		.table_bytes = o->table_bytes,
		.max_age_ns = o->max_age_ns,
		.reader_gid = group__gid(o->reader_group, "reader"),
		.allow_unsafe = o->allow_unsafe,
	};
	struct ttd_control_opts co = {
		.path = o->socket,
		.admin_gid = group__gid(o->admin_group, "admin"),
	};
	struct daemon d = {.sigfd = -1};
	struct ttd_source *src = NULL, *csrc = NULL;
	char host[64] = "";
	struct ttd_watch *sigw = NULL;
	char err[512];
	int rc;

	tracefs__mount();
	mo.features = features__probe();
	if (o->cluster && !o->node && gethostname(host, sizeof(host) - 1) == 0)
		mo.host_name = host;
	else if (o->cluster)
		mo.host_name = o->node;
	if (o->cluster && !ttd_cluster__node_valid(mo.host_name)) {
		ttd_err("--node %s: use letters, digits, _ and -",
			mo.host_name ? mo.host_name : "(none)");
		rc = -EINVAL;
		goto out;
	}
	rc = setup_signals(&d);
	if (rc == 0)
		rc = ttd_loop__new(TICK_MS, on_tick, &d, &d.loop);
	if (rc < 0) {
		ttd_err("cannot set up the event loop: %s", strerror(-rc));
		goto out;
	}
	rc = ttd_manager__new(&mo, d.loop, &d.mgr, err, sizeof(err));
	if (rc < 0) {
		ttd_err("%s", err);
		goto out;
	}
	sigw = ttd_loop__watch(d.loop, d.sigfd, POLLIN, on_signal, &d);
	src = ttd_control__source(&co);
	rc = !sigw || !src ? -ENOMEM
			   : src->start(src, d.mgr, d.loop, err, sizeof(err));
	if (rc == 0 && o->cluster) {
		struct ttd_cluster_opts cl = {.url = o->cluster,
					      .node = mo.host_name,
					      .store_dir = o->store_dir,
					      .state_dir = o->state_dir,
					      .nats = &o->nats,
					      .features = mo.features};

		csrc = ttd_cluster__source(&cl);
		rc = !csrc ? -ENOMEM
			   : csrc->start(csrc, d.mgr, d.loop, err, sizeof(err));
	}
	if (rc < 0) {
		ttd_err("%s", rc == -ENOMEM ? "out of memory" : err);
		goto out;
	}
	ttd_info("tracetabd %s running (store %s, state %s)%s%s", TTD_VERSION,
		 o->store_dir, o->state_dir,
		 ttd_ingest__verify_only ? " in verify-only mode: programs "
					   "are verified, never attached"
					 : "",
		 o->allow_unsafe ? "; unsafe deployments allowed" : "");
	if (ttd_notify__send("READY=1") < 0)
		ttd_warn("cannot notify the service manager ($NOTIFY_SOCKET)");
	rc = ttd_loop__run(d.loop);
	if (rc < 0)
		ttd_err("event loop failed: %s", strerror(-rc));
out:
	ttd_notify__send("STOPPING=1");
	if (csrc)
		csrc->stop(csrc);
	if (src)
		src->stop(src);
	if (d.loop)
		ttd_loop__unwatch(d.loop, sigw);
	ttd_manager__free(d.mgr); /* probes detached, rings drained */
	ttd_loop__free(d.loop);
	if (d.sigfd >= 0)
		close(d.sigfd);
	ttd_info("stopped");
	return rc < 0 ? 1 : 0;
}

int main(int argc, char **argv)
{
	struct options o = {
		.store_dir = TT_STORE_DEFAULT_DIR,
		.socket = TT_CONTROL_DEFAULT_SOCKET,
		.state_dir = "/var/lib/tracetab",
		.admin_group = "tracetab-admin",
		.reader_group = "tracetab",
	};
	int rc;

	ttd_notify__stdio_guard();
	rc = parse_args(argc, argv, &o);
	if (rc)
		return rc > 0 ? 0 : 2;
	return run(&o);
}
