/*
 * atomics_run.c — runs the selected Atomic Red Team tests one at a time,
 * each in a fresh sandbox (sandbox.c), and builds the MANIFEST: per test
 * whether it ran (or why not), its root marker, each phase's exit, signal,
 * timeout and duration, whether it succeeded and the last 4 KiB of its
 * command's output. The scorer finds each test's events from the root
 * marker by ProcessGuid lineage, so the runner records no event itself.
 *
 * Commands are substituted here (atomics_substitute) and handed to the
 * sandbox as text: they run only as `sh -c TEXT` inside it, never on the
 * host.
 */
#include "coverage/atomics_run.h"
#include "common/strbuf.h"
#include "common/utf8.h"
#include "sensor/coalesce.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

/* How long the runner lets the sensor hold records before it execs the end
 * marker: the sensor keeps a FileModify up to its coalescing window to count
 * repeats of one file by one process, and writes it on the 50-ms tick after
 * the window ends, so a test's last FileModify can reach the output after a
 * marker exec'd at once, and the scorer would not see it. The window, plus
 * a tick and margin. */
#define ATOMICS_HOLD_MS (COALESCE_WINDOW_NS / 1000000 + 250)

bool atomics_only_ok(const char *s)
{
	char t[16];
	const char *dash = strchr(s, '-');
	size_t n = dash ? (size_t)(dash - s) : strlen(s);

	if (n >= sizeof(t))
		return false;
	memcpy(t, s, n);
	t[n] = '\0';
	if (!atomics_technique_ok(t))
		return false;
	if (!dash)
		return true;
	if (!dash[1] || strlen(dash + 1) > 4)
		return false;
	for (const char *p = dash + 1; *p; p++)
		if (!isdigit((unsigned char)*p))
			return false;
	return true;
}

bool atomics_selected(const struct atomic_test *t, const char *const *only, size_t nonly)
{
	if (nonly == 0)
		return true;
	for (size_t i = 0; i < nonly; i++) {
		const char *dash = strchr(only[i], '-');
		size_t n = dash ? (size_t)(dash - only[i]) : strlen(only[i]);

		if (strlen(t->technique) != n || strncmp(t->technique, only[i], n) != 0)
			continue;
		if (!dash || atoi(dash + 1) == t->number)
			return true;
	}
	return false;
}

int atomics_new_runid(char runid[17])
{
	unsigned char b[8];

	if (getrandom(b, sizeof(b), 0) != (ssize_t)sizeof(b))
		return -EIO;
	for (int i = 0; i < 8; i++)
		snprintf(runid + 2 * i, 3, "%02x", b[i]);
	return 0;
}

const char *atomics_shell(const char *executor)
{
	if (strcmp(executor, "sh") == 0)
		return "/bin/sh";
	if (strcmp(executor, "bash") == 0)
		return "/bin/bash";
	return NULL;
}

void atomics_now_iso(char *buf, size_t len)
{
	struct timespec ts;
	struct tm tm;
	char s[32];

	clock_gettime(CLOCK_REALTIME, &ts);
	gmtime_r(&ts.tv_sec, &tm);
	strftime(s, sizeof(s), "%Y-%m-%dT%H:%M:%S", &tm);
	snprintf(buf, len, "%s.%03ldZ", s, ts.tv_nsec / 1000000);
}

/* A JSON string of n bytes of s, invalid UTF-8 replaced; prefix first. */
static struct json_object *text(const char *prefix, const char *s, size_t n)
{
	struct strbuf sb;
	struct json_object *o;

	strbuf__init(&sb, 1u << 20);
	strbuf__adds(&sb, prefix);
	utf8__add_valid(&sb, s, n);
	o = json_object_new_string_len(strbuf__cstr(&sb), (int)sb.len);
	strbuf__free(&sb);
	return o;
}

/* The first line of a phase's output (or of what), at most 200 bytes. */
static void first_line(char *out, size_t len, const char *s)
{
	size_t n = strcspn(s, "\n");

	if (n >= len)
		n = len - 1;
	memcpy(out, s, n);
	out[n] = '\0';
}

static const struct sandbox_phase *find_phase(const struct sandbox_result *r, const char *name)
{
	for (size_t i = 0; r && i < r->nphases; i++)
		if (strcmp(r->phases[i].phase, name) == 0)
			return &r->phases[i];
	return NULL;
}

