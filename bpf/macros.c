/*
 * macros.c - the #define constants of the C headers bpftrace programs
 * include, as one table.
 *
 * BTF carries enums but not preprocessor macros. bpftrace programs use a
 * small, stable set of them (address families, protocols, open flags,
 * signals, errno values, TCP states); their x86-64 Linux values are ABI and
 * never change, so a table is exact. tests/bpf/test_macros.c compares
 * the entries with the C library's headers.
 */
#include <errno.h>
#include <string.h>

#include "bpf/macros.h"

struct macro {
	const char *name;
	int64_t value;
};

static const struct macro macros[] = {
	/* Address families (PF_* are the same numbers). */
	{"AF_UNSPEC", 0},
	{"AF_UNIX", 1},
	{"AF_LOCAL", 1},
	{"AF_INET", 2},
	{"AF_INET6", 10},
	{"AF_NETLINK", 16},
	{"AF_PACKET", 17},
	{"AF_BLUETOOTH", 31},
	{"AF_VSOCK", 40},
	{"AF_XDP", 44},
	{"PF_UNSPEC", 0},
	{"PF_UNIX", 1},
	{"PF_LOCAL", 1},
	{"PF_INET", 2},
	{"PF_INET6", 10},
	{"PF_NETLINK", 16},
	{"PF_PACKET", 17},
	/* Socket types. */
	{"SOCK_STREAM", 1},
	{"SOCK_DGRAM", 2},
	{"SOCK_RAW", 3},
	{"SOCK_RDM", 4},
	{"SOCK_SEQPACKET", 5},
	{"SOCK_NONBLOCK", 04000},
	{"SOCK_CLOEXEC", 02000000},
	/* IP protocols. */
	{"IPPROTO_IP", 0},
	{"IPPROTO_ICMP", 1},
	{"IPPROTO_IGMP", 2},
	{"IPPROTO_TCP", 6},
	{"IPPROTO_UDP", 17},
	{"IPPROTO_IPV6", 41},
	{"IPPROTO_GRE", 47},
	{"IPPROTO_ESP", 50},
	{"IPPROTO_AH", 51},
	{"IPPROTO_ICMPV6", 58},
	{"IPPROTO_SCTP", 132},
	{"IPPROTO_UDPLITE", 136},
	{"IPPROTO_RAW", 255},
	{"IPPROTO_MPTCP", 262},
	/* open(2) flags, octal as in asm-generic/fcntl.h. */
	{"O_RDONLY", 0},
	{"O_WRONLY", 01},
	{"O_RDWR", 02},
	{"O_ACCMODE", 03},
	{"O_CREAT", 0100},
	{"O_EXCL", 0200},
	{"O_NOCTTY", 0400},
	{"O_TRUNC", 01000},
	{"O_APPEND", 02000},
	{"O_NONBLOCK", 04000},
	{"O_NDELAY", 04000},
	{"O_DSYNC", 010000},
	{"O_ASYNC", 020000},
	{"O_DIRECT", 040000},
	{"O_LARGEFILE", 0100000},
	{"O_DIRECTORY", 0200000},
	{"O_NOFOLLOW", 0400000},
	{"O_NOATIME", 01000000},
	{"O_CLOEXEC", 02000000},
	{"O_SYNC", 04010000},
	{"O_PATH", 010000000},
	{"O_TMPFILE", 020200000},
	{"AT_FDCWD", -100},
	/* Signals. */
	{"SIGHUP", 1},
	{"SIGINT", 2},
	{"SIGQUIT", 3},
	{"SIGILL", 4},
	{"SIGTRAP", 5},
	{"SIGABRT", 6},
	{"SIGIOT", 6},
	{"SIGBUS", 7},
	{"SIGFPE", 8},
	{"SIGKILL", 9},
	{"SIGUSR1", 10},
	{"SIGSEGV", 11},
	{"SIGUSR2", 12},
	{"SIGPIPE", 13},
	{"SIGALRM", 14},
	{"SIGTERM", 15},
	{"SIGSTKFLT", 16},
	{"SIGCHLD", 17},
	{"SIGCONT", 18},
	{"SIGSTOP", 19},
	{"SIGTSTP", 20},
	{"SIGTTIN", 21},
	{"SIGTTOU", 22},
	{"SIGURG", 23},
	{"SIGXCPU", 24},
	{"SIGXFSZ", 25},
	{"SIGVTALRM", 26},
	{"SIGPROF", 27},
	{"SIGWINCH", 28},
	{"SIGIO", 29},
	{"SIGPOLL", 29},
	{"SIGPWR", 30},
	{"SIGSYS", 31},
	/* TCP states (include/net/tcp_states.h), for kernels without BTF. */
	{"TCP_ESTABLISHED", 1},
	{"TCP_SYN_SENT", 2},
	{"TCP_SYN_RECV", 3},
	{"TCP_FIN_WAIT1", 4},
	{"TCP_FIN_WAIT2", 5},
	{"TCP_TIME_WAIT", 6},
	{"TCP_CLOSE", 7},
	{"TCP_CLOSE_WAIT", 8},
	{"TCP_LAST_ACK", 9},
	{"TCP_LISTEN", 10},
	{"TCP_CLOSING", 11},
	{"TCP_NEW_SYN_RECV", 12},
	/* errno values. */
	{"EPERM", 1},
	{"ENOENT", 2},
	{"ESRCH", 3},
	{"EINTR", 4},
	{"EIO", 5},
	{"ENXIO", 6},
	{"E2BIG", 7},
	{"ENOEXEC", 8},
	{"EBADF", 9},
	{"ECHILD", 10},
	{"EAGAIN", 11},
	{"EWOULDBLOCK", 11},
	{"ENOMEM", 12},
	{"EACCES", 13},
	{"EFAULT", 14},
	{"EBUSY", 16},
	{"EEXIST", 17},
	{"EXDEV", 18},
	{"ENODEV", 19},
	{"ENOTDIR", 20},
	{"EISDIR", 21},
	{"EINVAL", 22},
	{"ENFILE", 23},
	{"EMFILE", 24},
	{"ENOTTY", 25},
	{"EFBIG", 27},
	{"ENOSPC", 28},
	{"ESPIPE", 29},
	{"EROFS", 30},
	{"EMLINK", 31},
	{"EPIPE", 32},
	{"ERANGE", 34},
	{"EDEADLK", 35},
	{"ENAMETOOLONG", 36},
	{"ENOSYS", 38},
	{"ENOTEMPTY", 39},
	{"ELOOP", 40},
	{"ENOTSOCK", 88},
	{"EOPNOTSUPP", 95},
	{"EAFNOSUPPORT", 97},
	{"EADDRINUSE", 98},
	{"EADDRNOTAVAIL", 99},
	{"ENETDOWN", 100},
	{"ENETUNREACH", 101},
	{"ECONNABORTED", 103},
	{"ECONNRESET", 104},
	{"ENOBUFS", 105},
	{"EISCONN", 106},
	{"ENOTCONN", 107},
	{"ETIMEDOUT", 110},
	{"ECONNREFUSED", 111},
	{"EHOSTUNREACH", 113},
	{"EALREADY", 114},
	{"EINPROGRESS", 115},
	/* mmap(2) and friends. */
	{"PROT_NONE", 0},
	{"PROT_READ", 1},
	{"PROT_WRITE", 2},
	{"PROT_EXEC", 4},
	{"MAP_SHARED", 0x01},
	{"MAP_PRIVATE", 0x02},
	{"MAP_FIXED", 0x10},
	{"MAP_ANONYMOUS", 0x20},
	{"MAP_ANON", 0x20},
	/*
	 * Task states (include/linux/sched.h), the values of task_struct's
	 * __state and sched_switch's prev_state; macros, so not in BTF.
	 */
	{"TASK_RUNNING", 0x0000},
	{"TASK_INTERRUPTIBLE", 0x0001},
	{"TASK_UNINTERRUPTIBLE", 0x0002},
	{"__TASK_STOPPED", 0x0004},
	{"__TASK_TRACED", 0x0008},
	{"EXIT_DEAD", 0x0010},
	{"EXIT_ZOMBIE", 0x0020},
	{"TASK_PARKED", 0x0040},
	{"TASK_DEAD", 0x0080},
	{"TASK_WAKEKILL", 0x0100},
	{"TASK_WAKING", 0x0200},
	{"TASK_NOLOAD", 0x0400},
	{"TASK_NEW", 0x0800},
	{"TASK_KILLABLE", 0x0102},
	{"TASK_STOPPED", 0x0104},
	{"TASK_TRACED", 0x0008},
	{"TASK_IDLE", 0x0402},
	/* File types (st_mode) and lseek. */
	{"S_IFMT", 0170000},
	{"S_IFSOCK", 0140000},
	{"S_IFLNK", 0120000},
	{"S_IFREG", 0100000},
	{"S_IFBLK", 060000},
	{"S_IFDIR", 040000},
	{"S_IFCHR", 020000},
	{"S_IFIFO", 010000},
	{"SEEK_SET", 0},
	{"SEEK_CUR", 1},
	{"SEEK_END", 2},
};

#define NMACROS (sizeof(macros) / sizeof(macros[0]))

int bt_macro__lookup(const char *name, int64_t *value)
{
	for (size_t i = 0; name && i < NMACROS; i++) {
		if (!strcmp(macros[i].name, name)) {
			*value = macros[i].value;
			return 0;
		}
	}
	return -ENOENT;
}

size_t bt_macro__count(void)
{
	return NMACROS;
}

const char *bt_macro__name(size_t i)
{
	return i < NMACROS ? macros[i].name : NULL;
}
