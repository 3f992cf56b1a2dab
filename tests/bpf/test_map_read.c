/*
 * test_map_read.c - the one reader of user map entries (bpf/map_read.c)
 * on real kernel maps: per-CPU slots written through the syscall (one per
 * possible CPU) fold into the language's value by kind, min/max only over
 * CPUs that recorded one; plain maps read unchanged; zero clears every
 * CPU; and programs' aggregations, per-CPU, count exactly while two CPUs
 * hit the same key.
 */
#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/syscall.h>
#include <string.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "bpf/object.h"
#include "tests/bpf/bpf_util.h"
#include "tests/tt_test.h"
#include "tracetab/bt.h"

/* A kernel map for m (its fd set); false if it cannot be created. */
static bool make(struct bt_map_def *m, enum bpf_map_type type,
		 enum bt_map_kind kind, uint32_t value_size)
{
	memset(m, 0, sizeof(*m));
	m->type = type;
	m->kind = kind;
	m->key_size = 8;
	m->value_size = value_size;
	m->max_entries = 16;
	m->fd = bpf_map_create(type, "tt_read", 8, bt_map__slot_size(m), 16,
			       NULL);
	return m->fd >= 0;
}

TT_TEST(percpu_counts_and_histograms_add_up)
{
	struct bt_map_def m;
	int ncpu = libbpf_num_possible_cpus();
	CHECK(ncpu > 0);
	if (!make(&m, BPF_MAP_TYPE_PERCPU_HASH, BT_MAPK_AVG, 16))
		SKIP("cannot create a per-CPU hash map: %s", strerror(errno));
	uint64_t key = 7, *slots = calloc((size_t)ncpu, 16), want[2] = {0, 0};
	for (int c = 0; c < ncpu; c++) {
		slots[2 * c] = (uint64_t)c + 1; /* count */
		slots[2 * c + 1] = 100 * (uint64_t)c; /* sum */
		want[0] += (uint64_t)c + 1;
		want[1] += 100 * (uint64_t)c;
	}
	CHECK_INT(bpf_map_update_elem(m.fd, &key, slots, BPF_ANY), 0);
	uint64_t got[2] = {0, 0};
	CHECK_INT(bt_map__lookup(&m, &key, got), 0);
	CHECK_INT(got[0], want[0]);
	CHECK_INT(got[1], want[1]);
	CHECK_INT(bt_map__zero(&m, &key), 0);
	CHECK_INT(bt_map__lookup(&m, &key, got), 0);
	CHECK(got[0] == 0 && got[1] == 0);
	key = 8;
	CHECK_INT(bt_map__lookup(&m, &key, got), -ENOENT);
	free(slots);
	close(m.fd);
}

/* CPUs that never fired hold 0, which must not become the minimum. */
TT_TEST(percpu_min_max_only_over_cpus_that_fired)
{
	struct bt_map_def m;
	int ncpu = libbpf_num_possible_cpus();
	if (!make(&m, BPF_MAP_TYPE_PERCPU_HASH, BT_MAPK_MIN, 8))
		SKIP("cannot create a per-CPU hash map: %s", strerror(errno));
	CHECK_INT(bt_map__slot_size(&m), 16);
	int64_t *slots = calloc((size_t)ncpu, 16), got = -1;
	uint64_t key = 1;
	slots[2 * (ncpu - 1)] = 42; /* only the last CPU fired */
	slots[2 * (ncpu - 1) + 1] = 1;
	CHECK_INT(bpf_map_update_elem(m.fd, &key, slots, BPF_ANY), 0);
	CHECK_INT(bt_map__lookup(&m, &key, &got), 0);
	CHECK_INT(got, 42);
	slots[0] = -5; /* and CPU 0 saw a smaller one */
	slots[1] = 1;
	CHECK_INT(bpf_map_update_elem(m.fd, &key, slots, BPF_ANY), 0);
	CHECK_INT(bt_map__lookup(&m, &key, &got), 0);
	CHECK_INT(got, -5);
	close(m.fd);
	/* max over the same slots. */
	if (!make(&m, BPF_MAP_TYPE_PERCPU_HASH, BT_MAPK_MAX, 8))
		SKIP("cannot create a per-CPU hash map");
	CHECK_INT(bpf_map_update_elem(m.fd, &key, slots, BPF_ANY), 0);
	CHECK_INT(bt_map__lookup(&m, &key, &got), 0);
	CHECK_INT(got, ncpu > 1 ? 42 : -5);
	free(slots);
	close(m.fd);
}

