/*
 * daemon/cluster_wire.h - decoding what cluster mode reads from NATS,
 * without a connection: desired-state values, status-bucket keys and
 * query reply chunks (formats in daemon/cluster.h and cluster_query.h).
 *
 * Everything here takes untrusted bytes: anyone allowed on the NATS
 * server can write the buckets a node reads or answer a query. So every
 * function returns a clear error for any input and never crashes;
 * tests/cluster/fuzz_cluster.c fuzzes all of them. No function keeps state.
 */
#ifndef TTD_CLUSTER_WIRE_H
#define TTD_CLUSTER_WIRE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

/*
 * Parses a desired-state value (the JSON object text of a spec). Returns
 * a new reference, or NULL with a sentence in err (not JSON, not an
 * object, "expires_at" not a non-negative integer).
 */
json_t *ttd_wire__desired_parse(const void *data, size_t len, char *err,
				size_t errlen);

/*
 * Builds the spec the manager deploys from a parsed desired value of
 * deployment name, at wall-clock time now_ns: a copy with "name" set and
 * "expires_at" replaced by the remaining "ttl" in milliseconds, rounded up
 * ("none" without expiry or beyond 146 years). Returns 0 and *spec (new
 * reference), 1 when the value has expired already (*spec NULL), or -EINVAL
 * with err.
 */
int ttd_wire__desired_spec(const char *name, const json_t *val, int64_t now_ns,
			   json_t **spec, char *err, size_t errlen);

/*
 * Splits a status-bucket key "<node>.<rest>" (rest: a deployment name or
 * TTD_CLUSTER_NODE_KEY). Returns 0 with node (NUL-terminated, a valid node
 * name) and *rest pointing into key, or -EINVAL.
 */
int ttd_wire__status_key(const char *key, char node[64], const char **rest);

/* One query reply chunk: "<header JSON>\n<payload>". */
struct ttd_wire_chunk {
	char node[64];
	int64_t seq; /* 0, 1, ... per node and query */
	bool last;
	char error[512]; /* the node's error; "" when it answered */
	const void *payload; /* points into the message */
	size_t payload_len;
};

/*
 * Decodes a reply chunk. Returns 0, or -EINVAL when there is no header
 * line, the header is not a JSON object, "node" is missing or not a valid
 * node name, "seq" is not a non-negative integer, "last" not a boolean or
 * "error" neither null nor a string.
 */
int ttd_wire__chunk_parse(const void *data, size_t len,
			  struct ttd_wire_chunk *out);

#endif
