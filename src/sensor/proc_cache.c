/*
 * proc_cache.c — the process cache; see proc_cache.h.
 *
 * A chained hash by pid (live pids are unique, so one entry per pid) plus an
 * LRU list. Lookups touch the entry; inserts past the cap evict the tail.
 *
 * The strings of an entry (image, command line, cwd, parent image, hashes)
 * are shared, reference-counted and never changed in place. A fork is the
 * commonest record after exec, and its child starts with the parent's
 * strings: sharing them makes a fork cost one allocation, not nine, and a
 * thousand workers of one server hold one copy of its command line. "-" is
 * one static string that is never counted or freed.
 *
 * The live-image filter counts live entries per hash slot of their image
 * path. A file delete asks it before walking the cache for processes
 * running the deleted file (ProcessTampering "Image is deleted"): a file
 * storm deletes thousands of files a second, and a walk of a cache of
 * thousands of entries for each cost more than the rest of the record
 * (pipeline_bench: 11 µs of 12.6 per event). Every change of an entry's
 * image or liveness goes through img_count()/img_uncount(), so the counts
 * are exact and a zero is a sure "no".
 *
 * Exited entries are also on a list of their own in the order they exited,
 * so the once-a-second collection frees the expired ones from its head and
 * stops at the first that is not: it used to walk every entry, a twentieth
 * of the sensor's CPU in an exec storm.
 */
#include "sensor/proc_cache.h"

#include "common/log.h"

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define NBUCKETS  16384 /* power of two */
#define IMG_SLOTS 4096	/* power of two; the live-image filter */
#define DASH	  "-"

enum { LRU, EXITED }; /* the lists: proc_cache.list[] and proc.link[] */

struct proc_cache {
	const struct identity *id;
	size_t max;
	struct proc *buckets[NBUCKETS];
	/* [LRU]: head = most recently used; [EXITED]: head = the oldest exit. */
	struct proc_list {
		struct proc *head, *tail;
	} list[2];
	struct proc_cache_stats st;
	uint32_t img_live[IMG_SLOTS]; /* live entries per image-path slot */
};

static unsigned img_slot_of(const char *s)
{
	uint32_t h = 2166136261u; /* FNV-1a */

	for (; *s; s++)
		h = (h ^ (unsigned char)*s) * 16777619u;
	return (h ^ (h >> 16)) & (IMG_SLOTS - 1);
}

static void img_uncount(struct proc_cache *pc, struct proc *p)
{
	if (p->img_counted)
		pc->img_live[p->img_slot]--;
	p->img_counted = false;
}

/* p counted in slot, the slot of its image, if live. */
static void img_count_in(struct proc_cache *pc, struct proc *p, unsigned slot)
{
	img_uncount(pc, p);
	if (p->exited)
		return;
	p->img_slot = (uint16_t)slot;
	pc->img_live[slot]++;
	p->img_counted = true;
}

/* After any change of p->image. */
static void img_count(struct proc_cache *pc, struct proc *p)
{
	img_count_in(pc, p, img_slot_of(p->image));
}

bool proc_cache__image_maybe_live(const struct proc_cache *pc, const char *path)
{
	return pc->img_live[img_slot_of(path)] != 0;
}

/* A shared string: its count, then its bytes; entries point at s. */
struct pstr {
	uint32_t refs;
	char s[];
};

static char dash_str[] = DASH;

static struct pstr *pstr_of(char *s)
{
	return (struct pstr *)(void *)(s - offsetof(struct pstr, s));
}

/* Drops one reference to s (NULL and "-" are no-ops). */
static void pstr_put(char *s)
{
	if (s == NULL || s == dash_str)
		return;
	if (--pstr_of(s)->refs == 0)
		free(pstr_of(s));
}

/* *dst takes another reference to src, a string of this cache (or NULL). */
static void pstr_share(char **dst, char *src)
{
	if (src != NULL && src != dash_str)
		pstr_of(src)->refs++;
	pstr_put(*dst);
	*dst = src;
}

int proc__set_str(char **dst, const char *src)
{
	struct pstr *n;
	size_t len;

	if (src == NULL || *src == '\0') {
		pstr_put(*dst);
		*dst = dash_str;
		return 0;
	}
	len = strlen(src);
	n = malloc(sizeof(*n) + len + 1);
	if (n == NULL)
		return -ENOMEM;
	n->refs = 1;
	memcpy(n->s, src, len + 1);
	pstr_put(*dst);
	*dst = n->s;
	return 0;
}

