/*
 * tests/client/tt_writer.c - a writer process for the CLI tests: appends
 * rows of the test data set (client_util.h) to a real table, optionally
 * paced, so tests can query, tail and race a live writer.
 *
 *   tt-writer DIR TABLE FROM TO [--rate ROWS_PER_S] [--segment-rows N]
 *             [--max-bytes B] [--base NS] [--group GID]
 *
 * Rows FROM..TO-1 are appended (row i carries value (i*37)%1000, pid i%50,
 * ...); the time of row i is base + i ms, base defaulting to now - TO ms.
 */
#include <time.h>

#include "tests/client/client_util.h"

int main(int argc, char **argv)
{
	struct tt_table_opts o = {.sz = sizeof(o), .group = (gid_t)-1};
	struct tt_schema s;
	struct tt_table *t;
	struct timespec ts;
	char err[256];
	double rate = 0;
	int64_t base = 0;

	if (argc < 5) {
		fprintf(stderr,
			"usage: tt-writer DIR TABLE FROM TO [--rate R] "
			"[--segment-rows N] [--max-bytes B] [--base NS]\n");
		return 2;
	}
	uint64_t from = strtoull(argv[3], NULL, 10),
		 to = strtoull(argv[4], NULL, 10);
	for (int i = 5; i + 1 < argc; i += 2) {
		if (!strcmp(argv[i], "--rate"))
			rate = atof(argv[i + 1]);
		else if (!strcmp(argv[i], "--segment-rows"))
			o.segment_rows = (uint32_t)atoi(argv[i + 1]);
		else if (!strcmp(argv[i], "--max-bytes"))
			o.max_bytes = strtoull(argv[i + 1], NULL, 10);
		else if (!strcmp(argv[i], "--base"))
			base = strtoll(argv[i + 1], NULL, 10);
		else if (!strcmp(argv[i], "--group"))
			o.group = (gid_t)atoi(argv[i + 1]);
	}
	clock_gettime(CLOCK_REALTIME, &ts);
	if (!base)
		base = ts.tv_sec * 1000000000LL + ts.tv_nsec -
		       (int64_t)to * 1000000;
	cu_schema(&s);
	if (tt_table__open(argv[1], argv[2], &s, &o, &t, err, sizeof(err))) {
		fprintf(stderr, "tt-writer: %s\n", err);
		return 1;
	}
	for (uint64_t i = from; i < to; i++) {
		struct cu_row r;
		union tt_value v[6];

		cu_row(i, base, &r);
		cu_values(&r, v);
		if (tt_table__append(t, v) < 0) {
			fprintf(stderr, "tt-writer: append failed\n");
			return 1;
		}
		if (rate > 0) {
			struct timespec d = {0, (long)(1e9 / rate)};

			nanosleep(&d, NULL);
		}
	}
	tt_table__close(t);
	return 0;
}
