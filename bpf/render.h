/*
 * render.h - values BPF records as numbers and users read as text:
 * ntop addresses, kernel symbols (ksym), user names (username). Rendered
 * in user space when a record is decoded or a map printed, the way
 * bpftrace does, so probes stay cheap.
 */
#ifndef BT_RENDER_H
#define BT_RENDER_H

#include <stddef.h>
#include <stdint.h>

#include "bpf/types.h"

/*
 * Writes the text of a BT_T_INET or BT_T_TEXT value stored at p into buf
 * (always NUL-terminated). Unknown symbols and users fall back to the
 * number ("0xffffffff81000000", "1234").
 */
void bt_render__value(const struct bt_type *t, const uint8_t *p, char *buf,
		      size_t len);

/*
 * Writes the frames of stack `id` from stack map stack_fd, bpftrace's
 * way: a newline, then one "<indent spaces>symbol+offset" line per frame
 * (user stacks: hex addresses), at most depth frames (0: all).
 */
void bt_render__stack(int stack_fd, const struct bt_type *t, int64_t id,
		      int indent, char *buf, size_t len);

/*
 * The address of kernel symbol name from /proc/kallsyms (kaddr()), or 0
 * when it is unknown (or addresses are hidden from this user).
 */
uint64_t bt_render__kaddr(const char *name);

#endif
