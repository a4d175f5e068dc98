/*
 * atomics.c — loads an Atomic Red Team checkout: finds atomics/<T>/<T>.yaml,
 * parses each with the YAML tree reader the Sigma engine uses
 * (src/detect/sigma_yaml.c, which keeps line numbers and bounds depth and
 * node count), keeps the Linux tests and decides for each whether it can run
 * here (see atomics.h for the reasons, atomics_policy.c for the patterns).
 *
 * Each file's tree lives in its own arena, freed once the file's tests are
 * copied out, so memory is bounded by one file (ATOMICS_MAX_FILE) plus the
 * kept tests (ATOMICS_MAX_TESTS).
 */
#include "coverage/atomics.h"

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

void atomics_init(struct atomic_set *s)
{
	memset(s, 0, sizeof(*s));
}

void atomics_free(struct atomic_set *s)
{
	sg_arena_free(&s->arena);
	memset(s, 0, sizeof(*s));
}

const char *atomics_reason_name(enum atomic_reason r)
{
	static const char *const names[ATOMIC_NREASONS] = {"runnable", "manual", "executor",
							   "policy", "download"};

	return (unsigned)r < ATOMIC_NREASONS ? names[r] : "?";
}

bool atomics_technique_ok(const char *t)
{
	if (t[0] != 'T')
		return false;
	for (int i = 1; i <= 4; i++)
		if (!isdigit((unsigned char)t[i]))
			return false;
	if (t[5] == '\0')
		return true;
	if (t[5] != '.')
		return false;
	for (int i = 6; i <= 8; i++)
		if (!isdigit((unsigned char)t[i]))
			return false;
	return t[9] == '\0';
}

/* ---- reading one file ------------------------------------------------ */

/* The file's bytes, NUL-terminated, at most ATOMICS_MAX_FILE. */
static int read_file(const char *path, char **out, size_t *len, char *err, size_t errlen)
{
	struct stat st;
	char *buf;
	size_t got = 0;
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	if (fd < 0) {
		snprintf(err, errlen, "%s", strerror(errno));
		return -errno;
	}
	if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
		snprintf(err, errlen, "not a regular file");
		close(fd);
		return -EINVAL;
	}
	if (st.st_size > (off_t)ATOMICS_MAX_FILE) {
		snprintf(err, errlen, "%lld bytes, over the %u MiB limit", (long long)st.st_size,
			 ATOMICS_MAX_FILE >> 20);
		close(fd);
		return -EFBIG;
	}
	buf = malloc((size_t)st.st_size + 1);
	if (!buf) {
		close(fd);
		return -ENOMEM;
	}
	while (got < (size_t)st.st_size) {
		ssize_t r = read(fd, buf + got, (size_t)st.st_size - got);

		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0) {
			snprintf(err, errlen, "%s",
				 r < 0 ? strerror(errno) : "file shrank while read");
			free(buf);
			close(fd);
			return -EIO;
		}
		got += (size_t)r;
	}
	close(fd);
	buf[got] = '\0';
	*out = buf;
	*len = got;
	return 0;
}

/* A scalar's text with blanks trimmed at both ends, in the set's arena;
 * "" for null or absent. NULL on ENOMEM. */
static const char *keep_trimmed(struct atomic_set *s, const struct yn *v)
{
	const char *b, *e;

	if (!v || v->kind != YN_SCALAR || sg_yaml_is_null(v))
		return "";
	b = v->s;
	e = v->s + v->len;
	while (b < e && isspace((unsigned char)*b))
		b++;
	while (e > b && isspace((unsigned char)e[-1]))
		e--;
	return sg_strndup(&s->arena, b, (size_t)(e - b));
}

static bool is_linux(const struct yn *plat)
{
	if (!plat || plat->kind != YN_SEQ)
		return false;
	for (uint32_t i = 0; i < plat->n; i++) {
		const struct yn *p = plat->items[i];
		const char *b;
		size_t n;

		if (p->kind != YN_SCALAR)
			continue;
		b = p->s;
		n = p->len;
		while (n && isspace((unsigned char)*b))
			b++, n--;
		while (n && isspace((unsigned char)b[n - 1]))
			n--;
		if (n == 5 && strncasecmp(b, "linux", 5) == 0)
			return true;
	}
	return false;
}

static bool shell_executor(const char *name)
{
	return strcmp(name, "sh") == 0 || strcmp(name, "bash") == 0;
}

