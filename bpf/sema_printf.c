/*
 * sema_printf.c - printf() calls: format conversions against argument
 * types, record layouts, and the printf -> table rules of table mode.
 *
 * A record is the bt_rec_hdr followed by each argument at an 8-byte
 * aligned offset (integers widened to 8 bytes, strings as char[N] with N a
 * multiple of 8, ntop addresses as 24 bytes), so every store and copy is
 * whole words. One printf call compiled for several attach points reuses
 * one id when the layouts agree.
 *
 * Table mode sorts printfs into rows and log records. A printf in BEGIN or
 * END, or one without conversions (a banner), is a log record: the daemon
 * keeps its text with the deployment. Every other printf is a row of the
 * table of its format: printfs with the same format string and argument
 * types share one table, a new format adds the next table (the order of
 * first appearance in the source, because units are compiled in source
 * order). Column rules (labels, types, time_) are checked per table.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "bpf/printf_format.h"
#include "bpf/lexer.h"
#include "bpf/sema.h"

static bool conv_accepts(char conv, const struct bt_type *t)
{
	/* buf() values print with %r only, as in bpftrace. */
	bool buf = t->kind == BT_T_TEXT && t->render == BT_RENDER_BUF;
	if (conv == 'r')
		return buf;
	if (conv == 's')
		return !buf && (t->kind == BT_T_STR || t->kind == BT_T_INET ||
				t->kind == BT_T_INT || t->kind == BT_T_PTR ||
				t->kind == BT_T_TEXT);
	return t->kind == BT_T_INT || t->kind == BT_T_PTR;
}

/* Equality of argument types for the table rule. */
static bool same_arg(const struct bt_type *a, const struct bt_type *b)
{
	if (a->kind != b->kind)
		return false;
	if (a->kind == BT_T_INT)
		return a->is_signed == b->is_signed;
	return true;
}

/*
 * Builds the table schema of a row printf into *sc. Returns the column of
 * time_ (an argument labelled time_, else an added last column) or -1
 * after a diagnostic.
 */
static int schema(struct bt_sema *s, const struct bt_expr *call,
		  struct bt_printf_def *pd, const struct bt_fmt_conv *cv,
		  struct tt_schema *sc)
{
	const struct bt_expr *f = call->call.args[0];
	int time_col = -1;
	memset(sc, 0, sizeof(*sc));
	for (size_t i = 0; i < pd->nargs; i++) {
		const char *name = cv[i].name;
		/* Point at the label when there is one: it names the column. */
		int col = bt_lexer__str_col(
			f, cv[i].labelled ? cv[i].label_offset : cv[i].offset);
		const struct bt_type *t = &pd->args[i].type;
		enum tt_type tt = TT_TYPE_STRING;
		if (!strcmp(name, TT_TIME_COLUMN)) {
			if (t->kind != BT_T_INT) {
				bt_sema__error(s, f->line, col,
					       "time_ must be an integer "
					       "(normally nsecs)");
				return -1;
			}
			tt = TT_TYPE_TIME;
			time_col = (int)i;
		} else if (t->kind == BT_T_INT) {
			tt = t->is_signed ? TT_TYPE_INT64 : TT_TYPE_UINT64;
		} else if (t->kind == BT_T_PTR) {
			tt = TT_TYPE_UINT64;
		}
		if (tt_schema__find(sc, name) >= 0) {
			bt_sema__error(s, f->line, col,
				       "duplicate column name '%s'", name);
			return -1;
		}
		if (tt_schema__add(sc, name, tt) < 0) {
			bt_sema__error(s, f->line, col,
				       "too many columns (at most %d)",
				       TT_MAX_COLUMNS - 1);
			return -1;
		}
	}
	if (time_col < 0) {
		tt_schema__add(sc, TT_TIME_COLUMN, TT_TYPE_TIME);
		time_col = (int)sc->ncols - 1;
	}
	return time_col;
}

/* The first table's schema is also obj->schema (bt_program__schema). */
static void set_first_schema(struct bt_sema *s, const struct tt_schema *sc,
			     int time_col, size_t nargs)
{
	s->obj->schema = *sc;
	s->obj->time_col = time_col;
	s->obj->time_from_arg = time_col < (int)nargs;
}

/*
 * Table mode: the table of an earlier row printf with the same format
 * string and argument types (identical formats share a table), or -1.
 */
static int same_table(const struct bt_sema *s, const struct bt_printf_def *pd)
{
	for (size_t i = 0; i < s->obj->nprintfs; i++) {
		const struct bt_printf_def *o = &s->obj->printfs[i];
		if (o == pd || o->kind != BT_REC_PRINTF || o->table < 0 ||
		    strcmp(o->fmt, pd->fmt) || o->nargs != pd->nargs)
			continue;
		bool same = true;
		for (size_t k = 0; k < pd->nargs && same; k++)
			same = same_arg(&o->args[k].type, &pd->args[k].type);
		if (same)
			return o->table;
	}
	return -1;
}

