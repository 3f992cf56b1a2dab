/*
 * bpf/btf.h - kernel types from BTF, for the compiler's type checker.
 *
 * Every kernel type the compiler needs (struct task_struct, struct sock,
 * enum constants, function prototypes) comes from the kernel's own BTF at
 * /sys/kernel/btf/vmlinux; no kernel headers are read at run time.
 *
 * Types are named by their BTF type id (uint32_t; 0 is void). Ids are only
 * meaningful for the bt_btf they came from. Functions that take an id of a
 * struct, array, pointer or integer accept it through typedefs and
 * const/volatile/restrict/type-tag modifiers (they strip them first).
 *
 * A bt_btf may be used from several threads: lazily built indexes and
 * synthetic pointer types are added under its lock.
 *
 * Errors: negative errno. -ENOENT when a name does not exist, -EINVAL when
 * an id has the wrong kind for the call (e.g. member lookup on an int).
 * Calls taking (err, errlen) also write a one-line message naming the thing
 * not found, e.g. "struct sock has no member 'foo'"; err may be NULL.
 */
#ifndef BT_BPF_BTF_H
#define BT_BPF_BTF_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/*
 * Include as "bpf/btf.h" (the build uses -iquote .); <bpf/btf.h> is
 * libbpf's.
 */
struct bt_btf;

/* The kinds the compiler distinguishes. ENUM covers ENUM and ENUM64. */
enum bt_btf_kind {
	BT_BTF_VOID = 0,
	BT_BTF_INT,
	BT_BTF_PTR,
	BT_BTF_ARRAY,
	BT_BTF_STRUCT,
	BT_BTF_UNION,
	BT_BTF_ENUM,
	BT_BTF_FWD,
	BT_BTF_TYPEDEF,
	BT_BTF_MODIFIER, /* const, volatile, restrict, type tag */
	BT_BTF_FUNC,
	BT_BTF_FUNC_PROTO,
	BT_BTF_FLOAT,
	BT_BTF_OTHER, /* var, datasec, decl tag */
};

/*
 * Returns the kernel's BTF (/sys/kernel/btf/vmlinux), loaded on the first
 * call and shared afterwards (thread-safe). Never free it.
 * Returns 0 and *out, or -errno (-ENOENT: the kernel has no BTF) with a
 * message.
 */
int bt_btf__vmlinux(struct bt_btf **out, char *err, size_t errlen);

/*
 * Opens a raw BTF file, or an ELF file with a .BTF section (tests, other
 * kernels). Split (module) BTF is not supported.
 * Returns 0 and *out (free with bt_btf__free) or -errno with a message.
 */
int bt_btf__open(const char *path, struct bt_btf **out, char *err,
		 size_t errlen);
/* Frees a bt_btf from bt_btf__open. NULL and the vmlinux one are ignored. */
void bt_btf__free(struct bt_btf *b);

/*
 * Finds a type by name and kind: BT_BTF_STRUCT, _UNION, _ENUM, _TYPEDEF,
 * _INT, _FUNC, _FWD, _FLOAT (the lowest id wins). The first lookup builds a
 * name index (a few ms for the kernel; functions have their own index,
 * built on the first function lookup). Returns 0 and *id, or -ENOENT.
 */
int bt_btf__find(const struct bt_btf *b, const char *name,
		 enum bt_btf_kind kind, uint32_t *id);

/*
 * Finds a type written the way a program spells it in a cast: "struct
 * sock", "union bpf_attr", "enum bpf_map_type", "u32", "unsigned int",
 * "pid_t", optionally followed by one or more '*' ("struct sock *"), which
 * yields a pointer type id (created in this bt_btf if the kernel has none;
 * ids created that way stay valid for the bt_btf's life).
 * Returns 0 and *id, -ENOENT ("unknown type 'struct nosuch'"), -EINVAL
 * for plain "void", -ENOSPC past 4096 synthetic pointer types.
 */
int bt_btf__lookup(struct bt_btf *b, const char *spelling, uint32_t *id,
		   char *err, size_t errlen);

/* The kind of id itself (no stripping); BT_BTF_VOID for 0 or bad ids. */
enum bt_btf_kind bt_btf__kind(const struct bt_btf *b, uint32_t id);

/* The id with typedefs and modifiers removed (0 stays 0). */
uint32_t bt_btf__strip(const struct bt_btf *b, uint32_t id);

/* The type's own name ("sock" for struct sock, "" if anonymous). */
const char *bt_btf__name(const struct bt_btf *b, uint32_t id);

/*
 * Size in bytes of the type (through typedefs; pointers are 8; arrays are
 * count * element). Returns the size, or -EINVAL for void, functions and
 * forward declarations.
 */
int64_t bt_btf__size(const struct bt_btf *b, uint32_t id);

