/*
 * bpf/elf_int.h - libelf helpers shared by the ELF readers of bpf/
 * (elf_sym.c: symbols, usdt.c: SDT notes). Internal: callers outside the
 * kernel-interface modules use elf_sym.h and usdt.h.
 */
#ifndef BT_BPF_ELF_INT_H
#define BT_BPF_ELF_INT_H

#include <libelf.h>
#include <stddef.h>
#include <stdint.h>

/* An open ELF file: the descriptor and libelf's handle over it. */
struct bt_elf_file {
	int fd;
	Elf *elf;
};

/*
 * Opens path as an executable or shared object (ET_EXEC/ET_DYN). Returns
 * 0, or -errno (-ENOENT...) / -ENOEXEC (not such an ELF file) with a
 * message. Close with bt_elf_file__close.
 */
int bt_elf_file__open(struct bt_elf_file *f, const char *path, char *err,
		      size_t errlen);

/* Releases what bt_elf_file__open took. */
void bt_elf_file__close(struct bt_elf_file *f);

/*
 * File offset of a virtual address through the PT_LOAD program headers
 * (offset = vaddr - p_vaddr + p_offset). Returns 0 and *off, or -ERANGE
 * when no loadable segment's file image covers vaddr.
 */
int bt_elf__vaddr_to_offset(Elf *elf, uint64_t vaddr, uint64_t *off);

#endif
