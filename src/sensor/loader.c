/*
 * loader.c — BPF object lifecycle with the generated skeleton; see loader.h.
 */
#include "sensor/loader.h"

#include "common/log.h"
#include "sensor/dnsmark.h"
#include "vigil.skel.h"

#include <bpf/bpf.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <ftw.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

struct bpf_sensor {
	struct vigil_bpf *skel;
	struct ring_buffer *rb;
	int ncpus;
	/* Our own read-only view of the ring's positions, for the fill level
	 * (libbpf 1.1 has no API for it). */
	const volatile uint64_t *cons_pos, *prod_pos;
	size_t page;
	struct prog_status progs[VG_MAX_PROGS];
	size_t nprogs;
	bool sens_all;		 /* what sens_all in .bss must hold (set_sens_gate) */
	uint32_t sens_name_lens; /* and sens_name_lens */
	/* Process-mark flags seen set in .bss (common.bpf.h), which must stay
	 * set: clearing one would blind a hook to unmarked processes. */
	bool dns_all, wf_all, marks_used;
	/* DNS reads and executable mappings are found by entry and exit
	 * programs: the saved registers cannot be used here (saved_regs() in
	 * common.bpf.h). Never cleared. */
	bool args_by_entry;
	/* What regs_pad in .bss must hold, and whether it was probed. */
	uint32_t regs_pad;
	bool regs_pad_tried;
	uint64_t types; /* what set_attached() was last asked for */
	/* The DNS seeding scan (bpf_sensor__dns_seed), on a thread of its
	 * own: dns_seeding in .bss is 1 while it runs. seed_lock makes its
	 * end (running false, then the flag 0) one step for verify(). */
	pthread_t seed_thr;
	bool seed_started;
	atomic_bool seed_running, seed_cancel;
	pthread_mutex_t seed_lock;
};

static int verbose_libbpf;

/* libbpf's warnings during a load attempt, kept to name the program that
 * failed and the verifier's reason (the log is printed in full only with
 * -v). Bounded: the verifier log of a big program can run to megabytes, and
 * the reason is at its end, so only the tail is kept. */
#define CAPTURE_MAX (256 * 1024)
static struct {
	bool on;
	char *buf;
	size_t len;
	/* libbpf names the failed program in one line before the log; a log
	 * longer than the window ("BPF program is too large", a megabyte of
	 * trace) would slide that line out, so the newest one is kept apart. */
	char head[256];
} capture;

static int libbpf_log(enum libbpf_print_level level, const char *fmt, va_list ap)
{
	if (capture.on && level == LIBBPF_WARN) {
		va_list aq;
		char *msg = NULL;
		int n;

		va_copy(aq, ap);
		n = vasprintf(&msg, fmt, aq);
		va_end(aq);
		if (n > 0 && strstr(msg, "': BPF program load failed") != NULL)
			snprintf(capture.head, sizeof(capture.head), "%s", msg);
		if (n > 0 && capture.buf != NULL) {
			size_t take = (size_t)n > CAPTURE_MAX ? CAPTURE_MAX : (size_t)n;
			const char *src = msg + (size_t)n - take;
			if (capture.len + take > CAPTURE_MAX) {
				/* Keep the newest text: slide the window. */
				size_t drop = capture.len + take - CAPTURE_MAX;
				memmove(capture.buf, capture.buf + drop, capture.len - drop);
				capture.len -= drop;
			}
			memcpy(capture.buf + capture.len, src, take);
			capture.len += take;
			capture.buf[capture.len] = '\0';
		}
		free(msg);
	}
	if (!verbose_libbpf || (level == LIBBPF_DEBUG && verbose_libbpf < 2))
		return 0;
	return vfprintf(stderr, fmt, ap);
}

/* Where a tp/ program's tracepoint is: present, absent, or unknowable.
 * tp_btf and raw_tp programs attach by name, without tracefs. */
static enum prog_state tracepoint_state(const char *sec, const char *events, int events_err)
{
	char path[256];

	if (strncmp(sec, "tp/", 3) != 0)
		return PROG_LOADED;
	if (events == NULL)
		return events_err == ENOENT ? PROG_NO_TP : PROG_NO_TRACEFS;
	snprintf(path, sizeof(path), "%s/%s/id", events, sec + 3);
	return access(path, F_OK) == 0 ? PROG_LOADED : PROG_NO_TP;
}

/*
 * Test hook, named in the environment like VIGIL_TEST_REFUSE_PROG so no
 * option advertises it: VIGIL_TEST_MAP_MAX=NAME:N[,NAME:N...] loads the
 * named state map with room for N entries, so a test can fill it with a
 * few blocked threads and see the refused entries counted (see "State
 * maps and loss" in common.bpf.h). Only the state maps whose refusals are
 * counted can be shrunk; anything else in the variable is ignored.
 */
