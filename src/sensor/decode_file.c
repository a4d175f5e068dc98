/*
 * decode_file.c — file records: create, delete, times (FileCreateTime),
 * rename, attributes, content modification, image loads and raw device
 * reads, and the FileExecutableDetected a write or a new exec bit adds.
 */
#include "sensor/decode_int.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

void path_join_normalize(const char *base, const char *rel, char *out, size_t n)
{
	char tmp[2 * VG_PATH_MAX + 2];
	size_t len = 0;
	char *save = NULL, *tok;

	if (n == 0)
		return;
	if (rel[0] == '/' || base == NULL || base[0] == '\0')
		snprintf(tmp, sizeof(tmp), "%s", rel);
	else
		snprintf(tmp, sizeof(tmp), "%s/%s", base, rel);
	out[0] = '\0';
	for (tok = strtok_r(tmp, "/", &save); tok; tok = strtok_r(NULL, "/", &save)) {
		size_t tl = strlen(tok);
		if (strcmp(tok, ".") == 0)
			continue;
		if (strcmp(tok, "..") == 0) {
			while (len > 0 && out[len - 1] != '/')
				len--;
			if (len > 0)
				len--;
			out[len] = '\0';
			continue;
		}
		if (len + 1 + tl + 1 > n)
			break;
		out[len++] = '/';
		memcpy(out + len, tok, tl);
		len += tl;
		out[len] = '\0';
	}
	if (len == 0 && n > 1) {
		out[0] = '/';
		out[1] = '\0';
	}
}

/* Reads the (base, rel) pair at *off and joins it. */
static int take_path(struct decoder *d, const char *rec, size_t size, size_t *off, uint32_t blen,
		     uint32_t rlen, char *out, size_t n)
{
	char *base = d->buf.base, *rel = d->buf.rel;

	if (dec_take(rec, size, off, blen, base, sizeof(d->buf.base)) ||
	    dec_take(rec, size, off, rlen, rel, sizeof(d->buf.rel)))
		return -EINVAL;
	if (rel[0] == '\0')
		snprintf(out, n, "%s", base[0] ? base : "-");
	else
		path_join_normalize(base, rel, out, n);
	return 0;
}

static void fmt_ts(int64_t sec, uint32_t nsec, char out[24])
{
	vrec__fmt_time((uint64_t)sec * 1000000000ull + nsec, out);
}

/* Whether path's content says it is a program: the ELF magic, or "#!"
 * (a script the kernel runs by its interpreter line). A file without an
 * exec bit can still be run by its loader or interpreter (`sh
 * /tmp/image.png`), so its header, not its name or mode, tells what it is:
 * the masquerades of T1036.008 hide exactly that behind an extension. */
static bool is_program(const char *path)
{
	unsigned char mag[4];
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
	ssize_t n;

	if (fd < 0)
		return false;
	n = read(fd, mag, 4);
	close(fd);
	return n > 0 && vg_head_class(mag, (__u64)n) != VG_HEAD_DATA;
}

static void file_hashes(struct decoder *d, const char *path, char out[HASHES_STR_MAX])
{
	hash_cache__get(d->hc, path, NULL, NULL, out);
}

/* FileExecutableDetected for path, written by p, when it has an exec bit
 * or its content is an ELF or a #! script.
 *
 * w is the FileModify record (NULL from chmod, where the new exec bit alone
 * decides). The path is read here only while it still names the file the
 * kernel saw, by inode number: a file removed at once, or written in
 * another mount namespace (a container, the atomics sandbox), where this
 * path names another file or none, is judged by the kernel's mode and the
 * header of its first write, and its Hashes are "-", never those of
 * whatever the path names here. st_dev is not compared: overlayfs reports
 * one that differs from the inode's super block. */
