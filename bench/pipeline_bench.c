/*
 * pipeline_bench.c — the sensor's user-space pipeline without the kernel:
 * how many events per second one thread carries, and what each stage costs.
 *
 * Kernel records (include/vigil/event.h) are fabricated in memory as the
 * BPF programs would write them, then replayed in-process through the same
 * stages as sensor.c's on_record/process_rec:
 *   decode  decoder__decode: process cache, GUIDs, UtcTime, enrichment;
 *   filter  ruleset__match on etc/vigil.xml (loaded with
 *           ruleset__load_file), RuleName, ruleset__apply_field_sizes;
 *   caps    caps_state__check;
 *   json    json__add_record + '\n' into a strbuf, written to /dev/null
 *           each time it passes 64 KiB (the JSONL sink's work).
 * The stream is a mix of what a busy build or CI host produces: short-lived
 * processes (fork, exec of a real binary with a real argv and the file
 * identity the kernel sends, exit), file creates, modifies and deletes, and
 * outbound TCP connections, nearly all from ~200 processes that are in the
 * process cache (pids above the kernel's maximum, so /proc is never asked
 * for them). FileModify's decode stats the path as the sensor does; the
 * paths do not exist, as for a file storm's files by the time the sensor
 * reads the record. Image hashes are computed in an untimed warm-up replay,
 * as the hash cache would hold them on a host that runs these binaries.
 *
 * Method: each pass replays the whole stream, timed with CLOCK_MONOTONIC;
 * passes stop after decode, after filter, after caps, and after json, so
 * a stage's cost is the difference of two medians (over REPS repetitions,
 * interleaved). Between repetitions the records' times move forward by
 * the stream's span, and the cap state is flushed (untimed), so every
 * repetition sees the same state. Two configurations: etc/vigil.xml as
 * shipped (no caps) and the same with a <VigilCaps> section.
 * Then the cap stage alone with 100,000 live keys: one decoded
 * NetworkConnect whose DestinationIp and DestinationPort are replaced per
 * event (by reference, so nothing is copied; that fill is timed alone and
 * subtracted), under a LocalCap keyed by ProcessGuid, DestinationIp and
 * DestinationPort; after every key has been seen once, each event lands on
 * a random live key and is held. (bench/bench_caps.c covers more shapes.)
 *
 * One thread. Prints a Markdown section.
 *
 * usage: pipeline_bench [-n RECORDS] [-r REPS] [-c CONFIG]
 *        (defaults 200000, 5, etc/vigil.xml; run from the repository root)
 */
#include "common/json.h"
#include "common/strbuf.h"
#include "rules/caps.h"
#include "rules/rules.h"
#include "sensor/decode.h"
#include "sensor/registry.h"
#include "vigil/event.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sysexits.h>
#include <time.h>
#include <unistd.h>

#define FAKE_PID   5000000u /* above pid_max: never in /proc */
#define NPOP	   200
#define MAX_REPS   15
#define CAP_KEYS   100000
#define CAP_EVENTS 1000000
#define JSON_BLOCK 65536
#define NS_PER_SEC 1000000000ull
#define STEP_NS	   10000ull /* 100,000 records per second of stream time */

static unsigned long long rng_state = 0x9e3779b97f4a7c15ull;

static unsigned rnd(unsigned n)
{
	rng_state ^= rng_state << 13;
	rng_state ^= rng_state >> 7;
	rng_state ^= rng_state << 17;
	return (unsigned)(rng_state % n);
}

static double now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e9 + (double)ts.tv_nsec;
}

/* ---- the stream: records back to back, 8-byte aligned ---- */

struct stream {
	char *buf;
	size_t len, cap;
	size_t *off;
	size_t n, ncap;
};

static void *stream_add(struct stream *s, size_t size)
{
	size_t at = (s->len + 7) & ~(size_t)7;
	void *p;

	if (at + size > s->cap) {
		size_t nc = s->cap ? s->cap * 2 : 1 << 20;
		while (nc < at + size)
			nc *= 2;
		s->buf = realloc(s->buf, nc);
		if (s->buf == NULL) {
			perror("pipeline_bench");
			exit(EX_OSERR);
		}
		s->cap = nc;
	}
	if (s->n == s->ncap) {
		s->ncap = s->ncap ? s->ncap * 2 : 4096;
		s->off = realloc(s->off, s->ncap * sizeof(*s->off));
		if (s->off == NULL) {
			perror("pipeline_bench");
			exit(EX_OSERR);
		}
	}
	p = s->buf + at;
	memset(p, 0, size);
	s->off[s->n++] = at;
	s->len = at + size;
	return p;
}

