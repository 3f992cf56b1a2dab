/*
 * test_struct_shadow.c - a struct the program defines replaces the
 * kernel's struct of that name wherever the name is reached: in casts
 * and sizeof, and through kernel types whose members point to it (a
 * name denotes one type, as in C and in bpftrace; runqlen.bt relies on
 * it). Values are read through a real uprobe on this test's function,
 * laid out here in C the way the kernel and the program declare them.
 */
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tests/bpf/bpf_util.h"
#include "tests/tt_test.h"
#include "tracetab/bt.h"

/* The program's struct llist_node (the kernel's has one pointer). */
struct tt_node {
	long a;
	long b;
};
/* The kernel's struct llist_head: { struct llist_node *first; }. */
struct tt_head {
	struct tt_node *first;
};

__attribute__((noinline)) long tt_shadow_target(struct tt_head *h)
{
	__asm__ volatile("" ::"r"(h) : "memory");
	return h->first->a;
}

static char errbuf[1024];

/* Compiles, loads and attaches src; NULL with errbuf set on failure. */
static struct bt_program *start(const char *src)
{
	return btt__start(src, errbuf, sizeof(errbuf));
}

TT_TEST(kernel_member_points_to_the_program_struct)
{
	char self[PATH_MAX], src[PATH_MAX + 1024];
	CHECK(realpath("/proc/self/exe", self) != NULL);
	snprintf(src, sizeof(src),
		 "struct llist_node { long a; long b; }\n"
		 "uprobe:%s:tt_shadow_target {\n"
		 "  $h = (struct llist_head *)arg0;\n"
		 "  @a = $h->first->a; @b = $h->first->b;\n"
		 "  @next = ($h->first + 1)->a; @idx = $h->first[1].b;\n"
		 "  @deref = (*$h->first).b;\n"
		 "  @own = sizeof(struct llist_node);\n"
		 "  @kernel = sizeof(struct llist_head); }",
		 self);
	struct bt_program *p = start(src);
	CHECKF(p, "%s", errbuf);
	if (!p)
		return;
	struct tt_node nodes[2] = {{11, -22}, {33, 44}};
	struct tt_head h = {.first = nodes};
	CHECK_INT(tt_shadow_target(&h), 11);
	const char *out = btt__end(p);
	char want[256];
	snprintf(want, sizeof(want),
		 "@a: %ld\n@b: %ld\n@deref: %ld\n@idx: %ld\n@kernel: %zu\n"
		 "@next: %ld\n@own: %zu\n",
		 nodes[0].a, nodes[0].b, (*h.first).b, h.first[1].b,
		 sizeof(struct tt_head), (h.first + 1)->a, sizeof(struct tt_node));
	CHECKF(strstr(out, want), "want:\n%sgot:\n%s", want, out);
}

/* Without a definition the kernel's type answers (its llist_node has no
 * member 'a'), so the test above really exercises the shadowing. */
TT_TEST(without_definition_the_kernel_type_answers)
{
	struct bt_diags *d = bt_diags__new();
	struct bt_program *p = NULL;
	int rc = bt_program__compile(
		"BEGIN { $h = (struct llist_head *)0; @a = $h->first->a; }",
		NULL, &p, d);
	CHECK(rc < 0);
	CHECKF(bt_diags__count(d) &&
		       strstr(bt_diags__get(d, 0)->msg, "no member 'a'"),
	       "%s", bt_diags__count(d) ? bt_diags__get(d, 0)->msg : "");
	bt_diags__free(d);
	bt_program__free(p);
}

TT_MAIN("bpf/struct_shadow",
	TT_CASE(kernel_member_points_to_the_program_struct),
	TT_CASE(without_definition_the_kernel_type_answers))
