/*
 * bpf/btf_ext.h - types a program defines itself (`struct x { ... };`),
 * added to a base BTF (the kernel's) as new BTF records.
 *
 * The compiler asks every type question of one bt_btf, so in-script
 * structs become real BTF: a copy of the base's sections with the new
 * records and names appended. Base ids keep their meaning; new ids follow
 * the base's last one. Layouts follow the C rules of x86-64: each member
 * at the next multiple of its alignment, a struct's alignment is its
 * widest member's, its size a multiple of that; union members all at 0.
 *
 * Errors: negative errno plus a message in (err, errlen): -EINVAL (a
 * member of unknown size, an empty struct), -ENOMEM.
 */
#ifndef BT_BPF_BTF_EXT_H
#define BT_BPF_BTF_EXT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct bt_btf;
struct bt_btf_ext;

/* One member of a struct being added: its name and BTF type id. */
struct bt_btf_ext_member {
	const char *name;
	uint32_t type;
};

/* A builder over base (which must outlive it); NULL on OOM. */
struct bt_btf_ext *bt_btf_ext__new(const struct bt_btf *base);
/* Frees the builder (not a bt_btf made by bt_btf_ext__finish). */
void bt_btf_ext__free(struct bt_btf_ext *x);

/*
 * Id of a new forward declaration of struct (or union) name, so members
 * can point to the struct being defined; bt_btf_ext__retarget then moves
 * those pointers to the definition. 0 on OOM.
 */
uint32_t bt_btf_ext__fwd(struct bt_btf_ext *x, const char *name, bool is_union);
/* Points every new pointer to from at to instead. */
void bt_btf_ext__retarget(struct bt_btf_ext *x, uint32_t from, uint32_t to);

/* Id of a new pointer to target (0: void *), or 0 on OOM. */
uint32_t bt_btf_ext__ptr(struct bt_btf_ext *x, uint32_t target);
/* Id of a new array of nelems elem, or 0 on OOM / bad element type. */
uint32_t bt_btf_ext__array(struct bt_btf_ext *x, uint32_t elem,
			   uint32_t nelems);
/*
 * Adds a struct (or union) with members laid out by the C rules. Returns
 * 0 and its id in *id, or -EINVAL/-ENOMEM with a message.
 */
int bt_btf_ext__struct(struct bt_btf_ext *x, const char *name, bool is_union,
		       const struct bt_btf_ext_member *m, size_t n,
		       uint32_t *id, char *err, size_t errlen);

/* Size in bytes of a base or new type, or -EINVAL. */
int64_t bt_btf_ext__size(const struct bt_btf_ext *x, uint32_t id);

/*
 * The base BTF plus every record added. Returns 0 and *out (free with
 * bt_btf__free), or -ENOMEM / -EINVAL with a message.
 */
int bt_btf_ext__finish(struct bt_btf_ext *x, struct bt_btf **out, char *err,
		       size_t errlen);

#endif
