/*
 * test_atomics_run.c — the parts of `vigil atomics run` that need no
 * sandbox: input argument substitution, what the loader keeps for running
 * (commands, dependencies, executors), test selection, the MANIFEST entry
 * built from a sandbox's result, the policy's runner-era additions, the
 * manifest file and the end-marker scan. The sandbox itself is tested as
 * root in tests/e2e/atomics_run.bats. Tests run from the repository root.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "coverage/atomics_run.h"
#include "coverage/atomics_score.h"

#define SBX "tests/fixtures/atomics-sandbox"

static const struct atomic_test *find(const struct atomic_set *s, const char *t, int number)
{
	for (size_t i = 0; i < s->n; i++)
		if (strcmp(s->tests[i].technique, t) == 0 && s->tests[i].number == number)
			return &s->tests[i];
	return NULL;
}

static void test_substitute(void **state)
{
	struct atomic_arg args[] = {{"file", "/tmp/x y"},
				    {"script", "PathToAtomicsFolder/T1/src/a.sh"},
				    {"loop", "#{file}"}};
	struct atomic_test t = {.args = args, .nargs = 3, .atomics_dir = "/opt/art/atomics"};
	char unknown[32];
	char *s;

	(void)state;
	s = atomics_substitute(&t, "cat #{file} && sh #{script} # c #{", unknown, sizeof(unknown));
	assert_string_equal(s, "cat /tmp/x y && sh /opt/art/atomics/T1/src/a.sh # c #{");
	assert_string_equal(unknown, "");
	free(s);
	/* One pass: a default's own #{x} stays; unknown names reported. */
	s = atomics_substitute(&t, "#{loop} #{nope} #{other} PathToAtomicsFolder", unknown,
			       sizeof(unknown));
	assert_string_equal(s, "#{file} #{nope} #{other} /opt/art/atomics");
	assert_string_equal(unknown, "nope");
	free(s);
	/* The PowerShell-variable spelling loses its '$' too; a lone '$'
	 * stays. */
	s = atomics_substitute(&t, "cp \"$PathToAtomicsFolder/T1/x\" $ $HOME", NULL, 0);
	assert_string_equal(s, "cp \"/opt/art/atomics/T1/x\" $ $HOME");
	free(s);
	s = atomics_substitute(&t, "", NULL, 0);
	assert_string_equal(s, "");
	free(s);
}

static void test_dependencies(void **state)
{
	struct atomic_set s;
	const struct atomic_test *t;

	(void)state;
	atomics_init(&s);
	assert_int_equal(atomics_load_dir(&s, SBX, NULL, 0, stderr), 0);
	t = find(&s, "T9904", 1);
	assert_non_null(t);
	assert_string_equal(t->executor, "sh");
	assert_string_equal(t->dep_executor, "bash");
	assert_int_equal(t->ndeps, 1);
	assert_string_equal(t->deps[0].description, "the tool must exist");
	assert_string_equal(t->deps[0].prereq, "test -x #{tool}\n");
	assert_non_null(strstr(t->deps[0].get_prereq, "mkdir -p $(dirname #{tool});"));
	assert_string_equal(t->command, "#{tool}\n");
	assert_string_equal(t->cleanup, "");
	t = find(&s, "T9902", 3);
	assert_non_null(t);
	assert_int_equal(t->ndeps, 0);
	assert_string_equal(t->dep_executor, "");
	assert_string_equal(t->cleanup, "echo cleanup after timeout");
	t = find(&s, "T9901", 1);
	assert_non_null(t);
	/* PathToAtomicsFolder is the atomics/ folder of the checkout. */
	assert_string_equal(t->atomics_dir, SBX "/atomics");
	atomics_free(&s);
}

static void test_selection(void **state)
{
	struct atomic_test t = {.technique = "T1003.008", .number = 2};
	const char *a[] = {"T1003.008"}, *b[] = {"T1003.008-1"}, *c[] = {"T1003", "T1003.008-2"};

	(void)state;
	assert_true(atomics_only_ok("T1003"));
	assert_true(atomics_only_ok("T1003.008-12"));
	assert_false(atomics_only_ok("T1003.008-"));
	assert_false(atomics_only_ok("T1003-x"));
	assert_false(atomics_only_ok("../etc"));
	assert_true(atomics_selected(&t, NULL, 0));
	assert_true(atomics_selected(&t, a, 1));
	assert_false(atomics_selected(&t, b, 1));
	assert_true(atomics_selected(&t, c, 2));
	assert_false(atomics_selected(&t, c, 1));
	assert_string_equal(atomics_shell("sh"), "/bin/sh");
	assert_string_equal(atomics_shell("bash"), "/bin/bash");
	assert_null(atomics_shell("powershell"));
}

static const char *str(struct json_object *o, const char *k)
{
	struct json_object *v;

	assert_true(json_object_object_get_ex(o, k, &v));
	return json_object_get_string(v);
}

