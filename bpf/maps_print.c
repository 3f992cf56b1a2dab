/*
 * maps_print.c - prints user maps at exit the way bpftrace does:
 *
 *     <two empty lines>
 *     @name[key1, key2]: value
 *
 * maps in name order, entries of integer maps sorted by value (ascending,
 * like bpftrace 0.17), keys rendered as numbers or strings, tuples as
 * "(a, b)". Values are read through map_read.c, so per-CPU maps print
 * their CPUs' slots folded, as every other reader sees them.
 */
#include <arpa/inet.h>
#include <bpf/bpf.h>
#include <stdlib.h>
#include <string.h>

#include "bpf/object.h"
#include "bpf/render.h"

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

/* One value; stack frames are indented by indent spaces (bpftrace mode). */
static void print_value(FILE *out, const struct bt_object *obj,
			const struct bt_type *t, const uint8_t *p, int indent)
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
			print_value(out, obj, &t->tuple->f[i],
				    p + t->tuple->off[i], indent);
		}
		fputc(')', out);
		return;
	case BT_T_INET:
	case BT_T_TEXT: {
		char b[4096];
		if (t->kind == BT_T_TEXT && (t->render == BT_RENDER_KSTACK ||
					     t->render == BT_RENDER_USTACK))
			bt_render__stack_of(obj, t, p, indent, b, sizeof(b));
		else if (!bt_render__text(obj, t, p, b, sizeof(b)))
			bt_render__value(t, p, b, sizeof(b));
		fputs(b, out);
		return;
	}
	default:
		fputs("?", out);
	}
}

size_t bt_render__print_text(const struct bt_object *obj,
			     const struct bt_type *t, const uint8_t *p,
			     char *buf, size_t len)
{
	if (!len)
		return 0;
	buf[0] = 0;
	FILE *f = fmemopen(buf, len, "w");
	if (!f)
		return 0;
	setvbuf(f, NULL, _IONBF, 0);
	print_value(f, obj, t, p, 8);
	fputc('\n', f);
	long n = ftell(f);
	fclose(f);
	n = n < 0 ? 0 : n < (long)len ? n : (long)len - 1;
	buf[n] = 0;
	return (size_t)n;
}

/* Powers of two the way bpftrace labels them: 512, 1K, 2K, ..., 1M. */
static void pow2_label(uint64_t v, char *buf, size_t len)
{
	static const char sfx[] = " KMGTPE";
	int i = 0;
	while (v >= 1024 && v % 1024 == 0 && i < 6) {
		v /= 1024;
		i++;
	}
	if (i)
		snprintf(buf, len, "%llu%c", (unsigned long long)v, sfx[i]);
	else
		snprintf(buf, len, "%llu", (unsigned long long)v);
}

static void bucket_label(const struct bt_map_def *m, uint32_t i, char *buf,
			 size_t len)
{
	char lo[24], hi[24];
	if (m->kind == BT_MAPK_LHIST) {
		if (i == 0)
			snprintf(buf, len, "(..., %lld)", (long long)m->lmin);
		else if (i == m->nbuckets - 1)
			snprintf(buf, len, "[%lld, ...)", (long long)m->lmax);
		else
			snprintf(buf, len, "[%lld, %lld)",
				 (long long)(m->lmin + (i - 1) * m->lstep),
				 (long long)(m->lmin + i * m->lstep));
		return;
	}
	if (i == 0) {
		snprintf(buf, len, "(..., 0)");
	} else if (i == 1 || i == 2) {
		snprintf(buf, len, "[%u]", i - 1);
	} else {
		pow2_label(1ull << (i - 2), lo, sizeof(lo));
		if (i - 1 < 64)
			pow2_label(1ull << (i - 1), hi, sizeof(hi));
		else
			snprintf(hi, sizeof(hi), "...");
		snprintf(buf, len, "[%s, %s)", lo, hi);
	}
}

/* A histogram prints its buckets from the first to the last non-empty one. */
/*
 * bpftrace 0.17's hist() takes the log2 of the low 32 bits' range only:
 * every value from 2^31 up lands in [2G, 4G). The map keeps the true
 * buckets (tables export them); printing folds them the same way.
 */
#define BT_HIST_FOLD 33 /* the bucket [2G, 4G) */

