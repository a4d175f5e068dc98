/*
 * test_rules_configs.c — real configurations: every Sysmon for Linux config
 * in tests/fixtures/sysmon-configs loads and filters as Sysmon would, the
 * shipped etc/vigil.xml turns every filterable event on, and `vigil
 * validate` reports the right exit codes and lines for the fixtures in
 * tests/fixtures/configs. Tests run from the repository root.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <dirent.h>
#include <stdio.h>
#include <string.h>
#include <sysexits.h>

#include "cli/commands.h"
#include "rules/rules_int.h"

#define SHARED "tests/fixtures/sysmon-configs/"

static struct vrec rec;

static struct ruleset *load(const char *path)
{
	struct rules_error e;
	struct ruleset *rs = ruleset__load_file(path, &e);

	if (rs == NULL)
		print_message("%s:%d: %s\n", e.file, e.line, e.msg);
	assert_non_null(rs);
	return rs;
}

static bool m(const struct ruleset *rs, const char **name)
{
	const char *dummy, *n2;
	bool r;

	if (name == NULL)
		name = &dummy;
	assert_int_equal(rules__check_conds(rs, &rec), -1);
	r = ruleset__match(rs, &rec, name);
	assert_int_equal(r, rules__match_naive(rs, &rec, &n2));
	assert_ptr_equal(*name, n2);
	return r;
}

static void pc(const char *image, const char *cmdline)
{
	vrec__reset(&rec, schema__event(EV_PROCESS_CREATE));
	vrec__set_str(&rec, VF_Image, image);
	vrec__set_str(&rec, VF_CommandLine, cmdline);
	vrec__set_str(&rec, VF_ParentImage, "/usr/bin/bash");
	vrec__set_str(&rec, VF_User, "alice");
	vrec__set_str(&rec, VF_CurrentDirectory, "/home/alice");
	vrec__set_int(&rec, VF_LogonId, 1000);
}

static void test_all_shared_load(void **state)
{
	DIR *d = opendir(SHARED);
	struct dirent *de;
	int n = 0;

	assert_non_null(d);
	while ((de = readdir(d)) != NULL) {
		char path[512];
		size_t l = strlen(de->d_name);

		if (l < 4 || strcmp(de->d_name + l - 4, ".xml") != 0)
			continue;
		snprintf(path, sizeof(path), SHARED "%s", de->d_name);
		ruleset__free(load(path));
		n++;
	}
	closedir(d);
	assert_true(n >= 4);
}

static void test_main_xml(void **state)
{
	struct ruleset *rs = load(SHARED "main.xml");
	const char *name;

	pc("/usr/bin/crontab", "crontab -l");
	assert_true(m(rs, &name));
	assert_string_equal(name, "TechniqueID=T1053.003,TechniqueName=Scheduled Task/Job: Cron");
	/* dd matches T1027.001 (first) before T1485. */
	pc("/bin/dd", "dd if=/dev/zero of=/dev/sda");
	assert_true(m(rs, &name));
	assert_string_equal(name,
			    "TechniqueID=T1027.001,TechniqueName=Obfuscated Files or Information: "
			    "Binary Padding");
	/* The SSH rule is an AND of five conditions. */
	pc("/usr/bin/ssh", "ssh -o ConnectTimeout=5 -o BatchMode=yes -o "
			   "StrictHostKeyChecking=no h wget x");
	assert_true(m(rs, &name));
	assert_string_equal(name, "TechniqueID=T1021.004,TechniqueName=Remote Services: SSH");
	pc("/usr/bin/ssh", "ssh -o ConnectTimeout=5 -o BatchMode=yes h wget x");
	assert_false(m(rs, &name));
	/* LogonId is 0 in T1203, with User root and a cwd. */
	pc("/usr/bin/python3", "sh -c /bin/sh x");
	vrec__set_str(&rec, VF_User, "ROOT");
	vrec__set_int(&rec, VF_LogonId, 0);
	vrec__set_str(&rec, VF_CurrentDirectory, "/var/opt/microsoft/scx/tmp");
	assert_true(m(rs, &name));
	assert_string_equal(name, "TechniqueID=T1203,TechniqueName=Exploitation for Client "
				  "Execution");
	pc("/usr/bin/ls", "ls -la");
	assert_false(m(rs, &name));
	pc("/usr/bin/BASH", "bash");
	assert_true(m(rs, &name));
	assert_string_equal(name, "TechniqueID=T1059.004,TechniqueName=Command and Scripting "
				  "Interpreter: Unix Shell");
	/* Empty include blocks: nothing of 5, 9, 23. */
	vrec__reset(&rec, schema__event(EV_PROCESS_TERMINATE));
	assert_false(m(rs, &name));
	vrec__reset(&rec, schema__event(EV_RAW_ACCESS_READ));
	assert_false(m(rs, &name));
	vrec__reset(&rec, schema__event(EV_FILE_DELETE));
	assert_false(m(rs, &name));
	assert_int_equal(ruleset__event_mode(rs, EV_FILE_DELETE), RULES_MODE_NONE);
	assert_int_equal(ruleset__event_mode(rs, EV_PROCESS_CREATE), RULES_MODE_SOME);
	/* FileCreate: begin with, is, and Image rules. */
	vrec__reset(&rec, schema__event(EV_FILE_CREATE));
	vrec__set_str(&rec, VF_Image, "/usr/bin/vi");
	vrec__set_str(&rec, VF_TargetFilename, "/etc/cron.d/evil");
	assert_true(m(rs, &name));
	assert_string_equal(name, "TechniqueID=T1053.003,TechniqueName=Scheduled Task/Job: Cron");
	vrec__set_str(&rec, VF_TargetFilename, "/home/u/.config/systemd/user/x.service");
	assert_true(m(rs, &name));
	vrec__set_str(&rec, VF_TargetFilename, "/tmp/x");
	assert_false(m(rs, &name));
	vrec__set_str(&rec, VF_Image, "/usr/bin/wget");
	assert_true(m(rs, &name));
	assert_string_equal(name, "TechniqueID=T1105,TechniqueName=Ingress Tool Transfer");
	/* Events the file does not mention: Sysmon's defaults. */
	vrec__reset(&rec, schema__event(EV_IMAGE_LOAD));
	assert_false(m(rs, &name));
	ruleset__free(rs);
}