/* A batch of per-CPU entries comes back folded, one value per key. */
TT_TEST(percpu_batches_fold_every_entry)
{
	struct bt_map_def m;
	int ncpu = libbpf_num_possible_cpus();
	if (!make(&m, BPF_MAP_TYPE_PERCPU_HASH, BT_MAPK_COUNT, 8))
		SKIP("cannot create a per-CPU hash map: %s", strerror(errno));
	uint64_t *slots = calloc((size_t)ncpu, 8);
	for (uint64_t key = 1; key <= 10; key++) {
		for (int c = 0; c < ncpu; c++)
			slots[c] = key * 10 + (uint64_t)c;
		CHECK_INT(bpf_map_update_elem(m.fd, &key, slots, BPF_ANY), 0);
	}
	uint64_t keys[16], vals[16], out = 0;
	uint32_t n = 16;
	int rc = bt_map__lookup_batch(&m, NULL, &out, keys, vals, &n);
	if (rc < 0 && errno == EINVAL)
		SKIP("no BPF_MAP_LOOKUP_BATCH for per-CPU hash maps here");
	CHECKF(rc == 0 || errno == ENOENT, "%s", strerror(errno));
	CHECK_INT(n, 10);
	uint64_t cpus = (uint64_t)ncpu * ((uint64_t)ncpu - 1) / 2;
	for (uint32_t e = 0; e < n && e < 16; e++)
		CHECKF(vals[e] == keys[e] * 10 * (uint64_t)ncpu + cpus,
		       "key %llu: %llu", (unsigned long long)keys[e],
		       (unsigned long long)vals[e]);
	free(slots);
	close(m.fd);
}

TT_TEST(plain_maps_read_unchanged)
{
	struct bt_map_def m;
	if (!make(&m, BPF_MAP_TYPE_HASH, BT_MAPK_MIN, 8))
		SKIP("cannot create a hash map: %s", strerror(errno));
	CHECK(!bt_map__percpu(&m));
	CHECK_INT(bt_map__slot_size(&m), 8);
	uint64_t key = 3;
	int64_t v = -9, got = 0;
	CHECK_INT(bpf_map_update_elem(m.fd, &key, &v, BPF_ANY), 0);
	CHECK_INT(bt_map__lookup(&m, &key, &got), 0);
	CHECK_INT(got, -9);
	CHECK_INT(bt_map__zero(&m, &key), 0);
	CHECK_INT(bt_map__lookup(&m, &key, &got), 0);
	CHECK_INT(got, 0);
	close(m.fd);
}

/*
 * Aggregations live in per-CPU maps: two CPUs hammering one key give
 * exact totals, and min/max ignore the CPU that never fired.
 */
TT_TEST(aggregations_are_percpu_and_exact)
{
	enum { N = 20000 };
	char src[512], err[1024] = "";
	snprintf(src, sizeof(src),
		 "tracepoint:syscalls:sys_enter_getppid /pid == %d/ {\n"
		 "  @c = count(); @s = sum(3); @h = hist(5); @a = avg(4);\n"
		 "  @mn = min(cpu == 0 ? 1000 : 2000);\n"
		 "  @mx = max(cpu == 0 ? -1000 : -2000); }",
		 getpid());
	struct bt_program *p = btt__start(src, err, sizeof(err));
	CHECKF(p != NULL, "%s", err);
	if (!p)
		return;
	int c = bt_object__find_map(p->obj, "@c");
	CHECK(c >= 0 && p->obj->maps[c].type == BPF_MAP_TYPE_PERCPU_HASH);
	int cpus = btt__burst_cpus(N);
	const char *out = btt__end(p);
	char want[128];
	snprintf(want, sizeof(want), "@c: %d\n", cpus * N);
	CHECKF(strstr(out, want), "%s, want %s", out, want);
	snprintf(want, sizeof(want), "@s: %d\n", 3 * cpus * N);
	CHECKF(strstr(out, want), "%s, want %s", out, want);
	snprintf(want, sizeof(want), " %d |@", cpus * N);
	CHECKF(strstr(out, "[4, 8) ") && strstr(out, want), "%s, want %s", out,
	       want);
	CHECKF(strstr(out, "@a: 4\n"), "%s", out);
	/* CPU 1's slot (or nobody's) never holds 0 as a min or max. */
	CHECKF(strstr(out, "@mn: 1000\n"), "%s", out);
	CHECKF(strstr(out, "@mx: -1000\n"), "%s", out);
}

TT_MAIN("bpf/map_read", TT_CASE(percpu_counts_and_histograms_add_up),
	TT_CASE(percpu_min_max_only_over_cpus_that_fired),
	TT_CASE(percpu_batches_fold_every_entry),
	TT_CASE(plain_maps_read_unchanged),
	TT_CASE(aggregations_are_percpu_and_exact))
