/*
 * atomics_lineage.h — the atomics scorer's process table (atomics_lineage.c):
 * which test and phase each process of the sensor's events belongs to, by
 * ProcessGuid lineage from the roots the runner marked. Internal to
 * src/coverage/atomics_score.c, whose header comment states the rules.
 *
 * Use: atl_init; atl_add for every event of the file (pass 1); then
 * atl_find for every event (pass 2), when the whole lineage is known.
 */
#ifndef VIGIL_ATOMICS_LINEAGE_H
#define VIGIL_ATOMICS_LINEAGE_H

#include "common/record.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Phases: none (the root's own events), command, cleanup; prereq k is
 * 2 + 2k and get_prereq k is 3 + 2k. */
#define ATL_PHASE_NONE	  (-1)
#define ATL_PHASE_COMMAND 0
#define ATL_PHASE_CLEANUP 1

struct atl_proc;

struct atl {
	char runid[17];
	size_t ntests;
	struct atl_proc *procs; /* dense: an index stays valid as it grows */
	size_t nprocs, cprocs;
	uint32_t *index;	       /* open addressing on the guid: proc index + 1, 0 = free */
	size_t nindex;		       /* a power of two */
	unsigned long long table_full; /* processes past ATOMICS_SCORE_MAX_PROCS */
	uint32_t *path_stack;
};

struct atl_hit {
	int test;		 /* 0-based manifest index */
	int phase;		 /* ATL_PHASE_* */
	bool root_create;	 /* the event is the root's marked ProcessCreate */
	bool phase_shell_create; /* the event is a phase shell's own ProcessCreate */
};

/* runid: 16 lowercase hex digits; ntests: markers with a higher index are
 * not markers. Returns 0 or -ENOMEM. */
int atl_init(struct atl *t, const char *runid, size_t ntests);
void atl_free(struct atl *t);
/* Pass 1: records the event's process, its parent and any marker. Returns
 * 0 (a full table is counted, not an error) or -ENOMEM. */
int atl_add(struct atl *t, const struct vrec *rec);
/* Pass 2: true with *hit filled when the event's acting process belongs to
 * a test. */
bool atl_find(struct atl *t, const struct vrec *rec, struct atl_hit *hit);

#endif
