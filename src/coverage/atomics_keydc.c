/*
 * atomics_keydc.c — loads data/atomics_key_dc.tsv, the reviewed overrides of
 * the atomics scorer's key data components.
 *
 * Why a table: the scorer's default rule (the technique's ATT&CK v18.1
 * Linux DCs that vigil can observe, minus the generic execution ones)
 * follows whatever analytics ATT&CK wrote, and some of those describe a
 * neighbouring behaviour (T1059.004's reverse-shell analytic gives Logon
 * Session Creation and Network Traffic Flow; nothing about running a
 * command). A row replaces the rule for its technique and, when a
 * sub-technique has no row of its own, for its sub-techniques.
 *
 * Format: '#' comments and blank lines; rows of three tab-separated columns
 * technique, key, reason. key is requirements separated by ';', each one DC
 * id or alternatives joined by '|' (met when any of them is seen). Every id
 * must be in ATT&CK's catalogue, a technique has at most one row, and the
 * reason must not be empty: a row is a reviewed claim and says why.
 */
#include "coverage/atomics_keydc.h"

#include "coverage/coverage.h"

#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define AKD_LINE_MAX 4096
#define AKD_ROWS_MAX 512

struct atomics_keydc {
	size_t n;
	struct akd_row *rows; /* AKD_ROWS_MAX */
};