/* ---- fabricated processes and records ---- */

struct image {
	char path[PATH_MAX];
	const char *argv; /* NUL-separated, argv[0] first */
	size_t argv_len;
	uint64_t ino, dev, size;
	int64_t mtime_sec;
	uint32_t mtime_nsec;
};

struct bproc {
	uint32_t pid, uid;
	uint64_t start_ns;
	const struct image *img;
};

#define ARGV(s) s, sizeof(s)
static const struct {
	const char *path;
	const char *argv;
	size_t argv_len;
} candidates[] = {
    {"/usr/bin/bash", ARGV("bash\0-c\0make -j2 all && ./tests/run-unit build/tests/test_json")},
    {"/usr/bin/python3", ARGV("python3\0-m\0pytest\0-q\0tests/test_api.py\0-k\0not slow")},
    {"/usr/bin/git", ARGV("git\0-c\0core.quotepath=off\0status\0--porcelain=v2\0--branch")},
    {"/usr/bin/make", ARGV("make\0--no-print-directory\0-C\0/home/dev/src/app\0all")},
    {"/usr/bin/gcc", ARGV("gcc\0-O2\0-g\0-Wall\0-c\0-o\0build/obj/main.o\0src/main.c")},
    {"/usr/bin/grep", ARGV("grep\0-rn\0--include=*.c\0TODO\0src/")},
    {"/usr/bin/sed", ARGV("sed\0-e\0s/@VERSION@/1.4.2/\0config.h.in")},
    {"/usr/bin/cat", ARGV("cat\0/proc/self/status")},
    {"/usr/bin/ls", ARGV("ls\0-la\0--color=auto\0/var/log")},
    {"/usr/bin/curl", ARGV("curl\0-fsSL\0-o\0/tmp/pkg.tgz\0https://example.org/pkg.tgz")},
    {"/usr/sbin/sshd", ARGV("sshd:\0dev\0[priv]")},
    {"/usr/bin/env", ARGV("env\0LC_ALL=C\0sort\0-u")},
    {"/usr/bin/true", ARGV("true")},
};

static struct image images[sizeof(candidates) / sizeof(candidates[0])];
static size_t nimages;

/* Keeps the candidate binaries that exist here, resolved as the kernel
 * names them (symlinks followed), with the identity an exec record carries. */
static void load_images(void)
{
	for (size_t i = 0; i < sizeof(candidates) / sizeof(candidates[0]); i++) {
		struct image *im = &images[nimages];
		struct stat st;

		if (realpath(candidates[i].path, im->path) == NULL || stat(im->path, &st) != 0 ||
		    !S_ISREG(st.st_mode))
			continue;
		im->argv = candidates[i].argv;
		im->argv_len = candidates[i].argv_len;
		im->ino = st.st_ino;
		/* The kernel's dev_t: major in the top 12 of 32 bits. */
		im->dev = ((uint64_t)major(st.st_dev) << 20) | minor(st.st_dev);
		im->size = (uint64_t)st.st_size;
		im->mtime_sec = st.st_mtim.tv_sec;
		im->mtime_nsec = (uint32_t)st.st_mtim.tv_nsec;
		nimages++;
	}
}

static void set_hdr(struct vg_hdr *h, uint16_t type, uint32_t size, const struct bproc *p,
		    uint64_t ts)
{
	h->type = type;
	/* The layout version the decoder expects: a stale one makes every
	 * record of the type malformed, and the replay measures nothing. */
	h->version = vg_type(type)->version;
	h->size = size;
	h->ts = ts;
	h->pid = p->pid;
	h->tid = p->pid;
	h->start_ns = p->start_ns;
	h->uid = p->uid;
	h->cpu = 1;
}

