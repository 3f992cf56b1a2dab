/*
 * bpf/parser_top.c - the program level: probes with their attach points and
 * predicates, in-script struct definitions, and '#' directives (see
 * parser_internal.h).
 *
 * Attach points are lexed raw (bt_lexer__attach_point) because paths and
 * wildcards are not tokens; providers and their short aliases come from one
 * table. Directives: #include is recorded, #define NAME value is recorded
 * and its value parsed as an expression when it is one (later uses of NAME
 * expand to copies of it, see bt_parser__expand_define), and a small
 * #if/#ifdef/#ifndef/#else/#endif subset lets the tools bpftrace ships
 * (which test BPFTRACE_HAVE_BTF) parse; BPFTRACE_HAVE_BTF counts as
 * defined because tracetab always reads types from BTF.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bpf/parser_internal.h"

/* ---- attach points and probes ----------------------------------------- */

static const struct {
	const char *name;
	enum bt_probe_kind kind;
} providers[] = {
	{"BEGIN", BT_PROBE_BEGIN},
	{"END", BT_PROBE_END},
	{"tracepoint", BT_PROBE_TRACEPOINT},
	{"t", BT_PROBE_TRACEPOINT},
	{"rawtracepoint", BT_PROBE_RAWTRACEPOINT},
	{"rt", BT_PROBE_RAWTRACEPOINT},
	{"kprobe", BT_PROBE_KPROBE},
	{"k", BT_PROBE_KPROBE},
	{"kretprobe", BT_PROBE_KRETPROBE},
	{"kr", BT_PROBE_KRETPROBE},
	{"uprobe", BT_PROBE_UPROBE},
	{"u", BT_PROBE_UPROBE},
	{"uretprobe", BT_PROBE_URETPROBE},
	{"ur", BT_PROBE_URETPROBE},
	{"usdt", BT_PROBE_USDT},
	{"U", BT_PROBE_USDT},
	{"interval", BT_PROBE_INTERVAL},
	{"i", BT_PROBE_INTERVAL},
	{"profile", BT_PROBE_PROFILE},
	{"p", BT_PROBE_PROFILE},
	{"software", BT_PROBE_SOFTWARE},
	{"s", BT_PROBE_SOFTWARE},
	{"hardware", BT_PROBE_HARDWARE},
	{"h", BT_PROBE_HARDWARE},
	{"fentry", BT_PROBE_FENTRY},
	{"kfunc", BT_PROBE_FENTRY},
	{"f", BT_PROBE_FENTRY},
	{"fexit", BT_PROBE_FEXIT},
	{"kretfunc", BT_PROBE_FEXIT},
	{"fr", BT_PROBE_FEXIT},
	{"watchpoint", BT_PROBE_WATCHPOINT},
	{"w", BT_PROBE_WATCHPOINT},
	{"asyncwatchpoint", BT_PROBE_ASYNCWATCHPOINT},
	{"aw", BT_PROBE_ASYNCWATCHPOINT},
};

/* Splits raw text at ':' outside quotes; unquotes each part. */
static bool split_parts(struct bt_parser *p, const char *raw,
			struct bt_attach_point *ap, const char **provider)
{
	size_t len = strlen(raw), i, cap = 0, n = 0;
	char *buf = alloc(p, len + 1);
	bool quoted = false, first = true;

	if (!buf)
		return false;
	for (i = 0; i <= len; i++) {
		char c = raw[i];

		if (c == '"') {
			quoted = !quoted;
			continue;
		}
		if (!quoted && (c == '*' || c == '?'))
			ap->has_wildcard = true;
		if (c && (quoted || c != ':')) {
			buf[n++] = c;
			continue;
		}
		buf[n] = 0;
		if (first) {
			*provider = buf;
			first = false;
		} else {
			const char **slot = grow(p, &ap->parts, &ap->nparts,
						 &cap, sizeof(*slot));

			if (!slot)
				return false;
			*slot = buf;
		}
		buf = alloc(p, len + 1);
		if (!buf)
			return false;
		n = 0;
	}
	return true;
}

