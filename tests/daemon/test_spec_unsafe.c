/*
 * test_spec_unsafe.c - the unsafe members of a deployment spec: "unsafe",
 * "system_limit", "system_timeout". Defaults, ranges and types, the bounds
 * needing unsafe, the canonical form (unchanged for safe specs, complete
 * for unsafe ones, and parsing back to the same probes), and an upsert
 * that only flips unsafe being a replacement, not a refresh.
 */
#include <errno.h>
#include <string.h>

#include "daemon/runner.h"
#include "daemon/spec.h"
#include "tests/tt_test.h"

#define PROG "\"programs\":[{\"source\":\"BEGIN{}\"}]"

/* Parses text; returns the rc, err filled. */
static int parse(const char *text, struct ttd_spec *spec, char *err, size_t len)
{
	json_t *j = json_loads(text, 0, NULL);
	int rc = ttd_spec__parse(j, spec, err, len);

	json_decref(j);
	return rc;
}

TT_TEST(defaults_and_safe_canon)
{
	struct ttd_spec s;
	char err[256];

	CHECK_INT(parse("{\"name\":\"a\",\"table\":\"t\"," PROG "}", &s, err,
			sizeof(err)),
		  0);
	bool has = json_object_get(s.canon, "unsafe") ||
		   json_object_get(s.canon, "system_limit") ||
		   json_object_get(s.canon, "system_timeout");
	bool unsafe = s.unsafe;
	ttd_spec__release(&s);
	CHECK(!unsafe);
	CHECK(!has); /* a safe spec's canonical form is what it always was */
}

TT_TEST(unsafe_canon_is_complete_and_reparses)
{
	struct ttd_spec s, again;
	char err[256];

	CHECK_INT(parse("{\"name\":\"a\",\"table\":\"t\",\"unsafe\":true," PROG
			"}",
			&s, err, sizeof(err)),
		  0);
	CHECK(s.unsafe);
	CHECK_INT(s.system_limit, TTD_RUNNER_DEFAULT_RUNNING);
	CHECK_INT(s.system_timeout_ns, TTD_RUNNER_DEFAULT_TIMEOUT_NS);
	const char *tmo =
		json_string_value(json_object_get(s.canon, "system_timeout"));
	bool canon_ok =
		json_is_true(json_object_get(s.canon, "unsafe")) &&
		json_integer_value(json_object_get(s.canon, "system_limit")) ==
			4 &&
		tmo && strcmp(tmo, "10000ms") == 0;
	int rc = ttd_spec__parse(s.canon, &again, err, sizeof(err));
	bool same = rc == 0 && ttd_spec__same_probes(&s, &again);
	if (rc == 0)
		ttd_spec__release(&again);
	ttd_spec__release(&s);
	CHECK(canon_ok);
	CHECK(same);
}

TT_TEST(bounds_are_parsed_and_checked)
{
	static const struct {
		const char *members, *err;
	} bad[] = {
		{"\"unsafe\":1", "unsafe must be true or false"},
		{"\"system_limit\":2", "system_limit only applies to unsafe"},
		{"\"unsafe\":false,\"system_timeout\":\"1s\"",
		 "system_timeout only applies to unsafe"},
		{"\"unsafe\":true,\"system_limit\":0", "from 1 to 64"},
		{"\"unsafe\":true,\"system_limit\":65", "from 1 to 64"},
		{"\"unsafe\":true,\"system_limit\":\"4\"", "from 1 to 64"},
		{"\"unsafe\":true,\"system_timeout\":\"2h\"", "from 1ms to 1h"},
		{"\"unsafe\":true,\"system_timeout\":\"none\"",
		 "from 1ms to 1h"},
		{"\"unsafe\":true,\"system_timeout\":5", "from 1ms to 1h"},
	};
	struct ttd_spec s;
	char text[512], err[256];

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		snprintf(text, sizeof(text),
			 "{\"name\":\"a\",\"table\":\"t\",%s," PROG "}",
			 bad[i].members);
		err[0] = '\0';
		CHECKF(parse(text, &s, err, sizeof(err)) == -EINVAL,
		       "accepted: %s", bad[i].members);
		CHECKF(strstr(err, bad[i].err), "%s: error \"%s\"",
		       bad[i].members, err);
	}
	CHECK_INT(parse("{\"name\":\"a\",\"table\":\"t\",\"unsafe\":true,"
			"\"system_limit\":64,\"system_timeout\":\"1h\"," PROG
			"}",
			&s, err, sizeof(err)),
		  0);
	unsigned lim = s.system_limit;
	uint64_t ns = s.system_timeout_ns;
	ttd_spec__release(&s);
	CHECK_INT(lim, 64);
	CHECK(ns == 3600000000000ull);
}

TT_TEST(flipping_unsafe_replaces)
{
	struct ttd_spec a, b, c;
	char err[256];

	CHECK_INT(parse("{\"name\":\"a\",\"table\":\"t\"," PROG "}", &a, err,
			sizeof(err)),
		  0);
	CHECK_INT(parse("{\"name\":\"a\",\"table\":\"t\",\"unsafe\":true," PROG
			"}",
			&b, err, sizeof(err)),
		  0);
	CHECK_INT(parse("{\"name\":\"a\",\"table\":\"t\",\"unsafe\":true,"
			"\"system_limit\":2," PROG "}",
			&c, err, sizeof(err)),
		  0);
	bool ab = ttd_spec__same_probes(&a, &b);
	bool bc = ttd_spec__same_probes(&b, &c);
	bool bb = ttd_spec__same_probes(&b, &b);
	ttd_spec__release(&a);
	ttd_spec__release(&b);
	ttd_spec__release(&c);
	CHECK(!ab);
	CHECK(!bc);
	CHECK(bb);
}

TT_MAIN("daemon/spec_unsafe", TT_CASE(defaults_and_safe_canon),
	TT_CASE(unsafe_canon_is_complete_and_reparses),
	TT_CASE(bounds_are_parsed_and_checked),
	TT_CASE(flipping_unsafe_replaces))
