/*
 * spool.c — segment files with length+CRC framing and a committed read
 * offset; see spool.h for the format, the recovery rules and the fsync
 * policy.
 */
#include "sinks/spool.h"

#include "common/log.h"
#include "sinks/outfile.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <unistd.h>
#include <zlib.h>

#define SPOOL_MAX_RECORD (64u << 20)
#define SPOOL_HDR	 16
/* The first byte, 0xF5, never occurs in UTF-8, so the magic cannot appear
 * inside a record (the NATS sink spools JSON, always valid UTF-8, and hex
 * ids): a reader that lost the framing finds the next record by it. */
static const unsigned char spool_magic[4] = {0xf5, 'V', 'g', 0x02};

struct spool {
	char dir[4096];
	int dirfd;
	uint64_t max_bytes, seg_bytes;
	uint64_t w_seg, w_off; /* segment being appended to and its size */
	int w_fd;	       /* -1 until the first append to w_seg */
	uint64_t r_seg, r_off; /* read position */
	int r_fd;
	uint64_t r_fd_seg, r_size;
	uint64_t c_seg, c_off; /* committed position */
	uint64_t disk;	       /* bytes of segments c_seg..w_seg */
	struct spool_stats st;
};

static void seg_name(const struct spool *sp, uint64_t seg, char *out, size_t n)
{
	snprintf(out, n, "%s/%020" PRIu64 ".seg", sp->dir, seg);
}

static uint32_t crc_of(const void *p, size_t n)
{
	return (uint32_t)crc32(0L, (const Bytef *)p, (uInt)n);
}

static void put32(unsigned char *p, uint32_t v)
{
	p[0] = (unsigned char)v;
	p[1] = (unsigned char)(v >> 8);
	p[2] = (unsigned char)(v >> 16);
	p[3] = (unsigned char)(v >> 24);
}