/* Edit distance of a and b, capped at 3 (only "close" matters). */
static int distance(const char *a, const char *b)
{
	size_t la = strlen(a), lb = strlen(b), i, j;
	int row[32], prev, tmp;

	if (la >= 32 || lb >= 32)
		return 3;
	for (j = 0; j <= lb; j++)
		row[j] = (int)j;
	for (i = 1; i <= la; i++) {
		prev = row[0];
		row[0] = (int)i;
		for (j = 1; j <= lb; j++) {
			int best = prev + (a[i - 1] != b[j - 1]);

			if (row[j] + 1 < best)
				best = row[j] + 1;
			if (row[j - 1] + 1 < best)
				best = row[j - 1] + 1;
			tmp = row[j];
			row[j] = best;
			prev = tmp;
		}
	}
	return row[lb] < 3 ? row[lb] : 3;
}

/* A provider name close to a misspelt one (full names only), or NULL. */
static const char *suggest_provider(const char *name)
{
	const char *best = NULL;
	int best_d = 3;
	size_t i;

	if (strlen(name) < 4)
		return NULL;
	for (i = 0; i < sizeof(providers) / sizeof(providers[0]); i++) {
		int d = strlen(providers[i].name) < 4
				? 3
				: distance(name, providers[i].name);

		if (d < best_d) {
			best_d = d;
			best = providers[i].name;
		}
	}
	return best;
}

static bool parse_attach(struct bt_parser *p, const struct bt_token *t,
			 struct bt_attach_point *ap)
{
	const char *name = NULL;
	size_t i;

	ap->line = t->line;
	ap->col = t->col;
	ap->raw = t->str;
	if (!split_parts(p, t->str, ap, &name))
		return false;
	for (i = 0; i < sizeof(providers) / sizeof(providers[0]); i++)
		if (!strcmp(name, providers[i].name)) {
			ap->kind = providers[i].kind;
			ap->provider = bt_probe_kind__name(ap->kind);
			return true;
		}
	if (suggest_provider(name))
		bt_parser__error(p, t->line, t->col,
				 "unknown probe type '%s' (did you mean '%s'?)",
				 name, suggest_provider(name));
	else
		bt_parser__error(p, t->line, t->col, "unknown probe type '%s'",
				 name);
	return false;
}

/* Skips a probe whose header failed, up to its block (which still parses). */
static void sync_probe(struct bt_parser *p)
{
	while (!p->stop && !at(p, BT_TOK_EOF) && !at(p, BT_TOK_LBRACE))
		next(p);
}

static bool parse_probe_header(struct bt_parser *p, struct bt_probe *pr)
{
	size_t cap = 0;

	do {
		struct bt_attach_point *ap;
		struct bt_token t;

		bt_parser__rewind(p);
		if (bt_lexer__attach_point(&p->lx, &t) < 0) {
			p->nomem = p->stop = true;
			return false;
		}
		if (t.kind == BT_TOK_ERROR) {
			if (t.len == 0)
				expected(p, peek(p), "an attach point");
			else
				p->nerrors++;
			return false;
		}
		ap = grow(p, &pr->points, &pr->npoints, &cap, sizeof(*ap));
		if (!ap || !parse_attach(p, &t, ap))
			return false;
	} while (accept(p, BT_TOK_COMMA));
	pr->line = pr->points[0].line;
	pr->col = pr->points[0].col;
	if (accept(p, BT_TOK_SLASH)) {
		p->in_pred = true;
		pr->predicate = bt_parser__expr(p);
		p->in_pred = false;
		if (!pr->predicate ||
		    !expect(p, BT_TOK_SLASH, "'/' to end the predicate"))
			return false;
	}
	if (!at(p, BT_TOK_LBRACE)) {
		expected(
			p, peek(p),
			pr->predicate
				? "'{' after the predicate"
				: "'{' or a predicate after the attach points");
		return false;
	}
	return true;
}

