/*
 * tracetab/query.h - the SQL query engine over tracetab tables.
 *
 * A library, so that the command line runs it on the local store and every
 * cluster node runs it on its own store. The SQL subset:
 *
 *     SELECT expr [AS name], ... | *
 *     FROM table
 *     [WHERE cond] [GROUP BY expr, ...] [HAVING cond]
 *     [ORDER BY expr [ASC|DESC], ...] [LIMIT n]
 *
 * Conditions: = != <> < <= > >=, AND, OR, NOT, IN (...), LIKE ('%' and '_'),
 * BETWEEN a AND b, contains(s, sub). Aggregates: count(*), count(x), sum,
 * min, max, avg, p50, p90, p95, p99. Time: now(), durations (500ms, 10s,
 * 5m, 1h, 2d), time arithmetic (time_ > now() - 5m), bin(time_, 10s).
 * Other functions: ip_host(ip), lower(s), upper(s), length(s).
 *
 * Lifecycle: ttq_query__prepare() parses and plans one statement against
 * the store directory (the table must exist; names and types are checked
 * there), ttq_query__run() executes it into a ttq_result. For cluster
 * queries, each node calls ttq_query__run_partial(), serializes the
 * partial, and the client merges the partials and finishes the result.
 *
 * Percentiles are exact: partial aggregates carry the value lists (nearest
 * rank: p(q) is the value of rank ceil(q * n)), so merged answers equal
 * single-node answers. count, sum, min, max and avg merge exactly.
 *
 * Errors are negative errno values with a struct ttq_error saying what is
 * wrong, where (byte offset into the SQL) and, for unknown names, the
 * closest known name.
 */
#ifndef TRACETAB_QUERY_H
#define TRACETAB_QUERY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* ---- Errors ------------------------------------------------------------- */

struct ttq_error {
	int pos; /* byte offset into the SQL; -1 when none */
	char msg[256]; /* one sentence, no trailing newline */
	char suggestion[64]; /* closest known name for unknown names, or "" */
};

/*
 * Renders err as
 *     error: message (did you mean 'x'?)
 *       SELECT ... the SQL line ...
 *                  ^
 * into buf (always NUL-terminated). Returns the length it wanted.
 */
int ttq_error__format(const struct ttq_error *err, const char *sql, char *buf,
		      size_t len);

/* ---- Values ---------------------------------------------------------------
 */

enum ttq_type {
	TTQ_NULL = 0,
	TTQ_BOOL,
	TTQ_INT, /* int64 */
	TTQ_UINT, /* uint64 */
	TTQ_DOUBLE,
	TTQ_TIME, /* int64 ns since the Unix epoch */
	TTQ_DURATION, /* int64 ns */
	TTQ_STRING,
};

struct ttq_value {
	enum ttq_type type;
	union {
		int64_t i; /* BOOL, INT, TIME, DURATION */
		uint64_t u;
		double d;
		struct {
			const char *ptr; /* not NUL-terminated in general */
			uint32_t len;
		} s;
	};
};

/* "int64", "uint64", "double", "time", "duration", "string", "bool", "null". */
const char *ttq_type__name(enum ttq_type type);

/*
 * Parses a duration: an integer followed by ns, us, ms, s, m, h or d
 * ("500ms", "10s", "5m"); several may follow each other ("1h30m").
 * Returns 0 and *ns, or -EINVAL.
 */
int ttq_duration__parse(const char *text, int64_t *ns);
/* Formats ns as the shortest exact duration ("90s" -> "90s", "1h"). */
void ttq_duration__format(int64_t ns, char *buf, size_t len);

/* ---- Queries ----------------------------------------------------------------
 */

struct ttq_opts {
	size_t sz; /* sizeof(struct ttq_opts) */
	const char *store_dir; /* NULL: TT_STORE_DEFAULT_DIR */
	int64_t now_ns; /* what now() means; 0: the wall clock */
	/* Extra condition ANDed to WHERE: time_ >= since_ns (0: none). */
	int64_t since_ns;
	/* ip_host(): give up on reverse DNS after this long; 0: 300 ms. */
	int dns_timeout_ms;
	/*
	 * Cluster queries: the value of a virtual string column "node" usable
	 * in SELECT, WHERE and GROUP BY (a real column of that name wins).
	 * NULL: no such column. Copied.
	 */
	const char *node;
};

struct ttq_query;
struct ttq_result;
struct ttq_partial;

