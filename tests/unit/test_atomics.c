/*
 * test_atomics.c — reading an Atomic Red Team checkout (src/coverage/
 * atomics.c) and the safety policy and download patterns
 * (src/coverage/atomics_policy.c), on the fixtures in tests/fixtures/atomics
 * (seven upstream technique files) and tests/fixtures/atomics-bad (made-up
 * bad and policy-class files). Tests run from the repository root.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "coverage/atomics.h"

#define FIX "tests/fixtures/atomics"
#define BAD "tests/fixtures/atomics-bad"

static const struct atomic_test *find(const struct atomic_set *s, const char *t, int number)
{
	for (size_t i = 0; i < s->n; i++)
		if (strcmp(s->tests[i].technique, t) == 0 && s->tests[i].number == number)
			return &s->tests[i];
	return NULL;
}

static const char *arg(const struct atomic_test *t, const char *name)
{
	for (size_t i = 0; i < t->nargs; i++)
		if (strcmp(t->args[i].name, name) == 0)
			return t->args[i].def;
	return NULL;
}

/* Every Linux test of the fixtures in order, with why it cannot run. */
static const struct {
	const char *tech;
	int number;
	const char *why; /* NULL: runnable */
} expected[] = {
    {"T1003.008", 1, NULL},
    {"T1003.008", 2, NULL},
    {"T1003.008", 3, NULL},
    {"T1003.008", 4, NULL},
    {"T1003.008", 5, NULL},
    {"T1014", 1, "policy: kernel module: 'insmod' in command"},
    {"T1014", 2, "policy: kernel module: 'modprobe' in command"},
    {"T1014", 3, "download: 'curl' in get_prereq_command"},
    {"T1014", 4, "policy: kernel module: 'modprobe' in command"},
    {"T1027.013", 1, "executor: powershell is not sh or bash"},
    {"T1027.013", 2, "executor: powershell is not sh or bash"},
    {"T1027.013", 3, NULL},
    {"T1048.003", 1, "manual: steps for a person, no command"},
    {"T1048.003", 3, "manual: steps for a person, no command"},
    {"T1048.003", 8, NULL},
    {"T1070.003", 1, NULL},
    {"T1070.003", 2, NULL},
    {"T1070.003", 3, NULL},
    {"T1070.003", 4, NULL},
    {"T1070.003", 5, NULL},
    {"T1070.003", 6, NULL},
    {"T1070.003", 7, NULL},
    {"T1070.003", 8, NULL},
    {"T1070.003", 9, "download: 'yum * install' in get_prereq_command"},
    {"T1070.003", 10, NULL},
    {"T1529", 3, "policy: reboot: 'shutdown' in command"},
    {"T1529", 4, "policy: reboot: 'shutdown' in command"},
    {"T1529", 5, "policy: reboot: 'reboot' in command"},
    {"T1529", 6, "policy: reboot: 'halt' in command"},
    {"T1529", 7, "policy: reboot: 'halt' in command"},
    {"T1529", 8, "policy: reboot: 'halt' in command"},
    {"T1529", 9, "policy: reboot: 'poweroff' in command"},
    {"T1529", 10, "policy: reboot: 'poweroff' in command"},
    {"T1529", 11, "policy: reboot: 'poweroff' in command"},
    {"T1529", 16, "policy: reboot: '/proc/sysrq-trigger' in command"},
    {"T1548.001", 1, NULL},
    {"T1548.001", 2, NULL},
    {"T1548.001", 3, NULL},
    {"T1548.001", 4, NULL},
    {"T1548.001", 5, NULL},
    {"T1548.001", 6, NULL},
    {"T1548.001", 7, NULL},
    {"T1548.001", 8, NULL},
    {"T1548.001", 9, NULL},
    {"T1548.001", 10, NULL},
};

