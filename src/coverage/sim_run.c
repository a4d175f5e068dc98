/*
 * sim_run.c — runs one simulation in a child process and checks a sensor's
 * JSONL output for the events it should have caused.
 *
 * Isolation: every simulation runs in its own forked child with a fresh
 * mkdtemp directory as cwd, so its pid identifies its events (commands it
 * runs have it as ParentProcessId) and a crash or hang cannot take the runner
 * down: the child is killed after the timeout. The runner removes the
 * temporary directory afterwards even if the simulation did not clean up.
 *
 * Matching: predicates compare the JSON value's text (numbers as decimal) to
 * the expanded template, case-sensitively (paths and pids are exact).
 */
#include "coverage/sim.h"
#include "common/json.h"

#include "common/duration.h"

#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <json-c/json.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

/* Prepares r for def with fixed context values. */
void sim_result__init(struct sim_result *r, const struct sim_def *def, pid_t pid, pid_t aux,
		      int port, const char *tmp)
{
	memset(r, 0, sizeof(*r));
	r->def = def;
	r->ctx.pid = pid;
	r->ctx.aux = aux;
	r->ctx.port = port;
	snprintf(r->ctx.tmp, sizeof(r->ctx.tmp), "%s", tmp ? tmp : "");
	while (r->nexpect < SIM_MAX_EXPECT && def->expect[r->nexpect].event_id)
		r->nexpect++;
}

/* Expands ${PID} ${AUX} ${TMP} ${PORT} in tmpl. */
int sim_expand(const struct sim_result *r, const char *tmpl, char *out, size_t len)
{
	size_t o = 0;

	while (*tmpl) {
		char num[32];
		const char *sub = NULL;
		size_t skip = 0;

		if (strncmp(tmpl, "${PID}", 6) == 0) {
			snprintf(num, sizeof(num), "%d", (int)r->ctx.pid);
			sub = num;
			skip = 6;
		} else if (strncmp(tmpl, "${AUX}", 6) == 0) {
			snprintf(num, sizeof(num), "%d", (int)r->ctx.aux);
			sub = num;
			skip = 6;
		} else if (strncmp(tmpl, "${PORT}", 7) == 0) {
			snprintf(num, sizeof(num), "%d", r->ctx.port);
			sub = num;
			skip = 7;
		} else if (strncmp(tmpl, "${TMP}", 6) == 0) {
			sub = r->ctx.tmp;
			skip = 6;
		}
		if (sub) {
			size_t sl = strlen(sub);

			if (o + sl >= len)
				return -ENAMETOOLONG;
			memcpy(out + o, sub, sl);
			o += sl;
			tmpl += skip;
		} else {
			if (o + 1 >= len)
				return -ENAMETOOLONG;
			out[o++] = *tmpl++;
		}
	}
	out[o] = '\0';
	return 0;
}

static bool pred_ok(const struct sim_result *r, struct json_object *ev, const struct sim_pred *p)
{
	struct json_object *v;
	char want[512];
	const char *have;
	size_t hl, wl;

	if (!json_object_object_get_ex(ev, p->field, &v) ||
	    sim_expand(r, p->value, want, sizeof(want)))
		return false;
	have = json_object_get_string(v);
	if (!have)
		return false;
	hl = strlen(have);
	wl = strlen(want);
	switch (p->op) {
	case SIM_EQ:
		return strcmp(have, want) == 0;
	case SIM_STARTS:
		return hl >= wl && memcmp(have, want, wl) == 0;
	case SIM_ENDS:
		return hl >= wl && memcmp(have + hl - wl, want, wl) == 0;
	case SIM_CONTAINS:
		return strstr(have, want) != NULL;
	}
	return false;
}

