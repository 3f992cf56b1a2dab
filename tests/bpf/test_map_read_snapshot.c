/*
 * test_map_read_snapshot.c - per-CPU maps snapshotted as table rows
 * (bt_program__map_snapshot, which reads them in BPF_MAP_LOOKUP_BATCH
 * batches through bt_map__lookup_batch) fold every CPU exactly like the
 * key-by-key reader bt_map__lookup: counts, avg and histogram buckets add
 * up, min ignores CPUs that never fired. Maps hold more keys than one
 * batch, so several batches and their cursor are exercised; a real
 * program hit from two pinned CPUs on one key snapshots exact totals.
 */
#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "bpf/object.h"
#include "tests/bpf/bpf_util.h"
#include "tests/tt_test.h"
#include "tracetab/bt.h"

/* More than one batch (map_rows.c reads 256 entries per call). */
#define NKEYS 1000

static char errbuf[1024];

static struct bt_program *load(const char *src, bool attach)
{
	struct bt_compile_opts o = {
		.sz = sizeof(o), .table_mode = true, .ringbuf_bytes = 4096};
	const struct btt_run r = {.opts = &o,
				  .upto = attach ? BTT_ATTACH : BTT_LOAD};
	struct bt_program *p = NULL;

	return btt__run(src, &r, &p, errbuf, sizeof(errbuf)) ? NULL : p;
}

/* The exported index of map @name, or -1. */
static int map_of(struct bt_program *p, const char *name)
{
	for (size_t i = 0; i < bt_program__nmaps(p); i++)
		if (!strcmp(bt_program__map_name(p, i), name))
			return (int)i;
	return -1;
}

static const struct bt_map_def *def_of(struct bt_program *p, const char *name)
{
	char at[64];

	snprintf(at, sizeof(at), "@%s", name);
	int m = bt_object__find_map(p->obj, at);
	return m < 0 ? NULL : &p->obj->maps[m];
}

/* Rows of a snapshot: key, the first value columns, how often seen. */
struct rows {
	size_t n, ncols;
	int64_t key[NKEYS], v[NKEYS][3];
	unsigned seen[NKEYS];
	bool bad;
};

static int collect(void *ctx, const union tt_value *row)
{
	struct rows *r = ctx;
	int64_t k = row[0].i64;

	if (r->n == NKEYS || k < 1 || k > NKEYS) {
		r->bad = true;
		return -E2BIG;
	}
	r->key[r->n] = k;
	for (size_t c = 0; c < r->ncols; c++)
		r->v[r->n][c] = row[1 + c].i64;
	r->seen[k - 1]++;
	r->n++;
	return 0;
}

/*
 * Writes keys 1..NKEYS into the per-CPU map m, CPU c's slot of word w
 * holding slot(key, c, w); slot() returning -1 leaves the word 0.
 */
static int fill(const struct bt_map_def *m,
		int64_t (*slot)(uint64_t key, int cpu, size_t word))
{
	int ncpu = libbpf_num_possible_cpus();
	size_t stride = ((size_t)bt_map__slot_size(m) + 7) & ~(size_t)7;
	int64_t *v = calloc((size_t)ncpu, stride);
	int rc = v ? 0 : -ENOMEM;

	for (uint64_t key = 1; rc == 0 && key <= NKEYS; key++) {
		for (int c = 0; c < ncpu; c++)
			for (size_t w = 0; w < stride / 8; w++)
				v[c * stride / 8 + w] = slot(key, c, w);
		rc = bpf_map_update_elem(m->fd, &key, v, BPF_ANY) ? -errno : 0;
	}
	free(v);
	return rc;
}

/* count/avg: every word different on every CPU. */
static int64_t spread(uint64_t key, int cpu, size_t word)
{
	return (int64_t)(key * 1000 + (uint64_t)cpu * 10 + word);
}

/* min: only even CPUs fired (value then "set" word); odd ones hold 0. */
static int64_t even_cpus(uint64_t key, int cpu, size_t word)
{
	if (cpu % 2)
		return 0;
	return word == 0 ? (int64_t)key * 100 - cpu : 1;
}

/* hist: bucket key % 8 counts key + cpu on every CPU, the rest empty. */
static int64_t one_bucket(uint64_t key, int cpu, size_t word)
{
	return word == key % 8 ? (int64_t)(key + (uint64_t)cpu) : 0;
}

/* Snapshot of @name after filling it; checks every key came once. */
static void snapshot(struct bt_program *p, const char *name,
		     int64_t (*slot)(uint64_t, int, size_t), size_t ncols,
		     struct rows *r)
{
	const struct bt_map_def *m = def_of(p, name);
	int i = map_of(p, name);

