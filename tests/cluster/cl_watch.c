/*
 * tests/cluster/cl_watch.c - prints every change of the cluster status
 * bucket with the NATS server's timestamp, for the cluster benchmark.
 *
 * usage: cl-watch URL
 * One line per change, flushed at once:
 *   <server ns> put <node>.<deployment> <state> <expires_ns> <value bytes>
 *   <server ns> del <node>.<deployment> - - 0
 * Liveness keys (<node>._node, every second on every node) come out as
 * puts with state "-". "ready" is printed once the bucket's current values have
 * been listed, so a caller can start measuring after it. Runs until
 * killed. The timestamps are those of the server's stream, so they say
 * when a node's status reached the bucket, with no polling delay.
 */
#include <signal.h>
#include <stdio.h>
#include <string.h>

#include <jansson.h>
#include <nats/nats.h>

#include "daemon/cluster.h"

static volatile sig_atomic_t stop;

static void on_term(int sig)
{
	(void)sig;
	stop = 1;
}

static void entry__print(kvEntry *e)
{
	const char *key = kvEntry_Key(e);
	json_t *v = NULL;

	if (kvEntry_Operation(e) == kvOp_Put)
		v = json_loads(kvEntry_ValueString(e), 0, NULL);
	if (v)
		printf("%lld put %s %s %lld %d\n",
		       (long long)kvEntry_Created(e), key,
		       json_string_value(json_object_get(v, "state")) ?: "-",
		       (long long)json_integer_value(
			       json_object_get(v, "expires_ns")),
		       kvEntry_ValueLen(e));
	else
		printf("%lld del %s - - 0\n", (long long)kvEntry_Created(e),
		       key);
	fflush(stdout);
	json_decref(v);
}

int main(int argc, char **argv)
{
	natsConnection *nc = NULL;
	jsCtx *js = NULL;
	kvStore *kv = NULL;
	kvWatcher *w = NULL;
	natsStatus s;

	if (argc != 2) {
		fprintf(stderr, "usage: cl-watch URL\n");
		return 2;
	}
	signal(SIGTERM, on_term);
	signal(SIGINT, on_term);
	s = natsConnection_ConnectTo(&nc, argv[1]);
	if (s == NATS_OK)
		s = natsConnection_JetStream(&js, nc, NULL);
	if (s == NATS_OK)
		s = js_KeyValue(&kv, js, TTD_CLUSTER_STATUS);
	if (s == NATS_OK)
		s = kvStore_WatchAll(&w, kv, NULL);
	while (s == NATS_OK && !stop) {
		kvEntry *e = NULL;

		s = kvWatcher_Next(&e, w, 100);
		if (s == NATS_TIMEOUT) {
			s = NATS_OK;
			continue;
		}
		if (s == NATS_OK && !e) {
			printf("ready\n");
			fflush(stdout);
		} else if (s == NATS_OK) {
			entry__print(e);
			kvEntry_Destroy(e);
		}
	}
	if (s != NATS_OK)
		fprintf(stderr, "cl-watch: %s\n", natsStatus_GetText(s));
	kvWatcher_Destroy(w);
	kvStore_Destroy(kv);
	jsCtx_Destroy(js);
	natsConnection_Destroy(nc);
	nats_Close();
	return s == NATS_OK ? 0 : 1;
}
