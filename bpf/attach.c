/*
 * attach.c - putting loaded BPF programs on probe points.
 *
 * Nearly every probe kind is a perf event with a BPF program on it: the
 * event is opened with perf_event_open (a tracepoint id, a kprobe/uprobe
 * PMU with the function or file in config1, a software clock), then the
 * program is bound with a BPF link (bpf_link_create(BPF_PERF_EVENT), kernels
 * >= 5.15) or, failing that, PERF_EVENT_IOC_SET_BPF. Raw tracepoints have
 * their own bpf() command. A bt_link owns every fd it opened; closing them
 * detaches. A kprobe made through tracefs kprobe_events (kernels without
 * the kprobe PMU) is also removed from kprobe_events on free.
 *
 * Events are opened disabled and enabled only after the program is bound,
 * so no event fires into an unbound perf event.
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/perf_event.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <bpf/bpf.h>

#include "bpf/attach.h"
#include "bpf/errmsg.h"
#include "bpf/btf.h"
#include "bpf/tracefs.h"

struct bt_link {
	size_t n;
	int *perf_fd; /* -1 where not a perf event */
	int *link_fd; /* BPF link or raw tracepoint fd, -1 if none */
	char kprobe_event[64]; /* tracefs kprobe to delete, "" if none */
};


static struct bt_link *link_new(size_t n)
{
	struct bt_link *l = calloc(1, sizeof(*l));

	if (!l)
		return NULL;
	l->perf_fd = malloc(n * sizeof(int));
	l->link_fd = malloc(n * sizeof(int));
	if (!l->perf_fd || !l->link_fd) {
		free(l->perf_fd);
		free(l->link_fd);
		free(l);
		return NULL;
	}
	for (size_t i = 0; i < n; i++)
		l->perf_fd[i] = l->link_fd[i] = -1;
	l->n = n;
	return l;
}

static void kprobe_event_remove(const char *name);

void bt_link__free(struct bt_link *l)
{
	if (!l)
		return;
	for (size_t i = 0; i < l->n; i++) {
		if (l->link_fd[i] >= 0)
			close(l->link_fd[i]);
		if (l->perf_fd[i] >= 0)
			close(l->perf_fd[i]);
	}
	if (l->kprobe_event[0])
		kprobe_event_remove(l->kprobe_event);
	free(l->perf_fd);
	free(l->link_fd);
	free(l);
}

size_t bt_link__count(const struct bt_link *l)
{
	return l ? l->n : 0;
}

/* ---- Perf events
 * --------------------------------------------------------------- */

static int perf_open(struct perf_event_attr *attr, pid_t pid, int cpu)
{
	int fd;

	attr->size = sizeof(*attr);
	attr->disabled = 1;
	fd = syscall(__NR_perf_event_open, attr, pid, cpu, -1,
		     PERF_FLAG_FD_CLOEXEC);
	return fd < 0 ? -errno : fd;
}

/* Words for an errno; bind says whether it came from binding a program. */
static const char *why_bind(int ret, bool bind)
{
	if (ret == -EACCES || ret == -EPERM)
		return "permission denied (needs root or CAP_PERFMON+CAP_BPF)";
	if (ret == -EINVAL && bind)
		return "invalid argument (wrong program type for this probe?)";
	return strerror(-ret);
}

static const char *why(int ret)
{
	return why_bind(ret, true);
}

/* Binds prog to the perf event in slot i of l and enables it. */
static int perf_bind(struct bt_link *l, size_t i, int prog_fd)
{
	int pfd = l->perf_fd[i], lfd, ret;

	lfd = bpf_link_create(prog_fd, pfd, BPF_PERF_EVENT, NULL);
	if (lfd >= 0) {
		l->link_fd[i] = lfd;
	} else if (ioctl(pfd, PERF_EVENT_IOC_SET_BPF, prog_fd) < 0) {
		return -errno; /* older kernels: no perf links */
	}
	ret = ioctl(pfd, PERF_EVENT_IOC_ENABLE, 0);
	return ret < 0 ? -errno : 0;
}

/*
 * Opens one perf event per cpu in cpus (pid -1) or one for pid (cpus NULL,
 * n 1), binds prog_fd to each, and returns the link. what names the probe
 * in messages.
 */
static int perf_attach(int prog_fd, struct perf_event_attr *attr, pid_t pid,
		       const int *cpus, size_t n, const char *what,
		       struct bt_link **out, char *err, size_t errlen)
{
	struct bt_link *l = link_new(n);
	int ret = 0;

