/*
 * store/dict.c - interning strings into a segment's dictionary.
 *
 * Dictionaries are per segment so that recycling a segment frees its
 * strings with it: memory is bounded by the arena size whatever the
 * cardinality, and a code can never outlive its string. When the arena
 * fills up, the segment is sealed early.
 *
 * The index is open addressing with linear probing, sized at twice the
 * maximum number of entries so it never fills. Each slot keeps 32 bits of
 * the hash next to the code, so most mismatches cost no arena access.
 * Trace data repeats the same few strings (comm, probe names) on
 * consecutive rows, hence the one-entry cache of the last code.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "store/dict.h"

static uint32_t hash_bytes(const char *s, uint32_t len)
{
	uint64_t h = 0x9e3779b97f4a7c15ull ^ len;
	uint64_t w;

	for (; len >= 8; s += 8, len -= 8) {
		memcpy(&w, s, 8);
		h = (h ^ w) * 0xff51afd7ed558ccdull;
		h ^= h >> 32;
	}
	w = 0;
	if (len)
		memcpy(&w, s, len);
	h = (h ^ w) * 0xc4ceb9fe1a85ec53ull;
	h ^= h >> 29;
	return (uint32_t)(h ^ (h >> 32));
}

int tt_dict__init(struct tt_dict *d, uint32_t max_entries, uint32_t arena_bytes)
{
	uint64_t cap = 16;

	memset(d, 0, sizeof(*d));
	while (cap < 2ull * max_entries)
		cap <<= 1;
	d->slots = calloc(cap, sizeof(*d->slots));
	if (!d->slots)
		return -ENOMEM;
	d->mask = (uint32_t)(cap - 1);
	d->max_entries = max_entries;
	d->arena_bytes = arena_bytes;
	return 0;
}

void tt_dict__free(struct tt_dict *d)
{
	free(d->slots);
	d->slots = NULL;
}

static bool entry__equal(const struct tt_dict *d, uint32_t code, const char *s,
			 uint32_t len)
{
	const struct tt_dict_entry *e = &d->ents[code];

	return e->len == len &&
	       (!len || memcmp(d->arena + e->off, s, len) == 0);
}

/* Slot holding the string, or the empty slot where it belongs. */
static uint64_t *slot__find(struct tt_dict *d, uint32_t h, const char *s,
			    uint32_t len)
{
	for (uint32_t i = h & d->mask;; i = (i + 1) & d->mask) {
		uint64_t v = d->slots[i];

		if (!v || ((uint32_t)(v >> 32) == h &&
			   entry__equal(d, (uint32_t)v - 1, s, len)))
			return &d->slots[i];
	}
}

uint32_t tt_dict__attach(struct tt_dict *d, struct tt_dict_entry *ents,
			 char *arena, uint32_t *shared_n, uint32_t n)
{
	memset(d->slots, 0, ((uint64_t)d->mask + 1) * sizeof(*d->slots));
	d->ents = ents;
	d->arena = arena;
	d->shared_n = shared_n;
	d->n = 0;
	d->used = 0;
	d->last = UINT32_MAX;
	if (n > d->max_entries)
		n = d->max_entries;
	/* Entries are laid out back to back; anything else is damage. */
	for (uint32_t c = 0; c < n; c++) {
		const struct tt_dict_entry *e = &ents[c];
		uint32_t h;

		if (e->off != d->used || e->len > d->arena_bytes - d->used)
			break;
		h = hash_bytes(arena + e->off, e->len);
		uint64_t *slot = slot__find(d, h, arena + e->off, e->len);
		if (!*slot)
			*slot = ((uint64_t)h << 32) | (c + 1);
		d->n = c + 1;
		d->used += e->len;
	}
	return d->n;
}

int64_t tt_dict__intern(struct tt_dict *d, const char *s, uint32_t len)
{
	uint32_t h, code;
	uint64_t *slot;

	if (len > d->arena_bytes)
		len = d->arena_bytes;
	if (d->last < d->n && entry__equal(d, d->last, s, len))
		return d->last;
	h = hash_bytes(s, len);
	slot = slot__find(d, h, s, len);
	if (*slot)
		return d->last = (uint32_t)*slot - 1;
	if (d->n >= d->max_entries || len > d->arena_bytes - d->used)
		return -ENOSPC;
	code = d->n++;
	if (len) /* s may be NULL for the empty string */
		memcpy(d->arena + d->used, s, len);
	d->ents[code].off = d->used;
	d->ents[code].len = len;
	d->used += len;
	*slot = ((uint64_t)h << 32) | (code + 1);
	d->last = code;
	__atomic_store_n(d->shared_n, d->n, __ATOMIC_RELAXED);
	return code;
}
