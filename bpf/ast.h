/*
 * bpf/ast.h - the abstract syntax tree of a bpftrace program.
 *
 * bt_parse() (bpf/parser.h) builds it; semantic analysis and code
 * generation walk it. It is the spine of the compiler, so it is plain data:
 * tagged unions, arrays with counts, strings NUL-terminated.
 *
 * Invariants every consumer may rely on:
 *   - Every node (probe, attach point, statement, expression, type name,
 *     struct definition, define) carries the 1-based line and column of its
 *     first token. Columns count bytes (a tab is one column).
 *   - All memory (nodes, arrays, strings) lives in one arena owned by the
 *     struct bt_ast; bt_ast__free() releases everything at once. Consumers
 *     never free individual nodes and may keep pointers as long as the AST.
 *   - Pointers documented as "never NULL" are never NULL in an AST returned
 *     by a successful bt_parse(); arrays with a count of 0 may be NULL.
 *   - Tree depth (expressions and statements, counted together) is at most
 *     BT_AST_MAX_DEPTH, so later passes may recurse without overflowing the
 *     stack; deeper input is a parse error, not a crash.
 *   - Names are stored without sigils: $x has name "x", @m has name "m", the
 *     anonymous map @ has name "".
 *   - The parser checks syntax only. Unknown builtins, functions, fields or
 *     types are left for semantic analysis, which knows BTF.
 */
#ifndef BT_AST_H
#define BT_AST_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

/* Deepest tree the parser accepts (see the invariants above). */
#define BT_AST_MAX_DEPTH 200

/* ---- Type names: casts, sizeof, struct members ------------------------- */

enum bt_type_kind {
	/* int8..int64, uint8..uint64, and C's char/short/int/long */
	BT_TYPE_INT,
	BT_TYPE_BOOL,
	BT_TYPE_STRING,
	BT_TYPE_VOID, /* only useful behind a '*' */
	BT_TYPE_STRUCT, /* struct <name> */
	BT_TYPE_UNION, /* union <name> */
	BT_TYPE_ENUM, /* enum <name> */
	BT_TYPE_NAMED, /* any other identifier: a typedef (u32, pid_t, ...) */
};

struct bt_type_name {
	int line, col;
	enum bt_type_kind kind;
	/* BT_TYPE_INT: width in bits (8, 16, 32, 64) and signedness. */
	unsigned bits;
	bool is_signed;
	/* STRUCT/UNION/ENUM: the tag; NAMED: the typedef; INT: the bpftrace
	 * name ("uint64" also for C's "unsigned long"); others: the word. */
	const char *name;
	unsigned ptr_depth; /* number of '*' */
	/* Array declarator, `(int8[4])x` or `char comm[16]`: 0 when absent. */
	uint64_t array_len;
	bool is_array;
};

/* ---- Expressions ------------------------------------------------------- */

enum bt_expr_kind {
	BT_EXPR_INT, /* 42, 0x2a, 052, 1_000 */
	BT_EXPR_STR, /* "text" with escapes decoded */
	BT_EXPR_VAR, /* $name */
	BT_EXPR_MAP, /* @name, @name[k1, k2] */
	BT_EXPR_POSITIONAL, /* $1 .. $N */
	BT_EXPR_NARGS, /* $# */
	BT_EXPR_IDENT, /* builtin or constant: pid, AF_INET (see bt_define) */
	BT_EXPR_CALL, /* name(args...) */
	BT_EXPR_UNARY, /* - ! ~ * & */
	BT_EXPR_BINARY, /* a op b */
	BT_EXPR_TERNARY, /* c ? a : b */
	BT_EXPR_CAST, /* (type)x */
	BT_EXPR_MEMBER, /* x.f, x->f */
	BT_EXPR_INDEX, /* x[i] */
	BT_EXPR_TUPLE, /* (a, b, ...) : two or more elements */
	BT_EXPR_TUPLE_INDEX, /* t.0 */
	BT_EXPR_SIZEOF, /* sizeof(type) or sizeof(expr) */
	BT_EXPR_INCDEC, /* ++x, x++, --x, x-- on $var or @map[...] */
};

