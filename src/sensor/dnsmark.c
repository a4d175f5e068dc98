/*
 * dnsmark.c — finds the running processes that may read a DNS answer; see
 * dnsmark.h.
 *
 * Two passes over /proc. The first reads the socket tables of each network
 * namespace once (found through /proc/PID/ns/net; socket inodes are unique
 * host-wide, so one set holds them all) and keeps the inodes of UDP sockets
 * and of TCP connections to port 53. The second reads each process's fd
 * links and marks it at its first "socket:[N]" in the set. Processes that
 * come and go during the scan are skipped: a new one that queries is
 * marked by the kernel, because the marks are already being kept.
 */
#include "sensor/dnsmark.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

struct u64set {
	uint64_t *v;
	size_t n, cap;
};

static int set_add(struct u64set *s, uint64_t x, size_t max)
{
	if (s->n == s->cap) {
		size_t cap = s->cap ? s->cap * 2 : 256;
		uint64_t *v;

		if (s->n >= max)
			return -E2BIG;
		if (cap > max)
			cap = max;
		v = realloc(s->v, cap * sizeof(*v));
		if (v == NULL)
			return -ENOMEM;
		s->v = v;
		s->cap = cap;
	}
	s->v[s->n++] = x;
	return 0;
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
	return x < y ? -1 : x > y;
}

static bool set_has(const struct u64set *s, uint64_t x)
{
	return s->n && bsearch(&x, s->v, s->n, sizeof(x), cmp_u64) != NULL;
}

/* The n-th (0-based) blank-separated field of line, and its length. */
static const char *field(const char *line, int n, size_t *len)
{
	const char *p = line;

	for (int i = 0;; i++) {
		p += strspn(p, " \t");
		if (*p == '\0' || *p == '\n')
			return NULL;
		*len = strcspn(p, " \t\n");
		if (i == n)
			return p;
		p += *len;
	}
}

int dnsmark__parse_line(const char *line, int udp, uint64_t *inode, int *dns)
{
	const char *rem, *ino, *colon;
	size_t rlen, ilen;
	char *end;
	unsigned long port;
	unsigned long long v;

	rem = field(line, 2, &rlen);
	ino = field(line, 9, &ilen);
	if (rem == NULL || ino == NULL)
		return -1;
	colon = memchr(rem, ':', rlen);
	if (colon == NULL)
		return -1;
	errno = 0;
	port = strtoul(colon + 1, &end, 16);
	if (errno || end != rem + rlen || end == colon + 1)
		return -1;
	v = strtoull(ino, &end, 10);
	if (errno || end != ino + ilen)
		return -1;
	*inode = v;
	*dns = udp || port == 53;
	return 0;
}

/* Adds the sockets of one socket table that could carry DNS answers. A
 * table that cannot be read (no IPv6) adds nothing. */
static int read_table(int pidfd, const char *name, int udp, struct u64set *socks)
{
	char line[512];
	int fd = openat(pidfd, name, O_RDONLY | O_CLOEXEC);
	FILE *f;
	int err = 0;

	if (fd < 0)
		return 0;
	f = fdopen(fd, "r");
	if (f == NULL) {
		close(fd);
		return 0;
	}
	while (err == 0 && fgets(line, sizeof(line), f) != NULL) {
		uint64_t ino;
		int dns;

		if (dnsmark__parse_line(line, udp, &ino, &dns) == 0 && dns && ino != 0)
			err = set_add(socks, ino, DNSMARK_SOCKS_MAX);
	}
	fclose(f);
	return err;
}

static bool is_pid(const char *s)
{
	if (*s == '\0')
		return false;
	for (; *s; s++)
		if (*s < '0' || *s > '9')
			return false;
	return true;
}

static bool seen_has(const struct u64set *s, uint64_t x)
{
	for (size_t i = 0; i < s->n; i++)
		if (s->v[i] == x)
			return true;
	return false;
}

/* Pass 1: the DNS-capable sockets of every network namespace. */
static int collect(DIR *proc, int procfd, struct u64set *socks)
{
	static const struct {
		const char *name;
		int udp;
	} tables[] = {{"net/udp", 1}, {"net/udp6", 1}, {"net/tcp", 0}, {"net/tcp6", 0}};
	struct u64set seen = {0};
	struct dirent *d;
	int err = 0;

	while (err == 0 && (d = readdir(proc)) != NULL) {
		struct stat st;
		char ns[300];
		int pidfd;

		if (!is_pid(d->d_name))
			continue;
		snprintf(ns, sizeof(ns), "%s/ns/net", d->d_name);
		if (fstatat(procfd, ns, &st, 0) != 0)
			continue; /* gone, or a kernel thread's */
		/* Namespaces are few (one per container): a linear look. */
		if (seen_has(&seen, st.st_ino))
			continue;
		err = set_add(&seen, st.st_ino, DNSMARK_SOCKS_MAX);
		pidfd = openat(procfd, d->d_name, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		if (pidfd < 0)
			continue;
		for (size_t i = 0; i < sizeof(tables) / sizeof(tables[0]) && err == 0; i++)
			err = read_table(pidfd, tables[i].name, tables[i].udp, socks);
		close(pidfd);
	}
	free(seen.v);
	return err;
}

/* Whether the process in pidfd holds one of socks. */
static bool holds(int pidfd, const struct u64set *socks)
{
	int fdfd = openat(pidfd, "fd", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	DIR *dir;
	struct dirent *d;
	bool hit = false;

	if (fdfd < 0)
		return false;
	dir = fdopendir(fdfd);
	if (dir == NULL) {
		close(fdfd);
		return false;
	}
	while (!hit && (d = readdir(dir)) != NULL) {
		char link[64];
		ssize_t n;
		unsigned long long ino;
		char tail;

		if (!is_pid(d->d_name))
			continue;
		n = readlinkat(dirfd(dir), d->d_name, link, sizeof(link) - 1);
		if (n <= 0)
			continue;
		link[n] = '\0';
		if (sscanf(link, "socket:[%llu%c", &ino, &tail) == 2 && tail == ']')
			hit = set_has(socks, ino);
	}
	closedir(dir);
	return hit;
}

long dnsmark__scan(const char *proc_root, int (*mark)(void *ctx, uint32_t tgid), void *ctx)
{
	struct u64set socks = {0};
	int procfd = open(proc_root, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	DIR *proc;
	struct dirent *d;
	long marked = 0;
	int err;

	if (procfd < 0)
		return -errno;
	proc = fdopendir(procfd);
	if (proc == NULL) {
		err = -errno;
		close(procfd);
		return err;
	}
	err = collect(proc, procfd, &socks);
	if (err == 0 && socks.n > 0) {
		qsort(socks.v, socks.n, sizeof(*socks.v), cmp_u64);
		rewinddir(proc);
		while ((d = readdir(proc)) != NULL) {
			unsigned long pid;
			int pidfd, m;
			bool hit;

			if (!is_pid(d->d_name))
				continue;
			pid = strtoul(d->d_name, NULL, 10);
			if (pid == 0 || pid > UINT32_MAX)
				continue;
			pidfd = openat(procfd, d->d_name, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
			if (pidfd < 0)
				continue;
			hit = holds(pidfd, &socks);
			close(pidfd);
			if (!hit)
				continue;
			m = mark(ctx, (uint32_t)pid);
			if (m != 0) {
				err = m;
				break;
			}
			marked++;
		}
	}
	closedir(proc);
	free(socks.v);
	return err ? err : marked;
}
