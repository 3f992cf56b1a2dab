/*
 * test_btf.c - kernel type lookups against this kernel's real BTF.
 *
 * Offsets are checked for internal consistency here (a member found through
 * anonymous unions equals the sum of the hops, siblings of a union share an
 * offset); test_attach.c reads the same members from a live kernel with BPF
 * and compares them with what user space knows (getppid, socket ports).
 */
#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "bpf/btf.h"
#include "bpf/tracefs.h"
#include "tests/tt_test.h"

static struct bt_btf *vmlinux(void)
{
	struct bt_btf *b = NULL;
	char err[256];

	if (bt_btf__vmlinux(&b, err, sizeof(err)))
		return NULL;
	return b;
}

#define NEED_BTF(b)                   \
	struct bt_btf *b = vmlinux(); \
	if (!b)                       \
	SKIP("no kernel BTF at /sys/kernel/btf/vmlinux")

static uint32_t find(struct bt_btf *b, const char *spelling)
{
	uint32_t id = 0;

	return bt_btf__lookup(b, spelling, &id, NULL, 0) ? 0 : id;
}

TT_TEST(vmlinux_is_shared)
{
	NEED_BTF(b);
	struct bt_btf *again = NULL;

	CHECK_INT(bt_btf__vmlinux(&again, NULL, 0), 0);
	CHECK(again == b);
	bt_btf__free(b); /* ignored for the shared one */
	CHECK(bt_btf__vmlinux(&again, NULL, 0) == 0 && again == b);
}

TT_TEST(task_struct_real_parent)
{
	NEED_BTF(b);
	struct bt_btf_member m, pid;
	uint32_t task = find(b, "struct task_struct"), target;
	char s[128];

	CHECK(task != 0);
	CHECK_INT(bt_btf__kind(b, task), BT_BTF_STRUCT);
	CHECK_STR(bt_btf__name(b, task), "task_struct");
	CHECK(bt_btf__size(b, task) > 1000);
	CHECK_INT(bt_btf__member(b, task, "real_parent", &m, NULL, 0), 0);
	CHECK(m.offset > 0 && m.offset < bt_btf__size(b, task));
	CHECK_INT(m.bit_size, 0);
	CHECK_INT(m.load_size, 8);
	CHECK_INT(bt_btf__pointee(b, m.type, &target), 0);
	CHECK_INT(bt_btf__strip(b, target), task);
	bt_btf__type_str(b, m.type, s, sizeof(s));
	CHECK_STR(s, "struct task_struct *");
	CHECK_INT(bt_btf__member(b, target, "tgid", &pid, NULL, 0), 0);
	bt_btf__type_str(b, pid.type, s, sizeof(s));
	CHECK_STR(s, "pid_t");
	CHECK_INT(pid.load_size, 4);
	unsigned size;
	bool sgn;
	CHECK_INT(bt_btf__int(b, pid.type, &size, &sgn, NULL, NULL), 0);
	CHECK_INT(size, 4);
	CHECK(sgn);
}

/* skc_dport lives in an anonymous struct inside an anonymous union. */
TT_TEST(sock_common_anonymous_members)
{
	NEED_BTF(b);
	uint32_t sock = find(b, "struct sock"),
		 common = find(b, "struct sock_common");
	struct bt_btf_member skc, dport, num, pair, via;
	char err[256];

	CHECK(sock && common);
	CHECK_INT(bt_btf__member(b, sock, "__sk_common", &skc, NULL, 0), 0);
	CHECK_INT(skc.offset, 0);
	CHECK_INT(bt_btf__strip(b, skc.type), common);
	CHECK_INT(bt_btf__member(b, common, "skc_dport", &dport, NULL, 0), 0);
	CHECK_INT(bt_btf__member(b, common, "skc_num", &num, NULL, 0), 0);
	CHECK_INT(bt_btf__member(b, common, "skc_portpair", &pair, NULL, 0), 0);
	/* union { __portpair skc_portpair; struct { __be16 dport; u16 num; } }
	 */
	CHECK_INT(dport.offset, pair.offset);
	CHECK_INT(num.offset, dport.offset + 2);
	CHECK_INT(dport.load_size, 2);
	CHECK_INT(pair.load_size, 4);
	/* A named member is not looked through: sock has no skc_dport... */
	CHECK_INT(bt_btf__member(b, sock, "skc_dport", &via, err, sizeof(err)),
		  -ENOENT);
	CHECK_STR(err, "struct sock has no member 'skc_dport'");
	/* ...but struct sock's own anonymous members are. */
	CHECK_INT(bt_btf__member(b, sock, "sk_protocol", &via, NULL, 0), 0);
}