static void exec_detected(struct decoder *d, const struct vrec *from, struct proc *p, uint32_t uid,
			  const char *path, uint32_t mode, const struct vg_fpath *w)
{
	char h[HASHES_STR_MAX] = "-";
	struct vrec *x;
	struct stat st;
	bool same = stat(path, &st) == 0 && (w == NULL || (uint64_t)st.st_ino == w->ino);
	bool head_is_program = w && (w->flags == VG_HEAD_ELF || w->flags == VG_HEAD_SCRIPT);

	if (same) {
		if (!S_ISREG(st.st_mode) ||
		    (!(mode & 0111) && !(st.st_mode & 0111) && !is_program(path)))
			return;
	} else if (!S_ISREG(mode) || (!(mode & 0111) && !head_is_program)) {
		return;
	}
	x = dec_extra(d, EV_FILE_EXECUTABLE_DETECTED);
	if (x == NULL)
		return;
	x->ts_ns = from->ts_ns;
	vrec__set_str(x, VF_UtcTime, vrec__get(from, VF_UtcTime, NULL));
	dec_set_initiator(d, x, p, uid);
	vrec__set_str(x, VF_TargetFilename, path);
	if (same)
		file_hashes(d, path, h);
	vrec__set_str(x, VF_Hashes, h);
}

int decode_file_create(struct decoder *d, const void *data, size_t size, struct vrec *rec)
{
	const struct vg_file *f = data;
	char *path = d->buf.s1;
	size_t off = sizeof(*f);

	if (dec_take(data, size, &off, f->path_len, path, sizeof(d->buf.s1)))
		return -EINVAL;
	if (dec_start(d, rec, EV_FILE_CREATE, &f->hdr) == NULL)
		return -ENOMEM;
	vrec__set_str(rec, VF_TargetFilename, path);
	vrec__set_ref(rec, VF_CreationUtcTime, vrec__get(rec, VF_UtcTime, NULL), 23);
	return 1;
}

struct image_scan {
	struct decoder *d;
	const struct vrec *del;
	const char *path;
	const char *container; /* the deleter's: a path names a file only within one */
};

static void image_deleted(void *ctx, struct proc *p)
{
	struct image_scan *sc = ctx;
	struct vrec *x;

	if (p->exited || strcmp(p->image, sc->path) != 0 ||
	    strcmp(p->container, sc->container) != 0)
		return;
	x = dec_extra(sc->d, EV_PROCESS_TAMPERING);
	if (x == NULL)
		return;
	x->ts_ns = sc->del->ts_ns;
	vrec__set_str(x, VF_UtcTime, vrec__get(sc->del, VF_UtcTime, NULL));
	dec_set_initiator(sc->d, x, p, p->uid);
	vrec__set_str(x, VF_Type, "Image is deleted");
}

/* ProcessTampering "Image is deleted" for every live process whose image
 * is the file just unlinked (a binary that deletes itself after start).
 * Done here rather than in the kernel: the unlink tracepoint has only the
 * path the caller passed, not the inode, and comparing inodes in the
 * kernel would need a map of every running executable kept in step with
 * exec and exit; user space already has that map (the process cache,
 * by resolved image path), and a delete costs one pass over it. A path
 * match can name a process whose image was replaced by a rename and whose
 * new file is then deleted; the kernel's own view (/proc/PID/exe saying
 * "(deleted)") is not cheaper to check for every delete. Only processes
 * in the deleter's container are compared: the same path in another
 * container (or on the host) is another file. The walk is only done when
 * the cache's live-image filter says some live process may run the path;
 * a delete of any other file costs one hash. */
static void images_deleted(struct decoder *d, const struct vrec *del, const char *path,
			   const struct proc *deleter)
{
	struct image_scan sc = {d, del, path, deleter->container};

	if (path[0] != '/' || path[1] == '\0' || !proc_cache__image_maybe_live(d->pc, path))
		return;
	proc_cache__for_each(d->pc, image_deleted, &sc);
}

