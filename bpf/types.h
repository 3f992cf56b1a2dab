/*
 * types.h - the value types of the bpftrace language as the compiler sees
 * them: integers of 1/2/4/8 bytes with signedness, strings of a fixed
 * capacity, pointers and records (structs/unions) and arrays described by
 * BTF ids or by tracefs fields, tuples, ntop addresses and aggregations.
 *
 * A type is a small value (copy it freely). Tuples point at a field array
 * owned by the type arena of the compilation (bt_types__arena), so types
 * never need freeing one by one.
 *
 * Where values live at run time: integers and pointers are scalars in a
 * register; strings, tuples and ntop addresses are aggregates in stack
 * slots; records and arrays stay in (kernel or user) memory and are
 * represented by their address until a scalar member is read.
 */
#ifndef BT_TYPES_H
#define BT_TYPES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum bt_tkind {
	BT_T_NONE = 0, /* not yet known / no value */
	BT_T_VOID,     /* statements, functions without a value */
	BT_T_INT,
	BT_T_STR,
	BT_T_PTR,    /* pointer; btf = pointee (0: void / unknown) */
	BT_T_RECORD, /* struct/union in memory; btf = its id */
	BT_T_ARRAY,  /* array in memory; btf = array type id */
	BT_T_ARGS,   /* a tracepoint's args (fields from tracefs) */
	BT_T_TUPLE,
	BT_T_INET,   /* ntop() result: family + 16 address bytes */
	BT_T_TEXT,   /* a u64 rendered as text in user space (ksym, ...) */
	BT_T_COUNT,  /* aggregations, only as map values */
	BT_T_SUM,
	BT_T_MIN,
	BT_T_MAX,
};

#define BT_STRLEN 64    /* bpftrace's default string capacity */
#define BT_INET_SIZE 24 /* u64 family, u8 addr[16] */

struct bt_tuple;

struct bt_type {
	enum bt_tkind kind;
	uint32_t size;  /* bytes of the value as stored in records/maps */
	bool is_signed; /* INT */
	bool user;      /* PTR/ARRAY/RECORD: address is in user memory */
	bool ctx;       /* PTR/RECORD/ARRAY: address relative to the context */
	uint32_t btf;   /* PTR: pointee id; RECORD/ARRAY: own id */
	/* ARRAY without BTF (tracepoint fields): element integers. */
	uint16_t elem_size;
	bool elem_signed;
	uint8_t render; /* TEXT: enum bt_render */
	/* TEXT stacks: frames printed, 0: all. TEXT strftime/cgroup_path:
	 * the id of the BT_REC_TEXT record holding the format/filter. */
	uint8_t depth;
	/*
	 * INT: bytes the value has in bpftrace 0.17's generated code when
	 * that differs from size (0: size). Unary -, ~, ! and ++/-- keep
	 * their operand's width although -$u16 types as a 64-bit integer;
	 * the width decides how many bytes an assignment writes (types.c).
	 */
	uint8_t width;
	const struct bt_tuple *tuple; /* TUPLE */
};

struct bt_tuple {
	size_t n;
	struct bt_type *f;
	uint32_t *off; /* field offsets at natural alignment */
};

static inline struct bt_type bt_type__int(unsigned size, bool is_signed)
{
	return (struct bt_type){ .kind = BT_T_INT, .size = size,
				 .is_signed = is_signed };
}
/* The bytes an INT value has in generated code (see width above). */
static inline unsigned bt_type__width(const struct bt_type *t)
{
	return t->width ? t->width : t->size;
}
/* Strings are stored in whole 8-byte words: capacity rounds up. */
static inline struct bt_type bt_type__str(unsigned size)
{
	return (struct bt_type){ .kind = BT_T_STR, .size = (size + 7) & ~7u };
}
static inline struct bt_type bt_type__ptr(uint32_t pointee, bool user)
{
	return (struct bt_type){ .kind = BT_T_PTR, .size = 8, .btf = pointee,
				 .user = user };
}

/* How a TEXT value becomes text (decode.c). */
enum bt_render {
	BT_RENDER_KSYM,     /* kernel address -> symbol (/proc/kallsyms) */
	BT_RENDER_USERNAME, /* uid -> user name */
	BT_RENDER_KSTACK,   /* stack id -> kernel frames (the object's map) */
	BT_RENDER_USTACK,   /* stack id -> user addresses */
	/* Values of builtins_text.c (rendered by render_text.c): */
	BT_RENDER_STRFTIME, /* CLOCK_MONOTONIC ns -> local time text */
	BT_RENDER_CGROUP,   /* cgroup id -> "unified:/path,..." */
	BT_RENDER_USYM,     /* 16 bytes: user address, pid -> symbol */
	BT_RENDER_BUF,      /* 8 + n bytes: u64 length, bytes -> %r text */
};

/*
 * True for types whose value is held in a register (ints, pointers, TEXT
 * of 8 bytes). TEXT values wider than 8 bytes (usym's address + pid,
 * buf's length + bytes) are aggregates.
 */
static inline bool bt_type__scalar(const struct bt_type *t)
{
	return t->kind == BT_T_INT || t->kind == BT_T_PTR ||
	       (t->kind == BT_T_TEXT && t->size <= 8);
}
/* True for types held in stack slots (strings, tuples, inet, wide TEXT). */
static inline bool bt_type__aggregate(const struct bt_type *t)
{
	return t->kind == BT_T_STR || t->kind == BT_T_TUPLE ||
	       t->kind == BT_T_INET || (t->kind == BT_T_TEXT && t->size > 8);
}
/*
 * The type of -x or ~x (lnot false) or !x (lnot true) of an integer or
 * pointer x: 64-bit with x's sign, or x's size unsigned for !; either
 * keeps x's width (types.c).
 */
struct bt_type bt_type__unary(const struct bt_type *x, bool lnot);
/* v as a value of INT type t: its width's low bytes extended by its sign. */
int64_t bt_type__int_value(int64_t v, const struct bt_type *t);

/* Natural alignment of a value of this type in a record or map slot. */
unsigned bt_type__align(const struct bt_type *t);

/*
 * True when a value of type b may be stored where a was stored: same
 * kind; integers of any size (types.c says what an assignment of
 * another width does); strings of any capacity; tuples field by field.
 */
bool bt_type__compatible(const struct bt_type *a, const struct bt_type *b);
/* True when both are exactly the same type (printf table rule). */
bool bt_type__equal(const struct bt_type *a, const struct bt_type *b);

/* Writes a name for messages ("int64", "string[64]", "struct sock *"). */
void bt_type__name(const struct bt_type *t, char *buf, size_t len);
/*
 * Makes bt_type__name in this thread read type names from btf (NULL: the
 * kernel's BTF again): set while a program with its own structs compiles.
 */
struct bt_btf;
void bt_type__names_from(const struct bt_btf *btf);

/* An arena that owns tuple field arrays. */
struct bt_types;
struct bt_types *bt_types__new(void);
void bt_types__free(struct bt_types *ts);
/*
 * The compile warnings kept with the program this arena belongs to
 * (bt_program__warning): created on first use, freed with the arena.
 * NULL when out of memory.
 */
struct bt_diags *bt_types__warnings(struct bt_types *ts);
/* Builds a tuple type of n fields (copied); kind NONE on OOM. */
struct bt_type bt_types__tuple(struct bt_types *ts, const struct bt_type *f,
			       size_t n);

#endif
