/*
 * daemon/notify.c - the service-manager side of tracetabd.
 *
 * Readiness follows systemd's notify protocol without libsystemd: one
 * datagram with "KEY=VALUE" lines to the AF_UNIX socket named by
 * $NOTIFY_SOCKET. tracetabd sends READY=1 once its control socket accepts
 * requests and every restored deployment is attached, so a unit ordered
 * after tracetabd.service can deploy immediately.
 */
#include "daemon/notify.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <stddef.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

int ttd_notify__send(const char *state)
{
	const char *path = getenv("NOTIFY_SOCKET");
	struct sockaddr_un addr = {.sun_family = AF_UNIX};
	size_t len;
	ssize_t n;
	int fd;

	if (!path || !*path)
		return 0;
	len = strlen(path);
	if ((path[0] != '/' && path[0] != '@') || len >= sizeof(addr.sun_path))
		return -EINVAL;
	memcpy(addr.sun_path, path, len);
	if (path[0] == '@')
		addr.sun_path[0] = '\0'; /* abstract namespace */
	fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	n = sendto(fd, state, strlen(state), MSG_NOSIGNAL,
		   (struct sockaddr *)&addr,
		   offsetof(struct sockaddr_un, sun_path) + len);
	n = n < 0 ? -errno : 0;
	close(fd);
	return (int)n;
}

void ttd_notify__stdio_guard(void)
{
	for (int fd = 0; fd < 3; fd++) {
		if (fcntl(fd, F_GETFD) >= 0 || errno != EBADF)
			continue;
		int nul = open("/dev/null", O_RDWR);

		/* open returns the lowest free fd, which is this one */
		if (nul >= 0 && nul != fd) {
			dup2(nul, fd);
			close(nul);
		}
	}
}
