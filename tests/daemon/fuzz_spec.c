/*
 * tests/daemon/fuzz_spec.c - libFuzzer target for what the daemon parses
 * from untrusted clients before any kernel work: deployment specs (JSON),
 * TTL strings and kernel versions, and program selection on the result.
 * Every input must give 0 or -EINVAL with a message, never a crash, a
 * sanitizer report or a leak.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "daemon/spec.h"

static const struct ttd_node node = {
	.kernel = {6, 18, 44},
	.host_name = "fuzz-node",
	.features = TTD_FEAT_BTF | TTD_FEAT_UPROBE,
};

static void fuzz_strings(const uint8_t *data, size_t size)
{
	char *s = malloc(size + 1);
	struct ttd_version v;
	uint64_t ns;

	if (!s)
		return;
	memcpy(s, data, size);
	s[size] = '\0';
	if (ttd_ttl__parse(s, &ns) == 0 && strcmp(s, "none") != 0 && ns == 0)
		abort(); /* only "none" means no expiry */
	if (ttd_version__parse(s, &v) == 0 && (v.nparts < 1 || v.nparts > 3))
		abort();
	free(s);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	json_t *j = json_loadb((const char *)data, size, 0, NULL);
	struct ttd_spec spec, again;
	char err[512], why[1024];

	fuzz_strings(data, size);
	if (!j)
		return 0;
	err[0] = '\0';
	if (ttd_spec__parse(j, &spec, err, sizeof(err)) == 0) {
		int idx = ttd_spec__select(&spec, &node, why, sizeof(why));

		if (idx >= (int)spec.nprogs || !why[0])
			abort();
		/* The canonical form parses to the same probes. */
		if (ttd_spec__parse(spec.canon, &again, err, sizeof(err)) !=
			    0 ||
		    !ttd_spec__same_probes(&spec, &again))
			abort();
		ttd_spec__release(&again);
		ttd_spec__release(&spec);
	} else if (!err[0]) {
		abort(); /* a rejection always says why */
	}
	json_decref(j);
	return 0;
}
