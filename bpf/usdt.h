/*
 * bpf/usdt.h - USDT probes: the SystemTap SDT notes of an ELF file.
 *
 * A USDT probe site is a nop in the program text described by a
 * .note.stapsdt note (type 3, owner "stapsdt"): the nop's address, the
 * link-time address of the .stapsdt.base section, the semaphore's address
 * (0 if none), then the provider, name and argument spec strings. When the
 * file was prelinked or its sections moved, addresses are corrected by the
 * difference between the note's base and the actual .stapsdt.base address.
 * A probe is attached as a uprobe at the nop's file offset; a semaphore is
 * a counter the program tests before computing expensive arguments, which
 * the kernel increments while a uprobe with that reference counter offset
 * is attached (bt_attach__usdt).
 *
 * Argument specs are "SIZE@OPERAND" with SIZE in {±1,±2,±4,±8} (negative:
 * signed) and an x86-64 AT&T operand: "%reg", "$imm", or "disp(%reg)".
 *
 * Errors: negative errno plus a one-line message in (err, errlen) (err may
 * be NULL): -ENOENT ("no USDT probe ttconf:nosuch in /bin/x"), -ENOEXEC
 * (not an ELF file), -EINVAL (malformed note or argument spec), -ENOMEM.
 */
#ifndef BT_BPF_USDT_H
#define BT_BPF_USDT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Most arguments an SDT probe may have. */
#define BT_USDT_MAX_ARGS 12

enum bt_usdt_arg_kind {
	BT_USDT_ARG_CONST, /* "$imm": the value is `value` */
	BT_USDT_ARG_REG, /* "%reg": the register's value */
	BT_USDT_ARG_MEM, /* "disp(%reg)": memory at reg + value */
};

/* One parsed argument spec. */
struct bt_usdt_arg {
	enum bt_usdt_arg_kind kind;
	int size; /* 1, 2, 4 or 8 bytes */
	bool is_signed; /* the spec's size was negative */
	int64_t value; /* CONST: the constant; MEM: the displacement */
	char reg[8]; /* REG/MEM: 64-bit register name ("rax", "rip") */
	int reg_off; /* REG/MEM: byte offset in struct pt_regs, -1 if the
			register is not in pt_regs */
	int reg_shift; /* REG: 8 for %ah/%bh/%ch/%dh (bits 8-15), else 0 */
};

/* One probe site. */
struct bt_usdt_probe {
	char *provider, *name, *args_text; /* malloc'd */
	uint64_t addr; /* the nop's virtual address (base-corrected) */
	uint64_t file_offset; /* for the uprobe */
	uint64_t sema_addr; /* 0: no semaphore */
	uint64_t sema_offset; /* file offset of the semaphore (ref_ctr) */
	int nargs;
	struct bt_usdt_arg args[BT_USDT_MAX_ARGS];
};

/* A list of probe sites. */
struct bt_usdt_probes {
	size_t n;
	struct bt_usdt_probe *v;
};
/* Frees the strings and array; leaves *l empty. NULL is fine. */
void bt_usdt_probes__free(struct bt_usdt_probes *l);

/*
 * Every USDT probe site of the ELF file at path whose provider and name
 * match the globs (bt_glob__match; NULL matches all), in note order.
 * Returns the number found (> 0) with *out, or -ENOENT when the file has
 * no matching probe (message names it), -ENOEXEC, -EINVAL (a malformed
 * note or argument spec, message names the probe), -ENOMEM.
 */
int bt_usdt__list(const char *path, const char *provider_glob,
		  const char *name_glob, struct bt_usdt_probes *out, char *err,
		  size_t errlen);

/*
 * Parses one argument spec ("-4@%eax", "8@$5", "-8@-12(%rbp)") into *out.
 * Returns 0, or -EINVAL with a message quoting the spec.
 */
int bt_usdt__parse_arg(const char *spec, struct bt_usdt_arg *out, char *err,
		       size_t errlen);

#endif
