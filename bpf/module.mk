# bpf/: the bpftrace compiler -> build/libbt.a and build/bt-run
BT_SRCS := $(filter-out bpf/bt-run.c bpf/fuzz_%.c,$(wildcard bpf/*.c))
$(BUILD)/libbt.a: $(BT_SRCS:%.c=$(BUILD)/%.o)
$(BUILD)/asan/libbt.a: $(BT_SRCS:%.c=$(BUILD)/asan/%.o)
BINS += $(BUILD)/bt-run
$(BUILD)/bt-run: $(BUILD)/bpf/bt-run.o $(BUILD)/libbt.a $(BUILD)/libtt_store.a
	$(CC) $(CFLAGS) -o $@ $^ $(LDLIBS_ALL)
$(eval $(call tt_tests,tests/bpf,libbt.a libtt_store.a))
TESTS += $(wildcard tests/bpf/*.sh)

# libFuzzer target over the front end: lexer, parser, printf formats (clang).
FRONT_SRCS := bpf/ast.c bpf/lexer.c bpf/parser.c bpf/parser_expr.c \
	bpf/parser_stmt.c bpf/parser_top.c bpf/diag.c bpf/printf_format.c
FUZZERS += $(BUILD)/fuzz/fuzz_frontend
$(BUILD)/fuzz/fuzz_frontend: bpf/fuzz_frontend.c $(FRONT_SRCS) \
		bpf/ast.h bpf/lexer.h bpf/parser.h bpf/parser_internal.h bpf/printf_format.h
	@mkdir -p $(dir $@)
	clang -std=gnu11 -O1 -g -D_GNU_SOURCE -Iinclude -iquote . \
		-fsanitize=fuzzer,address,undefined -fno-sanitize-recover=undefined \
		-o $@ $(filter %.c,$^)

# bench-compiler: startup, tcpretrans compile+load and per-event cost,
# side by side with bpftrace (runs build/bt-run).
BENCHES += $(BUILD)/bench-compiler
$(BUILD)/bench-compiler: $(BUILD)/bench/compiler.o $(BUILD)/libbt.a $(BUILD)/libtt_store.a | $(BUILD)/bt-run
	$(CC) $(CFLAGS) -o $@ $^ $(LDLIBS_ALL)

# libFuzzer target over the kernel-interface parsers: tracefs formats, BTF,
# ELF symbols (clang only); tests/bpf/fuzz_kernel.sh runs it briefly.
FUZZERS += $(BUILD)/fuzz/fuzz_kernel
$(BUILD)/fuzz/fuzz_kernel: bpf/fuzz_kernel.c bpf/btf.c bpf/btf_raw.c bpf/btf_str.c bpf/tracefs.c bpf/elf_sym.c bpf/errmsg.c
	@mkdir -p $(dir $@)
	clang -std=gnu11 -O1 -g -D_GNU_SOURCE -Iinclude -iquote . \
		-fsanitize=fuzzer,address,undefined -o $@ $^ -lbpf -lelf -lz -lpthread

# libFuzzer target over parse + semantic analysis + code generation (no
# load); tests/bpf/fuzz_sema.sh runs it briefly.
BT_FUZZ_SRCS := $(filter-out bpf/fuzz_%.c,$(BT_SRCS)) store/schema.c store/format.c
FUZZERS += $(BUILD)/fuzz/fuzz_sema
$(BUILD)/fuzz/fuzz_sema: bpf/fuzz_sema.c $(BT_FUZZ_SRCS) $(wildcard bpf/*.h)
	@mkdir -p $(dir $@)
	clang -std=gnu11 -O1 -g -D_GNU_SOURCE -Iinclude -iquote . \
		-fsanitize=fuzzer,address,undefined -fno-sanitize-recover=undefined \
		-o $@ $(filter %.c,$^) -lbpf -lelf -lz -lpthread

# Kernel-interface benchmark: BTF readiness vs libbpf (bench/kernel.c).
BENCHES += $(BUILD)/bench-kernel
$(BUILD)/bench-kernel: $(BUILD)/bench/kernel.o $(BUILD)/libbt.a
	$(CC) $(CFLAGS) -o $@ $^ $(LDLIBS_ALL)

# bench group "maps": a 4096-key map snapshot into a table vs printing it
# in bpftrace's format (bench/maps.c; needs root).
BENCHES += $(BUILD)/bench-maps
$(BUILD)/bench-maps: $(BUILD)/bench/maps.o $(BUILD)/libbt.a $(BUILD)/libtt_store.a
	$(CC) $(CFLAGS) -o $@ $^ $(LDLIBS_ALL)
