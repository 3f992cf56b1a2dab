/*
 * tests/bpf/test_printf_format.c - printf format strings: conversions and
 * their argument kinds, flags/width/precision/length, column names from
 * labels and col<N>, errors at exact offsets, C spec and literal helpers
 * (checked against the C library's own printf).
 */
#include <errno.h>
#include <stdlib.h>

#include "bpf/printf_format.h"
#include "tests/tt_test.h"

static int parse(const char *s, struct bt_fmt *f, struct bt_fmt_error *e)
{
	return bt_fmt__parse(s, strlen(s), f, e);
}

TT_TEST(conversions_and_kinds)
{
	static const struct {
		const char *fmt;
		char conv;
		enum bt_fmt_kind kind;
	} cases[] = {
		{"%d", 'd', BT_FMT_SIGNED},   {"%i", 'i', BT_FMT_SIGNED},
		{"%u", 'u', BT_FMT_UNSIGNED}, {"%x", 'x', BT_FMT_UNSIGNED},
		{"%X", 'X', BT_FMT_UNSIGNED}, {"%o", 'o', BT_FMT_UNSIGNED},
		{"%p", 'p', BT_FMT_POINTER},  {"%c", 'c', BT_FMT_CHAR},
		{"%s", 's', BT_FMT_STRING},   {"%r", 'r', BT_FMT_BUFFER},
	};
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct bt_fmt f;

		CHECK_INT(parse(cases[i].fmt, &f, NULL), 0);
		CHECK_INT(f.n, 1);
		CHECK_INT(f.convs[0].conv, cases[i].conv);
		CHECK_INT(f.convs[0].kind, cases[i].kind);
		CHECK_INT(f.convs[0].offset, 0);
		CHECK_INT(f.convs[0].len, 2);
		CHECK_INT(f.convs[0].width, -1);
		CHECK_INT(f.convs[0].precision, -1);
		bt_fmt__free(&f);
	}
}

TT_TEST(flags_width_precision_length)
{
	struct bt_fmt f;
	struct bt_fmt_conv *c;

	CHECK_INT(parse("a %-8d b %+05.3lld %hhx %hu %zd %jd %td %lx % #o "
			"%-16s%%%c",
			&f, NULL),
		  0);
	CHECK_INT(f.n, 11);
	c = &f.convs[0];
	CHECK_INT(c->offset, 2);
	CHECK_INT(c->len, 4);
	CHECK_INT(c->flags, BT_FMT_FLAG_LEFT);
	CHECK_INT(c->width, 8);
	c = &f.convs[1];
	CHECK_INT(c->offset, 9);
	CHECK_INT(c->flags, BT_FMT_FLAG_PLUS | BT_FMT_FLAG_ZERO);
	CHECK_INT(c->width, 5);
	CHECK_INT(c->precision, 3);
	CHECK_INT(c->length, BT_FMT_LEN_LL);
	CHECK_INT(c->len, 9);
	CHECK_INT(f.convs[2].length, BT_FMT_LEN_HH);
	CHECK_INT(f.convs[3].length, BT_FMT_LEN_H);
	CHECK_INT(f.convs[4].length, BT_FMT_LEN_Z);
	CHECK_INT(f.convs[5].length, BT_FMT_LEN_J);
	CHECK_INT(f.convs[6].length, BT_FMT_LEN_T);
	CHECK_INT(f.convs[7].length, BT_FMT_LEN_L);
	CHECK_INT(f.convs[8].flags, BT_FMT_FLAG_SPACE | BT_FMT_FLAG_ALT);
	CHECK_INT(f.convs[9].width, 16);
	CHECK_INT(f.convs[10].conv, 'c');
	CHECK_INT(f.convs[10].offset, 56);
	/* "%.s" is precision 0. */
	bt_fmt__free(&f);
	CHECK_INT(parse("%.s", &f, NULL), 0);
	CHECK_INT(f.convs[0].precision, 0);
	bt_fmt__free(&f);
	CHECK(f.convs == NULL && f.n == 0);
	bt_fmt__free(NULL);
}

