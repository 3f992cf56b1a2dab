/*
 * client/filter.c - WHERE as selection vectors.
 *
 * Each conjunct narrows the chunk's selection vector in place, cheapest
 * form first chosen by the planner: integer/time comparisons run as tight
 * loops over the column (and a time_ bound the chunk's min/max already
 * satisfies costs nothing), a condition on one string column is evaluated
 * once per dictionary code of the chunk and then applied per row as a
 * bitmap lookup on codes, anything else is evaluated row by row.
 */
#include <stdlib.h>
#include <string.h>

#include "client/sql.h"

/* True/false when the chunk's time span decides the conjunct; -1 if not. */
static int time_span_decides(const struct ttq_query *q, const struct conj *c,
			     const struct tt_chunk *ch)
{
	if (strcmp(q->schema->cols[c->col].name, TT_TIME_COLUMN) ||
	    ch->min_time > ch->max_time)
		return -1;
	int64_t v = c->val, lo = ch->min_time, hi = ch->max_time;
	switch (c->op) {
	case OP_GE:
		return lo >= v ? 1 : hi < v ? 0 : -1;
	case OP_GT:
		return lo > v ? 1 : hi <= v ? 0 : -1;
	case OP_LE:
		return hi <= v ? 1 : lo > v ? 0 : -1;
	case OP_LT:
		return hi < v ? 1 : lo >= v ? 0 : -1;
	case OP_EQ:
		return lo == v && hi == v ? 1 : (v < lo || v > hi) ? 0 : -1;
	default:
		return -1;
	}
}

#define INT_FILTER(T, OPER)                        \
	do {                                       \
		const T *col = ch->cols[c->col];   \
		T v = (T)c->val;                   \
		for (uint32_t i = 0; i < n; i++) { \
			sel[k] = sel[i];           \
			k += col[sel[i]] OPER v;   \
		}                                  \
	} while (0)

#define INT_FILTER_OPS(T)          \
	switch (c->op) {           \
	case OP_EQ:                \
		INT_FILTER(T, ==); \
		break;             \
	case OP_NE:                \
		INT_FILTER(T, !=); \
		break;             \
	case OP_LT:                \
		INT_FILTER(T, <);  \
		break;             \
	case OP_LE:                \
		INT_FILTER(T, <=); \
		break;             \
	case OP_GT:                \
		INT_FILTER(T, >);  \
		break;             \
	default:                   \
		INT_FILTER(T, >=); \
		break;             \
	}

static uint32_t filter__int(const struct conj *c, const struct tt_chunk *ch,
			    uint32_t *sel, uint32_t n)
{
	uint32_t k = 0;

	if (c->is_uint) {
		INT_FILTER_OPS(uint64_t);
	} else {
		INT_FILTER_OPS(int64_t);
	}
	return k;
}

static uint32_t filter__row(struct ttq_query *q, const struct conj *c,
			    const struct tt_chunk *ch, uint32_t *sel,
			    uint32_t n)
{
	struct ectx *e = q->ectx;
	struct ttq_value v;
	uint32_t k = 0;

	e->chunk = ch;
	e->ocol = -1;
	for (uint32_t i = 0; i < n; i++) {
		e->row = sel[i];
		e->used = 0;
		expr__eval(c->expr, e, &v);
		sel[k] = sel[i];
		k += value__true(&v);
	}
	return k;
}

static uint32_t filter__codes(struct ttq_query *q, const struct conj *c,
			      const struct tt_chunk *ch, uint32_t *sel,
			      uint32_t n)
{
	uint32_t dict = tt_chunk__dict_size(ch, (uint32_t)c->col);
	struct ectx *e = q->ectx;
	struct ttq_value v;
	uint32_t k = 0;

	/* A dictionary much larger than the rows left: go row by row. */
	if (dict > 4 * n + 64 || query__scratch(q, dict))
		return filter__row(q, c, ch, sel, n);
	e->chunk = NULL;
	e->ocol = c->col;
	for (uint32_t code = 0; code < dict; code++) {
		const char *s;
		uint32_t len;

		if (tt_chunk__string(ch, (uint32_t)c->col, code, &s, &len) <
		    0) {
			q->codebits[code] = 0;
			continue;
		}
		e->oval.type = TTQ_STRING;
		e->oval.s.ptr = s;
		e->oval.s.len = len;
		e->used = 0;
		expr__eval(c->expr, e, &v);
		q->codebits[code] = value__true(&v);
	}
	e->ocol = -1;
	const uint32_t *codes = ch->cols[c->col];
	for (uint32_t i = 0; i < n; i++) {
		uint32_t code = codes[sel[i]];

		sel[k] = sel[i];
		k += code < dict && q->codebits[code];
	}
	return k;
}

uint32_t filter__chunk(struct ttq_query *q, const struct tt_chunk *ch,
		       uint32_t *sel)
{
	uint32_t n = ch->nrows;
	bool filled = false;

	for (int j = 0; j < q->nconj && n; j++) {
		const struct conj *c = &q->conj[j];
		int d = c->kind == CJ_INT_CMP ? time_span_decides(q, c, ch)
					      : -1;

		if (d == 0)
			return 0;
		if (d > 0)
			continue;
		/* The identity selection, only once some conjunct needs it. */
		for (uint32_t i = 0; !filled && i < n; i++)
			sel[i] = i;
		filled = true;
		switch (c->kind) {
		case CJ_INT_CMP:
			n = filter__int(c, ch, sel, n);
			break;
		case CJ_STR_CODES:
			n = filter__codes(q, c, ch, sel, n);
			break;
		default:
			n = filter__row(q, c, ch, sel, n);
			break;
		}
	}
	return n;
}
