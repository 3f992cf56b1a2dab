/*
 * daemon/spec.c - deployment spec parsing, validation and selection.
 *
 * Parsing is strict because a spec is applied unattended on every node: a
 * typo in a TTL or version must be an error at deploy time, not a probe
 * that silently never expires or never matches. The canonical JSON built
 * here contains only the members we understood, with defaults made
 * explicit, so two specs compare equal exactly when they mean the same.
 *
 * Unsafe deployments. "unsafe": true lets a deployment's programs call
 * signal(), system() and override() (bpftrace's --unsafe). Those run
 * arbitrary commands as root and kill or alter arbitrary processes, so
 * the field is a root-level power, not an admin-group one, and the
 * operator of each node has the last word:
 *   - tracetabd refuses every unsafe deployment unless it was started
 *     with --allow-unsafe (manager.c); this is the only rule for specs
 *     from the cluster, which carry no caller, and it also holds when a
 *     saved unsafe deployment is restored after a restart without it;
 *   - on the local control socket the caller must also be root (uid 0):
 *     the admin group may deploy, but not unsafe (control_server.c).
 * A refused request names the rule it broke. "system_limit" (1..64,
 * default 4) and "system_timeout" (a duration up to 1h, default 10s)
 * bound system()'s commands and need "unsafe": true. The canonical form
 * carries the three members only for unsafe specs, so the canonical form
 * of every other spec is what it always was.
 */
#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/utsname.h>
#include <unistd.h>

#include "daemon/runner.h"
#include "daemon/spec.h"

static const struct {
	const char *name;
	unsigned bit;
} features[] = {
	{"kprobe", TTD_FEAT_KPROBE},
	{"fentry", TTD_FEAT_FENTRY},
	{"uprobe", TTD_FEAT_UPROBE},
	{"btf", TTD_FEAT_BTF},
};

const char *ttd_feature__name(unsigned bit)
{
	for (size_t i = 0; i < sizeof(features) / sizeof(features[0]); i++)
		if (features[i].bit == bit)
			return features[i].name;
	return "?";
}

static int feature__parse(const char *s)
{
	for (size_t i = 0; i < sizeof(features) / sizeof(features[0]); i++)
		if (strcmp(features[i].name, s) == 0)
			return features[i].bit;
	return -EINVAL;
}

int ttd_ttl__parse(const char *s, uint64_t *ns)
{
	static const struct {
		const char *suffix;
		uint64_t mult;
	} units[] = {
		{"ms", 1000000ull},	  {"s", 1000000000ull},
		{"m", 60000000000ull},	  {"h", 3600000000000ull},
		{"d", 86400000000000ull},
	};
	uint64_t n = 0;
	const char *p = s;

	if (!s)
		return -EINVAL;
	if (strcmp(s, "none") == 0) {
		*ns = 0;
		return 0;
	}
	if (!isdigit((unsigned char)*p))
		return -EINVAL;
	for (; isdigit((unsigned char)*p); p++) {
		if (n > (UINT64_MAX - 9) / 10)
			return -EINVAL;
		n = n * 10 + (*p - '0');
	}
	for (size_t i = 0; i < sizeof(units) / sizeof(units[0]); i++) {
		if (strcmp(p, units[i].suffix) != 0)
			continue;
		/* Keep expiries representable as int64 wall-clock ns. */
		if (n == 0 || n > (uint64_t)INT64_MAX / 2 / units[i].mult)
			return -EINVAL;
		*ns = n * units[i].mult;
		return 0;
	}
	return -EINVAL;
}

int ttd_version__parse(const char *s, struct ttd_version *v)
{
	const char *p = s;

	if (!s)
		return -EINVAL;
	memset(v, 0, sizeof(*v));
	for (;;) {
		unsigned n = 0;
		const char *start = p;

		if (v->nparts == 3)
			return -EINVAL;
		for (; isdigit((unsigned char)*p); p++) {
			n = n * 10 + (*p - '0');
			if (n >= 100000)
				return -EINVAL;
		}
		if (p == start)
			return -EINVAL;
		v->v[v->nparts++] = n;
		if (*p == '\0')
			return 0;
		if (*p++ != '.')
			return -EINVAL;
	}
}

int ttd_version__cmp(const unsigned kernel[3], const struct ttd_version *v)
{
	for (unsigned i = 0; i < v->nparts; i++) {
		if (kernel[i] != v->v[i])
			return kernel[i] < v->v[i] ? -1 : 1;
	}
	return 0;
}