	if (!l)
		return -ENOMEM;
	for (size_t i = 0; i < n && !ret; i++) {
		ret = perf_open(attr, pid, cpus ? cpus[i] : -1);
		if (ret < 0) {
			bt_errmsg__set(err, errlen, "cannot open perf event for %s: %s",
			       what, why_bind(ret, false));
			break;
		}
		l->perf_fd[i] = ret;
		ret = perf_bind(l, i, prog_fd);
		if (ret)
			bt_errmsg__set(err, errlen, "cannot attach program to %s: %s",
			       what, why(ret));
	}
	if (ret < 0) {
		bt_link__free(l);
		return ret;
	}
	*out = l;
	return 0;
}

/* Online CPU ids from /sys/devices/system/cpu/online ("0-3,5"). */
static int online_cpus(int **cpus, size_t *n)
{
	char buf[1024], *p = buf, *end;
	int fd = open("/sys/devices/system/cpu/online", O_RDONLY | O_CLOEXEC);
	ssize_t len;
	size_t cnt = 0;
	int *v = NULL;

	if (fd < 0)
		return -errno;
	len = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (len <= 0)
		return -EIO;
	buf[len] = 0;
	while (*p >= '0' && *p <= '9') {
		long lo = strtol(p, &end, 10), hi = lo;

		if (*end == '-')
			hi = strtol(end + 1, &end, 10);
		if (hi < lo || hi - lo > 65536) {
			free(v);
			return -EIO;
		}
		int *nv = realloc(v, (cnt + hi - lo + 1) * sizeof(*v));

		if (!nv) {
			free(v);
			return -ENOMEM;
		}
		v = nv;
		for (long c = lo; c <= hi; c++)
			v[cnt++] = (int)c;
		p = *end == ',' ? end + 1 : end;
	}
	if (!cnt) {
		free(v);
		return -EIO;
	}
	*cpus = v;
	*n = cnt;
	return 0;
}

/* Opens the perf event on every online CPU. */
static int perf_attach_all_cpus(int prog_fd, struct perf_event_attr *attr,
				const char *what, struct bt_link **out,
				char *err, size_t errlen)
{
	int *cpus, ret;
	size_t n;

	ret = online_cpus(&cpus, &n);
	if (ret) {
		bt_errmsg__set(err, errlen, "cannot read the online CPUs: %s",
		       strerror(-ret));
		return ret;
	}
	ret = perf_attach(prog_fd, attr, -1, cpus, n, what, out, err, errlen);
	free(cpus);
	return ret;
}

/* ---- Tracepoints
 * ------------------------------------------------------------------ */

/* Tracepoint-type perf event on tracefs event id (fires on every CPU). */
static int attach_trace_id(int prog_fd, int id, const char *what,
			   struct bt_link **out, char *err, size_t errlen)
{
	struct perf_event_attr attr = {
		.type = PERF_TYPE_TRACEPOINT,
		.config = id,
		.sample_period = 1,
		.wakeup_events = 1,
	};
	int cpu0 = 0;

	return perf_attach(prog_fd, &attr, -1, &cpu0, 1, what, out, err,
			   errlen);
}

int bt_attach__tracepoint(int prog_fd, const char *category, const char *name,
			  struct bt_link **out, char *err, size_t errlen)
{
	char what[256];
	int id = bt_tracefs__tracepoint_id(category, name, err, errlen);

	if (id < 0)
		return id;
	snprintf(what, sizeof(what), "tracepoint %s:%s", category, name);
	return attach_trace_id(prog_fd, id, what, out, err, errlen);
}

int bt_attach__raw_tracepoint(int prog_fd, const char *name,
			      struct bt_link **out, char *err, size_t errlen)
{
	struct bt_link *l;
	int fd;

	if (!name || !*name) {
		bt_errmsg__set(err, errlen, "empty raw tracepoint name");
		return -EINVAL;
	}
	fd = bpf_raw_tracepoint_open(name, prog_fd);
	if (fd < 0) {
		fd = fd == -1 ? -errno : fd;
		if (fd == -ENOENT)
			bt_errmsg__set(err, errlen, "raw tracepoint %s does not exist",
			       name);
		else
			bt_errmsg__set(err, errlen,
			       "cannot attach raw tracepoint %s: %s", name,
			       why(fd));
		return fd;
	}
	l = link_new(1);
	if (!l) {
		close(fd);
		return -ENOMEM;
	}
	l->link_fd[0] = fd;
	*out = l;
	return 0;
}

