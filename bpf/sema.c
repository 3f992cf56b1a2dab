/*
 * sema.c - semantic analysis of statements, variables and maps, and the
 * program-wide printf -> table rules.
 *
 * Variables are per unit: their type is fixed by the first assignment in
 * program order (narrow integers included), later assignments must be
 * compatible (types.c says what an integer of another width does). Maps
 * are global: the first assignment (in any probe) fixes key and value
 * types, and every later use anywhere must agree. Expression typing is in
 * sema_expr.c; builtin rules in builtins.c.
 */
#include "bpf/sema.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bpf/ast_count.h"
#include "bpf/builtins.h"

int bt_sema__init(struct bt_sema *s, struct bt_object *obj,
		  struct bt_diags *diags, bool table_mode)
{
	memset(s, 0, sizeof(*s));
	s->obj = obj;
	s->diags = diags;
	s->table_mode = table_mode;
	s->row_printf = -1;
	s->types = bt_types__new();
	if (!s->types)
		return -ENOMEM;
	return 0;
}

/* Parsing vmlinux BTF costs tens of milliseconds: only when needed. */
struct bt_btf *bt_sema__btf(struct bt_sema *s)
{
	if (!s->btf_tried) {
		s->btf_tried = true;
		if (bt_btf__vmlinux(&s->btf, NULL, 0) < 0)
			s->btf = NULL;
	}
	return s->btf;
}

void bt_sema__release(struct bt_sema *s)
{
	free(s->info);
	free(s->vars);
	free(s->script_types);
	s->script_types = NULL;
	if (s->btf_owned) {
		bt_type__names_from(NULL);
		bt_btf__free(s->btf);
	}
	s->btf = NULL;
	s->btf_owned = false;
	/* The types arena is owned by the object's lifetime: see program.c */
	s->info = NULL;
	s->vars = NULL;
}

void bt_sema__error(struct bt_sema *s, int line, int col, const char *fmt,
		    ...)
{
	char msg[512];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	bt_diags__add(s->diags, line, col, "%s", msg);
	s->errors++;
}

/*
 * A warning kept with the program (bt_program__warning), once per position
 * and text: a unit is analysed once per attach point.
 */
