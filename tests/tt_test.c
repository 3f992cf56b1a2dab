/* tt_test.c - runner behind tt_test.h: one PASS/FAIL/SKIP line per test. */
#include "tests/tt_test.h"

#include <stdarg.h>

int tt_test__state;
char tt_test__msg[512];

void tt_test__fail(const char *file, int line, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (tt_test__state == 1)
		return; /* keep the first failure */
	tt_test__state = 1;
	n = snprintf(tt_test__msg, sizeof(tt_test__msg), "%s:%d: ", file, line);
	va_start(ap, fmt);
	vsnprintf(tt_test__msg + n, sizeof(tt_test__msg) - n, fmt, ap);
	va_end(ap);
}

void tt_test__skip(const char *fmt, ...)
{
	va_list ap;

	if (tt_test__state == 1)
		return; /* a failed check before the skip stays a failure */
	tt_test__state = 2;
	va_start(ap, fmt);
	vsnprintf(tt_test__msg, sizeof(tt_test__msg), fmt, ap);
	va_end(ap);
}

static bool selected(const char *name, int argc, char **argv)
{
	if (argc < 2)
		return true;
	for (int i = 1; i < argc; i++)
		if (strcmp(argv[i], name) == 0)
			return true;
	return false;
}

int tt_test__main(const char *suite, const struct tt_test__case *cases,
		  size_t n, int argc, char **argv)
{
	int failed = 0;

	setvbuf(stdout, NULL, _IOLBF, 0);
	for (size_t i = 0; i < n; i++) {
		if (!selected(cases[i].name, argc, argv))
			continue;
		tt_test__state = 0;
		tt_test__msg[0] = '\0';
		cases[i].fn();
		if (tt_test__state == 0)
			printf("PASS %s/%s\n", suite, cases[i].name);
		else if (tt_test__state == 2)
			printf("SKIP %s/%s: %s\n", suite, cases[i].name,
			       tt_test__msg);
		else {
			printf("FAIL %s/%s: %s\n", suite, cases[i].name,
			       tt_test__msg);
			failed++;
		}
	}
	return failed ? 1 : 0;
}
