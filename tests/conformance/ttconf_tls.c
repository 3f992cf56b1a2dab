/*
 * ttconf_tls - the conformance workload's TLS part: two TLS 1.2
 * handshakes over loopback through the system's libssl, so that Debian's
 * ssllatency.bt and sslsnoop.bt see real SSL_do_handshake, SSL_write and
 * SSL_read calls and real RSA signatures (RSA_sign, RSA_verify).
 *
 * It runs when TTCONF_IO names "tls" (run.sh: the work=tls directive),
 * after the base workload. In one process, a server thread and the main
 * thread (the client) connect over 127.0.0.1, once with an RSA
 * certificate and PKCS#1 signatures ("RSA+SHA256": the server signs its
 * key exchange with RSA_sign, the client checks it with RSA_verify), once
 * with an ECDSA P-256 certificate. In each the client writes "ping", the
 * server answers "pong" and closes; the client's last SSL_read returns 0
 * on the close_notify (a failed call, for ssllatency's @histF).
 *
 * libssl and libcrypto are dlopen'ed only then, so the other programs'
 * workload neither loads nor opens them. The uprobes are on the library
 * files, so a late dlopen is seen by both tracers alike.
 *
 * Invariants: blocking sockets, so every SSL call happens a fixed number
 * of times whatever the timing; the keys are fixed test keys (generating
 * an RSA key takes a time that varies by a factor of ten); each step that
 * fails prints why to stderr and the part stops (a difference, never a
 * hang); nothing outlives the part.
 */
#include <arpa/inet.h>
#include <dlfcn.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <openssl/pem.h>
#include <openssl/ssl.h>

/* Self-signed test certificates and their keys (valid until 2126). */
static const char rsa_cert[] =
	"-----BEGIN CERTIFICATE-----\n"
	"MIIDDTCCAfWgAwIBAgIUFrgfA8cfMOAqG5VFoD0u0RU//TwwDQYJKoZIhvcNAQEL\n"
	"BQAwFTETMBEGA1UEAwwKdHRjb25mLXJzYTAgFw0yNjExMjUwNzE4MjJaGA8yMTI2\n"
	"MTEwMTA3MTgyMlowFTETMBEGA1UEAwwKdHRjb25mLXJzYTCCASIwDQYJKoZIhvcN\n"
	"AQEBBQADggEPADCCAQoCggEBAKsY2mDVv7LteUkYefEZ6l5HIWaTTZyVe4bj+zLk\n"
	"x7LxDC5bX/qJ4fKLvOhqq3p5QiluKmUanSh8V2WuEK1eWYEIMIUP8UBS80Rx2DGO\n"
	"VvRLnPgPKiVh3L8ytnvNoJQWvPgNxWQTcHoTpEUg4i+A7G9xeDb38aa5oH7+oON9\n"
	"4s1ZwUABjZQyqBgbMjkX5xITJ8c5pkI30yybuKtqYSoylIEI3qLFtlWiJHBheuAw\n"
	"Y3Uu4t4GoFGXlLGfO8VcW1aYAWmHK0XMoVMI/x/PMv8sLbwkGQkrxHYDotfjXegV\n"
	"JNRPVGWyXLbcoYL7i5wbln5vdxZQfp8NbFXNjqYYAQXX+d8CAwEAAaNTMFEwHQYD\n"
	"VR0OBBYEFPBZJeWe9PXrhlVpKQC2PZvEPZd6MB8GA1UdIwQYMBaAFPBZJeWe9PXr\n"
	"hlVpKQC2PZvEPZd6MA8GA1UdEwEB/wQFMAMBAf8wDQYJKoZIhvcNAQELBQADggEB\n"
	"ADupQK78jr+z5g08WFNMAqFz3oxIxD/i1lbMSvQrB9Ycjrozc4MYHftTaNcQkCwf\n"
	"MN7jpGTH7kCjPsEOCuhHJzUTdcF+vKLzFO7bG4FBQoNY3qr+li0RKMhEIbQ+E+uU\n"
	"ltlcgiei6vMLPpNGMaQLaeVW8dwVi2igiyxroiy8+20rbYad0AIVoLUdsRjUQJtH\n"
	"R9TrG1H3PS8q2Ml4plqgMXBFiPI3Eg6AIT+WujpfX+d0Uu1QkNrtrkAF1Oak8IgC\n"
	"ms5nvu48WYglti76FOeGXQQEibyP4ZQH5Wff3BSc2596wq9lK5u2n2MaztfaGxXI\n"
	"4ue4x4nEpKshl9jMSkehVcE=\n"
	"-----END CERTIFICATE-----\n";
