/*
 * test_var_types.c - integer variables and expressions typed as bpftrace
 * 0.17 types them (bpf/types.c states the rules): real programs on a
 * uprobe of this test's own function and on syscall tracepoints, with
 * every expected value computed here in C from the rule it checks.
 */
#include <fcntl.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "tests/bpf/bpf_util.h"
#include "tests/tt_test.h"
#include "tracetab/bt.h"

/* The uprobe target: a, b and c arrive as arg0..arg2. */
__attribute__((noinline)) uint64_t tt_types_target(uint64_t a, uint64_t b,
						   uint64_t c)
{
	__asm__ volatile("" ::"r"(a), "r"(b), "r"(c) : "memory");
	return a ^ b ^ c;
}

/* Arguments of every uprobe test: a narrow value in a wide word, -128,
 * and a value whose low 32 bits are 1. */
static const uint64_t A = 0x99991234abcdULL, B = (uint64_t)-128,
		      C = 0x8000000000000001ULL;

static char errbuf[1024];

/* Compiles, loads and attaches src; NULL with errbuf set on failure. */
static struct bt_program *start(const char *src)
{
	return btt__start(src, errbuf, sizeof(errbuf));
}

/* Runs body on a uprobe of tt_types_target(A, B, C); the printed maps. */
static const char *on_uprobe(const char *body)
{
	static char src[PATH_MAX + 4096];
	const char *self = btt__self();
	if (!self)
		return NULL;
	snprintf(src, sizeof(src), "uprobe:%s:tt_types_target {\n%s\n}", self,
		 body);
	struct bt_program *p = start(src);
	if (!p)
		return NULL;
	tt_types_target(A, B, C);
	return btt__end(p);
}

/* Checks that out holds the line "@name: value". */
#define CHECK_MAP(out, name, fmt, v)                                     \
	do {                                                             \
		char want_[128];                                         \
		snprintf(want_, sizeof(want_), "\n@%s: " fmt "\n", name, \
			 v);                                             \
		CHECKF(out && strstr(out, want_), "want%s in:\n%s",      \
		       want_, out ? out : errbuf);                       \
	} while (0)

/* A variable keeps a narrow cast's type: bswap swaps its 16 bits, a
 * same-width assignment converts, ++ wraps in 16 bits. */
TT_TEST(narrow_variable_keeps_its_type)
{
	const char *out = on_uprobe("$p = (uint16)arg0; $p = bswap($p);\n"
				    "@swap = $p;\n"
				    "$r = (uint16)arg0; $r = (int16)arg1;\n"
				    "@same_width = $r;\n"
				    "$c = (uint16)0xffff; $c++; @wrap = $c;\n"
				    "$b = (int8)arg1; @i8 = $b;");
	CHECK_MAP(out, "swap", "%u",
		  (unsigned)__builtin_bswap16((uint16_t)A));
	CHECK_MAP(out, "same_width", "%u", (unsigned)(uint16_t)(int16_t)B);
	CHECK_MAP(out, "wrap", "%u", 0u);
	CHECK_MAP(out, "i8", "%d", (int)(int8_t)B);
}

/*
 * bpftrace 0.17 writes an assignment's value at its own width: a wider
 * value leaves a narrow variable as it was (even $p + 1 and literals),
 * a narrower one replaces only the low bytes.
 */
TT_TEST(assignment_writes_the_value_width)
{
	const char *out = on_uprobe("$q = (uint16)arg0; $q = $q + 1;\n"
				    "$q += 5; $q = 7; @wider = $q;\n"
				    "$x = 0x1234; $x = (uint8)arg0;\n"
				    "@narrower = $x;\n"
				    "$y = 0x1234; $y = (int8)arg1; @signed = $y;\n"
				    "$z = (uint32)0x12345678; $z = (uint16)arg0;"
				    "\n@mid = $z;");
	CHECK_MAP(out, "wider", "%u", (unsigned)(uint16_t)A);
	CHECK_MAP(out, "narrower", "%d", (0x1234 & ~0xff) | (uint8_t)A);
	/* No sign extension: only the byte is written. */
	CHECK_MAP(out, "signed", "%d", (0x1234 & ~0xff) | (uint8_t)B);
	CHECK_MAP(out, "mid", "%u", (0x12345678u & ~0xffffu) | (uint16_t)A);
}