int decode_file_delete(struct decoder *d, const void *data, size_t size, struct vrec *rec)
{
	const struct vg_file_delete *f = data;
	char *base = d->buf.base, *rel = d->buf.rel, *full = d->buf.path;
	size_t off = sizeof(*f);
	struct proc *p;

	if (dec_take(data, size, &off, f->base_len, base, sizeof(d->buf.base)) ||
	    dec_take(data, size, &off, f->path_len, rel, sizeof(d->buf.rel)))
		return -EINVAL;
	path_join_normalize(base, rel, full, sizeof(d->buf.path));
	p = dec_start(d, rec, EV_FILE_DELETE, &f->hdr);
	if (p == NULL)
		return -ENOMEM;
	vrec__set_str(rec, VF_TargetFilename, full);
	vrec__set_str(rec, VF_Hashes, "-");
	vrec__set_str(rec, VF_IsExecutable, "-");
	vrec__set_str(rec, VF_Archived, "false");
	images_deleted(d, rec, full, p);
	return 1;
}

/* The path of a record that begins with a vg_fpath (VG_RAW_READ,
 * VG_SENS_READ, VG_FILE_MODIFY; VG_MMAP_EXEC's vg_image) into d->buf.s1,
 * and its event started. fixed is the record's size before the path.
 * NULL with *r set when the record is malformed or the process has no
 * room. */
static const char *fpath_start(struct decoder *d, const struct vg_fpath *e, size_t fixed,
			       size_t size, struct vrec *rec, unsigned event_id, struct proc **p,
			       int *r)
{
	size_t off = fixed;

	if (dec_take((const char *)e, size, &off, e->path_len, d->buf.s1, sizeof(d->buf.s1))) {
		*r = -EINVAL;
		return NULL;
	}
	*p = dec_start(d, rec, event_id, &e->hdr);
	if (*p == NULL) {
		*r = -ENOMEM;
		return NULL;
	}
	return d->buf.s1;
}

int decode_image_load(struct decoder *d, const void *data, size_t size, struct vrec *rec)
{
	const struct vg_image *e = data;
	char h[HASHES_STR_MAX];
	struct file_key k;
	struct proc *p;
	int r;
	const char *path = fpath_start(d, &e->f, sizeof(*e), size, rec, EV_IMAGE_LOAD, &p, &r);

	if (path == NULL)
		return r;
	vrec__set_str(rec, VF_ImageLoaded, path);
	vrec__set_str(rec, VF_FileVersion, "-");
	vrec__set_str(rec, VF_Description, "-");
	vrec__set_str(rec, VF_Product, "-");
	vrec__set_str(rec, VF_Company, "-");
	vrec__set_str(rec, VF_OriginalFileName, "-");
	/* The mapped file's identity as the kernel saw it: a cache hit needs
	 * no syscall, and a miss hashes the path only if it is still that
	 * file. */
	k.dev = dec_kdev(e->f.dev);
	k.ino = e->f.ino;
	k.size = e->fsize;
	k.mtime_sec = e->mtime_sec;
	k.mtime_nsec = e->mtime_nsec;
	hash_cache__get(d->hc, path, NULL, &k, h);
	dec_set_image_hashes(rec, h);
	return 1;
}

int decode_raw_read(struct decoder *d, const void *data, size_t size, struct vrec *rec)
{
	struct proc *p;
	int r;
	const char *path =
	    fpath_start(d, data, sizeof(struct vg_fpath), size, rec, EV_RAW_ACCESS_READ, &p, &r);

	if (path == NULL)
		return r;
	vrec__set_str(rec, VF_Device, path);
	return 1;
}

int decode_file_modify(struct decoder *d, const void *data, size_t size, struct vrec *rec)
{
	const struct vg_fpath *e = data;
	struct proc *p;
	int r;
	const char *path =
	    fpath_start(d, data, sizeof(struct vg_fpath), size, rec, EV_FILE_MODIFY, &p, &r);

	if (path == NULL)
		return r;
	vrec__set_str(rec, VF_TargetFilename, path);
	exec_detected(d, rec, p, e->hdr.uid, path, e->mode, e);
	return 1;
}

