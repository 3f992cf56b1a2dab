/*
 * daemon/control_server.c - control socket server (protocol in
 * tracetab/control.h).
 *
 * Every connection is non-blocking and driven by the loop. Input is read
 * until EAGAIN on every wake-up (multishot polls report changes, not
 * levels) into a buffer capped at TT_CONTROL_MAX_REQUEST: a peer that
 * sends more without a newline gets one "too_large" reply and is closed,
 * so no client can grow the daemon's memory or stall others. Replies are
 * queued and flushed as the socket allows; while a reply is pending no
 * further request of that connection is processed, which bounds the
 * output queue to one reply per connection. Authorization is decided per
 * request from the credentials read at accept (SO_PEERCRED plus the
 * peer's supplementary groups from /proc/PID/status).
 */
#include <errno.h>
#include <grp.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "daemon/control_server.h"
#include "daemon/log.h"

#define MAX_CONNS 256
/* All connections' input buffers together: many slow large senders
 * cannot add up to more than this. */
#define INPUT_BUDGET (64u << 20)
/* Buffers up to this size are always granted, so small requests (status,
 * ping) are served even while the budget is exhausted. */
#define SMALL_REQUEST (64u << 10)

struct server;

struct conn {
	struct server *srv;
	int fd;
	struct ttd_watch *w_in, *w_out;
	char *in;
	size_t in_len, in_cap;
	char *out;
	size_t out_len, out_off;
	uid_t uid;
	pid_t pid;
	bool admin;
	bool closing; /* close once the output is flushed */
	struct conn *next;
};

struct server {
	struct ttd_source src;
	struct ttd_control_opts opts;
	struct ttd_manager *mgr;
	struct ttd_loop *loop;
	int fd;
	struct ttd_watch *w;
	struct conn *conns;
	unsigned nconns;
	size_t in_total; /* sum of the connections' in_cap */
};

static void conn__close(struct conn *c)
{
	struct server *srv = c->srv;

	for (struct conn **pp = &srv->conns; *pp; pp = &(*pp)->next)
		if (*pp == c) {
			*pp = c->next;
			break;
		}
	srv->nconns--;
	srv->in_total -= c->in_cap;
	ttd_loop__unwatch(srv->loop, c->w_in);
	ttd_loop__unwatch(srv->loop, c->w_out);
	close(c->fd);
	free(c->in);
	free(c->out);
	free(c);
}

/* True when gid is the primary group or listed in /proc/pid/status. */
static bool peer__in_group(pid_t pid, gid_t primary, gid_t gid)
{
	char path[64], line[4096];
	bool found = primary == gid;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/status", (int)pid);
	f = fopen(path, "re");
	if (!f)
		return found;
	while (!found && fgets(line, sizeof(line), f)) {
		char *p = line + 7, *end;

		if (strncmp(line, "Groups:", 7) != 0)
			continue;
		for (;;) {
			unsigned long g = strtoul(p, &end, 10);

			if (end == p)
				break;
			if ((gid_t)g == gid)
				found = true;
			p = end;
		}
		break;
	}
	fclose(f);
	return found;
}

static void peer__identify(struct conn *c, gid_t admin_gid)
{
	struct ucred cr;
	socklen_t len = sizeof(cr);

	c->uid = (uid_t)-1;
	if (getsockopt(c->fd, SOL_SOCKET, SO_PEERCRED, &cr, &len) < 0)
		return;
	c->uid = cr.uid;
	c->pid = cr.pid;
	c->admin = cr.uid == 0 || (admin_gid != (gid_t)-1 &&
				   peer__in_group(cr.pid, cr.gid, admin_gid));
}

/* ---- Output ----------------------------------------------------------------
 */

static void conn__input(struct conn *c);

enum { FLUSH_DONE, FLUSH_PENDING, FLUSH_CLOSED };

/* Sends what the socket takes; may close c (FLUSH_CLOSED). */
static int conn__flush(struct conn *c);

static void writable(void *ctx, int revents)
{
	struct conn *c = ctx;

	(void)revents;
	if (conn__flush(c) == FLUSH_DONE)
		conn__input(c); /* requests that waited for this reply */
}

