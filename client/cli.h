/*
 * client/cli.h - shared pieces of the tracetab command line: global
 * options, the argument scanner every command uses, exit codes and the
 * output printer (aligned table, csv, JSON lines).
 */
#ifndef TTC_CLI_H
#define TTC_CLI_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "tracetab/query.h"

/* Exit codes scripts can rely on (documented in `tracetab --help`). */
enum ttc_exit {
	TTC_EXIT_OK = 0,
	TTC_EXIT_ERROR = 1, /* anything that went wrong at run time */
	TTC_EXIT_USAGE = 2, /* bad command line */
	TTC_EXIT_NODAEMON = 3, /* tracetabd not reachable */
	TTC_EXIT_NOTFOUND = 4, /* no such table, column or deployment */
	TTC_EXIT_DEPLOYFAIL = 5, /* the deployment failed or was skipped */
};

enum ttc_format { TTC_FMT_TABLE, TTC_FMT_CSV, TTC_FMT_JSON };

struct ttc_global {
	const char *store_dir;
	const char *socket;
	const char *cluster; /* NATS URL: cluster mode (client/cluster.h) */
	enum ttc_format format;
	unsigned fmt_flags; /* TTQ_FMT_UTC */
	int64_t since_ns; /* 0: none */
	bool help;
};

/* One command-specific option: "--name" (has_arg: takes a value). */
struct ttc_opt {
	const char *name;
	bool has_arg;
	int id;
};

/*
 * Scans argv (after the command name): global options fill g, options in
 * opts are passed to fn(id, value, ctx) in order, other words are
 * positionals (fn with id 0). fn returns 0 or an exit code. Returns 0 or
 * TTC_EXIT_USAGE with a message on stderr.
 */
int ttc_args__scan(int argc, char **argv, struct ttc_global *g,
		   const struct ttc_opt *opts,
		   int (*fn)(int id, const char *val, void *ctx), void *ctx);

/* The options of `tail`, local or over a cluster (client/cmd_tail_args.c). */
struct ttc_tail_args {
	const char *table;
	int npos; /* positionals seen: exactly one (the table) is valid */
	uint64_t last; /* start with the last N rows */
	uint64_t count; /* exit after N rows; 0: forever */
	int64_t interval_ns; /* poll period, > 0 */
	bool from_start; /* start with the oldest row stored */
};

/*
 * Scans tail's argv into a, whose defaults the caller sets. Returns 0, or
 * TTC_EXIT_USAGE with a message on stderr for a bad number or duration.
 */
int ttc_tail_args__scan(int argc, char **argv, struct ttc_global *g,
			struct ttc_tail_args *a);

/* Sleeps ns nanoseconds (a poll interval; an early wake-up is harmless). */
void ttc_sleep_ns(int64_t ns);

/* A table to print: cells are values; the printer owns nothing. */
struct ttc_rows {
	size_t ncols, nrows;
	const char *const *names;
	const struct ttq_value *cells; /* nrows * ncols */
};

/* Prints rows in the chosen format to stdout. */
void ttc_output__print(const struct ttc_global *g, const struct ttc_rows *rows);
/* Prints a query result. */
void ttc_output__result(const struct ttc_global *g, const struct ttq_result *r);
/* Streaming (tail): header once, then one line per row. */
void ttc_output__header(const struct ttc_global *g, size_t ncols,
			const char *const *names);
void ttc_output__row(const struct ttc_global *g, size_t ncols,
		     const char *const *names, const struct ttq_value *cells);

/* Value helpers for building rows of other commands. */
struct ttq_value ttc_str(const char *s);
struct ttq_value ttc_int(int64_t v);

/* Commands: each returns an exit code. */
int ttc_cmd__query(int argc, char **argv, struct ttc_global *g);
int ttc_cmd__tables(int argc, char **argv, struct ttc_global *g);
int ttc_cmd__schema(int argc, char **argv, struct ttc_global *g);
int ttc_cmd__tail(int argc, char **argv, struct ttc_global *g);
int ttc_cmd__deploy(int argc, char **argv, struct ttc_global *g);
int ttc_cmd__delete(int argc, char **argv, struct ttc_global *g);
int ttc_cmd__status(int argc, char **argv, struct ttc_global *g);
int ttc_cmd__drop(int argc, char **argv, struct ttc_global *g);
int ttc_cmd__run(int argc, char **argv, struct ttc_global *g);

/* Prints a query error with the caret; returns the exit code for it. */
int ttc_query_error(int ret, const struct ttq_error *err, const char *sql);
/* Runs sql and prints the result; returns an exit code. */
int ttc_run_sql(struct ttc_global *g, const char *sql);

#endif
