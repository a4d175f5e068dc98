# dns.mk — extra targets of the DNS message parser (src/sensor/dns.c): the
# libFuzzer harness over dns__parse and the hostname cache, and its CI smoke
# run.
#
#   make fuzz-dns           fuzz for FUZZ_TIME seconds (default 600)
#   make fuzz-short         every harness for ~30 s each (CI)

FUZZ_CC   ?= clang
FUZZ_TIME ?= 600
FUZZ_B    ?= build/fuzz
# dns.c formats A records with strbuf.c's fmt_ipv4, so the harness links it too.
DNS_FUZZ_SRCS := tests/fuzz/dns/fuzz_dns.c src/sensor/dns.c src/common/strbuf.c

.PHONY: fuzz-dns fuzz-short fuzz-short-dns

$(FUZZ_B)/fuzz_dns: $(DNS_FUZZ_SRCS) src/sensor/dns.h src/common/strbuf.h
	@mkdir -p $(@D)
	$(Q)$(FUZZ_CC) -g -O1 -std=gnu11 -fsanitize=fuzzer,address,undefined \
		-fno-sanitize-recover=undefined -Isrc -D_GNU_SOURCE -o $@ $(DNS_FUZZ_SRCS)

fuzz-dns: $(FUZZ_B)/fuzz_dns
	@mkdir -p $(FUZZ_B)/corpus-dns
	$(FUZZ_B)/fuzz_dns -max_total_time=$(FUZZ_TIME) -max_len=1024 -rss_limit_mb=2048 \
		-dict=tests/fuzz/dns/dns.dict $(FUZZ_B)/corpus-dns tests/fuzz/dns/corpus

fuzz-short-dns: $(FUZZ_B)/fuzz_dns
	tests/fuzz/dns/run-short $(FUZZ_B)/fuzz_dns

fuzz-short:: fuzz-short-dns