/* ---- kprobes and uprobes
 * ------------------------------------------------------- */

/* Reads a small integer file (a PMU's type); -errno if missing. */
static int read_int_file(const char *path)
{
	char buf[32];
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	ssize_t n;

	if (fd < 0)
		return -errno;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return -EIO;
	buf[n] = 0;
	return atoi(buf);
}

/* The config bit of a PMU's "retprobe" format ("config:0"), default 0. */
static int retprobe_bit(const char *pmu)
{
	char path[128], buf[32];
	int fd, bit = 0;
	ssize_t n;

	snprintf(path, sizeof(path),
		 "/sys/bus/event_source/devices/%s/format/retprobe", pmu);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return 0;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n > 7 && !strncmp(buf, "config:", 7)) {
		buf[n] = 0;
		bit = atoi(buf + 7);
	}
	return bit >= 0 && bit < 64 ? bit : 0;
}

static int pmu_type(const char *pmu)
{
	char path[128];

	snprintf(path, sizeof(path), "/sys/bus/event_source/devices/%s/type",
		 pmu);
	return read_int_file(path);
}

static void kprobe_event_remove(const char *name)
{
	const char *root;
	char path[300], cmd[96];
	int fd;

	if (bt_tracefs__root(&root, NULL, 0))
		return;
	snprintf(path, sizeof(path), "%s/kprobe_events", root);
	fd = open(path, O_WRONLY | O_APPEND | O_CLOEXEC);
	if (fd < 0)
		return;
	snprintf(cmd, sizeof(cmd), "-:kprobes/%s\n", name);
	if (write(fd, cmd, strlen(cmd)) < 0) {
		/* Nothing to do: the event stays until reboot. */
	}
	close(fd);
}

/* Legacy path: create the kprobe in tracefs kprobe_events. */
static int kprobe_legacy(int prog_fd, const char *kevents, const char *func,
			 uint64_t offset, bool retprobe, const char *what,
			 struct bt_link **out, char *err, size_t errlen)
{
	static int seq;
	char name[64], cmd[512];
	int fd, ret, id;

	snprintf(name, sizeof(name), "tt_%d_%d", (int)getpid(),
		 __atomic_fetch_add(&seq, 1, __ATOMIC_RELAXED));
	snprintf(cmd, sizeof(cmd), "%c:kprobes/%s %s+%llu\n",
		 retprobe ? 'r' : 'p', name, func, (unsigned long long)offset);
	fd = open(kevents, O_WRONLY | O_APPEND | O_CLOEXEC);
	if (fd < 0 || write(fd, cmd, strlen(cmd)) < 0) {
		ret = -errno;
		if (fd >= 0)
			close(fd);
		bt_errmsg__set(err, errlen, "cannot create %s: %s", what,
		       ret == -ENOENT || ret == -EINVAL
			       ? "no such kernel function"
			       : strerror(-ret));
		return ret == -EINVAL ? -ENOENT : ret;
	}
	close(fd);
	id = bt_tracefs__tracepoint_id("kprobes", name, err, errlen);
	ret = id < 0 ? id
		     : attach_trace_id(prog_fd, id, what, out, err, errlen);
	if (ret) {
		kprobe_event_remove(name);
		return ret;
	}
	snprintf((*out)->kprobe_event, sizeof((*out)->kprobe_event), "%s",
		 name);
	return 0;
}

int bt_attach__kprobe(int prog_fd, const char *func, uint64_t offset,
		      bool retprobe, struct bt_link **out, char *err,
		      size_t errlen)
{
	struct perf_event_attr attr = {.sample_period = 1, .wakeup_events = 1};
	char what[256], kevents[300];
	const char *root;
	int type = pmu_type("kprobe"), cpu0 = 0, ret;

	if (!func || !*func) {
		bt_errmsg__set(err, errlen, "empty kprobe function name");
		return -EINVAL;
	}
	snprintf(what, sizeof(what), "%s:%s", retprobe ? "kretprobe" : "kprobe",
		 func);
	if (type >= 0) {
		attr.type = type;
		attr.config = retprobe ? 1ull << retprobe_bit("kprobe") : 0;
		attr.config1 = (uint64_t)(uintptr_t)func;
		attr.config2 = offset;
		ret = perf_attach(prog_fd, &attr, -1, &cpu0, 1, what, out, err,
				  errlen);
		if (ret == -ENOENT || ret == -EINVAL)
			bt_errmsg__set(err, errlen, "cannot attach %s: %s", what,
			       ret == -ENOENT ? "no such kernel function"
					      : why(ret));
		return ret;
	}
	if (!bt_tracefs__root(&root, NULL, 0)) {
		snprintf(kevents, sizeof(kevents), "%s/kprobe_events", root);
		if (!access(kevents, W_OK))
			return kprobe_legacy(prog_fd, kevents, func, offset,
					     retprobe, what, out, err, errlen);
	}
	bt_errmsg__set(err, errlen, "%s", BT_ATTACH_NO_KPROBES);
	return -EOPNOTSUPP;
}

