/*
 * program.c - the bt_program API (include/tracetab/bt.h).
 *
 * bt_program__compile shows the pass order in one place:
 *     parse -> for each probe, for each expanded attach point:
 *                  sema (types) -> codegen (one BPF program)
 *           -> program-wide rules -> object
 * Loading, attaching, draining the ring buffer and the END/exit protocol
 * follow. BEGIN runs when the probes are attached; END runs in
 * bt_program__finish, after a last drain.
 */
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "bpf/attach.h"
#include "bpf/codegen.h"
#include "bpf/object.h"
#include "bpf/parser.h"
#include "bpf/probes.h"
#include "bpf/sema.h"

#define DEFAULT_RING (4u << 20)

/* Ring sizes must be a power of two and a multiple of the page size. */
static uint32_t ring_size(uint32_t want)
{
	uint32_t r = 4096;
	if (!want)
		return DEFAULT_RING;
	while (r < want && r < (1u << 30))
		r <<= 1;
	return r;
}

/* A probe kind this compiler has no entry for, said in plain words. */
static void unsupported(struct bt_sema *s, const struct bt_attach_point *ap)
{
	struct bt_features f;
	bt_features__probe(&f);
	const char *name = bt_probe_kind__name(ap->kind);
	if ((ap->kind == BT_PROBE_FENTRY || ap->kind == BT_PROBE_FEXIT) &&
	    !f.fentry)
		bt_sema__error(s, ap->line, ap->col,
			       "%s probes are not available on this kernel "
			       "(no BPF trampolines); use kprobe or a "
			       "tracepoint",
			       name);
	else
		bt_sema__error(s, ap->line, ap->col,
			       "%s probes are not supported by this compiler",
			       name);
}

/* Compiles one probe block: every attach point, expanded, is a unit. */
static int compile_probe(struct bt_sema *s, const struct bt_probe *probe)
{
	int rc = 0;
	for (size_t i = 0; i < probe->npoints; i++) {
		const struct bt_attach_point *ap = &probe->points[i];
		const struct bt_probe_info *pi = bt_probe__info(ap->kind);
		if (!pi) {
			unsupported(s, ap);
			rc = -EINVAL;
			continue;
		}
		struct bt_unit_ap *units = NULL;
		int n = pi->expand(s, ap, &units);
		if (n < 0) {
			rc = -EINVAL;
			continue;
		}
		for (int u = 0; u < n && !rc; u++) {
			rc = bt_sema__unit(s, probe, &units[u]);
			if (!rc)
				rc = bt_codegen__unit(s, probe, &units[u]);
		}
		bt_probe__free_units(units, n);
	}
	return rc;
}

static int new_object(const struct bt_compile_opts *opts,
		      struct bt_object **out)
{
	struct bt_object *obj = bt_object__new();
	if (!obj)
		return -ENOMEM;
	for (int i = 0; i < BT_MAP_USER; i++)
		if (bt_object__add_map(obj) < 0) {
			bt_object__free(obj);
			return -ENOMEM;
		}
	obj->ringbuf_bytes = ring_size(opts ? opts->ringbuf_bytes : 0);
	obj->time_col = -1;
	obj->stack_map = -1;
	*out = obj;
	return 0;
}

int bt_program__compile(const char *source, const struct bt_compile_opts *opts,
			struct bt_program **out, struct bt_diags *diags)
{
	struct bt_ast *ast = NULL;
	struct bt_object *obj = NULL;
	struct bt_sema s;
	*out = NULL;
	int rc = bt_parse(source, &ast, diags);
	if (rc < 0)
		return rc;
	rc = new_object(opts, &obj);
	if (rc < 0) {
		bt_ast__free(ast);
		return rc;
	}
	rc = bt_sema__init(&s, obj, diags, opts && opts->table_mode);
	if (opts && opts->sz >= sizeof(*opts)) {
		s.args = opts->args;
		s.nargs = opts->args ? opts->nargs : 0;
	}
	if (opts && opts->sz >= offsetof(struct bt_compile_opts, unsafe) +
					sizeof(opts->unsafe))
		s.unsafe = opts->unsafe;
	if (!rc)
		rc = bt_sema__structs(&s, ast);
	for (size_t i = 0; !rc && i < ast->nprobes; i++)
		rc = compile_probe(&s, &ast->probes[i]);
	if (!rc && ast->nprobes == 0) {
		bt_diags__add(diags, 1, 1, "the program has no probes");
		rc = -EINVAL;
	}
	if (!rc)
		rc = bt_sema__finish(&s);
	bt_sema__release(&s);
	bt_ast__free(ast);
	struct bt_program *p = rc ? NULL : calloc(1, sizeof(*p));
	if (!rc && !p)
		rc = -ENOMEM;
	if (rc) {
		if (bt_diags__count(diags) == 0)
			bt_diags__add(diags, 0, 0, "compilation failed: %s",
				      strerror(-rc));
		bt_types__free(s.types);
		bt_object__free(obj);
		return rc;
	}
	p->obj = obj;
	p->types = s.types;
	*out = p;
	return 0;
}

