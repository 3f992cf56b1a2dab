# tracetab build.
#
#   make            build everything into build/
#   make test       install deps, build, run every test (plain and ASan+UBSan)
#   make bench      run every benchmark; make bench NAME=<group> runs one group
#   make deps       install build and test dependencies (apt-get, idempotent)
#   make fuzz       build the libFuzzer targets (clang)
#
# Each part of the tree has a module.mk that adds to the variables below;
# this file only holds the shared rules.

BUILD    ?= build
CC       ?= gcc
ifeq ($(origin CC),default)
CC       := gcc
endif
CFLAGS   := -std=gnu11 -O2 -g -Wall -Wextra -Werror -D_GNU_SOURCE -Iinclude -iquote .
SANFLAGS := -fsanitize=address,undefined -fno-omit-frame-pointer \
            -fno-sanitize-recover=undefined
LDLIBS_BPF  := -lbpf -lelf -lz
LDLIBS_ALL  := -lbpf -lelf -lz -luring -llmdb -ljansson -lnats -lpthread -lm

# Filled in by the module.mk files.
BINS        :=   # programs users and tests run
TESTS       :=   # test executables (binaries or scripts) for make test
ASAN_TESTS  :=   # unit test binaries built with sanitizers
BENCHES     :=   # benchmark executables; each takes no arguments
FUZZERS     :=   # libFuzzer targets

all: build-all

# $(call tt_tests,DIR,LIBS): every DIR/test_*.c becomes a test program linked
# with LIBS (names under $(BUILD)), built plainly and with sanitizers.
define tt_tests
$(1)_T := $$(patsubst %.c,%,$$(wildcard $(1)/test_*.c))
TESTS += $$($(1)_T:%=$$(BUILD)/%)
ASAN_TESTS += $$($(1)_T:%=$$(BUILD)/asan/%)
$$($(1)_T:%=$$(BUILD)/%): $$(BUILD)/%: $$(BUILD)/%.o $(2:%=$$(BUILD)/%) $$(BUILD)/libtt_test.a
	$$(CC) $$(CFLAGS) -o $$@ $$^ $$(LDLIBS_ALL)
$$($(1)_T:%=$$(BUILD)/asan/%): $$(BUILD)/asan/%: $$(BUILD)/asan/%.o $(2:%=$$(BUILD)/asan/%) $$(BUILD)/asan/libtt_test.a
	$$(CC) $$(CFLAGS) $$(SANFLAGS) -o $$@ $$^ $$(LDLIBS_ALL)
endef


-include store/module.mk
-include bpf/module.mk
-include daemon/module.mk
-include client/module.mk
-include tests/module.mk
-include bench/module.mk
-include packaging/module.mk
-include tests/conformance/module.mk
-include tests/cluster/module.mk

build-all: $(BINS) $(filter $(BUILD)/%,$(TESTS)) $(BENCHES)

# Objects: one rule for the plain build, one for the sanitizer build.
$(BUILD)/%.o: %.c
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -MMD -MP -c $< -o $@

$(BUILD)/asan/%.o: %.c
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) $(SANFLAGS) -MMD -MP -c $< -o $@

$(BUILD)/%.a:
	@mkdir -p $(dir $@)
	rm -f $@ && ar rcs $@ $^

deps:
	@scripts/deps.sh

test: deps
	$(MAKE) build-all asan-tests
	@tests/run-tests.sh $(TESTS) $(ASAN_TESTS)

asan-tests: $(ASAN_TESTS)

# NAME=<group> selects bench/<group>*; empty runs all.
bench: deps build-all $(BENCHES)
	@bench/run-bench.sh "$(NAME)" $(BENCHES)

demo:
	@scripts/demo.sh

fuzz: $(FUZZERS)

clean:
	rm -rf $(BUILD)

.PHONY: all build-all demo deps test asan-tests bench fuzz clean
-include $(shell find $(BUILD) -type f -name '*.d' 2>/dev/null)