static void list_unlink(struct proc_cache *pc, int l, struct proc *p)
{
	struct proc_link *k = &p->link[l];

	if (k->prev)
		k->prev->link[l].next = k->next;
	else
		pc->list[l].head = k->next;
	if (k->next)
		k->next->link[l].prev = k->prev;
	else
		pc->list[l].tail = k->prev;
	k->prev = k->next = NULL;
}

static void list_push_head(struct proc_cache *pc, int l, struct proc *p)
{
	p->link[l].prev = NULL;
	p->link[l].next = pc->list[l].head;
	if (pc->list[l].head)
		pc->list[l].head->link[l].prev = p;
	pc->list[l].head = p;
	if (pc->list[l].tail == NULL)
		pc->list[l].tail = p;
}

static void list_append(struct proc_cache *pc, int l, struct proc *p)
{
	p->link[l].next = NULL;
	p->link[l].prev = pc->list[l].tail;
	if (pc->list[l].tail)
		pc->list[l].tail->link[l].next = p;
	else
		pc->list[l].head = p;
	pc->list[l].tail = p;
}

static void touch(struct proc_cache *pc, struct proc *p)
{
	if (pc->list[LRU].head == p)
		return;
	list_unlink(pc, LRU, p);
	list_push_head(pc, LRU, p);
}

static void proc_free(struct proc *p)
{
	pstr_put(p->image);
	pstr_put(p->cmdline);
	pstr_put(p->cwd);
	pstr_put(p->parent_image);
	pstr_put(p->hashes);
	free(p);
}

static void remove_entry(struct proc_cache *pc, struct proc *p)
{
	struct proc **pp = &pc->buckets[p->pid & (NBUCKETS - 1)];

	while (*pp && *pp != p)
		pp = &(*pp)->hnext;
	if (*pp)
		*pp = p->hnext;
	list_unlink(pc, LRU, p);
	img_uncount(pc, p);
	if (p->exited)
		list_unlink(pc, EXITED, p);
	pc->st.entries--;
	proc_free(p);
}

struct proc_cache *proc_cache__new(const struct identity *id, size_t max)
{
	struct proc_cache *pc = calloc(1, sizeof(*pc));

	if (pc == NULL)
		return NULL;
	pc->id = id;
	pc->max = max ? max : 65536;
	return pc;
}

void proc_cache__free(struct proc_cache *pc)
{
	if (pc == NULL)
		return;
	while (pc->list[LRU].head)
		remove_entry(pc, pc->list[LRU].head);
	free(pc);
}

static struct proc *find(struct proc_cache *pc, uint32_t pid)
{
	struct proc *p = pc->buckets[pid & (NBUCKETS - 1)];

	while (p && p->pid != pid)
		p = p->hnext;
	return p;
}

/* A fresh entry for (pid, start); replaces a stale entry with that pid. */
static struct proc *insert(struct proc_cache *pc, uint32_t pid, uint64_t start_ticks)
{
	struct proc *old = find(pc, pid);
	struct proc *p;

	if (old) {
		pc->st.reused_pids += old->start_ticks != start_ticks;
		remove_entry(pc, old);
	}
	while (pc->st.entries >= pc->max && pc->list[LRU].tail) {
		remove_entry(pc, pc->list[LRU].tail);
		pc->st.evicted++;
	}
	p = calloc(1, sizeof(*p));
	if (p == NULL)
		return NULL;
	p->pid = pid;
	p->start_ticks = start_ticks;
	identity__guid_ticks(pc->id, pid, start_ticks, p->guid);
	strcpy(p->pguid, DASH);
	strcpy(p->container, DASH);
	strcpy(p->peer, DASH);
	p->loginuid = UINT32_MAX;
	p->sessionid = UINT32_MAX;
	p->image = p->cmdline = p->cwd = p->parent_image = dash_str;
	p->hnext = pc->buckets[pid & (NBUCKETS - 1)];
	pc->buckets[pid & (NBUCKETS - 1)] = p;
	list_push_head(pc, LRU, p);
	pc->st.entries++;
	return p;
}

/* Reads a /proc file fully (bounded); returns length or -errno. */
static ssize_t read_proc_file(uint32_t pid, const char *name, char *buf, size_t n)
{
	char path[64];
	ssize_t r, total = 0;
	int fd;

	snprintf(path, sizeof(path), "/proc/%u/%s", pid, name);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	while ((size_t)total < n - 1) {
		r = read(fd, buf + total, n - 1 - (size_t)total);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			break;
		total += r;
	}
	close(fd);
	buf[total] = '\0';
	return total;
}

