/*
 * btf_raw.c - indexing raw BTF without copying it.
 *
 * Layout (Documentation/bpf/btf.rst): a header, then a type section of
 * variable-length records (struct btf_type plus kind-specific data whose
 * length follows from the kind and vlen), then a string section. Type ids
 * are record positions, starting at 1. One pass records every record's
 * offset and checks it lies inside the section; after that, any id below n
 * addresses a complete record. Names are found through an open-addressing
 * hash built on first use, probed in insertion (= id) order, so the lowest
 * id wins as with libbpf's btf__find_by_name_kind.
 */
#include <elf.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <bpf/btf.h> /* libbpf, for BTF inside ELF files only */

#include "bpf/btf_raw.h"

/* Reads a whole file into a malloc'd buffer. Returns 0, or -errno. */
static int read_file(int fd, char **data, size_t *size)
{
	size_t cap = 1 << 20, len = 0;
	char *buf = malloc(cap);
	ssize_t n;

	while (buf && (n = read(fd, buf + len, cap - len)) > 0) {
		len += n;
		if (len == cap) {
			char *nb = realloc(buf, cap * 2);

			if (!nb) {
				free(buf);
				buf = NULL;
				break;
			}
			buf = nb;
			cap *= 2;
		}
	}
	if (!buf)
		return -ENOMEM;
	*data = buf;
	*size = len;
	return 0;
}

static int init(struct btf_raw *r, char *data, size_t size, bool mapped,
		char *err, size_t errlen);

/* The .BTF section of an ELF file, through libbpf, in a malloc'd copy. */
static int read_elf_btf(const char *path, char **data, size_t *size)
{
	struct btf *btf = btf__parse_elf(path, NULL);
	const void *raw;
	__u32 len;

	if (!btf)
		return errno ? -errno : -EINVAL;
	raw = btf__raw_data(btf, &len);
	*data = raw ? malloc(len) : NULL;
	if (*data)
		memcpy(*data, raw, len);
	*size = len;
	btf__free(btf);
	return *data ? 0 : -ENOMEM;
}

int btf_raw__load(struct btf_raw *r, const char *path, char *err, size_t errlen)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC), ret;
	char magic[4], *data;
	struct stat st;
	size_t size;

	memset(r, 0, sizeof(*r));
	if (fd < 0)
		return -errno;
	if (pread(fd, magic, 4, 0) == 4 && !memcmp(magic, ELFMAG, SELFMAG)) {
		close(fd);
		ret = read_elf_btf(path, &data, &size);
		return ret ? ret : init(r, data, size, false, err, errlen);
	}
	/* Mapping avoids copying the kernel's 5+ MB; sysfs allows it. */
	if (!fstat(fd, &st) && st.st_size > 0) {
		data = mmap(NULL, st.st_size, PROT_READ, MAP_PRIVATE, fd, 0);
		if (data != MAP_FAILED) {
			close(fd);
			return init(r, data, st.st_size, true, err, errlen);
		}
	}
	ret = read_file(fd, &data, &size);
	close(fd);
	return ret ? ret : init(r, data, size, false, err, errlen);
}

/* Bytes of kind-specific data after struct btf_type; -1 if unknown. */
static long extra_len(const struct btf_type *t)
{
	long vlen = BTF_INFO_VLEN(t->info);

	switch (BTF_INFO_KIND(t->info)) {
	case BTF_KIND_INT:
	case BTF_KIND_VAR:
	case BTF_KIND_DECL_TAG:
		return 4;
	case BTF_KIND_PTR:
	case BTF_KIND_FWD:
	case BTF_KIND_TYPEDEF:
	case BTF_KIND_VOLATILE:
	case BTF_KIND_CONST:
	case BTF_KIND_RESTRICT:
	case BTF_KIND_FUNC:
	case BTF_KIND_FLOAT:
	case BTF_KIND_TYPE_TAG:
		return 0;
	case BTF_KIND_ARRAY:
		return sizeof(struct btf_array);
	case BTF_KIND_STRUCT:
	case BTF_KIND_UNION:
		return vlen * (long)sizeof(struct btf_member);
	case BTF_KIND_ENUM:
		return vlen * (long)sizeof(struct btf_enum);
	case BTF_KIND_FUNC_PROTO:
		return vlen * (long)sizeof(struct btf_param);
	case BTF_KIND_DATASEC:
		return vlen * (long)sizeof(struct btf_var_secinfo);
	case BTF_KIND_ENUM64:
		return vlen * 12; /* struct btf_enum64: name, lo32, hi32 */
	default:
		return -1;
	}
}

