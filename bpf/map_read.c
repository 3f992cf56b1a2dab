/*
 * map_read.c - reading one user map entry as the language sees it, the
 * same for every reader (maps printed at exit, maps exported as tables,
 * clear/zero).
 *
 * A per-CPU map (BPF_MAP_TYPE_PERCPU_HASH/ARRAY) keeps one slot per
 * possible CPU, each 8-byte aligned, so probes on different CPUs never
 * share a cache line or need atomics; its value is the CPUs' slots folded
 * by the map's kind: counts, sums, avg/stats (count, sum) and histogram
 * buckets add up word by word; min and max compare only the CPUs that
 * recorded something, which is why their per-CPU slot is the value plus a
 * "set" word (a CPU that never fired holds 0, which is no minimum). Plain
 * maps are read as they are. Readers always get m->value_size bytes in
 * the plain layout.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "bpf/object.h"

bool bt_map__percpu(const struct bt_map_def *m)
{
	return m->type == BPF_MAP_TYPE_PERCPU_HASH ||
	       m->type == BPF_MAP_TYPE_PERCPU_ARRAY;
}

static bool min_max(const struct bt_map_def *m)
{
	return m->kind == BT_MAPK_MIN || m->kind == BT_MAPK_MAX;
}

uint32_t bt_map__slot_size(const struct bt_map_def *m)
{
	return m->value_size + (bt_map__percpu(m) && min_max(m) ? 8 : 0);
}

/* min/max over the CPUs whose "set" word is non-zero; 0 if none. */
static void fold_min_max(const struct bt_map_def *m, const uint8_t *buf,
			 int ncpu, size_t stride, int64_t *out)
{
	bool any = false;
	*out = 0;
	for (int c = 0; c < ncpu; c++) {
		const int64_t *v = (const int64_t *)(buf + (size_t)c * stride);
		if (!v[1])
			continue;
		if (!any ||
		    (m->kind == BT_MAPK_MIN ? v[0] < *out : v[0] > *out))
			*out = v[0];
		any = true;
	}
}

static void fold(const struct bt_map_def *m, const uint8_t *buf, int ncpu,
		 size_t stride, void *out)
{
	if (min_max(m)) {
		fold_min_max(m, buf, ncpu, stride, out);
		return;
	}
	if (m->kind == BT_MAPK_VALUE) { /* no sum: the first CPU's */
		memcpy(out, buf, m->value_size);
		return;
	}
	uint64_t *acc = out;
	memset(out, 0, m->value_size);
	for (int c = 0; c < ncpu; c++) {
		const uint64_t *v =
			(const uint64_t *)(buf + (size_t)c * stride);
		for (size_t w = 0; w < m->value_size / 8; w++)
			acc[w] += v[w];
	}
}

int bt_map__lookup(const struct bt_map_def *m, const void *key, void *out)
{
	if (!bt_map__percpu(m))
		return bpf_map_lookup_elem(m->fd, key, out) ? -errno : 0;
	int ncpu = libbpf_num_possible_cpus();
	if (ncpu <= 0)
		return ncpu ? ncpu : -EINVAL;
	size_t stride = ((size_t)bt_map__slot_size(m) + 7) & ~(size_t)7;
	uint8_t *buf = calloc((size_t)ncpu, stride);
	if (!buf)
		return -ENOMEM;
	int rc = bpf_map_lookup_elem(m->fd, key, buf) ? -errno : 0;
	if (!rc)
		fold(m, buf, ncpu, stride, out);
	free(buf);
	return rc;
}

int bt_map__zero(const struct bt_map_def *m, const void *key)
{
	int ncpu = bt_map__percpu(m) ? libbpf_num_possible_cpus() : 1;
	if (ncpu <= 0)
		return ncpu ? ncpu : -EINVAL;
	size_t stride = ((size_t)bt_map__slot_size(m) + 7) & ~(size_t)7;
	void *buf = calloc((size_t)ncpu, stride);
	if (!buf)
		return -ENOMEM;
	int rc = bpf_map_update_elem(m->fd, key, buf, BPF_EXIST) ? -errno : 0;
	free(buf);
	return rc;
}

int bt_map__lookup_batch(const struct bt_map_def *m, void *in, void *out,
			 void *keys, void *vals, uint32_t *count)
{
	if (!bt_map__percpu(m))
		return bpf_map_lookup_batch(m->fd, in, out, keys, vals, count,
					    NULL);
	int ncpu = libbpf_num_possible_cpus();
	if (ncpu <= 0) {
		errno = ncpu ? -ncpu : EINVAL;
		return -1;
	}
	size_t stride = ((size_t)bt_map__slot_size(m) + 7) & ~(size_t)7;
	size_t per_key = (size_t)ncpu * stride;
	uint8_t *buf = malloc((*count ? *count : 1) * per_key);
	if (!buf) {
		errno = ENOMEM;
		return -1;
	}
	int rc = bpf_map_lookup_batch(m->fd, in, out, keys, buf, count, NULL);
	int saved = errno;
	/* Entries come back with ENOENT on the last batch too. */
	if (rc == 0 || saved == ENOENT)
		for (uint32_t e = 0; e < *count; e++)
			fold(m, buf + e * per_key, ncpu, stride,
			     (uint8_t *)vals + (size_t)e * m->value_size);
	free(buf);
	errno = saved;
	return rc;
}
