/*
 * test_deplog_time.c - time() lines in a deployment's log: they keep to a
 * ring of their own, so a clock printed every second for hours never
 * evicts the banner, only the newest TTD_DEPLOG_TIME_LINES stay, long
 * ones are cut, and status shows both kinds merged in the order they were
 * added.
 */
#include <stdlib.h>
#include <string.h>

#include "daemon/deplog.h"
#include "tests/tt_test.h"

static const char *line_at(const json_t *arr, size_t i)
{
	return json_string_value(
		json_object_get(json_array_get(arr, i), "text"));
}

TT_TEST(time_lines_never_evict_the_banner)
{
	struct ttd_deplog log = {0};
	char text[32];

	ttd_deplog__add(&log, 1, "Tracing... Hit Ctrl-C to end.\n", false);
	ttd_deplog__add(&log, 2, "COMM PID\n", false);
	for (int i = 0; i < 3600; i++) { /* an hour of time() */
		snprintf(text, sizeof(text), "10:%02d:%02d\n", i / 60, i % 60);
		ttd_deplog__add_time(&log, 3 + i, text, false);
	}
	json_t *j = ttd_deplog__json(&log);
	size_t n = json_array_size(j);
	char first[64], second[64], third[64], last[64];
	snprintf(first, sizeof(first), "%s", line_at(j, 0));
	snprintf(second, sizeof(second), "%s", line_at(j, 1));
	snprintf(third, sizeof(third), "%s", line_at(j, 2));
	snprintf(last, sizeof(last), "%s", line_at(j, n - 1));
	json_decref(j);
	size_t banner = log.n;
	ttd_deplog__clear(&log);
	CHECK_INT(n, 2 + TTD_DEPLOG_TIME_LINES);
	CHECK_INT(banner, 2);
	CHECK_STR(first, "Tracing... Hit Ctrl-C to end.");
	CHECK_STR(second, "COMM PID");
	CHECK_STR(third, "10:59:50");
	CHECK_STR(last, "10:59:59");
	CHECK_INT(log.times_n, 0);
}

TT_TEST(both_kinds_merge_in_order)
{
	struct ttd_deplog log = {0};

	ttd_deplog__add(&log, 1, "banner\n", false);
	ttd_deplog__add_time(&log, 2, "t1\n", false);
	ttd_deplog__add(&log, 3, "row text\n", false);
	ttd_deplog__add_time(&log, 4, "t2", false);
	ttd_deplog__add(&log, 5, "END\n", false);
	json_t *j = ttd_deplog__json(&log);
	char *dump = json_dumps(j, JSON_COMPACT);
	json_decref(j);
	ttd_deplog__clear(&log);
	CHECK(dump);
	bool ok = strcmp(dump, "[{\"time_ns\":1,\"text\":\"banner\"},"
			       "{\"time_ns\":2,\"text\":\"t1\"},"
			       "{\"time_ns\":3,\"text\":\"row text\"},"
			       "{\"time_ns\":4,\"text\":\"t2\"},"
			       "{\"time_ns\":5,\"text\":\"END\"}]") == 0;
	if (!ok)
		fprintf(stderr, "%s\n", dump);
	free(dump);
	CHECK(ok);
}

TT_TEST(banner_ring_still_keeps_the_newest)
{
	struct ttd_deplog log = {0};
	char text[32];

	ttd_deplog__add_time(&log, 0, "00:00:00\n", false);
	for (int i = 0; i < TTD_DEPLOG_LINES + 5; i++) {
		snprintf(text, sizeof(text), "line %d\n", i);
		ttd_deplog__add(&log, i + 1, text, false);
	}
	json_t *j = ttd_deplog__json(&log);
	size_t n = json_array_size(j);
	char first[32], second[32];
	snprintf(first, sizeof(first), "%s", line_at(j, 0));
	snprintf(second, sizeof(second), "%s", line_at(j, 1));
	json_decref(j);
	ttd_deplog__clear(&log);
	CHECK_INT(n, TTD_DEPLOG_LINES + 1);
	CHECK_STR(first, "00:00:00"); /* the oldest time line stays */
	CHECK_STR(second, "line 5");
}

TT_TEST(long_time_text_is_cut)
{
	struct ttd_deplog log = {0};
	char big[2000];

	memset(big, 'x', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	ttd_deplog__add_time(&log, 1, big, false);
	json_t *j = ttd_deplog__json(&log);
	size_t len = strlen(line_at(j, 0));
	json_decref(j);
	ttd_deplog__clear(&log);
	CHECK_INT(len, TTD_DEPLOG_TIME_LINE_MAX);
}

TT_MAIN("daemon/deplog_time", TT_CASE(time_lines_never_evict_the_banner),
	TT_CASE(both_kinds_merge_in_order),
	TT_CASE(banner_ring_still_keeps_the_newest),
	TT_CASE(long_time_text_is_cut))
