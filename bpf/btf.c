/*
 * btf.c - the compiler's view of kernel types, read from BTF.
 *
 * A thin layer over libbpf's BTF parser that answers the questions a type
 * checker asks: what is `struct sock`, where is `skc_dport` inside it (through
 * the anonymous structs and unions of struct sock_common), how wide and how
 * signed is a field, what is TCP_ESTABLISHED.
 *
 * Invariants:
 *   - The vmlinux BTF is read once per process (pthread_once) and never
 *     freed: every compile in the daemon shares it. It is indexed by
 *     btf_raw.c rather than parsed by libbpf, which is ten times slower.
 *   - Three indexes are built lazily under the bt_btf's mutex: type names
 *     (btf_raw's hash), enum constants sorted by name (bsearch), and
 *     "pointer type whose target is id". Once built they are read-only.
 *   - Pointer types the kernel lacks ("struct x **") are synthetic records
 *     with ids after the last real one, in a fixed array that never moves,
 *     added under the mutex; nextra is published with a release store.
 */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <bpf/btf.h> /* libbpf's: the build quotes project headers */

#include "bpf/btf.h"
#include "bpf/errmsg.h"
#include "bpf/btf_int.h"
#include "bpf/btf_raw.h"
#include "bpf/tracefs.h" /* bt_glob__match, bt_strlist */

#define MAX_EXTRA 4096 /* synthetic pointer types per bt_btf */

struct bt_btf {
	struct btf_raw raw;
	struct btf_type *extra; /* synthetic pointers: ids raw.n.. */
	uint32_t nextra;
	bool names_indexed[2]; /* [1]: functions */
	pthread_mutex_t lock;
	bool enums_indexed;
	uint32_t *ptr_of; /* ptr_of[target] = pointer type id, 0 if none */
	uint32_t nptr_of;
};


/* ---- Opening ---------------------------------------------------------------
 */

static struct bt_btf *alloc(void)
{
	struct bt_btf *b = calloc(1, sizeof(*b));

	if (b)
		pthread_mutex_init(&b->lock, NULL);
	return b;
}

static void release(struct bt_btf *b)
{
	btf_raw__release(&b->raw);
	free(b->extra);
	free(b->ptr_of);
	pthread_mutex_destroy(&b->lock);
	free(b);
}

static pthread_once_t vmlinux_once = PTHREAD_ONCE_INIT;
static struct bt_btf *vmlinux_btf;
static int vmlinux_err;
static char vmlinux_msg[200];

static void vmlinux_load(void)
{
	static const char path[] = "/sys/kernel/btf/vmlinux";
	struct bt_btf *b = alloc();
	char why[128] = "";

	vmlinux_err =
		b ? btf_raw__load(&b->raw, path, why, sizeof(why)) : -ENOMEM;
	if (vmlinux_err) {
		snprintf(vmlinux_msg, sizeof(vmlinux_msg),
			 "cannot load kernel BTF (%s): %s", path,
			 *why ? why : strerror(-vmlinux_err));
		if (b)
			release(b);
		return;
	}
	vmlinux_btf = b;
}

int bt_btf__vmlinux(struct bt_btf **out, char *err, size_t errlen)
{
	pthread_once(&vmlinux_once, vmlinux_load);
	if (!vmlinux_btf) {
		bt_errmsg__set(err, errlen, "%s", vmlinux_msg);
		return vmlinux_err;
	}
	*out = vmlinux_btf;
	return 0;
}

int bt_btf__open(const char *path, struct bt_btf **out, char *err,
		 size_t errlen)
{
	struct bt_btf *b = alloc();
	char why[128] = "";
	int ret;

	if (!b)
		return -ENOMEM;
	ret = btf_raw__load(&b->raw, path, why, sizeof(why));
	if (ret) {
		bt_errmsg__set(err, errlen, "cannot load BTF from %s: %s", path,
		       *why ? why : strerror(-ret));
		release(b);
		return ret;
	}
	*out = b;
	return 0;
}

int bt_btf__from_raw(char *data, size_t size, struct bt_btf **out, char *err,
		     size_t errlen)
{
	struct bt_btf *b = alloc();
	int ret;

	if (!b) {
		free(data);
		return -ENOMEM;
	}
	ret = btf_raw__init(&b->raw, data, size, err, errlen);
	if (ret) {
		release(b);
		return ret;
	}
	*out = b;
	return 0;
}

