# store/: the columnar table store -> build/libtt_store.a
STORE_SRCS := $(filter-out store/fuzz_%.c store/demo.c,$(wildcard store/*.c))
$(BUILD)/libtt_store.a: $(STORE_SRCS:%.c=$(BUILD)/%.o)
$(BUILD)/asan/libtt_store.a: $(STORE_SRCS:%.c=$(BUILD)/asan/%.o)
$(eval $(call tt_tests,tests/store,libtt_store.a))
