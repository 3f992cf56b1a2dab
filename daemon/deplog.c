/*
 * daemon/deplog.c - bounded per-deployment log (see deplog.h).
 *
 * The lines form a ring of TTD_DEPLOG_LINES slots; bytes counts the text
 * held, and adding a line first evicts from the oldest end until both the
 * line count and the byte bound hold with the new line in. A single line
 * never exceeds TTD_DEPLOG_LINE_MAX, so one line always fits. time()
 * lines go to a second, smaller ring of short lines (at most
 * TTD_DEPLOG_TIME_LINES * TTD_DEPLOG_TIME_LINE_MAX bytes); every line
 * gets a sequence number so that the two rings merge back in order.
 */
#include <stdlib.h>
#include <string.h>

#include "daemon/deplog.h"
#include "daemon/log.h"

#define AT(log, i) (&(log)->lines[((log)->first + (i)) % TTD_DEPLOG_LINES])

/*
 * Evicts the oldest line after the pinned ones; the pinned lines slide up
 * one slot into the hole, so the ring stays contiguous (at most
 * TTD_DEPLOG_PIN_LINES moves).
 */
static void evict_oldest(struct ttd_deplog *log)
{
	struct ttd_deplog_line *l = AT(log, log->pinned);

	log->bytes -= strlen(l->text);
	free(l->text);
	for (size_t k = log->pinned; k > 0; k--)
		*AT(log, k) = *AT(log, k - 1);
	AT(log, 0)->text = NULL;
	log->first = (log->first + 1) % TTD_DEPLOG_LINES;
	log->n--;
	log->evicted += log->pinned != 0;
}

static void add_line(struct ttd_deplog *log, int64_t time_ns, const char *s,
		     size_t len, bool mirror)
{
	char *text;

	if (len > TTD_DEPLOG_LINE_MAX)
		len = TTD_DEPLOG_LINE_MAX;
	if (mirror)
		ttd_info("deployment %s: %.*s", log->name, (int)len, s);
	text = strndup(s, len);
	if (!text)
		return;
	/* Pinned lines hold at most half the bytes: a new line always fits. */
	while (log->n > log->pinned && (log->n == TTD_DEPLOG_LINES ||
					log->bytes + len > TTD_DEPLOG_BYTES))
		evict_oldest(log);
	log->lines[(log->first + log->n) % TTD_DEPLOG_LINES] =
		(struct ttd_deplog_line){
			.time_ns = time_ns, .seq = log->seq++, .text = text};
	log->n++;
	log->bytes += len;
	log->total++;
}

/* A time() line: the time ring drops its oldest line when full. */
static void add_time_line(struct ttd_deplog *log, int64_t time_ns,
			  const char *s, size_t len, bool mirror)
{
	struct ttd_deplog_line *l;
	char *text;

	if (len > TTD_DEPLOG_TIME_LINE_MAX)
		len = TTD_DEPLOG_TIME_LINE_MAX;
	if (mirror)
		ttd_info("deployment %s: %.*s", log->name, (int)len, s);
	text = strndup(s, len);
	if (!text)
		return;
	if (log->times_n == TTD_DEPLOG_TIME_LINES) {
		free(log->times[log->times_first].text);
		log->times_first =
			(log->times_first + 1) % TTD_DEPLOG_TIME_LINES;
		log->times_n--;
	}
	l = &log->times[(log->times_first + log->times_n++) %
			TTD_DEPLOG_TIME_LINES];
	*l = (struct ttd_deplog_line){
		.time_ns = time_ns, .seq = log->seq++, .text = text};
}

typedef void (*line_fn)(struct ttd_deplog *log, int64_t time_ns, const char *s,
			size_t len, bool mirror);

/* Calls add for every line of text (split at '\n'). */
static void each_line(struct ttd_deplog *log, int64_t time_ns, const char *text,
		      bool mirror, line_fn add)
{
	const char *s = text;

	while (*s) {
		const char *nl = strchr(s, '\n');
		size_t len = nl ? (size_t)(nl - s) : strlen(s);

		add(log, time_ns, s, len, mirror);
		s += len + (nl != NULL);
	}
}

void ttd_deplog__add(struct ttd_deplog *log, int64_t time_ns, const char *text,
		     bool mirror)
{
	each_line(log, time_ns, text, mirror, add_line);
}

void ttd_deplog__pin(struct ttd_deplog *log)
{
	size_t bytes = 0;

	for (size_t i = 0; i < log->pinned; i++)
		bytes += strlen(AT(log, i)->text);
	while (log->pinned < log->n && log->pinned < TTD_DEPLOG_PIN_LINES) {
		size_t len = strlen(AT(log, log->pinned)->text);

		if (bytes + len > TTD_DEPLOG_BYTES / 2)
			break;
		bytes += len;
		log->pinned++;
	}
}

void ttd_deplog__add_time(struct ttd_deplog *log, int64_t time_ns,
			  const char *text, bool mirror)
{
	each_line(log, time_ns, text, mirror, add_time_line);
}

/* JSON strings are UTF-8: other bytes (binary in a %s) become '?'. */
static json_t *text__json(const char *text)
{
	json_t *s = json_string(text);
	char *copy;

	if (s || !(copy = strdup(text)))
		return s;
	for (char *c = copy; *c; c++)
		if ((unsigned char)*c >= 0x80)
			*c = '?';
	s = json_string(copy);
	free(copy);
	return s;
}

/* Both rings merged by sequence number: the order lines were added. */
json_t *ttd_deplog__json(const struct ttd_deplog *log)
{
	json_t *arr = json_array();
	size_t i = 0, k = 0;

	while (arr && (i < log->n || k < log->times_n)) {
		const struct ttd_deplog_line *a =
			i < log->n ? AT(log, i) : NULL;
		const struct ttd_deplog_line *t =
			k < log->times_n ? &log->times[(log->times_first + k) %
						       TTD_DEPLOG_TIME_LINES]
					 : NULL;
		const struct ttd_deplog_line *l =
			!t || (a && a->seq < t->seq) ? a : t;

		if (l == a)
			i++;
		else
			k++;
		json_array_append_new(arr,
				      json_pack("{s:I,s:o}", "time_ns",
						(json_int_t)l->time_ns, "text",
						text__json(l->text)));
		if (l == a && i == log->pinned && log->evicted)
			json_array_append_new(
				arr,
				json_pack("{s:I,s:o}", "time_ns",
					  (json_int_t)l->time_ns, "text",
					  json_sprintf("[%llu lines not kept]",
						       (unsigned long long)
							       log->evicted)));
	}
	return arr;
}

void ttd_deplog__clear(struct ttd_deplog *log)
{
	log->pinned = 0;
	log->evicted = 0;
	while (log->n)
		evict_oldest(log);
	log->first = 0;
	for (; log->times_n; log->times_n--) {
		free(log->times[log->times_first].text);
		log->times_first =
			(log->times_first + 1) % TTD_DEPLOG_TIME_LINES;
	}
	log->times_first = 0;
}
