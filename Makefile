# vigil — top-level build.
#
# `make` builds build/vigil (one binary, all subcommands) and the BPF
# skeletons it embeds. `make test` runs unit tests (cmocka) then end-to-end
# tests (bats, needs root). `make SANITIZE=1 unit` builds everything with
# ASan/UBSan into build/san and runs the unit tests there.
#
# Sources are picked up by directory, so adding a file to src/<module>/ needs
# no Makefile edit: every src/**/*.c except src/cli/main.c goes into
# libvigil.a, which the binary, the unit tests and the benchmarks link.

.DEFAULT_GOAL := all
include mk/config.mk
include mk/bpf.mk

LIB_SRCS  := $(filter-out src/cli/main.c src/bpf/%,$(wildcard src/*/*.c))
LIB_OBJS  := $(LIB_SRCS:%.c=$(B)/%.o)
MAIN_OBJ  := $(B)/src/cli/main.o
UNIT_SRCS := $(wildcard tests/unit/test_*.c)
UNIT_BINS := $(UNIT_SRCS:tests/unit/%.c=$(B)/tests/%)
HELPER_SRCS := $(filter-out tests/helpers/lib%,$(wildcard tests/helpers/*.c))
HELPER_BINS := $(HELPER_SRCS:tests/helpers/%.c=$(B)/helpers/%) $(B)/helpers/libvigiltest.so
BENCH_SRCS := $(filter-out %.bpf.c,$(wildcard bench/*.c))
BENCH_BINS := $(BENCH_SRCS:bench/%.c=$(B)/bench/%) $(B)/bench/hookfloor.bpf.o

.PHONY: all deps run test unit unit-san e2e bench fuzz-short format format-check clean helpers
all: $(B)/vigil helpers

$(B)/libvigil.a: $(LIB_OBJS)
	@mkdir -p $(@D)
	$(Q)rm -f $@ && $(AR) rcs $@ $^

$(B)/vigil: $(MAIN_OBJ) $(B)/libvigil.a
	$(Q)$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS)

# Sensor objects include the generated skeletons.
$(filter $(B)/src/sensor/%,$(LIB_OBJS)): $(BPF_SKELS)

$(B)/%.o: %.c
	@mkdir -p $(@D)
	$(Q)$(CC) $(CFLAGS) $(CPPFLAGS) -c -o $@ $<

$(B)/tests/%: tests/unit/%.c $(B)/libvigil.a
	@mkdir -p $(@D)
	$(Q)$(CC) $(CFLAGS) $(CPPFLAGS) -o $@ $< $(B)/libvigil.a $(LDFLAGS) $(LDLIBS) -lcmocka

helpers: $(HELPER_BINS)
$(B)/helpers/%: tests/helpers/%.c
	@mkdir -p $(@D)
	$(Q)$(CC) -O1 -g -Wall -Wextra -Werror -o $@ $<
$(B)/helpers/lib%.so: tests/helpers/lib%.c
	@mkdir -p $(@D)
	$(Q)$(CC) -O1 -g -Wall -Wextra -Werror -shared -fPIC -o $@ $<

$(B)/bench/%: bench/%.c $(B)/libvigil.a
	@mkdir -p $(@D)
	$(Q)$(CC) $(CFLAGS) $(CPPFLAGS) -o $@ $< $(B)/libvigil.a $(LDFLAGS) $(LDLIBS)

# hook_cost.sh's empty programs (the bpf_stats floor), loaded from the file
# by build/bench/hookfloor: no skeleton, and not part of the sensor.
$(B)/bench/hookfloor.bpf.o: bench/hookfloor.bpf.c $(VMLINUX_H)
	@mkdir -p $(@D)
	$(Q)$(CLANG) $(BPF_CFLAGS) -c $< -o $@

deps:
	./scripts/install-deps

# Runs the sensor in the foreground on the shipped default config: one
# readable line per event on the screen (console:-, `vigil view` format),
# and everything in the embedded default outputs under /var/lib/vigil.
run: all
	@# The sensor refuses a config that anyone but root could have written,
	@# and a user's clone is theirs: run a root-owned copy of etc/vigil.xml.
	@install -d -m 0700 /run/vigil
	@install -m 0600 etc/vigil.xml /run/vigil/make-run.xml
	$(B)/vigil run --config /run/vigil/make-run.xml --output console:- --output default

unit: $(UNIT_BINS)
	@./tests/run-unit $(UNIT_BINS)

e2e: all
	@./tests/run-e2e

unit-san:
	$(MAKE) --no-print-directory SANITIZE=1 unit

# Every suite, with one closing "total: N passed, N failed" line (CI reads it).
test: all
	./tests/run-all

# Each fuzz harness adds itself with a double-colon rule in its mk/*.mk.
fuzz-short::
	@true

bench: all $(BENCH_BINS)
	./bench/run-all

format:
	clang-format -i $$(git ls-files '*.c' '*.h')
format-check:
	clang-format --dry-run --Werror $$(git ls-files '*.c' '*.h')

clean:
	rm -rf build

-include $(LIB_OBJS:.o=.d) $(MAIN_OBJ:.o=.d)

# Module-specific rules (fuzzers, extra tools) live in their own mk/*.mk.
-include $(filter-out mk/config.mk mk/bpf.mk,$(sort $(wildcard mk/*.mk)))