void bt_btf__sections(const struct bt_btf *b, const char **types,
		      uint32_t *tlen, const char **strs, uint32_t *slen,
		      uint32_t *n)
{
	const struct btf_header *h = (const void *)b->raw.data;

	*types = b->raw.types;
	*tlen = h->type_len;
	*strs = b->raw.strs;
	*slen = b->raw.strs_len;
	*n = b->raw.n;
}

void bt_btf__free(struct bt_btf *b)
{
	if (b && b != vmlinux_btf)
		release(b);
}

/* ---- Kinds and stripping
 * ----------------------------------------------------- */

static uint32_t nextra(const struct bt_btf *b)
{
	return __atomic_load_n(&b->nextra, __ATOMIC_ACQUIRE);
}

const struct btf_type *bt_btf__rec(const struct bt_btf *b, uint32_t id)
{
	if (id < b->raw.n)
		return btf_raw__type(&b->raw, id);
	if (id - b->raw.n < nextra(b))
		return &b->extra[id - b->raw.n];
	return NULL;
}

const char *bt_btf__str(const struct bt_btf *b, uint32_t off)
{
	return btf_raw__str(&b->raw, off);
}

/* BTF_KIND_* to the kinds the compiler distinguishes (unlisted: OTHER). */
static const enum bt_btf_kind kinds[] = {
	[BTF_KIND_INT] = BT_BTF_INT,
	[BTF_KIND_PTR] = BT_BTF_PTR,
	[BTF_KIND_ARRAY] = BT_BTF_ARRAY,
	[BTF_KIND_STRUCT] = BT_BTF_STRUCT,
	[BTF_KIND_UNION] = BT_BTF_UNION,
	[BTF_KIND_ENUM] = BT_BTF_ENUM,
	[BTF_KIND_ENUM64] = BT_BTF_ENUM,
	[BTF_KIND_FWD] = BT_BTF_FWD,
	[BTF_KIND_TYPEDEF] = BT_BTF_TYPEDEF,
	[BTF_KIND_CONST] = BT_BTF_MODIFIER,
	[BTF_KIND_VOLATILE] = BT_BTF_MODIFIER,
	[BTF_KIND_RESTRICT] = BT_BTF_MODIFIER,
	[BTF_KIND_TYPE_TAG] = BT_BTF_MODIFIER,
	[BTF_KIND_FUNC] = BT_BTF_FUNC,
	[BTF_KIND_FUNC_PROTO] = BT_BTF_FUNC_PROTO,
	[BTF_KIND_FLOAT] = BT_BTF_FLOAT,
};

enum bt_btf_kind bt_btf__kind(const struct bt_btf *b, uint32_t id)
{
	const struct btf_type *t = bt_btf__rec(b, id);
	unsigned k = t ? btf_kind(t) : 0;

	if (!t)
		return BT_BTF_VOID;
	return k < sizeof(kinds) / sizeof(kinds[0]) && kinds[k] ? kinds[k]
								: BT_BTF_OTHER;
}

uint32_t bt_btf__strip(const struct bt_btf *b, uint32_t id)
{
	/* Bounded: a malformed BTF could loop typedefs into a cycle. */
	for (int depth = 0; depth < 64; depth++) {
		enum bt_btf_kind k = bt_btf__kind(b, id);

		if (k != BT_BTF_TYPEDEF && k != BT_BTF_MODIFIER)
			return id;
		id = bt_btf__rec(b, id)->type;
	}
	return 0;
}

const char *bt_btf__name(const struct bt_btf *b, uint32_t id)
{
	const struct btf_type *t = bt_btf__rec(b, id);

	return t ? bt_btf__str(b, t->name_off) : "";
}

/* ---- Finding types by name -------------------------------------------------
 */

/* The BTF_KIND_* that bt_btf__find searches for a kind, -1 if none. */
static int libbpf_kind(enum bt_btf_kind kind)
{
	static const int map[] = {
		[BT_BTF_STRUCT] = BTF_KIND_STRUCT,
		[BT_BTF_UNION] = BTF_KIND_UNION,
		[BT_BTF_ENUM] = BTF_KIND_ENUM,
		[BT_BTF_TYPEDEF] = BTF_KIND_TYPEDEF,
		[BT_BTF_INT] = BTF_KIND_INT,
		[BT_BTF_FUNC] = BTF_KIND_FUNC,
		[BT_BTF_FWD] = BTF_KIND_FWD,
		[BT_BTF_FLOAT] = BTF_KIND_FLOAT,
	};

	if ((unsigned)kind >= sizeof(map) / sizeof(map[0]) || !map[kind])
		return -1;
	return map[kind];
}

