/*
 * test_rules.c — the Sysmon configuration engine: the 16 operators and their
 * edge cases, include/exclude precedence, defaults, groups and compound
 * rules, RuleName, options, and the introspection the sensor uses. Every
 * match also checks that the compiled matcher agrees with the naive
 * reference evaluator on every condition.
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

#include "rules/rules_int.h"

#define CFG_HEAD "<Sysmon schemaversion=\"4.90\"><EventFiltering>"
#define CFG(body)                                                                                  \
	"<Sysmon schemaversion=\"4.90\"><EventFiltering>" body "</EventFiltering></Sysmon>"

static struct vrec rec;

static struct ruleset *load(const char *xml)
{
	struct rules_error e;
	struct ruleset *rs = ruleset__load_buf(xml, strlen(xml), "t.xml", &e);

	if (rs == NULL)
		print_message("unexpected error: %s:%d: %s\n", e.file, e.line, e.msg);
	assert_non_null(rs);
	return rs;
}

/* Loads xml expecting an error; returns its line and checks the message
 * contains want. */
static int load_fail(const char *xml, const char *want)
{
	struct rules_error e;
	struct ruleset *rs = ruleset__load_buf(xml, strlen(xml), "bad.xml", &e);

	assert_null(rs);
	assert_string_equal(e.file, "bad.xml");
	if (strstr(e.msg, want) == NULL)
		print_message("message \"%s\" lacks \"%s\"\n", e.msg, want);
	assert_non_null(strstr(e.msg, want));
	return e.line;
}

static void set_pc(const char *image, const char *cmdline)
{
	vrec__reset(&rec, schema__event(EV_PROCESS_CREATE));
	if (image)
		vrec__set_str(&rec, VF_Image, image);
	if (cmdline)
		vrec__set_str(&rec, VF_CommandLine, cmdline);
}

/* Matches rec, checking compiled == naive on every condition and the
 * indexed decision == the by-definition decision. */
static bool m(const struct ruleset *rs, const char **name)
{
	const char *dummy, *n2;
	bool r, r2;

	assert_int_equal(rules__check_conds(rs, &rec), -1);
	r = ruleset__match(rs, &rec, name ? name : &dummy);
	r2 = rules__match_naive(rs, &rec, &n2);
	assert_int_equal(r, r2);
	assert_ptr_equal(name ? *name : dummy, n2);
	return r;
}

/* One include condition on ProcessCreate's Image; true when img matches. */
static bool op1(const char *cond, const char *value, const char *img)
{
	char xml[8192];
	struct ruleset *rs;
	bool r;

	snprintf(xml, sizeof(xml),
		 CFG("<RuleGroup groupRelation=\"or\"><ProcessCreate onmatch=\"include\">"
		     "<Image condition=\"%s\">%s</Image></ProcessCreate></RuleGroup>"),
		 cond, value);
	rs = load(xml);
	set_pc(img, "x");
	r = m(rs, NULL);
	ruleset__free(rs);
	return r;
}

static void test_is(void **state)
{
	assert_true(op1("is", "/usr/bin/bash", "/usr/bin/bash"));
	assert_true(op1("is", "/USR/bin/BASH", "/usr/BIN/bash"));
	assert_false(op1("is", "/usr/bin/bash", "/usr/bin/bash2"));
	assert_false(op1("is", "/usr/bin/bash", "/usr/bin/bas"));
	assert_true(op1("is not", "/usr/bin/bash", "/usr/bin/sh"));
	assert_false(op1("is not", "/usr/bin/BASH", "/usr/bin/bash"));
	assert_true(op1("is any", "/bin/a;/bin/b;/bin/c", "/bin/B"));
	assert_false(op1("is any", "/bin/a;/bin/b;/bin/c", "/bin/d"));
	/* Trailing and doubled ';' add no empty value. */
	assert_true(op1("is any", "/bin/a;;/bin/b;", "/bin/b"));
	assert_false(op1("is any", "/bin/a;", ""));
	/* A missing condition attribute means `is`. */
	{
		struct ruleset *rs = load(CFG("<ProcessCreate onmatch=\"include\">"
					      "<Image>/bin/ls</Image></ProcessCreate>"));
		set_pc("/BIN/LS", NULL);
		assert_true(m(rs, NULL));
		set_pc("/bin/lsx", NULL);
		assert_false(m(rs, NULL));
		ruleset__free(rs);
	}
}

static void test_contains(void **state)
{
	assert_true(op1("contains", "BIN/b", "/usr/bin/bash"));
	assert_false(op1("contains", "sbin", "/usr/bin/bash"));
	assert_true(op1("contains any", "zzz;bash", "/usr/bin/bash"));
	assert_false(op1("contains any", "zzz;yyy;", "/usr/bin/bash"));
	assert_true(op1("contains all", "usr;bash;/bin", "/usr/bin/bash"));
	assert_false(op1("contains all", "usr;bash;sbin", "/usr/bin/bash"));
	assert_true(op1("contains all", "usr;bash;", "/usr/bin/bash"));
	assert_true(op1("excludes", "sbin", "/usr/bin/bash"));
	assert_false(op1("excludes", "BASH", "/usr/bin/bash"));
	/* excludes any: at least one value is absent. */
	assert_true(op1("excludes any", "bash;sbin", "/usr/bin/bash"));
	assert_false(op1("excludes any", "bash;usr", "/usr/bin/bash"));
	/* excludes all: none of the values is present. */
	assert_true(op1("excludes all", "sbin;zsh", "/usr/bin/bash"));
	assert_false(op1("excludes all", "sbin;bash", "/usr/bin/bash"));
	/* Overlapping values and values repeated in one list. */
	assert_true(op1("contains all", "aa;aaa;a", "xaaay"));
	assert_true(op1("contains all", "bash;bash", "/bin/bash"));
}

static void test_begin_end(void **state)
{
	assert_true(op1("begin with", "/USR/", "/usr/bin/bash"));
	assert_false(op1("begin with", "/bin", "/usr/bin/bash"));
	assert_true(op1("not begin with", "/bin", "/usr/bin/bash"));
	assert_false(op1("not begin with", "/usr", "/usr/bin/bash"));
	assert_true(op1("end with", "/BASH", "/usr/bin/bash"));
	assert_false(op1("end with", "/bas", "/usr/bin/bash"));
	/* A suffix that also occurs earlier must still be found at the end. */
	assert_true(op1("end with", "ab", "abxab"));
	assert_false(op1("end with", "ab", "abxabx"));
	/* A newline is data, not an end anchor. */
	assert_false(op1("end with", "ab", "ab\n"));
	assert_true(op1("not end with", "sh", "/usr/bin/python"));
	assert_false(op1("not end with", "on", "/usr/bin/python"));
	/* Value longer than the field. */
	assert_false(op1("begin with", "/usr/bin/bash/more", "/usr/bin/bash"));
	assert_false(op1("end with", "x/usr/bin/bash", "/usr/bin/bash"));
}

