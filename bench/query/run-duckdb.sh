#!/bin/sh
# bench/query/run-duckdb.sh - runs duckdb.mjs, first installing
# @duckdb/node-api into bench/node_modules (npm install --no-save) if it is
# missing. Arguments are passed to duckdb.mjs.
set -e
here=$(cd "$(dirname "$0")" && pwd)
bench=$(dirname "$here")
if [ ! -d "$bench/node_modules/@duckdb/node-api" ]; then
	echo "bench-query: installing @duckdb/node-api into $bench/node_modules" >&2
	(cd "$bench" && npm install --no-save --no-audit --no-fund @duckdb/node-api >&2)
fi
cd "$here"
NODE_PATH="$bench/node_modules" exec node "$here/duckdb.mjs" "$@"