static int read_link(uint32_t pid, const char *name, char *buf, size_t n)
{
	char path[64];
	ssize_t r;

	snprintf(path, sizeof(path), "/proc/%u/%s", pid, name);
	r = readlink(path, buf, n - 1);
	if (r < 0)
		return -errno;
	buf[r] = '\0';
	return 0;
}

/* Parses /proc/PID/stat: start ticks (field 22), ppid (4), tty_nr (7). */
static int read_stat(uint32_t pid, uint64_t *start, uint32_t *ppid, int *tty_nr)
{
	char buf[1024];
	char *p;
	unsigned long long st = 0;
	int pp = 0, tty = 0;

	if (read_proc_file(pid, "stat", buf, sizeof(buf)) <= 0)
		return -ENOENT;
	/* comm may hold spaces and ')': the last ')' ends it. */
	p = strrchr(buf, ')');
	if (p == NULL)
		return -EINVAL;
	if (sscanf(p + 2,
		   "%*c %d %*d %*d %d %*d %*u %*u %*u %*u %*u %*u %*u %*d %*d %*d %*d %*d "
		   "%*d %llu",
		   &pp, &tty, &st) != 3)
		return -EINVAL;
	*start = st;
	*ppid = (uint32_t)pp;
	*tty_nr = tty;
	return 0;
}

int proc_cache__refresh_session(struct proc *p)
{
	char lb[32], sb[32];
	uint64_t start;
	uint32_t ppid;
	int tty;

	if (p->exited || read_stat(p->pid, &start, &ppid, &tty) != 0 || start != p->start_ticks)
		return -ESRCH;
	if (read_proc_file(p->pid, "loginuid", lb, sizeof(lb)) <= 0 ||
	    read_proc_file(p->pid, "sessionid", sb, sizeof(sb)) <= 0)
		return -ESRCH;
	p->loginuid = (uint32_t)strtoul(lb, NULL, 10);
	p->sessionid = (uint32_t)strtoul(sb, NULL, 10);
	return 0;
}

/* argv as NUL-separated bytes → space-joined, in place; returns length. */
static size_t join_args(char *buf, size_t len)
{
	while (len > 0 && buf[len - 1] == '\0')
		len--;
	for (size_t i = 0; i < len; i++)
		if (buf[i] == '\0')
			buf[i] = ' ';
	buf[len] = '\0';
	return len;
}

void container_id_from_cgroup(const char *cg, char out[72])
{
	/* Container runtimes name the leaf cgroup after the 64-hex container
	 * id: docker-<id>.scope, cri-containerd-<id>.scope, crio-<id>.scope,
	 * libpod-<id>.scope (systemd driver) or /docker/<id>,
	 * /kubepods/.../<id> (cgroupfs driver). The last 64-hex run wins. */
	const char *best = NULL;
	size_t run = 0;

	strcpy(out, DASH);
	if (cg == NULL)
		return;
	for (const char *s = cg;; s++) {
		if (isxdigit((unsigned char)*s) && !isupper((unsigned char)*s)) {
			run++;
			continue;
		}
		if (run == 64)
			best = s - 64;
		run = 0;
		if (*s == '\0')
			break;
	}
	if (best) {
		memcpy(out, best, 64);
		out[64] = '\0';
	}
}

void proc_cache__set_container(struct proc *p, const char *cgroup_leaf)
{
	container_id_from_cgroup(cgroup_leaf, p->container);
}

static void tty_name(int tty_nr, char out[32])
{
	unsigned major = ((unsigned)tty_nr >> 8) & 0xfff;
	unsigned minor = ((unsigned)tty_nr & 0xff) | (((unsigned)tty_nr >> 12) & 0xfff00);

	if (tty_nr == 0)
		strcpy(out, DASH);
	else if (major == 136)
		snprintf(out, 32, "pts%u", minor);
	else if (major == 4 && minor < 64)
		snprintf(out, 32, "tty%u", minor);
	else if (major == 4)
		snprintf(out, 32, "ttyS%u", minor - 64);
	else
		snprintf(out, 32, "%u:%u", major, minor);
}

