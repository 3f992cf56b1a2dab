/*
 * fuzz_sema.c - libFuzzer target over the whole compiler short of the
 * kernel: parse, semantic analysis (BTF, tracefs formats, ELF symbols),
 * code generation and the table rules, in both table and plain mode.
 * Nothing is loaded. Any input must end in a program or in diagnostics,
 * never in a crash, a leak or a sanitizer report.
 *
 * Inputs with glob characters are skipped: expanding `tracepoint:*:*`
 * reads two thousand format files, which is slow but not interesting.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "tracetab/bt.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 1 || size > 4096 || memchr(data, '*', size) ||
	    memchr(data, '?', size))
		return 0;
	char *src = malloc(size);
	if (!src)
		return 0;
	/* The first byte picks the mode; the rest is the program. */
	memcpy(src, data + 1, size - 1);
	src[size - 1] = 0;
	struct bt_compile_opts o = { .sz = sizeof(o),
				     .table_mode = data[0] & 1 };
	struct bt_diags *d = bt_diags__new();
	struct bt_program *p = NULL;
	int rc = bt_program__compile(src, &o, &p, d);
	if (rc == 0 && !p)
		abort();
	if (rc < 0 && bt_diags__count(d) == 0)
		abort(); /* every rejection must say why */
	/* Every table of a table program has a schema with time_. */
	for (size_t i = 0; p && o.table_mode && i < bt_program__ntables(p);
	     i++) {
		const struct tt_schema *s = bt_program__table_schema(p, i);
		if (!s || tt_schema__find(s, TT_TIME_COLUMN) < 0)
			abort();
	}
	bt_program__free(p);
	bt_diags__free(d);
	free(src);
	return 0;
}