/* Finds any bitfield member of struct sock and checks the load recipe. */
TT_TEST(bitfield_recipe)
{
	NEED_BTF(b);
	static const char *const names[] = {"sk_no_check_tx", "sk_no_check_rx",
					    "sk_userlocks", "sk_kern_sock",
					    "sk_gso_disabled"};
	uint32_t sock = find(b, "struct sock");
	struct bt_btf_member m, tx, rx;
	int found = 0;

	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		if (bt_btf__member(b, sock, names[i], &m, NULL, 0) ||
		    !m.bit_size)
			continue;
		found++;
		CHECK(m.load_size == 1 || m.load_size == 2 ||
		      m.load_size == 4 || m.load_size == 8);
		CHECK(m.bit_shift + m.bit_size <= m.load_size * 8);
		CHECK(m.offset + m.load_size <= bt_btf__size(b, sock));
	}
	if (!found)
		SKIP("struct sock has no bitfield on this kernel");
	if (!bt_btf__member(b, sock, "sk_no_check_tx", &tx, NULL, 0) &&
	    !bt_btf__member(b, sock, "sk_no_check_rx", &rx, NULL, 0) &&
	    tx.bit_size == 1 && rx.bit_size == 1) {
		/* Declared next to each other: adjacent bits. */
		CHECK_INT(tx.offset * 8 + tx.bit_shift + 1,
			  rx.offset * 8 + rx.bit_shift);
	}
}

TT_TEST(enum_constants)
{
	NEED_BTF(b);
	int64_t v;
	uint32_t e;
	char s[64];

	CHECK_INT(bt_btf__enum_value(b, "TCP_ESTABLISHED", &v, &e), 0);
	CHECK_INT(v, 1);
	CHECK_INT(bt_btf__enum_value(b, "TCP_LISTEN", &v, NULL), 0);
	CHECK_INT(v, 10);
	CHECK_INT(bt_btf__enum_value(b, "BPF_MAP_TYPE_RINGBUF", &v, &e), 0);
	CHECK_INT(v, 27);
	bt_btf__type_str(b, e, s, sizeof(s));
	CHECK_STR(s, "enum bpf_map_type");
	CHECK_INT(bt_btf__kind(b, e), BT_BTF_ENUM);
	CHECK_INT(bt_btf__enum_value(b, "NO_SUCH_CONSTANT_X", &v, NULL),
		  -ENOENT);
	CHECK_INT(bt_btf__enum_value(b, "", &v, NULL), -ENOENT);
	CHECK_INT(bt_btf__enum_value(b, NULL, &v, NULL), -ENOENT);
}