/* Unary -, ~ and ++/-- keep their operand's width under a 64-bit type:
 * maps convert with the sign, tuples and printf zero-extend. */
TT_TEST(unary_operators_keep_the_operand_width)
{
	const char *out = on_uprobe("$b = (int8)arg1; $p = (uint16)arg0;\n"
				    "@neg = -$b; @t = ($b, -$b);\n"
				    "$v = -$b; @var = $v;\n"
				    "@negp = -$p; @not = ~$p;\n"
				    "@sum = -$b + 0;\n"
				    "$w = $b--; @post = $w; @after = $b;");
	int8_t b = (int8_t)B;
	int8_t nb = (int8_t)-b; /* -(-128) is -128 in 8 bits */
	CHECK_MAP(out, "neg", "%d", (int)nb);
	char want[64];
	snprintf(want, sizeof(want), "\n@t: (%d, %u)\n", (int)b,
		 (unsigned)(uint8_t)nb);
	CHECKF(out && strstr(out, want), "want%s in:\n%s", want, out);
	/* A new 64-bit variable gets the byte in a zeroed slot. */
	CHECK_MAP(out, "var", "%u", (unsigned)(uint8_t)nb);
	CHECK_MAP(out, "negp", "%u", (unsigned)(uint16_t) - (uint16_t)A);
	CHECK_MAP(out, "not", "%u", (unsigned)(uint16_t) ~(uint16_t)A);
	CHECK_MAP(out, "sum", "%d", (int)nb);
	CHECK_MAP(out, "post", "%u", (unsigned)(uint8_t)b);
	CHECK_MAP(out, "after", "%d", (int)(int8_t)(b - 1));
}

/* Casts extend from the operand's width with the cast's own sign. */
TT_TEST(casts_extend_with_their_own_sign)
{
	const char *out = on_uprobe("$p = (uint16)arg0; $b = (int8)arg1;\n"
				    "@sx = (int64)$p; @zx = (uint64)$b;\n"
				    "@s32 = (int32)$p; @trunc = (uint8)$p;\n"
				    "@lit = (uint16)-1;");
	CHECK_MAP(out, "sx", "%lld", (long long)(int16_t)(uint16_t)A);
	CHECK_MAP(out, "zx", "%u", (unsigned)(uint8_t)B);
	CHECK_MAP(out, "s32", "%d", (int)(int16_t)(uint16_t)A);
	CHECK_MAP(out, "trunc", "%u", (unsigned)(uint8_t)A);
	CHECK_MAP(out, "lit", "%u", 0xffffu);
}

/*
 * Binary operators are 64-bit and signed only when both operands are;
 * / and % are unsigned and >> logical whatever the signs; a ternary has
 * its then branch's sign and extends the other branch with it.
 */
TT_TEST(operators_follow_bpftrace)
{
	const char *out = on_uprobe(
		"$s = (int64)arg1; $b = (int8)arg1; $p = (uint16)arg0;\n"
		"@div = $s / 3; @mod = $s % 5; @shr = $s >> 1;\n"
		"@lt = $s < 1; @mixed_lt = $b < $p; @mixed_add = $p + $b;\n"
		"@ter = arg2 == 0 ? $b : $p; @ter_u = arg2 == 0 ? $p : $b;\n"
		"@low = (uint32)arg2; @shl = $b << 1;");
	int64_t s = (int64_t)B;
	CHECK_MAP(out, "div", "%lld", (long long)(int64_t)((uint64_t)s / 3));
	CHECK_MAP(out, "mod", "%lld", (long long)(int64_t)((uint64_t)s % 5));
	CHECK_MAP(out, "shr", "%lld", (long long)(int64_t)((uint64_t)s >> 1));
	CHECK_MAP(out, "lt", "%d", 1);
	/* Unsigned comparison: (uint64)-128 < 0xabcd is false. */
	CHECK_MAP(out, "mixed_lt", "%d", 0);
	CHECK_MAP(out, "mixed_add", "%llu",
		  (unsigned long long)((uint64_t)(uint16_t)A + (uint64_t)s));
	/* arg2 != 0: the else branch, extended by the then branch's sign. */
	CHECK_MAP(out, "ter", "%lld", (long long)(int16_t)(uint16_t)A);
	CHECK_MAP(out, "ter_u", "%llu", (unsigned long long)(uint8_t)B);
	CHECK_MAP(out, "low", "%u", (unsigned)(uint32_t)C);
	CHECK_MAP(out, "shl", "%lld", (long long)(s * 2));
}

