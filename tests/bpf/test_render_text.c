/*
 * test_render_text.c - the user-space renderings of buf() (%r),
 * strftime(), cgroup_path() and usym() (bpf/render_text.c), against
 * real clocks, a cgroup this test creates and this test binary's own
 * symbols and mappings. Expected texts are bpftrace 0.17's, as observed
 * on this machine.
 */
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "bpf/render.h"
#include "tests/bpf/bpf_util.h"
#include "tests/tt_test.h"

TT_TEST(buf_escapes_like_bpftrace)
{
	const uint8_t in[] = { 'A', 'b', 0, 1, 0x7f, ' ', '~', '\\', '"',
			       '\n', 0xff, 'z' };
	char out[128];
	size_t n = bt_render__buf(in, sizeof(in), out, sizeof(out));
	/* bpftrace 0.17 printed: Ab\x00\x01\x7f ~\"\x0a\xffz */
	CHECK_STR(out, "Ab\\x00\\x01\\x7f ~\\\"\\x0a\\xffz");
	CHECK_INT(n, strlen(out));
	CHECK_INT(bt_render__buf(in, 0, out, sizeof(out)), 0);
	CHECK_STR(out, "");
}

TT_TEST(buf_never_cuts_an_escape)
{
	const uint8_t in[] = { 0, 0, 'x' };
	char out[7];
	bt_render__buf(in, sizeof(in), out, sizeof(out));
	CHECK_STR(out, "\\x00"); /* a second escape needs 4 more bytes */
	char one[1];
	CHECK_INT(bt_render__buf(in, sizeof(in), one, sizeof(one)), 0);
	CHECK_STR(one, "");
	/* Every byte value, worst case 4 characters each. */
	uint8_t all[64];
	char big[64 * 4 + 1];
	for (int i = 0; i < 64; i++)
		all[i] = (uint8_t)(i < 32 ? i : 0x80 + i); /* none printable */
	CHECK_INT(bt_render__buf(all, 64, big, sizeof(big)), 256);
}

static uint64_t mono_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000 + (uint64_t)ts.tv_nsec;
}

/* localtime text of now - ago seconds, for two adjacent seconds. */
static void local_text(const char *fmt, time_t ago, char *a, char *b,
		       size_t len)
{
	time_t t = time(NULL) - ago;
	struct tm tm;
	localtime_r(&t, &tm);
	strftime(a, len, fmt, &tm);
	t++;
	localtime_r(&t, &tm);
	strftime(b, len, fmt, &tm);
}

TT_TEST(strftime_is_wall_clock_of_the_event)
{
	char out[128], a[128], b[128];
	const char *f = "%Y-%m-%d %H:%M:%S";
	local_text(f, 0, a, b, sizeof(a));
	CHECK(bt_render__strftime(f, mono_ns(), out, sizeof(out)) > 0);
	CHECKF(!strcmp(out, a) || !strcmp(out, b), "%s not %s/%s", out, a, b);
	/* An event 100 s ago renders 100 s ago. */
	local_text(f, 100, a, b, sizeof(a));
	bt_render__strftime(f, mono_ns() - 100000000000ull, out, sizeof(out));
	CHECKF(!strcmp(out, a) || !strcmp(out, b), "%s not %s/%s", out, a, b);
}

TT_TEST(strftime_microseconds)
{
	char out[64];
	uint64_t t = mono_ns();
	/* %f: 6 digits; "%%f" stays a literal. */
	CHECK(bt_render__strftime("%S.%f|%%f", t, out, sizeof(out)) > 0);
	CHECKF(strlen(out) == 12 && out[2] == '.' && !strcmp(out + 9, "|%f"),
	       "%s", out);
	for (int i = 3; i < 9; i++)
		CHECKF(out[i] >= '0' && out[i] <= '9', "%s", out);
	/* The microseconds move with the event time. */
	char a[64], b[64];
	bt_render__strftime("%f", t - t % 1000000000, a, sizeof(a));
	bt_render__strftime("%f", t - t % 1000000000 + 250000000, b,
			    sizeof(b));
	long da = atol(a), db = atol(b);
	CHECKF((db - da + 1000000) % 1000000 == 250000, "%s %s", a, b);
	/* Too small a buffer: empty text, never an overflow. */
	char tiny[4];
	CHECK_INT(bt_render__strftime("%Y-%m-%d", t, tiny, sizeof(tiny)), 0);
	CHECK_STR(tiny, "");
}