/* Appends n bytes of src to the growing *out; false on ENOMEM. */
static bool put(char **out, size_t *len, size_t *cap, const char *src, size_t n)
{
	if (*len + n + 1 > *cap) {
		size_t c = (*len + n + 1) * 2;
		char *nb = realloc(*out, c);

		if (!nb)
			return false;
		*out = nb;
		*cap = c;
	}
	memcpy(*out + *len, src, n);
	*len += n;
	(*out)[*len] = '\0';
	return true;
}

/* Appends text with PathToAtomicsFolder replaced by dir. Some tests write
 * it as the PowerShell variable $PathToAtomicsFolder, which
 * Invoke-AtomicRedTeam replaces whole: the '$' goes too. */
static bool put_folder(char **out, size_t *len, size_t *cap, const char *text, size_t n,
		       const char *dir)
{
	static const char folder[] = "PathToAtomicsFolder";
	const size_t fl = sizeof(folder) - 1;

	while (n) {
		if (n > fl && text[0] == '$' && memcmp(text + 1, folder, fl) == 0) {
			text++;
			n--;
		}
		if (n >= fl && memcmp(text, folder, fl) == 0) {
			if (!put(out, len, cap, dir, strlen(dir)))
				return false;
			text += fl;
			n -= fl;
			continue;
		}
		if (!put(out, len, cap, text, 1))
			return false;
		text++;
		n--;
	}
	return true;
}

char *atomics_substitute(const struct atomic_test *t, const char *cmd, char *unknown,
			 size_t unknown_len)
{
	const char *dir = t->atomics_dir ? t->atomics_dir : "PathToAtomicsFolder";
	size_t cap = strlen(cmd) + 1, len = 0;
	char *out = malloc(cap);

	if (!out)
		return NULL;
	out[0] = '\0';
	if (unknown && unknown_len)
		unknown[0] = '\0';
	for (const char *p = cmd; *p;) {
		const char *close = p[0] == '#' && p[1] == '{' ? strchr(p + 2, '}') : NULL;
		const char *lit = p + strcspn(p, "#");
		bool done = false;

		if (lit > p) {
			/* Text up to the next '#', with the folder replaced. */
			if (!put_folder(&out, &len, &cap, p, (size_t)(lit - p), dir))
				goto nomem;
			p = lit;
			continue;
		}
		for (size_t i = 0; close && i < t->nargs && !done; i++) {
			size_t nl = (size_t)(close - p - 2);

			if (strlen(t->args[i].name) != nl ||
			    strncmp(t->args[i].name, p + 2, nl) != 0)
				continue;
			if (!put_folder(&out, &len, &cap, t->args[i].def, strlen(t->args[i].def),
					dir))
				goto nomem;
			p = close + 1;
			done = true;
		}
		if (done)
			continue;
		if (close && unknown && unknown_len && !unknown[0]) {
			size_t nl = (size_t)(close - p - 2);

			if (nl >= unknown_len)
				nl = unknown_len - 1;
			memcpy(unknown, p + 2, nl);
			unknown[nl] = '\0';
		}
		if (!put(&out, &len, &cap, p, 1))
			goto nomem;
		p++;
	}
	return out;
nomem:
	free(out);
	return NULL;
}

/* Sets t->reason and t->why from the first check that refuses it. */
static int classify(struct atomic_set *s, struct atomic_test *t)
{
	/* Every command the test would run, with where it sits. */
	struct {
		const char *where, *text;
		bool prereq;
	} cmds[2 + 2 * ATOMICS_MAX_DEPS];
	size_t ncmds = 0;
	char why[512] = "";

	t->reason = ATOMIC_RUNNABLE;
	if (strcmp(t->executor, "manual") == 0) {
		t->reason = ATOMIC_MANUAL;
		snprintf(why, sizeof(why), "manual: steps for a person, no command");
		goto done;
	}
	if (!shell_executor(t->executor)) {
		t->reason = ATOMIC_EXECUTOR;
		snprintf(why, sizeof(why), "executor: %s is not sh or bash", t->executor);
		goto done;
	}
	if (t->ndeps && t->dep_executor[0] && !shell_executor(t->dep_executor)) {
		t->reason = ATOMIC_EXECUTOR;
		snprintf(why, sizeof(why),
			 "executor: dependency_executor_name %.64s is not sh or bash",
			 t->dep_executor);
		goto done;
	}
	cmds[ncmds++] = (typeof(cmds[0])){"command", t->command, false};
	cmds[ncmds++] = (typeof(cmds[0])){"cleanup_command", t->cleanup, false};
	/* get_prereq_command first: it is the one that fetches, so it is the
	 * one named when both match. */
	for (size_t i = 0; i < t->ndeps; i++) {
		cmds[ncmds++] =
		    (typeof(cmds[0])){"get_prereq_command", t->deps[i].get_prereq, true};
		cmds[ncmds++] = (typeof(cmds[0])){"prereq_command", t->deps[i].prereq, true};
	}
	for (int pass = 0; pass < 2 && t->reason == ATOMIC_RUNNABLE; pass++)
		for (size_t i = 0; i < ncmds && t->reason == ATOMIC_RUNNABLE; i++) {
			const char *cls, *pat = NULL;
			char *c;

			if (!cmds[i].text[0] || (pass == 1 && !cmds[i].prereq))
				continue;
			c = atomics_substitute(t, cmds[i].text, NULL, 0);
			if (!c)
				return -ENOMEM;
			if (pass == 0 && (cls = atomics_policy_check(c, &pat)) != NULL) {
				t->reason = ATOMIC_POLICY;
				snprintf(why, sizeof(why), "policy: %s: '%s' in %s", cls, pat,
					 cmds[i].where);
			} else if (pass == 1 && (pat = atomics_download_check(c)) != NULL) {
				t->reason = ATOMIC_DOWNLOAD;
				snprintf(why, sizeof(why), "download: '%s' in %s", pat,
					 cmds[i].where);
			}
			free(c);
		}
done:
	t->why = sg_strdup(&s->arena, why);
	return t->why ? 0 : -ENOMEM;
}

