/*
 * maps_print.c - prints user maps at exit the way bpftrace does:
 *
 *     <two empty lines>
 *     @name[key1, key2]: value
 *
 * maps in name order, entries of integer maps sorted by value (ascending,
 * like bpftrace 0.17), keys rendered as numbers or strings, tuples as
 * "(a, b)".
 */
#include <arpa/inet.h>
#include <bpf/bpf.h>
#include <stdlib.h>
#include <string.h>

#include "bpf/object.h"

struct entry {
	uint8_t *key, *val;
};

static int64_t ival(const struct bt_type *t, const uint8_t *p)
{
	int64_t v;
	memcpy(&v, p, 8);
	(void)t;
	return v;
}

static void print_value(FILE *out, const struct bt_type *t, const uint8_t *p)
{
	switch (t->kind) {
	case BT_T_INT:
		if (t->is_signed)
			fprintf(out, "%lld", (long long)ival(t, p));
		else
			fprintf(out, "%llu", (unsigned long long)ival(t, p));
		return;
	case BT_T_STR:
		fprintf(out, "%.*s", (int)strnlen((const char *)p, t->size),
			(const char *)p);
		return;
	case BT_T_TUPLE:
		fputc('(', out);
		for (size_t i = 0; i < t->tuple->n; i++) {
			if (i)
				fputs(", ", out);
			print_value(out, &t->tuple->f[i], p + t->tuple->off[i]);
		}
		fputc(')', out);
		return;
	case BT_T_INET: {
		char b[64];
		uint64_t fam;
		memcpy(&fam, p, 8);
		if (inet_ntop(fam == 10 ? AF_INET6 : AF_INET, p + 8, b,
			      sizeof(b)))
			fputs(b, out);
		return;
	}
	default:
		fputs("?", out);
	}
}

static const struct bt_map_def *sort_map;

static int by_value(const void *a, const void *b)
{
	const struct entry *x = a, *y = b;
	int64_t u = ival(&sort_map->value, x->val);
	int64_t v = ival(&sort_map->value, y->val);
	if (sort_map->value.is_signed || sort_map->kind != BT_MAPK_COUNT)
		return u < v ? -1 : u > v;
	return (uint64_t)u < (uint64_t)v ? -1 : (uint64_t)u > (uint64_t)v;
}

/* Orders values of one type: integers numerically, strings bytewise. */
static int cmp_value(const struct bt_type *t, const uint8_t *a,
		     const uint8_t *b)
{
	if (t->kind == BT_T_INT) {
		int64_t x = ival(t, a), y = ival(t, b);
		if (!t->is_signed)
			return (uint64_t)x < (uint64_t)y ? -1
						       : (uint64_t)x > (uint64_t)y;
		return x < y ? -1 : x > y;
	}
	if (t->kind == BT_T_TUPLE) {
		for (size_t i = 0; i < t->tuple->n; i++) {
			int c = cmp_value(&t->tuple->f[i], a + t->tuple->off[i],
					  b + t->tuple->off[i]);
			if (c)
				return c;
		}
		return 0;
	}
	return strncmp((const char *)a, (const char *)b, t->size);
}

/* bpftrace prints maps of non-integer values in key order. */
static int by_key(const void *a, const void *b)
{
	const struct entry *x = a, *y = b;
	return cmp_value(&sort_map->key, x->key, y->key);
}

static void print_key(FILE *out, const struct bt_map_def *m,
		      const uint8_t *key)
{
	if (m->key.kind == BT_T_NONE)
		return;
	fputc('[', out);
	if (m->key.kind == BT_T_TUPLE) {
		for (size_t i = 0; i < m->key.tuple->n; i++) {
			if (i)
				fputs(", ", out);
			print_value(out, &m->key.tuple->f[i],
				    key + m->key.tuple->off[i]);
		}
	} else {
		print_value(out, &m->key, key);
	}
	fputc(']', out);
}

int bt_maps__print_one(const struct bt_map_def *m, FILE *out)
{
	size_t n = 0, cap = 64;
	struct entry *e = calloc(cap, sizeof(*e));
	uint8_t *prev = NULL;
	while (e) {
		uint8_t *key = malloc(m->key_size), *val = malloc(m->value_size);
		if (!key || !val ||
		    bpf_map_get_next_key(m->fd, prev, key) != 0 ||
		    bpf_map_lookup_elem(m->fd, key, val) != 0) {
			free(key);
			free(val);
			break;
		}
		if (n == cap) {
			void *p = realloc(e, 2 * cap * sizeof(*e));
			if (!p) {
				free(key);
				free(val);
				break;
			}
			e = p;
			cap *= 2;
		}
		e[n].key = key;
		e[n].val = val;
		prev = key;
		n++;
	}
	if (!e)
		return -1;
	sort_map = m;
	if (m->value.kind == BT_T_INT)
		qsort(e, n, sizeof(*e), by_value);
	else if (m->key.kind != BT_T_NONE)
		qsort(e, n, sizeof(*e), by_key);
	for (size_t i = 0; i < n; i++) {
		fputs(m->name, out);
		print_key(out, m, e[i].key);
		fputs(": ", out);
		print_value(out, &m->value, e[i].val);
		fputc('\n', out);
	}
	for (size_t i = 0; i < n; i++) {
		free(e[i].key);
		free(e[i].val);
	}
	free(e);
	return 0;
}

static int by_name(const void *a, const void *b)
{
	const struct bt_map_def *const *x = a, *const *y = b;
	return strcmp((*x)->name, (*y)->name);
}

int bt_maps__print(const struct bt_object *obj, FILE *out)
{
	size_t n = obj->nmaps > BT_MAP_USER ? obj->nmaps - BT_MAP_USER : 0;
	const struct bt_map_def **order = calloc(n ? n : 1, sizeof(*order));
	if (!order)
		return -1;
	for (size_t i = 0; i < n; i++)
		order[i] = &obj->maps[BT_MAP_USER + i];
	qsort(order, n, sizeof(*order), by_name);
	fputs("\n\n", out);
	for (size_t i = 0; i < n; i++)
		if (order[i]->fd >= 0)
			bt_maps__print_one(order[i], out);
	free(order);
	fflush(out);
	return 0;
}

int bt_maps__clear(const struct bt_map_def *m, bool zero)
{
	uint8_t *key = malloc(m->key_size), *next = malloc(m->key_size);
	uint8_t *val = calloc(1, m->value_size);
	int rc = 0;
	if (!key || !next || !val) {
		rc = -1;
		goto out;
	}
	/* Deleting while walking restarts from the first key each time. */
	bool first = true;
	while (bpf_map_get_next_key(m->fd, zero && !first ? key : NULL, next) ==
	       0) {
		if (zero) {
			bpf_map_update_elem(m->fd, next, val, BPF_EXIST);
			memcpy(key, next, m->key_size);
			first = false;
		} else if (bpf_map_delete_elem(m->fd, next) != 0) {
			break;
		}
	}
out:
	free(key);
	free(next);
	free(val);
	return rc;
}
