/*
 * daemon/deplog.c - bounded per-deployment log (see deplog.h).
 *
 * The lines form a ring of TTD_DEPLOG_LINES slots; bytes counts the text
 * held, and adding a line first evicts from the oldest end until both the
 * line count and the byte bound hold with the new line in. A single line
 * never exceeds TTD_DEPLOG_LINE_MAX, so one line always fits.
 */
#include <stdlib.h>
#include <string.h>

#include "daemon/deplog.h"
#include "daemon/log.h"

static void evict_oldest(struct ttd_deplog *log)
{
	struct ttd_deplog_line *l = &log->lines[log->first];

	log->bytes -= strlen(l->text);
	free(l->text);
	l->text = NULL;
	log->first = (log->first + 1) % TTD_DEPLOG_LINES;
	log->n--;
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
	while (log->n && (log->n == TTD_DEPLOG_LINES ||
			  log->bytes + len > TTD_DEPLOG_BYTES))
		evict_oldest(log);
	log->lines[(log->first + log->n) % TTD_DEPLOG_LINES] =
		(struct ttd_deplog_line){.time_ns = time_ns, .text = text};
	log->n++;
	log->bytes += len;
	log->total++;
}

void ttd_deplog__add(struct ttd_deplog *log, int64_t time_ns, const char *text,
		     bool mirror)
{
	const char *s = text;

	while (*s) {
		const char *nl = strchr(s, '\n');
		size_t len = nl ? (size_t)(nl - s) : strlen(s);

		add_line(log, time_ns, s, len, mirror);
		s += len + (nl != NULL);
	}
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

json_t *ttd_deplog__json(const struct ttd_deplog *log)
{
	json_t *arr = json_array();

	for (size_t i = 0; arr && i < log->n; i++) {
		const struct ttd_deplog_line *l =
			&log->lines[(log->first + i) % TTD_DEPLOG_LINES];

		json_array_append_new(arr,
				      json_pack("{s:I,s:o}", "time_ns",
						(json_int_t)l->time_ns, "text",
						text__json(l->text)));
	}
	return arr;
}

void ttd_deplog__clear(struct ttd_deplog *log)
{
	while (log->n)
		evict_oldest(log);
	log->first = 0;
}