static void seterr(char *err, size_t len, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static void seterr(char *err, size_t len, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(err, len, fmt, ap);
	va_end(ap);
}

/* "T1234" or "T1234.567". */
static bool technique_id(const char *s)
{
	size_t l = strlen(s);

	if (l != 5 && l != 9)
		return false;
	if (s[0] != 'T')
		return false;
	for (size_t i = 1; i < l; i++)
		if (i == 5 ? s[i] != '.' : !isdigit((unsigned char)s[i]))
			return false;
	return true;
}

static int parse_key(char *key, const struct cov_data *d, struct akd_row *row, const char *path,
		     int lineno, char *err, size_t errlen)
{
	char *req;

	/* strsep, not strtok: "DC0061;;" has an empty requirement, an error. */
	while ((req = strsep(&key, ";")) != NULL) {
		struct akd_group *g;
		char *alt;

		if (row->ngroups == AKD_GROUP_MAX) {
			seterr(err, errlen, "%s:%d: more than %d key requirements", path, lineno,
			       AKD_GROUP_MAX);
			return -EINVAL;
		}
		g = &row->group[row->ngroups++];
		while ((alt = strsep(&req, "|")) != NULL) {
			int dc = cov_data__dc_find(d, alt);

			if (!alt[0]) {
				seterr(err, errlen, "%s:%d: empty data component in the key", path,
				       lineno);
				return -EINVAL;
			}
			if (dc < 0) {
				seterr(err, errlen, "%s:%d: '%s' names no known data component",
				       path, lineno, alt);
				return -EINVAL;
			}
			for (size_t r = 0; r < row->ngroups; r++)
				for (size_t a = 0; a < row->group[r].n; a++)
					if (row->group[r].dc[a] == dc) {
						seterr(err, errlen, "%s:%d: %s listed twice", path,
						       lineno, alt);
						return -EINVAL;
					}
			if (g->n == AKD_ALT_MAX) {
				seterr(err, errlen, "%s:%d: more than %d alternatives", path,
				       lineno, AKD_ALT_MAX);
				return -EINVAL;
			}
			g->dc[g->n++] = dc;
		}
	}
	return 0;
}

static int parse_line(struct atomics_keydc *k, char *line, const struct cov_data *d,
		      const char *path, int lineno, char *err, size_t errlen)
{
	char *f[3], *p = line;
	struct akd_row *row;
	int rc;

	for (int i = 0; i < 3; i++) {
		f[i] = p;
		p = i < 2 ? strchr(p, '\t') : NULL;
		if (i < 2 && !p) {
			seterr(err, errlen, "%s:%d: expected 3 tab-separated columns", path,
			       lineno);
			return -EINVAL;
		}
		if (p)
			*p++ = '\0';
	}
	if (strchr(f[2], '\t')) {
		seterr(err, errlen, "%s:%d: expected 3 tab-separated columns", path, lineno);
		return -EINVAL;
	}
	if (!technique_id(f[0])) {
		seterr(err, errlen, "%s:%d: '%s' is not a technique id", path, lineno, f[0]);
		return -EINVAL;
	}
	if (f[2][strspn(f[2], " ")] == '\0') {
		seterr(err, errlen, "%s:%d: %s has no reason", path, lineno, f[0]);
		return -EINVAL;
	}
	for (size_t i = 0; i < k->n; i++)
		if (strcmp(k->rows[i].tech, f[0]) == 0) {
			seterr(err, errlen, "%s:%d: %s has a row already", path, lineno, f[0]);
			return -EINVAL;
		}
	if (k->n == AKD_ROWS_MAX) {
		seterr(err, errlen, "%s:%d: more than %d rows", path, lineno, AKD_ROWS_MAX);
		return -EINVAL;
	}
	row = &k->rows[k->n];
	memset(row, 0, sizeof(*row));
	snprintf(row->tech, sizeof(row->tech), "%s", f[0]);
	rc = parse_key(f[1], d, row, path, lineno, err, errlen);
	if (rc == 0)
		k->n++;
	return rc;
}

int atomics_keydc__load(const char *path, const struct cov_data *d, struct atomics_keydc **out,
			char *err, size_t errlen)
{
	struct atomics_keydc *k = calloc(1, sizeof(*k));
	char *line = malloc(AKD_LINE_MAX);
	FILE *f = NULL;
	int lineno = 0, rc = 0;

	*out = NULL;
	if (!k || !line || !(k->rows = calloc(AKD_ROWS_MAX, sizeof(*k->rows)))) {
		seterr(err, errlen, "out of memory");
		rc = -ENOMEM;
		goto out;
	}
	f = fopen(path, "re");
	if (!f) {
		rc = -errno;
		seterr(err, errlen, "%s: %s", path, strerror(errno));
		goto out;
	}
	while (fgets(line, AKD_LINE_MAX, f)) {
		size_t l = strlen(line);

		lineno++;
		if (l && line[l - 1] == '\n')
			line[--l] = '\0';
		else if (!feof(f)) {
			seterr(err, errlen, "%s:%d: line longer than %d bytes", path, lineno,
			       AKD_LINE_MAX - 2);
			rc = -EINVAL;
			goto out;
		}
		if (l && line[l - 1] == '\r')
			line[--l] = '\0';
		if (line[0] == '#' || line[strspn(line, " \t")] == '\0')
			continue;
		rc = parse_line(k, line, d, path, lineno, err, errlen);
		if (rc)
			goto out;
	}
	if (ferror(f)) {
		seterr(err, errlen, "%s: read error", path);
		rc = -EIO;
	}
out:
	if (f)
		fclose(f);
	free(line);
	if (rc)
		atomics_keydc__free(k);
	else
		*out = k;
	return rc;
}

void atomics_keydc__free(struct atomics_keydc *k)
{
	if (!k)
		return;
	free(k->rows);
	free(k);
}

const struct akd_row *atomics_keydc__find(const struct atomics_keydc *k, const char *tech)
{
	size_t pl = strcspn(tech, ".");

	for (size_t i = 0; i < k->n; i++)
		if (strcmp(k->rows[i].tech, tech) == 0)
			return &k->rows[i];
	if (!tech[pl])
		return NULL;
	for (size_t i = 0; i < k->n; i++)
		if (strlen(k->rows[i].tech) == pl && strncmp(k->rows[i].tech, tech, pl) == 0)
			return &k->rows[i];
	return NULL;
}