enum bt_unop {
	BT_UNOP_NEG, /* -x */
	BT_UNOP_LNOT, /* !x */
	BT_UNOP_BNOT, /* ~x */
	BT_UNOP_DEREF, /* *x */
	BT_UNOP_ADDR, /* &x */
};

/* Binary operators, also used by compound assignment (BT_STMT_ASSIGN.op). */
enum bt_binop {
	BT_BINOP_NONE = 0, /* plain '=' in an assignment */
	BT_BINOP_MUL,
	BT_BINOP_DIV,
	BT_BINOP_MOD,
	BT_BINOP_ADD,
	BT_BINOP_SUB,
	BT_BINOP_SHL,
	BT_BINOP_SHR,
	BT_BINOP_LT,
	BT_BINOP_LE,
	BT_BINOP_GT,
	BT_BINOP_GE,
	BT_BINOP_EQ,
	BT_BINOP_NE,
	BT_BINOP_BAND,
	BT_BINOP_BXOR,
	BT_BINOP_BOR,
	BT_BINOP_LAND,
	BT_BINOP_LOR,
};

struct bt_expr {
	enum bt_expr_kind kind;
	int line, col;
	unsigned height; /* 1 for a leaf, 1 + the tallest child otherwise */
	union {
		/* BT_EXPR_INT: literals are non-negative; -1 is NEG(1). */
		struct {
			uint64_t value;
		} integer;
		/* BT_EXPR_STR: decoded bytes; NUL-terminated, len excludes it
		 * (escapes like \0 may put NULs inside). raw is the text
		 * between the quotes as written; bt_lexer__str_col() maps a
		 * decoded offset (e.g. a printf error) to its source column. */
		struct {
			const char *data;
			size_t len;
			const char *raw;
			size_t raw_len;
		} str;
		/* BT_EXPR_VAR, BT_EXPR_IDENT */
		struct {
			const char *name;
		} var, ident;
		/* BT_EXPR_MAP: nkeys == 0 for a scalar map @x; @x[a, b] has 2.
		 */
		struct {
			const char *name;
			struct bt_expr **keys;
			size_t nkeys;
		} map;
		/* BT_EXPR_POSITIONAL: $1 has index 1 (never 0). */
		struct {
			unsigned index;
		} positional;
		/* BT_EXPR_CALL: builtin functions, printf, count(), ... */
		struct {
			const char *name;
			struct bt_expr **args;
			size_t nargs;
		} call;
		struct {
			enum bt_unop op;
			struct bt_expr *operand; /* never NULL */
		} unary;
		struct {
			enum bt_binop op; /* never BT_BINOP_NONE */
			struct bt_expr *lhs, *rhs; /* never NULL */
		} binary;
		struct {
			struct bt_expr *cond, *then,
				*otherwise; /* never NULL */
		} ternary;
		struct {
			struct bt_type_name *type; /* never NULL */
			struct bt_expr *operand; /* never NULL */
		} cast;
		/* BT_EXPR_MEMBER: arrow is true for '->'. */
		struct {
			struct bt_expr *base; /* never NULL */
			const char *field;
			bool arrow;
		} member;
		struct {
			struct bt_expr *base, *index; /* never NULL */
		} index;
		/* BT_EXPR_TUPLE: n >= 2 */
		struct {
			struct bt_expr **elems;
			size_t n;
		} tuple;
		struct {
			struct bt_expr *base; /* never NULL */
			unsigned index;
		} tuple_index;
		/* BT_EXPR_SIZEOF: exactly one of type and expr is set.
		 * sizeof(NAME) with a NAME that is not a type word is stored
		 * as expr IDENT: it may be a builtin or a typedef, which only
		 * semantic analysis can tell. */
		struct {
			struct bt_type_name *type;
			struct bt_expr *expr;
		} size_of;
		/* BT_EXPR_INCDEC: target is a BT_EXPR_VAR or BT_EXPR_MAP. */
		struct {
			struct bt_expr *target;
			bool increment; /* ++ (true) or -- */
			bool prefix; /* ++x (true) or x++ */
		} incdec;
	};
};

