/*
 * test_deplog.c - the per-deployment log of banner printfs: records split
 * into lines, the line and byte bounds evict the oldest lines, long lines
 * are cut, bytes that are not UTF-8 still make valid JSON.
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

TT_TEST(records_split_into_lines)
{
	struct ttd_deplog log = {0};
	ttd_deplog__add(&log, 5, "Tracing... Hit Ctrl-C to end.\n", false);
	ttd_deplog__add(&log, 6, "a\n\nb", false);
	ttd_deplog__add(&log, 7, "", false);
	json_t *j = ttd_deplog__json(&log);
	size_t n = json_array_size(j);
	bool ok = n == 4 &&
		  !strcmp(line_at(j, 0), "Tracing... Hit Ctrl-C to end.") &&
		  !strcmp(line_at(j, 1), "a") && !strcmp(line_at(j, 2), "") &&
		  !strcmp(line_at(j, 3), "b") &&
		  json_integer_value(json_object_get(json_array_get(j, 3),
						     "time_ns")) == 6;
	json_decref(j);
	ttd_deplog__clear(&log);
	CHECK_INT(n, 4);
	CHECK(ok);
}

TT_TEST(keeps_the_newest_lines)
{
	struct ttd_deplog log = {0};
	char text[32];
	for (int i = 0; i < TTD_DEPLOG_LINES + 25; i++) {
		snprintf(text, sizeof(text), "line %d\n", i);
		ttd_deplog__add(&log, i, text, false);
	}
	json_t *j = ttd_deplog__json(&log);
	size_t n = json_array_size(j);
	char first[32], last[32];
	snprintf(first, sizeof(first), "%s", line_at(j, 0));
	snprintf(last, sizeof(last), "%s", line_at(j, n - 1));
	json_decref(j);
	uint64_t total = log.total;
	ttd_deplog__clear(&log);
	CHECK_INT(n, TTD_DEPLOG_LINES);
	CHECK_STR(first, "line 25");
	CHECK_STR(last, "line 74");
	CHECK_INT(total, TTD_DEPLOG_LINES + 25);
}

TT_TEST(byte_bound_and_long_lines)
{
	struct ttd_deplog log = {0};
	char *big = malloc(3 * TTD_DEPLOG_LINE_MAX);
	CHECK(big);
	memset(big, 'x', 3 * TTD_DEPLOG_LINE_MAX - 1);
	big[3 * TTD_DEPLOG_LINE_MAX - 1] = '\0';
	for (int i = 0; i < 20; i++)
		ttd_deplog__add(&log, i, big, false);
	free(big);
	json_t *j = ttd_deplog__json(&log);
	size_t n = json_array_size(j), bytes = 0, longest = 0;
	for (size_t i = 0; i < n; i++) {
		size_t len = strlen(line_at(j, i));
		bytes += len;
		longest = len > longest ? len : longest;
	}
	json_decref(j);
	size_t held = log.bytes;
	ttd_deplog__clear(&log);
	CHECK_INT(longest, TTD_DEPLOG_LINE_MAX);
	CHECK(bytes <= TTD_DEPLOG_BYTES);
	CHECK_INT(n, TTD_DEPLOG_BYTES / TTD_DEPLOG_LINE_MAX);
	CHECK_INT(held, bytes);
	CHECK_INT(log.n, 0);
	CHECK_INT(log.bytes, 0);
}

TT_TEST(binary_text_stays_valid_json)
{
	struct ttd_deplog log = {0};
	ttd_deplog__add(&log, 1, "comm \xff\xfe end\n", false);
	json_t *j = ttd_deplog__json(&log);
	char *dump = json_dumps(j, JSON_COMPACT);
	json_decref(j);
	ttd_deplog__clear(&log);
	CHECK(dump);
	bool ok = strstr(dump, "comm ?? end") != NULL;
	free(dump);
	CHECK(ok);
}

TT_MAIN("daemon/deplog", TT_CASE(records_split_into_lines),
	TT_CASE(keeps_the_newest_lines), TT_CASE(byte_bound_and_long_lines),
	TT_CASE(binary_text_stays_valid_json))