static void seterr(char *err, size_t errlen, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
static void seterr(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
}

static bool name__valid(const char *s, const char *extra)
{
	size_t n = strlen(s);

	if (n == 0 || n >= TT_CONTROL_NAME_MAX)
		return false;
	if (!isalpha((unsigned char)s[0]) && s[0] != '_')
		return false;
	for (size_t i = 1; i < n; i++)
		if (!isalnum((unsigned char)s[i]) && s[i] != '_' &&
		    !strchr(extra, s[i]))
			return false;
	return true;
}

/* Reads an optional string member; -EINVAL when present but not a string. */
static int get_str(const json_t *obj, const char *key, const char **out)
{
	json_t *v = json_object_get(obj, key);

	*out = NULL;
	if (!v || json_is_null(v))
		return 0;
	if (!json_is_string(v))
		return -EINVAL;
	*out = json_string_value(v);
	return 0;
}

static int version__member(const json_t *sel, const char *key, int prog,
			   bool *has, struct ttd_version *v, json_t *canon,
			   char *err, size_t errlen)
{
	const char *s;

	if (get_str(sel, key, &s) < 0) {
		seterr(err, errlen, "program %d: %s must be a string", prog,
		       key);
		return -EINVAL;
	}
	if (!s)
		return 0;
	if (ttd_version__parse(s, v) < 0) {
		seterr(err, errlen,
		       "program %d: %s \"%.40s\" is not a kernel version "
		       "(X, X.Y or X.Y.Z)",
		       prog, key, s);
		return -EINVAL;
	}
	*has = true;
	json_object_set_new(canon, key, json_string(s));
	return 0;
}

static int requires__parse(const json_t *sel, int prog, unsigned *bits,
			   json_t *canon, char *err, size_t errlen)
{
	json_t *req = json_object_get(sel, "requires"), *v;
	size_t i;

	*bits = 0;
	if (!req || json_is_null(req))
		return 0;
	if (!json_is_array(req)) {
		seterr(err, errlen, "program %d: requires must be an array",
		       prog);
		return -EINVAL;
	}
	json_array_foreach(req, i, v)
	{
		int bit = json_is_string(v)
				  ? feature__parse(json_string_value(v))
				  : -EINVAL;
		if (bit < 0) {
			seterr(err, errlen,
			       "program %d: requires[%zu] is not one of "
			       "kprobe, fentry, uprobe, btf",
			       prog, i);
			return -EINVAL;
		}
		*bits |= bit;
	}
	/* Canonical order: the feature table's, without duplicates. */
	json_t *arr = json_array();
	for (size_t k = 0; k < sizeof(features) / sizeof(features[0]); k++)
		if (*bits & features[k].bit)
			json_array_append_new(arr,
					      json_string(features[k].name));
	json_object_set_new(canon, "requires", arr);
	return 0;
}

static int selectors__parse(const json_t *sel, int prog,
			    struct ttd_selectors *out, json_t *canon, char *err,
			    size_t errlen)
{
	memset(out, 0, sizeof(*out));
	if (!sel || json_is_null(sel))
		return 0;
	if (!json_is_object(sel)) {
		seterr(err, errlen, "program %d: selectors must be an object",
		       prog);
		return -EINVAL;
	}
	if (version__member(sel, "min_kernel", prog, &out->has_min, &out->min,
			    canon, err, errlen) < 0 ||
	    version__member(sel, "max_kernel", prog, &out->has_max, &out->max,
			    canon, err, errlen) < 0)
		return -EINVAL;
	if (get_str(sel, "host_name", &out->host_name) < 0 ||
	    (out->host_name && !out->host_name[0])) {
		seterr(err, errlen,
		       "program %d: host_name must be a non-empty string",
		       prog);
		return -EINVAL;
	}
	if (out->host_name) {
		json_object_set_new(canon, "host_name",
				    json_string(out->host_name));
		/* Point into canon, which outlives the request. */
		out->host_name =
			json_string_value(json_object_get(canon, "host_name"));
	}
	return requires__parse(sel, prog, &out->requires, canon, err, errlen);
}

static int program__parse(const json_t *p, int prog,
			  struct ttd_program_spec *out, json_t *canon_progs,
			  char *err, size_t errlen)
{
	json_t *canon, *sel;
	const char *src;

	if (!json_is_object(p)) {
		seterr(err, errlen, "program %d must be an object", prog);
		return -EINVAL;
	}
	if (get_str(p, "source", &src) < 0 || !src || !src[0]) {
		seterr(err, errlen,
		       "program %d: source must be a non-empty string", prog);
		return -EINVAL;
	}
	if (strlen(src) > TT_CONTROL_MAX_SOURCE) {
		seterr(err, errlen, "program %d: source is over %u bytes", prog,
		       TT_CONTROL_MAX_SOURCE);
		return -EINVAL;
	}
	canon = json_object();
	sel = json_object();
	json_object_set_new(canon, "source", json_string(src));
	json_object_set_new(canon, "selectors", sel);
	json_array_append_new(canon_progs, canon);
	out->source = json_string_value(json_object_get(canon, "source"));
	return selectors__parse(json_object_get(p, "selectors"), prog,
				&out->sel, sel, err, errlen);
}

static int header__parse(const json_t *j, struct ttd_spec *spec, char *err,
			 size_t errlen)
{
	const char *name, *table, *ttl;
	json_t *rt = json_object_get(j, "replace_table");

	if (get_str(j, "name", &name) < 0 || !name ||
	    !name__valid(name, ".-")) {
		seterr(err, errlen,
		       "name must be a string of letters, digits, _ . - "
		       "starting with a letter or _, under %d bytes",
		       TT_CONTROL_NAME_MAX);
		return -EINVAL;
	}
	if (get_str(j, "table", &table) < 0 || !table ||
	    !name__valid(table, "")) {
		seterr(err, errlen,
		       "table must be a string of letters, digits and _ "
		       "starting with a letter or _, under %d bytes",
		       TT_CONTROL_NAME_MAX);
		return -EINVAL;
	}
	if (get_str(j, "ttl", &ttl) < 0) {
		seterr(err, errlen, "ttl must be a string");
		return -EINVAL;
	}
	if (!ttl)
		ttl = "none";
	if (strlen(ttl) >= sizeof(spec->ttl) ||
	    ttd_ttl__parse(ttl, &spec->ttl_ns) < 0) {
		seterr(err, errlen,
		       "ttl \"%.31s\" is not a duration: use <N>ms, <N>s, "
		       "<N>m, <N>h, <N>d with N > 0, or none",
		       ttl);
		return -EINVAL;
	}
	if (rt && !json_is_boolean(rt)) {
		seterr(err, errlen, "replace_table must be true or false");
		return -EINVAL;
	}
	snprintf(spec->name, sizeof(spec->name), "%s", name);
	snprintf(spec->table, sizeof(spec->table), "%s", table);
	snprintf(spec->ttl, sizeof(spec->ttl), "%s", ttl);
	spec->replace_table = rt && json_is_true(rt);
	return 0;
}

/* The longest map snapshot period: a day. */
#define MAP_INTERVAL_MAX_MS 86400000ull

/*
 * Map export options: "map_interval_ms" (integer) or "map_interval" (a
 * duration like a TTL, or "none": only at print() and at the end), and
 * "export_maps" (bool).
 */
static int maps__parse(const json_t *j, struct ttd_spec *spec, char *err,
		       size_t errlen)
{
	json_t *ms = json_object_get(j, "map_interval_ms");
	json_t *ex = json_object_get(j, "export_maps");
	const char *dur;
	uint64_t ns = 0;

	spec->map_interval_ms = 1000;
	if (get_str(j, "map_interval", &dur) < 0 || (dur && ms)) {
		seterr(err, errlen,
		       "map_interval must be a duration string (give it or "
		       "map_interval_ms, not both)");
		return -EINVAL;
	}
	if (ms && (!json_is_integer(ms) || json_integer_value(ms) < 0 ||
		   (uint64_t)json_integer_value(ms) > MAP_INTERVAL_MAX_MS)) {
		seterr(err, errlen,
		       "map_interval_ms must be an integer from 0 to %llu",
		       MAP_INTERVAL_MAX_MS);
		return -EINVAL;
	}
	if (dur && (ttd_ttl__parse(dur, &ns) < 0 ||
		    ns / 1000000 > MAP_INTERVAL_MAX_MS ||
		    (ns && ns < 1000000))) {
		seterr(err, errlen,
		       "map_interval \"%.31s\" is not a duration from 1ms "
		       "to 1d (or none)",
		       dur);
		return -EINVAL;
	}
	if (ms)
		spec->map_interval_ms = (uint64_t)json_integer_value(ms);
	else if (dur)
		spec->map_interval_ms = ns / 1000000;
	if (ex && !json_is_boolean(ex)) {
		seterr(err, errlen, "export_maps must be true or false");
		return -EINVAL;
	}
	spec->export_maps = ex && json_is_true(ex);
	return 0;
}

/* "unsafe", "system_limit" and "system_timeout" (see the top). */
static int unsafe__parse(const json_t *j, struct ttd_spec *spec, char *err,
			 size_t errlen)
{
	json_t *u = json_object_get(j, "unsafe");
	json_t *lim = json_object_get(j, "system_limit");
	json_t *tmo = json_object_get(j, "system_timeout");
	uint64_t ns = 0;

	if (u && !json_is_boolean(u)) {
		seterr(err, errlen, "unsafe must be true or false");
		return -EINVAL;
	}
	spec->unsafe = u && json_is_true(u);
	spec->system_limit = TTD_RUNNER_DEFAULT_RUNNING;
	spec->system_timeout_ns = TTD_RUNNER_DEFAULT_TIMEOUT_NS;
	if ((lim || tmo) && !spec->unsafe) {
		seterr(err, errlen,
		       "%s only applies to unsafe deployments (system() runs "
		       "only there); set unsafe to true",
		       lim ? "system_limit" : "system_timeout");
		return -EINVAL;
	}
	if (lim && (!json_is_integer(lim) || json_integer_value(lim) < 1 ||
		    json_integer_value(lim) > TTD_RUNNER_MAX_RUNNING)) {
		seterr(err, errlen,
		       "system_limit must be an integer from 1 to %d",
		       TTD_RUNNER_MAX_RUNNING);
		return -EINVAL;
	}
	if (tmo && (!json_is_string(tmo) ||
		    ttd_ttl__parse(json_string_value(tmo), &ns) < 0 || !ns ||
		    ns > TTD_RUNNER_MAX_TIMEOUT_NS || ns < 1000000)) {
		seterr(err, errlen,
		       "system_timeout must be a duration from 1ms to 1h "
		       "(e.g. 500ms, 10s, 2m)");
		return -EINVAL;
	}
	if (lim)
		spec->system_limit = (unsigned)json_integer_value(lim);
	if (tmo)
		spec->system_timeout_ns = ns;
	return 0;
}

static void unsafe__canon(const struct ttd_spec *spec)
{
	char tmo[32];

	if (!spec->unsafe)
		return;
	snprintf(tmo, sizeof(tmo), "%llums",
		 (unsigned long long)(spec->system_timeout_ns / 1000000));
	json_object_set_new(spec->canon, "unsafe", json_true());
	json_object_set_new(spec->canon, "system_limit",
			    json_integer(spec->system_limit));
	json_object_set_new(spec->canon, "system_timeout", json_string(tmo));
}

int ttd_spec__parse(const json_t *j, struct ttd_spec *spec, char *err,
		    size_t errlen)
{
	json_t *progs, *p, *cprogs;
	size_t i;

	memset(spec, 0, sizeof(*spec));
	if (!json_is_object(j)) {
		seterr(err, errlen, "deployment must be a JSON object");
		return -EINVAL;
	}
	if (header__parse(j, spec, err, errlen) < 0 ||
	    maps__parse(j, spec, err, errlen) < 0 ||
	    unsafe__parse(j, spec, err, errlen) < 0)
		return -EINVAL;
	progs = json_object_get(j, "programs");
	if (!json_is_array(progs) || json_array_size(progs) == 0 ||
	    json_array_size(progs) > TT_CONTROL_MAX_PROGRAMS) {
		seterr(err, errlen,
		       "programs must be an array of 1 to %d programs",
		       TT_CONTROL_MAX_PROGRAMS);
		return -EINVAL;
	}
	spec->canon = json_object();
	cprogs = json_array();
	json_object_set_new(spec->canon, "name", json_string(spec->name));
	json_object_set_new(spec->canon, "table", json_string(spec->table));
	json_object_set_new(spec->canon, "ttl", json_string(spec->ttl));
	json_object_set_new(spec->canon, "replace_table",
			    json_boolean(spec->replace_table));
	json_object_set_new(spec->canon, "map_interval_ms",
			    json_integer((json_int_t)spec->map_interval_ms));
	json_object_set_new(spec->canon, "export_maps",
			    json_boolean(spec->export_maps));
	unsafe__canon(spec);
	json_object_set_new(spec->canon, "programs", cprogs);
	json_array_foreach(progs, i, p)
	{
		if (program__parse(p, (int)i + 1, &spec->progs[i], cprogs, err,
				   errlen) < 0) {
			ttd_spec__release(spec);
			return -EINVAL;
		}
		spec->nprogs++;
	}
	return 0;
}

void ttd_spec__release(struct ttd_spec *spec)
{
	json_decref(spec->canon);
	spec->canon = NULL;
	spec->nprogs = 0;
}

bool ttd_spec__same_probes(const struct ttd_spec *a, const struct ttd_spec *b)
{
	return strcmp(a->table, b->table) == 0 &&
	       a->map_interval_ms == b->map_interval_ms &&
	       a->export_maps == b->export_maps && a->unsafe == b->unsafe &&
	       a->system_limit == b->system_limit &&
	       a->system_timeout_ns == b->system_timeout_ns &&
	       json_equal(json_object_get(a->canon, "programs"),
			  json_object_get(b->canon, "programs"));
}

static void version__format(const struct ttd_version *v, char *buf, size_t len)
{
	if (v->nparts == 1)
		snprintf(buf, len, "%u", v->v[0]);
	else if (v->nparts == 2)
		snprintf(buf, len, "%u.%u", v->v[0], v->v[1]);
	else
		snprintf(buf, len, "%u.%u.%u", v->v[0], v->v[1], v->v[2]);
}

/* Why sel does not match node, or "" when it does. */
static void selectors__mismatch(const struct ttd_selectors *sel,
				const struct ttd_node *node, char *buf,
				size_t len)
{
	char ver[32];
	unsigned missing = sel->requires & ~node->features;

	buf[0] = '\0';
	if (sel->has_min && ttd_version__cmp(node->kernel, &sel->min) < 0) {
		version__format(&sel->min, ver, sizeof(ver));
		snprintf(buf, len,
			 "needs min_kernel %s, this kernel is %u.%u.%u", ver,
			 node->kernel[0], node->kernel[1], node->kernel[2]);
	} else if (sel->has_max &&
		   ttd_version__cmp(node->kernel, &sel->max) > 0) {
		version__format(&sel->max, ver, sizeof(ver));
		snprintf(buf, len,
			 "needs max_kernel %s, this kernel is %u.%u.%u", ver,
			 node->kernel[0], node->kernel[1], node->kernel[2]);
	} else if (sel->host_name &&
		   strcmp(sel->host_name, node->host_name) != 0) {
		snprintf(buf, len, "needs host_name %.64s, this host is %.64s",
			 sel->host_name, node->host_name);
	} else if (missing) {
		snprintf(buf, len, "needs %s, not available on this kernel",
			 ttd_feature__name(missing & -missing));
	}
}

int ttd_spec__select(const struct ttd_spec *spec, const struct ttd_node *node,
		     char *why, size_t whylen)
{
	size_t off;

	off = snprintf(why, whylen, "no program matches");
	for (size_t i = 0; i < spec->nprogs; i++) {
		char m[256];

		selectors__mismatch(&spec->progs[i].sel, node, m, sizeof(m));
		if (!m[0]) {
			snprintf(why, whylen,
				 "program %zu of %zu is the first whose "
				 "selectors match this node",
				 i + 1, spec->nprogs);
			return (int)i;
		}
		if (off < whylen)
			off += snprintf(why + off, whylen - off,
					"%s program %zu %s", i ? ";" : ":",
					i + 1, m);
	}
	return -1;
}

int ttd_node__probe(struct ttd_node *node, unsigned features)
{
	struct utsname u;

	memset(node, 0, sizeof(*node));
	if (uname(&u) < 0)
		return -errno;
	/* "6.18.44-cloud-amd64": take up to three leading numbers. */
	sscanf(u.release, "%u.%u.%u", &node->kernel[0], &node->kernel[1],
	       &node->kernel[2]);
	if (gethostname(node->host_name, sizeof(node->host_name) - 1) < 0)
		return -errno;
	node->features = features;
	return 0;
}