TT_TEST(arrays_and_ints)
{
	NEED_BTF(b);
	uint32_t task = find(b, "struct task_struct"), elem, count;
	struct bt_btf_member comm;
	unsigned size;
	bool sgn, chr, bln;
	char s[64];

	CHECK_INT(bt_btf__member(b, task, "comm", &comm, NULL, 0), 0);
	CHECK_INT(bt_btf__array(b, comm.type, &elem, &count), 0);
	CHECK_INT(count, 16);
	CHECK_INT(bt_btf__size(b, comm.type), 16);
	CHECK_INT(comm.load_size, 8);
	CHECK_INT(bt_btf__int(b, elem, &size, &sgn, &chr, &bln), 0);
	CHECK_INT(size, 1);
	CHECK(chr);
	CHECK(!bln);
	bt_btf__type_str(b, comm.type, s, sizeof(s));
	CHECK_STR(s, "char[16]");
	CHECK_INT(bt_btf__array(b, task, &elem, &count), -EINVAL);
	CHECK_INT(bt_btf__pointee(b, task, &elem), -EINVAL);
	CHECK_INT(bt_btf__int(b, task, &size, NULL, NULL, NULL), -EINVAL);
	CHECK_INT(bt_btf__int(b, find(b, "u64"), &size, &sgn, NULL, NULL), 0);
	CHECK_INT(size, 8);
	CHECK(!sgn);
	CHECK_INT(bt_btf__int(b, find(b, "bool"), &size, NULL, NULL, &bln), 0);
	CHECK(bln);
	CHECK_INT(bt_btf__int(b, find(b, "struct sock *"), &size, &sgn, NULL,
			      NULL),
		  0);
	CHECK_INT(size, 8);
	CHECK_INT(bt_btf__size(b, 0), -EINVAL);
}

TT_TEST(lookup_spellings)
{
	NEED_BTF(b);
	char err[256], s[64];
	uint32_t id, t;

	CHECK(find(b, "unsigned long") != 0);
	CHECK_INT(find(b, "unsigned long"), find(b, "long unsigned int"));
	CHECK_INT(find(b, "  struct   sock  "), find(b, "struct sock"));
	id = find(b, "struct sock **");
	CHECK(id != 0);
	bt_btf__type_str(b, id, s, sizeof(s));
	CHECK_STR(s, "struct sock **");
	CHECK_INT(bt_btf__pointee(b, id, &t), 0);
	CHECK_INT(bt_btf__pointee(b, t, &t), 0);
	CHECK_INT(t, find(b, "struct sock"));
	id = find(b, "void *");
	bt_btf__type_str(b, id, s, sizeof(s));
	CHECK_STR(s, "void *");
	CHECK_INT(bt_btf__lookup(b, "struct no_such_struct_x *", &id, err,
				 sizeof(err)),
		  -ENOENT);
	CHECK_STR(err, "unknown type 'struct no_such_struct_x *'");
	CHECK_INT(bt_btf__lookup(b, "", &id, NULL, 0), -ENOENT);
	CHECK_INT(bt_btf__lookup(b, "***", &id, NULL, 0), -ENOENT);
	CHECK_INT(bt_btf__lookup(b, "void", &id, NULL, 0), -EINVAL);
	CHECK_INT(bt_btf__lookup(b, NULL, &id, NULL, 0), -ENOENT);
	CHECK_INT(bt_btf__find(b, "bpf_map_type", BT_BTF_ENUM, &id), 0);
	CHECK_INT(bt_btf__find(b, "bpf_map_type", BT_BTF_STRUCT, &id), -ENOENT);
}

TT_TEST(member_errors)
{
	NEED_BTF(b);
	struct bt_btf_member m;
	char err[256];

	CHECK_INT(bt_btf__member(b, find(b, "int"), "x", &m, err, sizeof(err)),
		  -EINVAL);
	CHECK_STR(err, "'int' is not a struct or union");
	CHECK_INT(bt_btf__member(b, find(b, "struct sock *"), "sk_protocol", &m,
				 err, sizeof(err)),
		  -EINVAL);
	CHECK_STR(err, "'struct sock *' is not a struct or union");
	CHECK_INT(bt_btf__member(b, find(b, "struct sock"), "", &m, err,
				 sizeof(err)),
		  -ENOENT);
	CHECK_INT(bt_btf__member(b, 0, "x", &m, NULL, 0), -EINVAL);
	CHECK_INT(bt_btf__member(b, 0x7fffffff, "x", &m, NULL, 0), -EINVAL);
	CHECK_INT(bt_btf__kind(b, 0x7fffffff), BT_BTF_VOID);
	CHECK_STR(bt_btf__name(b, 0x7fffffff), "");
}

