/*
 * test_attach.c - real programs on real probe points.
 *
 * Each test loads a hand-assembled program (tests/bpf/bpf_asm.h) that bumps
 * or sets slots of an array map, attaches it with bt_attach__*, makes the
 * events happen (syscalls, calls of a function of this binary, time), and
 * reads the map back. Programs count only this process (tgid filter), so
 * counts are exact. Two programs also read kernel memory at offsets from
 * bt_btf__member and compare with what user space knows: the parent pid,
 * the ports of a loopback TCP connection, and a socket-option bitfield.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <limits.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include <bpf/bpf.h>

#include "bpf/attach.h"
#include "bpf/btf.h"
#include "bpf/elf_sym.h"
#include "bpf/tracefs.h"
#include "tests/bpf/bpf_asm.h"
#include "tests/tt_test.h"
#include "tracetab/bt.h"

#define N_CALLS 1000

static int map_new(void)
{
	return bpf_map_create(BPF_MAP_TYPE_ARRAY, "tt_attach", 4, 8, 8, NULL);
}

static uint64_t slot(int map, uint32_t k)
{
	uint64_t v = ~0ull;

	bpf_map_lookup_elem(map, &k, &v);
	return v;
}

static char vlog[65536];

static int load(enum bpf_prog_type type, struct asm_prog *p)
{
	LIBBPF_OPTS(bpf_prog_load_opts, opts, .log_buf = vlog,
		    .log_size = sizeof(vlog), .log_level = 1);
	int fd;

	asm_finish(p);
	vlog[0] = 0;
	fd = bpf_prog_load(type, "tt_attach", "GPL", p->v, p->n, &opts);
	if (fd < 0)
		fprintf(stderr, "verifier: %s\n", vlog);
	return fd;
}

/* A program counting this process's events into slot 0. */
static int counter(enum bpf_prog_type type, int map)
{
	struct asm_prog p = {.map_fd = map};

	mov_reg(&p, BPF_REG_6, BPF_REG_1);
	only_tgid(&p, getpid());
	slot_inc(&p, 0);
	return load(type, &p);
}

static void getppid_n(int n)
{
	for (int i = 0; i < n; i++)
		syscall(SYS_getppid);
}

struct fixture {
	int map, prog;
	struct bt_link *link;
	char err[512];
};

static void fixture_close(struct fixture *f)
{
	bt_link__free(f->link);
	if (f->prog >= 0)
		close(f->prog);
	if (f->map >= 0)
		close(f->map);
}

TT_TEST(tracepoint_counts_exactly)
{
	struct fixture f = {.map = map_new(), .prog = -1};

	CHECK(f.map >= 0);
	f.prog = counter(BPF_PROG_TYPE_TRACEPOINT, f.map);
	CHECK(f.prog >= 0);
	CHECKF(bt_attach__tracepoint(f.prog, "syscalls", "sys_enter_getppid",
				     &f.link, f.err, sizeof(f.err)) == 0,
	       "%s", f.err);
	CHECK_INT(bt_link__count(f.link), 1);
	getppid_n(N_CALLS);
	CHECK_INT(slot(f.map, 0), N_CALLS);
	/* Detached: no more counting. */
	bt_link__free(f.link);
	f.link = NULL;
	getppid_n(10);
	CHECK_INT(slot(f.map, 0), N_CALLS);
	fixture_close(&f);
}

TT_TEST(tracepoint_errors)
{
	struct fixture f = {.map = map_new(), .prog = -1};

	f.prog = counter(BPF_PROG_TYPE_TRACEPOINT, f.map);
	CHECK(f.prog >= 0);
	CHECK_INT(bt_attach__tracepoint(f.prog, "syscalls", "sys_enter_nosuch",
					&f.link, f.err, sizeof(f.err)),
		  -ENOENT);
	CHECK_STR(f.err, "tracepoint syscalls:sys_enter_nosuch does not exist");
	CHECK(f.link == NULL);
	CHECK_INT(bt_attach__tracepoint(f.prog, "..", "x", &f.link, f.err,
					sizeof(f.err)),
		  -EINVAL);
	close(f.prog);
	/* A program of the wrong type is refused with a message. */
	f.prog = counter(BPF_PROG_TYPE_PERF_EVENT, f.map);
	CHECK(f.prog >= 0);
	CHECK(bt_attach__tracepoint(f.prog, "syscalls", "sys_enter_getppid",
				    &f.link, f.err, sizeof(f.err)) < 0);
	CHECK(strstr(f.err, "tracepoint syscalls:sys_enter_getppid") != NULL);
	CHECK(f.link == NULL);
	fixture_close(&f);
}