struct json_object *atomics_manifest_test(const struct atomic_test *t, size_t idx,
					  const char *runid, const struct sandbox_result *r,
					  const char *why, const char *unknown, const char *start,
					  const char *end)
{
	struct json_object *o = json_object_new_object(), *ph = json_object_new_array();
	const struct sandbox_phase *cmd = find_phase(r, "command"), *last = NULL;
	char marker[64], reason[512] = "";
	bool ran = r && !r->error[0] && cmd;
	bool ok;

	if (!o || !ph) {
		json_object_put(o);
		json_object_put(ph);
		return NULL;
	}
	snprintf(marker, sizeof(marker), "vigil-atomic:%s:%zu", runid, idx);
	if (r && r->nphases)
		last = &r->phases[r->nphases - 1];
	if (why && why[0]) {
		snprintf(reason, sizeof(reason), "%s", why);
	} else if (r && r->error[0]) {
		snprintf(reason, sizeof(reason), "%s", r->error);
	} else if (r && !cmd && last && strncmp(last->phase, "prereq", 6) == 0) {
		char line[201];

		first_line(line, sizeof(line), last->head);
		snprintf(reason, sizeof(reason), "prerequisite not met: %s",
			 line[0] ? line
				 : (last->timed_out ? "timed out" : "prereq_command failed"));
	} else if (r && !cmd) {
		snprintf(reason, sizeof(reason), "sandbox: the root ended before the command%s",
			 r->killed ? " (killed at the overall timeout)" : "");
	}
	/* A command that calls a program this machine lacks did not do what
	 * it says, even when a later line makes its shell exit 0 (T1049-6
	 * runs `sockstat -4`, then `sockstat -6 || true`). Nor did one whose
	 * systemctl or systemd-run found no systemd to ask (T1569.003-5 runs
	 * `systemd-run ...`, then `systemctl status ... || echo`). */
	ok = ran && cmd->exit == 0 && cmd->sig == 0 && !cmd->timed_out && !cmd->not_found[0] &&
	     !cmd->no_systemd;
	json_object_object_add(o, "index", json_object_new_int64((int64_t)idx));
	json_object_object_add(o, "technique", json_object_new_string(t->technique));
	json_object_object_add(o, "number", json_object_new_int(t->number));
	json_object_object_add(o, "name", text("", t->name, strlen(t->name)));
	json_object_object_add(o, "guid", text("", t->guid, strlen(t->guid)));
	json_object_object_add(o, "executor", text("", t->executor, strlen(t->executor)));
	json_object_object_add(o, "ran", json_object_new_boolean(ran));
	json_object_object_add(o, "skip_reason", ran ? NULL : text("", reason, strlen(reason)));
	json_object_object_add(o, "root_marker",
			       r && r->root_pid ? json_object_new_string(marker) : NULL);
	json_object_object_add(o, "root_pid",
			       r && r->root_pid ? json_object_new_int64(r->root_pid) : NULL);
	for (size_t i = 0; r && i < r->nphases; i++) {
		const struct sandbox_phase *p = &r->phases[i];
		struct json_object *e = json_object_new_object();

		json_object_object_add(e, "phase", json_object_new_string(p->phase));
		json_object_object_add(e, "exit", json_object_new_int(p->exit));
		json_object_object_add(e, "signal", json_object_new_int(p->sig));
		json_object_object_add(e, "timed_out", json_object_new_boolean(p->timed_out));
		json_object_object_add(e, "ms", json_object_new_int64(p->ms));
		json_object_array_add(ph, e);
	}
	json_object_object_add(o, "phases", ph);
	json_object_object_add(o, "succeeded", json_object_new_boolean(ok));
	{
		struct json_object *nf = json_object_new_array();

		for (const char *q = cmd ? cmd->not_found : "", *name; *q;) {
			size_t nl = sandbox_nf_next(&q, &name);

			json_object_array_add(nf, text("", name, nl));
		}
		if (cmd && cmd->not_found_cut)
			json_object_array_add(nf, json_object_new_string("\xe2\x80\xa6"));
		json_object_object_add(o, "not_found", nf);
	}
	json_object_object_add(o, "no_systemd", json_object_new_boolean(cmd && cmd->no_systemd));
	if (cmd || last) {
		const struct sandbox_phase *p = cmd ? cmd : last;

		json_object_object_add(o, "output",
				       text(p->cut ? "\xe2\x80\xa6" : "", p->tail, p->tail_len));
	} else {
		json_object_object_add(o, "output", json_object_new_string(""));
	}
	json_object_object_add(o, "start", start ? json_object_new_string(start) : NULL);
	json_object_object_add(o, "end", end ? json_object_new_string(end) : NULL);
	{
		struct json_object *u = json_object_new_array();

		if (unknown && unknown[0])
			json_object_array_add(u, text("", unknown, strlen(unknown)));
		json_object_object_add(o, "unknown_inputs", u);
	}
	return o;
}

/* The commands of t substituted into spec (strings in *keep, freed by
 * the caller); unknown gets the first unknown #{x}. */
struct subst {
	char *command, *cleanup;
	char *pre[ATOMICS_MAX_DEPS], *get[ATOMICS_MAX_DEPS];
};