static int conn__flush(struct conn *c)
{
	while (c->out_off < c->out_len) {
		ssize_t n = send(c->fd, c->out + c->out_off,
				 c->out_len - c->out_off,
				 MSG_DONTWAIT | MSG_NOSIGNAL);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && errno == EAGAIN) {
			if (!c->w_out)
				c->w_out =
					ttd_loop__watch(c->srv->loop, c->fd,
							POLLOUT, writable, c);
			if (c->w_out)
				return FLUSH_PENDING;
		}
		if (n < 0) {
			/* Peer gone, or no way to wait for it. */
			conn__close(c);
			return FLUSH_CLOSED;
		}
		c->out_off += n;
	}
	c->out_len = c->out_off = 0;
	ttd_loop__unwatch(c->srv->loop, c->w_out);
	c->w_out = NULL;
	if (c->closing) {
		conn__close(c);
		return FLUSH_CLOSED;
	}
	return FLUSH_DONE;
}

/* Queues reply (stolen) and flushes; returns like conn__flush. */
static int conn__reply(struct conn *c, json_t *reply)
{
	char *text = json_dumps(reply, JSON_COMPACT);
	size_t n;

	json_decref(reply);
	if (!text) {
		conn__close(c);
		return FLUSH_CLOSED;
	}
	n = strlen(text);
	text[n] = '\n';
	free(c->out);
	c->out = text;
	c->out_len = n + 1;
	c->out_off = 0;
	return conn__flush(c);
}

static json_t *error_reply(const char *code, int err, const char *msg)
{
	return json_pack("{s:b,s:s,s:i,s:s}", "ok", 0, "code", code, "errno",
			 err, "error", msg);
}

/* ---- Requests
 * ---------------------------------------------------------------- */

static json_t *op_ping(struct server *srv, const json_t *req)
{
	(void)srv;
	(void)req;
	return json_pack("{s:b,s:s,s:i}", "ok", 1, "version", TTD_VERSION,
			 "pid", (int)getpid());
}

static json_t *op_deploy(struct server *srv, const json_t *req)
{
	json_t *spec = json_object_get(req, "deployment"), *status;
	enum ttd_upsert result;
	char err[1024];
	int rc;

	if (!spec)
		return error_reply(TT_CONTROL_EBADREQ, EINVAL,
				   "deploy needs a \"deployment\" object");
	rc = ttd_manager__deploy(srv->mgr, spec, &result, &status, err,
				 sizeof(err));
	if (rc == -EINVAL)
		return error_reply(TT_CONTROL_EINVAL, EINVAL, err);
	if (rc == -EPERM)
		return error_reply(TT_CONTROL_EPERM, EPERM, err);
	if (rc == -EEXIST)
		return error_reply(TT_CONTROL_ECONFLICT, EEXIST, err);
	if (rc < 0)
		return error_reply(TT_CONTROL_EINTERNAL, -rc, err);
	return json_pack("{s:b,s:s,s:o}", "ok", 1, "result",
			 ttd_upsert__name(result), "status", status);
}

/* The string member key of req, or NULL. */
static const char *member(const json_t *req, const char *key)
{
	return json_string_value(json_object_get(req, key));
}

static json_t *op_delete(struct server *srv, const json_t *req)
{
	const char *name = member(req, "name");
	json_t *log = NULL;
	char msg[160];

	if (!name)
		return error_reply(TT_CONTROL_EBADREQ, EINVAL,
				   "delete needs a \"name\" string");
	if (ttd_manager__delete_log(srv->mgr, name, &log) < 0) {
		snprintf(msg, sizeof(msg), "no deployment %.100s", name);
		return error_reply(TT_CONTROL_ENOENT, ENOENT, msg);
	}
	/* The log ends with what END printed as the program went away. */
	return json_pack("{s:b,s:o*}", "ok", 1, "log", log);
}

static json_t *op_drop(struct server *srv, const json_t *req)
{
	const char *table = member(req, "table");
	char err[512];
	int rc;

	if (!table)
		return error_reply(TT_CONTROL_EBADREQ, EINVAL,
				   "drop needs a \"table\" string");
	rc = ttd_manager__drop(srv->mgr, table, err, sizeof(err));
	if (rc == -ENOENT)
		return error_reply(TT_CONTROL_ENOENT, ENOENT, err);
	if (rc == -EBUSY)
		return error_reply(TT_CONTROL_ECONFLICT, EBUSY, err);
	if (rc < 0)
		return error_reply(TT_CONTROL_EINTERNAL, -rc, err);
	return json_pack("{s:b}", "ok", 1);
}