static void test_image(void **state)
{
	assert_true(op1("image", "bash", "/usr/bin/bash"));
	assert_true(op1("image", "BASH", "/usr/bin/bash"));
	assert_true(op1("image", "/usr/bin/bash", "/usr/bin/bash"));
	assert_false(op1("image", "/bin/bash", "/usr/bin/bash"));
	assert_false(op1("image", "ash", "/usr/bin/bash"));
	assert_false(op1("image", "bin/bash", "/usr/bin/bash"));
	assert_true(op1("image", "bash", "bash"));
}

static void test_empty_values(void **state)
{
	/* Every string contains, begins and ends with the empty string. */
	assert_true(op1("contains", "", "/bin/x"));
	assert_true(op1("begin with", "", "/bin/x"));
	assert_true(op1("end with", "", "/bin/x"));
	assert_false(op1("excludes", "", "/bin/x"));
	assert_false(op1("not begin with", "", "/bin/x"));
	/* A list of nothing is the one empty value. */
	assert_true(op1("contains any", ";", "/bin/x"));
	assert_true(op1("is any", ";;", ""));
	assert_true(op1("is", "", ""));
	assert_false(op1("is", "", "/bin/x"));
	/* An absent field reads as "-", as the sinks print it. */
	{
		struct ruleset *rs = load(CFG("<ProcessCreate onmatch=\"include\">"
					      "<CurrentDirectory>-</CurrentDirectory>"
					      "</ProcessCreate>"));
		set_pc("/bin/x", NULL);
		assert_true(m(rs, NULL));
		ruleset__free(rs);
	}
}

static void test_case_unicode(void **state)
{
	/* ASCII and UTF-8 Latin-1, Latin Extended-A, Greek, Cyrillic. */
	assert_true(op1("contains", "\xc3\x89t\xc3\xa9", "/home/\xc3\xa9T\xc3\x89/x"));
	assert_true(op1("is", "/tmp/\xc3\x85\xc3\x96", "/TMP/\xc3\xa5\xc3\xb6"));
	assert_true(op1("end with",
			"\xc5\x81\xc3\xb3"
			"d\xc5\xba",
			"/x/\xc5\x82\xc3\x93"
			"D\xc5\xb9"));
	assert_true(op1("contains", "\xce\xb1\xce\xb2", "x\xce\x91\xce\x92y"));
	assert_true(op1("image", "\xd0\x9f\xd0\xa0\xd0\x98\xd0\x92\xd0\x95\xd0\xa2",
			"/opt/\xd0\xbf\xd1\x80\xd0\xb8\xd0\xb2\xd0\xb5\xd1\x82"));
	/* × and ÷ are not a case pair; invalid UTF-8 stays as it is. */
	assert_false(op1("is", "\xc3\x97", "\xc3\xb7"));
	assert_true(op1("contains", "b",
			"a\xc3"
			"B"));
	assert_true(op1("end with", "\xc3\xa9", "a\xc3\x89"));
	/* Folding must not touch the bytes of other multi-byte characters. */
	assert_true(op1("contains", "\xe2\x82\xac", "price \xe2\x82\xac"));
	assert_false(op1("contains", "\xe2\x82\xac", "price \xe2\x82\x8c"));
}

static void test_numeric(void **state)
{
	struct ruleset *rs =
	    load(CFG("<RuleGroup groupRelation=\"or\">"
		     "<NetworkConnect onmatch=\"include\">"
		     "<DestinationPort condition=\"less than\">1024</DestinationPort>"
		     "<SourcePort condition=\"more than\">60000</SourcePort>"
		     "</NetworkConnect></RuleGroup>"));

	vrec__reset(&rec, schema__event(EV_NETWORK_CONNECT));
	vrec__set_int(&rec, VF_DestinationPort, 443);
	vrec__set_int(&rec, VF_SourcePort, 5000);
	assert_true(m(rs, NULL));
	vrec__set_int(&rec, VF_DestinationPort, 1024);
	assert_false(m(rs, NULL));
	vrec__set_int(&rec, VF_SourcePort, 60001);
	assert_true(m(rs, NULL));
	vrec__set_int(&rec, VF_SourcePort, 60000);
	assert_false(m(rs, NULL));
	/* Not a number: neither less nor more. */
	vrec__set_str(&rec, VF_DestinationPort, "-");
	vrec__set_str(&rec, VF_SourcePort, "junk");
	assert_false(m(rs, NULL));
	vrec__set_int(&rec, VF_DestinationPort, -5);
	assert_true(m(rs, NULL));
	ruleset__free(rs);
}

/* Sysmon documents less than / more than on strings as lexicographic
 * comparisons (case-insensitive like its other conditions); its own test
 * configs use them on CommandLine. */
static void test_lexicographic(void **state)
{
	struct ruleset *rs =
	    load(CFG("<RuleGroup groupRelation=\"or\">"
		     "<ProcessCreate onmatch=\"include\"><Rule groupRelation=\"and\">"
		     "<CommandLine condition=\"more than\">B</CommandLine>"
		     "<CommandLine condition=\"less than\">d</CommandLine>"
		     "</Rule></ProcessCreate></RuleGroup>"));

	vrec__reset(&rec, schema__event(EV_PROCESS_CREATE));
	vrec__set_str(&rec, VF_CommandLine, "cat /etc/passwd");
	assert_true(m(rs, NULL));
	vrec__set_str(&rec, VF_CommandLine, "C");
	assert_true(m(rs, NULL));
	/* Bounds are exclusive; a prefix sorts first; case does not count. */
	vrec__set_str(&rec, VF_CommandLine, "b");
	assert_false(m(rs, NULL));
	vrec__set_str(&rec, VF_CommandLine, "D");
	assert_false(m(rs, NULL));
	vrec__set_str(&rec, VF_CommandLine, "ba");
	assert_true(m(rs, NULL));
	vrec__set_str(&rec, VF_CommandLine, "apt");
	assert_false(m(rs, NULL));
	vrec__set_str(&rec, VF_CommandLine, "echo");
	assert_false(m(rs, NULL));
	/* "10" < "9" as strings: a number in a string field is still text. */
	ruleset__free(rs);
	rs = load(CFG("<ProcessCreate onmatch=\"include\">"
		      "<CommandLine condition=\"less than\">9</CommandLine></ProcessCreate>"));
	vrec__set_str(&rec, VF_CommandLine, "10");
	assert_true(m(rs, NULL));
	ruleset__free(rs);
}

