/*
 * daemon/cluster_agent.h - between the cluster source (loop side,
 * daemon/cluster.c) and its NATS thread (daemon/cluster_agent.c).
 *
 * The thread only uses the functions below to talk to the loop; they are
 * safe to call from any thread.
 */
#ifndef TTD_CLUSTER_AGENT_H
#define TTD_CLUSTER_AGENT_H

#include <stdbool.h>
#include <stdint.h>

#include <jansson.h>

#include "daemon/cluster.h"

struct ttd_cluster;

/* Event kinds for ttd_cluster__post (match cluster.c). */
/*
 * key = name, val = desired spec, or a string: why it did not parse;
 * rev = the entry's KV revision (a re-delivery of an entry has the same)
 */
#define TTD_CLUSTER_EV_PUT 0
#define TTD_CLUSTER_EV_DEL 1 /* key = name, val = NULL, rev = 0 */
/* key = NULL, val = array of desired names, rev = 0 */
#define TTD_CLUSTER_EV_SYNC 2

/* Queues an event for the loop (val reference consumed) and wakes it. */
void ttd_cluster__post(struct ttd_cluster *c, int kind, const char *key,
		       json_t *val, uint64_t rev);
/* The latest status snapshot (JSON array text, caller frees) or NULL. */
char *ttd_cluster__take_outbox(struct ttd_cluster *c);
/* True once the source is being stopped: the thread returns. */
bool ttd_cluster__stopping(struct ttd_cluster *c);
const struct ttd_cluster_opts *ttd_cluster__opts(struct ttd_cluster *c);

/* The agent thread (pthread start routine; arg is the ttd_cluster). */
void *ttd_agent__main(void *arg);

#endif