static json_t *op_status(struct server *srv, const json_t *req)
{
	json_t *name = json_object_get(req, "name"), *deps;

	if (name && !json_is_string(name))
		return error_reply(TT_CONTROL_EBADREQ, EINVAL,
				   "status: \"name\" must be a string");
	deps = ttd_manager__status(srv->mgr, json_string_value(name));
	if (!deps)
		return error_reply(TT_CONTROL_ENOENT, ENOENT,
				   "no such deployment");
	return json_pack("{s:b,s:o}", "ok", 1, "deployments", deps);
}

static json_t *op_list(struct server *srv, const json_t *req)
{
	(void)req;
	return json_pack("{s:b,s:o}", "ok", 1, "tables",
			 ttd_manager__tables(srv->mgr, NULL));
}

static json_t *op_schema(struct server *srv, const json_t *req)
{
	const char *table = member(req, "table");
	json_t *tabs, *reply;

	if (!table)
		return error_reply(TT_CONTROL_EBADREQ, EINVAL,
				   "schema needs a \"table\" string");
	if (strchr(table, '/') || table[0] == '.')
		return error_reply(TT_CONTROL_EINVAL, EINVAL,
				   "not a table name");
	tabs = ttd_manager__tables(srv->mgr, table);
	if (json_array_size(tabs) == 0) {
		json_decref(tabs);
		return error_reply(TT_CONTROL_ENOENT, ENOENT, "no such table");
	}
	reply = json_pack("{s:b,s:s,s:O}", "ok", 1, "name", table, "columns",
			  json_object_get(json_array_get(tabs, 0), "columns"));
	json_decref(tabs);
	return reply;
}

static const struct {
	const char *op;
	bool admin;
	json_t *(*fn)(struct server *srv, const json_t *req);
} ops[] = {
	{"ping", false, op_ping},     {"deploy", true, op_deploy},
	{"delete", true, op_delete},  {"drop", true, op_drop},
	{"status", false, op_status}, {"list", false, op_list},
	{"schema", false, op_schema},
};

/*
 * An unsafe deploy (system(), signal(), override() run as root) needs
 * root itself: the admin group may deploy, but not unsafe. The daemon's
 * own --allow-unsafe rule is the manager's (see daemon/spec.c).
 */
static json_t *unsafe__refused(const struct conn *c, const char *op,
			       const json_t *req)
{
	char msg[256];

	if (strcmp(op, "deploy") != 0 || c->uid == 0 ||
	    !json_is_true(json_object_get(json_object_get(req, "deployment"),
					  "unsafe")))
		return NULL;
	snprintf(msg, sizeof(msg),
		 "unsafe deployments (signal(), system(), override()) may "
		 "only be deployed by root; uid %d is not root (the admin "
		 "group is not enough)",
		 (int)c->uid);
	return error_reply(TT_CONTROL_EPERM, EPERM, msg);
}

static json_t *dispatch(struct conn *c, const char *line, size_t len)
{
	json_t *req = json_loadb(line, len, 0, NULL), *reply = NULL;
	const char *op = member(req, "op");
	char msg[160];

	if (!json_is_object(req)) {
		json_decref(req);
		return error_reply(TT_CONTROL_EBADREQ, EINVAL,
				   "request is not a JSON object on one line");
	}
	ttd_debug("control: uid %d pid %d: op %.32s", (int)c->uid, (int)c->pid,
		  op ? op : "(missing)");
	for (size_t i = 0; op && i < sizeof(ops) / sizeof(ops[0]); i++) {
		if (strcmp(ops[i].op, op) != 0)
			continue;
		if (ops[i].admin && !c->admin) {
			snprintf(msg, sizeof(msg),
				 "%s needs root or membership of the admin "
				 "group (uid %d is neither)",
				 op, (int)c->uid);
			reply = error_reply(TT_CONTROL_EPERM, EPERM, msg);
		} else if (!(reply = unsafe__refused(c, op, req))) {
			reply = ops[i].fn(c->srv, req);
		}
		break;
	}
	if (!reply) {
		snprintf(msg, sizeof(msg), "unknown op \"%.64s\"",
			 op ? op : "(missing)");
		reply = error_reply(TT_CONTROL_EBADREQ, EINVAL, msg);
	}
	json_decref(req);
	return reply ? reply
		     : error_reply(TT_CONTROL_EINTERNAL, ENOMEM,
				   "out of memory");
}

