/*
 * test_schema_formats.c — the OCSF and ECS forms against the shipped
 * schemas, the checker against broken events, and the golden samples.
 *
 * Every event type's sample record (src/formats/samples.c) is written in
 * both forms and must pass `vigil schema check`'s checker with no problem.
 * Then each kind of mistake is made on purpose — a required attribute
 * removed, an enum value out of range, a wrong type, an unknown name — and
 * the checker must report it at the right field.
 *
 * The goldens in docs/schemas/{ocsf,ecs}/<Event>.json must equal what the
 * generator writes today (pretty-printed). After changing a mapping,
 * regenerate them with
 *   VIGIL_WRITE_GOLDENS=1 build/tests/test_schema_formats
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <dirent.h>
#include <json-c/json.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/un.h>
#include <unistd.h>

#include "formats/check.h"
#include "formats/format.h"
#include "formats/samples.h"
#include "sinks/sink.h"

#ifndef VIGIL_DATADIR
#error VIGIL_DATADIR must be defined (mk/coverage.mk)
#endif

static struct vrec rec;
static struct schema_checker *ocsf, *ecs;

struct seen {
	int n;
	char fields[64][256];
	char msgs[64][256];
};

static void collect(void *ctx, const char *field, const char *msg)
{
	struct seen *s = ctx;

	if (s->n < 64) {
		snprintf(s->fields[s->n], sizeof(s->fields[0]), "%s", field);
		snprintf(s->msgs[s->n], sizeof(s->msgs[0]), "%s", msg);
	}
	s->n++;
}

static int check(struct schema_checker *c, const char *json, struct seen *s)
{
	memset(s, 0, sizeof(*s));
	return schema_check__line(c, json, strlen(json), collect, s);
}

static bool reported(const struct seen *s, const char *field, const char *word)
{
	for (int i = 0; i < s->n && i < 64; i++)
		if (strcmp(s->fields[i], field) == 0 && strstr(s->msgs[i], word))
			return true;
	return false;
}

static int setup(void **state)
{
	char err[512];

	(void)state;
	if (schema_check__open(RECFMT_OCSF, VIGIL_DATADIR "/ocsf-1.8.0", &ocsf, err, sizeof(err)) <
	    0) {
		fprintf(stderr, "%s\n", err);
		return -1;
	}
	if (schema_check__open(RECFMT_ECS, VIGIL_DATADIR "/ecs-9.3.0", &ecs, err, sizeof(err)) <
	    0) {
		fprintf(stderr, "%s\n", err);
		return -1;
	}
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	schema_check__free(ocsf);
	schema_check__free(ecs);
	return 0;
}

static const char *render(struct strbuf *sb, size_t i, enum rec_format f)
{
	format_samples__build(i, &rec);
	strbuf__clear(sb);
	rec_format__add(sb, &rec, f);
	return strbuf__cstr(sb);
}

static void all_valid(enum rec_format f, struct schema_checker *c)
{
	struct strbuf sb;
	struct seen s;
	int bad = 0;

	strbuf__init(&sb, 0);
	for (size_t i = 0; i < format_samples__count(); i++) {
		const char *j = render(&sb, i, f);

		if (check(c, j, &s) != 0) {
			bad++;
			fprintf(stderr, "%s %s:\n%s\n", rec_format__name(f), rec.def->name, j);
			for (int k = 0; k < s.n && k < 64; k++)
				fprintf(stderr, "  %s: %s\n", s.fields[k], s.msgs[k]);
		}
	}
	strbuf__free(&sb);
	assert_int_equal(bad, 0);
}

static void test_ocsf_all_valid(void **state)
{
	(void)state;
	all_valid(RECFMT_OCSF, ocsf);
}

static void test_ecs_all_valid(void **state)
{
	(void)state;
	all_valid(RECFMT_ECS, ecs);
}

/* Every event id of the catalogue (and the contract's newer ones) has an
 * OCSF class and an ECS categorisation. */
static void test_every_event_mapped(void **state)
{
	size_t n;
	const struct vevent_def *const *evs = schema__events(&n);

	(void)state;
	for (size_t i = 0; i < n; i++) {
		assert_non_null(ocsf__map(evs[i]->id));
		assert_non_null(ecs__map(evs[i]->id));
	}
	for (unsigned id = 208; id <= 213; id++) {
		assert_non_null(ocsf__map(id));
		assert_non_null(ecs__map(id));
	}
	assert_int_equal(format_samples__count(), n + 6 > 35 ? n : 35);
}

