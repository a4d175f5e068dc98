/*
 * datadir.c — finds vigil's data directory relative to the running binary
 * (see datadir.h for the order and why).
 */
#include "common/datadir.h"

#include <errno.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* The fixed FHS location, last resort (never a build path). */
#define DATADIR_FHS "/usr/share/vigil"

static bool has_file(const char *dir, const char *name)
{
	char p[PATH_MAX];
	struct stat st;

	if (snprintf(p, sizeof(p), "%s/%s", dir, name) >= (int)sizeof(p))
		return false;
	return stat(p, &st) == 0;
}

static int set(char *buf, size_t len, const char *s)
{
	if (snprintf(buf, len, "%s", s) >= (int)len)
		return -ENAMETOOLONG;
	return 0;
}

/* The directory of the running binary, resolved through symlinks. */
static int exe_dir(char *buf, size_t len)
{
	char p[PATH_MAX];
	ssize_t n = readlink("/proc/self/exe", p, sizeof(p) - 1);
	char *slash;

	if (n <= 0)
		return -errno;
	p[n] = '\0';
	slash = strrchr(p, '/');
	if (!slash)
		return -ENOENT;
	*slash = '\0';
	return set(buf, len, p[0] ? p : "/");
}

/* Candidate `rel` below the binary's directory, made canonical. */
static int beside_exe(const char *rel, const char *marker, char *buf, size_t len)
{
	char dir[PATH_MAX], cand[PATH_MAX + 64], real[PATH_MAX];

	if (exe_dir(dir, sizeof(dir)) != 0)
		return -ENOENT;
	if (snprintf(cand, sizeof(cand), "%s/%s", dir, rel) >= (int)sizeof(cand))
		return -ENAMETOOLONG;
	if (!realpath(cand, real) || !has_file(real, marker))
		return -ENOENT;
	return set(buf, len, real);
}

/* For a binary inside a build tree (<tree>/build/vigil,
 * <tree>/build/san/tests/x): <tree>/rel, when it holds marker. */
static int in_build_tree(const char *rel, const char *marker, char *buf, size_t len)
{
	char dir[PATH_MAX], cand[PATH_MAX + 64];
	char *b, *last = NULL;

	if (exe_dir(dir, sizeof(dir)) != 0)
		return -ENOENT;
	for (b = strstr(dir, "/build"); b; b = strstr(b + 1, "/build"))
		if (b[6] == '/' || b[6] == '\0')
			last = b;
	if (last == NULL)
		return -ENOENT;
	*last = '\0';
	if (snprintf(cand, sizeof(cand), "%s/%s", dir, rel) >= (int)sizeof(cand))
		return -ENAMETOOLONG;
	if (!has_file(cand, marker))
		return -ENOENT;
	return set(buf, len, cand);
}

int datadir__find(const char *explicit_dir, char *buf, size_t len)
{
	const char *env = getenv("VIGIL_DATADIR");

	/* An explicit choice is taken as given, so its errors name it. */
	if (explicit_dir && explicit_dir[0])
		return set(buf, len, explicit_dir);
	if (env && env[0])
		return set(buf, len, env);
	if (beside_exe("../share/vigil", "event_dc_map.tsv", buf, len) == 0 ||
	    in_build_tree("data", "event_dc_map.tsv", buf, len) == 0)
		return 0;
	if (set(buf, len, DATADIR_FHS) != 0)
		return -ENAMETOOLONG;
	return has_file(DATADIR_FHS, "event_dc_map.tsv") ? 0 : -ENOENT;
}

int datadir__sigma(char *buf, size_t len)
{
	char dir[PATH_MAX];

	/* An install keeps them in DATADIR/sigma; a build tree in rules/sigma,
	 * which is tried first for a build-tree binary so that it never runs
	 * an older installed copy. */
	if (in_build_tree("rules/sigma", "README.md", buf, len) == 0)
		return 0;
	if (datadir__find(NULL, dir, sizeof(dir)) == 0) {
		struct stat st;

		if (snprintf(buf, len, "%s/sigma", dir) >= (int)len)
			return -ENAMETOOLONG;
		if (stat(buf, &st) == 0 && S_ISDIR(st.st_mode))
			return 0;
	}
	return -ENOENT;
}
