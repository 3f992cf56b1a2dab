/* bpf/errmsg.c - see errmsg.h. */
#include "bpf/errmsg.h"

#include <stdarg.h>
#include <stdio.h>

void bt_errmsg__set(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;

	if (!err || !errlen)
		return;
	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
}
