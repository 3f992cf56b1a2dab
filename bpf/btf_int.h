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

#endif