static int fail(char *err, size_t errlen, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static int fail(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;

	if (err && errlen) {
		va_start(ap, fmt);
		vsnprintf(err, errlen, fmt, ap);
		va_end(ap);
	}
	return -EINVAL;
}

/* Records the offset of every type record; checks each one fits. */
static int index_types(struct btf_raw *r, uint32_t len, char *err,
		       size_t errlen)
{
	/* Records are at least 12 bytes; most kernel ones are 12-24. */
	uint32_t cap = len / 16 + 1024, pos = 0;

	r->off = malloc(cap * sizeof(*r->off));
	if (!r->off)
		return -ENOMEM;
	r->off[0] = 0;
	r->n = 1;
	while (pos < len) {
		const struct btf_type *t = (const void *)(r->types + pos);
		long extra;

		if (len - pos < sizeof(*t))
			return fail(err, errlen, "BTF type %u is truncated",
				    r->n);
		extra = extra_len(t);
		if (extra < 0)
			return fail(err, errlen,
				    "BTF type %u has unknown kind %u", r->n,
				    BTF_INFO_KIND(t->info));
		if ((uint64_t)len - pos - sizeof(*t) < (uint64_t)extra)
			return fail(err, errlen, "BTF type %u is truncated",
				    r->n);
		if (r->n == cap) {
			uint32_t *no = realloc(r->off, cap * 2 * sizeof(*no));

			if (!no)
				return -ENOMEM;
			r->off = no;
			cap *= 2;
		}
		r->off[r->n++] = pos;
		pos += sizeof(*t) + extra;
	}
	return 0;
}

int btf_raw__init(struct btf_raw *r, char *data, size_t size, char *err,
		  size_t errlen)
{
	memset(r, 0, sizeof(*r));
	return init(r, data, size, false, err, errlen);
}

static int init(struct btf_raw *r, char *data, size_t size, bool mapped,
		char *err, size_t errlen)
{
	const struct btf_header *h = (const void *)data;
	uint64_t base;
	int ret;

	r->data = data;
	r->size = size;
	r->mapped = mapped;
	if (size < sizeof(*h) || h->magic != BTF_MAGIC || h->version != 1 ||
	    h->hdr_len < sizeof(*h) || h->hdr_len > size) {
		ret = fail(err, errlen, "not BTF data (bad header)");
		goto out;
	}
	base = h->hdr_len;
	if (base + h->type_off + h->type_len > size ||
	    base + h->str_off + h->str_len > size || h->str_len == 0 ||
	    (base + h->type_off) % 4) {
		ret = fail(err, errlen, "BTF sections lie outside the data");
		goto out;
	}
	r->types = data + base + h->type_off;
	r->strs = data + base + h->str_off;
	r->strs_len = h->str_len;
	if (r->strs[r->strs_len - 1] != 0) {
		ret = fail(err, errlen, "BTF string section is not terminated");
		goto out;
	}
	ret = index_types(r, h->type_len, err, errlen);
out:
	if (ret)
		btf_raw__release(r);
	return ret;
}

void btf_raw__release(struct btf_raw *r)
{
	if (r->mapped)
		munmap(r->data, r->size);
	else
		free(r->data);
	free(r->off);
	free(r->hash[0]);
	free(r->hash[1]);
	free(r->enums);
	memset(r, 0, sizeof(*r));
}

const struct btf_type *btf_raw__type(const struct btf_raw *r, uint32_t id)
{
	if (id == 0 || id >= r->n)
		return NULL;
	return (const void *)(r->types + r->off[id]);
}

const char *btf_raw__str(const struct btf_raw *r, uint32_t off)
{
	return off < r->strs_len ? r->strs + off : "";
}

static uint32_t hash_str(const char *s)
{
	uint32_t h = 2166136261u; /* FNV-1a */

	while (*s)
		h = (h ^ (unsigned char)*s++) * 16777619u;
	return h;
}

int btf_raw__index_names(struct btf_raw *r, bool funcs)
{
	uint32_t size = 1024, *h, mask;

	while (size < r->n * (funcs ? 1u : 2u))
		size <<= 1;
	h = calloc(size, sizeof(*h));
	if (!h)
		return -ENOMEM;
	mask = size - 1;
	for (uint32_t id = 1; id < r->n; id++) {
		const struct btf_type *t = btf_raw__type(r, id);
		const char *name = btf_raw__str(r, t->name_off);
		uint32_t i;

		if (!*name ||
		    (BTF_INFO_KIND(t->info) == BTF_KIND_FUNC) != funcs)
			continue;
		for (i = hash_str(name) & mask; h[i]; i = (i + 1) & mask)
			;
		h[i] = id;
	}
	r->hash[funcs] = h;
	r->hash_mask[funcs] = mask;
	return 0;
}

uint32_t btf_raw__find(const struct btf_raw *r, const char *name, int kind)
{
	bool funcs = kind == BTF_KIND_FUNC;
	const uint32_t *h = r->hash[funcs];
	uint32_t mask = r->hash_mask[funcs];

	if (!h || !name || !*name)
		return 0;
	for (uint32_t i = hash_str(name) & mask; h[i]; i = (i + 1) & mask) {
		const struct btf_type *t = btf_raw__type(r, h[i]);

		if ((int)BTF_INFO_KIND(t->info) == kind &&
		    !strcmp(btf_raw__str(r, t->name_off), name))
			return h[i];
	}
	return 0;
}

/* Name and value of constant i of enum t (ENUM or ENUM64). */
static const char *enum_entry(const struct btf_raw *r, const struct btf_type *t,
			      uint32_t i, int64_t *value)
{
	if (BTF_INFO_KIND(t->info) == BTF_KIND_ENUM) {
		const struct btf_enum *e = (const void *)(t + 1);

		if (value) /* kind_flag set: the enum is signed */
			*value = BTF_INFO_KFLAG(t->info)
					 ? (int64_t)e[i].val
					 : (int64_t)(uint32_t)e[i].val;
		return btf_raw__str(r, e[i].name_off);
	}
	const uint32_t *e = (const uint32_t *)(t + 1) + 3 * i;

	if (value) /* name_off, lo32, hi32 */
		*value = (int64_t)((uint64_t)e[2] << 32 | e[1]);
	return btf_raw__str(r, e[0]);
}

static bool is_enum(const struct btf_type *t)
{
	return BTF_INFO_KIND(t->info) == BTF_KIND_ENUM ||
	       BTF_INFO_KIND(t->info) == BTF_KIND_ENUM64;
}

int btf_raw__index_enums(struct btf_raw *r)
{
	uint32_t total = 0, size = 1024, mask;
	struct btf_raw_enum *h;

	for (uint32_t id = 1; id < r->n; id++) {
		const struct btf_type *t = btf_raw__type(r, id);

		if (is_enum(t))
			total += BTF_INFO_VLEN(t->info);
	}
	while (size < total * 2u)
		size <<= 1;
	h = calloc(size, sizeof(*h));
	if (!h)
		return -ENOMEM;
	mask = size - 1;
	for (uint32_t id = 1; id < r->n; id++) {
		const struct btf_type *t = btf_raw__type(r, id);

		for (uint32_t k = 0; is_enum(t) && k < BTF_INFO_VLEN(t->info);
		     k++) {
			const char *name = enum_entry(r, t, k, NULL);
			uint32_t i;

			if (!*name)
				continue;
			for (i = hash_str(name) & mask; h[i].type;
			     i = (i + 1) & mask)
				;
			h[i] = (struct btf_raw_enum){.type = id, .index = k};
		}
	}
	r->enums = h;
	r->enums_mask = mask;
	return 0;
}

int btf_raw__enum(const struct btf_raw *r, const char *name, int64_t *value,
		  uint32_t *type)
{
	const struct btf_raw_enum *h = r->enums;
	uint32_t mask = r->enums_mask;

	if (!h || !name || !*name)
		return -ENOENT;
	for (uint32_t i = hash_str(name) & mask; h[i].type;
	     i = (i + 1) & mask) {
		const struct btf_type *t = btf_raw__type(r, h[i].type);
		int64_t v;

		if (strcmp(enum_entry(r, t, h[i].index, &v), name))
			continue;
		*value = v;
		if (type)
			*type = h[i].type;
		return 0;
	}
	return -ENOENT;
}
