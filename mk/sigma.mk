# sigma.mk — extra targets of the Sigma engine (src/detect/): the libFuzzer
# harness over rule loading, compilation, matching and JSON event replay,
# and the benchmark.
#
#   make fuzz-sigma         fuzz for FUZZ_TIME seconds (default 600)
#   make fuzz-short-sigma   ~30 s smoke run (part of `make fuzz-short`)
#   make bench-sigma        build/bench/bench_sigma (SigmaHQ linux rules and
#                           3,000 rules of their shapes; see BENCHMARKS notes
#                           in bench/bench_sigma.c)

FUZZ_CC   ?= clang
FUZZ_TIME ?= 600
FUZZ_B    ?= build/fuzz
SIGMA_FUZZ_PKGS := yaml-0.1 libhs libpcre2-8 json-c
# dstream.c is `vigil detect`'s stream plumbing (libcrypto, NATS), not the
# engine the fuzzer drives, so it stays out of the fuzzer's link.
SIGMA_FUZZ_SRCS := tests/fuzz/sigma/fuzz_sigma.c \
	$(filter-out src/detect/dstream.c,$(wildcard src/detect/*.c)) \
	src/common/schema.c src/common/record.c src/common/record_json.c \
	src/common/json.c src/common/utf8.c src/common/strbuf.c src/common/log.c \
	src/common/duration.c

.PHONY: fuzz-sigma fuzz-short fuzz-short-sigma bench-sigma

$(FUZZ_B)/fuzz_sigma: $(SIGMA_FUZZ_SRCS) $(wildcard src/detect/*.h) src/common/record.h
	@mkdir -p $(@D)
	$(Q)$(FUZZ_CC) -g -O1 -std=gnu11 -fsanitize=fuzzer,address,undefined \
		-fno-sanitize-recover=undefined -Iinclude -Isrc -D_GNU_SOURCE \
		$(shell pkg-config --cflags $(SIGMA_FUZZ_PKGS)) -o $@ $(SIGMA_FUZZ_SRCS) \
		$(shell pkg-config --libs $(SIGMA_FUZZ_PKGS)) -lstdc++ -lm

fuzz-sigma: $(FUZZ_B)/fuzz_sigma
	@mkdir -p $(FUZZ_B)/corpus-sigma
	$(FUZZ_B)/fuzz_sigma -max_total_time=$(FUZZ_TIME) -max_len=8192 -rss_limit_mb=2048 \
		-dict=tests/fuzz/sigma/sigma.dict $(FUZZ_B)/corpus-sigma tests/fuzz/sigma/corpus

fuzz-short-sigma: $(FUZZ_B)/fuzz_sigma
	tests/fuzz/sigma/run-short $(FUZZ_B)/fuzz_sigma

fuzz-short:: fuzz-short-sigma

bench-sigma: $(B)/bench/bench_sigma
	$(B)/bench/bench_sigma