/* Fields the mapping does not place are kept, under unmapped / vigil. */
static void test_nothing_dropped(void **state)
{
	struct strbuf sb;
	struct json_object *o, *v;

	(void)state;
	strbuf__init(&sb, 0);
	format_samples__build(0, &rec); /* ProcessCreate */
	vrec__add_dyn(&rec, "SomethingNew", "42", 2, true);
	ocsf__add_record(&sb, &rec);
	o = json_tokener_parse(strbuf__cstr(&sb));
	assert_non_null(o);
	assert_true(json_object_object_get_ex(o, "unmapped", &v));
	assert_true(json_object_object_get_ex(v, "SomethingNew", &v));
	assert_int_equal(json_object_get_int(v), 42);
	json_object_object_get_ex(o, "unmapped", &v);
	assert_true(json_object_object_get_ex(v, "TerminalSessionId", NULL));
	assert_true(json_object_object_get_ex(v, "LogonId", NULL));
	json_object_put(o);

	strbuf__clear(&sb);
	ecs__add_record(&sb, &rec);
	o = json_tokener_parse(strbuf__cstr(&sb));
	assert_non_null(o);
	assert_true(json_object_object_get_ex(o, "vigil", &v));
	assert_true(json_object_object_get_ex(v, "SomethingNew", NULL));
	json_object_put(o);
	strbuf__free(&sb);
}

/* Renders sample i, applies a change with json-c, checks the result. */
static void broken(struct schema_checker *c, size_t i, enum rec_format f,
		   void (*mutate)(struct json_object *), const char *field, const char *word)
{
	struct strbuf sb;
	struct json_object *o;
	struct seen s;

	strbuf__init(&sb, 0);
	o = json_tokener_parse(render(&sb, i, f));
	assert_non_null(o);
	mutate(o);
	assert_true(check(c, json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN), &s) > 0);
	if (!reported(&s, field, word)) {
		for (int k = 0; k < s.n && k < 64; k++)
			fprintf(stderr, "  got %s: %s\n", s.fields[k], s.msgs[k]);
		fail_msg("expected '%s' about %s", word, field);
	}
	json_object_put(o);
	strbuf__free(&sb);
}

static struct json_object *obj(struct json_object *o, const char *k)
{
	struct json_object *v = NULL;

	json_object_object_get_ex(o, k, &v);
	return v;
}

static void drop_time(struct json_object *o)
{
	json_object_object_del(o, "time");
}
static void drop_file_type(struct json_object *o)
{
	json_object_object_del(obj(o, "file"), "type_id");
}
static void bad_activity(struct json_object *o)
{
	json_object_object_add(o, "activity_id", json_object_new_int(42));
	json_object_object_add(o, "type_uid", json_object_new_int(100742));
}
static void bad_severity(struct json_object *o)
{
	json_object_object_add(o, "severity_id", json_object_new_int(7));
}
static void bad_type_pid(struct json_object *o)
{
	json_object_object_add(obj(obj(o, "actor"), "process"), "pid",
			       json_object_new_string("19486"));
}
static void bad_type_time(struct json_object *o)
{
	json_object_object_add(o, "time", json_object_new_string("2026-03-14"));
}
static void unknown_attr(struct json_object *o)
{
	json_object_object_add(obj(o, "process"), "guid", json_object_new_string("x"));
}
static void unknown_top(struct json_object *o)
{
	json_object_object_add(o, "ProcessGuid", json_object_new_string("x"));
}
static void bad_type_uid(struct json_object *o)
{
	json_object_object_add(o, "type_uid", json_object_new_int(100799));
}
static void profile_not_declared(struct json_object *o)
{
	struct json_object *md = obj(o, "metadata");

	json_object_object_add(md, "profiles", json_object_new_array());
	json_object_object_add(obj(o, "process"), "container", json_object_new_object());
}
static void bad_observable(struct json_object *o)
{
	struct json_object *ob = json_object_array_get_idx(obj(o, "observables"), 0);

	json_object_object_add(ob, "type_id", json_object_new_int(1234));
}

