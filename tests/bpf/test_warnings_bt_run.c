/*
 * test_warnings_bt_run.c - bt-run as a user meets compile warnings: each
 * on stderr as "FILE:LINE:COL: warning: MESSAGE" before the probes attach,
 * and the program still runs with bpftrace 0.17's result on stdout.
 */
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "tests/bpf/bpf_util.h"
#include "tests/tt_test.h"

/* build/bt-run next to build/tests/bpf/THIS (or build/asan/...). */
static bool find_bt_run(char *out, size_t len)
{
	char self[PATH_MAX];
	const char *exe = btt__self();
	if (!exe)
		return false;
	snprintf(self, sizeof(self), "%s", exe);
	char *cut = strstr(self, "/tests/bpf/");
	if (!cut)
		return false;
	*cut = 0;
	if (snprintf(out, len, "%s/bt-run", self) >= (int)len)
		return false;
	if (access(out, X_OK) == 0)
		return true;
	cut = strrchr(self, '/'); /* build/asan -> build */
	if (!cut)
		return false;
	*cut = 0;
	if (snprintf(out, len, "%s/bt-run", self) >= (int)len)
		return false;
	return access(out, X_OK) == 0;
}

/* Reads a whole small file into buf. */
static void slurp(const char *path, char *buf, size_t len)
{
	FILE *f = fopen(path, "r");
	size_t n = f ? fread(buf, 1, len - 1, f) : 0;
	buf[n] = 0;
	if (f)
		fclose(f);
}

TT_TEST(warnings_on_stderr_with_position)
{
	char bt[PATH_MAX];
	if (!find_bt_run(bt, sizeof(bt)))
		SKIP("bt-run is not built");
	char dir[] = "/tmp/tt-warn-XXXXXX";
	CHECK(mkdtemp(dir) != NULL);
	char prog[PATH_MAX], out[PATH_MAX], err[PATH_MAX];
	snprintf(prog, sizeof(prog), "%s/w.bt", dir);
	snprintf(out, sizeof(out), "%s/out", dir);
	snprintf(err, sizeof(err), "%s/err", dir);
	FILE *f = fopen(prog, "w");
	CHECK(f != NULL);
	if (!f)
		return;
	fputs("BEGIN {\n"
	      "\t$p = (uint16)65534;\n"
	      "\t$p = $p + 1;\n"
	      "\tprintf(\"%d\\n\", $p);\n"
	      "\texit();\n"
	      "}\n",
	      f);
	fclose(f);
	char cmd[5 * PATH_MAX];
	CHECK(snprintf(cmd, sizeof(cmd), "%s -t 10 %s >%s 2>%s", bt, prog, out,
		       err) < (int)sizeof(cmd));
	CHECK_INT(system(cmd), 0);
	char o[4096], e[4096], want[PATH_MAX + 512];
	slurp(out, o, sizeof(o));
	slurp(err, e, sizeof(e));
	CHECKF(strncmp(o, "65534\n", 6) == 0, "stdout: %s", o);
	snprintf(want, sizeof(want),
		 "%s:3:2: warning: assigning a 64-bit value to the uint16 "
		 "variable '$p' has no effect (as in bpftrace 0.17); give the "
		 "variable a wider type where it is first assigned\nREADY\n",
		 prog);
	CHECKF(strcmp(e, want) == 0, "stderr:\n%swant:\n%s", e, want);
	unlink(prog);
	unlink(out);
	unlink(err);
	rmdir(dir);
}

TT_MAIN("bpf/warnings_bt_run", TT_CASE(warnings_on_stderr_with_position))
