/*
 * daemon/cluster_wire.c - decoders for cluster-mode messages (see
 * cluster_wire.h).
 *
 * Pure functions over bytes and JSON, so they can be tested and fuzzed
 * without NATS. The rule for all of them: check the type of every member
 * before using it, and bound every copy by the destination.
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "daemon/cluster.h"
#include "daemon/cluster_wire.h"

json_t *ttd_wire__desired_parse(const void *data, size_t len, char *err,
				size_t errlen)
{
	json_error_t jerr;
	json_t *v = json_loadb(data, len, 0, &jerr), *exp;

	if (!v) {
		snprintf(err, errlen, "spec is not JSON: %s", jerr.text);
		return NULL;
	}
	exp = json_object_get(v, "expires_at");
	if (!json_is_object(v))
		snprintf(err, errlen, "spec is not a JSON object");
	else if (exp && (!json_is_integer(exp) || json_integer_value(exp) < 0))
		snprintf(err, errlen,
			 "expires_at must be a non-negative integer (ns)");
	else
		return v;
	json_decref(v);
	return NULL;
}

int ttd_wire__desired_spec(const char *name, const json_t *val, int64_t now_ns,
			   json_t **spec, char *err, size_t errlen)
{
	json_t *exp = json_object_get(val, "expires_at");
	int64_t expires = json_integer_value(exp), left;
	char ttl[32] = "none";

	*spec = NULL;
	if (!json_is_object(val) ||
	    (exp && (!json_is_integer(exp) || expires < 0))) {
		snprintf(err, errlen,
			 "spec is not a JSON object with an "
			 "integer expires_at");
		return -EINVAL;
	}
	left = expires - now_ns; /* no overflow: both >= 0 */
	if (expires && left <= 0)
		return 1; /* expired while we were away */
	/* Beyond the manager's TTL range (146 years) means never (fuzzer). */
	if (expires && left <= INT64_MAX / 2) {
		snprintf(ttl, sizeof(ttl), "%lldms",
			 (long long)(left / 1000000 + (left % 1000000 != 0)));
	}
	*spec = json_deep_copy(val);
	if (!*spec) {
		snprintf(err, errlen, "out of memory");
		return -EINVAL;
	}
	json_object_del(*spec, "expires_at");
	json_object_set_new(*spec, "ttl", json_string(ttl));
	json_object_set_new(*spec, "name", json_string(name));
	return 0;
}

int ttd_wire__status_key(const char *key, char node[64], const char **rest)
{
	const char *dot = key ? strchr(key, '.') : NULL;
	size_t n = dot ? (size_t)(dot - key) : 0;

	if (!dot || n == 0 || n >= 64 || !dot[1])
		return -EINVAL;
	memcpy(node, key, n);
	node[n] = '\0';
	if (!ttd_cluster__node_valid(node))
		return -EINVAL;
	*rest = dot + 1;
	return 0;
}

int ttd_wire__chunk_parse(const void *data, size_t len,
			  struct ttd_wire_chunk *out)
{
	const char *nl = data ? memchr(data, '\n', len) : NULL;
	json_t *h, *node, *seq, *last, *error;
	int rc = -EINVAL;

	memset(out, 0, sizeof(*out));
	if (!nl)
		return -EINVAL;
	h = json_loadb(data, (size_t)(nl - (const char *)data), 0, NULL);
	node = json_object_get(h, "node");
	seq = json_object_get(h, "seq");
	last = json_object_get(h, "last");
	error = json_object_get(h, "error");
	if (json_is_string(node) &&
	    ttd_cluster__node_valid(json_string_value(node)) &&
	    json_is_integer(seq) && json_integer_value(seq) >= 0 &&
	    json_is_boolean(last) &&
	    (!error || json_is_null(error) || json_is_string(error))) {
		snprintf(out->node, sizeof(out->node), "%s",
			 json_string_value(node));
		out->seq = json_integer_value(seq);
		out->last = json_is_true(last);
		snprintf(out->error, sizeof(out->error), "%s",
			 json_string_value(error) ?: "");
		out->payload = nl + 1;
		out->payload_len = len - (size_t)(nl + 1 - (const char *)data);
		rc = 0;
	}
	json_decref(h);
	return rc;
}

int ttd_cluster__node_valid(const char *node)
{
	size_t n = node ? strlen(node) : 0;

	if (n == 0 || n >= 64)
		return 0;
	return strspn(node, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTU"
			    "VWXYZ0123456789_-") == n;
}