static void add_exec(struct stream *s, const struct bproc *p, const struct bproc *parent,
		     uint64_t ts)
{
	static const char cwd[] = "/home/dev/src/app";
	const struct image *im = p->img;
	size_t ilen = strlen(im->path), clen = sizeof(cwd) - 1;
	size_t size = sizeof(struct vg_exec) + ilen + im->argv_len + clen;
	struct vg_exec *e = stream_add(s, size);
	char *v = (char *)(e + 1);

	set_hdr(&e->hdr, VG_EXEC, (uint32_t)size, p, ts);
	e->ppid = parent->pid;
	e->parent_start_ns = parent->start_ns;
	e->gid = p->uid;
	e->euid = p->uid;
	e->egid = p->uid;
	e->loginuid = p->uid;
	e->sessionid = 3;
	e->image_len = (uint32_t)ilen;
	e->args_len = (uint32_t)im->argv_len;
	e->cwd_len = (uint32_t)clen;
	e->ino = im->ino;
	e->dev = im->dev;
	e->fsize = im->size;
	e->mtime_sec = im->mtime_sec;
	e->mtime_nsec = im->mtime_nsec;
	snprintf(e->comm, sizeof(e->comm), "%s", strrchr(im->path, '/') + 1);
	strcpy(e->tty, "pts0");
	strcpy(e->cgroup, "session-3.scope");
	memcpy(v, im->path, ilen);
	memcpy(v + ilen, im->argv, im->argv_len);
	memcpy(v + ilen + im->argv_len, cwd, clen);
}

static void add_fork(struct stream *s, const struct bproc *parent, const struct bproc *child,
		     uint64_t ts)
{
	struct vg_fork *f = stream_add(s, sizeof(*f));

	set_hdr(&f->hdr, VG_FORK, sizeof(*f), parent, ts);
	f->child_pid = child->pid;
	f->child_start_ns = child->start_ns;
}

static void add_exit(struct stream *s, const struct bproc *p, uint64_t ts)
{
	struct vg_exit *x = stream_add(s, sizeof(*x));

	set_hdr(&x->hdr, VG_EXIT, sizeof(*x), p, ts);
	x->exit_code = 0;
}

static void add_create(struct stream *s, const struct bproc *p, uint64_t ts, unsigned k)
{
	char path[128];
	int n = snprintf(path, sizeof(path), "/home/dev/src/app/build/obj/module_%u/unit_%u.o",
			 k % 97, k);
	size_t size = sizeof(struct vg_file) + (size_t)n;
	struct vg_file *f = stream_add(s, size);

	set_hdr(&f->hdr, VG_FILE_CREATE, (uint32_t)size, p, ts);
	f->path_len = (uint32_t)n;
	f->mode = 0100644;
	f->ino = 1000000 + k;
	memcpy(f + 1, path, (size_t)n);
}

static void add_modify(struct stream *s, const struct bproc *p, uint64_t ts, unsigned k)
{
	char path[128];
	int n = snprintf(path, sizeof(path), "/home/dev/src/app/build/obj/module_%u/unit_%u.o",
			 k % 97, k);
	size_t size = sizeof(struct vg_fpath) + (size_t)n;
	struct vg_fpath *f = stream_add(s, size);

	set_hdr(&f->hdr, VG_FILE_MODIFY, (uint32_t)size, p, ts);
	f->path_len = (uint32_t)n;
	f->mode = 0100644;
	f->ino = 1000000 + k;
	f->dev = (8u << 20) | 1;
	memcpy(f + 1, path, (size_t)n);
}

static void add_delete(struct stream *s, const struct bproc *p, uint64_t ts, unsigned k)
{
	static const char base[] = "/home/dev/src/app/build";
	char rel[96];
	int n = snprintf(rel, sizeof(rel), "obj/module_%u/unit_%u.d", k % 97, k);
	size_t blen = sizeof(base) - 1;
	size_t size = sizeof(struct vg_file_delete) + blen + (size_t)n;
	struct vg_file_delete *f = stream_add(s, size);

	set_hdr(&f->hdr, VG_FILE_DELETE, (uint32_t)size, p, ts);
	f->base_len = (uint32_t)blen;
	f->path_len = (uint32_t)n;
	memcpy(f + 1, base, blen);
	memcpy((char *)(f + 1) + blen, rel, (size_t)n);
}