static void no_endpoints(struct json_object *o)
{
	json_object_object_del(o, "src_endpoint");
	json_object_object_del(o, "dst_endpoint");
}

static void test_ocsf_catches(void **state)
{
	(void)state;
	/* sample 0 = ProcessCreate, 9 = FileCreate */
	broken(ocsf, 0, RECFMT_OCSF, drop_time, "time", "required");
	broken(ocsf, 9, RECFMT_OCSF, drop_file_type, "file.type_id", "required");
	broken(ocsf, 0, RECFMT_OCSF, bad_activity, "activity_id", "enum");
	broken(ocsf, 0, RECFMT_OCSF, bad_severity, "severity_id", "enum");
	broken(ocsf, 0, RECFMT_OCSF, bad_type_pid, "actor.process.pid", "integer");
	broken(ocsf, 0, RECFMT_OCSF, bad_type_time, "time", "integer");
	broken(ocsf, 0, RECFMT_OCSF, unknown_attr, "process.guid", "unknown");
	broken(ocsf, 0, RECFMT_OCSF, unknown_top, "ProcessGuid", "unknown");
	broken(ocsf, 0, RECFMT_OCSF, bad_type_uid, "type_uid", "class_uid * 100");
	broken(ocsf, 0, RECFMT_OCSF, profile_not_declared, "process.container", "profile");
	broken(ocsf, 0, RECFMT_OCSF, bad_observable, "observables[0].type_id", "enum");
	/* sample 2 = NetworkConnect: the class's at_least_one constraint */
	broken(ocsf, 2, RECFMT_OCSF, no_endpoints, "-", "at least one of");
}

static void ecs_drop_ts(struct json_object *o)
{
	json_object_object_del(o, "@timestamp");
}
static void ecs_bad_category(struct json_object *o)
{
	struct json_object *a = json_object_new_array();

	json_object_array_add(a, json_object_new_string("processes"));
	json_object_object_add(obj(o, "event"), "category", a);
}
static void ecs_bad_combo(struct json_object *o)
{
	struct json_object *a = json_object_new_array();

	json_object_array_add(a, json_object_new_string("deletion"));
	json_object_object_add(obj(o, "event"), "type", a);
}
static void ecs_bad_kind(struct json_object *o)
{
	json_object_object_add(obj(o, "event"), "kind", json_object_new_string("telemetry"));
}
static void ecs_bad_pid(struct json_object *o)
{
	json_object_object_add(obj(o, "process"), "pid", json_object_new_string("19759"));
}
static void ecs_unknown(struct json_object *o)
{
	json_object_object_add(obj(o, "process"), "guid", json_object_new_string("x"));
}
static void ecs_bad_ip(struct json_object *o)
{
	json_object_object_add(obj(o, "destination"), "ip", json_object_new_string("example.org"));
}
static void ecs_bad_date(struct json_object *o)
{
	json_object_object_add(o, "@timestamp", json_object_new_string("yesterday"));
}

static void test_ecs_catches(void **state)
{
	(void)state;
	/* sample 0 = ProcessCreate, 2 = NetworkConnect */
	broken(ecs, 0, RECFMT_ECS, ecs_drop_ts, "@timestamp", "required");
	broken(ecs, 0, RECFMT_ECS, ecs_bad_category, "event.category", "allowed");
	broken(ecs, 0, RECFMT_ECS, ecs_bad_combo, "event.type", "categories expect");
	broken(ecs, 0, RECFMT_ECS, ecs_bad_kind, "event.kind", "allowed");
	broken(ecs, 0, RECFMT_ECS, ecs_bad_pid, "process.pid", "integer");
	broken(ecs, 0, RECFMT_ECS, ecs_unknown, "process.guid", "unknown");
	broken(ecs, 2, RECFMT_ECS, ecs_bad_ip, "destination.ip", "IP");
	broken(ecs, 0, RECFMT_ECS, ecs_bad_date, "@timestamp", "date");
}

