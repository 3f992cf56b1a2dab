/*
 * bpf/ast.c - AST memory (an arena) and the S-expression dump.
 *
 * Every node of one AST comes from one arena: a list of chunks that only
 * grows and is freed at once. That makes error recovery in the parser
 * trivial (half-built nodes are simply dropped) and freeing an AST O(chunks)
 * without walking it, which matters because the parser bounds tree depth
 * but not the number of nodes.
 *
 * The dump prints one expression as nested parentheses so tests can see
 * precedence: 1 + 2 * 3 is (+ 1 (* 2 3)).
 */
#include "bpf/ast.h"

#include <stdlib.h>
#include <string.h>

struct bt_arena_chunk {
	struct bt_arena_chunk *next;
	size_t used, cap;
	_Alignas(max_align_t) unsigned char data[];
};

struct bt_arena {
	struct bt_arena_chunk *head;
};

#define ARENA_CHUNK 16384

struct bt_arena *bt_arena__new(void)
{
	return calloc(1, sizeof(struct bt_arena));
}

void bt_arena__free(struct bt_arena *a)
{
	struct bt_arena_chunk *c, *next;

	if (!a)
		return;
	for (c = a->head; c; c = next) {
		next = c->next;
		free(c);
	}
	free(a);
}

void *bt_arena__alloc(struct bt_arena *a, size_t size)
{
	const size_t align = _Alignof(max_align_t);
	struct bt_arena_chunk *c = a->head;
	void *p;

	if (size > SIZE_MAX / 2)
		return NULL;
	size = (size + align - 1) & ~(align - 1);
	if (!c || c->cap - c->used < size) {
		size_t cap = size > ARENA_CHUNK ? size : ARENA_CHUNK;

		c = malloc(sizeof(*c) + cap);
		if (!c)
			return NULL;
		c->used = 0;
		c->cap = cap;
		c->next = a->head;
		a->head = c;
	}
	p = c->data + c->used;
	c->used += size;
	memset(p, 0, size);
	return p;
}

char *bt_arena__strndup(struct bt_arena *a, const char *s, size_t len)
{
	char *p;

	if (len == SIZE_MAX)
		return NULL;
	p = bt_arena__alloc(a, len + 1);
	if (!p)
		return NULL;
	memcpy(p, s, len);
	p[len] = 0;
	return p;
}

void bt_ast__free(struct bt_ast *ast)
{
	if (!ast)
		return;
	/* The AST struct itself lives in its arena. */
	bt_arena__free(ast->arena);
}

/* ---- names ------------------------------------------------------------ */

static const char *const binop_names[] = {
	[BT_BINOP_NONE] = "=", [BT_BINOP_MUL] = "*",  [BT_BINOP_DIV] = "/",
	[BT_BINOP_MOD] = "%",  [BT_BINOP_ADD] = "+",  [BT_BINOP_SUB] = "-",
	[BT_BINOP_SHL] = "<<", [BT_BINOP_SHR] = ">>", [BT_BINOP_LT] = "<",
	[BT_BINOP_LE] = "<=",  [BT_BINOP_GT] = ">",   [BT_BINOP_GE] = ">=",
	[BT_BINOP_EQ] = "==",  [BT_BINOP_NE] = "!=",  [BT_BINOP_BAND] = "&",
	[BT_BINOP_BXOR] = "^", [BT_BINOP_BOR] = "|",  [BT_BINOP_LAND] = "&&",
	[BT_BINOP_LOR] = "||",
};

const char *bt_binop__str(enum bt_binop op)
{
	if ((unsigned)op >= sizeof(binop_names) / sizeof(binop_names[0]))
		return "?";
	return binop_names[op];
}

const char *bt_unop__str(enum bt_unop op)
{
	switch (op) {
	case BT_UNOP_NEG:
		return "-";
	case BT_UNOP_LNOT:
		return "!";
	case BT_UNOP_BNOT:
		return "~";
	case BT_UNOP_DEREF:
		return "*";
	case BT_UNOP_ADDR:
		return "&";
	}
	return "?";
}

static const char *const probe_names[] = {
	[BT_PROBE_BEGIN] = "BEGIN",
	[BT_PROBE_END] = "END",
	[BT_PROBE_TRACEPOINT] = "tracepoint",
	[BT_PROBE_RAWTRACEPOINT] = "rawtracepoint",
	[BT_PROBE_KPROBE] = "kprobe",
	[BT_PROBE_KRETPROBE] = "kretprobe",
	[BT_PROBE_UPROBE] = "uprobe",
	[BT_PROBE_URETPROBE] = "uretprobe",
	[BT_PROBE_USDT] = "usdt",
	[BT_PROBE_INTERVAL] = "interval",
	[BT_PROBE_PROFILE] = "profile",
	[BT_PROBE_SOFTWARE] = "software",
	[BT_PROBE_HARDWARE] = "hardware",
	[BT_PROBE_FENTRY] = "fentry",
	[BT_PROBE_FEXIT] = "fexit",
	[BT_PROBE_WATCHPOINT] = "watchpoint",
	[BT_PROBE_ASYNCWATCHPOINT] = "asyncwatchpoint",
};

