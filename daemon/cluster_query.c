/*
 * daemon/cluster_query.c - answers cluster requests from this node's store:
 * SQL queries (a partial aggregate) and tail requests (the rows after the
 * caller's cursor for this node).
 *
 * Tail is a pull protocol: the client keeps one row-id cursor per node and
 * asks for what follows it; this node answers with at most TAIL_MAX_BYTES
 * of rows and the new cursor. Row ids only grow, so a reply that never
 * arrives loses nothing (the client asks again from the same cursor) and
 * a row is never sent twice for one cursor. Rows the ring recycled before
 * they were asked for are counted ("missed"), never silently skipped; a
 * cursor beyond the table's end means the table was recreated ("reset").
 *
 * Runs on a libnats delivery thread. That is safe because queries only use
 * the store's lock-free reader API (the same one unprivileged clients
 * use); the loop thread and the manager are never touched. Errors are
 * answered too (one chunk with "error"), so the client can tell a node
 * that failed from a node that is away.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "daemon/cluster_query.h"
#include "daemon/log.h"
#include "tracetab/query.h"
#include "tracetab/store.h"

#define TAIL_MAX_BYTES (256u << 10) /* rows per reply, roughly */
#define TAIL_MAX_ROWS 20000

static void reply__chunk(natsConnection *nc, const char *to,
			 const struct ttd_cluster_opts *o, int seq, bool last,
			 const char *error, const void *data, size_t len)
{
	json_t *h = json_pack("{s:s, s:i, s:b, s:s?}", "node", o->node, "seq",
			      seq, "last", last, "error", error);
	char *hs = h ? json_dumps(h, JSON_COMPACT) : NULL;
	size_t hl = hs ? strlen(hs) : 0;
	char *msg = hs ? malloc(hl + 1 + len) : NULL;

	if (msg) {
		memcpy(msg, hs, hl);
		msg[hl] = '\n';
		if (len)
			memcpy(msg + hl + 1, data, len);
		if (natsConnection_Publish(nc, to, msg, (int)(hl + 1 + len)) !=
		    NATS_OK)
			ttd_debug("cluster: query reply not sent");
	}
	free(msg);
	free(hs);
	json_decref(h);
}

/* ---- tail ------------------------------------------------------------------
 */

static const char *const type_names[] = {
	[TT_TYPE_INT64] = "int",
	[TT_TYPE_UINT64] = "uint",
	[TT_TYPE_TIME] = "time",
	[TT_TYPE_STRING] = "string",
};

/* Strings are bytes; JSON wants UTF-8: other bytes become '?'. */
static json_t *str__json(const char *p, size_t n)
{
	json_t *j = json_stringn(p, n);
	char *copy;

	if (j || !(copy = malloc(n + 1)))
		return j;
	for (size_t i = 0; i < n; i++)
		copy[i] = (unsigned char)p[i] < 0x80 && p[i] ? p[i] : '?';
	j = json_stringn(copy, n);
	free(copy);
	return j;
}

/* One row as a JSON array; *bytes grows by about its encoded size. */
static json_t *row__json(const struct tt_schema *s, const struct tt_chunk *ch,
			 uint32_t row, size_t *bytes)
{
	json_t *r = json_array();

	for (uint32_t c = 0; c < s->ncols; c++) {
		const void *col = ch->cols[c];
		const char *str;
		uint32_t len;
		json_t *v;

		*bytes += 24;
		if (s->cols[c].type != TT_TYPE_STRING)
			v = json_integer(((const int64_t *)col)[row]);
		else if (tt_chunk__string(ch, c, ((const uint32_t *)col)[row],
					  &str, &len))
			v = json_null();
		else {
			v = str__json(str, len);
			*bytes += len;
		}
		json_array_append_new(r, v);
	}
	return r;
}

/* Where this node's rows start: the cursor, or the last `last` rows. */
static uint64_t tail__start(const json_t *req, const char *node,
			    const struct tt_reader_stats *st, json_t *out)
{
	json_t *cur = json_object_get(json_object_get(req, "cursors"), node);
	json_int_t last = json_integer_value(json_object_get(req, "last"));
	uint64_t from;

	if (json_is_integer(cur) && json_integer_value(cur) >= 0) {
		from = (uint64_t)json_integer_value(cur);
		if (from <= st->next_row_id)
			return from;
		json_object_set_new(out, "reset", json_true());
		return st->oldest_row_id;
	}
	if (json_is_true(json_object_get(req, "from_start")) || last < 0)
		return st->oldest_row_id;
	return st->next_row_id - st->oldest_row_id > (uint64_t)last
		       ? st->next_row_id - (uint64_t)last
		       : st->oldest_row_id;
}

/* Appends the rows from `from` on to out's "rows"; returns the cursor. */
static int tail__scan(struct tt_reader *r, uint64_t from, json_t *out,
		      uint64_t *next)
{
	const struct tt_schema *s = tt_reader__schema(r);
	struct tt_scan_opts o = {
		.sz = sizeof(o), .from_row_id = from, .flags = TT_SCAN_COPY};
	json_t *rows = json_object_get(out, "rows");
	struct tt_scan *scan;
	struct tt_chunk ch;
	uint64_t missed = 0;
	size_t bytes = 0;
	int ret = tt_reader__scan(r, &o, &scan);

	*next = from;
	while (!ret && (ret = tt_scan__next(scan, &ch)) > 0) {
		if (ch.first_row_id > *next) { /* recycled before we read */
			missed += ch.first_row_id - *next;
			*next = ch.first_row_id;
		}
		for (uint32_t i = 0; i < ch.nrows; i++) {
			if (ch.first_row_id + i < *next)
				continue;
			if (bytes >= TAIL_MAX_BYTES ||
			    json_array_size(rows) >= TAIL_MAX_ROWS) {
				json_object_set_new(out, "more", json_true());
				goto done;
			}
			json_array_append_new(rows,
					      row__json(s, &ch, i, &bytes));
			*next = ch.first_row_id + i + 1;
		}
	}
done:
	if (ret > 0)
		ret = 0;
	tt_scan__free(scan);
	json_object_set_new(out, "missed", json_integer((json_int_t)missed));
	return ret;
}

