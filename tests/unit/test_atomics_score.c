/*
 * test_atomics_score.c — the Atomic Red Team scorer (src/coverage/
 * atomics_score.c) on a hand-written MANIFEST and hand-written sensor lines
 * shaped like the real sensor's (field names and order of a captured run):
 * lineage attribution down to grandchildren and fork-only children, phases,
 * look-alike command lines that are not roots, an event before its
 * process's ProcessCreate, a test that execs another test's root marker,
 * bad and oversize lines, key data components (generic execution DCs left
 * out, a sub-technique falling back to its parent, the phase shell's own
 * ProcessCreate not counted), every verdict, the totals, and Sigma alerts
 * with the generic flag (tests/fixtures/atomics-score/rules). Runs from the
 * repository root; data/ is found as for a build-tree binary.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <errno.h>
#include <json-c/json.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "coverage/atomics_score.h"

#define RUNID "0123456789abcdef"
#define MK    "vigil-atomic:" RUNID
#define RULES "tests/fixtures/atomics-score/rules"

static char events_path[] = "/tmp/vigil-test-atomics-score-XXXXXX";
static unsigned long seq;

static void guid(char *out, unsigned n)
{
	sprintf(out, "{3d1219c7-0029-d3b3-0000-%012x}", n);
}

/* A ProcessCreate as the sensor writes it. */
static void pc(FILE *f, unsigned g, unsigned parent, const char *image, const char *cmd)
{
	char gs[48], ps[48];

	guid(gs, g);
	guid(ps, parent);
	seq++;
	fprintf(
	    f,
	    "{\"EventID\":1,\"Event\":\"ProcessCreate\",\"Computer\":\"vm\",\"SequenceNumber\":%lu,"
	    "\"RuleName\":\"-\",\"UtcTime\":\"2026-12-05 07:06:12.%03lu\",\"ProcessGuid\":\"%s\","
	    "\"ProcessId\":%u,\"Image\":\"%s\",\"FileVersion\":\"-\",\"Description\":\"-\","
	    "\"Product\":\"-\",\"Company\":\"-\",\"OriginalFileName\":\"-\",\"CommandLine\":\"%s\","
	    "\"CurrentDirectory\":\"/tmp\",\"User\":\"root\",\"LogonGuid\":\"{3d1219c7-0029-d360-"
	    "7d20-0000ffffffff}\",\"LogonId\":\"-\",\"TerminalSessionId\":\"-\",\"IntegrityLevel\":"
	    "\"no level\",\"Hashes\":\"SHA256=F5ADB8BF0100ED0F8C7782CA5F92814E9229525A4B4E0D401CF3B"
	    "EA09AC960A6\",\"ParentProcessGuid\":\"%s\",\"ParentProcessId\":%u,\"ParentImage\":"
	    "\"/usr/bin/"
	    "dash\",\"ParentCommandLine\":\"sh\",\"ParentUser\":\"root\",\"ContainerId\":"
	    "\"-\",\"Tty\":\"-\",\"Environment\":\"-\"}\n",
	    seq, seq % 1000, gs, 10000 + g, image, cmd, ps, 10000 + parent);
}

/* Another event of process g (parent: the InitiatingProcessParentGuid, 0
 * for "-"), with extra fields. */
static void ev(FILE *f, unsigned id, const char *name, unsigned g, unsigned parent,
	       const char *extra)
{
	char gs[48], ps[48] = "-";

	guid(gs, g);
	if (parent)
		guid(ps, parent);
	seq++;
	fprintf(
	    f,
	    "{\"EventID\":%u,\"Event\":\"%s\",\"Computer\":\"vm\",\"SequenceNumber\":%lu,"
	    "\"RuleName\":\"-\",\"UtcTime\":\"2026-12-05 07:06:13.%03lu\",\"ProcessGuid\":\"%s\","
	    "\"ProcessId\":%u,\"Image\":\"/usr/bin/dash\",%s%s\"User\":\"root\","
	    "\"InitiatingProcessCommandLine\":\"sh\",\"InitiatingProcessParentGuid\":\"%s\","
	    "\"InitiatingProcessParentImage\":\"/usr/bin/dash\",\"InitiatingProcessHashes\":"
	    "\"SHA256=F5ADB8BF0100ED0F8C7782CA5F92814E9229525A4B4E0D401CF3BEA09AC960A6\","
	    "\"ContainerId\":\"-\"}\n",
	    id, name, seq, seq % 1000, gs, 10000 + g, extra, extra[0] ? "," : "", ps);
}