/* Matches one event line against all unmet expectations. */
int sim_match_line(struct sim_result *rs, size_t n, const char *line, size_t len)
{
	struct json_tokener *tok = json_tokener_new();
	struct json_object *ev, *id;
	int met = 0;
	long eid;

	if (!tok)
		return -ENOMEM;
	ev = json_tokener_parse_ex(tok, line, (int)(len > 0x7fffffff ? 0x7fffffff : len));
	json_tokener_free(tok);
	if (!ev || !json_object_is_type(ev, json_type_object)) {
		json_object_put(ev);
		return -EINVAL;
	}
	if (!json_object_object_get_ex(ev, "EventID", &id)) {
		json_object_put(ev);
		return 0;
	}
	eid = json_object_get_int64(id);
	for (size_t i = 0; i < n; i++) {
		struct sim_result *r = &rs[i];

		if (r->run != SIM_RAN)
			continue;
		for (unsigned e = 0; e < r->nexpect; e++) {
			const struct sim_expect *x = &r->def->expect[e];
			bool ok = !r->seen[e] && (long)x->event_id == eid;

			for (unsigned p = 0; ok && p < SIM_MAX_PRED && x->pred[p].field; p++)
				ok = pred_ok(r, ev, &x->pred[p]);
			if (ok) {
				r->seen[e] = true;
				met++;
			}
		}
	}
	json_object_put(ev);
	return met;
}

static bool all_met(const struct sim_result *rs, size_t n)
{
	for (size_t i = 0; i < n; i++)
		for (unsigned e = 0; rs[i].run == SIM_RAN && e < rs[i].nexpect; e++)
			if (!rs[i].seen[e])
				return false;
	return true;
}

static long long now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * (long long)MSEC_PER_SEC + ts.tv_nsec / (long)NSEC_PER_MSEC;
}

#define SIM_LINE_MAX (1 << 20)

/* Reads new lines from path, polling until all met or wait_ms passes. */
int sim_check_file(const char *path, off_t from, struct sim_result *rs, size_t n, int wait_ms)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	long long deadline = now_ms() + wait_ms;
	char *buf;
	size_t used = 0;

	if (fd < 0)
		return -errno;
	buf = malloc(SIM_LINE_MAX);
	if (!buf) {
		close(fd);
		return -ENOMEM;
	}
	if (lseek(fd, from, SEEK_SET) < 0)
		lseek(fd, 0, SEEK_SET);
	for (size_t i = 0; i < n; i++)
		rs[i].checked = rs[i].run == SIM_RAN;
	for (;;) {
		ssize_t got = read(fd, buf + used, SIM_LINE_MAX - used);

		if (got > 0) {
			char *start = buf, *nl;

			used += (size_t)got;
			while ((nl = memchr(start, '\n', used - (size_t)(start - buf)))) {
				sim_match_line(rs, n, start, (size_t)(nl - start));
				start = nl + 1;
			}
			used -= (size_t)(start - buf);
			memmove(buf, start, used);
			/* A line longer than the buffer is no event we want: drop it. */
			if (used == SIM_LINE_MAX)
				used = 0;
			continue;
		}
		if (all_met(rs, n) || now_ms() >= deadline)
			break;
		usleep(100 * 1000);
	}
	free(buf);
	close(fd);
	return 0;
}

static int rm_one(const char *p, const struct stat *sb, int flag, struct FTW *ftw)
{
	if (flag == FTW_DP || flag == FTW_D)
		rmdir(p);
	else
		unlink(p);
	return 0;
}

