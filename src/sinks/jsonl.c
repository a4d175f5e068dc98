/*
 * jsonl.c — the JSON lines sink: one object per line to a file or stdout,
 * with size rotation, optional gzip of rotated files, reopen for logrotate,
 * and records that are whole or absent.
 *
 * Spec: jsonl:PATH[?rotate=SIZE&keep=N&compress=gzip] or jsonl:-.
 *   rotate=SIZE   start a new file before one would pass SIZE (100M, 1G);
 *                 the old one becomes PATH.1, PATH.1 becomes PATH.2, ...
 *                 A buffered batch is split at record ends to keep to it;
 *                 only a record longer than SIZE passes it, alone in its
 *                 file (and a file that cannot rotate keeps growing)
 *   keep=N        rotated files kept (1..1000, default 5); older ones go
 *   compress=gzip rotated files become PATH.N.gz, compressed by a worker
 *                 thread so the event thread never waits for zlib
 *
 * Records are serialised into a buffer and written with write(2) when the
 * buffer passes 64 KiB or at flush (the main loop flushes after every drained
 * batch). A write that stops short (ENOSPC, EFBIG, EIO) is cut back with
 * ftruncate to the end of the last whole record it wrote; the records after
 * that are counted as dropped, the ones before it stay counted as written,
 * so written + dropped is exactly the number of records given. A torn last
 * line left by a crash mid-write is cut off when the file is opened (and the
 * bytes cut are logged), so every line of every file parses.
 *
 * File safety: the sensor is root, so an output file is only appended to
 * when it is a regular file owned by root (euid) and not group- or
 * world-writable. Anything else at PATH is not trusted (another user could
 * have planted it to read or forge telemetry): it is replaced by a new file,
 * created 0600 with O_EXCL|O_NOFOLLOW under a temporary name and renamed
 * over PATH. SIGUSR1 or `vigil rotate` reopens PATH (reopen()), after
 * logrotate has moved the file away.
 *
 * The console output (console:- / console:PATH, with the same options) is
 * this sink writing the readable line of common/evline.h instead of JSON:
 * coloured only on a TTY without $NO_COLOR. A terminal that stops reading
 * (Ctrl-S) holds up the event loop, which the kernel ring absorbs and
 * counts as drops: it is for a person watching, the record of truth is the
 * JSONL or SQLite output beside it.
 */
#include "sinks/sink.h"

#include "common/evline.h"
#include "common/json.h"
#include "common/log.h"
#include "sinks/sinkopt.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

#define JSONL_FLUSH_AT	 (64 * 1024)
#define JSONL_KEEP_DEF	 5
#define JSONL_KEEP_MAX	 1000
#define JSONL_ROTATE_MIN 4096

struct jsonl_cfg {
	char path[PATH_MAX];
	uint64_t rotate; /* bytes, 0 = never */
	unsigned keep;
	bool gzip;
};

struct jsonl {
	struct jsonl_cfg cfg;
	int fd;
	bool own_fd;
	uint64_t size; /* of the open file, as we wrote it */
	bool torn;     /* a cut-back failed: repair before the next write */
	bool special;  /* a device or FIFO: no truncation, no rotation */
	bool human;    /* console: evline's readable line instead of JSON */
	bool color;
	struct strbuf out;
	uint64_t pending; /* records in out */
	bool warned;
	bool warned_busy;
	/* The compression worker: one job at a time (PATH.0 -> PATH.1.gz). */
	pthread_t worker;
	bool worker_started;
	atomic_bool worker_done;
};

