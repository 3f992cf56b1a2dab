/*
 * builtins.c - builtin identifiers and functions, one table entry each
 * with its type rule (check) and its code generator (gen).
 *
 * Rules run during semantic analysis with the unit's attach point known,
 * so "retval outside a return probe" is a compile error at its position.
 * Generators follow bt_cg__expr's contract: scalars in r0 (return 0),
 * aggregates in a fresh stack slot (return its offset).
 */
#include "bpf/builtins.h"

#include <stdlib.h>
#include <string.h>

#include "bpf/probes.h"

#define EMIT(cg, i) bt_emit__insn(&(cg)->e, (i))

#define err bt_builtin__err
#define ty bt_builtin__type
#define helper_r0 bt_builtin__helper
#define ck_u32 bt_builtin__ck_u32
#define ck_u64 bt_builtin__ck_u64

/* ---- Identifiers -------------------------------------------------------------- */

static int gen_pid(struct bt_cg *cg, const struct bt_expr *e,
		   const struct bt_einfo *ei)
{
	(void)e, (void)ei;
	EMIT(cg, BT_CALL(BPF_FUNC_get_current_pid_tgid));
	EMIT(cg, BT_ALU64_IMM(BPF_RSH, BPF_REG_0, 32));
	return 0;
}

static int gen_tid(struct bt_cg *cg, const struct bt_expr *e,
		   const struct bt_einfo *ei)
{
	(void)e, (void)ei;
	EMIT(cg, BT_CALL(BPF_FUNC_get_current_pid_tgid));
	/* A 32-bit mov zero-extends: r0 = (u32)r0. */
	EMIT(cg, ((struct bpf_insn){ .code = BPF_ALU | BPF_MOV | BPF_X,
				     .dst_reg = BPF_REG_0,
				     .src_reg = BPF_REG_0 }));
	return 0;
}

static int gen_uid(struct bt_cg *cg, const struct bt_expr *e,
		   const struct bt_einfo *ei)
{
	(void)e, (void)ei;
	EMIT(cg, BT_CALL(BPF_FUNC_get_current_uid_gid));
	EMIT(cg, ((struct bpf_insn){ .code = BPF_ALU | BPF_MOV | BPF_X,
				     .dst_reg = BPF_REG_0,
				     .src_reg = BPF_REG_0 }));
	return 0;
}

static int gen_gid(struct bt_cg *cg, const struct bt_expr *e,
		   const struct bt_einfo *ei)
{
	(void)e, (void)ei;
	EMIT(cg, BT_CALL(BPF_FUNC_get_current_uid_gid));
	EMIT(cg, BT_ALU64_IMM(BPF_RSH, BPF_REG_0, 32));
	return 0;
}

static int gen_nsecs(struct bt_cg *cg, const struct bt_expr *e,
		     const struct bt_einfo *ei)
{
	(void)e, (void)ei;
	return helper_r0(cg, BPF_FUNC_ktime_get_ns);
}

static int gen_elapsed(struct bt_cg *cg, const struct bt_expr *e,
		       const struct bt_einfo *ei)
{
	(void)ei;
	int mark = cg->e.stack;
	int key = bt_cg__slot(cg, 8, e->line, e->col);
	EMIT(cg, BT_ST_IMM(BPF_DW, BPF_REG_10, key, 0));
	bt_emit__ld_map(&cg->e, BPF_REG_1, BT_MAP_GLOBALS);
	EMIT(cg, BT_MOV64_REG(BPF_REG_2, BPF_REG_10));
	EMIT(cg, BT_ALU64_IMM(BPF_ADD, BPF_REG_2, key));
	EMIT(cg, BT_CALL(BPF_FUNC_map_lookup_elem));
	int ok = bt_emit__label(&cg->e);
	EMIT(cg, BT_MOV64_IMM(BPF_REG_1, 0));
	bt_emit__jmp_imm(&cg->e, BPF_JEQ, BPF_REG_0, 0, ok);
	EMIT(cg, BT_LDX(BPF_DW, BPF_REG_1, BPF_REG_0, 0));
	bt_emit__place(&cg->e, ok);
	EMIT(cg, BT_STX(BPF_DW, BPF_REG_10, BPF_REG_1, key));
	EMIT(cg, BT_CALL(BPF_FUNC_ktime_get_ns));
	EMIT(cg, BT_LDX(BPF_DW, BPF_REG_1, BPF_REG_10, key));
	EMIT(cg, BT_ALU64_REG(BPF_SUB, BPF_REG_0, BPF_REG_1));
	bt_emit__stack_reset(&cg->e, mark);
	return 0;
}

