# client/: the query engine (build/libtt_query.a) and the tracetab CLI.
TTQ_SRCS := $(filter-out client/main.c client/cmd_%.c client/fuzz_%.c,$(wildcard client/*.c))
TTC_SRCS := $(wildcard client/main.c client/cmd_*.c)
$(BUILD)/libtt_query.a: $(TTQ_SRCS:%.c=$(BUILD)/%.o)
$(BUILD)/asan/libtt_query.a: $(TTQ_SRCS:%.c=$(BUILD)/asan/%.o)
BINS += $(BUILD)/tracetab
$(BUILD)/tracetab: $(TTC_SRCS:%.c=$(BUILD)/%.o) $(BUILD)/libtt_query.a $(BUILD)/libtt_control.a $(BUILD)/libtt_store.a
	$(CC) $(CFLAGS) -o $@ $^ $(LDLIBS_ALL)
$(eval $(call tt_tests,tests/client,libtt_query.a libtt_control.a libtt_store.a))
TESTS += $(wildcard tests/client/*.sh)
# A writer process the CLI shell tests drive (not a test itself).
$(BUILD)/tests/client/tt-writer: $(BUILD)/tests/client/tt_writer.o $(BUILD)/libtt_store.a
	$(CC) $(CFLAGS) -o $@ $^ $(LDLIBS_ALL)
BINS += $(BUILD)/tests/client/tt-writer
# Benchmark: tracetab's query engine vs DuckDB (make bench NAME=query).
BENCHES += $(BUILD)/bench-query
$(BUILD)/bench-query: $(BUILD)/bench/query/bench_query.o $(BUILD)/libtt_query.a $(BUILD)/libtt_store.a
	$(CC) $(CFLAGS) -o $@ $^ $(LDLIBS_ALL)

# libFuzzer target over the SQL front end, planner, executor and the
# partial decoder (clang); tests/client/fuzz_sql.sh runs it briefly.
FUZZERS += $(BUILD)/fuzz/fuzz_sql
$(BUILD)/fuzz/fuzz_sql: client/fuzz_sql.c $(TTQ_SRCS) $(STORE_SRCS) $(wildcard client/*.h store/*.h) include/tracetab/query.h include/tracetab/store.h
	@mkdir -p $(dir $@)
	clang -std=gnu11 -O1 -g -D_GNU_SOURCE -Iinclude -iquote . \
		-fsanitize=fuzzer,address,undefined -fno-sanitize-recover=undefined \
		-o $@ $(filter %.c,$^) -llmdb -lpthread -lm
