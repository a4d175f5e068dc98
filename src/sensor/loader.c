/*
 * loader.c — BPF object lifecycle with the generated skeleton; see loader.h.
 */
#include "sensor/loader.h"

#include "common/log.h"
#include "vigil.skel.h"

#include <bpf/bpf.h>
#include <errno.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <unistd.h>

struct bpf_sensor {
	struct vigil_bpf *skel;
	struct ring_buffer *rb;
	int ncpus;
	/* Our own read-only view of the ring's positions, for the fill level
	 * (libbpf 1.1 has no API for it). */
	const volatile uint64_t *cons_pos, *prod_pos;
	size_t page;
};

static int verbose_libbpf;

static int libbpf_log(enum libbpf_print_level level, const char *fmt, va_list ap)
{
	if (!verbose_libbpf || (level == LIBBPF_DEBUG && verbose_libbpf < 2))
		return 0;
	return vfprintf(stderr, fmt, ap);
}

/* A program on a tracepoint this kernel lacks (init_module on a kernel
 * without modules, fchmodat2 before 6.6) is not loaded: the event type it
 * feeds just never occurs here. */
static bool tracepoint_exists(const char *sec)
{
	char path[256];

	if (strncmp(sec, "tp/", 3) != 0)
		return true;
	snprintf(path, sizeof(path), "/sys/kernel/tracing/events/%s/id", sec + 3);
	if (access(path, F_OK) == 0)
		return true;
	snprintf(path, sizeof(path), "/sys/kernel/debug/tracing/events/%s/id", sec + 3);
	return access(path, F_OK) == 0;
}

/* Syscall tracepoints are found through tracefs; hosts that boot without
 * it mounted (minimal images, some VMs) get it mounted here. */
static void ensure_tracefs(void)
{
	if (access("/sys/kernel/tracing/events", F_OK) == 0 ||
	    access("/sys/kernel/debug/tracing/events", F_OK) == 0)
		return;
	if (mount("nodev", "/sys/kernel/tracing", "tracefs", 0, NULL) != 0)
		log_warn("tracefs is not mounted and mounting it failed; "
			 "syscall tracepoints will not attach");
}

struct bpf_sensor *bpf_sensor__start(const struct bpf_sensor_opts *o, ring_buffer_sample_fn cb,
				     void *ctx)
{
	struct bpf_sensor *s = calloc(1, sizeof(*s));
	struct bpf_program *prog;
	int err;

	if (s == NULL)
		return NULL;
	verbose_libbpf = o->verbose;
	libbpf_set_print(libbpf_log);
	if (access("/sys/kernel/btf/vmlinux", R_OK) != 0) {
		log_warnx("this kernel has no BTF (/sys/kernel/btf/vmlinux missing): "
			  "vigil needs CONFIG_DEBUG_INFO_BTF=y");
		goto fail;
	}
	ensure_tracefs();
	s->skel = vigil_bpf__open();
	if (s->skel == NULL) {
		log_warn("cannot open the BPF object");
		goto fail;
	}
	s->skel->rodata->self_tgid = o->self_tgid;
	if (o->ringbuf_bytes)
		bpf_map__set_max_entries(s->skel->maps.rb, o->ringbuf_bytes);
	/* Wake the reader at an eighth full: far from overflowing, and rare
	 * enough that a busy host pays for few wakeups. */
	s->skel->rodata->wake_bytes = bpf_map__max_entries(s->skel->maps.rb) / 8;
	bpf_object__for_each_program(prog, s->skel->obj)
	{
		bool ok = tracepoint_exists(bpf_program__section_name(prog));
		if (!ok)
			log_debug("no tracepoint for %s: not loaded", bpf_program__name(prog));
		bpf_program__set_autoload(prog, ok);
	}
	err = vigil_bpf__load(s->skel);
	if (err) {
		if (err == -EPERM || err == -EACCES)
			log_warnx(
			    "the kernel refused the BPF programs (%s): run as root, and check "
			    "kernel.unprivileged_bpf_disabled / lockdown; -v shows libbpf's log",
			    strerror(-err));
		else
			log_warnx("loading the BPF programs failed: %s (-v shows libbpf's log)",
				  strerror(-err));
		goto fail;
	}
	for (uint32_t t = 0; t < VG_TYPE_MAX; t++)
		if (o->want[t])
			bpf_sensor__set_enabled(s, t, true);
	err = vigil_bpf__attach(s->skel);
	if (err) {
		log_warnx("attaching the BPF programs failed: %s (-v shows libbpf's log)",
			  strerror(-err));
		goto fail;
	}
	s->rb = ring_buffer__new(bpf_map__fd(s->skel->maps.rb), cb, ctx, NULL);
	if (s->rb == NULL) {
		log_warn("cannot set up the ring buffer");
		goto fail;
	}
	s->page = (size_t)sysconf(_SC_PAGESIZE);
	{
		int fd = bpf_map__fd(s->skel->maps.rb);
		void *c = mmap(NULL, s->page, PROT_READ, MAP_SHARED, fd, 0);
		void *p = mmap(NULL, s->page, PROT_READ, MAP_SHARED, fd, (off_t)s->page);
		s->cons_pos = c == MAP_FAILED ? NULL : c;
		s->prod_pos = p == MAP_FAILED ? NULL : p;
	}
	s->ncpus = libbpf_num_possible_cpus();
	if (s->ncpus <= 0)
		s->ncpus = 1;
	return s;
fail:
	bpf_sensor__stop(s);
	return NULL;
}

