/*
 * client/cmd_tail.c - `tracetab tail TABLE`: follow new rows like tail -f.
 *
 * Resumes by row id: each poll scans from the first id not yet printed, so
 * a row is never printed twice, and since ids only increase and the store
 * returns every row still stored from that id on, no row is skipped while
 * the ring wraps slower than we read. When it wraps faster, the gap
 * between the id we wanted and the first id we got is exactly the rows we
 * lost; tail says how many on stderr and carries on.
 */
#include <errno.h>
#include <inttypes.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "client/cli.h"
#include "tracetab/store.h"

/* Prints the chunk's rows from id *next on; returns rows printed. */
static uint64_t tail__chunk(struct ttc_global *g, const struct tt_schema *s,
			    const char *const *names, const struct tt_chunk *ch,
			    uint64_t *next, uint64_t budget)
{
	struct ttq_value cells[TT_MAX_COLUMNS];
	uint64_t printed = 0;

	for (uint32_t row = 0; row < ch->nrows && printed < budget; row++) {
		uint64_t id = ch->first_row_id + row;

		if (id < *next)
			continue;
		for (uint32_t c = 0; c < s->ncols; c++) {
			const void *col = ch->cols[c];

			switch (s->cols[c].type) {
			case TT_TYPE_STRING: {
				const char *str;
				uint32_t len;
				uint32_t code = ((const uint32_t *)col)[row];

				cells[c].type = TTQ_NULL;
				if (!tt_chunk__string(ch, c, code, &str,
						      &len)) {
					cells[c].type = TTQ_STRING;
					cells[c].s.ptr = str;
					cells[c].s.len = len;
				}
				break;
			}
			case TT_TYPE_UINT64:
				cells[c].type = TTQ_UINT;
				cells[c].u = ((const uint64_t *)col)[row];
				break;
			default:
				cells[c].type = s->cols[c].type == TT_TYPE_TIME
							? TTQ_TIME
							: TTQ_INT;
				cells[c].i = ((const int64_t *)col)[row];
				break;
			}
		}
		ttc_output__row(g, s->ncols, names, cells);
		*next = id + 1;
		printed++;
	}
	return printed;
}

static int tail__follow(struct ttc_global *g, struct tt_reader *r,
			struct ttc_tail_args *a)
{
	const struct tt_schema *s = tt_reader__schema(r);
	const char *names[TT_MAX_COLUMNS];
	struct tt_reader_stats st;
	uint64_t next, printed = 0, missed = 0;

	for (uint32_t c = 0; c < s->ncols; c++)
		names[c] = s->cols[c].name;
	tt_reader__stats(r, &st);
	next = a->from_start ? st.oldest_row_id
	       : st.next_row_id - st.oldest_row_id > a->last
		       ? st.next_row_id - a->last
		       : st.oldest_row_id;
	ttc_output__header(g, s->ncols, names);
	fflush(stdout);
	for (;;) {
		struct tt_scan_opts o = {.sz = sizeof(o),
					 .from_row_id = next,
					 .flags = TT_SCAN_COPY};
		struct tt_scan *scan;
		struct tt_chunk ch;
		int ret = tt_reader__scan(r, &o, &scan);

		if (ret) {
			fprintf(stderr, "tracetab: tail: %s\n", strerror(-ret));
			return TTC_EXIT_ERROR;
		}
		while ((ret = tt_scan__next(scan, &ch)) > 0) {
			if (ch.first_row_id + ch.nrows <= next)
				continue;
			if (ch.first_row_id > next) {
				/* The ring recycled rows before we read them.
				 */
				uint64_t gap = ch.first_row_id - next;

				missed += gap;
				fprintf(stderr,
					"tracetab: tail: missed %" PRIu64
					" rows (ids %" PRIu64 "..%" PRIu64
					"): the ring wrapped faster than tail "
					"read\n",
					gap, next, ch.first_row_id - 1);
				next = ch.first_row_id;
			}
			printed += tail__chunk(g, s, names, &ch, &next,
					       a->count ? a->count - printed
							: UINT64_MAX);
			if (a->count && printed >= a->count)
				break;
		}
		tt_scan__free(scan);
		fflush(stdout);
		if (ret < 0) {
			fprintf(stderr, "tracetab: tail: %s\n", strerror(-ret));
			return TTC_EXIT_ERROR;
		}
		if (a->count && printed >= a->count)
			return TTC_EXIT_OK;
		ttc_sleep_ns(a->interval_ns);
	}
}

int ttc_cmd__tail(int argc, char **argv, struct ttc_global *g)
{
	static const char help[] =
		"usage: tracetab tail TABLE [--last N] [--from-start] [--count "
		"N]\n"
		"                     [--interval 100ms] [--format F]\n"
		"  prints rows as they are appended, resuming by row id: no "
		"row is\n"
		"  printed twice or skipped; if the ring recycles rows before "
		"tail\n"
		"  reads them, tail says how many it missed on stderr.\n"
		"  --last N      start with the last N rows (default 10)\n"
		"  --from-start  start with the oldest row stored\n"
		"  --count N     exit after printing N rows\n";
	struct ttc_tail_args a = {.last = 10, .interval_ns = 100000000};
	struct tt_reader *r;
	char err[256];
	int ret = ttc_tail_args__scan(argc, argv, g, &a);

	if (ret)
		return ret;
	if (g->help) {
		fputs(help, stdout);
		return TTC_EXIT_OK;
	}
	if (a.npos != 1) {
		fputs(help, stderr);
		return TTC_EXIT_USAGE;
	}
	ret = tt_reader__open(g->store_dir, a.table, &r, err, sizeof(err));
	if (ret) {
		fprintf(stderr, "tracetab: %s\n",
			ret == -ENOENT ? "no such table (see tracetab tables)"
				       : err);
		return ret == -ENOENT ? TTC_EXIT_NOTFOUND : TTC_EXIT_ERROR;
	}
	ret = tail__follow(g, r, &a);
	tt_reader__close(r);
	return ret;
}