static int gen_cpu(struct bt_cg *cg, const struct bt_expr *e,
		   const struct bt_einfo *ei)
{
	(void)e, (void)ei;
	return helper_r0(cg, BPF_FUNC_get_smp_processor_id);
}

static int ck_comm(struct bt_sema *s, const struct bt_expr *e,
		   struct bt_einfo *ei)
{
	(void)s, (void)e;
	return ty(ei, bt_type__str(16));
}

static int gen_comm(struct bt_cg *cg, const struct bt_expr *e,
		    const struct bt_einfo *ei)
{
	(void)ei;
	int slot = bt_cg__slot(cg, 16, e->line, e->col);
	bt_emit__zero(&cg->e, slot, 16);
	EMIT(cg, BT_MOV64_REG(BPF_REG_1, BPF_REG_10));
	EMIT(cg, BT_ALU64_IMM(BPF_ADD, BPF_REG_1, slot));
	EMIT(cg, BT_MOV64_IMM(BPF_REG_2, 16));
	EMIT(cg, BT_CALL(BPF_FUNC_get_current_comm));
	return slot;
}

static int ck_curtask(struct bt_sema *s, const struct bt_expr *e,
		      struct bt_einfo *ei)
{
	uint32_t id = 0;
	if (bt_sema__btf(s) && bt_btf__find(bt_sema__btf(s), "task_struct", BT_BTF_STRUCT,
				   &id) < 0)
		return err(s, e, "no struct task_struct in BTF");
	return ty(ei, bt_type__ptr(id, false));
}

static int gen_curtask(struct bt_cg *cg, const struct bt_expr *e,
		       const struct bt_einfo *ei)
{
	(void)e, (void)ei;
	return helper_r0(cg, BPF_FUNC_get_current_task);
}

static int ck_arg(struct bt_sema *s, const struct bt_expr *e,
		  struct bt_einfo *ei)
{
	const struct bt_probe_info *pi = bt_probe__info(s->uap->kind);
	if (!pi->arg) {
		char msg[160];
		snprintf(msg, sizeof(msg),
			 "%s is not available in %s probes%s", e->ident.name,
			 bt_probe_kind__name(s->uap->kind),
			 s->uap->kind == BT_PROBE_TRACEPOINT
				 ? " (use args->field)"
				 : "");
		return err(s, e, msg);
	}
	ei->cval = e->ident.name[3] - '0';
	ei->type = bt_type__int(8, false);
	ei->type.user = s->uap->kind == BT_PROBE_UPROBE ||
			s->uap->kind == BT_PROBE_URETPROBE;
	return 0;
}

static int gen_arg(struct bt_cg *cg, const struct bt_expr *e,
		   const struct bt_einfo *ei)
{
	(void)e;
	bt_probe__info(cg->s->uap->kind)->arg(cg, (unsigned)ei->cval);
	return 0;
}

static int ck_retval(struct bt_sema *s, const struct bt_expr *e,
		     struct bt_einfo *ei)
{
	if (!bt_probe__info(s->uap->kind)->retval)
		return err(s, e, "retval is only available in kretprobe and "
				 "uretprobe probes");
	ei->type = bt_type__int(8, false);
	ei->type.user = s->uap->kind == BT_PROBE_URETPROBE;
	return 0;
}

static int gen_retval(struct bt_cg *cg, const struct bt_expr *e,
		      const struct bt_einfo *ei)
{
	(void)e, (void)ei;
	bt_probe__info(cg->s->uap->kind)->retval(cg);
	return 0;
}

