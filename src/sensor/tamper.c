/*
 * tamper.c — link, file and heartbeat tamper checks; see tamper.h.
 */
#include "sensor/tamper.h"

#include "common/duration.h"
#include "common/log.h"
#include "sensor/loader.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/inotify.h>
#include <time.h>
#include <unistd.h>

#define MAX_LINKS 256
#define WATCH_MASK                                                                                 \
	(IN_CLOSE_WRITE | IN_MODIFY | IN_MOVED_TO | IN_MOVED_FROM | IN_DELETE | IN_ATTRIB |        \
	 IN_CREATE)

struct watched {
	int wd;
	char dir[PATH_MAX];
	char name[NAME_MAX + 1];
	const char *what; /* "configuration" or "binary" */
};

struct tamper {
	int ifd;
	struct watched w[2];
	int nw;
	struct bpf_sensor *bpf;
	struct vg_link_ref links[MAX_LINKS];
	size_t nlinks;
	uint64_t last_mono, last_boot;
	bool reported_links;
};

static uint64_t clock_ns(clockid_t c)
{
	struct timespec ts;
	clock_gettime(c, &ts);
	return (uint64_t)ts.tv_sec * NSEC_PER_SEC + (uint64_t)ts.tv_nsec;
}

static void watch(struct tamper *t, const char *path, const char *what)
{
	struct watched *w = &t->w[t->nw];
	const char *slash;

	if (path == NULL || t->ifd < 0)
		return;
	slash = strrchr(path, '/');
	if (slash == NULL || slash[1] == '\0')
		return;
	snprintf(w->dir, sizeof(w->dir), "%.*s", (int)(slash - path ? slash - path : 1), path);
	snprintf(w->name, sizeof(w->name), "%s", slash + 1);
	w->what = what;
	w->wd = inotify_add_watch(t->ifd, w->dir, WATCH_MASK);
	if (w->wd < 0) {
		log_warn("cannot watch %s for tampering", w->dir);
		return;
	}
	t->nw++;
}

struct tamper *tamper__new(const char *config_path, const char *binary_path)
{
	struct tamper *t = calloc(1, sizeof(*t));

	if (t == NULL)
		return NULL;
	t->ifd = inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
	if (t->ifd < 0)
		log_warn("inotify unavailable: config and binary writes will not be noticed");
	watch(t, config_path, "configuration");
	watch(t, binary_path, "binary");
	t->last_mono = clock_ns(CLOCK_MONOTONIC);
	t->last_boot = clock_ns(CLOCK_BOOTTIME);
	return t;
}

void tamper__free(struct tamper *t)
{
	if (t == NULL)
		return;
	if (t->ifd >= 0)
		close(t->ifd);
	free(t);
}

int tamper__fd(const struct tamper *t)
{
	return t->ifd;
}

void tamper__on_inotify(struct tamper *t, tamper_alert_fn *alert, void *ctx)
{
	char buf[4096] __attribute__((aligned(__alignof__(struct inotify_event))));
	ssize_t n;

	while ((n = read(t->ifd, buf, sizeof(buf))) > 0) {
		for (char *p = buf; p < buf + n;) {
			const struct inotify_event *ev = (const void *)p;
			p += sizeof(*ev) + ev->len;
			for (int i = 0; i < t->nw; i++) {
				char detail[PATH_MAX + 128];
				const char *how;

				if (ev->wd != t->w[i].wd || ev->len == 0 ||
				    strcmp(ev->name, t->w[i].name) != 0)
					continue;
				if (ev->mask & (IN_MODIFY | IN_CLOSE_WRITE))
					how = "written";
				else if (ev->mask & (IN_MOVED_TO | IN_CREATE))
					how = "replaced";
				else if (ev->mask & (IN_DELETE | IN_MOVED_FROM))
					how = "removed";
				else
					how = "attributes changed";
				/* An editor's save gives several events; one
				 * close-after-write is the one that matters,
				 * and a plain IN_MODIFY is skipped when the
				 * close follows in the same batch. */
				if ((ev->mask & IN_MODIFY) && !(ev->mask & IN_CLOSE_WRITE))
					continue;
				snprintf(detail, sizeof(detail), "%s %s/%s %s", t->w[i].what,
					 t->w[i].dir, t->w[i].name, how);
				alert(ctx,
				      strcmp(t->w[i].what, "binary") == 0 ? "BinaryModified"
									  : "ConfigModified",
				      detail);
			}
		}
	}
}

void tamper__set_links(struct tamper *t, struct bpf_sensor *bpf)
{
	t->bpf = bpf;
	t->nlinks = bpf_sensor__links(bpf, t->links, MAX_LINKS);
}

void tamper__tick(struct tamper *t, tamper_alert_fn *alert, void *ctx)
{
	uint64_t mono = clock_ns(CLOCK_MONOTONIC), boot = clock_ns(CLOCK_BOOTTIME);
	uint64_t dm = mono - t->last_mono, db = boot - t->last_boot;
	char detail[256];

	/* Suspend: boot time ran on while monotonic time stood still. */
	if (db > dm + 2000000000ull) {
		snprintf(detail, sizeof(detail),
			 "host suspended for %.1f s: events during it were not seen",
			 (double)(db - dm) / NSEC_PER_SEC);
		alert(ctx, "HeartbeatGap", detail);
	} else if (dm > 5000000000ull) {
		snprintf(detail, sizeof(detail),
			 "sensor did not run for %.1f s (stopped or frozen); the ring buffer "
			 "may have overflowed meanwhile",
			 (double)dm / NSEC_PER_SEC);
		alert(ctx, "HeartbeatGap", detail);
	}
	t->last_mono = mono;
	t->last_boot = boot;

	if (t->bpf && t->nlinks) {
		char what[160];
		int bad = bpf_sensor__check_links(t->bpf, t->links, t->nlinks, what, sizeof(what));
		/* Report once per change, not every second. */
		if (bad > 0 && !t->reported_links) {
			snprintf(detail, sizeof(detail), "%d of the sensor's %zu BPF links: %s",
				 bad, t->nlinks, what);
			alert(ctx, "ProbeDetached", detail);
		}
		t->reported_links = bad > 0;
	}
}