static void write_events(void)
{
	int fd = mkstemp(events_path);
	FILE *f = fdopen(fd, "w");
	char *big;

	assert_non_null(f);
	seq = 0;
	fprintf(f, "{\"EventID\":4,\"Event\":\"SensorStateChange\",\"Computer\":\"vm\","
		   "\"SequenceNumber\":1,\"UtcTime\":\"2026-12-05 07:06:12.000\",\"State\":"
		   "\"Started\",\"Version\":\"0.9.0\",\"SchemaVersion\":\"4.90\"}\n");
	seq++;
	/* The runner (never in a tree). */
	pc(f, 0x1, 0xa0, "/usr/sbin/vigil", "vigil atomics run /x --sensor-output /tmp/e");
	/* Test 0: root, command shell, child, grandchild (whose read comes
	 * before any ProcessCreate of its line, with no initiating parent), a
	 * process exec'd with test 3's root marker, a cleanup shell. */
	pc(f, 0x10, 0x1, "/usr/bin/dash", MK ":0");
	ev(f, 208, "SensitiveFileRead", 0x13, 0,
	   "\"TargetFilename\":\"/etc/shadow\",\"Flags\":\"O_RDONLY\"");
	pc(f, 0x11, 0x10, "/usr/bin/dash", MK ":0:command -c sh -c cat /etc/shadow");
	pc(f, 0x12, 0x11, "/usr/bin/dash", "sh -c cat /etc/shadow");
	pc(f, 0x13, 0x12, "/usr/bin/cat", "cat /etc/shadow");
	pc(f, 0x15, 0x12, "/usr/bin/dash", MK ":3 -c id");
	ev(f, 5, "ProcessTerminate", 0x13, 0x12, "\"ExitCode\":0");
	pc(f, 0x14, 0x10, "/usr/bin/dash", MK ":0:cleanup -c rm -f /tmp/x");
	ev(f, 23, "FileDelete", 0x14, 0x10,
	   "\"TargetFilename\":\"/tmp/x\",\"Hashes\":\"-\",\"IsExecutable\":\"false\","
	   "\"Archived\":\"false\"");
	/* Look-alikes outside any tree. */
	pc(f, 0x20, 0x2, "/usr/bin/grep", "grep " MK ":0 /var/log/syslog");
	ev(f, 11, "FileCreate", 0x20, 0x2, "\"TargetFilename\":\"/tmp/unrelated\"");
	pc(f, 0x21, 0x2, "/usr/bin/dash", MK ":01 -c touch /tmp/y");
	ev(f, 11, "FileCreate", 0x21, 0x2, "\"TargetFilename\":\"/tmp/y\"");
	pc(f, 0x22, 0x2, "/usr/bin/cat", "cat /etc/shadow");
	ev(f, 208, "SensitiveFileRead", 0x22, 0x2, "\"TargetFilename\":\"/etc/shadow\"");
	pc(f, 0x23, 0x2, "/usr/bin/dash", "vigil-atomic:fedcba9876543210:0 -c id");
	pc(f, 0x24, 0x2, "/usr/bin/dash", MK ":0x -c id");
	/* Bad lines. */
	fprintf(f, "this is not json\n{\"EventID\":9999,\"Event\":\"Nope\"}\n");
	big = malloc(ATOMICS_SCORE_LINE_MAX + 100);
	assert_non_null(big);
	memset(big, 'x', ATOMICS_SCORE_LINE_MAX + 99);
	big[ATOMICS_SCORE_LINE_MAX + 99] = '\0';
	fprintf(f, "%s\n", big);
	free(big);
	/* Test 1: the phase shell writes a file itself, and a forked child
	 * that never execs (no ProcessCreate, no ProcessFork) writes another. */
	pc(f, 0x30, 0x1, "/usr/bin/dash", MK ":1 -c run");
	pc(f, 0x31, 0x30, "/usr/bin/dash", MK ":1:command -c echo a > /tmp/a; (echo b > /tmp/b)");
	ev(f, 11, "FileCreate", 0x31, 0x30, "\"TargetFilename\":\"/tmp/a\"");
	ev(f, 11, "FileCreate", 0x32, 0x31, "\"TargetFilename\":\"/tmp/b\"");
	fprintf(f,
		"{\"EventID\":242,\"Event\":\"DetectionAlert\",\"Computer\":\"vm\","
		"\"SequenceNumber\":%lu,\"UtcTime\":\"2026-12-05 07:06:14.000\",\"RuleId\":\"x\","
		"\"RuleTitle\":\"x\",\"RuleLevel\":\"high\",\"Tags\":\"-\",\"MatchedEventID\":1,"
		"\"MatchedSequenceNumber\":3,\"ProcessGuid\":\"{3d1219c7-0029-d3b3-0000-"
		"000000000031}\",\"Image\":\"/usr/bin/dash\"}\n",
		++seq);
	/* Test 2: uname runs in the prerequisite phase; the command phase has
	 * only its shell's ProcessCreate. */
	pc(f, 0x40, 0x1, "/usr/bin/dash", MK ":2");
	pc(f, 0x41, 0x40, "/usr/bin/dash", MK ":2:prereq0 -c uname -a");
	pc(f, 0x42, 0x41, "/usr/bin/uname", "uname -a");
	pc(f, 0x43, 0x40, "/usr/bin/dash", MK ":2:command -c hostname");
	/* Test 3: ran, failed. */
	pc(f, 0x50, 0x1, "/usr/bin/dash", MK ":3");
	pc(f, 0x51, 0x50, "/usr/bin/dash", MK ":3:command -c whoami; false");
	pc(f, 0x52, 0x51, "/usr/bin/whoami", "whoami");
	/* Test 5: T1552.007 has no row of its own: T1552's DCs. */
	pc(f, 0x60, 0x1, "/usr/bin/dash", MK ":5");
	pc(f, 0x61, 0x60, "/usr/bin/dash", MK ":5:command -c cat /root/.aws/credentials");
	pc(f, 0x62, 0x61, "/usr/bin/cat", "cat /root/.aws/credentials");
	ev(f, 208, "SensitiveFileRead", 0x62, 0x61,
	   "\"TargetFilename\":\"/root/.aws/credentials\",\"Flags\":\"O_RDONLY\"");
	/* The end marker and the runner's exit. */
	pc(f, 0x70, 0x1, "/usr/bin/true", MK ":end");
	ev(f, 5, "ProcessTerminate", 0x1, 0xa0, "\"ExitCode\":0");
	assert_int_equal(fclose(f), 0);
}

