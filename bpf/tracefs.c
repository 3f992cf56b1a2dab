/*
 * tracefs.c - tracepoint formats, ids and names from tracefs.
 *
 * The kernel describes each tracepoint's record in
 * events/<cat>/<name>/format, one line per field:
 *
 *     field:const char * filename;	offset:24;	size:8;	signed:0;
 *
 * The declaration before the first ';' is C-like text whose last identifier
 * is the field's name; "__data_loc" marks a variable-length field stored as
 * a u32 (length << 16 | offset). Array bounds may be macros or sizeof
 * expressions ("saddr[sizeof(struct sockaddr_in6)]"); then the element count
 * is derived from the field size.
 *
 * Names that reach the file system (category, tracepoint) are checked to
 * be plain path components: the daemon runs as root on user input.
 */
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

#include "bpf/tracefs.h"
#include "bpf/errmsg.h"


/* ---- Globs and string lists
 * ---------------------------------------------------- */

bool bt_glob__match(const char *pat, const char *s)
{
	const char *star = NULL, *resume = NULL;

	/* Greedy with one backtrack point: the last '*' seen. */
	while (*s) {
		if (*pat == '*') {
			star = ++pat;
			resume = s;
		} else if (*pat == '?' || *pat == *s) {
			pat++;
			s++;
		} else if (star) {
			pat = star;
			s = ++resume;
		} else {
			return false;
		}
	}
	while (*pat == '*')
		pat++;
	return *pat == 0;
}

bool bt_glob__is_glob(const char *s)
{
	return strpbrk(s, "*?") != NULL;
}

void bt_strlist__free(struct bt_strlist *l)
{
	if (!l)
		return;
	for (size_t i = 0; i < l->n; i++)
		free(l->v[i]);
	free(l->v);
	l->v = NULL;
	l->n = 0;
}

