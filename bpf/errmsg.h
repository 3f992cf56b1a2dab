/*
 * bpf/errmsg.h - the error-buffer convention of the kernel-facing modules
 * (btf, tracefs, elf_sym, usdt, attach): functions return a negative errno
 * and, when the caller passed a buffer, a sentence saying what failed.
 */
#ifndef BT_ERRMSG_H
#define BT_ERRMSG_H

#include <stddef.h>

/* printf into err[errlen]; does nothing when err is NULL or errlen is 0. */
void bt_errmsg__set(char *err, size_t errlen, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

#endif