/* The committed goldens are what the generator writes. */
static void goldens(enum rec_format f)
{
	struct strbuf sb;
	bool write = getenv("VIGIL_WRITE_GOLDENS") != NULL;
	int stale = 0;

	strbuf__init(&sb, 0);
	for (size_t i = 0; i < format_samples__count(); i++) {
		struct json_object *o = json_tokener_parse(render(&sb, i, f));
		const char *want = json_object_to_json_string_ext(
		    o, JSON_C_TO_STRING_PRETTY | JSON_C_TO_STRING_SPACED |
			   JSON_C_TO_STRING_NOSLASHESCAPE);
		char path[4096], *have = NULL;
		size_t cap = 0;
		FILE *fp;

		snprintf(path, sizeof(path), "%s/%s/%s.json", SCHEMA_DOCS, rec_format__name(f),
			 rec.def->name);
		if (write) {
			fp = fopen(path, "w");
			assert_non_null(fp);
			fprintf(fp, "%s\n", want);
			fclose(fp);
		}
		fp = fopen(path, "r");
		if (fp) {
			ssize_t n = getdelim(&have, &cap, '\0', fp);

			fclose(fp);
			if (n > 0 && have[n - 1] == '\n')
				have[n - 1] = '\0';
		}
		if (!have || strcmp(have, want) != 0) {
			fprintf(stderr, "stale golden %s (VIGIL_WRITE_GOLDENS=1 regenerates)\n",
				path);
			stale++;
		}
		free(have);
		json_object_put(o);
	}
	strbuf__free(&sb);
	assert_int_equal(stale, 0);
}

static void test_goldens_ocsf(void **state)
{
	(void)state;
	goldens(RECFMT_OCSF);
}

static void test_goldens_ecs(void **state)
{
	(void)state;
	goldens(RECFMT_ECS);
}

/* docs/schemas.md lists every row of the OCSF mapping table. */
static void test_docs_table(void **state)
{
	char path[4096], *doc = NULL;
	size_t cap = 0, n;
	const struct ocsf_map *m = ocsf__maps(&n);
	FILE *fp;

	(void)state;
	snprintf(path, sizeof(path), "%s.md", SCHEMA_DOCS);
	fp = fopen(path, "r");
	assert_non_null(fp);
	assert_true(getdelim(&doc, &cap, '\0', fp) > 0);
	fclose(fp);
	for (size_t i = 0; i < n; i++) {
		char row[256];

		snprintf(row, sizeof(row), "| %u | %s | %s (%u) |", m[i].event_id, m[i].event,
			 m[i].class_name, m[i].class_uid);
		if (!strstr(doc, row))
			fail_msg("docs/schemas.md has no row '%s'", row);
	}
	free(doc);
}

/* The format option on output specs. */
static void test_spec_format(void **state)
{
	(void)state;
	assert_int_equal(sink__check_spec("jsonl:/tmp/x.jsonl?format=ocsf"), 0);
	assert_int_equal(sink__check_spec("jsonl:/tmp/x.jsonl?format=ecs"), 0);
	assert_int_equal(sink__check_spec("jsonl:/tmp/x.jsonl?format=sysmon"), 0);
	assert_int_equal(sink__check_spec("syslog?format=ecs"), 0);
	assert_int_equal(sink__check_spec("nats://127.0.0.1:4222?subject=a&format=ocsf"), 0);
	assert_int_not_equal(sink__check_spec("jsonl:/tmp/x.jsonl?format=cef"), 0);
	assert_int_not_equal(sink__check_spec("jsonl:/tmp/x.jsonl?format="), 0);
	assert_int_not_equal(sink__check_spec("sqlite:/tmp/x.db?format=ocsf"), 0);
}

/* The chosen format reaches the file, and the rest of the spec the sink. */
static void test_sink_writes_format(void **state)
{
	struct sink_env env = {.state_dir = "/tmp", .computer = "h"};
	struct sink **v = NULL;
	size_t n = 0;
	char path[] = "/tmp/vigil-fmt-XXXXXX", spec[128], line[65536];
	int fd = mkstemp(path);
	FILE *fp;

	(void)state;
	assert_true(fd >= 0);
	close(fd);
	unlink(path);
	snprintf(spec, sizeof(spec), "jsonl:%s?format=ocsf", path);
	assert_int_equal(sink__open_spec(spec, &env, &v, &n), 0);
	assert_int_equal(n, 1);
	assert_int_equal(v[0]->format, RECFMT_OCSF);
	format_samples__build(0, &rec);
	assert_int_equal(sink__write(v[0], &rec), 0);
	sink__close(v[0]);
	free(v);
	fp = fopen(path, "r");
	assert_non_null(fp);
	assert_non_null(fgets(line, sizeof(line), fp));
	fclose(fp);
	unlink(path);
	assert_non_null(strstr(line, "\"class_uid\":1007"));
}