static int ck_args(struct bt_sema *s, const struct bt_expr *e,
		   struct bt_einfo *ei)
{
	if (s->uap->kind != BT_PROBE_TRACEPOINT || !s->uap->tp)
		return err(s, e,
			   "args is only available in tracepoint and "
			   "fentry/fexit (kfunc/kretfunc) probes");
	return ty(ei, (struct bt_type){ .kind = BT_T_ARGS, .ctx = true });
}

static int gen_args(struct bt_cg *cg, const struct bt_expr *e,
		    const struct bt_einfo *ei)
{
	(void)e, (void)ei;
	EMIT(cg, BT_MOV64_REG(BPF_REG_0, BT_REG_CTX));
	return 0;
}

/*
 * The provider as the user wrote it, so `probe` in kfunc:vfs_read says
 * kfunc: as bpftrace 0.17's does; the one- and two-letter aliases (f:, t:) are
 * spelt out in full under the name this compiler knows them by.
 */
static const char *written_provider(const struct bt_unit_ap *u, char *buf,
				    size_t len)
{
	const char *raw = u->ap ? u->ap->raw : NULL;
	size_t n = raw ? strcspn(raw, ":") : 0;
	if (n <= 2 || n >= len)
		return bt_probe_kind__name(u->kind);
	memcpy(buf, raw, n);
	buf[n] = 0;
	return buf;
}

/* The text of `probe` or `func` for this unit, NULL if none. */
static const char *unit_text(const struct bt_sema *s, const char *which,
			     char *buf, size_t len)
{
	const struct bt_unit_ap *u = s->uap;
	if (!strcmp(which, "probe")) {
		char pv[32];
		const char *name = written_provider(u, pv, sizeof(pv));
		if (u->kind == BT_PROBE_BEGIN || u->kind == BT_PROBE_END)
			snprintf(buf, len, "%s", name);
		else if (u->kind == BT_PROBE_UPROBE ||
			 u->kind == BT_PROBE_URETPROBE)
			snprintf(buf, len, "%s:%s:%s", name, u->path,
				 u->symbol);
		else
			snprintf(buf, len, "%s:%s", name,
				 u->target ? u->target : "");
		return buf;
	}
	switch (u->kind) {
	case BT_PROBE_KPROBE:
	case BT_PROBE_KRETPROBE:
	case BT_PROBE_RAWTRACEPOINT:
	case BT_PROBE_FENTRY:
	case BT_PROBE_FEXIT:
		return u->target;
	case BT_PROBE_UPROBE:
	case BT_PROBE_URETPROBE:
	case BT_PROBE_USDT: /* the site's provider:name (0.17 refuses) */
		return u->symbol;
	default:
		return NULL;
	}
}

static int ck_text(struct bt_sema *s, const struct bt_expr *e,
		   struct bt_einfo *ei)
{
	char buf[512];
	const char *t = unit_text(s, e->ident.name, buf, sizeof(buf));
	if (!t)
		return err(s, e,
			   "func is only available in kprobe, uprobe, "
			   "usdt, fentry/fexit (kfunc/kretfunc) and "
			   "rawtracepoint probes");
	size_t n = strlen(t) + 1;
	return ty(ei, bt_type__str(n > 256 ? 256 : (unsigned)n));
}

static int gen_text(struct bt_cg *cg, const struct bt_expr *e,
		    const struct bt_einfo *ei)
{
	char buf[512];
	const char *t = unit_text(cg->s, e->ident.name, buf, sizeof(buf));
	t = t ? t : "";
	return bt_cg__const_str(cg, t, strlen(t), ei->type.size, e->line,
				e->col);
}

/* ---- Functions ------------------------------------------------------------- */

static int ck_printf(struct bt_sema *s, const struct bt_expr *e,
		     struct bt_einfo *ei)
{
	ei->printf_id = bt_sema__printf(s, e);
	return ei->printf_id < 0 ? -1 : ty(ei, (struct bt_type){ .kind = BT_T_VOID });
}

static int gen_printf(struct bt_cg *cg, const struct bt_expr *e,
		      const struct bt_einfo *ei)
{
	(void)ei;
	bt_cg__printf(cg, e);
	return 0;
}

