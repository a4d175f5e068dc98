/*
 * sens_gate.h — SensitiveFileRead's kernel gate, built from the config.
 */
#ifndef VIGIL_SENS_GATE_H
#define VIGIL_SENS_GATE_H

#include <stdbool.h>
#include <stddef.h>

struct bpf_sensor;
struct ruleset;

struct sens_gate_state {
	bool active;	/* the event has include rules: the kernel sends reads */
	bool all;	/* ... every read open, the rules could not be expressed */
	char why[256];	/* why all is set */
	size_t ndirs;	/* directories watched */
	size_t npaths;	/* paths and prefixes in the trie */
	size_t nnames;	/* file names matched in any directory */
	size_t missing; /* rule directories that do not exist (yet) */
};

/* Loads the gate for rs's SensitiveFileRead include rules into the
 * sensor's maps. Cheap enough to call again at every reload and on a
 * timer, which is how directories created after start are picked up.
 * Returns 0 or -errno; st says what was loaded. */
int sens_gate__load(struct bpf_sensor *s, const struct ruleset *rs, unsigned event_id,
		    struct sens_gate_state *st);

#endif
