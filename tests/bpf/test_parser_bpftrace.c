/*
 * tests/bpf/test_parser_bpftrace.c - the parser against bpftrace 0.17
 * itself, the reference implementation:
 *   - precedence: bpftrace computes expressions in a real BEGIN probe and
 *     constant-folding our AST of the same text gives the same numbers;
 *   - structure: every tool bpftrace ships (/usr/sbin/ *.bt) plus a snippet
 *     using the remaining constructs, as one program, parses to the tree
 *     `bpftrace -d` prints after its parser, printed here in its layout.
 * The combined program leaves out '#' lines and the BPFTRACE_HAVE_BTF
 * fallbacks (bpftrace allows those only before the first probe and would
 * need kernel headers), and bpftrace's resolution of uprobe library names
 * to paths, done while it parses, is not compared. One bpftrace run keeps
 * this fast. Skipped when bpftrace is missing or cannot run (needs root).
 */
#include <dirent.h>
#include <errno.h>
#include <stdlib.h>
#include <unistd.h>

#include "bpf/parser.h"
#include "tests/tt_test.h"

/* Runs cmd and returns its whole stdout (malloc'd), or NULL. */
static char *run(const char *cmd, int *status)
{
	FILE *f = popen(cmd, "r");
	char *buf = NULL;
	size_t cap = 0, n = 0, r;

	if (!f)
		return NULL;
	for (;;) {
		if (cap - n < 4096) {
			char *nb = realloc(buf, cap + 65536);

			if (!nb)
				break;
			buf = nb;
			cap += 65536;
		}
		r = fread(buf + n, 1, cap - n - 1, f);
		if (r == 0)
			break;
		n += r;
	}
	*status = pclose(f);
	if (buf)
		buf[n] = 0;
	return buf;
}

static bool have_bpftrace(void)
{
	return system("command -v bpftrace >/dev/null 2>&1") == 0;
}

/* Constant-folds an integer expression the way C (and bpftrace) would. */
static bool eval(const struct bt_expr *e, int64_t *v)
{
	int64_t a, b, c;

	switch (e->kind) {
	case BT_EXPR_INT:
		*v = (int64_t)e->integer.value;
		return true;
	case BT_EXPR_UNARY:
		if (!eval(e->unary.operand, &a))
			return false;
		*v = e->unary.op == BT_UNOP_NEG	   ? -a
		     : e->unary.op == BT_UNOP_LNOT ? !a
		     : e->unary.op == BT_UNOP_BNOT ? ~a
						   : 0;
		return e->unary.op <= BT_UNOP_BNOT;
	case BT_EXPR_TERNARY:
		if (!eval(e->ternary.cond, &c) || !eval(e->ternary.then, &a) ||
		    !eval(e->ternary.otherwise, &b))
			return false;
		*v = c ? a : b;
		return true;
	case BT_EXPR_BINARY:
		if (!eval(e->binary.lhs, &a) || !eval(e->binary.rhs, &b))
			return false;
		switch (e->binary.op) {
		case BT_BINOP_MUL:
			*v = a * b;
			break;
		case BT_BINOP_DIV:
			*v = b ? a / b : 0;
			break;
		case BT_BINOP_MOD:
			*v = b ? a % b : 0;
			break;
		case BT_BINOP_ADD:
			*v = a + b;
			break;
		case BT_BINOP_SUB:
			*v = a - b;
			break;
		case BT_BINOP_SHL:
			*v = (int64_t)((uint64_t)a << (b & 63));
			break;
		case BT_BINOP_SHR:
			*v = (int64_t)((uint64_t)a >> (b & 63));
			break;
		case BT_BINOP_LT:
			*v = a < b;
			break;
		case BT_BINOP_LE:
			*v = a <= b;
			break;
		case BT_BINOP_GT:
			*v = a > b;
			break;
		case BT_BINOP_GE:
			*v = a >= b;
			break;
		case BT_BINOP_EQ:
			*v = a == b;
			break;
		case BT_BINOP_NE:
			*v = a != b;
			break;
		case BT_BINOP_BAND:
			*v = a & b;
			break;
		case BT_BINOP_BXOR:
			*v = a ^ b;
			break;
		case BT_BINOP_BOR:
			*v = a | b;
			break;
		case BT_BINOP_LAND:
			*v = a && b;
			break;
		case BT_BINOP_LOR:
			*v = a || b;
			break;
		default:
			return false;
		}
		return true;
	default:
		return false;
	}
}