static const char rsa_key[] =
	"-----BEGIN PRIVATE KEY-----\n"
	"MIIEuwIBADANBgkqhkiG9w0BAQEFAASCBKUwggShAgEAAoIBAQCrGNpg1b+y7XlJ\n"
	"GHnxGepeRyFmk02clXuG4/sy5Mey8QwuW1/6ieHyi7zoaqt6eUIpbiplGp0ofFdl\n"
	"rhCtXlmBCDCFD/FAUvNEcdgxjlb0S5z4DyolYdy/MrZ7zaCUFrz4DcVkE3B6E6RF\n"
	"IOIvgOxvcXg29/GmuaB+/qDjfeLNWcFAAY2UMqgYGzI5F+cSEyfHOaZCN9Msm7ir\n"
	"amEqMpSBCN6ixbZVoiRwYXrgMGN1LuLeBqBRl5SxnzvFXFtWmAFphytFzKFTCP8f\n"
	"zzL/LC28JBkJK8R2A6LX413oFSTUT1Rlsly23KGC+4ucG5Z+b3cWUH6fDWxVzY6m\n"
	"GAEF1/nfAgMBAAECgf8XwRGNe+5DZJYYt/nyPosW+skmzgvl7x7aw4tpts7UqYbu\n"
	"vYM8VN8P9aO82F+KY8CabvTyTxwjBFryv+SgRfFn/tbWVWBLJQ3oIpLeVKDf18rL\n"
	"ISSsewJuqxcmJWx2E4PSfYLqMKbMom8D+7HH9gWWdm5ZGq2UD1Nzp6i010DKzGFz\n"
	"6Kntk/cdHfCB0Pooh6SCEldg7BH5XbDT1nsVkoQKLiylGBbdkHv52OGWKAdSXtO6\n"
	"nKE9j7y5lahWaVBCCei6JfYJSG5zb+qJOB3yCC3Yb1p9IXtwEES/k23NWmlm1di2\n"
	"rYHRRUnN97oOqGIbXUthhB7dNTU2Os2sjUfg/GECgYEA54vr2MKu56+u6B+jk3JS\n"
	"DHvbtONNnDz3gAt2c0jdib0uJrScckv1HAy29jkTXi+n7USuldHhSmQRKr5mWTuO\n"
	"1T+Vx4WLFKtKfOHkHhFqw3KI672cpPwBr1Up2oNcXBhX4czLPB7D1Cl/GO/cwJd1\n"
	"N+f+OaGDNmAFIi2llQAu+6cCgYEAvSqfim4PMZ6WsEG+VTH4hHVX/5IKIK/XO2WP\n"
	"vAW+fxEbecDALklvw3/TNI4cUkXG+OAIOQkCCTzrHbyznlj56TUoe+9a/dLdiQe/\n"
	"U99+C4oWGXN1/gzQLCTofGsQc/sC79vD3gZuu7ZRqB9/AP3LtLE/eJN5B+UBwxNk\n"
	"mjXl9wkCgYAo8dg502tkcu+mAnpFh5C0vm5ClXNS7oEBtoUyq67pPXfcxlFn8MCe\n"
	"Pi1Yaw1euWSjk2KgAaYqJnnWqialHuAKG51b0+SdOhEI9lUFcCUF/MnzjesWTa3q\n"
	"mE+3YUVCz9cyialirzoH2XKtMTVDJUVIJpERFduDEQW3XoUKTScBvwKBgQC49358\n"
	"y1VL/Xf27LIBeBU638ql+dSxVX8tcwdyoGM+uCmXiaPhHqmMDeclEnga8mO2Ysln\n"
	"i6lUAx8bOrKfeP0UzYfCd68PViqMnOi2SGhlPCaTyFRtj3XWVFiHn+C8p4qdotQI\n"
	"u113arS5oeJ7w652BoK7kefckk6Awuux5lXwkQKBgGevWmGCggPcjRWhSOYuwK5w\n"
	"tAUVCSGF05rpSWNNgXgpZfMqnfR7AonHxnHWcjLEAxoOt2bJzZ4JvJ3SGHmN60Qa\n"
	"zzAgnfl27cSdGox5ZtD2UMHwQ/42XNvGfcGAfWPowaCc9wJl6bS/JQpZbDgjleRE\n"
	"dyQ6ltF7bLXkBk3oGcAo\n"
	"-----END PRIVATE KEY-----\n";
