/*
 * tracetab/control.h - the control protocol between tracetabd and its
 * clients, and the client-side library (build/libtt_control.a).
 *
 * Transport. A unix stream socket (default TT_CONTROL_DEFAULT_SOCKET, mode
 * 0666: authorization is decided per request from SO_PEERCRED). Every
 * message, in both directions, is one JSON object encoded on a single line
 * and terminated by '\n' (compact JSON never contains a raw newline). A
 * client sends a request and reads exactly one reply; it may then send the
 * next request on the same connection. Requests longer than
 * TT_CONTROL_MAX_REQUEST bytes get a "too_large" error reply and the
 * connection is closed; a line that is not a JSON object gets a
 * "bad_request" reply and the connection stays usable.
 *
 * Requests. Every request has "op". Unknown members are ignored.
 *
 *   {"op":"ping"}                                      anyone
 *       -> {"ok":true,"version":"0.1.0","pid":123}
 *
 *   {"op":"deploy","deployment":SPEC}                  root / admin group
 *       SPEC = {
 *         "name":  "my_probe",          [A-Za-z_][A-Za-z0-9_.-]*, < 64 bytes
 *         "table": "my_table",          [A-Za-z_][A-Za-z0-9_]*, < 64 bytes
 *         "ttl":   "10m",               "<N>ms|s|m|h|d" or "none";
 *                                       optional, default "none"
 *         "replace_table": false,       optional: allow a schema change
 *         "map_interval_ms": 1000,      optional: snapshot period of maps
 *                                       exported as tables, 0..86400000;
 *                                       0: only at print(@m) and at the
 *                                       end. Or "map_interval": "5s"
 *                                       (a ttl-style duration or "none")
 *         "export_maps": false,         optional: a program with printf
 *                                       rows also exports every map
 *         "unsafe": false,              optional: programs may call
 *                                       signal(), system(), override();
 *                                       refused ("permission") unless the
 *                                       caller is root AND tracetabd runs
 *                                       with --allow-unsafe (cluster
 *                                       specs: that flag alone)
 *         "system_limit": 4,            optional, only with unsafe: 1..64
 *                                       system() commands at once; more
 *                                       are dropped and counted
 *         "system_timeout": "10s",      optional, only with unsafe: each
 *                                       command (and its process group)
 *                                       is killed after this, 1ms..1h
 *         "programs": [                 1..TT_CONTROL_MAX_PROGRAMS
 *           { "source": "tracepoint:syscalls:sys_enter_getppid
 *                        { printf(\"pid:%d\\n\", pid); }",
 *             "selectors": {            optional; every member optional
 *               "min_kernel": "5.8",    "X", "X.Y" or "X.Y.Z", inclusive
 *               "max_kernel": "6",      inclusive; "6" covers 6.*.*,
 *                                       "5.18" covers 5.18.*
 *               "host_name": "node-1",  exact match with gethostname()
 *               "requires": ["btf", "uprobe"]   of kprobe fentry uprobe btf
 *             } } ] }
 *       The node runs the FIRST program whose selectors all match. Deploy is
 *       an upsert by name: an identical spec only refreshes the expiry
 *       ("result":"refreshed"), a changed spec replaces the running probes
 *       without losing rows ("replaced"), a new name is "created".
 *       -> {"ok":true,"result":"created"|"refreshed"|"replaced",
 *           "status":STATUS}
 *       A spec that is invalid (bad ttl, version, name, no programs, ...) is
 *       an error reply and nothing is stored. A valid spec that fails on
 *       this node (compile error, verifier rejection, missing kernel
 *       feature, no program matches) is stored and replied with ok:true and
 *       status.state "failed" or "skipped" and the reason in status.error.
 *       A schema change on a table that exists without replace_table is
 *       an error reply ("conflict") and nothing changes.
 *
 *   {"op":"delete","name":"my_probe"}                  root / admin group
 *       Detaches and forgets the deployment; its table stays.
 *       -> {"ok":true,"log":[LOG,...]} | error "not_found"
 *       "log" is the deployment's log as in status, ending with the text
 *       its END printfs printed as it went away.
 *
 *   {"op":"drop","table":"my_table"}                   root / admin group
 *       Removes the table's file and catalog entry. Refused ("conflict")
 *       while a running deployment writes to it.
 *       -> {"ok":true} | error "not_found" | "conflict"
 *
 *   {"op":"status"}  or  {"op":"status","name":"my_probe"}      anyone
 *       -> {"ok":true,"deployments":[STATUS,...]}  (name order)
 *       STATUS = {
 *         "name", "table": strings,
 *         "state": "pending"|"running"|"failed"|"skipped"|"terminated",
 *         "program": index of the chosen program (0-based) or -1,
 *         "reason": why that program was chosen, or why none was,
 *         "ttl": the ttl string of the spec,
 *         "created_ns": wall clock ns of the first deploy,
 *         "expires_ns": wall clock ns of expiry, 0 for none,
 *         "rows": rows ingested since this daemon process attached,
 *         "lost": records lost in the kernel ring buffer,
 *         "decode_errors": records that could not be decoded,
 *         "error": last error in plain words (compile diagnostics with
 *                  line:col, verifier log tail, attach error) or null,
 *         "tables": [{"name":"my_table","rows":N},{"name":"my_table_2",
 *                  ...}]: one table per distinct printf row format of the
 *                  running (or last) program, in order of first
 *                  appearance in its source; "rows" is the sum of these,
 *         "log": [LOG,...]: the last 50 lines (8 KiB) that banner
 *                  printfs printed: printfs in BEGIN or END and printfs
 *                  without conversions, which are not rows; only in the
 *                  status of one deployment (with "name") and in the
 *                  deploy reply. What BEGIN printed stays (up to 20
 *                  lines), followed by {"text":"[N lines not kept]"}
 *                  when later lines were dropped; time() lines are kept
 *                  apart (the newest 10) and merged in order,
 *         "map_tables": {"my_table_m": N, ...}: tables the running
 *                  program's maps are exported to, with the snapshot
 *                  rows appended to each; absent when none,
 *         "skipped_probes": ["line:col: message", ...]: attach points
 *                  the running program goes without, as bpftrace 0.17
 *                  drops them silently (uprobes on a function the
 *                  library lacks, USDT probes the binary lacks); each
 *                  is also a "warning:" line in "log",
 *         "warnings": ["program N:L:C: message", ...]: what the compiler
 *                  accepted but warned about (an assignment bpftrace 0.17
 *                  ignores, a statement whose value is dropped, code
 *                  after return); also "warning:" lines in "log",
 *         "unsafe": whether the spec is unsafe,
 *         "system": {"started","running","dropped","killed","failed",
 *                  "limit","timeout_ms"}: system() commands of an unsafe
 *                  deployment (absent otherwise); their output lines, and
 *                  the newest 10 lines time() printed, are in "log" }
 *       LOG = {"time_ns": wall clock ns of the record, "text": one line}
 *       "terminated" means the TTL expired or the program called exit():
 *       probes detached, table kept.
 *       It also means the program called exit() (reason "the program
 *       called exit()"): END ran, probes detached, until deployed again.
 *
 *   {"op":"list"}                                      anyone
 *       -> {"ok":true,"tables":[{"name":"t","columns":[{"name":"time_",
 *                                "type":"time"},...]},...]}
 *
 *   {"op":"schema","table":"t"}                        anyone
 *       -> {"ok":true,"name":"t","columns":[{"name":..,"type":..},...]}
 *
 * Errors. Every failed request gets
 *       {"ok":false,"code":CODE,"errno":N,"error":"sentence"}
 * with CODE one of the TT_CONTROL_E* strings below and N a positive errno.
 */
