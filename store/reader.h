/*
 * store/reader.h - a reader's mapping of one table, shared by
 * store/reader.c (open, list, stats) and store/scan.c (scans).
 */
#ifndef TT_STORE_READER_H
#define TT_STORE_READER_H

#include <limits.h>

#include "store/segment.h"

struct tt_reader {
	char path[PATH_MAX];
	const void *base; /* PROT_READ mapping of the whole file */
	size_t size;
	struct tt_layout l; /* validated against the file size */
	struct tt_schema schema;
	uint32_t time_col;
};

#endif
