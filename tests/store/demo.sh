#!/bin/bash
# tests/store/demo.sh - runs the README's fallback demo (build/tt-store-demo)
# and checks what it prints: root wrote the rows, nobody read a time range
# as an aligned table whose rows are really in that range, and nobody's
# attempt to open the file for writing was refused.
TT_SUITE=store/demo
. "$(dirname "$0")/../lib.sh"

bin=$TT_BUILD/tt-store-demo
if [ "$(id -u)" != 0 ]; then
	skip run "needs root (creates root-owned files, drops to nobody)"
	tt_done
fi
# make test builds it (BINS); build it here only when run on its own.
if [ ! -x "$bin" ] && ! out=$(make -s -C "$TT_ROOT" BUILD="$TT_BUILD" "$bin" 2>&1); then
	fail build "$(echo "$out" | tail -3 | tr '\n' ' ')"
	tt_done
fi
if ! out=$("$bin" 2>&1); then
	fail run "exit status $?: $(echo "$out" | tail -3 | tr '\n' ' ')"
	tt_done
fi
pass run
check wrote grep -q '^root wrote 100000 rows to ' <<<"$out"
check read_as_nobody grep -q '^uid 65534 (nobody) reads table exec: 100000 rows' <<<"$out"
check header grep -Eq '^time_ +pid  comm +latency_us$' <<<"$out"
# 2 ms of rows 100 us apart: 20 or 21 rows, each "hh:mm:ss.uuuuuu pid comm n".
rows=$(grep -Ec '^[0-9]{2}:[0-9]{2}:[0-9]{2}\.[0-9]{6} +[0-9]+  [a-z0-9]+ +[0-9]+$' <<<"$out")
check row_count test "$rows" -ge 20 -a "$rows" -le 21
check count_line grep -q "^($rows rows)\$" <<<"$out"
check write_refused grep -q 'for writing: Permission denied (as it should)' <<<"$out"
# The rows are one 2 ms window: first and last timestamps 1.9-2 ms apart.
span=$(grep -Eo '^[0-9]{2}:[0-9]{2}:[0-9]{2}\.[0-9]{6}' <<<"$out" |
	awk -F: '{ t = $3 + 60 * $2 + 3600 * $1; if (NR == 1) f = t; l = t }
		 END { printf "%d", (l - f) * 1e6 + 0.5 }')
check time_window test "$span" -ge 1900 -a "$span" -le 2000
dir=$(sed -n 's|^root wrote [0-9]* rows to \(.*\)/exec.tt$|\1|p' <<<"$out")
check cleaned_up test -n "$dir" -a ! -e "$dir"
tt_done