/*
 * Differential: bpftrace 0.17 computes each expression in a real BEGIN
 * probe; folding our AST of the same text must give the same numbers, so
 * our precedence and associativity are bpftrace's.
 */
TT_TEST(precedence_matches_bpftrace)
{
	static const char *const exprs[] = {
		"1 + 2 * 3",	     "10 - 4 - 3",
		"100 / 10 / 5",	     "7 % 4 * 3",
		"2 * 3 % 4",	     "1 << 2 + 1",
		"256 >> 2 >> 1",     "1 < 2 == 1",
		"3 & 5 == 5",	     "6 ^ 3 & 1",
		"1 | 6 ^ 3",	     "0 && 1 || 1",
		"1 || 0 && 0",	     "0 ? 1 : 0 ? 2 : 3",
		"1 ? 0 ? 4 : 5 : 6", "!0 + 1",
		"~0 & 255",	     "-3 + 10",
		"(1 + 2) * 3",	     "1 + 2 << 3 & 31 | 64",
		"5 > 3 == 1",	     "2 + 3 > 4 && 7",
		"12 - 2 * 3 - 1",    "1 << 4 >> 2 << 1",
		"3 != 3 == 0",	     "9 & 12 | 3 ^ 5",
		"- -5 * -2",	     "10 >= 10 ? 1 + 1 : 2 * 2",
	};
	const size_t n = sizeof(exprs) / sizeof(exprs[0]);
	char prog[4096], cmd[4400], line[256];
	size_t i, len = 0;
	FILE *out;
	int64_t got[64];
	size_t ngot = 0;

	if (!have_bpftrace())
		SKIP("bpftrace is not installed");
	len += (size_t)snprintf(prog + len, sizeof(prog) - len, "BEGIN { ");
	for (i = 0; i < n; i++)
		len += (size_t)snprintf(prog + len, sizeof(prog) - len,
					"printf(\"%%d\\n\", %s); ", exprs[i]);
	snprintf(prog + len, sizeof(prog) - len, "exit(); }");
	snprintf(cmd, sizeof(cmd), "timeout 60 bpftrace -e '%s' 2>/dev/null",
		 prog);
	out = popen(cmd, "r");
	if (!out)
		SKIP("cannot run bpftrace");
	while (fgets(line, sizeof(line), out) && ngot < 64) {
		char *end;
		long long v = strtoll(line, &end, 10);

		if (end != line && (*end == '\n' || !*end))
			got[ngot++] = v;
	}
	if (pclose(out) != 0 || ngot == 0)
		SKIP("bpftrace could not run its BEGIN probe here");
	CHECK_INT(ngot, n);
	for (i = 0; i < n; i++) {
		char src[256];
		struct bt_ast *ast;
		int64_t v;

		snprintf(src, sizeof(src), "BEGIN { %s }", exprs[i]);
		CHECK_INT(bt_parse(src, &ast, NULL), 0);
		CHECK(eval(ast->probes[0].body.stmts[0]->expr, &v));
		bt_ast__free(ast);
		CHECKF(v == got[i], "%s: ours %lld, bpftrace %lld", exprs[i],
		       (long long)v, (long long)got[i]);
	}
}

/* ---- our AST in the layout of bpftrace's ast::Printer --------------- */

/* bpftrace 0.17's builtin variables; other bare names are identifiers. */
static const char *const builtins[] = {
	"arg0",	 "arg1",  "arg2",     "arg3",	 "arg4",   "arg5",   "arg6",
	"arg7",	 "arg8",  "arg9",     "args",	 "cgroup", "comm",   "cpid",
	"cpu",	 "ctx",	  "curtask",  "elapsed", "func",   "gid",    "nsecs",
	"pid",	 "probe", "rand",     "retval",	 "sarg0",  "sarg1",  "sarg2",
	"sarg3", "sarg4", "sarg5",    "sarg6",	 "sarg7",  "sarg8",  "sarg9",
	"tid",	 "uid",	  "username", "jiffies", "kstack", "ustack",
};

