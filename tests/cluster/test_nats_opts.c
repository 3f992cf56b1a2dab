/*
 * tests/cluster/test_nats_opts.c - daemon/nats_opts.c without a server: the
 * flag parser (all three spellings, values, unknown flags), the
 * environment (fills only what flags left unset), the checks apply() makes
 * before libnats sees anything, and the hint attached to connect errors.
 * Connections to real TLS and password servers: nats_security.sh.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "daemon/nats_opts.h"
#include "tests/tt_test.h"

TT_TEST(parse_spellings)
{
	struct ttd_nats_opts o = {0};

	CHECK_INT(ttd_nats_opts__parse_arg(&o, "--nats-tls-ca", "a.pem"), 1);
	CHECK_STR(o.tls_ca, "a.pem");
	CHECK_INT(ttd_nats_opts__parse_arg(&o, "nats-creds", "x.creds"), 1);
	CHECK_STR(o.creds, "x.creds");
	CHECK_INT(ttd_nats_opts__parse_arg(&o, "--nats-user=bob", NULL), 1);
	CHECK_STR(o.user, "bob");
	CHECK(!o.tls);
	CHECK_INT(ttd_nats_opts__parse_arg(&o, "--nats-tls", NULL), 1);
	CHECK(o.tls);
}

TT_TEST(parse_rejects)
{
	struct ttd_nats_opts o = {0};

	CHECK_INT(ttd_nats_opts__parse_arg(&o, "--nats-tls-ca", NULL), -EINVAL);
	CHECK_INT(ttd_nats_opts__parse_arg(&o, "--nats-tls-ca", ""), -EINVAL);
	CHECK_INT(ttd_nats_opts__parse_arg(&o, "--nats-token=", NULL), -EINVAL);
	CHECK_INT(ttd_nats_opts__parse_arg(&o, "--nats-tls=1", NULL), -EINVAL);
	CHECK_INT(ttd_nats_opts__parse_arg(&o, "--nats-tlsx", "v"), 0);
	CHECK_INT(ttd_nats_opts__parse_arg(&o, "--format", "csv"), 0);
	CHECK_INT(ttd_nats_opts__parse_arg(&o, NULL, "v"), 0);
	CHECK(!o.tls_ca && !o.token && !o.tls);
}

TT_TEST(takes_value)
{
	CHECK(ttd_nats_opts__takes_value("--nats-password"));
	CHECK(ttd_nats_opts__takes_value("nats-tls-key"));
	CHECK(!ttd_nats_opts__takes_value("--nats-tls"));
	CHECK(!ttd_nats_opts__takes_value("--nats-user=bob"));
	CHECK(!ttd_nats_opts__takes_value("--nats-nope"));
}

TT_TEST(env_fills_only_unset)
{
	struct ttd_nats_opts o = {0};

	setenv("TRACETAB_NATS_USER", "envuser", 1);
	setenv("TRACETAB_NATS_PASSWORD", "envpw", 1);
	setenv("TRACETAB_NATS_TLS", "0", 1);
	ttd_nats_opts__parse_arg(&o, "--nats-user", "flaguser");
	ttd_nats_opts__from_env(&o);
	CHECK_STR(o.user, "flaguser");
	CHECK_STR(o.password, "envpw");
	CHECK(!o.tls);
	setenv("TRACETAB_NATS_TLS", "1", 1);
	ttd_nats_opts__from_env(&o);
	CHECK(o.tls);
	unsetenv("TRACETAB_NATS_USER");
	unsetenv("TRACETAB_NATS_PASSWORD");
	unsetenv("TRACETAB_NATS_TLS");
}

/* apply() on o; returns its result with the message in err. */
static int apply(const struct ttd_nats_opts *o, char *err, size_t len)
{
	natsOptions *no = NULL;
	int ret;

	if (natsOptions_Create(&no) != NATS_OK)
		return -ENOMEM;
	err[0] = 0;
	ret = ttd_nats_opts__apply(o, no, err, len);
	natsOptions_Destroy(no);
	return ret;
}

TT_TEST(apply_checks)
{
	char err[256];
	struct ttd_nats_opts o = {.url = "nats://127.0.0.1:1"};

	CHECK_INT(apply(&o, err, sizeof(err)), 0);
	o.tls_cert = "/etc/hostname";
	CHECK_INT(apply(&o, err, sizeof(err)), -EINVAL);
	CHECK(strstr(err, "--nats-tls-key"));
	o = (struct ttd_nats_opts){.password = "p"};
	CHECK_INT(apply(&o, err, sizeof(err)), -EINVAL);
	CHECK(strstr(err, "needs --nats-user"));
	o = (struct ttd_nats_opts){.user = "u", .token = "t"};
	CHECK_INT(apply(&o, err, sizeof(err)), -EINVAL);
	o = (struct ttd_nats_opts){.tls_ca = "/nonexistent/ca.pem"};
	CHECK_INT(apply(&o, err, sizeof(err)), -ENOENT);
	CHECK(strstr(err, "--nats-tls-ca /nonexistent/ca.pem"));
	o = (struct ttd_nats_opts){.url = " , "};
	CHECK_INT(apply(&o, err, sizeof(err)), -EINVAL);
	CHECK(strstr(err, "bad NATS URL"));
}

TT_TEST(apply_bad_file)
{
	char err[256], path[] = "/tmp/tt-nats-opts.XXXXXX";
	int fd = mkstemp(path);
	struct ttd_nats_opts o = {.tls_ca = path};

	CHECK(fd >= 0);
	CHECK(write(fd, "not a certificate\n", 18) == 18);
	close(fd);
	int ret = apply(&o, err, sizeof(err));
	unlink(path);
	CHECK_INT(ret, -EIO);
	CHECK(strstr(err, "NATS refused"));
}

TT_TEST(apply_list_of_servers)
{
	char err[256];
	struct ttd_nats_opts o = {
		.url = "nats://127.0.0.1:4222,nats://127.0.0.1:4223"};

	CHECK_INT(apply(&o, err, sizeof(err)), 0);
}

TT_TEST(connect_hints)
{
	char err[512];
	struct ttd_nats_opts o = {0};

	ttd_nats_opts__connect_error(&o, NATS_SECURE_CONNECTION_REQUIRED, err,
				     sizeof(err));
	CHECK(strstr(err, "--nats-tls-ca"));
	ttd_nats_opts__connect_error(&o, NATS_CONNECTION_AUTH_FAILED, err,
				     sizeof(err));
	CHECK(strstr(err, "--nats-user"));
	o.tls = true;
	ttd_nats_opts__connect_error(&o, NATS_SECURE_CONNECTION_WANTED, err,
				     sizeof(err));
	CHECK(strstr(err, "does not offer TLS"));
	CHECK(ttd_nats_opts__usage[0] &&
	      strstr(ttd_nats_opts__usage, "--nats-creds"));
}

TT_MAIN("nats_opts", TT_CASE(parse_spellings), TT_CASE(parse_rejects),
	TT_CASE(takes_value), TT_CASE(env_fills_only_unset),
	TT_CASE(apply_checks), TT_CASE(apply_bad_file),
	TT_CASE(apply_list_of_servers), TT_CASE(connect_hints))