static void warn(struct bt_sema *s, int line, int col, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

static void warn(struct bt_sema *s, int line, int col, const char *fmt, ...)
{
	struct bt_diags *w = bt_types__warnings(s->types);
	char msg[sizeof(((struct bt_diag *)0)->msg)];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	for (size_t i = 0; w && i < bt_diags__count(w); i++) {
		const struct bt_diag *d = bt_diags__get(w, i);
		if (d->line == line && d->col == col && !strcmp(d->msg, msg))
			return;
	}
	bt_diags__add(w, line, col, "%s", msg);
}

/* ---- Annotation table: open addressing on the node address ---------------- */

static size_t hash_ptr(const void *p, size_t cap)
{
	uint64_t x = (uint64_t)(uintptr_t)p;
	x ^= x >> 33;
	x *= 0xff51afd7ed558ccdull;
	x ^= x >> 33;
	return (size_t)x & (cap - 1);
}

static int info_grow(struct bt_sema *s)
{
	size_t ncap = s->info_cap ? s->info_cap * 2 : 256;
	struct bt_einfo *n = calloc(ncap, sizeof(*n));
	if (!n)
		return -ENOMEM;
	for (size_t i = 0; i < s->info_cap; i++) {
		if (!s->info[i].e)
			continue;
		size_t h = hash_ptr(s->info[i].e, ncap);
		while (n[h].e)
			h = (h + 1) & (ncap - 1);
		n[h] = s->info[i];
	}
	free(s->info);
	s->info = n;
	s->info_cap = ncap;
	return 0;
}

/* Empties the table, sized to hold n entries at most half full. */
static int info_reset(struct bt_sema *s, size_t n)
{
	while ((n + 1) * 2 > s->info_cap)
		if (info_grow(s) < 0)
			return -ENOMEM;
	s->ninfo = 0;
	if (s->info)
		memset(s->info, 0, s->info_cap * sizeof(*s->info));
	return 0;
}

struct bt_einfo *bt_sema__info(struct bt_sema *s, const struct bt_expr *e)
{
	/* Only outside units (sized by info_reset inside them). */
	if ((s->ninfo + 1) * 2 > s->info_cap && info_grow(s) < 0)
		return NULL;
	size_t h = hash_ptr(e, s->info_cap);
	while (s->info[h].e && s->info[h].e != e)
		h = (h + 1) & (s->info_cap - 1);
	if (!s->info[h].e) {
		s->info[h].e = e;
		s->info[h].map = -1;
		s->info[h].var = -1;
		s->info[h].printf_id = -1;
		s->ninfo++;
	}
	return &s->info[h];
}

/* ---- Syscall tracepoint arguments ----------------------------------------- */

static bool name_in(const char *name, const char *const *list)
{
	for (; *list; list++)
		if (!strcmp(name, *list))
			return true;
	return false;
}

/*
 * bpftrace 0.17 widens `int` and a few 32-bit names in 8-byte fields to
 * s64/u64 and lets clang (BTF here) resolve every other name, so umode_t
 * reads 2 bytes and off_t is signed. Names that are 64-bit anyway skip
 * the BTF lookup (parsing vmlinux BTF costs tens of milliseconds).
 */
struct bt_type bt_sema__syscall_arg(struct bt_sema *s, const char *ctype)
{
	static const char *const s64[] = { "int", "long", "long int",
					   "long long", "off_t", "loff_t",
					   "ssize_t", NULL };
	static const char *const u64[] = {
		"unsigned int", "unsigned", "u32", "pid_t", "uid_t", "gid_t",
		"unsigned long", "size_t", "u64", "unsigned long long", NULL
	};
	uint32_t id;
	unsigned size;
	bool sg, ch, bo;
	if (name_in(ctype, s64) || name_in(ctype, u64))
		return bt_type__int(8, name_in(ctype, s64));
	struct bt_btf *btf = bt_sema__btf(s);
	if (btf && bt_btf__lookup(btf, ctype, &id, NULL, 0) == 0 &&
	    bt_btf__int(btf, bt_btf__strip(btf, id), &size, &sg, &ch, &bo) ==
		    0 &&
	    (size == 1 || size == 2 || size == 4 || size == 8))
		return bt_type__int(size, sg);
	return bt_type__int(8, false);
}

/* ---- Maps ------------------------------------------------------------------ */

int bt_sema__map_key(struct bt_sema *s, const struct bt_expr *m,
		     struct bt_type *key)
{
	struct bt_type f[16];
	memset(key, 0, sizeof(*key));
	if (m->map.nkeys == 0)
		return 0;
	if (m->map.nkeys > 16) {
		bt_sema__error(s, m->line, m->col, "too many map keys");
		return -1;
	}
	for (size_t i = 0; i < m->map.nkeys; i++) {
		struct bt_einfo *ki = bt_sema__expr(s, m->map.keys[i]);
		if (!ki)
			return -1;
		f[i] = ki->type;
		if (f[i].kind == BT_T_INT || f[i].kind == BT_T_PTR)
			f[i] = bt_type__int(8, f[i].is_signed);
		else if (f[i].kind != BT_T_TEXT && !bt_type__aggregate(&f[i])) {
			bt_sema__error(s, m->map.keys[i]->line,
				       m->map.keys[i]->col,
				       "this value cannot be a map key");
			return -1;
		}
	}
	if (m->map.nkeys == 1)
		*key = f[0];
	else
		*key = bt_types__tuple(s->types, f, m->map.nkeys);
	return 0;
}

static uint32_t slot_size(const struct bt_type *t)
{
	if (t->kind == BT_T_NONE)
		return 8;
	if (bt_type__scalar(t))
		return 8;
	return (t->size + 7) & ~7u;
}

int bt_sema__map(struct bt_sema *s, const struct bt_expr *m,
		 const struct bt_type *key, const struct bt_type *value,
		 enum bt_map_kind kind)
{
	char name[80];
	snprintf(name, sizeof(name), "@%s", m->map.name);
	int i = bt_object__find_map(s->obj, name);
	if (i >= 0) {
		struct bt_map_def *md = &s->obj->maps[i];
		char a[128], b[128];
		/* A map read before its first assignment reads as an integer
		 * (zero); the first assignment may still pick an aggregation. */
		if (md->provisional && kind != BT_MAPK_VALUE) {
			md->kind = kind;
			md->value = bt_type__int(8, kind != BT_MAPK_COUNT);
		}
		if (md->provisional && bt_type__compatible(&md->key, key))
			md->provisional = false;
		if (md->kind != kind) {
			bt_sema__error(s, m->line, m->col,
				       "map '%s' was used with a different "
				       "aggregation before",
				       name);
			return -1;
		}
		if (!bt_type__compatible(&md->key, key)) {
			bt_type__name(&md->key, a, sizeof(a));
			bt_type__name(key, b, sizeof(b));
			bt_sema__error(s, m->line, m->col,
				       "map '%s' has keys of type %s, not %s",
				       name, a, b);
			return -1;
		}
		if (kind == BT_MAPK_VALUE &&
		    !bt_type__compatible(&md->value, value)) {
			bt_type__name(&md->value, a, sizeof(a));
			bt_type__name(value, b, sizeof(b));
			bt_sema__error(s, m->line, m->col,
				       "map '%s' holds %s, cannot assign %s",
				       name, a, b);
			return -1;
		}
		if (kind == BT_MAPK_VALUE && value->kind == BT_T_STR &&
		    value->size > md->value.size) {
			bt_sema__error(s, m->line, m->col,
				       "map '%s' holds strings of %u bytes, "
				       "this one has %u",
				       name, md->value.size, value->size);
			return -1;
		}
		return i;
	}
	i = bt_object__add_map(s->obj);
	if (i < 0)
		return -1;
	struct bt_map_def *md = &s->obj->maps[i];
	snprintf(md->name, sizeof(md->name), "%s", name);
	md->type = BPF_MAP_TYPE_HASH;
	md->kind = kind;
	md->key = *key;
	md->value = *value;
	/* Strings get bpftrace's full capacity, so later values of another
	 * length ("vmscan" after "background") still fit. */
	if (md->key.kind == BT_T_STR && md->key.size < BT_STRLEN)
		md->key.size = BT_STRLEN;
	if (md->value.kind == BT_T_STR && md->value.size < BT_STRLEN)
		md->value.size = BT_STRLEN;
	if (md->value.kind == BT_T_INT || kind != BT_MAPK_VALUE) {
		md->value = bt_type__int(8, kind == BT_MAPK_VALUE
						    ? value->is_signed
						    : kind != BT_MAPK_COUNT);
		md->value.user = kind == BT_MAPK_VALUE && value->user;
	}
	md->key_size = slot_size(&md->key);
	md->value_size = slot_size(&md->value);
	md->max_entries = 4096;
	return i;
}

/* ---- Statements --------------------------------------------------------------- */

static int block(struct bt_sema *s, const struct bt_block *b);

/*
 * bpftrace 0.17 stores an integer value in its own width over a variable
 * (types.c): a wider one (a literal, any binary operator, a compound
 * assignment) leaves a narrow variable unchanged, a narrower one keeps
 * the variable's upper bytes. Kept for conformance, but said: the program
 * does not do what it reads as.
 */
static void partial_assign(struct bt_sema *s, const struct bt_stmt *st,
			   const struct bt_var *v, const struct bt_einfo *vi)
{
	if (v->type.kind != BT_T_INT)
		return;
	unsigned w = st->assign.op == BT_BINOP_NONE && vi->type.kind == BT_T_INT
			     ? bt_type__width(&vi->type)
			     : 8;
	if (w == v->type.size)
		return;
	char tn[64];
	bt_type__name(&v->type, tn, sizeof(tn));
	const char *a = w == 1 ? "an" : "a";
	if (w > v->type.size)
		warn(s, st->line, st->col,
		     "assigning %s %u-bit value to the %s variable '$%s' has "
		     "no effect (as in bpftrace 0.17); give the variable a "
		     "wider type where it is first assigned",
		     a, w * 8, tn, v->name);
	else
		warn(s, st->line, st->col,
		     "assigning %s %u-bit value to the %s variable '$%s' "
		     "replaces only its low %u bits (as in bpftrace 0.17); "
		     "cast the value to %s",
		     a, w * 8, tn, v->name, w * 8, tn);
}

static int var_assign(struct bt_sema *s, const struct bt_stmt *st,
		      struct bt_einfo *vi)
{
	const struct bt_expr *t = st->assign.target;
	struct bt_type vt = vi->type;
	if (st->assign.op != BT_BINOP_NONE && vt.kind != BT_T_INT) {
		bt_sema__error(s, st->line, st->col,
			       "compound assignment needs an integer");
		return -1;
	}
	/* A variable keeps its first integer type, narrow ones too; what
	 * later assignments of other widths do is in types.c. */
	if (vt.kind == BT_T_INT)
		vt = bt_type__int(vt.size == 1 || vt.size == 2 || vt.size == 4
					  ? vt.size
					  : 8,
				  vt.is_signed);
	if (!bt_type__scalar(&vt) && !bt_type__aggregate(&vt)) {
		char a[128];
		bt_type__name(&vt, a, sizeof(a));
		bt_sema__error(s, st->assign.value->line,
			       st->assign.value->col,
			       "cannot store %s in a variable (take a pointer "
			       "instead)",
			       a);
		return -1;
	}
	for (size_t i = 0; i < s->nvars; i++) {
		if (strcmp(s->vars[i].name, t->var.name))
			continue;
		if (!bt_type__compatible(&s->vars[i].type, &vt)) {
			char a[128], b[128];
			bt_type__name(&s->vars[i].type, a, sizeof(a));
			bt_type__name(&vt, b, sizeof(b));
			bt_sema__error(s, st->line, st->col,
				       "variable '$%s' holds %s, cannot assign "
				       "%s",
				       t->var.name, a, b);
			return -1;
		}
		if (vt.kind == BT_T_STR && vt.size > s->vars[i].type.size)
			s->vars[i].type.size = vt.size;
		partial_assign(s, st, &s->vars[i], vi);
		struct bt_einfo *ti = bt_sema__info(s, t);
		ti->type = s->vars[i].type;
		ti->var = (int)i;
		return 0;
	}
	if (st->assign.op != BT_BINOP_NONE) {
		bt_sema__error(s, t->line, t->col,
			       "variable '$%s' is used before it is assigned",
			       t->var.name);
		return -1;
	}
	if (s->nvars == s->vars_cap) {
		size_t nc = s->vars_cap ? s->vars_cap * 2 : 16;
		void *p = realloc(s->vars, nc * sizeof(*s->vars));
		if (!p)
			return -1;
		s->vars = p;
		s->vars_cap = nc;
	}
	s->vars[s->nvars] = (struct bt_var){ .name = t->var.name, .type = vt };
	struct bt_einfo *ti = bt_sema__info(s, t);
	ti->type = vt;
	ti->var = (int)s->nvars++;
	return 0;
}

static const struct {
	const char *name;
	enum bt_map_kind kind;
	size_t nargs;
} aggs[] = {
	{ "count", BT_MAPK_COUNT, 0 }, { "sum", BT_MAPK_SUM, 1 },
	{ "min", BT_MAPK_MIN, 1 },     { "max", BT_MAPK_MAX, 1 },
	{ "avg", BT_MAPK_AVG, 1 },     { "stats", BT_MAPK_STATS, 1 },
	{ "hist", BT_MAPK_HIST, 1 },   { "lhist", BT_MAPK_LHIST, 4 },
};

static int agg_index(const struct bt_expr *v)
{
	if (v->kind != BT_EXPR_CALL)
		return -1;
	for (size_t i = 0; i < sizeof(aggs) / sizeof(aggs[0]); i++)
		if (!strcmp(v->call.name, aggs[i].name))
			return (int)i;
	return -1;
}

bool bt_sema__is_aggregation(const struct bt_expr *v)
{
	return agg_index(v) >= 0;
}

/* lhist(v, min, max, step): the last three are constants. */
static int lhist_params(struct bt_sema *s, const struct bt_expr *v,
			int64_t p[3])
{
	for (int i = 0; i < 3; i++) {
		const struct bt_expr *a = v->call.args[i + 1];
		struct bt_einfo *ai = bt_sema__expr(s, a);
		if (!ai)
			return -1;
		if (!ai->is_const) {
			bt_sema__error(s, a->line, a->col,
				       "lhist()'s min, max and step must be "
				       "constants");
			return -1;
		}
		p[i] = ai->cval;
	}
	/* New keys are zeroed from the scratch buffer: it bounds buckets. */
	if (p[2] <= 0 || p[1] <= p[0] ||
	    (p[1] - p[0]) / p[2] > BT_SCRATCH_BYTES / 8 - 2) {
		bt_sema__error(s, v->line, v->col,
			       "lhist() needs min < max, step > 0 and at most "
			       "%d buckets",
			       BT_SCRATCH_BYTES / 8 - 2);
		return -1;
	}
	return 0;
}

/* Sets or checks the bucket layout of a hist/lhist map. */
static int buckets(struct bt_sema *s, const struct bt_expr *v,
		   struct bt_map_def *md, const int64_t p[3])
{
	uint32_t nb = md->kind == BT_MAPK_HIST
			      ? BT_HIST_BUCKETS
			      : (uint32_t)((p[1] - p[0]) / p[2]) + 2;
	if (md->nbuckets && (md->nbuckets != nb || md->lmin != p[0] ||
			     md->lmax != p[1] || md->lstep != p[2])) {
		bt_sema__error(s, v->line, v->col,
			       "map '%s' was used with other lhist() bounds",
			       md->name);
		return -1;
	}
	md->nbuckets = nb;
	md->lmin = p[0];
	md->lmax = p[1];
	md->lstep = p[2];
	md->value_size = nb * 8;
	return 0;
}

static int agg_assign(struct bt_sema *s, const struct bt_stmt *st,
		      const struct bt_type *key)
{
	const struct bt_expr *t = st->assign.target, *v = st->assign.value;
	int ai = agg_index(v);
	enum bt_map_kind kind = aggs[ai].kind;
	int64_t p[3] = { 0, 0, 0 };
	if (st->assign.op != BT_BINOP_NONE) {
		bt_sema__error(s, st->line, st->col,
			       "%s() must be assigned with '='", v->call.name);
		return -1;
	}
	if (v->call.nargs != aggs[ai].nargs) {
		bt_sema__error(s, v->line, v->col, "%s() takes %zu argument%s",
			       v->call.name, aggs[ai].nargs,
			       aggs[ai].nargs == 1 ? "" : "s");
		return -1;
	}
	if (aggs[ai].nargs) {
		struct bt_einfo *vi = bt_sema__expr(s, v->call.args[0]);
		if (!vi)
			return -1;
		if (vi->type.kind != BT_T_INT) {
			bt_sema__error(s, v->call.args[0]->line,
				       v->call.args[0]->col,
				       "%s() needs an integer", v->call.name);
			return -1;
		}
	}
	if (kind == BT_MAPK_LHIST && lhist_params(s, v, p) < 0)
		return -1;
	struct bt_type vt = bt_type__int(8, kind != BT_MAPK_COUNT);
	bt_sema__info(s, v)->type = vt;
	int m = bt_sema__map(s, t, key, &vt, kind);
	if (m < 0)
		return -1;
	struct bt_map_def *md = &s->obj->maps[m];
	if (kind == BT_MAPK_AVG || kind == BT_MAPK_STATS)
		md->value_size = 16;
	if ((kind == BT_MAPK_HIST || kind == BT_MAPK_LHIST) &&
	    buckets(s, v, md, p) < 0)
		return -1;
	struct bt_einfo *ti = bt_sema__info(s, t);
	ti->map = m;
	ti->type = md->value;
	return 0;
}

static int map_assign(struct bt_sema *s, const struct bt_stmt *st)
{
	const struct bt_expr *t = st->assign.target, *v = st->assign.value;
	struct bt_type key, vt;
	if (bt_sema__map_key(s, t, &key) < 0)
		return -1;
	if (agg_index(v) >= 0)
		return agg_assign(s, st, &key);
	struct bt_einfo *vi = bt_sema__expr(s, v);
	if (!vi)
		return -1;
	vt = vi->type;
	if (!bt_type__scalar(&vt) && !bt_type__aggregate(&vt)) {
		bt_sema__error(s, v->line, v->col,
			       "this value cannot be stored in a map");
		return -1;
	}
	/* A stored pointer is a number that remembers its address space:
	 * opensnoop's str(@filename[tid]) reads user memory. */
	if (vt.kind == BT_T_PTR) {
		bool user = vt.user;
		vt = bt_type__int(8, false);
		vt.user = user;
	}
	if (st->assign.op != BT_BINOP_NONE && vt.kind != BT_T_INT) {
		bt_sema__error(s, st->line, st->col,
			       "compound assignment needs an integer");
		return -1;
	}
	int m = bt_sema__map(s, t, &key, &vt, BT_MAPK_VALUE);
	if (m < 0)
		return -1;
	struct bt_einfo *ti = bt_sema__info(s, t);
	ti->map = m;
	ti->type = s->obj->maps[m].value;
	return 0;
}

static int assign(struct bt_sema *s, const struct bt_stmt *st)
{
	if (st->assign.target->kind == BT_EXPR_MAP)
		return map_assign(s, st);
	struct bt_einfo *vi = bt_sema__expr(s, st->assign.value);
	if (!vi)
		return -1;
	return var_assign(s, st, vi);
}

static int cond(struct bt_sema *s, const struct bt_expr *c)
{
	struct bt_einfo *ci = bt_sema__expr(s, c);
	if (!ci)
		return -1;
	if (ci->type.kind != BT_T_INT && ci->type.kind != BT_T_PTR) {
		bt_sema__error(s, c->line, c->col,
			       "a condition must be an integer");
		return -1;
	}
	return 0;
}

/*
 * `pid;`, `$x + 1;`, `@m[k];`: compiled and thrown away, as bpftrace 0.17
 * does without a word. Only calls and ++/-- do something as statements
 * (functions with effects return nothing, so they are never operands;
 * a ternary may choose between calls).
 */
static void unused_value(struct bt_sema *s, const struct bt_stmt *st)
{
	enum bt_expr_kind k = st->expr->kind;
	if (k != BT_EXPR_CALL && k != BT_EXPR_INCDEC && k != BT_EXPR_TERNARY)
		warn(s, st->line, st->col,
		     "the value of this expression is not used: the "
		     "statement does nothing");
}

static int stmt(struct bt_sema *s, const struct bt_stmt *st)
{
	switch (st->kind) {
	case BT_STMT_EXPR:
		if (agg_index(st->expr) >= 0) {
			bt_sema__error(s, st->line, st->col,
				       "%s() must be assigned to a map",
				       st->expr->call.name);
			return -1;
		}
		if (!bt_sema__expr(s, st->expr))
			return -1;
		unused_value(s, st);
		return 0;
	case BT_STMT_ASSIGN:
		return assign(s, st);
	case BT_STMT_IF:
		if (cond(s, st->if_.cond) < 0)
			return -1;
		if (block(s, &st->if_.then) < 0)
			return -1;
		return st->if_.otherwise ? block(s, st->if_.otherwise) : 0;
	case BT_STMT_UNROLL: {
		struct bt_einfo *ci = bt_sema__expr(s, st->unroll.count);
		if (!ci)
			return -1;
		if (!ci->is_const || ci->cval < 1 || ci->cval > 100) {
			bt_sema__error(s, st->unroll.count->line,
				       st->unroll.count->col,
				       "unroll needs a constant from 1 to 100");
			return -1;
		}
		return block(s, &st->unroll.body);
	}
	case BT_STMT_RETURN:
		/* A probe has no caller to take a value (bpftrace: syntax
		 * error); saying so beats dropping it. */
		if (st->ret.value) {
			bt_sema__error(s, st->ret.value->line,
				       st->ret.value->col,
				       "return takes no value in a probe");
			return -1;
		}
		return 0;
	case BT_STMT_DELETE: {
		struct bt_einfo *mi = bt_sema__expr(s, st->del.map);
		return mi ? 0 : -1;
	}
	case BT_STMT_BLOCK:
		return block(s, &st->block);
	case BT_STMT_WHILE: {
		if (cond(s, st->while_.cond) < 0)
			return -1;
		s->loops++;
		int rc = block(s, &st->while_.body);
		s->loops--;
		return rc;
	}
	default: /* break, continue */
		if (s->loops > 0)
			return 0;
		bt_sema__error(s, st->line, st->col, "%s outside a while loop",
			       st->kind == BT_STMT_BREAK ? "break" : "continue");
		return -1;
	}
}

/* "return", "break" or "continue" when st leaves its block, else NULL:
 * code generation stops there, the statements after it are dropped. */
static const char *jumps(const struct bt_stmt *st)
{
	switch (st->kind) {
	case BT_STMT_RETURN:
		return "return";
	case BT_STMT_BREAK:
		return "break";
	case BT_STMT_CONTINUE:
		return "continue";
	default:
		return NULL;
	}
}

static int block(struct bt_sema *s, const struct bt_block *b)
{
	int rc = 0;
	/* Keep going after an error so one run reports several problems. */
	for (size_t i = 0; i < b->n; i++) {
		if (stmt(s, b->stmts[i]) < 0)
			rc = -1;
		if (i + 1 < b->n && jumps(b->stmts[i]))
			warn(s, b->stmts[i + 1]->line, b->stmts[i + 1]->col,
			     "this statement never runs: it follows %s",
			     jumps(b->stmts[i]));
	}
	return rc;
}

int bt_sema__unit(struct bt_sema *s, const struct bt_probe *probe,
		  struct bt_unit_ap *uap)
{
	s->probe = probe;
	s->uap = uap;
	/* Sema only annotates the unit's own nodes: sized for all of them,
	 * the table never grows while builtin checks hold their einfo (a
	 * growth there left their writes in the freed table: a printf's
	 * record id was lost, tcplife_tp.bt's second printf). */
	if (info_reset(s, bt_probe__nexprs(probe)) < 0)
		return -ENOMEM;
	s->nvars = 0;
	s->errors = 0;
	s->loops = 0;
	if (probe->predicate && cond(s, probe->predicate) < 0)
		return -EINVAL;
	block(s, &probe->body);
	return s->errors ? -EINVAL : 0;
}

/* ---- Program-wide rules -------------------------------------------------------- */

int bt_sema__finish(struct bt_sema *s)
{
	/* Rows come from printfs, or from maps exported as tables (a map
	 * that is only ever read stays empty: it is no source). */
	bool maps = false;
	for (size_t i = BT_MAP_USER; i < s->obj->nmaps && !maps; i++)
		maps = s->obj->maps[i].name[0] == '@' &&
		       !s->obj->maps[i].provisional;
	if (s->table_mode && s->obj->ntables == 0 && !maps) {
		bt_sema__error(s, 0, 0,
			       "a table program needs a printf with "
			       "conversions outside BEGIN/END (a row) or a "
			       "map it writes");
		return -EINVAL;
	}
	return 0;
}