static void shrink_state_maps(struct vigil_bpf *skel)
{
	static const char *const names[] = {"calls", "unlink_calls", "sock_calls", "tcp_pending"};
	const char *v = getenv("VIGIL_TEST_MAP_MAX");

	while (v != NULL && *v != '\0') {
		const char *colon = strchr(v, ':');
		const char *next = strchr(v, ',');
		unsigned long n;
		char *end;

		if (colon == NULL || (next != NULL && next < colon))
			break;
		n = strtoul(colon + 1, &end, 10);
		for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
			struct bpf_map *m;

			if (strlen(names[i]) != (size_t)(colon - v) ||
			    strncmp(names[i], v, (size_t)(colon - v)) != 0 || n == 0 ||
			    n > 1u << 20 || (*end != '\0' && *end != ','))
				continue;
			m = bpf_object__find_map_by_name(skel->obj, names[i]);
			if (m != NULL)
				bpf_map__set_max_entries(m, (__u32)n);
		}
		v = next != NULL ? next + 1 : NULL;
	}
}

/* Opens the object and sets what must be set before load. */
static struct vigil_bpf *open_object(const struct bpf_sensor_opts *o)
{
	struct vigil_bpf *skel = vigil_bpf__open();

	if (skel == NULL)
		return NULL;
	skel->rodata->self_tgid = o->self_tgid;
	if (o->ringbuf_bytes)
		bpf_map__set_max_entries(skel->maps.rb, o->ringbuf_bytes);
	/* Wake the reader at an eighth full: far from overflowing, and rare
	 * enough that a busy host pays for few wakeups. */
	skel->rodata->wake_bytes = bpf_map__max_entries(skel->maps.rb) / 8;
	{
		/* See refuse_prog in common.bpf.h: a test hook, named in the
		 * environment so no option advertises it. */
		const char *r = getenv("VIGIL_TEST_REFUSE_PROG");
		if (r != NULL && strcmp(r, "vg_rename_e") == 0)
			skel->rodata->refuse_prog = 1;
		/* And VIGIL_TEST_REGS_SKEW=1: saved_regs() reads off the
		 * saved registers, as on a kernel laid out otherwise; =fred:
		 * 16 bytes above them, as on a kernel with FRED's padding
		 * read without it (regs_pad finds them). */
		r = getenv("VIGIL_TEST_REGS_SKEW");
		if (r != NULL && strcmp(r, "1") == 0)
			skel->rodata->regs_skew = 8;
		else if (r != NULL && strcmp(r, "fred") == 0)
			skel->rodata->regs_skew = (uint32_t)-16;
	}
	shrink_state_maps(skel);
	return skel;
}

/*
 * Loads the object, leaving out what this kernel cannot run. libbpf loads
 * a whole object or nothing, so a refused program is recorded, switched
 * off, and the object is opened and loaded again; each round removes one
 * program, and the status table says which and why. Returns the loaded
 * skeleton, or NULL with *err set.
 */
