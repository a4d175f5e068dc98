# caps.mk — extra target of the cap/aggregation engine (src/rules/caps.c).
#
#   make bench-caps         cost per event of the cap stage with 100,000 live
#                           keys (bench/bench_caps.c)

.PHONY: bench-caps

bench-caps: $(B)/bench/bench_caps
	$(B)/bench/bench_caps
