/*
 * daemon/nats_opts.c - NATS connection security options (credentials, TLS)
 * from flags and environment variables onto a libnats natsOptions.
 *
 * One table maps each flag to its field and environment variable, so the
 * parser, the environment reader and the help text cannot drift apart.
 * Files are checked with access() before libnats sees them: libnats'
 * own errors for a missing file are terse, and an operator needs to know
 * which of the four files is wrong.
 */
#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "daemon/nats_opts.h"

const char ttd_nats_opts__usage[] =
	"  --nats-creds FILE       NATS credentials (.creds: JWT and NKey)\n"
	"  --nats-tls-ca FILE      CA certificate that signed the NATS server\n"
	"  --nats-tls-cert FILE    client certificate for mutual TLS (with\n"
	"  --nats-tls-key FILE     its key)\n"
	"  --nats-tls              require TLS, trusting the system CAs\n"
	"  --nats-user NAME        NATS user (with --nats-password)\n"
	"  --nats-password PASS    its password (prefer the environment)\n"
	"  --nats-token TOKEN      NATS token (prefer the environment)\n"
	"  Each is also TRACETAB_NATS_<NAME> in the environment (e.g.\n"
	"  TRACETAB_NATS_TLS_CA, TRACETAB_NATS_PASSWORD, "
	"TRACETAB_NATS_TLS=1);\n"
	"  the flags win.\n";

#define FIELD(f) offsetof(struct ttd_nats_opts, f)

static const struct flag {
	const char *name; /* without "--" */
	const char *env;
	size_t off; /* of a const char * field; SIZE_MAX: the tls bool */
} flags[] = {
	{"nats-creds", "TRACETAB_NATS_CREDS", FIELD(creds)},
	{"nats-tls-ca", "TRACETAB_NATS_TLS_CA", FIELD(tls_ca)},
	{"nats-tls-cert", "TRACETAB_NATS_TLS_CERT", FIELD(tls_cert)},
	{"nats-tls-key", "TRACETAB_NATS_TLS_KEY", FIELD(tls_key)},
	{"nats-user", "TRACETAB_NATS_USER", FIELD(user)},
	{"nats-password", "TRACETAB_NATS_PASSWORD", FIELD(password)},
	{"nats-token", "TRACETAB_NATS_TOKEN", FIELD(token)},
	{"nats-tls", "TRACETAB_NATS_TLS", SIZE_MAX},
};

#define MAX_SERVERS 16
#define NFLAGS (sizeof(flags) / sizeof(flags[0]))

static const char **field(struct ttd_nats_opts *o, const struct flag *f)
{
	return (const char **)((char *)o + f->off);
}

/* The table entry for "--name", "name" or "--name=value"; NULL if none. */
static const struct flag *flag__find(const char *flag, const char **inline_val)
{
	const char *eq;
	size_t n;

	if (!flag)
		return NULL;
	if (!strncmp(flag, "--", 2))
		flag += 2;
	eq = strchr(flag, '=');
	n = eq ? (size_t)(eq - flag) : strlen(flag);
	for (size_t i = 0; i < NFLAGS; i++)
		if (strlen(flags[i].name) == n &&
		    !strncmp(flags[i].name, flag, n)) {
			*inline_val = eq ? eq + 1 : NULL;
			return &flags[i];
		}
	return NULL;
}

int ttd_nats_opts__takes_value(const char *flag)
{
	const char *v;
	const struct flag *f = flag__find(flag, &v);

	return f && f->off != SIZE_MAX && !v;
}

int ttd_nats_opts__parse_arg(struct ttd_nats_opts *o, const char *flag,
			     const char *val)
{
	const char *inl;
	const struct flag *f = flag__find(flag, &inl);

	if (!f)
		return 0;
	if (inl)
		val = inl;
	if (f->off == SIZE_MAX) {
		if (inl)
			return -EINVAL; /* --nats-tls takes no value */
		o->tls = true;
		return 1;
	}
	if (!val || !*val)
		return -EINVAL;
	*field(o, f) = val;
	return 1;
}

void ttd_nats_opts__from_env(struct ttd_nats_opts *o)
{
	for (size_t i = 0; i < NFLAGS; i++) {
		const char *v = getenv(flags[i].env);

		if (!v || !*v)
			continue;
		if (flags[i].off == SIZE_MAX)
			o->tls = o->tls || strcmp(v, "0");
		else if (!*field(o, &flags[i]))
			*field(o, &flags[i]) = v;
	}
}

__attribute__((format(printf, 4, 5))) static int
err__set(char *err, size_t len, int ret, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	if (err && len)
		vsnprintf(err, len, fmt, ap);
	va_end(ap);
	return ret;
}