static struct vigil_bpf *load_tolerant(const struct bpf_sensor_opts *o, struct prog_status *ps,
				       size_t *nps, int *err)
{
	const char *events;
	int events_err;
	struct vigil_bpf *skel = NULL;
	char lockdown[32];

	events = bpf_sensor__tracefs(&events_err);
	bpf_sensor__lockdown(lockdown, sizeof(lockdown));
	*nps = 0;
	for (int round = 0; round < VG_MAX_PROGS; round++) {
		struct bpf_program *prog;
		size_t i = 0;
		char name[32], why[200];

		skel = open_object(o);
		if (skel == NULL) {
			*err = -errno;
			return NULL;
		}
		bpf_object__for_each_program(prog, skel->obj)
		{
			struct prog_status *p = &ps[i];
			if (i >= VG_MAX_PROGS)
				break;
			if (round == 0) {
				memset(p, 0, sizeof(*p));
				snprintf(p->name, sizeof(p->name), "%s", bpf_program__name(prog));
				snprintf(p->section, sizeof(p->section), "%s",
					 bpf_program__section_name(prog));
				p->state =
				    (uint8_t)tracepoint_state(p->section, events, events_err);
				if (p->state == PROG_NO_TP)
					snprintf(p->why, sizeof(p->why),
						 "no tracepoint %s on this kernel",
						 strrchr(p->section, '/') + 1);
				if (p->state == PROG_NO_TRACEFS)
					snprintf(p->why, sizeof(p->why),
						 "tracefs is %s (lockdown %s): syscall tracepoints "
						 "cannot be looked up",
						 events_err == EPERM ? "empty, tracing disabled"
								     : strerror(events_err),
						 lockdown);
				if (p->state == PROG_LOADED && o->skip != NULL &&
				    o->skip(p->name, o->skip_ctx))
					p->state = PROG_NOT_WANTED;
			}
			bpf_program__set_autoload(prog, p->state == PROG_LOADED);
			i++;
		}
		*nps = i;
		capture.len = 0;
		capture.head[0] = '\0';
		if (capture.buf)
			capture.buf[0] = '\0';
		capture.on = true;
		*err = vigil_bpf__load(skel);
		capture.on = false;
		if (*err == 0)
			return skel;
		vigil_bpf__destroy(skel);
		skel = NULL;
		/* EPERM/EACCES with no program named is a privilege problem
		 * (not root, lockdown, unprivileged_bpf_disabled); the verifier
		 * also answers EACCES for a program it refuses, and then
		 * libbpf names it. */
		if (capture.buf == NULL)
			return NULL;
		if (strstr(capture.buf, "': BPF program load failed") == NULL && capture.head[0]) {
			/* Put the naming line back in front of the kept tail. */
			size_t hl = strnlen(capture.head, sizeof(capture.head));
			size_t keep =
			    capture.len + hl > CAPTURE_MAX ? CAPTURE_MAX - hl : capture.len;
			/* The reason is at the end of the log: drop from the front. */
			memmove(capture.buf + hl, capture.buf + (capture.len - keep), keep);
			capture.len = keep;
			memcpy(capture.buf, capture.head, hl);
			capture.len += hl;
			capture.buf[capture.len] = '\0';
		}
		if (!progs__failed_prog(capture.buf, name, sizeof(name), why, sizeof(why)))
			return NULL;
		for (i = 0; i < *nps; i++)
			if (strcmp(ps[i].name, name) == 0)
				break;
		if (i == *nps || ps[i].state != PROG_LOADED)
			return NULL; /* the same program again: not progress */
		ps[i].state = PROG_FAILED;
		ps[i].err = *err;
		snprintf(ps[i].why, sizeof(ps[i].why), "%s", why);
		log_warnx("BPF program %s refused by this kernel, its events are off: %s", name,
			  why);
	}
	return NULL;
}

/* Puts the id of every map of the object into own_maps, so the bpf()
 * program can tell a write to one of them (see own_map_write). */
static void register_own_maps(struct bpf_sensor *s)
{
	struct bpf_map *m;
	int own = bpf_map__fd(s->skel->maps.own_maps);

	bpf_object__for_each_map(m, s->skel->obj)
	{
		struct bpf_map_info info;
		uint32_t len = sizeof(info), one = 1;
		int fd = bpf_map__fd(m);

		memset(&info, 0, sizeof(info));
		if (fd < 0 || bpf_obj_get_info_by_fd(fd, &info, &len) != 0)
			continue;
		if (bpf_map_update_elem(own, &info.id, &one, BPF_ANY) != 0)
			log_warn("cannot register map %s for tamper checks", bpf_map__name(m));
	}
}