static const char ec_cert[] =
	"-----BEGIN CERTIFICATE-----\n"
	"MIIBhTCCASugAwIBAgIUHvaK+g6Lk7LMvpFkt48yg7lwzcMwCgYIKoZIzj0EAwIw\n"
	"FzEVMBMGA1UEAwwMdHRjb25mLWVjZHNhMCAXDTI2MTEyNTA3MTgyMloYDzIxMjYx\n"
	"MTAxMDcxODIyWjAXMRUwEwYDVQQDDAx0dGNvbmYtZWNkc2EwWTATBgcqhkjOPQIB\n"
	"BggqhkjOPQMBBwNCAARTq+tSGFI7nexkQGEPdNBpsaX178ulyydgHJ9EOkZW0R4W\n"
	"qo/ZyhdIHlZgMqnQoTiu/7bJ6KG1ZBKKYxZaT2foo1MwUTAdBgNVHQ4EFgQUbV/D\n"
	"+lhFIpRWhwLQA33oH5/DihwwHwYDVR0jBBgwFoAUbV/D+lhFIpRWhwLQA33oH5/D\n"
	"ihwwDwYDVR0TAQH/BAUwAwEB/zAKBggqhkjOPQQDAgNIADBFAiBTsAm44U0OIGHM\n"
	"y2xqH/Su5LFxcU/9yRr7rN9JLwQoBwIhAP+4VjyQRSnjXnRqEMvbUGzpVgblszpp\n"
	"+cZCFw/Iozr6\n"
	"-----END CERTIFICATE-----\n";
static const char ec_key[] =
	"-----BEGIN PRIVATE KEY-----\n"
	"MIGHAgEAMBMGByqGSM49AgEGCCqGSM49AwEHBG0wawIBAQQgjJ2UNpmi75/IXkND\n"
	"ZUZNFkGSZ5rHJ3qgHNfALX7NM6OhRANCAARTq+tSGFI7nexkQGEPdNBpsaX178ul\n"
	"yydgHJ9EOkZW0R4Wqo/ZyhdIHlZgMqnQoTiu/7bJ6KG1ZBKKYxZaT2fo\n"
	"-----END PRIVATE KEY-----\n";

/* The library calls the part makes, found with dlsym. */
/* clang-format off */
#define SSL_FNS(X)                                                         \
	X(TLS_server_method) X(TLS_client_method) X(SSL_CTX_new)           \
	X(SSL_CTX_free) X(SSL_CTX_ctrl) X(SSL_CTX_set_cipher_list)         \
	X(SSL_CTX_use_certificate) X(SSL_CTX_use_PrivateKey) X(SSL_new)    \
	X(SSL_free) X(SSL_set_fd) X(SSL_set_accept_state)                  \
	X(SSL_set_connect_state) X(SSL_do_handshake) X(SSL_read)           \
	X(SSL_write) X(SSL_shutdown)
#define CRYPTO_FNS(X)                                                      \
	X(BIO_new_mem_buf) X(BIO_free) X(PEM_read_bio_X509)                \
	X(PEM_read_bio_PrivateKey) X(X509_free) X(EVP_PKEY_free)