static int ck_exit(struct bt_sema *s, const struct bt_expr *e,
		   struct bt_einfo *ei)
{
	(void)e;
	ei->printf_id = bt_sema__action(s, BT_REC_EXIT, -1, NULL);
	return ei->printf_id < 0 ? -1 : ty(ei, (struct bt_type){ .kind = BT_T_VOID });
}

static int ck_time(struct bt_sema *s, const struct bt_expr *e,
		   struct bt_einfo *ei)
{
	/* Allowed in table mode, where it prints nothing (rows and map
	 * snapshots carry time_), so tools like vfsstat.bt deploy as is. */
	const char *fmt = "%H:%M:%S\n";
	if (e->call.nargs == 1) {
		const struct bt_expr *f = e->call.args[0];
		if (f->kind != BT_EXPR_STR)
			return err(s, f, "time()'s format must be a string "
					 "literal");
		fmt = f->str.data;
	}
	ei->printf_id = bt_sema__action(s, BT_REC_TIME, -1, fmt);
	return ei->printf_id < 0 ? -1 : ty(ei, (struct bt_type){ .kind = BT_T_VOID });
}

/* print(@m), clear(@m), zero(@m): a whole map, acted on in user space. */
static int ck_map_action(struct bt_sema *s, const struct bt_expr *e,
			 struct bt_einfo *ei)
{
	const struct bt_expr *m = e->call.args[0];
	enum bt_rec_kind k = !strcmp(e->call.name, "print")   ? BT_REC_PRINT
			     : !strcmp(e->call.name, "clear") ? BT_REC_CLEAR
							      : BT_REC_ZERO;
	/* print(@m) is allowed in table mode: the daemon snapshots the map
	 * into its table (maps become tables). */
	if (m->kind != BT_EXPR_MAP || m->map.nkeys) {
		char msg[96];
		snprintf(msg, sizeof(msg), "%s() takes a whole map, like @name",
			 e->call.name);
		return err(s, m, msg);
	}
	char name[80];
	snprintf(name, sizeof(name), "@%s", m->map.name);
	int map = bt_object__find_map(s->obj, name);
	if (map < 0) {
		char msg[128];
		snprintf(msg, sizeof(msg), "map '%s' is never assigned before "
					   "this point", name);
		return err(s, m, msg);
	}
	int64_t opt[2] = { 0, 0 };
	for (size_t i = 1; i < e->call.nargs; i++) {
		struct bt_einfo *a = bt_sema__expr(s, e->call.args[i]);
		if (!a)
			return -1;
		if (k != BT_REC_PRINT || !a->is_const || a->cval < 0)
			return err(s, e->call.args[i],
				   "print()'s top and div must be "
				   "non-negative constants");
		opt[i - 1] = a->cval;
	}
	ei->printf_id = bt_sema__print_action(s, k, map, opt[0], opt[1]);
	return ei->printf_id < 0 ? -1
				 : ty(ei, (struct bt_type){ .kind = BT_T_VOID });
}

/* Types print(value) prints, as bpftrace 0.17 (not pointers, records). */
static bool printable(const struct bt_type *t)
{
	return t->kind == BT_T_INT || t->kind == BT_T_STR ||
	       t->kind == BT_T_TUPLE || t->kind == BT_T_INET ||
	       t->kind == BT_T_TEXT;
}

/*
 * print(value): a BT_REC_PRINT record without a map (map -1) carrying the
 * value as its one argument; user space prints it like a map value
 * (decode.c). In table mode its text goes to the deployment's log.
 */
