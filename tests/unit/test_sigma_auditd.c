/*
 * test_sigma_auditd.c — `service: auditd` Sigma rules on vigil's events
 * (src/detect/sigma_auditd.c): each record type's mapping, the per-event
 * variants, the rules that must stay "no source" with their reason, and the
 * count over SigmaHQ's 54 shipped auditd rules.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "detect/sigma.h"
#include "detect/sigma_auditd.h"
#include "detect/sigma_int.h"

static struct vrec rec;

/* Builds rec: event id, then name/value pairs, NULL-terminated. */
static const struct vrec *mk(unsigned ev, ...)
{
	va_list ap;
	const char *name;

	vrec__reset(&rec, schema__event(ev));
	va_start(ap, ev);
	while ((name = va_arg(ap, const char *)) != NULL) {
		const char *val = va_arg(ap, const char *);
		enum vf_id f = schema__field_by_name(name);

		assert_int_not_equal(f, VF_NONE);
		vrec__set_str(&rec, f, val);
	}
	va_end(ap);
	return &rec;
}

struct reps {
	char last[512];
	int n[4];
};

static void on_report(const struct sigma_report *r, void *ctx)
{
	struct reps *p = ctx;

	p->n[r->status]++;
	if (r->status != SIGMA_LOADED)
		snprintf(p->last, sizeof(p->last), "%s", r->msg);
}

/* One auditd rule with the given detection body. */
static struct sigma_engine *aud(const char *body, struct reps *rp)
{
	static char buf[8192];
	struct sigma_engine *e = sigma__new();

	snprintf(buf, sizeof(buf),
		 "title: A\nid: 22222222-2222-4222-8222-222222222222\n"
		 "logsource:\n  product: linux\n  service: auditd\ndetection:\n%s",
		 body);
	assert_non_null(e);
	assert_int_equal(sigma__add_buf(e, buf, strlen(buf), "a.yml"), 0);
	assert_true(sigma__compile(e, on_report, rp) >= 0);
	return e;
}

static int count_cb(const struct sigma_rule_info *r, const struct vrec *ev, void *ctx)
{
	assert_string_equal(r->title, "A");
	(*(int *)ctx)++;
	return 0;
}

static int hits(struct sigma_engine *e, const struct vrec *r)
{
	int n = 0, rc = sigma__match(e, r, count_cb, &n);

	assert_int_equal(rc, n);
	return n;
}

#define EXEC(img, cl) mk(1, "Image", img, "CommandLine", cl, NULL)

static void test_execve_arguments(void **state)
{
	struct reps rp = {0};
	struct sigma_engine *e = aud("  sel:\n    type: 'execve'\n    a0: tar\n"
				     "    a1|contains: '-c'\n  condition: sel\n",
				     &rp);

	assert_int_equal(rp.n[SIGMA_LOADED], 1);
	assert_int_equal(sigma__rule_count(e), 1);
	assert_int_equal(hits(e, EXEC("/usr/bin/tar", "tar -czf /tmp/x.tgz d")), 1);
	assert_int_equal(hits(e, EXEC("/usr/bin/tar", "tar -xzf /tmp/x.tgz")), 0);
	/* a0 is argv[0] as written, not the image */
	assert_int_equal(hits(e, EXEC("/usr/bin/tar", "/usr/bin/tar -czf x d")), 0);
	/* a1 is the second argument, not any later one */
	assert_int_equal(hits(e, EXEC("/usr/bin/tar", "tar x -c")), 0);
	/* EXECVE is a ProcessCreate only */
	assert_int_equal(hits(e, mk(11, "Image", "/usr/bin/tar", "TargetFilename", "-c", NULL)), 0);
	sigma__free(e);

	/* a<N> past the arguments is absent; argc counts them */
	memset(&rp, 0, sizeof(rp));
	e = aud("  sel:\n    type: EXECVE\n    a3: z\n    argc: 4\n  condition: sel\n", &rp);
	assert_int_equal(hits(e, EXEC("/bin/x", "x y  z")), 1); /* an empty argument */
	assert_int_equal(hits(e, EXEC("/bin/x", "x y z")), 0);
	sigma__free(e);
}