TT_TEST(functions)
{
	NEED_BTF(b);
	uint32_t f, t;
	const char *name;
	char err[256], s[256];

	CHECK_INT(bt_btf__func(b, "tcp_retransmit_skb", &f, NULL, 0), 0);
	CHECK_INT(bt_btf__kind(b, f), BT_BTF_FUNC);
	CHECK_INT(bt_btf__func_nparams(b, f), 3);
	CHECK_INT(bt_btf__func_param(b, f, 0, &name, &t), 0);
	CHECK_STR(name, "sk");
	bt_btf__type_str(b, t, s, sizeof(s));
	CHECK_STR(s, "struct sock *");
	CHECK_INT(bt_btf__func_param(b, f, 3, &name, &t), -ERANGE);
	CHECK_INT(bt_btf__func_ret(b, f, &t), 0);
	bt_btf__type_str(b, t, s, sizeof(s));
	CHECK_STR(s, "int");
	bt_btf__type_str(b, f, s, sizeof(s));
	CHECK_STR(
		s,
		"int tcp_retransmit_skb(struct sock *, struct sk_buff *, int)");
	CHECK_INT(bt_btf__func(b, "no_such_function_x", &f, err, sizeof(err)),
		  -ENOENT);
	CHECK_STR(err, "no kernel function 'no_such_function_x' in BTF");
	CHECK_INT(bt_btf__func_nparams(b, find(b, "int")), -EINVAL);
}

/* fentry wildcards: every match is a BTF function, sorted and unique. */
TT_TEST(function_wildcards)
{
	NEED_BTF(b);
	struct bt_strlist l;
	char err[256];
	uint32_t f;
	bool has_read = false;
	int n;

	n = bt_btf__funcs_match(b, "vfs_rea*", &l, err, sizeof(err));
	CHECKF(n >= 2, "%d: %s", n, err);
	for (size_t i = 0; i < l.n; i++) {
		has_read |= !strcmp(l.v[i], "vfs_read");
		CHECKF(!strncmp(l.v[i], "vfs_rea", 7), "%s", l.v[i]);
		CHECKF(bt_btf__func(b, l.v[i], &f, NULL, 0) == 0, "%s", l.v[i]);
		CHECKF(!i || strcmp(l.v[i - 1], l.v[i]) < 0, "%s after %s",
		       l.v[i], l.v[i - 1]);
	}
	CHECK(has_read);
	bt_strlist__free(&l);
	CHECK_INT(
		bt_btf__funcs_match(b, "tt_no_such_fn_*", &l, err, sizeof(err)),
		-ENOENT);
	CHECK_STR(err, "no kernel function matches 'tt_no_such_fn_*' in BTF");
	CHECK_INT(l.n, 0);
}

TT_TEST(type_str_truncates)
{
	NEED_BTF(b);
	char s[8];
	int n = bt_btf__type_str(b, find(b, "struct task_struct *"), s,
				 sizeof(s));

	CHECK_INT(n, 20);
	CHECK_STR(s, "struct ");
	CHECK_INT(bt_btf__type_str(b, 0, s, sizeof(s)), 4);
	CHECK_STR(s, "void");
}

TT_TEST(open_errors)
{
	struct bt_btf *b = NULL;
	char err[256];

	CHECK(bt_btf__open("/nonexistent/btf", &b, err, sizeof(err)) < 0);
	CHECK(strstr(err, "/nonexistent/btf") != NULL);
	CHECK(bt_btf__open("/etc/passwd", &b, err, sizeof(err)) < 0);
	if (access("/sys/kernel/btf/vmlinux", R_OK))
		SKIP("no /sys/kernel/btf/vmlinux");
	CHECK_INT(bt_btf__open("/sys/kernel/btf/vmlinux", &b, err, sizeof(err)),
		  0);
	uint32_t id;
	CHECK_INT(bt_btf__find(b, "task_struct", BT_BTF_STRUCT, &id), 0);
	/* Pointer creation in a private copy. */
	CHECK_INT(bt_btf__lookup(b, "struct task_struct ****", &id, NULL, 0),
		  0);
	bt_btf__free(b);
}

struct racer {
	struct bt_btf *b;
	uint32_t task, ptr3, func, enum_id;
	int64_t v;
};

