/*
 * bt-run - compile, load and attach a bpftrace program and print its
 * printf rows verbatim (as bpftrace does) until a count, a timeout, exit()
 * or SIGINT;
 * then run END and print the maps. A developer tool and the harness of
 * the compiler's integration tests.
 *
 *   bt-run PROGRAM.bt | -e 'text' [-c COUNT] [-t TIMEOUT_S] [--table]
 *          [--table-mode] [--quiet] [--unsafe] [--] [ARG...]
 *
 *   ARG...        positional parameters $1, $2, ... (after the program) *
 *   --table       print rows as column=value pairs (schema names)
 *   --table-mode  compile with the daemon's printf -> table rules
 *   --unsafe      allow signal(), system() and override() (bpftrace's
 *                 --unsafe)
 *   --quiet       decode rows but print nothing; at the end print
 *                 "bt-run: rows N lost L" to stderr (benchmarks)
 *
 * Exit codes: 0 success, 1 compile/load/attach error, 2 usage error.
 * Compile warnings (bt_program__warning) and probes skipped as bpftrace
 * skips them (uprobes on functions a library lacks) are warnings on
 * stderr, "FILE:LINE:COL: warning: ..."; the rest attach.
 * The line "READY" goes to stderr once the probes are attached, so that
 * tests know when to start generating events.
 */
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "tracetab/bt.h"

static volatile sig_atomic_t stop;

static void on_signal(int sig)
{
	(void)sig;
	stop = 1;
}

struct run {
	struct bt_program *prog;
	long count, seen;
	bool table, quiet;
	bool finishing; /* END is running: its rows print after exit() */
};

/*
 * The schema a row follows: its table's in table mode (none for a banner
 * printf, which prints verbatim), else the first printf's (--table-mode
 * only; --table always compiles in table mode).
 */
static const struct tt_schema *row_schema(struct run *r,
					  const struct bt_row *row)
{
	int t = bt_program__row_table(r->prog, row->printf_id);
	if (t >= 0)
		return bt_program__table_schema(r->prog, (size_t)t);
	return bt_program__ntables(r->prog) ? NULL
					    : bt_program__schema(r->prog);
}

static void print_table_row(struct run *r, const struct bt_row *row)
{
	const struct tt_schema *s = row_schema(r, row);
	if (!s) {
		char buf[4096];
		bt_program__format_row(r->prog, row, buf, sizeof(buf));
		fputs(buf, stdout);
		return;
	}
	for (uint32_t i = 0; i < s->ncols; i++) {
		const union tt_value *v = &row->values[i];
		printf("%s%s=", i ? " " : "", s->cols[i].name);
		switch (s->cols[i].type) {
		case TT_TYPE_STRING:
			printf("%.*s", (int)v->str.len, v->str.ptr);
			break;
		case TT_TYPE_INT64:
			printf("%lld", (long long)v->i64);
			break;
		default:
			printf("%llu", (unsigned long long)v->u64);
		}
	}
	putchar('\n');
}

static int on_row(void *ctx, const struct bt_row *row)
{
	struct run *r = ctx;
	/*
	 * As in bpftrace, nothing the probes emit after exit() is printed:
	 * records are decoded in order, so rows before the exit record
	 * still print and rows other events queued behind it do not.
	 */
	if (bt_program__exited(r->prog) && !r->finishing)
		return 0;
	if (r->count && r->seen >= r->count)
		return 0;
	r->seen++;
	if (r->quiet)
		return 0;
	if (r->table) {
		print_table_row(r, row);
	} else {
		/*
		 * Verbatim, as bpftrace prints: a format without a newline
		 * continues on the same line (execsnoop's printf + join).
		 */
		char buf[4096];
		bt_program__format_row(r->prog, row, buf, sizeof(buf));
		fputs(buf, stdout);
	}
	return 0;
}

static char *read_file(const char *path)
{
	FILE *f = fopen(path, "r");
	if (!f)
		return NULL;
	size_t cap = 4096, n = 0;
	char *b = malloc(cap);
	while (b) {
		size_t k = fread(b + n, 1, cap - n - 1, f);
		n += k;
		if (k == 0)
			break;
		if (n + 1 == cap) {
			char *p = realloc(b, cap * 2);
			if (!p) {
				free(b);
				b = NULL;
				break;
			}
			b = p;
			cap *= 2;
		}
	}
	fclose(f);
	if (b)
		b[n] = 0;
	return b;
}

static int usage(void)
{
	fprintf(stderr, "usage: bt-run PROGRAM.bt | -e 'program' [-c COUNT] "
			"[-t TIMEOUT_S] [--table] [--table-mode] [--quiet] "
			"[--unsafe] [--] [ARG...]\n");
	return 2;
}

static double now_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int fail(struct bt_diags *d, const char *src, const char *file)
{
	char *msg = bt_diags__render(d, src, file);
	fputs(msg ? msg : "error\n", stderr);
	free(msg);
	return 1;
}

