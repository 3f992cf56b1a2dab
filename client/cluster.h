/*
 * client/cluster.h - the CLI's cluster mode (NATS JetStream), shared by
 * client/cmd_cluster.c (connection, deploy, delete) and
 * client/cmd_cluster_view.c (status, query).
 */
#ifndef TTC_CLUSTER_H
#define TTC_CLUSTER_H

#include <stdint.h>

#include <jansson.h>
#include <nats/nats.h>

#include "client/cli.h"
#include "daemon/nats_opts.h"

struct ttc_cl {
	natsConnection *nc;
	jsCtx *js;
	kvStore *desired, *status;
};

/*
 * The NATS credential and TLS options of this process (--nats-* flags,
 * filled by client/main.c; TRACETAB_NATS_* fill the rest at connect time).
 * They live here rather than in struct ttc_global (client/cli.h) because
 * only cluster mode uses them.
 */
struct ttd_nats_opts *ttc_cl__nats(void);

/* Connects to g->cluster and binds (creating if needed) both buckets.
 * Returns 0, or TTC_EXIT_NODAEMON after printing why. */
int ttc_cl__open(const struct ttc_global *g, struct ttc_cl *c);
void ttc_cl__close(struct ttc_cl *c);
/* Wall-clock nanoseconds. */
int64_t ttc_cl__now(void);

/*
 * Reads the status bucket: *nodes (object node -> liveness object with an
 * added "live" boolean) and *deps (array of per-node status objects). New
 * references. Returns 0 or TTC_EXIT_ERROR after printing why.
 */
int ttc_cl__snapshot(struct ttc_cl *c, json_t **nodes, json_t **deps);

/*
 * ttc_control() in cluster mode: deploy and delete go to the desired-state
 * bucket; req is consumed. Same contract as ttc_control().
 */
int ttc_cluster__control(struct ttc_global *g, json_t *req, json_t **reply);

/*
 * Runs sql on every live node and prints the merged result (the query
 * command's work). Table schemas come from g->store_dir, or, for tables it
 * lacks, from the nodes (see client/cmd_cluster_view.c). Returns an exit code;
 * a node that did not answer within timeout_ms makes it TTC_EXIT_ERROR unless
 * allow_partial.
 */
int ttc_cluster__sql(struct ttc_global *g, const char *sql, bool allow_partial,
		     long timeout_ms);

/* `tracetab --cluster URL tail TABLE` (client/cmd_cluster_tail.c). */
int ttc_cluster__tail(int argc, char **argv, struct ttc_global *g);

/*
 * The columns of table as the first node that has it reports them:
 * [[name, "int"|"uint"|"time"|"string"], ...] (a new reference), or NULL
 * when no live node has it.
 */
json_t *ttc_cluster__columns(struct ttc_cl *c, const char *table);

/*
 * Runs the commands that work differently in cluster mode ("status",
 * "query", "tail"; "drop" is refused). Returns an exit code, or -1 when cmd is
 * not one of them.
 */
int ttc_cluster__cmd(const char *cmd, int argc, char **argv,
		     struct ttc_global *g);

#endif