static void test_precedence(void **state)
{
	const char *name = "x";
	struct ruleset *rs =
	    load(CFG("<RuleGroup groupRelation=\"or\">"
		     "<ProcessCreate onmatch=\"include\">"
		     "<Image condition=\"end with\" name=\"shells\">sh</Image>"
		     "<CommandLine condition=\"contains\" name=\"second\">-c</CommandLine>"
		     "</ProcessCreate></RuleGroup>"
		     "<RuleGroup groupRelation=\"or\">"
		     "<ProcessCreate onmatch=\"exclude\">"
		     "<Image condition=\"is\">/usr/bin/zsh</Image>"
		     "</ProcessCreate></RuleGroup>"));

	/* Exclude is checked first, even though the include comes first. */
	set_pc("/usr/bin/zsh", "zsh -c id");
	assert_false(m(rs, &name));
	assert_null(name);
	/* First matching include decides the name. */
	set_pc("/bin/bash", "bash -c id");
	assert_true(m(rs, &name));
	assert_string_equal(name, "shells");
	set_pc("/usr/bin/python3", "python3 -c x");
	assert_true(m(rs, &name));
	assert_string_equal(name, "second");
	/* With include rules, what matches nothing is not logged. */
	set_pc("/usr/bin/python3", "python3 x.py");
	assert_false(m(rs, &name));
	ruleset__free(rs);
}

static void test_defaults(void **state)
{
	struct ruleset *b = ruleset__builtin();
	struct ruleset *rs = load(CFG("<NetworkConnect onmatch=\"exclude\"/>"));
	const char *name = "x";

	assert_non_null(b);
	set_pc("/bin/ls", "ls");
	assert_true(ruleset__match(b, &rec, &name));
	assert_null(name);
	assert_true(m(rs, NULL)); /* no ProcessCreate rules: its default */
	vrec__reset(&rec, schema__event(EV_PROCESS_TERMINATE));
	assert_true(ruleset__match(b, &rec, &name));
	vrec__reset(&rec, schema__event(EV_FILE_CREATE));
	vrec__set_str(&rec, VF_TargetFilename, "/tmp/x");
	assert_false(ruleset__match(b, &rec, &name));
	assert_false(m(rs, NULL));
	vrec__reset(&rec, schema__event(EV_NETWORK_CONNECT));
	assert_false(ruleset__match(b, &rec, &name));
	assert_true(m(rs, NULL)); /* empty exclude: everything */
	/* Daemon events are never filtered. */
	vrec__reset(&rec, schema__event(EV_SENSOR_STATE));
	assert_true(ruleset__match(b, &rec, &name));
	assert_int_equal(ruleset__event_mode(b, EV_PROCESS_CREATE), RULES_MODE_ALL);
	assert_int_equal(ruleset__event_mode(b, EV_PROCESS_TERMINATE), RULES_MODE_ALL);
	assert_int_equal(ruleset__event_mode(b, EV_FILE_CREATE), RULES_MODE_NONE);
	assert_int_equal(ruleset__event_mode(b, EV_SENSOR_HEALTH), RULES_MODE_ALL);
	assert_int_equal(ruleset__event_mode(rs, EV_NETWORK_CONNECT), RULES_MODE_ALL);
	assert_string_equal(ruleset__path(b), "(builtin)");
	assert_string_equal(ruleset__sha256(b), "-");
	assert_int_equal(ruleset__hash_algorithms(b), RULES_HASH_SHA256);
	ruleset__free(b);
	ruleset__free(rs);
}

static void test_empty_blocks(void **state)
{
	struct ruleset *rs = load(CFG("<ProcessCreate onmatch=\"include\"/>"
				      "<ProcessTerminate onmatch=\"include\"></ProcessTerminate>"
				      "<FileCreate onmatch=\"exclude\"/>"
				      "<FileDelete onmatch=\"include\"/>"
				      "<FileDelete onmatch=\"exclude\"/>"));

	set_pc("/bin/ls", "ls");
	assert_false(m(rs, NULL));
	vrec__reset(&rec, schema__event(EV_PROCESS_TERMINATE));
	assert_false(m(rs, NULL));
	vrec__reset(&rec, schema__event(EV_FILE_CREATE));
	assert_true(m(rs, NULL));
	vrec__reset(&rec, schema__event(EV_FILE_DELETE));
	assert_false(m(rs, NULL));
	assert_int_equal(ruleset__event_mode(rs, EV_PROCESS_CREATE), RULES_MODE_NONE);
	assert_int_equal(ruleset__event_mode(rs, EV_FILE_CREATE), RULES_MODE_ALL);
	assert_int_equal(ruleset__event_mode(rs, EV_FILE_DELETE), RULES_MODE_NONE);
	ruleset__free(rs);
}

static void test_and_group(void **state)
{
	/* AND group: repeated Image conditions are ORed, different fields ANDed. */
	const char *name;
	struct ruleset *rs = load(CFG("<RuleGroup name=\"grp\" groupRelation=\"and\">"
				      "<ProcessCreate onmatch=\"include\">"
				      "<Image condition=\"end with\">/curl</Image>"
				      "<Image condition=\"end with\">/wget</Image>"
				      "<CommandLine condition=\"contains\">http</CommandLine>"
				      "</ProcessCreate></RuleGroup>"));

	set_pc("/usr/bin/wget", "wget http://x");
	assert_true(m(rs, &name));
	assert_string_equal(name, "grp");
	set_pc("/usr/bin/curl", "curl http://x");
	assert_true(m(rs, NULL));
	set_pc("/usr/bin/curl", "curl ftp://x");
	assert_false(m(rs, NULL));
	set_pc("/usr/bin/nc", "nc http");
	assert_false(m(rs, NULL));
	ruleset__free(rs);
}

static void test_rules_compound(void **state)
{
	const char *name;
	struct ruleset *rs =
	    load(CFG("<RuleGroup name=\"G\" groupRelation=\"or\">"
		     "<ProcessCreate onmatch=\"include\">"
		     /* AND inside <Rule>: repeated fields are ANDed, not ORed. */
		     "<Rule name=\"technique_id=T1059,technique_name=Command and Scripting "
		     "Interpreter\" groupRelation=\"and\">"
		     "<Image condition=\"end with\">ssh</Image>"
		     "<CommandLine condition=\"contains\">BatchMode=yes</CommandLine>"
		     "<CommandLine condition=\"contains\">StrictHostKeyChecking=no</CommandLine>"
		     "</Rule>"
		     "<Rule name=\"orrule\" groupRelation=\"or\">"
		     "<Image condition=\"end with\">crontab</Image>"
		     "<Image condition=\"end with\" name=\"atname\">/at</Image>"
		     "</Rule>"
		     "<Rule groupRelation=\"and\"><Image condition=\"end with\">/dd</Image></Rule>"
		     "<Rule name=\"empty\" groupRelation=\"and\"></Rule>"
		     "</ProcessCreate></RuleGroup>"));

	set_pc("/usr/bin/ssh", "ssh -o BatchMode=yes -o StrictHostKeyChecking=no h");
	assert_true(m(rs, &name));
	assert_string_equal(name, "technique_id=T1059,technique_name=Command and Scripting "
				  "Interpreter");
	set_pc("/usr/bin/ssh", "ssh -o BatchMode=yes h");
	assert_false(m(rs, NULL));
	set_pc("/usr/bin/crontab", "crontab -e");
	assert_true(m(rs, &name));
	assert_string_equal(name, "orrule");
	set_pc("/usr/bin/at", "at now");
	assert_true(m(rs, &name));
	assert_string_equal(name, "atname");
	set_pc("/bin/dd", "dd");
	assert_true(m(rs, &name));
	assert_string_equal(name, "G"); /* no field or Rule name: the group's */
	{
		struct rules_event_summary sum;

		ruleset__event_summary(rs, EV_PROCESS_CREATE, &sum);
		assert_int_equal(sum.mode, RULES_MODE_SOME);
		assert_int_equal(sum.n_include, 4);
		assert_int_equal(sum.n_exclude, 0);
		assert_string_equal(sum.include_names[1], "orrule");
		assert_string_equal(sum.include_names[2], "G");
		assert_string_equal(sum.include_names[3], "empty");
	}
	ruleset__free(rs);
}

