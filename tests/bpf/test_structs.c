/*
 * test_structs.c - struct and union definitions in programs: their layout
 * against this C compiler's for the same definitions (sizeof, and member
 * values and '&' offsets read through a cast in a real uprobe on this
 * test's own function), shadowing of kernel types, and the diagnostics.
 */
#include <limits.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tests/bpf/bpf_util.h"
#include "tests/tt_test.h"
#include "tracetab/bt.h"

/* The same definitions as DEFS below, compiled by the C compiler. */
struct tt_pair {
	int a;
	int b;
};
struct tt_mix {
	char c;
	long l;
	short s;
	char name[5];
	struct tt_pair p;
	int *ptr;
	unsigned char tail;
};
union tt_u {
	char c;
	long l;
	int arr[3];
};

#define DEFS                                                       \
	"struct tt_pair { int a; int b; }\n"                       \
	"struct tt_mix { char c; long l; short s; char name[5];\n" \
	"  struct tt_pair p; int *ptr; unsigned char tail; }\n"    \
	"union tt_u { char c; long l; int arr[3]; }\n"

__attribute__((noinline)) int tt_struct_target(struct tt_mix *m)
{
	__asm__ volatile("" ::"r"(m) : "memory");
	return m->p.b;
}

static char self[PATH_MAX];
static char errbuf[1024];

/* Compiles, loads and attaches (attach false: compile only). */
static struct bt_program *start(const char *src, bool attach)
{
	const struct btt_run r = { .upto = attach ? BTT_ATTACH : BTT_COMPILE };
	struct bt_program *p = NULL;

	return btt__run(src, &r, &p, errbuf, sizeof(errbuf)) ? NULL : p;
}

TT_TEST(sizes_match_the_c_compiler)
{
	struct bt_program *p =
		start(DEFS "BEGIN { @p = sizeof(struct tt_pair); "
			   "@m = sizeof(struct tt_mix); "
			   "@u = sizeof(union tt_u); exit(); }",
		      true);
	CHECKF(p, "%s", errbuf);
	if (!p)
		return;
	char want[200];
	snprintf(want, sizeof(want), "@m: %zu\n@p: %zu\n@u: %zu\n",
		 sizeof(struct tt_mix), sizeof(struct tt_pair),
		 sizeof(union tt_u));
	const char *out = btt__end(p);
	CHECKF(strstr(out, want), "%s, want %s", out, want);
}

/* Every member read through the script's layout has the C value. */
TT_TEST(members_read_through_a_cast)
{
	CHECK(realpath("/proc/self/exe", self) != NULL);
	char src[PATH_MAX + 1024];
	snprintf(src, sizeof(src),
		 DEFS "uprobe:%s:tt_struct_target {\n"
		      "  $m = (struct tt_mix *)arg0;\n"
		      "  @[$m->c, $m->l, $m->s, $m->name, $m->p.a, $m->p.b,\n"
		      "    $m->tail] = count();\n"
		      "  @ptr = $m->ptr;\n"
		      "  @off = (uint64)&$m->p.b - (uint64)$m;\n"
		      "  @via = *&$m->p.b; @same = &*$m == $m; }",
		 self);
	struct bt_program *p = start(src, true);
	CHECKF(p, "%s", errbuf);
	if (!p)
		return;
	int x = 5;
	struct tt_mix m = {.c = 'x',
			   .l = -1234567890123,
			   .s = -300,
			   .name = "abcd",
			   .p = {7, 8},
			   .ptr = &x,
			   .tail = 200};
	CHECK_INT(tt_struct_target(&m), 8);
	const char *out = btt__end(p);
	CHECKF(strstr(out,
		      "@[120, -1234567890123, -300, abcd, 7, 8, 200]: 1\n"),
	       "%s", out);
	char want[64];
	snprintf(want, sizeof(want), "@ptr: %lu\n", (unsigned long)&x);
	CHECKF(strstr(out, want), "%s, want %s", out, want);
	/* '&' of a member: its address, by the same layout. */
	snprintf(want, sizeof(want), "@off: %zu\n",
		 offsetof(struct tt_mix, p.b));
	CHECKF(strstr(out, want) && strstr(out, "@via: 8\n") &&
		       strstr(out, "@same: 1\n"),
	       "%s, want %s", out, want);
}

struct tt_node {
	int v;
	struct tt_node *next;
};

__attribute__((noinline)) int tt_list_target(struct tt_node *n)
{
	__asm__ volatile("" ::"r"(n) : "memory");
	return n->v;
}