static int parse_spec(const char *arg, struct jsonl_cfg *cfg)
{
	const char *q = strchr(arg, '?');
	size_t plen = q ? (size_t)(q - arg) : strlen(arg);
	char key[32], val[64];
	uint64_t v;
	int r;

	memset(cfg, 0, sizeof(*cfg));
	cfg->keep = JSONL_KEEP_DEF;
	if (plen == 0 || plen >= sizeof(cfg->path) - 16) {
		fprintf(stderr, "vigil: output 'jsonl:%s' needs a file path or '-'\n", arg);
		return -EINVAL;
	}
	memcpy(cfg->path, arg, plen);
	cfg->path[plen] = '\0';
	q = q ? q + 1 : NULL;
	while ((r = sinkopt__next(&q, key, sizeof(key), val, sizeof(val))) > 0) {
		if (strcmp(key, "rotate") == 0 && sinkopt__size(val, &cfg->rotate) == 0 &&
		    cfg->rotate >= JSONL_ROTATE_MIN)
			continue;
		if (strcmp(key, "keep") == 0 && sinkopt__uint(val, 1, JSONL_KEEP_MAX, &v) == 0) {
			cfg->keep = (unsigned)v;
			continue;
		}
		if (strcmp(key, "compress") == 0 &&
		    (strcmp(val, "gzip") == 0 || strcmp(val, "none") == 0)) {
			cfg->gzip = strcmp(val, "gzip") == 0;
			continue;
		}
		fprintf(stderr,
			"vigil: output jsonl:%s: bad option '%s=%s' (options: rotate=SIZE (at "
			"least 4K), keep=1..1000, compress=gzip|none)\n",
			cfg->path, key, val);
		return -EINVAL;
	}
	if (r < 0) {
		fprintf(stderr, "vigil: output jsonl:%s: malformed options (expected k=v&k=v)\n",
			cfg->path);
		return -EINVAL;
	}
	if (strcmp(cfg->path, "-") == 0 && (cfg->rotate || cfg->gzip)) {
		fprintf(stderr, "vigil: output jsonl:-: rotate and compress need a file\n");
		return -EINVAL;
	}
	return 0;
}

static int jsonl_check(const char *arg)
{
	struct jsonl_cfg cfg;

	return parse_spec(arg, &cfg);
}

/* Cuts a torn last line (no final newline) off fd. Returns the new size, or
 * -errno. */
static off_t repair_tail(int fd, off_t size, const char *path)
{
	char buf[4096];
	off_t end = size;

	while (end > 0) {
		size_t n = end < (off_t)sizeof(buf) ? (size_t)end : sizeof(buf);
		ssize_t got = pread(fd, buf, n, end - (off_t)n);

		if (got != (ssize_t)n)
			return got < 0 ? -errno : -EIO;
		if (end == size && buf[n - 1] == '\n')
			return size; /* whole, the usual case: one pread */
		for (size_t i = n; i > 0; i--)
			if (buf[i - 1] == '\n') {
				end -= (off_t)(n - i);
				goto cut;
			}
		end -= (off_t)n;
	}
cut:
	if (ftruncate(fd, end) != 0)
		return -errno;
	log_warnx("output %s: repaired a torn last line: %lld bytes cut", path,
		  (long long)(size - end));
	return end;
}

static bool trusted(const struct stat *st)
{
	return S_ISREG(st->st_mode) && st->st_uid == geteuid() &&
	       (st->st_mode & (S_IWGRP | S_IWOTH)) == 0;
}

/* Creates PATH anew: 0600, O_EXCL|O_NOFOLLOW under a temporary name in the
 * same directory, then renamed over whatever is at PATH. */
