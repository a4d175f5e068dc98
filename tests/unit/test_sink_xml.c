/*
 * test_sink_xml.c — the Sysmon XML serialiser: escaping, header layout, and
 * the <Data> names and order of events 1, 3, 5, 11, 23 against Sysmon for
 * Linux's, checked by parsing the output with libxml2.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <string.h>

#include <libxml/parser.h>
#include <libxml/tree.h>

#include "sinks/sysmon_xml.h"

static struct vrec rec;

static xmlDocPtr parse(const struct strbuf *sb)
{
	xmlDocPtr doc = xmlReadMemory(sb->buf, (int)sb->len, "event.xml", "UTF-8",
				      XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING);
	assert_non_null(doc);
	return doc;
}

static xmlNodePtr child(xmlNodePtr n, const char *name)
{
	for (xmlNodePtr c = n->children; c; c = c->next)
		if (c->type == XML_ELEMENT_NODE && strcmp((const char *)c->name, name) == 0)
			return c;
	return NULL;
}

/* Checks the EventData <Data Name=...> sequence equals names[]. */
static void check_names(xmlDocPtr doc, const char *const *names, size_t n)
{
	xmlNodePtr ed = child(xmlDocGetRootElement(doc), "EventData");
	size_t i = 0;

	assert_non_null(ed);
	for (xmlNodePtr c = ed->children; c; c = c->next) {
		xmlChar *nm;
		if (c->type != XML_ELEMENT_NODE)
			continue;
		assert_string_equal((const char *)c->name, "Data");
		nm = xmlGetProp(c, (const xmlChar *)"Name");
		assert_true(i < n);
		assert_string_equal((const char *)nm, names[i]);
		xmlFree(nm);
		i++;
	}
	assert_int_equal(i, n);
}

static void serialise(unsigned id, bool extras, struct strbuf *sb)
{
	struct sysmon_xml_opts o = {.extras = extras, .pid = 77, .tid = 78, .uid = 0};

	vrec__reset(&rec, schema__event(id));
	rec.seq = 1234;
	rec.ts_ns = 1700000000123456789ull;
	rec.computer = "host-a";
	vrec__set_str(&rec, VF_UtcTime, "2023-11-14 22:13:20.123");
	vrec__set_int(&rec, VF_ProcessId, 42);
	vrec__set_str(&rec, VF_Image, "/usr/bin/x");
	strbuf__clear(sb);
	sysmon_xml__add_record(sb, &rec, &o);
}

#define CHECK(id, ...)                                                                             \
	do {                                                                                       \
		static const char *const names[] = {__VA_ARGS__};                                  \
		xmlDocPtr doc;                                                                     \
		serialise(id, false, &sb);                                                         \
		doc = parse(&sb);                                                                  \
		check_names(doc, names, sizeof(names) / sizeof(names[0]));                         \
		xmlFreeDoc(doc);                                                                   \
	} while (0)

static void test_sysmon_names(void **state)
{
	struct strbuf sb;

	strbuf__init(&sb, 0);
	CHECK(1, "RuleName", "UtcTime", "ProcessGuid", "ProcessId", "Image", "FileVersion",
	      "Description", "Product", "Company", "OriginalFileName", "CommandLine",
	      "CurrentDirectory", "User", "LogonGuid", "LogonId", "TerminalSessionId",
	      "IntegrityLevel", "Hashes", "ParentProcessGuid", "ParentProcessId", "ParentImage",
	      "ParentCommandLine", "ParentUser");
	CHECK(3, "RuleName", "UtcTime", "ProcessGuid", "ProcessId", "Image", "User", "Protocol",
	      "Initiated", "SourceIsIpv6", "SourceIp", "SourceHostname", "SourcePort",
	      "SourcePortName", "DestinationIsIpv6", "DestinationIp", "DestinationHostname",
	      "DestinationPort", "DestinationPortName");
	CHECK(5, "RuleName", "UtcTime", "ProcessGuid", "ProcessId", "Image", "User");
	CHECK(11, "RuleName", "UtcTime", "ProcessGuid", "ProcessId", "Image", "TargetFilename",
	      "CreationUtcTime", "User");
	CHECK(23, "RuleName", "UtcTime", "ProcessGuid", "ProcessId", "User", "Image",
	      "TargetFilename", "Hashes", "IsExecutable", "Archived");
	/* vigil mode keeps the enrichment extras, after Sysmon's fields. */
	{
		static const char *const names[] = {"RuleName",
						    "UtcTime",
						    "ProcessGuid",
						    "ProcessId",
						    "Image",
						    "User",
						    "ExitCode",
						    "InitiatingProcessCommandLine",
						    "InitiatingProcessParentGuid",
						    "InitiatingProcessParentImage",
						    "InitiatingProcessHashes",
						    "ContainerId"};
		xmlDocPtr doc;
		serialise(5, true, &sb);
		doc = parse(&sb);
		check_names(doc, names, sizeof(names) / sizeof(names[0]));
		xmlFreeDoc(doc);
	}
	strbuf__free(&sb);
}

