/*
 * sens_gate.c — turns the SensitiveFileRead include rules into the kernel
 * gate of sens.bpf.h: a trie of the rules' paths and prefixes, the
 * (dev, inode) of every directory a named file can be in, and the file
 * names: those the rules want wherever they are (`end with` "/.netrc"),
 * and the last part of each exact path ("shadow"), so that an open in a
 * directory of exact paths (/etc) is told apart by its name, not a walk.
 * A directory under a prefix, or whose exact file's name is too long for
 * the name key, is walked for every open in it (VG_SENS_DIR_PREFIX).
 *
 * Directories: an exact path's parent; a prefix's directory (the text up
 * to its last '/') and, recursively, the subdirectories whose path is still
 * compatible with the prefix, up to GATE_DEPTH levels. A directory created
 * later under a prefix is picked up at the next load (reload, and the
 * sensor's periodic refresh); until then its reads are not seen, which is
 * why the refresh runs on a timer and why the walk is bounded rather than
 * the gate turned off.
 *
 * The kernel's dev_t differs from stat's: MKDEV(major, minor) is
 * major << 20 | minor. btrfs reports a per-subvolume st_dev that is not the
 * superblock's, so a rule directory on btrfs turns the gate off (every read
 * is sent) with that reason, rather than missing reads.
 */
#include "sensor/sens_gate.h"

#include "common/log.h"
#include "common/record.h"
#include "rules/rules.h"
#include "sensor/loader.h"
#include "vigil/event.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#define GATE_DEPTH	  8
#define BTRFS_SUPER_MAGIC 0x9123683E

struct gate {
	struct vg_sens_dir *dirs;
	uint8_t *dvals; /* VG_SENS_DIR_*, per dirs[] */
	size_t ndirs;
	struct vg_sens_key *keys;
	size_t nkeys;
	struct vg_sens_name *names;
	uint8_t *nvals; /* VG_SENS_NAME_*, per names[] */
	size_t nnames;
	size_t missing;
	bool all;
	char why[256];
};

static void gate_all(struct gate *g, const char *why)
{
	if (g->all)
		return;
	g->all = true;
	snprintf(g->why, sizeof(g->why), "%s", why);
}

/* Adds key (ksz bytes) to the set keys[0..*n), or ORs val into the value
 * of the one already there; vals[] runs beside keys[]. Past max the gate
 * is off, with why. */
static void set_put(struct gate *g, void *keys, uint8_t *vals, size_t *n, size_t max,
		    const void *key, size_t ksz, uint8_t val, const char *why)
{
	for (size_t i = 0; i < *n; i++)
		if (memcmp((const char *)keys + i * ksz, key, ksz) == 0) {
			vals[i] |= val;
			return;
		}
	if (*n == max) {
		gate_all(g, why);
		return;
	}
	memcpy((char *)keys + *n * ksz, key, ksz);
	vals[(*n)++] = val;
}

/* Adds the directory at path (an fd-relative walk keeps it race-free
 * enough: a rename between stat and use is caught by the next refresh). */
static void add_dir(struct gate *g, int fd, uint8_t val)
{
	struct stat st;
	struct statfs sf;
	struct vg_sens_dir d = {0};

	if (fstat(fd, &st) != 0 || !S_ISDIR(st.st_mode))
		return;
	if (fstatfs(fd, &sf) == 0 && (unsigned long)sf.f_type == BTRFS_SUPER_MAGIC) {
		gate_all(g, "a rule directory is on btrfs, whose inode identity stat cannot give");
		return;
	}
	d.dev = (uint32_t)(major(st.st_dev) << 20 | minor(st.st_dev));
	d.ino = st.st_ino;
	set_put(g, g->dirs, g->dvals, &g->ndirs, VG_SENS_DIRS_MAX, &d, sizeof(d), val,
		"the rules name more directories than the kernel gate holds");
}

/* Adds a file name (len 1..VG_SENS_NAME-1, folded) with val. */
static void add_name(struct gate *g, const char *name, size_t len, uint8_t val)
{
	struct vg_sens_name n = {0};

	memcpy(n.name, name, len);
	set_put(g, g->names, g->nvals, &g->nnames, VG_SENS_NAMES_MAX, &n, sizeof(n), val,
		"the rules name more file names than the kernel gate holds");
}

/* Whether directory path dir (with its trailing '/') can hold a file the
 * prefix names: one begins with the other. */
static bool compatible(const char *dir, size_t dlen, const char *prefix)
{
	size_t plen = strlen(prefix);
	size_t n = dlen < plen ? dlen : plen;

	return strncasecmp(dir, prefix, n) == 0;
}

