/*
 * tests/bpf/test_map_rows.c - maps read as table rows (bpf/map_rows.c):
 * schemas named from key expressions, and snapshots of every value kind
 * (count, sum, min, max, avg, stats, hist, lhist, strings, tuples) after
 * a real tracepoint fired a known number of times in this process.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "tests/bpf/bpf_util.h"
#include "tests/tt_test.h"
#include "tracetab/bt.h"

#define MAXR 64

static char errbuf[4096];

static struct bt_program *compile(const char *src, bool load)
{
	struct bt_compile_opts o = {
		.sz = sizeof(o), .table_mode = true, .ringbuf_bytes = 4096};
	const struct btt_run r = {.opts = &o,
				  .upto = load ? BTT_ATTACH : BTT_COMPILE,
				  .render = true};
	struct bt_program *p = NULL;

	return btt__run(src, &r, &p, errbuf, sizeof(errbuf)) ? NULL : p;
}

/* The schema of map i as "a,b,time_"; "" on error. */
static const char *columns(struct bt_program *p, size_t i, const char *src)
{
	static char buf[512];
	struct tt_schema s;
	size_t o = 0;

	buf[0] = '\0';
	if (bt_program__map_schema(p, i, src, &s) < 0)
		return buf;
	for (uint32_t c = 0; c < s.ncols; c++)
		o += snprintf(buf + o, sizeof(buf) - o, "%s%s", c ? "," : "",
			      s.cols[c].name);
	return buf;
}

struct rows {
	size_t n;
	struct tt_schema s;
	int64_t v[MAXR][8];
	char str[MAXR][8][64];
};

static int collect(void *ctx, const union tt_value *row)
{
	struct rows *r = ctx;

	if (r->n == MAXR)
		return -E2BIG;
	for (uint32_t c = 0; c < r->s.ncols && c < 8; c++) {
		if (r->s.cols[c].type == TT_TYPE_STRING)
			snprintf(r->str[r->n][c], 64, "%.*s",
				 (int)row[c].str.len, row[c].str.ptr);
		else
			r->v[r->n][c] = row[c].i64;
	}
	r->n++;
	return 0;
}

/* Map named name's snapshot (time_ 77) into *r; the map's index or -1. */
static int snap(struct bt_program *p, const char *name, struct rows *r)
{
	memset(r, 0, sizeof(*r));
	for (size_t i = 0; i < bt_program__nmaps(p); i++) {
		if (strcmp(bt_program__map_name(p, i), name))
			continue;
		bt_program__map_schema(p, i, NULL, &r->s);
		int n = bt_program__map_snapshot(p, i, 77, collect, r);
		return n == (int)r->n ? (int)i : -1;
	}
	return -1;
}

static void fire(int n)
{
	for (int i = 0; i < n; i++)
		syscall(SYS_getppid);
}

TT_TEST(schema_names_from_keys)
{
	const char *src =
		"tracepoint:raw_syscalls:sys_enter { @sys[args->id] = count(); "
		"@by[pid, comm] = sum(1); @[comm] = count(); $count = 1; "
		"@s[$count] = stats(2); @h = hist(3); @t[tid] = (comm, 1); "
		"@x[1 + 2] = count(); }";
	struct bt_program *p = compile(src, false);
	CHECKF(p, "%s", errbuf);
	CHECK_INT(bt_program__nmaps(p), 7);
	CHECK_STR(bt_program__map_name(p, 2), "");
	CHECK(bt_program__map_name(p, 7) == NULL);
	CHECK_STR(columns(p, 0, src), "id,value,time_");
	CHECK_STR(columns(p, 1, src), "pid,comm,value,time_");
	CHECK_STR(columns(p, 2, src), "comm,value,time_");
	/* $count would clash with stats' count: plain key name. */
	CHECK_STR(columns(p, 3, src), "key,count,sum,avg,time_");
	CHECK_STR(columns(p, 4, src), "lo,hi,count,time_");
	CHECK_STR(columns(p, 5, src), "tid,value1,value2,time_");
	CHECK_STR(columns(p, 6, src), "key,value,time_");
	/* Without the text, keys are key/keyN. */
	CHECK_STR(columns(p, 1, NULL), "key1,key2,value,time_");
	struct tt_schema s;
	CHECK_INT(bt_program__map_schema(p, 9, src, &s), -ENOENT);
	bt_program__free(p);
}

