/*
 * bench/maps.c - bench group "maps": what a map snapshot costs.
 *
 * A map keyed by (pid, comm) is filled with N entries from user space
 * (a per-CPU count map, then a plain value map), then read N_ROUNDS times
 * two ways, side by side in one run:
 *   tracetab   bt_program__map_snapshot() appending every row to a store
 *              table (what the daemon does every map_interval);
 *   anchor     the same map printed as text in bpftrace's print() format
 *              to /dev/null (what bt-run, like bpftrace, does per print).
 * Needs root (creates BPF maps). Prints `bench maps.*` lines.
 */
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "bpf/object.h"
#include "tracetab/bt.h"
#include "tracetab/store.h"

#define N_ROUNDS 20

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int append(void *ctx, const union tt_value *row)
{
	return tt_table__append(ctx, row) < 0 ? -1 : 0;
}

/* Fills the first map of prog with n distinct (pid, comm) keys; per-CPU
 * maps get the value on CPU 0. */
static int fill(struct bt_program *prog, uint32_t n)
{
	const struct bt_map_def *m = &prog->obj->maps[BT_MAP_USER];
	int ncpu = bt_map__percpu(m) ? libbpf_num_possible_cpus() : 1;
	size_t stride = ((size_t)bt_map__slot_size(m) + 7) & ~(size_t)7;
	uint8_t key[256] = {0};
	uint64_t *val = calloc(ncpu > 0 ? (size_t)ncpu : 1, stride);
	int rc = val && ncpu > 0 ? 0 : -1;

	for (uint32_t i = 0; rc == 0 && i < n; i++) {
		uint64_t pid = 1000 + i;

		val[0] = i + 1;
		val[1] = 1; /* min/max "set" word; padding otherwise */
		memset(key, 0, sizeof(key));
		memcpy(key + m->key.tuple->off[0], &pid, 8);
		snprintf((char *)key + m->key.tuple->off[1], 16, "task-%u", i);
		if (bpf_map_update_elem(m->fd, key, val, BPF_ANY) < 0)
			rc = -1;
	}
	free(val);
	return rc;
}

static int run(const char *what, const char *src, uint32_t n)
{
	struct bt_compile_opts o = {
		.sz = sizeof(o), .table_mode = true, .ringbuf_bytes = 4096};
	struct bt_diags *d = bt_diags__new();
	struct bt_program *prog = NULL;
	struct tt_table_opts to = {.sz = sizeof(to),
				   .max_bytes = 256 << 20,
				   .group = (gid_t)-1,
				   .replace = true};
	struct tt_table *t = NULL;
	struct tt_schema s;
	char dir[] = "/dev/shm/tt-bench-maps.XXXXXX", err[256], cmd[64];
	double t0, tt = 0, ta = 0;
	FILE *null = fopen("/dev/null", "w");
	int rc = -1;

	if (!mkdtemp(dir) || !null || bt_program__compile(src, &o, &prog, d) ||
	    bt_program__load(prog, d) || fill(prog, n) ||
	    bt_program__map_schema(prog, 0, src, &s) ||
	    tt_table__open(dir, "calls", &s, &to, &t, err, sizeof(err)))
		goto out;
	for (int r = 0; r < N_ROUNDS; r++) {
		t0 = now_s();
		if (bt_program__map_snapshot(prog, 0, 1, append, t) != (int)n)
			goto out;
		tt += now_s() - t0;
		t0 = now_s();
		bt_maps__print_one(prog->obj, &prog->obj->maps[BT_MAP_USER],
				   null, 0, 0);
		fflush(null);
		ta += now_s() - t0;
	}
	printf("bench maps.snapshot_%s_%u_keys %.3f ms\n", what, n,
	       tt / N_ROUNDS * 1e3);
	printf("bench maps.snapshot_%s_row %.0f ns\n", what,
	       tt / N_ROUNDS / n * 1e9);
	printf("bench maps.text_print_%s_%u_keys %.3f ms\n", what, n,
	       ta / N_ROUNDS * 1e3);
	printf("bench maps.snapshot_%s_%u_keys ratio %.2f vs "
	       "bpftrace_format_print\n",
	       what, n, ta / tt);
	rc = 0;
out:
	if (rc)
		fprintf(stderr, "bench-maps: setup failed (root needed) %s\n",
			err);
	tt_table__close(t);
	bt_program__free(prog);
	bt_diags__free(d);
	if (null)
		fclose(null);
	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	if (system(cmd) != 0)
		rc = -1;
	return rc;
}

int main(void)
{
	/* count(): a per-CPU map, read in batches and folded per CPU. */
	int rc = run("count",
		     "tracepoint:syscalls:sys_enter_getppid "
		     "{ @calls[pid, comm] = count(); }",
		     4096);
	/* Plain values: a hash map read in batches. */
	rc |= run("value",
		  "tracepoint:syscalls:sys_enter_getppid "
		  "{ @last[pid, comm] = nsecs; }",
		  4096);
	return rc ? 1 : 0;
}
