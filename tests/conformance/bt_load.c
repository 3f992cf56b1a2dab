/*
 * bt_load - compile and load (never attach) bpftrace programs with
 * tracetab: the conformance suite's check for programs bpftrace 0.17
 * cannot run on this kernel (kprobes, kfunc), which tracetab must still
 * compile and get past the verifier.
 *
 *   bt_load FILE...
 *
 * Prints one line per file: "FILE: load-ok" or "FILE: load-fail: <first
 * diagnostic>". Exits 0 when every file loaded, 1 otherwise, 2 on usage.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tracetab/bt.h"

static char *slurp(const char *path)
{
	FILE *f = fopen(path, "r");
	if (!f)
		return NULL;
	char *buf = NULL;
	size_t len = 0;
	FILE *m = open_memstream(&buf, &len);
	char chunk[4096];
	size_t n;
	while (m && (n = fread(chunk, 1, sizeof(chunk), f)) > 0)
		fwrite(chunk, 1, n, m);
	if (m)
		fclose(m);
	fclose(f);
	return buf;
}

/* First diagnostic as "line:col: msg" on one line. */
static void first_diag(const struct bt_diags *d, char *out, size_t len)
{
	const struct bt_diag *g =
		bt_diags__count(d) ? bt_diags__get(d, 0) : NULL;
	if (!g) {
		snprintf(out, len, "failed without a diagnostic");
		return;
	}
	snprintf(out, len, "%d:%d: %s", g->line, g->col, g->msg);
	for (char *p = out; *p; p++)
		if (*p == '\n')
			*p = ' ';
}

static int load_one(const char *path)
{
	char msg[640];
	char *src = slurp(path);
	if (!src) {
		printf("%s: load-fail: cannot read the file\n", path);
		return -1;
	}
	/* Nothing is attached or run, so unsafe functions (override) are
	 * compiled and verified like bpftrace --unsafe would. */
	struct bt_compile_opts o = {
		.sz = sizeof(o), .filename = path, .unsafe = true};
	struct bt_diags *d = bt_diags__new();
	struct bt_program *p = NULL;
	int ret = d ? bt_program__compile(src, &o, &p, d) : -1;
	if (ret == 0)
		ret = bt_program__load(p, d);
	if (ret == 0) {
		printf("%s: load-ok\n", path);
	} else {
		first_diag(d, msg, sizeof(msg));
		printf("%s: load-fail: %s\n", path, msg);
	}
	bt_program__free(p);
	bt_diags__free(d);
	free(src);
	return ret;
}

int main(int argc, char **argv)
{
	int bad = 0;
	if (argc < 2) {
		fprintf(stderr, "usage: bt_load FILE...\n");
		return 2;
	}
	for (int i = 1; i < argc; i++)
		bad |= load_one(argv[i]) != 0;
	return bad;
}