struct detach_job {
	struct bpf_link **links;
	size_t n;
};

static void *detach_some(void *arg)
{
	struct detach_job *j = arg;

	for (size_t i = 0; i < j->n; i++)
		bpf_link__destroy(j->links[i]);
	return NULL;
}

/* Detaching a tracepoint waits for an RCU grace period, tens of ms each:
 * one after the other, ~70 links take seconds. Threads let the grace
 * periods overlap, so a stop (and a restart) is quick. */
static void detach_all(struct bpf_sensor *s)
{
	const struct bpf_object_skeleton *sk;
	struct bpf_link *links[256];
	struct detach_job jobs[16];
	pthread_t th[16];
	bool started[16] = {false};
	size_t n = 0, per;

	if (s->skel == NULL)
		return;
	sk = s->skel->skeleton;
	for (int i = 0; i < sk->prog_cnt && n < 256; i++) {
		if (*sk->progs[i].link == NULL)
			continue;
		links[n++] = *sk->progs[i].link;
		*sk->progs[i].link = NULL;
	}
	per = (n + 15) / 16;
	for (size_t t = 0; t < 16 && per; t++) {
		size_t from = t * per;
		if (from >= n)
			break;
		jobs[t].links = links + from;
		jobs[t].n = from + per <= n ? per : n - from;
		started[t] = pthread_create(&th[t], NULL, detach_some, &jobs[t]) == 0;
		if (!started[t])
			detach_some(&jobs[t]);
	}
	for (size_t t = 0; t < 16; t++)
		if (started[t])
			pthread_join(th[t], NULL);
}

void bpf_sensor__stop(struct bpf_sensor *s)
{
	if (s == NULL)
		return;
	detach_all(s);
	if (s->cons_pos)
		munmap((void *)s->cons_pos, s->page);
	if (s->prod_pos)
		munmap((void *)s->prod_pos, s->page);
	ring_buffer__free(s->rb);
	vigil_bpf__destroy(s->skel);
	free(s);
}

int bpf_sensor__fd(const struct bpf_sensor *s)
{
	return ring_buffer__epoll_fd(s->rb);
}

int bpf_sensor__consume(struct bpf_sensor *s)
{
	return ring_buffer__consume(s->rb);
}

void bpf_sensor__stats(const struct bpf_sensor *s, uint32_t type, struct vg_stats *out)
{
	struct vg_stats per[s->ncpus];

	memset(out, 0, sizeof(*out));
	if (bpf_map__lookup_elem(s->skel->maps.stats, &type, sizeof(type), per, sizeof(per), 0))
		return;
	for (int i = 0; i < s->ncpus; i++) {
		out->seen += per[i].seen;
		out->dropped += per[i].dropped;
		out->filtered += per[i].filtered;
	}
}