static void test_fixture_tests(void **state)
{
	struct atomic_set s;
	size_t n = sizeof(expected) / sizeof(expected[0]);

	(void)state;
	atomics_init(&s);
	assert_int_equal(atomics_load_dir(&s, FIX, NULL, 0, stderr), 0);
	assert_int_equal(s.n, 45);
	assert_int_equal(n, 45);
	assert_int_equal(s.files, 7);
	assert_int_equal(s.bad_files, 0);
	assert_int_equal(s.other_platform, 15);
	assert_int_equal(s.by_reason[ATOMIC_RUNNABLE], 26);
	assert_int_equal(s.by_reason[ATOMIC_MANUAL], 2);
	assert_int_equal(s.by_reason[ATOMIC_EXECUTOR], 2);
	assert_int_equal(s.by_reason[ATOMIC_POLICY], 13);
	assert_int_equal(s.by_reason[ATOMIC_DOWNLOAD], 2);
	for (size_t i = 0; i < n; i++) {
		const struct atomic_test *t = &s.tests[i];

		assert_string_equal(t->technique, expected[i].tech);
		assert_int_equal(t->number, expected[i].number);
		assert_string_equal(t->why, expected[i].why ? expected[i].why : "");
		assert_int_equal(t->reason == ATOMIC_RUNNABLE, expected[i].why == NULL);
	}
	atomics_free(&s);
}

static void test_fixture_fields(void **state)
{
	struct atomic_set s;
	const struct atomic_test *t;

	(void)state;
	atomics_init(&s);
	/* The atomics/ folder itself works as well as the checkout's root. */
	assert_int_equal(atomics_load_dir(&s, FIX "/atomics", NULL, 0, stderr), 0);
	assert_int_equal(s.n, 45);

	t = find(&s, "T1003.008", 1);
	assert_non_null(t);
	assert_string_equal(t->name, "Access /etc/shadow (Local)");
	assert_string_equal(t->guid, "3723ab77-c546-403c-8fb4-bb577033b235");
	assert_string_equal(t->executor, "bash");
	assert_true(t->elevation_required);
	assert_int_equal(t->nargs, 1);
	assert_string_equal(arg(t, "output_file"), "/tmp/T1003.008.txt");
	assert_string_equal(t->file, FIX "/atomics/T1003.008/T1003.008.yaml");
	assert_int_equal(t->line, 4);

	t = find(&s, "T1003.008", 3);
	assert_string_equal(t->executor, "sh");
	assert_false(t->elevation_required);

	t = find(&s, "T1014", 1);
	assert_int_equal(t->nargs, 3);
	assert_string_equal(t->args[0].name, "rootkit_source_path");
	assert_string_equal(arg(t, "rootkit_source_path"), "PathToAtomicsFolder/T1014/src/Linux");
	assert_string_equal(arg(t, "rootkit_path"), "PathToAtomicsFolder/T1014/bin");
	assert_string_equal(arg(t, "rootkit_name"), "T1014");

	t = find(&s, "T1048.003", 1);
	assert_string_equal(t->name, "Exfiltration Over Alternative Protocol - HTTP");
	assert_string_equal(t->executor, "manual");
	assert_int_equal(t->reason, ATOMIC_MANUAL);

	t = find(&s, "T1070.003", 1);
	assert_string_equal(t->name, "Clear Bash history (rm)");
	assert_string_equal(arg(t, "history_path"), "~/.bash_history");

	/* Windows tests are counted, not kept. */
	assert_null(find(&s, "T1529", 1));
	assert_null(find(&s, "T1529", 2));
	assert_string_equal(atomics_reason_name(ATOMIC_POLICY), "policy");
	atomics_free(&s);
}

static void test_technique_filter(void **state)
{
	static const char *const two[] = {"T1529", "T1003.008", "T1529"};
	static const char *const missing[] = {"T1003.008", "T9999"};
	static const char *const bad[] = {"../../etc"};
	struct atomic_set s;
	FILE *err;
	char *msg = NULL;
	size_t len = 0;

	(void)state;
	atomics_init(&s);
	assert_int_equal(atomics_load_dir(&s, FIX, two, 3, stderr), 0);
	assert_int_equal(s.files, 2); /* duplicates read once */
	assert_int_equal(s.n, 15);
	assert_string_equal(s.tests[0].technique, "T1003.008"); /* sorted */
	assert_string_equal(s.tests[5].technique, "T1529");
	assert_int_equal(s.tests[5].number, 3);
	assert_int_equal(s.by_reason[ATOMIC_POLICY], 10);
	atomics_free(&s);

	err = open_memstream(&msg, &len);
	assert_int_equal(atomics_load_dir(&s, FIX, missing, 2, err), -ENOENT);
	fclose(err);
	assert_string_equal(msg, FIX "/atomics/T9999/T9999.yaml: No such file or directory\n");
	free(msg);
	atomics_free(&s);

	assert_int_equal(atomics_load_dir(&s, FIX, bad, 1, NULL), -EINVAL);
	atomics_free(&s);
	assert_true(atomics_technique_ok("T1003"));
	assert_true(atomics_technique_ok("T1003.008"));
	assert_false(atomics_technique_ok("T1003.08"));
	assert_false(atomics_technique_ok("T1003.0081"));
	assert_false(atomics_technique_ok("t1003"));
	assert_false(atomics_technique_ok("T100"));
}