static const char manifest_text[] =
    "{\"vigil_atomics_manifest\":1,\"runid\":\"" RUNID "\",\"atomics_dir\":\"/x\","
    "\"host\":\"vm\",\"started\":\"2026-12-05T07:06:12.000Z\",\"finished\":"
    "\"2026-12-05T07:06:20.000Z\",\"timeout_s\":60,\"tests\":["
    "{\"index\":0,\"technique\":\"T1003.008\",\"number\":1,\"name\":\"Read shadow\","
    "\"guid\":\"g0\",\"executor\":\"sh\",\"ran\":true,\"skip_reason\":null,\"root_marker\":\"" MK
    ":0\",\"root_pid\":10016,\"phases\":[{\"phase\":\"command\",\"exit\":0,\"signal\":0,"
    "\"timed_out\":false,\"ms\":12}],\"succeeded\":true,\"output\":\"root:*:\","
    "\"start\":\"s\",\"end\":\"e\"},"
    "{\"index\":1,\"technique\":\"T1543.002\",\"number\":2,\"name\":\"Unit\",\"ran\":true,"
    "\"succeeded\":true},"
    "{\"index\":2,\"technique\":\"T1082\",\"number\":3,\"name\":\"Hostname\",\"ran\":true,"
    "\"succeeded\":true},"
    "{\"index\":3,\"technique\":\"T1033\",\"number\":1,\"name\":\"Whoami\",\"ran\":true,"
    "\"succeeded\":false},"
    "{\"index\":4,\"technique\":\"T1552.005\",\"number\":1,\"name\":\"IMDS\",\"ran\":false,"
    "\"skip_reason\":\"download: 'curl' in get_prereq_command\"},"
    "{\"index\":5,\"technique\":\"T1552.007\",\"number\":1,\"name\":\"Aws creds\",\"ran\":true,"
    "\"succeeded\":true},"
    "{\"index\":6,\"technique\":\"T1082\",\"number\":9,\"name\":\"By hand\",\"ran\":false,"
    "\"skip_reason\":\"manual: steps for a person, no command\"}]}";

static struct json_object *score(const char *rules, int want_rc, char **errout)
{
	struct json_object *m = json_tokener_parse(manifest_text), *res = NULL;
	char *buf = NULL;
	size_t len = 0;
	FILE *err = open_memstream(&buf, &len);
	int rc;

	assert_non_null(m);
	rc = atomics_score(m, events_path, rules, &res, err);
	fclose(err);
	json_object_put(m);
	assert_int_equal(rc, want_rc);
	if (errout)
		*errout = buf;
	else
		free(buf);
	return res;
}

static struct json_object *get(struct json_object *o, const char *path)
{
	char buf[256], *save = NULL;

	snprintf(buf, sizeof(buf), "%s", path);
	for (char *k = strtok_r(buf, ".", &save); k; k = strtok_r(NULL, ".", &save)) {
		struct json_object *n = NULL;

		if (json_object_is_type(o, json_type_array))
			n = json_object_array_get_idx(o, (size_t)atoi(k));
		else if (!json_object_object_get_ex(o, k, &n))
			fail_msg("no %s in %s", k, path);
		o = n;
	}
	return o;
}

static int64_t num(struct json_object *o, const char *path)
{
	struct json_object *v = get(o, path);

	if (!json_object_is_type(v, json_type_int))
		fail_msg("%s is not a number", path);
	return json_object_get_int64(v);
}