void bt_parser__probe(struct bt_parser *p, size_t *cap)
{
	struct bt_probe *pr =
		grow(p, &p->ast->probes, &p->ast->nprobes, cap, sizeof(*pr));
	struct bt_block ignored;

	memset(&ignored, 0, sizeof(ignored));
	if (!pr)
		return;
	if (parse_probe_header(p, pr)) {
		bt_parser__block(p, &pr->body);
		return;
	}
	/* Drop the bad probe but still check its body. */
	p->ast->nprobes--;
	sync_probe(p);
	if (at(p, BT_TOK_LBRACE))
		bt_parser__block(p, &ignored);
}

/* ---- struct definitions ----------------------------------------------- */

/* type name [N] {, *name [N]} ; */
static bool parse_members(struct bt_parser *p, struct bt_struct_def *sd,
			  size_t *cap)
{
	struct bt_type_name *base = bt_parser__type(p);

	if (!base)
		return false;
	do {
		struct bt_struct_member *m;
		struct bt_type_name *ty = alloc(p, sizeof(*ty));

		if (!ty)
			return false;
		*ty = *base;
		while (accept(p, BT_TOK_STAR))
			ty->ptr_depth++;
		if (!at(p, BT_TOK_IDENT)) {
			expected(p, peek(p), "a member name");
			return false;
		}
		m = grow(p, &sd->members, &sd->nmembers, cap, sizeof(*m));
		if (!m)
			return false;
		m->line = peek(p)->line;
		m->col = peek(p)->col;
		m->name = next(p).str;
		m->type = ty;
		if (!bt_parser__array_suffix(p, ty))
			return false;
	} while (accept(p, BT_TOK_COMMA));
	if (at(p, BT_TOK_COLON)) {
		bt_parser__error(p, peek(p)->line, peek(p)->col,
				 "bitfield members are not supported in "
				 "struct definitions");
		return false;
	}
	return expect(p, BT_TOK_SEMI, "';' after the struct member");
}

/* After a bad member: skip past the '}' that closes the struct body. */
static void sync_struct(struct bt_parser *p)
{
	int depth = 0;

	while (!p->stop && !at(p, BT_TOK_EOF)) {
		enum bt_tok_kind k = next(p).kind;

		if (k == BT_TOK_LBRACE)
			depth++;
		else if (k == BT_TOK_RBRACE && depth-- == 0)
			break;
	}
}

void bt_parser__struct_def(struct bt_parser *p, size_t *cap)
{
	struct bt_token kw = next(p);
	struct bt_struct_def *sd =
		grow(p, &p->ast->structs, &p->ast->nstructs, cap, sizeof(*sd));
	size_t mcap = 0, word_len;

	if (!sd)
		return;
	sd->line = kw.line;
	sd->col = kw.col;
	sd->is_union = kw.kind == BT_TOK_UNION;
	if (!at(p, BT_TOK_IDENT)) {
		expected(p, peek(p), "a struct name");
		goto fail;
	}
	sd->name = next(p).str;
	if (!expect(p, BT_TOK_LBRACE, "'{' after the struct name"))
		goto fail;
	while (!at(p, BT_TOK_RBRACE)) {
		if (p->stop)
			return;
		if (at(p, BT_TOK_EOF)) {
			expected(p, peek(p), "'}' to end the struct");
			goto fail;
		}
		if (!parse_members(p, sd, &mcap)) {
			sync_struct(p);
			goto fail;
		}
	}
	next(p); /* '}' */
	/* The ';' is optional; look at the raw text so that a following
	 * attach point is not lexed as tokens. */
	bt_lexer__peek_word(&p->lx, &word_len);
	if (p->lx.pos < p->lx.len && p->lx.src[p->lx.pos] == ';')
		next(p);
	return;
fail:
	p->ast->nstructs--;
}

/* ---- #define expansion -------------------------------------------------- */

static struct bt_expr *clone_expr(struct bt_parser *p,
				  const struct bt_expr *src, int line, int col);

static bool clone_list(struct bt_parser *p, struct bt_expr ***v, size_t n,
		       int line, int col)
{
	struct bt_expr **copy;
	size_t i;

	if (!n)
		return true;
	copy = alloc(p, n * sizeof(*copy));
	if (!copy)
		return false;
	for (i = 0; i < n; i++)
		if (!(copy[i] = clone_expr(p, (*v)[i], line, col)))
			return false;
	*v = copy;
	return true;
}

