# rules.mk — extra targets of the Sysmon configuration engine (src/rules/):
# the libFuzzer harness over ruleset__load_buf and its CI smoke run.
#
#   make fuzz-config        fuzz for FUZZ_TIME seconds (default 600)
#   make fuzz-short         every harness for ~30 s each (CI); other modules
#                           add their own prerequisites to this target
#   make bench-rules        the filter benchmark (bench/bench_rules.c)

FUZZ_CC   ?= clang
FUZZ_TIME ?= 600
FUZZ_B    ?= build/fuzz
RULES_FUZZ_PKGS := libxml-2.0 libcrypto libhs
RULES_FUZZ_SRCS := tests/fuzz/config/fuzz_config.c $(wildcard src/rules/*.c) \
	src/common/schema.c src/common/record.c src/common/log.c src/common/duration.c \
	src/common/utf8.c src/common/strbuf.c

.PHONY: fuzz-config fuzz-short fuzz-short-config bench-rules

$(FUZZ_B)/fuzz_config: $(RULES_FUZZ_SRCS) $(wildcard src/rules/*.h) src/common/record.h
	@mkdir -p $(@D)
	$(Q)$(FUZZ_CC) -g -O1 -std=gnu11 -fsanitize=fuzzer,address,undefined \
		-fno-sanitize-recover=undefined -Iinclude -Isrc -D_GNU_SOURCE \
		$(shell pkg-config --cflags $(RULES_FUZZ_PKGS)) -o $@ $(RULES_FUZZ_SRCS) \
		$(shell pkg-config --libs $(RULES_FUZZ_PKGS)) -lstdc++ -lm

fuzz-config: $(FUZZ_B)/fuzz_config
	@mkdir -p $(FUZZ_B)/corpus-config
	$(FUZZ_B)/fuzz_config -max_total_time=$(FUZZ_TIME) -max_len=8192 -rss_limit_mb=2048 \
		-dict=tests/fuzz/config/config.dict $(FUZZ_B)/corpus-config tests/fuzz/config/corpus

fuzz-short-config: $(FUZZ_B)/fuzz_config
	tests/fuzz/config/run-short $(FUZZ_B)/fuzz_config

fuzz-short:: fuzz-short-config

bench-rules: $(B)/bench/bench_rules
	$(B)/bench/bench_rules