TT_TEST(snapshot_every_kind)
{
	if (geteuid() != 0)
		SKIP("needs root to load and attach BPF programs");
	char src[1024];
	snprintf(src, sizeof(src),
		 "tracepoint:syscalls:sys_enter_getppid /pid == %d/ {\n"
		 "  @i++;\n"
		 "  @c[comm] = count(); @sum = sum(@i); @mn = min(@i);\n"
		 "  @mx = max(@i); @a = avg(@i); @st = stats(@i * 10);\n"
		 "  @h = hist(@i); @l = lhist(@i, 0, 10, 5);\n"
		 "  @name[@i %% 2] = comm; @tu = (@i, \"x\");\n}",
		 getpid());
	struct bt_program *p = compile(src, true);
	CHECKF(p, "%s", errbuf);
	fire(10);
	struct rows r;
	char comm[16] = "";
	FILE *f = fopen("/proc/self/comm", "r");
	if (f) {
		if (fgets(comm, sizeof(comm), f))
			comm[strcspn(comm, "\n")] = '\0';
		fclose(f);
	}
	CHECK(snap(p, "c", &r) >= 0 && r.n == 1);
	CHECK_STR(r.str[0][0], comm);
	CHECK_INT(r.v[0][1], 10);
	CHECK_INT(r.v[0][2], 77); /* time_ */
	CHECK(snap(p, "sum", &r) >= 0 && r.n == 1);
	CHECK_INT(r.v[0][0], 55);
	CHECK(snap(p, "mn", &r) >= 0 && r.n == 1);
	CHECK_INT(r.v[0][0], 1);
	CHECK(snap(p, "mx", &r) >= 0 && r.n == 1);
	CHECK_INT(r.v[0][0], 10);
	CHECK(snap(p, "a", &r) >= 0 && r.n == 1);
	CHECK_INT(r.v[0][0], 10); /* count, sum, avg */
	CHECK_INT(r.v[0][1], 55);
	CHECK_INT(r.v[0][2], 5);
	CHECK(snap(p, "st", &r) >= 0 && r.n == 1);
	CHECK_INT(r.v[0][1], 550);
	CHECK_INT(r.v[0][2], 55);
	/* hist of 1..10: [1,2) 1, [2,4) 2, [4,8) 4, [8,16) 3 */
	CHECK(snap(p, "h", &r) >= 0 && r.n == 4);
	int64_t want[4][3] = {{1, 2, 1}, {2, 4, 2}, {4, 8, 4}, {8, 16, 3}};
	for (int b = 0; b < 4; b++)
		CHECKF(r.v[b][0] == want[b][0] && r.v[b][1] == want[b][1] &&
			       r.v[b][2] == want[b][2],
		       "bucket %d: [%lld, %lld) %lld", b, (long long)r.v[b][0],
		       (long long)r.v[b][1], (long long)r.v[b][2]);
	/* lhist(0, 10, 5): [0,5) 4, [5,10) 5, [10, ...) 1 */
	CHECK(snap(p, "l", &r) >= 0 && r.n == 3);
	CHECK_INT(r.v[0][0], 0);
	CHECK_INT(r.v[0][1], 5);
	CHECK_INT(r.v[0][2], 4);
	CHECK_INT(r.v[1][2], 5);
	CHECK_INT(r.v[2][0], 10);
	CHECK_INT(r.v[2][1], INT64_MAX);
	CHECK_INT(r.v[2][2], 1);
	CHECK(snap(p, "name", &r) >= 0 && r.n == 2);
	CHECK_STR(r.str[0][1], comm);
	CHECK(snap(p, "tu", &r) >= 0 && r.n == 1);
	CHECK_INT(r.v[0][0], 10);
	CHECK_STR(r.str[0][1], "x");
	bt_program__free(p);
}

static int stop_early(void *ctx, const union tt_value *row)
{
	(void)row;
	return ++*(int *)ctx == 2 ? -ECANCELED : 0;
}

static void print_hook(void *ctx, size_t map)
{
	((int *)ctx)[map]++;
}

TT_TEST(callback_stops_walk_and_print_hook)
{
	if (geteuid() != 0)
		SKIP("needs root to load and attach BPF programs");
	char src[512], comm[16] = "";
	FILE *f = fopen("/proc/self/comm", "r");
	if (f) {
		if (fgets(comm, sizeof(comm), f))
			comm[strcspn(comm, "\n")] = '\0';
		fclose(f);
	}
	/* This process and its children (same comm). */
	snprintf(src, sizeof(src),
		 "tracepoint:syscalls:sys_enter_getppid /comm == \"%s\"/ "
		 "{ @a[tid] = count(); @b[cpu, tid] = count(); print(@b); }",
		 comm);
	struct bt_program *p = compile(src, true);
	CHECKF(p, "%s", errbuf);
	int printed[2] = {0, 0}, seen = 0;
	bt_program__on_print(p, print_hook, printed);
	fire(3);
	/* Five tids: the walk stops at the second row. */
	for (int i = 0; i < 4; i++) {
		pid_t child = fork();
		if (child == 0) {
			fire(1);
			_exit(0);
		}
		waitpid(child, NULL, 0);
	}
	CHECK_INT(bt_program__map_snapshot(p, 0, 1, stop_early, &seen),
		  -ECANCELED);
	CHECK_INT(seen, 2);
	while (bt_program__consume(p, NULL, NULL) > 0)
		;
	CHECK_INT(printed[0], 0);
	CHECKF(printed[1] >= 7, "print(@b) seen %d times", printed[1]);
	int before = printed[1];
	bt_program__on_print(p, NULL, NULL);
	fire(1);
	bt_program__consume(p, NULL, NULL);
	CHECK_INT(printed[1], before);
	bt_program__free(p);
}

TT_MAIN("bpf_map_rows", TT_CASE(schema_names_from_keys),
	TT_CASE(snapshot_every_kind),
	TT_CASE(callback_stops_walk_and_print_hook))
