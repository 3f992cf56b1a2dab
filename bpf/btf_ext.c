/*
 * btf_ext.c - in-script type definitions appended to a base BTF (see
 * btf_ext.h).
 *
 * New records are kept in a buffer of their own while a program's struct
 * definitions are read, with their ids (base n + index) and, for structs,
 * their alignment; finish copies the base's type and string sections into
 * one new raw BTF with the new records and names after them, which btf.c
 * indexes like any other. The base's own synthetic pointers (ids >= base
 * n) are never referred to: callers build pointers here.
 */
#include "bpf/btf_ext.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <bpf/btf.h> /* libbpf's record helpers */

#include "bpf/btf.h"
#include "bpf/btf_int.h"
#include "bpf/errmsg.h"

struct bt_btf_ext {
	const struct bt_btf *base;
	uint32_t base_n;
	char *types; /* new records */
	size_t tlen, tcap;
	char *strs; /* new names, each NUL-terminated */
	size_t slen, scap;
	uint32_t *off; /* off[i]: offset of new record i in types */
	uint32_t *align; /* align[i]: alignment of new record i */
	size_t n, ncap;
	uint32_t int_id; /* array index type: base "int" */
};

struct bt_btf_ext *bt_btf_ext__new(const struct bt_btf *base)
{
	struct bt_btf_ext *x = calloc(1, sizeof(*x));
	const char *t, *s;
	uint32_t tl, sl;

	if (!x)
		return NULL;
	x->base = base;
	bt_btf__sections(base, &t, &tl, &s, &sl, &x->base_n);
	if (bt_btf__find(base, "int", BT_BTF_INT, &x->int_id))
		x->int_id = 0;
	return x;
}

void bt_btf_ext__free(struct bt_btf_ext *x)
{
	if (!x)
		return;
	free(x->types);
	free(x->strs);
	free(x->off);
	free(x->align);
	free(x);
}

static bool grow(char **buf, size_t *cap, size_t need)
{
	if (need <= *cap)
		return true;
	size_t c = *cap ? *cap * 2 : 256;
	while (c < need)
		c *= 2;
	char *p = realloc(*buf, c);
	if (!p)
		return false;
	*buf = p;
	*cap = c;
	return true;
}

/* Offset of name in the final string section; 0 ("") on OOM. */
static uint32_t name_off(struct bt_btf_ext *x, const char *name)
{
	const char *t, *s;
	uint32_t tl, sl, n;
	size_t len = strlen(name) + 1;

	if (!*name || !grow(&x->strs, &x->scap, x->slen + len))
		return 0;
	bt_btf__sections(x->base, &t, &tl, &s, &sl, &n);
	memcpy(x->strs + x->slen, name, len);
	x->slen += len;
	return sl + (uint32_t)(x->slen - len);
}

/* Appends a record of size bytes; returns it (zeroed) with *id. */
static struct btf_type *record(struct bt_btf_ext *x, size_t size,
			       uint32_t align, uint32_t *id)
{
	if (x->n == x->ncap) {
		size_t c = x->ncap ? x->ncap * 2 : 16;
		uint32_t *o = realloc(x->off, c * sizeof(*o));
		if (o)
			x->off = o;
		uint32_t *a = realloc(x->align, c * sizeof(*a));
		if (a)
			x->align = a;
		if (!o || !a)
			return NULL;
		x->ncap = c;
	}
	if (!grow(&x->types, &x->tcap, x->tlen + size))
		return NULL;
	struct btf_type *t = (void *)(x->types + x->tlen);
	memset(t, 0, size);
	x->off[x->n] = (uint32_t)x->tlen;
	x->align[x->n] = align;
	x->tlen += size;
	*id = x->base_n + (uint32_t)x->n++;
	return t;
}

static const struct btf_type *rec(const struct bt_btf_ext *x, uint32_t id)
{
	if (id < x->base_n)
		return bt_btf__rec(x->base, id);
	if (id - x->base_n < x->n)
		return (const void *)(x->types + x->off[id - x->base_n]);
	return NULL;
}

/* Skips typedefs and qualifiers (depth-bounded: BTF may loop). */
static uint32_t strip(const struct bt_btf_ext *x, uint32_t id)
{
	for (int i = 0; i < 32; i++) {
		const struct btf_type *t = rec(x, id);
		if (!t || !(btf_is_typedef(t) || btf_is_mod(t)))
			return id;
		id = t->type;
	}
	return 0;
}

static int64_t size_of(const struct bt_btf_ext *x, uint32_t id, int depth)
{
	id = strip(x, id);
	const struct btf_type *t = rec(x, id);
	if (!t || depth > 32)
		return -EINVAL;
	if (btf_is_ptr(t))
		return 8;
	if (btf_is_array(t)) {
		int64_t e = size_of(x, btf_array(t)->type, depth + 1);
		if (e < 0 || (e && btf_array(t)->nelems > INT32_MAX / e))
			return -EINVAL;
		return e * btf_array(t)->nelems;
	}
	if (btf_is_int(t) || btf_is_any_enum(t) || btf_is_composite(t) ||
	    btf_is_float(t))
		return t->size;
	return -EINVAL;
}

int64_t bt_btf_ext__size(const struct bt_btf_ext *x, uint32_t id)
{
	return size_of(x, id, 0);
}

