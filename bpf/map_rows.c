/*
 * map_rows.c - a program's @maps read as table rows (maps become tables).
 *
 * Each user map (@name) is described as a table schema: one column per key
 * element, then the value columns, then time_:
 *
 *     count/sum/min/max/plain values   value (tuples: value1..valueN)
 *     avg, stats                        count, sum, avg
 *     hist, lhist                       lo, hi, count (one row per
 *                                       non-empty bucket, [lo, hi))
 *
 * Key columns are named after the key expression when it says what the
 * key is (comm, pid, args->id -> id), otherwise key / key1..keyN. A
 * snapshot hands out one row per entry (per bucket for histograms), all
 * stamped with the caller's time. Hash maps, plain or per-CPU, are read
 * in BPF_MAP_LOOKUP_BATCH batches (one syscall per 256 entries; the
 * kernel walks its buckets, so the walk ends). Other maps, or a kernel
 * that refuses batches, are walked with get_next_key + lookup, bounded by
 * max_entries because probes keep inserting and deleting while it runs:
 * a deleted cursor restarts the kernel's walk, so the bound is what
 * guarantees termination. Either way a row may be missed or repeated
 * while probes write, never invented. Per-CPU maps are folded into one
 * value by bt_map__lookup / bt_map__lookup_batch (map_read.c), so rows
 * never show per-CPU slots.
 */
#include <bpf/bpf.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "bpf/object.h"
#include "bpf/parser.h"
#include "bpf/render.h"

/* Column text of one row: rendered strings (ntop, ksym, stacks). */
#define TEXT_LEN 4096

struct row_buf {
	union tt_value v[TT_MAX_COLUMNS];
	char text[TT_MAX_COLUMNS][TEXT_LEN];
};

/* The object index of exported map i (user maps named @...), or -1. */
static int map_index(const struct bt_object *obj, size_t i)
{
	for (size_t m = BT_MAP_USER; m < obj->nmaps; m++)
		if (obj->maps[m].name[0] == '@' && i-- == 0)
			return (int)m;
	return -1;
}

size_t bt_program__nmaps(const struct bt_program *prog)
{
	size_t n = 0;

	for (size_t m = BT_MAP_USER; m < prog->obj->nmaps; m++)
		n += prog->obj->maps[m].name[0] == '@';
	return n;
}

const char *bt_program__map_name(const struct bt_program *prog, size_t i)
{
	int m = map_index(prog->obj, i);

	return m < 0 ? NULL : prog->obj->maps[m].name + 1;
}

/* ---- Key column names from the program text ---------------------------- */

struct key_names {
	const char *map; /* without '@' */
	const struct bt_expr *keys[TT_MAX_COLUMNS];
	size_t n;
	bool found;
};

static void find_expr(struct key_names *kn, const struct bt_expr *e)
{
	if (!e || kn->found)
		return;
	if (e->kind == BT_EXPR_INCDEC) {
		find_expr(kn, e->incdec.target);
		return;
	}
	if (e->kind != BT_EXPR_MAP || strcmp(e->map.name, kn->map) != 0 ||
	    e->map.nkeys == 0)
		return;
	const struct bt_expr *const *k =
		(const struct bt_expr *const *)e->map.keys;
	size_t n = e->map.nkeys;
	if (n == 1 && k[0]->kind == BT_EXPR_TUPLE) {
		n = k[0]->tuple.n;
		k = (const struct bt_expr *const *)k[0]->tuple.elems;
	}
	kn->n = n < TT_MAX_COLUMNS ? n : TT_MAX_COLUMNS;
	memcpy(kn->keys, k, kn->n * sizeof(*k));
	kn->found = true;
}

static void find_block(struct key_names *kn, const struct bt_block *b);