static bool is_builtin(const char *s)
{
	size_t i;

	for (i = 0; i < sizeof(builtins) / sizeof(builtins[0]); i++)
		if (!strcmp(s, builtins[i]))
			return true;
	return false;
}

static void indent(FILE *o, int d)
{
	fprintf(o, "%*s", d, "");
}

static void print_string(FILE *o, const char *s, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		switch (s[i]) {
		case '\n':
			fputs("\\n", o);
			break;
		case '\t':
			fputs("\\t", o);
			break;
		case '"':
			fputs("\\\"", o);
			break;
		case '\\':
			fputs("\\\\", o);
			break;
		default:
			fputc(s[i], o);
		}
	}
	fputc('\n', o);
}

static void print_type(FILE *o, const struct bt_type_name *t)
{
	unsigned i;

	fputc('(', o);
	if (t->kind == BT_TYPE_STRUCT)
		fputs("struct ", o);
	else if (t->kind == BT_TYPE_UNION)
		fputs("union ", o);
	else if (t->kind == BT_TYPE_ENUM)
		fputs("enum ", o);
	fputs(t->name, o);
	for (i = 0; i < t->ptr_depth; i++)
		fputc('*', o);
	if (t->is_array)
		fprintf(o, "[%llu]", (unsigned long long)t->array_len);
	fputs(")\n", o);
}

static void print_expr(FILE *o, const struct bt_expr *e, int d);

static void print_list(FILE *o, struct bt_expr *const *v, size_t n, int d)
{
	size_t i;

	for (i = 0; i < n; i++)
		print_expr(o, v[i], d);
}

static void print_ident(FILE *o, const char *name)
{
	fprintf(o, "%s: %s\n", is_builtin(name) ? "builtin" : "identifier",
		name);
}

static void print_member(FILE *o, const struct bt_expr *e, int d)
{
	fputs(".\n", o);
	if (e->member.arrow) {
		/* bpftrace spells a->b as (*a).b */
		indent(o, d + 1);
		fputs("dereference\n", o);
		print_expr(o, e->member.base, d + 2);
	} else {
		print_expr(o, e->member.base, d + 1);
	}
	indent(o, d + 1);
	fprintf(o, "%s\n", e->member.field);
}

static void print_expr(FILE *o, const struct bt_expr *e, int d)
{
	const struct bt_expr *x;

	indent(o, d);
	switch (e->kind) {
	case BT_EXPR_INT:
		fprintf(o, "int: %llu\n", (unsigned long long)e->integer.value);
		break;
	case BT_EXPR_STR:
		fputs("string: ", o);
		print_string(o, e->str.data, e->str.len);
		break;
	case BT_EXPR_VAR:
		fprintf(o, "variable: $%s\n", e->var.name);
		break;
	case BT_EXPR_MAP:
		fprintf(o, "map: @%s\n", e->map.name);
		print_list(o, e->map.keys, e->map.nkeys, d + 1);
		break;
	case BT_EXPR_POSITIONAL:
		fprintf(o, "param: $%u\n", e->positional.index);
		break;
	case BT_EXPR_NARGS:
		fputs("param: $#\n", o);
		break;
	case BT_EXPR_IDENT:
		print_ident(o, e->ident.name);
		break;
	case BT_EXPR_CALL:
		fprintf(o, "call: %s\n", e->call.name);
		print_list(o, e->call.args, e->call.nargs, d + 1);
		break;
	case BT_EXPR_UNARY:
		x = e->unary.operand;
		/* bpftrace folds a minus on a literal into the literal */
		if (e->unary.op == BT_UNOP_NEG && x->kind == BT_EXPR_INT) {
			fprintf(o, "int: -%llu\n",
				(unsigned long long)x->integer.value);
			break;
		}
		fprintf(o, "%s\n",
			e->unary.op == BT_UNOP_DEREF
				? "dereference"
				: bt_unop__str(e->unary.op));
		print_expr(o, x, d + 1);
		break;
	case BT_EXPR_BINARY:
		fprintf(o, "%s\n", bt_binop__str(e->binary.op));
		print_expr(o, e->binary.lhs, d + 1);
		print_expr(o, e->binary.rhs, d + 1);
		break;
	case BT_EXPR_TERNARY:
		fputs("?:\n", o);
		print_expr(o, e->ternary.cond, d + 1);
		print_expr(o, e->ternary.then, d + 1);
		print_expr(o, e->ternary.otherwise, d + 1);
		break;
	case BT_EXPR_CAST:
		print_type(o, e->cast.type);
		print_expr(o, e->cast.operand, d + 1);
		break;
	case BT_EXPR_MEMBER:
		print_member(o, e, d);
		break;
	case BT_EXPR_INDEX:
		fputs("[]\n", o);
		print_expr(o, e->index.base, d + 1);
		print_expr(o, e->index.index, d + 1);
		break;
	case BT_EXPR_TUPLE:
		fputs("tuple:\n", o);
		print_list(o, e->tuple.elems, e->tuple.n, d + 1);
		break;
	case BT_EXPR_TUPLE_INDEX:
		fputs(".\n", o);
		print_expr(o, e->tuple_index.base, d + 1);
		indent(o, d + 1);
		fprintf(o, "%u\n", e->tuple_index.index);
		break;
	case BT_EXPR_SIZEOF:
		/* a call in bpftrace 0.17, with the type as an identifier */
		fputs("call: sizeof\n", o);
		if (e->size_of.expr) {
			print_expr(o, e->size_of.expr, d + 1);
			break;
		}
		indent(o, d + 1);
		fprintf(o, "identifier: %s%s\n",
			e->size_of.type->kind == BT_TYPE_STRUCT ? "struct "
								: "",
			e->size_of.type->name);
		break;
	case BT_EXPR_INCDEC:
		/* x++ prints x with "++" below it; ++x the other way round */
		if (e->incdec.prefix) {
			fprintf(o, "%s\n", e->incdec.increment ? "++" : "--");
			print_expr(o, e->incdec.target, d + 1);
		} else {
			fputs("\r",
			      o); /* undo the indent: the target has its own */
			print_expr(o, e->incdec.target, d);
			indent(o, d + 1);
			fprintf(o, "%s\n", e->incdec.increment ? "++" : "--");
		}
		break;
	}
}