/* ---- Statements -------------------------------------------------------- */

enum bt_stmt_kind {
	BT_STMT_EXPR, /* expression; (calls, x++) */
	BT_STMT_ASSIGN, /* target = value; target op= value; */
	BT_STMT_IF, /* if (cond) {...} else ... */
	BT_STMT_UNROLL, /* unroll (N) {...} */
	BT_STMT_WHILE, /* while (cond) {...} */
	BT_STMT_RETURN, /* return; (value optional) */
	BT_STMT_BREAK, /* break; */
	BT_STMT_CONTINUE, /* continue; */
	BT_STMT_DELETE, /* delete(@m[k]) or delete(@m, k) */
	BT_STMT_BLOCK, /* { ... } nested block */
};

struct bt_stmt;

/* A braced list of statements. */
struct bt_block {
	int line, col; /* of the '{' */
	struct bt_stmt **stmts;
	size_t n;
};

struct bt_stmt {
	enum bt_stmt_kind kind;
	int line, col;
	union {
		/* BT_STMT_EXPR */
		struct bt_expr *expr;
		/* BT_STMT_ASSIGN: target is BT_EXPR_VAR or BT_EXPR_MAP;
		 * op is BT_BINOP_NONE for '=' and e.g. BT_BINOP_ADD for '+='.
		 */
		struct {
			struct bt_expr *target, *value; /* never NULL */
			enum bt_binop op;
		} assign;
		/* BT_STMT_IF: otherwise is NULL without else; `else if` is an
		 * else block holding a single BT_STMT_IF. */
		struct {
			struct bt_expr *cond; /* never NULL */
			struct bt_block then;
			struct bt_block *otherwise;
		} if_;
		/* BT_STMT_UNROLL: count is an expression (normally an integer
		 * literal or a positional); semantic analysis bounds it. */
		struct {
			struct bt_expr *count; /* never NULL */
			struct bt_block body;
		} unroll;
		struct {
			struct bt_expr *cond; /* never NULL */
			struct bt_block body;
		} while_;
		/* BT_STMT_RETURN: value is NULL for a bare return. */
		struct {
			struct bt_expr *value;
		} ret;
		/* BT_STMT_DELETE: map is a BT_EXPR_MAP; delete(@m, k) is stored
		 * as map @m[k], so both spellings look the same. */
		struct {
			struct bt_expr *map;
		} del;
		/* BT_STMT_BLOCK */
		struct bt_block block;
	};
};

/* ---- Probes ------------------------------------------------------------ */

/* Canonical probe providers; short aliases map to these. */
enum bt_probe_kind {
	BT_PROBE_BEGIN,
	BT_PROBE_END,
	BT_PROBE_TRACEPOINT, /* tracepoint, t */
	BT_PROBE_RAWTRACEPOINT, /* rawtracepoint, rt */
	BT_PROBE_KPROBE, /* kprobe, k */
	BT_PROBE_KRETPROBE, /* kretprobe, kr */
	BT_PROBE_UPROBE, /* uprobe, u */
	BT_PROBE_URETPROBE, /* uretprobe, ur */
	BT_PROBE_USDT, /* usdt, U */
	BT_PROBE_INTERVAL, /* interval, i */
	BT_PROBE_PROFILE, /* profile, p */
	BT_PROBE_SOFTWARE, /* software, s */
	BT_PROBE_HARDWARE, /* hardware, h */
	BT_PROBE_FENTRY, /* fentry, kfunc, f */
	BT_PROBE_FEXIT, /* fexit, kretfunc, fr */
	BT_PROBE_WATCHPOINT, /* watchpoint, w */
	BT_PROBE_ASYNCWATCHPOINT, /* asyncwatchpoint, aw */
};