/* Deep copy of src with every node placed at line:col (the use site). */
static struct bt_expr *clone_expr(struct bt_parser *p,
				  const struct bt_expr *src, int line, int col)
{
	struct bt_expr *e, **kids[3] = {0};
	size_t i;

	if (++p->expanded > BT_PARSER_MAX_EXPANDED) {
		if (!p->stop)
			bt_parser__error(p, line, col,
					 "#define expansion too large (over %d "
					 "nodes)",
					 BT_PARSER_MAX_EXPANDED);
		p->stop = true;
		return NULL;
	}
	e = alloc(p, sizeof(*e));
	if (!e)
		return NULL;
	*e = *src;
	e->line = line;
	e->col = col;
	switch (e->kind) {
	case BT_EXPR_MAP:
		return clone_list(p, &e->map.keys, e->map.nkeys, line, col)
			       ? e
			       : NULL;
	case BT_EXPR_CALL:
		return clone_list(p, &e->call.args, e->call.nargs, line, col)
			       ? e
			       : NULL;
	case BT_EXPR_TUPLE:
		return clone_list(p, &e->tuple.elems, e->tuple.n, line, col)
			       ? e
			       : NULL;
	case BT_EXPR_UNARY:
		kids[0] = &e->unary.operand;
		break;
	case BT_EXPR_BINARY:
		kids[0] = &e->binary.lhs;
		kids[1] = &e->binary.rhs;
		break;
	case BT_EXPR_TERNARY:
		kids[0] = &e->ternary.cond;
		kids[1] = &e->ternary.then;
		kids[2] = &e->ternary.otherwise;
		break;
	case BT_EXPR_CAST:
		kids[0] = &e->cast.operand;
		break;
	case BT_EXPR_MEMBER:
		kids[0] = &e->member.base;
		break;
	case BT_EXPR_INDEX:
		kids[0] = &e->index.base;
		kids[1] = &e->index.index;
		break;
	case BT_EXPR_TUPLE_INDEX:
		kids[0] = &e->tuple_index.base;
		break;
	case BT_EXPR_SIZEOF:
		kids[0] = &e->size_of.expr;
		break;
	case BT_EXPR_INCDEC:
		kids[0] = &e->incdec.target;
		break;
	default:
		break;
	}
	for (i = 0; i < 3 && kids[i]; i++)
		if (*kids[i] &&
		    !(*kids[i] = clone_expr(p, *kids[i], line, col)))
			return NULL;
	return e;
}

/* The latest #define of name seen so far, if its value is an expression. */
const struct bt_define *bt_parser__find_define(struct bt_parser *p,
					       const char *name)
{
	size_t i = p->ast->ndefines;

	while (i-- > 0)
		if (!strcmp(p->ast->defines[i].name, name))
			return p->ast->defines[i].expr ? &p->ast->defines[i]
						       : NULL;
	return NULL;
}

struct bt_expr *bt_parser__expand_define(struct bt_parser *p,
					 const struct bt_define *d, int line,
					 int col)
{
	struct bt_expr *e = clone_expr(p, d->expr, line, col);

	if (e && e->height + p->sdepth > BT_AST_MAX_DEPTH) {
		bt_parser__error(p, line, col,
				 "expression nested too deeply (limit %d)",
				 BT_AST_MAX_DEPTH);
		p->stop = true;
		return NULL;
	}
	return e;
}

/* ---- directives ---------------------------------------------------------- */

/* Names #ifdef treats as defined besides the script's own #defines. */
static const char *const predefined[] = {"BPFTRACE_HAVE_BTF"};

#define MAX_COND 32

/* Blanks inside a directive line; '\r' so CRLF files work. */
static const char *skip_blank(const char *s)
{
	while (*s == ' ' || *s == '\t' || *s == '\r')
		s++;
	return s;
}

static size_t ident_len(const char *s)
{
	size_t n = 0;

	if (!(*s == '_' || (*s >= 'a' && *s <= 'z') ||
	      (*s >= 'A' && *s <= 'Z')))
		return 0;
	while (s[n] == '_' || (s[n] >= 'a' && s[n] <= 'z') ||
	       (s[n] >= 'A' && s[n] <= 'Z') || (s[n] >= '0' && s[n] <= '9'))
		n++;
	return n;
}

