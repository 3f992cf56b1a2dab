/*
 * daemon/deplog.h - a deployment's log: the text its banner printfs print.
 *
 * Programs as people write them print banners ("Tracing... Hit Ctrl-C to
 * end.", column headers in BEGIN, totals in END). Those printfs are not
 * rows; their rendered text is kept here, one entry per line with the
 * wall-clock time the record was emitted, and shown by status. The log is
 * bounded (the last TTD_DEPLOG_LINES lines and at most TTD_DEPLOG_BYTES of
 * text): a probe that prints a banner per event only ever keeps the
 * newest lines. A zeroed struct is an empty log.
 *
 * time() lines are kept apart, in a small ring of their own (the newest
 * TTD_DEPLOG_TIME_LINES): tools print the time from an interval probe,
 * once a second, and in one shared ring those lines would push the banner
 * out within a minute. A banner is printed once, so a full banner ring
 * means a program prints text per event, where the newest lines matter.
 * Status shows both rings merged in the order the lines were added.
 *
 * The banner itself is pinned: what BEGIN printed is in the log when the
 * probes have just been attached, and ttd_deplog__pin() then keeps those
 * lines (up to TTD_DEPLOG_PIN_LINES) for good, so text a program prints
 * per event (join(argv) in execsnoop.bt) evicts only other such text and
 * the column headers stay on top. Status then shows how many lines were
 * dropped between the pinned ones and the rest.
 */
#ifndef TTD_DEPLOG_H
#define TTD_DEPLOG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#define TTD_DEPLOG_LINES 50
#define TTD_DEPLOG_BYTES 8192
#define TTD_DEPLOG_LINE_MAX 1024 /* longer lines are cut */
#define TTD_DEPLOG_TIME_LINES 10
#define TTD_DEPLOG_PIN_LINES 20 /* of TTD_DEPLOG_LINES */
#define TTD_DEPLOG_TIME_LINE_MAX 255 /* time() text: 255 bytes at most */

struct ttd_deplog_line {
	int64_t time_ns; /* wall clock */
	uint64_t seq; /* order of addition across both rings */
	char *text; /* one line, without its newline */
};

struct ttd_deplog {
	char name[64]; /* the deployment, for lines mirrored to the daemon log
			*/
	struct ttd_deplog_line lines[TTD_DEPLOG_LINES]; /* ring */
	size_t first, n; /* oldest line, lines held */
	size_t bytes; /* text held */
	uint64_t total; /* lines ever added */
	size_t pinned; /* the oldest lines of the ring, never evicted */
	uint64_t evicted; /* lines evicted after pinned ones */
	/* time() lines: their own ring (see above) */
	struct ttd_deplog_line times[TTD_DEPLOG_TIME_LINES];
	size_t times_first, times_n;
	uint64_t seq; /* sequence number of the next line */
};

/*
 * Adds the text of one record: every line of it (split at '\n'; the
 * newline that ends the last line adds no empty line) with time_ns.
 * Evicts the oldest lines to stay within the bounds. With mirror, each
 * line also goes to the daemon's log ("deployment NAME: text"), for the
 * text END prints when a deployment goes away. Out of memory drops lines.
 */
void ttd_deplog__add(struct ttd_deplog *log, int64_t time_ns, const char *text,
		     bool mirror);

/*
 * Pins the lines held now (the banner), up to TTD_DEPLOG_PIN_LINES lines
 * in all: they are never evicted; later lines evict the oldest unpinned
 * line. Calling it again pins the lines added since, within the bound.
 */
void ttd_deplog__pin(struct ttd_deplog *log);

/*
 * Adds the text of a time() record like ttd_deplog__add, to the time()
 * ring: only the newest TTD_DEPLOG_TIME_LINES such lines stay, and they
 * never evict banner lines.
 */
void ttd_deplog__add_time(struct ttd_deplog *log, int64_t time_ns,
			  const char *text, bool mirror);

/*
 * The lines of both rings as a JSON array [{"time_ns":N,"text":"..."},...],
 * oldest first (new reference; an empty array for an empty log). When
 * lines after pinned ones were evicted, a line "[N lines not kept]"
 * follows the pinned lines (with the last pinned line's time_ns).
 */
json_t *ttd_deplog__json(const struct ttd_deplog *log);

/* Frees every line; the log is empty again. */
void ttd_deplog__clear(struct ttd_deplog *log);

#endif
