/*
 * probes.c - probe kinds, table-driven: one entry per kind with its BPF
 * program type, attach point expansion, argument/return value access and
 * attach function.
 *
 * kprobes and uprobes see a struct pt_regs (x86-64): arguments in rdi,
 * rsi, rdx, rcx, r8, r9 and the return value in rax. Raw tracepoints see
 * an array of u64 arguments. BEGIN and END are raw-tracepoint programs
 * that are never attached: user space runs them once with
 * BPF_PROG_TEST_RUN.
 */
#include "bpf/probes.h"

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bpf/attach.h"
#include "bpf/elf_sym.h"

#define EMIT(cg, i) bt_emit__insn(&(cg)->e, (i))

/* x86-64 struct pt_regs offsets. */
static const int16_t regs_args[] = { 112, 104, 96, 88, 72, 64 };
#define PT_REGS_AX 80
#define PT_REGS_SP 152

void bt_probe__free_units(struct bt_unit_ap *u, int n)
{
	for (int i = 0; u && i < n; i++) {
		free(u[i].target);
		free(u[i].symbol);
		free(u[i].path);
		bt_tp_format__free(u[i].tp);
		free(u[i].usdt_args);
	}
	free(u);
}

static int fail(struct bt_sema *s, const struct bt_attach_point *ap,
		const char *msg)
{
	bt_sema__error(s, ap->line, ap->col, "%s", msg);
	return -1;
}

static int one(const struct bt_attach_point *ap, struct bt_unit_ap **out)
{
	*out = calloc(1, sizeof(**out));
	if (!*out)
		return -1;
	(*out)->kind = ap->kind;
	(*out)->ap = ap;
	return 1;
}

static int need_parts(struct bt_sema *s, const struct bt_attach_point *ap,
		      size_t lo, size_t hi, const char *form)
{
	if (ap->nparts >= lo && ap->nparts <= hi)
		return 0;
	char msg[200];
	snprintf(msg, sizeof(msg), "malformed probe '%s': expected %s",
		 ap->raw, form);
	return fail(s, ap, msg);
}

static int expand_plain(struct bt_sema *s, const struct bt_attach_point *ap,
			struct bt_unit_ap **out)
{
	(void)s;
	return one(ap, out);
}

static int expand_tracepoint(struct bt_sema *s,
			     const struct bt_attach_point *ap,
			     struct bt_unit_ap **out)
{
	char err[256];
	struct bt_strlist l = { 0 };
	if (need_parts(s, ap, 2, 2, "tracepoint:category:name") < 0)
		return -1;
	int n = bt_tracefs__expand(ap->parts[0], ap->parts[1], &l, err,
				   sizeof(err));
	if (n < 0)
		return fail(s, ap, err);
	struct bt_unit_ap *u = calloc((size_t)n, sizeof(*u));
	if (!u) {
		bt_strlist__free(&l);
		return -1;
	}
	for (int i = 0; i < n; i++) {
		u[i].kind = ap->kind;
		u[i].ap = ap;
		u[i].target = strdup(l.v[i]);
		char *colon = u[i].target ? strchr(u[i].target, ':') : NULL;
		if (!colon)
			continue;
		*colon = 0;
		int rc = bt_tracefs__format(u[i].target, colon + 1, &u[i].tp,
					    err, sizeof(err));
		*colon = ':';
		if (rc < 0) {
			bt_probe__free_units(u, n);
			bt_strlist__free(&l);
			return fail(s, ap, err);
		}
	}
	bt_strlist__free(&l);
	*out = u;
	return n;
}

static int expand_rawtp(struct bt_sema *s, const struct bt_attach_point *ap,
			struct bt_unit_ap **out)
{
	if (need_parts(s, ap, 1, 2, "rawtracepoint:name") < 0)
		return -1;
	if (ap->has_wildcard)
		return fail(s, ap, "wildcards are not supported for raw "
				   "tracepoints");
	if (one(ap, out) < 0)
		return -1;
	(*out)->target = strdup(ap->parts[ap->nparts - 1]);
	return 1;
}

