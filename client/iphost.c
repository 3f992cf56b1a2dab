/*
 * client/iphost.c - ip_host(): address text to host name.
 *
 * Looks in /etc/hosts first (read once), then asks reverse DNS through
 * getnameinfo(NI_NAMEREQD) on a helper thread, waiting at most the given
 * timeout: a slow resolver must not stall a query over millions of rows.
 * Every answer, including "no name" (the address itself), is cached for
 * the life of the process, so each distinct address costs at most one
 * timeout. Entries are never freed: the returned pointers stay valid.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netdb.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>

#include "client/sql.h"

struct host_entry {
	struct host_entry *next;
	char *addr;
	char *name;
};

#define HOST_BUCKETS 1024
static struct host_entry *cache[HOST_BUCKETS];
static pthread_mutex_t cache_lock = PTHREAD_MUTEX_INITIALIZER;
static bool hosts_loaded;

static unsigned bucket(const char *s)
{
	unsigned h = 5381;

	while (*s)
		h = h * 33 + (unsigned char)*s++;
	return h % HOST_BUCKETS;
}

static struct host_entry *cache__find(const char *addr)
{
	for (struct host_entry *e = cache[bucket(addr)]; e; e = e->next)
		if (!strcmp(e->addr, addr))
			return e;
	return NULL;
}

static const char *cache__add(const char *addr, const char *name)
{
	struct host_entry *e = cache__find(addr);

	if (e)
		return e->name;
	e = calloc(1, sizeof(*e));
	if (!e)
		return NULL;
	e->addr = strdup(addr);
	e->name = strdup(name);
	if (!e->addr || !e->name) {
		free(e->addr);
		free(e->name);
		free(e);
		return NULL;
	}
	e->next = cache[bucket(addr)];
	cache[bucket(addr)] = e;
	return e->name;
}

/* /etc/hosts: "addr name [aliases]"; the first name of an address wins. */
static void hosts__load(void)
{
	FILE *f = fopen("/etc/hosts", "re");
	char line[512];

	hosts_loaded = true;
	if (!f)
		return;
	while (fgets(line, sizeof(line), f)) {
		char *save, *addr, *name;

		*strchrnul(line, '#') = 0;
		addr = strtok_r(line, " \t\r\n", &save);
		name = addr ? strtok_r(NULL, " \t\r\n", &save) : NULL;
		if (name)
			cache__add(addr, name);
	}
	fclose(f);
}

struct lookup {
	pthread_mutex_t lock;
	pthread_cond_t done_cond;
	bool done, abandoned;
	struct sockaddr_storage sa;
	socklen_t salen;
	char name[NI_MAXHOST];
	int ret;
};

static void lookup__put(struct lookup *l, bool from_thread)
{
	bool free_it;

	pthread_mutex_lock(&l->lock);
	if (from_thread)
		l->done = true;
	else
		l->abandoned = true;
	free_it = l->done && l->abandoned;
	pthread_cond_signal(&l->done_cond);
	pthread_mutex_unlock(&l->lock);
	if (free_it) {
		pthread_mutex_destroy(&l->lock);
		pthread_cond_destroy(&l->done_cond);
		free(l);
	}
}

static void *lookup__thread(void *arg)
{
	struct lookup *l = arg;

	l->ret = getnameinfo((struct sockaddr *)&l->sa, l->salen, l->name,
			     sizeof(l->name), NULL, 0, NI_NAMEREQD);
	lookup__put(l, true);
	return NULL;
}

static bool parse_addr(const char *addr, struct lookup *l)
{
	struct sockaddr_in *in = (struct sockaddr_in *)&l->sa;
	struct sockaddr_in6 *in6 = (struct sockaddr_in6 *)&l->sa;

	if (inet_pton(AF_INET, addr, &in->sin_addr) == 1) {
		in->sin_family = AF_INET;
		l->salen = sizeof(*in);
		return true;
	}
	if (inet_pton(AF_INET6, addr, &in6->sin6_addr) == 1) {
		in6->sin6_family = AF_INET6;
		l->salen = sizeof(*in6);
		return true;
	}
	return false;
}

/* Reverse DNS with a deadline; writes the name or leaves out empty. */
static void reverse_dns(const char *addr, int timeout_ms, char *out,
			size_t outlen)
{
	struct lookup *l = calloc(1, sizeof(*l));
	pthread_t t;
	struct timespec deadline;

	out[0] = 0;
	if (!l)
		return;
	pthread_mutex_init(&l->lock, NULL);
	pthread_cond_init(&l->done_cond, NULL);
	if (!parse_addr(addr, l) ||
	    pthread_create(&t, NULL, lookup__thread, l)) {
		pthread_mutex_destroy(&l->lock);
		pthread_cond_destroy(&l->done_cond);
		free(l);
		return;
	}
	pthread_detach(t);
	clock_gettime(CLOCK_REALTIME, &deadline);
	deadline.tv_sec += timeout_ms / 1000;
	deadline.tv_nsec += (long)(timeout_ms % 1000) * 1000000;
	if (deadline.tv_nsec >= 1000000000) {
		deadline.tv_sec++;
		deadline.tv_nsec -= 1000000000;
	}
	pthread_mutex_lock(&l->lock);
	while (!l->done && pthread_cond_timedwait(&l->done_cond, &l->lock,
						  &deadline) != ETIMEDOUT)
		;
	if (l->done && l->ret == 0)
		snprintf(out, outlen, "%s", l->name);
	pthread_mutex_unlock(&l->lock);
	lookup__put(l, false);
}

const char *ttq_ip_host(const char *addr, size_t len, int timeout_ms)
{
	char key[INET6_ADDRSTRLEN + 8], name[NI_MAXHOST];
	const char *r;

	if (len >= sizeof(key))
		len = sizeof(key) - 1;
	memcpy(key, addr, len);
	key[len] = 0;
	pthread_mutex_lock(&cache_lock);
	if (!hosts_loaded)
		hosts__load();
	struct host_entry *e = cache__find(key);
	pthread_mutex_unlock(&cache_lock);
	if (e)
		return e->name;
	reverse_dns(key, timeout_ms > 0 ? timeout_ms : 300, name, sizeof(name));
	pthread_mutex_lock(&cache_lock);
	r = cache__add(key, name[0] ? name : key);
	pthread_mutex_unlock(&cache_lock);
	/* Out of memory: answer the address through a static fallback. */
	if (!r) {
		static char fallback[INET6_ADDRSTRLEN + 8];

		snprintf(fallback, sizeof(fallback), "%s", key);
		return fallback;
	}
	return r;
}