const char *bt_probe_kind__name(enum bt_probe_kind kind)
{
	if ((unsigned)kind >= sizeof(probe_names) / sizeof(probe_names[0]))
		return "?";
	return probe_names[kind];
}

/* ---- dump ------------------------------------------------------------- */

static void dump_string(const char *s, size_t len, FILE *out)
{
	size_t i;

	fputc('"', out);
	for (i = 0; i < len; i++) {
		unsigned char c = (unsigned char)s[i];

		switch (c) {
		case '\n':
			fputs("\\n", out);
			break;
		case '\t':
			fputs("\\t", out);
			break;
		case '\r':
			fputs("\\r", out);
			break;
		case '"':
			fputs("\\\"", out);
			break;
		case '\\':
			fputs("\\\\", out);
			break;
		default:
			if (c < 0x20 || c >= 0x7f)
				fprintf(out, "\\x%02x", c);
			else
				fputc(c, out);
		}
	}
	fputc('"', out);
}

static void dump_type(const struct bt_type_name *t, FILE *out)
{
	unsigned i;

	fputc('<', out);
	switch (t->kind) {
	case BT_TYPE_STRUCT:
		fputs("struct ", out);
		break;
	case BT_TYPE_UNION:
		fputs("union ", out);
		break;
	case BT_TYPE_ENUM:
		fputs("enum ", out);
		break;
	default:
		break;
	}
	fputs(t->name ? t->name : "?", out);
	if (t->ptr_depth)
		fputc(' ', out);
	for (i = 0; i < t->ptr_depth; i++)
		fputc('*', out);
	if (t->is_array)
		fprintf(out, "[%llu]", (unsigned long long)t->array_len);
	fputc('>', out);
}

static void dump_list(struct bt_expr *const *v, size_t n, FILE *out)
{
	size_t i;

	for (i = 0; i < n; i++) {
		fputc(' ', out);
		bt_expr__dump(v[i], out);
	}
}

static void dump_map(const struct bt_expr *e, FILE *out)
{
	size_t i;

	fprintf(out, "@%s", e->map.name);
	if (!e->map.nkeys)
		return;
	fputc('[', out);
	for (i = 0; i < e->map.nkeys; i++) {
		if (i)
			fputs(", ", out);
		bt_expr__dump(e->map.keys[i], out);
	}
	fputc(']', out);
}

void bt_expr__dump(const struct bt_expr *e, FILE *out)
{
	if (!e) {
		fputs("<null>", out);
		return;
	}
	switch (e->kind) {
	case BT_EXPR_INT:
		fprintf(out, "%llu", (unsigned long long)e->integer.value);
		break;
	case BT_EXPR_STR:
		dump_string(e->str.data, e->str.len, out);
		break;
	case BT_EXPR_VAR:
		fprintf(out, "$%s", e->var.name);
		break;
	case BT_EXPR_MAP:
		dump_map(e, out);
		break;
	case BT_EXPR_POSITIONAL:
		fprintf(out, "$%u", e->positional.index);
		break;
	case BT_EXPR_NARGS:
		fputs("$#", out);
		break;
	case BT_EXPR_IDENT:
		fputs(e->ident.name, out);
		break;
	case BT_EXPR_CALL:
		fprintf(out, "(call %s", e->call.name);
		dump_list(e->call.args, e->call.nargs, out);
		fputc(')', out);
		break;
	case BT_EXPR_UNARY:
		fprintf(out, "(%s ", bt_unop__str(e->unary.op));
		bt_expr__dump(e->unary.operand, out);
		fputc(')', out);
		break;
	case BT_EXPR_BINARY:
		fprintf(out, "(%s ", bt_binop__str(e->binary.op));
		bt_expr__dump(e->binary.lhs, out);
		fputc(' ', out);
		bt_expr__dump(e->binary.rhs, out);
		fputc(')', out);
		break;
	case BT_EXPR_TERNARY:
		fputs("(? ", out);
		bt_expr__dump(e->ternary.cond, out);
		fputc(' ', out);
		bt_expr__dump(e->ternary.then, out);
		fputc(' ', out);
		bt_expr__dump(e->ternary.otherwise, out);
		fputc(')', out);
		break;
	case BT_EXPR_CAST:
		fputs("(cast ", out);
		dump_type(e->cast.type, out);
		fputc(' ', out);
		bt_expr__dump(e->cast.operand, out);
		fputc(')', out);
		break;
	case BT_EXPR_MEMBER:
		fprintf(out, "(%s ", e->member.arrow ? "->" : ".");
		bt_expr__dump(e->member.base, out);
		fprintf(out, " %s)", e->member.field);
		break;
	case BT_EXPR_INDEX:
		fputs("([] ", out);
		bt_expr__dump(e->index.base, out);
		fputc(' ', out);
		bt_expr__dump(e->index.index, out);
		fputc(')', out);
		break;
	case BT_EXPR_TUPLE:
		fputs("(tuple", out);
		dump_list(e->tuple.elems, e->tuple.n, out);
		fputc(')', out);
		break;
	case BT_EXPR_TUPLE_INDEX:
		fputs("(. ", out);
		bt_expr__dump(e->tuple_index.base, out);
		fprintf(out, " %u)", e->tuple_index.index);
		break;
	case BT_EXPR_SIZEOF:
		fputs("(sizeof ", out);
		if (e->size_of.type)
			dump_type(e->size_of.type, out);
		else
			bt_expr__dump(e->size_of.expr, out);
		fputc(')', out);
		break;
	case BT_EXPR_INCDEC:
		fprintf(out, "(%s%s ", e->incdec.prefix ? "pre" : "post",
			e->incdec.increment ? "++" : "--");
		bt_expr__dump(e->incdec.target, out);
		fputc(')', out);
		break;
	}
}