/* Raw sys_enter: args[1] is the syscall number. */
TT_TEST(raw_tracepoint_counts_exactly)
{
	struct fixture f = {.map = map_new(), .prog = -1};
	struct asm_prog p = {.map_fd = f.map};

	mov_reg(&p, BPF_REG_6, BPF_REG_1);
	only_tgid(&p, getpid());
	ldx(&p, BPF_DW, BPF_REG_2, BPF_REG_6, 8);
	jmp_out(&p, BPF_JNE, BPF_REG_2, SYS_getppid);
	slot_inc(&p, 0);
	f.prog = load(BPF_PROG_TYPE_RAW_TRACEPOINT, &p);
	CHECK(f.prog >= 0);
	CHECKF(bt_attach__raw_tracepoint(f.prog, "sys_enter", &f.link, f.err,
					 sizeof(f.err)) == 0,
	       "%s", f.err);
	getppid_n(N_CALLS);
	CHECK_INT(slot(f.map, 0), N_CALLS);
	bt_link__free(f.link);
	f.link = NULL;
	CHECK_INT(bt_attach__raw_tracepoint(f.prog, "no_such_raw_tp", &f.link,
					    f.err, sizeof(f.err)),
		  -ENOENT);
	CHECK_STR(f.err, "raw tracepoint no_such_raw_tp does not exist");
	CHECK_INT(bt_attach__raw_tracepoint(f.prog, "", &f.link, NULL, 0),
		  -EINVAL);
	fixture_close(&f);
}

/* The uprobe target: not inlined, not cloned, not optimised away. */
__attribute__((noinline, noclone, used)) int tt_uprobe_target(int x)
{
	__asm__ volatile("" ::: "memory");
	return x * 2;
}

static int (*volatile target_fn)(int) = tt_uprobe_target;

static int uprobe_count(bool ret, pid_t pid, char *err, size_t errlen)
{
	struct fixture f = {.map = map_new(), .prog = -1};
	char path[PATH_MAX];
	struct bt_elf_sym s;
	int sum = 0, got = -1;

	if (f.map < 0 || !realpath("/proc/self/exe", path) ||
	    bt_elf__resolve(path, "tt_uprobe_target", &s, err, errlen))
		goto out;
	f.prog = counter(BPF_PROG_TYPE_KPROBE, f.map);
	if (f.prog < 0 || bt_attach__uprobe(f.prog, path, s.file_offset, ret,
					    pid, &f.link, err, errlen))
		goto out;
	for (int i = 0; i < N_CALLS; i++)
		sum += target_fn(i);
	got = (int)slot(f.map, 0);
	if (sum != N_CALLS * (N_CALLS - 1))
		got = -2; /* the probe changed the function's result */
out:
	fixture_close(&f);
	return got;
}

TT_TEST(uprobe_counts_exactly)
{
	char err[512] = "";

	CHECKF(uprobe_count(false, -1, err, sizeof(err)) == N_CALLS, "%s", err);
	CHECKF(uprobe_count(true, -1, err, sizeof(err)) == N_CALLS, "%s", err);
	CHECKF(uprobe_count(false, getpid(), err, sizeof(err)) == N_CALLS, "%s",
	       err);
}

/* A library function found by name: libc's getpid, called N times. */
TT_TEST(uprobe_on_libc)
{
	struct fixture f = {.map = map_new(), .prog = -1};
	char path[PATH_MAX];
	struct bt_elf_sym s;

	CHECKF(bt_elf__find_target("libc", getpid(), path, sizeof(path), f.err,
				   sizeof(f.err)) == 0,
	       "%s", f.err);
	CHECKF(bt_elf__resolve(path, "getpid", &s, f.err, sizeof(f.err)) == 0,
	       "%s", f.err);
	f.prog = counter(BPF_PROG_TYPE_KPROBE, f.map);
	CHECK(f.prog >= 0);
	CHECKF(bt_attach__uprobe(f.prog, path, s.file_offset, false, -1,
				 &f.link, f.err, sizeof(f.err)) == 0,
	       "%s", f.err);
	for (int i = 0; i < N_CALLS; i++)
		getpid();
	CHECK_INT(slot(f.map, 0), N_CALLS);
	fixture_close(&f);
}