/* The tail payload for request req (see the top of this file). */
static json_t *tail__answer(const json_t *req, const struct ttd_cluster_opts *o)
{
	const char *table = json_string_value(json_object_get(req, "table"));
	json_t *out = json_pack("{s:[], s:[]}", "columns", "rows");
	struct tt_reader *r = NULL;
	struct tt_reader_stats st;
	char err[256] = "";
	uint64_t next = 0, from;
	int ret = table ? tt_reader__open(o->store_dir, table, &r, err,
					  sizeof(err))
			: -EINVAL;

	if (ret) {
		json_object_set_new(
			out, "error",
			json_string(!table ? "tail: the request names no table"
				    : ret == -ENOENT ? "no such table"
				    : *err	     ? err
						     : "tail: bad table name"));
		json_object_set_new(
			out, "code",
			json_string(ret == -ENOENT ? "ENOENT" : "EIO"));
		return out;
	}
	const struct tt_schema *s = tt_reader__schema(r);
	for (uint32_t c = 0; c < s->ncols; c++)
		json_array_append_new(json_object_get(out, "columns"),
				      json_pack("[s, s]", s->cols[c].name,
						type_names[s->cols[c].type]));
	tt_reader__stats(r, &st);
	from = tail__start(req, o->node, &st, out);
	ret = tail__scan(r, from, out, &next);
	json_object_set_new(out, "next", json_integer((json_int_t)next));
	if (ret)
		json_object_set_new(out, "error",
				    json_string("tail: the table could not be "
						"read"));
	tt_reader__close(r);
	return out;
}

/* ---- dispatch
 * ----------------------------------------------------------------
 */

/*
 * The serialized answer to one request into *buf: JSON requests ("{...",
 * which no SQL starts with) are tail requests, anything else is SQL.
 * Returns 0, or -1 with err set.
 */
static int request__answer(const char *text, const struct ttd_cluster_opts *o,
			   void **buf, size_t *len, struct ttq_error *err)
{
	struct ttq_opts qo = {
		.sz = sizeof(qo), .store_dir = o->store_dir, .node = o->node};
	struct ttq_query *q = NULL;
	struct ttq_partial *p = NULL;
	int rc;

	if (text[0] == '{') {
		json_t *req = json_loads(text, 0, NULL);
		const char *op = json_string_value(json_object_get(req, "op"));
		json_t *out =
			op && !strcmp(op, "tail") ? tail__answer(req, o) : NULL;

		*buf = out ? json_dumps(out, JSON_COMPACT) : NULL;
		*len = *buf ? strlen(*buf) : 0;
		json_decref(out);
		json_decref(req);
		if (!*buf)
			snprintf(err->msg, sizeof(err->msg), "%s",
				 req ? "unknown request" : "bad request JSON");
		return *buf ? 0 : -1;
	}
	rc = ttq_query__prepare(text, &qo, &q, err);
	if (rc == 0)
		rc = ttq_query__run_partial(q, &p, err);
	if (rc == 0)
		rc = ttq_partial__serialize(p, buf, len);
	ttq_partial__free(p);
	ttq_query__free(q);
	return rc < 0 ? -1 : 0;
}

static void on_query(natsConnection *nc, natsSubscription *sub, natsMsg *m,
		     void *closure)
{
	const struct ttd_cluster_opts *o = closure;
	const char *to = natsMsg_GetReply(m);
	int len = natsMsg_GetDataLength(m);
	char *text = strndup(natsMsg_GetData(m) ? natsMsg_GetData(m) : "",
			     len > 0 ? (size_t)len : 0);
	struct ttq_error err = {0};
	void *buf = NULL;
	size_t blen = 0, off = 0;
	int seq = 0;

	(void)sub;
	if (!to || !text)
		goto out;
	if (request__answer(text, o, &buf, &blen, &err) < 0) {
		reply__chunk(nc, to, o, 0, true,
			     err.msg[0] ? err.msg : "query failed", NULL, 0);
		goto out;
	}
	do {
		size_t n = blen - off > TTD_CLUSTER_CHUNK ? TTD_CLUSTER_CHUNK
							  : blen - off;

		reply__chunk(nc, to, o, seq++, off + n >= blen, NULL,
			     (char *)buf + off, n);
		off += n;
	} while (off < blen);
	natsConnection_Flush(nc);
out:
	free(buf);
	free(text);
	natsMsg_Destroy(m);
}

natsStatus ttd_cluster_query__subscribe(natsConnection *nc,
					const struct ttd_cluster_opts *o,
					natsSubscription **out)
{
	return natsConnection_Subscribe(out, nc, TTD_CLUSTER_QUERY_SUBJECT,
					on_query, (void *)o);
}
