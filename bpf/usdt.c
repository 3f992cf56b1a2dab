/*
 * usdt.c - USDT probe sites from .note.stapsdt notes (libelf), and their
 * argument specs.
 *
 * Invariants: every probe returned has a file offset for its uprobe (the
 * nop lies in a loadable segment) and, when it has a semaphore, the
 * semaphore's file offset, because the kernel's uprobe reference counter
 * wants an offset in the same file. Notes are untrusted input: every
 * length is checked against the note's descriptor size and a bad note is
 * an error, never a read past the data.
 */
#include <ctype.h>
#include <errno.h>
#include <gelf.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bpf/elf_int.h"
#include "bpf/tracefs.h" /* bt_glob__match */
#include "bpf/usdt.h"
#include "bpf/errmsg.h"

#define NT_STAPSDT 3


/* ---- Argument specs -------------------------------------------------------
 */

/* x86-64 registers by every name of their parts, with struct pt_regs
 * offsets (arch/x86/include/asm/ptrace.h). */
static const struct {
	const char *reg;
	int off;
	const char *alias[4];
} regs[] = {
	{"r15", 0, {"r15d", "r15w", "r15b"}},
	{"r14", 8, {"r14d", "r14w", "r14b"}},
	{"r13", 16, {"r13d", "r13w", "r13b"}},
	{"r12", 24, {"r12d", "r12w", "r12b"}},
	{"rbp", 32, {"ebp", "bp", "bpl"}},
	{"rbx", 40, {"ebx", "bx", "bl", "bh"}},
	{"r11", 48, {"r11d", "r11w", "r11b"}},
	{"r10", 56, {"r10d", "r10w", "r10b"}},
	{"r9", 64, {"r9d", "r9w", "r9b"}},
	{"r8", 72, {"r8d", "r8w", "r8b"}},
	{"rax", 80, {"eax", "ax", "al", "ah"}},
	{"rcx", 88, {"ecx", "cx", "cl", "ch"}},
	{"rdx", 96, {"edx", "dx", "dl", "dh"}},
	{"rsi", 104, {"esi", "si", "sil"}},
	{"rdi", 112, {"edi", "di", "dil"}},
	{"rip", 128, {"eip", "ip"}},
	{"rsp", 152, {"esp", "sp", "spl"}},
};

/* Fills reg/reg_off from a register name without '%'; false if unknown. */
static bool reg_lookup(const char *name, size_t len, struct bt_usdt_arg *a)
{
	for (size_t i = 0; i < sizeof(regs) / sizeof(regs[0]); i++) {
		bool hit = strlen(regs[i].reg) == len &&
			   !strncmp(regs[i].reg, name, len);

		for (size_t j = 0; !hit && j < 4 && regs[i].alias[j]; j++)
			hit = strlen(regs[i].alias[j]) == len &&
			      !strncmp(regs[i].alias[j], name, len);
		if (hit) {
			snprintf(a->reg, sizeof(a->reg), "%s", regs[i].reg);
			a->reg_off = regs[i].off;
			/* The legacy high-byte names read bits 8-15. */
			a->reg_shift = len == 2 && name[1] == 'h' &&
					       strchr("abcd", name[0])
					       ? 8
					       : 0;
			return true;
		}
	}
	return false;
}

/* "%reg" at *p (advanced past it); false if malformed or unknown. */
static bool parse_reg(const char **p, struct bt_usdt_arg *a)
{
	const char *s = *p;
	size_t n = 0;

	if (*s != '%')
		return false;
	s++;
	while (isalnum((unsigned char)s[n]))
		n++;
	if (!n || !reg_lookup(s, n, a))
		return false;
	*p = s + n;
	return true;
}

static bool parse_int(const char **p, int64_t *v)
{
	char *end;

	errno = 0;
	*v = strtoll(*p, &end, 0);
	if (end == *p || errno)
		return false;
	*p = end;
	return true;
}

static bool parse_operand(const char *s, struct bt_usdt_arg *a)
{
	if (*s == '$') {
		s++;
		a->kind = BT_USDT_ARG_CONST;
		return parse_int(&s, &a->value) && !*s;
	}
	if (*s == '%') {
		a->kind = BT_USDT_ARG_REG;
		return parse_reg(&s, a) && !*s;
	}
	a->kind = BT_USDT_ARG_MEM;
	a->value = 0;
	if (*s != '(' && !parse_int(&s, &a->value))
		return false;
	if (*s++ != '(' || !parse_reg(&s, a))
		return false;
	return *s++ == ')' && !*s;
}