TT_TEST(uprobe_errors)
{
	struct fixture f = {.map = map_new(), .prog = -1};

	f.prog = counter(BPF_PROG_TYPE_KPROBE, f.map);
	CHECK(f.prog >= 0);
	CHECK_INT(bt_attach__uprobe(f.prog, "/no/such/binary", 0x1000, false,
				    -1, &f.link, f.err, sizeof(f.err)),
		  -ENOENT);
	CHECK(strstr(f.err, "/no/such/binary") != NULL);
	CHECK_INT(bt_attach__uprobe(f.prog, "", 0, false, -1, &f.link, NULL, 0),
		  -EINVAL);
	CHECK(f.link == NULL);
	fixture_close(&f);
}

/*
 * kprobe programs load (uprobes use the type); attaching one says plainly
 * when the kernel has no kprobes.
 */
TT_TEST(kprobe_loads_attach_explains)
{
	struct fixture f = {.map = map_new(), .prog = -1};
	struct bt_features feat;
	int ret;

	f.prog = counter(BPF_PROG_TYPE_KPROBE, f.map);
	CHECK(f.prog >= 0);
	bt_features__probe(&feat);
	ret = bt_attach__kprobe(f.prog, "do_nanosleep", 0, false, &f.link,
				f.err, sizeof(f.err));
	if (feat.kprobe) {
		CHECKF(ret == 0, "%s", f.err);
		fixture_close(&f);
		SKIP("this kernel has kprobes; the no-kprobe message is "
		     "untestable here");
	}
	CHECK_INT(ret, -EOPNOTSUPP);
	CHECK_STR(f.err, BT_ATTACH_NO_KPROBES);
	CHECK_STR(f.err, "kprobes are not available on this kernel "
			 "(CONFIG_KPROBES is not set)");
	CHECK_INT(bt_attach__kprobe(f.prog, "do_nanosleep", 0, true, &f.link,
				    f.err, sizeof(f.err)),
		  -EOPNOTSUPP);
	CHECK(f.link == NULL);
	fixture_close(&f);
}

static void spin_ms(int ms)
{
	struct timespec a, b;

	clock_gettime(CLOCK_MONOTONIC, &a);
	do
		clock_gettime(CLOCK_MONOTONIC, &b);
	while ((b.tv_sec - a.tv_sec) * 1000 +
		       (b.tv_nsec - a.tv_nsec) / 1000000 <
	       ms);
}

/* A perf-event program counting every firing, in any context. */
static int any_counter(int map)
{
	struct asm_prog p = {.map_fd = map};

	slot_inc(&p, 0);
	return load(BPF_PROG_TYPE_PERF_EVENT, &p);
}

static double mono_ms(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return t.tv_sec * 1e3 + t.tv_nsec / 1e6;
}

TT_TEST(interval_fires_on_one_cpu)
{
	struct fixture f = {.map = map_new(), .prog = -1};
	double t0, ms;
	uint64_t n;

	f.prog = any_counter(f.map);
	CHECK(f.prog >= 0);
	t0 = mono_ms();
	CHECKF(bt_attach__interval(f.prog, 10 * 1000 * 1000, &f.link, f.err,
				   sizeof(f.err)) == 0,
	       "%s", f.err);
	CHECK_INT(bt_link__count(f.link), 1);
	usleep(300 * 1000);
	n = slot(f.map, 0);
	ms = mono_ms() - t0;
	/* One firing per 10 ms on one CPU (not one per CPU); loose bounds
	 * for a loaded machine. */
	CHECKF(n >= ms / 10 / 3 && n <= ms / 10 * 1.5 + 2,
	       "fired %llu times in %.0f ms", (unsigned long long)n, ms);
	CHECK_INT(
		bt_attach__interval(f.prog, 10, &f.link, f.err, sizeof(f.err)),
		-EINVAL);
	fixture_close(&f);
}

TT_TEST(profile_fires_on_every_cpu)
{
	struct fixture f = {.map = map_new(), .prog = -1};
	long ncpu = sysconf(_SC_NPROCESSORS_ONLN);
	uint64_t n;

	f.prog = any_counter(f.map);
	CHECK(f.prog >= 0);
	CHECKF(bt_attach__profile(f.prog, 200, &f.link, f.err, sizeof(f.err)) ==
		       0,
	       "%s", f.err);
	CHECK_INT(bt_link__count(f.link), ncpu);
	spin_ms(300);
	n = slot(f.map, 0);
	/* At least our own spinning CPU: 60 samples; at most all CPUs. */
	CHECKF(n >= 20 && n <= (uint64_t)(ncpu * 60 * 2),
	       "%llu samples in 300 ms at 200 Hz on %ld CPUs",
	       (unsigned long long)n, ncpu);
	CHECK_INT(bt_attach__profile(f.prog, 0, &f.link, NULL, 0), -EINVAL);
	fixture_close(&f);
}

