/*
 * daemon/cluster_query.c - answers cluster queries from this node's store.
 *
 * Runs on a libnats delivery thread. That is safe because queries only use
 * the store's lock-free reader API (the same one unprivileged clients
 * use); the loop thread and the manager are never touched. Errors are
 * answered too (one chunk with "error"), so the client can tell a node
 * that failed from a node that is away.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "daemon/cluster_query.h"
#include "daemon/log.h"
#include "tracetab/query.h"

static void reply__chunk(natsConnection *nc, const char *to,
			 const struct ttd_cluster_opts *o, int seq, bool last,
			 const char *error, const void *data, size_t len)
{
	json_t *h = json_pack("{s:s, s:i, s:b, s:s?}", "node", o->node, "seq",
			      seq, "last", last, "error", error);
	char *hs = h ? json_dumps(h, JSON_COMPACT) : NULL;
	size_t hl = hs ? strlen(hs) : 0;
	char *msg = hs ? malloc(hl + 1 + len) : NULL;

	if (msg) {
		memcpy(msg, hs, hl);
		msg[hl] = '\n';
		if (len)
			memcpy(msg + hl + 1, data, len);
		if (natsConnection_Publish(nc, to, msg, (int)(hl + 1 + len)) !=
		    NATS_OK)
			ttd_debug("cluster: query reply not sent");
	}
	free(msg);
	free(hs);
	json_decref(h);
}

static void on_query(natsConnection *nc, natsSubscription *sub, natsMsg *m,
		     void *closure)
{
	const struct ttd_cluster_opts *o = closure;
	const char *to = natsMsg_GetReply(m);
	int len = natsMsg_GetDataLength(m);
	char *sql = strndup(natsMsg_GetData(m) ? natsMsg_GetData(m) : "",
			    len > 0 ? (size_t)len : 0);
	struct ttq_opts qo = {
		.sz = sizeof(qo), .store_dir = o->store_dir, .node = o->node};
	struct ttq_query *q = NULL;
	struct ttq_partial *p = NULL;
	struct ttq_error err = {0};
	void *buf = NULL;
	size_t blen = 0, off = 0;
	int seq = 0, rc = -12;

	(void)sub;
	if (!to || !sql)
		goto out;
	rc = ttq_query__prepare(sql, &qo, &q, &err);
	if (rc == 0)
		rc = ttq_query__run_partial(q, &p, &err);
	if (rc == 0)
		rc = ttq_partial__serialize(p, &buf, &blen);
	if (rc < 0) {
		reply__chunk(nc, to, o, 0, true,
			     err.msg[0] ? err.msg : "query failed", NULL, 0);
		goto out;
	}
	do {
		size_t n = blen - off > TTD_CLUSTER_CHUNK ? TTD_CLUSTER_CHUNK
							  : blen - off;

		reply__chunk(nc, to, o, seq++, off + n >= blen, NULL,
			     (char *)buf + off, n);
		off += n;
	} while (off < blen);
	natsConnection_Flush(nc);
out:
	free(buf);
	ttq_partial__free(p);
	ttq_query__free(q);
	free(sql);
	natsMsg_Destroy(m);
}

natsStatus ttd_cluster_query__subscribe(natsConnection *nc,
					const struct ttd_cluster_opts *o,
					natsSubscription **out)
{
	return natsConnection_Subscribe(out, nc, TTD_CLUSTER_QUERY_SUBJECT,
					on_query, (void *)o);
}
