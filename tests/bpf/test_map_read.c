/*
 * test_map_read.c - the one reader of user map entries (bpf/map_read.c)
 * on real kernel maps: per-CPU slots written through the syscall (one per
 * possible CPU) fold into the language's value by kind, min/max only over
 * CPUs that recorded one; plain maps read unchanged; zero clears every
 * CPU.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "bpf/object.h"
#include "tests/tt_test.h"

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
		slots[2 * c] = (uint64_t)c + 1;      /* count */
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

TT_MAIN("bpf/map_read", TT_CASE(percpu_counts_and_histograms_add_up),
	TT_CASE(percpu_min_max_only_over_cpus_that_fired),
	TT_CASE(plain_maps_read_unchanged))
