/*
 * tests/daemon/test_spec.c - TTL and version parsing, spec validation and
 * program selection against pretend nodes.
 */
#include <errno.h>
#include <stdlib.h>

#include "daemon/spec.h"
#include "tests/tt_test.h"

TT_TEST(ttl_valid)
{
	uint64_t ns = 1;

	CHECK_INT(ttd_ttl__parse("500ms", &ns), 0);
	CHECK_INT(ns, 500000000ull);
	CHECK_INT(ttd_ttl__parse("30s", &ns), 0);
	CHECK_INT(ns, 30000000000ull);
	CHECK_INT(ttd_ttl__parse("10m", &ns), 0);
	CHECK_INT(ns, 600000000000ull);
	CHECK_INT(ttd_ttl__parse("1h", &ns), 0);
	CHECK_INT(ns, 3600000000000ull);
	CHECK_INT(ttd_ttl__parse("2d", &ns), 0);
	CHECK_INT(ns, 2 * 86400000000000ull);
	CHECK_INT(ttd_ttl__parse("none", &ns), 0);
	CHECK_INT(ns, 0);
}

TT_TEST(ttl_invalid)
{
	static const char *bad[] = {"",
				    "s",
				    "-5s",
				    "+5s",
				    "5",
				    "5 s",
				    " 5s",
				    "5s ",
				    "5sec",
				    "5S",
				    "0s",
				    "0ms",
				    "1.5h",
				    "5w",
				    "None",
				    "nonex",
				    "99999999999999999999s",
				    "200000d",
				    "5ss",
				    "5ms5"};
	uint64_t ns;

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		CHECKF(ttd_ttl__parse(bad[i], &ns) == -EINVAL,
		       "ttl \"%s\" accepted", bad[i]);
	CHECK_INT(ttd_ttl__parse(NULL, &ns), -EINVAL);
}

TT_TEST(version_parse)
{
	struct ttd_version v;
	static const char *bad[] = {"",		"5.", ".5",	"5..18",
				    "5.18.3.1", "v5", "5a",	"-5",
				    "5.18-rc1", " 5", "100000", "5.x"};

	CHECK_INT(ttd_version__parse("5", &v), 0);
	CHECK_INT(v.nparts, 1);
	CHECK_INT(v.v[0], 5);
	CHECK_INT(ttd_version__parse("5.18", &v), 0);
	CHECK_INT(v.nparts, 2);
	CHECK_INT(v.v[1], 18);
	CHECK_INT(ttd_version__parse("5.18.3", &v), 0);
	CHECK_INT(v.nparts, 3);
	CHECK_INT(v.v[2], 3);
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		CHECKF(ttd_version__parse(bad[i], &v) == -EINVAL,
		       "version \"%s\" accepted", bad[i]);
}

TT_TEST(version_compare_prefix)
{
	unsigned k[3] = {5, 18, 7};
	struct ttd_version v;

	ttd_version__parse("5.18", &v);
	CHECK_INT(ttd_version__cmp(k, &v), 0); /* 5.18 covers 5.18.7 */
	ttd_version__parse("5.18.3", &v);
	CHECK(ttd_version__cmp(k, &v) > 0);
	ttd_version__parse("5.19", &v);
	CHECK(ttd_version__cmp(k, &v) < 0);
	ttd_version__parse("6", &v);
	CHECK(ttd_version__cmp(k, &v) < 0);
	ttd_version__parse("5", &v);
	CHECK_INT(ttd_version__cmp(k, &v), 0);
	ttd_version__parse("4.20.100", &v);
	CHECK(ttd_version__cmp(k, &v) > 0);
}

static int parse_str(const char *text, struct ttd_spec *spec, char *err,
		     size_t len)
{
	json_error_t jerr;
	json_t *j = json_loads(text, 0, &jerr);
	int rc;

	if (!j) {
		snprintf(err, len, "test JSON: %s", jerr.text);
		return -100;
	}
	rc = ttd_spec__parse(j, spec, err, len);
	json_decref(j);
	return rc;
}