TT_TEST(software_events)
{
	struct fixture f = {.map = map_new(), .prog = -1};
	uint64_t n;

	f.prog = any_counter(f.map);
	CHECK(f.prog >= 0);
	CHECKF(bt_attach__software(f.prog, "cpu-clock", 1000000, &f.link, f.err,
				   sizeof(f.err)) == 0,
	       "%s", f.err);
	spin_ms(100);
	n = slot(f.map, 0);
	CHECKF(n >= 10, "%llu cpu-clock events in 100 ms",
	       (unsigned long long)n);
	bt_link__free(f.link);
	f.link = NULL;
	CHECK_INT(bt_attach__software(f.prog, "no-such-event", 1, &f.link,
				      f.err, sizeof(f.err)),
		  -ENOENT);
	CHECK_STR(f.err, "unknown software event 'no-such-event'");
	CHECK_INT(bt_attach__software(f.prog, "cs", 0, &f.link, NULL, 0),
		  -EINVAL);
	fixture_close(&f);
}

/* Every bpftrace software event name opens on every CPU. */
TT_TEST(software_event_names)
{
	static const char *const names[] = {"cpu-clock",
					    "cpu",
					    "task-clock",
					    "page-faults",
					    "faults",
					    "context-switches",
					    "cs",
					    "cpu-migrations",
					    "minor-faults",
					    "major-faults",
					    "alignment-faults",
					    "emulation-faults",
					    "dummy",
					    "bpf-output"};
	struct fixture f = {.map = map_new(), .prog = -1};

	f.prog = any_counter(f.map);
	CHECK(f.prog >= 0);
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		CHECKF(bt_attach__software(f.prog, names[i], 1000, &f.link,
					   f.err, sizeof(f.err)) == 0,
		       "%s: %s", names[i], f.err);
		CHECK(bt_link__count(f.link) >= 1);
		bt_link__free(f.link);
		f.link = NULL;
	}
	fixture_close(&f);
}

/* A hardware counter counts, or (no PMU, e.g. a VM) says so plainly. */
TT_TEST(hardware_events_or_explains)
{
	struct fixture f = {.map = map_new(), .prog = -1};
	int ret;

	f.prog = any_counter(f.map);
	CHECK(f.prog >= 0);
	ret = bt_attach__hardware(f.prog, "cycles", 100000, &f.link, f.err,
				  sizeof(f.err));
	if (ret == 0) {
		spin_ms(50);
		CHECKF(slot(f.map, 0) > 0, "no cpu-cycles samples in 50 ms");
	} else {
		CHECKF(ret == -EOPNOTSUPP, "%d: %s", ret, f.err);
		CHECK_STR(f.err, "cannot attach "
				 "hardware:cycles: " BT_ATTACH_NO_HARDWARE);
	}
	bt_link__free(f.link);
	f.link = NULL;
	CHECK_INT(bt_attach__hardware(f.prog, "no-such-counter", 1, &f.link,
				      f.err, sizeof(f.err)),
		  -ENOENT);
	CHECK_STR(f.err, "unknown hardware event 'no-such-counter'");
	CHECK_INT(bt_attach__hardware(f.prog, "instructions", 0, &f.link, NULL,
				      0),
		  -EINVAL);
	fixture_close(&f);
}

/*
 * fentry: where the kernel has BPF trampolines the program loads and
 * attaches; elsewhere (these machines) the load fails and says why.
 */
