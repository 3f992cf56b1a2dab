/*
 * client/deplog.h - how the CLI shows a deployment's tables and log
 * (the "tables" and "log" members of a status or delete reply, see
 * tracetab/control.h).
 */
#ifndef TTC_DEPLOG_H
#define TTC_DEPLOG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include <jansson.h>

#include "client/cli.h"

/*
 * The tables of status object st for the status table's "table" column:
 * its printf tables separated by spaces ("t t_2"), or "table" when the
 * reply has none. Writes buf and returns it.
 */
const char *ttc_deplog__tables(const json_t *st, char *buf, size_t len);

/*
 * Prints a log array ([{"time_ns","text"},...]) to out, one line each;
 * with times, each line starts with its time (g's time format).
 * Anything else than an array prints nothing.
 */
void ttc_deplog__print(const struct ttc_global *g, const json_t *log,
		       bool times, FILE *out);

#endif