static void find_stmt(struct key_names *kn, const struct bt_stmt *st)
{
	switch (st->kind) {
	case BT_STMT_EXPR:
		find_expr(kn, st->expr);
		return;
	case BT_STMT_ASSIGN:
		find_expr(kn, st->assign.target);
		return;
	case BT_STMT_IF:
		find_block(kn, &st->if_.then);
		if (st->if_.otherwise)
			find_block(kn, st->if_.otherwise);
		return;
	case BT_STMT_UNROLL:
		find_block(kn, &st->unroll.body);
		return;
	case BT_STMT_WHILE:
		find_block(kn, &st->while_.body);
		return;
	case BT_STMT_BLOCK:
		find_block(kn, &st->block);
		return;
	default:
		return;
	}
}

static void find_block(struct key_names *kn, const struct bt_block *b)
{
	for (size_t i = 0; i < b->n && !kn->found; i++)
		find_stmt(kn, b->stmts[i]);
}

/* What a key expression names: comm, pid, args->id -> id; NULL if none. */
static const char *expr_name(const struct bt_expr *e)
{
	switch (e->kind) {
	case BT_EXPR_IDENT:
		return e->ident.name;
	case BT_EXPR_MEMBER:
		return e->member.field;
	case BT_EXPR_VAR:
		return e->var.name[0] == '$' ? e->var.name + 1 : e->var.name;
	case BT_EXPR_CALL:
		/* ksym(ip), str(args->filename): the function says what. */
		return e->call.nargs == 0 ? e->call.name : NULL;
	default:
		return NULL;
	}
}

/* ---- Schemas --------------------------------------------------------------
 */

static enum tt_type col_type(const struct bt_type *t)
{
	if (t->kind == BT_T_INT)
		return t->is_signed ? TT_TYPE_INT64 : TT_TYPE_UINT64;
	return TT_TYPE_STRING;
}

/* The element types of a key or value: a tuple's fields, or itself. */
static size_t elems(const struct bt_type *t, const struct bt_type **f)
{
	if (t->kind == BT_T_NONE)
		return 0;
	if (t->kind != BT_T_TUPLE) {
		*f = t;
		return 1;
	}
	*f = t->tuple->f;
	return t->tuple->n;
}

static const struct bt_type *elem(const struct bt_type *t, size_t i)
{
	return t->kind == BT_T_TUPLE ? &t->tuple->f[i] : t;
}

static uint32_t elem_off(const struct bt_type *t, size_t i)
{
	return t->kind == BT_T_TUPLE ? t->tuple->off[i] : 0;
}

static int add_keys(struct tt_schema *s, const struct bt_map_def *m,
		    const struct key_names *kn)
{
	const struct bt_type *f;
	size_t n = elems(&m->key, &f);
	char name[TT_NAME_MAX];

	for (size_t i = 0; i < n; i++) {
		const char *want =
			kn->found && kn->n == n ? expr_name(kn->keys[i]) : NULL;
		int rc = want ? tt_schema__add(s, want,
					       col_type(elem(&m->key, i)))
			      : -EINVAL;
		if (rc == 0)
			continue;
		if (rc == -E2BIG)
			return rc;
		/* Unnamed, or the name is taken or not a column name. */
		if (n == 1)
			snprintf(name, sizeof(name), "key");
		else
			snprintf(name, sizeof(name), "key%zu", i + 1);
		rc = tt_schema__add(s, name, col_type(elem(&m->key, i)));
		if (rc < 0)
			return rc;
	}
	return 0;
}

static int add_values(struct tt_schema *s, const struct bt_map_def *m)
{
	static const char *const agg[] = {"count", "sum", "avg"};
	static const char *const hist[] = {"lo", "hi", "count"};
	static const enum tt_type agg_t[] = {TT_TYPE_UINT64, TT_TYPE_INT64,
					     TT_TYPE_INT64};
	static const enum tt_type hist_t[] = {TT_TYPE_INT64, TT_TYPE_INT64,
					      TT_TYPE_UINT64};
	const char *const *names = NULL;
	const enum tt_type *types = NULL;
	const struct bt_type *f;
	char name[TT_NAME_MAX];
	int rc = 0;

	if (m->kind == BT_MAPK_AVG || m->kind == BT_MAPK_STATS)
		names = agg, types = agg_t;
	else if (m->kind == BT_MAPK_HIST || m->kind == BT_MAPK_LHIST)
		names = hist, types = hist_t;
	for (size_t i = 0; names && i < 3 && !rc; i++)
		rc = tt_schema__add(s, names[i], types[i]);
	if (names)
		return rc;
	size_t n = elems(&m->value, &f);
	for (size_t i = 0; i < n && !rc; i++) {
		if (n == 1)
			snprintf(name, sizeof(name), "value");
		else
			snprintf(name, sizeof(name), "value%zu", i + 1);
		rc = tt_schema__add(s, name, col_type(elem(&m->value, i)));
	}
	return rc;
}

