#!/bin/bash
# Runs the kernel-interface parser fuzzer (bpf/fuzz_kernel.c) for a bounded
# time from seeds made here: a real tracefs format, a hand-made BTF blob and
# a small ELF executable. Any crash, leak or sanitizer report fails.
TT_SUITE=bpf
. "$(dirname "$0")/../lib.sh"
fz=$TT_BUILD/fuzz/fuzz_kernel
if ! make -s -C "$TT_ROOT" "${fz#$TT_ROOT/}" >/dev/null 2>&1 || [ ! -x "$fz" ]; then
	skip fuzz_kernel "cannot build $fz (needs clang with libFuzzer)"
	tt_done
fi
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
mkdir "$dir/corpus"
# First byte selects the parser: 0 format, 1 BTF, 2 ELF.
fmt=/sys/kernel/tracing/events/syscalls/sys_enter_openat/format
{ printf '\x00'; cat "$fmt" 2>/dev/null || printf 'name: x\nID: 1\nformat:\n\tfield:int x;\toffset:8;\tsize:4;\tsigned:1;\n'; } >"$dir/corpus/format"
# BTF: int, struct s { int a; }, struct s * (little endian).
{
	printf '\x01'
	printf '\x9f\xeb\x01\x00\x18\x00\x00\x00' # magic, version, flags, hdr_len
	printf '\x00\x00\x00\x00\x34\x00\x00\x00' # type_off 0, type_len 52
	printf '\x34\x00\x00\x00\x09\x00\x00\x00' # str_off 52, str_len 9
	printf '\x01\x00\x00\x00\x00\x00\x00\x01\x04\x00\x00\x00\x20\x00\x00\x01'
	printf '\x05\x00\x00\x00\x01\x00\x00\x04\x04\x00\x00\x00'
	printf '\x07\x00\x00\x00\x01\x00\x00\x00\x00\x00\x00\x00'
	printf '\x00\x00\x00\x00\x00\x00\x00\x02\x02\x00\x00\x00'
	printf '\x00int\x00s\x00a\x00'
} >"$dir/corpus/btf"
{ printf '\x02'; head -c 60000 /usr/bin/true; } >"$dir/corpus/elf"
if "$fz" -max_total_time="${TT_FUZZ_SECONDS:-20}" -max_len=65536 -timeout=10 \
	"$dir/corpus" >"$dir/log" 2>&1; then
	pass fuzz_kernel
else
	fail fuzz_kernel "$(grep -m3 -E 'ERROR|SUMMARY|Timeout' "$dir/log" | tr '\n' ' ')"
fi
tt_done