/* The scalar key of m as it is in the file (not trimmed: a command keeps
 * its layout), "" when absent or null; NULL on ENOMEM. */
static const char *keep_raw(struct atomic_set *s, const struct yn *m, const char *key)
{
	const struct yn *v = m ? sg_yaml_get(m, key) : NULL;

	if (!v || v->kind != YN_SCALAR || sg_yaml_is_null(v))
		return "";
	return sg_strndup(&s->arena, v->s, v->len);
}

/* The commands, dependency executor and dependencies of test into t. */
static int add_commands(struct atomic_set *s, struct atomic_test *t, const struct yn *test,
			const struct yn *exec, const char *atomics_dir)
{
	const struct yn *deps = sg_yaml_get(test, "dependencies");

	t->command = keep_raw(s, exec, "command");
	t->cleanup = keep_raw(s, exec, "cleanup_command");
	t->dep_executor = keep_trimmed(s, sg_yaml_get(test, "dependency_executor_name"));
	t->atomics_dir = sg_strdup(&s->arena, atomics_dir ? atomics_dir : "");
	if (!t->command || !t->cleanup || !t->dep_executor || !t->atomics_dir)
		return -ENOMEM;
	if (!deps || deps->kind != YN_SEQ || deps->n == 0)
		return 0;
	t->deps = sg_alloc(&s->arena, (deps->n < ATOMICS_MAX_DEPS ? deps->n : ATOMICS_MAX_DEPS) *
					  sizeof(*t->deps));
	if (!t->deps)
		return -ENOMEM;
	for (uint32_t i = 0; i < deps->n && i < ATOMICS_MAX_DEPS; i++) {
		const struct yn *d = deps->items[i];
		struct atomic_dep *o = &t->deps[t->ndeps++];

		if (d->kind != YN_MAP) {
			o->description = o->prereq = o->get_prereq = "";
			continue;
		}
		o->description = keep_trimmed(s, sg_yaml_get(d, "description"));
		o->prereq = keep_raw(s, d, "prereq_command");
		o->get_prereq = keep_raw(s, d, "get_prereq_command");
		if (!o->description || !o->prereq || !o->get_prereq)
			return -ENOMEM;
	}
	return 0;
}

static void bad(FILE *err, const char *path, int line, const char *msg)
{
	if (err)
		fprintf(err, "%s:%d: %s\n", path, line, msg);
}

static int add_args(struct atomic_set *s, struct atomic_test *t, const struct yn *args)
{
	if (!args || args->kind != YN_MAP || args->n == 0)
		return 0;
	t->args = sg_alloc(&s->arena, args->n * sizeof(*t->args));
	if (!t->args)
		return -ENOMEM;
	for (uint32_t i = 0; i < args->n; i++) {
		const struct yn *k = args->items[2 * i], *v = args->items[2 * i + 1];

		if (k->kind != YN_SCALAR)
			continue;
		t->args[t->nargs].name = sg_strdup(&s->arena, k->s);
		t->args[t->nargs].def = keep_trimmed(s, sg_yaml_get(v, "default"));
		if (!t->args[t->nargs].name || !t->args[t->nargs].def)
			return -ENOMEM;
		t->nargs++;
	}
	return 0;
}