int bpf_sensor__set_enabled(struct bpf_sensor *s, uint32_t type, bool on)
{
	uint32_t v = on;
	return bpf_map__update_elem(s->skel->maps.enabled, &type, sizeof(type), &v, sizeof(v), 0);
}

unsigned bpf_sensor__rb_used_pct(const struct bpf_sensor *s)
{
	uint64_t size = bpf_map__max_entries(s->skel->maps.rb);
	uint64_t avail;

	if (s->cons_pos == NULL || s->prod_pos == NULL || size == 0)
		return 0;
	avail = *s->prod_pos - *s->cons_pos;
	return (unsigned)(avail * 100 / size);
}

size_t bpf_sensor__links(const struct bpf_sensor *s, struct vg_link_ref *refs, size_t max)
{
	const struct bpf_object_skeleton *sk = s->skel->skeleton;
	size_t n = 0;

	for (int i = 0; i < sk->prog_cnt && n < max; i++) {
		struct bpf_link *l = *sk->progs[i].link;
		struct bpf_link_info info;
		uint32_t len = sizeof(info);

		if (l == NULL)
			continue;
		memset(&info, 0, sizeof(info));
		if (bpf_obj_get_info_by_fd(bpf_link__fd(l), &info, &len) != 0)
			continue;
		refs[n].link_id = info.id;
		refs[n].prog_id = info.prog_id;
		snprintf(refs[n].prog, sizeof(refs[n].prog), "%s", sk->progs[i].name);
		n++;
	}
	return n;
}

int bpf_sensor__check_links(const struct bpf_sensor *s, const struct vg_link_ref *refs, size_t n,
			    char *what, size_t whatlen)
{
	int bad = 0;

	(void)s;
	what[0] = '\0';
	for (size_t i = 0; i < n; i++) {
		struct bpf_link_info info;
		uint32_t len = sizeof(info);
		int fd = bpf_link_get_fd_by_id(refs[i].link_id);
		bool ok = false;

		memset(&info, 0, sizeof(info));
		if (fd >= 0) {
			ok = bpf_obj_get_info_by_fd(fd, &info, &len) == 0 &&
			     info.prog_id == refs[i].prog_id;
			close(fd);
		}
		if (ok)
			continue;
		if (bad++ == 0)
			snprintf(what, whatlen, "%s (link %u) %s", refs[i].prog, refs[i].link_id,
				 fd < 0 ? "detached" : "runs another program");
	}
	return bad;
}

int bpf_sensor__mute(struct bpf_sensor *s, uint32_t tgid, uint64_t mask)
{
	if (mask == 0) {
		bpf_map__delete_elem(s->skel->maps.muted, &tgid, sizeof(tgid), 0);
		return 0;
	}
	return bpf_map__update_elem(s->skel->maps.muted, &tgid, sizeof(tgid), &mask, sizeof(mask),
				    0);
}

int bpf_sensor__set_mute_images(struct bpf_sensor *s, const char *const *paths,
				const uint64_t *masks, size_t n)
{
	struct bpf_map *m = s->skel->maps.mute_images;
	char key[256], next[256];
	int err = 0;

	/* Clear, then fill: a reload replaces the whole set. */
	while (bpf_map__get_next_key(m, NULL, next, sizeof(next)) == 0)
		bpf_map__delete_elem(m, next, sizeof(next), 0);
	for (size_t i = 0; i < n; i++) {
		if (strlen(paths[i]) >= sizeof(key))
			continue;
		memset(key, 0, sizeof(key));
		strcpy(key, paths[i]);
		if (bpf_map__update_elem(m, key, sizeof(key), &masks[i], sizeof(masks[i]), 0) != 0)
			err = -errno;
	}
	return err;
}

void bpf_sensor__set_mute_active(struct bpf_sensor *s, bool on)
{
	s->skel->bss->mute_active = on;
}

int bpf_sensor__protect(struct bpf_sensor *s, uint32_t pid, uint32_t kind)
{
	return bpf_map__update_elem(s->skel->maps.protected, &pid, sizeof(pid), &kind, sizeof(kind),
				    0);
}

int bpf_sensor__unprotect(struct bpf_sensor *s, uint32_t pid)
{
	return bpf_map__delete_elem(s->skel->maps.protected, &pid, sizeof(pid), 0);
}
