# bpf/: the bpftrace compiler -> build/libbt.a and build/bt-run
BT_SRCS := $(filter-out bpf/bt-run.c bpf/fuzz_%.c,$(wildcard bpf/*.c))
$(BUILD)/libbt.a: $(BT_SRCS:%.c=$(BUILD)/%.o)
$(BUILD)/asan/libbt.a: $(BT_SRCS:%.c=$(BUILD)/asan/%.o)
BINS += $(BUILD)/bt-run
$(BUILD)/bt-run: $(BUILD)/bpf/bt-run.o $(BUILD)/libbt.a $(BUILD)/libtt_store.a
	$(CC) $(CFLAGS) -o $@ $^ $(LDLIBS_ALL)
$(eval $(call tt_tests,tests/bpf,libbt.a libtt_store.a))
TESTS += $(wildcard tests/bpf/*.sh)
