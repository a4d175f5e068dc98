/*
 * cmd_view.c — `vigil view [FILE|-] [--follow] [--event NAME,...]
 * [--grep TEXT] [--color auto|always|never]`: JSON lines as the jsonl
 * output writes them, shown one readable line per event (common/evline.h).
 *
 * FILE defaults to /var/lib/vigil/events.jsonl (the default output); `-` is
 * standard input. --follow keeps reading as the file grows, like tail -f,
 * and starts again from the top of a new file when the old one was rotated
 * away or truncated. A line that is not a vigil event is skipped and counted
 * (the count goes to stderr at the end). Every byte from the events is
 * escaped before it reaches the terminal.
 *
 * Exit codes: 0; EX_USAGE; EX_NOINPUT when FILE cannot be opened; EX_IOERR
 * when standard output cannot be written.
 */
#include "cli/commands.h"

#include "common/duration.h"
#include "common/evline.h"
#include "common/record.h"
#include "common/record_json.h"
#include "common/schema.h"
#include "common/strbuf.h"

#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <sysexits.h>
#include <time.h>
#include <unistd.h>

#define VIEW_DEFAULT_FILE "/var/lib/vigil/events.jsonl"
#define VIEW_LINE_MAX	  (16u << 20)
#define VIEW_MAX_EVENTS	  64

struct view {
	const char *path; /* NULL: stdin */
	bool follow;
	bool color;
	const char *grep;
	size_t nev;
	const char *ev[VIEW_MAX_EVENTS]; /* names or ids, as given */
	struct vrec *rec;
	struct strbuf out;
	uint64_t skipped;
	bool too_long; /* discarding the rest of an over-long line */
};

static void usage(FILE *f)
{
	fprintf(f,
		"usage: vigil view [FILE|-] [--follow] [--event NAME,...] [--grep TEXT]\n"
		"                  [--color auto|always|never]\n"
		"\n"
		"Shows JSON lines written by the jsonl output as one readable line per\n"
		"event: time, event, process (pid) → target. FILE defaults to\n" VIEW_DEFAULT_FILE
		"; - reads standard input.\n"
		"\n"
		"  -f, --follow        keep reading as the file grows (follows rotation)\n"
		"  -e, --event LIST    only these events (names or ids, comma-separated)\n"
		"  -g, --grep TEXT     only lines whose JSON contains TEXT (any case)\n"
		"      --color WHEN    auto (a terminal without $NO_COLOR), always, never\n");
}

static bool wanted(const struct view *v, const struct vrec *rec, const char *line)
{
	if (v->nev) {
		bool hit = false;
		char id[8];

		snprintf(id, sizeof(id), "%u", rec->def->id);
		for (size_t i = 0; i < v->nev && !hit; i++)
			hit =
			    strcasecmp(v->ev[i], rec->def->name) == 0 || strcmp(v->ev[i], id) == 0;
		if (!hit)
			return false;
	}
	return v->grep == NULL || strcasestr(line, v->grep) != NULL;
}

/* One complete line (without its newline). Returns 0 or EX_IOERR. */
static int one_line(struct view *v, char *line, size_t len)
{
	char err[128];

	if (len == 0)
		return 0;
	line[len] = '\0';
	if (record_json__parse(v->rec, line, len, err, sizeof(err)) != 0) {
		v->skipped++;
		return 0;
	}
	if (!wanted(v, v->rec, line))
		return 0;
	evline__format(&v->out, v->rec, v->color);
	if (v->out.len >= 65536) {
		if (fwrite(v->out.buf, 1, v->out.len, stdout) != v->out.len)
			return EX_IOERR;
		strbuf__clear(&v->out);
	}
	return 0;
}

static int flush_out(struct view *v)
{
	if (v->out.len && fwrite(v->out.buf, 1, v->out.len, stdout) != v->out.len)
		return EX_IOERR;
	strbuf__clear(&v->out);
	return fflush(stdout) == 0 ? 0 : EX_IOERR;
}

/* Feeds buf[0..n) into the pending partial line in acc; handles every line
 * that completes. */
static int feed(struct view *v, struct strbuf *acc, const char *buf, size_t n)
{
	while (n > 0) {
		const char *nl = memchr(buf, '\n', n);
		size_t k = nl ? (size_t)(nl - buf) : n;

		if (!v->too_long) {
			strbuf__add(acc, buf, k);
			if (acc->overflow || acc->len > VIEW_LINE_MAX) {
				v->too_long = true;
				v->skipped++;
			}
		}
		if (nl) {
			int rc = v->too_long ? 0 : one_line(v, acc->buf, acc->len);
			strbuf__clear(acc);
			acc->overflow = false;
			v->too_long = false;
			if (rc)
				return rc;
			k++;
		}
		buf += k;
		n -= k;
	}
	return 0;
}

static int open_input(const char *path, struct stat *st)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	if (fd >= 0 && fstat(fd, st) != 0) {
		close(fd);
		return -1;
	}
	return fd;
}

