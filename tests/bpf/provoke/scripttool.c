/*
 * scripttool - reads a bundled script directory (bpf/tools/<name>/) the way
 * tracetab's `run` does, for the end-to-end tests:
 *
 *   scripttool check DIR    validates script.json (known members only,
 *                           names, ttl, selectors, existing program files,
 *                           a query over the script's table) and the seed's
 *                           printf rules across ALL programs of the script:
 *                           one format string everywhere (every variant
 *                           fills the same table), every column labelled,
 *                           no duplicate names, time_:%llu from nsecs first,
 *                           no printf in BEGIN/END. Prints one line per
 *                           problem; exit 1 if any.
 *   scripttool select DIR   prints the program file this node would run
 *                           (first whose selectors all match this kernel's
 *                           version and features), or "none: REASON" and
 *                           exit 3.
 *   scripttool spec DIR     prints the control protocol's deploy request
 *                           for the script (sources inlined).
 *   scripttool query DIR    prints the script's default query.
 *   scripttool format DIR   prints the script's printf format.
 *   scripttool send SOCKET  sends the one-line JSON request on stdin to
 *                           tracetabd's control socket and prints the
 *                           reply line (the daemon path works before the
 *                           CLI does).
 *
 * The text checks are a reader's approximation (comments and string
 * literals are skipped, braces matched); the compiler enforces the same
 * rules for real. Exit 2 on usage or I/O errors.
 */
#include <ctype.h>
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/utsname.h>
#include <unistd.h>

#include <jansson.h>

static int problems;

static void problem(const char *dir, const char *fmt, const char *a,
		    const char *b)
{
	printf("%s: ", dir);
	printf(fmt, a ? a : "", b ? b : "");
	printf("\n");
	problems++;
}

static char *file__read(const char *dir, const char *name)
{
	char path[4096];
	FILE *f;
	char *buf;
	long len;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	f = fopen(path, "r");
	if (!f)
		return NULL;
	fseek(f, 0, SEEK_END);
	len = ftell(f);
	rewind(f);
	buf = calloc(1, len + 1);
	if (buf && fread(buf, 1, len, f) != (size_t)len) {
		free(buf);
		buf = NULL;
	}
	fclose(f);
	return buf;
}

static bool ident__valid(const char *s, const char *extra)
{
	if (!s || !(isalpha((unsigned char)*s) || *s == '_'))
		return false;
	for (; *s; s++)
		if (!isalnum((unsigned char)*s) && *s != '_' && !strchr(extra, *s))
			return false;
	return true;
}

static bool ttl__valid(const char *s)
{
	size_t n = strspn(s, "0123456789");

	if (!strcmp(s, "none"))
		return true;
	return n > 0 && (!strcmp(s + n, "ms") || !strcmp(s + n, "s") ||
			 !strcmp(s + n, "m") || !strcmp(s + n, "h") ||
			 !strcmp(s + n, "d"));
}

/* "X", "X.Y" or "X.Y.Z"; missing parts are 0. Returns parts or -1. */
static int version__parse(const char *s, unsigned v[3])
{
	int n = 0;

	v[0] = v[1] = v[2] = 0;
	while (n < 3) {
		char *end;

		if (!isdigit((unsigned char)*s))
			return -1;
		v[n++] = strtoul(s, &end, 10);
		if (*end == 0)
			return n;
		if (*end != '.')
			return -1;
		s = end + 1;
	}
	return -1;
}

/* Compares a kernel with a selector bound, the bound's missing parts
 * covering everything ("5.18" as a maximum covers 5.18.*). */
static int version__cmp(const unsigned k[3], const unsigned b[3], int parts)
{
	for (int i = 0; i < parts; i++)
		if (k[i] != b[i])
			return k[i] < b[i] ? -1 : 1;
	return 0;
}

/* ---- printf rules ------------------------------------------------------ */

/* Skips a comment or string literal at p; returns the next position. */
static const char *lex__skip(const char *p)
{
	if (p[0] == '/' && p[1] == '/')
		return strchrnul(p, '\n');
	if (p[0] == '/' && p[1] == '*') {
		const char *e = strstr(p + 2, "*/");
		return e ? e + 2 : p + strlen(p);
	}
	if (*p == '"') {
		for (p++; *p && *p != '"'; p++)
			if (*p == '\\' && p[1])
				p++;
		return *p ? p + 1 : p;
	}
	return p + 1;
}

/* Copies the string literal starting at p (at the quote) into out. */
static void lex__string(const char *p, char *out, size_t len)
{
	size_t n = 0;

	for (p++; *p && *p != '"' && n + 1 < len; p++) {
		if (*p == '\\' && p[1])
			p++;
		out[n++] = *p;
	}
	out[n] = 0;
}