/* kprobe:function+OFFSET (decimal or 0x hex): an instruction inside. */
static int kprobe_offset(struct bt_sema *s, const struct bt_attach_point *ap,
			 const char *fn, const char *plus,
			 struct bt_unit_ap **out)
{
	char *end;
	if (ap->kind == BT_PROBE_KRETPROBE)
		return fail(s, ap, "a kretprobe cannot have an offset");
	errno = 0;
	unsigned long long off = strtoull(plus + 1, &end, 0);
	if (plus == fn || !plus[1] || *end || errno || plus[1] == '-')
		return fail(s, ap, "malformed kprobe offset (expected "
				   "kprobe:function+OFFSET)");
	if (one(ap, out) < 0)
		return -1;
	(*out)->target = strndup(fn, (size_t)(plus - fn));
	(*out)->value = off;
	return 1;
}

static int expand_kprobe(struct bt_sema *s, const struct bt_attach_point *ap,
			 struct bt_unit_ap **out)
{
	char err[256];
	if (need_parts(s, ap, 1, 2, "kprobe:function") < 0)
		return -1;
	const char *fn = ap->parts[ap->nparts - 1];
	const char *plus = strchr(fn, '+');
	if (plus && !ap->has_wildcard)
		return kprobe_offset(s, ap, fn, plus, out);
	struct bt_strlist l = { 0 };
	int n = ap->has_wildcard ? bt_tracefs__kernel_funcs(fn, &l, err,
							     sizeof(err))
				 : -ENOENT;
	if (n == -ENOMEM)
		return -1;
	/*
	 * A kprobe reads its arguments from pt_regs and needs no BTF, and a
	 * function this kernel lacks (or a pattern matching none) is an
	 * attach error, as in bpftrace: the program still compiles and
	 * loads, so tools written for other kernels can be checked here.
	 */
	if (n < 0) {
		if (one(ap, out) < 0)
			return -1;
		(*out)->target = strdup(fn);
		return 1;
	}
	struct bt_unit_ap *u = calloc((size_t)n, sizeof(*u));
	for (int i = 0; u && i < n; i++) {
		u[i].kind = ap->kind;
		u[i].ap = ap;
		u[i].target = strdup(l.v[i]);
	}
	bt_strlist__free(&l);
	*out = u;
	return u ? n : -1;
}

/*
 * A function the binary lacks, or a wildcard matching none (a tool
 * written for another build of a library: ssllatency's rsa_ossl_* in a
 * libcrypto that does not export them). bpftrace 0.17 drops such a probe
 * without a word and fails ("No probes to attach") only when no probe is
 * left, BEGIN and END counted. The unit still compiles and loads, so its
 * block is checked; file_offset 0 (an ELF header, never code) marks it
 * for skipped_attach.
 */
static int uprobe_missing(const struct bt_attach_point *ap, const char *path,
			  struct bt_unit_ap **out)
{
	if (one(ap, out) < 0)
		return -1;
	(*out)->path = strdup(path);
	(*out)->symbol = strdup(ap->parts[1]);
	(*out)->target = strdup(ap->parts[1]);
	return 1;
}

/* uprobe:bin:0xADDR and uprobe:bin:func+OFFSET. */
static int uprobe_at(struct bt_sema *s, const struct bt_attach_point *ap,
		     const char *path, struct bt_unit_ap **out)
{
	char err[300];
	uint64_t off;
	int rc = bt_elf__locate(path, ap->parts[1], &off, err, sizeof(err));
	/* func+OFFSET on a missing function: skipped too, as by bpftrace. */
	if (rc == -ENOENT && !(*ap->parts[1] >= '0' && *ap->parts[1] <= '9'))
		return uprobe_missing(ap, path, out);
	if (rc < 0)
		return fail(s, ap, err);
	if (one(ap, out) < 0)
		return -1;
	(*out)->path = strdup(path);
	(*out)->symbol = strdup(ap->parts[1]);
	(*out)->target = strdup(ap->parts[1]);
	(*out)->file_offset = off;
	return 1;
}

