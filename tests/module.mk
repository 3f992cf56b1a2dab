# The test harness shared by every part's unit tests (plain and sanitized).
$(BUILD)/libtt_test.a: $(BUILD)/tests/tt_test.o
$(BUILD)/asan/libtt_test.a: $(BUILD)/asan/tests/tt_test.o