struct printf_scan {
	const char *dir, *file;
	char format[1024]; /* the script's format, from its first printf */
	int count;
};

static void printf__check_one(struct printf_scan *ps, const char *call,
			      int depth_in_begin_end)
{
	const char *q = call + strlen("printf");
	char fmt[1024], names[64][64], *tok, *save;
	int ncols = 0;

	while (isspace((unsigned char)*q) || *q == '(')
		q++;
	if (*q != '"') {
		problem(ps->dir, "%s: printf without a literal format", ps->file,
			NULL);
		return;
	}
	lex__string(q, fmt, sizeof(fmt));
	if (depth_in_begin_end)
		problem(ps->dir, "%s: printf in BEGIN/END (%s)", ps->file, fmt);
	if (ps->count++ == 0 && !ps->format[0])
		snprintf(ps->format, sizeof(ps->format), "%s", fmt);
	else if (strcmp(fmt, ps->format))
		problem(ps->dir, "%s: printf format differs from the script's: %s",
			ps->file, fmt);
	if (strncmp(fmt, "time_:%llu ", 11))
		problem(ps->dir, "%s: format must start with time_:%%llu: %s",
			ps->file, fmt);
	q = lex__skip(q);
	while (isspace((unsigned char)*q) || *q == ',')
		q++;
	if (strncmp(q, "nsecs", 5))
		problem(ps->dir, "%s: time_ must be nsecs (%s)", ps->file, fmt);
	for (tok = strtok_r(fmt, " ", &save); tok;
	     tok = strtok_r(NULL, " ", &save)) {
		char *colon = strchr(tok, ':');

		if (!colon || colon[1] != '%' || strchr(colon + 2, '%') ||
		    colon == tok) {
			problem(ps->dir, "%s: column without a name:%%fmt label: %s",
				ps->file, tok);
			continue;
		}
		*colon = 0;
		for (int i = 0; i < ncols; i++)
			if (!strcmp(names[i], tok))
				problem(ps->dir, "%s: duplicate column %s",
					ps->file, tok);
		if (ncols < 64)
			snprintf(names[ncols++], sizeof(names[0]), "%s", tok);
	}
}

/* Walks a program's text: top-level blocks are probes; BEGIN/END blocks
 * must hold no printf. */
static void printf__scan(struct printf_scan *ps, const char *text)
{
	const char *p = text, *probe_start = text;
	int depth = 0;
	bool begin_end = false;

	while (*p) {
		if (*p == '"' || (p[0] == '/' && (p[1] == '/' || p[1] == '*'))) {
			p = lex__skip(p);
			continue;
		}
		if (*p == '{' && depth++ == 0) {
			char head[256];
			size_t n = p - probe_start < 255 ? p - probe_start : 255;

			memcpy(head, probe_start, n);
			head[n] = 0;
			begin_end = strstr(head, "BEGIN") || strstr(head, "END");
		} else if (*p == '}' && --depth == 0) {
			probe_start = p + 1;
		} else if (!strncmp(p, "printf", 6) &&
			   (p == text || !isalnum((unsigned char)p[-1]))) {
			printf__check_one(ps, p, depth > 0 && begin_end);
		}
		p++;
	}
	if (depth != 0)
		problem(ps->dir, "%s: unbalanced braces", ps->file, NULL);
}

/* ---- script.json ------------------------------------------------------- */

static json_t *script__load(const char *dir)
{
	char *text = file__read(dir, "script.json");
	json_error_t jerr;
	json_t *j;

	if (!text) {
		fprintf(stderr, "%s/script.json: %s\n", dir, strerror(errno));
		exit(2);
	}
	j = json_loads(text, 0, &jerr);
	free(text);
	if (!j || !json_is_object(j)) {
		fprintf(stderr, "%s/script.json:%d: %s\n", dir, jerr.line,
			jerr.text);
		exit(2);
	}
	return j;
}

static bool member__allowed(const char *key, const char *const *allowed)
{
	for (; *allowed; allowed++)
		if (!strcmp(key, *allowed))
			return true;
	return false;
}