int decode_utimes(struct decoder *d, const void *data, size_t size, struct vrec *rec)
{
	const struct vg_utimes *e = data;
	char *path = d->buf.path;
	size_t off = sizeof(*e);
	char t[24];

	if (take_path(d, data, size, &off, e->base_len, e->rel_len, path, sizeof(d->buf.path)))
		return -EINVAL;
	if (dec_start(d, rec, EV_FILE_CREATE_TIME, &e->hdr) == NULL)
		return -ENOMEM;
	vrec__set_str(rec, VF_TargetFilename, path);
	fmt_ts(e->new_mtime_sec, e->new_mtime_nsec, t);
	vrec__set_str(rec, VF_CreationUtcTime, t);
	if (e->has_old) {
		fmt_ts(e->old_mtime_sec, e->old_mtime_nsec, t);
		vrec__set_str(rec, VF_PreviousCreationUtcTime, t);
	} else {
		vrec__set_str(rec, VF_PreviousCreationUtcTime, "-");
	}
	return 1;
}

int decode_rename(struct decoder *d, const void *data, size_t size, struct vrec *rec)
{
	const struct vg_rename *e = data;
	char *from = d->buf.path, *to = d->buf.path2;
	size_t off = sizeof(*e);

	if (take_path(d, data, size, &off, e->old_base_len, e->old_rel_len, from,
		      sizeof(d->buf.path)) ||
	    take_path(d, data, size, &off, e->new_base_len, e->new_rel_len, to,
		      sizeof(d->buf.path2)))
		return -EINVAL;
	if (dec_start(d, rec, EV_FILE_RENAME, &e->hdr) == NULL)
		return -ENOMEM;
	vrec__set_str(rec, VF_SourceFilename, from);
	vrec__set_str(rec, VF_TargetFilename, to);
	return 1;
}

static void fmt_mode(uint32_t mode, char out[16])
{
	snprintf(out, 16, "%04o", mode & 07777);
}

static void fmt_owner(uint32_t uid, uint32_t gid, char out[32])
{
	if (uid == UINT32_MAX && gid == UINT32_MAX)
		strcpy(out, "-");
	else if (uid == UINT32_MAX)
		snprintf(out, 32, "-:%u", gid);
	else if (gid == UINT32_MAX)
		snprintf(out, 32, "%u:-", uid);
	else
		snprintf(out, 32, "%u:%u", uid, gid);
}

int decode_attr(struct decoder *d, const void *data, size_t size, struct vrec *rec)
{
	const struct vg_attr *e = data;
	char *path = d->buf.path, *name = d->buf.s1;
	size_t off = sizeof(*e);
	char o[32], n[32];
	struct proc *p;

	if (take_path(d, data, size, &off, e->base_len, e->rel_len, path, sizeof(d->buf.path)) ||
	    dec_take(data, size, &off, e->name_len, name, sizeof(d->buf.s1)))
		return -EINVAL;
	p = dec_start(d, rec, EV_FILE_ATTRIBUTE_CHANGE, &e->hdr);
	if (p == NULL)
		return -ENOMEM;
	vrec__set_str(rec, VF_TargetFilename, path);
	switch (e->kind) {
	case VG_ATTR_MODE:
		vrec__set_str(rec, VF_Change, "mode");
		if (e->has_old)
			fmt_mode(e->old_mode, o);
		else
			strcpy(o, "-");
		fmt_mode(e->new_mode, n);
		vrec__set_str(rec, VF_OldValue, o);
		vrec__set_str(rec, VF_NewValue, n);
		/* A file given an exec bit it did not have. */
		if ((e->new_mode & 0111) && !(e->has_old && (e->old_mode & 0111)))
			exec_detected(d, rec, p, e->hdr.uid, path, e->new_mode, NULL);
		break;
	case VG_ATTR_OWNER:
		vrec__set_str(rec, VF_Change, "owner");
		if (e->has_old)
			fmt_owner(e->old_uid, e->old_gid, o);
		else
			strcpy(o, "-");
		fmt_owner(e->new_uid, e->new_gid, n);
		vrec__set_str(rec, VF_OldValue, o);
		vrec__set_str(rec, VF_NewValue, n);
		break;
	default:
		vrec__set_str(rec, VF_Change, "xattr");
		vrec__set_str(rec, VF_OldValue, "-");
		dec_set_s(rec, VF_NewValue, name);
		break;
	}
	return 1;
}

