/*
 * provoke - makes the kernel events that the bundled scripts trace, for the
 * end-to-end tests in tests/bpf/scripts_e2e.sh. Each subcommand does one
 * real thing and exits 0 when it did it:
 *
 *   provoke tcp SRC DST PORT BYTES  TCP transfer SRC -> DST:PORT (IPv4 or
 *                                   IPv6 addresses):
 *                                   a server thread on DST:PORT reads
 *                                   BYTES and answers "ok". Over a lossy
 *                                   link it forces retransmits and drops.
 *   provoke nap                     nanosleep(2) and clock_nanosleep(2),
 *                                   10 ms each, as raw syscalls (libc
 *                                   routes nanosleep() to clock_nanosleep).
 *   provoke eat MB                  allocates and touches MB MiB; inside a
 *                                   small memory cgroup the OOM killer
 *                                   ends it.
 *
 * Kept free of test logic: the shell test decides what to expect.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

struct server {
	int lfd;
	long want;
	long got;
};

static int addr__parse(const char *ip, int port, struct sockaddr_storage *ss)
{
	struct sockaddr_in *sin = (struct sockaddr_in *)ss;
	struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)ss;

	memset(ss, 0, sizeof(*ss));
	if (strchr(ip, ':')) {
		sin6->sin6_family = AF_INET6;
		sin6->sin6_port = htons(port);
		return inet_pton(AF_INET6, ip, &sin6->sin6_addr) == 1 ? 0 : -1;
	}
	sin->sin_family = AF_INET;
	sin->sin_port = htons(port);
	return inet_pton(AF_INET, ip, &sin->sin_addr) == 1 ? 0 : -1;
}

static void *server__run(void *arg)
{
	struct server *s = arg;
	char buf[65536];
	int c = accept(s->lfd, NULL, NULL);
	ssize_t n;

	if (c < 0)
		return NULL;
	while ((n = read(c, buf, sizeof(buf))) > 0)
		s->got += n;
	if (write(c, "ok", 2) != 2)
		s->got = -1;
	close(c);
	return NULL;
}

/* Sends in 1000-byte writes with short pauses so that a lossy link sees
 * many segments rather than a few large ones. */
static int client__send(int fd, long bytes)
{
	char buf[1000];
	struct timespec pause = { 0, 1000000 };

	memset(buf, 'x', sizeof(buf));
	while (bytes > 0) {
		size_t len = bytes < (long)sizeof(buf) ? (size_t)bytes : sizeof(buf);
		ssize_t n = write(fd, buf, len);

		if (n < 0)
			return -1;
		bytes -= n;
		nanosleep(&pause, NULL);
	}
	return 0;
}

static int cmd__tcp(const char *src, const char *dst, int port, long bytes)
{
	struct sockaddr_storage lsa, csa, ssa;
	struct server s = { .want = bytes };
	pthread_t th;
	char ok[2];
	int one = 1, fd;

	if (addr__parse(dst, port, &lsa) || addr__parse(src, 0, &csa) ||
	    addr__parse(dst, port, &ssa)) {
		fprintf(stderr, "provoke tcp: bad address\n");
		return 1;
	}
	s.lfd = socket(lsa.ss_family, SOCK_STREAM, 0);
	setsockopt(s.lfd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (bind(s.lfd, (void *)&lsa, sizeof(lsa)) || listen(s.lfd, 1)) {
		perror("provoke tcp: listen");
		return 1;
	}
	pthread_create(&th, NULL, server__run, &s);
	fd = socket(csa.ss_family, SOCK_STREAM, 0);
	if (bind(fd, (void *)&csa, sizeof(csa)) ||
	    connect(fd, (void *)&ssa, sizeof(ssa)) || client__send(fd, bytes) ||
	    shutdown(fd, SHUT_WR) || read(fd, ok, 2) != 2) {
		perror("provoke tcp: transfer");
		return 1;
	}
	close(fd);
	pthread_join(th, NULL);
	close(s.lfd);
	if (s.got != s.want) {
		fprintf(stderr, "provoke tcp: server got %ld of %ld\n", s.got,
			s.want);
		return 1;
	}
	printf("transferred %ld bytes %s -> %s:%d\n", bytes, src, dst, port);
	return 0;
}

static int cmd__nap(void)
{
	struct timespec ts = { 0, 10000000 };

	if (syscall(SYS_nanosleep, &ts, NULL) ||
	    syscall(SYS_clock_nanosleep, CLOCK_MONOTONIC, 0, &ts, NULL)) {
		perror("provoke nap");
		return 1;
	}
	return 0;
}

static int cmd__eat(long mb)
{
	for (long i = 0; i < mb; i++) {
		char *p = malloc(1 << 20);

		if (!p) {
			fprintf(stderr, "provoke eat: malloc failed at %ld MiB\n",
				i);
			return 1;
		}
		memset(p, 1, 1 << 20);
	}
	printf("ate %ld MiB and was not killed\n", mb);
	return 0;
}

int main(int argc, char **argv)
{
	if (argc == 6 && !strcmp(argv[1], "tcp"))
		return cmd__tcp(argv[2], argv[3], atoi(argv[4]),
				atol(argv[5]));
	if (argc == 2 && !strcmp(argv[1], "nap"))
		return cmd__nap();
	if (argc == 3 && !strcmp(argv[1], "eat"))
		return cmd__eat(atol(argv[2]));
	fprintf(stderr, "usage: provoke tcp SRC DST PORT BYTES | nap | eat MB\n");
	return 2;
}
