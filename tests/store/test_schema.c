/* tests/store/test_schema.c - column types and schema helpers. */
#include <errno.h>

#include "tests/tt_test.h"
#include "tracetab/store.h"

TT_TEST(type_names_round_trip)
{
	CHECK_STR(tt_type__name(TT_TYPE_INT64), "int64");
	CHECK_STR(tt_type__name(TT_TYPE_STRING), "string");
	CHECK(tt_type__name(0) == NULL);
	CHECK(tt_type__name((enum tt_type)99) == NULL);
	for (int t = TT_TYPE_INT64; t <= TT_TYPE_STRING; t++)
		CHECK_INT(tt_type__parse(tt_type__name(t)), t);
	CHECK_INT(tt_type__parse("float"), -EINVAL);
	CHECK_INT(tt_type__parse(NULL), -EINVAL);
}

TT_TEST(add_and_find)
{
	struct tt_schema s = {0};

	CHECK_INT(tt_schema__add(&s, "time_", TT_TYPE_TIME), 0);
	CHECK_INT(tt_schema__add(&s, "comm", TT_TYPE_STRING), 0);
	CHECK_INT(tt_schema__add(&s, "comm", TT_TYPE_INT64), -EEXIST);
	CHECK_INT(tt_schema__add(&s, "9lives", TT_TYPE_INT64), -EINVAL);
	CHECK_INT(tt_schema__add(&s, "a-b", TT_TYPE_INT64), -EINVAL);
	CHECK_INT(tt_schema__add(&s, "", TT_TYPE_INT64), -EINVAL);
	CHECK_INT(tt_schema__add(&s, "x", (enum tt_type)0), -EINVAL);
	CHECK_INT(tt_schema__find(&s, "comm"), 1);
	CHECK_INT(tt_schema__find(&s, "nope"), -ENOENT);
	CHECK_INT(s.ncols, 2);
}

TT_TEST(long_names_rejected)
{
	struct tt_schema s = {0};
	char name[TT_NAME_MAX + 1];

	memset(name, 'a', sizeof(name) - 1);
	name[TT_NAME_MAX] = 0;
	CHECK_INT(tt_schema__add(&s, name, TT_TYPE_INT64), -EINVAL);
	name[TT_NAME_MAX - 1] = 0; /* 63 characters fit */
	CHECK_INT(tt_schema__add(&s, name, TT_TYPE_INT64), 0);
}

TT_TEST(too_many_columns)
{
	struct tt_schema s = {0};
	char name[16];

	for (int i = 0; i < TT_MAX_COLUMNS; i++) {
		snprintf(name, sizeof(name), "c%d", i);
		CHECK_INT(tt_schema__add(&s, name, TT_TYPE_INT64), 0);
	}
	CHECK_INT(tt_schema__add(&s, "one_more", TT_TYPE_INT64), -E2BIG);
}

TT_TEST(equal)
{
	struct tt_schema a = {0}, b = {0};

	tt_schema__add(&a, "time_", TT_TYPE_TIME);
	tt_schema__add(&b, "time_", TT_TYPE_TIME);
	CHECK(tt_schema__equal(&a, &b));
	tt_schema__add(&a, "x", TT_TYPE_INT64);
	CHECK(!tt_schema__equal(&a, &b));
	tt_schema__add(&b, "x", TT_TYPE_UINT64);
	CHECK(!tt_schema__equal(&a, &b));
}

TT_TEST(validate)
{
	struct tt_schema s = {0};
	char err[128] = "";

	CHECK_INT(tt_schema__validate(&s, err, sizeof(err)), -EINVAL);
	CHECK(strstr(err, "no columns"));
	tt_schema__add(&s, "pid", TT_TYPE_INT64);
	CHECK_INT(tt_schema__validate(&s, err, sizeof(err)), -EINVAL);
	CHECK(strstr(err, "time_"));
	tt_schema__add(&s, "time_", TT_TYPE_INT64);
	CHECK_INT(tt_schema__validate(&s, err, sizeof(err)), -EINVAL);
	CHECK(strstr(err, "type time"));
	s.cols[1].type = TT_TYPE_TIME;
	CHECK_INT(tt_schema__validate(&s, err, sizeof(err)), 0);
	/* A hand-made duplicate (add() would refuse it). */
	s.cols[0] = s.cols[1];
	CHECK_INT(tt_schema__validate(&s, err, sizeof(err)), -EINVAL);
	CHECK(strstr(err, "twice"));
	/* A name without its terminating NUL. */
	memset(s.cols[0].name, 'a', TT_NAME_MAX);
	CHECK_INT(tt_schema__validate(&s, err, sizeof(err)), -EINVAL);
}

TT_MAIN("store_schema", TT_CASE(type_names_round_trip), TT_CASE(add_and_find),
	TT_CASE(long_names_rejected), TT_CASE(too_many_columns), TT_CASE(equal),
	TT_CASE(validate))
