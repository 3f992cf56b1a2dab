/*
 * bench-kernel - the compiler's kernel-type front door, side by side with
 * libbpf (what bpftrace and most loaders use), same run:
 *
 *   btf_ready   open the kernel's BTF and answer a typical program's
 *               questions: struct task_struct and its real_parent, struct
 *               sock_common's skc_dport (through anonymous members), the
 *               enum constant TCP_ESTABLISHED and the function
 *               tcp_retransmit_skb. tracetab: bt_btf__open; anchor:
 *               btf__parse_raw plus the equivalent libbpf lookups.
 *
 * Median of RUNS, CPU time of this process (the machine is shared; wall
 * time would mostly measure the neighbours).
 * Lines: "bench kernel.<figure> <value> <unit>" and the ratio (> 1: tracetab
 * is faster).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <bpf/btf.h>

#include "bpf/btf.h"

#define RUNS 9
#define VMLINUX "/sys/kernel/btf/vmlinux"

static double cpu_ms(void)
{
	struct timespec t;

	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t);
	return t.tv_sec * 1e3 + t.tv_nsec / 1e6;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

/* tracetab: returns the number of answers found (5 when all are). */
static int ours(void)
{
	struct bt_btf *b;
	struct bt_btf_member m;
	uint32_t id;
	int64_t v;
	int found = 0;

	if (bt_btf__open(VMLINUX, &b, NULL, 0))
		return -1;
	found += !bt_btf__lookup(b, "struct task_struct", &id, NULL, 0);
	found += !bt_btf__member(b, id, "real_parent", &m, NULL, 0);
	found += !bt_btf__lookup(b, "struct sock_common", &id, NULL, 0) &&
		 !bt_btf__member(b, id, "skc_dport", &m, NULL, 0);
	found += !bt_btf__enum_value(b, "TCP_ESTABLISHED", &v, NULL);
	found += !bt_btf__func(b, "tcp_retransmit_skb", &id, NULL, 0);
	bt_btf__free(b);
	return found;
}

/* Member by name through anonymous members, with libbpf's helpers. */
static bool lb_member(const struct btf *btf, __u32 id, const char *name)
{
	const struct btf_type *t = btf__type_by_id(btf, id);
	const struct btf_member *m = btf_members(t);

	for (int i = 0; i < btf_vlen(t); i++, m++) {
		const char *mn = btf__name_by_offset(btf, m->name_off);
		const struct btf_type *mt;
		__u32 mid = m->type;

		if (*mn) {
			if (!strcmp(mn, name))
				return true;
			continue;
		}
		mt = btf__type_by_id(btf, mid);
		if (btf_is_composite(mt) && lb_member(btf, mid, name))
			return true;
	}
	return false;
}

/* Enum constant by name: libbpf has no index, so scan the enums. */
static bool lb_enum(const struct btf *btf, const char *name)
{
	for (__u32 id = 1; id < btf__type_cnt(btf); id++) {
		const struct btf_type *t = btf__type_by_id(btf, id);

		if (!btf_is_enum(t))
			continue;
		for (int i = 0; i < btf_vlen(t); i++)
			if (!strcmp(btf__name_by_offset(
					    btf, btf_enum(t)[i].name_off),
				    name))
				return true;
	}
	return false;
}

static int anchor(void)
{
	struct btf *btf = btf__parse_raw(VMLINUX);
	int id, found = 0;

	if (!btf)
		return -1;
	id = btf__find_by_name_kind(btf, "task_struct", BTF_KIND_STRUCT);
	found += id > 0;
	found += id > 0 && lb_member(btf, id, "real_parent");
	id = btf__find_by_name_kind(btf, "sock_common", BTF_KIND_STRUCT);
	found += id > 0 && lb_member(btf, id, "skc_dport");
	found += lb_enum(btf, "TCP_ESTABLISHED");
	found += btf__find_by_name_kind(btf, "tcp_retransmit_skb",
					BTF_KIND_FUNC) > 0;
	btf__free(btf);
	return found;
}

int main(void)
{
	double a[RUNS], o[RUNS], t;

	for (int i = 0; i < RUNS; i++) {
		t = cpu_ms();
		if (ours() != 5) {
			fprintf(stderr,
				"bench-kernel: tracetab lookups failed\n");
			return 1;
		}
		o[i] = cpu_ms() - t;
		t = cpu_ms();
		if (anchor() != 5) {
			fprintf(stderr,
				"bench-kernel: libbpf lookups failed\n");
			return 1;
		}
		a[i] = cpu_ms() - t;
	}
	qsort(o, RUNS, sizeof(double), cmp_double);
	qsort(a, RUNS, sizeof(double), cmp_double);
	printf("bench kernel.btf_ready %.2f ms\n", o[RUNS / 2]);
	printf("bench kernel.btf_ready_libbpf %.2f ms\n", a[RUNS / 2]);
	printf("bench kernel.btf_ready ratio %.2f vs libbpf\n",
	       a[RUNS / 2] / o[RUNS / 2]);
	return 0;
}