static void subst_free(struct subst *x)
{
	free(x->command);
	free(x->cleanup);
	for (size_t i = 0; i < ATOMICS_MAX_DEPS; i++) {
		free(x->pre[i]);
		free(x->get[i]);
	}
	memset(x, 0, sizeof(*x));
}

static int subst_one(const struct atomic_test *t, const char *cmd, char **out, char *unknown,
		     size_t ulen)
{
	char u[128];

	*out = atomics_substitute(t, cmd, u, sizeof(u));
	if (!*out)
		return -ENOMEM;
	if (u[0] && !unknown[0])
		snprintf(unknown, ulen, "%s", u);
	return 0;
}

static int build_spec(const struct atomic_test *t, const char *atomics_dir, struct subst *x,
		      struct sandbox_spec *sp, char *unknown, size_t ulen)
{
	int rc;

	unknown[0] = '\0';
	rc = subst_one(t, t->command, &x->command, unknown, ulen);
	if (!rc)
		rc = subst_one(t, t->cleanup, &x->cleanup, unknown, ulen);
	for (size_t i = 0; !rc && i < t->ndeps; i++) {
		rc = subst_one(t, t->deps[i].prereq, &x->pre[i], unknown, ulen);
		if (!rc)
			rc = subst_one(t, t->deps[i].get_prereq, &x->get[i], unknown, ulen);
	}
	if (rc)
		return rc;
	sp->shell = atomics_shell(t->executor);
	sp->dep_shell = atomics_shell(t->dep_executor[0] ? t->dep_executor : t->executor);
	sp->command = x->command;
	sp->cleanup = x->cleanup;
	sp->prereq = (const char *const *)x->pre;
	sp->get_prereq = (const char *const *)x->get;
	sp->ndeps = t->ndeps;
	sp->atomics_dir = atomics_dir;
	return sp->shell && sp->dep_shell ? 0 : -EINVAL;
}

static void progress(FILE *f, size_t i, size_t n, const struct atomic_test *t,
		     struct json_object *e)
{
	struct json_object *v, *ph;
	long long ms = 0;

	if (!f)
		return;
	json_object_object_get_ex(e, "phases", &ph);
	for (size_t k = 0; ph && k < json_object_array_length(ph); k++)
		if (json_object_object_get_ex(json_object_array_get_idx(ph, k), "ms", &v))
			ms += json_object_get_int64(v);
	fprintf(f, "[%zu/%zu] %s-%d ", i + 1, n, t->technique, t->number);
	if (json_object_object_get_ex(e, "ran", &v) && !json_object_get_boolean(v)) {
		json_object_object_get_ex(e, "skip_reason", &v);
		fprintf(f, "skipped: %s\n", json_object_get_string(v));
	} else if (json_object_object_get_ex(e, "succeeded", &v) && json_object_get_boolean(v)) {
		fprintf(f, "ok (%lld ms)\n", ms);
	} else {
		const struct json_object *c = NULL;

		for (size_t k = 0; ph && k < json_object_array_length(ph); k++) {
			struct json_object *p = json_object_array_get_idx(ph, k), *name;

			if (json_object_object_get_ex(p, "phase", &name) &&
			    strcmp(json_object_get_string(name), "command") == 0)
				c = p;
		}
		json_object_object_get_ex((struct json_object *)c, "timed_out", &v);
		if (c && json_object_get_boolean(v)) {
			fprintf(f, "command timed out (%lld ms)\n", ms);
		} else if (json_object_object_get_ex(e, "not_found", &v) &&
			   json_object_array_length(v) > 0) {
			fprintf(f, "command failed: %s: not found here (%lld ms)\n",
				json_object_get_string(json_object_array_get_idx(v, 0)), ms);
		} else if (json_object_object_get_ex(e, "no_systemd", &v) &&
			   json_object_get_boolean(v)) {
			fprintf(f, "command failed: no systemd as PID 1 here (%lld ms)\n", ms);
		} else {
			struct json_object *ex = NULL, *sig = NULL;

			json_object_object_get_ex((struct json_object *)c, "exit", &ex);
			json_object_object_get_ex((struct json_object *)c, "signal", &sig);
			fprintf(f, "command failed: exit %d, signal %d (%lld ms)\n",
				json_object_get_int(ex), json_object_get_int(sig), ms);
		}
	}
	fflush(f);
}

