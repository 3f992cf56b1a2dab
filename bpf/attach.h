/*
 * bpf/attach.h - attaching loaded BPF programs to kernel probe points.
 *
 * Every attach returns an opaque bt_link that owns the kernel objects
 * keeping the program attached (perf event fds, BPF link fds); freeing it
 * detaches. The program fd is not owned: the caller keeps and closes it.
 *
 *   probe                      program type             mechanism
 *   tracepoint:cat:name        BPF_PROG_TYPE_TRACEPOINT perf tracepoint event
 *   rawtracepoint:name         BPF_PROG_TYPE_RAW_TRACEPOINT  raw tp open
 *   kprobe/kretprobe:func      BPF_PROG_TYPE_KPROBE     kprobe PMU, or
 *                                                       tracefs kprobe_events
 *   uprobe/uretprobe:path:sym  BPF_PROG_TYPE_KPROBE     uprobe PMU
 *   interval:ms:N              BPF_PROG_TYPE_PERF_EVENT cpu-clock, one CPU
 *   profile:hz:N               BPF_PROG_TYPE_PERF_EVENT cpu-clock, every CPU
 *   software:event:N           BPF_PROG_TYPE_PERF_EVENT software event,
 *                                                       every CPU
 *   hardware:event:N           BPF_PROG_TYPE_PERF_EVENT hardware counter,
 *                                                       every CPU
 *   usdt:path:prov:name        BPF_PROG_TYPE_KPROBE     uprobe PMU with the
 *                                                       semaphore as its
 *                                                       reference counter
 *   fentry/fexit:func          BPF_PROG_TYPE_TRACING    BPF trampoline
 *                                                       (attach_btf_id)
 *
 * Perf-event attachments use a BPF link (bpf_link_create) where the kernel
 * offers one and PERF_EVENT_IOC_SET_BPF otherwise.
 *
 * Errors: negative errno plus a one-line message in (err, errlen) (err may
 * be NULL) that names the probe, e.g. "tracepoint syscalls:sys_enter_nosuch
 * does not exist", or, where kprobes are missing, exactly
 * "kprobes are not available on this kernel (CONFIG_KPROBES is not set)"
 * with -EOPNOTSUPP.
 */
#ifndef BT_BPF_ATTACH_H
#define BT_BPF_ATTACH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

struct bt_link;
struct bpf_insn;

/* The exact message of a kprobe attach on a kernel without kprobes. */
#define BT_ATTACH_NO_KPROBES \
	"kprobes are not available on this kernel (CONFIG_KPROBES is not set)"

/*
 * Attaches a tracepoint program to category:name (no globs; expand them
 * with bt_tracefs__expand). Returns 0 and *out, or -ENOENT (no such
 * tracepoint), -EACCES/-EPERM, -EINVAL (wrong program type).
 */
int bt_attach__tracepoint(int prog_fd, const char *category, const char *name,
			  struct bt_link **out, char *err, size_t errlen);

/*
 * Attaches a raw tracepoint program to the raw tracepoint `name`
 * ("sched_switch"). Returns 0 and *out, or -ENOENT (no such raw
 * tracepoint), -EINVAL.
 */
int bt_attach__raw_tracepoint(int prog_fd, const char *name,
			      struct bt_link **out, char *err, size_t errlen);

/*
 * Attaches a kprobe program at func+offset (kretprobe if retprobe).
 * Returns 0 and *out; -EOPNOTSUPP with BT_ATTACH_NO_KPROBES when the kernel
 * has neither the kprobe PMU nor kprobe_events; -ENOENT for an unknown
 * function.
 */
int bt_attach__kprobe(int prog_fd, const char *func, uint64_t offset,
		      bool retprobe, struct bt_link **out, char *err,
		      size_t errlen);

/*
 * Attaches a kprobe-type program as a uprobe (uretprobe if retprobe) at
 * file_offset in the ELF file at path (see bt_elf__resolve), for every
 * process (pid -1) or one process (pid > 0). Returns 0 and *out, or
 * -ENOENT (no such file), -EOPNOTSUPP (no uprobe PMU), -EINVAL.
 */
int bt_attach__uprobe(int prog_fd, const char *path, uint64_t file_offset,
		      bool retprobe, pid_t pid, struct bt_link **out, char *err,
		      size_t errlen);

/*
 * Attaches a perf-event program to a software cpu-clock timer on one CPU
 * (the first online one) firing every period_ns (>= 1000). Returns 0 and
 * *out, or -EINVAL (bad period), -errno from perf_event_open.
 */
