#!/bin/bash
# tests/store/fuzz_store.sh - builds the store's libFuzzer target (table
# file parsing: header, segments, dictionaries, scans, writer repair) and
# runs it for a bounded time (FUZZ_SECONDS, default 20). Any crash,
# sanitizer report or leak fails the test; the input is kept and named.
TT_SUITE=store/fuzz_store
. "$(dirname "$0")/../lib.sh"

secs=${FUZZ_SECONDS:-20}
bin=$TT_BUILD/fuzz/fuzz_store
if ! command -v clang >/dev/null; then
	skip run "clang is not installed (libFuzzer needs it)"
	tt_done
fi
if ! out=$(make -s -C "$TT_ROOT" BUILD="$TT_BUILD" "$bin" 2>&1); then
	fail build "$(echo "$out" | tail -3 | tr '\n' ' ')"
	tt_done
fi
pass build

work=$(mktemp -d /tmp/tt-fuzz-store.XXXXXX)
trap '[ -n "$TT_KEEP" ] || rm -rf "$work"' EXIT
mkdir -p "$work/corpus"
# Seeds: untouched file, resealed edits, truncations, a foreign file, and
# writer reopens.
printf '\x00' >"$work/corpus/plain"
printf '\x12' >"$work/corpus/copy"
printf '\x22\x00\x00\x05\x20' >"$work/corpus/time"
printf '\x01\x02\x00' >"$work/corpus/trunc"
printf '\x0a\x00\x10\x05\x00\x20\x07' >"$work/corpus/reseal-writer"
printf '\x04TTSTORE\x00\x01\x00\x00\x00' >"$work/corpus/raw"

cd "$work" || exit 1
if "$bin" -max_total_time="$secs" -max_len=512 -timeout=10 -rss_limit_mb=1024 \
	-print_final_stats=1 "$work/corpus" >"$work/log" 2>&1; then
	pass run
	grep -E 'stat::number_of_executed_units' "$work/log" | sed 's/^/# /'
else
	crash=$(ls "$work"/crash-* "$work"/leak-* "$work"/timeout-* "$work"/oom-* 2>/dev/null | head -1)
	keep=""
	if [ -n "$crash" ]; then
		keep=$TT_BUILD/fuzz/$(basename "$crash")
		cp "$crash" "$keep"
	fi
	fail run "$(grep -E 'ERROR|SUMMARY|==' "$work/log" | head -3 | tr '\n' ' ') input: $keep"
fi
tt_done
