# coverage.mk — build rules for `vigil coverage` / `vigil simulate`.
#
# The binary finds its data at run time relative to itself
# (src/common/datadir.c), so no path is compiled into it. Only the unit tests,
# which are never installed, are told where this tree's data/ is.
COV_DATADIR_DEF := -DVIGIL_DATADIR='"$(abspath data)"'

$(B)/tests/test_coverage $(B)/tests/test_coverage_sim $(B)/tests/test_coverage_golden: CPPFLAGS += $(COV_DATADIR_DEF) -DCOV_FIXTURES='"$(abspath tests/fixtures/coverage)"'