/*
 * A uprobe at file_offset; ref_ctr_offset != 0 also makes the kernel
 * increment the 16-bit counter at that file offset in every process
 * mapping the file while we are attached (USDT semaphores).
 */
static int uprobe_attach(int prog_fd, const char *path, uint64_t file_offset,
			 uint64_t ref_ctr_offset, bool retprobe, pid_t pid,
			 const char *kind, struct bt_link **out, char *err,
			 size_t errlen)
{
	struct perf_event_attr attr = {.sample_period = 1, .wakeup_events = 1};
	char what[512];
	int type = pmu_type("uprobe"), cpu0 = 0, ret;

	if (!path || !*path) {
		bt_errmsg__set(err, errlen, "empty %s path", kind);
		return -EINVAL;
	}
	snprintf(what, sizeof(what), "%s:%s+0x%llx", kind, path,
		 (unsigned long long)file_offset);
	if (type < 0) {
		bt_errmsg__set(err, errlen,
		       "uprobes are not available on this kernel "
		       "(CONFIG_UPROBE_EVENTS is not set)");
		return -EOPNOTSUPP;
	}
	if (access(path, R_OK)) {
		ret = -errno;
		bt_errmsg__set(err, errlen, "cannot attach %s: %s", what,
		       strerror(-ret));
		return ret;
	}
	attr.type = type;
	attr.config = retprobe ? 1ull << retprobe_bit("uprobe") : 0;
	/* PERF_UPROBE_REF_CTR_OFFSET_SHIFT: the offset rides in bits 32.. */
	attr.config |= ref_ctr_offset << 32;
	attr.config1 = (uint64_t)(uintptr_t)path;
	attr.config2 = file_offset;
	/* One process: follow it on every CPU; all processes: any one CPU. */
	return perf_attach(prog_fd, &attr, pid > 0 ? pid : -1,
			   pid > 0 ? NULL : &cpu0, 1, what, out, err, errlen);
}

int bt_attach__uprobe(int prog_fd, const char *path, uint64_t file_offset,
		      bool retprobe, pid_t pid, struct bt_link **out, char *err,
		      size_t errlen)
{
	return uprobe_attach(prog_fd, path, file_offset, 0, retprobe, pid,
			     retprobe ? "uretprobe" : "uprobe", out, err,
			     errlen);
}

int bt_attach__usdt(int prog_fd, const char *path, uint64_t file_offset,
		    uint64_t sema_offset, pid_t pid, struct bt_link **out,
		    char *err, size_t errlen)
{
	if (sema_offset >> 32) {
		bt_errmsg__set(err, errlen,
		       "USDT semaphore offset 0x%llx in %s is beyond what "
		       "the kernel can count",
		       (unsigned long long)sema_offset, path ? path : "");
		return -EINVAL;
	}
	return uprobe_attach(prog_fd, path, file_offset, sema_offset, false,
			     pid, "usdt", out, err, errlen);
}

/* ---- Timers and software events ---------------------------------------------
 */

int bt_attach__interval(int prog_fd, uint64_t period_ns, struct bt_link **out,
			char *err, size_t errlen)
{
	struct perf_event_attr attr = {
		.type = PERF_TYPE_SOFTWARE,
		.config = PERF_COUNT_SW_CPU_CLOCK,
		.sample_period = period_ns,
	};
	char what[64];
	int *cpus, ret;
	size_t n;

	if (period_ns < 1000) {
		bt_errmsg__set(err, errlen, "interval period must be at least 1 us");
		return -EINVAL;
	}
	ret = online_cpus(&cpus, &n);
	if (ret) {
		bt_errmsg__set(err, errlen, "cannot read the online CPUs: %s",
		       strerror(-ret));
		return ret;
	}
	snprintf(what, sizeof(what), "interval (%llu ns)",
		 (unsigned long long)period_ns);
	/* One CPU only: an interval fires once per period, not per CPU. */
	ret = perf_attach(prog_fd, &attr, -1, cpus, 1, what, out, err, errlen);
	free(cpus);
	return ret;
}

