/*
 * bpf/macros.h - the C preprocessor constants bpftrace programs use that
 * BTF does not carry.
 *
 * BTF describes enums but not #defines, so AF_INET, IPPROTO_TCP, O_RDONLY,
 * SIGKILL and friends would otherwise be unknown identifiers. Programs'
 * `#include` lines are ignored; this table stands in for the headers. The
 * values are those of Linux x86-64 (the only target). TCP states are here
 * too so that programs work even when BTF is missing.
 */
#ifndef BT_BPF_MACROS_H
#define BT_BPF_MACROS_H

#include <stddef.h>
#include <stdint.h>

/*
 * Looks up a constant by its exact name. Returns 0 and *value, or -ENOENT.
 */
int bt_macro__lookup(const char *name, int64_t *value);

/* The number of constants, and the i-th name (for tests and completion). */
size_t bt_macro__count(void);
const char *bt_macro__name(size_t i);

#endif
