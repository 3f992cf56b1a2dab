/*
 * render.c - text for values recorded as numbers (see render.h).
 *
 * Kernel symbols come from /proc/kallsyms, read once on first use (the
 * table is only built by programs that call ksym()/kaddr()) and kept
 * sorted by address for a binary search. Root sees real addresses; for
 * other users kallsyms shows zeros, and ksym() then prints addresses.
 */
#include "bpf/render.h"

#include <arpa/inet.h>
#include <bpf/bpf.h>
#include <limits.h>
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

int bt_stack__map(const struct bt_object *obj, const struct bt_type *t)
{
	uint32_t size = bt_stack__frames(t) * 8;
	for (size_t i = 0; obj && i < obj->nmaps; i++)
		if (obj->maps[i].type == BPF_MAP_TYPE_STACK_TRACE &&
		    obj->maps[i].value_size == size)
			return (int)i;
	return -1;
}

/* One frame's line at buf + *o (see bt_render__stack_of). */
static void frame(const struct bt_type *t, uint64_t ip, uint32_t pid,
		  int indent, char *buf, size_t len, size_t *o)
{
	bool perf = bt_stack__perf(t);
	char name[256], path[PATH_MAX] = "";
	uint64_t off = 0;
	bool found = false;
	if (t->render == BT_RENDER_KSTACK) {
		const struct ksym *k = ksym_find(ip);
		if (k) {
			snprintf(name, sizeof(name), "%s", k->name);
			off = ip - k->addr;
			found = true;
		}
	} else if (pid) {
		found = bt_render__usym_at(ip, pid, name, sizeof(name), &off,
					   path, sizeof(path));
	}
	unsigned long long a = (unsigned long long)ip;
	unsigned long long d = (unsigned long long)off;
	int n;
	if (!perf)
		n = found ? snprintf(buf + *o, len - *o, "%*s%s+%llu\n", indent,
				     "", name, d)
			  : snprintf(buf + *o, len - *o, "%*s0x%llx\n", indent,
				     "", a);
	else if (t->render == BT_RENDER_KSTACK)
		n = found ? snprintf(buf + *o, len - *o, "\t%llx %s+%llu\n", a,
				     name, d)
			  : snprintf(buf + *o, len - *o, "\t%llx 0x%llx\n", a,
				     a);
	else
		n = found ? snprintf(buf + *o, len - *o,
				     "\t%llx %s+%llu (%s)\n", a, name, d, path)
			  : snprintf(buf + *o, len - *o,
				     "\t%llx 0x%llx ([unknown])\n", a, a);
	*o += n < 0 ? 0 : (size_t)n;
	if (*o >= len)
		*o = len - 1;
}

/* Frames of stack id from stack_fd; pid names user frames (0: none). */
static void stack_text(int stack_fd, const struct bt_type *t, int64_t id,
		       uint32_t pid, int indent, char *buf, size_t len)
{
	uint64_t ips[BT_STACK_DEPTH] = { 0 };
	unsigned frames = bt_stack__frames(t);
	size_t o = 0;
	if (!len)
		return;
	buf[0] = 0;
	/* No stack (a kernel thread's ustack) or one gone from the map:
	 * empty text, as bpftrace 0.17 prints it. */
	if (id < 0 || stack_fd < 0 ||
	    bpf_map_lookup_elem(stack_fd, &(uint32_t){ (uint32_t)id }, ips))
		return;
	o += (size_t)snprintf(buf, len, "\n");
	for (unsigned i = 0; i < frames && ips[i] && o + 1 < len; i++)
		frame(t, ips[i], pid, indent, buf, len, &o);
}

void bt_render__stack_of(const struct bt_object *obj, const struct bt_type *t,
			 const uint8_t *p, int indent, char *buf, size_t len)
{
	int m = bt_stack__map(obj, t);
	int64_t id;
	uint64_t pid = 0;
	memcpy(&id, p, 8);
	if (t->render == BT_RENDER_USTACK && t->size >= 16)
		memcpy(&pid, p + 8, 8);
	stack_text(m >= 0 ? obj->maps[m].fd : -1, t, id, (uint32_t)pid,
		   indent, buf, len);
}

void bt_render__stack(int stack_fd, const struct bt_type *t, int64_t id,
		      int indent, char *buf, size_t len)
{
	struct bpf_map_info info = { 0 };
	uint32_t ilen = sizeof(info);
	/* A map of another depth holds other stacks under the same ids:
	 * say so rather than print a stranger's frames. */
	if (stack_fd >= 0 && !bpf_obj_get_info_by_fd(stack_fd, &info, &ilen) &&
	    info.value_size != bt_stack__frames(t) * 8) {
		snprintf(buf, len, "\n%*s[stack of another depth]\n", indent,
			 "");
		return;
	}
	stack_text(stack_fd, t, id, 0, indent, buf, len);
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
		else /* C++'s showbase, as bpftrace: 0 has no 0x */
			snprintf(buf, len, v ? "0x%llx" : "%llu",
				 (unsigned long long)v);
		return;
	}
	struct passwd pw, *res = NULL;
	char tmp[1024];
	if (getpwuid_r((uid_t)v, &pw, tmp, sizeof(tmp), &res) == 0 && res)
		snprintf(buf, len, "%s", pw.pw_name);
	else
		snprintf(buf, len, "%llu", (unsigned long long)v);
}