int bt_strlist__push(struct bt_strlist *l, size_t *cap, const char *s)
{
	if (l->n == *cap) {
		size_t nc = *cap ? *cap * 2 : 64;
		char **nv = realloc(l->v, nc * sizeof(*nv));

		if (!nv)
			return -ENOMEM;
		l->v = nv;
		*cap = nc;
	}
	l->v[l->n] = strdup(s);
	if (!l->v[l->n])
		return -ENOMEM;
	l->n++;
	return 0;
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

void bt_strlist__sort_unique(struct bt_strlist *l)
{
	size_t o = 0;

	if (!l->n)
		return;
	qsort(l->v, l->n, sizeof(*l->v), cmp_str);
	for (size_t i = 0; i < l->n; i++) {
		if (o && !strcmp(l->v[o - 1], l->v[i]))
			free(l->v[i]);
		else
			l->v[o++] = l->v[i];
	}
	l->n = o;
}

/* ---- Finding tracefs
 * -------------------------------------------------------------- */

static pthread_once_t root_once = PTHREAD_ONCE_INIT;
static const char *root_path;

static bool has_events(const char *dir)
{
	char p[256];

	snprintf(p, sizeof(p), "%s/events", dir);
	return access(p, R_OK | X_OK) == 0;
}

static void root_find(void)
{
	static const char main_dir[] = "/sys/kernel/tracing";
	static const char debug_dir[] = "/sys/kernel/debug/tracing";

	if (has_events(main_dir)) {
		root_path = main_dir;
		return;
	}
	/* Not mounted: mount it (root only; failure just falls through). */
	if (!mount("tracefs", main_dir, "tracefs", 0, NULL) &&
	    has_events(main_dir)) {
		root_path = main_dir;
		return;
	}
	if (has_events(debug_dir))
		root_path = debug_dir;
}

int bt_tracefs__root(const char **path, char *err, size_t errlen)
{
	pthread_once(&root_once, root_find);
	if (!root_path) {
		bt_errmsg__set(err, errlen,
		       "tracefs is not mounted at /sys/kernel/tracing and "
		       "cannot be mounted there (need root)");
		return -ENOENT;
	}
	*path = root_path;
	return 0;
}

/* A name usable as one path component under events/. */
static bool plain_name(const char *s)
{
	return s && *s && strlen(s) < 128 && !strchr(s, '/') &&
	       strcmp(s, ".") && strcmp(s, "..");
}

/* Reads a whole file into a NUL-terminated malloc'd buffer. */
static int read_file(const char *path, char **out, size_t *outlen)
{
	size_t cap = 4096, len = 0;
	char *buf = malloc(cap);
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	ssize_t n;

	if (fd < 0 || !buf) {
		int ret = fd < 0 ? -errno : -ENOMEM;

		if (fd >= 0)
			close(fd);
		free(buf);
		return ret;
	}
	while ((n = read(fd, buf + len, cap - len - 1)) > 0) {
		len += n;
		if (cap - len - 1 == 0) {
			char *nb = realloc(buf, cap * 2);

			if (!nb) {
				close(fd);
				free(buf);
				return -ENOMEM;
			}
			buf = nb;
			cap *= 2;
		}
	}
	close(fd);
	if (n < 0) {
		free(buf);
		return -EIO;
	}
	buf[len] = 0;
	*out = buf;
	if (outlen)
		*outlen = len;
	return 0;
}

/* events/<cat>/<name>/<file> under tracefs; -ENOENT/-EINVAL with message. */
static int event_path(const char *cat, const char *name, const char *file,
		      char *path, size_t len, char *err, size_t errlen)
{
	const char *root;
	int ret = bt_tracefs__root(&root, err, errlen);

	if (ret)
		return ret;
	if (!plain_name(cat) || !plain_name(name)) {
		bt_errmsg__set(err, errlen, "invalid tracepoint name '%s:%s'",
		       cat ? cat : "", name ? name : "");
		return -EINVAL;
	}
	snprintf(path, len, "%s/events/%s/%s/%s", root, cat, name, file);
	return 0;
}

/* ---- Format files
 * ------------------------------------------------------------------ */

static bool all_digits(const char *s, size_t n)
{
	if (!n)
		return false;
	for (size_t i = 0; i < n; i++)
		if (!isdigit((unsigned char)s[i]))
			return false;
	return true;
}

/* Element size of common scalar type names, 0 when unknown. */
static unsigned elem_size(const char *type)
{
	static const struct {
		const char *name;
		unsigned size;
	} sizes[] = {
		{"char", 1},  {"unsigned char", 1}, {"signed char", 1},
		{"u8", 1},    {"__u8", 1},	    {"s8", 1},
		{"bool", 1},  {"u16", 2},	    {"__u16", 2},
		{"s16", 2},   {"__be16", 2},	    {"short", 2},
		{"u32", 4},   {"__u32", 4},	    {"s32", 4},
		{"int", 4},   {"unsigned int", 4},  {"__be32", 4},
		{"pid_t", 4}, {"u64", 8},	    {"__u64", 8},
		{"s64", 8},   {"long", 8},	    {"unsigned long", 8},
	};

	for (size_t i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++)
		if (!strcmp(type, sizes[i].name))
			return sizes[i].size;
	return 0;
}

static void trim_copy(char *dst, size_t len, const char *s, size_t n)
{
	while (n && isspace((unsigned char)*s))
		s++, n--;
	while (n && isspace((unsigned char)s[n - 1]))
		n--;
	if (n >= len)
		n = len - 1;
	memcpy(dst, s, n);
	dst[n] = 0;
}

/* Start of the identifier that ends at end (end itself if none). */
static const char *ident_start(const char *d, const char *end)
{
	while (end > d && (isalnum((unsigned char)end[-1]) || end[-1] == '_'))
		end--;
	return end;
}

/*
 * Splits a declaration ("const char * filename", "char comm[16]",
 * "__data_loc char[] name") into name and type text; "name[N]" makes the
 * type "type[N]". A bound that is not a number (a macro or sizeof) is
 * resolved later from the field size: array_count keeps the element size
 * with the top bit set until then. Returns false if there is no name.
 */
static bool parse_decl(const char *d, size_t n, struct bt_tp_field *f)
{
	const char *end, *start, *br = NULL;
	char base[128];

	while (n && isspace((unsigned char)d[n - 1]))
		n--;
	if (n && d[n - 1] == ']')
		br = memchr(d, '[', n);
	end = br ? br : d + n;
	while (end > d && isspace((unsigned char)end[-1]))
		end--;
	start = ident_start(d, end);
	if (start == end || (size_t)(end - start) >= sizeof(f->name) ||
	    isdigit((unsigned char)*start))
		return false;
	memcpy(f->name, start, end - start);
	f->name[end - start] = 0;
	trim_copy(base, sizeof(base), d, start - d);
	if (!*base)
		return false;
	if (!br) {
		snprintf(f->type, sizeof(f->type), "%s", base);
		return true;
	}
	if (all_digits(br + 1, d + n - br - 2)) {
		f->array_count = strtoul(br + 1, NULL, 10);
		if (f->array_count > 0xffffff)
			return false;
	} else {
		f->array_count = 0x80000000u | elem_size(base);
	}
	snprintf(f->type, sizeof(f->type), "%.100s[%u]", base,
		 f->array_count & 0xffffff);
	return true;
}

/* Reads "key:N;" in a field line; returns false when missing or bad. */
static bool field_num(const char *line, const char *key, unsigned long *v)
{
	const char *p = strstr(line, key);
	char *end;

	if (!p)
		return false;
	p += strlen(key);
	if (!isdigit((unsigned char)*p))
		return false;
	errno = 0;
	*v = strtoul(p, &end, 10);
	return !errno && (*end == ';' || *end == 0) && *v <= 0xffffffu;
}

static void classify(struct bt_tp_field *f, const char *category)
{
	size_t tl = strlen(f->type);

	if (!strncmp(f->type, "__data_loc ", 11))
		f->data_loc = true;
	if (!strncmp(f->type, "__rel_loc ", 10))
		f->data_loc = f->rel_loc = true;
	f->is_pointer = tl && f->type[tl - 1] == '*';
	f->user_ptr =
		f->is_pointer && (strstr(f->type, "__user") ||
				  (category && !strcmp(category, "syscalls")));
	if (f->array_count & 0x80000000u) {
		unsigned es = f->array_count & 0x7fffffffu;
		char *br = strchr(f->type, '[');

		/* Macro bound: count from the size (in bytes if unknown). */
		f->array_count = es ? f->size / es : f->size;
		if (br)
			snprintf(br, f->type + sizeof(f->type) - br, "[%u]",
				 f->array_count);
	}
}

/* Parses one "field:..." line into f. */
static int parse_field(const char *line, const char *category,
		       struct bt_tp_field *f)
{
	const char *decl = strstr(line, "field:"), *semi;
	unsigned long off, size, sgn = 0;

	memset(f, 0, sizeof(*f));
	if (!decl)
		return -EINVAL;
	decl += 6;
	semi = strchr(decl, ';');
	if (!semi || !parse_decl(decl, semi - decl, f))
		return -EINVAL;
	if (!field_num(semi, "offset:", &off) ||
	    !field_num(semi, "size:", &size))
		return -EINVAL;
	field_num(semi, "signed:", &sgn);
	f->offset = off;
	f->size = size;
	f->is_signed = sgn != 0;
	classify(f, category);
	return 0;
}

static int push_field(struct bt_tp_field **v, size_t *n,
		      const struct bt_tp_field *f)
{
	struct bt_tp_field *nv = realloc(*v, (*n + 1) * sizeof(*nv));

	if (!nv)
		return -ENOMEM;
	nv[(*n)++] = *f;
	*v = nv;
	return 0;
}

/* Handles one line of a format file. */
static int parse_line(struct bt_tp_format *fmt, char *line, const char *cat)
{
	struct bt_tp_field f;
	unsigned long v;
	int ret;

	while (isspace((unsigned char)*line))
		line++;
	if (!strncmp(line, "name:", 5)) {
		trim_copy(fmt->name, sizeof(fmt->name), line + 5,
			  strlen(line + 5));
		return 0;
	}
	if (!strncmp(line, "ID:", 3)) {
		char *end;

		v = strtoul(line + 3, &end, 10);
		if (end == line + 3 || v > 0xffffffffu)
			return -EINVAL;
		fmt->id = v;
		return 0;
	}
	if (strncmp(line, "field:", 6))
		return 0; /* "format:", blank, "print fmt:" lines */
	ret = parse_field(line, cat, &f);
	if (ret)
		return ret;
	if (f.offset + (uint64_t)f.size > fmt->size)
		fmt->size = f.offset + f.size;
	if (!strncmp(f.name, "common_", 7))
		return push_field(&fmt->common, &fmt->ncommon, &f);
	return push_field(&fmt->fields, &fmt->nfields, &f);
}

int bt_tp_format__parse(const char *text, size_t len, const char *category,
			struct bt_tp_format **out, char *err, size_t errlen)
{
	struct bt_tp_format *fmt = calloc(1, sizeof(*fmt));
	char *copy = malloc(len + 1), *line, *next;
	int ret = 0, lineno = 0;

	if (!fmt || !copy) {
		free(fmt);
		free(copy);
		return -ENOMEM;
	}
	memcpy(copy, text, len);
	copy[len] = 0;
	snprintf(fmt->category, sizeof(fmt->category), "%s",
		 category ? category : "");
	for (line = copy; line && !ret; line = next) {
		next = strchr(line, '\n');
		if (next)
			*next++ = 0;
		lineno++;
		if (!strncmp(line, "print fmt:", 10))
			break;
		ret = parse_line(fmt, line, category);
	}
	if (ret == -EINVAL)
		bt_errmsg__set(err, errlen,
		       "malformed tracepoint format, line %d: %.80s", lineno,
		       line);
	free(copy);
	if (!ret && !fmt->nfields && !fmt->ncommon) {
		bt_errmsg__set(err, errlen, "tracepoint format has no fields");
		ret = -EINVAL;
	}
	if (ret) {
		bt_tp_format__free(fmt);
		return ret;
	}
	*out = fmt;
	return 0;
}

void bt_tp_format__free(struct bt_tp_format *f)
{
	if (!f)
		return;
	free(f->common);
	free(f->fields);
	free(f);
}

const struct bt_tp_field *bt_tp_format__field(const struct bt_tp_format *f,
					      const char *name)
{
	for (size_t i = 0; name && i < f->nfields; i++)
		if (!strcmp(f->fields[i].name, name))
			return &f->fields[i];
	return NULL;
}

int bt_tracefs__format(const char *category, const char *name,
		       struct bt_tp_format **out, char *err, size_t errlen)
{
	char path[512], *text;
	size_t len;
	int ret = event_path(category, name, "format", path, sizeof(path), err,
			     errlen);

	if (ret)
		return ret;
	ret = read_file(path, &text, &len);
	if (ret) {
		bt_errmsg__set(err, errlen, "tracepoint %s:%s does not exist", category,
		       name);
		return ret == -ENOMEM ? ret : -ENOENT;
	}
	ret = bt_tp_format__parse(text, len, category, out, err, errlen);
	free(text);
	if (!ret)
		snprintf((*out)->name, sizeof((*out)->name), "%s", name);
	return ret;
}

int bt_tracefs__tracepoint_id(const char *category, const char *name, char *err,
			      size_t errlen)
{
	char path[512], *text, *end;
	unsigned long id;
	int ret = event_path(category, name, "id", path, sizeof(path), err,
			     errlen);

	if (ret)
		return ret;
	if (read_file(path, &text, NULL)) {
		bt_errmsg__set(err, errlen, "tracepoint %s:%s does not exist", category,
		       name);
		return -ENOENT;
	}
	id = strtoul(text, &end, 10);
	ret = end == text || id > 0x7fffffff ? -EINVAL : (int)id;
	free(text);
	if (ret < 0)
		bt_errmsg__set(err, errlen, "bad id file for tracepoint %s:%s",
		       category, name);
	return ret;
}

/* ---- Wildcards
 * ---------------------------------------------------------------------- */

static bool is_dir(const char *dir, const struct dirent *d)
{
	char p[1536];
	struct stat st;

	if (d->d_type == DT_DIR)
		return true;
	if (d->d_type != DT_UNKNOWN)
		return false;
	snprintf(p, sizeof(p), "%s/%s", dir, d->d_name);
	return !stat(p, &st) && S_ISDIR(st.st_mode);
}

/* Adds "cat:name" for every tracepoint directory of cat matching glob. */
static int expand_cat(const char *events, const char *cat, const char *glob,
		      struct bt_strlist *out, size_t *cap)
{
	char dir[1024], item[600];
	struct dirent *d;
	DIR *dh;
	int ret = 0;

	snprintf(dir, sizeof(dir), "%s/%s", events, cat);
	dh = opendir(dir);
	if (!dh)
		return 0;
	while (!ret && (d = readdir(dh))) {
		if (d->d_name[0] == '.' || !bt_glob__match(glob, d->d_name) ||
		    !is_dir(dir, d))
			continue;
		snprintf(item, sizeof(item), "%s:%s", cat, d->d_name);
		ret = bt_strlist__push(out, cap, item);
	}
	closedir(dh);
	return ret;
}

int bt_tracefs__expand(const char *category_glob, const char *name_glob,
		       struct bt_strlist *out, char *err, size_t errlen)
{
	char events[300];
	const char *root;
	struct dirent *d;
	size_t cap = 0;
	DIR *dh;
	int ret = bt_tracefs__root(&root, err, errlen);

	out->n = 0;
	out->v = NULL;
	if (ret)
		return ret;
	if (!category_glob || !name_glob || !*category_glob || !*name_glob ||
	    strchr(category_glob, '/') || strchr(name_glob, '/')) {
		bt_errmsg__set(err, errlen, "invalid tracepoint pattern");
		return -EINVAL;
	}
	snprintf(events, sizeof(events), "%s/events", root);
	dh = opendir(events);
	if (!dh) {
		ret = -errno;
		bt_errmsg__set(err, errlen, "cannot read %s: %s", events,
		       strerror(-ret));
		return ret;
	}
	while (!ret && (d = readdir(dh))) {
		if (d->d_name[0] == '.' ||
		    !bt_glob__match(category_glob, d->d_name) ||
		    !is_dir(events, d))
			continue;
		ret = expand_cat(events, d->d_name, name_glob, out, &cap);
	}
	closedir(dh);
	if (!ret && !out->n) {
		bt_errmsg__set(err, errlen, "no tracepoint matches %s:%s",
		       category_glob, name_glob);
		ret = -ENOENT;
	}
	if (ret) {
		bt_strlist__free(out);
		return ret;
	}
	bt_strlist__sort_unique(out);
	return (int)out->n;
}

/*
 * The name a list line holds, or NULL to skip it. available_filter_functions
 * lines are "name [module]"; /proc/kallsyms lines are "addr type name
 * [module]", where only text symbols count, and compiler clones
 * ("x.isra.0", "x.cold") and patchable-entry padding ("__pfx_x") are not
 * functions one can probe.
 */
static char *func_name(char *line, bool kallsyms)
{
	char *type, *name;

	if (!kallsyms) {
		line[strcspn(line, " \t")] = 0;
		return *line ? line : NULL;
	}
	type = strchr(line, ' ');
	if (!type || (type[1] != 't' && type[1] != 'T') || type[2] != ' ')
		return NULL;
	name = type + 3;
	name[strcspn(name, " \t")] = 0;
	if (!*name || strchr(name, '.') || !strncmp(name, "__pfx_", 6))
		return NULL;
	return name;
}

int bt_tracefs__kernel_funcs(const char *glob, struct bt_strlist *out,
			     char *err, size_t errlen)
{
	char path[300], *text, *line, *next, *name;
	const char *root;
	bool kallsyms = false;
	size_t cap = 0;
	int ret = bt_tracefs__root(&root, NULL, 0);

	out->n = 0;
	out->v = NULL;
	if (!glob || !*glob) {
		bt_errmsg__set(err, errlen, "empty kernel function pattern");
		return -EINVAL;
	}
	snprintf(path, sizeof(path), "%s/available_filter_functions",
		 ret ? "/sys/kernel/tracing" : root);
	ret = ret ? ret : read_file(path, &text, NULL);
	if (ret && ret != -ENOMEM) {
		/* Unreadable (no ftrace, or refused): kallsyms has the names.
		 */
		kallsyms = true;
		ret = read_file("/proc/kallsyms", &text, NULL);
	}
	if (ret) {
		bt_errmsg__set(err, errlen,
		       "cannot list kernel functions (%s, /proc/kallsyms): %s",
		       path, strerror(-ret));
		return ret == -ENOMEM ? ret : -ENOENT;
	}
	for (line = text; line && *line && !ret; line = next) {
		next = strchr(line, '\n');
		if (next)
			*next++ = 0;
		name = func_name(line, kallsyms);
		if (name && bt_glob__match(glob, name))
			ret = bt_strlist__push(out, &cap, name);
	}
	free(text);
	if (!ret && !out->n) {
		bt_errmsg__set(err, errlen, "no kernel function matches '%s'", glob);
		ret = -ENOENT;
	}
	if (ret) {
		bt_strlist__free(out);
		return ret;
	}
	bt_strlist__sort_unique(out);
	return (int)out->n;
}
