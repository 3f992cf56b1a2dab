/*
 * tests/daemon/test_control.c - tracetabd's control socket against a real
 * daemon: protocol errors, hostile clients (100 MB message, disconnect
 * mid-request), authorization by uid and groups, spec validation,
 * selectors on this kernel, TTL expiry, persistence across SIGKILL, clean
 * SIGTERM. Deployments here use selectors that skip, or check only which
 * program was chosen, so nothing depends on the compiler.
 */
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/utsname.h>

#include "tests/daemon/harness.h"
#include "tests/tt_test.h"

#define PROG                                                                   \
	"tracepoint:syscalls:sys_enter_getppid { printf(\"pid:%d\\n\", pid); " \
	"}"

static struct td d;

static bool start(void)
{
	if (geteuid() != 0)
		return false;
	if (d.pid > 0 && td_ping(&d))
		return true;
	return td_start(&d) == 0;
}

#define NEED_DAEMON()                                                       \
	do {                                                                \
		if (geteuid() != 0)                                         \
			SKIP("needs root to run tracetabd");                \
		CHECKF(start(), "tracetabd did not start (log %s)", d.log); \
	} while (0)

static int raw_connect(struct td *t)
{
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	int fd = socket(AF_UNIX, SOCK_STREAM, 0);

	snprintf(sa.sun_path, sizeof(sa.sun_path), "%.100s", t->sock);
	if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		close(fd);
		return -1;
	}
	return fd;
}

/* Reads one reply line from fd into buf; returns its length or -1. */
static ssize_t raw_reply(int fd, char *buf, size_t len)
{
	size_t got = 0;

	while (got < len - 1) {
		ssize_t n = recv(fd, buf + got, len - 1 - got, 0);

		if (n <= 0)
			break;
		got += n;
		if (memchr(buf, '\n', got))
			break;
	}
	buf[got] = '\0';
	return got ? (ssize_t)got : -1;
}

TT_TEST(ping_and_version)
{
	NEED_DAEMON();
	json_t *r = td_request(&d, json_pack("{s:s}", "op", "ping"));

	CHECK(r != NULL);
	CHECK(json_is_true(json_object_get(r, "ok")));
	CHECK_INT(json_integer_value(json_object_get(r, "pid")), d.pid);
	json_decref(r);
}

TT_TEST(malformed_requests_keep_connection)
{
	static const char *bad[] = {"garbage",
				    "[1,2]",
				    "{\"op\":",
				    "42",
				    "{\"op\":\"nope\"}",
				    "{\"op\":7}",
				    "{\"op\":\"deploy\"}",
				    "{\"op\":\"delete\",\"name\":5}"};
	char buf[4096];
	int fd;

	NEED_DAEMON();
	fd = raw_connect(&d);
	CHECK(fd >= 0);
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		dprintf(fd, "%s\n", bad[i]);
		CHECKF(raw_reply(fd, buf, sizeof(buf)) > 0, "no reply to %s",
		       bad[i]);
		CHECKF(strstr(buf, "\"ok\":false") &&
			       strstr(buf, "\"code\":\"bad_request\""),
		       "%s -> %s", bad[i], buf);
	}
	dprintf(fd, "{\"op\":\"ping\"}\n");
	CHECK(raw_reply(fd, buf, sizeof(buf)) > 0);
	CHECKF(strstr(buf, "\"ok\":true") != NULL, "ping -> %s", buf);
	close(fd);
}

static long rss_kb(pid_t pid)
{
	char path[64], line[256];
	long kb = -1;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/status", (int)pid);
	f = fopen(path, "r");
	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "VmRSS: %ld kB", &kb) == 1)
			break;
	fclose(f);
	return kb;
}

/* Child: sends 100 MB without a newline; exit 0 if told "too_large". */
static void send_huge(void)
{
	static char chunk[1 << 20];
	char buf[4096];
	int fd = raw_connect(&d);

	signal(SIGPIPE, SIG_IGN);
	memset(chunk, 'x', sizeof(chunk));
	chunk[0] = '{';
	for (int i = 0; i < 100; i++)
		if (send(fd, chunk, sizeof(chunk), MSG_NOSIGNAL) < 0)
			break;
	if (raw_reply(fd, buf, sizeof(buf)) > 0 && strstr(buf, "too_large"))
		_exit(0);
	_exit(1);
}