static uint32_t get32(const unsigned char *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

/* Builds a record header: magic | len | CRC of the payload | CRC of the
 * first 12 header bytes. */
static void make_hdr(unsigned char *h, const void *data, uint32_t len)
{
	memcpy(h, spool_magic, 4);
	put32(h + 4, len);
	put32(h + 8, crc_of(data, len));
	put32(h + 12, crc_of(h, 12));
}

/* True when h is an intact header; sets its payload length and CRC. */
static bool hdr_ok(const unsigned char *h, uint32_t *len, uint32_t *crc)
{
	if (memcmp(h, spool_magic, 4) != 0 || crc_of(h, 12) != get32(h + 12))
		return false;
	*len = get32(h + 4);
	*crc = get32(h + 8);
	return *len <= SPOOL_MAX_RECORD;
}

/* The offset of the next intact header in fd after off whose record fits
 * before size, or size when there is none: where a reader that met a
 * damaged header picks the framing up again. */
static uint64_t resync(int fd, uint64_t off, uint64_t size)
{
	unsigned char chunk[65536];

	while (off + SPOOL_HDR <= size) {
		size_t want = size - off < sizeof(chunk) ? (size_t)(size - off) : sizeof(chunk);
		ssize_t got = pread(fd, chunk, want, (off_t)off);

		if (got < SPOOL_HDR)
			break;
		for (size_t i = 0; i + SPOOL_HDR <= (size_t)got; i++) {
			uint32_t len, crc;
			if (chunk[i] == spool_magic[0] && hdr_ok(chunk + i, &len, &crc) &&
			    off + i + SPOOL_HDR + len <= size)
				return off + i;
		}
		off += (uint64_t)got - (SPOOL_HDR - 1); /* a header may straddle chunks */
	}
	return size;
}

static uint64_t file_size(const struct spool *sp, uint64_t seg)
{
	char path[4200];
	struct stat sb;

	seg_name(sp, seg, path, sizeof(path));
	return stat(path, &sb) == 0 ? (uint64_t)sb.st_size : 0;
}

/* Finds the lowest and highest segment numbers present. */
static int scan_dir(struct spool *sp, uint64_t *lo, uint64_t *hi)
{
	DIR *d = opendir(sp->dir);
	struct dirent *de;
	bool any = false;

	if (d == NULL)
		return -errno;
	while ((de = readdir(d)) != NULL) {
		char *end;
		unsigned long long n;

		if (strlen(de->d_name) != 24 || strcmp(de->d_name + 20, ".seg") != 0)
			continue;
		n = strtoull(de->d_name, &end, 10);
		if (end != de->d_name + 20)
			continue;
		if (!any || n < *lo)
			*lo = n;
		if (!any || n > *hi)
			*hi = n;
		any = true;
	}
	closedir(d);
	return any ? 1 : 0;
}

static bool read_commit(struct spool *sp, uint64_t *seg, uint64_t *off)
{
	char path[4200], line[128];
	unsigned long long s, o;
	unsigned crc;
	FILE *f;
	bool ok = false;

	snprintf(path, sizeof(path), "%s/commit", sp->dir);
	f = fopen(path, "re");
	if (f == NULL)
		return false;
	if (fgets(line, sizeof(line), f) != NULL &&
	    sscanf(line, "%llu %llu %x", &s, &o, &crc) == 3) {
		char body[64];
		int n = snprintf(body, sizeof(body), "%llu %llu", s, o);
		if (crc_of(body, (size_t)n) == crc) {
			*seg = s;
			*off = o;
			ok = true;
		}
	}
	fclose(f);
	return ok;
}

static int write_commit(struct spool *sp)
{
	char tmp[4200], path[4200], body[64], line[96];
	int n, fd, err = 0;

	n = snprintf(body, sizeof(body), "%" PRIu64 " %" PRIu64, sp->r_seg, sp->r_off);
	n = snprintf(line, sizeof(line), "%s %08x\n", body, crc_of(body, (size_t)n));
	snprintf(tmp, sizeof(tmp), "%s/commit.tmp", sp->dir);
	snprintf(path, sizeof(path), "%s/commit", sp->dir);
	unlink(tmp); /* a leftover of a crash mid-commit */
	fd = outfile__create(tmp, O_WRONLY);
	if (fd < 0)
		return fd;
	if (write(fd, line, (size_t)n) != n || fsync(fd) < 0)
		err = errno ? -errno : -EIO;
	close(fd);
	if (err == 0 && rename(tmp, path) < 0)
		err = -errno;
	if (err == 0)
		fsync(sp->dirfd);
	return err;
}

/* Scans seg from off, returning the end of its last whole, valid record:
 * what follows it is a torn append (a crash) and is cut. Damaged records
 * before it stay, for the reader to skip and count. */
static uint64_t valid_end(const struct spool *sp, uint64_t seg, uint64_t off)
{
	char path[4200];
	unsigned char hdr[SPOOL_HDR];
	char *buf = NULL;
	size_t cap = 0;
	uint64_t size, good = off;
	struct stat sb;
	int fd;

	seg_name(sp, seg, path, sizeof(path));
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return 0;
	size = fstat(fd, &sb) == 0 ? (uint64_t)sb.st_size : 0;
	while (off + SPOOL_HDR <= size) {
		uint32_t len, crc;

		if (pread(fd, hdr, SPOOL_HDR, (off_t)off) != SPOOL_HDR)
			break;
		if (!hdr_ok(hdr, &len, &crc) || off + SPOOL_HDR + len > size) {
			off = resync(fd, off + 1, size);
			continue;
		}
		if (len > cap) {
			char *nb = realloc(buf, len);
			if (nb == NULL)
				break;
			buf = nb;
			cap = len;
		}
		if (pread(fd, buf, len, (off_t)(off + SPOOL_HDR)) != (ssize_t)len)
			break;
		off += SPOOL_HDR + len;
		if (crc_of(buf, len) == crc)
			good = off;
	}
	free(buf);
	close(fd);
	return good;
}

static int open_write_seg(struct spool *sp)
{
	char path[4200];

	bool created;

	seg_name(sp, sp->w_seg, path, sizeof(path));
	sp->w_fd = outfile__open(path, O_WRONLY | O_APPEND, &created);
	if (sp->w_fd < 0) {
		int err = sp->w_fd;
		sp->w_fd = -1;
		return err;
	}
	fsync(sp->dirfd); /* the new name itself must survive a crash */
	return 0;
}

struct spool *spool__open(const char *dir, uint64_t max_bytes, uint64_t seg_bytes)
{
	struct spool *sp = calloc(1, sizeof(*sp));
	uint64_t lo = 0, hi = 0, cs = 0, co = 0;
	int any, err;

	if (sp == NULL)
		return NULL;
	if (strlen(dir) >= sizeof(sp->dir) - 64) {
		free(sp);
		errno = ENAMETOOLONG;
		return NULL;
	}
	strcpy(sp->dir, dir);
	sp->max_bytes = max_bytes;
	sp->seg_bytes = seg_bytes ? seg_bytes : (16u << 20);
	sp->w_fd = sp->r_fd = -1;
	if (mkdir(dir, 0700) < 0 && errno != EEXIST)
		goto fail;
	sp->dirfd = open(dir, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (sp->dirfd < 0)
		goto fail;
	/* Nobody else may plant or change records (see outfile.h): the
	 * directory and every file in it must be ours alone. */
	err = outfile__check(sp->dirfd, dir, true);
	if (err < 0) {
		errno = -err;
		goto fail;
	}
	any = scan_dir(sp, &lo, &hi);
	if (any < 0) {
		errno = -any;
		goto fail;
	}
	{
		char path[4200];

		snprintf(path, sizeof(path), "%s/commit", dir);
		err = outfile__check_path(path);
		for (uint64_t s = lo; any && s <= hi && err == 0; s++) {
			seg_name(sp, s, path, sizeof(path));
			err = outfile__check_path(path);
		}
		if (err < 0) {
			errno = -err;
			goto fail;
		}
	}
	if (!any) {
		lo = hi = 1;
		if (read_commit(sp, &cs, &co) && cs > hi)
			lo = hi = cs; /* keep numbering monotonic */
		sp->c_seg = sp->w_seg = lo;
		sp->c_off = sp->w_off = 0;
	} else {
		if (!read_commit(sp, &cs, &co) || cs < lo) {
			cs = lo;
			co = 0;
		}
		if (cs > hi) {
			/* Everything was consumed; the old files are leftovers. */
			cs = hi;
			co = file_size(sp, hi);
		}
		/* Segments before the commit were consumed: a crash between
		 * the commit and their deletion leaves them behind. */
		for (uint64_t s = lo; s < cs; s++) {
			char path[4200];
			seg_name(sp, s, path, sizeof(path));
			unlink(path);
		}
		sp->c_seg = cs;
		sp->w_seg = hi;
		/* Cut a torn tail off the newest segment. */
		{
			uint64_t size = file_size(sp, hi);
			uint64_t from = cs == hi ? co : 0;
			uint64_t end = valid_end(sp, hi, from);
			char path[4200];

			if (from > size) {
				co = size;
				end = size;
			}
			if (end < size) {
				seg_name(sp, hi, path, sizeof(path));
				if (truncate(path, (off_t)end) == 0)
					sp->st.truncated += size - end;
				log_warnx("spool %s: cut %llu torn bytes off segment %llu", dir,
					  (unsigned long long)(size - end), (unsigned long long)hi);
			}
			sp->w_off = end;
		}
		sp->c_off = co;
		sp->disk = 0;
		for (uint64_t s = cs; s <= hi; s++)
			sp->disk += file_size(sp, s);
		err = open_write_seg(sp);
		if (err < 0) {
			errno = -err;
			goto fail;
		}
	}
	sp->r_seg = sp->c_seg;
	sp->r_off = sp->c_off;
	return sp;
fail:
	err = errno;
	if (sp->dirfd > 0)
		close(sp->dirfd);
	free(sp);
	errno = err;
	return NULL;
}

void spool__close(struct spool *sp)
{
	if (sp == NULL)
		return;
	spool__sync(sp);
	if (sp->w_fd >= 0)
		close(sp->w_fd);
	if (sp->r_fd >= 0)
		close(sp->r_fd);
	close(sp->dirfd);
	free(sp);
}

static uint64_t live_bytes(const struct spool *sp)
{
	return sp->disk > sp->c_off ? sp->disk - sp->c_off : 0;
}

int spool__sync(struct spool *sp)
{
	if (sp->w_fd >= 0 && fdatasync(sp->w_fd) < 0)
		return -errno;
	return 0;
}

int spool__append(struct spool *sp, const void *data, size_t len)
{
	unsigned char hdr[SPOOL_HDR];
	struct iovec iov[2];
	ssize_t w;
	int err;

	if (len > SPOOL_MAX_RECORD)
		return -EMSGSIZE;
	if (live_bytes(sp) + SPOOL_HDR + len > sp->max_bytes) {
		sp->st.dropped_full++;
		return -ENOSPC;
	}
	if (sp->w_fd >= 0 && sp->w_off > 0 && sp->w_off + SPOOL_HDR + len > sp->seg_bytes) {
		/* Seal the segment: durable before we move on. */
		fdatasync(sp->w_fd);
		close(sp->w_fd);
		sp->w_fd = -1;
		sp->w_seg++;
		sp->w_off = 0;
	}
	if (sp->w_fd < 0) {
		err = open_write_seg(sp);
		if (err < 0)
			return err;
	}
	make_hdr(hdr, data, (uint32_t)len);
	iov[0].iov_base = hdr;
	iov[0].iov_len = SPOOL_HDR;
	iov[1].iov_base = (void *)data;
	iov[1].iov_len = len;
	w = writev(sp->w_fd, iov, 2);
	if (w != (ssize_t)(SPOOL_HDR + len)) {
		err = w < 0 ? -errno : -ENOSPC;
		/* Never leave half a record for the reader to trip on. */
		if (ftruncate(sp->w_fd, (off_t)sp->w_off) < 0)
			log_warn("spool %s: cannot cut a failed append", sp->dir);
		return err;
	}
	sp->w_off += SPOOL_HDR + len;
	sp->disk += SPOOL_HDR + len;
	sp->st.appended++;
	return 0;
}

static bool at_end(const struct spool *sp, uint64_t seg, uint64_t off)
{
	return seg > sp->w_seg || (seg == sp->w_seg && off >= sp->w_off);
}

long spool__read(struct spool *sp, char **buf, size_t *cap)
{
	unsigned char hdr[SPOOL_HDR];

	for (;;) {
		uint32_t len, crc;

		if (at_end(sp, sp->r_seg, sp->r_off))
			return -ENOENT;
		if (sp->r_fd < 0 || sp->r_fd_seg != sp->r_seg) {
			char path[4200];
			struct stat sb;

			if (sp->r_fd >= 0)
				close(sp->r_fd);
			seg_name(sp, sp->r_seg, path, sizeof(path));
			sp->r_fd = open(path, O_RDONLY | O_CLOEXEC);
			if (sp->r_fd < 0) {
				if (errno != ENOENT)
					return -errno;
				sp->r_seg++;
				sp->r_off = 0;
				continue;
			}
			sp->r_fd_seg = sp->r_seg;
			sp->r_size = fstat(sp->r_fd, &sb) == 0 ? (uint64_t)sb.st_size : 0;
		}
		if (sp->r_seg == sp->w_seg)
			sp->r_size = sp->w_off;
		if (sp->r_off + SPOOL_HDR > sp->r_size ||
		    pread(sp->r_fd, hdr, SPOOL_HDR, (off_t)sp->r_off) != SPOOL_HDR) {
			if (sp->r_seg == sp->w_seg)
				return -ENOENT;
			sp->r_seg++;
			sp->r_off = 0;
			continue;
		}
		if (!hdr_ok(hdr, &len, &crc) || sp->r_off + SPOOL_HDR + len > sp->r_size) {
			/* A damaged header: one damaged record (or run of
			 * them), counted once; the framing is picked up
			 * again at the next intact header. */
			sp->st.corrupt++;
			sp->r_off = resync(sp->r_fd, sp->r_off + 1, sp->r_size);
			continue;
		}
		if (len > *cap || *buf == NULL) {
			char *nb = realloc(*buf, len ? len : 1);
			if (nb == NULL)
				return -ENOMEM;
			*buf = nb;
			*cap = len ? len : 1;
		}
		if (pread(sp->r_fd, *buf, len, (off_t)(sp->r_off + SPOOL_HDR)) != (ssize_t)len) {
			/* The file shrank under us: nothing more to read. */
			sp->st.corrupt++;
			sp->r_off = sp->r_size;
			continue;
		}
		sp->r_off += SPOOL_HDR + len;
		if (crc_of(*buf, len) != crc) {
			/* The header is intact, the payload is not: exactly
			 * this record is skipped. */
			sp->st.corrupt++;
			continue;
		}
		return (long)len;
	}
}

int spool__commit(struct spool *sp)
{
	uint64_t old = sp->c_seg;
	int err;

	if (sp->r_seg == sp->w_seg && sp->r_off >= sp->w_off && sp->w_off > 0) {
		/* Drained: start a fresh segment so the old one can go. */
		if (sp->w_fd >= 0)
			close(sp->w_fd);
		sp->w_fd = -1;
		sp->w_seg++;
		sp->w_off = 0;
		sp->r_seg = sp->w_seg;
		sp->r_off = 0;
	}
	err = write_commit(sp);
	if (err < 0)
		return err;
	for (uint64_t s = old; s < sp->r_seg; s++) {
		char path[4200];
		sp->disk -= file_size(sp, s) <= sp->disk ? file_size(sp, s) : sp->disk;
		seg_name(sp, s, path, sizeof(path));
		unlink(path);
	}
	if (sp->r_fd >= 0 && sp->r_fd_seg < sp->r_seg) {
		close(sp->r_fd);
		sp->r_fd = -1;
	}
	sp->c_seg = sp->r_seg;
	sp->c_off = sp->r_off;
	return 0;
}

void spool__rewind(struct spool *sp)
{
	sp->r_seg = sp->c_seg;
	sp->r_off = sp->c_off;
}

bool spool__empty(const struct spool *sp)
{
	return at_end(sp, sp->c_seg, sp->c_off);
}

bool spool__drained(const struct spool *sp)
{
	return at_end(sp, sp->r_seg, sp->r_off);
}

void spool__stats(const struct spool *sp, struct spool_stats *out)
{
	*out = sp->st;
	out->bytes = live_bytes(sp);
}