static void test_keywords_search_the_arguments(void **state)
{
	struct reps rp = {0};
	struct sigma_engine *e = aud("  sel:\n    type: EXECVE\n  kw:\n    '|all':\n"
				     "      - truncate\n      - '-s'\n  flt:\n    - 'of='\n"
				     "  condition: sel and kw and not flt\n",
				     &rp);

	assert_int_equal(rp.n[SIGMA_LOADED], 1);
	assert_int_equal(hits(e, EXEC("/usr/bin/truncate", "truncate -s +10 f")), 1);
	assert_int_equal(hits(e, EXEC("/usr/bin/truncate", "truncate -s +10 of=f")), 0);
	/* keywords read the EXECVE record (the arguments), not the parent's */
	assert_int_equal(hits(e, mk(1, "Image", "/bin/ls", "CommandLine", "ls", "ParentCommandLine",
				    "truncate -s 1 f", NULL)),
			 0);
	sigma__free(e);
}

static void test_path_onto_file_events(void **state)
{
	struct reps rp = {0};
	struct sigma_engine *e = aud(
	    "  sel:\n    type: PATH\n    name:\n      - /etc/profile\n      - '/home/*/.bashrc'\n"
	    "  condition: sel\n",
	    &rp);

	assert_int_equal(rp.n[SIGMA_LOADED], 1);
	/* one rule, however many events it compiled for */
	assert_int_equal(sigma__rule_count(e), 1);
	assert_int_equal(hits(e, mk(200, "TargetFilename", "/home/bob/.bashrc", NULL)), 1);
	assert_int_equal(hits(e, mk(11, "TargetFilename", "/etc/profile", NULL)), 1);
	assert_int_equal(hits(e, mk(23, "TargetFilename", "/etc/profile", NULL)), 1);
	assert_int_equal(hits(e, mk(202, "TargetFilename", "/etc/profile", NULL)), 1);
	assert_int_equal(hits(e, mk(2, "TargetFilename", "/etc/profile", NULL)), 1);
	/* a rename has a PATH record for each name */
	assert_int_equal(
	    hits(e, mk(201, "SourceFilename", "/tmp/x", "TargetFilename", "/etc/profile", NULL)),
	    1);
	assert_int_equal(
	    hits(e, mk(201, "SourceFilename", "/etc/profile", "TargetFilename", "/tmp/x", NULL)),
	    1);
	/* the PATH record of an exec names the binary */
	assert_int_equal(hits(e, EXEC("/etc/profile", "x")), 1);
	assert_int_equal(hits(e, mk(200, "TargetFilename", "/etc/profile.bak", NULL)), 0);
	assert_int_equal(hits(e, mk(3, "Image", "/etc/profile", NULL)), 0);
	sigma__free(e);

	/* nametype picks the records: CREATE is a FileCreate or a rename's new name */
	memset(&rp, 0, sizeof(rp));
	e = aud("  p:\n    type: PATH\n    nametype: CREATE\n  n:\n    name|contains: "
		"'/.config/systemd/user/'\n  condition: p and n\n",
		&rp);
	assert_int_equal(rp.n[SIGMA_LOADED], 1);
	assert_int_equal(
	    hits(e, mk(11, "TargetFilename", "/h/.config/systemd/user/a.service", NULL)), 1);
	assert_int_equal(hits(e, mk(201, "SourceFilename", "/h/x", "TargetFilename",
				    "/h/.config/systemd/user/a.service", NULL)),
			 1);
	assert_int_equal(
	    hits(e, mk(200, "TargetFilename", "/h/.config/systemd/user/a.service", NULL)), 0);
	sigma__free(e);
}