static void dump_stmt(const struct bt_stmt *s, int indent, FILE *out);

static void dump_block(const struct bt_block *b, int indent, FILE *out)
{
	size_t i;

	for (i = 0; i < b->n; i++)
		dump_stmt(b->stmts[i], indent, out);
}

static void dump_stmt(const struct bt_stmt *s, int indent, FILE *out)
{
	fprintf(out, "\n%*s", indent, "");
	switch (s->kind) {
	case BT_STMT_EXPR:
		bt_expr__dump(s->expr, out);
		return;
	case BT_STMT_ASSIGN:
		fprintf(out, "(%s%s ", bt_binop__str(s->assign.op),
			s->assign.op ? "=" : "");
		bt_expr__dump(s->assign.target, out);
		fputc(' ', out);
		bt_expr__dump(s->assign.value, out);
		break;
	case BT_STMT_IF:
		fputs("(if ", out);
		bt_expr__dump(s->if_.cond, out);
		fprintf(out, "\n%*s(then", indent + 2, "");
		dump_block(&s->if_.then, indent + 4, out);
		fputc(')', out);
		if (s->if_.otherwise) {
			fprintf(out, "\n%*s(else", indent + 2, "");
			dump_block(s->if_.otherwise, indent + 4, out);
			fputc(')', out);
		}
		break;
	case BT_STMT_UNROLL:
		fputs("(unroll ", out);
		bt_expr__dump(s->unroll.count, out);
		dump_block(&s->unroll.body, indent + 2, out);
		break;
	case BT_STMT_WHILE:
		fputs("(while ", out);
		bt_expr__dump(s->while_.cond, out);
		dump_block(&s->while_.body, indent + 2, out);
		break;
	case BT_STMT_RETURN:
		fputs("(return", out);
		if (s->ret.value) {
			fputc(' ', out);
			bt_expr__dump(s->ret.value, out);
		}
		break;
	case BT_STMT_BREAK:
		fputs("(break", out);
		break;
	case BT_STMT_CONTINUE:
		fputs("(continue", out);
		break;
	case BT_STMT_DELETE:
		fputs("(delete ", out);
		bt_expr__dump(s->del.map, out);
		break;
	case BT_STMT_BLOCK:
		fputs("(block", out);
		dump_block(&s->block, indent + 2, out);
		break;
	}
	fputc(')', out);
}

static void dump_probe(const struct bt_probe *p, FILE *out)
{
	size_t i, j;

	fputs("(probe", out);
	for (i = 0; i < p->npoints; i++) {
		const struct bt_attach_point *ap = &p->points[i];

		fprintf(out, " (%s", ap->provider);
		for (j = 0; j < ap->nparts; j++)
			fprintf(out, " %s", ap->parts[j]);
		fputc(')', out);
	}
	if (p->predicate) {
		fputs("\n  (pred ", out);
		bt_expr__dump(p->predicate, out);
		fputc(')', out);
	}
	dump_block(&p->body, 2, out);
	fputs(")\n", out);
}

static void dump_struct(const struct bt_struct_def *sd, FILE *out)
{
	size_t i;

	fprintf(out, "(%s %s", sd->is_union ? "union" : "struct", sd->name);
	for (i = 0; i < sd->nmembers; i++) {
		fputs(" (", out);
		dump_type(sd->members[i].type, out);
		fprintf(out, " %s)", sd->members[i].name);
	}
	fputs(")\n", out);
}

void bt_ast__dump(const struct bt_ast *ast, FILE *out)
{
	size_t i;

	for (i = 0; i < ast->nincludes; i++) {
		fputs("(include ", out);
		dump_string(ast->includes[i].path,
			    strlen(ast->includes[i].path), out);
		fputs(")\n", out);
	}
	for (i = 0; i < ast->ndefines; i++) {
		const struct bt_define *d = &ast->defines[i];

		fprintf(out, "(define %s ", d->name);
		if (d->expr)
			bt_expr__dump(d->expr, out);
		else
			dump_string(d->value, strlen(d->value), out);
		fputs(")\n", out);
	}
	for (i = 0; i < ast->nstructs; i++)
		dump_struct(&ast->structs[i], out);
	for (i = 0; i < ast->nprobes; i++)
		dump_probe(&ast->probes[i], out);
}