static void test_old_schema_or(void **state)
{
	/* Schema 4.1 and older: groups default to OR; 4.22: AND. */
	const char *body = "<EventFiltering><ProcessCreate onmatch=\"include\">"
			   "<Image condition=\"end with\">/curl</Image>"
			   "<CommandLine condition=\"contains\">http</CommandLine>"
			   "</ProcessCreate></EventFiltering></Sysmon>";
	char xml[1024];
	struct ruleset *rs;

	snprintf(xml, sizeof(xml), "<Sysmon schemaversion=\"4.1\">%s", body);
	rs = load(xml);
	set_pc("/usr/bin/curl", "curl ftp://x");
	assert_true(m(rs, NULL));
	ruleset__free(rs);
	snprintf(xml, sizeof(xml), "<Sysmon schemaversion=\"3.30\">%s", body);
	rs = load(xml);
	assert_true(m(rs, NULL));
	ruleset__free(rs);
	snprintf(xml, sizeof(xml), "<Sysmon schemaversion=\"4.22\">%s", body);
	rs = load(xml);
	assert_false(m(rs, NULL));
	set_pc("/usr/bin/curl", "curl http://x");
	assert_true(m(rs, NULL));
	ruleset__free(rs);
}

static void test_legacy_default(void **state)
{
	/* default="include": log by default, listed fields are exceptions. */
	struct ruleset *rs =
	    load(CFG("<ProcessCreate default=\"include\">"
		     "<Image>/bin/true</Image></ProcessCreate>"
		     "<FileCreate default=\"exclude\">"
		     "<TargetFilename condition=\"begin with\">/etc/</TargetFilename>"
		     "</FileCreate>"));

	set_pc("/bin/true", NULL);
	assert_false(m(rs, NULL));
	set_pc("/bin/false", NULL);
	assert_true(m(rs, NULL));
	vrec__reset(&rec, schema__event(EV_FILE_CREATE));
	vrec__set_str(&rec, VF_TargetFilename, "/etc/passwd");
	assert_true(m(rs, NULL));
	vrec__set_str(&rec, VF_TargetFilename, "/tmp/passwd");
	assert_false(m(rs, NULL));
	ruleset__free(rs);
}

static void test_errors(void **state)
{
	assert_int_equal(load_fail("<Sysmon schemaversion=\"4.90\">\n<EventFiltering>\n"
				   "<ProcessCreate onmatch=\"include\">\n</Process>\n",
				   "malformed XML"),
			 4);
	assert_int_equal(load_fail("", "malformed XML"), 1);
	assert_int_equal(load_fail("<Sysmon schemaversion=\"4.90\">\n<Bogus/>\n</Sysmon>",
				   "unknown element <Bogus>"),
			 2);
	assert_int_equal(load_fail(CFG("\n\n<ProcessCreat onmatch=\"include\"/>"),
				   "unknown event or element <ProcessCreat>"),
			 3);
	assert_int_equal(load_fail(CFG("\n<ProcessCreate onmatch=\"include\">\n"
				       "<Imagee>x</Imagee></ProcessCreate>"),
				   "unknown field <Imagee>"),
			 3);
	assert_int_equal(load_fail(CFG("<FileCreate onmatch=\"include\">\n"
				       "<DestinationPort>1</DestinationPort></FileCreate>"),
				   "event FileCreate has no field DestinationPort"),
			 2);
	assert_int_equal(load_fail(CFG("<ProcessCreate onmatch=\"include\">\n\n"
				       "<Image condition=\"ends with\">x</Image></ProcessCreate>"),
				   "unknown condition \"ends with\""),
			 3);
	assert_int_equal(
	    load_fail(CFG("<NetworkConnect onmatch=\"include\">\n"
			  "<DestinationPort condition=\"more than\">8O</DestinationPort>"
			  "</NetworkConnect>"),
		      "needs a number"),
	    2);
	assert_int_equal(load_fail("<Sysmon schemaversion=\"four\"></Sysmon>", "not a number"), 1);
	assert_int_equal(load_fail("\n<Sysmon schemaversion=\"5.0\"></Sysmon>", "not supported"),
			 2);
	assert_int_equal(load_fail("<Sysmon schemaversion=\"2.0\"></Sysmon>", "not supported"), 1);
	assert_int_equal(load_fail("<Sysmon></Sysmon>", "schemaversion"), 1);
	assert_int_equal(load_fail("<Sysmn schemaversion=\"4.90\"/>", "root element"), 1);
	assert_int_equal(load_fail(CFG("\n<ProcessCreate onmatch=\"maybe\"/>"), "onmatch"), 2);
	assert_int_equal(load_fail(CFG("\n<ProcessCreate/>"), "onmatch"), 2);
	assert_int_equal(load_fail(CFG("\n<RuleGroup groupRelation=\"xor\"/>"), "groupRelation"),
			 2);
	assert_int_equal(load_fail(CFG("<ProcessCreate onmatch=\"include\"><Rule>\n<Rule/>"
				       "</Rule></ProcessCreate>"),
				   "nested"),
			 2);
	assert_int_equal(
	    load_fail(CFG("<SensorStateChange onmatch=\"include\"/>"), "cannot be filtered"), 1);
	assert_int_equal(load_fail("<?xml version=\"1.0\"?>\n<!DOCTYPE x [<!ENTITY a \"b\">]>\n"
				   "<Sysmon schemaversion=\"4.90\"/>",
				   "DOCTYPE"),
			 2);
	assert_int_equal(load_fail("<Sysmon schemaversion=\"4.90\">\n<HashAlgorithms>md5,crc32"
				   "</HashAlgorithms></Sysmon>",
				   "unknown hash algorithm \"crc32\""),
			 2);
	assert_int_equal(load_fail("<Sysmon schemaversion=\"4.90\">\n<FieldSizes>Nope:3"
				   "</FieldSizes></Sysmon>",
				   "unknown field \"Nope\""),
			 2);
	assert_int_equal(load_fail(CFG("<ProcessCreate onmatch=\"include\">\n<Image><b/></Image>"
				       "</ProcessCreate>"),
				   "unexpected element <b>"),
			 2);
	/* Undefined entities are malformed XML, never expanded. */
	assert_int_equal(load_fail(CFG("<ProcessCreate onmatch=\"include\">\n<Image>&xxe;</Image>"
				       "</ProcessCreate>"),
				   "malformed XML"),
			 2);
	{
		struct rules_error e;

		errno = 0;
		assert_null(ruleset__load_file("/nonexistent/vigil.xml", &e));
		assert_int_equal(errno, ENOENT);
		assert_int_equal(e.line, 0);
	}
}