static void test_syscall_records(void **state)
{
	struct reps rp = {0};
	/* comm is the name the program was run as (insmod), exe the binary */
	struct sigma_engine *e =
	    aud("  sel:\n    type: SYSCALL\n    comm: insmod\n    exe: /usr/bin/kmod\n"
		"  condition: sel\n",
		&rp);

	assert_int_equal(rp.n[SIGMA_LOADED], 1);
	assert_int_equal(hits(e, EXEC("/usr/bin/kmod", "insmod x.ko")), 1);
	assert_int_equal(hits(e, EXEC("/usr/bin/kmod", "modprobe x")), 0);
	sigma__free(e);

	/* comm is cut at 15 bytes, like the kernel's */
	memset(&rp, 0, sizeof(rp));
	e = aud("  sel:\n    type: SYSCALL\n    comm: a-very-long-nam\n  condition: sel\n", &rp);
	assert_int_equal(hits(e, EXEC("/opt/a-very-long-name", "/opt/a-very-long-name")), 1);
	sigma__free(e);

	/* a syscall whose event keeps its name is tested on Syscall */
	memset(&rp, 0, sizeof(rp));
	e = aud("  sel:\n    type: SYSCALL\n    SYSCALL: setuid\n    exe|endswith: /x\n"
		"  condition: sel\n",
		&rp);
	assert_int_equal(rp.n[SIGMA_LOADED], 1);
	assert_int_equal(hits(e, mk(203, "Image", "/bin/x", "Syscall", "setuid", NULL)), 1);
	assert_int_equal(hits(e, mk(203, "Image", "/bin/x", "Syscall", "setresuid", NULL)), 0);
	sigma__free(e);

	/* execve is a ProcessCreate; a filter on the exe still applies */
	memset(&rp, 0, sizeof(rp));
	e = aud("  sel:\n    type: SYSCALL\n    SYSCALL: [execve, execveat]\n"
		"    exe|startswith: /tmp/\n  f:\n    exe|endswith: /ok\n"
		"  condition: sel and not f\n",
		&rp);
	assert_int_equal(hits(e, EXEC("/tmp/evil", "x")), 1);
	assert_int_equal(hits(e, EXEC("/tmp/ok", "x")), 0);
	sigma__free(e);
}

static void test_partial_rules(void **state)
{
	struct reps rp = {0};
	/* a selection on a record vigil never produces is false, as auditd's
	 * record of another type would be; the rest of the rule still works */
	struct sigma_engine *e =
	    aud("  s1:\n    type: EXECVE\n    a0: arecord\n  s2:\n    type: SYSCALL\n"
		"    SYSCALL: memfd_create\n  s3:\n    type: [TTY, USER_TTY]\n"
		"  condition: 1 of s*\n",
		&rp);

	assert_int_equal(rp.n[SIGMA_LOADED], 1);
	assert_int_equal(hits(e, EXEC("/usr/bin/arecord", "arecord -vv")), 1);
	assert_int_equal(hits(e, EXEC("/usr/bin/ls", "ls")), 0);
	sigma__free(e);
}

static void test_no_source_reasons(void **state)
{
	static const struct {
		const char *body, *why;
	} cases[] = {
	    {"  s:\n    type: SYSCALL\n    SYSCALL: execve\n    euid: 33\n  condition: s\n",
	     "service: auditd: euid: vigil's ProcessCreate names the real user (User), not the "
	     "audit ids"},
	    {"  s:\n    type: SYSCALL\n    SYSCALL: socket\n    a0: 26\n  condition: s\n",
	     "service: auditd: SYSCALL: socket has no vigil event"},
	    {"  s:\n    key: susp_activity\n  condition: s\n",
	     "service: auditd: key: names a rule of the host's audit configuration, which vigil "
	     "does not have"},
	    {"  s:\n    type: SERVICE_STOP\n    unit: ufw\n  condition: s\n",
	     "service: auditd: type: SERVICE_STOP has no vigil event"},
	    {"  s:\n    type: PATH\n    inode: 42\n  condition: s\n",
	     "service: auditd: inode: the field of a PATH record has no counterpart in vigil's "
	     "ProcessCreate"},
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct reps rp = {0};
		struct sigma_engine *e = aud(cases[i].body, &rp);

		assert_int_equal(rp.n[SIGMA_NO_SOURCE], 1);
		assert_string_equal(rp.last, cases[i].why);
		assert_int_equal(sigma__rule_count(e), 0);
		sigma__free(e);
	}
}