static void *race(void *arg)
{
	struct racer *r = arg;

	bt_btf__find(r->b, "task_struct", BT_BTF_STRUCT, &r->task);
	bt_btf__lookup(r->b, "struct sock ***", &r->ptr3, NULL, 0);
	bt_btf__func(r->b, "do_nanosleep", &r->func, NULL, 0);
	bt_btf__enum_value(r->b, "BPF_MAP_TYPE_RINGBUF", &r->v, &r->enum_id);
	return NULL;
}

/* Threads racing to build the lazy indexes and pointer types agree. */
TT_TEST(concurrent_first_use)
{
	struct racer r[4] = {0};
	pthread_t th[4];
	struct bt_btf *b;

	if (bt_btf__open("/sys/kernel/btf/vmlinux", &b, NULL, 0))
		SKIP("no /sys/kernel/btf/vmlinux");
	for (int i = 0; i < 4; i++) {
		r[i].b = b;
		CHECK(!pthread_create(&th[i], NULL, race, &r[i]));
	}
	for (int i = 0; i < 4; i++)
		pthread_join(th[i], NULL);
	for (int i = 0; i < 4; i++) {
		CHECK(r[i].task && r[i].ptr3 && r[i].func && r[i].enum_id);
		CHECK_INT(r[i].task, r[0].task);
		CHECK_INT(r[i].ptr3, r[0].ptr3);
		CHECK_INT(r[i].func, r[0].func);
		CHECK_INT(r[i].v, 27);
	}
	char s[64];
	bt_btf__type_str(b, r[0].ptr3, s, sizeof(s));
	CHECK_STR(s, "struct sock ***");
	bt_btf__free(b);
}

/* BTF inside an ELF object (.BTF section), made by clang for BPF. */
TT_TEST(open_elf_object)
{
	char dir[] = "/tmp/tt_btf_XXXXXX", cmd[512], obj[64];
	struct bt_btf_member m;
	struct bt_btf *b = NULL;
	char err[256];
	uint32_t id;
	FILE *f;

	if (system("command -v clang >/dev/null 2>&1"))
		SKIP("no clang to make a BPF object with BTF");
	CHECK(mkdtemp(dir) != NULL);
	snprintf(cmd, sizeof(cmd), "%s/s.c", dir);
	f = fopen(cmd, "w");
	CHECK(f != NULL);
	fputs("struct tt_s { int a; long b; char c[3]; }; struct tt_s g;\n", f);
	fclose(f);
	snprintf(obj, sizeof(obj), "%s/s.o", dir);
	snprintf(cmd, sizeof(cmd),
		 "clang -g -O2 -target bpf -c %s/s.c -o %s 2>/dev/null", dir,
		 obj);
	if (system(cmd))
		SKIP("clang cannot target bpf here");
	CHECKF(bt_btf__open(obj, &b, err, sizeof(err)) == 0, "%s", err);
	CHECK_INT(bt_btf__lookup(b, "struct tt_s", &id, NULL, 0), 0);
	CHECK_INT(bt_btf__size(b, id), 24);
	CHECK_INT(bt_btf__member(b, id, "b", &m, NULL, 0), 0);
	CHECK_INT(m.offset, 8);
	CHECK_INT(bt_btf__member(b, id, "c", &m, NULL, 0), 0);
	CHECK_INT(m.offset, 16);
	CHECK_INT(bt_btf__size(b, m.type), 3);
	bt_btf__free(b);
	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	CHECK(system(cmd) == 0);
}

TT_MAIN("bpf/btf", TT_CASE(vmlinux_is_shared), TT_CASE(task_struct_real_parent),
	TT_CASE(sock_common_anonymous_members), TT_CASE(bitfield_recipe),
	TT_CASE(enum_constants), TT_CASE(arrays_and_ints),
	TT_CASE(lookup_spellings), TT_CASE(member_errors), TT_CASE(functions),
	TT_CASE(function_wildcards), TT_CASE(type_str_truncates),
	TT_CASE(open_errors), TT_CASE(open_elf_object),
	TT_CASE(concurrent_first_use))
