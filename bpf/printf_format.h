/*
 * bpf/printf_format.h - parse a bpftrace printf format string.
 *
 * Finds every conversion with its flags, width, precision, length modifier
 * and byte offset (so errors and type mismatches point at it), and names
 * the table column each conversion becomes.
 *
 * Conversions: %d %i (signed), %u %x %X %o (unsigned), %p (pointer),
 * %c (character), %s (string), %r (buffer); "%%" is a literal percent.
 * Flags "-+ #0", a decimal width, ".precision", length modifiers hh h l ll
 * z j t. A '*' width or precision, an unknown conversion, or a '%' at the
 * end is an error at the offset of its '%'.
 * (bpftrace 0.17 itself accepts only the '-' and '0' flags and prints
 * "%%" verbatim; a renderer that mimics it can check `flags`.)
 *
 * Column names (the seed's table rules): the format is split on
 * whitespace into tokens; a conversion written as `name:%fmt` at the start
 * of its token (after any opening "([{<'\"") takes `name` as its column
 * name: "pid:%d" and "(pid:%d)" both name the column pid. The label must be an
 * identifier ([A-Za-z_][A-Za-z0-9_]*, shorter than TT_NAME_MAX) or it is an
 * error at the label. A conversion that is not the first in its token
 * ("%s:%d") or has no label is unlabelled and is named col<N>, where N is
 * its 1-based position among all conversions: "%d %s" gives col1, col2 and
 * "pid:%d %s" gives pid, col2. Two conversions with the same name are an
 * error at the second one.
 */
#ifndef BT_PRINTF_FORMAT_H
#define BT_PRINTF_FORMAT_H

#include <stdbool.h>
#include <stddef.h>
#include <string.h>

#include "tracetab/store.h"

/* What kind of argument a conversion takes. */
enum bt_fmt_kind {
	BT_FMT_SIGNED, /* d i */
	BT_FMT_UNSIGNED, /* u x X o */
	BT_FMT_POINTER, /* p */
	BT_FMT_CHAR, /* c */
	BT_FMT_STRING, /* s */
	BT_FMT_BUFFER, /* r */
};

enum bt_fmt_length {
	BT_FMT_LEN_NONE,
	BT_FMT_LEN_HH,
	BT_FMT_LEN_H,
	BT_FMT_LEN_L,
	BT_FMT_LEN_LL,
	BT_FMT_LEN_Z,
	BT_FMT_LEN_J,
	BT_FMT_LEN_T,
};

#define BT_FMT_FLAG_LEFT (1u << 0) /* '-' */
#define BT_FMT_FLAG_PLUS (1u << 1) /* '+' */
#define BT_FMT_FLAG_SPACE (1u << 2) /* ' ' */
#define BT_FMT_FLAG_ALT (1u << 3) /* '#' */
#define BT_FMT_FLAG_ZERO (1u << 4) /* '0' */

struct bt_fmt_conv {
	size_t offset; /* of the '%' */
	size_t len; /* bytes from '%' through the conversion character */
	char conv; /* 'd', 'i', 'u', 'x', 'X', 'o', 'p', 'c', 's', 'r' */
	enum bt_fmt_kind kind;
	enum bt_fmt_length length;
	unsigned flags; /* BT_FMT_FLAG_* */
	int width; /* -1 when absent */
	int precision; /* -1 when absent */
	char name[TT_NAME_MAX]; /* the column name: label or col<N> */
	bool labelled;
	size_t label_offset; /* of the label's first byte, when labelled */
};

struct bt_fmt {
	struct bt_fmt_conv *convs; /* in order of appearance */
	size_t n;
};

/* Where and why a format was rejected. */
struct bt_fmt_error {
	size_t offset; /* byte offset in the format string */
	char msg[200];
};

/*
 * Parses len bytes of fmt into *out (which the caller later passes to
 * bt_fmt__free, also after an error). Returns 0, -EINVAL with *err filled
 * (unknown conversion, '*', incomplete '%', bad or duplicate label, width
 * or precision over 4096), or -ENOMEM.
 */
int bt_fmt__parse(const char *fmt, size_t len, struct bt_fmt *out,
		  struct bt_fmt_error *err);

/* Releases what bt_fmt__parse allocated; leaves *f empty. NULL is fine. */
void bt_fmt__free(struct bt_fmt *f);

/*
 * Writes into buf (size cap, always NUL-terminated when cap > 0) a C
 * printf conversion that renders conv's value the way the format asks,
 * for a value passed as long long (signed) or unsigned long long
 * (unsigned) when the spec has a length modifier, int or unsigned int when
 * it has none, int (char), void * (pointer) or char * (string, buffer;
 * a buffer becomes %s, its hex rendering is the caller's): flags, width and
 * precision kept, the length modifier replaced ("%-6hd" -> "%-6hd" keeps
 * h/hh truncation, "%5ld" -> "%5lld", "%x" stays "%x"). bpftrace 0.17
 * hands the 64-bit value to C's printf with the format as written, so a
 * plain %d or %x shows the low 32 bits; the caller truncates the same way
 * (bt_fmt_cspec__is_int). Returns the length it needed.
 */
/* True when cspec (from bt_fmt_conv__cspec) takes an int, not a long long. */
static inline int bt_fmt_cspec__is_int(const char *cspec)
{
	return !strchr(cspec, 'l');
}

size_t bt_fmt_conv__cspec(const struct bt_fmt_conv *conv, char *buf,
			  size_t cap);

/*
 * Copies the literal text fmt[from, to) into buf (size cap, always
 * NUL-terminated when cap > 0) with "%%" turned into "%". Returns the
 * length it needed, like snprintf.
 */
size_t bt_fmt__literal(const char *fmt, size_t from, size_t to, char *buf,
		       size_t cap);

#endif
