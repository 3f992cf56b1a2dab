/*
 * client/func.c - the function table: every SQL function is one entry with
 * its arity, its type rule and its evaluator (aggregates have no evaluator:
 * groups.c folds them). Adding a function means adding a row here.
 */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "client/sql.h"

static int arg_is(struct node *n, int i, enum ttq_type t, const char *what,
		  struct ttq_error *err)
{
	enum ttq_type at = n->args[i]->type;

	if (at == t || at == TTQ_NULL)
		return 0;
	ttq_error__set(err, n->args[i]->pos,
		       "type error: %s() argument %d must be %s, not %s",
		       n->fn->name, i + 1, what, ttq_type__name(at));
	return -EINVAL;
}

static int check_now(struct node *n, struct ttq_error *err)
{
	(void)err;
	n->type = TTQ_TIME;
	return 0;
}

static void eval_now(const struct node *n, struct ectx *c,
		     const struct ttq_value *a, struct ttq_value *out)
{
	(void)n;
	(void)a;
	out->type = TTQ_TIME;
	out->i = c->q->now_ns;
}

static int check_bin(struct node *n, struct ttq_error *err)
{
	enum ttq_type t = n->args[0]->type, w = n->args[1]->type;

	if (t != TTQ_TIME && t != TTQ_INT && t != TTQ_UINT &&
	    t != TTQ_DURATION) {
		ttq_error__set(err, n->args[0]->pos,
			       "type error: bin() buckets a time or an "
			       "integer, not %s",
			       ttq_type__name(t));
		return -EINVAL;
	}
	if (t == TTQ_TIME || t == TTQ_DURATION) {
		if (arg_is(n, 1, TTQ_DURATION, "a duration (e.g. 10s)", err))
			return -EINVAL;
	} else if (w != TTQ_INT && w != TTQ_UINT) {
		ttq_error__set(
			err, n->args[1]->pos,
			"type error: bin() width must be an integer, not %s",
			ttq_type__name(w));
		return -EINVAL;
	}
	n->type = t;
	return 0;
}

static void eval_bin(const struct node *n, struct ectx *c,
		     const struct ttq_value *a, struct ttq_value *out)
{
	(void)c;
	*out = a[0];
	if (a[0].type == TTQ_NULL || a[1].type == TTQ_NULL || a[1].i <= 0) {
		out->type = TTQ_NULL;
		return;
	}
	if (n->type == TTQ_UINT) {
		out->u = a[0].u - a[0].u % a[1].u;
		return;
	}
	int64_t r = a[0].i % a[1].i;
	if (r < 0)
		r += a[1].i;
	out->u = a[0].u - (uint64_t)r;
}

static int check_str1(struct node *n, struct ttq_error *err)
{
	if (arg_is(n, 0, TTQ_STRING, "a string", err))
		return -EINVAL;
	n->type = !strcasecmp(n->fn->name, "length") ? TTQ_INT : TTQ_STRING;
	return 0;
}

static void eval_ip_host(const struct node *n, struct ectx *c,
			 const struct ttq_value *a, struct ttq_value *out)
{
	(void)n;
	if (a[0].type != TTQ_STRING) {
		out->type = TTQ_NULL;
		return;
	}
	const char *h =
		ttq_ip_host(a[0].s.ptr, a[0].s.len, c->q->dns_timeout_ms);
	out->type = TTQ_STRING;
	out->s.ptr = h;
	out->s.len = (uint32_t)strlen(h);
}

/* lower()/upper(): the result lives in the context's scratch space. */
static void eval_case(const struct node *n, struct ectx *c,
		      const struct ttq_value *a, struct ttq_value *out)
{
	bool up = !strcasecmp(n->fn->name, "upper");

	if (a[0].type != TTQ_STRING) {
		out->type = TTQ_NULL;
		return;
	}
	uint32_t len = a[0].s.len;
	if (len > ECTX_SCRATCH - c->used)
		c->used = 0;
	if (len > ECTX_SCRATCH)
		len = ECTX_SCRATCH;
	char *d = c->scratch + c->used;
	for (uint32_t i = 0; i < len; i++)
		d[i] = (char)(up ? toupper((unsigned char)a[0].s.ptr[i])
				 : tolower((unsigned char)a[0].s.ptr[i]));
	c->used += len;
	out->type = TTQ_STRING;
	out->s.ptr = d;
	out->s.len = len;
}

static void eval_length(const struct node *n, struct ectx *c,
			const struct ttq_value *a, struct ttq_value *out)
{
	(void)n;
	(void)c;
	if (a[0].type != TTQ_STRING) {
		out->type = TTQ_NULL;
		return;
	}
	out->type = TTQ_INT;
	out->i = a[0].s.len;
}

static int check_contains(struct node *n, struct ttq_error *err)
{
	if (arg_is(n, 0, TTQ_STRING, "a string", err) ||
	    arg_is(n, 1, TTQ_STRING, "a string", err))
		return -EINVAL;
	n->type = TTQ_BOOL;
	return 0;
}

static void eval_contains(const struct node *n, struct ectx *c,
			  const struct ttq_value *a, struct ttq_value *out)
{
	(void)n;
	(void)c;
	if (a[0].type != TTQ_STRING || a[1].type != TTQ_STRING) {
		out->type = TTQ_NULL;
		return;
	}
	out->type = TTQ_BOOL;
	out->i = a[1].s.len == 0 ||
		 memmem(a[0].s.ptr, a[0].s.len, a[1].s.ptr, a[1].s.len);
}

static const struct func funcs[] = {
	{"now", 0, 0, AGG_NONE, 0, check_now, eval_now},
	{"bin", 2, 2, AGG_NONE, 0, check_bin, eval_bin},
	{"ip_host", 1, 1, AGG_NONE, 0, check_str1, eval_ip_host},
	{"lower", 1, 1, AGG_NONE, 0, check_str1, eval_case},
	{"upper", 1, 1, AGG_NONE, 0, check_str1, eval_case},
	{"length", 1, 1, AGG_NONE, 0, check_str1, eval_length},
	{"contains", 2, 2, AGG_NONE, 0, check_contains, eval_contains},
	{"count", 1, 1, AGG_COUNT, 0, NULL, NULL},
	{"count(*)", 1, 1, AGG_COUNT_STAR, 0, NULL, NULL},
	{"sum", 1, 1, AGG_SUM, 0, NULL, NULL},
	{"min", 1, 1, AGG_MIN, 0, NULL, NULL},
	{"max", 1, 1, AGG_MAX, 0, NULL, NULL},
	{"avg", 1, 1, AGG_AVG, 0, NULL, NULL},
	{"p50", 1, 1, AGG_PCT, 0.50, NULL, NULL},
	{"p90", 1, 1, AGG_PCT, 0.90, NULL, NULL},
	{"p95", 1, 1, AGG_PCT, 0.95, NULL, NULL},
	{"p99", 1, 1, AGG_PCT, 0.99, NULL, NULL},
};

const struct func *func__find(const char *name)
{
	for (size_t i = 0; i < sizeof(funcs) / sizeof(funcs[0]); i++)
		if (!strcasecmp(funcs[i].name, name))
			return &funcs[i];
	return NULL;
}

const char *func__closest(const char *name)
{
	const char *best = NULL;
	int bd = 1 + (int)strlen(name) / 3;

	for (size_t i = 0; i < sizeof(funcs) / sizeof(funcs[0]); i++) {
		int d = ttq_edit_distance(name, funcs[i].name);

		if (d <= bd && !strchr(funcs[i].name, '(')) {
			bd = d - 1;
			best = funcs[i].name;
		}
	}
	return best;
}