static void fold_hist(const struct bt_map_def *m, uint64_t *b)
{
	if (m->kind != BT_MAPK_HIST || m->nbuckets <= BT_HIST_FOLD)
		return;
	for (uint32_t i = BT_HIST_FOLD + 1; i < m->nbuckets; i++) {
		b[BT_HIST_FOLD] += b[i];
		b[i] = 0;
	}
}

/*
 * One histogram. print(@h, top, div) as bpftrace 0.17: hist() counts
 * print divided by div while the bars keep the undivided proportions;
 * lhist() ignores div.
 */
static void print_hist(const struct bt_map_def *m, uint8_t *val, int64_t div,
		       FILE *out)
{
	uint64_t *b = (uint64_t *)val;
	uint64_t d = div > 0 && m->kind == BT_MAPK_HIST ? (uint64_t)div : 1;
	fold_hist(m, b);
	uint32_t lo = m->nbuckets, hi = 0;
	uint64_t max = 0;
	for (uint32_t i = 0; i < m->nbuckets; i++) {
		if (!b[i])
			continue;
		lo = i < lo ? i : lo;
		hi = i;
		max = b[i] > max ? b[i] : max;
	}
	for (uint32_t i = lo; i <= hi && max; i++) {
		char label[80], bar[53];
		bucket_label(m, i, label, sizeof(label));
		unsigned n = (unsigned)(b[i] * 52 / max);
		memset(bar, '@', n);
		memset(bar + n, ' ', 52 - n);
		bar[52] = 0;
		fprintf(out, "%-16s%8llu |%s|\n", label,
			(unsigned long long)(b[i] / d), bar);
	}
	fputc('\n', out);
}

/* The average of an avg()/stats() value (u64 count, s64 sum). */
static int64_t avg_of(const uint8_t *val)
{
	uint64_t count;
	int64_t sum;
	memcpy(&count, val, 8);
	memcpy(&sum, val + 8, 8);
	return count ? sum / (int64_t)count : 0;
}