static const char *str(struct json_object *o, const char *path)
{
	return json_object_get_string(get(o, path));
}

static bool boolean(struct json_object *o, const char *path)
{
	struct json_object *v = get(o, path);

	if (!json_object_is_type(v, json_type_boolean))
		fail_msg("%s is not a boolean", path);
	return json_object_get_boolean(v);
}

/* The data component id of test i, or NULL. */
static struct json_object *dc(struct json_object *r, int i, const char *id)
{
	char p[64];
	struct json_object *arr;

	snprintf(p, sizeof(p), "results.%d.data_components", i);
	arr = get(r, p);
	for (size_t k = 0; k < json_object_array_length(arr); k++) {
		struct json_object *d = json_object_array_get_idx(arr, k);

		if (strcmp(str(d, "id"), id) == 0)
			return d;
	}
	return NULL;
}

static int setup(void **state)
{
	write_events();
	return 0;
}

static int teardown(void **state)
{
	unlink(events_path);
	return 0;
}

static void test_attribution(void **state)
{
	char *err;
	struct json_object *r = score(NULL, 0, &err);

	/* Test 0: root, command shell, child, grandchild (incl. the read that
	 * came first), the process carrying test 3's marker, cleanup shell
	 * and its delete; no look-alike. */
	assert_int_equal(num(r, "results.0.events"), 9);
	assert_int_equal(num(r, "results.0.event_types.ProcessCreate"), 6);
	assert_int_equal(num(r, "results.0.event_types.SensitiveFileRead"), 1);
	assert_int_equal(num(r, "results.0.event_types.ProcessTerminate"), 1);
	assert_int_equal(num(r, "results.0.event_types.FileDelete"), 1);
	assert_int_equal(json_object_object_length(get(r, "results.0.event_types")), 4);
	/* The command phase: the shell, child, grandchild, look-alike root. */
	assert_int_equal(num(r, "results.0.command_events"), 6);
	assert_int_equal(num(r, "results.0.command_event_types.ProcessCreate"), 4);
	assert_int_equal(num(r, "results.0.command_event_types.SensitiveFileRead"), 1);
	assert_null(json_object_object_get(get(r, "results.0.command_event_types"), "FileDelete"));
	assert_true(boolean(r, "results.0.root_seen"));
	/* Test 1: the fork-only child through InitiatingProcessParentGuid; the
	 * sensor's own DetectionAlert is not an event of the test. */
	assert_int_equal(num(r, "results.1.events"), 4);
	assert_int_equal(num(r, "results.1.event_types.FileCreate"), 2);
	assert_int_equal(num(r, "results.1.command_event_types.FileCreate"), 2);
	assert_int_equal(num(r, "results.1.command_events"), 3);
	/* Test 2: uname in prereq0, not in the command phase. */
	assert_int_equal(num(r, "results.2.events"), 4);
	assert_int_equal(num(r, "results.2.command_events"), 1);
	/* Test 3 has only its own tree, not the process named like its root. */
	assert_int_equal(num(r, "results.3.events"), 3);
	assert_int_equal(num(r, "results.3.command_events"), 2);
	assert_int_equal(num(r, "results.4.events"), 0);
	assert_false(boolean(r, "results.4.root_seen"));
	assert_int_equal(num(r, "results.5.events"), 4);
	assert_int_equal(num(r, "results.6.events"), 0);
	/* Nothing else: runner, end marker, look-alikes, other runid. */
	assert_int_equal(num(r, "input.attributed"), 9 + 4 + 4 + 3 + 4);
	/* Bad lines counted and named, the rest still scored. */
	assert_int_equal(num(r, "input.bad_lines"), 2);
	assert_int_equal(num(r, "input.oversize_lines"), 1);
	assert_int_equal(num(r, "input.lines"), (int64_t)seq + 3);
	assert_int_equal(num(r, "input.events"), (int64_t)seq);
	assert_non_null(strstr(err, ":22: line longer than 1048576 bytes, skipped\n"));
	assert_non_null(strstr(err, ":20: "));
	assert_non_null(strstr(err, ":21: "));
	free(err);
	json_object_put(r);
}

