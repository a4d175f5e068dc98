/*
 * jsonl.c — the JSON lines sink: one object per line to a file or stdout.
 *
 * Records are serialised into a buffer and written with write(2) when the
 * buffer passes 64 KiB or at flush (the main loop flushes after every drained
 * batch), so a burst costs few syscalls and a quiet host still sees events at
 * once. Files are created 0600 and opened O_APPEND, so an operator's
 * `tail -f` and log shippers see whole lines. A failed write (disk full)
 * drops the batch, counts every record in it, and the sink keeps trying on
 * the next flush.
 */
#include "sinks/sink.h"

#include "common/json.h"
#include "common/log.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define JSONL_FLUSH_AT (64 * 1024)

struct jsonl {
	int fd;
	bool own_fd;
	struct strbuf out;
	uint64_t pending; /* records in out */
	bool warned;
};

static int jsonl_open(struct sink *s, const char *arg, const struct sink_env *env)
{
	struct jsonl *j = calloc(1, sizeof(*j));

	if (j == NULL)
		return -ENOMEM;
	if (strcmp(arg, "-") == 0) {
		j->fd = STDOUT_FILENO;
	} else {
		j->fd = open(arg, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC | O_NOFOLLOW, 0600);
		if (j->fd < 0) {
			int err = -errno;
			log_warn("cannot open output %s", arg);
			free(j);
			return err;
		}
		j->own_fd = true;
	}
	strbuf__init(&j->out, 64u << 20);
	s->priv = j;
	return 0;
}

static int jsonl_flush(struct sink *s)
{
	struct jsonl *j = s->priv;
	size_t off = 0;

	while (off < j->out.len) {
		ssize_t n = write(j->fd, j->out.buf + off, j->out.len - off);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			int err = n < 0 ? -errno : -EIO;
			if (!j->warned)
				log_warn("output %s: write failed, dropping %llu records", s->spec,
					 (unsigned long long)j->pending);
			j->warned = true;
			s->st.errors++;
			s->st.dropped += j->pending;
			s->st.written -= j->pending <= s->st.written ? j->pending : s->st.written;
			strbuf__clear(&j->out);
			j->pending = 0;
			return err;
		}
		off += (size_t)n;
	}
	j->warned = false;
	strbuf__clear(&j->out);
	j->pending = 0;
	return 0;
}

static int jsonl_write(struct sink *s, const struct vrec *rec)
{
	struct jsonl *j = s->priv;
	size_t before = j->out.len;

	sink__serialize(s, &j->out, rec);
	strbuf__addc(&j->out, '\n');
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
	strbuf__free(&j->out);
	free(j);
}

const struct sink_ops sink_jsonl_ops = {
    .kind = "jsonl",
    .open = jsonl_open,
    .write = jsonl_write,
    .flush = jsonl_flush,
    .close = jsonl_close,
};
