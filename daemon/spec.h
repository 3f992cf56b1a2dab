/*
 * daemon/spec.h - deployment specs: parsing, validation and selection.
 *
 * A spec arrives as JSON (see tracetab/control.h) from a desired-state
 * source. ttd_spec__parse() checks every field strictly and produces both
 * a C view (for selection) and a canonical JSON object that holds only the
 * known members with defaults filled in; the canonical form is what the
 * catalog persists and what upserts compare. Nothing here touches the
 * kernel: the node's facts come in as a struct ttd_node, so selection is
 * unit-testable against any pretend kernel.
 */
#ifndef TTD_SPEC_H
#define TTD_SPEC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "tracetab/control.h"

/* Kernel features a program can require ("requires" selector). */
enum ttd_feature {
	TTD_FEAT_KPROBE = 1u << 0,
	TTD_FEAT_FENTRY = 1u << 1,
	TTD_FEAT_UPROBE = 1u << 2,
	TTD_FEAT_BTF = 1u << 3,
};

/* A kernel version as written in a selector: 1 to 3 components. */
struct ttd_version {
	unsigned nparts;
	unsigned v[3];
};

/* Facts about this node that selectors are matched against. */
struct ttd_node {
	unsigned kernel[3]; /* major, minor, patch */
	char host_name[256];
	unsigned features; /* enum ttd_feature bits available */
};

struct ttd_selectors {
	bool has_min, has_max;
	struct ttd_version min, max;
	const char *host_name; /* NULL: any; points into the canonical JSON */
	unsigned requires; /* enum ttd_feature bits */
};

struct ttd_program_spec {
	const char *source; /* points into the canonical JSON */
	struct ttd_selectors sel;
};

struct ttd_spec {
	char name[TT_CONTROL_NAME_MAX];
	char table[TT_CONTROL_NAME_MAX];
	char ttl[32];
	uint64_t ttl_ns; /* 0: no expiry */
	bool replace_table;
	/*
	 * Maps as tables: snapshot period of exported maps (0: only at
	 * print(@m) and when the deployment ends; default 1000), and whether
	 * a program with printf rows also exports its maps.
	 */
	uint64_t map_interval_ms;
	bool export_maps;
	/*
	 * Unsafe deployments may call signal(), system() and override().
	 * Parsing only reads the field; who may set it is decided where the
	 * request comes in (see spec.c). system()'s commands: at most
	 * system_limit at once, each killed after system_timeout_ns (only
	 * with unsafe; defaults 4 and 10 s).
	 */
	bool unsafe;
	unsigned system_limit;
	uint64_t system_timeout_ns;
	size_t nprogs;
	struct ttd_program_spec progs[TT_CONTROL_MAX_PROGRAMS];
	json_t *canon; /* owned canonical JSON */
};

/*
 * Parses a TTL: "<digits>ms|s|m|h|d" (positive, no sign, no spaces, no
 * trailing characters) or "none" (*ns = 0). Returns 0 or -EINVAL (also for
 * zero and for values that overflow 64-bit nanoseconds).
 */
int ttd_ttl__parse(const char *s, uint64_t *ns);

/*
 * Parses "X", "X.Y" or "X.Y.Z" (decimal, each < 100000, no junk).
 * Returns 0 or -EINVAL.
 */
int ttd_version__parse(const char *s, struct ttd_version *v);

/*
 * Compares the kernel version with v on v's components only, so "5.18"
 * as a maximum covers every 5.18.x. Returns <0, 0 or >0.
 */
int ttd_version__cmp(const unsigned kernel[3], const struct ttd_version *v);

/*
 * Parses and validates a spec object. On success fills *spec (free with
 * ttd_spec__release) and returns 0; otherwise -EINVAL with a sentence in
 * err naming the offending field.
 */
int ttd_spec__parse(const json_t *json, struct ttd_spec *spec, char *err,
		    size_t errlen);
void ttd_spec__release(struct ttd_spec *spec);

/*
 * True when both specs would attach the same probes into the same table
 * (table, programs, map export and unsafe options equal); ttl and
 * replace_table may differ.
 */
bool ttd_spec__same_probes(const struct ttd_spec *a, const struct ttd_spec *b);

/*
 * Picks the first program whose selectors all match node. Returns its
 * index and a reason ("program 1 of 2 matches (min_kernel 5.8)"), or -1
 * with the reason none matched ("no program matches: program 1 needs
 * max_kernel 5.18, this kernel is 6.18.44; ...").
 */
int ttd_spec__select(const struct ttd_spec *spec, const struct ttd_node *node,
		     char *why, size_t whylen);

/* Fills node from uname(2), gethostname(2) and the given feature bits. */
int ttd_node__probe(struct ttd_node *node, unsigned features);

/* "kprobe", "fentry", "uprobe", "btf" for a single bit. */
const char *ttd_feature__name(unsigned bit);

#endif
