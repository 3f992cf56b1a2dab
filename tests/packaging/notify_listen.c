/*
 * tests/packaging/notify_listen.c - stands in for systemd's end of
 * $NOTIFY_SOCKET (sd_notify(3)) so that the package test can see whether
 * tracetabd tells the service manager it is ready, as Type=notify needs.
 *
 *     notify_listen PATH SECONDS
 *
 * Binds a unix datagram socket at PATH, prints every message it receives
 * (one "notify: ..." line per datagram) and exits 0 as soon as one carries
 * a READY=1 line, or 1 when SECONDS pass without one.
 */
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

static int has_ready(const char *msg)
{
	const char *p = msg;

	for (; p; p = strchr(p, '\n'), p = p ? p + 1 : NULL)
		if (!strncmp(p, "READY=1", 7) && (p[7] == '\n' || !p[7]))
			return 1;
	return 0;
}

int main(int argc, char **argv)
{
	struct sockaddr_un sun = { .sun_family = AF_UNIX };
	struct timespec now, end;
	char buf[4096];
	int fd;

	if (argc != 3 || strlen(argv[1]) >= sizeof(sun.sun_path))
		return fprintf(stderr, "usage: %s PATH SECONDS\n", argv[0]), 2;
	strcpy(sun.sun_path, argv[1]);
	fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	unlink(argv[1]);
	if (fd < 0 || bind(fd, (struct sockaddr *)&sun, sizeof(sun)) < 0)
		return perror(argv[1]), 2;
	clock_gettime(CLOCK_MONOTONIC, &end);
	end.tv_sec += atoi(argv[2]);
	for (;;) {
		struct pollfd pfd = { .fd = fd, .events = POLLIN };
		long ms;
		ssize_t n;

		clock_gettime(CLOCK_MONOTONIC, &now);
		ms = (end.tv_sec - now.tv_sec) * 1000 +
		     (end.tv_nsec - now.tv_nsec) / 1000000;
		if (ms <= 0 || poll(&pfd, 1, (int)ms) == 0)
			break;
		n = recv(fd, buf, sizeof(buf) - 1, 0);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			return perror("recv"), 2;
		}
		buf[n] = 0;
		printf("notify: %s\n", buf);
		fflush(stdout);
		if (has_ready(buf))
			return 0;
	}
	fprintf(stderr, "no READY=1 within %s s\n", argv[2]);
	return 1;
}
