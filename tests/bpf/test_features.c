/*
 * test_features.c - the feature report against independent evidence: the
 * kernel's own configuration (/proc/config.gz, when present), sysfs, and
 * what actually works (attaching through bpf/attach.c).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/utsname.h>
#include <unistd.h>

#include <bpf/bpf.h>

#include "bpf/attach.h"
#include "tests/tt_test.h"
#include "tracetab/bt.h"

/* 1 if CONFIG_<name>=y in /proc/config.gz, 0 if not, -1 if unknown. */
static int kconfig(const char *name)
{
	char cmd[256], line[256];
	FILE *p;
	int ret = -1;

	if (access("/proc/config.gz", R_OK))
		return -1;
	snprintf(cmd, sizeof(cmd),
		 "zcat /proc/config.gz 2>/dev/null | grep -E '^(# "
		 ")?CONFIG_%s[= ]'",
		 name);
	p = popen(cmd, "r");
	if (!p)
		return -1;
	if (fgets(line, sizeof(line), p))
		ret = strstr(line, "=y") != NULL;
	pclose(p);
	return ret;
}

TT_TEST(kernel_version)
{
	struct bt_features f;
	struct utsname u;
	char want[64], got[64];

	CHECK_INT(bt_features__probe(&f), 0);
	CHECK(!uname(&u));
	snprintf(got, sizeof(got), "%u.%u", f.kernel_major, f.kernel_minor);
	snprintf(want, sizeof(want), "%.*s", (int)strcspn(u.release, ".-"),
		 u.release);
	CHECK(!strncmp(u.release, got, strlen(got)));
	CHECK(f.kernel_major >= 3);
}

TT_TEST(matches_kernel_config)
{
	struct bt_features f;
	int kp = kconfig("KPROBES"), up = kconfig("UPROBE_EVENTS"),
	    btf = kconfig("DEBUG_INFO_BTF");

	bt_features__probe(&f);
	if (kp < 0 && up < 0)
		SKIP("no /proc/config.gz to compare with");
	if (kp >= 0)
		CHECK_INT(f.kprobe, kp);
	if (up >= 0)
		CHECK_INT(f.uprobe, up);
	if (btf >= 0)
		CHECK_INT(f.btf, btf);
}

TT_TEST(matches_sysfs)
{
	struct bt_features f;

	bt_features__probe(&f);
	CHECK_INT(f.btf, access("/sys/kernel/btf/vmlinux", R_OK) == 0);
	CHECK_INT(f.uprobe,
		  access("/sys/bus/event_source/devices/uprobe", F_OK) == 0 ||
			  access("/sys/kernel/tracing/uprobe_events", F_OK) ==
				  0);
	if (f.kernel_major > 5 || (f.kernel_major == 5 && f.kernel_minor >= 8))
		CHECK(f.ringbuf);
	if (f.kernel_major >= 5)
		CHECK(f.raw_tracepoint && f.tracepoint);
	CHECK(f.perf_event);
}

/* The report agrees with what attach can do. */
TT_TEST(matches_attach)
{
	static const struct bpf_insn ret0[] = {
		{.code = BPF_ALU64 | BPF_MOV | BPF_K, .dst_reg = BPF_REG_0},
		{.code = BPF_JMP | BPF_EXIT},
	};
	struct bt_features f;
	struct bt_link *l = NULL;
	char err[256];
	int fd, ret;

	bt_features__probe(&f);
	fd = bpf_prog_load(BPF_PROG_TYPE_KPROBE, NULL, "GPL", ret0, 2, NULL);
	CHECK(fd >= 0);
	ret = bt_attach__kprobe(fd, "do_nanosleep", 0, false, &l, err,
				sizeof(err));
	bt_link__free(l);
	close(fd);
	CHECKF(f.kprobe == (ret == 0), "kprobe %d, attach %d: %s", f.kprobe,
	       ret, err);
}

TT_TEST(this_machine)
{
	struct bt_features f;

	bt_features__probe(&f);
	if (kconfig("KPROBES") != 0)
		SKIP("not the kprobe-less CI kernel");
	/* DESIGN.md: no kprobes, no fentry; BTF, uprobes, ring buffers. */
	CHECK(!f.kprobe);
	CHECK(!f.fentry);
	CHECK(f.uprobe);
	CHECK(f.btf);
	CHECK(f.ringbuf);
	CHECK(f.tracepoint);
	CHECK(f.raw_tracepoint);
	CHECK(f.perf_event);
}

TT_TEST(cached)
{
	struct bt_features a, b;

	bt_features__probe(&a);
	bt_features__probe(&b);
	CHECK(!memcmp(&a, &b, sizeof(a)));
}

TT_MAIN("bpf/features", TT_CASE(kernel_version), TT_CASE(matches_kernel_config),
	TT_CASE(matches_sysfs), TT_CASE(matches_attach), TT_CASE(this_machine),
	TT_CASE(cached))