static void test_windows_only(void **state)
{
	/* Windows-only events and options load (with a warning), never match. */
	struct ruleset *rs = load(
	    "<Sysmon schemaversion=\"4.90\"><ArchiveDirectory>x</ArchiveDirectory>"
	    "<CheckRevocation/><DnsLookup>False</DnsLookup><CaptureClipboard/>"
	    "<EventFiltering><RuleGroup groupRelation=\"or\">"
	    "<RegistryEvent onmatch=\"include\"><TargetObject condition=\"contains\">Run"
	    "</TargetObject></RegistryEvent>"
	    "<CreateRemoteThread onmatch=\"exclude\"/><PipeEvent onmatch=\"include\"/>"
	    "<WmiEvent onmatch=\"include\"/><ClipboardChange onmatch=\"include\"/>"
	    "<FileCreateStreamHash onmatch=\"include\"/>"
	    "<FileDeleteDetected onmatch=\"include\"/><FileBlockExecutable onmatch=\"include\"/>"
	    "<FileBlockShredding onmatch=\"include\"/>"
	    "<ProcessTampering onmatch=\"include\"><Type>Image is deleted</Type>"
	    "</ProcessTampering>"
	    "</RuleGroup></EventFiltering></Sysmon>");

	vrec__reset(&rec, schema__event(EV_PROCESS_TAMPERING));
	vrec__set_str(&rec, VF_Type, "image is DELETED");
	assert_true(m(rs, NULL));
	vrec__set_str(&rec, VF_Type, "Fileless execution");
	assert_false(m(rs, NULL));
	ruleset__free(rs);
}

static void test_options(void **state)
{
	const char *xml = "<Sysmon schemaversion=\"4.90\"><HashAlgorithms>MD5, sha1"
			  "</HashAlgorithms><FieldSizes>CommandLine:10,Image:4</FieldSizes>"
			  "</Sysmon>";
	struct ruleset *rs = load(xml);
	size_t len;

	assert_int_equal(ruleset__hash_algorithms(rs), RULES_HASH_MD5 | RULES_HASH_SHA1);
	assert_int_equal(ruleset__field_size(rs, VF_CommandLine), 10);
	assert_int_equal(ruleset__field_size(rs, VF_Image), 4);
	assert_int_equal(ruleset__field_size(rs, VF_User), 0);
	/* SHA256 of the bytes, uppercase hex. */
	assert_string_equal(ruleset__sha256(rs), "BC150143064012C32A2FAFD35681C73F"
						 "5E243DE469BAB972854B3D9B1B5FA962");
	assert_string_equal(ruleset__path(rs), "t.xml");
	set_pc("/bin/\xc3\xa9x", "0123456789abcdef");
	vrec__set_str(&rec, VF_User, "root");
	ruleset__apply_field_sizes(rs, &rec);
	vrec__get(&rec, VF_CommandLine, &len);
	assert_int_equal(len, 10);
	/* Never cut inside a UTF-8 character: "/bin/é" at 4 bytes is "/bin". */
	vrec__get(&rec, VF_Image, &len);
	assert_int_equal(len, 4);
	vrec__get(&rec, VF_User, &len);
	assert_int_equal(len, 4);
	ruleset__free(rs);

	rs = load("<Sysmon schemaversion=\"4.90\"><HashAlgorithms>*</HashAlgorithms></Sysmon>");
	assert_int_equal(ruleset__hash_algorithms(rs),
			 RULES_HASH_MD5 | RULES_HASH_SHA1 | RULES_HASH_SHA256 | RULES_HASH_IMPHASH);
	ruleset__free(rs);
	rs = load("<Sysmon schemaversion=\"4.90\"/>");
	assert_int_equal(ruleset__hash_algorithms(rs), RULES_HASH_SHA256);
	ruleset__free(rs);
}

static void test_kernel_excludes(void **state)
{
	const char *const *paths;
	struct ruleset *rs =
	    load(CFG("<RuleGroup groupRelation=\"or\"><ProcessCreate onmatch=\"exclude\">"
		     "<Image condition=\"is\">/usr/sbin/cron</Image>"
		     "<Image condition=\"is any\">/usr/bin/a;relative;/usr/bin/b;</Image>"
		     "<Image condition=\"image\">/usr/lib/x</Image>"
		     "<Image condition=\"image\">basenameonly</Image>"
		     "<Image condition=\"end with\">/ls</Image>"
		     "<ParentImage condition=\"is\">/usr/bin/p</ParentImage>"
		     "</ProcessCreate></RuleGroup>"
		     /* An AND group: the image alone does not decide. */
		     "<RuleGroup groupRelation=\"and\"><ProcessCreate onmatch=\"exclude\">"
		     "<Image condition=\"is\">/usr/bin/and</Image><User>root</User>"
		     "</ProcessCreate></RuleGroup>"
		     "<RuleGroup groupRelation=\"and\"><ProcessCreate onmatch=\"include\">"
		     "<Image condition=\"is\">/usr/bin/inc</Image></ProcessCreate></RuleGroup>"));
	size_t n = ruleset__kernel_image_excludes(rs, EV_PROCESS_CREATE, &paths);

	assert_int_equal(n, 4);
	assert_string_equal(paths[0], "/usr/sbin/cron");
	assert_string_equal(paths[1], "/usr/bin/a");
	assert_string_equal(paths[2], "/usr/bin/b");
	assert_string_equal(paths[3], "/usr/lib/x");
	/* Each such path is indeed excluded whatever else the event says. */
	for (size_t i = 0; i < n; i++) {
		set_pc(paths[i], "anything");
		vrec__set_str(&rec, VF_User, "root");
		assert_false(m(rs, NULL));
	}
	assert_int_equal(ruleset__kernel_image_excludes(rs, EV_FILE_CREATE, &paths), 0);
	/* The per-exec lookup: exactly these paths, ASCII case ignored. */
	assert_true(ruleset__kernel_image_excluded(rs, EV_PROCESS_CREATE, "/usr/sbin/cron"));
	assert_true(ruleset__kernel_image_excluded(rs, EV_PROCESS_CREATE, "/USR/bin/B"));
	assert_true(ruleset__kernel_image_excluded(rs, EV_PROCESS_CREATE, "/usr/lib/x"));
	assert_false(ruleset__kernel_image_excluded(rs, EV_PROCESS_CREATE, "/usr/bin/and"));
	assert_false(ruleset__kernel_image_excluded(rs, EV_PROCESS_CREATE, "relative"));
	assert_false(ruleset__kernel_image_excluded(rs, EV_PROCESS_CREATE, "/usr/bin/ls"));
	assert_false(ruleset__kernel_image_excluded(rs, EV_PROCESS_CREATE, ""));
	assert_false(ruleset__kernel_image_excluded(rs, EV_FILE_CREATE, "/usr/sbin/cron"));
	ruleset__free(rs);
}

