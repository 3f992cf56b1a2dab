/*
 * test_deplog_pin.c - the pinned banner of a deployment's log: lines held
 * when ttd_deplog__pin() is called (what BEGIN printed) survive any
 * amount of later text, which evicts only its own kind; status says how
 * many lines were dropped after the banner; pinning is bounded in lines
 * and bytes so a new line always fits; clearing frees everything.
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

TT_TEST(banner_survives_text_per_event)
{
	struct ttd_deplog log = {0};
	char text[32];

	ttd_deplog__add(&log, 1, "Tracing execs. Hit Ctrl-C to end.\n", false);
	ttd_deplog__add(&log, 2, "PID    PPID   ARGS\n", false);
	ttd_deplog__pin(&log);
	for (int i = 0; i < 1000; i++) { /* join(argv) per event */
		snprintf(text, sizeof(text), "ls -l %d\n", i);
		ttd_deplog__add(&log, 3 + i, text, false);
	}
	json_t *j = ttd_deplog__json(&log);
	size_t n = json_array_size(j);
	char l0[64], l1[64], l2[64], l3[64], last[64];
	snprintf(l0, sizeof(l0), "%s", line_at(j, 0));
	snprintf(l1, sizeof(l1), "%s", line_at(j, 1));
	snprintf(l2, sizeof(l2), "%s", line_at(j, 2));
	snprintf(l3, sizeof(l3), "%s", line_at(j, 3));
	snprintf(last, sizeof(last), "%s", line_at(j, n - 1));
	json_decref(j);
	size_t held = log.n;
	ttd_deplog__clear(&log);
	CHECK_INT(held, TTD_DEPLOG_LINES);
	CHECK_INT(n, TTD_DEPLOG_LINES + 1); /* and the marker */
	CHECK_STR(l0, "Tracing execs. Hit Ctrl-C to end.");
	CHECK_STR(l1, "PID    PPID   ARGS");
	CHECK_STR(l2, "[952 lines not kept]");
	CHECK_STR(l3, "ls -l 952");
	CHECK_STR(last, "ls -l 999");
	CHECK_INT(log.n, 0);
	CHECK_INT(log.pinned, 0);
}

TT_TEST(pinning_is_bounded)
{
	struct ttd_deplog log = {0};
	char *big = malloc(TTD_DEPLOG_LINE_MAX + 1);

	CHECK(big);
	memset(big, 'b', TTD_DEPLOG_LINE_MAX);
	big[TTD_DEPLOG_LINE_MAX] = '\0';
	/* A BEGIN that prints far more than a banner. */
	for (int i = 0; i < 10; i++)
		ttd_deplog__add(&log, i, big, false);
	ttd_deplog__pin(&log);
	size_t pinned = log.pinned;
	for (int i = 0; i < 30; i++)
		ttd_deplog__add(&log, 100 + i, big, false);
	free(big);
	size_t bytes = log.bytes, n = log.n;
	ttd_deplog__clear(&log);
	/* Half the bytes at most: a new line always fits. */
	CHECK_INT(pinned, TTD_DEPLOG_BYTES / 2 / TTD_DEPLOG_LINE_MAX);
	CHECK(bytes <= TTD_DEPLOG_BYTES);
	CHECK_INT(n, TTD_DEPLOG_BYTES / TTD_DEPLOG_LINE_MAX);
}

TT_TEST(many_banner_lines_pin_up_to_the_limit)
{
	struct ttd_deplog log = {0};
	char text[32];

	for (int i = 0; i < 30; i++) {
		snprintf(text, sizeof(text), "banner %d\n", i);
		ttd_deplog__add(&log, i, text, false);
	}
	ttd_deplog__pin(&log);
	for (int i = 0; i < 100; i++) {
		snprintf(text, sizeof(text), "event %d\n", i);
		ttd_deplog__add(&log, 100 + i, text, false);
	}
	json_t *j = ttd_deplog__json(&log);
	char last_pinned[32], marker[64], after[32];
	snprintf(last_pinned, sizeof(last_pinned), "%s",
		 line_at(j, TTD_DEPLOG_PIN_LINES - 1));
	snprintf(marker, sizeof(marker), "%s",
		 line_at(j, TTD_DEPLOG_PIN_LINES));
	snprintf(after, sizeof(after), "%s",
		 line_at(j, TTD_DEPLOG_PIN_LINES + 1));
	json_decref(j);
	ttd_deplog__clear(&log);
	CHECK_STR(last_pinned, "banner 19");
	/* banners 20..29 and events 0..69 went: 30 + 100 - 50 lines. */
	CHECK_STR(marker, "[80 lines not kept]");
	CHECK_STR(after, "event 70");
}

TT_TEST(time_lines_merge_around_the_banner)
{
	struct ttd_deplog log = {0};

	ttd_deplog__add(&log, 1, "banner\n", false);
	ttd_deplog__pin(&log);
	ttd_deplog__add_time(&log, 2, "10:00:00\n", false);
	for (int i = 0; i < TTD_DEPLOG_LINES; i++)
		ttd_deplog__add(&log, 3, "event\n", false);
	json_t *j = ttd_deplog__json(&log);
	size_t n = json_array_size(j);
	char l0[32], l1[32], l2[32];
	snprintf(l0, sizeof(l0), "%s", line_at(j, 0));
	snprintf(l1, sizeof(l1), "%s", line_at(j, 1));
	snprintf(l2, sizeof(l2), "%s", line_at(j, 2));
	json_decref(j);
	ttd_deplog__clear(&log);
	CHECK_STR(l0, "banner");
	CHECK_STR(l1, "[1 lines not kept]");
	CHECK_STR(l2, "10:00:00");
	CHECK_INT(n, TTD_DEPLOG_LINES + 2);
}

TT_MAIN("daemon/deplog_pin", TT_CASE(banner_survives_text_per_event),
	TT_CASE(pinning_is_bounded),
	TT_CASE(many_banner_lines_pin_up_to_the_limit),
	TT_CASE(time_lines_merge_around_the_banner))