static void test_fields_and_dcs(void **state)
{
	struct json_object *r = score(NULL, 0, NULL), *d;

	assert_int_equal(num(r, "vigil_atomics_results"), 1);
	assert_string_equal(str(r, "runid"), RUNID);
	assert_string_equal(str(r, "host"), "vm");
	assert_string_equal(str(r, "atomics_dir"), "/x");
	assert_string_equal(str(r, "started"), "2026-12-05T07:06:12.000Z");
	assert_string_equal(str(r, "sensor_output"), events_path);
	assert_null(get(r, "sigma"));
	assert_int_equal(json_object_array_length(get(r, "results")), 7);
	/* Every manifest field copied. */
	assert_string_equal(str(r, "results.0.name"), "Read shadow");
	assert_string_equal(str(r, "results.0.output"), "root:*:");
	assert_int_equal(num(r, "results.0.root_pid"), 10016);
	assert_int_equal(num(r, "results.0.phases.0.ms"), 12);
	assert_null(get(r, "results.0.skip_reason"));
	assert_string_equal(str(r, "results.0.technique_name"),
			    "OS Credential Dumping: /etc/passwd and /etc/shadow");
	/* T1003.008: File Access is key, Process Creation is not (generic). */
	d = dc(r, 0, "DC0055");
	assert_non_null(d);
	assert_true(boolean(d, "key"));
	assert_true(boolean(d, "seen"));
	assert_string_equal(str(d, "by.0"), "SensitiveFileRead");
	d = dc(r, 0, "DC0032");
	assert_false(boolean(d, "key"));
	assert_true(boolean(d, "seen"));
	assert_string_equal(str(r, "results.0.telemetry"), "covered");
	assert_true(boolean(r, "results.0.key_seen"));
	assert_string_equal(str(r, "results.0.verdict"), "verified");
	/* T1543.002 (no key table row): File Creation and Service Creation
	 * seen through FileCreate, File Modification not. */
	assert_true(boolean(dc(r, 1, "DC0039"), "seen"));
	assert_true(boolean(dc(r, 1, "DC0039"), "key"));
	assert_string_equal(str(dc(r, 1, "DC0039"), "source"), "attack");
	assert_true(boolean(dc(r, 1, "DC0060"), "seen"));
	assert_true(boolean(dc(r, 1, "DC0061"), "key"));
	assert_false(boolean(dc(r, 1, "DC0061"), "seen"));
	assert_int_equal(num(r, "results.1.key_needed"), 3);
	assert_int_equal(num(r, "results.1.key_met"), 2);
	assert_null(json_object_object_get(get(r, "results.1"), "key_dc_row"));
	assert_string_equal(str(r, "results.1.telemetry"), "partial");
	assert_string_equal(str(r, "results.1.verdict"), "partial");
	/* T1082: Process Creation is key (nothing more specific); the command
	 * shell's own ProcessCreate does not count, uname ran in prereq0. */
	assert_true(boolean(dc(r, 2, "DC0032"), "key"));
	assert_false(boolean(dc(r, 2, "DC0032"), "seen"));
	assert_string_equal(str(r, "results.2.telemetry"), "not_seen");
	assert_false(boolean(r, "results.2.key_seen"));
	assert_string_equal(str(r, "results.2.verdict"), "not_seen");
	/* T1033 failed: no telemetry verdict, whoami still seen. */
	assert_string_equal(str(r, "results.3.telemetry"), "n/a");
	assert_true(boolean(r, "results.3.key_seen"));
	assert_string_equal(str(r, "results.3.verdict"), "command_failed");
	/* Skipped, with the parent's DCs for a sub-technique without a row. */
	assert_string_equal(str(r, "results.4.verdict"), "skipped");
	assert_string_equal(str(r, "results.4.telemetry"), "n/a");
	assert_string_equal(str(r, "results.4.data_components_of"), "T1552");
	/* T1552.007: T1552's File Access, seen. */
	assert_string_equal(str(r, "results.5.data_components_of"), "T1552");
	assert_string_equal(str(r, "results.5.technique_name"), "Unsecured Credentials");
	assert_true(boolean(dc(r, 5, "DC0055"), "seen"));
	assert_string_equal(str(r, "results.5.verdict"), "verified");
	assert_string_equal(str(r, "results.6.verdict"), "skipped");
	/* No --sigma: no alerts. */
	assert_int_equal(json_object_array_length(get(r, "results.0.alerts")), 0);
	assert_false(boolean(r, "results.0.alert"));
	json_object_put(r);
}

static void test_totals(void **state)
{
	struct json_object *r = score(RULES, 0, NULL);

	assert_int_equal(num(r, "totals.tests"), 7);
	assert_int_equal(num(r, "totals.ran"), 5);
	assert_int_equal(num(r, "totals.skipped"), 2);
	assert_int_equal(num(r, "totals.skipped_by_reason.download"), 1);
	assert_int_equal(num(r, "totals.skipped_by_reason.manual"), 1);
	assert_int_equal(num(r, "totals.succeeded"), 4);
	assert_int_equal(num(r, "totals.key_seen"), 3);
	assert_int_equal(num(r, "totals.covered"), 2);
	assert_int_equal(num(r, "totals.alerted"), 5);
	assert_int_equal(num(r, "totals.nongeneric_alerted"), 1);
	assert_int_equal(num(r, "totals.by_verdict.verified"), 2);
	assert_int_equal(num(r, "totals.by_verdict.partial"), 1);
	assert_int_equal(num(r, "totals.by_verdict.not_seen"), 1);
	assert_int_equal(num(r, "totals.by_verdict.command_failed"), 1);
	assert_int_equal(num(r, "totals.by_verdict.skipped"), 2);
	json_object_put(r);
}