static bool word_is(const char *s, size_t n, const char *w)
{
	return strlen(w) == n && memcmp(s, w, n) == 0;
}

static bool is_defined(struct bt_parser *p, const char *s, size_t n)
{
	size_t i;

	for (i = 0; i < p->ast->ndefines; i++)
		if (word_is(s, n, p->ast->defines[i].name))
			return true;
	for (i = 0; i < sizeof(predefined) / sizeof(predefined[0]); i++)
		if (word_is(s, n, predefined[i]))
			return true;
	return false;
}

bool bt_parser__region_active(const struct bt_parser *p)
{
	unsigned i;

	for (i = 0; i < p->cond_depth && i < MAX_COND; i++)
		if (!(p->cond_active >> i & 1))
			return false;
	return true;
}

/* Evaluates the few #if forms scripts use: 0, 1, [!]defined(X). */
static int eval_if(struct bt_parser *p, const char *s)
{
	bool neg = false, paren;
	size_t n;

	s = skip_blank(s);
	if ((s[0] == '0' || s[0] == '1') && !*skip_blank(s + 1))
		return s[0] == '1';
	if (*s == '!') {
		neg = true;
		s = skip_blank(s + 1);
	}
	n = ident_len(s);
	if (!word_is(s, n, "defined"))
		return -1;
	s = skip_blank(s + n);
	paren = *s == '(';
	if (paren)
		s = skip_blank(s + 1);
	n = ident_len(s);
	if (!n)
		return -1;
	{
		const char *end = skip_blank(s + n);

		if (paren && *end++ != ')')
			return -1;
		if (*skip_blank(end))
			return -1;
	}
	return is_defined(p, s, n) != neg;
}

static void push_cond(struct bt_parser *p, const struct bt_token *t, bool on)
{
	if (p->cond_depth >= MAX_COND) {
		bt_parser__error(p, t->line, t->col, "#if nested too deeply");
		p->stop = true;
		return;
	}
	p->cond_active = (p->cond_active & ~(1ull << p->cond_depth)) |
			 ((uint64_t)on << p->cond_depth);
	p->cond_taken &= ~(1ull << p->cond_depth);
	p->cond_depth++;
}

/* #if, #ifdef, #ifndef, #else, #endif. Returns false if not one of them. */
static bool handle_cond(struct bt_parser *p, const struct bt_token *t,
			const char *w, size_t n, const char *rest)
{
	bool outer = bt_parser__region_active(p);
	unsigned top = p->cond_depth - 1;

	if (word_is(w, n, "ifdef") || word_is(w, n, "ifndef")) {
		size_t m = ident_len(rest);

		if (outer && (!m || *skip_blank(rest + m)))
			bt_parser__error(p, t->line, t->col,
					 "expected one name after #%.*s",
					 (int)n, w);
		push_cond(p, t,
			  outer && is_defined(p, rest, m) == (w[2] == 'd'));
	} else if (word_is(w, n, "if")) {
		int v = outer ? eval_if(p, rest) : 0;

		if (v < 0)
			bt_parser__error(p, t->line, t->col,
					 "unsupported #if condition (use 0, 1, "
					 "defined(NAME) or #ifdef)");
		push_cond(p, t, v > 0);
	} else if (word_is(w, n, "else") || word_is(w, n, "endif")) {
		if (!p->cond_depth) {
			bt_parser__error(p, t->line, t->col,
					 "#%.*s without #if", (int)n, w);
		} else if (word_is(w, n, "endif")) {
			p->cond_depth--;
		} else if (p->cond_taken >> top & 1) {
			bt_parser__error(p, t->line, t->col,
					 "#else after #else");
		} else {
			p->cond_taken |= 1ull << top;
			p->cond_active ^= 1ull << top;
		}
	} else {
		return false;
	}
	return true;
}

