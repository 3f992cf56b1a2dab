/*
 * client/sql.h - internal structures of the query engine (libtt_query.a).
 *
 * The pipeline, one file per stage:
 *   sql_lex.c    SQL text -> tokens (with byte positions)
 *   sql_parse.c  tokens -> statement AST (struct stmt)
 *   plan.c       names resolved, types checked, aggregates and group keys
 *                extracted, constants folded, time range derived
 *   expr.c       evaluating an expression for one row or one group
 *   filter.c     WHERE -> a selection vector per chunk
 *   groups.c     group keys -> group ids; aggregate states; merge
 *   exec.c       the scan loop: chunks, validation, non-aggregate rows
 *   result.c     HAVING, projection, ORDER BY, LIMIT -> struct ttq_result
 *   partial.c    serialization and merging of partial aggregates
 */
#ifndef TTQ_SQL_H
#define TTQ_SQL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "tracetab/query.h"
#include "tracetab/store.h"

/* ---- Arena: everything of a query is freed at once ---------------------- */

struct arena_blk;
struct arena {
	struct arena_blk *head;
};
void *arena__alloc(struct arena *a, size_t n); /* zeroed; NULL on ENOMEM */
char *arena__strndup(struct arena *a, const char *s, size_t n);
void arena__free(struct arena *a);
/* Moves every block of src into dst (src ends empty). */
void arena__move(struct arena *dst, struct arena *src);