const struct tt_schema *bt_program__schema(const struct bt_program *prog)
{
	return &prog->obj->schema;
}

size_t bt_program__ntables(const struct bt_program *prog)
{
	return prog->obj->ntables;
}

const struct tt_schema *bt_program__table_schema(const struct bt_program *prog,
						 size_t i)
{
	return i < prog->obj->ntables ? &prog->obj->tables[i] : NULL;
}

int bt_program__row_table(const struct bt_program *prog, uint32_t printf_id)
{
	if (printf_id >= prog->obj->nprintfs)
		return -1;
	const struct bt_printf_def *pd = &prog->obj->printfs[printf_id];
	return pd->kind == BT_REC_PRINTF ? pd->table : -1;
}

int bt_program__load(struct bt_program *prog, struct bt_diags *diags)
{
	if (prog->loaded)
		return 0;
	int rc = bt_object__load(prog->obj, diags);
	if (rc < 0)
		return rc;
	prog->rb = ring_buffer__new(prog->obj->maps[BT_MAP_RINGBUF].fd,
				    bt_decode__record, prog, NULL);
	if (!prog->rb) {
		rc = -errno;
		bt_diags__add(diags, 0, 0, "cannot open the ring buffer: %s",
			      strerror(-rc));
		return rc;
	}
	prog->loaded = true;
	return 0;
}

static void set_globals(struct bt_program *prog)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	struct bt_globals g = { .start_ns = (uint64_t)ts.tv_sec * 1000000000ull +
					    (uint64_t)ts.tv_nsec };
	uint32_t key = 0;
	bpf_map_update_elem(prog->obj->maps[BT_MAP_GLOBALS].fd, &key, &g,
			    BPF_ANY);
}

static int run_kind(struct bt_program *prog, enum bt_probe_kind kind,
		    struct bt_diags *diags)
{
	for (size_t i = 0; i < prog->obj->nprogs; i++) {
		const struct bt_prog_def *p = &prog->obj->progs[i];
		if (p->unit.kind != kind)
			continue;
		int rc = bt_object__run_once(p);
		if (rc < 0) {
			if (diags)
				bt_diags__add(diags, p->line, p->col,
					      "cannot run %s: %s",
					      bt_probe_kind__name(kind),
					      strerror(-rc));
			return rc;
		}
	}
	return 0;
}

/*
 * Attaches one probe. A probe bpftrace 0.17 skips (a uprobe on a function
 * the binary lacks, a USDT probe it lacks) attaches as nothing: its hook
 * succeeds without a link and leaves the reason in err, kept in *skip so
 * that a program left with no probe can say why (bt_program__attach).
 * Returns 1 when a probe now runs, 0 when skipped, or a negative errno.
 */
static int attach_one(struct bt_prog_def *p, struct bt_diags *diags,
		      const struct bt_prog_def **skip, char *skip_err,
		      size_t len)
{
	const struct bt_probe_info *pi = bt_probe__info(p->unit.kind);
	char err[512] = "";
	int rc;

	if (!pi->attach)
		return 1; /* BEGIN, END: bpftrace counts them as probes */
	rc = pi->attach(p->fd, &p->unit, &p->link, err, sizeof(err));
	if (rc < 0) {
		bt_diags__add(diags, p->unit.line, p->unit.col, "%s",
			      err[0] ? err : strerror(-rc));
		return rc;
	}
	if (p->link)
		return 1;
	if (!*skip) {
		*skip = p;
		snprintf(skip_err, len, "%s", err);
	}
	return 0;
}

