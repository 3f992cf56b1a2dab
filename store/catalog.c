/*
 * store/catalog.c - the root-side catalog in LMDB.
 *
 * One environment under the daemon's state directory, with named
 * databases: "tables" maps a table name to its schema, and "space:<name>"
 * holds the generic records of each named space (deployment specs, ...).
 * Each call is one transaction, so every put is durable and atomic on its
 * own. Readers of tables never open the catalog: LMDB readers need a
 * writable lock file, which unprivileged users must not have.
 *
 * A schema is stored as a version word followed by the column count and
 * (name, type) pairs, so unused column slots take no space.
 */
#include <errno.h>
#include <lmdb.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "store/format.h"

#define CATALOG_MAX_DBS 128
#define CATALOG_MAP_BYTES (256ull << 20)
#define SCHEMA_RECORD_VERSION 1
#define TABLES_DB "tables"
#define SPACE_PREFIX "space:"

struct tt_catalog {
	MDB_env *env;
};

/* LMDB's own error codes are positive and above errno's range. */
static int mdb_errno(int rc)
{
	switch (rc) {
	case 0:
		return 0;
	case MDB_NOTFOUND:
		return -ENOENT;
	case MDB_MAP_FULL:
	case MDB_DBS_FULL:
		return -ENOSPC;
	case MDB_BAD_VALSIZE:
		return -EINVAL;
	default:
		return rc > 0 && rc < 4096 ? -rc : -EIO;
	}
}

int tt_catalog__open(const char *state_dir, struct tt_catalog **out, char *err,
		     size_t errlen)
{
	struct tt_catalog *cat;
	int rc;

	if (!state_dir || !out)
		return tt_err(err, errlen, -EINVAL, "missing argument");
	*out = NULL;
	rc = tt_dir__make(state_dir, 0700);
	if (rc)
		return tt_err(err, errlen, rc, "%s: mkdir: %s", state_dir,
			      strerror(-rc));
	cat = calloc(1, sizeof(*cat));
	if (!cat)
		return tt_err(err, errlen, -ENOMEM, "out of memory");
	rc = mdb_env_create(&cat->env);
	if (!rc)
		rc = mdb_env_set_maxdbs(cat->env, CATALOG_MAX_DBS);
	if (!rc)
		rc = mdb_env_set_mapsize(cat->env, CATALOG_MAP_BYTES);
	if (!rc)
		rc = mdb_env_open(cat->env, state_dir, MDB_NOTLS, 0600);
	if (rc) {
		tt_err(err, errlen, mdb_errno(rc), "%s: catalog: %s", state_dir,
		       mdb_strerror(rc));
		tt_catalog__close(cat);
		return mdb_errno(rc);
	}
	*out = cat;
	return 0;
}

void tt_catalog__close(struct tt_catalog *cat)
{
	if (!cat)
		return;
	if (cat->env)
		mdb_env_close(cat->env);
	free(cat);
}

/* Database name of a space; -EINVAL for an empty or oversized name. */
static int space__db(char *buf, size_t len, const char *space)
{
	size_t n = space ? strlen(space) : 0;

	if (!n || n + sizeof(SPACE_PREFIX) > len)
		return -EINVAL;
	memcpy(buf, SPACE_PREFIX, sizeof(SPACE_PREFIX) - 1);
	memcpy(buf + sizeof(SPACE_PREFIX) - 1, space, n + 1);
	return 0;
}

/* Begins a transaction with database db open (created when writing). */
static int txn__begin(struct tt_catalog *cat, const char *db, bool write,
		      MDB_txn **txn, MDB_dbi *dbi)
{
	int rc;

	if (!cat)
		return -EINVAL;
	rc = mdb_txn_begin(cat->env, NULL, write ? 0 : MDB_RDONLY, txn);
	if (rc)
		return mdb_errno(rc);
	rc = mdb_dbi_open(*txn, db, write ? MDB_CREATE : 0, dbi);
	if (rc) {
		mdb_txn_abort(*txn);
		return mdb_errno(rc);
	}
	return 0;
}

static int key__make(MDB_val *k, const char *key)
{
	if (!key || !key[0] || strlen(key) > 500)
		return -EINVAL;
	k->mv_data = (void *)key;
	k->mv_size = strlen(key);
	return 0;
}

static int db__put(struct tt_catalog *cat, const char *db, const char *key,
		   const void *val, size_t len)
{
	MDB_val k, v = {.mv_size = len, .mv_data = (void *)val};
	MDB_txn *txn;
	MDB_dbi dbi;
	int rc;

	if (key__make(&k, key) || (!val && len))
		return -EINVAL;
	rc = txn__begin(cat, db, true, &txn, &dbi);
	if (rc)
		return rc;
	rc = mdb_put(txn, dbi, &k, &v, 0);
	if (rc) {
		mdb_txn_abort(txn);
		return mdb_errno(rc);
	}
	return mdb_errno(mdb_txn_commit(txn));
}