static void test_sigma(void **state)
{
	struct json_object *r = score(RULES, 0, NULL);

	assert_non_null(strstr(str(r, "sigma"), RULES));
	/* Test 0: the dash -c stand-in on the command shell, the child, the
	 * look-alike root and the cleanup shell; the specific rule on the
	 * command shell, child and grandchild (not the unrelated cat). */
	assert_int_equal(json_object_array_length(get(r, "results.0.alerts")), 2);
	assert_string_equal(str(r, "results.0.alerts.0.id"),
			    "30bcce26-51c5-49f2-99c8-7b59e3af36c7");
	assert_true(boolean(r, "results.0.alerts.0.generic"));
	assert_int_equal(num(r, "results.0.alerts.0.count"), 4);
	assert_int_equal(num(r, "results.0.alerts.0.command_count"), 3);
	assert_string_equal(str(r, "results.0.alerts.1.title"), "Shadow File Read By Cat");
	assert_string_equal(str(r, "results.0.alerts.1.level"), "high");
	assert_false(boolean(r, "results.0.alerts.1.generic"));
	assert_int_equal(num(r, "results.0.alerts.1.count"), 3);
	assert_true(boolean(r, "results.0.alert"));
	assert_true(boolean(r, "results.0.nongeneric_alert"));
	/* Test 1: only the generic rule, on its root and command shells. */
	assert_int_equal(json_object_array_length(get(r, "results.1.alerts")), 1);
	assert_int_equal(num(r, "results.1.alerts.0.count"), 2);
	assert_int_equal(num(r, "results.1.alerts.0.command_count"), 1);
	assert_true(boolean(r, "results.1.alert"));
	assert_false(boolean(r, "results.1.nongeneric_alert"));
	/* Test 2: the specific rule fired only in prereq0: listed, with no
	 * command-phase count, and it does not make "nongeneric_alert". */
	assert_int_equal(json_object_array_length(get(r, "results.2.alerts")), 2);
	assert_string_equal(str(r, "results.2.alerts.1.title"), "Uname Run");
	assert_int_equal(num(r, "results.2.alerts.1.count"), 2);
	assert_int_equal(num(r, "results.2.alerts.1.command_count"), 0);
	assert_false(boolean(r, "results.2.alerts.1.generic"));
	assert_true(boolean(r, "results.2.alert"));
	assert_false(boolean(r, "results.2.nongeneric_alert"));
	assert_int_equal(json_object_array_length(get(r, "results.4.alerts")), 0);
	json_object_put(r);
}

static void test_generic_list(void **state)
{
	assert_true(atomics_score_generic_rule("30bcce26-51c5-49f2-99c8-7b59e3af36c7", "x"));
	assert_true(atomics_score_generic_rule("2fade0b6-7423-4835-9d4f-335b39b83867", NULL));
	assert_true(
	    atomics_score_generic_rule("", "Shell Execution Of Process Located In Tmp Directory"));
	assert_false(atomics_score_generic_rule("b45e3d6f-42c6-47d8-a478-df6bd6cf534c",
						"Local System Accounts Discovery - Linux"));
	assert_false(atomics_score_generic_rule("", "anything"));
}

static void bad(const char *text, const char *want)
{
	struct json_object *m = json_tokener_parse(text), *res = (void *)1;
	char *buf = NULL;
	size_t len = 0;
	FILE *err = open_memstream(&buf, &len);

	assert_non_null(m);
	assert_int_equal(atomics_score(m, events_path, NULL, &res, err), -EINVAL);
	fclose(err);
	assert_null(res);
	if (!strstr(buf, want))
		fail_msg("'%s' not in '%s'", want, buf);
	assert_int_equal(strncmp(buf, "manifest: ", 10), 0);
	free(buf);
	json_object_put(m);
}

static void test_bad_manifest(void **state)
{
	bad("[1]", "not a JSON object");
	bad("{\"runid\":\"" RUNID "\",\"tests\":[]}", "vigil_atomics_manifest");
	bad("{\"vigil_atomics_manifest\":2,\"runid\":\"" RUNID "\",\"tests\":[]}",
	    "vigil_atomics_manifest");
	bad("{\"vigil_atomics_manifest\":1,\"runid\":\"0123456789ABCDEF\",\"tests\":[]}", "runid");
	bad("{\"vigil_atomics_manifest\":1,\"runid\":\"" RUNID "\"}", "\"tests\" is not an array");
	bad("{\"vigil_atomics_manifest\":1,\"runid\":\"" RUNID "\",\"tests\":[{\"index\":1,"
	    "\"technique\":\"T1082\",\"ran\":false}]}",
	    "tests[0]: \"index\" is not 0");
	bad("{\"vigil_atomics_manifest\":1,\"runid\":\"" RUNID "\",\"tests\":[{\"index\":0,"
	    "\"ran\":false}]}",
	    "tests[0]: \"technique\"");
	bad("{\"vigil_atomics_manifest\":1,\"runid\":\"" RUNID "\",\"tests\":[{\"index\":0,"
	    "\"technique\":\"T1082\",\"ran\":true}]}",
	    "\"succeeded\"");
}