/*
 * Integer facts of an INT, ENUM, or PTR (pointers: 8 bytes, unsigned),
 * through typedefs. *is_bool set for _Bool, *is_char for char types
 * (either may be NULL). Returns 0, or -EINVAL for other kinds.
 */
int bt_btf__int(const struct bt_btf *b, uint32_t id, unsigned *size,
		bool *is_signed, bool *is_char, bool *is_bool);

/*
 * Element type id (unstripped) and element count of an array type.
 * Flexible arrays have count 0. Returns 0, or -EINVAL if not an array.
 */
int bt_btf__array(const struct bt_btf *b, uint32_t id, uint32_t *elem,
		  uint32_t *count);

/*
 * Target type id (unstripped; 0 for void *) of a pointer type.
 * Returns 0, or -EINVAL if not a pointer.
 */
int bt_btf__pointee(const struct bt_btf *b, uint32_t id, uint32_t *target);

/*
 * Where a member lives. For plain members bit_size is 0 and offset is the
 * byte offset from the start of the outer struct. For bitfields, read
 * load_size bytes (1, 2, 4 or 8) at offset, then the value is
 * (loaded >> bit_shift) & ((1 << bit_size) - 1) on this little-endian
 * machine (sign-extend if the type is signed). For plain members load_size
 * is the member's size capped at 8 and bit_shift is 0.
 */
struct bt_btf_member {
	uint32_t type; /* member type id, unstripped */
	uint32_t offset; /* bytes from the start of the outer struct */
	uint32_t bit_size; /* 0 unless a bitfield */
	uint32_t bit_shift; /* bitfields: right shift after the load */
	uint32_t load_size; /* bytes to read for a bitfield/scalar (<= 8) */
};

/*
 * Finds member `name` of the struct or union `id` (through typedefs and
 * modifiers), looking through nested anonymous structs and unions, so
 * "skc_dport" is found in struct sock via __sk_common's anonymous unions,
 * with offsets accumulated. Returns 0 and *m; -ENOENT ("struct sock has no
 * member 'x'"); -EINVAL if id is not a struct or union (the message names
 * the type, e.g. "'int' is not a struct or union").
 */
int bt_btf__member(const struct bt_btf *b, uint32_t id, const char *name,
		   struct bt_btf_member *m, char *err, size_t errlen);

/*
 * Looks up an enum constant by name across every enum in the BTF (first
 * definition wins; indexed on first use). Returns 0 with *value and the
 * enum's type id in *enum_id (may be NULL), or -ENOENT.
 */
int bt_btf__enum_value(const struct bt_btf *b, const char *name, int64_t *value,
		       uint32_t *enum_id);

/*
 * The id of a pointer type to target (the BTF's own, or one added).
 * Returns 0, -ENOMEM or -ENOSPC.
 */
int bt_btf__ptr_to(struct bt_btf *b, uint32_t target, uint32_t *id);

/*
 * Finds a kernel function (BTF FUNC) by name; a kernel function that BTF
 * knows exists in the kernel image or a loaded module. Returns 0 and its
 * FUNC id, or -ENOENT ("no kernel function 'x' in BTF").
 */
int bt_btf__func(const struct bt_btf *b, const char *name, uint32_t *id,
		 char *err, size_t errlen);

/*
 * Kernel functions (BTF FUNC) whose names match glob (bt_glob__match), the
 * names fentry/fexit wildcards expand to; sorted, unique. Returns the
 * number found (> 0) with *out (free with bt_strlist__free), or -ENOENT
 * ("no kernel function matches 'x*' in BTF"), -ENOMEM.
 */
struct bt_strlist;
int bt_btf__funcs_match(const struct bt_btf *b, const char *glob,
			struct bt_strlist *out, char *err, size_t errlen);

/* Number of parameters of a FUNC or FUNC_PROTO, or -EINVAL. */
int bt_btf__func_nparams(const struct bt_btf *b, uint32_t func);

/*
 * Parameter i (0-based) of a FUNC or FUNC_PROTO: its name ("" if unnamed)
 * and type id. Returns 0, -ERANGE past the last one, -EINVAL if not a
 * function.
 */
int bt_btf__func_param(const struct bt_btf *b, uint32_t func, unsigned i,
		       const char **name, uint32_t *type);

/* Return type id of a FUNC or FUNC_PROTO (0 for void), or -EINVAL. */
int bt_btf__func_ret(const struct bt_btf *b, uint32_t func, uint32_t *type);

/*
 * Writes the C spelling of a type for diagnostics: "struct sock *",
 * "unsigned int", "char[16]", "const char *", "u32", "void", "int (*)()".
 * Always NUL-terminates (truncating). Returns the length it wanted.
 */
int bt_btf__type_str(const struct bt_btf *b, uint32_t id, char *buf,
		     size_t len);

#endif
