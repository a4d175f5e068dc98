/*
 * sens.bpf.h — SensitiveFileRead: opens for reading of the files the
 * config's SensitiveFileRead include rules name (/etc/shadow, keys, ...).
 *
 * Most opens read files nobody asked about, so the cost for them must be
 * one map lookup. User space loads two maps from the include rules:
 *   sens_dirs   (dev, inode) of every directory that can hold a named
 *               file: the parent of each exact path (VG_SENS_DIR_EXACT),
 *               each prefix directory and the directories below it
 *               (bounded; VG_SENS_DIR_PREFIX);
 *   sens_paths  an LPM trie of the rules' exact paths (stored with their
 *               terminating NUL, so only the whole path matches) and
 *               prefixes (stored without), case-folded like the rules;
 *   sens_names  file names: wanted in any directory (VG_SENS_NAME_ANY, a
 *               rule's `end with` "/.netrc": credentials that live in
 *               every user's home), or the last part of an exact path
 *               (VG_SENS_NAME_LEAF: "shadow" for /etc/shadow), folded, with
 *               sens_name_lens saying which lengths occur.
 * An open whose parent directory is not in sens_dirs stops after that one
 * lookup, or, when the rules name files anywhere, after one read of the
 * name's length and, for a length some name has, a lookup of the name. In
 * a directory that holds only exact paths' files (/etc for /etc/shadow)
 * an open stops at the same name check unless its name is a LEAF: so
 * /etc/ld.so.cache, opened by every exec, costs two lookups, not a path
 * walk. The rest get their path walked and checked in the trie, and only
 * the named files go to user space, where the full rules (other fields,
 * excludes) still decide.
 *
 * An overlayfs directory (a container's root, the atomics sandbox) has
 * its own device and inode numbers, never the host directory's that user
 * space put in sens_dirs: its /etc would never match. So a directory on
 * overlayfs skips that first filter and every read open there is walked
 * and checked in the trie: a path walk per read open inside containers,
 * the price of seeing `cat /etc/shadow` run in one.
 *
 * Rules the gate cannot express (a TargetFilename "contains", an "end
 * with" that is not a whole name, ... or no condition at all) make user
 * space set sens_all: every read
 * open is then walked and sent. vigil says so at start (UnavailableEvents
 * is not the place: the event works, it is only dearer), in the Started
 * event's DegradedEvents and in `vigil check`.
 */
#ifndef VIGIL_SENS_BPF_H
#define VIGIL_SENS_BPF_H

#include "common.bpf.h"

/* linux/magic.h: OVERLAYFS_SUPER_MAGIC */
#define VG_OVERLAYFS_MAGIC 0x794c7630

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, VG_SENS_DIRS_MAX);
	__type(key, struct vg_sens_dir);
	__type(value, __u8);
} sens_dirs SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_LPM_TRIE);
	__uint(max_entries, VG_SENS_PATHS_MAX);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, struct vg_sens_key);
	__type(value, __u8);
} sens_paths SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, VG_SENS_NAMES_MAX);
	__type(key, struct vg_sens_name);
	__type(value, __u8);
} sens_names SEC(".maps");

/* Set by user space when the include rules cannot be expressed as paths,
 * prefixes and names: every read open is sent. */
volatile __u32 sens_all = 0;
/* Bit n: some name in sens_names is n bytes long; 0 when there are none. */
volatile __u32 sens_name_lens = 0;

/* The sens_names value of the opened file's own name (VG_SENS_NAME_*), 0
 * when it has none. */
static __always_inline __u8 sens_name_of(struct dentry *dentry)
{
	struct vg_sens_name k = {};
	__u32 len = BPF_CORE_READ(dentry, d_name.len);
	__u8 *v;

	if (len >= VG_SENS_NAME || !(sens_name_lens & (1u << len)))
		return 0;
	bpf_probe_read_kernel(k.name, len & (VG_SENS_NAME - 1), BPF_CORE_READ(dentry, d_name.name));
	for (__u32 i = 0; i < VG_SENS_NAME; i++) {
		__u8 c = k.name[i];

		k.name[i] = c + ((__u8)(c - 'A') < 26) * ('a' - 'A');
	}
	v = bpf_map_lookup_elem(&sens_names, &k);
	return v ? *v : 0;
}

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct vg_sens_key);
} sens_scratch SEC(".maps");

/* Whether the walked path sc->path[start..VG_PATH_MAX) is named by a rule:
 * its first bytes, case-folded, with the NUL after its end. */