/* A member may point to its own struct: a list walked in the probe. */
TT_TEST(self_referential_struct)
{
	char src[PATH_MAX + 512];
	CHECK(realpath("/proc/self/exe", self) != NULL);
	snprintf(src, sizeof(src),
		 "struct tt_node { int v; struct tt_node *next; }\n"
		 "uprobe:%s:tt_list_target {\n"
		 "  $n = (struct tt_node *)arg0;\n"
		 "  @[$n->v, $n->next->v, $n->next->next->v] = count(); }",
		 self);
	struct bt_program *p = start(src, true);
	CHECKF(p, "%s", errbuf);
	if (!p)
		return;
	struct tt_node c = {3, NULL}, b = {2, &c}, a = {1, &b};
	CHECK_INT(tt_list_target(&a), 1);
	const char *out = btt__end(p);
	CHECKF(strstr(out, "@[1, 2, 3]: 1\n"), "%s", out);
	CHECK(!start("struct tt_bad { int v; struct tt_bad inner; }\n"
		     "BEGIN { }",
		     false));
	CHECKF(strstr(errbuf, "member 'inner' has no size"), "%s", errbuf);
}

TT_TEST(address_of_needs_a_member)
{
	CHECK(!start("BEGIN { $x = 1; @ = &$x; }", false));
	CHECKF(strstr(errbuf, "1:21: '&' (address-of) applies only to struct "
			      "members"),
	       "%s", errbuf);
	CHECK(!start("tracepoint:syscalls:sys_enter_openat { @ = "
		     "&args->filename; }",
		     false));
	CHECKF(strstr(errbuf, "'&' needs a member of a struct in memory"), "%s",
	       errbuf);
}

/* A program's struct wins over the kernel's of the same name. */
TT_TEST(script_struct_shadows_kernel_type)
{
	struct bt_program *p = start("struct task_struct { int only; }\n"
				     "BEGIN { @ = sizeof(struct task_struct); "
				     "exit(); }",
				     true);
	CHECKF(p, "%s", errbuf);
	const char *out = p ? btt__end(p) : "";
	CHECKF(strstr(out, "@: 4\n"), "%s", out);
	/* Kernel types as members keep their layout. */
	p = start("struct tt_k { char c; struct list_head l; }\n"
		  "BEGIN { @ = sizeof(struct tt_k); exit(); }",
		  true);
	CHECKF(p, "%s", errbuf);
	out = p ? btt__end(p) : "";
	CHECKF(strstr(out, "@: 24\n"), "%s", out);
}

TT_TEST(struct_errors)
{
	CHECK(!start("struct tt_a { struct tt_nope x; }\nBEGIN { }", false));
	CHECKF(strstr(errbuf, "1:15: unknown type 'struct tt_nope'"), "%s",
	       errbuf);
	CHECK(!start("struct tt_a { string s; }\nBEGIN { }", false));
	CHECKF(strstr(errbuf, "string is not a C type"), "%s", errbuf);
	CHECK(!start("struct tt_a { int a; }\nBEGIN { $x = (struct tt_a *)0; "
		     "@ = $x->b; }",
		     false));
	CHECKF(strstr(errbuf, "2:") == errbuf && strstr(errbuf, "'b'"), "%s",
	       errbuf);
	CHECK(!start("struct tt_a { int x; long x; }\nBEGIN { }", false));
	CHECKF(strstr(errbuf, "1:27: duplicate member 'x' in struct tt_a"),
	       "%s", errbuf);
	CHECK(!start("struct tt_a { int x; }\nstruct tt_a { long y; }\n"
		     "BEGIN { }",
		     false));
	CHECKF(strstr(errbuf, "2:1: redefinition of struct tt_a"), "%s",
	       errbuf);
	CHECK(!start("struct tt_a { int x : 3; }\nBEGIN { }", false));
	CHECKF(strstr(errbuf, "1:21: bitfield members are not supported"), "%s",
	       errbuf);
	/* Messages name the program's types. */
	CHECK(!start("struct tt_a { int a; }\nBEGIN { $x = (struct tt_a *)0; "
		     "$x = 1; }",
		     false));
	CHECKF(strstr(errbuf, "holds struct tt_a *, cannot assign int64"), "%s",
	       errbuf);
}

TT_MAIN("bpf/structs", TT_CASE(sizes_match_the_c_compiler),
	TT_CASE(members_read_through_a_cast), TT_CASE(self_referential_struct),
	TT_CASE(address_of_needs_a_member),
	TT_CASE(script_struct_shadows_kernel_type), TT_CASE(struct_errors))
