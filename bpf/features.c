/*
 * features.c - which probe kinds this kernel offers, found by trying.
 *
 * Selectors (`kprobe`, `fentry`, `btf`, `uprobe`) and status messages need
 * facts, not guesses from the kernel version: each feature is probed the
 * way it will be used (a ring buffer map is created, a tracing program is
 * loaded against a BTF function, a software perf event is opened). The
 * answer cannot change while we run, so it is computed once per process.
 */
#include <errno.h>
#include <linux/perf_event.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/utsname.h>
#include <unistd.h>

#include <bpf/bpf.h>

#include "bpf/btf.h"
#include "bpf/tracefs.h"
#include "tracetab/bt.h"

static pthread_once_t once = PTHREAD_ONCE_INIT;
static struct bt_features cached;

/* r0 = 0; exit */
static const struct bpf_insn ret0[] = {
	{.code = BPF_ALU64 | BPF_MOV | BPF_K, .dst_reg = BPF_REG_0},
	{.code = BPF_JMP | BPF_EXIT},
};

static int load(enum bpf_prog_type type, struct bpf_prog_load_opts *opts)
{
	return bpf_prog_load(type, NULL, "GPL", ret0, 2, opts);
}

static bool has_pmu(const char *name)
{
	char path[128];

	snprintf(path, sizeof(path), "/sys/bus/event_source/devices/%s/type",
		 name);
	return access(path, R_OK) == 0;
}

static bool has_tracefs_file(const char *file)
{
	const char *root;
	char path[256];

	if (bt_tracefs__root(&root, NULL, 0))
		return false;
	snprintf(path, sizeof(path), "%s/%s", root, file);
	return access(path, F_OK) == 0;
}

/* A tracing (fentry) program verified against a real kernel function. */
static bool probe_fentry(void)
{
	LIBBPF_OPTS(bpf_prog_load_opts, opts,
		    .expected_attach_type = BPF_TRACE_FENTRY);
	struct bt_btf *b;
	uint32_t id;
	int fd, lfd;

	if (bt_btf__vmlinux(&b, NULL, 0) ||
	    bt_btf__func(b, "do_nanosleep", &id, NULL, 0))
		return false;
	opts.attach_btf_id = id;
	fd = load(BPF_PROG_TYPE_TRACING, &opts);
	if (fd < 0)
		return false;
	lfd = bpf_raw_tracepoint_open(NULL, fd);
	if (lfd >= 0)
		close(lfd);
	close(fd);
	return lfd >= 0;
}

static bool probe_raw_tracepoint(void)
{
	int fd = load(BPF_PROG_TYPE_RAW_TRACEPOINT, NULL), lfd;

	if (fd < 0)
		return false;
	lfd = bpf_raw_tracepoint_open("sched_process_exit", fd);
	if (lfd >= 0)
		close(lfd);
	close(fd);
	return lfd >= 0;
}

static bool probe_ringbuf(void)
{
	int fd = bpf_map_create(BPF_MAP_TYPE_RINGBUF, NULL, 0, 0, 4096, NULL);

	if (fd < 0)
		return false;
	close(fd);
	return true;
}

static bool probe_perf_event(void)
{
	struct perf_event_attr attr = {
		.size = sizeof(attr),
		.type = PERF_TYPE_SOFTWARE,
		.config = PERF_COUNT_SW_CPU_CLOCK,
		.sample_period = 1000000,
		.disabled = 1,
	};
	int fd = syscall(__NR_perf_event_open, &attr, 0, -1, -1,
			 PERF_FLAG_FD_CLOEXEC);

	if (fd < 0)
		return false;
	close(fd);
	return true;
}

static void probe_all(void)
{
	struct bt_features *f = &cached;
	struct utsname u;
	struct bt_btf *b;
	const char *root;

	if (!uname(&u))
		sscanf(u.release, "%u.%u.%u", &f->kernel_major,
		       &f->kernel_minor, &f->kernel_patch);
	f->btf = bt_btf__vmlinux(&b, NULL, 0) == 0;
	f->kprobe = has_pmu("kprobe") || has_tracefs_file("kprobe_events");
	f->uprobe = has_pmu("uprobe") || has_tracefs_file("uprobe_events");
	f->tracepoint =
		!bt_tracefs__root(&root, NULL, 0) && has_pmu("tracepoint");
	f->fentry = f->btf && probe_fentry();
	f->raw_tracepoint = probe_raw_tracepoint();
	f->ringbuf = probe_ringbuf();
	f->perf_event = probe_perf_event();
}

int bt_features__probe(struct bt_features *f)
{
	pthread_once(&once, probe_all);
	*f = cached;
	return 0;
}
