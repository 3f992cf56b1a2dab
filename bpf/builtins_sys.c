/*
 * builtins_sys.c - the functions that act on the system rather than
 * observe it: signal() (bpf_send_signal), system() (a command run in
 * user space from a record) and override() (bpf_override_return).
 * Same table shape as builtins.c; bt_builtin__find searches every table.
 *
 * All three are unsafe, as in bpftrace: they change what the traced
 * programs do. They compile only when the caller allows unsafe calls
 * (bt_compile_opts.unsafe, bt-run --unsafe, a deployment an admin marked
 * unsafe); otherwise they are a compile error at the call, so a program
 * never starts with an action silently dropped.
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/utsname.h>
#include <zlib.h>

#include "bpf/builtins.h"
#include "bpf/printf_format.h"

#define EMIT(cg, i) bt_emit__insn(&(cg)->e, (i))
#define err bt_builtin__err
#define ty bt_builtin__type

static int unsafe_ok(struct bt_sema *s, const struct bt_expr *e)
{
	if (s->unsafe)
		return 0;
	char msg[128];
	snprintf(msg, sizeof(msg),
		 "%s() is an unsafe function; deploy with --unsafe",
		 e->call.name);
	return err(s, e, msg);
}

static int not_begin_end(struct bt_sema *s, const struct bt_expr *e)
{
	enum bt_probe_kind k = s->uap->kind;
	if (k != BT_PROBE_BEGIN && k != BT_PROBE_END)
		return 0;
	char msg[128];
	snprintf(msg, sizeof(msg), "%s() cannot be used in %s probes",
		 e->call.name, k == BT_PROBE_BEGIN ? "BEGIN" : "END");
	return err(s, e, msg);
}

/* ---- signal() -------------------------------------------------------------- */

static const struct {
	const char *name;
	int num;
} signals[] = {
	{ "HUP", SIGHUP },     { "INT", SIGINT },	{ "QUIT", SIGQUIT },
	{ "ILL", SIGILL },     { "TRAP", SIGTRAP },	{ "ABRT", SIGABRT },
	{ "BUS", SIGBUS },     { "FPE", SIGFPE },	{ "KILL", SIGKILL },
	{ "USR1", SIGUSR1 },   { "SEGV", SIGSEGV },	{ "USR2", SIGUSR2 },
	{ "PIPE", SIGPIPE },   { "ALRM", SIGALRM },	{ "TERM", SIGTERM },
	{ "STKFLT", SIGSTKFLT }, { "CHLD", SIGCHLD },	{ "CONT", SIGCONT },
	{ "STOP", SIGSTOP },   { "TSTP", SIGTSTP },	{ "TTIN", SIGTTIN },
	{ "TTOU", SIGTTOU },   { "URG", SIGURG },	{ "XCPU", SIGXCPU },
	{ "XFSZ", SIGXFSZ },   { "VTALRM", SIGVTALRM }, { "PROF", SIGPROF },
	{ "WINCH", SIGWINCH }, { "IO", SIGIO },		{ "PWR", SIGPWR },
	{ "SYS", SIGSYS },
};

/* "SIGKILL" or "KILL" -> 9; -1 when unknown. */
static int signal_number(const char *name)
{
	if (!strncmp(name, "SIG", 3))
		name += 3;
	for (size_t i = 0; i < sizeof(signals) / sizeof(signals[0]); i++)
		if (!strcmp(signals[i].name, name))
			return signals[i].num;
	return -1;
}

static int ck_signal(struct bt_sema *s, const struct bt_expr *e,
		     struct bt_einfo *ei)
{
	const struct bt_expr *a = e->call.args[0];
	if (unsafe_ok(s, e) < 0 || not_begin_end(s, e) < 0)
		return -1;
	if (a->kind == BT_EXPR_STR) {
		int n = signal_number(a->str.data);
		if (n < 0) {
			char msg[128];
			snprintf(msg, sizeof(msg), "unknown signal '%.40s'",
				 a->str.data);
			return err(s, a, msg);
		}
		ei->cval = n;
	} else {
		struct bt_einfo *ai = bt_sema__expr(s, a);
		if (!ai)
			return -1;
		if (ai->type.kind != BT_T_INT)
			return err(s, a, "signal() needs a signal number or a "
					 "name like \"SIGKILL\"");
		if (ai->is_const && (ai->cval < 1 || ai->cval > 64))
			return err(s, a, "signal numbers go from 1 to 64");
		ei->cval = 0; /* computed at run time */
	}
	return ty(ei, (struct bt_type){ .kind = BT_T_VOID });
}