static void test_bad_files(void **state)
{
	struct atomic_set s;
	const struct atomic_test *t;
	FILE *err;
	char *msg = NULL;
	size_t len = 0;

	(void)state;
	atomics_init(&s);
	err = open_memstream(&msg, &len);
	assert_int_equal(atomics_load_dir(&s, BAD, NULL, 0, err), 0);
	fclose(err);
	assert_string_equal(
	    msg,
	    BAD "/atomics/T9990/T9990.yaml:8: mapping values are not allowed in this context\n" BAD
		"/atomics/T9992/T9992.yaml:4: no atomic_tests list\n");
	free(msg);
	assert_int_equal(s.files, 3);
	assert_int_equal(s.bad_files, 2);
	/* The good file between them still loads: each policy class. */
	assert_int_equal(s.n, 9);
	assert_int_equal(s.other_platform, 1);
	assert_string_equal(find(&s, "T9991", 1)->why,
			    "policy: sysctl write: 'sysctl -w' in command");
	assert_string_equal(arg(find(&s, "T9991", 1), "value"), "0");
	assert_int_equal(find(&s, "T9991", 2)->reason, ATOMIC_RUNNABLE);
	assert_string_equal(find(&s, "T9991", 3)->why,
			    "policy: sysctl write: '/proc/sys/' in command");
	/* The argument's default is substituted before the check. */
	assert_string_equal(find(&s, "T9991", 4)->why, "policy: raw disk: '/dev/sd' in command");
	assert_int_equal(find(&s, "T9991", 5)->reason, ATOMIC_RUNNABLE);
	assert_string_equal(find(&s, "T9991", 6)->why,
			    "policy: mount: 'umount' in cleanup_command");
	assert_string_equal(find(&s, "T9991", 7)->why, "policy: BPF: 'bpftool' in command");
	assert_null(find(&s, "T9991", 8));
	assert_string_equal(find(&s, "T9991", 9)->why,
			    "executor: dependency_executor_name powershell is not sh or bash");
	t = find(&s, "T9991", 10);
	assert_string_equal(t->why, "download: 'pip install' in get_prereq_command");
	assert_false(t->elevation_required);
	assert_string_equal(t->guid, "");
	atomics_free(&s);
}

static void test_missing_and_too_big(void **state)
{
	char dir[] = "/tmp/vigil-atomics-XXXXXX", path[256];
	struct atomic_set s;
	FILE *f, *err;
	char *msg = NULL;
	size_t len = 0;

	(void)state;
	atomics_init(&s);
	err = open_memstream(&msg, &len);
	assert_int_equal(atomics_load_dir(&s, "tests/fixtures/no-such-dir", NULL, 0, err), -ENOENT);
	fclose(err);
	assert_string_equal(msg, "tests/fixtures/no-such-dir: No such file or directory\n");
	free(msg);

	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/T1000", dir);
	assert_int_equal(mkdir(path, 0700), 0);
	snprintf(path, sizeof(path), "%s/T1000/T1000.yaml", dir);
	f = fopen(path, "w");
	assert_non_null(f);
	assert_int_equal(fseek(f, ATOMICS_MAX_FILE, SEEK_SET), 0);
	fputc('\n', f);
	fclose(f);
	msg = NULL;
	err = open_memstream(&msg, &len);
	assert_int_equal(atomics_load_dir(&s, dir, NULL, 0, err), 0);
	fclose(err);
	assert_int_equal(s.bad_files, 1);
	assert_int_equal(s.n, 0);
	assert_non_null(strstr(msg, "/T1000/T1000.yaml:0: 4194305 bytes, over the 4 MiB limit\n"));
	free(msg);
	atomics_free(&s);
	unlink(path);
	snprintf(path, sizeof(path), "%s/T1000", dir);
	rmdir(path);
	rmdir(dir);
}