int bt_attach__profile(int prog_fd, uint64_t freq_hz, struct bt_link **out,
		       char *err, size_t errlen)
{
	struct perf_event_attr attr = {
		.type = PERF_TYPE_SOFTWARE,
		.config = PERF_COUNT_SW_CPU_CLOCK,
		.sample_freq = freq_hz,
		.freq = 1,
	};
	char what[64];
	int ret;

	if (freq_hz < 1 || freq_hz > 1000000) {
		bt_errmsg__set(err, errlen, "profile frequency must be 1..1000000 Hz");
		return -EINVAL;
	}
	snprintf(what, sizeof(what), "profile (%llu Hz)",
		 (unsigned long long)freq_hz);
	ret = perf_attach_all_cpus(prog_fd, &attr, what, out, err, errlen);
	if (ret == -EINVAL)
		bt_errmsg__set(err, errlen,
		       "cannot attach %s: above the kernel's maximum sample "
		       "rate (/proc/sys/kernel/perf_event_max_sample_rate)?",
		       what);
	return ret;
}

/*
 * A named perf event and bpftrace's sample period when the probe gives
 * none (software:cs, hardware:cycles).
 */
struct perf_named {
	const char *name, *alias;
	unsigned config;
	uint64_t period;
};

static const struct perf_named sw_events[] = {
	{"cpu-clock", "cpu", PERF_COUNT_SW_CPU_CLOCK, 1000000},
	{"task-clock", NULL, PERF_COUNT_SW_TASK_CLOCK, 1000000},
	{"page-faults", "faults", PERF_COUNT_SW_PAGE_FAULTS, 100},
	{"context-switches", "cs", PERF_COUNT_SW_CONTEXT_SWITCHES, 1000},
	{"cpu-migrations", NULL, PERF_COUNT_SW_CPU_MIGRATIONS, 1},
	{"minor-faults", NULL, PERF_COUNT_SW_PAGE_FAULTS_MIN, 100},
	{"major-faults", NULL, PERF_COUNT_SW_PAGE_FAULTS_MAJ, 1},
	{"alignment-faults", NULL, PERF_COUNT_SW_ALIGNMENT_FAULTS, 1},
	{"emulation-faults", NULL, PERF_COUNT_SW_EMULATION_FAULTS, 1},
	{"dummy", NULL, PERF_COUNT_SW_DUMMY, 1},
	{"bpf-output", NULL, PERF_COUNT_SW_BPF_OUTPUT, 1},
	{NULL, NULL, 0, 0},
};

static const struct perf_named hw_events[] = {
	{"cpu-cycles", "cycles", PERF_COUNT_HW_CPU_CYCLES, 1000000},
	{"instructions", NULL, PERF_COUNT_HW_INSTRUCTIONS, 1000000},
	{"cache-references", NULL, PERF_COUNT_HW_CACHE_REFERENCES, 1000000},
	{"cache-misses", NULL, PERF_COUNT_HW_CACHE_MISSES, 1000000},
	{"branch-instructions", "branches", PERF_COUNT_HW_BRANCH_INSTRUCTIONS,
	 100000},
	{"branch-misses", NULL, PERF_COUNT_HW_BRANCH_MISSES, 100000},
	{"bus-cycles", NULL, PERF_COUNT_HW_BUS_CYCLES, 100000},
	{"frontend-stalls", NULL, PERF_COUNT_HW_STALLED_CYCLES_FRONTEND,
	 1000000},
	{"backend-stalls", NULL, PERF_COUNT_HW_STALLED_CYCLES_BACKEND,
	 1000000},
	{"ref-cycles", NULL, PERF_COUNT_HW_REF_CPU_CYCLES, 1000000},
	{NULL, NULL, 0, 0},
};

static const struct perf_named *perf_lookup(const struct perf_named *t,
					    const char *event)
{
	for (; event && t->name; t++)
		if (!strcmp(event, t->name) ||
		    (t->alias && !strcmp(event, t->alias)))
			return t;
	return NULL;
}

