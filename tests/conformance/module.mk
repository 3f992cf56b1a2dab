# tests/conformance: tracetab against bpftrace 0.17 on one workload.
#   make conformance   runs the suite alone (table + totals line)
# The suite is also in TESTS (conformance.sh) so make test fails on a
# regression against expected.txt.
CONF_BINS := $(BUILD)/conformance/ttconf_work $(BUILD)/conformance/bt_load
BINS += $(CONF_BINS)

$(BUILD)/conformance/ttconf_work: tests/conformance/ttconf_work.c tests/conformance/ttconf_io.c tests/conformance/ttconf_tls.c tests/bpf/usdt_note.h
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -o $@ $(filter %.c,$^) -lpthread

$(BUILD)/conformance/bt_load: $(BUILD)/tests/conformance/bt_load.o $(BUILD)/libbt.a $(BUILD)/libtt_store.a
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -o $@ $^ $(LDLIBS_ALL)

TESTS += tests/conformance/conformance.sh

.PHONY: conformance
conformance: $(CONF_BINS) $(BUILD)/bt-run
	@tests/conformance/run.sh -x tests/conformance/expected.txt