static bool has_null(struct json_object *o, const char *k)
{
	struct json_object *v = (struct json_object *)1;

	return json_object_object_get_ex(o, k, &v) && v == NULL;
}

static void phase(struct sandbox_result *r, const char *name, int exit, int sig, bool to,
		  const char *out)
{
	struct sandbox_phase *p = &r->phases[r->nphases++];

	snprintf(p->phase, sizeof(p->phase), "%s", name);
	p->exit = exit;
	p->sig = sig;
	p->timed_out = to;
	p->ms = 12;
	snprintf(p->head, sizeof(p->head), "%s", out);
	snprintf(p->tail, sizeof(p->tail), "%s", out);
	p->tail_len = strlen(out);
}

static void test_manifest_entry(void **state)
{
	struct atomic_test t = {.technique = "T1003.008",
				.number = 1,
				.name = "Access /etc/shadow",
				.guid = "3723ab77",
				.executor = "bash"};
	struct sandbox_result *r = calloc(1, sizeof(*r));
	struct json_object *e, *ph, *p0;

	(void)state;
	r->root_pid = 4242;
	phase(r, "prereq0", 0, 0, false, "");
	phase(r, "command", 0, 0, false, "root:x:0:0\n");
	phase(r, "cleanup", 0, 0, false, "");
	e = atomics_manifest_test(&t, 3, "0123456789abcdef", r, NULL, "", "S", "E");
	assert_non_null(e);
	assert_int_equal(json_object_get_int(json_object_object_get(e, "index")), 3);
	assert_string_equal(str(e, "technique"), "T1003.008");
	assert_int_equal(json_object_get_int(json_object_object_get(e, "number")), 1);
	assert_string_equal(str(e, "executor"), "bash");
	assert_true(json_object_get_boolean(json_object_object_get(e, "ran")));
	assert_true(has_null(e, "skip_reason"));
	assert_string_equal(str(e, "root_marker"), "vigil-atomic:0123456789abcdef:3");
	assert_int_equal(json_object_get_int(json_object_object_get(e, "root_pid")), 4242);
	assert_true(json_object_get_boolean(json_object_object_get(e, "succeeded")));
	assert_string_equal(str(e, "output"), "root:x:0:0\n");
	ph = json_object_object_get(e, "phases");
	assert_int_equal(json_object_array_length(ph), 3);
	p0 = json_object_array_get_idx(ph, 1);
	assert_string_equal(str(p0, "phase"), "command");
	assert_int_equal(json_object_get_int(json_object_object_get(p0, "ms")), 12);
	assert_false(json_object_get_boolean(json_object_object_get(p0, "timed_out")));
	json_object_put(e);

	/* Timed out: ran, not succeeded; output cut gets a leading "…". */
	memset(r, 0, sizeof(*r));
	r->root_pid = 1;
	phase(r, "command", -1, 9, true, "tail");
	r->phases[0].cut = true;
	e = atomics_manifest_test(&t, 0, "0123456789abcdef", r, NULL, "", "S", "E");
	assert_true(json_object_get_boolean(json_object_object_get(e, "ran")));
	assert_false(json_object_get_boolean(json_object_object_get(e, "succeeded")));
	assert_string_equal(str(e, "output"), "\xe2\x80\xa6tail");
	json_object_put(e);

	/* A prerequisite not met: not ran, its first output line says why. */
	memset(r, 0, sizeof(*r));
	r->root_pid = 1;
	phase(r, "prereq0", 1, 0, false, "gcc: not found\nmore");
	phase(r, "get_prereq0", 1, 0, false, "");
	phase(r, "prereq0", 1, 0, false, "gcc: not found\nmore");
	e = atomics_manifest_test(&t, 0, "0123456789abcdef", r, NULL, "", "S", "E");
	assert_false(json_object_get_boolean(json_object_object_get(e, "ran")));
	assert_string_equal(str(e, "skip_reason"), "prerequisite not met: gcc: not found");
	assert_int_equal(json_object_array_length(json_object_object_get(e, "phases")), 3);
	json_object_put(e);

	/* The sandbox could not be built: not ran, the reason; never on the host. */
	memset(r, 0, sizeof(*r));
	r->root_pid = 7;
	snprintf(r->error, sizeof(r->error), "sandbox: overlay over /: Invalid argument");
	e = atomics_manifest_test(&t, 0, "0123456789abcdef", r, NULL, "x", "S", "E");
	assert_false(json_object_get_boolean(json_object_object_get(e, "ran")));
	assert_string_equal(str(e, "skip_reason"), "sandbox: overlay over /: Invalid argument");
	assert_string_equal(json_object_get_string(json_object_array_get_idx(
				json_object_object_get(e, "unknown_inputs"), 0)),
			    "x");
	json_object_put(e);

	/* Not runnable: no marker, no pid, no phases. */
	e = atomics_manifest_test(&t, 0, "0123456789abcdef", NULL, "download: 'curl' in x", "",
				  NULL, NULL);
	assert_string_equal(str(e, "skip_reason"), "download: 'curl' in x");
	assert_true(has_null(e, "root_marker"));
	assert_true(has_null(e, "root_pid"));
	assert_true(has_null(e, "start"));
	assert_int_equal(json_object_array_length(json_object_object_get(e, "phases")), 0);
	json_object_put(e);
	free(r);
}