/*
 * One attach point, e.g. `tracepoint:syscalls:sys_enter_*` has kind
 * BT_PROBE_TRACEPOINT, provider "tracepoint", parts {"syscalls",
 * "sys_enter_*"}. BEGIN and END have no parts. Wildcards (*, ?) are kept
 * as written and has_wildcard says whether any part holds one. Quoted parts
 * ("...") are unquoted. uprobe paths may contain '/'.
 */
struct bt_attach_point {
	int line, col;
	const char *raw; /* the text as written */
	enum bt_probe_kind kind;
	const char *provider; /* canonical name: "tracepoint", "kprobe", ... */
	const char **parts; /* colon-separated parts after the provider */
	size_t nparts;
	bool has_wildcard;
};

struct bt_probe {
	int line, col;
	struct bt_attach_point *points; /* at least one */
	size_t npoints;
	struct bt_expr *predicate; /* /expr/ or NULL */
	struct bt_block body;
};

/* ---- Program-level items ----------------------------------------------- */

/* A member of an in-script struct: `int x;`, `char comm[16];`. */
struct bt_struct_member {
	int line, col;
	struct bt_type_name *type; /* never NULL; carries array_len */
	const char *name;
};

/* `struct foo { ... };` or `union foo { ... };` in the script. */
struct bt_struct_def {
	int line, col;
	bool is_union;
	const char *name;
	struct bt_struct_member *members;
	size_t nmembers;
};

/*
 * `#define NAME value`: value is the rest of the line (trimmed, comments
 * removed); expr is that text parsed as an expression, or NULL when it is
 * empty or does not parse. Like the C preprocessor bpftrace runs, the
 * parser expands every later bare identifier NAME into a copy of expr
 * placed at the use site, so consumers never see NAME itself; a NAME whose
 * value is not an expression stays a BT_EXPR_IDENT (which semantic
 * analysis reports as unknown).
 */
struct bt_define {
	int line, col;
	const char *name;
	const char *value;
	struct bt_expr *expr;
};

/* `#include <x.h>` or `#include "x.h"`: recorded, otherwise ignored. */
struct bt_include {
	int line, col;
	const char *path;
};

struct bt_arena;

struct bt_ast {
	struct bt_probe *probes;
	size_t nprobes;
	struct bt_struct_def *structs;
	size_t nstructs;
	struct bt_define *defines;
	size_t ndefines;
	struct bt_include *includes;
	size_t nincludes;
	struct bt_arena *arena; /* owns everything above */
};

/* Frees the AST and everything it points to. NULL is fine. */
void bt_ast__free(struct bt_ast *ast);

/*
 * Prints the AST as S-expressions, one statement per line, e.g.
 *     (probe (tracepoint syscalls sys_enter_openat)
 *       (pred (== pid 1))
 *       (call printf "%d\n" pid)
 *       (+= @n[comm] (* 2 $x)))
 * Leaves print as written ($x, @m[k], 42, "s", pid); operators as (op a b);
 * casts and sizeof show types in <...>. Parentheses make precedence
 * visible; tests compare this text.
 */
void bt_ast__dump(const struct bt_ast *ast, FILE *out);
/* Prints a single expression in the same form (no newline). */
void bt_expr__dump(const struct bt_expr *e, FILE *out);

/* Spelling of an operator: "+", "<<=", "!", ...; "=" for BT_BINOP_NONE. */
const char *bt_binop__str(enum bt_binop op);
const char *bt_unop__str(enum bt_unop op);
/* Canonical provider name of a probe kind ("tracepoint", "BEGIN", ...). */
const char *bt_probe_kind__name(enum bt_probe_kind kind);

/* ---- Arena (used by the parser; consumers need not touch it) ------------ */

struct bt_arena *bt_arena__new(void);
void bt_arena__free(struct bt_arena *a);
/* Zeroed memory aligned for any type; NULL when out of memory. */
void *bt_arena__alloc(struct bt_arena *a, size_t size);
/* Copies len bytes and adds a NUL; NULL when out of memory. */
char *bt_arena__strndup(struct bt_arena *a, const char *s, size_t len);

#endif