int bt_usdt__parse_arg(const char *spec, struct bt_usdt_arg *out, char *err,
		       size_t errlen)
{
	const char *s = spec ? spec : "";
	int64_t size;

	memset(out, 0, sizeof(*out));
	out->reg_off = -1;
	if (!parse_int(&s, &size) || *s != '@' ||
	    (llabs(size) != 1 && llabs(size) != 2 && llabs(size) != 4 &&
	     llabs(size) != 8) ||
	    !parse_operand(s + 1, out)) {
		bt_errmsg__set(err, errlen, "malformed USDT argument spec '%s'",
		       spec ? spec : "");
		return -EINVAL;
	}
	out->size = (int)llabs(size);
	out->is_signed = size < 0;
	return 0;
}

/* Splits the space-separated spec list into p->args. */
static int parse_args(struct bt_usdt_probe *p, char *err, size_t errlen)
{
	char *copy = strdup(p->args_text), *save = NULL, *tok;
	int ret = 0;

	if (!copy)
		return -ENOMEM;
	for (tok = strtok_r(copy, " \t", &save); tok && !ret;
	     tok = strtok_r(NULL, " \t", &save)) {
		if (p->nargs == BT_USDT_MAX_ARGS) {
			bt_errmsg__set(err, errlen,
			       "USDT probe %s:%s has more than %d "
			       "arguments",
			       p->provider, p->name, BT_USDT_MAX_ARGS);
			ret = -EINVAL;
			break;
		}
		ret = bt_usdt__parse_arg(tok, &p->args[p->nargs++], err,
					 errlen);
	}
	free(copy);
	return ret;
}

/* ---- Notes
 * -------------------------------------------------------------------
 */

void bt_usdt_probes__free(struct bt_usdt_probes *l)
{
	if (!l)
		return;
	for (size_t i = 0; i < l->n; i++) {
		free(l->v[i].provider);
		free(l->v[i].name);
		free(l->v[i].args_text);
	}
	free(l->v);
	l->v = NULL;
	l->n = 0;
}

/* What the walk over the notes needs. */
struct note_walk {
	Elf *elf;
	const char *path, *prov_glob, *name_glob;
	size_t addr_size; /* 4 or 8 (ELF class) */
	uint64_t base; /* actual .stapsdt.base address, 0 if none */
	struct bt_usdt_probes *out;
	char *err;
	size_t errlen;
};

static uint64_t get_addr(const unsigned char *d, size_t size)
{
	uint32_t a32;
	uint64_t a64;

	if (size == 4) {
		memcpy(&a32, d, 4);
		return a32;
	}
	memcpy(&a64, d, 8);
	return a64;
}

/* The next NUL-terminated string in desc at *pos, or NULL if unterminated. */
static const char *next_str(const unsigned char *desc, size_t len, size_t *pos)
{
	const char *s = (const char *)desc + *pos;
	const void *nul = *pos < len ? memchr(s, 0, len - *pos) : NULL;

	if (!nul)
		return NULL;
	*pos += (size_t)((const char *)nul - s) + 1;
	return s;
}