typedef int (*warning_fn)(const struct bt_program *prog, size_t i,
			  struct bt_diag *out);

/*
 * Prints one kind of warning as "file:line:col: warning: message": compile
 * warnings (bt_program__warning) and probes skipped as bpftrace 0.17
 * skips them without a word (bt_program__skipped), so that nothing the
 * program does not do goes unsaid.
 */
static void warn(const struct bt_program *prog, warning_fn get,
		 const char *file)
{
	struct bt_diag d;

	for (size_t i = 0; get(prog, i, &d) == 0; i++) {
		if (d.line > 0)
			fprintf(stderr, "%s:%d:%d: warning: %s\n", file,
				d.line, d.col, d.msg);
		else
			fprintf(stderr, "%s: warning: %s\n", file, d.msg);
	}
}

static int loop(struct run *r, double timeout)
{
	double end = timeout > 0 ? now_s() + timeout : 0;
	struct pollfd pfd = { .fd = bt_program__ring_fd(r->prog),
			      .events = POLLIN };
	while (!stop) {
		/* Wake-ups are batched in BPF: poll on a short timer too. */
		poll(&pfd, 1, 10);
		int rc = bt_program__consume(r->prog, on_row, r);
		if (rc < 0)
			return rc;
		fflush(stdout);
		if (bt_program__exited(r->prog))
			break;
		if (r->count && r->seen >= r->count)
			break;
		if (end && now_s() >= end)
			break;
	}
	return 0;
}

int main(int argc, char **argv)
{
	const char *text = NULL, *file = NULL;
	struct run r = { 0 };
	double timeout = 0;
	bool table_mode = false, unsafe = false;
	const char *const *pos = NULL;
	size_t npos = 0;
	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "-e") && i + 1 < argc)
			text = argv[++i];
		else if (!strcmp(argv[i], "-c") && i + 1 < argc)
			r.count = atol(argv[++i]);
		else if (!strcmp(argv[i], "-t") && i + 1 < argc)
			timeout = atof(argv[++i]);
		else if (!strcmp(argv[i], "--table"))
			/*
			 * Rows as name=value need each format's own schema,
			 * which only table mode gives (it printed every row
			 * with the first printf's columns).
			 */
			r.table = table_mode = true;
		else if (!strcmp(argv[i], "--table-mode"))
			table_mode = true;
		else if (!strcmp(argv[i], "--quiet"))
			r.quiet = true;
		else if (!strcmp(argv[i], "--unsafe"))
			unsafe = true;
		else if (!strcmp(argv[i], "--")) {
			pos = (const char *const *)argv + i + 1;
			npos = (size_t)(argc - i - 1);
			break;
		} else if (argv[i][0] != '-' && !file && !text)
			file = argv[i];
		else if (argv[i][0] != '-' || argv[i][1] == 0 ||
			 (argv[i][1] >= '0' && argv[i][1] <= '9')) {
			/* Positional parameters follow the program. */
			pos = (const char *const *)argv + i;
			npos = (size_t)(argc - i);
			break;
		} else
			return usage();
	}
	if (!text && !file)
		return usage();
	char *src = text ? strdup(text) : read_file(file);
	if (!src) {
		fprintf(stderr, "bt-run: cannot read %s\n", file);
		return 1;
	}
	signal(SIGINT, on_signal);
	signal(SIGTERM, on_signal);
	struct bt_diags *d = bt_diags__new();
	/* 1 MiB of ring: creating 4 MiB alone takes ~20 ms here, and the
	 * batched wake-ups keep a smaller ring drained. */
	struct bt_compile_opts opts = { .sz = sizeof(opts),
					.filename = file,
					.table_mode = table_mode,
					.ringbuf_bytes = 1u << 20,
					.args = pos,
					.nargs = npos,
					.unsafe = unsafe };
	int rc = bt_program__compile(src, &opts, &r.prog, d);
	if (!rc)
		warn(r.prog, bt_program__warning, file ? file : "<program>");
	if (!rc)
		rc = bt_program__load(r.prog, d);
	if (!rc)
		rc = bt_program__attach(r.prog, d);
	if (rc) {
		int ec = fail(d, src, file ? file : "<program>");
		bt_program__free(r.prog);
		bt_diags__free(d);
		free(src);
		return ec;
	}
	warn(r.prog, bt_program__skipped, file ? file : "<program>");
	bt_program__set_output(r.prog, stdout);
	fprintf(stderr, "READY\n");
	if (!bt_program__exited(r.prog))
		loop(&r, timeout);
	r.finishing = true;
	bt_program__finish(r.prog, stdout);
	if (r.quiet)
		fprintf(stderr, "bt-run: rows %ld lost %llu\n", r.seen,
			(unsigned long long)bt_program__lost(r.prog));
	else if (bt_program__lost(r.prog))
		fprintf(stderr, "bt-run: %llu records lost\n",
			(unsigned long long)bt_program__lost(r.prog));
	bt_program__free(r.prog);
	bt_diags__free(d);
	free(src);
	return 0;
}
