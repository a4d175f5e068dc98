/*
 * seqno.c — persisted sequence numbers; see seqno.h.
 */
#include "sensor/seqno.h"

#include "common/log.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#define SEQ_BLOCK 4096

/* Writes value atomically (temp file + rename) and durably. */
static int store(struct seqno *s, uint64_t value)
{
	char buf[32];
	int fd, n = snprintf(buf, sizeof(buf), "%" PRIu64 "\n", value);

	fd = openat(s->dirfd, "seqno.tmp", O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (fd < 0)
		return -errno;
	if (write(fd, buf, (size_t)n) != n || fsync(fd) != 0) {
		int err = -errno;
		close(fd);
		return err;
	}
	close(fd);
	if (renameat(s->dirfd, "seqno.tmp", s->dirfd, "seqno") != 0)
		return -errno;
	return 0;
}

int seqno__open(struct seqno *s, const char *state_dir)
{
	char buf[32] = "";
	uint64_t last = 0;
	int fd;
	ssize_t n;

	s->dirfd = open(state_dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (s->dirfd < 0)
		return -errno;
	fd = openat(s->dirfd, "seqno", O_RDONLY | O_CLOEXEC);
	if (fd >= 0) {
		n = read(fd, buf, sizeof(buf) - 1);
		close(fd);
		if (n > 0) {
			buf[n] = '\0';
			last = strtoull(buf, NULL, 10);
		}
	}
	s->next = last + 1;
	s->reserved = s->next + SEQ_BLOCK;
	return store(s, s->reserved - 1);
}

uint64_t seqno__next(struct seqno *s)
{
	if (s->next >= s->reserved) {
		s->reserved = s->next + SEQ_BLOCK;
		if (store(s, s->reserved - 1) != 0)
			log_warn("cannot persist the sequence number");
	}
	return s->next++;
}

void seqno__close(struct seqno *s)
{
	if (s->dirfd < 0)
		return;
	store(s, s->next - 1);
	close(s->dirfd);
	s->dirfd = -1;
}
