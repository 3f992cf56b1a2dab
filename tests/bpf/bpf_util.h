/*
 * tests/bpf/bpf_util.h - what the compiler tests that run programs on the
 * real kernel share: take a program text through compile, load and
 * attach with its diagnostics in a caller's buffer (btt__run,
 * btt__start, btt__start_self), run END and capture what it printed
 * (btt__finish, btt__end), drain the ring buffer (btt__drain) and collect
 * rows as text (btt__append_row), find this test's own binary and define
 * uprobe targets in it (btt__self, BTT_TARGET_INT), fire syscalls from
 * two CPUs (btt__burst_cpus), find the cgroup2 mount, format inline
 * (btt__fmt). Names: btt_ (bt test), one prefix for the whole header.
 *
 * Header only (static inline), so tests need no extra object in
 * tests/bpf/module.mk. Nothing here hides a failure: every helper returns
 * the compiler's own error and leaves the verdict to the test.
 */
#ifndef BT_TEST_BPF_UTIL_H
#define BT_TEST_BPF_UTIL_H

#include <limits.h>
#include <poll.h>
#include <pthread.h>
#include <sched.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "tracetab/bt.h"

/*
 * BTT_TARGET_INT(name) - defines int name(int x), returning x + 1, as a
 * uprobe target on the test's own binary: never inlined, its argument
 * forced into a register and its body opaque to the optimizer, so every
 * call enters the symbol with arg0 == x and returns retval == x + 1.
 */
#define BTT_TARGET_INT(name)                                   \
	__attribute__((noinline)) int name(int x)              \
	{                                                      \
		__asm__ volatile("" ::"r"(x) : "memory");      \
		return x + 1;                                  \
	}

/* How far btt__run takes a program. */
enum btt_stage { BTT_COMPILE, BTT_LOAD, BTT_ATTACH };

/* How btt__run compiles and reports (zeroed: default options, compile
 * only, first diagnostic). */
struct btt_run {
	const struct bt_compile_opts *opts; /* NULL: the defaults */
	FILE *out; /* non-NULL: bt_program__set_output before loading */
	enum btt_stage upto; /* the last stage to run */
	/*
	 * false: errbuf gets "line:col: msg" of the first diagnostic
	 * whenever there is one (a warning too, on success);
	 * true: errbuf gets the rendered diagnostics, on failure only.
	 */
	bool render;
};

/* Writes the diagnostics into errbuf as r->render asks ("" if none). */
static inline void btt__diag_text(const struct btt_run *r, int rc,
				  const struct bt_diags *d, const char *src,
				  char *errbuf, size_t errlen)
{
	errbuf[0] = 0;
	if (r->render) {
		if (!rc)
			return;
		char *m = bt_diags__render(d, src, "test");
		snprintf(errbuf, errlen, "%s", m ? m : "?");
		free(m);
	} else if (bt_diags__count(d)) {
		const struct bt_diag *g = bt_diags__get(d, 0);
		snprintf(errbuf, errlen, "%d:%d: %s", g->line, g->col, g->msg);
	}
}

/*
 * btt__run - compiles src and runs the stages up to r->upto.
 * On success stores the program in *out (freed instead when out is NULL)
 * and returns 0; on failure frees it, leaves *out untouched and returns
 * the negative errno of the failing stage. errbuf (errlen > 0) always
 * holds the diagnostics text r asks for.
 */
static inline int btt__run(const char *src, const struct btt_run *r,
			   struct bt_program **out, char *errbuf,
			   size_t errlen)
{
	struct bt_diags *d = bt_diags__new();
	struct bt_program *p = NULL;
	int rc = bt_program__compile(src, r->opts, &p, d);

	if (!rc && r->out)
		bt_program__set_output(p, r->out);
	if (!rc && r->upto >= BTT_LOAD)
		rc = bt_program__load(p, d);
	if (!rc && r->upto >= BTT_ATTACH)
		rc = bt_program__attach(p, d);
	btt__diag_text(r, rc, d, src, errbuf, errlen);
	bt_diags__free(d);
	if (out && !rc)
		*out = p;
	else
		bt_program__free(p);
	return rc;
}

/*
 * btt__start - compiles, loads and attaches src with the default options.
 * Returns the attached program, or NULL on failure. errbuf gets
 * "line:col: msg" of the first diagnostic, if any, either way.
 */
static inline struct bt_program *btt__start(const char *src, char *errbuf,
					    size_t errlen)
{
	const struct btt_run r = { .upto = BTT_ATTACH };
	struct bt_program *p = NULL;

	return btt__run(src, &r, &p, errbuf, errlen) ? NULL : p;
}

/*
 * btt__finish - runs END of p (bt_program__finish) and captures what it
 * printed into buf (cap bytes, always NUL-terminated, cut at cap - 1).
 * Does not free p. Returns buf.
 */
static inline const char *btt__finish(struct bt_program *p, char *buf,
				      size_t cap)
{
	memset(buf, 0, cap);
	FILE *f = fmemopen(buf, cap - 1, "w");
	if (!f)
		return buf;
	bt_program__finish(p, f);
	fclose(f);
	return buf;
}

/*
 * btt__end - runs END of p, frees p and returns what END printed, in a
 * static buffer (8192 bytes) that the next call overwrites.
 */
static inline const char *btt__end(struct bt_program *p)
{
	static char out[8192];

	btt__finish(p, out, sizeof(out));
	bt_program__free(p);
	return out;
}