/* Alignment by the x86-64 C rules; 0 for types without one. */
static uint32_t align_of(const struct bt_btf_ext *x, uint32_t id, int depth)
{
	id = strip(x, id);
	const struct btf_type *t = rec(x, id);
	if (!t || depth > 32)
		return 0;
	if (id >= x->base_n && btf_is_composite(t))
		return x->align[id - x->base_n];
	if (btf_is_ptr(t))
		return 8;
	if (btf_is_array(t))
		return align_of(x, btf_array(t)->type, depth + 1);
	if (btf_is_int(t) || btf_is_any_enum(t) || btf_is_float(t))
		return t->size > 8 ? 16 : t->size ? t->size : 1;
	if (!btf_is_composite(t))
		return 0;
	uint32_t a = 1;
	const struct btf_member *m = btf_members(t);
	for (unsigned i = 0; i < btf_vlen(t); i++) {
		uint32_t ma = align_of(x, m[i].type, depth + 1);
		if (ma > a)
			a = ma;
	}
	return a;
}

uint32_t bt_btf_ext__fwd(struct bt_btf_ext *x, const char *name, bool is_union)
{
	uint32_t id, noff = name_off(x, name);
	struct btf_type *t = record(x, sizeof(*t), 0, &id);
	if (!t)
		return 0;
	t->name_off = noff;
	t->info = BTF_KIND_FWD << 24 | (uint32_t)is_union << 31;
	return id;
}

void bt_btf_ext__retarget(struct bt_btf_ext *x, uint32_t from, uint32_t to)
{
	for (size_t i = 0; i < x->n; i++) {
		struct btf_type *t = (void *)(x->types + x->off[i]);
		if (btf_is_ptr(t) && t->type == from)
			t->type = to;
	}
}

uint32_t bt_btf_ext__ptr(struct bt_btf_ext *x, uint32_t target)
{
	uint32_t id;
	struct btf_type *t = record(x, sizeof(*t), 8, &id);
	if (!t)
		return 0;
	t->info = BTF_KIND_PTR << 24;
	t->type = target;
	return id;
}

uint32_t bt_btf_ext__array(struct bt_btf_ext *x, uint32_t elem, uint32_t nelems)
{
	uint32_t id, a = align_of(x, elem, 0);
	if (!a || size_of(x, elem, 0) < 0)
		return 0;
	struct btf_type *t =
		record(x, sizeof(*t) + sizeof(struct btf_array), a, &id);
	if (!t)
		return 0;
	t->info = BTF_KIND_ARRAY << 24;
	struct btf_array *arr = (void *)(t + 1);
	arr->type = elem;
	arr->index_type = x->int_id;
	arr->nelems = nelems;
	return id;
}

static uint64_t align_up(uint64_t v, uint32_t a)
{
	return (v + a - 1) / a * a;
}

int bt_btf_ext__struct(struct bt_btf_ext *x, const char *name, bool is_union,
		       const struct bt_btf_ext_member *m, size_t n,
		       uint32_t *id, char *err, size_t errlen)
{
	uint64_t end = 0, at = 0;
	uint32_t align = 1;
	if (n == 0 || n > 0xffff) {
		bt_errmsg__set(err, errlen, "%s %s: no members (or too many)",
			       is_union ? "union" : "struct", name);
		return -EINVAL;
	}
	uint32_t *offs = calloc(n, sizeof(*offs));
	if (!offs)
		return -ENOMEM;
	for (size_t i = 0; i < n; i++) {
		int64_t sz = size_of(x, m[i].type, 0);
		uint32_t a = align_of(x, m[i].type, 0);
		if (sz < 0 || !a) {
			bt_errmsg__set(
				err, errlen, "%s %s: member '%s' has no size",
				is_union ? "union" : "struct", name, m[i].name);
			free(offs);
			return -EINVAL;
		}
		at = is_union ? 0 : align_up(end, a);
		offs[i] = (uint32_t)at;
		if (at + (uint64_t)sz > end)
			end = at + (uint64_t)sz;
		if (a > align)
			align = a;
	}
	end = align_up(end, align);
	if (end > INT32_MAX) {
		free(offs);
		bt_errmsg__set(err, errlen, "%s %s is too large",
			       is_union ? "union" : "struct", name);
		return -EINVAL;
	}
	uint32_t noff = name_off(x, name);
	struct btf_type *t = record(
		x, sizeof(*t) + n * sizeof(struct btf_member), align, id);
	if (!t) {
		free(offs);
		return -ENOMEM;
	}
	t->name_off = noff;
	t->info = (uint32_t)(is_union ? BTF_KIND_UNION : BTF_KIND_STRUCT)
			  << 24 |
		  (uint32_t)n;
	t->size = (uint32_t)end;
	struct btf_member *bm = (void *)(t + 1);
	for (size_t i = 0; i < n; i++) {
		bm[i].name_off = name_off(x, m[i].name);
		bm[i].type = m[i].type;
		bm[i].offset = offs[i] * 8;
	}
	free(offs);
	return 0;
}

int bt_btf_ext__finish(struct bt_btf_ext *x, struct bt_btf **out, char *err,
		       size_t errlen)
{
	const char *types, *strs;
	uint32_t tl, sl, n;
	struct btf_header h = {
		.magic = BTF_MAGIC, .version = 1, .hdr_len = sizeof(h)};

	bt_btf__sections(x->base, &types, &tl, &strs, &sl, &n);
	h.type_off = 0;
	h.type_len = tl + (uint32_t)x->tlen;
	h.str_off = h.type_len;
	h.str_len = sl + (uint32_t)x->slen;
	size_t size = sizeof(h) + h.type_len + h.str_len;
	char *data = malloc(size);
	if (!data)
		return -ENOMEM;
	char *p = data;
	memcpy(p, &h, sizeof(h));
	p += sizeof(h);
	memcpy(p, types, tl);
	p += tl;
	if (x->tlen)
		memcpy(p, x->types, x->tlen);
	p += x->tlen;
	memcpy(p, strs, sl);
	p += sl;
	if (x->slen)
		memcpy(p, x->strs, x->slen);
	return bt_btf__from_raw(data, size, out, err, errlen);
}