static void add_connect(struct stream *s, const struct bproc *p, uint64_t ts, unsigned k)
{
	static const uint16_t ports[] = {443, 443, 443, 80, 22, 53, 5432, 6379, 8080, 9418};
	struct vg_net *nt = stream_add(s, sizeof(*nt));
	unsigned dst = k % 600; /* destinations repeat, as a host's peers do */

	set_hdr(&nt->hdr, VG_NET, sizeof(*nt), p, ts);
	nt->kind = VG_NET_CONNECT;
	nt->family = 2;
	nt->proto = 6;
	nt->lport = (uint16_t)(32768 + k % 28000);
	nt->rport = ports[dst % 10];
	nt->laddr[0] = 10;
	nt->laddr[1] = 0;
	nt->laddr[2] = 2;
	nt->laddr[3] = 15;
	nt->raddr[0] = (uint8_t)(dst < 300 ? 10 : 93);
	nt->raddr[1] = (uint8_t)(dst >> 4);
	nt->raddr[2] = (uint8_t)(dst & 15);
	nt->raddr[3] = (uint8_t)(1 + dst % 250);
}

struct mix {
	unsigned long exec, create, modify, remove, connect;
};

/* Builds the setup records (the long-lived processes' execs) and the
 * stream of n records. */
static void build_stream(struct stream *setup, struct stream *s, size_t n, struct bproc *pop,
			 struct mix *mix)
{
	struct bproc shell = {FAKE_PID, 1000, 500000000ull, &images[0]};
	struct bproc login = {FAKE_PID - 1, 0, 400000000ull, &images[0]};
	uint64_t ts = 60 * NS_PER_SEC;
	unsigned child = 0, k = 0;

	add_exec(setup, &shell, &login, ts);
	for (unsigned i = 0; i < NPOP; i++) {
		pop[i] = (struct bproc){FAKE_PID + 1 + i, i % 5 ? 1000 : 0,
					1000000000ull + i * 1000000ull, &images[i % nimages]};
		add_exec(setup, &pop[i], &shell, ts);
	}
	while (s->n < n) {
		unsigned r = rnd(100);
		const struct bproc *p = &pop[rnd(NPOP)];

		ts += STEP_NS;
		k++;
		if (r < 4) {
			/* A short-lived child: fork, exec, exit. */
			struct bproc c = {FAKE_PID + 1000 + child++, p->uid, ts - 1000,
					  &images[rnd((unsigned)nimages)]};
			add_fork(s, p, &c, ts - 1000);
			add_exec(s, &c, p, ts);
			add_exit(s, &c, ts + STEP_NS / 2);
			mix->exec++;
		} else if (r < 34) {
			add_create(s, p, ts, k);
			mix->create++;
		} else if (r < 54) {
			add_modify(s, p, ts, k);
			mix->modify++;
		} else if (r < 79) {
			add_delete(s, p, ts, k);
			mix->remove++;
		} else {
			add_connect(s, p, ts, k);
			mix->connect++;
		}
	}
}

/* ---- the pipeline ---- */

enum upto { UPTO_DECODE = 1, UPTO_FILTER, UPTO_CAPS, UPTO_JSON };

struct pipe {
	struct decoder *d;
	struct vrec *rec;
	const struct ruleset *rs;
	struct caps_state *caps;
	struct strbuf out;
	int devnull;
	const char *host;
	uint64_t seq;
	uint64_t events, filtered, capped, emitted, json_bytes;
};

static void flush_out(struct pipe *p)
{
	if (p->out.len > 0 && write(p->devnull, p->out.buf, p->out.len) < 0)
		perror("pipeline_bench: /dev/null");
	p->json_bytes += p->out.len;
	strbuf__clear(&p->out);
}

/* process_rec of sensor.c, stopping after stage `upto`. */
static void process(struct pipe *p, struct vrec *rec, enum upto upto)
{
	const char *rule = NULL;

	p->events++;
	if (upto < UPTO_FILTER)
		return;
	if (!ruleset__match(p->rs, rec, &rule)) {
		p->filtered++;
		return;
	}
	vrec__set_str(rec, VF_RuleName, rule && *rule ? rule : "-");
	ruleset__apply_field_sizes(p->rs, rec);
	if (upto < UPTO_CAPS)
		return;
	if (caps_state__check(p->caps, rec) != CAPS_PASS) {
		p->capped++;
		return;
	}
	if (upto < UPTO_JSON)
		return;
	rec->seq = ++p->seq;
	rec->computer = p->host;
	json__add_record(&p->out, rec);
	strbuf__addc(&p->out, '\n');
	if (p->out.len >= JSON_BLOCK)
		flush_out(p);
	p->emitted++;
}

