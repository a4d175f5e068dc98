/*
 * seqno.c — persisted sequence numbers and the run marker; see seqno.h.
 */
#include "sensor/seqno.h"

#include "common/log.h"
#include "common/record.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
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

	s->run_fd = -1;
	memset(&s->prev, 0, sizeof(s->prev));
	s->dirfd = open(state_dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (s->dirfd < 0)
		return -errno;
	fd = openat(s->dirfd, "running", O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	if (fd >= 0) {
		char mb[128] = "";
		unsigned long long st = 0, ls = 0, lt = 0;

		n = read(fd, mb, sizeof(mb) - 1);
		close(fd);
		mb[n > 0 ? n : 0] = '\0';
		s->prev.unclean = true;
		if (sscanf(mb, "%u %llu %llu %llu", &s->prev.pid, &st, &ls, &lt) >= 2) {
			s->prev.started_ns = st;
			s->prev.last_seq = ls;
			s->prev.last_ts_ns = lt;
		}
	}
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

/* The marker's content, fixed width so a pwrite always replaces it all. */
static void write_marker(struct seqno *s)
{
	char buf[96];
	int n = snprintf(buf, sizeof(buf), "%u %020" PRIu64 " %020" PRIu64 " %020" PRIu64 "\n",
			 (unsigned)getpid(), s->started_ns, s->next - 1, s->last_ts_ns);

	if (pwrite(s->run_fd, buf, (size_t)n, 0) != n)
		log_warn("cannot update the run marker");
	s->saved_seq = s->next - 1;
}

int seqno__mark_running(struct seqno *s, uint64_t started_ns)
{
	int err;

	if (s->dirfd < 0)
		return -EBADF;
	/* Fresh, ours alone: never write through a link someone planted. */
	if (unlinkat(s->dirfd, "running", 0) < 0 && errno != ENOENT) {
		err = -errno;
		log_warn("cannot replace the run marker");
		return err;
	}
	s->run_fd =
	    openat(s->dirfd, "running", O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
	if (s->run_fd < 0) {
		err = -errno;
		log_warn("cannot create the run marker");
		return err;
	}
	s->started_ns = started_ns;
	s->last_ts_ns = 0;
	write_marker(s);
	/* The marker must exist on disk before anything it vouches for. */
	fsync(s->run_fd);
	fsync(s->dirfd);
	return 0;
}

void seqno__checkpoint(struct seqno *s)
{
	if (s->run_fd >= 0 && s->next - 1 != s->saved_seq)
		write_marker(s);
}

void seqno__mark_stopped(struct seqno *s)
{
	if (s->run_fd < 0)
		return;
	close(s->run_fd);
	s->run_fd = -1;
	if (unlinkat(s->dirfd, "running", 0) < 0)
		log_warn("cannot remove the run marker");
	fsync(s->dirfd);
}

bool seqno__unclean(const struct seqno *s, char *msg, size_t n)
{
	char last[24], started[24];

	if (!s->prev.unclean)
		return false;
	if (s->prev.started_ns)
		vrec__fmt_time(s->prev.started_ns, started);
	else
		strcpy(started, "?");
	if (s->prev.last_ts_ns == 0) {
		snprintf(msg, n,
			 "previous run (pid %u, started %s UTC) ended without its Stopped record "
			 "(killed, crashed or power lost); no record after its start is known",
			 s->prev.pid, started);
		return true;
	}
	vrec__fmt_time(s->prev.last_ts_ns, last);
	snprintf(msg, n,
		 "previous run (pid %u, started %s UTC) ended without its Stopped record (killed, "
		 "crashed or power lost); its last record written: SequenceNumber %" PRIu64
		 " at %s UTC",
		 s->prev.pid, started, s->prev.last_seq, last);
	return true;
}

void seqno__close(struct seqno *s)
{
	if (s->dirfd < 0)
		return;
	if (s->run_fd >= 0)
		close(s->run_fd); /* the marker stays: no Stopped record went out */
	s->run_fd = -1;
	store(s, s->next - 1);
	close(s->dirfd);
	s->dirfd = -1;
}