static int expand_uprobe(struct bt_sema *s, const struct bt_attach_point *ap,
			 struct bt_unit_ap **out)
{
	char err[256], path[4096];
	if (need_parts(s, ap, 2, 2, "uprobe:binary:function") < 0)
		return -1;
	if (bt_elf__find_target(ap->parts[0], -1, path, sizeof(path), err,
				sizeof(err)) < 0)
		return fail(s, ap, err);
	const char *fn = ap->parts[1];
	if (!ap->has_wildcard && (strchr(fn, '+') || (*fn >= '0' && *fn <= '9')))
		return uprobe_at(s, ap, path, out);
	struct bt_elf_syms syms = { 0 };
	int n = bt_elf__match(path, fn, &syms, err, sizeof(err));
	if (n == -ENOENT)
		return uprobe_missing(ap, path, out);
	if (n < 0)
		return fail(s, ap, err);
	struct bt_unit_ap *u = calloc((size_t)n, sizeof(*u));
	for (int i = 0; u && i < n; i++) {
		u[i].kind = ap->kind;
		u[i].ap = ap;
		u[i].path = strdup(path);
		u[i].symbol = strdup(syms.v[i].name);
		u[i].target = strdup(syms.v[i].name);
		u[i].file_offset = syms.v[i].file_offset;
	}
	bt_elf_syms__free(&syms);
	*out = u;
	return u ? n : -1;
}

/* interval:s:N, interval:ms:N, interval:us:N, interval:hz:N. */
static int expand_timer(struct bt_sema *s, const struct bt_attach_point *ap,
			struct bt_unit_ap **out)
{
	bool profile = ap->kind == BT_PROBE_PROFILE;
	if (need_parts(s, ap, 2, 2,
		       profile ? "profile:hz:N" : "interval:s|ms|us|hz:N") < 0)
		return -1;
	char *end;
	unsigned long long n = strtoull(ap->parts[1], &end, 10);
	const char *unit = ap->parts[0];
	uint64_t mult = !strcmp(unit, "s")    ? 1000000000ull
			: !strcmp(unit, "ms") ? 1000000ull
			: !strcmp(unit, "us") ? 1000ull
					      : 0;
	if (*end || n == 0 || (!mult && strcmp(unit, "hz")))
		return fail(s, ap, profile ? "expected profile:hz:N with N > 0"
					   : "expected interval:s|ms|us|hz:N "
					     "with N > 0");
	if (one(ap, out) < 0)
		return -1;
	/* interval keeps a period in ns, profile a frequency in hz. */
	if (profile)
		(*out)->value = mult ? 1000000000ull / (n * mult) : n;
	else
		(*out)->value = mult ? n * mult : 1000000000ull / n;
	if (!(*out)->value)
		(*out)->value = 1;
	return 1;
}

/*
 * software:event[:count] and hardware:event[:count]: a perf event on
 * every CPU, firing every count events (bpftrace's default per event).
 */
static int expand_perf(struct bt_sema *s, const struct bt_attach_point *ap,
		       struct bt_unit_ap **out)
{
	bool hw = ap->kind == BT_PROBE_HARDWARE;
	char msg[300];
	if (need_parts(s, ap, 1, 2,
		       hw ? "hardware:event[:count]"
			  : "software:event[:count]") < 0)
		return -1;
	uint64_t period;
	const char *name = bt_attach__perf_event(hw, ap->parts[0], &period);
	if (!name) {
		snprintf(msg, sizeof(msg), "unknown %s event '%s'",
			 hw ? "hardware" : "software", ap->parts[0]);
		return fail(s, ap, msg);
	}
	if (ap->nparts == 2) {
		char *end;
		period = strtoull(ap->parts[1], &end, 10);
		if (*end || period == 0) {
			snprintf(msg, sizeof(msg),
				 "the %s event count must be a positive "
				 "integer",
				 hw ? "hardware" : "software");
			return fail(s, ap, msg);
		}
	}
	if (one(ap, out) < 0)
		return -1;
	(*out)->target = strdup(name);
	(*out)->value = period;
	return 1;
}

/*
 * Arguments past the sixth are on the stack at function entry: the return
 * address at sp, then arg6 at sp + 8, arg7 at sp + 16, ...
 */
