/*
 * render.h - values BPF records as numbers and users read as text:
 * ntop addresses, kernel symbols (ksym), user names (username). Rendered
 * in user space when a record is decoded or a map printed, the way
 * bpftrace does, so probes stay cheap.
 */
#ifndef BT_RENDER_H
#define BT_RENDER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "bpf/object.h"
#include "bpf/types.h"

/*
 * Stack values (kstack, ustack): bt_type.depth holds the frames kept (1 to
 * BT_STACK_DEPTH) and BT_STACK_PERF for perf mode, so stacks of different
 * depths or modes are different types, as in bpftrace. Each depth has its
 * own stack map of frames * 8-byte values: the kernel hashes only the
 * frames a map keeps, so kstack(1) map keys collapse to their top frame.
 * A kstack value is the stack id (8 bytes); a ustack value is the stack
 * id and the pid (16 bytes), whose mappings name its frames.
 */
#define BT_STACK_PERF 0x80
static inline unsigned bt_stack__frames(const struct bt_type *t)
{
	unsigned n = t->depth & ~BT_STACK_PERF;
	return n ? n : BT_STACK_DEPTH;
}
static inline bool bt_stack__perf(const struct bt_type *t)
{
	return t->depth & BT_STACK_PERF;
}
/* The object's stack map for t's depth, -1 if none. */
int bt_stack__map(const struct bt_object *obj, const struct bt_type *t);

/*
 * Writes the text of a BT_T_INET or BT_T_TEXT value stored at p into buf
 * (always NUL-terminated). Unknown symbols and users fall back to the
 * number ("0xffffffff81000000", "1234").
 */
void bt_render__value(const struct bt_type *t, const uint8_t *p, char *buf,
		      size_t len);

/*
 * Writes the frames of the stack value at p (type t) from obj's stack map
 * for its depth, bpftrace's way: a newline, then per frame
 * "<indent spaces>symbol+offset" (bpftrace mode; user frames whose
 * process or symbol is gone as 0x<hex>) or "\t<hex> symbol+offset"
 * (perf mode; user frames add " (<file>)", or "0x<hex> ([unknown])").
 * No stack (a kernel thread's ustack, a failed or evicted id) is "".
 */
void bt_render__stack_of(const struct bt_object *obj, const struct bt_type *t,
			 const uint8_t *p, int indent, char *buf, size_t len);
/*
 * The same for a stack id read from stack map stack_fd (kernel frames and
 * user addresses, no pid): for callers that only hold one map's fd. A map
 * whose depth is not t's gives "[stack of another depth]".
 */
void bt_render__stack(int stack_fd, const struct bt_type *t, int64_t id,
		      int indent, char *buf, size_t len);

/*
 * The address of kernel symbol name from /proc/kallsyms (kaddr()), or 0
 * when it is unknown (or addresses are hidden from this user).
 */
uint64_t bt_render__kaddr(const char *name);

/* ---- render_text.c: the values of builtins_text.c ---- */

struct bt_object;

/*
 * Writes the text of a BT_T_TEXT value of render STRFTIME, CGROUP, USYM or
 * BUF stored at p into buf (always NUL-terminated); obj holds the formats
 * and filters the type refers to (NULL: strftime uses "%H:%M:%S",
 * cgroup_path every hierarchy). Returns false for other values.
 */
bool bt_render__text(const struct bt_object *obj, const struct bt_type *t,
		     const uint8_t *p, char *buf, size_t len);

/*
 * bpftrace's %r: bytes 0x20..0x7e as themselves, every other byte as
 * "\xNN" (lower-case hex). Stops before an escape that would not fit.
 * Returns the length written.
 */
size_t bt_render__buf(const uint8_t *p, size_t n, char *out, size_t len);

/*
 * strftime() of a CLOCK_MONOTONIC time in ns (what nsecs gives) as local
 * wall-clock time; "%f" is the microseconds (6 digits). Returns the
 * length, 0 when the text does not fit (buf is then ""), -1 on error.
 */
int bt_render__strftime(const char *fmt, uint64_t mono_ns, char *buf,
			size_t len);

/*
 * cgroup_path(): for every cgroup mount (cgroup2 first, named "unified",
 * then v1 hierarchies by mount point name) whose name matches the glob
 * filter (NULL or "": all), "name:path" of the entry whose inode is id,
 * joined by commas; hierarchies without one are left out (bpftrace
 * 0.17's rendering). Returns the length written ("" when none).
 * Found paths are cached and re-checked with lstat(); the mount list and
 * misses are cached for a second (~16 us a call instead of ~1.2 ms of
 * directory walks here), so a new cgroup or mount shows up within 1 s.
 */
size_t bt_render__cgroup_path(uint64_t id, const char *filter, char *buf,
			      size_t len);

/*
 * usym(): the name of the function symbol covering user address addr in
 * process pid (through /proc/PID/maps and the mapped file's ELF
 * symbols), without offset like bpftrace 0.17; "0x<hex>" when the process
 * is gone or no symbol covers it.
 */
void bt_render__usym(uint64_t addr, uint32_t pid, char *buf, size_t len);
/*
 * The function symbol covering user address addr of process pid: its name
 * into name, addr's offset in it into *off and the mapped file into path.
 * Returns false when the process, mapping or symbol is gone.
 */
bool bt_render__usym_at(uint64_t addr, uint32_t pid, char *name, size_t nlen,
			uint64_t *off, char *path, size_t plen);

/* ---- maps_print.c: print(value) ---- */

/*
 * The text print(value) prints for a value of type t stored at p (tuples
 * "(a, b)", stacks with 8-space frames), with its newline, into buf
 * (always NUL-terminated, cut to fit). Returns its length.
 */
size_t bt_render__print_text(const struct bt_object *obj,
			     const struct bt_type *t, const uint8_t *p,
			     char *buf, size_t len);

#endif