const char *bt_attach__perf_event(bool hardware, const char *event,
				  uint64_t *period)
{
	const struct perf_named *e =
		perf_lookup(hardware ? hw_events : sw_events, event);
	if (e && period)
		*period = e->period;
	return e ? e->name : NULL;
}

/* A named software or hardware event on every CPU every period events. */
static int perf_named_attach(int prog_fd, const struct perf_named *table,
			     unsigned type, const char *kind, const char *event,
			     uint64_t period, struct bt_link **out, char *err,
			     size_t errlen)
{
	struct perf_event_attr attr = {.type = type, .sample_period = period};
	const struct perf_named *e = perf_lookup(table, event);
	char what[128];

	if (!e) {
		bt_errmsg__set(err, errlen, "unknown %s event '%s'", kind,
		       event ? event : "");
		return -ENOENT;
	}
	if (!period) {
		bt_errmsg__set(err, errlen, "%s:%s needs a count > 0", kind, event);
		return -EINVAL;
	}
	attr.config = e->config;
	snprintf(what, sizeof(what), "%s:%s:%llu", kind, e->name,
		 (unsigned long long)period);
	return perf_attach_all_cpus(prog_fd, &attr, what, out, err, errlen);
}

int bt_attach__software(int prog_fd, const char *event, uint64_t period,
			struct bt_link **out, char *err, size_t errlen)
{
	return perf_named_attach(prog_fd, sw_events, PERF_TYPE_SOFTWARE,
				 "software", event, period, out, err, errlen);
}

int bt_attach__hardware(int prog_fd, const char *event, uint64_t period,
			struct bt_link **out, char *err, size_t errlen)
{
	int ret =
		perf_named_attach(prog_fd, hw_events, PERF_TYPE_HARDWARE,
				  "hardware", event, period, out, err, errlen);

	/* Virtual machines without a PMU: the kernel has no such event. */
	if (ret == -ENOENT && perf_lookup(hw_events, event))
		ret = -EOPNOTSUPP;
	if (ret == -EOPNOTSUPP || ret == -ENODEV) {
		bt_errmsg__set(err, errlen, "cannot attach hardware:%s: %s", event,
		       BT_ATTACH_NO_HARDWARE);
		ret = -EOPNOTSUPP;
	}
	return ret;
}

/* ---- fentry / fexit
 * -----------------------------------------------------------
 */

int bt_attach__fentry_load(const struct bpf_insn *insns, size_t ninsns,
			   const char *func, bool fexit, int *prog_fd,
			   char *err, size_t errlen)
{
	LIBBPF_OPTS(bpf_prog_load_opts, opts,
		    .expected_attach_type =
			    fexit ? BPF_TRACE_FEXIT : BPF_TRACE_FENTRY);
	const char *kind = fexit ? "fexit" : "fentry";
	struct bt_btf *b;
	uint32_t id;
	int fd, ret;

	ret = bt_btf__vmlinux(&b, err, errlen);
	if (!ret)
		ret = bt_btf__func(b, func, &id, err, errlen);
	if (ret)
		return ret;
	opts.attach_btf_id = id;
	fd = bpf_prog_load(BPF_PROG_TYPE_TRACING, NULL, "GPL", insns, ninsns,
			   &opts);
	if (fd < 0) {
		ret = -errno;
		bt_errmsg__set(err, errlen, "cannot load %s:%s: %s (%s)", kind, func,
		       BT_ATTACH_NO_FENTRY, strerror(-ret));
		return ret;
	}
	*prog_fd = fd;
	return 0;
}

int bt_attach__fentry(int prog_fd, const char *func, struct bt_link **out,
		      char *err, size_t errlen)
{
	struct bt_link *l = link_new(1);
	int fd, ret;

	if (!l) {
		bt_errmsg__set(err, errlen, "out of memory");
		return -ENOMEM;
	}
	/* The target was fixed at load time by attach_btf_id. */
	fd = bpf_raw_tracepoint_open(NULL, prog_fd);
	if (fd < 0) {
		ret = -errno;
		bt_link__free(l);
		bt_errmsg__set(err, errlen, "cannot attach fentry/fexit %s: %s (%s)",
		       func ? func : "?", BT_ATTACH_NO_FENTRY, strerror(-ret));
		return ret;
	}
	l->link_fd[0] = fd;
	*out = l;
	return 0;
}
