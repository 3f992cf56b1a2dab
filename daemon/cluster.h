/*
 * daemon/cluster.h - cluster mode: NATS JetStream as a desired-state source.
 *
 * Buckets (created by whichever daemon or client comes first, file storage):
 *   tracetab_desired  key = deployment name, value = the control protocol's
 *                     deploy SPEC plus "expires_at" (wall-clock ns, 0 = none)
 *   tracetab_status   "<node>.<deployment>" = that node's STATUS object plus
 *                     "node" and "updated_ns"; "<node>._node" = liveness
 *                     {"node","kernel","features","pid","heartbeat_ns"}
 *                     rewritten every second.
 * Queries: subject TTD_CLUSTER_QUERY_SUBJECT (see daemon/cluster_query.c).
 *
 * At each connection the watcher's initial values are applied and the
 * cluster's deployments no longer in the bucket are deleted; deployments
 * made through the node's control socket are left alone and not published
 * (the names that came from the cluster are kept in
 * <state-dir>/cluster-deployments.json, each with the KV revision applied:
 * a re-delivered revision leaves a deployment whose program called exit()
 * terminated; a new revision, a new deploy, restarts it).
 */
#ifndef TTD_CLUSTER_H
#define TTD_CLUSTER_H

#include "daemon/nats_opts.h"
#include "daemon/source.h"

#define TTD_CLUSTER_DESIRED "tracetab_desired"
#define TTD_CLUSTER_STATUS "tracetab_status"
#define TTD_CLUSTER_QUERY_SUBJECT "tracetab.query"
#define TTD_CLUSTER_NODE_KEY "_node"

struct ttd_cluster_opts {
	const char *url; /* nats://host:port (comma-separated list allowed) */
	const char *node; /* node name: [A-Za-z0-9_-]+, < 64 bytes */
	const char *store_dir; /* tables the query responder reads */
	const char *state_dir; /* where the cluster-origin list is kept */
	const struct ttd_nats_opts *nats; /* credentials, TLS; NULL: none */
	unsigned features; /* enum ttd_feature bits, published as liveness */
};

/* Node names usable as KV key prefixes: 1 if valid (cluster_wire.c). */
int ttd_cluster__node_valid(const char *node);

/*
 * A source fed by the NATS desired-state bucket; NULL when out of memory.
 * start() never fails because NATS is away: it connects in the background
 * and keeps retrying, while the deployments restored from LMDB keep running.
 */
struct ttd_source *ttd_cluster__source(const struct ttd_cluster_opts *opts);

#endif