/* Runs def in a child; see sim.h. */
int sim_run(const struct sim_def *def, const char *tmpbase, int timeout_s, struct sim_result *r)
{
	struct sim_ctx *ctx;
	char tmpl[200];
	long long deadline;
	pid_t pid;
	int st = 0;

	sim_result__init(r, def, 0, 0, 0, NULL);
	if ((size_t)snprintf(tmpl, sizeof(tmpl), "%s/vigil-sim-XXXXXX", tmpbase) >= sizeof(tmpl))
		return -ENAMETOOLONG;
	if (!mkdtemp(tmpl))
		return -errno;
	ctx = mmap(NULL, sizeof(*ctx), PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (ctx == MAP_FAILED) {
		rmdir(tmpl);
		return -errno;
	}
	memset(ctx, 0, sizeof(*ctx));
	snprintf(ctx->tmp, sizeof(ctx->tmp), "%s", tmpl);
	fflush(NULL);
	pid = fork();
	if (pid < 0) {
		int e = errno;

		munmap(ctx, sizeof(*ctx));
		rmdir(tmpl);
		return -e;
	}
	if (pid == 0) {
		int rc;

		ctx->pid = getpid();
		if (chdir(ctx->tmp) != 0)
			_exit(70);
		rc = def->run ? def->run(ctx) : sim_exec(ctx, def->argv);
		_exit(rc == 0 ? 0 : rc == SIM_SKIP ? SIM_SKIP : 1);
	}
	ctx->pid = pid;
	deadline = now_ms() + (long long)timeout_s * (long long)MSEC_PER_SEC;
	for (;;) {
		pid_t w = waitpid(pid, &st, WNOHANG);

		if (w == pid)
			break;
		if (w < 0 && errno != EINTR) {
			st = 0;
			break;
		}
		if (now_ms() >= deadline) {
			snprintf(ctx->note, sizeof(ctx->note), "timed out after %d s", timeout_s);
			kill(pid, SIGKILL);
			waitpid(pid, &st, 0);
			break;
		}
		usleep(20 * 1000);
	}
	r->ctx = *ctx;
	r->ctx.pid = pid;
	munmap(ctx, sizeof(*ctx));
	nftw(tmpl, rm_one, 16, FTW_DEPTH | FTW_PHYS | FTW_MOUNT);
	r->exit_code = WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
	if (r->exit_code == SIM_SKIP)
		r->run = SIM_SKIPPED;
	else if (r->exit_code != 0)
		r->run = SIM_ERROR;
	else
		r->run = SIM_RAN;
	return 0;
}

/* Status name of one result. */
const char *sim_status(const struct sim_result *r)
{
	unsigned seen = 0;

	if (r->run == SIM_SKIPPED)
		return "skipped";
	if (r->run == SIM_ERROR)
		return "error";
	if (!r->checked)
		return "not_checked";
	for (unsigned e = 0; e < r->nexpect; e++)
		seen += r->seen[e];
	if (seen == r->nexpect)
		return "passed";
	return seen ? "partial" : "failed";
}

static void jstr(struct strbuf *sb, const char *s)
{
	json__add_str(sb, s, strlen(s));
}

/* Writes the results JSON. */
void sim_results_json(const struct sim_result *rs, size_t n, const char *sensor_output,
		      struct strbuf *sb)
{
	strbuf__adds(sb, "{\"version\":1,\"sensor_output\":");
	jstr(sb, sensor_output ? sensor_output : "");
	strbuf__adds(sb, ",\"results\":[");
	for (size_t i = 0; i < n; i++) {
		const struct sim_result *r = &rs[i];

		strbuf__adds(sb, i ? ",\n{\"id\":" : "\n{\"id\":");
		jstr(sb, r->def->id);
		strbuf__adds(sb, ",\"technique\":");
		jstr(sb, r->def->technique);
		strbuf__adds(sb, ",\"name\":");
		jstr(sb, r->def->name);
		strbuf__adds(sb, ",\"status\":");
		jstr(sb, sim_status(r));
		strbuf__addf(sb, ",\"pid\":%d,\"exit\":%d,\"tmp\":", (int)r->ctx.pid, r->exit_code);
		jstr(sb, r->ctx.tmp);
		strbuf__adds(sb, ",\"note\":");
		jstr(sb, r->ctx.note);
		strbuf__adds(sb, ",\"expected\":[");
		for (unsigned e = 0; e < r->nexpect; e++) {
			const struct sim_expect *x = &r->def->expect[e];
			struct strbuf w;

			strbuf__init(&w, 1 << 16);
			for (unsigned p = 0; p < SIM_MAX_PRED && x->pred[p].field; p++) {
				static const char *const ops[] = {"is", "begin with", "end with",
								  "contains"};
				char v[512];

				if (sim_expand(r, x->pred[p].value, v, sizeof(v)))
					snprintf(v, sizeof(v), "%s", x->pred[p].value);
				strbuf__addf(&w, "%s%s %s %s", p ? " and " : "", x->pred[p].field,
					     ops[x->pred[p].op], v);
			}
			strbuf__addf(sb, "%s{\"EventID\":%u,\"what\":", e ? "," : "", x->event_id);
			jstr(sb, x->what);
			strbuf__adds(sb, ",\"match\":");
			jstr(sb, w.len ? w.buf : "");
			strbuf__addf(sb, ",\"seen\":%s}", r->seen[e] ? "true" : "false");
			strbuf__free(&w);
		}
		strbuf__adds(sb, "]}");
	}
	strbuf__adds(sb, "\n]}\n");
}
