# daemon/: tracetabd -> build/tracetabd; the control-protocol client library
# (daemon/control_client.c) -> build/libtt_control.a, used by the CLI.
TTD_SRCS := $(filter-out daemon/main.c daemon/control_client.c,$(wildcard daemon/*.c))
$(BUILD)/libttd.a: $(TTD_SRCS:%.c=$(BUILD)/%.o)
$(BUILD)/asan/libttd.a: $(TTD_SRCS:%.c=$(BUILD)/asan/%.o)
$(BUILD)/libtt_control.a: $(BUILD)/daemon/control_client.o
$(BUILD)/asan/libtt_control.a: $(BUILD)/asan/daemon/control_client.o
BINS += $(BUILD)/tracetabd
$(BUILD)/tracetabd: $(BUILD)/daemon/main.o $(BUILD)/libttd.a $(BUILD)/libbt.a $(BUILD)/libtt_store.a
	$(CC) $(CFLAGS) -o $@ $^ $(LDLIBS_ALL)
$(eval $(call tt_tests,tests/daemon,libttd.a libtt_control.a libbt.a libtt_store.a))
TESTS += $(wildcard tests/daemon/*.sh)
# bench group "ingest": tracetabd vs bpftrace, end to end (needs root).
BENCHES += $(BUILD)/bench-ingest
$(BUILD)/bench-ingest: $(BUILD)/daemon/bench/ingest.o $(BUILD)/libtt_control.a $(BUILD)/libtt_store.a | $(BUILD)/tracetabd
	$(CC) $(CFLAGS) -o $@ $^ $(LDLIBS_ALL)
# libFuzzer target over spec, TTL and version parsing (clang only).
FUZZERS += $(BUILD)/fuzz/fuzz_daemon_spec
$(BUILD)/fuzz/fuzz_daemon_spec: tests/daemon/fuzz_spec.c daemon/spec.c daemon/spec.h include/tracetab/control.h
	@mkdir -p $(dir $@)
	clang -std=gnu11 -O1 -g -D_GNU_SOURCE -Iinclude -iquote . \
		-fsanitize=fuzzer,address,undefined -fno-sanitize-recover=undefined \
		-o $@ $(filter %.c,$^) -ljansson
# The integration tests start the daemon found above them in the build
# tree, so the sanitized tests run a sanitized daemon.
$(BUILD)/asan/tracetabd: $(BUILD)/asan/daemon/main.o $(BUILD)/asan/libttd.a $(BUILD)/asan/libbt.a $(BUILD)/asan/libtt_store.a
	$(CC) $(CFLAGS) $(SANFLAGS) -o $@ $^ $(LDLIBS_ALL)
$(tests/daemon_T:%=$(BUILD)/%): | $(BUILD)/tracetabd
$(tests/daemon_T:%=$(BUILD)/asan/%): | $(BUILD)/asan/tracetabd
# bench group "system": what a system() call costs the event loop, the
# runner (daemon/runner.c) against a synchronous popen() in the same run.
BENCHES += $(BUILD)/bench-system
$(BUILD)/bench-system: $(BUILD)/daemon/bench/system.o $(BUILD)/libttd.a
	$(CC) $(CFLAGS) -o $@ $^ $(LDLIBS_ALL)