/* Builds the name hash (functions, or the rest) on first use. */
static int index_names(const struct bt_btf *b, bool funcs)
{
	struct bt_btf *mb = (struct bt_btf *)b; /* lazy index only */
	int ret = 0;

	if (__atomic_load_n(&b->names_indexed[funcs], __ATOMIC_ACQUIRE))
		return 0;
	pthread_mutex_lock(&mb->lock);
	if (!mb->names_indexed[funcs]) {
		ret = btf_raw__index_names(&mb->raw, funcs);
		if (!ret)
			__atomic_store_n(&mb->names_indexed[funcs], true,
					 __ATOMIC_RELEASE);
	}
	pthread_mutex_unlock(&mb->lock);
	return ret;
}

int bt_btf__find(const struct bt_btf *b, const char *name,
		 enum bt_btf_kind kind, uint32_t *id)
{
	int k = libbpf_kind(kind);
	uint32_t found;

	if (k < 0 || !name || !*name || index_names(b, k == BTF_KIND_FUNC))
		return -ENOENT;
	found = btf_raw__find(&b->raw, name, k);
	if (!found && kind == BT_BTF_ENUM)
		found = btf_raw__find(&b->raw, name, BTF_KIND_ENUM64);
	if (!found)
		return -ENOENT;
	*id = found;
	return 0;
}

/* C spellings of integer types mapped to the names BTF (gcc) uses. */
static const char *const int_alias[][2] = {
	{"unsigned", "unsigned int"},
	{"signed", "int"},
	{"signed int", "int"},
	{"long", "long int"},
	{"signed long", "long int"},
	{"unsigned long", "long unsigned int"},
	{"unsigned long int", "long unsigned int"},
	{"long long", "long long int"},
	{"unsigned long long", "long long unsigned int"},
	{"unsigned long long int", "long long unsigned int"},
	{"short", "short int"},
	{"unsigned short", "short unsigned int"},
	{"unsigned short int", "short unsigned int"},
};

/* Copies src to dst collapsing runs of blanks to one space, trimming. */
static void squeeze(char *dst, size_t len, const char *src, size_t n)
{
	size_t o = 0;

	for (size_t i = 0; i < n && o + 1 < len; i++) {
		if (src[i] == ' ' || src[i] == '\t') {
			if (o && dst[o - 1] != ' ')
				dst[o++] = ' ';
			continue;
		}
		dst[o++] = src[i];
	}
	while (o && dst[o - 1] == ' ')
		o--;
	dst[o] = 0;
}

static int find_base(const struct bt_btf *b, const char *base, uint32_t *id)
{
	static const struct {
		const char *prefix;
		enum bt_btf_kind kind;
	} tagged[] = {
		{"struct ", BT_BTF_STRUCT},
		{"union ", BT_BTF_UNION},
		{"enum ", BT_BTF_ENUM},
	};

	if (!strncmp(base, "const ", 6))
		base += 6;
	if (!strncmp(base, "volatile ", 9))
		base += 9;
	if (!strcmp(base, "void")) {
		*id = 0;
		return 0;
	}
	for (size_t i = 0; i < sizeof(tagged) / sizeof(tagged[0]); i++) {
		size_t n = strlen(tagged[i].prefix);

		if (!strncmp(base, tagged[i].prefix, n)) {
			if (!bt_btf__find(b, base + n, tagged[i].kind, id))
				return 0;
			/* A struct only declared (fwd) is still nameable. */
			if (tagged[i].kind != BT_BTF_ENUM)
				return bt_btf__find(b, base + n, BT_BTF_FWD,
						    id);
			return -ENOENT;
		}
	}
	for (size_t i = 0; i < sizeof(int_alias) / sizeof(int_alias[0]); i++)
		if (!strcmp(base, int_alias[i][0]))
			base = int_alias[i][1];
	if (!bt_btf__find(b, base, BT_BTF_INT, id) ||
	    !bt_btf__find(b, base, BT_BTF_TYPEDEF, id) ||
	    !bt_btf__find(b, base, BT_BTF_FLOAT, id))
		return 0;
	return -ENOENT;
}

