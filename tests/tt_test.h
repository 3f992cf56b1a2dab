/*
 * tt_test.h - the tiny unit-test harness every C test in tracetab uses.
 *
 * A test file defines test functions with TT_TEST(name) and lists them in
 * TT_MAIN(...). Each test prints exactly one line that tests/run-tests.sh
 * counts:
 *
 *     PASS <suite>/<name>
 *     FAIL <suite>/<name>: <file>:<line>: <what>
 *     SKIP <suite>/<name>: <reason>
 *
 * CHECK() stops the current test on the first failure; tests are
 * independent, so one failure never hides the others.
 */
#ifndef TT_TEST_H
#define TT_TEST_H

#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

struct tt_test__case {
	const char *name;
	void (*fn)(void);
};

/* Outcome of the running test; set by the macros below. */
extern int tt_test__state; /* 0 pass, 1 fail, 2 skip */
extern char tt_test__msg[512];

void tt_test__fail(const char *file, int line, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
void tt_test__skip(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
int tt_test__main(const char *suite, const struct tt_test__case *cases,
		  size_t n, int argc, char **argv);

#define TT_TEST(name) static void name(void)

#define CHECK(cond)                                                         \
	do {                                                                \
		if (!(cond)) {                                              \
			tt_test__fail(__FILE__, __LINE__, "%s", #cond);     \
			return;                                             \
		}                                                           \
	} while (0)

/* CHECKF(cond, fmt, ...): like CHECK, with a message built from values. */
#define CHECKF(cond, ...)                                                   \
	do {                                                                \
		if (!(cond)) {                                              \
			tt_test__fail(__FILE__, __LINE__, __VA_ARGS__);     \
			return;                                             \
		}                                                           \
	} while (0)

#define CHECK_INT(a, b)                                                     \
	do {                                                                \
		long long _a = (long long)(a), _b = (long long)(b);         \
		if (_a != _b) {                                             \
			tt_test__fail(__FILE__, __LINE__,                   \
				      "%s == %s: %lld != %lld", #a, #b, _a, \
				      _b);                                  \
			return;                                             \
		}                                                           \
	} while (0)

#define CHECK_STR(a, b)                                                     \
	do {                                                                \
		const char *_a = (a), *_b = (b);                            \
		if (!_a || !_b || strcmp(_a, _b) != 0) {                    \
			tt_test__fail(__FILE__, __LINE__,                   \
				      "%s == %s: \"%s\" != \"%s\"", #a, #b, \
				      _a ? _a : "(null)",                   \
				      _b ? _b : "(null)");                  \
			return;                                             \
		}                                                           \
	} while (0)

/* SKIP(fmt, ...): end the test as skipped, saying why. */
#define SKIP(...)                                                           \
	do {                                                                \
		tt_test__skip(__VA_ARGS__);                                 \
		return;                                                     \
	} while (0)

#define TT_CASE(fn) { #fn, fn }
/* TT_MAIN("suite", TT_CASE(a), TT_CASE(b)): runs all, or those named in argv. */
#define TT_MAIN(suite, ...)                                                 \
	int main(int argc, char **argv)                                     \
	{                                                                   \
		static const struct tt_test__case cases[] = { __VA_ARGS__ }; \
		return tt_test__main(suite, cases,                          \
				     sizeof(cases) / sizeof(cases[0]),      \
				     argc, argv);                           \
	}

#endif