static void test_long_lists(void **state)
{
	/* 2000 values per list; every one of them matches, none else. */
	size_t cap = 200000, len = 0;
	char *xml = malloc(cap);
	struct ruleset *rs;
	char v[64];

	assert_non_null(xml);
	len += snprintf(xml + len, cap - len,
			CFG_HEAD "<RuleGroup groupRelation=\"or\">"
				 "<ProcessCreate onmatch=\"include\">"
				 "<Image condition=\"is any\">");
	for (int i = 0; i < 2000; i++)
		len += snprintf(xml + len, cap - len, "/opt/app%d/bin;", i);
	len += snprintf(xml + len, cap - len, "</Image><CommandLine condition=\"contains any\">");
	for (int i = 0; i < 2000; i++)
		len += snprintf(xml + len, cap - len, "--flag%dx;", i);
	len += snprintf(xml + len, cap - len,
			"</CommandLine></ProcessCreate></RuleGroup></EventFiltering></Sysmon>");
	rs = load(xml);
	for (int i = 0; i < 2000; i += 97) {
		snprintf(v, sizeof(v), "/OPT/app%d/bin", i);
		set_pc(v, "nothing");
		assert_true(m(rs, NULL));
		snprintf(v, sizeof(v), "run --FLAG%dx now", i);
		set_pc("/bin/x", v);
		assert_true(m(rs, NULL));
	}
	set_pc("/opt/app2000/bin", "--flag2000x");
	assert_false(m(rs, NULL));
	ruleset__free(rs);
	free(xml);
}

static void test_many_matches(void **state)
{
	/* More hits than a slot records: the naive fallback gives the answer. */
	char xml[4096];
	size_t len = 0;
	struct ruleset *rs;
	char val[128];

	len += snprintf(xml + len, sizeof(xml) - len,
			CFG_HEAD "<RuleGroup groupRelation=\"and\">"
				 "<ProcessCreate onmatch=\"include\">"
				 "<CommandLine condition=\"contains all\">");
	for (int i = 0; i < 60; i++)
		len += snprintf(xml + len, sizeof(xml) - len, "%c%c;", 'a' + i % 26, 'a' + i / 26);
	len += snprintf(xml + len, sizeof(xml) - len,
			"</CommandLine></ProcessCreate></RuleGroup></EventFiltering></Sysmon>");
	rs = load(xml);
	len = 0;
	for (int i = 0; i < 60; i++)
		len += snprintf(val + len, sizeof(val) - len, "%c%c", 'A' + i % 26, 'A' + i / 26);
	(void)len;
	set_pc("/bin/x", val);
	assert_true(m(rs, NULL));
	/* The first 40 pairs only: "hc" (the 60th) is missing. */
	val[80] = '\0';
	set_pc("/bin/x", val);
	assert_false(m(rs, NULL));
	ruleset__free(rs);
}

static unsigned long long seed = 0x1234567;
static unsigned rnd(unsigned n)
{
	seed ^= seed << 13;
	seed ^= seed >> 7;
	seed ^= seed << 17;
	return (unsigned)(seed % n);
}

/* A short random string over a tiny alphabet, so values collide often. */
static void rnd_str(char *out, unsigned max)
{
	static const char al[] = "aAbB/.;-\xc3\x89";
	unsigned n = rnd(max);

	for (unsigned i = 0; i < n; i++) {
		unsigned k = rnd(sizeof(al) - 1);

		if (al[k] == ';' && i == 0)
			k = 0;
		out[i] = al[k];
		if ((unsigned char)al[k] == 0xc3 && i + 1 < n) /* keep UTF-8 valid */
			out[++i] = '\x89';
		else if ((unsigned char)al[k] >= 0x80)
			out[i] = 'a';
	}
	out[n] = '\0';
}

static void test_differential(void **state)
{
	/* Random configs of every operator, random groups and <Rule>s, random
	 * records: the indexed, compiled matcher must decide exactly as the
	 * by-definition one, RuleName included. */
	static const char *const fields[] = {"Image", "CommandLine", "ParentImage", "User"};
	static const enum vf_id fids[] = {VF_Image, VF_CommandLine, VF_ParentImage, VF_User};
	char *xml = malloc(1 << 20);
	char v[64];
	size_t nkexcl = 0;

	assert_non_null(xml);
	for (int round = 0; round < 40; round++) {
		size_t len = 0, cap = 1 << 20;
		struct ruleset *rs;

		len += snprintf(xml + len, cap - len,
				"<Sysmon schemaversion=\"4.90\"><EventFiltering>");
		for (int g = 0; g < 6; g++) {
			len +=
			    snprintf(xml + len, cap - len,
				     "<RuleGroup name=\"g%d\" groupRelation=\"%s\"><ProcessCreate "
				     "onmatch=\"%s\">",
				     g, rnd(2) ? "and" : "or", rnd(3) ? "include" : "exclude");
			for (int r = 0; r < 8; r++) {
				bool in_rule = rnd(3) == 0;
				int nc = 1 + rnd(3);

				if (in_rule)
					len += snprintf(xml + len, cap - len,
							"<Rule name=\"r%d\" groupRelation=\"%s\">",
							r, rnd(2) ? "and" : "or");
				for (int c = 0; c < nc; c++) {
					int op = rnd(ROP__COUNT);
					int f = rnd(4);

					if (op == ROP_LESS || op == ROP_MORE)
						op = ROP_CONTAINS;
					rnd_str(v, 5);
					len += snprintf(xml + len, cap - len,
							"<%s condition=\"%s\"%s>%s</%s>", fields[f],
							rules__op_names[op],
							rnd(4) ? "" : " name=\"n\"", v, fields[f]);
				}
				if (in_rule)
					len += snprintf(xml + len, cap - len, "</Rule>");
			}
			len += snprintf(xml + len, cap - len, "</ProcessCreate></RuleGroup>");
		}
		snprintf(xml + len, cap - len, "</EventFiltering></Sysmon>");
		rs = load(xml);
		for (int i = 0; i < 300; i++) {
			vrec__reset(&rec, schema__event(EV_PROCESS_CREATE));
			for (int f = 0; f < 4; f++) {
				if (rnd(5) == 0)
					continue; /* absent: "-" */
				rnd_str(v, 12);
				vrec__set_str(&rec, fids[f], v);
			}
			(void)m(rs, NULL);
		}
		/* The kernel-exclude proof: an event whose Image is one of these
		 * paths is dropped whatever its other fields say. */
		{
			const char *const *paths;
			size_t np = ruleset__kernel_image_excludes(rs, EV_PROCESS_CREATE, &paths);

			for (size_t k = 0; k < np; k++)
				for (int i = 0; i < 20; i++) {
					vrec__reset(&rec, schema__event(EV_PROCESS_CREATE));
					vrec__set_str(&rec, VF_Image, paths[k]);
					rnd_str(v, 12);
					vrec__set_str(&rec, VF_CommandLine, v);
					rnd_str(v, 12);
					vrec__set_str(&rec, VF_User, v);
					assert_false(m(rs, NULL));
					nkexcl++;
				}
		}
		ruleset__free(rs);
	}
	assert_true(nkexcl > 0); /* the random configs did produce some */
	free(xml);
}