static void test_write_and_print(void **state)
{
	struct json_object *r = score(NULL, 0, NULL), *back;
	char path[] = "/tmp/vigil-test-atomics-results-XXXXXX", *buf = NULL;
	size_t len = 0;
	struct stat st;
	FILE *out;
	int fd = mkstemp(path);

	/* A fresh file, 0600; an existing one is refused. */
	assert_true(fd >= 0);
	close(fd);
	assert_int_equal(atomics_write_json(path, r), -EEXIST);
	unlink(path);
	assert_int_equal(atomics_write_json(path, r), 0);
	assert_int_equal(stat(path, &st), 0);
	assert_int_equal(st.st_mode & 07777, 0600);
	back = json_object_from_file(path);
	assert_non_null(back);
	assert_string_equal(str(back, "results.5.verdict"), "verified");
	json_object_put(back);
	unlink(path);
	out = open_memstream(&buf, &len);
	atomics_score_print(out, r);
	fclose(out);
	assert_non_null(strstr(buf,
			       "T1003.008-1      verified       key DCs 1/1  events 9 (command 6)  "
			       "alerts 0 (0 non-generic)\n"
			       "T1543.002-2      partial        key DCs 2/3  "));
	assert_non_null(strstr(buf,
			       "\n7 tests: 5 ran, 2 skipped, 4 succeeded, 3 key behaviour seen, 2 "
			       "covered, 0 alerted, 0 non-generic alert; "));
	free(buf);
	json_object_put(r);
}

/* A data directory of this tree's ATT&CK data and event map with key table
 * text table; VIGIL_DATADIR points at it until drop_datadir. */
static char keydir[] = "/tmp/vigil-test-keydc-XXXXXX";

static void make_datadir(const char *table)
{
	char cwd[4096], from[4200], to[4200];
	FILE *f;

	assert_non_null(getcwd(cwd, sizeof(cwd)));
	strcpy(keydir, "/tmp/vigil-test-keydc-XXXXXX");
	assert_non_null(mkdtemp(keydir));
	snprintf(from, sizeof(from), "%s/data/attack", cwd);
	snprintf(to, sizeof(to), "%s/attack", keydir);
	assert_int_equal(symlink(from, to), 0);
	snprintf(from, sizeof(from), "%s/data/event_dc_map.tsv", cwd);
	snprintf(to, sizeof(to), "%s/event_dc_map.tsv", keydir);
	assert_int_equal(symlink(from, to), 0);
	snprintf(to, sizeof(to), "%s/atomics_key_dc.tsv", keydir);
	f = fopen(to, "w");
	assert_non_null(f);
	fputs(table, f);
	fclose(f);
	setenv("VIGIL_DATADIR", keydir, 1);
}

static void drop_datadir(void)
{
	char p[4200];

	unsetenv("VIGIL_DATADIR");
	for (const char *const *n =
		 (const char *const[]){"attack", "event_dc_map.tsv", "atomics_key_dc.tsv", NULL};
	     *n; n++) {
		snprintf(p, sizeof(p), "%s/%s", keydir, *n);
		unlink(p);
	}
	rmdir(keydir);
}

/* The key table: a row replaces the rule for its technique and for a
 * sub-technique without a row; added DCs say "source":"vigil"; a "|"
 * requirement is met by any one of its DCs. */