struct bpf_sensor *bpf_sensor__start(const struct bpf_sensor_opts *o, ring_buffer_sample_fn cb,
				     void *ctx)
{
	struct bpf_sensor *s = calloc(1, sizeof(*s));
	int err;

	if (s == NULL)
		return NULL;
	pthread_mutex_init(&s->seed_lock, NULL);
	verbose_libbpf = o->verbose;
	libbpf_set_print(libbpf_log);
	if (access("/sys/kernel/btf/vmlinux", R_OK) != 0) {
		log_warnx("this kernel has no BTF (/sys/kernel/btf/vmlinux missing): "
			  "vigil needs CONFIG_DEBUG_INFO_BTF=y");
		errno = ENOTSUP;
		goto fail;
	}
	if (capture.buf == NULL)
		capture.buf = malloc(CAPTURE_MAX + 1);
	s->skel = load_tolerant(o, s->progs, &s->nprogs, &err);
	free(capture.buf);
	capture.buf = NULL;
	if (s->skel == NULL) {
		if (err == -EPERM || err == -EACCES)
			log_warnx(
			    "the kernel refused the BPF programs (%s): run as root, and check "
			    "kernel.unprivileged_bpf_disabled / lockdown; -v shows libbpf's log",
			    strerror(-err));
		else
			log_warnx("loading the BPF programs failed: %s (-v shows libbpf's log)",
				  strerror(-err));
		errno = -err;
		goto fail;
	}
	if (o->load_only)
		return s;
	register_own_maps(s);
	{
		uint64_t mask = 0;
		for (uint32_t t = 0; t < VG_TYPE_MAX; t++)
			if (o->want[t]) {
				bpf_sensor__set_enabled(s, t, true);
				mask |= 1ull << t;
			}
		err = bpf_sensor__set_attached(s, mask);
	}
	if (err) {
		log_warnx("attaching the BPF programs failed: %s (-v shows libbpf's log)",
			  strerror(-err));
		errno = -err;
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
	err = errno;
	bpf_sensor__stop(s);
	errno = err;
	return NULL;
}

/* A .bss flag the kernel only ever sets: remembers it once set, and sets
 * it again (returning 1, described in what if nothing was fixed before)
 * when something cleared it. */
static int sticky_flag(volatile uint32_t *flag, bool *seen, const char *name, int fixed, char *what,
		       size_t whatlen)
{
	if (*flag) {
		*seen = true;
		return 0;
	}
	if (!*seen)
		return 0;
	*flag = 1;
	if (fixed == 0)
		snprintf(what, whatlen, "%s was cleared in the .bss map", name);
	return 1;
}

int bpf_sensor__verify(struct bpf_sensor *s, uint64_t enabled_mask, bool mute_active, char *what,
		       size_t whatlen)
{
	int fixed = 0;

	what[0] = '\0';
	for (uint32_t t = 0; t < VG_TYPE_MAX; t++) {
		uint32_t v = 0, want = (enabled_mask >> t) & 1;
		if (bpf_map__lookup_elem(s->skel->maps.enabled, &t, sizeof(t), &v, sizeof(v), 0) !=
		    0)
			continue;
		if (v == want)
			continue;
		bpf_sensor__set_enabled(s, t, want);
		if (fixed++ == 0)
			snprintf(what, whatlen, "record type %u was switched %s in the enabled map",
				 t, v ? "on" : "off");
	}
	if ((s->skel->bss->mute_active != 0) != mute_active) {
		s->skel->bss->mute_active = mute_active;
		if (fixed++ == 0)
			snprintf(what, whatlen, "mute_active was changed in the .bss map");
	}
	fixed += sticky_flag(&s->skel->bss->dns_marks_full, &s->dns_all, "dns_marks_full", fixed,
			     what, whatlen);
	/* A wrong regs_pad would have the exit programs read beside the saved
	 * registers (they would then fall back, slower, on regs_bad). */
	if (s->skel->bss->regs_pad != s->regs_pad) {
		s->skel->bss->regs_pad = s->regs_pad;
		if (fixed++ == 0)
			snprintf(what, whatlen, "regs_pad was changed in the .bss map");
	}
	/* Clearing dns_seeding while the scan runs would blind the DNS hooks
	 * to the processes it has not reached. */
	pthread_mutex_lock(&s->seed_lock);
	if (atomic_load(&s->seed_running) && !s->skel->bss->dns_seeding) {
		s->skel->bss->dns_seeding = 1;
		if (fixed++ == 0)
			snprintf(what, whatlen, "dns_seeding was cleared in the .bss map");
	}
	pthread_mutex_unlock(&s->seed_lock);
	fixed += sticky_flag(&s->skel->bss->wf_marks_full, &s->wf_all, "wf_marks_full", fixed, what,
			     whatlen);
	fixed += sticky_flag(&s->skel->bss->marks_used, &s->marks_used, "marks_used", fixed, what,
			     whatlen);
	fixed += sticky_flag(&s->skel->bss->args_by_entry, &s->args_by_entry, "args_by_entry",
			     fixed, what, whatlen);
	/* Clearing sens_all would blind SensitiveFileRead to reads the rules
	 * could not give the kernel as paths. */
	if ((s->skel->bss->sens_all != 0) != s->sens_all) {
		s->skel->bss->sens_all = s->sens_all;
		if (fixed++ == 0)
			snprintf(what, whatlen, "sens_all was changed in the .bss map");
	}
	/* A cleared length bit would hide reads of the files of that name. */
	if ((s->skel->bss->sens_name_lens & s->sens_name_lens) != s->sens_name_lens) {
		s->skel->bss->sens_name_lens |= s->sens_name_lens;
		if (fixed++ == 0)
			snprintf(what, whatlen, "sens_name_lens was changed in the .bss map");
	}
	return fixed;
}

/* State of one bpffs walk (nftw has no user pointer). */
static struct {
	const struct bpf_sensor *s;
	char *what;
	size_t whatlen;
	int found;
} pinwalk;

static bool own_prog_id(const struct bpf_sensor *s, uint32_t id)
{
	struct bpf_program *prog;

	bpf_object__for_each_program(prog, s->skel->obj)
	{
		struct bpf_prog_info info;
		uint32_t len = sizeof(info);
		int fd = bpf_program__fd(prog);

		memset(&info, 0, sizeof(info));
		if (fd >= 0 && bpf_obj_get_info_by_fd(fd, &info, &len) == 0 && info.id == id)
			return true;
	}
	return false;
}

static int pin_visit(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	union {
		struct bpf_prog_info prog;
		struct bpf_link_info link;
	} info;
	uint32_t len = sizeof(info);
	char link[64], kind[64];
	ssize_t n;
	int fd;
	bool ours = false;

	(void)st;
	(void)ftw;
	if (flag != FTW_F)
		return 0;
	fd = bpf_obj_get(path);
	if (fd < 0)
		return 0;
	memset(&info, 0, sizeof(info));
	/* What the pin holds: the fd's anon inode says (bpf-prog, bpf_link,
	 * bpf-map), and each kind's info names the program differently. */
	snprintf(link, sizeof(link), "/proc/self/fd/%d", fd);
	n = readlink(link, kind, sizeof(kind) - 1);
	kind[n > 0 ? n : 0] = '\0';
	if (bpf_obj_get_info_by_fd(fd, &info, &len) == 0) {
		if (strcmp(kind, "anon_inode:bpf-prog") == 0)
			ours = own_prog_id(pinwalk.s, info.prog.id);
		else if (strcmp(kind, "anon_inode:bpf_link") == 0)
			ours = own_prog_id(pinwalk.s, info.link.prog_id);
	}
	close(fd);
	if (ours && pinwalk.found++ == 0)
		snprintf(pinwalk.what, pinwalk.whatlen, "%s pins one of the sensor's programs",
			 path);
	return 0;
}

int bpf_sensor__find_pins(const struct bpf_sensor *s, char *what, size_t whatlen)
{
	what[0] = '\0';
	pinwalk.s = s;
	pinwalk.what = what;
	pinwalk.whatlen = whatlen;
	pinwalk.found = 0;
	if (nftw("/sys/fs/bpf", pin_visit, 16, FTW_PHYS) != 0 && errno != ENOENT)
		return 0;
	return pinwalk.found;
}

size_t bpf_sensor__prog_status(const struct bpf_sensor *s, const struct prog_status **out)
{
	*out = s->progs;
	return s->nprogs;
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
 * periods overlap, so a stop, a restart and a reload stay quick. */
static void detach_links(struct bpf_link **links, size_t n)
{
	struct detach_job jobs[16];
	pthread_t th[16];
	bool started[16] = {false};
	size_t per = (n + 15) / 16;

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

/* Core programs stay attached whatever the config: the process cache
 * needs exec, fork and exit. */
#define CORE_TYPES ((1ull << VG_EXEC) | (1ull << VG_FORK) | (1ull << VG_EXIT))

/* The record types whose exit programs read the saved registers, and
 * whose entry programs (progs__regs_fallback()) stand in where they
 * cannot. */
#define REGS_TYPES ((1ull << VG_DNS) | (1ull << VG_MMAP_EXEC))

/*
 * Whether the exit programs can take a call's arguments from the saved
 * registers (saved_regs() in common.bpf.h). vg_read_x and vg_mmap_x try
 * them on the sensor's own first read or mmap and set regs_checked; a read
 * from a pipe and an anonymous mapping make sure there was one. Without an
 * answer (neither attached), no.
 */
static bool regs_try(struct bpf_sensor *s)
{
	char b[16] = "vigil: probe";
	int p[2];

	if (!s->skel->bss->regs_checked && pipe2(p, O_CLOEXEC) == 0) {
		if (write(p[1], b, sizeof(b)) == (ssize_t)sizeof(b) && read(p[0], b, sizeof(b)) < 0)
			log_warn("reading the register probe pipe");
		close(p[0]);
		close(p[1]);
	}
	if (!s->skel->bss->regs_checked) {
		void *m = mmap(NULL, s->page, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		if (m != MAP_FAILED)
			munmap(m, s->page);
	}
	return s->skel->bss->regs_checked && !s->skel->bss->regs_bad;
}

/* FRED's stack padding (regs_pad in common.bpf.h) is a build option of the
 * kernel, so it is probed rather than looked up: where the registers are
 * not at the top, they are tried 16 bytes lower once. */
#define FRED_PAD 16

static bool regs_usable(struct bpf_sensor *s)
{
	if (regs_try(s)) {
		s->regs_pad_tried = true; /* settled: a later miss is no layout */
		return true;
	}
	if (!s->skel->bss->regs_checked || s->regs_pad_tried)
		return false;
	s->regs_pad_tried = true;
	s->regs_pad = FRED_PAD;
	s->skel->bss->regs_pad = FRED_PAD;
	s->skel->bss->regs_bad = 0;
	s->skel->bss->regs_checked = 0;
	if (regs_try(s)) {
		log_info("this kernel keeps %d bytes above the saved syscall registers "
			 "(CONFIG_X86_FRED): read there",
			 FRED_PAD);
		return true;
	}
	/* Neither place: the entry programs stand in (set_attached). */
	s->regs_pad = 0;
	s->skel->bss->regs_pad = 0;
	s->skel->bss->regs_bad = 1;
	return false;
}

/* Attaches the programs types need and detaches the others. */
static int attach_for(struct bpf_sensor *s, uint64_t types)
{
	const struct bpf_object_skeleton *sk = s->skel->skeleton;
	struct bpf_link *gone[VG_MAX_PROGS];
	size_t ngone = 0;
	int err = 0;

	for (int i = 0; i < sk->prog_cnt && i < VG_MAX_PROGS; i++) {
		struct bpf_program *prog = *sk->progs[i].prog;
		struct bpf_link **link = sk->progs[i].link;
		bool want = (progs__types(sk->progs[i].name) & types) != 0 &&
			    (s->args_by_entry || !progs__regs_fallback(sk->progs[i].name));

		if (bpf_program__fd(prog) < 0) /* not loaded here */
			continue;
		if (want && *link == NULL) {
			*link = bpf_program__attach(prog);
			if (*link == NULL) {
				err = -errno;
				log_warn("attaching BPF program %s failed", sk->progs[i].name);
			}
		} else if (!want && *link != NULL) {
			gone[ngone++] = *link;
			*link = NULL;
		}
	}
	detach_links(gone, ngone);
	return err;
}

/*
 * Settles where the saved registers are (regs_usable()) before the exit
 * programs that read them go live, with vg_read_x alone attached for the
 * probe. Otherwise, while a wrong place is tried, vg_mmap_x would count
 * every mapping of every process as a lost ImageLoad and open_flags()
 * would miss O_TRUNC. attach_for() then keeps vg_read_x or detaches it,
 * as the types want.
 */
static void regs_settle(struct bpf_sensor *s)
{
	struct bpf_link **link = &s->skel->links.vg_read_x;

	if (s->skel->bss->regs_checked || bpf_program__fd(s->skel->progs.vg_read_x) < 0)
		return;
	if (*link == NULL)
		*link = bpf_program__attach(s->skel->progs.vg_read_x);
	if (*link != NULL)
		regs_usable(s);
}

static void use_entry_programs(struct bpf_sensor *s)
{
	log_warnx("this kernel's saved syscall registers are not where vigil reads them: "
		  "DNS answers and executable mappings are found by entry and exit programs, "
		  "which costs more");
	s->args_by_entry = true;
	s->skel->bss->args_by_entry = 1;
}

int bpf_sensor__set_attached(struct bpf_sensor *s, uint64_t types)
{
	int err;

	types |= CORE_TYPES;
	s->types = types;
	if ((types & REGS_TYPES) && !s->args_by_entry) {
		regs_settle(s);
		if (s->skel->bss->regs_checked && !regs_usable(s))
			use_entry_programs(s);
	}
	err = attach_for(s, types);
	/* No answer before (vg_read_x did not attach), or a later miss. */
	if ((types & REGS_TYPES) && !s->args_by_entry && !regs_usable(s)) {
		use_entry_programs(s);
		int e = attach_for(s, types);
		if (err == 0)
			err = e;
	}
	return err;
}

size_t bpf_sensor__attached(const struct bpf_sensor *s, char *buf, size_t size)
{
	const struct bpf_object_skeleton *sk = s->skel->skeleton;
	size_t n = 0, len = 0;

	if (size)
		buf[0] = '\0';
	for (int i = 0; i < sk->prog_cnt; i++) {
		int w;
		if (*sk->progs[i].link == NULL)
			continue;
		n++;
		if (len >= size)
			continue;
		w = snprintf(buf + len, size - len, "%s%s", len ? "," : "", sk->progs[i].name);
		if (w < 0 || (size_t)w >= size - len) {
			if (size > 4)
				memcpy(buf + size - 4, "…", 4); /* cut, and marked as cut */
			len = size;
		} else {
			len += (size_t)w;
		}
	}
	return n;
}

static void detach_all(struct bpf_sensor *s)
{
	const struct bpf_object_skeleton *sk;
	struct bpf_link *links[VG_MAX_PROGS];
	size_t n = 0;

	if (s->skel == NULL)
		return;
	sk = s->skel->skeleton;
	for (int i = 0; i < sk->prog_cnt && n < VG_MAX_PROGS; i++) {
		if (*sk->progs[i].link == NULL)
			continue;
		links[n++] = *sk->progs[i].link;
		*sk->progs[i].link = NULL;
	}
	detach_links(links, n);
}

static void seed_join(struct bpf_sensor *s);

void bpf_sensor__stop(struct bpf_sensor *s)
{
	if (s == NULL)
		return;
	seed_join(s); /* it writes the maps this frees */
	detach_all(s);
	if (s->cons_pos)
		munmap((void *)s->cons_pos, s->page);
	if (s->prod_pos)
		munmap((void *)s->prod_pos, s->page);
	ring_buffer__free(s->rb);
	vigil_bpf__destroy(s->skel);
	pthread_mutex_destroy(&s->seed_lock);
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

bool bpf_sensor__regs_bad(const struct bpf_sensor *s)
{
	return s->skel->bss->regs_bad != 0;
}

int bpf_sensor__regs_fallback(struct bpf_sensor *s)
{
	if (s->args_by_entry || !(s->types & REGS_TYPES))
		return 0;
	/* With regs_bad set, regs_usable() fails: set_attached switches. */
	return bpf_sensor__set_attached(s, s->types);
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
		refs[n].fd = bpf_link__fd(l);
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
	/*
	 * Through the sensor's own fd, not a new one from the link's id: the
	 * two reach the same kernel object (an id is freed only with the last
	 * reference, and the sensor holds one), so what is checked is the
	 * same, at a third of the syscalls (get_fd_by_id, get_info and close
	 * were 420 a second for 140 links: 8% of the sensor's CPU in an exec
	 * storm). What it catches: the fd no longer being a link of that id
	 * (closed or replaced under the sensor), or the link running another
	 * program.
	 */
	for (size_t i = 0; i < n; i++) {
		struct bpf_link_info info;
		uint32_t len = sizeof(info);
		bool gone, ok;

		memset(&info, 0, sizeof(info));
		gone = bpf_obj_get_info_by_fd(refs[i].fd, &info, &len) != 0 ||
		       info.id != refs[i].link_id;
		ok = !gone && info.prog_id == refs[i].prog_id;
		if (ok)
			continue;
		if (bad++ == 0)
			snprintf(what, whatlen, "%s (link %u) %s", refs[i].prog, refs[i].link_id,
				 gone ? "detached" : "runs another program");
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

/* Deletes every key of map fd that is not among the n keys of keys (each
 * ksz bytes): the second half of replacing a map's contents in place. */
static void drop_stale(int fd, const void *keys, size_t n, size_t ksz)
{
	unsigned char cur[sizeof(struct vg_sens_key)], next[sizeof(struct vg_sens_key)];
	void *prev = NULL;

	if (ksz > sizeof(cur))
		return;
	while (bpf_map_get_next_key(fd, prev, next) == 0) {
		bool keep = false;

		for (size_t i = 0; i < n && !keep; i++)
			keep = memcmp((const unsigned char *)keys + i * ksz, next, ksz) == 0;
		if (!keep && bpf_map_delete_elem(fd, next) == 0)
			continue; /* next is gone: ask again from the same place */
		memcpy(cur, next, ksz);
		prev = cur;
	}
}

/* sens_name_lens for these names: bit n set when one is n bytes long. */
static uint32_t name_lens(const struct vg_sens_name *names, size_t n)
{
	uint32_t m = 0;

	for (size_t i = 0; i < n; i++)
		m |= 1u << strnlen((const char *)names[i].name, VG_SENS_NAME - 1);
	return m;
}

int bpf_sensor__set_sens_gate(struct bpf_sensor *s, const struct vg_sens_dir *dirs,
			      const uint8_t *dir_vals, size_t ndirs, const struct vg_sens_key *keys,
			      size_t nkeys, const struct vg_sens_name *names,
			      const uint8_t *name_vals, size_t nnames, bool all)
{
	int dfd = bpf_map__fd(s->skel->maps.sens_dirs);
	int pfd = bpf_map__fd(s->skel->maps.sens_paths);
	int nfd = bpf_map__fd(s->skel->maps.sens_names);
	uint32_t lens = name_lens(names, nnames);
	uint8_t one = 1;

	if (ndirs > VG_SENS_DIRS_MAX || nkeys > VG_SENS_PATHS_MAX || nnames > VG_SENS_NAMES_MAX)
		return -E2BIG;
	s->sens_all = all;
	s->skel->bss->sens_all = all;
	/* The names first, under the old lengths and the new, so a directory
	 * that turns from walked to told by name never finds its names
	 * missing; a length bit left over only costs a lookup that misses. */
	for (size_t i = 0; i < nnames; i++)
		if (bpf_map_update_elem(nfd, &names[i], &name_vals[i], BPF_ANY) != 0)
			return -errno;
	s->skel->bss->sens_name_lens = s->sens_name_lens | lens;
	for (size_t i = 0; i < ndirs; i++)
		if (bpf_map_update_elem(dfd, &dirs[i], &dir_vals[i], BPF_ANY) != 0)
			return -errno;
	for (size_t i = 0; i < nkeys; i++)
		if (bpf_map_update_elem(pfd, &keys[i], &one, BPF_ANY) != 0)
			return -errno;
	drop_stale(dfd, dirs, ndirs, sizeof(*dirs));
	drop_stale(pfd, keys, nkeys, sizeof(*keys));
	drop_stale(nfd, names, nnames, sizeof(*names));
	s->sens_name_lens = lens;
	s->skel->bss->sens_name_lens = lens;
	return 0;
}

static int dns_mark_one(void *ctx, uint32_t tgid)
{
	struct bpf_sensor *s = ctx;
	uint8_t one = 1;

	if (bpf_map__update_elem(s->skel->maps.dns_procs, &tgid, sizeof(tgid), &one, sizeof(one),
				 BPF_ANY) != 0)
		return -errno;
	return 0;
}

static void dns_all(struct bpf_sensor *s)
{
	s->dns_all = true;
	s->skel->bss->dns_marks_full = 1;
}

/* Asks a seeding scan still running to stop (it does at its next mark)
 * and waits for its thread. */
static void seed_join(struct bpf_sensor *s)
{
	if (!s->seed_started)
		return;
	atomic_store(&s->seed_cancel, true);
	pthread_join(s->seed_thr, NULL);
	s->seed_started = false;
	atomic_store(&s->seed_cancel, false);
}

static int seed_mark(void *ctx, uint32_t tgid)
{
	struct bpf_sensor *s = ctx;

	if (atomic_load(&s->seed_cancel))
		return -ECANCELED;
	return dns_mark_one(s, tgid);
}

static void *seed_thread(void *arg)
{
	struct bpf_sensor *s = arg;
	long n = dnsmark__scan("/proc", seed_mark, s);

	/* A scan that failed leaves every read looked at (slower, never
	 * blind); verify() then keeps the flag set. */
	if (n < 0 && n != -ECANCELED)
		s->skel->bss->dns_marks_full = 1;
	pthread_mutex_lock(&s->seed_lock);
	atomic_store(&s->seed_running, false);
	s->skel->bss->dns_seeding = 0;
	pthread_mutex_unlock(&s->seed_lock);
	if (n == -ECANCELED)
		log_debug("DNS: finding the processes that may read answers was stopped");
	else if (n < 0)
		log_warnx("finding the processes that may read DNS answers failed (%s): every "
			  "read is checked for one",
			  strerror((int)-n));
	else
		log_debug("DNS: %ld running processes may read answers", n);
	return NULL;
}

void bpf_sensor__dns_prepare(struct bpf_sensor *s)
{
	struct bpf_map *m = s->skel->maps.dns_procs;
	uint32_t key;

	seed_join(s);
	while (bpf_map__get_next_key(m, NULL, &key, sizeof(key)) == 0)
		if (bpf_map__delete_elem(m, &key, sizeof(key), 0) != 0)
			break;
	atomic_store(&s->seed_running, true);
	s->skel->bss->dns_seeding = 1;
}

int bpf_sensor__dns_seed(struct bpf_sensor *s)
{
	int err;

	/* Without every marking program, a query could go unmarked. */
	for (size_t i = 0; i < s->nprogs; i++)
		if (progs__types(s->progs[i].name) & (1ull << VG_DNS) &&
		    s->progs[i].state != PROG_LOADED && s->progs[i].state != PROG_NO_TP)
			dns_all(s);
	/* The scan reads every process's fds: on a large host, seconds the
	 * event loop must not stand still for. dns_prepare has set
	 * dns_seeding. */
	err = pthread_create(&s->seed_thr, NULL, seed_thread, s);
	if (err != 0) {
		seed_thread(s); /* here, then: slower to start, never blind */
		return -err;
	}
	s->seed_started = true;
	return 0;
}

bool bpf_sensor__dns_seeding(const struct bpf_sensor *s)
{
	return atomic_load(&s->seed_running);
}

bool bpf_sensor__dns_check_all(const struct bpf_sensor *s)
{
	return s->dns_all || s->skel->bss->dns_marks_full;
}

bool bpf_sensor__wf_check_all(const struct bpf_sensor *s)
{
	return s->wf_all || s->skel->bss->wf_marks_full;
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

int bpf_sensor__probe_avail(struct event_avail *av, int verbose)
{
	struct bpf_sensor_opts bo = {0};
	struct bpf_sensor *s;
	const struct prog_status *ps;
	size_t n;

	bo.load_only = true;
	bo.verbose = verbose;
	bo.self_tgid = (uint32_t)getpid();
	bo.ringbuf_bytes = 4096 * 16;
	s = bpf_sensor__start(&bo, NULL, NULL);
	if (s == NULL)
		return -errno;
	n = bpf_sensor__prog_status(s, &ps);
	progs__availability(ps, n, av);
	bpf_sensor__stop(s);
	return 0;
}