static void program__check(const char *dir, json_t *p, struct printf_scan *ps)
{
	static const char *const keys[] = { "file",	  "min_kernel",
					    "max_kernel", "host_name",
					    "requires",	  NULL };
	const char *file = json_string_value(json_object_get(p, "file"));
	const char *key;
	json_t *v;
	char *text;
	unsigned ver[3];

	json_object_foreach(p, key, v)
	{
		if (!member__allowed(key, keys))
			problem(dir, "program: unknown member %s", key, NULL);
		if ((!strcmp(key, "min_kernel") || !strcmp(key, "max_kernel")) &&
		    (!json_is_string(v) ||
		     version__parse(json_string_value(v), ver) < 0))
			problem(dir, "program: %s is not X[.Y[.Z]]", key, NULL);
	}
	v = json_object_get(p, "requires");
	if (v) {
		size_t i;
		json_t *r;

		json_array_foreach(v, i, r)
		{
			static const char *const feats[] = { "kprobe", "fentry",
							     "uprobe", "btf",
							     NULL };
			if (!json_is_string(r) ||
			    !member__allowed(json_string_value(r), feats))
				problem(dir, "program: unknown requirement",
					NULL, NULL);
		}
	}
	if (!file || strchr(file, '/') || !(text = file__read(dir, file))) {
		problem(dir, "program file %s missing", file, NULL);
		return;
	}
	ps->file = file;
	ps->count = 0;
	printf__scan(ps, text);
	if (ps->count == 0)
		problem(dir, "%s: no printf", file, NULL);
	free(text);
}

static int cmd__check(const char *dir)
{
	static const char *const keys[] = { "name",	   "table",    "ttl",
					    "description", "programs", "query",
					    NULL };
	json_t *j = script__load(dir), *progs, *p, *v;
	const char *table, *key, *query;
	struct printf_scan ps = { .dir = dir };
	char from[128];
	size_t i;

	json_object_foreach(j, key, v)
	{
		if (!member__allowed(key, keys))
			problem(dir, "unknown member %s", key, NULL);
	}
	if (!ident__valid(json_string_value(json_object_get(j, "name")), ".-"))
		problem(dir, "name missing or invalid", NULL, NULL);
	table = json_string_value(json_object_get(j, "table"));
	if (!ident__valid(table, ""))
		problem(dir, "table missing or invalid", NULL, NULL);
	v = json_object_get(j, "ttl");
	if (!json_is_string(v) || !ttl__valid(json_string_value(v)))
		problem(dir, "ttl missing or invalid", NULL, NULL);
	if (!json_is_string(json_object_get(j, "description")))
		problem(dir, "description missing", NULL, NULL);
	query = json_string_value(json_object_get(j, "query"));
	snprintf(from, sizeof(from), " FROM %s ", table ? table : "");
	if (!query || strncmp(query, "SELECT ", 7) || !strstr(query, from))
		problem(dir, "query must be SELECT ... FROM %s ...", table, NULL);
	progs = json_object_get(j, "programs");
	if (!json_is_array(progs) || json_array_size(progs) == 0)
		problem(dir, "programs must be a non-empty array", NULL, NULL);
	json_array_foreach(progs, i, p)
	{
		if (!json_is_object(p))
			problem(dir, "program is not an object", NULL, NULL);
		else
			program__check(dir, p, &ps);
	}
	json_decref(j);
	return problems ? 1 : 0;
}

/* ---- selection ---------------------------------------------------------- */

static bool feature__present(const char *name)
{
	if (!strcmp(name, "kprobe"))
		return !access("/sys/bus/event_source/devices/kprobe", F_OK) ||
		       !access("/sys/kernel/tracing/kprobe_events", F_OK);
	if (!strcmp(name, "uprobe"))
		return !access("/sys/bus/event_source/devices/uprobe", F_OK);
	if (!strcmp(name, "btf"))
		return !access("/sys/kernel/btf/vmlinux", R_OK);
	/* fentry needs kernel function BTF attach (no BPF_PROG_TYPE_TRACING
	 * probe here); kprobe-less kernels of this project lack it too. */
	return false;
}

static const char *program__mismatch(json_t *p, const unsigned k[3],
				     char *why, size_t len)
{
	const char *min = json_string_value(json_object_get(p, "min_kernel"));
	const char *max = json_string_value(json_object_get(p, "max_kernel"));
	const char *host = json_string_value(json_object_get(p, "host_name"));
	char hn[256] = "";
	unsigned b[3];
	size_t i;
	json_t *r;
	int n;

	if (min && (n = version__parse(min, b)) > 0 && version__cmp(k, b, n) < 0)
		snprintf(why, len, "kernel below %s", min);
	else if (max && (n = version__parse(max, b)) > 0 &&
		 version__cmp(k, b, n) > 0)
		snprintf(why, len, "kernel above %s", max);
	else if (host && (gethostname(hn, sizeof(hn) - 1), strcmp(hn, host)))
		snprintf(why, len, "host is not %s", host);
	else {
		json_array_foreach(json_object_get(p, "requires"), i, r)
		{
			if (!feature__present(json_string_value(r))) {
				snprintf(why, len, "no %s on this kernel",
					 json_string_value(r));
				return why;
			}
		}
		return NULL;
	}
	return why;
}

