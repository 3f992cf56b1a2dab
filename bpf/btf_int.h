/*
 * bpf/btf_int.h - what btf.c shares with btf_str.c (not a public API).
 */
#ifndef BT_BPF_BTF_INT_H
#define BT_BPF_BTF_INT_H

#include <stdint.h>

#include <linux/btf.h>

struct bt_btf;

/* The record of type id (real or synthetic pointer), NULL for void/bad. */
const struct btf_type *bt_btf__rec(const struct bt_btf *b, uint32_t id);

/* A string of the BTF string section, "" for bad offsets. */
const char *bt_btf__str(const struct bt_btf *b, uint32_t off);

/*
 * The raw sections of b: its type records (tlen bytes, ids 1..n-1 in
 * order) and its string section (slen bytes).
 */
void bt_btf__sections(const struct bt_btf *b, const char **types,
		      uint32_t *tlen, const char **strs, uint32_t *slen,
		      uint32_t *n);

/*
 * A bt_btf over raw BTF in a malloc'd buffer (ownership taken, freed even
 * on error). Returns 0 and *out (free with bt_btf__free), -EINVAL with a
 * message, or -ENOMEM.
 */
int bt_btf__from_raw(char *data, size_t size, struct bt_btf **out, char *err,
		     size_t errlen);

#endif
