#!/bin/bash
# tests/store/fuzz_store.sh - builds the store's libFuzzer target (table
# file parsing: header, segments, dictionaries, scans, writer repair) and
# runs it for a bounded time (FUZZ_SECONDS, default 20). Any crash,
# sanitizer report or leak fails the test; the input is kept and named.
TT_SUITE=store/fuzz_store
. "$(dirname "$0")/../lib.sh"

fuzz_setup fuzz_store
# Seeds: untouched file, resealed edits, truncations, a foreign file, and
# writer reopens.
printf '\x00' >"$work/corpus/plain"
printf '\x12' >"$work/corpus/copy"
printf '\x22\x00\x00\x05\x20' >"$work/corpus/time"
printf '\x01\x02\x00' >"$work/corpus/trunc"
printf '\x0a\x00\x10\x05\x00\x20\x07' >"$work/corpus/reseal-writer"
printf '\x04TTSTORE\x00\x01\x00\x00\x00' >"$work/corpus/raw"
printf '\x2a\x00\x01\x00\x04\xf8\x00\x08\x02\x64' >"$work/corpus/raw-other-schema" # found in CI: a raw image whose schema the scan loop did not expect

fuzz_run -max_len=512
tt_done