/* Parses a #define value as an expression, quietly; NULL if it is not one. */
static struct bt_expr *parse_define_value(struct bt_parser *p, size_t off,
					  size_t end, int line,
					  size_t line_start)
{
	struct bt_parser sub;
	struct bt_expr *e;

	memset(&sub, 0, sizeof(sub));
	sub.arena = p->arena;
	sub.ast = p->ast;
	bt_lexer__init(&sub.lx, p->lx.src, end, p->arena, NULL);
	sub.lx.pos = off;
	sub.lx.line = line;
	sub.lx.line_start = line_start;
	sub.lx.quiet = true;
	sub.expanded = p->expanded; /* one expansion budget per program */
	e = bt_parser__expr(&sub);
	p->expanded = sub.expanded;
	if (sub.nomem)
		p->nomem = p->stop = true;
	if (sub.expanded > BT_PARSER_MAX_EXPANDED && !p->stop) {
		bt_parser__error(p, line, (int)(off - line_start) + 1,
				 "#define expansion too large (over %d nodes)",
				 BT_PARSER_MAX_EXPANDED);
		p->stop = true;
		return NULL;
	}
	return e && at(&sub, BT_TOK_EOF) && !sub.nerrors ? e : NULL;
}

static void handle_define(struct bt_parser *p, const struct bt_token *t,
			  const char *rest, size_t *cap)
{
	size_t n = ident_len(rest), off, vlen;
	struct bt_define *d;
	const char *v, *cmt;
	char *val;

	if (!n) {
		bt_parser__error(p, t->line, t->col,
				 "expected a macro name after #define");
		return;
	}
	if (rest[n] == '(') {
		bt_parser__error(p, t->line, t->col,
				 "function-like macros are not supported");
		return;
	}
	d = grow(p, &p->ast->defines, &p->ast->ndefines, cap, sizeof(*d));
	if (!d)
		return;
	d->line = t->line;
	d->col = t->col;
	d->name = bt_arena__strndup(p->arena, rest, n);
	v = skip_blank(rest + n);
	off = t->off + 1 + (size_t)(v - t->str);
	cmt = strstr(v, "//");
	vlen = cmt ? (size_t)(cmt - v) : strlen(v);
	val = bt_arena__strndup(p->arena, v, vlen);
	if (!d->name || !val) {
		p->nomem = p->stop = true;
		return;
	}
	for (char *c = val; *c; c++)
		if (*c == '\\' || *c == '\n' || *c == '\r' || *c == '\t')
			*c = ' ';
	while (vlen && val[vlen - 1] == ' ')
		val[--vlen] = 0;
	d->value = val;
	d->expr = parse_define_value(p, off, t->off + t->len, t->line,
				     t->off - (size_t)(t->col - 1));
}

void bt_parser__directive(struct bt_parser *p, size_t *dcap, size_t *icap)
{
	struct bt_token t = next(p);
	const char *w = skip_blank(t.str), *rest;
	size_t n = ident_len(w);
	struct bt_include *inc;

	rest = skip_blank(w + n);
	if (handle_cond(p, &t, w, n, rest) || !bt_parser__region_active(p))
		return;
	if (t.str[0] == '!' && t.line == 1)
		return; /* #!/usr/bin/env bpftrace */
	if (word_is(w, n, "define")) {
		handle_define(p, &t, rest, dcap);
	} else if (word_is(w, n, "include")) {
		size_t len = strlen(rest);

		while (len && (rest[len - 1] == ' ' || rest[len - 1] == '\t' ||
			       rest[len - 1] == '\r'))
			len--;
		if (len < 3 || !((rest[0] == '<' && rest[len - 1] == '>') ||
				 (rest[0] == '"' && rest[len - 1] == '"'))) {
			bt_parser__error(
				p, t.line, t.col,
				"expected <file> or \"file\" after #include");
			return;
		}
		inc = grow(p, &p->ast->includes, &p->ast->nincludes, icap,
			   sizeof(*inc));
		if (!inc)
			return;
		inc->line = t.line;
		inc->col = t.col;
		inc->path = bt_arena__strndup(p->arena, rest + 1, len - 2);
	} else {
		bt_parser__error(p, t.line, t.col,
				 "unsupported directive '#%.*s'",
				 (int)(n ? n : 1), n ? w : t.str);
	}
}
