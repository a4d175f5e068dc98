/*
 * atomics_keydc.h — the reviewed key data component table of the atomics
 * scorer (data/atomics_key_dc.tsv): per technique whose ATT&CK DC list
 * misrepresents what its Linux procedures do, the DCs that are its key
 * behaviour. See atomics_keydc.c and vigil(8), `atomics score`.
 */
#ifndef VIGIL_ATOMICS_KEYDC_H
#define VIGIL_ATOMICS_KEYDC_H

#include <stddef.h>

struct cov_data;

#define AKD_FILE      "atomics_key_dc.tsv"
#define AKD_GROUP_MAX 8 /* key requirements per row */
#define AKD_ALT_MAX   4 /* alternatives per requirement ("DC0040|DC0061") */

/* One key requirement: met when any of its DCs (catalogue indices) is seen. */
struct akd_group {
	size_t n;
	int dc[AKD_ALT_MAX];
};

struct akd_row {
	char tech[16];
	size_t ngroups;
	struct akd_group group[AKD_GROUP_MAX];
};

struct atomics_keydc;

/* Loads the table at path, checking every DC id against d's catalogue.
 * Returns 0 with *out set, or -errno with "path:line: why" in err (-EINVAL
 * for a malformed row, -ENOENT/-EACCES... when it cannot be read). */
int atomics_keydc__load(const char *path, const struct cov_data *d, struct atomics_keydc **out,
			char *err, size_t errlen);
void atomics_keydc__free(struct atomics_keydc *k);
/* The row of tech, else that of its parent technique (T1552.005 → T1552);
 * NULL when neither has one. */
const struct akd_row *atomics_keydc__find(const struct atomics_keydc *k, const char *tech);

#endif