void ttq_error__set(struct ttq_error *err, int pos, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* ---- Tokens ------------------------------------------------------------- */

enum tok_kind {
	TK_EOF,
	TK_IDENT,
	TK_QIDENT, /* "quoted identifier" */
	TK_INT,
	TK_FLOAT,
	TK_DURATION,
	TK_STRING,
	TK_OP,
};

struct token {
	enum tok_kind kind;
	int pos, len; /* span in the SQL text */
	const char *text; /* NUL-terminated copy (unescaped for strings) */
	int64_t ival; /* TK_INT, TK_DURATION (ns) */
	double dval; /* TK_FLOAT */
};

/* Returns 0 and a token array ending in TK_EOF (in arena), or -EINVAL. */
int sql__lex(const char *sql, struct arena *a, struct token **toks, size_t *n,
	     struct ttq_error *err);

/* ---- AST -------------------------------------------------------------- */

enum node_kind {
	N_LIT,
	N_COL, /* column reference: name, then col */
	N_STAR, /* count(*) argument */
	N_UNARY, /* op: OP_NEG, OP_NOT */
	N_BINARY,
	N_CALL, /* scalar function or (before planning) aggregate */
	N_IN, /* args[0] IN (args[1..]) */
	N_LIKE, /* args[0] LIKE args[1] */
	N_AGG, /* reference to aggregate `ref` (group context) */
	N_KEY, /* reference to group key `ref` (group context) */
};

enum op {
	OP_NONE,
	OP_ADD,
	OP_SUB,
	OP_MUL,
	OP_DIV,
	OP_MOD,
	OP_EQ,
	OP_NE,
	OP_LT,
	OP_LE,
	OP_GT,
	OP_GE,
	OP_AND,
	OP_OR,
	OP_NOT,
	OP_NEG,
};

struct func;

struct node {
	enum node_kind kind;
	enum op op;
	int pos, end; /* span in the SQL text */
	int oppos; /* N_BINARY: the operator */
	enum ttq_type type; /* set by the planner */
	bool negated; /* NOT IN, NOT LIKE */
	struct node **args;
	int nargs;
	struct ttq_value lit; /* N_LIT */
	const char *name; /* N_COL, N_CALL */
	int col; /* N_COL: schema index */
	const struct func *fn;
	int ref; /* N_AGG, N_KEY */
};

struct select_item {
	struct node *expr;
	const char *alias;
};

struct order_item {
	struct node *expr;
	bool desc;
};

struct stmt {
	struct select_item *items;
	int nitems;
	bool star;
	int star_pos;
	const char *table;
	int table_pos;
	struct node *where;
	struct node **group;
	int ngroup;
	struct node *having;
	struct order_item *order;
	int norder;
	int64_t limit; /* -1: none */
};

int sql__parse(const char *sql, struct arena *a, struct stmt *st,
	       struct ttq_error *err);
struct node *node__new(struct arena *a, enum node_kind kind, int pos, int end);

/* ---- Functions (table-driven; plan.c and expr.c) ------------------------- */

enum agg_kind {
	AGG_NONE,
	AGG_COUNT_STAR,
	AGG_COUNT,
	AGG_SUM,
	AGG_MIN,
	AGG_MAX,
	AGG_AVG,
	AGG_PCT,
};

struct ectx;

struct func {
	const char *name;
	int min_args, max_args;
	enum agg_kind agg;
	double q; /* AGG_PCT */
	/* Scalar functions: sets n->type from argument types or fails. */
	int (*check)(struct node *n, struct ttq_error *err);
	void (*eval)(const struct node *n, struct ectx *c,
		     const struct ttq_value *args, struct ttq_value *out);
};

const struct func *func__find(const char *name);
/* Closest function name to `name` (for suggestions), or NULL. */
const char *func__closest(const char *name);

/* ---- Plan -----------------------------------------------------------------
 */

struct aggdef {
	enum agg_kind kind;
	double q;
	struct node *arg; /* row context; NULL for count(*) */
	enum ttq_type in; /* argument type */
	enum ttq_type out; /* result type */
	struct node *call; /* the original call, for dedup */
};

/* A WHERE conjunct, compiled to the fastest form that can evaluate it. */
enum conj_kind {
	CJ_INT_CMP, /* int/uint/time column op constant */
	CJ_STR_CODES, /* depends on one string column only: per-code bitmap */
	CJ_ROW, /* anything else: evaluated per row */
};

struct conj {
	enum conj_kind kind;
	struct node *expr;
	int col;
	enum op op; /* CJ_INT_CMP: col op val */
	int64_t val; /* as raw 64 bits (u64 compared unsigned) */
	bool is_uint;
};

struct ttq_query {
	char *sql;
	struct arena arena;
	struct stmt st;
	char *store_dir;
	char table[TT_NAME_MAX];
	struct tt_reader *reader;
	const struct tt_schema *schema;
	int64_t now_ns;
	int64_t since_ns;
	int dns_timeout_ms;
	char *node; /* virtual column "node" (ttq_opts.node) or NULL */
	uint64_t fingerprint;

	struct conj *conj;
	int nconj;
	bool has_time_range;
	int64_t tmin, tmax;

	bool is_agg;
	struct node **keys; /* row context */
	int nkeys;
	struct aggdef *aggs;
	int naggs;

	struct node **out; /* group context when is_agg, else row context */
	const char **out_names;
	int nout; /* visible columns then hidden ORDER BY columns */
	int nvisible;
	int *order_col;
	bool *order_desc;
	int norder;
	struct node *having; /* group context */
	int64_t limit;

	uint64_t missed;

	/* Per-chunk scratch of the executor, grown on demand. */
	uint8_t *codebits;
	uint32_t codebits_cap;
	uint32_t *codemap;
	uint32_t codemap_cap;
	struct ectx *ectx;
};

/* Ensures q->codebits / q->codemap hold n entries; -ENOMEM. */
int query__scratch(struct ttq_query *q, uint32_t n);

int plan__build(struct ttq_query *q, struct ttq_error *err);
/* Resolved expression -> types set on every node (typecheck.c); aggregate
 * calls allowed when agg_ok. Returns 0, -EINVAL or -ENOENT with err. */
int plan__check(struct ttq_query *q, struct node *n, bool agg_ok,
		struct ttq_error *err);
/* Column type of the store mapped to a value type. */
enum ttq_type plan__col_type(uint32_t tt_type);
/* Column of `n` when n depends on exactly one column and it is a string
 * column with no aggregate inside; else -1. */
int plan__single_str_col(const struct node *n);

/* ---- Evaluation ------------------------------------------------------------
 */

#define ECTX_SCRATCH 4096

struct ectx {
	struct ttq_query *q;
	const struct tt_chunk *chunk; /* row context */
	uint32_t row;
	const struct ttq_value *keys; /* group context */
	const struct ttq_value *aggs;
	int ocol; /* this column reads as oval (-1: none) */
	struct ttq_value oval;
	char scratch[ECTX_SCRATCH];
	size_t used;
};

void expr__eval(const struct node *n, struct ectx *c, struct ttq_value *out);
/* Truthiness of a condition's value (NULL is false). */
static inline bool value__true(const struct ttq_value *v)
{
	return v->type == TTQ_BOOL && v->i;
}
/* Three-way comparison of comparable values; NULL sorts first. */
int value__cmp(const struct ttq_value *a, const struct ttq_value *b);
bool value__equal(const struct ttq_value *a, const struct ttq_value *b);
uint64_t value__hash(const struct ttq_value *v);
/* Reads column col of row in chunk as a value. */
void value__from_chunk(const struct tt_chunk *ch, int col, uint32_t type,
		       uint32_t row, struct ttq_value *out);
/* SQL LIKE with % and _ (case-sensitive). */
bool like__match(const char *s, size_t slen, const char *p, size_t plen);

/* ---- Filter
 * ------------------------------------------------------------------ */

/*
 * Fills sel with the chunk rows WHERE accepts; returns how many. When that
 * is every row, sel may be left unfilled (it would be the identity).
 */
uint32_t filter__chunk(struct ttq_query *q, const struct tt_chunk *ch,
		       uint32_t *sel);

/* ---- Groups and aggregate states --------------------------------------------
 */

struct keydict;

/*
 * One aggregate's state for one group. Kept to 32 bytes because there is
 * one per group and aggregate: sums keep a 128-bit total as v (low 64
 * bits) and hi; string min/max keep a malloc'd copy in s (length in hi);
 * percentiles keep their values in the aggregate's vpool as a chain of
 * blocks (v.u: first block + 1, hi: last block).
 */
struct agg_cell {
	int64_t n;
	union {
		int64_t i;
		uint64_t u;
		double d;
	} v;
	int64_t hi;
	union {
		char *s; /* string min/max */
		uint64_t tail; /* percentiles: tail block capacity << 32 | count
				*/
	} x;
};

/* Percentile values of every group of one aggregate, in chained blocks. */
struct vpool {
	uint64_t *p;
	size_t cap, used; /* in uint64_t */
};

/* bigvec.c: arrays in their own growable mappings (see there). */
int bigvec__reserve(void **p, size_t *cap, size_t need, size_t elem);
void bigvec__free(void *p, size_t cap, size_t elem);

struct groups {
	struct ttq_query *q;
	int nkeys, naggs;
	struct keydict *kd; /* nkeys dictionaries: key value <-> id */
	uint32_t *keyids; /* ngroups * nkeys */
	struct agg_cell *cells; /* ngroups * naggs */
	struct vpool *pools; /* naggs */
	uint32_t ngroups;
	size_t capkeys, capcells;
	/* Group lookup: dense array for <= 2 keys with small ids, else hash. */
	int32_t *dense;
	size_t dense_cap;
	uint32_t dshift, dcap0, dcap1;
	uint32_t *hslots; /* group index + 1; 0 empty */
	uint32_t hcap;
};

int groups__init(struct groups *g, struct ttq_query *q);
void groups__fini(struct groups *g);
/* Id of a key value in dictionary k (interned; strings copied). */
int groups__intern(struct groups *g, int k, const struct ttq_value *v,
		   uint32_t *id);
/* Moves the key strings into dst (the partial must not be used after). */
void groups__give_strings(struct groups *g, struct arena *dst);
/* Key value of an id. */
const struct ttq_value *groups__key(const struct groups *g, int k, uint32_t id);
/*
 * Shapes the dense index for every key id interned so far, so that groups
 * appearing later do not regrow it one doubling at a time. -ENOMEM.
 */
int groups__presize(struct groups *g);
/* Makes room for n more groups in one step (a known count). -ENOMEM. */
int groups__reserve(struct groups *g, size_t n);
/* Group index for a tuple of key ids, created when new; -ENOMEM. */
int64_t groups__lookup(struct groups *g, const uint32_t *ids);
/* Folds one input slot (raw 64 bits, or a string) into a cell. */
int agg__update(const struct aggdef *a, struct vpool *vp, struct agg_cell *c,
		uint64_t slot, const struct ttq_value *sv);
/*
 * Folds n selected rows into their groups: cell of row i is
 * cells[gidx[i] * stride]; slots[i] is its input (NULL for count(*)),
 * nulls[i] (when nulls is not NULL) says the input is NULL and is skipped,
 * svals[i] is the input of string min/max.
 */
int agg__update_batch(const struct aggdef *a, struct vpool *vp,
		      struct agg_cell *cells, size_t stride,
		      const uint32_t *gidx, const uint64_t *slots,
		      const uint8_t *nulls, const struct ttq_value *svals,
		      uint32_t n);
void agg__cell_free(const struct aggdef *a, struct agg_cell *c);
/* Merges src (a cell of another partial; its values in svp) into dst. */
int agg__merge(const struct aggdef *a, struct vpool *dvp, struct agg_cell *dst,
	       const struct vpool *svp, const struct agg_cell *src);
/* Final value of a cell (percentiles: -ENOMEM possible, value NULL). */
void agg__final(const struct aggdef *a, const struct vpool *vp,
		const struct agg_cell *c, struct ttq_value *out);
/* Percentile values: appends one / copies all of a cell's (count: c->n). */
int agg__pct_push(struct vpool *vp, struct agg_cell *c, uint64_t v);
void agg__pct_values(const struct vpool *vp, const struct agg_cell *c,
		     uint64_t *out);
/* Raw 64 bits of a value of numeric-ish type. */
uint64_t slot__from_value(const struct ttq_value *v);

/* ---- Execution and partials ------------------------------------------------
 */

struct rowbuf {
	struct ttq_value *vals; /* nrows * nout, a bigvec */
	size_t nrows, cap; /* cap in values */
	struct arena strings;
};
void rowbuf__free(struct rowbuf *rb);
/* Sorts rb by q's ORDER BY and keeps the first k rows (ORDER BY + LIMIT
 * keeps memory bounded by pruning now and then). -ENOMEM. */
int rowbuf__keep_top(struct rowbuf *rb, const struct ttq_query *q, size_t k);

struct ttq_partial {
	struct ttq_query *q;
	struct groups g; /* is_agg */
	struct rowbuf rows; /* !is_agg */
};

/* Appends a row; strings are copied unless keep[c] says column c's
 * strings outlive the buffer anyway (keep may be NULL). */
int rowbuf__push(struct rowbuf *rb, int nout, const struct ttq_value *vals,
		 const bool *keep);
int exec__run(struct ttq_query *q, struct ttq_partial *p,
	      struct ttq_error *err);

struct ttq_result {
	int ncols;
	const char **names;
	enum ttq_type *types;
	struct rowbuf rows; /* ncols values per row */
	struct arena arena;
};

/* Finish; with consume, p's key strings move into the result, and p may
 * only be freed afterwards (the local ttq_query__run path). */
int partial__finish(struct ttq_partial *p, struct ttq_result **out,
		    struct ttq_error *err, bool consume);

#endif
