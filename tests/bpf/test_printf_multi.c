/*
 * test_printf_multi.c - several printf formats in one probe body and in
 * different probes all print, on real syscall tracepoints fired by this
 * process.
 *
 * Regression: sema's annotation table grew while a printf typed its
 * arguments, and the printf's record id went to the freed table; the
 * printf then printed nothing (tcplife_tp.bt lost its second printf) or
 * crashed codegen. Whether that happens depends on how many expression
 * nodes precede the printf, so each program is padded with k terms for a
 * range of k that crosses the table's first growth (128 entries) inside a
 * printf's arguments.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "tests/bpf/bpf_util.h"
#include "tests/tt_test.h"
#include "tracetab/bt.h"

static char errbuf[1024];

static struct bt_program *start(const char *src, bool table_mode)
{
	struct bt_compile_opts o = {.sz = sizeof(o),
				    .table_mode = table_mode,
				    .ringbuf_bytes = 4096 * 4};
	const struct btt_run r = { .opts = &o, .upto = BTT_ATTACH };
	struct bt_program *p = NULL;

	return btt__run(src, &r, &p, errbuf, sizeof(errbuf)) ? NULL : p;
}

/* "1 + 1 + ... + 1" with k ones (2k - 1 expression nodes). */
static void ones(char *buf, size_t cap, int k)
{
	size_t n = 0;
	buf[0] = 0;
	for (int i = 0; i < k && n + 8 < cap; i++)
		n += (size_t)snprintf(buf + n, cap - n, i ? " + 1" : "1");
}

/*
 * Two probes, two printfs each; the first probe's printfs come after k
 * padding terms, the second probe's after k / 2.
 */
static void program(char *src, size_t cap, int k)
{
	char pad[2048], half[1024];
	ones(pad, sizeof(pad), k);
	ones(half, sizeof(half), k / 2 + 1);
	snprintf(src, cap,
		 "tracepoint:syscalls:sys_enter_getppid /pid == %d/ {\n"
		 "  $x = %s;\n"
		 "  printf(\"a %%d %%d \", $x, pid);\n"
		 "  printf(\"b %%d %%s\\n\", $x + tid - tid, comm);\n"
		 "}\n"
		 "tracepoint:syscalls:sys_enter_getpgid /pid == %d/ {\n"
		 "  $y = %s;\n"
		 "  printf(\"c %%d \", $y);\n"
		 "  printf(\"d %%d %%d\\n\", $y, args->pid);\n"
		 "}\n",
		 (int)getpid(), pad, (int)getpid(), half);
}

static void expect_lines(int k, const char *out)
{
	char want[256], comm[32] = "";
	FILE *f = fopen("/proc/self/comm", "r");
	if (f) {
		if (fgets(comm, sizeof(comm), f))
			comm[strcspn(comm, "\n")] = 0;
		fclose(f);
	}
	snprintf(want, sizeof(want), "a %d %d b %d %s\n", k, (int)getpid(), k,
		 comm);
	CHECKF(strstr(out, want), "k=%d want %sgot:\n%s", k, want, out);
	snprintf(want, sizeof(want), "c %d d %d 77\n", k / 2 + 1, k / 2 + 1);
	CHECKF(strstr(out, want), "k=%d want %sgot:\n%s", k, want, out);
}

TT_TEST(every_printf_of_every_probe_prints)
{
	static char src[8192];
	static struct btt_text t;
	/* 60..72 ones put the 128th entry inside the first probe's printfs. */
	for (int k = 56; k <= 76; k++) {
		program(src, sizeof(src), k);
		struct bt_program *p = start(src, false);
		CHECKF(p, "k=%d: %s", k, errbuf);
		if (!p)
			return;
		syscall(SYS_getppid);
		syscall(SYS_getpgid, 77);
		memset(&t, 0, sizeof(t));
		t.p = p;
		bt_program__consume(p, btt__append_row, &t);
		bt_program__free(p);
		expect_lines(k, t.out);
	}
}

struct rows {
	const struct bt_program *p;
	int per_table[4];
	int other;
};

static int count_row(void *ctx, const struct bt_row *row)
{
	struct rows *r = ctx;
	int t = bt_program__row_table(r->p, row->printf_id);
	if (t >= 0 && t < 4)
		r->per_table[t]++;
	else
		r->other++;
	return 0;
}

/* Table mode (the daemon): four formats are four tables, each gets rows. */
TT_TEST(every_printf_is_a_table_with_rows)
{
	static char src[8192];
	for (int k = 56; k <= 76; k += 4) {
		program(src, sizeof(src), k);
		struct bt_program *p = start(src, true);
		CHECKF(p, "k=%d: %s", k, errbuf);
		if (!p)
			return;
		CHECK_INT(bt_program__ntables(p), 4);
		for (int i = 0; i < 3; i++) {
			syscall(SYS_getppid);
			syscall(SYS_getpgid, 77);
		}
		struct rows r = {.p = p};
		bt_program__consume(p, count_row, &r);
		for (int t = 0; t < 4; t++)
			CHECKF(r.per_table[t] == 3, "k=%d table %d: %d rows", k,
			       t, r.per_table[t]);
		CHECK_INT(r.other, 0);
		bt_program__free(p);
	}
}

TT_MAIN("bpf/printf_multi", TT_CASE(every_printf_of_every_probe_prints),
	TT_CASE(every_printf_is_a_table_with_rows))