static int build_ptr_index(struct bt_btf *b)
{
	uint32_t n = b->raw.n;

	b->ptr_of = calloc(n, sizeof(*b->ptr_of));
	if (!b->ptr_of)
		return -ENOMEM;
	b->nptr_of = n;
	for (uint32_t id = 1; id < n; id++) {
		const struct btf_type *t = btf_raw__type(&b->raw, id);

		if (btf_is_ptr(t) && t->type < n && !b->ptr_of[t->type])
			b->ptr_of[t->type] = id;
	}
	return 0;
}

/* Pointer type to target, reusing the kernel's or adding one. Locked. */
static int pointer_to(struct bt_btf *b, uint32_t target, uint32_t *id)
{
	int ret;

	if (!b->ptr_of && (ret = build_ptr_index(b)))
		return ret;
	if (target < b->nptr_of && b->ptr_of[target]) {
		*id = b->ptr_of[target];
		return 0;
	}
	/* Pointers to synthetic pointers are found by a scan of extra. */
	for (uint32_t i = 0; i < b->nextra; i++) {
		if (b->extra[i].type == target) {
			*id = b->raw.n + i;
			return 0;
		}
	}
	if (!b->extra && !(b->extra = calloc(MAX_EXTRA, sizeof(*b->extra))))
		return -ENOMEM;
	if (b->nextra == MAX_EXTRA)
		return -ENOSPC;
	b->extra[b->nextra] = (struct btf_type){
		.info = (__u32)BTF_KIND_PTR << 24, /* kind bits 24-28 */
		.type = target,
	};
	*id = b->raw.n + b->nextra;
	__atomic_store_n(&b->nextra, b->nextra + 1, __ATOMIC_RELEASE);
	if (target < b->nptr_of)
		b->ptr_of[target] = *id;
	return 0;
}

int bt_btf__ptr_to(struct bt_btf *b, uint32_t target, uint32_t *id)
{
	pthread_mutex_lock(&b->lock);
	int ret = pointer_to(b, target, id);
	pthread_mutex_unlock(&b->lock);
	return ret;
}

int bt_btf__lookup(struct bt_btf *b, const char *spelling, uint32_t *id,
		   char *err, size_t errlen)
{
	char base[256];
	size_t n = spelling ? strlen(spelling) : 0;
	int stars = 0, ret;
	uint32_t cur;

	/* Peel trailing '*' (and blanks between them). */
	while (n && (spelling[n - 1] == '*' || spelling[n - 1] == ' ' ||
		     spelling[n - 1] == '\t'))
		stars += spelling[--n] == '*';
	squeeze(base, sizeof(base), spelling ? spelling : "", n);
	if (!*base || find_base(b, base, &cur)) {
		bt_errmsg__set(err, errlen, "unknown type '%s'",
		       spelling ? spelling : "");
		return -ENOENT;
	}
	if (!stars && cur == 0) {
		bt_errmsg__set(err, errlen, "'void' is not a value type");
		return -EINVAL;
	}
	pthread_mutex_lock(&b->lock);
	for (ret = 0; stars-- > 0 && !ret;)
		ret = pointer_to(b, cur, &cur);
	pthread_mutex_unlock(&b->lock);
	if (ret) {
		bt_errmsg__set(err, errlen, "cannot make a pointer to '%s': %s", base,
		       strerror(-ret));
		return ret;
	}
	*id = cur;
	return 0;
}

/* ---- Sizes, integers, arrays, pointers
 * ----------------------------------------- */

static int64_t size_of(const struct bt_btf *b, uint32_t id, int depth)
{
	const struct btf_type *t;
	int64_t elem;

	id = bt_btf__strip(b, id);
	t = bt_btf__rec(b, id);
	if (!t || depth > 32)
		return -EINVAL;
	switch (bt_btf__kind(b, id)) {
	case BT_BTF_INT:
	case BT_BTF_ENUM:
	case BT_BTF_STRUCT:
	case BT_BTF_UNION:
	case BT_BTF_FLOAT:
		return t->size;
	case BT_BTF_PTR:
		return 8;
	case BT_BTF_ARRAY:
		elem = size_of(b, btf_array(t)->type, depth + 1);
		if (elem < 0 ||
		    (elem && btf_array(t)->nelems > INT64_MAX / elem))
			return -EINVAL;
		return elem * btf_array(t)->nelems;
	default:
		return -EINVAL;
	}
}

