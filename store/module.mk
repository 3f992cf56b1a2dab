# store/: the columnar table store -> build/libtt_store.a
STORE_SRCS := $(filter-out store/fuzz_%.c store/demo.c store/bench_%.c,$(wildcard store/*.c))
$(BUILD)/libtt_store.a: $(STORE_SRCS:%.c=$(BUILD)/%.o)
$(BUILD)/asan/libtt_store.a: $(STORE_SRCS:%.c=$(BUILD)/asan/%.o)
$(eval $(call tt_tests,tests/store,libtt_store.a))
TESTS += $(wildcard tests/store/*.sh)

# The README's fallback demo: a writer fills a table, nobody reads it.
BINS += $(BUILD)/tt-store-demo
$(BUILD)/tt-store-demo: $(BUILD)/store/demo.o $(BUILD)/libtt_store.a
	$(CC) $(CFLAGS) -o $@ $^ $(LDLIBS_ALL)

BENCHES += $(BUILD)/bench-store
$(BUILD)/bench-store: $(BUILD)/store/bench_store.o $(BUILD)/libtt_store.a
	$(CC) $(CFLAGS) -o $@ $^ $(LDLIBS_ALL)

# libFuzzer target over header and segment parsing (clang only).
FUZZERS += $(BUILD)/fuzz/fuzz_store
$(BUILD)/fuzz/fuzz_store: store/fuzz_store.c $(STORE_SRCS) $(wildcard store/*.h) include/tracetab/store.h
	@mkdir -p $(dir $@)
	clang -std=gnu11 -O1 -g -D_GNU_SOURCE -Iinclude -iquote . \
		-fsanitize=fuzzer,address,undefined -fno-sanitize-recover=undefined \
		-o $@ $(filter %.c,$^) -llmdb
