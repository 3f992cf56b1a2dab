/*
 * probes_trace.c - the probe kinds whose arguments come from somewhere
 * other than a fixed register or slot: USDT probes (each argument is an
 * x86-64 operand spec from the ELF note: a register, memory relative to a
 * register, or a constant) and fentry/fexit (a u64 slot per BTF-typed
 * parameter, the return value in the slot after the last one).
 *
 * A USDT site is a uprobe at the note's nop, so the program is a kprobe
 * program seeing the user registers in struct pt_regs; memory operands are
 * user memory, read with bpf_probe_read_user into a zeroed stack slot so a
 * failed read yields 0. fentry/fexit programs are BPF_PROG_TYPE_TRACING,
 * bound at load to the function's BTF id; kernels without BPF trampolines
 * refuse them at load or attach, with BT_ATTACH_NO_FENTRY in the message.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bpf/attach.h"
#include "bpf/btf.h"
#include "bpf/elf_sym.h"
#include "bpf/probes.h"
#include "bpf/tracefs.h"
#include "bpf/usdt.h"

#define EMIT(cg, i) bt_emit__insn(&(cg)->e, (i))

static int fail(struct bt_sema *s, const struct bt_attach_point *ap,
		const char *msg)
{
	bt_sema__error(s, ap->line, ap->col, "%s", msg);
	return -1;
}

/* ---- usdt:PATH:[PROVIDER:]NAME ------------------------------------------ */

/* Copies one site into a unit; false on OOM. */
static bool usdt_unit(struct bt_unit_ap *u, const struct bt_attach_point *ap,
		      const char *path, const struct bt_usdt_probe *p)
{
	u->kind = ap->kind;
	u->ap = ap;
	u->path = strdup(path);
	u->symbol = malloc(strlen(p->provider) + strlen(p->name) + 2);
	if (u->symbol)
		sprintf(u->symbol, "%s:%s", p->provider, p->name);
	u->target =
		malloc(strlen(path) + (u->symbol ? strlen(u->symbol) : 0) + 2);
	if (u->target && u->symbol)
		sprintf(u->target, "%s:%s", path, u->symbol);
	u->file_offset = p->file_offset;
	u->sema_offset = p->sema_offset;
	u->usdt_nargs = p->nargs;
	u->usdt_args = calloc((size_t)p->nargs + 1, sizeof(*u->usdt_args));
	if (u->usdt_args)
		memcpy(u->usdt_args, p->args,
		       (size_t)p->nargs * sizeof(*u->usdt_args));
	return u->path && u->symbol && u->target && u->usdt_args;
}

/*
 * A probe the binary lacks (a tool written for another build of a
 * program or library). bpftrace 0.17 drops it without a word and fails
 * ("No probes to attach") only when no probe is left; so does
 * bt_program__attach (program.c), as for uprobes on missing functions.
 * The unit still compiles and loads so that its block is checked: every
 * argument reads as the constant 0 (the block never runs), and
 * file_offset 0 (an ELF header, never a probe's nop) marks it.
 */
static int usdt_missing(const struct bt_attach_point *ap, const char *path,
			struct bt_unit_ap **out)
{
	/* usdt_unit only reads the names: "*:name" without a provider. */
	struct bt_usdt_probe p = {
		.provider = (char *)(ap->nparts == 3 ? ap->parts[1] : "*"),
		.name = (char *)ap->parts[ap->nparts - 1],
		.nargs = BT_USDT_MAX_ARGS,
	};
	struct bt_unit_ap *u = calloc(1, sizeof(*u));

	for (int i = 0; i < p.nargs; i++) {
		p.args[i].kind = BT_USDT_ARG_CONST;
		p.args[i].size = 8;
	}
	if (!u || !usdt_unit(u, ap, path, &p)) {
		bt_probe__free_units(u, u ? 1 : 0);
		return -1;
	}
	*out = u;
	return 1;
}

