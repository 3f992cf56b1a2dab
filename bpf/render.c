/*
 * render.c - text for values recorded as numbers (see render.h).
 *
 * Kernel symbols come from /proc/kallsyms, read once on first use (the
 * table is only built by programs that call ksym()/kaddr()) and kept
 * sorted by address for a binary search. Root sees real addresses; for
 * other users kallsyms shows zeros, and ksym() then prints addresses.
 */
#include "bpf/render.h"

#define BT_STACK_DEPTH_MAX 127

#include <arpa/inet.h>
#include <bpf/bpf.h>
#include <pthread.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct ksym {
	uint64_t addr;
	char *name;
};

static struct ksym *ksyms;
static size_t nksyms;
static pthread_once_t ksyms_once = PTHREAD_ONCE_INIT;

static int by_addr(const void *a, const void *b)
{
	const struct ksym *x = a, *y = b;
	return x->addr < y->addr ? -1 : x->addr > y->addr;
}

static void load_ksyms(void)
{
	FILE *f = fopen("/proc/kallsyms", "r");
	if (!f)
		return;
	size_t cap = 0;
	char line[512];
	while (fgets(line, sizeof(line), f)) {
		unsigned long long addr;
		char type, name[256];
		if (sscanf(line, "%llx %c %255s", &addr, &type, name) != 3 ||
		    !addr)
			continue;
		if (nksyms == cap) {
			size_t nc = cap ? cap * 2 : 65536;
			void *p = realloc(ksyms, nc * sizeof(*ksyms));
			if (!p)
				break;
			ksyms = p;
			cap = nc;
		}
		ksyms[nksyms].addr = addr;
		ksyms[nksyms].name = strdup(name);
		if (ksyms[nksyms].name)
			nksyms++;
	}
	fclose(f);
	qsort(ksyms, nksyms, sizeof(*ksyms), by_addr);
}

static const struct ksym *ksym_find(uint64_t addr)
{
	pthread_once(&ksyms_once, load_ksyms);
	size_t lo = 0, hi = nksyms;
	while (lo < hi) { /* first symbol above addr */
		size_t mid = lo + (hi - lo) / 2;
		if (ksyms[mid].addr <= addr)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo ? &ksyms[lo - 1] : NULL;
}

static const char *ksym_name(uint64_t addr)
{
	const struct ksym *k = ksym_find(addr);
	return k ? k->name : NULL;
}

void bt_render__stack(int stack_fd, const struct bt_type *t, int64_t id,
		      int indent, char *buf, size_t len)
{
	uint64_t ips[BT_STACK_DEPTH_MAX] = { 0 };
	size_t o = 0;
	buf[0] = 0;
	if (id < 0 || stack_fd < 0 ||
	    bpf_map_lookup_elem(stack_fd, &(uint32_t){ (uint32_t)id }, ips)) {
		snprintf(buf, len, "\n%*s[unknown stack]\n", indent, "");
		return;
	}
	o += (size_t)snprintf(buf, len, "\n");
	for (int i = 0; i < BT_STACK_DEPTH_MAX && ips[i] && o < len; i++) {
		if (t->depth && i >= t->depth)
			break;
		const struct ksym *k = t->render == BT_RENDER_KSTACK
					       ? ksym_find(ips[i])
					       : NULL;
		if (k)
			o += (size_t)snprintf(buf + o, len - o, "%*s%s+%llu\n",
					      indent, "", k->name,
					      (unsigned long long)(ips[i] -
								   k->addr));
		else
			o += (size_t)snprintf(buf + o, len - o, "%*s0x%llx\n",
					      indent, "",
					      (unsigned long long)ips[i]);
	}
}

uint64_t bt_render__kaddr(const char *name)
{
	pthread_once(&ksyms_once, load_ksyms);
	for (size_t i = 0; i < nksyms; i++)
		if (!strcmp(ksyms[i].name, name))
			return ksyms[i].addr;
	return 0;
}

void bt_render__value(const struct bt_type *t, const uint8_t *p, char *buf,
		      size_t len)
{
	uint64_t v;
	memcpy(&v, p, 8);
	if (t->kind == BT_T_INET) {
		if (!inet_ntop(v == 10 ? AF_INET6 : AF_INET, p + 8, buf,
			       (socklen_t)len))
			snprintf(buf, len, "?");
		return;
	}
	if (bt_render__text(NULL, t, p, buf, len))
		return;
	if (t->render == BT_RENDER_KSYM) {
		const char *n = ksym_name(v);
		if (n)
			snprintf(buf, len, "%s", n);
		else
			snprintf(buf, len, "0x%llx", (unsigned long long)v);
		return;
	}
	struct passwd pw, *res = NULL;
	char tmp[1024];
	if (getpwuid_r((uid_t)v, &pw, tmp, sizeof(tmp), &res) == 0 && res)
		snprintf(buf, len, "%s", pw.pw_name);
	else
		snprintf(buf, len, "%llu", (unsigned long long)v);
}