int bt_program__map_schema(const struct bt_program *prog, size_t i,
			   const char *source, struct tt_schema *out)
{
	int m = map_index(prog->obj, i);
	struct key_names kn = {0};
	struct bt_ast *ast = NULL;
	int rc;

	memset(out, 0, sizeof(*out));
	if (m < 0)
		return -ENOENT;
	const struct bt_map_def *md = &prog->obj->maps[m];
	kn.map = md->name + 1;
	if (source) {
		struct bt_diags *d = bt_diags__new();
		if (d && bt_parse(source, &ast, d) == 0)
			for (size_t p = 0; p < ast->nprobes && !kn.found; p++)
				find_block(&kn, &ast->probes[p].body);
		bt_diags__free(d);
	}
	/* Value names first, so a key called "count" yields to the value. */
	struct tt_schema vals = {0};
	rc = add_values(&vals, md);
	if (rc == 0)
		rc = add_keys(out, md, &kn);
	for (uint32_t c = 0; rc == 0 && c < vals.ncols; c++) {
		if (tt_schema__find(out, vals.cols[c].name) >= 0) {
			rc = -EEXIST; /* a key took a value's name: rename */
			break;
		}
		rc = tt_schema__add(out, vals.cols[c].name, vals.cols[c].type);
	}
	if (rc == -EEXIST) { /* retry with plain key names */
		memset(out, 0, sizeof(*out));
		kn.found = false;
		rc = add_keys(out, md, &kn);
		for (uint32_t c = 0; rc == 0 && c < vals.ncols; c++)
			rc = tt_schema__add(out, vals.cols[c].name,
					    vals.cols[c].type);
	}
	if (rc == 0)
		rc = tt_schema__add(out, TT_TIME_COLUMN, TT_TYPE_TIME);
	bt_ast__free(ast);
	return rc;
}

/* ---- Snapshots -------------------------------------------------------------
 */

/* One cell from a value of type t at p (strings rendered into text). */
static void cell(const struct bt_object *obj, const struct bt_type *t,
		 const uint8_t *p, union tt_value *v, char *text)
{
	int64_t id;

	switch (t->kind) {
	case BT_T_INT:
		v->i64 = 0;
		memcpy(&v->i64, p, t->size <= 8 ? t->size : 8);
		if (t->is_signed && t->size < 8) { /* sign-extend */
			unsigned sh = 64 - 8 * t->size;
			v->i64 = (int64_t)((uint64_t)v->i64 << sh) >> sh;
		}
		return;
	case BT_T_STR:
		v->str.ptr = (const char *)p;
		v->str.len = (uint32_t)strnlen((const char *)p, t->size);
		return;
	case BT_T_TEXT:
		if (t->render == BT_RENDER_KSTACK ||
		    t->render == BT_RENDER_USTACK) {
			memcpy(&id, p, 8);
			bt_render__stack(obj->stack_map >= 0
						 ? obj->maps[obj->stack_map].fd
						 : -1,
					 t, id, 0, text, TEXT_LEN);
			break;
		}
		/* fall through */
	case BT_T_INET:
		bt_render__value(t, p, text, TEXT_LEN);
		break;
	default:
		snprintf(text, TEXT_LEN, "?");
	}
	v->str.ptr = text;
	v->str.len = (uint32_t)strlen(text);
}