/* Fills p from /proc/PID; p->start_ticks must already match. */
static void fill_from_proc(struct proc_cache *pc, struct proc *p, uint32_t ppid, int tty_nr)
{
	static char buf[8192];
	ssize_t n;
	uint64_t pstart;
	uint32_t pp;
	int ptty;
	struct proc *parent;

	pc->st.proc_reads++;
	p->from_proc = true;
	p->ppid = ppid;
	if (read_link(p->pid, "exe", buf, sizeof(buf)) == 0) {
		/* A deleted image reads "/path (deleted)"; keep the path. */
		size_t l = strlen(buf);
		if (l > 10 && strcmp(buf + l - 10, " (deleted)") == 0)
			buf[l - 10] = '\0';
		proc__set_str(&p->image, buf);
		img_count(pc, p);
	}
	n = read_proc_file(p->pid, "cmdline", buf, sizeof(buf) - 4);
	if (n > 0) {
		join_args(buf, (size_t)n);
		/* As long as the buffer: cut, and marked as cut. */
		if ((size_t)n >= sizeof(buf) - 5)
			strcat(buf, "…");
		proc__set_str(&p->cmdline, buf);
	}
	if (read_link(p->pid, "cwd", buf, sizeof(buf)) == 0)
		proc__set_str(&p->cwd, buf);
	n = read_proc_file(p->pid, "status", buf, sizeof(buf));
	if (n > 0) {
		char *u = strstr(buf, "\nUid:");
		char *g = strstr(buf, "\nGid:");
		unsigned a, b;
		if (u && sscanf(u, "\nUid: %u %u", &a, &b) == 2) {
			p->uid = a;
			p->euid = b;
		}
		if (g && sscanf(g, "\nGid: %u", &a) == 1)
			p->gid = a;
	}
	if (read_proc_file(p->pid, "loginuid", buf, 32) > 0)
		p->loginuid = (uint32_t)strtoul(buf, NULL, 10);
	if (read_proc_file(p->pid, "sessionid", buf, 32) > 0)
		p->sessionid = (uint32_t)strtoul(buf, NULL, 10);
	tty_name(tty_nr, p->tty);
	if (read_proc_file(p->pid, "cgroup", buf, sizeof(buf)) > 0)
		container_id_from_cgroup(buf, p->container);
	if (ppid != 0 && read_stat(ppid, &pstart, &pp, &ptty) == 0) {
		p->pstart_ticks = pstart;
		identity__guid_ticks(pc->id, ppid, pstart, p->pguid);
		parent = find(pc, ppid);
		if (parent && parent->start_ticks == pstart)
			pstr_share(&p->parent_image, parent->image);
		else if (read_link(ppid, "exe", buf, sizeof(buf)) == 0)
			proc__set_str(&p->parent_image, buf);
	}
}

struct proc *proc_cache__peek(struct proc_cache *pc, uint32_t pid, uint64_t start_ticks)
{
	struct proc *p = find(pc, pid);

	if (p && p->start_ticks == start_ticks) {
		touch(pc, p);
		pc->st.hits++;
		return p;
	}
	return NULL;
}

struct proc *proc_cache__peek_pid(struct proc_cache *pc, uint32_t pid)
{
	struct proc *p = find(pc, pid);

	if (p)
		touch(pc, p);
	return p;
}

struct proc *proc_cache__lookup(struct proc_cache *pc, uint32_t pid, uint64_t start_ticks)
{
	struct proc *p = proc_cache__peek(pc, pid, start_ticks);
	uint64_t st;
	uint32_t ppid;
	int tty;

	if (p)
		return p;
	pc->st.misses++;
	p = insert(pc, pid, start_ticks);
	if (p == NULL)
		return NULL;
	/* Only trust /proc if it still shows the same process. */
	if (read_stat(pid, &st, &ppid, &tty) == 0 && st == start_ticks)
		fill_from_proc(pc, p, ppid, tty);
	return p;
}

struct proc *proc_cache__fork(struct proc_cache *pc, uint32_t ppid, uint64_t pstart_ticks,
			      uint32_t pid, uint64_t start_ticks)
{
	struct proc *parent = proc_cache__lookup(pc, ppid, pstart_ticks);
	struct proc *p;

	/* The lookup may have evicted nothing we hold: parent is re-found. */
	p = insert(pc, pid, start_ticks);
	if (p == NULL)
		return NULL;
	parent = proc_cache__peek(pc, ppid, pstart_ticks);
	p->ppid = ppid;
	p->pstart_ticks = pstart_ticks;
	identity__guid_ticks(pc->id, ppid, pstart_ticks, p->pguid);
	if (parent) {
		pstr_share(&p->image, parent->image);
		/* The same string: its slot is known, unless the parent was
		 * never counted (exited), and then it is hashed. */
		if (parent->img_counted)
			img_count_in(pc, p, parent->img_slot);
		else
			img_count(pc, p);
		pstr_share(&p->cmdline, parent->cmdline);
		pstr_share(&p->cwd, parent->cwd);
		pstr_share(&p->parent_image, parent->image);
		pstr_share(&p->hashes, parent->hashes);
		p->uid = parent->uid;
		p->gid = parent->gid;
		p->euid = parent->euid;
		p->loginuid = parent->loginuid;
		p->sessionid = parent->sessionid;
		memcpy(p->tty, parent->tty, sizeof(p->tty));
		memcpy(p->container, parent->container, sizeof(p->container));
		memcpy(p->peer, parent->peer, sizeof(p->peer));
		p->exe_ino = parent->exe_ino;
		p->exe_dev = parent->exe_dev;
		p->exe_size = parent->exe_size;
		p->exe_mtime_sec = parent->exe_mtime_sec;
		p->exe_mtime_nsec = parent->exe_mtime_nsec;
	}
	return p;
}