static void test_collect_all(void **state)
{
	struct ruleset *rs = load(SHARED "collect-all.xml");
	static const unsigned on[] = {1, 3, 5, 9, 10, 11, 23};
	const char *name = "x";

	for (size_t i = 0; i < sizeof(on) / sizeof(on[0]); i++) {
		vrec__reset(&rec, schema__event(on[i]));
		vrec__set_str(&rec, VF_Image, "/usr/bin/anything");
		assert_true(m(rs, &name));
		assert_null(name);
		assert_int_equal(ruleset__event_mode(rs, on[i]), RULES_MODE_ALL);
	}
	vrec__reset(&rec, schema__event(EV_DNS_QUERY));
	assert_false(m(rs, &name));
	ruleset__free(rs);
}

static void test_technique_files(void **state)
{
	struct ruleset *rs = load(SHARED "T1105_IngressToolTransfer_CommonTools.xml");
	const char *name;

	vrec__reset(&rec, schema__event(EV_NETWORK_CONNECT));
	vrec__set_str(&rec, VF_Image, "/usr/bin/curl");
	assert_true(m(rs, &name));
	vrec__set_str(&rec, VF_Image, "/usr/bin/firefox");
	assert_false(m(rs, &name));
	ruleset__free(rs);
	rs = load(SHARED "T1053.003_Cron_Activity.xml");
	vrec__reset(&rec, schema__event(EV_FILE_CREATE));
	vrec__set_str(&rec, VF_TargetFilename, "/var/spool/cron/crontabs/root");
	assert_true(m(rs, &name));
	vrec__set_str(&rec, VF_TargetFilename, "/ETC/CRONTAB");
	assert_true(m(rs, &name));
	vrec__set_str(&rec, VF_TargetFilename, "/etc/crontab.bak");
	assert_false(m(rs, &name));
	ruleset__free(rs);
}