static void test_prefix_overflow_long_values(void **state)
{
	/* 20 nested prefixes and suffixes of one value: more hits than a slot
	 * records, so the naive path answers; and a value longer than
	 * Hyperscan takes. */
	size_t cap = 16384, len = 0;
	char *xml = malloc(cap), *big = malloc(2101), val[64];
	struct ruleset *rs;
	const char *name;

	assert_non_null(xml);
	assert_non_null(big);
	len += snprintf(xml + len, cap - len,
			CFG_HEAD "<RuleGroup groupRelation=\"or\">"
				 "<ProcessCreate onmatch=\"include\">");
	for (int i = 1; i <= 20; i++) {
		memset(val, 'a', i);
		val[i] = '\0';
		len += snprintf(xml + len, cap - len,
				"<Image condition=\"begin with\" name=\"b%d\">%s</Image>"
				"<CommandLine condition=\"end with\" name=\"e%d\">%s</CommandLine>",
				i, val, i, val);
	}
	memset(big, 'Q', 2100);
	big[2100] = '\0';
	len += snprintf(xml + len, cap - len,
			"<User condition=\"contains\" name=\"big\">%s</User>"
			"</ProcessCreate></RuleGroup></EventFiltering></Sysmon>",
			big);
	rs = load(xml);
	memset(val, 'A', 20);
	strcpy(val + 20, "/bin");
	set_pc(val, "none");
	assert_true(m(rs, &name));
	assert_string_equal(name, "b1");
	set_pc("/bin/x", "xxaaaaaaaaaaaaaaaaaaaaaaaaa");
	assert_true(m(rs, &name));
	assert_string_equal(name, "e1");
	set_pc("/bin/x", "none");
	big[5] = 'q';
	vrec__set_str(&rec, VF_User, big);
	assert_true(m(rs, &name));
	assert_string_equal(name, "big");
	big[5] = 'z';
	vrec__set_str(&rec, VF_User, big);
	assert_false(m(rs, &name));
	ruleset__free(rs);
	free(xml);
	free(big);
}

struct thr {
	const struct ruleset *rs;
	int ok;
};

static void *thr_main(void *arg)
{
	struct thr *t = arg;
	static __thread struct vrec r;
	char v[64];

	for (int i = 0; i < 20000; i++) {
		const char *name;
		bool want = i % 3 == 0;

		snprintf(v, sizeof(v), want ? "x --flag%d y" : "x --nope%d y", i % 50);
		vrec__reset(&r, schema__event(EV_PROCESS_CREATE));
		vrec__set_str(&r, VF_CommandLine, v);
		if (ruleset__match(t->rs, &r, &name) == want)
			t->ok++;
	}
	return NULL;
}

static void test_threads(void **state)
{
	char xml[4096];
	size_t len = 0;
	struct ruleset *rs;
	pthread_t th[4];
	struct thr t[4];

	len += snprintf(xml + len, sizeof(xml) - len,
			CFG_HEAD "<ProcessCreate onmatch=\"include\">"
				 "<CommandLine condition=\"contains any\">");
	for (int i = 0; i < 50; i++)
		len += snprintf(xml + len, sizeof(xml) - len, "--flag%d ;", i);
	snprintf(xml + len, sizeof(xml) - len,
		 "</CommandLine></ProcessCreate></EventFiltering></Sysmon>");
	rs = load(xml);
	for (int i = 0; i < 4; i++) {
		t[i].rs = rs;
		t[i].ok = 0;
		assert_int_equal(pthread_create(&th[i], NULL, thr_main, &t[i]), 0);
	}
	for (int i = 0; i < 4; i++) {
		pthread_join(th[i], NULL);
		assert_int_equal(t[i].ok, 20000);
	}
	ruleset__free(rs);
}

/* The litset path (litset.c) in place of Hyperscan for every contains-type
 * value set: the same tests, held to the same naive reference. */
static uint32_t litset_default;

static int litset_on(void **state)
{
	litset_default = rules__litset_min;
	rules__litset_min = 1;
	return 0;
}

static int litset_off(void **state)
{
	rules__litset_min = litset_default;
	return 0;
}

static void test_litset_overlaps(void **state)
{
	/* Values that are suffixes and prefixes of one another, found through
	 * the failure and dictionary links, each counted once. */
	struct ruleset *rs = load(CFG(
	    "<RuleGroup groupRelation=\"or\"><ProcessCreate onmatch=\"include\">"
	    "<CommandLine name=\"all\" condition=\"contains all\">he;she;his;hers;s</CommandLine>"
	    "<Image name=\"any\" condition=\"contains any\">abcd;bc;c;xyzzy</Image>"
	    "</ProcessCreate></RuleGroup>"));
	const char *name;

	set_pc("/bin/q", "ushers his");
	assert_true(m(rs, &name));
	assert_string_equal(name, "all");
	set_pc("/bin/q", "ushers hi");
	assert_false(m(rs, &name));
	set_pc("/bin/aBC", "x");
	assert_true(m(rs, &name));
	assert_string_equal(name, "any");
	set_pc("/bin/xyzzY", "x");
	assert_true(m(rs, NULL));
	set_pc("/bin/xyzz", "x");
	assert_false(m(rs, NULL));
	ruleset__free(rs);
}

static void test_huge_list(void **state)
{
	/* 100,000 values: compiled (through the litset at the default
	 * threshold), and every probe decided as the naive path does. */
	size_t cap = 4u << 20, len = 0;
	char *xml = malloc(cap);
	struct ruleset *rs;
	char v[96];

	assert_non_null(xml);
	len += snprintf(xml + len, cap - len,
			CFG_HEAD "<RuleGroup groupRelation=\"or\">"
				 "<ProcessCreate onmatch=\"exclude\">"
				 "<CommandLine condition=\"contains any\">");
	for (int i = 0; i < 100000; i++)
		len += snprintf(xml + len, cap - len, "tok%d/%x;", i, (unsigned)(i * 2654435761u));
	len += snprintf(xml + len, cap - len,
			"</CommandLine></ProcessCreate></RuleGroup></EventFiltering></Sysmon>");
	rs = load(xml);
	for (int i = 0; i < 100000; i += 7919) {
		snprintf(v, sizeof(v), "run TOK%d/%x now", i, (unsigned)(i * 2654435761u));
		set_pc("/bin/x", v);
		assert_false(m(rs, NULL));
		snprintf(v, sizeof(v), "run tok%d/ now", i);
		set_pc("/bin/x", v);
		assert_true(m(rs, NULL));
	}
	ruleset__free(rs);
	free(xml);
}

#define LIT(t) cmocka_unit_test_setup_teardown(t, litset_on, litset_off)