static const char *names(const char *fmt)
{
	static char buf[512];
	struct bt_fmt f;
	struct bt_fmt_error e;
	size_t i, n = 0;

	if (parse(fmt, &f, &e)) {
		snprintf(buf, sizeof(buf), "ERR %zu: %s", e.offset, e.msg);
		bt_fmt__free(&f);
		return buf;
	}
	buf[0] = 0;
	for (i = 0; i < f.n; i++)
		n += (size_t)snprintf(buf + n, sizeof(buf) - n, "%s%s%s",
				      i ? "," : "", f.convs[i].name,
				      f.convs[i].labelled ? "*" : "");
	bt_fmt__free(&f);
	return buf;
}

/* Labels name columns; others are col<N> with N the 1-based position. */
TT_TEST(column_names)
{
	/* The seed's tcpretrans example. */
	CHECK_STR(names("time_:%llu src_ip:%s src_port:%d dst_ip:%s "
			"dst_port:%d"),
		  "time_*,src_ip*,src_port*,dst_ip*,dst_port*");
	CHECK_STR(names("%d %s\n"), "col1,col2");
	CHECK_STR(names("pid:%d comm:%s\n"), "pid*,comm*");
	CHECK_STR(names("pid:%d %s time_:%llu"), "pid*,col2,time_*");
	CHECK_STR(names("%s:%d"), "col1,col2");
	CHECK_STR(names("a:%d,b:%d"), "a*,col2");
	CHECK_STR(names("x=%d"), "col1");
	CHECK_STR(names(":%d"), "col1");
	CHECK_STR(names("lat_us:%-8lu\tret:%d"), "lat_us*,ret*");
	CHECK_STR(names("\nA:%d"), "A*");
	CHECK_STR(names("(pid:%d) [ret:%d] \"s:%s\""), "pid*,ret*,s*");
	CHECK_STR(names("(:%d"), "col1");
	CHECK_STR(names("no conversions %% here"), "");
	CHECK_STR(names(""), "");
}

TT_TEST(label_offsets)
{
	struct bt_fmt f;

	CHECK_INT(parse("  pid:%d  ret:%5d", &f, NULL), 0);
	CHECK_INT(f.convs[0].label_offset, 2);
	CHECK_INT(f.convs[0].offset, 6);
	CHECK_INT(f.convs[1].label_offset, 10);
	CHECK_INT(f.convs[1].offset, 14);
	bt_fmt__free(&f);
}

/* Each error with its message and the offset it points at. */
TT_TEST(errors_with_offsets)
{
	static char long_label[128];

	CHECK_STR(names("ok %d %q"), "ERR 6: unknown printf conversion '%q'");
	CHECK_STR(names("%-5.2lf"),
		  "ERR 0: unknown printf conversion '%-5.2lf'");
	CHECK_STR(names("abc %"),
		  "ERR 4: incomplete printf conversion '%' at the end");
	CHECK_STR(names("abc %-08l"),
		  "ERR 4: incomplete printf conversion '%-08l' at the end");
	CHECK_STR(names("%*d"),
		  "ERR 0: '*' widths are not supported in printf");
	CHECK_STR(names("x %.*s"),
		  "ERR 2: '*' precisions are not supported in printf");
	CHECK_STR(names("%99999d"), "ERR 0: printf width larger than 4096");
	CHECK_STR(names("%.99999d"),
		  "ERR 0: printf precision larger than 4096");
	CHECK_STR(names("%\x01"), "ERR 0: unknown printf conversion '%\\x01'");
	CHECK_STR(names("dst-port:%d"),
		  "ERR 0: column label 'dst-port' is not an identifier");
	CHECK_STR(names("x 1a:%d"),
		  "ERR 2: column label '1a' is not an identifier");
	CHECK_STR(names("a:%d b:%s a:%u"), "ERR 10: duplicate column name 'a'");
	CHECK_STR(names("col2:%d %d"), "ERR 8: duplicate column name 'col2'");
	memset(long_label, 'a', 70);
	strcpy(long_label + 70, ":%d");
	CHECK_STR(names(long_label),
		  "ERR 0: column label longer than 63 characters");
}

/* Formats may hold NULs; nothing past len is read. */
TT_TEST(length_bounded)
{
	struct bt_fmt f;
	struct bt_fmt_error e;
	char *heap = malloc(3);

	memcpy(heap, "%ld", 3);
	CHECK_INT(bt_fmt__parse(heap, 2, &f, &e), -EINVAL);
	CHECK_INT(e.offset, 0);
	bt_fmt__free(&f);
	CHECK_INT(bt_fmt__parse(heap, 3, &f, &e), 0);
	CHECK_INT(f.n, 1);
	bt_fmt__free(&f);
	free(heap);
	CHECK_INT(bt_fmt__parse("a\0%d", 4, &f, &e), 0);
	CHECK_INT(f.n, 1);
	CHECK_INT(f.convs[0].offset, 2);
	bt_fmt__free(&f);
}