/*
 * Banner printfs are not rows: those in BEGIN/END and those without
 * conversions ("Tracing... Hit Ctrl-C to end.\n"). In table mode they are
 * log records the daemon keeps with the deployment.
 */
static bool is_log(const struct bt_sema *s, const struct bt_printf_def *pd)
{
	enum bt_probe_kind k = s->uap->kind;
	return k == BT_PROBE_BEGIN || k == BT_PROBE_END || pd->nargs == 0;
}

/* Table mode: routes a new row printf to its table, adding one if new. */
static int assign_table(struct bt_sema *s, const struct bt_expr *call,
			struct bt_printf_def *pd, const struct bt_fmt_conv *cv)
{
	struct bt_object *obj = s->obj;
	int t = same_table(s, pd);
	for (size_t i = 0; i < pd->nargs; i++)
		pd->args[i].col = (int)i;
	if (t >= 0) {
		pd->table = t;
		return 0;
	}
	if (obj->ntables >= BT_MAX_TABLES) {
		bt_sema__error(s, call->line, call->col,
			       "a table program has at most %d distinct "
			       "printf formats (one table each); this is "
			       "one more",
			       BT_MAX_TABLES);
		return -1;
	}
	struct tt_schema sc;
	int time_col = schema(s, call, pd, cv, &sc);
	if (time_col < 0)
		return -1;
	struct tt_schema *grown =
		realloc(obj->tables, (obj->ntables + 1) * sizeof(*grown));
	if (!grown)
		return -1;
	obj->tables = grown;
	grown[obj->ntables] = sc;
	pd->table = (int)obj->ntables++;
	if (pd->table == 0)
		set_first_schema(s, &sc, time_col, pd->nargs);
	return 0;
}

/* Outside table mode: best effort, the schema of the first printf. */
static void first_printf_schema(struct bt_sema *s, const struct bt_expr *call,
				struct bt_printf_def *pd,
				const struct bt_fmt_conv *cv)
{
	int errs = s->errors;
	struct bt_diags *keep = s->diags;
	struct bt_diags *tmpd = bt_diags__new();
	struct tt_schema sc;
	s->diags = tmpd;
	int time_col = tmpd ? schema(s, call, pd, cv, &sc) : -1;
	if (time_col >= 0)
		set_first_schema(s, &sc, time_col, pd->nargs);
	s->diags = keep;
	s->errors = errs;
	bt_diags__free(tmpd);
}

/* Finds an identical printf compiled for another attach point. */
static int find_same(struct bt_sema *s, const struct bt_expr *call,
		     const struct bt_printf_def *pd)
{
	for (size_t i = 0; i < s->obj->nprintfs; i++) {
		const struct bt_printf_def *o = &s->obj->printfs[i];
		if (o->kind != BT_REC_PRINTF || o->line != call->line ||
		    o->col != call->col || o->nargs != pd->nargs)
			continue;
		bool same = true;
		for (size_t k = 0; k < pd->nargs && same; k++)
			same = bt_type__equal(&o->args[k].type,
					      &pd->args[k].type);
		if (same)
			return (int)i;
	}
	return -1;
}

static int layout(struct bt_sema *s, const struct bt_expr *call,
		  struct bt_printf_def *pd, const struct bt_fmt_conv *cv)
{
	uint32_t off = sizeof(struct bt_rec_hdr);
	for (size_t i = 0; i < pd->nargs; i++) {
		const struct bt_expr *a = call->call.args[i + 1];
		struct bt_einfo *ai = bt_sema__expr(s, a);
		if (!ai)
			return -1;
		struct bt_type t = ai->type;
		if (!conv_accepts(cv[i].conv, &t)) {
			char tn[128];
			bt_type__name(&t, tn, sizeof(tn));
			bt_sema__error(s, a->line, a->col,
				       "%%%c cannot print %s", cv[i].conv, tn);
			return -1;
		}
		if (t.kind == BT_T_INT || t.kind == BT_T_PTR)
			t = bt_type__int(8, t.kind == BT_T_INT && t.is_signed);
		pd->args[i].type = t;
		pd->args[i].offset = off;
		pd->args[i].conv = cv[i].conv;
		pd->args[i].fmt_start = (uint32_t)cv[i].offset;
		pd->args[i].fmt_end = (uint32_t)(cv[i].offset + cv[i].len);
		bt_fmt_conv__cspec(&cv[i], pd->args[i].cspec,
				   sizeof(pd->args[i].cspec));
		pd->args[i].col = -1;
		off += (t.size + 7) & ~7u;
	}
	pd->size = off;
	if (off > BT_SCRATCH_BYTES) {
		bt_sema__error(s, call->line, call->col,
			       "printf record too large (%u bytes, at most "
			       "%d)",
			       off, BT_SCRATCH_BYTES);
		return -1;
	}
	return 0;
}

