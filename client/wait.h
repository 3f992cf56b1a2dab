/*
 * client/wait.h - waiting until a deployment has settled, on this node or
 * on every live node of the cluster; used by `deploy --wait` and `run`.
 */
#ifndef TTC_WAIT_H
#define TTC_WAIT_H

#include <stdbool.h>
#include <stdint.h>

#include "client/cli.h"

/* What to print while and after waiting. */
enum ttc_wait_report {
	TTC_WAIT_LINES, /* per-node "node: state: reason" lines on stderr */
	TTC_WAIT_TABLE, /* a deployment/node/state/reason table on stdout */
};

/*
 * Waits up to timeout_ns until deployment name is no longer pending: on
 * this node through the control socket, or (g->cluster) on every node that
 * is live, reading the status bucket; progress goes to stderr. A node's
 * status counts only once it was written after the deployment was stored
 * (or the node kept heartbeating 2 s past that without a change), so the
 * state of a previous spec is never taken for the new one.
 *
 * Returns 0 when it runs (on at least one node, the others running or
 * skipped), TTC_EXIT_DEPLOYFAIL when it failed anywhere, was skipped
 * everywhere, or is still pending at the timeout (the nodes still pending
 * are named), TTC_EXIT_ERROR when no node is live, TTC_EXIT_NOTFOUND when the
 * deployment is gone, TTC_EXIT_NODAEMON when the daemon or NATS cannot be
 * reached.
 */
int ttc_wait__deployment(struct ttc_global *g, const char *name,
			 int64_t timeout_ns, enum ttc_wait_report report);

#endif