static void test_header(void **state)
{
	struct strbuf sb;
	const char *expect_prefix =
	    "<Event><System><Provider Name=\"Linux-Sysmon\" "
	    "Guid=\"{ff032593-a8d3-4f13-b0d6-01fc615a0f97}\"/><EventID>1</EventID><Version>5</"
	    "Version><Level>4</Level><Task>1</Task><Opcode>0</Opcode><Keywords>"
	    "0x8000000000000000</Keywords><TimeCreated "
	    "SystemTime=\"2023-11-14T22:13:20.123456789Z\"/><EventRecordID>1234</"
	    "EventRecordID><Correlation/><Execution ProcessID=\"77\" ThreadID=\"78\"/>"
	    "<Channel>Linux-Sysmon/Operational</Channel><Computer>host-a</Computer><Security "
	    "UserId=\"0\"/></System><EventData><Data Name=\"RuleName\">-</Data><Data "
	    "Name=\"UtcTime\">2023-11-14 22:13:20.123</Data><Data Name=\"ProcessGuid\">-</Data>"
	    "<Data Name=\"ProcessId\">42</Data><Data Name=\"Image\">/usr/bin/x</Data>";

	strbuf__init(&sb, 0);
	serialise(1, false, &sb);
	assert_int_equal(strncmp(strbuf__cstr(&sb), expect_prefix, strlen(expect_prefix)), 0);
	assert_null(strchr(strbuf__cstr(&sb), '\n'));
	assert_int_equal(sysmon_xml__event_version(5), 3);
	assert_int_equal(sysmon_xml__event_version(11), 2);
	assert_int_equal(sysmon_xml__event_version(3), 5);
	strbuf__free(&sb);
}

static void test_escaping(void **state)
{
	struct strbuf sb;
	static const char evil[] = "a&b<c>d\"e'f\tg\nh\ri\x01j\x7fk\xc3\xa9l\xff"
				   "m</Data><x>";
	xmlDocPtr doc;
	xmlNodePtr ed;
	xmlChar *txt = NULL;

	strbuf__init(&sb, 0);
	sysmon_xml__add_escaped(&sb, "&<>\"'", 5);
	assert_string_equal(strbuf__cstr(&sb), "&amp;&lt;&gt;&quot;&apos;");

	serialise(1, false, &sb);
	vrec__set(&rec, VF_CommandLine, evil, sizeof(evil) - 1);
	vrec__set_str(&rec, VF_User, "r\"o'o<t>");
	rec.computer = "h&<st";
	strbuf__clear(&sb);
	{
		struct sysmon_xml_opts o = {.pid = 1, .tid = 1};
		sysmon_xml__add_record(&sb, &rec, &o);
	}
	assert_null(strchr(strbuf__cstr(&sb), '\n'));
	doc = parse(&sb);
	ed = child(xmlDocGetRootElement(doc), "EventData");
	for (xmlNodePtr c = ed->children; c; c = c->next) {
		xmlChar *nm = xmlGetProp(c, (const xmlChar *)"Name");
		if (strcmp((const char *)nm, "CommandLine") == 0)
			txt = xmlNodeGetContent(c);
		xmlFree(nm);
	}
	assert_non_null(txt);
	/* Entities and character references come back as the bytes; the
	 * control byte and the invalid byte come back as U+FFFD. */
	assert_string_equal((const char *)txt, "a&b<c>d\"e'f\tg\nh\ri\xef\xbf\xbdj\x7fk\xc3\xa9l"
					       "\xef\xbf\xbdm</Data><x>");
	xmlFree(txt);
	txt = xmlNodeGetContent(child(child(xmlDocGetRootElement(doc), "System"), "Computer"));
	assert_string_equal((const char *)txt, "h&<st");
	xmlFree(txt);
	xmlFreeDoc(doc);
	strbuf__free(&sb);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_sysmon_names),
	    cmocka_unit_test(test_header),
	    cmocka_unit_test(test_escaping),
	};
	int rc = cmocka_run_group_tests(tests, NULL, NULL);
	xmlCleanupParser();
	return rc;
}