int bt_attach__interval(int prog_fd, uint64_t period_ns, struct bt_link **out,
			char *err, size_t errlen);

/*
 * Attaches a perf-event program to a cpu-clock sampler on every online CPU
 * at freq_hz samples per second (1..1000000). Returns 0 and *out, or
 * -EINVAL, -errno from perf_event_open.
 */
int bt_attach__profile(int prog_fd, uint64_t freq_hz, struct bt_link **out,
		       char *err, size_t errlen);

/*
 * Attaches a perf-event program to a software event on every online CPU,
 * firing every `period` events. event is a bpftrace software event name:
 * "cpu-clock"/"cpu", "task-clock", "page-faults"/"faults",
 * "context-switches"/"cs", "cpu-migrations", "minor-faults",
 * "major-faults", "alignment-faults", "emulation-faults", "dummy",
 * "bpf-output". Returns 0 and *out, or -ENOENT (unknown event name),
 * -EINVAL (period 0), -errno from perf_event_open.
 */
int bt_attach__software(int prog_fd, const char *event, uint64_t period,
			struct bt_link **out, char *err, size_t errlen);

/*
 * Looks up a software (hardware false) or hardware perf event name or
 * alias as bt_attach__software/__hardware take them. Returns the event's
 * canonical name with bpftrace's default sample period in *period (may be
 * NULL), or NULL for an unknown name.
 */
const char *bt_attach__perf_event(bool hardware, const char *event,
				  uint64_t *period);

/* The reason hardware perf events fail on machines without a PMU. */
#define BT_ATTACH_NO_HARDWARE "no hardware perf counters on this machine"
/* The reason fentry/fexit fail on kernels without BPF trampolines. */
#define BT_ATTACH_NO_FENTRY \
	"fentry/fexit are not available on this kernel (no BPF trampoline)"

/*
 * Attaches a uprobe-type (kprobe) program at a USDT probe site: a uprobe
 * at file_offset in path (bt_usdt__list gives both) whose semaphore, at
 * file offset sema_offset (0: none), the kernel increments in every
 * process mapping the file while attached. pid as for bt_attach__uprobe.
 * Returns 0 and *out, or the errors of bt_attach__uprobe; -EINVAL for a
 * semaphore offset above 4 GiB.
 */
int bt_attach__usdt(int prog_fd, const char *path, uint64_t file_offset,
		    uint64_t sema_offset, pid_t pid, struct bt_link **out,
		    char *err, size_t errlen);

/*
 * Attaches a perf-event program to a hardware counter on every online
 * CPU, firing every `period` events. event is a bpftrace hardware event
 * name: "cpu-cycles"/"cycles", "instructions", "cache-references",
 * "cache-misses", "branch-instructions"/"branches", "branch-misses",
 * "bus-cycles", "frontend-stalls", "backend-stalls", "ref-cycles".
 * Returns 0 and *out, or -ENOENT (unknown name), -EINVAL (period 0),
 * -EOPNOTSUPP with BT_ATTACH_NO_HARDWARE in the message when the machine
 * has no such counter (virtual machines), -errno from perf_event_open.
 */
int bt_attach__hardware(int prog_fd, const char *event, uint64_t period,
			struct bt_link **out, char *err, size_t errlen);

/*
 * Loads insns as a BPF_PROG_TYPE_TRACING program for fentry (or fexit) of
 * the kernel function func, found in vmlinux BTF (attach_btf_id). Returns
 * 0 and *prog_fd (the caller closes it), -ENOENT (no such function in
 * BTF), or the load's -errno with BT_ATTACH_NO_FENTRY and the reason in
 * the message (kernels without BPF trampolines refuse the load).
 */
int bt_attach__fentry_load(const struct bpf_insn *insns, size_t ninsns,
			   const char *func, bool fexit, int *prog_fd,
			   char *err, size_t errlen);

/*
 * Attaches a program loaded by bt_attach__fentry_load (func only names it
 * in messages). Returns 0 and *out, or -errno with BT_ATTACH_NO_FENTRY in
 * the message.
 */
int bt_attach__fentry(int prog_fd, const char *func, struct bt_link **out,
		      char *err, size_t errlen);

/* Number of kernel attachments the link holds (1, or one per CPU). */
size_t bt_link__count(const struct bt_link *link);

/* Detaches and frees. NULL is fine. */
void bt_link__free(struct bt_link *link);

#endif