static void replay(struct pipe *p, const struct stream *s, enum upto upto)
{
	for (size_t i = 0; i < s->n; i++) {
		const struct vg_hdr *h = (const void *)(s->buf + s->off[i]);
		int r = decoder__decode(p->d, h, h->size, p->rec);

		if (r > 0)
			process(p, p->rec, upto);
		for (unsigned x = 0; r >= 0 && x < p->d->n_extra; x++)
			process(p, p->d->extra[x], upto);
	}
}

static void count_summary(void *ctx, struct vrec *rec)
{
	(void)rec;
	(*(uint64_t *)ctx)++;
}

static void shift_times(struct stream *s, uint64_t by)
{
	for (size_t i = 0; i < s->n; i++)
		((struct vg_hdr *)(void *)(s->buf + s->off[i]))->ts += by;
}

static int cmp_d(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

static double median(double *v, int n)
{
	qsort(v, (size_t)n, sizeof(*v), cmp_d);
	return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

static char *read_file(const char *path, size_t *len)
{
	FILE *f = fopen(path, "re");
	char *buf;
	long n;

	if (f == NULL)
		return NULL;
	if (fseek(f, 0, SEEK_END) != 0) {
		fclose(f);
		return NULL;
	}
	n = ftell(f);
	if (n < 0 || fseek(f, 0, SEEK_SET) != 0) {
		fclose(f);
		return NULL;
	}
	buf = malloc((size_t)n + 1);
	if (buf && fread(buf, 1, (size_t)n, f) != (size_t)n) {
		free(buf);
		buf = NULL;
	}
	fclose(f);
	if (buf) {
		buf[n] = '\0';
		*len = (size_t)n;
	}
	return buf;
}

/* The caps of vigil(8)'s example, inserted before </Sysmon>. */
static struct ruleset *load_with_caps(const char *path, struct rules_error *err)
{
	static const char caps[] =
	    "<VigilCaps window=\"24h\" maxkeys=\"100000\">\n"
	    "<GlobalCap event=\"FileCreate\" max=\"1000000\" window=\"1h\"/>\n"
	    "<LocalCap name=\"conn-per-dest\" event=\"NetworkConnect\" "
	    "fields=\"ProcessGuid,DestinationIp,DestinationPort\" max=\"1\" window=\"24h\"/>\n"
	    "<Aggregate name=\"proc-hourly\" event=\"ProcessCreate\" "
	    "fields=\"Image,ParentImage,User\" period=\"1h\"/>\n"
	    "</VigilCaps>\n";
	size_t len = 0;
	char *xml = read_file(path, &len), *end, *buf;
	struct ruleset *rs;
	size_t head;

	if (xml == NULL) {
		snprintf(err->msg, sizeof(err->msg), "cannot read %s: %s", path, strerror(errno));
		return NULL;
	}
	end = strstr(xml, "</Sysmon>");
	if (end == NULL) {
		snprintf(err->msg, sizeof(err->msg), "%s: no </Sysmon>", path);
		free(xml);
		return NULL;
	}
	head = (size_t)(end - xml);
	buf = malloc(len + sizeof(caps));
	if (buf == NULL) {
		free(xml);
		return NULL;
	}
	memcpy(buf, xml, head);
	memcpy(buf + head, caps, sizeof(caps) - 1);
	memcpy(buf + head + sizeof(caps) - 1, end, len - head);
	rs = ruleset__load_buf(buf, len + sizeof(caps) - 1, "vigil.xml+caps", err);
	free(buf);
	free(xml);
	return rs;
}

struct config_run {
	const char *name;
	struct ruleset *rs;
	struct caps_state *caps;
	double t[UPTO_JSON + 1][MAX_REPS];
	uint64_t events, filtered, capped, emitted, json_bytes, summaries;
};

/* ---- the cap stage with 100,000 live keys ---- */

static void cap_keys_bench(struct decoder *d, const struct bproc *p, int reps)
{
	static const char cfg[] =
	    "<Sysmon schemaversion=\"4.90\">\n<EventFiltering>\n<RuleGroup groupRelation=\"or\">\n"
	    "<NetworkConnect onmatch=\"exclude\"/>\n</RuleGroup>\n</EventFiltering>\n"
	    "<VigilCaps window=\"24h\" maxkeys=\"200000\">\n"
	    "<LocalCap name=\"conn-per-dest\" event=\"NetworkConnect\" "
	    "fields=\"ProcessGuid,DestinationIp,DestinationPort\" max=\"1\" window=\"24h\"/>\n"
	    "</VigilCaps>\n</Sysmon>\n";
	struct rules_error err;
	struct ruleset *rs = ruleset__load_buf(cfg, sizeof(cfg) - 1, "caps-bench", &err);
	struct caps_state *st;
	struct stream one = {0};
	struct vrec *rec = calloc(1, sizeof(*rec)), *scratch = calloc(1, sizeof(*scratch));
	char(*ip)[16] = calloc(CAP_KEYS, sizeof(*ip));
	char(*port)[8] = calloc(CAP_KEYS, sizeof(*port));
	unsigned *pick = calloc(CAP_EVENTS, sizeof(*pick));
	double fill[MAX_REPS], hit[MAX_REPS];
	struct caps_stats cs;
	uint64_t nsum = 0;
	volatile unsigned sinkv = 0;

	if (rs == NULL || rec == NULL || scratch == NULL || ip == NULL || port == NULL ||
	    pick == NULL) {
		fprintf(stderr, "pipeline_bench: cap bench setup: %s\n",
			rs ? "out of memory" : err.msg);
		exit(EX_SOFTWARE);
	}
	st = caps_state__new(rs, 0);
	add_connect(&one, p, 3600 * NS_PER_SEC, 1);
	if (st == NULL ||
	    decoder__decode(d, one.buf, ((struct vg_hdr *)(void *)one.buf)->size, rec) != 1) {
		fprintf(stderr, "pipeline_bench: cap bench: cannot build the record\n");
		exit(EX_SOFTWARE);
	}
	for (unsigned i = 0; i < CAP_KEYS; i++) {
		snprintf(ip[i], sizeof(ip[i]), "10.%u.%u.%u", (i >> 16) & 255, (i >> 8) & 255,
			 i & 255);
		snprintf(port[i], sizeof(port[i]), "%u", 1024 + (i * 7919) % 60000);
	}
	/* Every key once: each passes and stays live. */
	for (unsigned i = 0; i < CAP_KEYS; i++) {
		vrec__set_ref(rec, VF_DestinationIp, ip[i], strlen(ip[i]));
		vrec__set_ref(rec, VF_DestinationPort, port[i], strlen(port[i]));
		sinkv += caps_state__check(st, rec);
	}
	for (unsigned i = 0; i < CAP_EVENTS; i++)
		pick[i] = rnd(CAP_KEYS);
	for (int r = 0; r < reps; r++) {
		double t0 = now_ns();

		for (unsigned i = 0; i < CAP_EVENTS; i++) {
			unsigned k = pick[i];
			vrec__set_ref(rec, VF_DestinationIp, ip[k], strlen(ip[k]));
			vrec__set_ref(rec, VF_DestinationPort, port[k], strlen(port[k]));
			sinkv += rec->nset;
		}
		fill[r] = (now_ns() - t0) / CAP_EVENTS;
		t0 = now_ns();
		for (unsigned i = 0; i < CAP_EVENTS; i++) {
			unsigned k = pick[i];
			vrec__set_ref(rec, VF_DestinationIp, ip[k], strlen(ip[k]));
			vrec__set_ref(rec, VF_DestinationPort, port[k], strlen(port[k]));
			sinkv += caps_state__check(st, rec);
		}
		hit[r] = (now_ns() - t0) / CAP_EVENTS;
	}
	caps_state__stats(st, &cs);
	{
		double f = median(fill, reps), h = median(hit, reps);
		printf("\n### Cap stage alone, %u live keys\n\n", CAP_KEYS);
		printf(
		    "A LocalCap (ProcessGuid, DestinationIp, DestinationPort; max 1 per 24 h) with "
		    "%llu live keys; %d events on random live keys, each held back (%llu held in "
		    "all). One decoded NetworkConnect; its DestinationIp and DestinationPort are "
		    "swapped per event by reference (%.0f ns, subtracted). Median of %d.\n\n",
		    (unsigned long long)cs.keys_live, CAP_EVENTS, (unsigned long long)cs.held, f,
		    reps);
		printf("| | ns/event |\n|---|---|\n");
		printf("| caps_state__check, key live (held) | **%.0f** |\n", h - f);
	}
	caps_state__flush(st, rec->ts_ns + 2 * 86400 * NS_PER_SEC, true, scratch, count_summary,
			  &nsum);
	caps_state__free(st);
	ruleset__free(rs);
	free(one.buf);
	free(one.off);
	free(rec);
	free(scratch);
	free(ip);
	free(port);
	free(pick);
	(void)sinkv;
}

static int usage(void)
{
	fprintf(stderr, "usage: pipeline_bench [-n RECORDS] [-r REPS] [-c CONFIG]\n");
	return EX_USAGE;
}

int main(int argc, char **argv)
{
	const char *cfg_path = "etc/vigil.xml";
	size_t nrec = 200000;
	int reps = 5;
	struct identity id;
	struct decoder d = {0};
	struct stream setup = {0}, s = {0};
	struct bproc pop[NPOP];
	struct mix mix = {0};
	struct rules_error err;
	struct config_run runs[2] = {{.name = "etc/vigil.xml"}, {.name = "etc/vigil.xml + caps"}};
	struct pipe p = {0};
	static const char *const stage_names[] = {
	    [UPTO_DECODE] = "decode (decoder__decode)",
	    [UPTO_FILTER] = "filter (ruleset__match, RuleName, field sizes)",
	    [UPTO_CAPS] = "caps (caps_state__check)",
	    [UPTO_JSON] = "json (json__add_record, 64 KiB writes to /dev/null)",
	};
	uint64_t span;
	int opt;

	while ((opt = getopt(argc, argv, "n:r:c:")) != -1) {
		switch (opt) {
		case 'n':
			nrec = strtoul(optarg, NULL, 10);
			break;
		case 'r':
			reps = atoi(optarg);
			break;
		case 'c':
			cfg_path = optarg;
			break;
		default:
			return usage();
		}
	}
	if (nrec < 1000 || reps < 1 || reps > MAX_REPS)
		return usage();

	load_images();
	if (nimages == 0) {
		fprintf(stderr, "pipeline_bench: none of the sample binaries exist\n");
		return EX_SOFTWARE;
	}
	if (identity__init(&id, NULL) != 0) {
		fprintf(stderr, "pipeline_bench: cannot read the host identity\n");
		return EX_OSERR;
	}
	runs[0].rs = ruleset__load_file(cfg_path, &err);
	if (runs[0].rs == NULL) {
		fprintf(stderr, "%s:%d: %s\n", err.file[0] ? err.file : cfg_path, err.line,
			err.msg);
		return EX_CONFIG;
	}
	runs[1].rs = load_with_caps(cfg_path, &err);
	if (runs[1].rs == NULL) {
		fprintf(stderr, "%s+caps:%d: %s\n", cfg_path, err.line, err.msg);
		return EX_CONFIG;
	}
	d.id = &id;
	d.pc = proc_cache__new(&id, 65536);
	d.hc = hash_cache__new(4096, ruleset__hash_algorithms(runs[0].rs));
	d.svc = services__load(NULL);
	d.dns = dns_cache__new(8192);
	for (int i = 0; i < DECODER_MAX_EXTRA; i++)
		d.extra[i] = calloc(1, sizeof(struct vrec));
	p.rec = calloc(1, sizeof(*p.rec));
	p.devnull = open("/dev/null", O_WRONLY | O_CLOEXEC);
	for (int c = 0; c < 2; c++)
		runs[c].caps = caps_state__new(runs[c].rs, 0);
	if (d.pc == NULL || d.hc == NULL || d.svc == NULL || d.dns == NULL || d.extra[0] == NULL ||
	    d.extra[1] == NULL || p.rec == NULL || p.devnull < 0 || runs[0].caps == NULL ||
	    runs[1].caps == NULL) {
		perror("pipeline_bench: setup");
		return EX_OSERR;
	}
	vrec__reset(p.rec, NULL);
	p.d = &d;
	p.host = id.hostname;
	strbuf__init(&p.out, 64u << 20);

	build_stream(&setup, &s, nrec, pop, &mix);
	span = (uint64_t)(s.n + 1) * STEP_NS + NS_PER_SEC;

	/* Untimed: the long-lived processes enter the cache, the images get
	 * hashed, allocations settle. */
	p.rs = runs[0].rs;
	p.caps = runs[0].caps;
	replay(&p, &setup, UPTO_JSON);
	replay(&p, &s, UPTO_JSON);
	flush_out(&p);

	for (int r = 0; r < reps; r++) {
		for (int c = 0; c < 2; c++) {
			struct config_run *cr = &runs[c];
			p.rs = cr->rs;
			p.caps = cr->caps;
			for (int u = UPTO_DECODE; u <= UPTO_JSON; u++) {
				double t0;
				uint64_t nsum = 0;

				shift_times(&s, span);
				p.events = p.filtered = p.capped = p.emitted = 0;
				p.json_bytes = 0;
				t0 = now_ns();
				replay(&p, &s, (enum upto)u);
				flush_out(&p);
				cr->t[u][r] = now_ns() - t0;
				/* Every repetition starts with empty caps
				 * (p.rec holds the last event: its time is
				 * the end of the stream). */
				caps_state__flush(cr->caps, p.rec->ts_ns + NS_PER_SEC, true, p.rec,
						  count_summary, &nsum);
				if (u == UPTO_JSON) {
					cr->events = p.events;
					cr->filtered = p.filtered;
					cr->capped = p.capped;
					cr->emitted = p.emitted;
					cr->json_bytes = p.json_bytes;
					cr->summaries = nsum;
				}
			}
		}
	}

	printf(
	    "Method: %zu fabricated kernel records (%lu process lifecycles = fork + exec + exit, "
	    "%lu FileCreate, %lu FileModify, %lu FileDelete, %lu NetworkConnect; %d long-lived "
	    "processes in the cache, %zu real binaries) replayed in one thread through "
	    "decode → filter → caps → JSON, as sensor.c does. Each pass stops after a stage; a "
	    "stage's cost is the difference of the medians of %d interleaved repetitions. "
	    "Host: %ld cores, shared with other jobs.\n\n",
	    s.n, mix.exec, mix.create, mix.modify, mix.remove, mix.connect, NPOP, nimages, reps,
	    sysconf(_SC_NPROCESSORS_ONLN));
	printf("| stage | ns/event, %s | ns/event, %s |\n|---|---|---|\n", runs[0].name,
	       runs[1].name);
	{
		double med[2][UPTO_JSON + 1];
		for (int c = 0; c < 2; c++) {
			med[c][0] = 0;
			for (int u = UPTO_DECODE; u <= UPTO_JSON; u++)
				med[c][u] = median(runs[c].t[u], reps);
		}
		for (int u = UPTO_DECODE; u <= UPTO_JSON; u++)
			printf("| %s | %.0f | %.0f |\n", stage_names[u],
			       (med[0][u] - med[0][u - 1]) / (double)runs[0].events,
			       (med[1][u] - med[1][u - 1]) / (double)runs[1].events);
		printf("| **whole pipeline** | **%.0f** | **%.0f** |\n",
		       med[0][UPTO_JSON] / (double)runs[0].events,
		       med[1][UPTO_JSON] / (double)runs[1].events);
		printf("| **events/s, one thread** (target ≥ 500,000) | **%.0f** | **%.0f** |\n",
		       (double)runs[0].events / med[0][UPTO_JSON] * 1e9,
		       (double)runs[1].events / med[1][UPTO_JSON] * 1e9);
	}
	printf("\nPer replay: ");
	for (int c = 0; c < 2; c++)
		printf("%s%s: %llu events, %llu filtered, %llu capped, %llu emitted (%.0f bytes of "
		       "JSON each), %llu CapSummary at the flush",
		       c ? "; " : "", runs[c].name, (unsigned long long)runs[c].events,
		       (unsigned long long)runs[c].filtered, (unsigned long long)runs[c].capped,
		       (unsigned long long)runs[c].emitted,
		       runs[c].emitted ? (double)runs[c].json_bytes / (double)runs[c].emitted : 0.0,
		       (unsigned long long)runs[c].summaries);
	printf(". Decoder: %llu malformed.\n", (unsigned long long)d.malformed);
	if (d.malformed) {
		fprintf(stderr,
			"pipeline_bench: the decoder refused %llu fabricated records; "
			"their layout is out of date, so the figures above are void\n",
			(unsigned long long)d.malformed);
		return EX_SOFTWARE;
	}

	cap_keys_bench(&d, &pop[0], reps);

	for (int c = 0; c < 2; c++) {
		caps_state__free(runs[c].caps);
		ruleset__free(runs[c].rs);
	}
	strbuf__free(&p.out);
	close(p.devnull);
	free(p.rec);
	for (int i = 0; i < DECODER_MAX_EXTRA; i++)
		free(d.extra[i]);
	proc_cache__free(d.pc);
	hash_cache__free(d.hc);
	services__free((struct services *)d.svc);
	dns_cache__free(d.dns);
	free(setup.buf);
	free(setup.off);
	free(s.buf);
	free(s.off);
	return 0;
}