static int gen_signal(struct bt_cg *cg, const struct bt_expr *e,
		      const struct bt_einfo *ei)
{
	if (ei->cval)
		EMIT(cg, BT_MOV64_IMM(BPF_REG_1, (int32_t)ei->cval));
	else {
		bt_cg__expr(cg, e->call.args[0]);
		EMIT(cg, BT_MOV64_REG(BPF_REG_1, BPF_REG_0));
	}
	EMIT(cg, BT_CALL(BPF_FUNC_send_signal));
	return 0;
}

/* ---- override() -------------------------------------------------------------- */

/*
 * Whether this kernel's build config (/boot/config-RELEASE, else
 * /proc/config.gz) has CONFIG_BPF_KPROBE_OVERRIDE: 1 yes, 0 no, -1 when
 * neither can be read (the verifier decides at load).
 */
static int kprobe_override_config(void)
{
	static const char want[] = "CONFIG_BPF_KPROBE_OVERRIDE=y\n";
	struct utsname u;
	char path[128], line[256];
	if (uname(&u) < 0)
		return -1;
	snprintf(path, sizeof(path), "/boot/config-%s", u.release);
	gzFile f = gzopen(path, "rb"); /* reads plain files too */
	if (!f)
		f = gzopen("/proc/config.gz", "rb");
	if (!f)
		return -1;
	int found = 0;
	while (!found && gzgets(f, line, sizeof(line)))
		found = !strcmp(line, want);
	gzclose(f);
	return found;
}

static int ck_override(struct bt_sema *s, const struct bt_expr *e,
		       struct bt_einfo *ei)
{
	if (unsafe_ok(s, e) < 0)
		return -1;
	if (s->uap->kind != BT_PROBE_KPROBE)
		return err(s, e, "override() is only available in kprobe "
				 "probes");
	if (kprobe_override_config() == 0)
		return err(s, e, "override() needs a kernel built with "
				 "CONFIG_BPF_KPROBE_OVERRIDE; this one is not");
	struct bt_einfo *a = bt_sema__expr(s, e->call.args[0]);
	if (!a)
		return -1;
	if (a->type.kind != BT_T_INT)
		return err(s, e->call.args[0], "override() needs an integer "
					       "return value");
	return ty(ei, (struct bt_type){ .kind = BT_T_VOID });
}

static int gen_override(struct bt_cg *cg, const struct bt_expr *e,
			const struct bt_einfo *ei)
{
	(void)ei;
	bt_cg__expr(cg, e->call.args[0]);
	EMIT(cg, BT_MOV64_REG(BPF_REG_2, BPF_REG_0));
	EMIT(cg, BT_MOV64_REG(BPF_REG_1, BT_REG_CTX));
	EMIT(cg, BT_CALL(BPF_FUNC_override_return));
	return 0;
}

/* ---- system() ------------------------------------------------------------------ */

static bool sys_accepts(const struct bt_fmt_conv *c, const struct bt_type *t)
{
	bool buf = t->kind == BT_T_TEXT && t->render == BT_RENDER_BUF;
	if (c->conv == 'r')
		return buf;
	if (c->conv == 's')
		return !buf && t->kind != BT_T_TUPLE && t->kind != BT_T_VOID;
	return t->kind == BT_T_INT || t->kind == BT_T_PTR;
}

/* Lays out one argument of system()'s record at *off (like printf). */
static int sys_arg(struct bt_sema *s, const struct bt_expr *a,
		   const struct bt_fmt_conv *c, struct bt_printf_arg *pa,
		   uint32_t *off)
{
	struct bt_einfo *ai = bt_sema__expr(s, a);
	if (!ai)
		return -1;
	struct bt_type t = ai->type;
	if (!sys_accepts(c, &t)) {
		char tn[96], msg[160];
		bt_type__name(&t, tn, sizeof(tn));
		snprintf(msg, sizeof(msg), "%%%c cannot print %s", c->conv,
			 tn);
		return err(s, a, msg);
	}
	if (t.kind == BT_T_INT || t.kind == BT_T_PTR)
		t = bt_type__int(8, t.kind == BT_T_INT && t.is_signed);
	pa->type = t;
	pa->offset = *off;
	pa->conv = c->conv;
	pa->fmt_start = (uint32_t)c->offset;
	pa->fmt_end = (uint32_t)(c->offset + c->len);
	pa->col = -1;
	bt_fmt_conv__cspec(c, pa->cspec, sizeof(pa->cspec));
	*off += (t.size + 7) & ~7u;
	return 0;
}