static void test_policy_patterns(void **state)
{
	static const struct {
		const char *cmd, *cls, *pat;
	} cases[] = {
	    {"sudo /sbin/insmod x.ko", "kernel module", "insmod"},
	    {"modprobe -r x", "kernel module", "modprobe"},
	    {"cat /proc/mounts", NULL, NULL},
	    {"docker run --mount type=bind,src=/,dst=/h img", NULL, NULL},
	    {"mount -t tmpfs none /mnt", "mount", "mount"},
	    {"mkfs.ext4 /tmp/img", "raw disk", "mkfs"},
	    {"dd if=/dev/zero of=/dev/loop0", "raw disk", "of=/dev/"},
	    {"dd if=/dev/zero of=/dev/null count=1", NULL, NULL},
	    {"cat /dev/nvme0n1 > /dev/null", "raw disk", "/dev/nvme"},
	    {"echo 1 | tee /proc/sys/net/ipv4/ip_forward", "sysctl write", "/proc/sys/"},
	    {"cat /proc/sys/kernel/ostype", NULL, NULL},
	    {"sysctl kernel.x=1", "sysctl write", "sysctl NAME=VALUE"},
	    {"sysctl --system", "sysctl write", "sysctl --system"},
	    {"sysctl -a | grep x=1", NULL, NULL},
	    {"systemctl reboot", "reboot", "reboot"},
	    {"/sbin/init 6", "reboot", "init 6"},
	    {"telinit  0", "reboot", "telinit 0"},
	    {"echo halting", NULL, NULL},
	    {"shutdown-helper --now", NULL, NULL},
	    {"ls /sys/fs/bpf/", "BPF", "/sys/fs/bpf"},
	    {"bpftrace -e 'BEGIN{}'", "BPF", "bpftrace"},
	    {"id; whoami", NULL, NULL},
	};
	static const struct {
		const char *cmd, *pat;
	} dl[] = {
	    {"sudo apt-get install -y ssh", "apt-get install"},
	    {"apt-get -y install ssh", "apt-get * install"},
	    {"yum -q install x", "yum * install"},
	    {"python3 -m pip install impacket", "pip install"},
	    {"git clone https://x/y", "git clone"},
	    {"curl -sO x", "curl"},
	    {"/usr/bin/wget x", "wget"},
	    {"cp https_proxy.txt /tmp", NULL},
	    {"echo curling; which git", NULL},
	    {"if [ -x \"$(command -v curl)\" ]; then exit 0; fi", NULL},
	    {"which wget || type git", NULL},
	    {"apt update && apt install -y binutils curl", "apt install"},
	    {"curl -L x | apt-get install -y", "curl"},
	};

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const char *pat = NULL, *cls = atomics_policy_check(cases[i].cmd, &pat);

		if (!cases[i].cls) {
			if (cls)
				fail_msg("'%s' refused: %s (%s)", cases[i].cmd, cls, pat);
			continue;
		}
		if (!cls)
			fail_msg("'%s' allowed", cases[i].cmd);
		assert_string_equal(cls, cases[i].cls);
		assert_string_equal(pat, cases[i].pat);
	}
	for (size_t i = 0; i < sizeof(dl) / sizeof(dl[0]); i++) {
		const char *pat = atomics_download_check(dl[i].cmd);

		if (!dl[i].pat) {
			if (pat)
				fail_msg("'%s' matched %s", dl[i].cmd, pat);
			continue;
		}
		if (!pat)
			fail_msg("'%s' not matched", dl[i].cmd);
		assert_string_equal(pat, dl[i].pat);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_fixture_tests),	cmocka_unit_test(test_fixture_fields),
	    cmocka_unit_test(test_technique_filter),	cmocka_unit_test(test_bad_files),
	    cmocka_unit_test(test_missing_and_too_big), cmocka_unit_test(test_policy_patterns),
	};

	return cmocka_run_group_tests_name("atomics", tests, NULL, NULL);
}
