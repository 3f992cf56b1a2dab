/*
 * tests/daemon/test_notify.c - tracetabd as a systemd service: it sends
 * READY=1 and STOPPING=1 to $NOTIFY_SOCKET, and it works when started with
 * standard input closed (CI and some supervisors start it that way).
 */
#include "tests/daemon/harness.h"
#include "tests/tt_test.h"

#include <poll.h>
#include <sys/socket.h>
#include <sys/un.h>

/* Binds a datagram socket at path; returns the fd. */
static int notify_socket(const char *path)
{
	struct sockaddr_un a = {.sun_family = AF_UNIX};
	int fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);

	snprintf(a.sun_path, sizeof(a.sun_path), "%s", path);
	unlink(path);
	if (fd < 0 || bind(fd, (struct sockaddr *)&a, sizeof(a)) < 0)
		return -1;
	return fd;
}

/* Waits up to ms for one datagram; returns its text in buf ("" if none). */
static void notify_recv(int fd, char *buf, size_t len, int ms)
{
	struct pollfd p = {.fd = fd, .events = POLLIN};
	ssize_t n = 0;

	buf[0] = '\0';
	if (poll(&p, 1, ms) == 1)
		n = recv(fd, buf, len - 1, 0);
	buf[n > 0 ? n : 0] = '\0';
}

TT_TEST(ready_and_stopping)
{
	struct td d = {0};
	char path[] = "/dev/shm/ttd-notify-XXXXXX", sock[64], msg[128];
	int fd, rc;

	if (geteuid() != 0)
		SKIP("needs root to run tracetabd");
	CHECK(mkdtemp(path));
	snprintf(sock, sizeof(sock), "%s/notify", path);
	fd = notify_socket(sock);
	CHECK(fd >= 0);
	setenv("NOTIFY_SOCKET", sock, 1);
	rc = td_start(&d);
	unsetenv("NOTIFY_SOCKET");
	CHECKF(rc == 0, "tracetabd did not start: %d", rc);
	notify_recv(fd, msg, sizeof(msg), 5000);
	CHECK_STR(msg, "READY=1");
	CHECK_INT(td_stop(&d, SIGTERM), 0);
	notify_recv(fd, msg, sizeof(msg), 5000);
	CHECK_STR(msg, "STOPPING=1");
	close(fd);
	unlink(sock);
	rmdir(path);
	td_cleanup(&d);
}

TT_TEST(closed_stdin_still_ingests)
{
	static const char *const src[] = {
		"tracepoint:syscalls:sys_enter_getppid /pid == $PID/ "
		"{ printf(\"pid:%d\", pid); }"};
	struct td d = {0};
	char prog[256];
	const char *sources[1] = {prog};
	json_t *r;
	int saved, rc;

	if (geteuid() != 0)
		SKIP("needs root to run tracetabd");
	/* The daemon inherits a closed fd 0 from us. */
	saved = dup(0);
	close(0);
	rc = td_start(&d);
	dup2(saved, 0);
	close(saved);
	CHECKF(rc == 0, "tracetabd did not start: %d", rc);
	snprintf(prog, sizeof(prog), "%s", src[0]);
	/* $PID is not bpftrace: substitute our pid by hand. */
	char *at = strstr(prog, "$PID");
	char tail[200];

	snprintf(tail, sizeof(tail), "%s", at + 4);
	snprintf(at, sizeof(prog) - (size_t)(at - prog), "%d%s", getpid(),
		 tail);
	r = td_deploy(&d, "stdin_closed", "t_stdin", "1m", false, 1, sources,
		      NULL);
	CHECKF(r && json_is_true(json_object_get(r, "ok")),
	       "deploy failed: %s", r ? json_dumps(r, 0) : "no reply");
	json_decref(r);
	for (int i = 0; i < 100; i++)
		getppid();
	long long rows = 0;

	for (int i = 0; i < 100 && rows < 100; i++) {
		td_sleep_ms(50);
		r = td_status(&d, "stdin_closed");
		rows = r ? td_status_int(r, "rows") : 0;
		if (i == 99 || rows >= 100)
			CHECK_STR(td_status_str(r, "state"), "running");
		json_decref(r);
	}
	CHECK_INT(rows, 100);
	td_cleanup(&d);
}

TT_MAIN("daemon/notify", TT_CASE(ready_and_stopping),
	TT_CASE(closed_stdin_still_ingests))
