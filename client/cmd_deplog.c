/*
 * client/cmd_deplog.c - a deployment's tables and log on the command line
 * (see deplog.h): `tracetab status NAME` lists every printf table and
 * ends with the log (banner printfs: BEGIN, END, no conversions);
 * `tracetab delete NAME` prints the log, which ends with what END printed.
 */
#include <string.h>

#include "client/deplog.h"

const char *ttc_deplog__tables(const json_t *st, char *buf, size_t len)
{
	const json_t *tables = json_object_get(st, "tables"), *t;
	const char *table = json_string_value(json_object_get(st, "table"));
	size_t i, o = 0;

	snprintf(buf, len, "%s", table ? table : "");
	json_array_foreach(tables, i, t)
	{
		const char *name =
			json_string_value(json_object_get(t, "name"));

		if (name && o < len)
			o += (size_t)snprintf(buf + o, len - o, "%s%s",
					      o ? " " : "", name);
	}
	return buf;
}

void ttc_deplog__print(const struct ttc_global *g, const json_t *log,
		       bool times, FILE *out)
{
	const json_t *line;
	size_t i;

	json_array_foreach(log, i, line)
	{
		const char *text =
			json_string_value(json_object_get(line, "text"));
		struct ttq_value v = {
			.type = TTQ_TIME,
			.i = json_integer_value(
				json_object_get(line, "time_ns")),
		};
		char when[64];

		if (!text)
			continue;
		if (times) {
			ttq_value__format(&v, g->fmt_flags, when, sizeof(when));
			fprintf(out, "%s  ", when);
		}
		fprintf(out, "%s\n", text);
	}
}