static void print_block(FILE *o, const struct bt_block *b, int d);

static void print_stmt(FILE *o, const struct bt_stmt *s, int d)
{
	switch (s->kind) {
	case BT_STMT_EXPR:
		print_expr(o, s->expr, d);
		break;
	case BT_STMT_ASSIGN:
		/* bpftrace desugars x op= v into x = x op v */
		indent(o, d);
		fputs("=\n", o);
		print_expr(o, s->assign.target, d + 1);
		if (!s->assign.op) {
			print_expr(o, s->assign.value, d + 1);
			break;
		}
		indent(o, d + 1);
		fprintf(o, "%s\n", bt_binop__str(s->assign.op));
		print_expr(o, s->assign.target, d + 2);
		print_expr(o, s->assign.value, d + 2);
		break;
	case BT_STMT_IF:
		indent(o, d);
		fputs("if\n", o);
		print_expr(o, s->if_.cond, d + 1);
		indent(o, d + 1);
		fputs("then\n", o);
		print_block(o, &s->if_.then, d + 2);
		if (s->if_.otherwise) {
			indent(o, d + 1);
			fputs("else\n", o);
			print_block(o, s->if_.otherwise, d + 2);
		}
		break;
	case BT_STMT_UNROLL:
		indent(o, d);
		fputs("unroll\n", o);
		print_expr(o, s->unroll.count, d + 1);
		indent(o, d + 1);
		fputs("block\n", o);
		print_block(o, &s->unroll.body, d + 2);
		break;
	case BT_STMT_WHILE:
		/* bpftrace's printer never unindents after a while, so the
		 * snippet keeps its loop last */
		indent(o, d);
		fputs("while(\n", o);
		print_expr(o, s->while_.cond, d + 1);
		indent(o, d + 1);
		fputs(")\n", o);
		print_block(o, &s->while_.body, d + 2);
		break;
	case BT_STMT_RETURN:
	case BT_STMT_BREAK:
	case BT_STMT_CONTINUE:
		indent(o, d);
		fprintf(o, "%s\n",
			s->kind == BT_STMT_RETURN  ? "return"
			: s->kind == BT_STMT_BREAK ? "break"
						   : "continue");
		break;
	case BT_STMT_DELETE:
		indent(o, d);
		fputs("call: delete\n", o);
		print_expr(o, s->del.map, d + 1);
		break;
	case BT_STMT_BLOCK:
		print_block(o, &s->block, d);
		break;
	}
}