static int ck_print_value(struct bt_sema *s, const struct bt_expr *e,
			  struct bt_einfo *ei)
{
	const struct bt_expr *v = e->call.args[0];
	char msg[160];
	if (e->call.nargs != 1) {
		snprintf(msg, sizeof(msg), "print() of a value takes one "
					   "argument, %zu given",
			 e->call.nargs);
		return err(s, e, msg);
	}
	struct bt_einfo *vi = bt_sema__expr(s, v);
	if (!vi)
		return -1;
	struct bt_type t = vi->type;
	if (!printable(&t)) {
		char tn[96];
		bt_type__name(&t, tn, sizeof(tn));
		snprintf(msg, sizeof(msg), "print() cannot print %s", tn);
		return err(s, v, msg);
	}
	if (t.kind == BT_T_INT)
		t = bt_type__int(8, t.is_signed);
	int id = bt_object__add_printf(s->obj);
	if (id < 0)
		return err(s, e, "out of memory");
	struct bt_printf_def *pd = &s->obj->printfs[id];
	pd->args = calloc(1, sizeof(*pd->args));
	if (!pd->args)
		return err(s, e, "out of memory");
	pd->kind = BT_REC_PRINT;
	pd->map = -1;
	pd->table = -1;
	pd->line = e->line;
	pd->col = e->col;
	pd->nargs = 1;
	pd->args[0] = (struct bt_printf_arg){ .type = t, .col = -1,
					      .offset = sizeof(struct bt_rec_hdr) };
	pd->size = sizeof(struct bt_rec_hdr) + ((t.size + 7) & ~7u);
	if (pd->size > BT_SCRATCH_BYTES)
		return err(s, e, "print() value too large");
	ei->printf_id = id;
	return ty(ei, (struct bt_type){ .kind = BT_T_VOID });
}

/* print(@m[, top[, div]]) prints a map, print(value) a value. */
static int ck_print(struct bt_sema *s, const struct bt_expr *e,
		    struct bt_einfo *ei)
{
	const struct bt_expr *m = e->call.args[0];
	if (m->kind == BT_EXPR_MAP && m->map.nkeys)
		return err(s, m, "print() takes a whole map like @name, not "
				 "one of its elements");
	if (m->kind != BT_EXPR_MAP)
		return ck_print_value(s, e, ei);
	return ck_map_action(s, e, ei);
}

/* print(value), cat(fmt, args): records with arguments; else actions. */
static int gen_record(struct bt_cg *cg, const struct bt_expr *e,
		      const struct bt_einfo *ei)
{
	if (cg->s->obj->printfs[ei->printf_id].nargs)
		bt_cg__printf(cg, e); /* laid out like a printf record */
	else
		bt_cg__action(cg, e);
	return 0;
}

/* cat() and join() are allowed in table mode: their text is not a row but
 * goes to the deployment's log (bt_program__set_text_fn). */
static int ck_cat(struct bt_sema *s, const struct bt_expr *e,
		  struct bt_einfo *ei)
{
	const struct bt_expr *f = e->call.args[0];
	if (f->kind != BT_EXPR_STR)
		return err(s, f, "cat() needs a file name in quotes");
	/* cat("/proc/%d/status", pid): the path is formatted in user space. */
	if (e->call.nargs > 1)
		return bt_builtin__fmt_record(s, e, BT_REC_CAT, ei);
	ei->printf_id = bt_sema__action(s, BT_REC_CAT, -1, f->str.data);
	return ei->printf_id < 0 ? -1
				 : ty(ei, (struct bt_type){ .kind = BT_T_VOID });
}

/* join(argv[, sep]): a user char ** (execve's argv). */
static int ck_join(struct bt_sema *s, const struct bt_expr *e,
		   struct bt_einfo *ei)
{
	struct bt_einfo *a = bt_sema__expr(s, e->call.args[0]);
	if (!a)
		return -1;
	if (a->type.kind != BT_T_PTR && a->type.kind != BT_T_INT)
		return err(s, e->call.args[0], "join() needs an array of "
					       "string pointers (argv)");
	const char *sep = " ";
	if (e->call.nargs == 2) {
		if (e->call.args[1]->kind != BT_EXPR_STR)
			return err(s, e->call.args[1], "join()'s separator "
						       "must be a string "
						       "literal");
		sep = e->call.args[1]->str.data;
	}
	ei->printf_id = bt_sema__action(s, BT_REC_JOIN, -1, sep);
	if (ei->printf_id < 0)
		return -1;
	s->obj->printfs[ei->printf_id].size =
		sizeof(struct bt_rec_hdr) + BT_JOIN_ARGS * BT_JOIN_ARGLEN;
	return ty(ei, (struct bt_type){ .kind = BT_T_VOID });
}