#define SRC                                                     \
	"\"source\":\"tracepoint:syscalls:sys_enter_getppid { " \
	"printf(\\\"a:%d\\\\n\\\", pid); }\""

TT_TEST(spec_valid_defaults)
{
	struct ttd_spec s;
	char err[256];

	CHECK_INT(parse_str("{\"name\":\"p.1-x\",\"table\":\"t1\",\"programs\":"
			    "[{" SRC "}]}",
			    &s, err, sizeof(err)),
		  0);
	CHECK_STR(s.name, "p.1-x");
	CHECK_STR(s.table, "t1");
	CHECK_STR(s.ttl, "none");
	CHECK_INT(s.ttl_ns, 0);
	CHECK_INT(s.nprogs, 1);
	CHECK(!s.replace_table);
	CHECK(strstr(s.progs[0].source, "sys_enter_getppid") != NULL);
	CHECK(!s.progs[0].sel.has_min && !s.progs[0].sel.has_max);
	ttd_spec__release(&s);
}

TT_TEST(spec_invalid_fields)
{
	static const struct {
		const char *json, *word;
	} bad[] = {
		{"[]", "object"},
		{"{\"table\":\"t\",\"programs\":[{" SRC "}]}", "name"},
		{"{\"name\":\"1x\",\"table\":\"t\",\"programs\":[{" SRC "}]}",
		 "name"},
		{"{\"name\":\"x\",\"table\":\"t-1\",\"programs\":[{" SRC "}]}",
		 "table"},
		{"{\"name\":\"x\",\"table\":\"t\",\"programs\":[]}",
		 "programs"},
		{"{\"name\":\"x\",\"table\":\"t\"}", "programs"},
		{"{\"name\":\"x\",\"table\":\"t\",\"ttl\":\"5x\",\"programs\":["
		 "{" SRC "}]}",
		 "ttl"},
		{"{\"name\":\"x\",\"table\":\"t\",\"ttl\":5,\"programs\":[{" SRC
		 "}]}",
		 "ttl"},
		{"{\"name\":\"x\",\"table\":\"t\",\"replace_table\":1,"
		 "\"programs\":[{" SRC "}]}",
		 "replace_table"},
		{"{\"name\":\"x\",\"table\":\"t\",\"programs\":[{\"source\":"
		 "\"\"}]}",
		 "source"},
		{"{\"name\":\"x\",\"table\":\"t\",\"programs\":[7]}",
		 "program 1"},
		{"{\"name\":\"x\",\"table\":\"t\",\"programs\":[{" SRC
		 ",\"selectors\":{\"min_kernel\":\"5.x\"}}]}",
		 "min_kernel"},
		{"{\"name\":\"x\",\"table\":\"t\",\"programs\":[{" SRC
		 ",\"selectors\":{\"max_kernel\":5}}]}",
		 "max_kernel"},
		{"{\"name\":\"x\",\"table\":\"t\",\"programs\":[{" SRC
		 ",\"selectors\":{\"requires\":[\"kprobes\"]}}]}",
		 "requires"},
		{"{\"name\":\"x\",\"table\":\"t\",\"programs\":[{" SRC "},{" SRC
		 ",\"selectors\":{\"requires\":\"btf\"}}]}",
		 "program 2"},
		{"{\"name\":\"x\",\"table\":\"t\",\"programs\":[{" SRC
		 ",\"selectors\":[]}]}",
		 "selectors"},
	};
	struct ttd_spec s;
	char err[256];

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		err[0] = 0;
		CHECKF(parse_str(bad[i].json, &s, err, sizeof(err)) == -EINVAL,
		       "case %zu accepted", i);
		CHECKF(strstr(err, bad[i].word) != NULL,
		       "case %zu: \"%s\" lacks \"%s\"", i, err, bad[i].word);
	}
}

static const struct ttd_node node_6_18 = {
	.kernel = {6, 18, 44},
	.host_name = "node-a",
	.features = TTD_FEAT_BTF | TTD_FEAT_UPROBE,
};

