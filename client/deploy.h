/*
 * client/deploy.h - helpers shared by cmd_deploy.c and cmd_run.c: control
 * requests with uniform error reporting, program files into deploy specs,
 * status reports.
 */
#ifndef TTC_DEPLOY_H
#define TTC_DEPLOY_H

#include <jansson.h>

#include "client/cli.h"

/*
 * Sends req (a new reference, consumed) and returns 0 with *reply holding
 * an "ok":true reply, or an exit code after printing why (no daemon: 3,
 * not found: 4, other refusals: 1).
 */
int ttc_control(struct ttc_global *g, json_t *req, json_t **reply);
/* Reads a whole file up to max bytes (malloc'd, NUL-terminated) or NULL. */
char *ttc_read_file(const char *path, size_t max);
/* Appends {"source": <file>, "selectors": {}} to programs; *selectors is
 * the new (borrowed) selectors object. Returns 0 or an exit code. */
int ttc_program__add(json_t *programs, const char *path, json_t **selectors);
/* Prints "name: state: message" to stderr; returns 5 for failed/skipped. */
int ttc_status__report(const json_t *st);
/* The single positional of a command, and how many were given. */
struct ttc_one {
	const char *v;
	int n;
};
/* Argument callback filling a struct ttc_one. */
int ttc_take_one(int id, const char *val, void *ctx);

#endif