/* SensitiveFileRead's include rules as the kernel gate takes them
 * (kpaths.c): exact paths, prefixes, and `end with` "/NAME" as a name; an
 * ending that is not a whole name turns the gate off, with its line. */
static void test_kernel_paths(void **state)
{
	struct rules_kpaths kp;
	struct ruleset *rs;

	(void)state;
	rs = load(CFG("<SensitiveFileRead onmatch=\"include\">"
		      "<TargetFilename condition=\"is\">/etc/Shadow</TargetFilename>"
		      "<TargetFilename condition=\"begin with\">/root/.ssh/</TargetFilename>"
		      "<TargetFilename condition=\"end with\">/.NetRC</TargetFilename>"
		      "</SensitiveFileRead>"));
	assert_int_equal(ruleset__kernel_path_includes(rs, EV_SENSITIVE_FILE_READ,
						       VF_TargetFilename, 255, 31, &kp),
			 0);
	assert_false(kp.all);
	assert_int_equal(kp.n, 3);
	assert_string_equal(kp.v[0].path, "/etc/shadow");
	assert_string_equal(kp.v[0].orig, "/etc/Shadow");
	assert_false(kp.v[0].prefix || kp.v[0].name);
	assert_true(kp.v[1].prefix);
	assert_string_equal(kp.v[2].path, ".netrc");
	assert_true(kp.v[2].name && !kp.v[2].prefix);
	rules_kpaths_free(&kp);
	/* A name longer than the kernel's key, by one byte. */
	assert_int_equal(ruleset__kernel_path_includes(rs, EV_SENSITIVE_FILE_READ,
						       VF_TargetFilename, 255, 5, &kp),
			 0);
	assert_true(kp.all);
	assert_non_null(strstr(kp.why, "longer than the kernel's file name key"));
	rules_kpaths_free(&kp);
	ruleset__free(rs);

	static const char *const unfit[] = {".netrc", "/.aws/credentials", "/"};
	for (size_t i = 0; i < sizeof(unfit) / sizeof(unfit[0]); i++) {
		char xml[512];

		snprintf(xml, sizeof(xml),
			 CFG_HEAD "<SensitiveFileRead onmatch=\"include\">\n"
				  "<TargetFilename condition=\"end with\">%s</TargetFilename>"
				  "</SensitiveFileRead></EventFiltering></Sysmon>",
			 unfit[i]);
		rs = load(xml);
		assert_int_equal(ruleset__kernel_path_includes(rs, EV_SENSITIVE_FILE_READ,
							       VF_TargetFilename, 255, 31, &kp),
				 0);
		assert_true(kp.all);
		assert_int_equal(kp.n, 0);
		assert_non_null(strstr(kp.why, "(line 2)"));
		assert_non_null(strstr(kp.why, "is not a whole file name"));
		rules_kpaths_free(&kp);
		ruleset__free(rs);
	}
}

/* <VigilComputer>: kept trimmed; a bad name, or a second element, is
 * refused at its line. */
static void test_computer(void **state)
{
	struct rules_error e;
	static const char ok[] = "<Sysmon schemaversion=\"4.90\">\n"
				 "<VigilComputer> web-01.dc2_a </VigilComputer>\n"
				 "<EventFiltering/></Sysmon>\n";
	static const char bad[] = "<Sysmon schemaversion=\"4.90\">\n"
				  "<EventFiltering/>\n"
				  "<VigilComputer>web 01</VigilComputer>\n</Sysmon>\n";
	static const char twice[] = "<Sysmon schemaversion=\"4.90\">\n"
				    "<VigilComputer>a</VigilComputer>\n"
				    "<VigilComputer>b</VigilComputer>\n"
				    "<EventFiltering/></Sysmon>\n";
	static const char none[] = "<Sysmon schemaversion=\"4.90\"><EventFiltering/></Sysmon>";
	struct ruleset *rs = ruleset__load_buf(ok, sizeof(ok) - 1, "t.xml", &e);
	char why[160], big[300];

	(void)state;
	assert_non_null(rs);
	assert_string_equal(ruleset__computer(rs), "web-01.dc2_a");
	ruleset__free(rs);
	rs = ruleset__load_buf(none, strlen(none), "t.xml", &e);
	assert_non_null(rs);
	assert_null(ruleset__computer(rs));
	ruleset__free(rs);
	assert_null(ruleset__load_buf(bad, sizeof(bad) - 1, "t.xml", &e));
	assert_int_equal(e.line, 3);
	assert_non_null(strstr(e.msg, "byte 4 is 0x20"));
	assert_null(ruleset__load_buf(twice, sizeof(twice) - 1, "t.xml", &e));
	assert_int_equal(e.line, 3);
	assert_non_null(strstr(e.msg, "given twice"));
	memset(big, 'a', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	assert_int_equal(ruleset__check_computer(big, why, sizeof(why)), -EINVAL);
	big[RULES_COMPUTER_MAX] = '\0';
	assert_int_equal(ruleset__check_computer(big, why, sizeof(why)), 0);
	assert_int_equal(ruleset__check_computer("", why, sizeof(why)), -EINVAL);
	assert_int_equal(ruleset__check_computer("h\xc3\xa9", why, sizeof(why)), -EINVAL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_computer),
	    cmocka_unit_test(test_kernel_paths),
	    cmocka_unit_test(test_is),
	    cmocka_unit_test(test_contains),
	    cmocka_unit_test(test_begin_end),
	    cmocka_unit_test(test_image),
	    cmocka_unit_test(test_empty_values),
	    cmocka_unit_test(test_case_unicode),
	    cmocka_unit_test(test_numeric),
	    cmocka_unit_test(test_lexicographic),
	    cmocka_unit_test(test_precedence),
	    cmocka_unit_test(test_defaults),
	    cmocka_unit_test(test_empty_blocks),
	    cmocka_unit_test(test_and_group),
	    cmocka_unit_test(test_rules_compound),
	    cmocka_unit_test(test_old_schema_or),
	    cmocka_unit_test(test_legacy_default),
	    cmocka_unit_test(test_errors),
	    cmocka_unit_test(test_windows_only),
	    cmocka_unit_test(test_options),
	    cmocka_unit_test(test_kernel_excludes),
	    cmocka_unit_test(test_long_lists),
	    cmocka_unit_test(test_many_matches),
	    cmocka_unit_test(test_threads),
	    cmocka_unit_test(test_differential),
	    cmocka_unit_test(test_prefix_overflow_long_values),
	    cmocka_unit_test(test_litset_overlaps),
	    cmocka_unit_test(test_huge_list),
	    LIT(test_is),
	    LIT(test_contains),
	    LIT(test_empty_values),
	    LIT(test_case_unicode),
	    LIT(test_precedence),
	    LIT(test_and_group),
	    LIT(test_rules_compound),
	    LIT(test_long_lists),
	    LIT(test_many_matches),
	    LIT(test_threads),
	    LIT(test_differential),
	    LIT(test_prefix_overflow_long_values),
	    LIT(test_litset_overlaps),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