/* One entry of atomic_tests; returns 0, -EINVAL after a message, -ENOMEM. */
static int load_test(struct atomic_set *s, const struct yn *test, int number, const char *path,
		     const char *technique, const char *atomics_dir, FILE *err)
{
	const struct yn *exec, *el;
	struct atomic_test *t;
	int rc;

	if (test->kind != YN_MAP) {
		bad(err, path, test->line, "an atomic test is not a mapping");
		return -EINVAL;
	}
	if (!is_linux(sg_yaml_get(test, "supported_platforms"))) {
		s->other_platform++;
		return 0;
	}
	exec = sg_yaml_get(test, "executor");
	if (!exec || exec->kind != YN_MAP || !sg_yaml_scalar(exec, "name")) {
		bad(err, path, exec ? exec->line : test->line, "test has no executor with a name");
		return -EINVAL;
	}
	if (s->n >= ATOMICS_MAX_TESTS) {
		bad(err, path, test->line, "too many tests (limit 100000)");
		return -EINVAL;
	}
	if (s->n == s->cap) {
		size_t cap = s->cap ? s->cap * 2 : 256;
		struct atomic_test *n = sg_alloc(&s->arena, cap * sizeof(*n));

		if (!n)
			return -ENOMEM;
		if (s->n)
			memcpy(n, s->tests, s->n * sizeof(*n));
		s->tests = n;
		s->cap = cap;
	}
	t = &s->tests[s->n];
	memset(t, 0, sizeof(*t));
	t->technique = sg_strdup(&s->arena, technique);
	t->file = sg_strdup(&s->arena, path);
	t->number = number;
	t->line = test->line;
	t->name = keep_trimmed(s, sg_yaml_get(test, "name"));
	t->guid = keep_trimmed(s, sg_yaml_get(test, "auto_generated_guid"));
	t->executor = keep_trimmed(s, sg_yaml_get(exec, "name"));
	if (!t->technique || !t->file || !t->name || !t->guid || !t->executor)
		return -ENOMEM;
	el = sg_yaml_get(exec, "elevation_required");
	if (el && !sg_yaml_is_null(el) && !sg_yaml_bool(el, &t->elevation_required)) {
		bad(err, path, el->line, "elevation_required is not true or false");
		return -EINVAL;
	}
	rc = add_args(s, t, sg_yaml_get(test, "input_arguments"));
	if (rc == 0)
		rc = add_commands(s, t, test, exec, atomics_dir);
	if (rc == 0)
		rc = classify(s, t);
	if (rc)
		return rc;
	s->by_reason[t->reason]++;
	s->n++;
	return 0;
}

int atomics_load_file(struct atomic_set *s, const char *path, const char *technique,
		      const char *atomics_dir, FILE *err)
{
	struct sg_arena tree = {0};
	struct yn **docs;
	const struct yn *tests;
	size_t ndocs, n0 = s->n, by0[ATOMIC_NREASONS], other0 = s->other_platform;
	char msg[256], *buf = NULL;
	size_t len = 0;
	int line = 0, rc;

	memcpy(by0, s->by_reason, sizeof(by0));
	s->files++;
	rc = read_file(path, &buf, &len, msg, sizeof(msg));
	if (rc == -ENOMEM)
		return rc;
	if (rc) {
		bad(err, path, 0, msg);
		s->bad_files++;
		return -EINVAL;
	}
	rc = sg_yaml_parse(&tree, buf, len, &docs, &ndocs, msg, sizeof(msg), &line);
	free(buf);
	if (rc == 0 && (ndocs != 1 || docs[0]->kind != YN_MAP)) {
		snprintf(msg, sizeof(msg), "not one YAML mapping");
		line = ndocs ? docs[0]->line : 1;
		rc = -EINVAL;
	}
	if (rc == 0) {
		tests = sg_yaml_get(docs[0], "atomic_tests");
		if (!tests || tests->kind != YN_SEQ) {
			snprintf(msg, sizeof(msg), "no atomic_tests list");
			line = tests ? tests->line : docs[0]->line;
			rc = -EINVAL;
		}
	}
	if (rc == -EINVAL)
		bad(err, path, line, msg);
	for (uint32_t i = 0; rc == 0 && i < tests->n; i++)
		rc = load_test(s, tests->items[i], (int)i + 1, path, technique, atomics_dir, err);
	sg_arena_free(&tree);
	if (rc) {
		/* A bad file adds no test: drop what it added before the error. */
		s->n = n0;
		memcpy(s->by_reason, by0, sizeof(by0));
		s->other_platform = other0;
		if (rc == -EINVAL)
			s->bad_files++;
	}
	return rc;
}