/* Copies a record into a malloc'd buffer (NUL-terminated for safety). */
static int db__get(struct tt_catalog *cat, const char *db, const char *key,
		   void **val, size_t *len)
{
	MDB_val k, v;
	MDB_txn *txn;
	MDB_dbi dbi;
	int rc;

	if (key__make(&k, key) || !val || !len)
		return -EINVAL;
	rc = txn__begin(cat, db, false, &txn, &dbi);
	if (rc)
		return rc;
	rc = mdb_errno(mdb_get(txn, dbi, &k, &v));
	if (!rc) {
		*val = malloc(v.mv_size + 1);
		if (*val) {
			memcpy(*val, v.mv_data, v.mv_size);
			((char *)*val)[v.mv_size] = 0;
			*len = v.mv_size;
		} else {
			rc = -ENOMEM;
		}
	}
	mdb_txn_abort(txn);
	return rc;
}

static int db__del(struct tt_catalog *cat, const char *db, const char *key)
{
	MDB_txn *txn;
	MDB_dbi dbi;
	MDB_val k;
	int rc;

	if (key__make(&k, key))
		return -EINVAL;
	rc = txn__begin(cat, db, true, &txn, &dbi);
	if (rc)
		return rc;
	rc = mdb_del(txn, dbi, &k, NULL);
	if (rc) {
		mdb_txn_abort(txn);
		return mdb_errno(rc);
	}
	return mdb_errno(mdb_txn_commit(txn));
}

/* ---- tables ---- */

struct schema_record {
	uint32_t version, ncols;
	struct tt_column_def cols[TT_MAX_COLUMNS];
};

int tt_catalog__put_table(struct tt_catalog *cat, const char *name,
			  const struct tt_schema *schema)
{
	struct schema_record rec;

	memset(&rec, 0, sizeof(rec));
	rec.version = SCHEMA_RECORD_VERSION;
	if (tt_name__check(name) || !schema ||
	    tt_schema__validate(schema, NULL, 0))
		return -EINVAL;
	rec.ncols = schema->ncols;
	for (uint32_t i = 0; i < schema->ncols; i++) {
		strcpy(rec.cols[i].name, schema->cols[i].name);
		rec.cols[i].type = schema->cols[i].type;
	}
	return db__put(cat, TABLES_DB, name, &rec,
		       offsetof(struct schema_record, cols) +
			       rec.ncols * sizeof(rec.cols[0]));
}

int tt_catalog__get_table(struct tt_catalog *cat, const char *name,
			  struct tt_schema *schema)
{
	struct schema_record *rec;
	size_t len;
	int rc;

	if (tt_name__check(name) || !schema)
		return -EINVAL;
	rc = db__get(cat, TABLES_DB, name, (void **)&rec, &len);
	if (rc)
		return rc;
	if (len < offsetof(struct schema_record, cols) ||
	    rec->version != SCHEMA_RECORD_VERSION ||
	    rec->ncols > TT_MAX_COLUMNS ||
	    len != offsetof(struct schema_record, cols) +
			    rec->ncols * sizeof(rec->cols[0])) {
		free(rec);
		return -EBADMSG;
	}
	memset(schema, 0, sizeof(*schema));
	schema->ncols = rec->ncols;
	memcpy(schema->cols, rec->cols, rec->ncols * sizeof(rec->cols[0]));
	free(rec);
	return tt_schema__validate(schema, NULL, 0) ? -EBADMSG : 0;
}

int tt_catalog__del_table(struct tt_catalog *cat, const char *name)
{
	if (tt_name__check(name))
		return -EINVAL;
	return db__del(cat, TABLES_DB, name);
}

/* ---- generic spaces ---- */

int tt_catalog__put(struct tt_catalog *cat, const char *space, const char *key,
		    const void *val, size_t len)
{
	char db[128];

	if (space__db(db, sizeof(db), space))
		return -EINVAL;
	return db__put(cat, db, key, val, len);
}

int tt_catalog__get(struct tt_catalog *cat, const char *space, const char *key,
		    void **val, size_t *len)
{
	char db[128];

	if (space__db(db, sizeof(db), space))
		return -EINVAL;
	return db__get(cat, db, key, val, len);
}

int tt_catalog__del(struct tt_catalog *cat, const char *space, const char *key)
{
	char db[128];

	if (space__db(db, sizeof(db), space))
		return -EINVAL;
	return db__del(cat, db, key);
}

int tt_catalog__each(struct tt_catalog *cat, const char *space,
		     int (*fn)(const char *key, const void *val, size_t len,
			       void *ctx),
		     void *ctx)
{
	char db[128], key[512];
	MDB_cursor *cur;
	MDB_val k, v;
	MDB_txn *txn;
	MDB_dbi dbi;
	int rc, mrc;

	if (!fn || space__db(db, sizeof(db), space))
		return -EINVAL;
	rc = txn__begin(cat, db, false, &txn, &dbi);
	if (rc)
		return rc == -ENOENT ? 0 : rc; /* a space never written */
	mrc = mdb_cursor_open(txn, dbi, &cur);
	if (mrc) {
		mdb_txn_abort(txn);
		return mdb_errno(mrc);
	}
	for (mrc = mdb_cursor_get(cur, &k, &v, MDB_FIRST); !mrc && !rc;
	     mrc = mdb_cursor_get(cur, &k, &v, MDB_NEXT)) {
		size_t n =
			k.mv_size < sizeof(key) ? k.mv_size : sizeof(key) - 1;

		memcpy(key, k.mv_data, n);
		key[n] = 0;
		rc = fn(key, v.mv_data, v.mv_size, ctx);
	}
	if (!rc && mrc != MDB_NOTFOUND)
		rc = mdb_errno(mrc);
	mdb_cursor_close(cur);
	mdb_txn_abort(txn);
	return rc;
}
