/*
 * daemon/nats_opts.h - how tracetab connects to NATS: credentials and TLS,
 * shared by the daemon (tracetabd --cluster) and the CLI (tracetab
 * --cluster) so both accept the same flags, environment variables and
 * error messages.
 *
 * Flags (each also as FLAG=VALUE) and their environment variables:
 *   --nats-creds FILE       TRACETAB_NATS_CREDS     JWT + NKey .creds file
 *   --nats-tls-ca FILE      TRACETAB_NATS_TLS_CA    CA that signed the server
 *   --nats-tls-cert FILE    TRACETAB_NATS_TLS_CERT  client certificate (mTLS)
 *   --nats-tls-key FILE     TRACETAB_NATS_TLS_KEY   its private key
 *   --nats-tls              TRACETAB_NATS_TLS=1     require TLS (system CAs)
 *   --nats-user NAME        TRACETAB_NATS_USER      user/password auth
 *   --nats-password PASS    TRACETAB_NATS_PASSWORD
 *   --nats-token TOKEN      TRACETAB_NATS_TOKEN     token auth
 * A password or token on the command line is visible in ps; the environment
 * variables are the safer way to pass them. Credentials in the URL
 * (nats://user:pass@host:port) keep working.
 *
 * The struct only points at strings (argv, environ); it owns nothing.
 */
#ifndef TTD_NATS_OPTS_H
#define TTD_NATS_OPTS_H

#include <stdbool.h>
#include <stddef.h>

#include <nats/nats.h>

struct ttd_nats_opts {
	const char *url; /* nats://host:port[,nats://...]; NULL: not set here */
	const char *creds, *tls_ca, *tls_cert, *tls_key;
	const char *user, *password, *token;
	bool tls; /* require TLS even without a CA or certificate file */
};

/* Help text for the flags above, one per line, indented by two spaces. */
extern const char ttd_nats_opts__usage[];

/*
 * Takes one command-line option. flag is the option's name with or without
 * the leading "--" ("--nats-tls-ca", "nats-tls-ca" as getopt_long names it,
 * or "--nats-tls-ca=FILE" with the value inline); val is its value (NULL
 * for --nats-tls, or when the value is inline). Returns 1 when consumed, 0
 * when flag is not a NATS option (nothing changed), -EINVAL when a value is
 * missing or empty. Argument scanners ask ttd_nats_opts__takes_value()
 * whether to pass the next argument as val.
 *
 * getopt_long users: add TTD_NATS_OPTS_LONGOPTS(ID) to the option table and,
 * for ID, call parse_arg(o, longopts[longindex].name, optarg).
 */
int ttd_nats_opts__parse_arg(struct ttd_nats_opts *o, const char *flag,
			     const char *val);

/* 1 when flag (as above, without "=VALUE") is a NATS option taking a value. */
int ttd_nats_opts__takes_value(const char *flag);

#define TTD_NATS_OPTS_LONGOPTS(id)                                \
	{"nats-creds", required_argument, NULL, (id)},            \
		{"nats-tls-ca", required_argument, NULL, (id)},   \
		{"nats-tls-cert", required_argument, NULL, (id)}, \
		{"nats-tls-key", required_argument, NULL, (id)},  \
		{"nats-tls", no_argument, NULL, (id)},            \
		{"nats-user", required_argument, NULL, (id)},     \
		{"nats-password", required_argument, NULL, (id)}, \
	{                                                         \
		"nats-token", required_argument, NULL, (id)       \
	}

/*
 * Fills every field still unset from the TRACETAB_NATS_* environment
 * variables, so call it after parsing the command line (flags win).
 */
void ttd_nats_opts__from_env(struct ttd_nats_opts *o);

/*
 * Checks the combination and the files, then sets servers (when o->url),
 * credentials and TLS on nopts. Returns 0, or a negative errno with a
 * sentence in err: -EINVAL for contradictory options (a certificate without
 * its key, user and token together, a password without a user), -ENOENT or
 * -EACCES for a file that cannot be read, -EIO when libnats refuses a file
 * (its reason is included).
 */
int ttd_nats_opts__apply(const struct ttd_nats_opts *o, natsOptions *nopts,
			 char *err, size_t errlen);

/*
 * A sentence for a failed connection: libnats' status text and last error,
 * plus a hint naming the tracetab option that probably fixes it (TLS
 * required by the server, untrusted certificate, authorization refused).
 * Returns err.
 */
const char *ttd_nats_opts__connect_error(const struct ttd_nats_opts *o,
					 natsStatus s, char *err,
					 size_t errlen);

#endif
