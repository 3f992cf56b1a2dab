/*
 * daemon/control_server.h - the local control socket as a desired-state
 * source (protocol in tracetab/control.h).
 */
#ifndef TTD_CONTROL_SERVER_H
#define TTD_CONTROL_SERVER_H

#include <sys/types.h>

#include "daemon/source.h"

#include "tracetab/version.h"
#define TTD_VERSION TRACETAB_VERSION

struct ttd_control_opts {
	const char *path; /* socket path; its directory is created */
	gid_t admin_gid; /* (gid_t)-1: only root may change state */
};

/* A source serving the control socket; NULL when out of memory. */
struct ttd_source *ttd_control__source(const struct ttd_control_opts *opts);

#endif
