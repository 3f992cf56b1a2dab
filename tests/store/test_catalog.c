/*
 * tests/store/test_catalog.c - the LMDB catalog: table schemas and named
 * spaces survive close and reopen, iterate in key order, and bad keys or
 * spaces are refused.
 */
#include <errno.h>
#include <stdlib.h>

#include "tests/store/store_util.h"
#include "tests/tt_test.h"

static char dirbuf[64];
static char err[512];

TT_TEST(tables_persist)
{
	const char *dir = tdir_make(dirbuf);
	struct tt_catalog *cat = NULL;
	struct tt_schema s, got;

	CHECKF(!tt_catalog__open(dir, &cat, err, sizeof(err)), "%s", err);
	trace_schema(&s);
	CHECK_INT(tt_catalog__get_table(cat, "trace", &got), -ENOENT);
	CHECK_INT(tt_catalog__put_table(cat, "trace", &s), 0);
	tt_catalog__close(cat);
	CHECK(!tt_catalog__open(dir, &cat, err, sizeof(err)));
	memset(&got, 0xff, sizeof(got));
	CHECK_INT(tt_catalog__get_table(cat, "trace", &got), 0);
	CHECK(tt_schema__equal(&s, &got));
	CHECK_INT(got.cols[5].name[0], 0); /* unused slots zeroed */
	CHECK_INT(tt_catalog__del_table(cat, "trace"), 0);
	CHECK_INT(tt_catalog__get_table(cat, "trace", &got), -ENOENT);
	CHECK_INT(tt_catalog__del_table(cat, "trace"), -ENOENT);
	/* Invalid names and schemas. */
	CHECK_INT(tt_catalog__put_table(cat, "bad name", &s), -EINVAL);
	memset(&s, 0, sizeof(s));
	CHECK_INT(tt_catalog__put_table(cat, "empty", &s), -EINVAL);
	tt_catalog__close(cat);
	tdir_rm(dir);
}

static int each_cb(const char *key, const void *val, size_t len, void *ctx)
{
	char *out = ctx;

	strcat(out, key);
	strcat(out, "=");
	strncat(out, val, len);
	strcat(out, ";");
	return strcmp(key, "stop") == 0 ? 42 : 0;
}

TT_TEST(spaces)
{
	const char *dir = tdir_make(dirbuf);
	struct tt_catalog *cat = NULL;
	char out[256] = "";
	void *val;
	size_t len;

	CHECK(!tt_catalog__open(dir, &cat, err, sizeof(err)));
	CHECK_INT(tt_catalog__each(cat, "deployments", each_cb, out), 0);
	CHECK_STR(out, "");
	CHECK_INT(tt_catalog__get(cat, "deployments", "x", &val, &len),
		  -ENOENT);
	CHECK_INT(tt_catalog__put(cat, "deployments", "b", "2", 1), 0);
	CHECK_INT(tt_catalog__put(cat, "deployments", "a", "1", 1), 0);
	CHECK_INT(tt_catalog__put(cat, "deployments", "c", "3", 1), 0);
	CHECK_INT(tt_catalog__put(cat, "deployments", "b", "22", 2), 0);
	CHECK_INT(tt_catalog__put(cat, "other", "a", "x", 1), 0);
	CHECK_INT(tt_catalog__each(cat, "deployments", each_cb, out), 0);
	CHECK_STR(out, "a=1;b=22;c=3;");
	CHECK_INT(tt_catalog__get(cat, "deployments", "b", &val, &len), 0);
	CHECK_INT(len, 2);
	CHECK(!memcmp(val, "22", 2));
	free(val);
	CHECK_INT(tt_catalog__del(cat, "deployments", "b"), 0);
	CHECK_INT(tt_catalog__del(cat, "deployments", "b"), -ENOENT);
	/* Early stop returns the callback's value. */
	CHECK_INT(tt_catalog__put(cat, "s", "a", "", 0), 0);
	CHECK_INT(tt_catalog__put(cat, "s", "stop", "", 0), 0);
	CHECK_INT(tt_catalog__put(cat, "s", "z", "", 0), 0);
	out[0] = 0;
	CHECK_INT(tt_catalog__each(cat, "s", each_cb, out), 42);
	CHECK_STR(out, "a=;stop=;");
	/* Bad spaces and keys. */
	CHECK_INT(tt_catalog__put(cat, "", "k", "v", 1), -EINVAL);
	CHECK_INT(tt_catalog__put(cat, "s", "", "v", 1), -EINVAL);
	CHECK_INT(tt_catalog__put(cat, NULL, "k", "v", 1), -EINVAL);
	CHECK_INT(tt_catalog__put(cat, "s", "k", NULL, 1), -EINVAL);
	tt_catalog__close(cat);
	/* Everything survived a reopen. */
	CHECK(!tt_catalog__open(dir, &cat, err, sizeof(err)));
	out[0] = 0;
	CHECK_INT(tt_catalog__each(cat, "deployments", each_cb, out), 0);
	CHECK_STR(out, "a=1;c=3;");
	tt_catalog__close(cat);
	tdir_rm(dir);
}

TT_TEST(open_errors_name_the_directory)
{
	struct tt_catalog *cat = NULL;

	CHECK(tt_catalog__open("/proc/no/such", &cat, err, sizeof(err)) < 0);
	CHECK(strstr(err, "/proc/no/such"));
	CHECK(cat == NULL);
	tt_catalog__close(NULL);
}

TT_MAIN("store_catalog", TT_CASE(tables_persist), TT_CASE(spaces),
	TT_CASE(open_errors_name_the_directory))
