/*
 * daemon/log.c - leveled stderr logging (see log.h). The whole line is
 * formatted first and written with one write(2) so that lines from the
 * daemon never interleave mid-line with other writers of the same stderr.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "daemon/log.h"

enum ttd_log_level ttd_log__level = TTD_LOG_INFO;

static const char *const level_names[] = {"error", "warn", "info", "debug"};

int ttd_log__parse(const char *name)
{
	for (int i = 0; i < 4; i++)
		if (strcmp(name, level_names[i]) == 0)
			return i;
	return -EINVAL;
}

void ttd_log__msg(enum ttd_log_level level, const char *fmt, ...)
{
	char line[2048];
	va_list ap;
	int n;

	if (level > ttd_log__level)
		return;
	n = snprintf(line, sizeof(line), "tracetabd: %s: ", level_names[level]);
	va_start(ap, fmt);
	n += vsnprintf(line + n, sizeof(line) - n, fmt, ap);
	va_end(ap);
	if (n >= (int)sizeof(line) - 1)
		n = sizeof(line) - 2;
	line[n++] = '\n';
	if (write(STDERR_FILENO, line, n) < 0)
		return; /* nowhere left to complain */
}
