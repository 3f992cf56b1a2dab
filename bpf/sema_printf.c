/*
 * sema_printf.c - printf() calls: format conversions against argument
 * types, record layouts, and the printf -> table rules of table mode.
 *
 * A record is the bt_rec_hdr followed by each argument at an 8-byte
 * aligned offset (integers widened to 8 bytes, strings as char[N] with N a
 * multiple of 8, ntop addresses as 24 bytes), so every store and copy is
 * whole words. One printf call compiled for several attach points reuses
 * one id when the layouts agree. In table mode the first printf fixes the
 * schema; every other printf must have the same format and argument types,
 * and a violation names both positions.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "bpf/printf_format.h"
#include "bpf/lexer.h"
#include "bpf/sema.h"

static bool conv_accepts(char conv, const struct bt_type *t)
{
	if (conv == 's')
		return t->kind == BT_T_STR || t->kind == BT_T_INET ||
		       t->kind == BT_T_INT || t->kind == BT_T_PTR ||
		       t->kind == BT_T_TEXT;
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

/* Builds obj->schema from the row printf. Returns 0 or -1. */
static int schema(struct bt_sema *s, const struct bt_expr *call,
		  struct bt_printf_def *pd, const struct bt_fmt_conv *cv)
{
	const struct bt_expr *f = call->call.args[0];
	struct tt_schema *sc = &s->obj->schema;
	memset(sc, 0, sizeof(*sc));
	s->obj->time_col = -1;
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
			s->obj->time_col = (int)i;
			s->obj->time_from_arg = true;
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
		pd->args[i].col = (int)i;
	}
	if (s->obj->time_col < 0) {
		tt_schema__add(sc, TT_TIME_COLUMN, TT_TYPE_TIME);
		s->obj->time_col = (int)sc->ncols - 1;
	}
	return 0;
}

/* Table mode: a later printf must match the row printf exactly. */
static int same_as_row(struct bt_sema *s, const struct bt_expr *call,
		       const struct bt_printf_def *pd)
{
	const struct bt_printf_def *row = &s->obj->printfs[s->row_printf];
	const char *why = NULL;
	if (strcmp(row->fmt, pd->fmt))
		why = "a different format string";
	else if (row->nargs != pd->nargs)
		why = "a different number of arguments";
	for (size_t i = 0; !why && i < pd->nargs; i++)
		if (!same_arg(&row->args[i].type, &pd->args[i].type))
			why = "different argument types";
	if (!why)
		return 0;
	bt_sema__error(s, call->line, call->col,
		       "every printf of a table program must match the first "
		       "one (line %d:%d): this one has %s",
		       row->line, row->col, why);
	return -1;
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
	enum bt_probe_kind k = s->uap->kind;
	if (s->table_mode && (k == BT_PROBE_BEGIN || k == BT_PROBE_END)) {
		bt_sema__error(s, call->line, call->col,
			       "printf is not allowed in %s in a table "
			       "program (rows come from probes)",
			       bt_probe_kind__name(k));
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
	if (!s->table_mode) {
		if (s->row_printf < 0) {
			s->row_printf = id;
			/* Best effort: the schema of the first printf. */
			int errs = s->errors;
			struct bt_diags *keep = s->diags;
			struct bt_diags *tmpd = bt_diags__new();
			s->diags = tmpd;
			if (tmpd && schema(s, call, pd, cv) < 0)
				memset(&s->obj->schema, 0,
				       sizeof(s->obj->schema));
			s->diags = keep;
			s->errors = errs;
			bt_diags__free(tmpd);
		}
		return id;
	}
	if (s->row_printf < 0) {
		s->row_printf = id;
		return schema(s, call, pd, cv) < 0 ? -1 : id;
	}
	if (same_as_row(s, call, pd) < 0)
		return -1;
	for (size_t i = 0; i < pd->nargs; i++)
		pd->args[i].col = (int)i;
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
