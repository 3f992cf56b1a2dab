/*
 * daemon/manager.h - the deployment manager: desired state in, probes out.
 *
 * Holds every deployment this node knows, decides which program runs
 * (selectors), compiles, attaches and detaches (through ingest), enforces
 * TTLs, persists the desired state in the LMDB catalog and restores it at
 * start-up with the original expiries. Desired-state sources (the control
 * socket now, a cluster watcher later; see source.h) only call the
 * functions below, so they never see probes or tables.
 */
#ifndef TTD_MANAGER_H
#define TTD_MANAGER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include <jansson.h>

#include "daemon/loop.h"
#include "daemon/spec.h"

struct ttd_manager_opts {
	const char *store_dir;
	const char *state_dir;
	uint64_t table_bytes; /* 0: store default */
	uint64_t max_age_ns; /* 0: keep rows until the ring recycles */
	gid_t reader_gid; /* (gid_t)-1: none */
	unsigned features; /* enum ttd_feature bits this kernel has */
	const char *host_name; /* host_name selectors match this; NULL: uname */
	bool allow_unsafe; /* tracetabd --allow-unsafe: see spec.c */
};

struct ttd_manager;

/*
 * Opens the catalog and restores saved deployments (expired ones come
 * back as "terminated", others are re-applied with their expiry).
 * Returns 0 and *out or a negative errno with err filled.
 */
int ttd_manager__new(const struct ttd_manager_opts *opts, struct ttd_loop *loop,
		     struct ttd_manager **out, char *err, size_t errlen);

/* How a deploy was applied. */
enum ttd_upsert {
	TTD_UPSERT_CREATED,
	TTD_UPSERT_REFRESHED,
	TTD_UPSERT_REPLACED,
};
const char *ttd_upsert__name(enum ttd_upsert u);

/*
 * Applies a deployment spec (JSON as in control.h). Returns 0 with
 * *result and *status (new reference: the deployment's status object);
 * the deployment may have failed or been skipped on this node, which
 * status says. Returns -EINVAL (invalid spec), -EPERM (an unsafe spec
 * while the daemon does not allow unsafe deployments) or -EEXIST (schema
 * change without replace_table, table in use) with err filled; nothing
 * changed.
 */
int ttd_manager__deploy(struct ttd_manager *mgr, const json_t *spec,
			enum ttd_upsert *result, json_t **status, char *err,
			size_t errlen);

/* Detaches and forgets a deployment. 0 or -ENOENT. */
int ttd_manager__delete(struct ttd_manager *mgr, const char *name);
/*
 * Like ttd_manager__delete, and *log (new reference) is the deployment's
 * log as in status (ttd_deplog__json), ending with what END printed.
 */
int ttd_manager__delete_log(struct ttd_manager *mgr, const char *name,
			    json_t **log);

/*
 * Removes a table's file and catalog entry. Returns 0, -ENOENT, or
 * -EBUSY when a running deployment writes to it; err says why.
 */
int ttd_manager__drop(struct ttd_manager *mgr, const char *table, char *err,
		      size_t errlen);

/*
 * Status of one deployment (name) or all (name NULL) as a JSON array in
 * name order (new reference). Drains the ring buffers first so counters are
 * current. NULL when name is unknown.
 */
json_t *ttd_manager__status(struct ttd_manager *mgr, const char *name);

/*
 * Whether deployment name ended because its program called exit() and
 * has not been deployed since (restored from the catalog as such, or its
 * program exited and the next tick ends it). False for unknown names and
 * for deployments that are running, failed, skipped or expired. Lets a
 * source tell a re-delivery of what it already applied from a new deploy.
 */
bool ttd_manager__exited(struct ttd_manager *mgr, const char *name);

/* Every table in the store directory with its columns (new reference). */
json_t *ttd_manager__tables(struct ttd_manager *mgr, const char *only);

/*
 * Periodic work, called from the loop's tick: refresh the clock offset,
 * detach expired deployments, drain ring buffers, apply retention.
 */
void ttd_manager__tick(struct ttd_manager *mgr);

/* Detaches every probe (draining rings first), closes tables and catalog. */
void ttd_manager__free(struct ttd_manager *mgr);

#endif