/* clang-format on */
#define DECLARE(f) __typeof__(f) *f;
static struct {
	SSL_FNS(DECLARE) CRYPTO_FNS(DECLARE)
} api;

/* One handshake's certificate, signature algorithm and cipher. */
struct tls_kind {
	const char *name, *cert, *key, *sigalgs, *cipher;
};

static const struct tls_kind kinds[] = {
	{"RSA", rsa_cert, rsa_key, "RSA+SHA256", "ECDHE-RSA-AES128-GCM-SHA256"},
	{"ECDSA", ec_cert, ec_key, "ECDSA+SHA256",
	 "ECDHE-ECDSA-AES128-GCM-SHA256"},
};

static int fail(const char *what)
{
	fprintf(stderr, "ttconf_tls: %s failed\n", what);
	return -1;
}

static int load_api(void)
{
	void *ssl = dlopen("libssl.so.3", RTLD_NOW);
	void *crypto = dlopen("libcrypto.so.3", RTLD_NOW);

	if (!ssl || !crypto) {
		fprintf(stderr, "ttconf_tls: %s\n", dlerror());
		return -1;
	}
#define LOAD(lib, f)                                      \
	if (!(api.f = (__typeof__(api.f))dlsym(lib, #f))) \
		return fail("dlsym " #f);
#define LOAD_SSL(f) LOAD(ssl, f)
#define LOAD_CRYPTO(f) LOAD(crypto, f)
	SSL_FNS(LOAD_SSL)
	CRYPTO_FNS(LOAD_CRYPTO)
	return 0;
}

/* Both sides: TLS 1.2 only (where RSA signs with PKCS#1), one cipher. */
static SSL_CTX *ctx_new(const struct tls_kind *k, bool server)
{
	SSL_CTX *ctx = api.SSL_CTX_new(server ? api.TLS_server_method()
					      : api.TLS_client_method());

	if (!ctx)
		return NULL;
	if (api.SSL_CTX_ctrl(ctx, SSL_CTRL_SET_MAX_PROTO_VERSION,
			     TLS1_2_VERSION, NULL) != 1 ||
	    api.SSL_CTX_ctrl(ctx, SSL_CTRL_SET_SIGALGS_LIST, 0,
			     (char *)k->sigalgs) != 1 ||
	    api.SSL_CTX_set_cipher_list(ctx, k->cipher) != 1) {
		api.SSL_CTX_free(ctx);
		return NULL;
	}
	return ctx;
}

/* The server's certificate and key from their PEM text. */
static int use_cert(SSL_CTX *ctx, const struct tls_kind *k)
{
	BIO *cb = api.BIO_new_mem_buf(k->cert, -1);
	BIO *kb = api.BIO_new_mem_buf(k->key, -1);
	X509 *x = cb ? api.PEM_read_bio_X509(cb, NULL, NULL, NULL) : NULL;
	EVP_PKEY *pk =
		kb ? api.PEM_read_bio_PrivateKey(kb, NULL, NULL, NULL) : NULL;
	int ok = x && pk && api.SSL_CTX_use_certificate(ctx, x) == 1 &&
		 api.SSL_CTX_use_PrivateKey(ctx, pk) == 1;

	api.X509_free(x);
	api.EVP_PKEY_free(pk);
	api.BIO_free(cb);
	api.BIO_free(kb);
	return ok ? 0 : -1;
}

struct server {
	SSL_CTX *ctx;
	int listen_fd;
	int ok;
};

/*
 * Handshake, read "ping", write "pong", close_notify; then wait for the
 * client's close_notify and EOF on the raw socket, so the client never
 * writes to a closed peer.
 */
static void *server_main(void *arg)
{
	struct server *s = arg;
	int fd = accept(s->listen_fd, NULL, NULL);
	SSL *ssl = fd >= 0 ? api.SSL_new(s->ctx) : NULL;
	char buf[64];

	if (ssl && api.SSL_set_fd(ssl, fd) == 1) {
		api.SSL_set_accept_state(ssl);
		s->ok = api.SSL_do_handshake(ssl) == 1 &&
			api.SSL_read(ssl, buf, sizeof(buf)) == 4 &&
			!memcmp(buf, "ping", 4) &&
			api.SSL_write(ssl, "pong", 4) == 4;
		api.SSL_shutdown(ssl);
		while (recv(fd, buf, sizeof(buf), 0) > 0)
			;
	}
	if (ssl)
		api.SSL_free(ssl);
	if (fd >= 0)
		close(fd);
	return NULL;
}

/* The client side: handshake, "ping", "pong", then 0 on close_notify. */
static int client(SSL_CTX *ctx, const struct sockaddr_in *addr)
{
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	SSL *ssl = NULL;
	char buf[64];
	int ok = 0;

	if (fd >= 0 &&
	    connect(fd, (const struct sockaddr *)addr, sizeof(*addr)) == 0)
		ssl = api.SSL_new(ctx);
	if (ssl && api.SSL_set_fd(ssl, fd) == 1) {
		api.SSL_set_connect_state(ssl);
		ok = api.SSL_do_handshake(ssl) == 1 &&
		     api.SSL_write(ssl, "ping", 4) == 4 &&
		     api.SSL_read(ssl, buf, sizeof(buf)) == 4 &&
		     !memcmp(buf, "pong", 4) &&
		     api.SSL_read(ssl, buf, sizeof(buf)) == 0;
		api.SSL_shutdown(ssl);
	}
	if (ssl)
		api.SSL_free(ssl);
	if (fd >= 0)
		close(fd);
	return ok ? 0 : -1;
}

/* A listening socket on 127.0.0.1 and a port the kernel picks. */
static int listen_loopback(struct sockaddr_in *addr)
{
	socklen_t len = sizeof(*addr);
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);

	memset(addr, 0, sizeof(*addr));
	addr->sin_family = AF_INET;
	addr->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (fd < 0 || bind(fd, (struct sockaddr *)addr, sizeof(*addr)) ||
	    listen(fd, 1) || getsockname(fd, (struct sockaddr *)addr, &len)) {
		if (fd >= 0)
			close(fd);
		return -1;
	}
	return fd;
}

/* One connection with certificate kind k; 0 when both sides agreed. */
static int handshake(const struct tls_kind *k)
{
	struct server s = {.ctx = ctx_new(k, true), .listen_fd = -1};
	SSL_CTX *cctx = ctx_new(k, false);
	struct sockaddr_in addr;
	pthread_t t;
	int rc = -1;

	if (!s.ctx || !cctx || use_cert(s.ctx, k) < 0)
		fprintf(stderr, "ttconf_tls: %s context failed\n", k->name);
	else if ((s.listen_fd = listen_loopback(&addr)) < 0)
		fail("listen");
	else if (pthread_create(&t, NULL, server_main, &s) != 0)
		fail("pthread_create");
	else {
		rc = client(cctx, &addr);
		pthread_join(t, NULL);
		if (rc < 0 || !s.ok)
			fprintf(stderr, "ttconf_tls: %s handshake failed\n",
				k->name);
		rc = rc < 0 || !s.ok ? -1 : 0;
	}
	if (s.listen_fd >= 0)
		close(s.listen_fd);
	if (s.ctx)
		api.SSL_CTX_free(s.ctx);
	if (cctx)
		api.SSL_CTX_free(cctx);
	return rc;
}

/* Whether the comma-separated list parts names name. */
static bool names_part(const char *parts, const char *name)
{
	size_t n = strlen(name);

	for (const char *p = parts; p; p = strchr(p, ',')) {
		p += *p == ',';
		if (!strncmp(p, name, n) && (p[n] == ',' || !p[n]))
			return true;
	}
	return false;
}

void ttconf_tls__run(const char *parts);

/* Runs the TLS part when parts (TTCONF_IO) names "tls". */
void ttconf_tls__run(const char *parts)
{
	if (!names_part(parts, "tls") || load_api() < 0)
		return;
	for (size_t i = 0; i < sizeof(kinds) / sizeof(kinds[0]); i++)
		if (handshake(&kinds[i]) < 0)
			return;
}
