/*
 * store/schema.c - column types and table schemas.
 *
 * A schema is plain data (struct tt_schema) so it can be copied into a
 * file header, stored in the catalog and compared with memcmp-like rules.
 * Names are C identifiers so that they are valid SQL column names without
 * quoting; every table has a time_ column of type time, which the time
 * index is built on.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "store/format.h"

static const char *const type_names[] = {
	[TT_TYPE_INT64] = "int64",
	[TT_TYPE_UINT64] = "uint64",
	[TT_TYPE_TIME] = "time",
	[TT_TYPE_STRING] = "string",
};

const char *tt_type__name(enum tt_type type)
{
	if ((unsigned)type >= sizeof(type_names) / sizeof(type_names[0]))
		return NULL;
	return type_names[type];
}

int tt_type__parse(const char *name)
{
	if (!name)
		return -EINVAL;
	for (unsigned t = 1; t < sizeof(type_names) / sizeof(type_names[0]);
	     t++)
		if (strcmp(name, type_names[t]) == 0)
			return (int)t;
	return -EINVAL;
}

unsigned tt_type__width(uint32_t type)
{
	return type == TT_TYPE_STRING ? 4 : 8;
}

/* Checks a name within a fixed buffer of TT_NAME_MAX bytes. */
static int name__check_n(const char *name, size_t max)
{
	size_t i;

	if (!name || !name[0])
		return -EINVAL;
	for (i = 0; i < max && name[i]; i++) {
		char c = name[i];
		bool alpha = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
			     c == '_';
		bool digit = c >= '0' && c <= '9';

		if (!alpha && !(digit && i > 0))
			return -EINVAL;
	}
	return i < max ? 0 : -EINVAL;
}

int tt_name__check(const char *name)
{
	return name__check_n(name, TT_NAME_MAX);
}

int tt_schema__find(const struct tt_schema *schema, const char *name)
{
	if (!schema || !name)
		return -ENOENT;
	for (uint32_t i = 0; i < schema->ncols && i < TT_MAX_COLUMNS; i++)
		if (strncmp(schema->cols[i].name, name, TT_NAME_MAX) == 0)
			return (int)i;
	return -ENOENT;
}

int tt_schema__add(struct tt_schema *schema, const char *name,
		   enum tt_type type)
{
	struct tt_column_def *c;

	if (!schema || tt_name__check(name) || !tt_type__name(type))
		return -EINVAL;
	if (tt_schema__find(schema, name) >= 0)
		return -EEXIST;
	if (schema->ncols >= TT_MAX_COLUMNS)
		return -E2BIG;
	c = &schema->cols[schema->ncols++];
	memset(c, 0, sizeof(*c));
	strcpy(c->name, name);
	c->type = type;
	return 0;
}

bool tt_schema__equal(const struct tt_schema *a, const struct tt_schema *b)
{
	if (a->ncols != b->ncols || a->ncols > TT_MAX_COLUMNS)
		return false;
	for (uint32_t i = 0; i < a->ncols; i++)
		if (a->cols[i].type != b->cols[i].type ||
		    strncmp(a->cols[i].name, b->cols[i].name, TT_NAME_MAX))
			return false;
	return true;
}

int tt_schema__validate(const struct tt_schema *schema, char *err,
			size_t errlen)
{
	int t;

	if (!schema || schema->ncols == 0)
		return tt_err(err, errlen, -EINVAL, "schema has no columns");
	if (schema->ncols > TT_MAX_COLUMNS)
		return tt_err(err, errlen, -EINVAL,
			      "schema has %u columns, at most %d allowed",
			      schema->ncols, TT_MAX_COLUMNS);
	for (uint32_t i = 0; i < schema->ncols; i++) {
		const struct tt_column_def *c = &schema->cols[i];

		if (name__check_n(c->name, TT_NAME_MAX))
			return tt_err(err, errlen, -EINVAL,
				      "column %u has an invalid name", i);
		if (!tt_type__name(c->type))
			return tt_err(err, errlen, -EINVAL,
				      "column %.*s has unknown type %u",
				      TT_NAME_MAX, c->name, c->type);
		for (uint32_t j = 0; j < i; j++)
			if (!strncmp(c->name, schema->cols[j].name,
				     TT_NAME_MAX))
				return tt_err(err, errlen, -EINVAL,
					      "column %s appears twice",
					      c->name);
	}
	t = tt_schema__find(schema, TT_TIME_COLUMN);
	if (t < 0)
		return tt_err(err, errlen, -EINVAL,
			      "schema has no " TT_TIME_COLUMN " column");
	if (schema->cols[t].type != TT_TYPE_TIME)
		return tt_err(err, errlen, -EINVAL,
			      TT_TIME_COLUMN " must have type time");
	return 0;
}