/*
 * btt__drain - feeds p's rows to fn(ctx, row), polling the ring buffer
 * every 10 ms for 3 s at most, until *n (the count fn keeps) reaches want;
 * with want 0 and until_exit, until the program has called exit(). A last
 * consume at the end picks up rows that arrived meanwhile. Rows that come
 * later are the test's business (it sees *n).
 */
static inline void btt__drain(struct bt_program *p, bt_row_fn fn, void *ctx,
			      const int *n, int want, bool until_exit)
{
	struct pollfd pfd = { .fd = bt_program__ring_fd(p), .events = POLLIN };

	for (int i = 0; i < 300; i++) {
		bt_program__consume(p, fn, ctx);
		if (*n >= want &&
		    (want || !until_exit || bt_program__exited(p)))
			break;
		poll(&pfd, 1, 10);
	}
	bt_program__consume(p, fn, ctx);
}

/* What btt__append_row has collected: p's rows as printf prints them. */
struct btt_text {
	const struct bt_program *p; /* set before consuming */
	char out[8192]; /* NUL-terminated; rows that do not fit are dropped */
	size_t len;
};

/*
 * btt__append_row - a bt_row_fn appending row, formatted as bpftrace's
 * printf prints it, to the struct btt_text ctx. Returns 0 (keep going).
 */
static inline int btt__append_row(void *ctx, const struct bt_row *row)
{
	struct btt_text *t = ctx;
	int n = bt_program__format_row(t->p, row, t->out + t->len,
				       sizeof(t->out) - t->len);

	if (n > 0 && t->len + (size_t)n < sizeof(t->out))
		t->len += (size_t)n;
	return 0;
}

/* A burst of getppid calls from one CPU (for per-CPU map tests). */
struct btt_burst {
	int cpu; /* the CPU the thread is pinned to */
	int n; /* how many getppid calls it makes */
};

/*
 * btt__burst_run - pthread start routine: pins the calling thread to the
 * struct btt_burst arg's CPU (best effort) and makes its getppid calls.
 * Returns NULL.
 */
static inline void *btt__burst_run(void *arg)
{
	struct btt_burst *b = arg;
	cpu_set_t set;

	CPU_ZERO(&set);
	CPU_SET(b->cpu, &set);
	pthread_setaffinity_np(pthread_self(), sizeof(set), &set);
	for (int i = 0; i < b->n; i++)
		syscall(SYS_getppid);
	return NULL;
}

/*
 * btt__burst_cpus - makes n getppid calls from each of two threads pinned
 * to CPUs 0 and 1 at the same time (one thread on a one-CPU machine) and
 * waits for them. Returns how many threads ran, so that the expected
 * totals are that number times n.
 */
static inline int btt__burst_cpus(int n)
{
	int want = sysconf(_SC_NPROCESSORS_ONLN) > 1 ? 2 : 1, ran = 0;
	struct btt_burst b[2] = { { 0, n }, { 1, n } };
	pthread_t t[2];

	for (int i = 0; i < want; i++)
		if (!pthread_create(&t[ran], NULL, btt__burst_run, &b[i]))
			ran++;
	for (int i = 0; i < ran; i++)
		pthread_join(t[i], NULL);
	return ran;
}

/*
 * btt__cgroup2_mount - finds where the cgroup2 hierarchy is mounted (the
 * first cgroup2 line of /proc/mounts) and writes it into path (len bytes).
 * Returns true if found, false if not (path is then untouched).
 */
static inline bool btt__cgroup2_mount(char *path, size_t len)
{
	FILE *f = fopen("/proc/mounts", "r");
	char dev[64], mnt[256], type[64];
	bool found = false;

	while (f && !found &&
	       fscanf(f, "%63s %255s %63s %*[^\n]", dev, mnt, type) == 3)
		if (!strcmp(dev, "cgroup2") && !strcmp(type, "cgroup2")) {
			snprintf(path, len, "%s", mnt);
			found = true;
		}
	if (f)
		fclose(f);
	return found;
}

/*
 * btt__self - the absolute path of this test's binary (for uprobes and
 * USDT probes on its own functions), resolved once. Returns NULL if
 * /proc/self/exe cannot be resolved.
 */
static inline const char *btt__self(void)
{
	static char self[PATH_MAX];

	if (!self[0] && !realpath("/proc/self/exe", self))
		return NULL;
	return self;
}

/*
 * btt__start_self - btt__start on fmt with each of its (at most four) %s
 * replaced by this test's binary, for probes on the test's own functions.
 * NULL with errbuf set when the binary cannot be found.
 */
static inline struct bt_program *btt__start_self(const char *fmt,
						 char *errbuf, size_t errlen)
{
	char src[4 * PATH_MAX + 4096];
	const char *self = btt__self();

	if (!self) {
		snprintf(errbuf, errlen, "cannot resolve /proc/self/exe");
		return NULL;
	}
	snprintf(src, sizeof(src), fmt, self, self, self, self);
	return btt__start(src, errbuf, errlen);
}

/*
 * btt__fmt - printf into a static buffer (4096 bytes, cut there) for
 * building program texts and expected lines inline. Returns the buffer,
 * overwritten by the next call.
 */
static inline char *btt__fmt(const char *f, ...)
	__attribute__((format(printf, 1, 2)));
static inline char *btt__fmt(const char *f, ...)
{
	static char buf[4096];
	va_list ap;

	va_start(ap, f);
	vsnprintf(buf, sizeof(buf), f, ap);
	va_end(ap);
	return buf;
}

#endif /* BT_TEST_BPF_UTIL_H */
