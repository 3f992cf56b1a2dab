/*
 * client/cmd_tail_args.c - the options `tracetab tail` shares between a
 * local store and a cluster (--last, --count, --interval, --from-start),
 * scanned once so both commands accept and refuse exactly the same words.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "client/cli.h"

enum { OPT_LAST = 1, OPT_COUNT, OPT_INTERVAL, OPT_FROM_START };

static int tail_args__one(int id, const char *val, void *ctx)
{
	struct ttc_tail_args *a = ctx;
	char *end;

	switch (id) {
	case 0:
		a->table = val;
		a->npos++;
		return 0;
	case OPT_LAST:
	case OPT_COUNT: {
		unsigned long long v = strtoull(val, &end, 10);

		/* At most INT64_MAX: the cluster request carries it signed. */
		if (*end || !*val || val[0] == '-' || v > INT64_MAX) {
			fprintf(stderr, "tracetab: tail: bad number '%s'\n",
				val);
			return TTC_EXIT_USAGE;
		}
		*(id == OPT_LAST ? &a->last : &a->count) = v;
		return 0;
	}
	case OPT_INTERVAL:
		if (ttq_duration__parse(val, &a->interval_ns) ||
		    a->interval_ns <= 0) {
			fprintf(stderr, "tracetab: tail: bad --interval '%s'\n",
				val);
			return TTC_EXIT_USAGE;
		}
		return 0;
	default:
		a->from_start = true;
		return 0;
	}
}

int ttc_tail_args__scan(int argc, char **argv, struct ttc_global *g,
			struct ttc_tail_args *a)
{
	static const struct ttc_opt opts[] = {
		{"--last", true, OPT_LAST},
		{"--count", true, OPT_COUNT},
		{"--interval", true, OPT_INTERVAL},
		{"--from-start", false, OPT_FROM_START},
		{NULL, false, 0},
	};

	return ttc_args__scan(argc, argv, g, opts, tail_args__one, a);
}

void ttc_sleep_ns(int64_t ns)
{
	struct timespec ts = {ns / 1000000000, ns % 1000000000};

	nanosleep(&ts, NULL);
}
