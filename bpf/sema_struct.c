/*
 * sema_struct.c - the program's own `struct x { ... };` and `union`
 * definitions as types.
 *
 * bpftrace hands such definitions to a C compiler, so they follow the C
 * layout rules and shadow kernel types of the same name (runqlen.bt
 * declares the part of struct cfs_rq it reads). Here each definition, in
 * program order, becomes a BTF record appended to the kernel's BTF
 * (btf_ext.c), and that combined BTF is the one every later type question
 * of this compilation asks; names are looked up among the program's
 * definitions first (bt_sema__script_type). Member types may be integers,
 * pointers, arrays, kernel types, and structs defined earlier.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bpf/btf_ext.h"
#include "bpf/sema.h"

bool bt_sema__script_type(const struct bt_sema *s, bool is_union,
			  const char *name, uint32_t *id)
{
	for (size_t i = s->nscript_types; i-- > 0;)
		if (s->script_types[i].is_union == is_union &&
		    !strcmp(s->script_types[i].name, name)) {
			*id = s->script_types[i].id;
			return true;
		}
	return false;
}

uint32_t bt_sema__shadowed(const struct bt_sema *s, uint32_t id)
{
	uint32_t own;
	if (!s->nscript_types || !id || !s->btf)
		return id;
	enum bt_btf_kind k = bt_btf__kind(s->btf, id);
	const char *name = bt_btf__name(s->btf, id);
	if ((k == BT_BTF_STRUCT || k == BT_BTF_UNION) && name &&
	    bt_sema__script_type(s, k == BT_BTF_UNION, name, &own))
		return own;
	return id;
}

/* The kernel's spelling of a language integer type. */
static const char *int_spelling(const struct bt_type_name *tn)
{
	static const char *const n[2][4] = {{"u8", "u16", "u32", "u64"},
					    {"s8", "s16", "s32", "s64"}};
	unsigned i = tn->bits == 8    ? 0
		     : tn->bits == 16 ? 1
		     : tn->bits == 32 ? 2
				      : 3;
	/* char arrays are strings, as in bpftrace. */
	if (tn->bits == 8 && tn->is_array && !tn->ptr_depth)
		return "char";
	return n[tn->is_signed][i];
}

/* The BTF id of a member's type before '*'s and '[N]'; 0 for void. */
static int base_type(struct bt_sema *s, const struct bt_type_name *tn,
		     uint32_t *id)
{
	char spelling[200], err[256];
	switch (tn->kind) {
	case BT_TYPE_VOID:
		*id = 0;
		if (tn->ptr_depth)
			return 0;
		bt_sema__error(s, tn->line, tn->col,
			       "a member cannot have type void");
		return -1;
	case BT_TYPE_STRING:
		bt_sema__error(s, tn->line, tn->col,
			       "string is not a C type; use char[N]");
		return -1;
	case BT_TYPE_INT:
		snprintf(spelling, sizeof(spelling), "%s", int_spelling(tn));
		break;
	case BT_TYPE_BOOL:
		snprintf(spelling, sizeof(spelling), "_Bool");
		break;
	case BT_TYPE_STRUCT:
	case BT_TYPE_UNION:
		if (bt_sema__script_type(s, tn->kind == BT_TYPE_UNION, tn->name,
					 id))
			return 0;
		/* fall through */
	default:
		snprintf(spelling, sizeof(spelling), "%s%s",
			 tn->kind == BT_TYPE_STRUCT  ? "struct "
			 : tn->kind == BT_TYPE_UNION ? "union "
			 : tn->kind == BT_TYPE_ENUM  ? "enum "
						     : "",
			 tn->name);
	}
	if (bt_btf__lookup(bt_sema__btf(s), spelling, id, err, sizeof(err)) <
	    0) {
		bt_sema__error(s, tn->line, tn->col, "%s", err);
		return -1;
	}
	return 0;
}