int64_t bt_btf__size(const struct bt_btf *b, uint32_t id)
{
	return size_of(b, id, 0);
}

int bt_btf__int(const struct bt_btf *b, uint32_t id, unsigned *size,
		bool *is_signed, bool *is_char, bool *is_bool)
{
	const struct btf_type *t;
	bool sgn = false, chr = false, bln = false;

	id = bt_btf__strip(b, id);
	t = bt_btf__rec(b, id);
	if (!t)
		return -EINVAL;
	if (btf_is_int(t)) {
		__u8 enc = BTF_INT_ENCODING(*(const __u32 *)(t + 1));

		sgn = enc & BTF_INT_SIGNED;
		bln = enc & BTF_INT_BOOL;
		chr = (enc & BTF_INT_CHAR) ||
		      strstr(bt_btf__name(b, id), "char") != NULL;
		*size = t->size;
	} else if (btf_is_any_enum(t)) {
		sgn = btf_kflag(t);
		*size = t->size;
	} else if (btf_is_ptr(t)) {
		*size = 8;
	} else {
		return -EINVAL;
	}
	if (is_signed)
		*is_signed = sgn;
	if (is_char)
		*is_char = chr;
	if (is_bool)
		*is_bool = bln;
	return 0;
}

int bt_btf__array(const struct bt_btf *b, uint32_t id, uint32_t *elem,
		  uint32_t *count)
{
	const struct btf_type *t = bt_btf__rec(b, bt_btf__strip(b, id));

	if (!t || !btf_is_array(t))
		return -EINVAL;
	*elem = btf_array(t)->type;
	*count = btf_array(t)->nelems;
	return 0;
}

int bt_btf__pointee(const struct bt_btf *b, uint32_t id, uint32_t *target)
{
	const struct btf_type *t = bt_btf__rec(b, bt_btf__strip(b, id));

	if (!t || !btf_is_ptr(t))
		return -EINVAL;
	*target = t->type;
	return 0;
}

/* ---- Members
 * ------------------------------------------------------------------ */

/*
 * Searches composite id for name, descending into anonymous members.
 * *budget bounds the members visited: a malformed BTF could nest the same
 * anonymous struct many times over, which would be exponential.
 */
static bool find_member(const struct bt_btf *b, uint32_t id, const char *name,
			uint64_t base_bits, struct bt_btf_member *out,
			int depth, long *budget)
{
	const struct btf_type *t = bt_btf__rec(b, id);
	const struct btf_member *m;
	uint16_t n;

	if (!t || !btf_is_composite(t) || depth > 32)
		return false;
	m = btf_members(t);
	n = btf_vlen(t);
	for (uint16_t i = 0; i < n && --*budget > 0; i++, m++) {
		const char *mn = bt_btf__str(b, m->name_off);
		uint64_t off = base_bits + btf_member_bit_offset(t, i);

		if (*mn) {
			if (strcmp(mn, name))
				continue;
			out->offset = off / 8;
			out->bit_shift = off % 8;
			out->bit_size = btf_member_bitfield_size(t, i);
			out->type = m->type;
			return true;
		}
		if (find_member(b, bt_btf__strip(b, m->type), name, off, out,
				depth + 1, budget))
			return true;
	}
	return false;
}

static unsigned pow2_at_least(unsigned n)
{
	unsigned p = 1;

	while (p < n)
		p <<= 1;
	return p;
}

int bt_btf__member(const struct bt_btf *b, uint32_t id, const char *name,
		   struct bt_btf_member *m, char *err, size_t errlen)
{
	uint32_t sid = bt_btf__strip(b, id);
	enum bt_btf_kind k = bt_btf__kind(b, sid);
	long budget = 100000;
	char tn[128];