static void print_block(FILE *o, const struct bt_block *b, int d)
{
	size_t i;

	for (i = 0; i < b->n; i++)
		print_stmt(o, b->stmts[i], d);
}

/* The attach point as bpftrace prints it, minus a uprobe's file. */
static void print_attach(FILE *o, const struct bt_attach_point *ap)
{
	bool file =
		ap->kind == BT_PROBE_UPROBE || ap->kind == BT_PROBE_URETPROBE;
	size_t k;

	fprintf(o, " %s", ap->provider);
	for (k = 0; k < ap->nparts; k++)
		fprintf(o, ":%s", file && k == 0 ? "*" : ap->parts[k]);
	fputc('\n', o);
}

static char *print_bpftrace(const struct bt_ast *ast)
{
	char *out = NULL, *r, *w;
	size_t len = 0, i, j;
	FILE *o = open_memstream(&out, &len);

	fputs("Program\n", o);
	for (i = 0; i < ast->nprobes; i++) {
		const struct bt_probe *p = &ast->probes[i];

		for (j = 0; j < p->npoints; j++)
			print_attach(o, &p->points[j]);
		if (p->predicate) {
			fputs("  pred\n", o);
			print_expr(o, p->predicate, 3);
		}
		print_block(o, &p->body, 2);
	}
	fclose(o);
	/* Apply the "\r" that undid an indent, with what precedes it. */
	for (r = w = out; *r; r++) {
		if (*r == '\r') {
			while (w > out && w[-1] == ' ')
				w--;
			continue;
		}
		*w++ = *r;
	}
	*w = 0;
	return out;
}

/* bpftrace -d output: the tree after the parser, types and uprobe files
 * stripped; NULL when bpftrace printed none (it could not parse). */
static char *bpftrace_tree(const char *dump)
{
	const char *p = strstr(dump, "AST after: parser");
	char *out = NULL;
	size_t len = 0;
	FILE *o;

	if (!p || !(p = strstr(p, "\nProgram\n")))
		return NULL;
	p++;
	o = open_memstream(&out, &len);
	while (*p && *p != '\n') {
		const char *eol = strchr(p, '\n'), *type;
		size_t n = eol ? (size_t)(eol - p) : strlen(p);

		type = memmem(p, n, " :: type[", 9);
		if (type && p[n - 1] == ']')
			n = (size_t)(type - p);
		if (!strncmp(p, " uprobe:", 8) ||
		    !strncmp(p, " uretprobe:", 11)) {
			const char *c1 = memchr(p, ':', n);
			const char *c2 = memrchr(p, ':', n);

			fprintf(o, "%.*s:*%.*s\n", (int)(c1 - p), p,
				(int)(p + n - c2), c2);
		} else {
			fprintf(o, "%.*s\n", (int)n, p);
		}
		p += n;
		while (*p && *p != '\n')
			p++;
		if (*p)
			p++;
	}
	fclose(o);
	return out;
}

/* First differing line of a and b, for the failure message. */
static void first_diff(const char *a, const char *b, char *buf, size_t cap)
{
	int line = 1;

	while (*a && *a == *b) {
		if (*a == '\n')
			line++;
		a++;
		b++;
	}
	snprintf(buf, cap, "line %d: bpftrace '%.40s' ours '%.40s'", line, a,
		 b);
}

/* Constructs the tools do not use; the while loop must stay last. */
static const char snippet[] =
	"BEGIN { $i = 0; if ($i > 5) { $i = 1; } else { $i = 2; } "
	"unroll(3) { --$i; @c++; ++@d; @e--; } }\n"
	"kprobe:f /!(pid == 1) && ~arg0 % 3 != 0 || arg1 ^ 2 | 4 & 8/ { "
	"$t = (1, \"a\", (uint16)arg2); @x[$t.0, comm] = $t.1; $x += 2; "
	"$x -= 1; $x *= 3; $x /= 2; $x %= 7; $x <<= 1; $x >>= 1; $x &= 255; "
	"$x |= 1; $x ^= 3; return; }\n"
	"tracepoint:syscalls:sys_enter_openat { printf(\"%s %d\\n\", "
	"str(args->filename), sizeof(struct task_struct) + sizeof(uint32) + "
	"sizeof($x)); $p = (struct task_struct *)curtask; $q = *$p; "
	"$r = $p->real_parent->pid; @a[$1, $2] = sum(-5 + -arg0); }\n"
	"uretprobe:/bin/bash:readline { $s = retval ? \"y\" : \"n\"; "
	"$b = (int8)-1; printf(\"%s %d %d\\n\", $s, $b, (uint64)arg0 >> 2); }\n"
	"i:s:1 { print(@a, 5); clear(@a); zero(@c); delete(@x[1, \"a\"]); "
	"exit(); $i = 0; while ($i < 10) { $i++; if ($i > 5) { break; } "
	"continue; } }\n";