/*
 * Parses and plans one SELECT statement. Opens the table read-only (it
 * stays mapped until ttq_query__free()). Returns 0 and *out, or:
 *   -EINVAL  syntax or type error (err->pos points at it)
 *   -ENOENT  unknown table or column (err->suggestion may name one)
 *   -EBADMSG the table file is damaged, or another reader error
 */
int ttq_query__prepare(const char *sql, const struct ttq_opts *opts,
		       struct ttq_query **out, struct ttq_error *err);
void ttq_query__free(struct ttq_query *q);
/* Table the query reads. */
const char *ttq_query__table(const struct ttq_query *q);
/* True when the query aggregates (GROUP BY or an aggregate function). */
bool ttq_query__is_aggregate(const struct ttq_query *q);

/*
 * Executes the query on the store. A query can run several times (each run
 * sees the rows present then; --watch does this). Returns 0 and *out or a
 * negative errno with err filled.
 */
int ttq_query__run(struct ttq_query *q, struct ttq_result **out,
		   struct ttq_error *err);

/* Rows the last run could not read because the table's ring recycled them
 * while it scanned. */
uint64_t ttq_query__missed_rows(const struct ttq_query *q);

/* ---- Partial aggregates (cluster queries) -----------------------------------
 */

/*
 * Runs an aggregate query up to its mergeable state: groups with their key
 * values and aggregate states, before HAVING, ORDER BY and LIMIT. For a
 * query without aggregates the partial holds the selected rows (before
 * ORDER BY; a LIMIT without ORDER BY is applied). Returns 0 and *out, or
 * -ENOMEM or a store error (negative errno) with err filled.
 */
int ttq_query__run_partial(struct ttq_query *q, struct ttq_partial **out,
			   struct ttq_error *err);
/* An empty partial for q, to merge others into. */
struct ttq_partial *ttq_partial__new(struct ttq_query *q);
/*
 * Serializes p into a malloc'd buffer (*buf, *len) the caller frees; a
 * little-endian format that starts with a version and the query's plan
 * fingerprint. Returns 0 or -ENOMEM.
 */
int ttq_partial__serialize(const struct ttq_partial *p, void **buf,
			   size_t *len);
/*
 * Merges a serialized partial of the same query (same SQL, same schema)
 * into dst. Returns 0, -EPROTO (not a partial of this query, or damaged;
 * dst unchanged) or -ENOMEM.
 */
int ttq_partial__merge_bytes(struct ttq_partial *dst, const void *buf,
			     size_t len);
/* Applies HAVING, projection, ORDER BY and LIMIT. Returns 0 or -ENOMEM. */
int ttq_partial__finish(struct ttq_partial *p, struct ttq_result **out,
			struct ttq_error *err);
void ttq_partial__free(struct ttq_partial *p);

/* ---- Results ----------------------------------------------------------------
 */

size_t ttq_result__ncols(const struct ttq_result *r);
size_t ttq_result__nrows(const struct ttq_result *r);
/* Output column name: the alias, the column name, or the expression text. */
const char *ttq_result__col_name(const struct ttq_result *r, size_t col);
/* Static type of the column (a NULL cell may still appear). */
enum ttq_type ttq_result__col_type(const struct ttq_result *r, size_t col);
/* Cell (row, col); valid until ttq_result__free(). */
const struct ttq_value *ttq_result__value(const struct ttq_result *r,
					  size_t row, size_t col);
void ttq_result__free(struct ttq_result *r);

/* ---- Helpers the CLI shares -----------------------------------------------
 */

#define TTQ_FMT_UTC 0x1 /* times in UTC ("Z"), not local time */
/*
 * Formats a value for people: integers in decimal, doubles with up to 6
 * significant decimals, times as ISO 8601 with milliseconds
 * ("2026-11-25T01:02:03.456Z" or with the local offset), durations as
 * "1.5s"-style text, strings as they are (not quoted), NULL as "". Returns
 * the length it wanted (snprintf-style); buf is always NUL-terminated.
 */
int ttq_value__format(const struct ttq_value *v, unsigned flags, char *buf,
		      size_t len);

/*
 * Levenshtein distance between a and b (bytes, case-insensitive), capped
 * at 255.
 */
int ttq_edit_distance(const char *a, const char *b);
/*
 * Resolves an IPv4/IPv6 address text to a host name: /etc/hosts first,
 * then reverse DNS (getnameinfo) given up after timeout_ms; answers and
 * failures are cached for the process. Returns a NUL-terminated name, or
 * the address itself when nothing resolves; never NULL. The pointer stays
 * valid for the life of the process.
 */
const char *ttq_ip_host(const char *addr, size_t len, int timeout_ms);

#ifdef __cplusplus
}
#endif
#endif