/* Fills cells from col on with the elements of t at p; returns the next. */
static uint32_t cells(const struct bt_object *obj, const struct bt_type *t,
		      const uint8_t *p, struct row_buf *rb, uint32_t col)
{
	const struct bt_type *f;
	size_t n = elems(t, &f);

	for (size_t i = 0; i < n && col < TT_MAX_COLUMNS; i++, col++)
		cell(obj, elem(t, i), p + elem_off(t, i), &rb->v[col],
		     rb->text[col]);
	return col;
}

/* Bucket i's bounds [lo, hi), clamped to int64. */
static void bucket(const struct bt_map_def *m, uint32_t i, int64_t *lo,
		   int64_t *hi)
{
	if (m->kind == BT_MAPK_LHIST) {
		*lo = i == 0 ? INT64_MIN
			     : m->lmin + (int64_t)(i - 1) * m->lstep;
		*hi = i == m->nbuckets - 1 ? INT64_MAX
					   : m->lmin + (int64_t)i * m->lstep;
		return;
	}
	/* log2: (..., 0), [0, 1), [1, 2), [2, 4), ..., [2^63, ...) */
	*lo = i == 0	    ? INT64_MIN
	      : i == 1	    ? 0
	      : i - 2 >= 63 ? INT64_MAX
			    : (int64_t)1 << (i - 2);
	*hi = i == 0 ? 0 : i - 1 >= 63 ? INT64_MAX : (int64_t)1 << (i - 1);
}

struct snap {
	const struct bt_object *obj;
	const struct bt_map_def *m;
	struct row_buf *rb;
	uint32_t kcols; /* key columns */
	int64_t time_ns;
	bt_map_row_fn fn;
	void *ctx;
	int rows;
};

static int emit(struct snap *s, uint32_t col)
{
	s->rb->v[col].i64 = s->time_ns;
	s->rows++;
	return s->fn(s->ctx, s->rb->v);
}

/* The rows of one entry: one, or one per non-empty histogram bucket. */
static int entry_rows(struct snap *s, const uint8_t *val)
{
	const struct bt_map_def *m = s->m;
	uint32_t col = s->kcols;
	uint64_t u[2];
	int rc;

	if (m->kind == BT_MAPK_HIST || m->kind == BT_MAPK_LHIST) {
		for (uint32_t b = 0; b < m->nbuckets; b++) {
			uint64_t n;
			memcpy(&n, val + 8 * b, 8);
			if (!n)
				continue;
			bucket(m, b, &s->rb->v[col].i64,
			       &s->rb->v[col + 1].i64);
			s->rb->v[col + 2].u64 = n;
			if ((rc = emit(s, col + 3)) < 0)
				return rc;
		}
		return 0;
	}
	if (m->kind == BT_MAPK_AVG || m->kind == BT_MAPK_STATS) {
		memcpy(u, val, sizeof(u));
		s->rb->v[col].u64 = u[0];
		s->rb->v[col + 1].i64 = (int64_t)u[1];
		s->rb->v[col + 2].i64 =
			u[0] ? (int64_t)u[1] / (int64_t)u[0] : 0;
		return emit(s, col + 3);
	}
	col = cells(s->obj, &m->value, val, s->rb, col);
	return emit(s, col);
}

/* One entry: its key columns, then its row(s). */
static int entry(struct snap *s, const uint8_t *key, const uint8_t *val)
{
	s->kcols = cells(s->obj, &s->m->key, key, s->rb, 0);
	return entry_rows(s, val);
}

/* The walk one key at a time: get_next_key + lookup (per-CPU folding). */
static int walk_keys(struct snap *s)
{
	const struct bt_map_def *m = s->m;
	uint8_t *key = calloc(2, m->key_size ? m->key_size : 1);
	uint8_t *val = calloc(1, m->value_size ? m->value_size : 1);
	uint8_t *prev = NULL, *next = key ? key + m->key_size : NULL;
	int rc = key && val ? 0 : -ENOMEM;

	for (uint32_t n = 0; rc == 0 && n < m->max_entries &&
			     bpf_map_get_next_key(m->fd, prev, next) == 0;
	     n++) {
		memcpy(key, next, m->key_size);
		prev = key;
		if (bt_map__lookup(m, key, val) < 0)
			continue; /* deleted meanwhile */
		rc = entry(s, key, val);
	}
	free(key);
	free(val);
	return rc;
}