/* Which combinations make no sense; 0 or -EINVAL with why. */
static int opts__check(const struct ttd_nats_opts *o, char *err, size_t len)
{
	if (!o->tls_cert != !o->tls_key)
		return err__set(err, len, -EINVAL,
				"--nats-tls-cert and --nats-tls-key go "
				"together");
	if (o->password && !o->user)
		return err__set(err, len, -EINVAL,
				"--nats-password needs --nats-user");
	if ((o->user || o->creds) && o->token)
		return err__set(err, len, -EINVAL,
				"--nats-token cannot be combined with "
				"--nats-%s",
				o->user ? "user" : "creds");
	if (o->user && o->creds)
		return err__set(err, len, -EINVAL,
				"--nats-user cannot be combined with "
				"--nats-creds");
	const char *files[][2] = {{"--nats-creds", o->creds},
				  {"--nats-tls-ca", o->tls_ca},
				  {"--nats-tls-cert", o->tls_cert},
				  {"--nats-tls-key", o->tls_key}};
	for (size_t i = 0; i < 4; i++) {
		if (!files[i][1] || !access(files[i][1], R_OK))
			continue;
		int e = errno;

		return err__set(err, len, e == ENOENT ? -ENOENT : -EACCES,
				"%s %s: %s", files[i][0], files[i][1],
				strerror(e));
	}
	return 0;
}

/*
 * libnats' reason for the last failure, or its status text; without the
 * "(conn.c:733): " source location libnats puts in front.
 */
static const char *nats__why(natsStatus s)
{
	const char *last = nats_GetLastError(NULL), *p;

	if (!last || !*last)
		return natsStatus_GetText(s);
	if (last[0] == '(' && (p = strstr(last, "): ")))
		return p + 3;
	return last;
}

/* "nats://a:1,nats://b:2" -> natsOptions_SetServers (it copies them). */
static int servers__set(const char *url, natsOptions *nopts, char *err,
			size_t errlen)
{
	char *copy = strdup(url), *save = NULL, *tok;
	const char *list[MAX_SERVERS];
	int n = 0;
	natsStatus s;

	if (!copy)
		return err__set(err, errlen, -ENOMEM, "out of memory");
	for (tok = strtok_r(copy, ", ", &save); tok && n < MAX_SERVERS;
	     tok = strtok_r(NULL, ", ", &save))
		list[n++] = tok;
	s = n ? natsOptions_SetServers(nopts, list, n) : NATS_INVALID_ARG;
	free(copy);
	if (s == NATS_OK)
		return 0;
	return err__set(err, errlen, -EINVAL, "bad NATS URL '%s': %s", url,
			nats__why(s));
}

int ttd_nats_opts__apply(const struct ttd_nats_opts *o, natsOptions *nopts,
			 char *err, size_t errlen)
{
	natsStatus s = NATS_OK;
	int ret = opts__check(o, err, errlen);
	const char *what = "TLS";

	if (ret)
		return ret;
	if (o->url && (ret = servers__set(o->url, nopts, err, errlen)))
		return ret;
	if (s == NATS_OK && (o->tls || o->tls_ca || o->tls_cert)) {
		s = natsOptions_SetSecure(nopts, true);
	}
	if (s == NATS_OK && o->tls_ca) {
		what = o->tls_ca;
		s = natsOptions_LoadCATrustedCertificates(nopts, o->tls_ca);
	}
	if (s == NATS_OK && o->tls_cert) {
		what = o->tls_cert;
		s = natsOptions_LoadCertificatesChain(nopts, o->tls_cert,
						      o->tls_key);
	}
	if (s == NATS_OK && o->creds) {
		what = o->creds;
		s = natsOptions_SetUserCredentialsFromFiles(nopts, o->creds,
							    NULL);
	}
	if (s == NATS_OK && o->user) {
		what = "--nats-user";
		s = natsOptions_SetUserInfo(nopts, o->user, o->password);
	}
	if (s == NATS_OK && o->token) {
		what = "--nats-token";
		s = natsOptions_SetToken(nopts, o->token);
	}
	if (s == NATS_OK)
		return 0;
	return err__set(err, errlen, s == NATS_NO_MEMORY ? -ENOMEM : -EIO,
			"NATS refused %s: %s", what, nats__why(s));
}

/* What the user can do about s; "" when nothing specific. */
static const char *hint(const struct ttd_nats_opts *o, natsStatus s,
			const char *why)
{
	bool tls = o->tls || o->tls_ca || o->tls_cert;

	if (s == NATS_SECURE_CONNECTION_REQUIRED)
		return " (the server requires TLS: pass --nats-tls-ca FILE or "
		       "--nats-tls)";
	if (s == NATS_SECURE_CONNECTION_WANTED)
		return " (the server does not offer TLS: drop the --nats-tls* "
		       "options)";
	if (s == NATS_SSL_ERROR &&
	    (strstr(why, "verify") || strstr(why, "issuer")))
		return " (the server's certificate is not trusted: pass the CA "
		       "that signed it with --nats-tls-ca FILE)";
	if (s == NATS_SSL_ERROR && !tls)
		return " (TLS failed: check --nats-tls-ca)";
	if (s == NATS_CONNECTION_AUTH_FAILED || s == NATS_NOT_PERMITTED ||
	    strstr(why, "uthorization"))
		return " (authorization refused: check --nats-user/"
		       "--nats-password, --nats-token or --nats-creds)";
	if (s == NATS_NO_SERVER)
		return " (is nats-server running at that address?)";
	return "";
}

const char *ttd_nats_opts__connect_error(const struct ttd_nats_opts *o,
					 natsStatus s, char *err, size_t errlen)
{
	const char *why = nats__why(s);

	if (err && errlen)
		snprintf(err, errlen, "%s%s", why, hint(o, s, why));
	return err;
}
