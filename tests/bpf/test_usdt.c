/*
 * test_usdt.c - USDT probe sites from this test's own .note.stapsdt note
 * (tests/bpf/usdt_note.h), their argument specs, and a real attach: the
 * kernel must raise the semaphore while attached and lower it after, and
 * a program reading the argument register from pt_regs must see every
 * value the probe site passed.
 */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <bpf/bpf.h>

#include "bpf/attach.h"
#include "bpf/usdt.h"
#include "tests/bpf/bpf_asm.h"
#include "tests/bpf/usdt_note.h"
#include "tests/tt_test.h"

TT_USDT_SEMAPHORE(tt_usdt_sema);

/* Fires tt_test:fire with i for i in 1..n; returns the sum passed. */
__attribute__((noinline)) static long fire(long n)
{
	long sum = 0;

	for (long i = 1; i <= n; i++) {
		TT_USDT1(tt_test, fire, tt_usdt_sema, i * 3);
		sum += i * 3;
	}
	return sum;
}

static volatile unsigned short *sema = &tt_usdt_sema;

static int self(char *path)
{
	return realpath("/proc/self/exe", path) ? 0 : -errno;
}

TT_TEST(lists_own_probe)
{
	struct bt_usdt_probes l;
	char path[PATH_MAX], err[256];
	int n;

	CHECK_INT(self(path), 0);
	n = bt_usdt__list(path, "tt_test", "fire", &l, err, sizeof(err));
	CHECKF(n == 1, "%d: %s", n, err);
	if (n != 1)
		return;
	CHECK_STR(l.v[0].provider, "tt_test");
	CHECK_STR(l.v[0].name, "fire");
	CHECK(l.v[0].file_offset != 0);
	CHECK(l.v[0].sema_addr != 0 && l.v[0].sema_offset != 0);
	CHECK_INT(l.v[0].nargs, 1);
	CHECK_INT(l.v[0].args[0].size, 8);
	CHECK(l.v[0].args[0].is_signed);
	bt_usdt_probes__free(&l);
	/* Globs; and a name that is not there. */
	n = bt_usdt__list(path, "tt_*", NULL, &l, err, sizeof(err));
	CHECKF(n == 1, "%d: %s", n, err);
	bt_usdt_probes__free(&l);
	CHECK_INT(
		bt_usdt__list(path, "tt_test", "nosuch", &l, err, sizeof(err)),
		-ENOENT);
	CHECK(strstr(err, "no USDT probe tt_test:nosuch in ") != NULL);
	CHECK_INT(bt_usdt__list("/bin/true", NULL, NULL, &l, err, sizeof(err)),
		  -ENOENT);
	CHECK_INT(
		bt_usdt__list("/etc/passwd", NULL, NULL, &l, err, sizeof(err)),
		-ENOEXEC);
	CHECK_INT(bt_usdt__list("/no/such", NULL, NULL, &l, err, sizeof(err)),
		  -ENOENT);
}

TT_TEST(parses_argument_specs)
{
	struct bt_usdt_arg a;
	char err[128];
	static const char *const bad[] = {
		"",    "4",	"3@%eax",      "4@%xyz", "4@(", "-8@-12(%rbp",
		"8@$", "8@$1x", "4@%eax junk", "16@%rax"};

	CHECK_INT(bt_usdt__parse_arg("-4@%eax", &a, err, sizeof(err)), 0);
	CHECK(a.kind == BT_USDT_ARG_REG && a.size == 4 && a.is_signed);
	CHECK_STR(a.reg, "rax");
	CHECK_INT(a.reg_off, 80);
	CHECK_INT(bt_usdt__parse_arg("8@$-5", &a, err, sizeof(err)), 0);
	CHECK(a.kind == BT_USDT_ARG_CONST && a.value == -5 && !a.is_signed);
	CHECK_INT(bt_usdt__parse_arg("-8@-12(%rbp)", &a, err, sizeof(err)), 0);
	CHECK(a.kind == BT_USDT_ARG_MEM && a.value == -12);
	CHECK_STR(a.reg, "rbp");
	CHECK_INT(bt_usdt__parse_arg("2@(%r12)", &a, err, sizeof(err)), 0);
	CHECK(a.kind == BT_USDT_ARG_MEM && a.value == 0 && a.reg_off == 24);
	CHECK_INT(bt_usdt__parse_arg("1@%sil", &a, err, sizeof(err)), 0);
	CHECK_STR(a.reg, "rsi");
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		CHECKF(bt_usdt__parse_arg(bad[i], &a, err, sizeof(err)) ==
			       -EINVAL,
		       "'%s' accepted", bad[i]);
	}
	CHECK_STR(err, "malformed USDT argument spec '16@%rax'");
}

