/*
 * daemon/control_client.c - client side of the control protocol (see
 * tracetab/control.h): connect to tracetabd's unix socket, send one JSON
 * line, read one JSON line back.
 *
 * Replies are read into a growing buffer capped at TT_CONTROL_MAX_REPLY so
 * that a confused or hostile peer cannot make the client allocate without
 * bound. Bytes after the first newline are kept for the next reply, though
 * the daemon never sends any.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "tracetab/control.h"

struct ttc_control {
	int fd;
	char *buf; /* bytes received and not yet consumed */
	size_t len;
	size_t cap;
};

static int fail(char *err, size_t errlen, int rc, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
static int fail(char *err, size_t errlen, int rc, const char *fmt, ...)
{
	va_list ap;

	if (err && errlen) {
		va_start(ap, fmt);
		vsnprintf(err, errlen, fmt, ap);
		va_end(ap);
	}
	return rc;
}

int ttc_control__connect(const char *path, struct ttc_control **out, char *err,
			 size_t errlen)
{
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	struct ttc_control *ctl;
	int fd, rc;

	if (!path)
		path = TT_CONTROL_DEFAULT_SOCKET;
	if (strlen(path) >= sizeof(sa.sun_path))
		return fail(err, errlen, -ENAMETOOLONG,
			    "socket path %s is too long", path);
	strcpy(sa.sun_path, path);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return fail(err, errlen, -errno, "socket: %s", strerror(errno));
	if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		rc = -errno;
		close(fd);
		if (rc == -ENOENT || rc == -ECONNREFUSED)
			return fail(err, errlen, rc,
				    "tracetabd is not running (nothing listens "
				    "on %s)",
				    path);
		return fail(err, errlen, rc, "cannot connect to %s: %s", path,
			    strerror(-rc));
	}
	ctl = calloc(1, sizeof(*ctl));
	if (!ctl) {
		close(fd);
		return fail(err, errlen, -ENOMEM, "out of memory");
	}
	ctl->fd = fd;
	*out = ctl;
	return 0;
}

static int send_all(int fd, const char *p, size_t n)
{
	while (n) {
		ssize_t w = send(fd, p, n, MSG_NOSIGNAL);

		if (w < 0 && errno == EINTR)
			continue;
		if (w < 0)
			return -errno;
		p += w;
		n -= w;
	}
	return 0;
}

/* Reads until a newline is buffered; returns its offset or -errno. */
static ssize_t read_line(struct ttc_control *ctl)
{
	size_t scanned = 0;

	for (;;) {
		char *nl = ctl->len > scanned ? memchr(ctl->buf + scanned, '\n',
						       ctl->len - scanned)
					      : NULL;
		ssize_t r;

		if (nl)
			return nl - ctl->buf;
		scanned = ctl->len;
		if (ctl->len == ctl->cap) {
			size_t cap = ctl->cap ? ctl->cap * 2 : 4096;
			char *nb;

			if (ctl->cap >= TT_CONTROL_MAX_REPLY)
				return -E2BIG;
			nb = realloc(ctl->buf, cap);
			if (!nb)
				return -ENOMEM;
			ctl->buf = nb;
			ctl->cap = cap;
		}
		r = recv(ctl->fd, ctl->buf + ctl->len, ctl->cap - ctl->len, 0);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0)
			return -errno;
		if (r == 0)
			return -ECONNRESET;
		ctl->len += r;
	}
}

int ttc_control__request(struct ttc_control *ctl, const json_t *req,
			 json_t **reply, char *err, size_t errlen)
{
	json_error_t jerr;
	ssize_t nl;
	char *text;
	size_t n;
	int rc;

	*reply = NULL;
	text = json_dumps(req, JSON_COMPACT);
	if (!text)
		return fail(err, errlen, -EINVAL, "request is not encodable");
	n = strlen(text);
	if (n + 1 > TT_CONTROL_MAX_REQUEST) {
		free(text);
		return fail(err, errlen, -E2BIG, "request is over %u bytes",
			    TT_CONTROL_MAX_REQUEST);
	}
	text[n] = '\n'; /* replaces the NUL; length passed explicitly */
	rc = send_all(ctl->fd, text, n + 1);
	free(text);
	if (rc < 0)
		return fail(err, errlen, rc, "sending to tracetabd: %s",
			    strerror(-rc));
	nl = read_line(ctl);
	if (nl < 0)
		return fail(err, errlen, (int)nl,
			    nl == -ECONNRESET
				    ? "tracetabd closed the connection"
				    : "reading tracetabd's reply: %s",
			    strerror((int)-nl));
	*reply = json_loadb(ctl->buf, nl, 0, &jerr);
	ctl->len -= nl + 1;
	memmove(ctl->buf, ctl->buf + nl + 1, ctl->len);
	if (!*reply || !json_is_object(*reply)) {
		json_decref(*reply);
		*reply = NULL;
		return fail(err, errlen, -EBADMSG,
			    "tracetabd sent a reply that is not a JSON object");
	}
	return 0;
}

void ttc_control__close(struct ttc_control *ctl)
{
	if (!ctl)
		return;
	close(ctl->fd);
	free(ctl->buf);
	free(ctl);
}

int tt_control__request(const char *path, const char *req, char **reply,
			char *err, size_t errlen)
{
	struct ttc_control *ctl;
	json_error_t jerr;
	json_t *jreq, *jrep;
	int rc;

	*reply = NULL;
	jreq = json_loads(req, 0, &jerr);
	if (!jreq || !json_is_object(jreq)) {
		json_decref(jreq);
		return fail(err, errlen, -EINVAL,
			    "request is not a JSON object: %s", jerr.text);
	}
	rc = ttc_control__connect(path, &ctl, err, errlen);
	if (rc == 0) {
		rc = ttc_control__request(ctl, jreq, &jrep, err, errlen);
		ttc_control__close(ctl);
	}
	json_decref(jreq);
	if (rc < 0)
		return rc;
	*reply = json_dumps(jrep, JSON_COMPACT);
	json_decref(jrep);
	return *reply ? 0 : fail(err, errlen, -ENOMEM, "out of memory");
}

const char *ttc_control__reply_error(const json_t *reply)
{
	json_t *msg;

	if (json_is_true(json_object_get(reply, "ok")))
		return NULL;
	msg = json_object_get(reply, "error");
	return json_is_string(msg) ? json_string_value(msg) : "malformed reply";
}
