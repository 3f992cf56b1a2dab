/*
 * ast_count.h - how many expression nodes a probe holds (ast_count.c).
 */
#ifndef BT_AST_COUNT_H
#define BT_AST_COUNT_H

#include <stddef.h>

#include "bpf/ast.h"

/*
 * Returns the number of expression nodes in probe's predicate and body
 * (every node semantic analysis may annotate). Never fails.
 */
size_t bt_probe__nexprs(const struct bt_probe *probe);

#endif