/* Counts hits into slot 0 and sums the register argument into slot 1. */
static int arg_summer(int map, int reg_off)
{
	struct asm_prog p = {.map_fd = map};
	char log[8192];
	LIBBPF_OPTS(bpf_prog_load_opts, o, .log_buf = log,
		    .log_size = sizeof(log), .log_level = 1);
	int fd;

	mov_reg(&p, BPF_REG_6, BPF_REG_1);
	only_tgid(&p, getpid());
	slot_inc(&p, 0);
	ldx(&p, BPF_DW, BPF_REG_7, BPF_REG_6, reg_off);
	slot_ptr(&p, 1);
	asm_emit(&p, INSN(BPF_STX | BPF_ATOMIC | BPF_DW, BPF_REG_0, BPF_REG_7,
			  0, BPF_ADD));
	asm_finish(&p);
	fd = bpf_prog_load(BPF_PROG_TYPE_KPROBE, "tt_usdt", "GPL", p.v, p.n,
			   &o);
	if (fd < 0)
		fprintf(stderr, "verifier: %s\n", log);
	return fd;
}

TT_TEST(attach_counts_args_and_raises_semaphore)
{
	struct bt_usdt_probes l;
	struct bt_link *link = NULL;
	char path[PATH_MAX], err[256];
	uint64_t hits = 0, sum = 0;
	uint32_t k0 = 0, k1 = 1;
	int map, prog, n;
	long want;

	CHECK_INT(self(path), 0);
	n = bt_usdt__list(path, "tt_test", "fire", &l, err, sizeof(err));
	CHECKF(n == 1, "%s", err);
	if (n != 1)
		return;
	if (l.v[0].args[0].kind != BT_USDT_ARG_REG) {
		SKIP("the compiler put the argument in %s, not a register",
		     l.v[0].args_text);
		bt_usdt_probes__free(&l);
		return;
	}
	map = bpf_map_create(BPF_MAP_TYPE_ARRAY, "tt_usdt", 4, 8, 2, NULL);
	prog = arg_summer(map, l.v[0].args[0].reg_off);
	CHECK(map >= 0 && prog >= 0);
	CHECK_INT(*sema, 0);
	CHECKF(bt_attach__usdt(prog, path, l.v[0].file_offset,
			       l.v[0].sema_offset, -1, &link, err,
			       sizeof(err)) == 0,
	       "%s", err);
	CHECKF(*sema == 1, "semaphore %u while attached", *sema);
	want = fire(100);
	bpf_map_lookup_elem(map, &k0, &hits);
	bpf_map_lookup_elem(map, &k1, &sum);
	CHECK_INT(hits, 100);
	CHECK_INT(sum, want);
	bt_link__free(link);
	CHECKF(*sema == 0, "semaphore %u after detach", *sema);
	CHECK_INT(bt_attach__usdt(prog, path, l.v[0].file_offset, 1ull << 33,
				  -1, &link, err, sizeof(err)),
		  -EINVAL);
	close(prog);
	close(map);
	bt_usdt_probes__free(&l);
}

TT_MAIN("bpf/usdt", TT_CASE(lists_own_probe), TT_CASE(parses_argument_specs),
	TT_CASE(attach_counts_args_and_raises_semaphore))
