/*
 * console.c — the console output: one readable line per event (evline.h),
 * for a person watching a terminal: `--output console:-` (stdout) or
 * `console:PATH`.
 *
 * Lines are buffered and written at flush (the main loop flushes after each
 * drained batch) or past 64 KiB. Colours only when the target is a TTY and
 * $NO_COLOR is unset. A file is created 0600 with O_NOFOLLOW. A terminal
 * that stops reading (Ctrl-S) would hold up the event loop, which the kernel
 * ring then absorbs and counts as drops: this output is for people, the
 * record of truth is the JSONL or SQLite output beside it.
 */
#include "sinks/sink.h"

#include "common/evline.h"
#include "common/log.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define CONSOLE_FLUSH_AT (64 * 1024)

struct console {
	int fd;
	bool own_fd;
	bool color;
	struct strbuf out;
	uint64_t pending;
};

static int console_check(const char *arg)
{
	if (*arg == '\0' || strchr(arg, '?')) {
		fprintf(stderr, "vigil: output 'console:%s': expected console:- or console:PATH\n",
			arg);
		return -EINVAL;
	}
	return 0;
}

static int console_open(struct sink *s, const char *arg, const struct sink_env *env)
{
	struct console *c = calloc(1, sizeof(*c));

	if (c == NULL)
		return -ENOMEM;
	if (strcmp(arg, "-") == 0) {
		c->fd = STDOUT_FILENO;
	} else {
		c->fd = open(arg, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC | O_NOFOLLOW, 0600);
		if (c->fd < 0) {
			int err = -errno;
			log_warn("cannot open output %s", arg);
			free(c);
			return err;
		}
		c->own_fd = true;
	}
	c->color = evline__want_color(c->fd);
	strbuf__init(&c->out, 16u << 20);
	s->priv = c;
	return 0;
}

static int console_flush(struct sink *s)
{
	struct console *c = s->priv;
	size_t off = 0;

	while (off < c->out.len) {
		ssize_t n = write(c->fd, c->out.buf + off, c->out.len - off);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			s->st.errors++;
			s->st.dropped += c->pending;
			s->st.written -= c->pending <= s->st.written ? c->pending : s->st.written;
			break;
		}
		off += (size_t)n;
	}
	strbuf__clear(&c->out);
	c->pending = 0;
	return 0;
}

static int console_write(struct sink *s, const struct vrec *rec)
{
	struct console *c = s->priv;
	size_t before = c->out.len;

	evline__format(&c->out, rec, c->color);
	if (c->out.overflow) {
		c->out.len = before;
		c->out.overflow = false;
		return -E2BIG;
	}
	c->pending++;
	if (c->out.len >= CONSOLE_FLUSH_AT)
		console_flush(s);
	return 0;
}

static void console_close(struct sink *s)
{
	struct console *c = s->priv;

	if (c == NULL)
		return;
	console_flush(s);
	if (c->own_fd)
		close(c->fd);
	strbuf__free(&c->out);
	free(c);
}

const struct sink_ops sink_console_ops = {
    .kind = "console",
    .check = console_check,
    .open = console_open,
    .write = console_write,
    .flush = console_flush,
    .close = console_close,
};
