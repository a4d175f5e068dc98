# coverage.mk — build rules for `vigil coverage` / `vigil simulate`.
#
# VIGIL_DATADIR is where the ATT&CK data and the event mapping are read from
# at run time when neither --data nor $VIGIL_DATADIR is given: the source
# tree's data/ for binaries built here (an install would set it to its
# share directory, e.g. make VIGIL_DATADIR=/usr/share/vigil).
VIGIL_DATADIR ?= $(abspath data)
COV_DATADIR_DEF := -DVIGIL_DATADIR='"$(VIGIL_DATADIR)"'

$(B)/src/coverage/%.o $(B)/src/cli/cmd_coverage.o $(B)/src/cli/cmd_simulate.o: \
	CPPFLAGS += $(COV_DATADIR_DEF)
$(B)/tests/test_coverage $(B)/tests/test_coverage_sim $(B)/tests/test_coverage_golden: CPPFLAGS += $(COV_DATADIR_DEF) -DCOV_FIXTURES='"$(abspath tests/fixtures/coverage)"'