static int gen_join(struct bt_cg *cg, const struct bt_expr *e,
		    const struct bt_einfo *ei)
{
	(void)ei;
	bt_cg__join(cg, e);
	return 0;
}

static int gen_action(struct bt_cg *cg, const struct bt_expr *e,
		      const struct bt_einfo *ei)
{
	(void)ei;
	bt_cg__action(cg, e);
	return 0;
}

/* True when a pointer-ish value refers to user memory in this unit. */
static bool user_mem(const struct bt_sema *s, const struct bt_type *t)
{
	return t->user || s->uap->kind == BT_PROBE_UPROBE ||
	       s->uap->kind == BT_PROBE_URETPROBE;
}

static int ck_str(struct bt_sema *s, const struct bt_expr *e,
		  struct bt_einfo *ei)
{
	struct bt_einfo *a = bt_sema__expr(s, e->call.args[0]);
	if (!a)
		return -1;
	unsigned cap = BT_STRLEN;
	if (e->call.nargs == 2) {
		struct bt_einfo *n = bt_sema__expr(s, e->call.args[1]);
		if (!n)
			return -1;
		if (n->type.kind != BT_T_INT)
			return err(s, e->call.args[1],
				   "str()'s length must be an integer");
		if (n->is_const && (n->cval < 1))
			return err(s, e->call.args[1],
				   "str()'s length must be positive");
		/* bpftrace reads n characters plus the NUL: str(p, 8)
		 * prints 8 characters. */
		if (n->is_const && n->cval < BT_STRLEN)
			cap = (unsigned)n->cval + 1;
	}
	if (a->type.kind == BT_T_STR)
		return ty(ei, a->type);
	if (a->type.kind != BT_T_PTR && a->type.kind != BT_T_INT &&
	    a->type.kind != BT_T_ARRAY)
		return err(s, e->call.args[0],
			   "str() needs a pointer, an integer address or a "
			   "string");
	ei->type = bt_type__str(cap);
	ei->type.user = user_mem(s, &a->type);
	ei->cval = cap;
	return 0;
}

static int gen_str(struct bt_cg *cg, const struct bt_expr *e,
		   const struct bt_einfo *ei)
{
	struct bt_einfo *a = bt_sema__info(cg->s, e->call.args[0]);
	if (a->type.kind == BT_T_STR)
		return bt_cg__expr(cg, e->call.args[0]);
	int slot = bt_cg__slot(cg, (int)ei->type.size, e->line, e->col);
	bt_emit__zero(&cg->e, slot, (int)ei->type.size);
	int mark = cg->e.stack;
	int len = 0;
	if (e->call.nargs == 2) {
		/* n characters and the NUL, clamped so the verifier sees
		 * the length bounded. */
		bt_cg__expr(cg, e->call.args[1]);
		EMIT(cg, BT_ALU64_IMM(BPF_ADD, BPF_REG_0, 1));
		int ok = bt_emit__label(&cg->e);
		bt_emit__jmp_imm(&cg->e, BPF_JLE, BPF_REG_0, (int32_t)ei->cval,
				 ok);
		EMIT(cg, BT_MOV64_IMM(BPF_REG_0, (int32_t)ei->cval));
		bt_emit__place(&cg->e, ok);
		len = bt_cg__spill(cg, e->line, e->col);
	}
	bt_cg__expr(cg, e->call.args[0]);
	EMIT(cg, BT_MOV64_REG(BPF_REG_3, BPF_REG_0));
	EMIT(cg, BT_MOV64_REG(BPF_REG_1, BPF_REG_10));
	EMIT(cg, BT_ALU64_IMM(BPF_ADD, BPF_REG_1, slot));
	if (len)
		EMIT(cg, BT_LDX(BPF_DW, BPF_REG_2, BPF_REG_10, len));
	else
		EMIT(cg, BT_MOV64_IMM(BPF_REG_2, (int32_t)ei->cval));
	EMIT(cg, BT_CALL(ei->type.user ? BPF_FUNC_probe_read_user_str
				       : BPF_FUNC_probe_read_kernel_str));
	bt_emit__stack_reset(&cg->e, mark);
	return slot;
}