	bt_btf__type_str(b, id, tn, sizeof(tn));
	if (k != BT_BTF_STRUCT && k != BT_BTF_UNION) {
		bt_errmsg__set(err, errlen, "'%s' is not a struct or union", tn);
		return -EINVAL;
	}
	memset(m, 0, sizeof(*m));
	if (!name || !*name || !find_member(b, sid, name, 0, m, 0, &budget)) {
		bt_errmsg__set(err, errlen, "%s has no member '%s'", tn,
		       name ? name : "");
		return -ENOENT;
	}
	if (!m->bit_size) {
		int64_t sz = bt_btf__size(b, m->type);

		m->bit_shift = 0; /* plain members are byte aligned */
		m->load_size = sz < 0 ? 0 : sz > 8 ? 8 : (uint32_t)sz;
		return 0;
	}
	m->load_size = pow2_at_least((m->bit_shift + m->bit_size + 7) / 8);
	if (m->load_size > 8) {
		bt_errmsg__set(err, errlen, "bitfield %s.%s spans more than 8 bytes",
		       tn, name);
		return -EOPNOTSUPP;
	}
	return 0;
}

/* ---- Enum constants
 * ------------------------------------------------------------ */

int bt_btf__enum_value(const struct bt_btf *b, const char *name, int64_t *value,
		       uint32_t *enum_id)
{
	struct bt_btf *mb = (struct bt_btf *)b; /* lazy index only */
	int ret = 0;

	if (!__atomic_load_n(&b->enums_indexed, __ATOMIC_ACQUIRE)) {
		pthread_mutex_lock(&mb->lock);
		if (!mb->enums_indexed)
			ret = btf_raw__index_enums(&mb->raw);
		if (!ret)
			__atomic_store_n(&mb->enums_indexed, true,
					 __ATOMIC_RELEASE);
		pthread_mutex_unlock(&mb->lock);
	}
	return ret ? ret : btf_raw__enum(&b->raw, name, value, enum_id);
}

/* ---- Functions
 * ---------------------------------------------------------------- */

int bt_btf__func(const struct bt_btf *b, const char *name, uint32_t *id,
		 char *err, size_t errlen)
{
	if (bt_btf__find(b, name, BT_BTF_FUNC, id)) {
		bt_errmsg__set(err, errlen, "no kernel function '%s' in BTF",
		       name ? name : "");
		return -ENOENT;
	}
	return 0;
}

int bt_btf__funcs_match(const struct bt_btf *b, const char *glob,
			struct bt_strlist *out, char *err, size_t errlen)
{
	size_t cap = 0;
	int ret = 0;

	out->n = 0;
	out->v = NULL;
	for (uint32_t id = 1; glob && id < b->raw.n && !ret; id++) {
		const struct btf_type *t = bt_btf__rec(b, id);

		if (t && btf_is_func(t) &&
		    bt_glob__match(glob, bt_btf__name(b, id)))
			ret = bt_strlist__push(out, &cap, bt_btf__name(b, id));
	}
	if (ret) {
		bt_strlist__free(out);
		bt_errmsg__set(err, errlen, "out of memory");
		return ret;
	}
	if (!out->n) {
		bt_errmsg__set(err, errlen, "no kernel function matches '%s' in BTF",
		       glob ? glob : "");
		return -ENOENT;
	}
	bt_strlist__sort_unique(out);
	return (int)out->n;
}

/* The FUNC_PROTO of a FUNC, or the FUNC_PROTO itself; NULL otherwise. */
static const struct btf_type *proto(const struct bt_btf *b, uint32_t id)
{
	const struct btf_type *t = bt_btf__rec(b, id);

	if (t && btf_is_func(t))
		t = bt_btf__rec(b, t->type);
	return t && btf_is_func_proto(t) ? t : NULL;
}

int bt_btf__func_nparams(const struct bt_btf *b, uint32_t func)
{
	const struct btf_type *t = proto(b, func);

	return t ? btf_vlen(t) : -EINVAL;
}

int bt_btf__func_param(const struct bt_btf *b, uint32_t func, unsigned i,
		       const char **name, uint32_t *type_id)
{
	const struct btf_type *t = proto(b, func);
	const struct btf_param *p;

	if (!t)
		return -EINVAL;
	if (i >= btf_vlen(t))
		return -ERANGE;
	p = btf_params(t) + i;
	if (name) {
		*name = bt_btf__str(b, p->name_off);
	}
	if (type_id)
		*type_id = p->type;
	return 0;
}

int bt_btf__func_ret(const struct bt_btf *b, uint32_t func, uint32_t *type_id)
{
	const struct btf_type *t = proto(b, func);

	if (!t)
		return -EINVAL;
	*type_id = t->type;
	return 0;
}