/* Entries per BPF_MAP_LOOKUP_BATCH call. */
#define BATCH 256

/*
 * The walk in batches: one syscall per BATCH entries instead of two per
 * entry (a snapshot of a full map is otherwise thousands of syscalls).
 * Hash maps, plain or per-CPU (bt_map__lookup_batch folds the CPUs).
 * Returns 1 when the kernel cannot batch this map and nothing was
 * emitted, so the caller walks key by key.
 */
static int walk_batch(struct snap *s)
{
	const struct bt_map_def *m = s->m;
	uint32_t cap = BATCH, n;
	uint64_t in[8], out[8]; /* the batch cursor (a bucket for hashes) */
	uint8_t *keys = malloc((size_t)cap * m->key_size);
	uint8_t *vals = malloc((size_t)cap * m->value_size);
	bool first = true, done = false;
	int rc = keys && vals ? 0 : -ENOMEM;

	while (rc == 0 && !done) {
		n = cap;
		if (bt_map__lookup_batch(m, first ? NULL : in, out, keys, vals,
					 &n) < 0) {
			if (errno == ENOSPC && cap < m->max_entries) {
				/* One bucket holds more than cap: grow. */
				cap *= 4;
				uint8_t *k = realloc(keys,
						     (size_t)cap * m->key_size);
				keys = k ? k : keys;
				uint8_t *v = realloc(
					vals, (size_t)cap * m->value_size);
				vals = v ? v : vals;
				rc = k && v ? 0 : -ENOMEM;
				continue;
			}
			if (errno != ENOENT) {
				rc = first && !s->rows ? 1 : -errno;
				break;
			}
			done = true; /* the last (maybe empty) batch */
		}
		for (uint32_t e = 0; rc == 0 && e < n; e++)
			rc = entry(s, keys + (size_t)e * m->key_size,
				   vals + (size_t)e * m->value_size);
		memcpy(in, out, sizeof(in));
		first = false;
	}
	free(keys);
	free(vals);
	return rc;
}

int bt_program__map_snapshot(const struct bt_program *prog, size_t i,
			     int64_t time_ns, bt_map_row_fn fn, void *ctx)
{
	int mi = map_index(prog->obj, i);
	if (mi < 0)
		return -ENOENT;
	const struct bt_map_def *m = &prog->obj->maps[mi];
	if (m->fd < 0 || !prog->loaded)
		return -EINVAL;
	struct snap s = {.obj = prog->obj,
			 .m = m,
			 .time_ns = time_ns,
			 .fn = fn,
			 .ctx = ctx};
	int rc = 1;

	s.rb = malloc(sizeof(*s.rb));
	if (!s.rb)
		return -ENOMEM;
	if ((m->type == BPF_MAP_TYPE_HASH ||
	     m->type == BPF_MAP_TYPE_PERCPU_HASH) &&
	    m->key_size <= 8 * sizeof(uint64_t))
		rc = walk_batch(&s);
	if (rc == 1)
		rc = walk_keys(&s);
	free(s.rb);
	return rc < 0 ? rc : s.rows;
}

/* ---- print(@m) notifications -----------------------------------------------
 */

void bt_program__on_print(struct bt_program *prog, bt_map_print_fn fn,
			  void *ctx)
{
	prog->on_print = fn;
	prog->on_print_ctx = ctx;
}

void bt_maps__printed(struct bt_program *prog, int map)
{
	if (!prog->on_print || map < BT_MAP_USER ||
	    (size_t)map >= prog->obj->nmaps ||
	    prog->obj->maps[map].name[0] != '@')
		return;
	size_t i = 0;
	for (int m = BT_MAP_USER; m < map; m++)
		i += prog->obj->maps[m].name[0] == '@';
	prog->on_print(prog->on_print_ctx, i);
}
