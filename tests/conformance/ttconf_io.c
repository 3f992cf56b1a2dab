/*
 * ttconf_io - the conformance workload's optional parts, for the
 * tracepoint adaptations of Debian's kprobe tools.
 *
 * The parts are named in TTCONF_IO (comma-separated), which run.sh sets
 * from a program's work= directive, because each costs time or leaves
 * traces that every other program can do without:
 *   block    a 64 KiB file written and fsync'ed under /tmp/ttconf/, then
 *            read back with four 4 KiB O_DIRECT reads: block I/O issued
 *            by this process (biolatency, biosnoop, biostacks)
 *   oom      a child in a fresh 32 MiB memory cgroup allocates until the
 *            OOM killer kills it (oomkill)
 *   unix     16 bytes through a UNIX stream socket pair (undump)
 *   retrans  a TCP connection on 127.7.7.7 whose server socket drops what
 *            arrives (a classic BPF filter returning 0), so the client's
 *            data is retransmitted once after the minimum RTO (tcpretrans)
 *
 * Invariants: each part runs to completion or prints why it could not to
 * stderr (a missing part shows as a difference, never as a hang); nothing
 * outlives the workload (the cgroup is removed, sockets are closed); the
 * parts only run when asked for.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/filter.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define BLOCK_FILE "/tmp/ttconf/blockio"
#define BLOCK_SIZE 4096
#define MEMCG_ROOT "/sys/fs/cgroup/memory"
#define MEMCG_LIMIT (32u << 20)
#define RETRANS_ADDR "127.7.7.7"

static void sleep_ms(long ms)
{
	struct timespec ts = {ms / 1000, (ms % 1000) * 1000000};
	while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
		;
}

/* Writes the file (fsync'ed, so it is on disk) and reads it back direct. */
static void block_io(void)
{
	void *buf;
	if (posix_memalign(&buf, BLOCK_SIZE, 16 * BLOCK_SIZE)) {
		perror("ttconf_io block: posix_memalign");
		return;
	}
	memset(buf, 'b', 16 * BLOCK_SIZE);
	mkdir("/tmp/ttconf", 0755);
	int fd = open(BLOCK_FILE, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	if (fd < 0 || write(fd, buf, 16 * BLOCK_SIZE) != 16 * BLOCK_SIZE ||
	    fsync(fd) < 0)
		perror("ttconf_io block: write " BLOCK_FILE);
	if (fd >= 0)
		close(fd);
	fd = open(BLOCK_FILE, O_RDONLY | O_DIRECT);
	if (fd < 0) {
		perror("ttconf_io block: open O_DIRECT");
		free(buf);
		return;
	}
	/* Every other block: no two reads can merge into one request. */
	for (int i = 0; i < 4; i++)
		if (pread(fd, buf, BLOCK_SIZE, (off_t)i * 2 * BLOCK_SIZE) !=
		    BLOCK_SIZE)
			perror("ttconf_io block: pread");
	close(fd);
	free(buf);
}

/* Writes `text` to the file `dir`/`name`; returns 0 or -errno. */
static int write_file(const char *dir, const char *name, const char *text)
{
	char path[256];
	snprintf(path, sizeof(path), "%s/%s", dir, name);
	int fd = open(path, O_WRONLY);
	if (fd < 0)
		return -errno;
	ssize_t n = write(fd, text, strlen(text));
	int err = n < 0 ? -errno : 0;
	close(fd);
	return err;
}

/* The child of oom(): joins the cgroup and touches memory until killed. */
static void oom_child(const char *cg)
{
	char pid[32];
	snprintf(pid, sizeof(pid), "%d\n", getpid());
	if (write_file(cg, "cgroup.procs", pid) < 0)
		_exit(2);
	/* Nothing to reclaim (no page of ours can be evicted and faulted
	 * back): the OOM killer acts at once instead of after seconds of
	 * reclaim retries. */
	mlockall(MCL_CURRENT | MCL_FUTURE);
	for (size_t total = 0; total < 8 * MEMCG_LIMIT; total += 1 << 20) {
		char *p = malloc(1 << 20);
		if (!p)
			_exit(3);
		memset(p, 'o', 1 << 20);
	}
	_exit(4); /* the limit did not hold */
}

/* A child in a memory cgroup of its own is OOM-killed. */
static void oom(void)
{
	char cg[128], limit[32];
	snprintf(cg, sizeof(cg), MEMCG_ROOT "/ttconf_oom_%d", getpid());
	snprintf(limit, sizeof(limit), "%u", MEMCG_LIMIT);
	if (mkdir(cg, 0755) < 0) {
		perror("ttconf_io oom: mkdir " MEMCG_ROOT "/ttconf_oom_*");
		return;
	}
	int err = write_file(cg, "memory.limit_in_bytes", limit);
	if (err == 0) {
		/* No swap may absorb the child: the OOM killer must act. */
		write_file(cg, "memory.swappiness", "0");
		pid_t p = fork();
		if (p == 0)
			oom_child(cg);
		int st = 0;
		if (p > 0 && waitpid(p, &st, 0) == p &&
		    !(WIFSIGNALED(st) && WTERMSIG(st) == SIGKILL))
			fprintf(stderr,
				"ttconf_io oom: child not OOM-killed "
				"(status 0x%x)\n",
				st);
	} else {
		fprintf(stderr, "ttconf_io oom: memory.limit_in_bytes: %s\n",
			strerror(-err));
	}
	/* The cgroup is empty once the child is reaped. */
	for (int i = 0; i < 50 && rmdir(cg) < 0 && errno == EBUSY; i++)
		sleep_ms(10);
}

/* A listening socket on RETRANS_ADDR (any port); fills *a. */
static int retrans_listen(struct sockaddr_in *a)
{
	socklen_t alen = sizeof(*a);
	int l = socket(AF_INET, SOCK_STREAM, 0);
	*a = (struct sockaddr_in){.sin_family = AF_INET};
	inet_pton(AF_INET, RETRANS_ADDR, &a->sin_addr);
	if (l < 0 || bind(l, (void *)a, sizeof(*a)) || listen(l, 1) ||
	    getsockname(l, (void *)a, &alen)) {
		perror("ttconf_io retrans: listen");
		if (l >= 0)
			close(l);
		return -1;
	}
	return l;
}

/* Closes with a reset: no FIN exchange, no retransmit after the part. */
static void close_reset(int fd)
{
	struct linger lg = {.l_onoff = 1, .l_linger = 0};
	setsockopt(fd, SOL_SOCKET, SO_LINGER, &lg, sizeof(lg));
	close(fd);
}

/*
 * The server socket drops every segment once established, so the client's
 * data is never acknowledged: the first retransmit comes after the minimum
 * RTO (200 ms on loopback), the next one not before 600 ms, and both
 * sockets are reset at 400 ms.
 */
static void retrans(void)
{
	struct sock_filter drop = BPF_STMT(BPF_RET | BPF_K, 0);
	struct sock_fprog prog = {.len = 1, .filter = &drop};
	struct sockaddr_in a;
	int l = retrans_listen(&a);
	if (l < 0)
		return;
	int c = socket(AF_INET, SOCK_STREAM, 0);
	int s = -1;
	if (c >= 0 && connect(c, (void *)&a, sizeof(a)) == 0)
		s = accept(l, NULL, NULL);
	if (s < 0 || setsockopt(s, SOL_SOCKET, SO_ATTACH_FILTER, &prog,
				sizeof(prog)) < 0)
		perror("ttconf_io retrans: connect/filter");
	else if (send(c, "lost", 4, 0) != 4)
		perror("ttconf_io retrans: send");
	else
		sleep_ms(400);
	if (s >= 0)
		close_reset(s);
	if (c >= 0)
		close_reset(c);
	close(l);
}

/* Runs the parts named in `parts` (see the top); declared in ttconf_work.c. */
/* Sends one message through a UNIX stream socket pair and reads it. */
static void unix_stream(void)
{
	static const char msg[] = "ttconf unix data";
	char buf[sizeof(msg)];
	int sv[2];
	if (socketpair(AF_UNIX, SOCK_STREAM, 0, sv) < 0) {
		perror("ttconf_io unix: socketpair");
		return;
	}
	if (write(sv[0], msg, sizeof(msg) - 1) != sizeof(msg) - 1 ||
	    read(sv[1], buf, sizeof(buf)) != sizeof(msg) - 1)
		perror("ttconf_io unix: write/read");
	close(sv[0]);
	close(sv[1]);
}

void ttconf_io__run(const char *parts);

void ttconf_io__run(const char *parts)
{
	static const struct {
		const char *name;
		void (*run)(void);
	} all[] = {{"block", block_io},
		   {"oom", oom},
		   {"unix", unix_stream},
		   {"retrans", retrans},
		   {"tls", NULL}}; /* ttconf_tls.c runs it */
	char *list = strdup(parts ? parts : ""), *save = NULL;
	for (char *p = strtok_r(list, ",", &save); p;
	     p = strtok_r(NULL, ",", &save)) {
		size_t i = 0;
		while (i < sizeof(all) / sizeof(all[0]) &&
		       strcmp(all[i].name, p) != 0)
			i++;
		if (i < sizeof(all) / sizeof(all[0])) {
			if (all[i].run)
				all[i].run();
		} else
			fprintf(stderr, "ttconf_io: unknown part '%s'\n", p);
	}
	free(list);
}
