/*
 * bpf/elf_sym.h - ELF symbols to uprobe file offsets, and library names to
 * paths.
 *
 * A uprobe is placed at a file offset in an ELF file, not at a symbol or a
 * virtual address. This module reads a file's .symtab (then .dynsym, for
 * stripped files) with libelf, and converts the symbol's virtual address
 * to a file offset through the program header of the PT_LOAD segment
 * containing it: offset = vaddr - p_vaddr + p_offset.
 *
 * Errors: negative errno plus a one-line message in (err, errlen) (err may
 * be NULL): -ENOENT ("no symbol 'foo' in /bin/true"; "library 'libfoo' not
 * found"), -ENOEXEC (not an ELF file), -ERANGE (address in no loadable
 * segment), -EIO/-ENOMEM.
 */
#ifndef BT_BPF_ELF_SYM_H
#define BT_BPF_ELF_SYM_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

/* A resolved symbol. */
struct bt_elf_sym {
	char *name; /* malloc'd (in lists) */
	uint64_t vaddr; /* st_value */
	uint64_t size; /* st_size */
	uint64_t file_offset; /* what a uprobe needs */
};

/* A list of symbols from bt_elf__match. */
struct bt_elf_syms {
	size_t n;
	struct bt_elf_sym *v;
};
/* Frees names and array; leaves *l empty. NULL is fine. */
void bt_elf_syms__free(struct bt_elf_syms *l);

/*
 * Resolves a function or object symbol (defined, non-zero address) in the
 * ELF file at path; .symtab first, then .dynsym; a versioned .dynsym name
 * "getpid@@GLIBC_2.2.5" matches "getpid". On success returns 0 and fills
 * *out (out->name is NULL here). Returns -ENOENT when there is no such
 * symbol, -ENOEXEC for non-ELF files, -ERANGE when its address lies in no
 * PT_LOAD segment.
 */
int bt_elf__resolve(const char *path, const char *symbol,
		    struct bt_elf_sym *out, char *err, size_t errlen);

/*
 * File offset of a uprobe location other than a plain function name:
 * "0x4005d0" / "4195792" (a virtual address) or "func+OFFSET" (OFFSET
 * decimal or 0x hex, inside the function when its size is known).
 * Returns 0, -EINVAL (none of these forms), -ERANGE (address in no
 * loadable segment, offset past the function), or bt_elf__resolve's
 * errors, each with a message.
 */
int bt_elf__locate(const char *path, const char *spec, uint64_t *file_offset,
		   char *err, size_t errlen);

/*
 * Every defined function symbol of the file whose name matches glob
 * (bt_glob__match), with file offsets, sorted by name, unique by name.
 * Returns the number found (> 0) with *out (free with bt_elf_syms__free),
 * or -ENOENT when none match, -ENOEXEC, -ENOMEM.
 */
int bt_elf__match(const char *path, const char *glob, struct bt_elf_syms *out,
		  char *err, size_t errlen);

/*
 * Resolves a uprobe target to a path. Accepted:
 *   - a path containing '/' ("/bin/bash", "./a.out"): must exist;
 *   - a library name "libc", "libc.so", "libc.so.6": if pid > 0, searched
 *     first in /proc/<pid>/maps, then in the standard library directories
 *     (/lib/<multiarch>, /usr/lib/<multiarch>, /lib64, /usr/lib64, /lib,
 *     /usr/lib, /usr/local/lib); "libc" matches libc.so.6 (the one with the
 *     highest version wins);
 *   - a program name without '/' ("bash"): searched in $PATH.
 * Writes an absolute path into path (pathlen bytes). Returns 0, or
 * -ENOENT ("library 'libfoo' not found"), -ENAMETOOLONG.
 */
int bt_elf__find_target(const char *target, pid_t pid, char *path,
			size_t pathlen, char *err, size_t errlen);

#endif