/* Fills the record pd of kind for call; 0 or -1 after an error. */
static int sys_layout(struct bt_sema *s, const struct bt_expr *call,
		      enum bt_rec_kind kind, struct bt_printf_def *pd,
		      const struct bt_fmt *fmt)
{
	const struct bt_expr *f = call->call.args[0];
	if (fmt->n != call->call.nargs - 1) {
		char msg[128];
		snprintf(msg, sizeof(msg),
			 "%s() format has %zu conversions but %zu "
			 "arguments",
			 call->call.name, fmt->n, call->call.nargs - 1);
		return err(s, call, msg);
	}
	pd->kind = kind;
	pd->map = -1;
	pd->line = call->line;
	pd->col = call->col;
	pd->fmt = strndup(f->str.data, f->str.len);
	pd->args = calloc(fmt->n ? fmt->n : 1, sizeof(*pd->args));
	if (!pd->fmt || !pd->args)
		return err(s, call, "out of memory");
	uint32_t off = sizeof(struct bt_rec_hdr);
	for (size_t i = 0; i < fmt->n; i++)
		if (sys_arg(s, call->call.args[i + 1], &fmt->convs[i],
			    &pd->args[i], &off) < 0)
			return -1;
	pd->nargs = fmt->n;
	pd->size = off;
	if (off > BT_SCRATCH_BYTES)
		return err(s, call, "record too large");
	return 0;
}

int bt_builtin__fmt_record(struct bt_sema *s, const struct bt_expr *e,
			   enum bt_rec_kind kind, struct bt_einfo *ei)
{
	const struct bt_expr *f = e->call.args[0];
	if (f->kind != BT_EXPR_STR) {
		char msg[96];
		snprintf(msg, sizeof(msg),
			 "%s()'s first argument must be a string literal",
			 e->call.name);
		return err(s, f, msg);
	}
	struct bt_fmt fmt = { 0 };
	struct bt_fmt_error ferr;
	if (bt_fmt__parse(f->str.data, f->str.len, &fmt, &ferr) < 0) {
		bt_fmt__free(&fmt);
		return err(s, f, ferr.msg);
	}
	int id = bt_object__add_printf(s->obj);
	int rc = id < 0 ? err(s, e, "out of memory")
			: sys_layout(s, e, kind, &s->obj->printfs[id], &fmt);
	bt_fmt__free(&fmt);
	if (rc < 0)
		return -1;
	ei->printf_id = id;
	return ty(ei, (struct bt_type){ .kind = BT_T_VOID });
}

static int ck_system(struct bt_sema *s, const struct bt_expr *e,
		     struct bt_einfo *ei)
{
	if (unsafe_ok(s, e) < 0)
		return -1;
	return bt_builtin__fmt_record(s, e, BT_REC_SYSTEM, ei);
}

static int gen_system(struct bt_cg *cg, const struct bt_expr *e,
		      const struct bt_einfo *ei)
{
	(void)ei;
	bt_cg__printf(cg, e); /* the record is laid out like a printf */
	return 0;
}

#define FUNC(n, lo, hi, c, g)                                                 \
	{ .name = n, .is_func = true, .min_args = lo, .max_args = hi,         \
	  .check = c, .gen = g }

const struct bt_builtin bt_builtins_sys[] = {
	FUNC("signal", 1, 1, ck_signal, gen_signal),
	FUNC("override", 1, 1, ck_override, gen_override),
	FUNC("system", 1, TT_MAX_COLUMNS, ck_system, gen_system),
};
const size_t bt_builtins_sys_n =
	sizeof(bt_builtins_sys) / sizeof(bt_builtins_sys[0]);
