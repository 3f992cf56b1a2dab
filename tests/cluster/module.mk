# tests/cluster/: cluster mode on NATS JetStream (issue 7).
# The daemon's cluster query responder (daemon/cluster_query.c, in
# libttd.a) runs the query engine, so tracetabd also links libtt_query.a;
# added here as a target-specific library list to leave daemon/module.mk
# alone.
$(BUILD)/tracetabd: $(BUILD)/libtt_query.a
$(BUILD)/tracetabd: LDLIBS_ALL := $(BUILD)/libtt_query.a $(BUILD)/libtt_store.a $(LDLIBS_ALL)
$(BUILD)/asan/tracetabd: $(BUILD)/asan/libtt_query.a
$(BUILD)/asan/tracetabd: LDLIBS_ALL := $(BUILD)/asan/libtt_query.a $(BUILD)/asan/libtt_store.a $(LDLIBS_ALL)
TESTS += $(filter-out tests/cluster/bench.sh,$(wildcard tests/cluster/*.sh))
# bench group "cluster": a shell benchmark copied next to the binaries.
BENCHES += $(BUILD)/bench-cluster
$(BUILD)/bench-cluster: tests/cluster/bench.sh | $(BUILD)/tracetabd $(BUILD)/tracetab $(BUILD)/tests/client/tt-writer
	install -m 755 $< $@
# The CLI with sanitizers, for tests/cluster/cluster_asan.sh.
$(BUILD)/asan/tracetab: $(TTC_SRCS:%.c=$(BUILD)/asan/%.o) $(BUILD)/asan/libtt_query.a $(BUILD)/asan/libtt_control.a $(BUILD)/asan/libtt_store.a
	$(CC) $(CFLAGS) $(SANFLAGS) -o $@ $^ $(LDLIBS_ALL)
asan-tests: $(BUILD)/asan/tracetab $(BUILD)/asan/tracetabd
# The CLI shares the NATS credential/TLS options with the daemon
# (daemon/nats_opts.c, also in libttd.a).
$(BUILD)/tracetab: $(BUILD)/daemon/nats_opts.o
$(BUILD)/asan/tracetab: $(BUILD)/asan/daemon/nats_opts.o
# cl-watch: prints status-bucket changes with server timestamps, for the
# 50-daemon control-plane simulation in bench-cluster.
$(BUILD)/tests/cluster/cl-watch: tests/cluster/cl_watch.c daemon/cluster.h
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -o $@ $< -lnats -ljansson
$(BUILD)/bench-cluster: | $(BUILD)/tests/cluster/cl-watch
# libFuzzer target over the cluster decoders (daemon/cluster_wire.c) and
# the spec parser behind them (clang); tests/cluster/fuzz_cluster.sh.
FUZZERS += $(BUILD)/fuzz/fuzz_cluster
$(BUILD)/fuzz/fuzz_cluster: tests/cluster/fuzz_cluster.c daemon/cluster_wire.c daemon/spec.c daemon/cluster_wire.h daemon/cluster.h daemon/spec.h include/tracetab/control.h
	@mkdir -p $(dir $@)
	clang -std=gnu11 -O1 -g -D_GNU_SOURCE -Iinclude -iquote . \
		-fsanitize=fuzzer,address,undefined -fno-sanitize-recover=undefined \
		-o $@ $(filter %.c,$^) -ljansson
# Unit test of daemon/nats_opts.c (the flag parser, environment, checks).
TESTS += $(BUILD)/tests/cluster/test_nats_opts
ASAN_TESTS += $(BUILD)/asan/tests/cluster/test_nats_opts
$(BUILD)/tests/cluster/test_nats_opts: $(BUILD)/tests/cluster/test_nats_opts.o $(BUILD)/daemon/nats_opts.o $(BUILD)/libtt_test.a
	$(CC) $(CFLAGS) -o $@ $^ $(LDLIBS_ALL)
$(BUILD)/asan/tests/cluster/test_nats_opts: $(BUILD)/asan/tests/cluster/test_nats_opts.o $(BUILD)/asan/daemon/nats_opts.o $(BUILD)/asan/libtt_test.a
	$(CC) $(CFLAGS) $(SANFLAGS) -o $@ $^ $(LDLIBS_ALL)
# bench group "cluster", client side: deploy --wait and tail over 3 nodes
# against the same on one node (tests/cluster/bench_client.bash).
BENCHES += $(BUILD)/bench-cluster-client
$(BUILD)/bench-cluster-client: tests/cluster/bench_client.bash | $(BUILD)/tracetabd $(BUILD)/tracetab
	install -m 755 $< $@
