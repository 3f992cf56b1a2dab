/*
 * store/dict.h - the writer's side of a segment's string dictionary.
 */
#ifndef TT_STORE_DICT_H
#define TT_STORE_DICT_H

#include <stdint.h>

#include "store/format.h"

/*
 * Interns strings into one string column of the writer's current segment.
 * The shared part (entries, arena, size word) lives in the segment; the
 * hash index that finds an existing code is private to the writer and is
 * rebuilt when the writer moves to another segment.
 */
struct tt_dict {
	uint64_t *slots; /* (hash << 32) | (code + 1); 0 is empty */
	uint32_t mask;
	uint32_t n; /* entries */
	uint32_t used; /* arena bytes */
	uint32_t max_entries, arena_bytes;
	struct tt_dict_entry *ents; /* shared */
	char *arena; /* shared */
	uint32_t *shared_n; /* shared size word */
	uint32_t last; /* last code returned; n when none */
};

/* Allocates the index for max_entries strings. 0 or -ENOMEM. */
int tt_dict__init(struct tt_dict *d, uint32_t max_entries,
		  uint32_t arena_bytes);
void tt_dict__free(struct tt_dict *d);

/*
 * Points the dictionary at a segment's shared arrays and indexes the
 * entries already there (n of them, validated: a corrupted entry ends the
 * dictionary early). Returns the number of entries kept.
 */
uint32_t tt_dict__attach(struct tt_dict *d, struct tt_dict_entry *ents,
			 char *arena, uint32_t *shared_n, uint32_t n);

/*
 * Code of the string, adding it if new (the shared size word is bumped
 * before the caller publishes the row). Strings longer than the arena are
 * truncated to it. Returns the code, or -ENOSPC when the arena or the entry
 * array is full: the caller seals the segment and retries in a fresh one.
 */
int64_t tt_dict__intern(struct tt_dict *d, const char *s, uint32_t len);

#endif