/* syslog with format=ecs: the message is the ECS JSON object. */
static void test_syslog_json(void **state)
{
	struct sink_env env = {.state_dir = "/tmp", .computer = "h", .syslog_ident = "vigil"};
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	struct timeval tv = {.tv_sec = 5};
	struct sink **v = NULL;
	size_t n = 0;
	char spec[160], msg[65536];
	ssize_t got;
	int fd = socket(AF_UNIX, SOCK_DGRAM, 0);

	(void)state;
	assert_true(fd >= 0);
	snprintf(sa.sun_path, sizeof(sa.sun_path), "/tmp/vigil-fmt-%d.sock", (int)getpid());
	unlink(sa.sun_path);
	assert_int_equal(bind(fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	snprintf(spec, sizeof(spec), "syslog:unix:%s?format=ecs", sa.sun_path);
	assert_int_equal(sink__open_spec(spec, &env, &v, &n), 0);
	format_samples__build(0, &rec);
	assert_int_equal(sink__write(v[0], &rec), 0);
	sink__flush(v[0]);
	got = recv(fd, msg, sizeof(msg) - 1, 0);
	sink__close(v[0]);
	free(v);
	close(fd);
	unlink(sa.sun_path);
	assert_true(got > 0);
	msg[got] = '\0';
	assert_non_null(strstr(msg, "{\"@timestamp\":\"2026-03-14T15:09:26.535Z\""));
	assert_null(strstr(msg, "<Event"));
}

/* nats with format=ocsf: with the server down, the record waits in the
 * disk spool, in the OCSF form it will be published in. */
static void test_nats_spooled_json(void **state)
{
	struct sink_env env = {.state_dir = "/tmp", .computer = "h"};
	struct sink **v = NULL;
	size_t n = 0;
	char dir[] = "/tmp/vigil-fmt-spool-XXXXXX", spec[512];
	bool found = false;
	struct dirent *e;
	DIR *d;

	(void)state;
	assert_non_null(mkdtemp(dir));
	/* port 9 (discard): nothing speaks NATS there */
	snprintf(spec, sizeof(spec),
		 "nats://127.0.0.1:9?subject=x&stream=FMT&format=ocsf&spool_dir=%s", dir);
	assert_int_equal(sink__open_spec(spec, &env, &v, &n), 0);
	assert_int_equal(v[0]->format, RECFMT_OCSF);
	format_samples__build(0, &rec);
	assert_int_equal(sink__write(v[0], &rec), 0);
	sink__close(v[0]);
	free(v);
	d = opendir(dir);
	assert_non_null(d);
	while ((e = readdir(d)) != NULL) {
		char path[4200], buf[1 << 16];
		size_t got;
		FILE *fp;

		if (e->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), "%s/%s", dir, e->d_name);
		fp = fopen(path, "r");
		if (fp) {
			/* one record: the segment is a few KiB */
			got = fread(buf, 1, sizeof(buf), fp);
			if (memmem(buf, got, "\"class_uid\":1007", 16))
				found = true;
			fclose(fp);
		}
		unlink(path);
	}
	closedir(d);
	rmdir(dir);
	assert_true(found);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_ocsf_all_valid),     cmocka_unit_test(test_ecs_all_valid),
	    cmocka_unit_test(test_every_event_mapped), cmocka_unit_test(test_nothing_dropped),
	    cmocka_unit_test(test_ocsf_catches),       cmocka_unit_test(test_ecs_catches),
	    cmocka_unit_test(test_goldens_ocsf),       cmocka_unit_test(test_goldens_ecs),
	    cmocka_unit_test(test_docs_table),	       cmocka_unit_test(test_spec_format),
	    cmocka_unit_test(test_syslog_json),	       cmocka_unit_test(test_nats_spooled_json),
	    cmocka_unit_test(test_sink_writes_format),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