static void test_policy_additions(void **state)
{
	static const struct {
		const char *cmd, *cls, *pat; /* cls NULL: allowed */
	} cases[] = {
	    {"echo 1 > /sys/kernel/debug/tracing/tracing_on", "BPF", "/sys/kernel/debug/tracing"},
	    {"cat /sys/kernel/tracing/trace_pipe", "BPF", "/sys/kernel/tracing"},
	    {"echo 1 > /sys/class/leds/x/brightness", "sysfs write", "/sys/"},
	    {"echo mem | tee /sys/power/state", "sysfs write", "/sys/"},
	    {"cat /sys/class/net/eth0/address", NULL, NULL},
	    {"ls /proc/sys/kernel", NULL, NULL},
	    {"nsenter -t 1 -m sh", "mount", "nsenter"},
	    {"swapoff -a", "raw disk", "swapoff"},
	    {"losetup -f x.img", "raw disk", "losetup"},
	    {"pkill -9 vigil", "sensor", "vigil"},
	    {"kill -9 $(pidof vigil)", "sensor", "vigil"},
	    {"systemctl stop vigil", "sensor", "vigil"},
	    {"echo vigil", NULL, NULL},
	    {"pkill -9 tunnel", NULL, NULL},
	    {"cat /etc/vigil-notes; kill %1", NULL, NULL},
	    /* A checkout cloned into a directory named vigil. */
	    {"trap \"nohup sh /src/vigil/data/art/atomics/T1546.005/src/t.sh\" INT; kill -SIGINT "
	     "$$",
	     NULL, NULL},
	    {"pkill -f /usr/local/bin/vigil", "sensor", "vigil"},
	};

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const char *pat = NULL, *cls = atomics_policy_check(cases[i].cmd, &pat);

		if (!cases[i].cls) {
			if (cls)
				fail_msg("%s: refused as %s ('%s')", cases[i].cmd, cls, pat);
			continue;
		}
		if (!cls)
			fail_msg("%s: allowed", cases[i].cmd);
		assert_string_equal(cls, cases[i].cls);
		assert_string_equal(pat, cases[i].pat);
	}
}

static void test_write_json_and_end(void **state)
{
	char dir[] = "/tmp/vigil-test-atr-XXXXXX", path[128], ev[128];
	struct json_object *o = json_object_new_object();
	struct stat st;
	FILE *f;

	(void)state;
	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/m.json", dir);
	json_object_object_add(o, "vigil_atomics_manifest", json_object_new_int(1));
	assert_int_equal(atomics_write_json(path, o), 0);
	assert_int_equal(stat(path, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0600);
	/* Never overwritten: a file already there is refused. */
	assert_int_equal(atomics_write_json(path, o), -EEXIST);
	json_object_put(o);
	o = json_object_from_file(path);
	assert_non_null(o);
	assert_int_equal(json_object_get_int(json_object_object_get(o, "vigil_atomics_manifest")),
			 1);
	json_object_put(o);

	snprintf(ev, sizeof(ev), "%s/events.jsonl", dir);
	f = fopen(ev, "w");
	fprintf(f, "{\"EventID\":1,\"CommandLine\":\"vigil-atomic:00000000000000aa:end\"}\n");
	fclose(f);
	assert_int_equal(atomics_wait_end("00000000000000aa", ev, 0, 1000), 0);
	/* Only from the offset on; another run's marker does not count. */
	assert_int_equal(atomics_wait_end("00000000000000aa", ev, 60, 200), -ETIMEDOUT);
	assert_int_equal(atomics_wait_end("00000000000000bb", ev, 0, 200), -ETIMEDOUT);
	unlink(ev);
	unlink(path);
	rmdir(dir);
}

static void test_runid(void **state)
{
	char a[17], b[17];

	(void)state;
	assert_int_equal(atomics_new_runid(a), 0);
	assert_int_equal(atomics_new_runid(b), 0);
	assert_int_equal(strlen(a), 16);
	assert_int_equal(strspn(a, "0123456789abcdef"), 16);
	assert_string_not_equal(a, b);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_substitute),
	    cmocka_unit_test(test_dependencies),
	    cmocka_unit_test(test_selection),
	    cmocka_unit_test(test_manifest_entry),
	    cmocka_unit_test(test_policy_additions),
	    cmocka_unit_test(test_write_json_and_end),
	    cmocka_unit_test(test_runid),
	};

	return cmocka_run_group_tests_name("atomics_run", tests, NULL, NULL);
}