static bool regs_arg(struct bt_cg *cg, unsigned n)
{
	unsigned nregs = sizeof(regs_args) / sizeof(regs_args[0]);
	if (n < nregs) {
		EMIT(cg, BT_LDX(BPF_DW, BPF_REG_0, BT_REG_CTX, regs_args[n]));
		return true;
	}
	bool user = cg->s->uap->kind == BT_PROBE_UPROBE;
	int mark = cg->e.stack;
	int slot = bt_cg__slot(cg, 8, 0, 0);
	EMIT(cg, BT_ST_IMM(BPF_DW, BPF_REG_10, slot, 0));
	EMIT(cg, BT_LDX(BPF_DW, BPF_REG_3, BT_REG_CTX, PT_REGS_SP));
	EMIT(cg, BT_ALU64_IMM(BPF_ADD, BPF_REG_3, (int32_t)(8 * (n - nregs + 1))));
	EMIT(cg, BT_MOV64_REG(BPF_REG_1, BPF_REG_10));
	EMIT(cg, BT_ALU64_IMM(BPF_ADD, BPF_REG_1, slot));
	EMIT(cg, BT_MOV64_IMM(BPF_REG_2, 8));
	EMIT(cg, BT_CALL(user ? BPF_FUNC_probe_read_user
			      : BPF_FUNC_probe_read_kernel));
	EMIT(cg, BT_LDX(BPF_DW, BPF_REG_0, BPF_REG_10, slot));
	bt_emit__stack_reset(&cg->e, mark);
	return true;
}

static bool regs_ret(struct bt_cg *cg)
{
	EMIT(cg, BT_LDX(BPF_DW, BPF_REG_0, BT_REG_CTX, PT_REGS_AX));
	return true;
}

static bool rawtp_arg(struct bt_cg *cg, unsigned n)
{
	EMIT(cg, BT_LDX(BPF_DW, BPF_REG_0, BT_REG_CTX, (int16_t)(8 * n)));
	return true;
}

static int at_tracepoint(int fd, const struct bt_unit_ap *u,
			 struct bt_link **out, char *err, size_t len)
{
	char cat[256];
	snprintf(cat, sizeof(cat), "%s", u->target);
	char *colon = strchr(cat, ':');
	if (!colon)
		return -EINVAL;
	*colon = 0;
	return bt_attach__tracepoint(fd, cat, colon + 1, out, err, len);
}

static int at_rawtp(int fd, const struct bt_unit_ap *u, struct bt_link **out,
		    char *err, size_t len)
{
	return bt_attach__raw_tracepoint(fd, u->target, out, err, len);
}

static int at_kprobe(int fd, const struct bt_unit_ap *u, struct bt_link **out,
		     char *err, size_t len)
{
	return bt_attach__kprobe(fd, u->target, u->value,
				 u->kind == BT_PROBE_KRETPROBE, out, err, len);
}

/* A uprobe or USDT probe the binary lacks (uprobe_missing, usdt_missing). */
static bool is_missing(const struct bt_unit_ap *u)
{
	return (u->kind == BT_PROBE_UPROBE || u->kind == BT_PROBE_URETPROBE ||
		u->kind == BT_PROBE_USDT) &&
	       !u->file_offset;
}

/*
 * A missing uprobe attaches as nothing (*out stays NULL), the reason in
 * err: bt_program__attach counts what it attached and fails with that
 * reason, as bpftrace's "No probes to attach", only when nothing is left.
 */
static int skipped_attach(const struct bt_unit_ap *u, struct bt_link **out,
			  char *err, size_t len)
{
	snprintf(err, len, "cannot attach %s: no function matches '%s' in %s",
		 bt_probe_kind__name(u->kind), u->symbol, u->path);
	*out = NULL;
	return 0;
}

static int at_uprobe(int fd, const struct bt_unit_ap *u, struct bt_link **out,
		     char *err, size_t len)
{
	if (is_missing(u))
		return skipped_attach(u, out, err, len);
	return bt_attach__uprobe(fd, u->path, u->file_offset,
				 u->kind == BT_PROBE_URETPROBE, -1, out, err,
				 len);
}

static int at_interval(int fd, const struct bt_unit_ap *u,
		       struct bt_link **out, char *err, size_t len)
{
	return bt_attach__interval(fd, u->value, out, err, len);
}

static int at_profile(int fd, const struct bt_unit_ap *u, struct bt_link **out,
		      char *err, size_t len)
{
	return bt_attach__profile(fd, u->value, out, err, len);
}

static int at_software(int fd, const struct bt_unit_ap *u,
		       struct bt_link **out, char *err, size_t len)
{
	return bt_attach__software(fd, u->target, u->value, out, err, len);
}

static int at_hardware(int fd, const struct bt_unit_ap *u,
		       struct bt_link **out, char *err, size_t len)
{
	return bt_attach__hardware(fd, u->target, u->value, out, err, len);
}