TT_TEST(fentry_loads_or_explains)
{
	static const struct bpf_insn ret0[] = {
		{.code = BPF_ALU64 | BPF_MOV | BPF_K, .dst_reg = BPF_REG_0},
		{.code = BPF_JMP | BPF_EXIT},
	};
	struct bt_features feat;
	struct bt_link *link = NULL;
	char err[512];
	int fd = -1, ret;

	bt_features__probe(&feat);
	if (!feat.btf)
		SKIP("no kernel BTF");
	CHECK_INT(bt_attach__fentry_load(ret0, 2, "tt_no_such_function", false,
					 &fd, err, sizeof(err)),
		  -ENOENT);
	ret = bt_attach__fentry_load(ret0, 2, "do_nanosleep", true, &fd, err,
				     sizeof(err));
	if (!feat.fentry) {
		CHECKF(ret < 0, "fentry loaded where the probe said no");
		CHECKF(strstr(err,
			      "cannot load "
			      "fexit:do_nanosleep: " BT_ATTACH_NO_FENTRY) ==
			       err,
		       "%s", err);
		CHECK_INT(bt_attach__fentry(-1, "do_nanosleep", &link, err,
					    sizeof(err)),
			  -EBADF);
		CHECK(strstr(err, BT_ATTACH_NO_FENTRY) != NULL);
		return;
	}
	CHECKF(ret == 0, "%s", err);
	CHECKF(bt_attach__fentry(fd, "do_nanosleep", &link, err, sizeof(err)) ==
		       0,
	       "%s", err);
	CHECK_INT(bt_link__count(link), 1);
	bt_link__free(link);
	close(fd);
}

/* curtask->real_parent->tgid, read in BPF at BTF offsets, is getppid(). */
TT_TEST(btf_offsets_read_parent_pid)
{
	struct fixture f = {.map = map_new(), .prog = -1};
	struct asm_prog p = {.map_fd = f.map};
	struct bt_btf_member parent, tgid;
	struct bt_btf *b;
	uint32_t task;

	if (bt_btf__vmlinux(&b, NULL, 0))
		SKIP("no kernel BTF");
	CHECK_INT(bt_btf__lookup(b, "struct task_struct", &task, NULL, 0), 0);
	CHECK_INT(bt_btf__member(b, task, "real_parent", &parent, NULL, 0), 0);
	CHECK_INT(bt_btf__member(b, task, "tgid", &tgid, NULL, 0), 0);
	only_tgid(&p, getpid());
	call(&p, BPF_FUNC_get_current_task);
	mov_reg(&p, BPF_REG_8, BPF_REG_0);
	read_kernel(&p, BPF_REG_8, parent.offset, 8);
	mov_reg(&p, BPF_REG_8, BPF_REG_7);
	read_kernel(&p, BPF_REG_8, tgid.offset, tgid.load_size);
	slot_set(&p, 1, BPF_REG_7);
	f.prog = load(BPF_PROG_TYPE_TRACEPOINT, &p);
	CHECK(f.prog >= 0);
	CHECKF(bt_attach__tracepoint(f.prog, "syscalls", "sys_enter_getppid",
				     &f.link, f.err, sizeof(f.err)) == 0,
	       "%s", f.err);
	getppid_n(1);
	CHECK_INT(slot(f.map, 1), getppid());
	fixture_close(&f);
}

/* Value of a bitfield from its recipe applied to the loaded bytes. */
static uint64_t bitfield(uint64_t raw, const struct bt_btf_member *m)
{
	return (raw >> m->bit_shift) & ((1ull << m->bit_size) - 1);
}

/*
 * A loopback TCP connect, seen by sock:inet_sock_set_state: the socket's
 * ports (through sock_common's anonymous union) and SO_NO_CHECK's bitfield,
 * read at BTF offsets from the tracepoint's skaddr (tracefs offset).
 */