static int run_view(struct view *v)
{
	struct strbuf acc;
	struct stat st = {0}, now;
	char buf[65536];
	off_t pos = 0;
	int fd, rc = 0;

	fd = v->path ? open_input(v->path, &st) : STDIN_FILENO;
	if (fd < 0) {
		fprintf(stderr, "vigil view: %s: %s\n", v->path, strerror(errno));
		return EX_NOINPUT;
	}
	/* +1 for the terminating NUL one_line() writes */
	strbuf__init(&acc, VIEW_LINE_MAX + sizeof(buf) + 1);
	for (;;) {
		ssize_t n = read(fd, buf, sizeof(buf));

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			fprintf(stderr, "vigil view: reading: %s\n", strerror(errno));
			rc = EX_IOERR;
			break;
		}
		if (n > 0) {
			pos += n;
			rc = feed(v, &acc, buf, (size_t)n);
			if (rc)
				break;
			continue;
		}
		/* End of the input so far. */
		rc = flush_out(v);
		if (rc || !v->follow || v->path == NULL)
			break;
		nanosleep(&(struct timespec){0, 200 * (long)NSEC_PER_MSEC}, NULL);
		/* Rotated away (a new file at the path) or truncated: start
		 * again from the top of what is there now. */
		if (stat(v->path, &now) == 0 &&
		    (now.st_ino != st.st_ino || now.st_dev != st.st_dev || now.st_size < pos)) {
			int nfd = open_input(v->path, &st);
			if (nfd >= 0) {
				close(fd);
				fd = nfd;
				pos = 0;
				strbuf__clear(&acc);
			}
		}
	}
	if (rc == 0 && acc.len && !v->too_long) /* a last line without newline */
		rc = one_line(v, acc.buf, acc.len);
	if (rc == 0)
		rc = flush_out(v);
	if (rc == EX_IOERR)
		fprintf(stderr, "vigil view: writing: %s\n", strerror(errno));
	if (v->skipped)
		fprintf(stderr, "vigil view: %llu line(s) skipped: not vigil events\n",
			(unsigned long long)v->skipped);
	strbuf__free(&acc);
	if (v->path)
		close(fd);
	return rc;
}

int cmd_view(int argc, char **argv)
{
	static const struct option opts[] = {
	    {"follow", no_argument, NULL, 'f'},	    {"event", required_argument, NULL, 'e'},
	    {"grep", required_argument, NULL, 'g'}, {"color", required_argument, NULL, 'C'},
	    {"help", no_argument, NULL, 'h'},	    {NULL, 0, NULL, 0},
	};
	struct view v = {.path = VIEW_DEFAULT_FILE};
	const char *color = "auto";
	char *events = NULL;
	int opt, rc;

	optind = 1;
	while ((opt = getopt_long(argc, argv, "fe:g:h", opts, NULL)) != -1) {
		switch (opt) {
		case 'f':
			v.follow = true;
			break;
		case 'e':
			events = optarg;
			break;
		case 'g':
			v.grep = optarg;
			break;
		case 'C':
			color = optarg;
			break;
		case 'h':
			usage(stdout);
			return 0;
		default:
			usage(stderr);
			return EX_USAGE;
		}
	}
	if (argc - optind > 1) {
		usage(stderr);
		return EX_USAGE;
	}
	if (argc - optind == 1)
		v.path = strcmp(argv[optind], "-") == 0 ? NULL : argv[optind];
	if (strcmp(color, "always") == 0) {
		v.color = true;
	} else if (strcmp(color, "auto") == 0) {
		v.color = evline__want_color(STDOUT_FILENO);
	} else if (strcmp(color, "never") != 0) {
		fprintf(stderr, "vigil view: --color must be auto, always or never\n");
		return EX_USAGE;
	}
	for (char *save = NULL, *t = events ? strtok_r(events, ",", &save) : NULL; t;
	     t = strtok_r(NULL, ",", &save)) {
		if (v.nev == VIEW_MAX_EVENTS) {
			fprintf(stderr, "vigil view: at most %d events in --event\n",
				VIEW_MAX_EVENTS);
			return EX_USAGE;
		}
		if (schema__event((unsigned)atoi(t)) == NULL) {
			bool known = false;
			size_t n;
			const struct vevent_def *const *all = schema__events(&n);
			for (size_t i = 0; i < n && !known; i++)
				known = strcasecmp(all[i]->name, t) == 0;
			if (!known) {
				fprintf(stderr, "vigil view: --event: unknown event '%s'\n", t);
				return EX_USAGE;
			}
		}
		v.ev[v.nev++] = t;
	}
	v.rec = calloc(1, sizeof(*v.rec));
	if (v.rec == NULL)
		return EX_OSERR;
	strbuf__init(&v.out, 1u << 20);
	rc = run_view(&v);
	strbuf__free(&v.out);
	free(v.rec);
	return rc;
}