TT_TEST(cgroup_path_of_created_cgroup)
{
	char mnt[256], dir[512], want[512], out[4096];
	struct stat st;
	if (!btt__cgroup2_mount(mnt, sizeof(mnt)))
		SKIP("no cgroup2 mount");
	snprintf(dir, sizeof(dir), "%s/tt_render_%d", mnt, getpid());
	if (mkdir(dir, 0755) < 0)
		SKIP("cannot create a cgroup in %s", mnt);
	CHECK(stat(dir, &st) == 0);
	snprintf(want, sizeof(want), "unified:/tt_render_%d", getpid());
	bt_render__cgroup_path(st.st_ino, "unified", out, sizeof(out));
	bool exact = !strcmp(out, want);
	/* Without a filter cgroup2 comes first; v1 hierarchies may follow
	 * (bpftrace matches any entry with that inode there). */
	bt_render__cgroup_path(st.st_ino, NULL, out, sizeof(out));
	bool first = !strncmp(out, want, strlen(want)) &&
		     (out[strlen(want)] == 0 || out[strlen(want)] == ',');
	char none[64] = "x";
	bt_render__cgroup_path(st.st_ino, "nothing*", none, sizeof(none));
	/* Nested: the path is relative to the mount. */
	char sub[600];
	snprintf(sub, sizeof(sub), "%s/a", dir);
	bool nested = mkdir(sub, 0755) == 0;
	struct stat sst;
	char sout[256] = "";
	if (nested && stat(sub, &sst) == 0)
		bt_render__cgroup_path(sst.st_ino, "uni*", sout, sizeof(sout));
	if (nested)
		rmdir(sub);
	rmdir(dir);
	CHECKF(exact, "got %s", out);
	CHECKF(first, "got %s", out);
	CHECK_STR(none, "");
	char swant[600];
	snprintf(swant, sizeof(swant), "%s/a", want);
	CHECK(nested);
	CHECK_STR(sout, swant);
	/* Gone: a removed cgroup no longer resolves (the cache re-checks). */
	bt_render__cgroup_path(st.st_ino, "unified", out, sizeof(out));
	CHECK_STR(out, "");
}

TT_TEST(cgroup_path_root)
{
	char mnt[256], out[4096];
	struct stat st;
	if (!btt__cgroup2_mount(mnt, sizeof(mnt)))
		SKIP("no cgroup2 mount");
	CHECK(stat(mnt, &st) == 0);
	bt_render__cgroup_path(st.st_ino, "unified", out, sizeof(out));
	CHECK_STR(out, "unified:/");
	/* A small buffer keeps whole entries only. */
	char small[8];
	bt_render__cgroup_path(st.st_ino, NULL, small, sizeof(small));
	CHECKF(!strcmp(small, "") || !strchr(small, ','), "%s", small);
}

BTT_TARGET_INT(tt_render_usym_target);

TT_TEST(usym_resolves_this_binary)
{
	char out[256];
	uint64_t a = (uint64_t)(uintptr_t)&tt_render_usym_target;
	bt_render__usym(a, (uint32_t)getpid(), out, sizeof(out));
	CHECK_STR(out, "tt_render_usym_target");
	/* Inside the function: the name alone, like bpftrace 0.17. */
	bt_render__usym(a + 2, (uint32_t)getpid(), out, sizeof(out));
	CHECK_STR(out, "tt_render_usym_target");
	/* libc through its mapping. */
	bt_render__usym((uint64_t)(uintptr_t)&getpid, (uint32_t)getpid(), out,
			sizeof(out));
	CHECKF(strstr(out, "getpid") != NULL, "%s", out);
	/* Unmapped or data: the address in hex. */
	bt_render__usym(12, (uint32_t)getpid(), out, sizeof(out));
	CHECK_STR(out, "0xc");
	static int data;
	char want[64];
	snprintf(want, sizeof(want), "0x%llx",
		 (unsigned long long)(uintptr_t)&data);
	bt_render__usym((uint64_t)(uintptr_t)&data, (uint32_t)getpid(), out,
			sizeof(out));
	CHECK_STR(out, want);
}

TT_TEST(usym_of_exited_process_is_hex)
{
	pid_t p = fork();
	if (p == 0)
		_exit(0);
	CHECK(p > 0);
	waitpid(p, NULL, 0);
	char out[64], want[64];
	uint64_t a = (uint64_t)(uintptr_t)&tt_render_usym_target;
	snprintf(want, sizeof(want), "0x%llx", (unsigned long long)a);
	bt_render__usym(a, (uint32_t)p, out, sizeof(out));
	CHECK_STR(out, want);
	bt_render__usym(a, 0, out, sizeof(out));
	CHECK_STR(out, want);
}

TT_MAIN("render_text", TT_CASE(buf_escapes_like_bpftrace),
	TT_CASE(buf_never_cuts_an_escape),
	TT_CASE(strftime_is_wall_clock_of_the_event),
	TT_CASE(strftime_microseconds),
	TT_CASE(cgroup_path_of_created_cgroup), TT_CASE(cgroup_path_root),
	TT_CASE(usym_resolves_this_binary),
	TT_CASE(usym_of_exited_process_is_hex))
