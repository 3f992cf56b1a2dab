/*
 * test_macros.c - the built-in constant table against the system headers:
 * every entry that the C library also defines must have its value.
 */
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include "bpf/macros.h"
#include "tests/tt_test.h"

#define C(x)                     \
	{                        \
#x, (int64_t)(x) \
	}

/* O_LARGEFILE is 0 in 64-bit glibc but 0100000 in the kernel ABI. */
static const struct {
	const char *name;
	int64_t value;
} sys[] = {
	C(AF_UNSPEC),
	C(AF_UNIX),
	C(AF_LOCAL),
	C(AF_INET),
	C(AF_INET6),
	C(AF_NETLINK),
	C(AF_PACKET),
	C(AF_BLUETOOTH),
	C(AF_VSOCK),
	C(AF_XDP),
	C(PF_INET),
	C(PF_INET6),
	C(PF_UNIX),
	C(SOCK_STREAM),
	C(SOCK_DGRAM),
	C(SOCK_RAW),
	C(SOCK_SEQPACKET),
	C(SOCK_NONBLOCK),
	C(SOCK_CLOEXEC),
	C(IPPROTO_IP),
	C(IPPROTO_ICMP),
	C(IPPROTO_TCP),
	C(IPPROTO_UDP),
	C(IPPROTO_IPV6),
	C(IPPROTO_ICMPV6),
	C(IPPROTO_SCTP),
	C(IPPROTO_RAW),
	C(IPPROTO_GRE),
	C(IPPROTO_UDPLITE),
	C(IPPROTO_MPTCP),
	C(O_RDONLY),
	C(O_WRONLY),
	C(O_RDWR),
	C(O_ACCMODE),
	C(O_CREAT),
	C(O_EXCL),
	C(O_NOCTTY),
	C(O_TRUNC),
	C(O_APPEND),
	C(O_NONBLOCK),
	C(O_NDELAY),
	C(O_DSYNC),
	C(O_ASYNC),
	C(O_DIRECT),
	C(O_DIRECTORY),
	C(O_NOFOLLOW),
	C(O_NOATIME),
	C(O_CLOEXEC),
	C(O_SYNC),
	C(O_PATH),
	C(O_TMPFILE),
	C(AT_FDCWD),
	C(SIGHUP),
	C(SIGINT),
	C(SIGQUIT),
	C(SIGILL),
	C(SIGTRAP),
	C(SIGABRT),
	C(SIGBUS),
	C(SIGFPE),
	C(SIGKILL),
	C(SIGUSR1),
	C(SIGSEGV),
	C(SIGUSR2),
	C(SIGPIPE),
	C(SIGALRM),
	C(SIGTERM),
	C(SIGSTKFLT),
	C(SIGCHLD),
	C(SIGCONT),
	C(SIGSTOP),
	C(SIGTSTP),
	C(SIGTTIN),
	C(SIGTTOU),
	C(SIGURG),
	C(SIGXCPU),
	C(SIGXFSZ),
	C(SIGVTALRM),
	C(SIGPROF),
	C(SIGWINCH),
	C(SIGIO),
	C(SIGPOLL),
	C(SIGPWR),
	C(SIGSYS),
	C(EPERM),
	C(ENOENT),
	C(ESRCH),
	C(EINTR),
	C(EIO),
	C(EAGAIN),
	C(EWOULDBLOCK),
	C(ENOMEM),
	C(EACCES),
	C(EFAULT),
	C(EBUSY),
	C(EEXIST),
	C(EINVAL),
	C(ENOSPC),
	C(EPIPE),
	C(ERANGE),
	C(ENOSYS),
	C(ENOTSOCK),
	C(EOPNOTSUPP),
	C(EAFNOSUPPORT),
	C(EADDRINUSE),
	C(EADDRNOTAVAIL),
	C(ENETUNREACH),
	C(ECONNRESET),
	C(ENOBUFS),
	C(ENOTCONN),
	C(ETIMEDOUT),
	C(ECONNREFUSED),
	C(EHOSTUNREACH),
	C(EALREADY),
	C(EINPROGRESS),
	C(ECONNABORTED),
	C(PROT_NONE),
	C(PROT_READ),
	C(PROT_WRITE),
	C(PROT_EXEC),
	C(MAP_SHARED),
	C(MAP_PRIVATE),
	C(MAP_FIXED),
	C(MAP_ANONYMOUS),
	C(S_IFMT),
	C(S_IFSOCK),
	C(S_IFLNK),
	C(S_IFREG),
	C(S_IFBLK),
	C(S_IFDIR),
	C(S_IFCHR),
	C(S_IFIFO),
	C(SEEK_SET),
	C(SEEK_CUR),
	C(SEEK_END),
};

TT_TEST(values_match_headers)
{
	int64_t v;

	for (size_t i = 0; i < sizeof(sys) / sizeof(sys[0]); i++) {
		CHECKF(bt_macro__lookup(sys[i].name, &v) == 0, "%s missing",
		       sys[i].name);
		CHECKF(v == sys[i].value, "%s = %lld, headers say %lld",
		       sys[i].name, (long long)v, (long long)sys[i].value);
	}
}

TT_TEST(names_unique_and_listed)
{
	size_t n = bt_macro__count();
	int64_t v;

	CHECK(n >= sizeof(sys) / sizeof(sys[0]));
	for (size_t i = 0; i < n; i++) {
		const char *a = bt_macro__name(i);

		CHECK(a && *a);
		CHECK_INT(bt_macro__lookup(a, &v), 0);
		for (size_t j = i + 1; j < n; j++)
			CHECKF(strcmp(a, bt_macro__name(j)), "%s twice", a);
	}
	CHECK(bt_macro__name(n) == NULL);
}

TT_TEST(unknown_names)
{
	int64_t v = 42;

	CHECK_INT(bt_macro__lookup("AF_NOSUCH", &v), -ENOENT);
	CHECK_INT(bt_macro__lookup("", &v), -ENOENT);
	CHECK_INT(bt_macro__lookup(NULL, &v), -ENOENT);
	CHECK_INT(bt_macro__lookup("af_inet", &v), -ENOENT);
	CHECK_INT(v, 42);
	CHECK_INT(bt_macro__lookup("TCP_LISTEN", &v), 0);
	CHECK_INT(v, 10);
	CHECK_INT(bt_macro__lookup("O_LARGEFILE", &v), 0);
	CHECK_INT(v, 0100000);
}

TT_MAIN("bpf/macros", TT_CASE(values_match_headers),
	TT_CASE(names_unique_and_listed), TT_CASE(unknown_names))