/* The C spec renders what the format asks, checked against libc printf. */
TT_TEST(cspec_matches_libc)
{
	struct bt_fmt f;
	char spec[64], got[256], want[256];
	size_t n;

	CHECK_INT(parse("%-8d|%+05ld|%hhd|%hx|%#lX|%o|%-6s|%.2s|%c|%p|%r", &f,
			NULL),
		  0);
	CHECK_INT(f.n, 11);
	n = bt_fmt_conv__cspec(&f.convs[0], spec, sizeof(spec));
	/* No length modifier: an int, as bpftrace 0.17 prints it. */
	CHECK_STR(spec, "%-8d");
	CHECK_INT(n, 4);
	CHECK(bt_fmt_cspec__is_int(spec));
	snprintf(got, sizeof(got), spec, (int)0x1fffffffeLL);
	snprintf(want, sizeof(want), "%-8d", -2);
	CHECK_STR(got, want);
	bt_fmt_conv__cspec(&f.convs[1], spec, sizeof(spec));
	CHECK_STR(spec, "%+05lld");
	bt_fmt_conv__cspec(&f.convs[2], spec, sizeof(spec));
	CHECK_STR(spec, "%hhd");
	snprintf(got, sizeof(got), spec, 300LL);
	CHECK_STR(got, "44"); /* truncates like C (and bpftrace) */
	bt_fmt_conv__cspec(&f.convs[3], spec, sizeof(spec));
	CHECK_STR(spec, "%hx");
	bt_fmt_conv__cspec(&f.convs[4], spec, sizeof(spec));
	CHECK_STR(spec, "%#llX");
	snprintf(got, sizeof(got), spec, 255ULL);
	CHECK_STR(got, "0XFF");
	CHECK(!bt_fmt_cspec__is_int(spec));
	bt_fmt_conv__cspec(&f.convs[5], spec, sizeof(spec));
	CHECK_STR(spec, "%o");
	bt_fmt_conv__cspec(&f.convs[6], spec, sizeof(spec));
	CHECK_STR(spec, "%-6s");
	bt_fmt_conv__cspec(&f.convs[7], spec, sizeof(spec));
	CHECK_STR(spec, "%.2s");
	bt_fmt_conv__cspec(&f.convs[8], spec, sizeof(spec));
	CHECK_STR(spec, "%c");
	bt_fmt_conv__cspec(&f.convs[9], spec, sizeof(spec));
	CHECK_STR(spec, "%p");
	bt_fmt_conv__cspec(&f.convs[10], spec, sizeof(spec));
	CHECK_STR(spec, "%s");
	/* Truncation keeps the NUL and reports the full length. */
	n = bt_fmt_conv__cspec(&f.convs[1], spec, 4);
	CHECK_STR(spec, "%+0");
	CHECK_INT(n, 7);
	bt_fmt__free(&f);
}

TT_TEST(literal_text)
{
	const char *fmt = "50%% of %d: done%%\n";
	struct bt_fmt f;
	char buf[64];
	size_t n;

	CHECK_INT(parse(fmt, &f, NULL), 0);
	CHECK_INT(f.n, 1);
	n = bt_fmt__literal(fmt, 0, f.convs[0].offset, buf, sizeof(buf));
	CHECK_STR(buf, "50% of ");
	CHECK_INT(n, 7);
	n = bt_fmt__literal(fmt, f.convs[0].offset + f.convs[0].len,
			    strlen(fmt), buf, sizeof(buf));
	CHECK_STR(buf, ": done%\n");
	CHECK_INT(n, 8);
	n = bt_fmt__literal(fmt, 0, 3, buf, 2);
	CHECK_STR(buf, "5");
	CHECK_INT(n, 3);
	bt_fmt__free(&f);
}

TT_MAIN("bpf/printf_format", TT_CASE(conversions_and_kinds),
	TT_CASE(flags_width_precision_length), TT_CASE(column_names),
	TT_CASE(label_offsets), TT_CASE(errors_with_offsets),
	TT_CASE(length_bounded), TT_CASE(cspec_matches_libc),
	TT_CASE(literal_text))
