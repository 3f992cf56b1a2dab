/*
 * daemon/source.h - where desired state comes from.
 *
 * A source feeds deployments into the manager (ttd_manager__deploy,
 * __delete, __drop) and answers status from it. The local control socket
 * is one source; a cluster source (a NATS KV watcher) is another kind that
 * would plug in the same way: start() registers its fds with the loop,
 * stop() unregisters and frees. The daemon runs a list of them.
 */
#ifndef TTD_SOURCE_H
#define TTD_SOURCE_H

#include <stddef.h>

#include "daemon/loop.h"
#include "daemon/manager.h"

struct ttd_source {
	const char *name;
	/* Begins delivering to mgr. 0 or a negative errno with err filled. */
	int (*start)(struct ttd_source *src, struct ttd_manager *mgr,
		     struct ttd_loop *loop, char *err, size_t errlen);
	/* Stops delivering and frees the source. */
	void (*stop)(struct ttd_source *src);
};

#endif
