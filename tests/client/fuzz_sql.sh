#!/bin/bash
# tests/client/fuzz_sql.sh - runs the SQL libFuzzer target (lexer, parser,
# planner, executor on a small real table, partial decoder) for a bounded
# time (FUZZ_SECONDS, default 20) from a seed corpus of valid and broken
# queries with a dictionary of SQL tokens. Any crash, sanitizer report,
# leak or timeout fails the test; the input is kept in build/fuzz/.
TT_SUITE=client/fuzz_sql
. "$(dirname "$0")/../lib.sh"

fuzz_setup fuzz_sql
i=0
while IFS= read -r line; do
	printf '%s' "$line" > "$work/corpus/seed$((i++))"
done <<'SEEDS'
SELECT * FROM t
SELECT comm, count(*) AS n, p99(value) FROM t WHERE time_ > now() - 5m GROUP BY comm HAVING n > 1 ORDER BY n DESC, comm LIMIT 3
SELECT bin(time_, 10s) AS b, avg(pid), min(comm), max(value) FROM t GROUP BY b ORDER BY 1
SELECT ip_host(ip) AS h, count(*) FROM t WHERE ip LIKE '127.%' OR contains(comm, 'c1') GROUP BY h
SELECT pid * 2 - 1, upper(comm), length(ip), -pid % 3 FROM t WHERE pid IN (1, 2, -3) AND NOT comm = 'c2'
SELECT count(*) FROM t WHERE time_ BETWEEN '2023-11-14T22:00:00Z' AND now() - 1h30m
SELECT comm FROM t WHERE value / 0 > 1 ORDER BY time_ - now() DESC
SELECT sum(pid), p50(time_), p95(time_ - now()) FROM t WHERE pid NOT BETWEEN 1 AND 2
SELECT "comm", 'it''s' FROM t WHERE comm <> 'x' -- comment
SELECT pdi FROM tt WHERE
SELECT ((((((1)))))) FROM t GROUP BY 1
SEEDS

cat > "$work/dict" <<'DICT'
"SELECT "
" FROM t"
" WHERE "
" GROUP BY "
" HAVING "
" ORDER BY "
" LIMIT "
" AND "
" OR "
" NOT "
" IN ("
" LIKE "
" BETWEEN "
" AS "
" DESC"
"count(*)"
"sum("
"min("
"max("
"avg("
"p99("
"now()"
"bin(time_, 10s)"
"ip_host("
"contains("
"5m"
"500ms"
"'%'"
"time_"
"comm"
"pid"
"value"
"ip"
"TTQP"
DICT

mkdir -p "$work/store"
export TTQ_FUZZ_DIR=$work/store
fuzz_run -max_len=1024 -dict="$work/dict"
tt_done