int bt_program__attach(struct bt_program *prog, struct bt_diags *diags)
{
	const struct bt_prog_def *skip = NULL;
	char skip_err[512] = "";
	size_t live = 0;

	if (!prog->loaded)
		return -EINVAL;
	if (prog->attached)
		return 0;
	set_globals(prog);
	int rc = run_kind(prog, BT_PROBE_BEGIN, diags);
	for (size_t i = 0; !rc && i < prog->obj->nprogs; i++) {
		rc = attach_one(&prog->obj->progs[i], diags, &skip, skip_err,
				sizeof(skip_err));
		live += rc > 0;
		rc = rc < 0 ? rc : 0;
	}
	/* Only skipped probes: bpftrace's "No probes to attach". */
	if (!rc && !live && skip) {
		bt_diags__add(diags, skip->unit.line, skip->unit.col,
			      "%s (and the program has no other probe to "
			      "attach)",
			      skip_err);
		rc = -ENOENT;
	}
	if (rc < 0) {
		bt_program__detach(prog);
		return rc;
	}
	prog->attached = true;
	return 0;
}

void bt_program__detach(struct bt_program *prog)
{
	for (size_t i = 0; i < prog->obj->nprogs; i++) {
		bt_link__free(prog->obj->progs[i].link);
		prog->obj->progs[i].link = NULL;
	}
}

int bt_program__ring_fd(const struct bt_program *prog)
{
	return prog->rb ? ring_buffer__epoll_fd(prog->rb) : -1;
}

int bt_program__consume(struct bt_program *prog, bt_row_fn fn, void *ctx)
{
	if (!prog->rb)
		return -EINVAL;
	prog->fn = fn;
	prog->fn_ctx = ctx;
	prog->fn_rc = 0;
	prog->batch = 0;
	prog->batch_full = false;
	int n = ring_buffer__consume(prog->rb);
	if (prog->fn_rc < 0)
		return prog->fn_rc;
	if (prog->batch_full)
		return (int)prog->batch; /* more may be waiting */
	return n;
}

uint64_t bt_program__lost(const struct bt_program *prog)
{
	int ncpu = libbpf_num_possible_cpus();
	if (!prog->loaded || ncpu <= 0)
		return 0;
	uint64_t *v = calloc((size_t)ncpu, sizeof(*v));
	uint32_t key = 0;
	uint64_t sum = 0;
	if (v && bpf_map_lookup_elem(prog->obj->maps[BT_MAP_LOST].fd, &key,
				     v) == 0)
		for (int i = 0; i < ncpu; i++)
			sum += v[i];
	free(v);
	return sum;
}

void bt_program__set_output(struct bt_program *prog, FILE *out)
{
	prog->out = out;
}

void bt_program__set_text_fn(struct bt_program *prog, bt_text_fn fn, void *ctx)
{
	prog->text_fn = fn;
	prog->text_ctx = ctx;
}

uint64_t bt_program__decode_errors(const struct bt_program *prog)
{
	return prog->decode_errors;
}

bool bt_program__exited(const struct bt_program *prog)
{
	return prog->exited;
}

static int discard(void *ctx, const struct bt_row *row)
{
	(void)ctx, (void)row;
	return 0;
}

int bt_program__finish(struct bt_program *prog, FILE *out)
{
	if (!prog->loaded)
		return -EINVAL;
	int rc = 0;
	if (!prog->ended) {
		prog->ended = true;
		/*
		 * Detach first, as bpftrace does: END's clear() and the maps
		 * printed at exit must not see events that keep arriving
		 * (syscount's system-wide counts refilled cleared maps).
		 */
		for (size_t i = 0; i < prog->obj->nprogs; i++) {
			bt_link__free(prog->obj->progs[i].link);
			prog->obj->progs[i].link = NULL;
		}
		rc = run_kind(prog, BT_PROBE_END, NULL);
		/* Rows END or the last events emitted still get decoded. */
		bt_program__consume(prog, prog->fn ? prog->fn : discard,
				    prog->fn ? prog->fn_ctx : NULL);
	}
	if (out)
		bt_maps__print(prog->obj, out);
	return rc;
}

void bt_program__free(struct bt_program *prog)
{
	if (!prog)
		return;
	if (prog->rb)
		ring_buffer__free(prog->rb);
	bt_object__free(prog->obj);
	bt_types__free(prog->types);
	free(prog);
}
