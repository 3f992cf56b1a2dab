/*
 * tests/cluster/fuzz_cluster.c - libFuzzer target over what cluster mode decodes
 * from NATS (daemon/cluster_wire.h): desired-state values turned into the
 * spec the manager deploys (and that spec through the manager's own
 * parser, daemon/spec.c), status-bucket keys, and query reply chunks.
 * Every input must give a result or an error with a sentence, never a
 * crash, a sanitizer report or a leak; the invariants below abort.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "daemon/cluster.h"
#include "daemon/cluster_wire.h"
#include "daemon/spec.h"

#define NOW_NS 1700000000000000000LL

static void fuzz_desired(const uint8_t *data, size_t size)
{
	char err[512] = "", err2[512] = "";
	json_t *val = ttd_wire__desired_parse(data, size, err, sizeof(err));
	json_t *spec = NULL;
	struct ttd_spec parsed;
	uint64_t ns;
	int rc;

	if (!val) {
		if (!err[0])
			abort(); /* a refusal says why */
		return;
	}
	rc = ttd_wire__desired_spec("fuzz-dep", val, NOW_NS, &spec, err,
				    sizeof(err));
	if (rc == 0) {
		const char *ttl =
			json_string_value(json_object_get(spec, "ttl"));

		/* The remaining TTL is one the manager accepts. */
		if (!ttl || ttd_ttl__parse(ttl, &ns) < 0 ||
		    json_object_get(spec, "expires_at") ||
		    strcmp(json_string_value(json_object_get(spec, "name")),
			   "fuzz-dep"))
			abort();
		if (ttd_spec__parse(spec, &parsed, err2, sizeof(err2)) == 0)
			ttd_spec__release(&parsed);
		else if (!err2[0])
			abort();
	} else if (rc == 1) {
		if (spec || json_integer_value(json_object_get(
				    val, "expires_at")) > NOW_NS)
			abort();
	} else if (rc != -EINVAL || spec || !err[0]) {
		abort();
	}
	json_decref(spec);
	json_decref(val);
}

static void fuzz_status_key(const uint8_t *data, size_t size)
{
	char *key = strndup((const char *)data, size > 200 ? 200 : size);
	char node[64];
	const char *rest;

	if (key && ttd_wire__status_key(key, node, &rest) == 0 &&
	    (!ttd_cluster__node_valid(node) || !*rest ||
	     rest != key + strlen(node) + 1))
		abort();
	free(key);
}

static void fuzz_chunk(const uint8_t *data, size_t size)
{
	struct ttd_wire_chunk c;
	const uint8_t *end = data + size;

	if (ttd_wire__chunk_parse(data, size, &c) < 0)
		return;
	if (!ttd_cluster__node_valid(c.node) || c.seq < 0 ||
	    (const uint8_t *)c.payload < data ||
	    (const uint8_t *)c.payload + c.payload_len != end)
		abort();
	/* Read every payload byte: the bounds are real. */
	volatile uint8_t sum = 0;
	for (size_t i = 0; i < c.payload_len; i++)
		sum += ((const uint8_t *)c.payload)[i];
	(void)sum;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	fuzz_desired(data, size);
	fuzz_status_key(data, size);
	fuzz_chunk(data, size);
	return 0;
}