TT_TEST(select_first_match)
{
	struct ttd_spec s;
	char err[256], why[512];

	CHECK_INT(
		parse_str(
			"{\"name\":\"x\",\"table\":\"t\",\"programs\":["
			"{" SRC ",\"selectors\":{\"max_kernel\":\"5.18\"}},"
			"{" SRC ",\"selectors\":{\"requires\":[\"kprobe\"]}},"
			"{" SRC
			",\"selectors\":{\"min_kernel\":\"6.18\",\"max_"
			"kernel\":\"6.18\",\"requires\":[\"btf\",\"uprobe\"]}},"
			"{" SRC "}]}",
			&s, err, sizeof(err)),
		0);
	CHECK_INT(ttd_spec__select(&s, &node_6_18, why, sizeof(why)), 2);
	CHECKF(strstr(why, "program 3") != NULL, "why: %s", why);
	ttd_spec__release(&s);
}

TT_TEST(select_none_reason)
{
	struct ttd_spec s;
	char err[256], why[512];

	CHECK_INT(
		parse_str(
			"{\"name\":\"x\",\"table\":\"t\",\"programs\":["
			"{" SRC ",\"selectors\":{\"max_kernel\":\"5.18\"}},"
			"{" SRC
			",\"selectors\":{\"requires\":[\"btf\",\"kprobe\"]}},"
			"{" SRC ",\"selectors\":{\"min_kernel\":\"6.18.45\"}},"
			"{" SRC ",\"selectors\":{\"host_name\":\"node-b\"}}]}",
			&s, err, sizeof(err)),
		0);
	CHECK_INT(ttd_spec__select(&s, &node_6_18, why, sizeof(why)), -1);
	CHECKF(strstr(why, "no program matches: program 1 needs max_kernel "
			   "5.18, this kernel is 6.18.44; program 2 needs "
			   "kprobe, not available on this kernel; program 3 "
			   "needs min_kernel 6.18.45") != NULL,
	       "why: %s", why);
	CHECKF(strstr(why, "program 4 needs host_name node-b, this host is "
			   "node-a") != NULL,
	       "why: %s", why);
	ttd_spec__release(&s);
}

TT_TEST(same_probes)
{
	struct ttd_spec a, b, c;
	char err[256];

	CHECK_INT(parse_str("{\"name\":\"x\",\"table\":\"t\",\"ttl\":\"1h\","
			    "\"programs\":[{" SRC
			    ",\"selectors\":{\"requires\":[\"uprobe\",\"btf\","
			    "\"btf\"]}}]}",
			    &a, err, sizeof(err)),
		  0);
	CHECK_INT(parse_str("{\"name\":\"x\",\"table\":\"t\",\"ttl\":\"10m\","
			    "\"extra\":1,\"programs\":[{\"selectors\":{"
			    "\"requires\":[\"btf\",\"uprobe\"]}," SRC "}]}",
			    &b, err, sizeof(err)),
		  0);
	CHECK_INT(
		parse_str("{\"name\":\"x\",\"table\":\"t2\",\"programs\":[{" SRC
			  "}]}",
			  &c, err, sizeof(err)),
		0);
	CHECK(ttd_spec__same_probes(&a, &b));
	CHECK(!ttd_spec__same_probes(&a, &c));
	ttd_spec__release(&a);
	ttd_spec__release(&b);
	ttd_spec__release(&c);
}

TT_TEST(node_probe_real)
{
	struct ttd_node n;

	CHECK_INT(ttd_node__probe(&n, TTD_FEAT_BTF), 0);
	CHECK(n.kernel[0] >= 3);
	CHECK(n.host_name[0] != '\0');
	CHECK_INT(n.features, TTD_FEAT_BTF);
}

TT_MAIN("daemon/spec", TT_CASE(ttl_valid), TT_CASE(ttl_invalid),
	TT_CASE(version_parse), TT_CASE(version_compare_prefix),
	TT_CASE(spec_valid_defaults), TT_CASE(spec_invalid_fields),
	TT_CASE(select_first_match), TT_CASE(select_none_reason),
	TT_CASE(same_probes), TT_CASE(node_probe_real))
