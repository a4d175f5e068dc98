/*
 * outfile.c — output files that are never taken over; see outfile.h.
 */
#include "sinks/outfile.h"

#include "common/log.h"

#include <errno.h>
#include <fcntl.h>
#include <unistd.h>

int outfile__check(int fd, const char *path, bool dir)
{
	struct stat st;

	if (fstat(fd, &st) < 0) {
		log_warn("%s", path);
		return -errno;
	}
	if (dir ? !S_ISDIR(st.st_mode) : !S_ISREG(st.st_mode)) {
		log_warnx("refusing %s: not a %s", path, dir ? "directory" : "regular file");
		return -EPERM;
	}
	if (st.st_uid != geteuid()) {
		log_warnx("refusing %s: owned by uid %u, not by the sensor's uid %u (remove it or "
			  "chown it)",
			  path, (unsigned)st.st_uid, (unsigned)geteuid());
		return -EPERM;
	}
	if (st.st_mode & (S_IWGRP | S_IWOTH)) {
		log_warnx("refusing %s: writable by %s (mode %04o; chmod go-w it or remove it)",
			  path, st.st_mode & S_IWOTH ? "everyone" : "its group",
			  (unsigned)(st.st_mode & 07777));
		return -EPERM;
	}
	if (!dir && st.st_nlink > 1) {
		log_warnx("refusing %s: it has %u hard links (remove it)", path,
			  (unsigned)st.st_nlink);
		return -EPERM;
	}
	return 0;
}

int outfile__create(const char *path, int flags)
{
	int fd = open(path, flags | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);

	if (fd < 0) {
		int err = -errno;
		log_warn("cannot create %s", path);
		return err;
	}
	return fd;
}

/* Opens an existing path without following a symlink (or a FIFO's
 * blocking) and checks it. Returns the fd or -errno (logged); -ENOENT is
 * not logged when quiet_enoent. */
static int open_existing(const char *path, int flags, bool quiet_enoent)
{
	int fd = open(path, flags | O_NOFOLLOW | O_NOCTTY | O_NONBLOCK | O_CLOEXEC), err;

	if (fd < 0) {
		err = -errno;
		if (err == -ELOOP)
			log_warnx("refusing %s: it is a symbolic link", path);
		else if (err != -ENOENT || !quiet_enoent)
			log_warn("cannot open %s", path);
		return err;
	}
	err = outfile__check(fd, path, false);
	if (err < 0) {
		close(fd);
		return err;
	}
	/* A regular file: O_NONBLOCK only kept a FIFO from blocking the open. */
	fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) & ~O_NONBLOCK);
	return fd;
}

int outfile__open(const char *path, int flags, bool *created)
{
	int fd, err;

	*created = false;
	fd = open(path, flags | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
	if (fd >= 0) {
		*created = true;
		return fd;
	}
	if (errno != EEXIST) {
		err = -errno;
		log_warn("cannot create %s", path);
		return err;
	}
	return open_existing(path, flags, false);
}

int outfile__check_path(const char *path)
{
	int fd = open_existing(path, O_RDONLY, true);

	if (fd == -ENOENT)
		return 0;
	if (fd < 0)
		return fd;
	close(fd);
	return 0;
}