int bt_probe__expand_usdt(struct bt_sema *s, const struct bt_attach_point *ap,
			  struct bt_unit_ap **out)
{
	char err[300], path[4096];
	if (ap->nparts < 2 || ap->nparts > 3) {
		snprintf(err, sizeof(err),
			 "malformed probe '%s': expected "
			 "usdt:binary:[provider:]name",
			 ap->raw);
		return fail(s, ap, err);
	}
	if (bt_elf__find_target(ap->parts[0], -1, path, sizeof(path), err,
				sizeof(err)) < 0)
		return fail(s, ap, err);
	struct bt_usdt_probes l = {0};
	int n = bt_usdt__list(path, ap->nparts == 3 ? ap->parts[1] : NULL,
			      ap->parts[ap->nparts - 1], &l, err, sizeof(err));
	if (n == -ENOENT)
		return usdt_missing(ap, path, out);
	if (n < 0)
		return n == -ENOMEM ? -1 : fail(s, ap, err);
	struct bt_unit_ap *u = calloc((size_t)n, sizeof(*u));
	bool ok = u != NULL;
	for (int i = 0; ok && i < n; i++)
		ok = usdt_unit(&u[i], ap, path, &l.v[i]);
	bt_usdt_probes__free(&l);
	if (!ok) {
		bt_probe__free_units(u, n);
		return -1;
	}
	*out = u;
	return n;
}

/* Sign- or zero-extends the low `size` bytes of r0. */
static void extend(struct bt_cg *cg, const struct bt_usdt_arg *a)
{
	bt_cg__int_cast(cg, (unsigned)a->size, a->is_signed);
}

bool bt_probe__usdt_arg(struct bt_cg *cg, unsigned n)
{
	const struct bt_unit_ap *u = cg->s->uap;
	if ((int)n >= u->usdt_nargs)
		return false;
	const struct bt_usdt_arg *a = &u->usdt_args[n];
	if (a->kind == BT_USDT_ARG_CONST) {
		bt_emit__ld_imm64(&cg->e, BPF_REG_0, (uint64_t)a->value);
		extend(cg, a);
		return true;
	}
	if (a->reg_off < 0)
		return false;
	EMIT(cg, BT_LDX(BPF_DW, BPF_REG_0, BT_REG_CTX, (int16_t)a->reg_off));
	if (a->kind == BT_USDT_ARG_REG) {
		if (a->reg_shift)
			EMIT(cg,
			     BT_ALU64_IMM(BPF_RSH, BPF_REG_0, a->reg_shift));
		extend(cg, a);
		return true;
	}
	/* Memory: the operand's bytes at reg + disp in the traced process. */
	int mark = cg->e.stack;
	int slot = bt_cg__slot(cg, 8, 0, 0);
	EMIT(cg, BT_ST_IMM(BPF_DW, BPF_REG_10, slot, 0));
	EMIT(cg, BT_MOV64_REG(BPF_REG_3, BPF_REG_0));
	if (a->value >= INT32_MIN && a->value <= INT32_MAX)
		EMIT(cg, BT_ALU64_IMM(BPF_ADD, BPF_REG_3, (int32_t)a->value));
	else {
		bt_emit__ld_imm64(&cg->e, BPF_REG_2, (uint64_t)a->value);
		EMIT(cg, BT_ALU64_REG(BPF_ADD, BPF_REG_3, BPF_REG_2));
	}
	EMIT(cg, BT_MOV64_REG(BPF_REG_1, BPF_REG_10));
	EMIT(cg, BT_ALU64_IMM(BPF_ADD, BPF_REG_1, slot));
	EMIT(cg, BT_MOV64_IMM(BPF_REG_2, a->size));
	EMIT(cg, BT_CALL(BPF_FUNC_probe_read_user));
	EMIT(cg, BT_LDX(bt_emit__size((unsigned)a->size), BPF_REG_0, BPF_REG_10,
			slot));
	extend(cg, a);
	bt_emit__stack_reset(&cg->e, mark);
	return true;
}

