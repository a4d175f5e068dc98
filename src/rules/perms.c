/*
 * perms.c — who could have written a configuration file (rules.h,
 * ruleset__check_perms), checked before the sensor (root) trusts it.
 *
 * The policy, like sshd's StrictModes but for a root daemon: the file, and
 * every directory from it up to /, must be owned by root and writable by
 * nobody else. A directory with the sticky bit (/tmp) may be writable by
 * others: there only the owner of an entry can rename or delete it, and the
 * entry below it must itself be root's. A directory given as the path (a
 * Sigma rules directory) is checked with everything under it. Symbolic
 * links are resolved first, so the check is on what is actually read.
 */
#include "rules/rules.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* Deeper trees than this are refused rather than walked without bound. */
#define MAX_DEPTH 16

static int problem(struct rules_error *err, const char *path, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static int problem(struct rules_error *err, const char *path, const char *fmt, ...)
{
	va_list ap;

	snprintf(err->file, sizeof(err->file), "%s", path);
	err->line = 0;
	va_start(ap, fmt);
	vsnprintf(err->msg, sizeof(err->msg), fmt, ap);
	va_end(ap);
	return -EPERM;
}

/* One file or directory. parent: it is a directory above the config. */
static int check_one(const char *path, const struct stat *st, bool parent, struct rules_error *err)
{
	unsigned mode = st->st_mode & 07777;

	if (st->st_uid != 0)
		return problem(err, path, "owned by uid %u, not root", (unsigned)st->st_uid);
	if (parent && (mode & S_ISVTX))
		return 0;
	if (mode & S_IWOTH)
		return problem(err, path, "mode %04o is writable by others", mode);
	if (mode & S_IWGRP)
		return problem(err, path, "mode %04o is writable by its group", mode);
	return 0;
}

static int check_tree(const char *path, int depth, struct rules_error *err)
{
	struct stat st;
	struct dirent *de;
	DIR *d;
	int rc = 0;

	if (lstat(path, &st) != 0)
		return problem(err, path, "cannot be read (errno %u)", (unsigned)errno);
	if (S_ISLNK(st.st_mode)) {
		/* A link's own mode means nothing; its owner and what it points
		 * to do. Linked directories are not descended into (no loops). */
		if (st.st_uid != 0)
			return check_one(path, &st, false, err);
		if (stat(path, &st) != 0)
			return problem(err, path, "cannot be read (errno %u)", (unsigned)errno);
		return check_one(path, &st, false, err);
	}
	rc = check_one(path, &st, false, err);
	if (rc || !S_ISDIR(st.st_mode))
		return rc;
	if (depth >= MAX_DEPTH)
		return problem(err, path, "nested more than %u directories deep", MAX_DEPTH);
	d = opendir(path);
	if (d == NULL)
		return problem(err, path, "cannot be read (errno %u)", (unsigned)errno);
	while (rc == 0 && (de = readdir(d)) != NULL) {
		char sub[PATH_MAX];

		if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
			continue;
		if (snprintf(sub, sizeof(sub), "%s/%s", path, de->d_name) >= (int)sizeof(sub))
			rc = problem(err, path, "has a path longer than %u bytes", PATH_MAX);
		else
			rc = check_tree(sub, depth + 1, err);
	}
	closedir(d);
	return rc;
}

/* The directories above path (absolute, modified in place), up to /. */
static int check_parents(char *path, struct rules_error *err)
{
	struct stat st;
	char *slash;
	int rc = 0;

	while (rc == 0 && (slash = strrchr(path, '/')) != NULL) {
		if (slash == path)
			slash[1] = '\0';
		else
			*slash = '\0';
		if (stat(path, &st) != 0)
			rc = problem(err, path, "cannot be read (errno %u)", (unsigned)errno);
		else if ((rc = check_one(path, &st, true, err)) != 0) {
			size_t l = strnlen(err->msg, sizeof(err->msg) - 11);

			memmove(err->msg + 10, err->msg, l);
			memcpy(err->msg, "directory ", 10);
			err->msg[l + 10] = '\0';
		}
		if (strcmp(path, "/") == 0)
			break;
	}
	return rc;
}

int ruleset__check_perms(const char *path, struct rules_error *err)
{
	struct rules_error dummy;
	char *real, given[PATH_MAX];
	int rc;

	if (err == NULL)
		err = &dummy;
	memset(err, 0, sizeof(*err));
	real = realpath(path, NULL);
	if (real == NULL) {
		rc = -errno;
		snprintf(err->file, sizeof(err->file), "%s", path);
		snprintf(err->msg, sizeof(err->msg), "%s", strerror(-rc));
		return rc;
	}
	rc = check_tree(real, 0, err);
	if (rc == 0)
		rc = check_parents(real, err);
	/* Through a symbolic link: whoever can replace the link, too. */
	if (rc == 0 && path[0] == '/' && strlen(path) < sizeof(given)) {
		strcpy(given, path);
		rc = check_parents(given, err);
	}
	free(real);
	return rc;
}