/* Size of the address ntop() gets: 4 or 16 bytes, 0 for an integer. */
static int ntop_addr(struct bt_sema *s, const struct bt_expr *a,
		     unsigned *size)
{
	struct bt_einfo *ai = bt_sema__expr(s, a);
	if (!ai)
		return -1;
	if (ai->type.kind == BT_T_INT) {
		*size = 0;
		return 0;
	}
	if ((ai->type.kind == BT_T_ARRAY || ai->type.kind == BT_T_STR) &&
	    (ai->type.size == 4 || ai->type.size == 16 ||
	     ai->type.size == 8)) {
		*size = ai->type.size == 8 ? 4 : ai->type.size;
		return 0;
	}
	return err(s, a, "ntop() needs an IPv4 integer or a 4- or 16-byte "
			 "address array");
}

static int ck_ntop(struct bt_sema *s, const struct bt_expr *e,
		   struct bt_einfo *ei)
{
	unsigned size;
	if (e->call.nargs == 2) {
		struct bt_einfo *af = bt_sema__expr(s, e->call.args[0]);
		if (!af)
			return -1;
		if (af->type.kind != BT_T_INT)
			return err(s, e->call.args[0],
				   "ntop()'s family must be an integer");
	}
	if (ntop_addr(s, e->call.args[e->call.nargs - 1], &size) < 0)
		return -1;
	ei->cval = size;
	return ty(ei, (struct bt_type){ .kind = BT_T_INET,
					.size = BT_INET_SIZE });
}

static int gen_ntop(struct bt_cg *cg, const struct bt_expr *e,
		    const struct bt_einfo *ei)
{
	const struct bt_expr *a = e->call.args[e->call.nargs - 1];
	struct bt_einfo *ai = bt_sema__info(cg->s, a);
	int slot = bt_cg__slot(cg, BT_INET_SIZE, e->line, e->col);
	bt_emit__zero(&cg->e, slot, BT_INET_SIZE);
	int mark = cg->e.stack;
	if (e->call.nargs == 2) {
		bt_cg__expr(cg, e->call.args[0]);
		EMIT(cg, BT_STX(BPF_DW, BPF_REG_10, BPF_REG_0, slot));
	} else {
		EMIT(cg, BT_ST_IMM(BPF_DW, BPF_REG_10, slot,
				   ei->cval == 16 ? 10 : 2));
	}
	int src = bt_cg__expr(cg, a);
	if (ai->type.kind == BT_T_INT) {
		EMIT(cg, BT_STX(BPF_W, BPF_REG_10, BPF_REG_0, slot + 8));
	} else if (ai->type.kind == BT_T_STR) {
		bt_emit__copy(&cg->e, BPF_REG_10, slot + 8, BPF_REG_10, src,
			      ei->cval == 16 ? 16 : 8);
	} else {
		bt_cg__read_mem(cg, &ai->type, 0, slot + 8, (int)ei->cval);
	}
	bt_emit__stack_reset(&cg->e, mark);
	return slot;
}

static int ck_bswap(struct bt_sema *s, const struct bt_expr *e,
		    struct bt_einfo *ei)
{
	struct bt_einfo *a = bt_sema__expr(s, e->call.args[0]);
	if (!a)
		return -1;
	if (a->type.kind != BT_T_INT)
		return err(s, e->call.args[0], "bswap() needs an integer");
	return ty(ei, bt_type__int(a->type.size, false));
}

static int gen_bswap(struct bt_cg *cg, const struct bt_expr *e,
		     const struct bt_einfo *ei)
{
	bt_cg__expr(cg, e->call.args[0]);
	if (ei->type.size > 1)
		EMIT(cg, ((struct bpf_insn){ .code = BPF_ALU | BPF_END |
						     BPF_TO_BE,
					     .dst_reg = BPF_REG_0,
					     .imm = (int)ei->type.size * 8 }));
	return 0;
}