int bt_probe__attach_usdt(int fd, const struct bt_unit_ap *u,
			  struct bt_link **out, char *err, size_t len)
{
	if (!u->file_offset) {
		snprintf(err, len, "cannot attach usdt: no USDT probe %s in %s",
			 u->symbol, u->path);
		*out = NULL;
		return 0;
	}
	return bt_attach__usdt(fd, u->path, u->file_offset, u->sema_offset, -1,
			       out, err, len);
}

/* ---- fentry:[MODULE:]FUNCTION, fexit: (kfunc:, kretfunc:) --------------- */

static bool fentry_unit(struct bt_unit_ap *u, const struct bt_attach_point *ap,
			const struct bt_btf *b, const char *fn)
{
	u->kind = ap->kind;
	u->ap = ap;
	u->target = strdup(fn);
	return u->target && bt_btf__func(b, fn, &u->btf_id, NULL, 0) == 0;
}

int bt_probe__expand_fentry(struct bt_sema *s, const struct bt_attach_point *ap,
			    struct bt_unit_ap **out)
{
	char err[300];
	const struct bt_btf *b = bt_sema__btf(s);
	if (ap->nparts < 1 || ap->nparts > 2) {
		snprintf(err, sizeof(err),
			 "malformed probe '%s': expected %s:[module:]function",
			 ap->raw, bt_probe_kind__name(ap->kind));
		return fail(s, ap, err);
	}
	if (!b)
		return fail(s, ap,
			    "fentry/fexit probes need kernel BTF "
			    "(/sys/kernel/btf/vmlinux)");
	if (ap->nparts == 2 && strcmp(ap->parts[0], "vmlinux")) {
		snprintf(err, sizeof(err),
			 "%s probes on module functions (module '%s') are "
			 "not supported yet; only vmlinux functions",
			 bt_probe_kind__name(ap->kind), ap->parts[0]);
		return fail(s, ap, err);
	}
	const char *fn = ap->parts[ap->nparts - 1];
	struct bt_strlist l = {0};
	int n = bt_btf__funcs_match(b, fn, &l, err, sizeof(err));
	if (n < 0)
		return n == -ENOMEM ? -1 : fail(s, ap, err);
	struct bt_unit_ap *u = calloc((size_t)n, sizeof(*u));
	bool ok = u != NULL;
	for (int i = 0; ok && i < n; i++)
		ok = fentry_unit(&u[i], ap, b, l.v[i]);
	bt_strlist__free(&l);
	if (!ok) {
		bt_probe__free_units(u, n);
		return -1;
	}
	*out = u;
	return n;
}

bool bt_probe__fexit_ret(struct bt_cg *cg)
{
	int n = bt_btf__func_nparams(bt_sema__btf(cg->s), cg->s->uap->btf_id);
	if (n < 0)
		return false;
	EMIT(cg, BT_LDX(BPF_DW, BPF_REG_0, BT_REG_CTX, (int16_t)(8 * n)));
	return true;
}

int bt_probe__fentry_param(struct bt_sema *s, const char *name, unsigned *index,
			   uint32_t *type)
{
	const struct bt_btf *b = bt_sema__btf(s);
	int n = b ? bt_btf__func_nparams(b, s->uap->btf_id) : -EINVAL;
	for (int i = 0; i < n; i++) {
		const char *pn;
		if (bt_btf__func_param(b, s->uap->btf_id, (unsigned)i, &pn,
				       type) == 0 &&
		    !strcmp(pn, name)) {
			*index = (unsigned)i;
			return 0;
		}
	}
	return -ENOENT;
}

int bt_probe__attach_fentry(int fd, const struct bt_unit_ap *u,
			    struct bt_link **out, char *err, size_t len)
{
	return bt_attach__fentry(fd, u->target, out, err, len);
}
