#!/bin/bash
# tests/client/tail.sh - `tracetab tail` following a live writer process:
# every row exactly once and in order while the ring has room, and an
# honest "missed N rows" when a tiny ring wraps faster than tail polls.
TT_SUITE=client/tail
. "$(dirname "$0")/../lib.sh"

tt=$TT_BUILD/tracetab
writer=$TT_BUILD/tests/client/tt-writer
tt_build "$tt" "$writer"
dir=$(mktemp -d /dev/shm/tt-tail.XXXXXX)
pids=()
trap 'kill "${pids[@]}" 2>/dev/null; rm -rf "$dir"' EXIT

# Row i carries value (i*37)%1000 and pid i%50: a missing, repeated or
# reordered row breaks the sequence check below.
check_seq() { # file first_index count
	awk -F, -v first="$2" -v n="$3" '
		NR == 1 { next }
		{ i = first + NR - 2
		  if ($2 != i % 50 || $6 != (i * 37) % 1000) {
			printf "line %d: pid %s value %s, want row %d\n", NR, $2, $6, i; bad = 1; exit 1 } }
		END { if (!bad && NR - 1 != n) { printf "%d rows, want %d\n", NR - 1, n; exit 1 } }' "$1"
}

# 1. Live writer, 30000 rows at ~15000 rows/s; tail starts first, polls
#    every 20 ms, in 256-row segments (the ring never wraps).
"$writer" "$dir" live 0 1 --segment-rows 256 || fail writer "could not create"
"$writer" "$dir" live 1 30000 --rate 15000 --segment-rows 256 &
pids+=($!)
timeout 60 "$tt" --store-dir "$dir" tail live --from-start --count 30000 \
	--interval 20ms --format csv >"$dir/out" 2>"$dir/err"
rc=$?
wait "${pids[0]}"
if [ $rc != 0 ]; then
	fail live_follow "tail exited $rc: $(head -3 "$dir/err")"
elif msg=$(check_seq "$dir/out" 0 30000); then
	pass live_follow
else
	fail live_follow "$msg"
fi
[ -s "$dir/err" ] && fail live_no_missed "$(head -2 "$dir/err")" || pass live_no_missed

# 2. --last N starts N rows before the end and waits for new ones.
timeout 20 "$tt" --store-dir "$dir" tail live --last 5 --count 5 --format csv >"$dir/last" &&
	msg=$(check_seq "$dir/last" 29995 5) && pass last_n || fail last_n "$msg"

# 3. A 48-row ring and a fast writer: tail polls once a second, so it must
#    report the rows it missed, and still print whole rows in id order.
"$writer" "$dir" tiny 0 1 --segment-rows 16 --max-bytes 65536 || fail writer "tiny"
timeout 20 "$tt" --store-dir "$dir" tail tiny --from-start --count 40 \
	--interval 1s --format csv >"$dir/tiny" 2>"$dir/tiny.err" &
tailpid=$!
sleep 0.3
"$writer" "$dir" tiny 1 20000 --segment-rows 16 --max-bytes 65536
wait $tailpid
if grep -q "missed [0-9]* rows" "$dir/tiny.err"; then
	pass wrap_reports_missed
else
	fail wrap_reports_missed "stderr: $(head -2 "$dir/tiny.err")"
fi
# Rows after the gap are whole and consecutive: row 0, then a run from
# somewhere in the last ring's worth of ids (< 100 before the end).
n=$(($(wc -l <"$dir/tiny") - 1))
if [ "$n" = 40 ] && [ "$(sed -n 2p "$dir/tiny" | cut -d, -f6)" = 0 ]; then
	read -r p v < <(sed -n 3p "$dir/tiny" | awk -F, '{ print $2, $6 }')
	first=-1
	for ((i = 19999 - 100; i < 20000; i++)); do
		[ $((i % 50)) = "$p" ] && [ $((i * 37 % 1000)) = "$v" ] && first=$i
	done
	tail -n 39 "$dir/tiny" | sed '1i header' >"$dir/tiny.rest"
	if [ $first -lt 0 ]; then
		fail wrap_rows_whole "row after the gap is no recent row: $(sed -n 3p "$dir/tiny")"
	elif msg=$(check_seq "$dir/tiny.rest" $first 39); then
		pass wrap_rows_whole
	else
		fail wrap_rows_whole "$msg"
	fi
else
	fail wrap_rows_whole "$n rows, first $(sed -n 2p "$dir/tiny")"
fi
tt_done
