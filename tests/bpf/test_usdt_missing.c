/*
 * test_usdt_missing.c - USDT probes a binary lacks are skipped as bpftrace
 * 0.17 skips them (usdt:/bin/true:nosuch:probe next to another probe
 * attaches that other probe; "No probes to attach" only when nothing is
 * left): the present site of this test's own .note.stapsdt fires, the
 * missing ones are named by bt_program__skipped, their blocks are still
 * checked (arguments read as 0), and a program left with only missing
 * probes fails to attach naming the first of them.
 */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "tests/bpf/usdt_note.h"
#include "tests/bpf/bpf_util.h"
#include "tests/tt_test.h"
#include "tracetab/bt.h"

TT_USDT_SEMAPHORE(tt_usdtm_sema);

/* Fires tt_um:fire with 10, 20, ..., n * 10. */
__attribute__((noinline)) static void fire(long n)
{
	for (long i = 1; i <= n; i++)
		TT_USDT1(tt_um, fire, tt_usdtm_sema, i * 10);
}

static char self[PATH_MAX];
static char errbuf[1024];

/* Compiles, loads and attaches fmt (every %s is this binary). */
static struct bt_program *start(const char *fmt)
{
	return btt__start_self(fmt, errbuf, sizeof(errbuf));
}

/* The present site fires; two missing ones (one using arg0) are skipped. */
TT_TEST(present_fires_missing_skipped)
{
	CHECK(realpath("/proc/self/exe", self) != NULL);
	struct bt_program *p = start("usdt:%s:tt_um:fire { @s = sum(arg0); }\n"
				     "usdt:%s:tt_um:nosuch { @m = arg0; }\n"
				     "usdt:%s:nosuch_* { @n = 1; }\n");
	CHECKF(p, "%s", errbuf);
	if (!p)
		return;
	CHECK_INT(bt_program__nskipped(p), 2);
	struct bt_diag d;
	char want[PATH_MAX + 128];

	CHECK_INT(bt_program__skipped(p, 0, &d), 0);
	CHECK_INT(d.line, 2);
	CHECK_INT(d.col, 1);
	snprintf(want, sizeof(want),
		 "usdt:%s:tt_um:nosuch skipped: no USDT probe in the file "
		 "matches it",
		 self);
	CHECK_STR(d.msg, want);
	CHECK_INT(bt_program__skipped(p, 1, &d), 0);
	CHECK_INT(d.line, 3);
	snprintf(want, sizeof(want), "usdt:%s:*:nosuch_* skipped", self);
	CHECKF(strstr(d.msg, want) == d.msg, "%s", d.msg);
	CHECK_INT(bt_program__skipped(p, 2, &d), -ENOENT);
	fire(3);
	const char *out = btt__end(p);

	CHECKF(strstr(out, "@s: 60\n"), "%s", out);
	CHECKF(!strstr(out, "@m") && !strstr(out, "@n"), "%s", out);
}

/* A tracepoint next to a missing USDT probe, as in the bpftrace check. */
TT_TEST(tracepoint_runs_next_to_missing_usdt)
{
	struct bt_program *p = start(
		"usdt:/bin/true:nosuch:probe,\n"
		"tracepoint:syscalls:sys_enter_getppid { @t = count(); }");
	CHECKF(p, "%s", errbuf);
	if (!p)
		return;
	CHECK_INT(bt_program__nskipped(p), 1);
	getppid();
	const char *out = btt__end(p);

	CHECKF(strstr(out, "@t: ") && !strstr(out, "@t: 0\n"), "%s", out);
}

/* Nothing left to attach: bpftrace's "No probes to attach". */
TT_TEST(only_missing_probes_fail_to_attach)
{
	CHECK(realpath("/proc/self/exe", self) != NULL);
	struct bt_program *p = start("usdt:%s:tt_um:nosuch { @ = count(); }\n"
				     "usdt:/bin/true:nosuch:probe { }");
	CHECK(p == NULL);
	bt_program__free(p);
	CHECKF(strstr(errbuf, "1:1: cannot attach usdt: no USDT probe "
			      "tt_um:nosuch in /") == errbuf &&
		       strstr(errbuf, "no other probe to attach"),
	       "%s", errbuf);
}

/* END is a probe to bpftrace too: the program runs. */
TT_TEST(end_alone_is_enough)
{
	struct bt_program *p = start("usdt:/bin/true:nosuch:probe { @e = 1; }\n"
				     "END { @e = 2; }");
	CHECKF(p, "%s", errbuf);
	if (!p)
		return;
	const char *out = btt__end(p);

	CHECKF(strstr(out, "@e: 2\n"), "%s", out);
}

/* A skipped block is still checked; a missing binary is still an error. */
TT_TEST(errors_stay_errors)
{
	CHECK(realpath("/proc/self/exe", self) != NULL);
	struct bt_program *p = start("usdt:%s:tt_um:fire { @a = 1; }\n"
				     "usdt:%s:tt_um:nosuch { @a = \"s\"; }");
	CHECK(p == NULL);
	CHECKF(strstr(errbuf, "2:") == errbuf, "%s", errbuf);
	p = start("usdt:/no/such/binary:p:n { } BEGIN { }");
	CHECK(p == NULL);
	CHECKF(strstr(errbuf, "/no/such/binary"), "%s", errbuf);
	p = start("usdt:/bin/true { } BEGIN { }");
	CHECK(p == NULL);
	CHECKF(strstr(errbuf, "usdt:binary:[provider:]name"), "%s", errbuf);
}

TT_MAIN("bpf/usdt_missing", TT_CASE(present_fires_missing_skipped),
	TT_CASE(tracepoint_runs_next_to_missing_usdt),
	TT_CASE(only_missing_probes_fail_to_attach),
	TT_CASE(end_alone_is_enough), TT_CASE(errors_stay_errors))
