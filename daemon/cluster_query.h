/*
 * daemon/cluster_query.h - the cluster query responder and its wire format.
 *
 * Request: a NATS request on TTD_CLUSTER_QUERY_SUBJECT whose data is the
 * SQL text. Every node answers on the reply subject with one or more
 * chunks, each "<header JSON>\n<payload>", where the header is
 *   {"node":N,"seq":I,"last":true|false,"error":null|"sentence"}
 * and the payloads of one node, concatenated in seq order, are the
 * serialized partial (ttq_partial__serialize) of the query on that node's
 * store. Chunks stay under TTD_CLUSTER_CHUNK bytes so no message reaches
 * NATS's 1 MB default limit.
 *
 * Tail requests go to the same subject as JSON (no SQL starts with '{'):
 *   {"op":"tail","table":T,"cursors":{NODE:ROW_ID,...},"last":N,
 *    "from_start":BOOL}
 * Each node starts at its own cursor, or without one at its last N rows
 * (its oldest with from_start), and answers in the same chunk format with
 * the payload
 *   {"columns":[[NAME,"int"|"uint"|"time"|"string"],...],
 *    "rows":[[V,...],...],"next":ROW_ID,"missed":N,
 *    "more":true (cut short; ask again), "reset":true (cursor beyond the
 *    table's end: it was recreated; rows from its oldest)}
 * or {"error":SENTENCE,"code":"ENOENT"|"EIO"} when the table cannot be
 * read. uint values travel as the int64 with the same bits.
 */
#ifndef TTD_CLUSTER_QUERY_H
#define TTD_CLUSTER_QUERY_H

#include <nats/nats.h>

#include "daemon/cluster.h"

#define TTD_CLUSTER_CHUNK (512u << 10)

/*
 * Subscribes the responder (answers from a libnats thread: the store is
 * read with the lock-free reader API, never through the manager).
 */
natsStatus ttd_cluster_query__subscribe(natsConnection *nc,
					const struct ttd_cluster_opts *o,
					natsSubscription **out);

#endif