TT_TEST(btf_offsets_read_socket)
{
	struct fixture f = {.map = map_new(), .prog = -1};
	struct asm_prog p = {.map_fd = f.map};
	struct bt_btf_member dport, num, tx, rx;
	const struct bt_tp_field *skaddr, *newstate, *fdport;
	struct sockaddr_in a = {.sin_family = AF_INET};
	socklen_t alen = sizeof(a);
	struct bt_tp_format *fmt = NULL;
	int64_t established;
	struct bt_btf *b;
	uint32_t sock;
	int ls = -1, cs = -1, one = 1;

	if (bt_btf__vmlinux(&b, NULL, 0))
		SKIP("no kernel BTF");
	CHECK_INT(bt_tracefs__format("sock", "inet_sock_set_state", &fmt, NULL,
				     0),
		  0);
	skaddr = bt_tp_format__field(fmt, "skaddr");
	newstate = bt_tp_format__field(fmt, "newstate");
	fdport = bt_tp_format__field(fmt, "dport");
	CHECK(skaddr && newstate && newstate->size == 4 && fdport &&
	      fdport->size == 2);
	CHECK_INT(bt_btf__lookup(b, "struct sock", &sock, NULL, 0), 0);
	CHECK_INT(bt_btf__enum_value(b, "TCP_ESTABLISHED", &established, NULL),
		  0);
	CHECK_INT(bt_btf__member(b, sock, "__sk_common", &dport, NULL, 0), 0);
	CHECK_INT(dport.offset, 0); /* so sock_common offsets apply to sock */
	CHECK_INT(bt_btf__member(b, dport.type, "skc_dport", &dport, NULL, 0),
		  0);
	CHECK_INT(bt_btf__lookup(b, "struct sock_common", &sock, NULL, 0), 0);
	CHECK_INT(bt_btf__member(b, sock, "skc_num", &num, NULL, 0), 0);
	CHECK_INT(bt_btf__lookup(b, "struct sock", &sock, NULL, 0), 0);
	CHECK_INT(bt_btf__member(b, sock, "sk_no_check_tx", &tx, NULL, 0), 0);
	CHECK_INT(bt_btf__member(b, sock, "sk_no_check_rx", &rx, NULL, 0), 0);

	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	ls = socket(AF_INET, SOCK_STREAM, 0);
	CHECK(ls >= 0);
	CHECK(!bind(ls, (struct sockaddr *)&a, sizeof(a)) && !listen(ls, 1));
	CHECK(!getsockname(ls, (struct sockaddr *)&a, &alen));

	/*
	 * The client's move to ESTABLISHED (local port assigned by then; it
	 * may run in softirq context, so match on the destination port, not
	 * the pid).
	 */
	mov_reg(&p, BPF_REG_6, BPF_REG_1);
	ldx(&p, BPF_H, BPF_REG_2, BPF_REG_6, fdport->offset);
	jmp_out(&p, BPF_JNE, BPF_REG_2, ntohs(a.sin_port));
	ldx(&p, BPF_W, BPF_REG_2, BPF_REG_6, newstate->offset);
	jmp_out(&p, BPF_JNE, BPF_REG_2, (int)established);
	ldx(&p, BPF_DW, BPF_REG_8, BPF_REG_6, skaddr->offset);
	read_kernel(&p, BPF_REG_8, dport.offset, 2);
	slot_set(&p, 2, BPF_REG_7);
	read_kernel(&p, BPF_REG_8, num.offset, 2);
	slot_set(&p, 3, BPF_REG_7);
	read_kernel(&p, BPF_REG_8, tx.offset, tx.load_size);
	slot_set(&p, 4, BPF_REG_7);
	read_kernel(&p, BPF_REG_8, rx.offset, rx.load_size);
	slot_set(&p, 5, BPF_REG_7);
	slot_inc(&p, 0);
	f.prog = load(BPF_PROG_TYPE_TRACEPOINT, &p);
	CHECK(f.prog >= 0);
	CHECKF(bt_attach__tracepoint(f.prog, "sock", "inet_sock_set_state",
				     &f.link, f.err, sizeof(f.err)) == 0,
	       "%s", f.err);

	cs = socket(AF_INET, SOCK_STREAM, 0);
	CHECK(!setsockopt(cs, SOL_SOCKET, SO_NO_CHECK, &one, sizeof(one)));
	CHECK(!connect(cs, (struct sockaddr *)&a, sizeof(a)));
	struct sockaddr_in local;
	alen = sizeof(local);
	CHECK(!getsockname(cs, (struct sockaddr *)&local, &alen));
	close(cs);
	close(ls);
	bt_tp_format__free(fmt);

	CHECK_INT(slot(f.map, 0), 1);
	CHECK_INT(slot(f.map, 2),
		  a.sin_port); /* network order, like skc_dport */
	CHECK_INT(slot(f.map, 3), ntohs(local.sin_port));
	CHECK_INT(bitfield(slot(f.map, 4), &tx), 1);
	CHECK_INT(bitfield(slot(f.map, 5), &rx), 0);
	fixture_close(&f);
}

TT_MAIN("bpf/attach", TT_CASE(tracepoint_counts_exactly),
	TT_CASE(tracepoint_errors), TT_CASE(raw_tracepoint_counts_exactly),
	TT_CASE(uprobe_counts_exactly), TT_CASE(uprobe_on_libc),
	TT_CASE(uprobe_errors), TT_CASE(kprobe_loads_attach_explains),
	TT_CASE(interval_fires_on_one_cpu), TT_CASE(profile_fires_on_every_cpu),
	TT_CASE(software_events), TT_CASE(software_event_names),
	TT_CASE(hardware_events_or_explains), TT_CASE(fentry_loads_or_explains),
	TT_CASE(btf_offsets_read_parent_pid), TT_CASE(btf_offsets_read_socket))