static void test_shipped_default(void **state)
{
	struct ruleset *rs = load("etc/vigil.xml");
	size_t n;
	const struct vevent_def *const *evs = schema__events(&n);

	/* Every filterable event type is on, but ProcessFork: EVENTS.md has it
	 * logged only when a config names it (every exec forks first). */
	for (size_t i = 0; i < n; i++) {
		enum rules_mode mode = ruleset__event_mode(rs, evs[i]->id);

		if (evs[i]->id == EV_PROCESS_FORK) {
			assert_int_equal(mode, RULES_MODE_NONE);
			continue;
		}
		if (mode == RULES_MODE_NONE)
			print_message("%s is off in etc/vigil.xml\n", evs[i]->name);
		assert_int_not_equal(mode, RULES_MODE_NONE);
	}
	/* Execution from /tmp and /dev/shm is never hidden. */
	pc("/tmp/x", "/tmp/x");
	assert_true(m(rs, NULL));
	pc("/dev/shm/.x", "/dev/shm/.x");
	assert_true(m(rs, NULL));
	/* Only system binaries loading system libraries are dropped. */
	vrec__reset(&rec, schema__event(EV_IMAGE_LOAD));
	vrec__set_str(&rec, VF_Image, "/usr/bin/ls");
	vrec__set_str(&rec, VF_ImageLoaded, "/usr/lib/x86_64-linux-gnu/libc.so.6");
	assert_false(m(rs, NULL));
	vrec__set_str(&rec, VF_ImageLoaded, "/tmp/evil.so");
	assert_true(m(rs, NULL));
	vrec__set_str(&rec, VF_Image, "/tmp/x");
	vrec__set_str(&rec, VF_ImageLoaded, "/usr/lib/x86_64-linux-gnu/libc.so.6");
	assert_true(m(rs, NULL));
	/* A program merely named like a system one, from a writable place,
	 * gets no exclusion. */
	vrec__set_str(&rec, VF_Image, "/tmp/usr/bin/ls");
	assert_true(m(rs, NULL));
	/* The production exclusions need the exact root-owned binary AND the
	 * root-only directory it keeps its state in. */
	static const struct {
		unsigned ev;
		const char *image, *target;
		bool logged;
	} f[] = {
	    {EV_FILE_MODIFY, "/usr/lib/systemd/systemd-journald",
	     "/var/log/journal/x/system.journal", false},
	    {EV_FILE_MODIFY, "/usr/lib/systemd/systemd-journald", "/etc/passwd", true},
	    {EV_FILE_MODIFY, "/tmp/systemd-journald", "/var/log/journal/x/system.journal", true},
	    {EV_FILE_MODIFY, "/usr/bin/vi", "/var/log/journal/x/system.journal", true},
	    {EV_FILE_CREATE, "/usr/lib/systemd/systemd", "/run/systemd/units/invocation:x", false},
	    {EV_FILE_CREATE, "/usr/lib/systemd/systemd", "/etc/systemd/system/x.service", true},
	    {EV_FILE_DELETE, "/usr/lib/systemd/systemd-logind", "/run/systemd/sessions/3", false},
	    {EV_FILE_CREATE, "/usr/sbin/vigil", "/var/lib/vigil/events.jsonl", false},
	    {EV_FILE_CREATE, "/tmp/vigil", "/var/lib/vigil/events.jsonl", true},
	    {EV_FILE_CREATE, "/usr/sbin/vigil", "/etc/cron.d/x", true},
	    {EV_FILE_MODIFY, "/usr/lib/sysstat/sadc", "/var/log/sysstat/sa04", false},
	    {EV_FILE_MODIFY, "/usr/lib/sysstat/sadc", "/root/.ssh/authorized_keys", true},
	};
	for (size_t i = 0; i < sizeof(f) / sizeof(f[0]); i++) {
		vrec__reset(&rec, schema__event(f[i].ev));
		vrec__set_str(&rec, VF_Image, f[i].image);
		vrec__set_str(&rec, VF_TargetFilename, f[i].target);
		if (m(rs, NULL) != f[i].logged)
			print_message("%s writing %s: logged should be %d\n", f[i].image,
				      f[i].target, f[i].logged);
		assert_int_equal(m(rs, NULL), f[i].logged);
	}
	assert_int_equal(ruleset__hash_algorithms(rs), RULES_HASH_SHA256);
	ruleset__free(rs);
}

static int validate(const char *path)
{
	char *argv[] = {"validate", (char *)path, NULL};

	return cmd_validate(path ? 2 : 1, argv);
}

static void test_validate_cli(void **state)
{
	char *help[] = {"validate", "--help", NULL};
	char *bad[] = {"validate", "--frobnicate", "x", NULL};

	assert_int_equal(validate("tests/fixtures/configs/ok.xml"), 0);
	assert_int_equal(validate("tests/fixtures/configs/windows_mixed.xml"), 0);
	assert_int_equal(validate("etc/vigil.xml"), 0);
	assert_int_equal(validate("tests/fixtures/configs/bad_field.xml"), EX_CONFIG);
	assert_int_equal(validate("tests/fixtures/configs/bad_xml.xml"), EX_CONFIG);
	assert_int_equal(validate("tests/fixtures/configs/nonexistent.xml"), EX_NOINPUT);
	assert_int_equal(validate(NULL), EX_USAGE);
	assert_int_equal(cmd_validate(2, help), 0);
	assert_int_equal(cmd_validate(3, bad), EX_USAGE);
}

static void test_fixture_lines(void **state)
{
	struct rules_error e;

	assert_null(ruleset__load_file("tests/fixtures/configs/bad_field.xml", &e));
	assert_string_equal(e.file, "tests/fixtures/configs/bad_field.xml");
	assert_int_equal(e.line, 6);
	assert_non_null(strstr(e.msg, "FileCreate has no field DestinationIp"));
	assert_null(ruleset__load_file("tests/fixtures/configs/bad_xml.xml", &e));
	assert_int_equal(e.line, 4);
	assert_non_null(strstr(e.msg, "malformed XML"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_all_shared_load), cmocka_unit_test(test_main_xml),
	    cmocka_unit_test(test_collect_all),	    cmocka_unit_test(test_technique_files),
	    cmocka_unit_test(test_shipped_default), cmocka_unit_test(test_validate_cli),
	    cmocka_unit_test(test_fixture_lines),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