int atomics_run(const struct atomic_set *s, const bool *sel, const struct atomics_run_opts *o,
		const char *runid, struct json_object **manifest)
{
	struct json_object *m = json_object_new_object(), *tests = json_object_new_array();
	struct sandbox_result *r = malloc(sizeof(*r));
	char host[256] = "", ts[40];
	size_t n = 0, idx = 0;
	int rc = 0;

	if (!m || !tests || !r) {
		json_object_put(m);
		json_object_put(tests);
		free(r);
		return -ENOMEM;
	}
	gethostname(host, sizeof(host) - 1);
	atomics_now_iso(ts, sizeof(ts));
	json_object_object_add(m, "vigil_atomics_manifest", json_object_new_int(1));
	json_object_object_add(m, "runid", json_object_new_string(runid));
	json_object_object_add(m, "atomics_dir", json_object_new_string(o->atomics_dir));
	json_object_object_add(m, "host", json_object_new_string(host));
	json_object_object_add(m, "started", json_object_new_string(ts));
	json_object_object_add(m, "timeout_s", json_object_new_int64(o->timeout_s));
	json_object_object_add(m, "process_cap", json_object_new_string(sandbox_proc_cap()));
	for (size_t i = 0; i < s->n; i++)
		n += sel[i];
	for (size_t i = 0; i < s->n; i++) {
		const struct atomic_test *t = &s->tests[i];
		struct json_object *e;
		char start[40], end[40], unknown[128] = "";

		if (!sel[i])
			continue;
		atomics_now_iso(start, sizeof(start));
		if (t->reason != ATOMIC_RUNNABLE || rc) {
			e = atomics_manifest_test(
			    t, idx, runid, NULL, rc ? "not run: an earlier sandbox failed" : t->why,
			    "", NULL, NULL);
		} else {
			struct sandbox_spec sp = {0};
			struct subst x = {0};
			char marker[64];

			snprintf(marker, sizeof(marker), "vigil-atomic:%s:%zu", runid, idx);
			sp.root_marker = marker;
			sp.timeout_s = o->timeout_s;
			rc = build_spec(t, o->atomics_dir, &x, &sp, unknown, sizeof(unknown));
			if (rc == 0)
				rc = sandbox_run(&sp, r);
			subst_free(&x);
			atomics_now_iso(end, sizeof(end));
			e = atomics_manifest_test(t, idx, runid, rc ? NULL : r,
						  rc ? "sandbox: could not be started" : NULL,
						  unknown, start, end);
			if (rc == -EINVAL)
				rc = 0; /* that test only */
		}
		if (!e) {
			rc = -ENOMEM;
			break;
		}
		json_object_array_add(tests, e);
		progress(o->progress, idx, n, t, e);
		if (unknown[0] && o->progress)
			fprintf(o->progress, "    #{%s} names no input argument: left as is\n",
				unknown);
		idx++;
	}
	free(r);
	atomics_now_iso(ts, sizeof(ts));
	json_object_object_add(m, "finished", json_object_new_string(ts));
	json_object_object_add(m, "tests", tests);
	*manifest = m;
	return rc;
}

int atomics_wait_end(const char *runid, const char *events_path, off_t from, int wait_ms)
{
	char marker[64], *buf = NULL;
	struct timespec t0, t, hold = {ATOMICS_HOLD_MS / 1000, (ATOMICS_HOLD_MS % 1000) * 1000000L};
	size_t used = 0, cap = 1 << 20;
	int status, fd;
	pid_t pid;

	snprintf(marker, sizeof(marker), "vigil-atomic:%s:end", runid);
	/* Everything the tests did reached the sensor before this exec, but
	 * a held FileModify is written only when its window closes: let it
	 * close first, so the marker is written after it. */
	while (nanosleep(&hold, &hold) < 0 && errno == EINTR)
		;
	pid = fork();
	if (pid == 0) {
		static const char *const env[] = {"PATH=/usr/bin:/bin", NULL};
		char *const argv[] = {marker, NULL};

		execve("/bin/true", argv, (char *const *)env);
		execve("/usr/bin/true", argv, (char *const *)env);
		_exit(127);
	}
	if (pid < 0)
		return -errno;
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	fd = open(events_path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	buf = malloc(cap + 1);
	if (!buf) {
		close(fd);
		return -ENOMEM;
	}
	if (lseek(fd, from, SEEK_SET) < 0)
		lseek(fd, 0, SEEK_SET);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (;;) {
		ssize_t got = read(fd, buf + used, cap - used);
		long long el;

		if (got > 0) {
			char *nl;

			used += (size_t)got;
			buf[used] = '\0';
			/* Whole lines only: the marker is in a complete record. */
			while ((nl = memchr(buf, '\n', used)) != NULL) {
				*nl = '\0';
				if (strstr(buf, marker)) {
					free(buf);
					close(fd);
					return 0;
				}
				used -= (size_t)(nl + 1 - buf);
				memmove(buf, nl + 1, used);
			}
			if (used == cap)
				used = 0; /* a line over 1 MiB: not ours */
			continue;
		}
		clock_gettime(CLOCK_MONOTONIC, &t);
		el = (t.tv_sec - t0.tv_sec) * 1000LL + (t.tv_nsec - t0.tv_nsec) / 1000000;
		if (el >= wait_ms)
			break;
		usleep(50000);
	}
	free(buf);
	close(fd);
	return -ETIMEDOUT;
}