static const struct bt_probe_info probes[] = {
	{ BT_PROBE_BEGIN, BPF_PROG_TYPE_RAW_TRACEPOINT, expand_plain, NULL,
	  NULL, NULL },
	{ BT_PROBE_END, BPF_PROG_TYPE_RAW_TRACEPOINT, expand_plain, NULL,
	  NULL, NULL },
	{ BT_PROBE_TRACEPOINT, BPF_PROG_TYPE_TRACEPOINT, expand_tracepoint,
	  NULL, NULL, at_tracepoint },
	{ BT_PROBE_RAWTRACEPOINT, BPF_PROG_TYPE_RAW_TRACEPOINT, expand_rawtp,
	  rawtp_arg, NULL, at_rawtp },
	{ BT_PROBE_KPROBE, BPF_PROG_TYPE_KPROBE, expand_kprobe, regs_arg,
	  NULL, at_kprobe },
	{ BT_PROBE_KRETPROBE, BPF_PROG_TYPE_KPROBE, expand_kprobe, NULL,
	  regs_ret, at_kprobe },
	{ BT_PROBE_UPROBE, BPF_PROG_TYPE_KPROBE, expand_uprobe, regs_arg,
	  NULL, at_uprobe },
	{ BT_PROBE_URETPROBE, BPF_PROG_TYPE_KPROBE, expand_uprobe, NULL,
	  regs_ret, at_uprobe },
	{ BT_PROBE_INTERVAL, BPF_PROG_TYPE_PERF_EVENT, expand_timer, NULL,
	  NULL, at_interval },
	{ BT_PROBE_PROFILE, BPF_PROG_TYPE_PERF_EVENT, expand_timer, NULL,
	  NULL, at_profile },
	{ BT_PROBE_SOFTWARE, BPF_PROG_TYPE_PERF_EVENT, expand_perf, NULL,
	  NULL, at_software },
	{ BT_PROBE_HARDWARE, BPF_PROG_TYPE_PERF_EVENT, expand_perf, NULL,
	  NULL, at_hardware },
	{ BT_PROBE_USDT, BPF_PROG_TYPE_KPROBE, bt_probe__expand_usdt,
	  bt_probe__usdt_arg, NULL, bt_probe__attach_usdt },
	{ BT_PROBE_FENTRY, BPF_PROG_TYPE_TRACING, bt_probe__expand_fentry, NULL,
	  NULL, bt_probe__attach_fentry },
	{ BT_PROBE_FEXIT, BPF_PROG_TYPE_TRACING, bt_probe__expand_fentry, NULL,
	  bt_probe__fexit_ret, bt_probe__attach_fentry },
};

const struct bt_probe_info *bt_probe__info(enum bt_probe_kind kind)
{
	for (size_t i = 0; i < sizeof(probes) / sizeof(probes[0]); i++)
		if (probes[i].kind == kind)
			return &probes[i];
	return NULL;
}

/* The prog defs of missing uprobes, in program order. */
static const struct bt_prog_def *nth_skipped(const struct bt_program *prog,
					     size_t n, size_t *count)
{
	const struct bt_object *obj = prog ? prog->obj : NULL;
	size_t k = 0;

	for (size_t i = 0; obj && i < obj->nprogs; i++)
		if (is_missing(&obj->progs[i].unit) && k++ == n)
			return &obj->progs[i];
	if (count)
		*count = k;
	return NULL;
}

size_t bt_program__nskipped(const struct bt_program *prog)
{
	size_t n = 0;

	nth_skipped(prog, SIZE_MAX, &n);
	return n;
}

int bt_program__skipped(const struct bt_program *prog, size_t i,
			struct bt_diag *out)
{
	const struct bt_prog_def *p = nth_skipped(prog, i, NULL);

	if (!p)
		return -ENOENT;
	out->line = p->unit.line;
	out->col = p->unit.col;
	snprintf(out->msg, sizeof(out->msg),
		 "%s:%s:%s skipped: no %s in the file matches it",
		 bt_probe_kind__name(p->unit.kind), p->unit.path,
		 p->unit.symbol,
		 p->unit.kind == BT_PROBE_USDT ? "USDT probe" : "function");
	return 0;
}
