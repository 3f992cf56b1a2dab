/*
 * ttconf_work - the conformance suite's deterministic workload.
 *
 * Every corpus program is run under bpftrace and tracetab at the same time
 * while this program runs once, so both tracers see the very same events.
 * The program is named so that its comm is "ttconf_work", which corpus
 * programs filter on. Each step is done a known number of times so counts
 * are exact: the files opened, the syscalls made, the functions called
 * (uprobes), the USDT probe fired, and one TCP connection over loopback.
 *
 *   ttconf_work [child]     ("child" is the exec'd second process)
 *
 * TTCONF_IO names optional parts to run last (ttconf_io.c: block I/O, an
 * OOM kill, TCP retransmits), for the programs that ask for them.
 *
 * With TTCONF_LINGER set, it prints TTCONF_DONE when the work is done and
 * waits for a signal, so tracers that resolve its addresses at exit (as
 * bpftrace does for uprobe func) still find its mappings.
 *
 * Invariants: no step depends on timing; every file lives under
 * /tmp/ttconf/; functions meant for uprobes are noinline and global so
 * their symbols exist in .symtab.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "tests/bpf/usdt_note.h"

/* Optional parts (ttconf_io.c, ttconf_tls.c), named in TTCONF_IO. */
void ttconf_io__run(const char *parts);
void ttconf_tls__run(const char *parts);

/* A USDT probe site, ttconf:tick, with a semaphore (see usdt_note.h). */
TT_USDT_SEMAPHORE(ttconf_tick_semaphore);

/* uprobe targets: their arguments and return values are checked. */
__attribute__((noinline)) long ttconf_add(long a, long b)
{
	__asm__ __volatile__("" ::: "memory");
	return a + b;
}

__attribute__((noinline)) int ttconf_greet(const char *who)
{
	__asm__ __volatile__("" ::: "memory");
	return (int)strlen(who);
}

static void open_files(void)
{
	static const char *const names[] = {
		"/tmp/ttconf/alpha", "/tmp/ttconf/beta", "/tmp/ttconf/beta",
		"/tmp/ttconf/beta", "/tmp/ttconf/missing"};
	mkdir("/tmp/ttconf", 0755);
	for (int i = 0; i < 2; i++) {
		int fd = open(names[i], O_WRONLY | O_CREAT | O_TRUNC, 0644);
		if (fd >= 0)
			close(fd);
	}
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		int fd = open(names[i], O_RDONLY);
		if (fd >= 0)
			close(fd);
	}
}

static void io(void)
{
	char buf[256] = {0};
	int fd = open("/dev/null", O_WRONLY);
	for (int i = 0; i < 3 && fd >= 0; i++)
		if (write(fd, buf, 100) < 0)
			break;
	if (fd >= 0)
		close(fd);
	fd = open("/dev/zero", O_RDONLY);
	for (int i = 0; i < 2 && fd >= 0; i++)
		if (read(fd, buf, 50) < 0)
			break;
	if (fd >= 0)
		close(fd);
}

static void calls(void)
{
	for (long i = 1; i <= 5; i++)
		syscall(SYS_getppid);
	ttconf_add(1, 2);
	ttconf_add(3, 4);
	ttconf_add(3, 4);
	ttconf_greet("hello");
	for (long i = 1; i <= 3; i++)
		TT_USDT1(ttconf, tick, ttconf_tick_semaphore, i * 10);
}

static void misc(void)
{
	struct stat st;
	struct timespec ts = {0, 1000000};
	stat("/tmp/ttconf/alpha", &st);
	nanosleep(&ts, NULL);
	nanosleep(&ts, NULL);
	kill(getpid(), 0);
	if (setuid(getuid()) < 0)
		perror("setuid");
	sync();
}

static void tcp(void)
{
	struct sockaddr_in a = {.sin_family = AF_INET};
	socklen_t alen = sizeof(a);
	/* run.sh gives each slot its own backlog (tcpsynbl keys by it). */
	const char *bl = getenv("TTCONF_BACKLOG");
	int backlog = bl && atoi(bl) > 0 ? atoi(bl) : 1;
	int l = socket(AF_INET, SOCK_STREAM, 0);
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (l < 0 || bind(l, (void *)&a, sizeof(a)) || listen(l, backlog) ||
	    getsockname(l, (void *)&a, &alen)) {
		perror("tcp listen");
		return;
	}
	int c = socket(AF_INET, SOCK_STREAM, 0);
	if (c >= 0 && connect(c, (void *)&a, sizeof(a)) == 0) {
		int s = accept(l, NULL, NULL);
		if (send(c, "ping", 4, 0) < 0)
			perror("send");
		if (s >= 0)
			close(s);
	}
	if (c >= 0)
		close(c);
	close(l);
}

static void *thread_main(void *arg)
{
	(void)arg;
	return NULL;
}

static void processes(const char *self)
{
	pthread_t t;
	if (pthread_create(&t, NULL, thread_main, NULL) == 0)
		pthread_join(t, NULL);
	pid_t p = fork();
	if (p == 0) {
		/*
		 * argv[0] is this copy's name: run.sh tells slots apart by
		 * it. "child" is copied to the stack: a literal's .rodata page
		 * is not mapped in the forked child until touched, and probes
		 * reading argv (execsnoop, deref_argv) cannot fault it in.
		 */
		char arg[] = "child";
		execl(self, program_invocation_short_name, arg, (char *)NULL);
		_exit(127);
	}
	if (p > 0)
		waitpid(p, NULL, 0);
}

int main(int argc, char **argv)
{
	if (argc > 1 && strcmp(argv[1], "child") == 0)
		return 0;
	open_files();
	io();
	calls();
	misc();
	tcp();
	char self[4096];
	ssize_t n = readlink("/proc/self/exe", self, sizeof(self) - 1);
	if (n > 0) {
		self[n] = 0;
		processes(self);
	}
	ttconf_io__run(getenv("TTCONF_IO"));
	ttconf_tls__run(getenv("TTCONF_IO"));
	if (getenv("TTCONF_LINGER")) {
		printf("TTCONF_DONE\n");
		fflush(stdout);
		pause();
	}
	return 0;
}