static void test_key_table(void **state)
{
	struct json_object *r, *any;

	make_datadir("# comment\n"
		     "\n"
		     "T1003.008\tDC0061\tits own row, a DC ATT&CK does not list\n"
		     "T1543\tDC0039|DC0040;DC0032\tthe parent's row\n");
	r = score(NULL, 0, NULL);
	drop_datadir();
	/* T1003.008: key exactly File Modification (added, not seen); ATT&CK's
	 * File Access stays listed, seen, not key. */
	assert_string_equal(str(r, "results.0.key_dc_row"), "T1003.008");
	assert_true(boolean(dc(r, 0, "DC0061"), "key"));
	assert_false(boolean(dc(r, 0, "DC0061"), "seen"));
	assert_string_equal(str(dc(r, 0, "DC0061"), "source"), "vigil");
	assert_false(boolean(dc(r, 0, "DC0055"), "key"));
	assert_true(boolean(dc(r, 0, "DC0055"), "seen"));
	assert_string_equal(str(dc(r, 0, "DC0055"), "source"), "attack");
	assert_string_equal(str(r, "results.0.telemetry"), "not_seen");
	assert_false(boolean(r, "results.0.key_seen"));
	/* T1543.002 has no row: T1543's. File Creation meets the first
	 * requirement (File Deletion, added, is its alternative); Process
	 * Creation, generic but listed, is key and not seen (only the phase
	 * shell ran). Service Creation and File Modification are not key. */
	assert_string_equal(str(r, "results.1.key_dc_row"), "T1543");
	assert_int_equal(num(r, "results.1.key_needed"), 2);
	assert_int_equal(num(r, "results.1.key_met"), 1);
	assert_true(boolean(dc(r, 1, "DC0039"), "key"));
	assert_true(boolean(dc(r, 1, "DC0039"), "seen"));
	assert_true(boolean(dc(r, 1, "DC0040"), "key"));
	assert_false(boolean(dc(r, 1, "DC0040"), "seen"));
	assert_string_equal(str(dc(r, 1, "DC0040"), "source"), "vigil");
	any = get(dc(r, 1, "DC0040"), "key_any_of");
	assert_int_equal(json_object_array_length(any), 2);
	assert_string_equal(str(any, "0"), "DC0039");
	assert_string_equal(str(any, "1"), "DC0040");
	assert_true(boolean(dc(r, 1, "DC0032"), "key"));
	assert_false(boolean(dc(r, 1, "DC0032"), "seen"));
	assert_false(boolean(dc(r, 1, "DC0060"), "key"));
	assert_false(boolean(dc(r, 1, "DC0061"), "key"));
	assert_string_equal(str(r, "results.1.telemetry"), "partial");
	/* T1082 has no row and no parent's: the default rule. */
	assert_null(json_object_object_get(get(r, "results.2"), "key_dc_row"));
	assert_true(boolean(dc(r, 2, "DC0032"), "key"));
	json_object_put(r);
}

/* A malformed row is refused with FILE:LINE, and the scorer does not run. */
static void test_key_table_bad(void **state)
{
	static const struct {
		const char *row, *msg;
	} bad[] = {
	    {"T1003.008\tDC9999\tx\n", ":3: 'DC9999' names no known data component"},
	    {"T1003.008\tDC0061\n", ":3: expected 3 tab-separated columns"},
	    {"T1003.008\tDC0061\tx\ty\n", ":3: expected 3 tab-separated columns"},
	    {"T10038\tDC0061\tx\n", ":3: 'T10038' is not a technique id"},
	    {"T1003.008\tDC0061\t \n", ":3: T1003.008 has no reason"},
	    {"T1003.008\tDC0061;;\tx\n", ":3: empty data component in the key"},
	    {"T1003.008\t\tx\n", ":3: empty data component in the key"},
	    {"T1003.008\tDC0061|DC0061\tx\n", ":3: DC0061 listed twice"},
	    {"T1082\tDC0032\tx\n", ":3: T1082 has a row already"},
	};

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		char table[256], want[512], *err = NULL;
		struct json_object *r;

		snprintf(table, sizeof(table), "# t\nT1082\tDC0064\tx\n%s", bad[i].row);
		make_datadir(table);
		r = score(NULL, -ENODATA, &err);
		snprintf(want, sizeof(want), "%s/atomics_key_dc.tsv%s", keydir, bad[i].msg);
		drop_datadir();
		assert_null(r);
		if (!strstr(err, want))
			fail_msg("row %zu: got '%s', want '%s'", i, err, want);
		free(err);
	}
}

static void test_missing_inputs(void **state)
{
	struct json_object *m = json_tokener_parse(manifest_text), *res = NULL;
	char *buf = NULL;
	size_t len = 0;
	FILE *err = open_memstream(&buf, &len);

	assert_int_equal(atomics_score(m, "/nonexistent/events.jsonl", NULL, &res, err), -ENOENT);
	assert_int_equal(atomics_score(m, events_path, "/nonexistent/rules", &res, err), -ENOENT);
	fclose(err);
	assert_null(res);
	assert_non_null(strstr(buf, "/nonexistent/events.jsonl: No such file or directory\n"));
	assert_non_null(strstr(buf, "/nonexistent/rules: No such file or directory\n"));
	free(buf);
	json_object_put(m);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_attribution),	   cmocka_unit_test(test_fields_and_dcs),
	    cmocka_unit_test(test_totals),	   cmocka_unit_test(test_sigma),
	    cmocka_unit_test(test_generic_list),   cmocka_unit_test(test_bad_manifest),
	    cmocka_unit_test(test_missing_inputs), cmocka_unit_test(test_write_and_print),
	    cmocka_unit_test(test_key_table),	   cmocka_unit_test(test_key_table_bad),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
