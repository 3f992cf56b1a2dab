#!/bin/bash
# tests/client/cli.sh - the tracetab command line on real tables: output
# formats, --help and exit codes, --since, a query run as the unprivileged
# user nobody, and the CLI's error messages (caret, suggestion).
TT_SUITE=client/cli
. "$(dirname "$0")/../lib.sh"

tt=$TT_BUILD/tracetab
writer=$TT_BUILD/tests/client/tt-writer
tt_build "$tt" "$writer"
dir=$(mktemp -d /dev/shm/tt-cli.XXXXXX)
trap 'rm -rf "$dir"' EXIT
chmod 755 "$dir"
base=1700000000000000000 # 2023-11-14T22:13:20Z; row i is base + i ms
"$writer" "$dir" t 0 1000 --base $base --group 65534 || fail writer "tt-writer failed"
q() { "$tt" --store-dir "$dir" "$@"; }

# --- output formats -----------------------------------------------------
sql="SELECT pid, comm, value, time_ FROM t WHERE pid < 2 ORDER BY time_ LIMIT 2"
want_csv='pid,comm,value,time_
0,comm0,0,2023-11-14T22:13:20.000Z
1,comm1,37,2023-11-14T22:13:20.001Z'
got=$(q query "$sql" --format csv --utc)
[ "$got" = "$want_csv" ] && pass csv || fail csv "got: $got"

want_json='{"pid":0,"comm":"comm0","value":0,"time_":"2023-11-14T22:13:20.000Z"}
{"pid":1,"comm":"comm1","value":37,"time_":"2023-11-14T22:13:20.001Z"}'
got=$(q --format json --utc query "$sql")
[ "$got" = "$want_json" ] && pass json || fail json "got: $got"
echo "$got" | jq -e -s 'length == 2 and .[1].value == 37' >/dev/null &&
	pass json_parses || fail json_parses "jq rejected: $got"

want_table='pid  comm   value  time_
  0  comm0      0  2023-11-14T22:13:20.000Z
  1  comm1     37  2023-11-14T22:13:20.001Z'
got=$(q query "$sql" --utc)
[ "$got" = "$want_table" ] && pass table || fail table "got: $got"

got=$(q query "SELECT 'a,\"b' AS x, count(*) AS n FROM t" --format csv)
[ "$got" = 'x,n
"a,""b",1000' ] && pass csv_quoting || fail csv_quoting "got: $got"

# Local time: TZ decides the offset; UTC prints Z.
got=$(TZ=Asia/Kolkata q query "SELECT time_ FROM t LIMIT 1" --format csv | tail -1)
[ "$got" = "2023-11-15T03:43:20.000+05:30" ] && pass local_time || fail local_time "got: $got"

# p99 by nearest rank: the 142nd of 143 sorted values (python3 -c agrees).
got=$(q query "SELECT comm, count(*) AS n, p99(value) AS p FROM t GROUP BY comm HAVING n > 142 ORDER BY comm" --format csv)
[ "$got" = 'comm,n,p
comm0,143,986
comm1,143,987
comm2,143,988
comm3,143,989
comm4,143,990
comm5,143,991' ] && pass group_query || fail group_query "got: $got"

# --- --since: rows of the last minute only --------------------------------
"$writer" "$dir" recent 0 500 || fail writer "tt-writer failed"
got=$(q query "SELECT count(*) FROM recent" --since 1h --format csv | tail -1)
[ "$got" = 500 ] && pass since_recent || fail since_recent "got: $got"
got=$(q query "SELECT count(*) FROM t" --since 1h --format csv | tail -1)
[ "$got" = 0 ] && pass since_excludes_old || fail since_excludes_old "got: $got"

# --- tables / schema -------------------------------------------------------
got=$(q tables --format csv | cut -d, -f1-4)
[ "$got" = 'table,columns,rows,appended
recent,6,500,500
t,6,1000,1000' ] && pass tables || fail tables "got: $got"
got=$(q schema t --format csv | tr '\n' ' ')
[ "$got" = "column,type time_,time pid,int64 comm,string src_ip,string dst_ip,string value,uint64 " ] &&
	pass schema || fail schema "got: $got"

# --- help and exit codes ------------------------------------------------------
for c in query tables schema tail deploy delete status drop run; do
	if out=$("$tt" "$c" --help) && [ -n "$out" ]; then :; else
		fail "help_$c" "exit $? or no text"
		continue
	fi
	pass "help_$c"
done
"$tt" --help | grep -q "Exit codes" && pass help_exit_codes || fail help_exit_codes
code() { "$@" >/dev/null 2>&1; echo $?; }
[ "$(code "$tt")" = 2 ] && pass exit_no_command || fail exit_no_command
[ "$(code "$tt" frobnicate)" = 2 ] && pass exit_unknown_command || fail exit_unknown_command
[ "$(code "$tt" query)" = 2 ] && pass exit_missing_sql || fail exit_missing_sql
[ "$(code "$tt" query --format xml "SELECT 1 FROM t")" = 2 ] && pass exit_bad_format || fail exit_bad_format
[ "$(code "$tt" query --since 5x "SELECT 1 FROM t")" = 2 ] && pass exit_bad_since || fail exit_bad_since
[ "$(code q query "SELECT * FROM nosuch")" = 4 ] && pass exit_unknown_table || fail exit_unknown_table
[ "$(code q schema nosuch)" = 4 ] && pass exit_schema_unknown || fail exit_schema_unknown
[ "$(code q query "SELECT FROM t")" = 1 ] && pass exit_syntax || fail exit_syntax
[ "$(code "$tt" --socket "$dir/none" status)" = 3 ] && pass exit_no_daemon || fail exit_no_daemon

err=$(q query "SELECT coum FROM t" 2>&1 >/dev/null)
want="error: unknown column 'coum' in table t (did you mean 'comm'?)
  SELECT coum FROM t
         ^"
[ "$err" = "$want" ] && pass error_caret_suggestion || fail error_caret_suggestion "got: $err"
err=$(q query "SELECT comm FROM tt" 2>&1 >/dev/null | head -1)
[ "$err" = "error: unknown table 'tt' in $dir (did you mean 't'?)" ] &&
	pass error_table_suggestion || fail error_table_suggestion "got: $err"

# --- unprivileged: nobody reads a table of its group, not others ----------------
if [ "$(id -u)" = 0 ] && command -v setpriv >/dev/null; then
	bin=$dir/tracetab-copy # the build tree may not be readable by nobody
	cp "$tt" "$bin" && chmod 755 "$bin"
	as_nobody() { setpriv --reuid=65534 --regid=65534 --clear-groups "$bin" --store-dir "$dir" "$@"; }
	got=$(as_nobody query "SELECT count(*), sum(value) FROM t" --format csv | tail -1)
	[ "$got" = "1000,499500" ] && pass nobody_query || fail nobody_query "got: $got"
	# recent was written without a reader group: root-only 0640.
	if as_nobody query "SELECT count(*) FROM recent" >/dev/null 2>"$dir/err"; then
		fail nobody_denied "nobody read a root-only table"
	else
		grep -qi "permission\|denied" "$dir/err" && pass nobody_denied ||
			fail nobody_denied "$(cat "$dir/err")"
	fi
else
	skip nobody_query "needs root and setpriv to switch to nobody"
fi
tt_done