#ifndef TRACETAB_CONTROL_H
#define TRACETAB_CONTROL_H

#include <stddef.h>

#include <jansson.h>

#ifdef __cplusplus
extern "C" {
#endif

#define TT_CONTROL_DEFAULT_SOCKET "/run/tracetab/tracetabd.sock"
#define TT_CONTROL_MAX_REQUEST (4u << 20) /* bytes, newline included */
#define TT_CONTROL_MAX_REPLY (64u << 20)  /* the client refuses more */
#define TT_CONTROL_MAX_PROGRAMS 16
#define TT_CONTROL_MAX_SOURCE (1u << 20) /* bytes per program source */
#define TT_CONTROL_NAME_MAX 64            /* names, including the NUL */

/* Error codes ("code" of an error reply). */
#define TT_CONTROL_EBADREQ "bad_request"  /* malformed JSON, missing op/field */
#define TT_CONTROL_ETOOLARGE "too_large"  /* request over the limit */
#define TT_CONTROL_EPERM "permission"     /* needs root or the admin group */
#define TT_CONTROL_EINVAL "invalid"       /* bad spec: ttl, version, name */
#define TT_CONTROL_ENOENT "not_found"     /* no such deployment or table */
#define TT_CONTROL_ECONFLICT "conflict"   /* schema change, table in use */
#define TT_CONTROL_EINTERNAL "internal"   /* daemon-side failure */

struct ttc_control;

/*
 * Connects to the daemon's control socket at path (NULL: the default).
 * Returns 0 and *out, or a negative errno with err filled (e.g. -ENOENT
 * "tracetabd is not running (no socket at ...)", -EACCES).
 */
int ttc_control__connect(const char *path, struct ttc_control **out,
			 char *err, size_t errlen);

/*
 * Sends one request object and waits for its reply (a new reference the
 * caller json_decref()s). A reply with "ok":false is still a successful
 * exchange: returns 0 and the caller inspects it. Returns a negative errno
 * with err filled when the exchange itself failed: -EPIPE/-ECONNRESET (the
 * daemon closed the connection), -EBADMSG (reply is not JSON), -E2BIG
 * (request over TT_CONTROL_MAX_REQUEST or reply over TT_CONTROL_MAX_REPLY).
 */
int ttc_control__request(struct ttc_control *ctl, const json_t *req,
			 json_t **reply, char *err, size_t errlen);

/* Closes the connection. NULL is fine. */
void ttc_control__close(struct ttc_control *ctl);

/*
 * One-shot convenience: connects to path (NULL: default), sends the JSON
 * text req (any formatting; it is re-encoded on one line), stores the
 * reply as compact JSON text in *reply (malloc'd, caller frees) and
 * closes. Returns 0, or a negative errno with err filled (-EINVAL when req
 * is not a JSON object, plus every error of the functions above).
 */
int tt_control__request(const char *path, const char *req, char **reply,
			char *err, size_t errlen);

/*
 * Reads an error reply: returns NULL when reply has "ok":true, otherwise
 * the "error" sentence (or "malformed reply"). Valid while reply lives.
 */
const char *ttc_control__reply_error(const json_t *reply);

#ifdef __cplusplus
}
#endif
#endif
