/*
 * test_uprobe_missing.c - uprobes on functions a binary lacks are skipped
 * as bpftrace 0.17 skips them: the other probes of the program attach and
 * fire, the skipped ones are named by bt_program__skipped, and a program
 * left with no probe at all fails to attach (bpftrace: "No probes to
 * attach"), BEGIN and END counting as probes. The probes are real uprobes
 * on this test's own functions; tests/bpf/test_uprobe_missing.sh runs the same
 * situation under bpftrace and bt-run side by side.
 */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tests/bpf/bpf_util.h"
#include "tests/tt_test.h"
#include "tracetab/bt.h"

BTT_TARGET_INT(tt_um_present);

static char self[PATH_MAX];
static char errbuf[1024];

/* Compiles, loads and attaches; NULL with errbuf set on failure. */
static struct bt_program *start(const char *fmt)
{
	return btt__start_self(fmt, errbuf, sizeof(errbuf));
}

/* One present and two missing attach points: the present one fires. */
TT_TEST(present_fires_missing_skipped)
{
	CHECK(realpath("/proc/self/exe", self) != NULL);
	struct bt_program *p =
		start("uprobe:%s:tt_um_present,\n"
		      "uprobe:%s:tt_um_absent_xyz { @[func] = count(); }\n"
		      "uretprobe:%s:tt_um_absent_* { @r[retval] = count(); }\n"
		      "uretprobe:%s:tt_um_present { @r[retval] = count(); }\n");
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
		 "uprobe:%s:tt_um_absent_xyz skipped: no function in the "
		 "file matches it",
		 self);
	CHECK_STR(d.msg, want);
	CHECK_INT(bt_program__skipped(p, 1, &d), 0);
	CHECK_INT(d.line, 3);
	snprintf(want, sizeof(want), "uretprobe:%s:tt_um_absent_* skipped",
		 self);
	CHECKF(strstr(d.msg, want) == d.msg, "%s", d.msg);
	CHECK_INT(bt_program__skipped(p, 2, &d), -ENOENT);
	for (int i = 0; i < 3; i++)
		CHECK_INT(tt_um_present(i), i + 1);
	const char *out = btt__end(p);

	CHECKF(strstr(out, "@[tt_um_present]: 3\n"), "%s", out);
	CHECKF(strstr(out, "@r[1]: 1\n") && strstr(out, "@r[2]: 1\n") &&
		       strstr(out, "@r[3]: 1\n"),
	       "%s", out);
}

/* Nothing left to attach: the error bpftrace's "No probes to attach" is. */
TT_TEST(only_missing_probes_fail_to_attach)
{
	CHECK(realpath("/proc/self/exe", self) != NULL);
	struct bt_program *p =
		start("uprobe:%s:tt_um_absent_xyz, uprobe:%s:tt_um_nope_* "
		      "{ @ = count(); }");
	CHECK(p == NULL);
	bt_program__free(p);
	CHECKF(strstr(errbuf, "1:1: cannot attach uprobe: no function "
			      "matches 'tt_um_absent_xyz' in /") == errbuf &&
		       strstr(errbuf, "no other probe to attach"),
	       "%s", errbuf);
}

/* BEGIN is a probe to bpftrace ("Attaching 1 probe..."): it runs. */
TT_TEST(begin_alone_is_enough)
{
	CHECK(realpath("/proc/self/exe", self) != NULL);
	struct bt_program *p = start("BEGIN { @b = 7; }\n"
				     "uprobe:%s:tt_um_absent_xyz { @b = 1; }");
	CHECKF(p, "%s", errbuf);
	if (!p)
		return;
	CHECK_INT(bt_program__nskipped(p), 1);
	tt_um_present(1);
	const char *out = btt__end(p);

	CHECKF(strstr(out, "@b: 7\n"), "%s", out);
}

/* A skipped block is still checked: its errors are errors. */
TT_TEST(skipped_block_is_still_checked)
{
	CHECK(realpath("/proc/self/exe", self) != NULL);
	struct bt_program *p = start("uprobe:%s:tt_um_present { @a = 1; }\n"
				     "uprobe:%s:tt_um_absent_xyz "
				     "{ @a = \"text\"; }");
	CHECK(p == NULL);
	bt_program__free(p);
	CHECKF(strstr(errbuf, "2:"), "%s", errbuf);
}

/* function+OFFSET in a missing function is skipped as well (bpftrace). */
TT_TEST(offset_in_missing_function_skipped)
{
	CHECK(realpath("/proc/self/exe", self) != NULL);
	struct bt_program *p =
		start("uprobe:%s:tt_um_absent_xyz+4 { @x = 1; }\n"
		      "uprobe:%s:tt_um_present { @p = count(); }");
	CHECKF(p, "%s", errbuf);
	if (!p)
		return;
	struct bt_diag d;

	CHECK_INT(bt_program__skipped(p, 0, &d), 0);
	CHECKF(strstr(d.msg, ":tt_um_absent_xyz+4 skipped"), "%s", d.msg);
	tt_um_present(2);
	const char *out = btt__end(p);

	CHECKF(strstr(out, "@p: 1\n") && !strstr(out, "@x"), "%s", out);
}

/* Bad arguments: no crash, nothing skipped. */
TT_TEST(bad_arguments)
{
	struct bt_diag d;

	CHECK_INT(bt_program__nskipped(NULL), 0);
	CHECK_INT(bt_program__skipped(NULL, 0, &d), -ENOENT);
	struct bt_program *p = start("BEGIN { exit(); }");
	CHECKF(p, "%s", errbuf);
	if (!p)
		return;
	CHECK_INT(bt_program__nskipped(p), 0);
	CHECK_INT(bt_program__skipped(p, 0, &d), -ENOENT);
	CHECK_INT(bt_program__skipped(p, SIZE_MAX, &d), -ENOENT);
	btt__end(p);
}

TT_MAIN("bpf/uprobe_missing", TT_CASE(present_fires_missing_skipped),
	TT_CASE(only_missing_probes_fail_to_attach),
	TT_CASE(begin_alone_is_enough), TT_CASE(skipped_block_is_still_checked),
	TT_CASE(offset_in_missing_function_skipped), TT_CASE(bad_arguments))