/* avg(): print(@a, top, div) divides the average; stats() ignores div. */
static void print_agg(const struct bt_map_def *m, const uint8_t *val,
		      int64_t div, FILE *out)
{
	uint64_t count;
	int64_t sum;
	memcpy(&count, val, 8);
	memcpy(&sum, val + 8, 8);
	int64_t avg = avg_of(val);
	if (m->kind == BT_MAPK_AVG && div > 0)
		avg /= div;
	if (m->kind == BT_MAPK_AVG)
		fprintf(out, "%lld\n", (long long)avg);
	else
		fprintf(out, "count %llu, average %lld, total %lld\n",
			(unsigned long long)count, (long long)avg,
			(long long)sum);
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

/* avg()/stats() maps print by average, as bpftrace 0.17 sorts them. */
static int by_avg(const void *a, const void *b)
{
	const struct entry *x = a, *y = b;
	int64_t u = avg_of(x->val), v = avg_of(y->val);
	return u < v ? -1 : u > v;
}

/* The total count of a hist()/lhist() value. */
static uint64_t hist_total(const uint8_t *val)
{
	uint64_t t = 0, c;
	for (uint32_t i = 0; i < sort_map->nbuckets; i++) {
		memcpy(&c, val + 8 * i, 8);
		t += c;
	}
	return t;
}

/* hist()/lhist() maps print by total count, as bpftrace 0.17. */
static int by_total(const void *a, const void *b)
{
	const struct entry *x = a, *y = b;
	uint64_t u = hist_total(x->val), v = hist_total(y->val);
	return u < v ? -1 : u > v;
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

static void print_key(FILE *out, const struct bt_object *obj,
		      const struct bt_map_def *m, const uint8_t *key)
{
	if (m->key.kind == BT_T_NONE)
		return;
	fputc('[', out);
	if (m->key.kind == BT_T_TUPLE) {
		for (size_t i = 0; i < m->key.tuple->n; i++) {
			if (i)
				fputs(", ", out);
			print_value(out, obj, &m->key.tuple->f[i],
				    key + m->key.tuple->off[i], 4);
		}
	} else {
		print_value(out, obj, &m->key, key, 4);
	}
	fputc(']', out);
}

/*
 * bpftrace 0.17 prints an empty map as an empty line, except a count()
 * map without keys, which reads as zero even after clear() or delete().
 */
static void print_empty(const struct bt_map_def *m, FILE *out)
{
	if (m->kind == BT_MAPK_COUNT && m->key.kind == BT_T_NONE)
		fprintf(out, "%s: 0\n", m->name);
	else
		fputc('\n', out);
}

int bt_maps__print_one(const struct bt_object *obj,
		       const struct bt_map_def *m, FILE *out, int64_t top,
		       int64_t div)
{
	size_t n = 0, cap = 64;
	struct entry *e = calloc(cap, sizeof(*e));
	uint8_t *prev = NULL;
	while (e) {
		uint8_t *key = malloc(m->key_size), *val = malloc(m->value_size);
		if (!key || !val ||
		    bpf_map_get_next_key(m->fd, prev, key) != 0 ||
		    bt_map__lookup(m, key, val) != 0) {
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
	if (n == 0)
		print_empty(m, out);
	sort_map = m;
	bool plain = m->kind < BT_MAPK_AVG;
	if (plain && m->value.kind == BT_T_INT)
		qsort(e, n, sizeof(*e), by_value);
	else if (m->kind == BT_MAPK_AVG || m->kind == BT_MAPK_STATS)
		qsort(e, n, sizeof(*e), by_avg);
	else if (m->kind == BT_MAPK_HIST || m->kind == BT_MAPK_LHIST)
		qsort(e, n, sizeof(*e), by_total);
	else if (m->key.kind != BT_T_NONE)
		qsort(e, n, sizeof(*e), by_key);
	if (m->kind == BT_MAPK_STATS) /* bpftrace 0.17 ignores both here */
		top = div = 0;
	size_t first = top > 0 && (size_t)top < n ? n - (size_t)top : 0;
	for (size_t i = first; i < n; i++) {
		if (div > 0 && plain && m->value.kind == BT_T_INT) {
			int64_t v;
			memcpy(&v, e[i].val, 8);
			v /= div;
			memcpy(e[i].val, &v, 8);
		}
		fputs(m->name, out);
		print_key(out, obj, m, e[i].key);
		fputs(": ", out);
		if (m->kind == BT_MAPK_HIST || m->kind == BT_MAPK_LHIST) {
			fputc('\n', out);
			print_hist(m, e[i].val, div, out);
		} else if (!plain) {
			print_agg(m, e[i].val, div, out);
		} else {
			/* Stack values indent frames by 8, keys by 4. */
			print_value(out, obj, &m->value, e[i].val, 8);
			fputc('\n', out);
		}
	}
	/* bpftrace separates avg/stats maps (even empty) from what follows. */
	if (m->kind == BT_MAPK_AVG || m->kind == BT_MAPK_STATS)
		fputc('\n', out);
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
	size_t k = 0;
	for (size_t i = 0; i < n; i++) /* @maps only, not internal ones */
		if (obj->maps[BT_MAP_USER + i].name[0] == '@')
			order[k++] = &obj->maps[BT_MAP_USER + i];
	n = k;
	qsort(order, n, sizeof(*order), by_name);
	fputs("\n\n", out);
	for (size_t i = 0; i < n; i++) {
		if (order[i]->fd >= 0)
			bt_maps__print_one(obj, order[i], out, 0, 0);
	}
	free(order);
	fflush(out);
	return 0;
}

int bt_maps__clear(const struct bt_map_def *m, bool zero)
{
	uint8_t *key = malloc(m->key_size), *next = malloc(m->key_size);
	int rc = 0;
	if (!key || !next) {
		rc = -1;
		goto out;
	}
	/* Deleting while walking restarts from the first key each time;
	 * probes may keep inserting, so stop after one map's worth. */
	bool first = true;
	for (uint32_t n = 0; n <= m->max_entries &&
			     bpf_map_get_next_key(m->fd, zero && !first ? key : NULL,
						  next) == 0;
	     n++) {
		if (zero) {
			bt_map__zero(m, next);
			memcpy(key, next, m->key_size);
			first = false;
		} else if (bpf_map_delete_elem(m->fd, next) != 0) {
			break;
		}
	}
out:
	free(key);
	free(next);
	return rc;
}