static int register_printf(struct bt_sema *s, const struct bt_expr *call,
			   const struct bt_fmt *fmt);

int bt_sema__printf(struct bt_sema *s, const struct bt_expr *call)
{
	const struct bt_expr *f = call->call.args[0];
	if (f->kind != BT_EXPR_STR) {
		bt_sema__error(s, f->line, f->col,
			       "printf's first argument must be a string "
			       "literal");
		return -1;
	}
	struct bt_fmt fmt = { 0 };
	struct bt_fmt_error ferr;
	if (bt_fmt__parse(f->str.data, f->str.len, &fmt, &ferr) < 0) {
		bt_sema__error(s, f->line, bt_lexer__str_col(f, ferr.offset),
			       "%s", ferr.msg);
		bt_fmt__free(&fmt);
		return -1;
	}
	int id = register_printf(s, call, &fmt);
	bt_fmt__free(&fmt);
	return id;
}

static int register_printf(struct bt_sema *s, const struct bt_expr *call,
			   const struct bt_fmt *fmt)
{
	const struct bt_expr *f = call->call.args[0];
	const struct bt_fmt_conv *cv = fmt->convs;
	int n = (int)fmt->n;
	if (n > 64) {
		bt_sema__error(s, f->line, f->col, "too many conversions");
		return -1;
	}
	if ((size_t)n != call->call.nargs - 1) {
		bt_sema__error(s, call->line, call->col,
			       "printf format has %d conversion%s but %zu "
			       "argument%s",
			       n, n == 1 ? "" : "s", call->call.nargs - 1,
			       call->call.nargs == 2 ? "" : "s");
		return -1;
	}
	struct bt_printf_def tmp = { .nargs = (size_t)n };
	struct bt_printf_arg args[64];
	tmp.args = args;
	if (layout(s, call, &tmp, cv) < 0)
		return -1;
	int id = find_same(s, call, &tmp);
	if (id >= 0)
		return id;
	id = bt_object__add_printf(s->obj);
	if (id < 0)
		return -1;
	struct bt_printf_def *pd = &s->obj->printfs[id];
	pd->fmt = strndup(f->str.data, f->str.len);
	pd->args = calloc(n ? (size_t)n : 1, sizeof(*pd->args));
	if (!pd->fmt || !pd->args)
		return -1;
	memcpy(pd->args, args, (size_t)n * sizeof(*args));
	pd->nargs = (size_t)n;
	pd->size = tmp.size;
	pd->line = call->line;
	pd->col = call->col;
	pd->table = -1;
	if (!s->table_mode) {
		if (s->row_printf < 0) {
			s->row_printf = id;
			first_printf_schema(s, call, pd, cv);
		}
		return id;
	}
	if (is_log(s, pd))
		return id;
	if (assign_table(s, call, pd, cv) < 0)
		return -1;
	if (s->row_printf < 0)
		s->row_printf = id;
	return id;
}

static int action(struct bt_sema *s, enum bt_rec_kind kind, int map,
		  const char *fmt, int64_t top, int64_t div)
{
	for (size_t i = 0; i < s->obj->nprintfs; i++) {
		const struct bt_printf_def *o = &s->obj->printfs[i];
		if (o->kind == kind && o->map == map && o->top == top &&
		    o->div == div &&
		    !strcmp(o->fmt ? o->fmt : "", fmt ? fmt : ""))
			return (int)i;
	}
	int id = bt_object__add_printf(s->obj);
	if (id < 0)
		return -1;
	struct bt_printf_def *pd = &s->obj->printfs[id];
	pd->kind = kind;
	pd->map = map;
	pd->top = top;
	pd->div = div;
	pd->size = sizeof(struct bt_rec_hdr);
	pd->table = -1;
	if (fmt && !(pd->fmt = strdup(fmt)))
		return -1;
	return id;
}

int bt_sema__action(struct bt_sema *s, enum bt_rec_kind kind, int map,
		    const char *fmt)
{
	return action(s, kind, map, fmt, 0, 0);
}

int bt_sema__print_action(struct bt_sema *s, enum bt_rec_kind kind, int map,
			  int64_t top, int64_t div)
{
	return action(s, kind, map, NULL, top, div);
}