/* Appends tool path to o without '#' lines and BTF-less fallbacks, one
 * empty line for each line left out so line numbers stay. */
static bool append_tool(FILE *o, const char *path)
{
	FILE *f = fopen(path, "r");
	char *line = NULL;
	size_t cap = 0;
	bool skip = false;

	if (!f)
		return false;
	while (getline(&line, &cap, f) > 0) {
		if (!strncmp(line, "#ifndef BPFTRACE_HAVE_BTF", 25))
			skip = true;
		else if (!strncmp(line, "#else", 5) ||
			 !strncmp(line, "#endif", 6))
			skip = false;
		fputs(line[0] == '#' || skip ? "\n" : line, o);
	}
	fputc('\n', o);
	free(line);
	fclose(f);
	return true;
}

static int tool_names(char names[][256], int max)
{
	DIR *dir = opendir("/usr/sbin");
	struct dirent *de;
	int n = 0;

	if (!dir)
		return 0;
	while ((de = readdir(dir)) && n < max) {
		size_t len = strlen(de->d_name);

		if (len > 3 && !strcmp(de->d_name + len - 3, ".bt"))
			snprintf(names[n++], 256, "/usr/sbin/%s", de->d_name);
	}
	closedir(dir);
	qsort(names, (size_t)n, 256,
	      (int (*)(const void *, const void *))strcmp);
	return n;
}

/* All tools and the snippet as one program, written to a temp file. */
static char *combined_program(char *path, int *ntools)
{
	static char names[128][256];
	char *text = NULL;
	size_t len = 0;
	FILE *o = open_memstream(&text, &len);
	int n = tool_names(names, 128), i, fd;

	*ntools = 0;
	for (i = 0; i < n; i++)
		*ntools += append_tool(o, names[i]);
	fputs(snippet, o);
	fclose(o);
	fd = mkstemps(path, 3);
	if (fd < 0 || write(fd, text, len) != (ssize_t)len) {
		if (fd >= 0)
			close(fd);
		free(text);
		return NULL;
	}
	close(fd);
	return text;
}

TT_TEST(tools_parse_like_bpftrace)
{
	char path[] = "/tmp/tt-parser-bpftrace-XXXXXX.bt", cmd[128], msg[200];
	char *src, *dump, *theirs, *ours;
	const char *c;
	struct bt_ast *ast;
	int ntools, status, lines;

	if (!have_bpftrace())
		SKIP("bpftrace is not installed");
	src = combined_program(path, &ntools);
	CHECK(src != NULL);
	snprintf(cmd, sizeof(cmd), "timeout 120 bpftrace -d %s 2>/dev/null",
		 path);
	dump = run(cmd, &status);
	unlink(path);
	theirs = dump ? bpftrace_tree(dump) : NULL;
	free(dump);
	if (!theirs) {
		free(src);
		SKIP("bpftrace printed no parser tree (not root?)");
	}
	CHECK_INT(bt_parse(src, &ast, NULL), 0);
	ours = print_bpftrace(ast);
	first_diff(theirs, ours, msg, sizeof(msg));
	CHECKF(strcmp(theirs, ours) == 0, "%s", msg);
	for (lines = 0, c = theirs; *c; c++)
		lines += *c == '\n';
	printf("# %d tools and the snippet: %d lines of tree, identical\n",
	       ntools, lines);
	bt_ast__free(ast);
	free(ours);
	free(theirs);
	free(src);
}

TT_MAIN("bpf/parser_bpftrace", TT_CASE(precedence_matches_bpftrace),
	TT_CASE(tools_parse_like_bpftrace))