/* ---- the checkout ---------------------------------------------------- */

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* dir/T/T.yaml into path; -ENAMETOOLONG when it does not fit. */
static int tech_file(char *path, size_t size, const char *dir, const char *t)
{
	int n = snprintf(path, size, "%s/%s/%s.yaml", dir, t, t);

	return n < 0 || (size_t)n >= size ? -ENAMETOOLONG : 0;
}

/* The technique folder names of dir that hold <T>/<T>.yaml, sorted. */
static int list_techniques(const char *dir, char ***out, size_t *nout)
{
	DIR *d = opendir(dir);
	struct dirent *de;
	char **v = NULL;
	size_t n = 0, cap = 0;

	if (!d)
		return -errno;
	while ((de = readdir(d)) != NULL) {
		char path[4096];
		struct stat st;

		if (!atomics_technique_ok(de->d_name))
			continue;
		if (tech_file(path, sizeof(path), dir, de->d_name) != 0 || stat(path, &st) != 0)
			continue;
		if (n == cap) {
			char **nv;

			cap = cap ? cap * 2 : 128;
			nv = realloc(v, cap * sizeof(*v));
			if (!nv)
				goto nomem;
			v = nv;
		}
		v[n] = strdup(de->d_name);
		if (!v[n])
			goto nomem;
		n++;
	}
	closedir(d);
	qsort(v, n, sizeof(*v), cmp_str);
	*out = v;
	*nout = n;
	return 0;
nomem:
	closedir(d);
	for (size_t i = 0; i < n; i++)
		free(v[i]);
	free(v);
	return -ENOMEM;
}

int atomics_load_dir(struct atomic_set *s, const char *dir, const char *const *tech, size_t ntech,
		     FILE *err)
{
	char adir[4096], path[4096 + 32];
	char **names = NULL;
	size_t n = 0;
	struct stat st;
	int rc = 0;

	if (stat(dir, &st) != 0) {
		if (err)
			fprintf(err, "%s: %s\n", dir, strerror(errno));
		return -ENOENT;
	}
	if (!S_ISDIR(st.st_mode)) {
		if (err)
			fprintf(err, "%s: not a directory\n", dir);
		return -ENOENT;
	}
	/* The checkout's root, or its atomics/ folder itself. */
	if (strlen(dir) + sizeof("/atomics") > sizeof(adir)) {
		if (err)
			fprintf(err, "%.64s...: path too long\n", dir);
		return -ENOENT;
	}
	snprintf(adir, sizeof(adir), "%s/atomics", dir);
	if (stat(adir, &st) != 0 || !S_ISDIR(st.st_mode))
		snprintf(adir, sizeof(adir), "%s", dir);
	for (size_t i = 0; i < ntech; i++)
		if (!atomics_technique_ok(tech[i])) {
			if (err)
				fprintf(err, "%s: not a technique ID (TNNNN or TNNNN.NNN)\n",
					tech[i]);
			return -EINVAL;
		}
	if (ntech) {
		names = calloc(ntech, sizeof(*names));
		if (!names)
			return -ENOMEM;
		for (size_t i = 0; i < ntech; i++) {
			bool dup = false;

			for (size_t j = 0; j < n; j++)
				dup |= strcmp(names[j], tech[i]) == 0;
			if (dup)
				continue;
			names[n] = strdup(tech[i]);
			if (!names[n]) {
				rc = -ENOMEM;
				goto out;
			}
			n++;
			if (tech_file(path, sizeof(path), adir, tech[i]) != 0 ||
			    stat(path, &st) != 0) {
				if (err)
					fprintf(err, "%s: %s\n", path, strerror(errno));
				rc = -ENOENT;
				goto out;
			}
		}
		qsort(names, n, sizeof(*names), cmp_str);
	} else {
		rc = list_techniques(adir, &names, &n);
		if (rc) {
			if (err && rc != -ENOMEM)
				fprintf(err, "%s: %s\n", adir, strerror(-rc));
			return rc == -ENOMEM ? rc : -ENOENT;
		}
	}
	for (size_t i = 0; i < n && rc != -ENOMEM; i++) {
		if (tech_file(path, sizeof(path), adir, names[i]) != 0)
			continue; /* cannot happen: list_techniques() built it */
		rc = atomics_load_file(s, path, names[i], adir, err);
		if (rc == -EINVAL)
			rc = 0; /* counted in bad_files; the others still load */
	}
out:
	for (size_t i = 0; i < n; i++)
		free(names[i]);
	free(names);
	return rc;
}
