/*
 * bpf/btf_raw.h - a read-only view of raw BTF bytes (internal to btf.c).
 *
 * libbpf's parser copies and checks every type up front, which costs about
 * 50 ms of CPU for the kernel's 120k+ types; a one-shot compile cannot
 * afford that. This view indexes type offsets in one pass (bounds-checked,
 * so any file is safe) and builds a name hash on first lookup.
 */
#ifndef BT_BPF_BTF_RAW_H
#define BT_BPF_BTF_RAW_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <linux/btf.h>

struct btf_raw {
	char *data; /* the whole file, owned: mapped or malloc'd */
	size_t size;
	bool mapped;
	const char *types; /* type section */
	const char *strs; /* string section */
	uint32_t strs_len;
	uint32_t *off; /* off[id]: offset of type id in types; id 0 = void */
	uint32_t n; /* ids 0..n-1 */
	/* Open addressing, type ids by name (0 = empty): one table for
	 * functions, built only when one is looked up, one for the rest. */
	uint32_t *hash[2];
	uint32_t hash_mask[2];
	/* Enum constants: (type id, index) pairs hashed by constant name. */
	struct btf_raw_enum {
		uint32_t type, index; /* type 0 = empty slot */
	} * enums;
	uint32_t enums_mask;
};

/*
 * Maps (or, where mmap is refused, reads) a raw BTF file and indexes it;
 * for an ELF file, indexes a copy of its .BTF section (read by libbpf).
 * Returns 0, -errno from open/read, -EINVAL (not BTF, truncated, unknown
 * kind; message in err), or -ENOMEM.
 */
int btf_raw__load(struct btf_raw *r, const char *path, char *err,
		  size_t errlen);

/*
 * Indexes raw BTF in a malloc'd buffer, taking ownership of it (freed even
 * on error). Errors as btf_raw__load.
 */
int btf_raw__init(struct btf_raw *r, char *data, size_t size, char *err,
		  size_t errlen);

/* Frees everything; *r is zeroed. */
void btf_raw__release(struct btf_raw *r);

/* The type with this id, NULL for 0 (void) or ids out of range. */
const struct btf_type *btf_raw__type(const struct btf_raw *r, uint32_t id);

/* A string of the string section, "" for bad offsets. */
const char *btf_raw__str(const struct btf_raw *r, uint32_t off);

/*
 * Builds the name hash for functions (funcs) or for every other kind;
 * call once for each before btf_raw__find. Returns 0 or -ENOMEM.
 */
int btf_raw__index_names(struct btf_raw *r, bool funcs);

/*
 * The lowest id with this name and BTF_KIND_* kind, or 0 if none (also
 * when the hash that kind needs is not built).
 */
uint32_t btf_raw__find(const struct btf_raw *r, const char *name, int kind);

/* Builds the enum constant hash (call once). Returns 0 or -ENOMEM. */
int btf_raw__index_enums(struct btf_raw *r);

/*
 * Looks up an enum constant by name (first definition in id order wins).
 * Returns 0 with *value and *type (the ENUM/ENUM64 id), or -ENOENT (also
 * when the hash is not built).
 */
int btf_raw__enum(const struct btf_raw *r, const char *name, int64_t *value,
		  uint32_t *type);

#endif