/* ---- Input ------------------------------------------------------------------
 */

/*
 * Handles buffered complete lines while no reply is pending. Returns
 * FLUSH_DONE (all handled), FLUSH_PENDING or FLUSH_CLOSED.
 */
static int conn__process(struct conn *c)
{
	for (;;) {
		char *nl = c->in_len ? memchr(c->in, '\n', c->in_len) : NULL;
		size_t n = nl ? (size_t)(nl - c->in) : 0;
		json_t *reply = NULL;
		int rc;

		if (!nl)
			return FLUSH_DONE;
		if (n > 0 && !(n == 1 && c->in[0] == '\r'))
			reply = dispatch(c, c->in, n);
		c->in_len -= n + 1;
		memmove(c->in, nl + 1, c->in_len);
		if (!reply)
			continue; /* blank line */
		rc = conn__reply(c, reply);
		if (rc != FLUSH_DONE)
			return rc;
	}
}

static int conn__grow(struct conn *c)
{
	size_t cap = c->in_cap ? c->in_cap * 2 : 16384;
	char *nb;

	if (cap > TT_CONTROL_MAX_REQUEST)
		cap = TT_CONTROL_MAX_REQUEST;
	if (cap > SMALL_REQUEST &&
	    c->srv->in_total - c->in_cap + cap > INPUT_BUDGET)
		return -ENOBUFS;
	nb = realloc(c->in, cap);
	if (!nb)
		return -ENOMEM;
	c->srv->in_total += cap - c->in_cap;
	c->in = nb;
	c->in_cap = cap;
	return 0;
}

/* Refuses the request being read (over the limit, or no buffer budget
 * left), replies once and closes. */
static void conn__too_large(struct conn *c, bool budget)
{
	char msg[128];

	if (budget)
		snprintf(msg, sizeof(msg),
			 "too many large requests in flight; retry later");
	else
		snprintf(msg, sizeof(msg), "request is over %u bytes",
			 TT_CONTROL_MAX_REQUEST);
	ttd_warn("control: uid %d: %s; closing", (int)c->uid, msg);
	ttd_loop__unwatch(c->srv->loop, c->w_in);
	c->w_in = NULL;
	c->closing = true;
	c->in_len = 0;
	/* The reply replaces any pending one: this connection is done. */
	c->out_len = 0;
	conn__reply(c, error_reply(TT_CONTROL_ETOOLARGE, E2BIG, msg));
	/* Replied and closed, or closes once the reply is flushed. */
}

/* The peer shut down its side: a last unterminated request still counts. */
static void conn__eof(struct conn *c)
{
	ttd_loop__unwatch(c->srv->loop, c->w_in);
	c->w_in = NULL;
	c->closing = true;
	if (c->in_len && c->in_len < c->in_cap) {
		c->in[c->in_len++] = '\n';
		if (conn__process(c) != FLUSH_DONE)
			return;
	}
	if (c->out_len == 0)
		conn__close(c);
}

/* Reads everything available, then handles complete lines. May close c. */
static void conn__input(struct conn *c)
{
	for (;;) {
		ssize_t n;

		if (c->out_len || conn__process(c) != FLUSH_DONE)
			return; /* closed, or waiting for a reply to drain */
		if (c->closing) {
			conn__close(c);
			return;
		}
		if (c->in_len == c->in_cap) {
			int rc = c->in_cap == TT_CONTROL_MAX_REQUEST
					 ? -E2BIG
					 : conn__grow(c);

			if (rc == -ENOMEM) {
				conn__close(c);
				return;
			}
			if (rc < 0) {
				conn__too_large(c, rc == -ENOBUFS);
				return;
			}
		}
		n = recv(c->fd, c->in + c->in_len, c->in_cap - c->in_len,
			 MSG_DONTWAIT);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && errno == EAGAIN)
			return;
		if (n == 0) {
			conn__eof(c);
			return;
		}
		if (n < 0) {
			conn__close(c);
			return;
		}
		c->in_len += n;
	}
}