TT_TEST(huge_message_rejected_others_served)
{
	long before, after;
	int status, pings = 0;
	pid_t child;

	NEED_DAEMON();
	before = rss_kb(d.pid);
	child = fork();
	CHECK(child >= 0);
	if (child == 0)
		send_huge();
	while (waitpid(child, &status, WNOHANG) == 0) {
		CHECK(td_ping(&d));
		pings++;
	}
	CHECK(td_ping(&d));
	CHECKF(WIFEXITED(status) && WEXITSTATUS(status) == 0,
	       "the 100 MB sender got no too_large reply");
	after = rss_kb(d.pid);
	CHECKF(after - before < 32 * 1024, "daemon RSS grew %ld -> %ld kB",
	       before, after);
	(void)pings;
}

/*
 * Child: sends 3.5 MiB without a newline and reports on fd: 'R' when the
 * daemon refused it for lack of buffer budget, 'H' when the daemon holds
 * the request (no reply within 1 s); a holder keeps its connection open
 * until killed, so the budget stays taken while the parent counts.
 */
static void send_large_and_hold(int fd_report)
{
	static char chunk[512 << 10];
	struct timeval tv = {.tv_sec = 1};
	char buf[4096];
	int fd = raw_connect(&d);

	signal(SIGPIPE, SIG_IGN);
	memset(chunk, ' ', sizeof(chunk));
	chunk[0] = '{';
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	for (int i = 0; i < 7; i++)
		if (send(fd, chunk, sizeof(chunk), MSG_NOSIGNAL) < 0)
			break;
	if (raw_reply(fd, buf, sizeof(buf)) > 0) {
		if (write(fd_report, strstr(buf, "retry later") ? "R" : "?",
			  1) != 1)
			_exit(1);
		_exit(0);
	}
	if (write(fd_report, "H", 1) != 1)
		_exit(1);
	pause();
	_exit(0);
}

TT_TEST(many_large_requests_stay_within_budget)
{
	enum { N = 24 };
	int refused = 0, held = 0, fds[2];
	pid_t kids[N];
	long before, during;

	NEED_DAEMON();
	CHECK(pipe(fds) == 0);
	before = rss_kb(d.pid);
	for (int i = 0; i < N; i++) {
		kids[i] = fork();
		CHECK(kids[i] >= 0);
		if (kids[i] == 0)
			send_large_and_hold(fds[1]);
	}
	for (int i = 0; i < N; i++) {
		char c = 0;

		CHECK(read(fds[0], &c, 1) == 1);
		refused += c == 'R';
		held += c == 'H';
	}
	CHECK(td_ping(&d)); /* small requests are served meanwhile */
	during = rss_kb(d.pid);
	for (int i = 0; i < N; i++) {
		kill(kids[i], SIGKILL);
		waitpid(kids[i], NULL, 0);
	}
	close(fds[0]);
	close(fds[1]);
	/* 64 MiB of budget holds at most 16 requests of 4 MiB. */
	CHECKF(held <= 16 && refused == N - held, "%d held, %d refused of %d",
	       held, refused, N);
	CHECKF(during - before < 100 * 1024, "daemon RSS grew %ld -> %ld kB",
	       before, during);
	CHECK(td_ping(&d));
}

TT_TEST(disconnect_mid_request)
{
	int a, b;

	NEED_DAEMON();
	a = raw_connect(&d);
	b = raw_connect(&d);
	CHECK(a >= 0 && b >= 0);
	CHECK(write(a, "{\"op\":\"sta", 10) == 10);
	CHECK(write(b, "{\"op\":\"deploy\",\"deployment\":{\"na", 32) == 32);
	close(a); /* gone mid-request */
	CHECK(td_ping(&d));
	close(b);
	for (int i = 0; i < 20; i++) { /* many half requests */
		int fd = raw_connect(&d);

		CHECK(fd >= 0);
		CHECK(write(fd, "{\"op\":", 6) == 6);
		close(fd);
	}
	CHECK(td_ping(&d));
}