static void test_correlation_over_variants(void **state)
{
	struct reps rp = {0};
	const char *y = "title: P\nname: p\nlogsource:\n  product: linux\n  service: auditd\n"
			"detection:\n  s:\n    type: PATH\n    name: /etc/profile\n  condition: s\n"
			"---\ntitle: C\ncorrelation:\n  type: event_count\n  rules: p\n"
			"  timespan: 1m\n  condition:\n    gte: 2\n";
	struct sigma_engine *e = sigma__new();

	assert_int_equal(sigma__add_buf(e, y, strlen(y), "c.yml"), 0);
	assert_int_equal(sigma__compile(e, on_report, &rp), 1);
	assert_int_equal(rp.n[SIGMA_UNSUPPORTED], 1);
	assert_string_equal(rp.last, "rule 'p' matches several event types (auditd)");
	sigma__free(e);
}

static void test_virtual_fields(void **state)
{
	char buf[24];
	size_t len = 0;
	const char *v;

	mk(1, "Image", "/usr/bin/kmod", "CommandLine", "insmod /tmp/x.ko", NULL);
	v = sg_aud_vfield(&rec, SG_VF_ARG0 + 1, &len, buf);
	assert_int_equal(len, 9);
	assert_memory_equal(v, "/tmp/x.ko", 9);
	assert_null(sg_aud_vfield(&rec, SG_VF_ARG0 + 2, &len, buf));
	v = sg_aud_vfield(&rec, SG_VF_ARGC, &len, buf);
	assert_memory_equal(v, "2", len);
	v = sg_aud_vfield(&rec, SG_VF_COMM_IMAGE, &len, buf);
	assert_memory_equal(v, "kmod", len);
	v = sg_aud_vfield(&rec, SG_VF_COMM_ARG0, &len, buf);
	assert_memory_equal(v, "insmod", len);
	/* events other than ProcessCreate read the initiating command line */
	mk(200, "Image", "/bin/sh", "InitiatingProcessCommandLine", "/bin/split -b 1", NULL);
	v = sg_aud_vfield(&rec, SG_VF_COMM_ARG0, &len, buf);
	assert_memory_equal(v, "split", len);
}

static void on_count(const struct sigma_report *r, void *ctx)
{
	struct reps *p = ctx;

	p->n[r->status]++;
	if (r->status == SIGMA_NO_SOURCE)
		print_message("no source: %s: %s\n", r->file, r->msg);
}

/* The acceptance number: at most 14 of SigmaHQ's 54 auditd rules without
 * a source. The count is exact so that a change shows. */
static void test_sigmahq_auditd(void **state)
{
	static const char *dirs[] = {
	    "tests/fixtures/sigmahq/rules/linux/auditd",
	    "tests/fixtures/sigmahq/rules-emerging-threats/2026/Exploits/"
	    "CVE-2026-31431/"
	    "lnx_auditd_exploit_cve_2026_31431_af_alg_socket_creation.yml"};
	struct reps rp = {0};
	struct sigma_engine *e = sigma__new();

	for (size_t i = 0; i < 2; i++)
		assert_int_equal(sigma__add_path(e, dirs[i]), 0);
	assert_int_equal(sigma__compile(e, on_count, &rp), 0);
	assert_int_equal(rp.n[0] + rp.n[1] + rp.n[2] + rp.n[3], 54);
	assert_int_equal(rp.n[SIGMA_LOADED], 46);
	assert_int_equal(rp.n[SIGMA_NO_SOURCE], 8);
	assert_int_equal(sigma__rule_count(e), 46);
	sigma__free(e);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_execve_arguments),
	    cmocka_unit_test(test_keywords_search_the_arguments),
	    cmocka_unit_test(test_path_onto_file_events),
	    cmocka_unit_test(test_syscall_records),
	    cmocka_unit_test(test_partial_rules),
	    cmocka_unit_test(test_no_source_reasons),
	    cmocka_unit_test(test_correlation_over_variants),
	    cmocka_unit_test(test_virtual_fields),
	    cmocka_unit_test(test_sigmahq_auditd),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