static int ck_agg(struct bt_sema *s, const struct bt_expr *e,
		  struct bt_einfo *ei)
{
	(void)ei;
	char msg[96];
	snprintf(msg, sizeof(msg), "%s() can only be assigned to a map",
		 e->call.name);
	return err(s, e, msg);
}

#define IDENT(n, c, g) { .name = n, .check = c, .gen = g }
#define FUNC(n, lo, hi, c, g)                                                 \
	{ .name = n, .is_func = true, .min_args = lo, .max_args = hi,         \
	  .check = c, .gen = g }

static const struct bt_builtin builtins[] = {
	IDENT("pid", ck_u32, gen_pid),
	IDENT("tid", ck_u32, gen_tid),
	IDENT("uid", ck_u32, gen_uid),
	IDENT("gid", ck_u32, gen_gid),
	IDENT("nsecs", ck_u64, gen_nsecs),
	IDENT("elapsed", ck_u64, gen_elapsed),
	IDENT("cpu", ck_u32, gen_cpu),
	IDENT("comm", ck_comm, gen_comm),
	IDENT("curtask", ck_curtask, gen_curtask),
	IDENT("arg0", ck_arg, gen_arg),
	IDENT("arg1", ck_arg, gen_arg),
	IDENT("arg2", ck_arg, gen_arg),
	IDENT("arg3", ck_arg, gen_arg),
	IDENT("arg4", ck_arg, gen_arg),
	IDENT("arg5", ck_arg, gen_arg),
	IDENT("arg6", ck_arg, gen_arg),
	IDENT("arg7", ck_arg, gen_arg),
	IDENT("arg8", ck_arg, gen_arg),
	IDENT("arg9", ck_arg, gen_arg),
	IDENT("retval", ck_retval, gen_retval),
	IDENT("args", ck_args, gen_args),
	IDENT("probe", ck_text, gen_text),
	IDENT("func", ck_text, gen_text),
	FUNC("printf", 1, TT_MAX_COLUMNS, ck_printf, gen_printf),
	FUNC("exit", 0, 0, ck_exit, gen_action),
	FUNC("time", 0, 1, ck_time, gen_action),
	FUNC("print", 1, 3, ck_print, gen_record),
	FUNC("clear", 1, 1, ck_map_action, gen_action),
	FUNC("zero", 1, 1, ck_map_action, gen_action),
	FUNC("cat", 1, TT_MAX_COLUMNS, ck_cat, gen_record),
	FUNC("join", 1, 2, ck_join, gen_join),
	FUNC("str", 1, 2, ck_str, gen_str),
	FUNC("ntop", 1, 2, ck_ntop, gen_ntop),
	FUNC("bswap", 1, 1, ck_bswap, gen_bswap),
	FUNC("count", 0, 0, ck_agg, NULL),
	FUNC("sum", 1, 1, ck_agg, NULL),
	FUNC("min", 1, 1, ck_agg, NULL),
	FUNC("max", 1, 1, ck_agg, NULL),
	FUNC("avg", 1, 1, ck_agg, NULL),
	FUNC("stats", 1, 1, ck_agg, NULL),
	FUNC("hist", 1, 1, ck_agg, NULL),
	FUNC("lhist", 4, 4, ck_agg, NULL),
};

const struct bt_builtin *bt_builtin__find(const char *name, bool is_func)
{
	static const struct {
		const struct bt_builtin *v;
		const size_t *n;
	} tables[] = {
		{ bt_builtins_ext, &bt_builtins_ext_n },
		{ bt_builtins_text, &bt_builtins_text_n },
		{ bt_builtins_sys, &bt_builtins_sys_n },
	};
	for (size_t i = 0; i < sizeof(builtins) / sizeof(builtins[0]); i++)
		if (builtins[i].is_func == is_func &&
		    !strcmp(builtins[i].name, name))
			return &builtins[i];
	for (size_t t = 0; t < sizeof(tables) / sizeof(tables[0]); t++)
		for (size_t i = 0; i < *tables[t].n; i++)
			if (tables[t].v[i].is_func == is_func &&
			    !strcmp(tables[t].v[i].name, name))
				return &tables[t].v[i];
	return NULL;
}