static void walk(struct gate *g, int fd, char *path, size_t len, const char *prefix, int depth)
{
	DIR *d;
	struct dirent *de;

	add_dir(g, fd, VG_SENS_DIR_PREFIX);
	if (depth >= GATE_DEPTH || g->all)
		return;
	d = fdopendir(dup(fd));
	if (d == NULL)
		return;
	while ((de = readdir(d)) != NULL && !g->all) {
		size_t nl = strlen(de->d_name);
		int cfd;

		if (de->d_type != DT_DIR && de->d_type != DT_UNKNOWN)
			continue;
		if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
			continue;
		if (len + nl + 2 >= PATH_MAX)
			continue;
		memcpy(path + len, de->d_name, nl);
		path[len + nl] = '/';
		path[len + nl + 1] = '\0';
		if (!compatible(path, len + nl + 1, prefix))
			continue;
		cfd = openat(dirfd(d), de->d_name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		if (cfd < 0)
			continue;
		walk(g, cfd, path, len + nl + 1, prefix, depth + 1);
		close(cfd);
	}
	closedir(d);
	path[len] = '\0';
}

static void add_rule(struct gate *g, const struct rules_kpath *p)
{
	char path[PATH_MAX];
	const char *slash = strrchr(p->orig, '/');
	size_t dlen = slash ? (size_t)(slash - p->orig) + 1 : 0;
	struct vg_sens_key *k;
	size_t len = strlen(p->path);
	const char *leaf = strrchr(p->path, '/');
	size_t leaf_len = leaf ? len - (size_t)(leaf + 1 - p->path) : 0;
	int fd;

	if (p->name) {
		/* No directory: a name is checked in every one
		 * (ruleset__kernel_path_includes kept it short enough). */
		add_name(g, p->path, len, VG_SENS_NAME_ANY);
		return;
	}
	k = &g->keys[g->nkeys++];
	memset(k, 0, sizeof(*k));
	memcpy(k->path, p->path, len);
	/* An exact path's key includes its NUL (sens.bpf.h). */
	k->prefixlen = (uint32_t)(len + (p->prefix ? 0 : 1)) * 8;
	if (dlen == 0 || dlen >= sizeof(path))
		return;
	memcpy(path, p->orig, dlen);
	path[dlen] = '\0';
	fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0) {
		g->missing++;
		return;
	}
	if (p->prefix) {
		walk(g, fd, path, dlen, p->orig, 0);
	} else if (leaf_len > 0 && leaf_len < VG_SENS_NAME) {
		add_name(g, leaf + 1, leaf_len, VG_SENS_NAME_LEAF);
		add_dir(g, fd, VG_SENS_DIR_EXACT);
	} else {
		/* A name too long for the key: every open here is walked. */
		add_dir(g, fd, VG_SENS_DIR_PREFIX);
	}
	close(fd);
}

int sens_gate__load(struct bpf_sensor *s, const struct ruleset *rs, unsigned event_id,
		    struct sens_gate_state *st)
{
	struct rules_kpaths kp;
	struct gate g = {0};
	int err;

	memset(st, 0, sizeof(*st));
	err = ruleset__kernel_path_includes(rs, event_id, VF_TargetFilename, VG_SENS_KEY - 1,
					    VG_SENS_NAME - 1, &kp);
	if (err)
		return err;
	if (kp.n > VG_SENS_PATHS_MAX) {
		kp.all = true;
		snprintf(kp.why, sizeof(kp.why), "the rules name more than %d paths",
			 VG_SENS_PATHS_MAX);
	}
	g.all = kp.all;
	snprintf(g.why, sizeof(g.why), "%s", kp.why);
	if (!g.all) {
		g.dirs = calloc(VG_SENS_DIRS_MAX, sizeof(*g.dirs));
		g.keys = calloc(kp.n ? kp.n : 1, sizeof(*g.keys));
		g.dvals = calloc(VG_SENS_DIRS_MAX, sizeof(*g.dvals));
		g.names = calloc(VG_SENS_NAMES_MAX, sizeof(*g.names));
		g.nvals = calloc(VG_SENS_NAMES_MAX, sizeof(*g.nvals));
		if (g.dirs == NULL || g.dvals == NULL || g.keys == NULL || g.names == NULL ||
		    g.nvals == NULL) {
			err = -ENOMEM;
			goto out;
		}
		for (size_t i = 0; i < kp.n && !g.all; i++)
			add_rule(&g, &kp.v[i]);
	}
	if (g.all) {
		g.ndirs = 0;
		g.nkeys = 0;
		g.nnames = 0;
	}
	err = bpf_sensor__set_sens_gate(s, g.dirs, g.dvals, g.ndirs, g.keys, g.nkeys, g.names,
					g.nvals, g.nnames, g.all);
	st->active = kp.n > 0 || g.all;
	st->all = g.all;
	snprintf(st->why, sizeof(st->why), "%s", g.why);
	st->ndirs = g.ndirs;
	st->npaths = g.nkeys;
	for (size_t i = 0; i < g.nnames; i++)
		st->nnames += (g.nvals[i] & VG_SENS_NAME_ANY) != 0;
	st->missing = g.missing;
out:
	free(g.dirs);
	free(g.keys);
	free(g.names);
	free(g.dvals);
	free(g.nvals);
	rules_kpaths_free(&kp);
	return err;
}
