/*
 * client/format.c - values as text for people (and for csv/json output).
 * Times are wall-clock nanoseconds; they print as ISO 8601 with
 * milliseconds because that is what log lines and other tools show, and
 * sorts as text.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "client/sql.h"

static int format_time(int64_t ns, unsigned flags, char *buf, size_t len)
{
	int64_t sec = ns / 1000000000, rem = ns % 1000000000;
	struct tm tm;
	char date[32], zone[32];

	if (rem < 0) {
		rem += 1000000000;
		sec--;
	}
	time_t t = (time_t)sec;
	if (flags & TTQ_FMT_UTC) {
		if (!gmtime_r(&t, &tm))
			return snprintf(buf, len, "%lld", (long long)ns);
		snprintf(zone, sizeof(zone), "Z");
	} else {
		if (!localtime_r(&t, &tm))
			return snprintf(buf, len, "%lld", (long long)ns);
		int off = (int)(tm.tm_gmtoff / 60);
		if (off)
			snprintf(zone, sizeof(zone), "%c%02d:%02d",
				 off < 0 ? '-' : '+', abs(off) / 60,
				 abs(off) % 60);
		else
			snprintf(zone, sizeof(zone), "Z");
	}
	strftime(date, sizeof(date), "%Y-%m-%dT%H:%M:%S", &tm);
	return snprintf(buf, len, "%s.%03d%s", date, (int)(rem / 1000000),
			zone);
}

int ttq_value__format(const struct ttq_value *v, unsigned flags, char *buf,
		      size_t len)
{
	switch (v->type) {
	case TTQ_NULL:
		if (len)
			buf[0] = 0;
		return 0;
	case TTQ_BOOL:
		return snprintf(buf, len, "%s", v->i ? "true" : "false");
	case TTQ_INT:
		return snprintf(buf, len, "%" PRId64, v->i);
	case TTQ_UINT:
		return snprintf(buf, len, "%" PRIu64, v->u);
	case TTQ_DOUBLE: {
		int n = snprintf(buf, len, "%.6f", v->d);

		/* Trim trailing zeros: 2.500000 -> 2.5, 3.000000 -> 3. */
		if (n > 0 && (size_t)n < len && strchr(buf, '.')) {
			while (n > 1 && buf[n - 1] == '0')
				buf[--n] = 0;
			if (buf[n - 1] == '.')
				buf[--n] = 0;
		}
		return n;
	}
	case TTQ_TIME:
		return format_time(v->i, flags, buf, len);
	case TTQ_DURATION: {
		char d[48];

		ttq_duration__format(v->i, d, sizeof(d));
		return snprintf(buf, len, "%s", d);
	}
	case TTQ_STRING:
		return snprintf(buf, len, "%.*s", (int)v->s.len, v->s.ptr);
	}
	if (len)
		buf[0] = 0;
	return 0;
}