/* Child as nobody (with extra supplementary groups): the reply code. */
static int deploy_as_nobody(const gid_t *groups, int ngroups, char *code,
			    size_t len)
{
	int fds[2], status;
	pid_t pid;

	if (pipe(fds) < 0)
		return -1;
	pid = fork();
	if (pid == 0) {
		const char *src[] = {PROG},
			   *sel[] = {"{\"max_kernel\":\"2.6\"}"};
		json_t *r, *s;

		close(fds[0]);
		if (setgroups(ngroups, groups) < 0 || setgid(NOGROUP_GID) < 0 ||
		    setuid(NOBODY_UID) < 0)
			_exit(2);
		r = td_deploy(&d, "by_nobody", "t_nobody", "1h", false, 1, src,
			      sel);
		s = td_request(&d, json_pack("{s:s}", "op", "status"));
		dprintf(fds[1], "%s %s",
			r ? (json_is_true(json_object_get(r, "ok"))
				     ? "ok"
				     : td_code(r))
			  : "none",
			s && json_is_true(json_object_get(s, "ok")) ? "ok"
								    : "bad");
		_exit(0);
	}
	close(fds[1]);
	ssize_t n = read(fds[0], code, len - 1);
	code[n > 0 ? n : 0] = '\0';
	close(fds[0]);
	waitpid(pid, &status, 0);
	return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

TT_TEST(authorization)
{
	gid_t adm = 4;
	char code[128];

	NEED_DAEMON();
	CHECK_INT(deploy_as_nobody(NULL, 0, code, sizeof(code)), 0);
	CHECK_STR(code, "permission ok"); /* deploy refused, status open */
	CHECK_INT(deploy_as_nobody(&adm, 1, code, sizeof(code)), 0);
	CHECK_STR(code, "ok ok"); /* the admin group (adm) may deploy */
	json_t *r = td_request(&d, json_pack("{s:s,s:s}", "op", "delete",
					     "name", "by_nobody"));
	CHECK(json_is_true(json_object_get(r, "ok")));
	json_decref(r);
}

TT_TEST(invalid_specs_store_nothing)
{
	static const char *sels[] = {"{\"min_kernel\":\"5.x\"}",
				     "{\"max_kernel\":\"5.18.3.1\"}",
				     "{\"requires\":[\"kprobes\"]}"};
	const char *src[] = {PROG};
	json_t *r;

	NEED_DAEMON();
	r = td_deploy(&d, "bad1", "t", "-5s", false, 1, src, NULL);
	CHECK_STR(td_code(r), "invalid");
	CHECK(strstr(json_string_value(json_object_get(r, "error")), "ttl"));
	json_decref(r);
	r = td_deploy(&d, "bad1", "t", "10m ", false, 1, src, NULL);
	CHECK_STR(td_code(r), "invalid");
	json_decref(r);
	for (size_t i = 0; i < 3; i++) {
		r = td_deploy(&d, "bad1", "t", "10m", false, 1, src, &sels[i]);
		CHECKF(strcmp(td_code(r), "invalid") == 0, "selector %s",
		       sels[i]);
		json_decref(r);
	}
	r = td_status(&d, "bad1");
	CHECK(r == NULL);
}

TT_TEST(no_program_matches_is_skipped)
{
	const char *src[] = {PROG, PROG},
		   *sel[] = {"{\"max_kernel\":\"5.18\"}",
			     "{\"requires\":[\"btf\",\"kprobe\"]}"};
	struct utsname u;
	char want[256];
	json_t *r;

	NEED_DAEMON();
	uname(&u);
	r = td_deploy(&d, "skipper", "t_skip", "1h", false, 2, src, sel);
	CHECK(json_is_true(json_object_get(r, "ok")));
	CHECK_STR(json_string_value(json_object_get(r, "result")), "created");
	CHECK_STR(td_status_str(r, "state"), "skipped");
	CHECK_INT(td_status_int(r, "program"), -1);
	snprintf(want, sizeof(want),
		 "no program matches: program 1 needs max_kernel 5.18, this "
		 "kernel is %.20s",
		 u.release);
	*strchr(want + 60, '-') = '\0'; /* "6.18.44-..." -> "6.18.44" */
	CHECKF(strstr(td_status_str(r, "reason"), want) != NULL, "%s",
	       td_status_str(r, "reason"));
	CHECKF(strstr(td_status_str(r, "reason"),
		      "program 2 needs kprobe, not available on this kernel"),
	       "%s", td_status_str(r, "reason"));
	json_decref(r);
	/* Identical upsert: refreshed, still skipped. */
	r = td_deploy(&d, "skipper", "t_skip", "1h", false, 2, src, sel);
	CHECK_STR(json_string_value(json_object_get(r, "result")), "refreshed");
	CHECK_STR(td_status_str(r, "state"), "skipped");
	json_decref(r);
}

TT_TEST(selectors_pick_program_for_this_kernel)
{
	struct utsname u;
	unsigned maj, min;
	char lo[64], below[64], exact[96];
	json_t *r;

	NEED_DAEMON();
	uname(&u);
	CHECK(sscanf(u.release, "%u.%u", &maj, &min) == 2);
	snprintf(below, sizeof(below), "{\"max_kernel\":\"%u.%u\"}", maj,
		 min ? min - 1 : 0);
	snprintf(lo, sizeof(lo), "{\"min_kernel\":\"%u.%u\"}", maj, min + 1);
	snprintf(exact, sizeof(exact),
		 "{\"min_kernel\":\"%u.%u\",\"max_kernel\":\"%u.%u\","
		 "\"requires\":[\"btf\"]}",
		 maj, min, maj, min);
	const char *src[] = {PROG, PROG, PROG, PROG, PROG};
	const char *sel[] = {below, lo, "{\"requires\":[\"fentry\"]}", exact,
			     NULL};
	r = td_deploy(&d, "picker", "t_pick", "1h", false, 5, src, sel);
	CHECK(json_is_true(json_object_get(r, "ok")));
	CHECKF(td_status_int(r, "program") == 3, "picked %lld: %s",
	       td_status_int(r, "program"), td_status_str(r, "reason"));
	CHECK(strstr(td_status_str(r, "reason"), "program 4 of 5"));
	json_decref(r);
	r = td_request(
		&d, json_pack("{s:s,s:s}", "op", "delete", "name", "picker"));
	CHECK(json_is_true(json_object_get(r, "ok")));
	json_decref(r);
}

TT_TEST(ttl_expiry_terminates)
{
	const char *src[] = {PROG}, *sel[] = {"{\"max_kernel\":\"3\"}"};
	int64_t t0 = td_now_ns();
	json_t *r;

	NEED_DAEMON();
	r = td_deploy(&d, "shortlived", "t_short", "300ms", false, 1, src, sel);
	CHECK(json_is_true(json_object_get(r, "ok")));
	long long exp = td_status_int(r, "expires_ns");
	CHECKF(exp >= t0 + 300000000 && exp <= td_now_ns() + 300000000,
	       "expires_ns %lld", exp);
	json_decref(r);
	td_sleep_ms(300 + 500);
	r = td_status(&d, "shortlived");
	CHECK_STR(td_status_str(r, "state"), "terminated");
	CHECK(strstr(td_status_str(r, "reason"), "ttl 300ms expired"));
	json_decref(r);
}

TT_TEST(restart_after_sigkill_restores)
{
	const char *src[] = {PROG}, *sel[] = {"{\"max_kernel\":\"3\"}"};
	long long created, expires;
	json_t *r;

	NEED_DAEMON();
	r = td_deploy(&d, "survivor", "t_surv", "1h", false, 1, src, sel);
	created = td_status_int(r, "created_ns");
	expires = td_status_int(r, "expires_ns");
	json_decref(r);
	json_decref(td_deploy(&d, "ephemeral", "t_eph", "200ms", false, 1, src,
			      sel));
	CHECK_INT(td_stop(&d, SIGKILL), 128 + SIGKILL);
	td_sleep_ms(400);
	CHECK_INT(td_start(&d), 0);
	r = td_status(&d, "survivor");
	CHECK(r != NULL);
	CHECK_INT(td_status_int(r, "created_ns"), created);
	CHECK_INT(td_status_int(r, "expires_ns"), expires);
	CHECK_STR(td_status_str(r, "state"), "skipped");
	json_decref(r);
	r = td_status(&d, "ephemeral");
	CHECK_STR(td_status_str(r, "state"), "terminated");
	json_decref(r);
}

TT_TEST(delete_and_drop_errors)
{
	json_t *r;

	NEED_DAEMON();
	r = td_request(
		&d, json_pack("{s:s,s:s}", "op", "delete", "name", "no_such"));
	CHECK_STR(td_code(r), "not_found");
	json_decref(r);
	r = td_request(&d, json_pack("{s:s,s:s}", "op", "drop", "table",
				     "no_such_table"));
	CHECK_STR(td_code(r), "not_found");
	json_decref(r);
	r = td_request(
		&d, json_pack("{s:s,s:s}", "op", "schema", "table", "../etc"));
	CHECK(!json_is_true(json_object_get(r, "ok")));
	json_decref(r);
	r = td_request(&d, json_pack("{s:s}", "op", "list"));
	CHECK(json_is_array(json_object_get(r, "tables")));
	json_decref(r);
}

TT_TEST(sigterm_stops_cleanly)
{
	struct stat st;

	NEED_DAEMON();
	CHECK_INT(td_stop(&d, SIGTERM), 0);
	CHECKF(stat(d.sock, &st) < 0, "socket %s left behind", d.sock);
}

static void teardown(void) __attribute__((destructor));
static void teardown(void)
{
	td_cleanup(&d);
}

TT_MAIN("daemon/control", TT_CASE(ping_and_version),
	TT_CASE(malformed_requests_keep_connection),
	TT_CASE(huge_message_rejected_others_served),
	TT_CASE(many_large_requests_stay_within_budget),
	TT_CASE(disconnect_mid_request), TT_CASE(authorization),
	TT_CASE(invalid_specs_store_nothing),
	TT_CASE(no_program_matches_is_skipped),
	TT_CASE(selectors_pick_program_for_this_kernel),
	TT_CASE(ttl_expiry_terminates), TT_CASE(restart_after_sigkill_restores),
	TT_CASE(delete_and_drop_errors), TT_CASE(sigterm_stops_cleanly))
