/*
 * bpf/tracefs.h - tracepoints as tracefs describes them.
 *
 * A tracepoint's arguments (`args->filename`) are laid out by its
 * events/<cat>/<name>/format file; its id (for perf_event_open) is in
 * events/<cat>/<name>/id. This module finds tracefs (mounting it at
 * /sys/kernel/tracing if nothing is mounted, falling back to
 * /sys/kernel/debug/tracing), parses format files, expands wildcard probe
 * names, and lists kernel functions for kprobe wildcards.
 *
 * Glob patterns everywhere here use `*` (any run, possibly empty) and `?`
 * (one character); every other character matches itself.
 *
 * Errors: negative errno plus a one-line message in (err, errlen) (err may
 * be NULL): -ENOENT "tracepoint syscalls:sys_enter_nosuch does not exist",
 * -EINVAL for malformed format text, -ENOMEM.
 */
#ifndef BT_BPF_TRACEFS_H
#define BT_BPF_TRACEFS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* True if `s` matches glob `pat` (`*`, `?`). */
bool bt_glob__match(const char *pat, const char *s);
/* True if `s` contains `*` or `?`. */
bool bt_glob__is_glob(const char *s);

/* A malloc'd list of malloc'd strings. */
struct bt_strlist {
	size_t n;
	char **v;
};
/* Frees the strings and the array; leaves *l empty. NULL is fine. */
void bt_strlist__free(struct bt_strlist *l);
/*
 * Appends a copy of s; *cap is the capacity the caller keeps with the list
 * (start at 0 with an empty list). Returns 0 or -ENOMEM.
 */
int bt_strlist__push(struct bt_strlist *l, size_t *cap, const char *s);
/* Sorts the strings and drops duplicates. */
void bt_strlist__sort_unique(struct bt_strlist *l);

/*
 * The tracefs mount point ("/sys/kernel/tracing"), found on the first call
 * and cached (thread-safe). Mounts tracefs there if it is not mounted and
 * we may. Returns 0 and *path (static, never freed), or -ENOENT with a
 * message when no tracefs is reachable.
 */
int bt_tracefs__root(const char **path, char *err, size_t errlen);

/* One field of a tracepoint record. */
struct bt_tp_field {
	char name[64];
	char type[128]; /* C type text without the name: "const char *",
			   "char[16]" for "char comm[16]", "__data_loc char[]"
			 */
	uint32_t offset; /* bytes from the start of the record */
	uint32_t size; /* bytes the field occupies in the record */
	uint32_t array_count; /* N for "x[N]", 0 if not a fixed array */
	bool is_signed;
	bool data_loc; /* __data_loc/__rel_loc: u32 (len << 16 | offset) */
	bool rel_loc; /* __rel_loc: offset is relative to the field end */
	bool is_pointer; /* the type text ends in '*' */
	bool user_ptr; /* pointer into user memory: "__user" in the type, or
			  any pointer of a syscalls:* tracepoint */
};

/* A parsed format file. */
struct bt_tp_format {
	char category[64];
	char name[128];
	uint32_t id;
	size_t ncommon; /* common_* fields, kept for offsets */
	struct bt_tp_field *common;
	size_t nfields; /* the tracepoint's own fields */
	struct bt_tp_field *fields;
	uint32_t size; /* end of the last field (record size) */
};

/*
 * Reads and parses events/<category>/<name>/format. Returns 0 and *out
 * (free with bt_tp_format__free), or -ENOENT ("tracepoint cat:name does
 * not exist") / -EINVAL (malformed) / -ENOMEM.
 */
int bt_tracefs__format(const char *category, const char *name,
		       struct bt_tp_format **out, char *err, size_t errlen);

/*
 * Parses format text (the contents of a format file; need not be
 * NUL-terminated beyond len). category may be NULL (""); it is used only
 * for user_ptr. Never crashes on any input. Returns 0 and *out, -EINVAL
 * with a message naming the offending line, or -ENOMEM.
 */
int bt_tp_format__parse(const char *text, size_t len, const char *category,
			struct bt_tp_format **out, char *err, size_t errlen);

/* Finds a field (not a common_ one) by name; NULL if absent. */
const struct bt_tp_field *bt_tp_format__field(const struct bt_tp_format *f,
					      const char *name);

/* Frees a format. NULL is fine. */
void bt_tp_format__free(struct bt_tp_format *f);

/*
 * The tracepoint's id (events/<category>/<name>/id) for perf_event_open.
 * Returns the id (>= 0), or -ENOENT with a message.
 */
int bt_tracefs__tracepoint_id(const char *category, const char *name, char *err,
			      size_t errlen);

/*
 * Expands category and name globs into the existing tracepoints, as
 * "category:name" strings, sorted and unique. A pattern without glob
 * characters must match exactly. Returns the number found (> 0) with *out
 * filled (free with bt_strlist__free), or -ENOENT ("no tracepoint matches
 * syscalls:sys_enter_nosuch*") leaving *out empty.
 */
int bt_tracefs__expand(const char *category_glob, const char *name_glob,
		       struct bt_strlist *out, char *err, size_t errlen);

/*
 * Kernel functions matching a glob, from available_filter_functions, or
 * where that cannot be read, from the text symbols of /proc/kallsyms
 * (without compiler clones like "x.isra.0"); module annotations removed,
 * sorted and unique. Returns the number found (> 0) with *out, -ENOENT
 * (none match, or neither list is readable) or -EINVAL (empty pattern)
 * with a message.
 */
int bt_tracefs__kernel_funcs(const char *glob, struct bt_strlist *out,
			     char *err, size_t errlen);

#endif