/* Map keys from narrow variables are 64-bit with the variable's sign. */
TT_TEST(map_keys_from_narrow_variables)
{
	const char *out = on_uprobe("$p = (uint16)arg0; $b = (int8)arg1;\n"
				    "@k[$p] = count(); @k2[$b, -$b] = count();"
				    "\n@pid = pid; $x = pid; $x = $x + 1;"
				    " @pid1 = $x;");
	char want[128];
	snprintf(want, sizeof(want), "\n@k[%u]: 1\n", (unsigned)(uint16_t)A);
	CHECKF(out && strstr(out, want), "want%s in:\n%s", want, out);
	snprintf(want, sizeof(want), "\n@k2[%d, %d]: 1\n", (int)(int8_t)B,
		 (int)(int8_t)(-(int8_t)B));
	CHECKF(out && strstr(out, want), "want%s in:\n%s", want, out);
	/* pid is 64-bit in bpftrace: $x + 1 is stored. */
	CHECK_MAP(out, "pid1", "%d", (int)getpid() + 1);
}

/*
 * Syscall tracepoint arguments sit in 8-byte slots the format calls
 * unsigned; bpftrace types them by their C type: int and off_t are
 * signed 64-bit, umode_t reads its 2 bytes.
 */
TT_TEST(syscall_arguments_take_their_c_type)
{
	char src[1024];
	snprintf(src, sizeof(src),
		 "tracepoint:syscalls:sys_enter_openat /pid == %d/ {\n"
		 "  @dfd_neg = args->dfd < 0; @mode = args->mode;\n"
		 "  $m = 0x1111111111111111; $m = args->mode; @mset = $m; }\n"
		 "tracepoint:syscalls:sys_enter_lseek /pid == %d/ {\n"
		 "  @off = args->offset; @off_neg = args->offset < 0;\n"
		 "  @fd = args->fd; }",
		 getpid(), getpid());
	struct bt_program *p = start(src);
	CHECKF(p, "%s", errbuf);
	if (!p)
		return;
	/* Garbage above umode_t's 16 bits is not part of the value. */
	unsigned long mode = 0x1abcdUL | (7UL << 40);
	long fd = syscall(SYS_openat, (long)AT_FDCWD, "/nonexistent/tt_types",
			  (long)O_RDONLY, mode);
	CHECK(fd < 0);
	off_t r = lseek(1000, -5, SEEK_SET); /* no such fd */
	CHECK(r < 0);
	const char *out = btt__end(p);
	CHECK_MAP(out, "dfd_neg", "%d", 1);
	CHECK_MAP(out, "mode", "%lu", mode & 0xffff);
	CHECK_MAP(out, "mset", "%llu",
		  (0x1111111111111111ULL & ~0xffffULL) | (mode & 0xffff));
	CHECK_MAP(out, "off", "%d", -5);
	CHECK_MAP(out, "off_neg", "%d", 1);
	CHECK_MAP(out, "fd", "%d", 1000);
}

TT_MAIN("bpf/var_types", TT_CASE(narrow_variable_keeps_its_type),
	TT_CASE(assignment_writes_the_value_width),
	TT_CASE(unary_operators_keep_the_operand_width),
	TT_CASE(casts_extend_with_their_own_sign),
	TT_CASE(operators_follow_bpftrace),
	TT_CASE(map_keys_from_narrow_variables),
	TT_CASE(syscall_arguments_take_their_c_type))