static int member_type(struct bt_sema *s, struct bt_btf_ext *x,
		       const struct bt_type_name *tn, uint32_t *id)
{
	if (base_type(s, tn, id) < 0)
		return -1;
	for (unsigned i = 0; i < tn->ptr_depth && *id != UINT32_MAX; i++)
		*id = bt_btf_ext__ptr(x, *id) ?: UINT32_MAX;
	if (tn->is_array && *id != UINT32_MAX) {
		if (tn->array_len == 0 || tn->array_len > 0xffffff) {
			bt_sema__error(s, tn->line, tn->col,
				       "array length must be 1 to 16777215");
			return -1;
		}
		*id = bt_btf_ext__array(x, *id, (uint32_t)tn->array_len)
			      ?: UINT32_MAX;
	}
	if (*id == UINT32_MAX) {
		bt_sema__error(s, tn->line, tn->col,
			       "cannot lay out this member type");
		return -1;
	}
	return 0;
}

/* Registers name as a program type with this id (replacing none). */
static int remember(struct bt_sema *s, const struct bt_struct_def *d,
		    uint32_t id)
{
	struct bt_script_type *t =
		realloc(s->script_types, (s->nscript_types + 1) * sizeof(*t));
	if (!t)
		return -ENOMEM;
	s->script_types = t;
	t[s->nscript_types++] =
		(struct bt_script_type){d->name, d->is_union, id};
	return 0;
}

/*
 * A member may point to the struct being defined (lists, trees): its
 * name stands for a forward declaration until the definition exists.
 */
/* C's rules: one definition per tag, one member per name. */
static int check_names(struct bt_sema *s, const struct bt_struct_def *d)
{
	uint32_t id;
	const char *kw = d->is_union ? "union" : "struct";
	if (bt_sema__script_type(s, d->is_union, d->name, &id)) {
		bt_sema__error(s, d->line, d->col, "redefinition of %s %s", kw,
			       d->name);
		return -1;
	}
	for (size_t i = 0; i < d->nmembers; i++)
		for (size_t j = 0; j < i; j++)
			if (!strcmp(d->members[i].name, d->members[j].name)) {
				bt_sema__error(s, d->members[i].line,
					       d->members[i].col,
					       "duplicate member '%s' in %s %s",
					       d->members[i].name, kw, d->name);
				return -1;
			}
	return 0;
}

static int add_def(struct bt_sema *s, struct bt_btf_ext *x,
		   const struct bt_struct_def *d)
{
	char err[256];
	if (check_names(s, d) < 0)
		return -EINVAL;
	uint32_t fwd = bt_btf_ext__fwd(x, d->name, d->is_union), id;
	struct bt_btf_ext_member *m = calloc(d->nmembers + 1, sizeof(*m));
	int rc = !fwd || !m ? -ENOMEM : remember(s, d, fwd);
	for (size_t i = 0; i < d->nmembers && !rc; i++) {
		m[i].name = d->members[i].name;
		rc = member_type(s, x, d->members[i].type, &m[i].type);
	}
	if (!rc) {
		rc = bt_btf_ext__struct(x, d->name, d->is_union, m, d->nmembers,
					&id, err, sizeof(err));
		if (rc == -EINVAL)
			bt_sema__error(s, d->line, d->col, "%s", err);
	}
	free(m);
	if (rc)
		return rc;
	bt_btf_ext__retarget(x, fwd, id);
	s->script_types[s->nscript_types - 1].id = id;
	return 0;
}

int bt_sema__structs(struct bt_sema *s, const struct bt_ast *ast)
{
	char err[256];
	if (!ast->nstructs)
		return 0;
	struct bt_btf *base = bt_sema__btf(s);
	if (!base) {
		bt_sema__error(s, ast->structs[0].line, ast->structs[0].col,
			       "struct definitions need the kernel's BTF "
			       "(/sys/kernel/btf/vmlinux)");
		return -EINVAL;
	}
	struct bt_btf_ext *x = bt_btf_ext__new(base);
	if (!x)
		return -ENOMEM;
	int rc = 0;
	for (size_t i = 0; i < ast->nstructs && !rc; i++)
		rc = add_def(s, x, &ast->structs[i]);
	struct bt_btf *own = NULL;
	if (!rc) {
		rc = bt_btf_ext__finish(x, &own, err, sizeof(err));
		if (rc == -EINVAL)
			bt_sema__error(s, ast->structs[0].line,
				       ast->structs[0].col, "%s", err);
	}
	bt_btf_ext__free(x);
	if (rc)
		return rc == -ENOMEM ? rc : -EINVAL;
	s->btf = own;
	s->btf_owned = true;
	bt_type__names_from(own);
	return 0;
}