struct proc *proc_cache__exec(struct proc_cache *pc, uint32_t pid, uint64_t start_ticks,
			      uint32_t ppid, uint64_t pstart_ticks, const char *image,
			      const char *cmdline, const char *cwd)
{
	struct proc *p = proc_cache__peek(pc, pid, start_ticks);
	struct proc *parent;
	/*
	 * A process's parent is the process that created it: the forker,
	 * known from the fork, or the exec's parent when the fork was not
	 * seen. It is kept when the creator exits and the kernel hands the
	 * child to init or a subreaper before it execs (a double fork, a
	 * backgrounded `sh &` whose shell is gone): that re-parenting would
	 * otherwise cut the child off its tree, which is what the double fork
	 * is for. Sysmon's ParentProcessGuid means the creator too (on Windows
	 * nothing re-parents). An entry read from /proc knows no creator, and
	 * takes the exec's parent.
	 */
	bool creator_known = p != NULL && !p->from_proc;

	if (p == NULL) {
		p = insert(pc, pid, start_ticks);
		if (p == NULL)
			return NULL;
	}
	p->from_proc = false;
	if (!creator_known) {
		p->ppid = ppid;
		p->pstart_ticks = pstart_ticks;
		identity__guid_ticks(pc->id, ppid, pstart_ticks, p->pguid);
	}
	parent = proc_cache__peek(pc, p->ppid, p->pstart_ticks);
	/* The parent's image at our exec: what it is now, not what we
	 * inherited at fork (the parent may have exec'd since). */
	if (parent)
		pstr_share(&p->parent_image, parent->image);
	proc__set_str(&p->image, image);
	img_count(pc, p);
	proc__set_str(&p->cmdline, cmdline);
	proc__set_str(&p->cwd, cwd);
	pstr_put(p->hashes);
	p->hashes = NULL;
	return p;
}

void proc_cache__exit(struct proc_cache *pc, struct proc *p, uint64_t now_mono_ns)
{
	/* A second exit record for an entry keeps the first's time and place. */
	if (p->exited)
		return;
	p->exited = true;
	p->exit_mono_ns = now_mono_ns;
	img_uncount(pc, p);
	list_append(pc, EXITED, p);
}

void proc_cache__gc(struct proc_cache *pc, uint64_t now_mono_ns, uint64_t grace_ns)
{
	/* Exits arrive in time order (one ring buffer), near enough: an entry
	 * behind a later-stamped one waits for it, never goes early. */
	struct proc *p;

	while ((p = pc->list[EXITED].head) && now_mono_ns - p->exit_mono_ns >= grace_ns)
		remove_entry(pc, p);
}

size_t proc_cache__snapshot(struct proc_cache *pc)
{
	DIR *d = opendir("/proc");
	struct dirent *de;
	size_t n = 0;

	if (d == NULL) {
		log_warn("cannot read /proc");
		return 0;
	}
	while ((de = readdir(d)) != NULL) {
		char *end;
		unsigned long pid = strtoul(de->d_name, &end, 10);
		uint64_t st;
		uint32_t ppid;
		int tty;
		struct proc *p;

		if (*end != '\0' || pid == 0 || pid > UINT32_MAX)
			continue;
		if (read_stat((uint32_t)pid, &st, &ppid, &tty) != 0)
			continue;
		if (proc_cache__peek(pc, (uint32_t)pid, st))
			continue;
		p = insert(pc, (uint32_t)pid, st);
		if (p == NULL)
			break;
		fill_from_proc(pc, p, ppid, tty);
		n++;
	}
	closedir(d);
	return n;
}

void proc_cache__for_each(struct proc_cache *pc, void (*fn)(void *ctx, struct proc *p), void *ctx)
{
	for (struct proc *p = pc->list[LRU].head; p; p = p->link[LRU].next)
		fn(ctx, p);
}

void proc_cache__stats(const struct proc_cache *pc, struct proc_cache_stats *st)
{
	*st = pc->st;
}