static __always_inline bool sens_named(struct scratch *sc, __u32 start)
{
	__u32 zero = 0, len = VG_PATH_MAX - start;
	struct vg_sens_key *k = bpf_map_lookup_elem(&sens_scratch, &zero);

	if (!k || start >= VG_PATH_MAX)
		return false;
	__builtin_memset(k->path, 0, sizeof(k->path));
	bpf_probe_read_kernel(k->path,
			      (len < VG_SENS_KEY ? len : VG_SENS_KEY - 1) & (VG_SENS_KEY - 1),
			      sc->path + (start & (VG_PATH_MAX - 1)));
	/* Branch-free folding keeps this one verifier state per pass. */
	for (__u32 i = 0; i < VG_SENS_KEY; i++) {
		__u8 c = k->path[i];

		k->path[i] = c + ((__u8)(c - 'A') < 26) * ('a' - 'A');
	}
	/* The NUL after a path that fits is part of the key, so an exact
	 * entry ("/etc/shadow\0") never matches "/etc/shadow.bak". A longer
	 * path can only meet a prefix of at most VG_SENS_KEY - 1 bytes (user
	 * space keeps longer rules out of the trie and sets sens_all). */
	k->prefixlen = (len < VG_SENS_KEY ? len + 1 : VG_SENS_KEY - 1) * 8;
	return bpf_map_lookup_elem(&sens_paths, k) != NULL;
}

/* At the exit of an open that did not create its file. */
static __always_inline void sens_read(const struct open_file *of)
{
	struct file *f = of->f;
	struct inode *inode = of->inode;
	struct dentry *dentry;
	struct scratch *sc;
	struct vg_fpath *e;
	__u32 start, len;
	__u8 trunc = 0;
	bool named = sens_all;
	bool looked = false; /* name holds sens_name_of(dentry) */
	__u8 name = 0;

	if (!(of->fmode & FMODE_READ) || !type_enabled(VG_SENS_READ))
		return;
	dentry = BPF_CORE_READ(f, f_path.dentry);
	if (!named) {
		struct inode *dir = BPF_CORE_READ(dentry, d_parent, d_inode);
		struct vg_sens_dir key = {
		    .dev = BPF_CORE_READ(dir, i_sb, s_dev),
		    .ino = BPF_CORE_READ(dir, i_ino),
		};
		__u8 *dv = bpf_map_lookup_elem(&sens_dirs, &key);

		if (dv && (*dv & VG_SENS_DIR_PREFIX)) {
			/* Any file here can be named: walk. */
		} else if (dv || BPF_CORE_READ(dir, i_sb, s_magic) != VG_OVERLAYFS_MAGIC) {
			/* Only an exact path's file or a name wanted anywhere
			 * can be named here (an overlay directory, which
			 * sens_dirs cannot know, is walked). */
			if (sens_name_lens)
				name = sens_name_of(dentry);
			looked = true;
			if (name & VG_SENS_NAME_ANY)
				named = true;
			else if (!dv || !(name & VG_SENS_NAME_LEAF))
				return;
		}
	}
	sc = scratch_rec(VG_SENS_READ, sizeof(*e), (void **)&e);
	if (!sc)
		return;
	start = walk_path(sc, dentry, BPF_CORE_READ(f, f_path.mnt), &trunc);
	if (!named && !sens_named(sc, start)) {
		/* Walked because its directory may hold a named file, and it
		 * is not one: unless its name is wanted anywhere. */
		if (!looked && sens_name_lens)
			name = sens_name_of(dentry);
		if (!(name & VG_SENS_NAME_ANY))
			return;
	}
	len = VG_PATH_MAX - start;
	if (start >= VG_PATH_MAX || len > VG_PATH_MAX)
		return;
	bpf_probe_read_kernel(sc->ev + sizeof(*e), len & (VG_PATH_MAX - 1),
			      sc->path + (start & (VG_PATH_MAX - 1)));
	e->path_len = len & (VG_PATH_MAX - 1);
	e->mode = of->imode;
	e->ino = BPF_CORE_READ(inode, i_ino);
	e->dev = BPF_CORE_READ(inode, i_sb, s_dev);
	e->flags = BPF_CORE_READ(f, f_flags);
	if (trunc)
		e->hdr.flags |= VG_HF_TRUNCATED;
	e->hdr.size = sizeof(*e) + e->path_len;
	submit(e, e->hdr.size, VG_SENS_READ);
}

#endif /* VIGIL_SENS_BPF_H */