/* symlink/link: the new name, and what it points to. A symbolic link's
 * target is the text stored in it, kept verbatim (a relative target is
 * resolved from the link's own directory, not from the caller's cwd). */
int decode_link(struct decoder *d, const void *data, size_t size, struct vrec *rec)
{
	const struct vg_link *e = data;
	char *target = d->buf.path, *link = d->buf.path2;
	size_t off = sizeof(*e);

	if (e->kind == VG_LINK_SYMBOLIC) {
		if (e->old_base_len != 0 ||
		    dec_take(data, size, &off, e->old_rel_len, target, sizeof(d->buf.path)))
			return -EINVAL;
	} else if (take_path(d, data, size, &off, e->old_base_len, e->old_rel_len, target,
			     sizeof(d->buf.path))) {
		return -EINVAL;
	}
	if (take_path(d, data, size, &off, e->new_base_len, e->new_rel_len, link,
		      sizeof(d->buf.path2)))
		return -EINVAL;
	if (dec_start(d, rec, EV_FILE_LINK, &e->hdr) == NULL)
		return -ENOMEM;
	vrec__set_str(rec, VF_TargetFilename, link);
	dec_set_s(rec, VF_LinkTarget, target);
	vrec__set_str(rec, VF_LinkType, e->kind == VG_LINK_SYMBOLIC ? "symbolic" : "hard");
	return 1;
}

int decode_mkdir(struct decoder *d, const void *data, size_t size, struct vrec *rec)
{
	const struct vg_mkdir *e = data;
	char *path = d->buf.path;
	size_t off = sizeof(*e);

	if (take_path(d, data, size, &off, e->base_len, e->rel_len, path, sizeof(d->buf.path)))
		return -EINVAL;
	if (dec_start(d, rec, EV_DIRECTORY_CREATE, &e->hdr) == NULL)
		return -ENOMEM;
	vrec__set_str(rec, VF_TargetFilename, path);
	return 1;
}

/* open(2) flags as names: the access mode, then the flags that say how
 * (O_NOFOLLOW, O_PATH, ...); creation flags do not occur (the file
 * existed). */
static void fmt_oflags(uint32_t fl, char *out, size_t n)
{
	static const struct {
		uint32_t bit;
		const char *name;
	} names[] = {
	    {O_APPEND, "O_APPEND"},   {O_NONBLOCK, "O_NONBLOCK"}, {O_SYNC, "O_SYNC"},
	    {O_DIRECT, "O_DIRECT"},   {O_NOATIME, "O_NOATIME"},	  {O_NOFOLLOW, "O_NOFOLLOW"},
	    {O_CLOEXEC, "O_CLOEXEC"}, {O_PATH, "O_PATH"},	  {O_TRUNC, "O_TRUNC"},
	};
	size_t len;

	switch (fl & O_ACCMODE) {
	case O_WRONLY:
		len = (size_t)snprintf(out, n, "O_WRONLY");
		break;
	case O_RDWR:
		len = (size_t)snprintf(out, n, "O_RDWR");
		break;
	default:
		len = (size_t)snprintf(out, n, "O_RDONLY");
	}
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]) && len < n; i++)
		if ((fl & names[i].bit) == names[i].bit)
			len += (size_t)snprintf(out + len, n - len, "|%s", names[i].name);
}

int decode_sens_read(struct decoder *d, const void *data, size_t size, struct vrec *rec)
{
	const struct vg_fpath *e = data;
	struct proc *p;
	char fl[160];
	int r;
	const char *path = fpath_start(d, data, sizeof(struct vg_fpath), size, rec,
				       EV_SENSITIVE_FILE_READ, &p, &r);

	if (path == NULL)
		return r;
	vrec__set_str(rec, VF_TargetFilename, path);
	fmt_oflags(e->flags, fl, sizeof(fl));
	vrec__set_str(rec, VF_Flags, fl);
	return 1;
}