/* Adds one note's probe to w->out if it matches. */
static int add_note(struct note_walk *w, const unsigned char *desc, size_t len)
{
	size_t pos = 3 * w->addr_size;
	const char *prov, *name, *args;
	struct bt_usdt_probe p = {0}, *v;
	uint64_t note_base;
	int ret;

	if (len < pos)
		goto bad;
	p.addr = get_addr(desc, w->addr_size);
	note_base = get_addr(desc + w->addr_size, w->addr_size);
	p.sema_addr = get_addr(desc + 2 * w->addr_size, w->addr_size);
	prov = next_str(desc, len, &pos);
	name = prov ? next_str(desc, len, &pos) : NULL;
	args = name ? next_str(desc, len, &pos) : NULL;
	if (!args)
		goto bad;
	if ((w->prov_glob && !bt_glob__match(w->prov_glob, prov)) ||
	    (w->name_glob && !bt_glob__match(w->name_glob, name)))
		return 0;
	/* Prelinked or moved: shift by where .stapsdt.base really is. */
	if (note_base && w->base) {
		p.addr += w->base - note_base;
		if (p.sema_addr)
			p.sema_addr += w->base - note_base;
	}
	if (bt_elf__vaddr_to_offset(w->elf, p.addr, &p.file_offset) ||
	    (p.sema_addr &&
	     bt_elf__vaddr_to_offset(w->elf, p.sema_addr, &p.sema_offset))) {
		bt_errmsg__set(w->err, w->errlen,
		       "USDT probe %s:%s in %s lies outside "
		       "the loadable segments",
		       prov, name, w->path);
		return -EINVAL;
	}
	p.provider = strdup(prov);
	p.name = strdup(name);
	p.args_text = strdup(args);
	v = realloc(w->out->v, (w->out->n + 1) * sizeof(*v));
	ret = p.provider && p.name && p.args_text && v ? 0 : -ENOMEM;
	if (v)
		w->out->v = v;
	if (!ret)
		ret = parse_args(&p, w->err, w->errlen);
	if (ret) {
		free(p.provider);
		free(p.name);
		free(p.args_text);
		return ret;
	}
	w->out->v[w->out->n++] = p;
	return 0;
bad:
	bt_errmsg__set(w->err, w->errlen, "malformed .note.stapsdt note in %s",
	       w->path);
	return -EINVAL;
}

/* Walks one SHT_NOTE section's notes. */
static int walk_section(struct note_walk *w, Elf_Scn *scn)
{
	Elf_Data *data = elf_getdata(scn, NULL);
	size_t off = 0, name_off, desc_off;
	GElf_Nhdr nh;
	int ret = 0;

	while (!ret && data &&
	       (off = gelf_getnote(data, off, &nh, &name_off, &desc_off)) > 0) {
		if (nh.n_type != NT_STAPSDT || nh.n_namesz != 8 ||
		    memcmp((char *)data->d_buf + name_off, "stapsdt", 8))
			continue;
		ret = add_note(w, (unsigned char *)data->d_buf + desc_off,
			       nh.n_descsz);
	}
	return ret;
}

/* Finds .note.stapsdt sections (and .stapsdt.base) and walks them. */
static int walk_notes(struct note_walk *w)
{
	size_t shstrndx;
	Elf_Scn *scn = NULL;
	int ret = 0;

	if (elf_getshdrstrndx(w->elf, &shstrndx))
		return 0;
	while ((scn = elf_nextscn(w->elf, scn))) {
		GElf_Shdr sh;
		const char *n;

		if (gelf_getshdr(scn, &sh) &&
		    (n = elf_strptr(w->elf, shstrndx, sh.sh_name)) &&
		    !strcmp(n, ".stapsdt.base"))
			w->base = sh.sh_addr;
	}
	while (!ret && (scn = elf_nextscn(w->elf, scn))) {
		GElf_Shdr sh;
		const char *n;

		if (gelf_getshdr(scn, &sh) && sh.sh_type == SHT_NOTE &&
		    (n = elf_strptr(w->elf, shstrndx, sh.sh_name)) &&
		    !strcmp(n, ".note.stapsdt"))
			ret = walk_section(w, scn);
	}
	return ret;
}

int bt_usdt__list(const char *path, const char *provider_glob,
		  const char *name_glob, struct bt_usdt_probes *out, char *err,
		  size_t errlen)
{
	struct note_walk w = {.path = path,
			      .prov_glob = provider_glob,
			      .name_glob = name_glob,
			      .out = out,
			      .err = err,
			      .errlen = errlen};
	struct bt_elf_file f;
	int ret;

	out->n = 0;
	out->v = NULL;
	ret = bt_elf_file__open(&f, path, err, errlen);
	if (ret)
		return ret;
	w.elf = f.elf;
	w.addr_size = gelf_getclass(f.elf) == ELFCLASS32 ? 4 : 8;
	ret = walk_notes(&w);
	bt_elf_file__close(&f);
	if (!ret && !out->n) {
		bt_errmsg__set(err, errlen, "no USDT probe %s:%s in %s",
		       provider_glob ? provider_glob : "*",
		       name_glob ? name_glob : "*", path);
		ret = -ENOENT;
	}
	if (ret) {
		bt_usdt_probes__free(out);
		return ret;
	}
	return (int)out->n;
}