static void readable(void *ctx, int revents)
{
	struct conn *c = ctx;

	if (revents < 0) {
		conn__close(c);
		return;
	}
	if (!c->closing)
		conn__input(c);
}

/* ---- Listening socket -------------------------------------------------------
 */

static void accept_one(struct server *srv, int fd)
{
	struct conn *c;

	if (srv->nconns >= MAX_CONNS) {
		ttd_warn("control: %d connections open, refusing one",
			 MAX_CONNS);
		close(fd);
		return;
	}
	c = calloc(1, sizeof(*c));
	if (!c) {
		close(fd);
		return;
	}
	c->srv = srv;
	c->fd = fd;
	peer__identify(c, srv->opts.admin_gid);
	c->w_in =
		ttd_loop__watch(srv->loop, fd, POLLIN | POLLRDHUP, readable, c);
	if (!c->w_in) {
		close(fd);
		free(c);
		return;
	}
	c->next = srv->conns;
	srv->conns = c;
	srv->nconns++;
}

static void acceptable(void *ctx, int revents)
{
	struct server *srv = ctx;

	(void)revents;
	for (;;) {
		int fd = accept4(srv->fd, NULL, NULL,
				 SOCK_NONBLOCK | SOCK_CLOEXEC);

		if (fd < 0) {
			if (errno != EAGAIN && errno != EINTR)
				ttd_warn("control: accept: %s",
					 strerror(errno));
			if (errno != EINTR)
				return;
			continue;
		}
		accept_one(srv, fd);
	}
}

static int listen_on(struct server *srv, char *err, size_t errlen)
{
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	const char *path = srv->opts.path;
	char dir[sizeof(sa.sun_path)], *slash;

	if (strlen(path) >= sizeof(sa.sun_path)) {
		snprintf(err, errlen, "socket path %s is too long", path);
		return -ENAMETOOLONG;
	}
	strcpy(sa.sun_path, path);
	strcpy(dir, path);
	slash = strrchr(dir, '/');
	if (slash && slash != dir) {
		*slash = '\0';
		if (mkdir(dir, 0755) < 0 && errno != EEXIST) {
			snprintf(err, errlen, "cannot create %s: %s", dir,
				 strerror(errno));
			return -errno;
		}
	}
	srv->fd =
		socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (srv->fd < 0)
		goto fail;
	unlink(path); /* a stale socket of an earlier, killed daemon */
	if (bind(srv->fd, (struct sockaddr *)&sa, sizeof(sa)) < 0 ||
	    chmod(path, 0666) < 0 || listen(srv->fd, 128) < 0)
		goto fail;
	return 0;
fail:
	snprintf(err, errlen, "cannot listen on %s: %s", path, strerror(errno));
	return -errno;
}

static int server__start(struct ttd_source *src, struct ttd_manager *mgr,
			 struct ttd_loop *loop, char *err, size_t errlen)
{
	struct server *srv = (struct server *)src;
	int rc;

	srv->mgr = mgr;
	srv->loop = loop;
	rc = listen_on(srv, err, errlen);
	if (rc < 0)
		return rc;
	srv->w = ttd_loop__watch(loop, srv->fd, POLLIN, acceptable, srv);
	if (!srv->w) {
		snprintf(err, errlen, "cannot watch the control socket");
		return -ENOMEM;
	}
	ttd_info("control socket listening on %s", srv->opts.path);
	return 0;
}

static void server__stop(struct ttd_source *src)
{
	struct server *srv = (struct server *)src;

	while (srv->conns)
		conn__close(srv->conns);
	if (srv->loop)
		ttd_loop__unwatch(srv->loop, srv->w);
	if (srv->fd >= 0) {
		close(srv->fd);
		unlink(srv->opts.path);
	}
	free(srv);
}

struct ttd_source *ttd_control__source(const struct ttd_control_opts *opts)
{
	struct server *srv = calloc(1, sizeof(*srv));

	if (!srv)
		return NULL;
	srv->src.name = "control socket";
	srv->src.start = server__start;
	srv->src.stop = server__stop;
	srv->opts = *opts;
	srv->fd = -1;
	return &srv->src;
}