static int cmd__select(const char *dir)
{
	json_t *j = script__load(dir), *p;
	struct utsname u;
	unsigned k[3] = { 0, 0, 0 };
	char why[256], reasons[2048] = "";
	size_t i;

	uname(&u);
	sscanf(u.release, "%u.%u.%u", &k[0], &k[1], &k[2]);
	json_array_foreach(json_object_get(j, "programs"), i, p)
	{
		const char *file = json_string_value(json_object_get(p, "file"));

		if (!program__mismatch(p, k, why, sizeof(why))) {
			printf("%s\n", file);
			json_decref(j);
			return 0;
		}
		snprintf(reasons + strlen(reasons),
			 sizeof(reasons) - strlen(reasons), "%s%s: %s",
			 i ? "; " : "", file, why);
	}
	printf("none: %s\n", reasons);
	json_decref(j);
	return 3;
}

static int cmd__spec(const char *dir)
{
	json_t *j = script__load(dir), *p, *progs = json_array(), *spec, *req;
	size_t i;

	json_array_foreach(json_object_get(j, "programs"), i, p)
	{
		json_t *sel = json_object(), *prog = json_object();
		const char *key;
		json_t *v;
		char *src = file__read(
			dir, json_string_value(json_object_get(p, "file")));

		if (!src) {
			fprintf(stderr, "%s: program file missing\n", dir);
			return 2;
		}
		json_object_foreach(p, key, v)
		{
			if (strcmp(key, "file"))
				json_object_set(sel, key, v);
		}
		json_object_set_new(prog, "source", json_string(src));
		json_object_set_new(prog, "selectors", sel);
		json_array_append_new(progs, prog);
		free(src);
	}
	spec = json_pack("{s:O,s:O,s:O,s:o}", "name", json_object_get(j, "name"),
			 "table", json_object_get(j, "table"), "ttl",
			 json_object_get(j, "ttl"), "programs", progs);
	req = json_pack("{s:s,s:o}", "op", "deploy", "deployment", spec);
	json_dumpf(req, stdout, JSON_COMPACT);
	printf("\n");
	json_decref(req);
	json_decref(j);
	return 0;
}

static int cmd__member(const char *dir, const char *member)
{
	json_t *j = script__load(dir);
	const char *s = json_string_value(json_object_get(j, member));

	if (s)
		printf("%s\n", s);
	json_decref(j);
	return s ? 0 : 1;
}

static int cmd__format(const char *dir)
{
	json_t *j = script__load(dir), *p;
	struct printf_scan ps = { .dir = dir };
	size_t i;

	json_array_foreach(json_object_get(j, "programs"), i, p)
	{
		const char *file = json_string_value(json_object_get(p, "file"));
		char *text = file__read(dir, file);

		ps.file = file;
		if (text)
			printf__scan(&ps, text);
		free(text);
	}
	printf("%s\n", ps.format);
	json_decref(j);
	return ps.format[0] ? 0 : 1;
}

static int cmd__send(const char *path)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	static char req[8 << 20], reply[1 << 20];
	size_t n = fread(req, 1, sizeof(req) - 1, stdin), got = 0;
	int fd = socket(AF_UNIX, SOCK_STREAM, 0);
	ssize_t r;

	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", path);
	if (fd < 0 || connect(fd, (struct sockaddr *)&sa, sizeof(sa))) {
		fprintf(stderr, "connect %s: %s\n", path, strerror(errno));
		return 2;
	}
	if (n == 0 || req[n - 1] != '\n')
		req[n++] = '\n';
	for (size_t off = 0; off < n; off += r)
		if ((r = write(fd, req + off, n - off)) <= 0)
			return 2;
	while (got < sizeof(reply) - 1 &&
	       (r = read(fd, reply + got, sizeof(reply) - 1 - got)) > 0) {
		got += r;
		if (memchr(reply, '\n', got))
			break;
	}
	close(fd);
	fwrite(reply, 1, got, stdout);
	return got ? 0 : 2;
}

int main(int argc, char **argv)
{
	if (argc == 3 && !strcmp(argv[1], "send"))
		return cmd__send(argv[2]);
	if (argc == 3 && !strcmp(argv[1], "check"))
		return cmd__check(argv[2]);
	if (argc == 3 && !strcmp(argv[1], "select"))
		return cmd__select(argv[2]);
	if (argc == 3 && !strcmp(argv[1], "spec"))
		return cmd__spec(argv[2]);
	if (argc == 3 && !strcmp(argv[1], "query"))
		return cmd__member(argv[2], "query");
	if (argc == 3 && !strcmp(argv[1], "format"))
		return cmd__format(argv[2]);
	fprintf(stderr,
		"usage: scripttool check|select|spec|query|format DIR | send SOCKET\n");
	return 2;
}