	memset(r, 0, sizeof(*r));
	r->ncols = ncols;
	CHECKF(m && i >= 0, "no map @%s", name);
	CHECK(bt_map__percpu(m));
	CHECK_INT(fill(m, slot), 0);
	CHECK_INT(bt_program__map_snapshot(p, (size_t)i, 5, collect, r), NKEYS);
	CHECK(!r->bad);
	for (size_t k = 0; k < NKEYS; k++)
		CHECKF(r->seen[k] == 1, "@%s key %zu seen %u times", name,
		       k + 1, r->seen[k]);
}

TT_TEST(percpu_snapshot_folds_like_lookup)
{
	if (geteuid() != 0)
		SKIP("needs root to create BPF maps");
	struct bt_program *p =
		load("tracepoint:syscalls:sys_enter_getppid /pid == 0/ {"
		     " @c[pid] = count(); @mn[pid] = min(pid);"
		     " @a[pid] = avg(pid); @h[pid] = hist(pid); }",
		     false);
	CHECKF(p, "%s", errbuf);
	int ncpu = libbpf_num_possible_cpus();
	uint64_t cpus = (uint64_t)ncpu * ((uint64_t)ncpu - 1) / 2;
	static struct rows r;

	snapshot(p, "c", spread, 1, &r);
	if (tt_test__state)
		goto out;
	for (size_t e = 0; e < r.n; e++) {
		uint64_t k = (uint64_t)r.key[e], want = 0;
		CHECK_INT(bt_map__lookup(def_of(p, "c"), &k, &want), 0);
		CHECKF((uint64_t)r.v[e][0] == want &&
			       want == k * 1000 * ncpu + 10 * cpus,
		       "@c[%llu] = %lld, lookup %llu", (unsigned long long)k,
		       (long long)r.v[e][0], (unsigned long long)want);
	}
	snapshot(p, "mn", even_cpus, 1, &r);
	if (tt_test__state)
		goto out;
	int top = (ncpu - 1) / 2 * 2; /* the highest even CPU */
	for (size_t e = 0; e < r.n; e++)
		CHECKF(r.v[e][0] == r.key[e] * 100 - top, "@mn[%lld] = %lld",
		       (long long)r.key[e], (long long)r.v[e][0]);
	snapshot(p, "a", spread, 3, &r); /* count, sum, avg */
	if (tt_test__state)
		goto out;
	for (size_t e = 0; e < r.n; e++) {
		int64_t n = r.key[e] * 1000 * ncpu + 10 * (int64_t)cpus;
		CHECKF(r.v[e][0] == n && r.v[e][1] == n + ncpu &&
			       r.v[e][2] == (n + ncpu) / n,
		       "@a[%lld] = %lld,%lld,%lld", (long long)r.key[e],
		       (long long)r.v[e][0], (long long)r.v[e][1],
		       (long long)r.v[e][2]);
	}
	snapshot(p, "h", one_bucket, 3, &r); /* lo, hi, count */
	if (tt_test__state)
		goto out;
	for (size_t e = 0; e < r.n; e++)
		CHECKF(r.v[e][2] == r.key[e] * ncpu + (int64_t)cpus,
		       "@h[%lld] bucket [%lld, %lld) = %lld",
		       (long long)r.key[e], (long long)r.v[e][0],
		       (long long)r.v[e][1], (long long)r.v[e][2]);
out:
	bt_program__free(p);
}

struct one {
	int64_t v[2];
	int n;
};

static int take(void *ctx, const union tt_value *row)
{
	struct one *o = ctx;

	o->v[0] = row[1].i64;
	o->v[1] = row[2].i64;
	o->n++;
	return 0;
}

/* Two CPUs hammering one key: the snapshot holds the exact totals. */
TT_TEST(two_cpus_one_key_exact)
{
	enum { N = 20000 };
	if (geteuid() != 0)
		SKIP("needs root to load and attach BPF programs");
	char src[256];
	snprintf(src, sizeof(src),
		 "tracepoint:syscalls:sys_enter_getppid /pid == %d/ {"
		 " @c[pid] = count(); @mx[pid] = max(cpu == 0 ? -7 : -9); }",
		 getpid());
	struct bt_program *p = load(src, true);
	CHECKF(p, "%s", errbuf);
	int cpus = btt__burst_cpus(N);
	struct one c = {0}, mx = {0};
	int rc = bt_program__map_snapshot(p, (size_t)map_of(p, "c"), 1, take,
					  &c);
	int rm = bt_program__map_snapshot(p, (size_t)map_of(p, "mx"), 1, take,
					  &mx);
	bt_program__free(p);
	CHECK_INT(rc, 1);
	CHECK_INT(rm, 1);
	CHECK_INT(c.n, 1);
	CHECK_INT(c.v[0], cpus * N);
	/* CPU 1's -9 and the 0 of CPUs that never fired are not the max. */
	CHECK_INT(mx.v[0], -7);
}

TT_MAIN("bpf/map_read_snapshot", TT_CASE(percpu_snapshot_folds_like_lookup),
	TT_CASE(two_cpus_one_key_exact))
