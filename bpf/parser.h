/*
 * bpf/parser.h - bpftrace program text to an AST (bpf/ast.h).
 *
 * A hand-written recursive-descent parser with C operator precedence
 * (bpftrace's), fed by bpf/lexer.c. It checks syntax only; names, types
 * and probe existence are semantic analysis' job.
 */
#ifndef BT_PARSER_H
#define BT_PARSER_H

#include <stddef.h>

#include "bpf/ast.h"
#include "tracetab/bt.h"

/*
 * Parses the NUL-terminated program src into *out.
 * Returns 0 and a new AST the caller frees with bt_ast__free(), or a
 * negative errno with *out set to NULL:
 *   -EINVAL  syntax errors; each added to diags with line:col (the parser
 *            recovers at statement boundaries, so there may be several)
 *            (a NULL src is "no program text")
 *   -ENOMEM  out of memory
 * diags may be NULL (errors are then only returned).
 */
int bt_parse(const char *src, struct bt_ast **out, struct bt_diags *diags);

/* Like bt_parse() for len bytes that may hold NULs (the fuzzer uses it). */
int bt_parse_n(const char *src, size_t len, struct bt_ast **out,
	       struct bt_diags *diags);

#endif