static int create_fresh(const char *path)
{
	char tmp[PATH_MAX + 32];

	for (int tries = 0; tries < 16; tries++) {
		int fd;

		snprintf(tmp, sizeof(tmp), "%s.new-%d-%d", path, (int)getpid(), tries);
		fd = open(tmp, O_RDWR | O_APPEND | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
		if (fd < 0) {
			if (errno == EEXIST)
				continue;
			return -errno;
		}
		if (rename(tmp, path) != 0) {
			int err = -errno;
			unlink(tmp);
			close(fd);
			return err;
		}
		return fd;
	}
	return -EEXIST;
}

/* Opens PATH for appending, by the rules at the top. A character device
 * or FIFO owned by root (/dev/null, a pipe to a shipper) is written as it is,
 * without repair or rotation (*special); a symlink is refused. Returns fd
 * and its size in *size, or -errno. */
static int open_path(struct jsonl *j, uint64_t *size, bool *special)
{
	const char *path = j->cfg.path;
	struct stat st, fst;
	int fd;

	*special = false;
	fd = open(path, O_RDWR | O_APPEND | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
	if (fd >= 0) {
		*size = 0;
		return fd;
	}
	if (errno != EEXIST)
		return -errno;
	if (lstat(path, &st) != 0)
		return -errno;
	if (S_ISLNK(st.st_mode)) {
		log_warnx("output %s: is a symbolic link: refused", path);
		return -ELOOP;
	}
	if (S_ISCHR(st.st_mode) || S_ISFIFO(st.st_mode)) {
		if (st.st_uid != geteuid()) {
			log_warnx("output %s: a device or FIFO owned by uid %u: refused", path,
				  (unsigned)st.st_uid);
			return -EPERM;
		}
		fd = open(path, O_WRONLY | O_APPEND | O_NOFOLLOW | O_CLOEXEC);
		*special = true;
		return fd < 0 ? -errno : fd;
	}
	if (!S_ISREG(st.st_mode)) {
		log_warnx("output %s: not a regular file: refused", path);
		return -EINVAL;
	}
	if (trusted(&st)) {
		fd = open(path, O_RDWR | O_APPEND | O_NOFOLLOW | O_CLOEXEC);
		if (fd < 0)
			return -errno;
		/* Still the file we checked (not swapped in between)? */
		if (fstat(fd, &fst) == 0 && fst.st_ino == st.st_ino && fst.st_dev == st.st_dev &&
		    trusted(&fst)) {
			off_t sz = repair_tail(fd, fst.st_size, path);
			if (sz < 0) {
				close(fd);
				return (int)sz;
			}
			*size = (uint64_t)sz;
			return fd;
		}
		close(fd);
	}
	log_warnx("output %s: owned by uid %u with mode %04o: not trusted, replaced by a new "
		  "file",
		  path, (unsigned)st.st_uid, (unsigned)(st.st_mode & 07777));
	fd = create_fresh(path);
	if (fd >= 0)
		*size = 0;
	return fd;
}

/* Opens PATH (open_path) and makes it the sink's file; the old one, if
 * any, is closed only once the new one is open, so a failure keeps writing
 * where it was. Returns 0 or -errno (logged with why). */
static int switch_file(struct jsonl *j, const char *why)
{
	uint64_t size = 0;
	bool special = false;
	int fd = open_path(j, &size, &special);

	if (fd < 0) {
		if (why)
			log_warnx("output %s: %s (%s): still writing the old file", j->cfg.path,
				  why, strerror(-fd));
		return fd;
	}
	if (j->own_fd)
		close(j->fd);
	j->fd = fd;
	j->own_fd = true;
	j->size = size;
	j->special = special;
	j->torn = false;
	return 0;
}

/* Compresses PATH.0 into PATH.1.gz (via a temporary name), then removes
 * PATH.0. Runs on the worker thread. */
static void *compress_job(void *arg)
{
	struct jsonl *j = arg;
	char src[PATH_MAX + 16], dst[PATH_MAX + 16], tmp[PATH_MAX + 32];
	char buf[65536];
	int in, out;
	gzFile gz;
	ssize_t n;
	bool ok = true;

	snprintf(src, sizeof(src), "%s.0", j->cfg.path);
	snprintf(dst, sizeof(dst), "%s.1.gz", j->cfg.path);
	snprintf(tmp, sizeof(tmp), "%s.1.gz.tmp", j->cfg.path);
	in = open(src, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
	unlink(tmp);
	out = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
	gz = out >= 0 ? gzdopen(out, "wb6") : NULL;
	if (in < 0 || gz == NULL) {
		log_warnx("output %s: cannot compress %s: left uncompressed", j->cfg.path, src);
		if (out >= 0 && gz == NULL)
			close(out);
		ok = false;
	}
	while (ok && (n = read(in, buf, sizeof(buf))) != 0) {
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 || gzwrite(gz, buf, (unsigned)n) != (int)n)
			ok = false;
	}
	if (gz && gzclose(gz) != Z_OK)
		ok = false;
	if (in >= 0)
		close(in);
	if (ok && rename(tmp, dst) == 0) {
		unlink(src);
	} else {
		/* Keep the data: the plain file takes the compressed one's place. */
		unlink(tmp);
		snprintf(dst, sizeof(dst), "%s.1", j->cfg.path);
		if (rename(src, dst) != 0)
			log_warn("output %s: cannot move %s", j->cfg.path, src);
	}
	atomic_store(&j->worker_done, true);
	return NULL;
}

/* PATH.i[.gz] -> PATH.(i+1)[.gz] for i = keep-1 .. 1; PATH.keep goes. */
static void shift_rotated(const struct jsonl_cfg *c)
{
	static const char *const ext[] = {"", ".gz"};
	char from[PATH_MAX + 32], to[PATH_MAX + 32];

	for (unsigned i = c->keep; i >= 1; i--)
		for (size_t e = 0; e < 2; e++) {
			snprintf(from, sizeof(from), "%s.%u%s", c->path, i, ext[e]);
			if (i == c->keep) {
				unlink(from);
				continue;
			}
			snprintf(to, sizeof(to), "%s.%u%s", c->path, i + 1, ext[e]);
			if (rename(from, to) != 0 && errno != ENOENT)
				log_warn("output %s: cannot rename %s", c->path, from);
		}
}

/* Moves the full file aside and opens a new one. With compression, the
 * move is to PATH.0 and the worker does the shifting and zlib; if it is
 * still busy with the previous file, rotation waits (the file grows past
 * the limit meanwhile) rather than the event thread waiting for it. */
static int rotate_now(struct jsonl *j)
{
	char aside[PATH_MAX + 16];
	int err;

	if (j->cfg.gzip) {
		if (j->worker_started && !atomic_load(&j->worker_done)) {
			if (!j->warned_busy)
				log_warnx("output %s: still compressing the previous file: "
					  "rotation postponed",
					  j->cfg.path);
			j->warned_busy = true;
			return -EBUSY;
		}
		if (j->worker_started)
			pthread_join(j->worker, NULL);
		j->worker_started = false;
		j->warned_busy = false;
		snprintf(aside, sizeof(aside), "%s.0", j->cfg.path);
	} else {
		shift_rotated(&j->cfg);
		snprintf(aside, sizeof(aside), "%s.1", j->cfg.path);
	}
	if (rename(j->cfg.path, aside) != 0) {
		log_warn("output %s: cannot rotate", j->cfg.path);
		return -errno;
	}
	/* On failure, keep appending to the moved file rather than losing
	 * records. */
	err = switch_file(j, "cannot open a new file after rotating");
	if (err < 0)
		return err;
	if (j->cfg.gzip) {
		shift_rotated(&j->cfg); /* PATH.1 is free for the worker */
		atomic_store(&j->worker_done, false);
		if (pthread_create(&j->worker, NULL, compress_job, j) == 0) {
			j->worker_started = true;
		} else {
			char one[PATH_MAX + 16];
			snprintf(one, sizeof(one), "%s.1", j->cfg.path);
			rename(aside, one); /* no thread: keep it uncompressed */
		}
	}
	return 0;
}

static int open_as(struct sink *s, const char *arg, bool human)
{
	struct jsonl *j = calloc(1, sizeof(*j));
	int err;

	if (j == NULL)
		return -ENOMEM;
	j->human = human;
	err = parse_spec(arg, &j->cfg);
	if (err < 0) {
		free(j);
		return err;
	}
	if (strcmp(j->cfg.path, "-") == 0) {
		j->fd = STDOUT_FILENO;
	} else {
		err = switch_file(j, NULL);
		if (err < 0) {
			log_warnx("cannot open output %s: %s", j->cfg.path, strerror(-err));
			free(j);
			return err;
		}
	}
	j->color = human && evline__want_color(j->fd);
	strbuf__init(&j->out, 64u << 20);
	s->priv = j;
	return 0;
}

static int jsonl_open(struct sink *s, const char *arg, const struct sink_env *env)
{
	return open_as(s, arg, false);
}

static int console_open(struct sink *s, const char *arg, const struct sink_env *env)
{
	return open_as(s, arg, true);
}

/* The records of out[0..n) that ended: their count, and where the last one
 * ends. */
static uint64_t whole_records(const char *p, size_t n, size_t *end)
{
	uint64_t k = 0;

	*end = 0;
	for (size_t i = 0; i < n; i++)
		if (p[i] == '\n') {
			k++;
			*end = i + 1;
		}
	return k;
}

/* The end of the whole records of p[off..n) that fit in room bytes; off
 * when not even the first one does. */
static size_t fit_records(const char *p, size_t off, size_t n, uint64_t room)
{
	size_t end;

	whole_records(p + off, n - off > room ? (size_t)room : n - off, &end);
	return off + end;
}

/* How much of out[off..) goes to the current file: all of it, unless
 * rotation is on and it would pass the limit; then the records that fit,
 * after moving to a new file if none does. A record that fits in no file
 * goes alone into a fresh one. */
static size_t next_piece(struct jsonl *j, size_t off)
{
	const char *p = j->out.buf, *nl;
	size_t stop;
	uint64_t room;

	if (!j->own_fd || j->special || !j->cfg.rotate ||
	    j->size + (j->out.len - off) <= j->cfg.rotate)
		return j->out.len;
	room = j->size < j->cfg.rotate ? j->cfg.rotate - j->size : 0;
	stop = fit_records(p, off, j->out.len, room);
	if (stop > off)
		return stop;
	if (j->size > 0) {
		if (rotate_now(j) < 0)
			return j->out.len; /* keep writing where we are */
		stop = fit_records(p, off, j->out.len, j->cfg.rotate);
		if (stop > off)
			return stop;
	}
	nl = memchr(p + off, '\n', j->out.len - off);
	return nl != NULL ? (size_t)(nl - p) + 1 : j->out.len;
}

static int jsonl_flush(struct sink *s)
{
	struct jsonl *j = s->priv;
	size_t off = 0;
	int err = 0;

	if (j->out.len == 0)
		return 0;
	if (j->torn && j->own_fd && !j->special) {
		if (ftruncate(j->fd, (off_t)j->size) != 0) {
			err = -errno;
			goto fail;
		}
		j->torn = false;
	}
	/* j->size follows every byte written, so a piece knows the room
	 * left in its file. */
	while (off < j->out.len && err == 0) {
		size_t stop = next_piece(j, off);

		while (off < stop) {
			ssize_t n = write(j->fd, j->out.buf + off, stop - off);
			if (n < 0 && errno == EINTR)
				continue;
			if (n <= 0) {
				err = n < 0 ? -errno : -EIO;
				break;
			}
			off += (size_t)n;
			j->size += (uint64_t)n;
		}
	}
	if (err == 0) {
		j->warned = false;
		sink_order__delivered(&s->order);
		strbuf__clear(&j->out);
		j->pending = 0;
		return 0;
	}
fail:;
	/* Keep what was written whole; cut back a partial record. Pieces end
	 * at record ends, so a partial one is all in the current file. */
	size_t end;
	uint64_t done = whole_records(j->out.buf, off, &end);
	uint64_t lost = j->pending - done;

	j->size -= off - end;
	if (j->own_fd && !j->special && end < off) {
		if (ftruncate(j->fd, (off_t)j->size) != 0)
			j->torn = true; /* retried before the next write */
	}
	if (!j->warned)
		log_warnx("output %s: write failed (%s): %llu records dropped", s->spec,
			  strerror(-err), (unsigned long long)lost);
	j->warned = true;
	sink__lost(s, lost, 1);
	s->st.written -= lost <= s->st.written ? lost : s->st.written;
	strbuf__clear(&j->out);
	j->pending = 0;
	return err;
}

static int jsonl_write(struct sink *s, const struct vrec *rec)
{
	struct jsonl *j = s->priv;
	size_t before = j->out.len;

	if (j->human) {
		evline__format(&j->out, rec, j->color);
	} else {
		sink__serialize(s, &j->out, rec);
		strbuf__addc(&j->out, '\n');
	}
	if (j->out.overflow) {
		/* Only a record larger than the whole buffer gets here: drop
		 * it alone, keep the lines before it. */
		j->out.len = before;
		j->out.overflow = false;
		return -E2BIG;
	}
	j->pending++;
	if (j->out.len >= JSONL_FLUSH_AT)
		jsonl_flush(s);
	return 0;
}

static int jsonl_reopen(struct sink *s)
{
	struct jsonl *j = s->priv;

	if (!j->own_fd)
		return 0;
	jsonl_flush(s);
	return switch_file(j, "reopen failed");
}

static void jsonl_close(struct sink *s)
{
	struct jsonl *j = s->priv;

	if (j == NULL)
		return;
	jsonl_flush(s);
	if (j->own_fd) {
		fsync(j->fd);
		close(j->fd);
	}
	if (j->worker_started)
		pthread_join(j->worker, NULL); /* one file's compression at most */
	strbuf__free(&j->out);
	free(j);
}

const struct sink_ops sink_jsonl_ops = {
    .kind = "jsonl",
    .check = jsonl_check,
    .open = jsonl_open,
    .write = jsonl_write,
    .flush = jsonl_flush,
    .close = jsonl_close,
    .reopen = jsonl_reopen,
};

const struct sink_ops sink_console_ops = {
    .kind = "console",
    .check = jsonl_check,
    .open = console_open,
    .write = jsonl_write,
    .flush = jsonl_flush,
    .close = jsonl_close,
    .reopen = jsonl_reopen,
};
