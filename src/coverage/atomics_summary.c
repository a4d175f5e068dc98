/*
 * atomics_summary.c — the ticket-ready summary of an Atomic Red Team RESULTS
 * file, alone or against a baseline RESULTS from another configuration
 * (`vigil atomics summary`), and the file reader `vigil coverage --verified`
 * shares.
 *
 * Every share names its denominator ("4 of 5 (80.0%)") because the three
 * denominators differ on purpose: skips are a share of all tests, failures a
 * share of the tests that ran, and telemetry and alerts a share of the tests
 * whose command succeeded (a failed command proves nothing about the sensor).
 * Output is built in a bounded strbuf and written once.
 */
#include "coverage/atomics_summary.h"
#include "common/strbuf.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define RESULTS_MAX_BYTES (256u << 20)
#define OUT_MAX		  (64u << 20)
#define KEY_DC_MAX	  32
#define NAME_COLS	  44 /* plain text cuts technique names here */
#define TABLE_COLS	  16

/* ---- verdict names ---- */

static const char *const verdict_names[] = {
    [ATV_NONE] = "",
    [ATV_SKIPPED] = "skipped",
    [ATV_COMMAND_FAILED] = "command_failed",
    [ATV_NOT_SEEN] = "not_seen",
    [ATV_PARTIAL] = "partial",
    [ATV_VERIFIED] = "verified",
};

const char *atomics_verdict_name(enum atomics_verdict v)
{
	return v <= ATV_VERIFIED ? verdict_names[v] : "";
}

enum atomics_verdict atomics_verdict_parse(const char *s)
{
	for (int v = ATV_SKIPPED; s && v <= ATV_VERIFIED; v++)
		if (strcmp(s, verdict_names[v]) == 0)
			return (enum atomics_verdict)v;
	return ATV_NONE;
}

const char *atomics_rollup_name(enum atomics_rollup r)
{
	return r == ATR_VERIFIED  ? "verified"
	       : r == ATR_PARTIAL ? "partial"
	       : r == ATR_FAILED  ? "failed"
				  : "none";
}

enum atomics_rollup atomics_rollup_add(enum atomics_rollup r, enum atomics_verdict v)
{
	enum atomics_rollup t = v == ATV_VERIFIED			       ? ATR_VERIFIED
				: v == ATV_PARTIAL			       ? ATR_PARTIAL
				: v == ATV_NOT_SEEN || v == ATV_COMMAND_FAILED ? ATR_FAILED
									       : ATR_NONE;

	return t > r ? t : r;
}

/* ---- reading ---- */

/* 1-based line of byte off in buf. */
static unsigned line_at(const char *buf, size_t off)
{
	unsigned line = 1;

	for (size_t i = 0; i < off; i++)
		line += buf[i] == '\n';
	return line;
}

struct json_object *atomics_json_load(const char *path, char *err, size_t errlen)
{
	struct json_tokener *tok;
	struct json_object *o;
	enum json_tokener_error je;
	struct stat st;
	char *buf;
	ssize_t got;
	size_t len = 0;
	int fd, e;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0 || fstat(fd, &st) != 0) {
		e = errno;
		snprintf(err, errlen, "%s: %s", path, strerror(e));
		if (fd >= 0)
			close(fd);
		errno = e;
		return NULL;
	}
	if (!S_ISREG(st.st_mode) || st.st_size > (off_t)RESULTS_MAX_BYTES) {
		snprintf(err, errlen, "%s: %s", path,
			 S_ISREG(st.st_mode) ? "larger than 256 MiB" : "not a regular file");
		close(fd);
		errno = S_ISREG(st.st_mode) ? EFBIG : EINVAL;
		return NULL;
	}
	buf = malloc((size_t)st.st_size + 1);
	if (!buf) {
		close(fd);
		snprintf(err, errlen, "%s: out of memory", path);
		errno = ENOMEM;
		return NULL;
	}
	while (len < (size_t)st.st_size &&
	       (got = read(fd, buf + len, (size_t)st.st_size - len)) != 0) {
		if (got < 0 && errno == EINTR)
			continue;
		if (got < 0) {
			e = errno;
			snprintf(err, errlen, "%s: %s", path, strerror(e));
			free(buf);
			close(fd);
			errno = e;
			return NULL;
		}
		len += (size_t)got;
	}
	close(fd);
	buf[len] = '\0';
	tok = json_tokener_new();
	if (!tok) {
		free(buf);
		snprintf(err, errlen, "%s: out of memory", path);
		errno = ENOMEM;
		return NULL;
	}
	o = json_tokener_parse_ex(tok, buf, (int)len);
	je = json_tokener_get_error(tok);
	if (!o || je != json_tokener_success) {
		size_t end = json_tokener_get_parse_end(tok);

		if (je == json_tokener_success || je == json_tokener_continue)
			snprintf(err, errlen, "%s:%u: not valid JSON: unexpected end of file", path,
				 line_at(buf, len));
		else
			snprintf(err, errlen, "%s:%u: not valid JSON: %s", path,
				 line_at(buf, end < len ? end : len), json_tokener_error_desc(je));
		json_object_put(o);
		o = NULL;
	} else {
		size_t end = json_tokener_get_parse_end(tok);

		while (end < len && strchr(" \t\r\n", buf[end]))
			end++;
		if (end < len) {
			snprintf(err, errlen, "%s:%u: not valid JSON: text after the value", path,
				 line_at(buf, end));
			json_object_put(o);
			o = NULL;
		}
	}
	json_tokener_free(tok);
	free(buf);
	if (!o)
		errno = EINVAL;
	return o;
}

static struct json_object *get(struct json_object *o, const char *k)
{
	struct json_object *v = NULL;

	return json_object_object_get_ex(o, k, &v) ? v : NULL;
}

static const char *get_str(struct json_object *o, const char *k)
{
	struct json_object *v = get(o, k);

	return json_object_is_type(v, json_type_string) ? json_object_get_string(v) : NULL;
}

static bool get_bool(struct json_object *o, const char *k)
{
	struct json_object *v = get(o, k);

	return json_object_is_type(v, json_type_boolean) && json_object_get_boolean(v);
}

bool atomics_results_is(struct json_object *o)
{
	return json_object_is_type(o, json_type_object) && get(o, ATOMICS_RESULTS_KEY);
}

int atomics_results_check(struct json_object *o, char *err, size_t errlen)
{
	struct json_object *ver = get(o, ATOMICS_RESULTS_KEY), *arr = get(o, "results");
	size_t n;

	if (!atomics_results_is(o)) {
		snprintf(err, errlen, "not an atomics RESULTS file (no \"%s\" key)",
			 ATOMICS_RESULTS_KEY);
		return -EINVAL;
	}
	if (!json_object_is_type(ver, json_type_int) ||
	    json_object_get_int64(ver) != ATOMICS_RESULTS_VERSION) {
		snprintf(err, errlen, "\"%s\" is %s, this vigil reads version %d",
			 ATOMICS_RESULTS_KEY, json_object_to_json_string(ver),
			 ATOMICS_RESULTS_VERSION);
		return -EINVAL;
	}
	if (!json_object_is_type(arr, json_type_array)) {
		snprintf(err, errlen, "no \"results\" array");
		return -EINVAL;
	}
	n = json_object_array_length(arr);
	for (size_t i = 0; i < n; i++) {
		struct json_object *r = json_object_array_get_idx(arr, i);

		if (!json_object_is_type(r, json_type_object)) {
			snprintf(err, errlen, "results[%zu]: not an object", i);
			return -EINVAL;
		}
		if (!get_str(r, "technique")) {
			snprintf(err, errlen, "results[%zu]: no \"technique\" string", i);
			return -EINVAL;
		}
		if (!json_object_is_type(get(r, "number"), json_type_int)) {
			snprintf(err, errlen, "results[%zu]: no integer \"number\"", i);
			return -EINVAL;
		}
	}
	return 0;
}

/* ---- statistics ---- */

enum skip_cat { SK_DOWNLOAD, SK_POLICY, SK_MANUAL, SK_EXECUTOR, SK_PREREQ, SK_SANDBOX, SK_OTHER };
#define SK_N (SK_OTHER + 1)
/* The runner's skip_reason starts with one of these words (contract). */
static const char *const skip_names[SK_N] = {
    "download", "policy", "manual", "executor", "prerequisite not met", "sandbox", "other",
};

static enum skip_cat skip_cat(const char *why)
{
	for (int c = 0; why && c < SK_OTHER; c++) {
		size_t l = strlen(skip_names[c]);

		if (strncmp(why, skip_names[c], l) == 0 &&
		    (why[l] == '\0' || why[l] == ':' || why[l] == ' '))
			return (enum skip_cat)c;
	}
	return SK_OTHER;
}

struct tech_row {
	const char *id, *name;
	size_t tests, ran, ok, alerted, nongeneric;
	enum atomics_rollup verdict;
	size_t nkey;
	const char *key[KEY_DC_MAX];
	bool key_seen[KEY_DC_MAX];
};

struct stats {
	size_t tests, ran, skipped, skip[SK_N], ok, failed, timed_out, key_seen, covered, alerted,
	    nongeneric;
	bool sigma;
	size_t ntech, rollup[ATR_VERIFIED + 1];
	struct tech_row *tech;
};

struct test_view {
	bool ran, ok, timed_out, key_seen, covered, alert, nongeneric;
	enum atomics_verdict verdict;
};

static void view_test(struct json_object *r, struct test_view *t)
{
	struct json_object *ph = get(r, "phases");

	t->ran = get_bool(r, "ran");
	t->ok = t->ran && get_bool(r, "succeeded");
	t->timed_out = false;
	for (size_t i = 0;
	     json_object_is_type(ph, json_type_array) && i < json_object_array_length(ph); i++)
		if (get_str(json_object_array_get_idx(ph, i), "phase") &&
		    strcmp(get_str(json_object_array_get_idx(ph, i), "phase"), "command") == 0)
			t->timed_out |= get_bool(json_object_array_get_idx(ph, i), "timed_out");
	/* Only the command phase's timeout: a slow cleanup does not make a
	 * test that did what it should a timeout. */
	t->timed_out &= t->ran && !t->ok;
	t->key_seen = t->ok && get_bool(r, "key_seen");
	t->covered =
	    t->ok && (get_str(r, "telemetry") && strcmp(get_str(r, "telemetry"), "covered") == 0);
	t->alert = t->ok && get_bool(r, "alert");
	t->nongeneric = t->ok && get_bool(r, "nongeneric_alert");
	t->verdict = atomics_verdict_parse(get_str(r, "verdict"));
}

static struct tech_row *tech_of(const struct stats *s, const char *id)
{
	for (size_t i = 0; i < s->ntech; i++)
		if (strcmp(s->tech[i].id, id) == 0)
			return &s->tech[i];
	return NULL;
}

/* The technique's key data components, and which a succeeded test saw. */
static void add_key_dcs(struct tech_row *t, struct json_object *r, bool ok)
{
	struct json_object *dcs = get(r, "data_components");

	for (size_t i = 0;
	     json_object_is_type(dcs, json_type_array) && i < json_object_array_length(dcs); i++) {
		struct json_object *dc = json_object_array_get_idx(dcs, i);
		const char *id = get_str(dc, "id");
		size_t k;

		if (!id || !get_bool(dc, "key"))
			continue;
		for (k = 0; k < t->nkey; k++)
			if (strcmp(t->key[k], id) == 0)
				break;
		if (k == t->nkey) {
			if (t->nkey == KEY_DC_MAX)
				continue;
			t->key[t->nkey] = id;
			t->key_seen[t->nkey++] = false;
		}
		t->key_seen[k] |= ok && get_bool(dc, "seen");
	}
}

/* Fills s from a checked RESULTS object; s->tech points into malloc'd
 * memory and at strings owned by o. Returns 0 or -ENOMEM. */
static int stats_of(struct json_object *o, struct stats *s)
{
	struct json_object *arr = get(o, "results");
	size_t n = json_object_array_length(arr);

	memset(s, 0, sizeof(*s));
	s->sigma = get_str(o, "sigma") != NULL;
	s->tech = calloc(n ? n : 1, sizeof(*s->tech));
	if (!s->tech)
		return -ENOMEM;
	for (size_t i = 0; i < n; i++) {
		struct json_object *r = json_object_array_get_idx(arr, i);
		const char *id = get_str(r, "technique");
		struct tech_row *t = tech_of(s, id);
		struct test_view v;

		view_test(r, &v);
		if (!t) {
			t = &s->tech[s->ntech++];
			t->id = id;
			t->name = get_str(r, "technique_name") ? get_str(r, "technique_name") : "";
		}
		s->tests++;
		t->tests++;
		if (!v.ran) {
			s->skipped++;
			s->skip[skip_cat(get_str(r, "skip_reason"))]++;
		}
		s->ran += v.ran;
		t->ran += v.ran;
		s->ok += v.ok;
		t->ok += v.ok;
		s->timed_out += v.timed_out;
		s->failed += v.ran && !v.ok && !v.timed_out;
		s->key_seen += v.key_seen;
		s->covered += v.covered;
		s->alerted += v.alert;
		t->alerted += v.alert;
		s->nongeneric += v.nongeneric;
		t->nongeneric += v.nongeneric;
		t->verdict = atomics_rollup_add(t->verdict, v.verdict);
		add_key_dcs(t, r, v.ok);
	}
	for (size_t i = 0; i < s->ntech; i++)
		s->rollup[s->tech[i].verdict]++;
	return 0;
}

static size_t key_seen_count(const struct tech_row *t)
{
	size_t n = 0;

	for (size_t k = 0; k < t->nkey; k++)
		n += t->key_seen[k];
	return n;
}

/* ---- text ---- */

/* Appends s with control characters as '?'; in markdown, the characters
 * that would start formatting or end a table cell are backslash-escaped.
 * max (in characters, 0 = no limit) cuts the text, ending it with "...". */
static void put_text(struct strbuf *sb, const char *s, bool md, size_t max)
{
	size_t chars = 0, total = 0;

	for (const char *p = s; *p; p++)
		total += ((unsigned char)*p & 0xc0) != 0x80;
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;

		if ((c & 0xc0) != 0x80 && max && total > max && ++chars > max - 3) {
			strbuf__adds(sb, "...");
			return;
		}
		if (c < 0x20 || c == 0x7f)
			strbuf__addc(sb, '?');
		else if (md && strchr("\\`*_[]<>|#", c))
			strbuf__addf(sb, "\\%c", c);
		else
			strbuf__addc(sb, (char)c);
	}
}

/* A table of cells, rendered with aligned columns or as GitHub markdown. */
struct table {
	size_t ncol, nrow, cap;
	bool right[TABLE_COLS];
	char **cell; /* nrow * ncol, row 0 the header */
	bool oom;
};

static void table_init(struct table *t, size_t ncol)
{
	memset(t, 0, sizeof(*t));
	t->ncol = ncol;
}

static void table_free(struct table *t)
{
	for (size_t i = 0; i < t->nrow * t->ncol; i++)
		free(t->cell[i]);
	free(t->cell);
}

/* Adds a row of ncol strings (copied). */
static void table_row(struct table *t, const char *const *cols)
{
	if (t->oom)
		return;
	if (t->nrow == t->cap) {
		size_t cap = t->cap ? t->cap * 2 : 16;
		char **c = realloc(t->cell, cap * t->ncol * sizeof(*c));

		if (!c) {
			t->oom = true;
			return;
		}
		t->cell = c;
		t->cap = cap;
	}
	for (size_t i = 0; i < t->ncol; i++) {
		t->cell[t->nrow * t->ncol + i] = strdup(cols[i]);
		t->oom |= !t->cell[t->nrow * t->ncol + i];
	}
	t->nrow++;
}

static size_t width(const char *s)
{
	size_t n = 0;

	for (; *s; s++)
		n += ((unsigned char)*s & 0xc0) != 0x80;
	return n;
}

static void pad(struct strbuf *sb, size_t n)
{
	while (n--)
		strbuf__addc(sb, ' ');
}

static void table_render(struct strbuf *sb, const struct table *t, bool md)
{
	size_t w[TABLE_COLS] = {0};

	if (t->oom) {
		sb->overflow = true; /* reported as -ENOMEM like any overflow */
		return;
	}
	for (size_t r = 0; r < t->nrow; r++)
		for (size_t c = 0; c < t->ncol; c++)
			if (width(t->cell[r * t->ncol + c]) > w[c])
				w[c] = width(t->cell[r * t->ncol + c]);
	for (size_t r = 0; r < t->nrow; r++) {
		for (size_t c = 0; c < t->ncol; c++) {
			const char *s = t->cell[r * t->ncol + c];
			size_t gap = w[c] - width(s);

			if (md) {
				strbuf__adds(sb, c ? " " : "| ");
				strbuf__adds(sb, s);
				strbuf__adds(sb, " |");
				continue;
			}
			if (c)
				strbuf__adds(sb, "  ");
			if (t->right[c])
				pad(sb, gap);
			strbuf__adds(sb, s);
			if (!t->right[c] && c + 1 < t->ncol)
				pad(sb, gap);
		}
		strbuf__addc(sb, '\n');
		if (md && r == 0) {
			for (size_t c = 0; c < t->ncol; c++)
				strbuf__adds(sb, t->right[c] ? (c ? " ---: |" : "| ---: |")
							     : (c ? " --- |" : "| --- |"));
			strbuf__addc(sb, '\n');
		}
	}
}

/* "4 of 5 (80.0%)"; "0 of 0" when there is no denominator. */
static void share(char *buf, size_t len, size_t num, size_t den)
{
	if (den)
		snprintf(buf, len, "%zu of %zu (%.1f%%)", num, den, 100.0 * num / den);
	else
		snprintf(buf, len, "%zu of %zu", num, den);
}

/* "+1 (+20.0 pp)": the count's change and, for shares with both
 * denominators non-zero, the change in percentage points. */
static void delta(char *buf, size_t len, size_t a, size_t da, size_t b, size_t db, bool is_share)
{
	long d = (long)a - (long)b;
	int n = snprintf(buf, len, d ? "%+ld" : "0", d);

	if (is_share && da && db && n > 0 && (size_t)n < len)
		snprintf(buf + n, len - (size_t)n, " (%+.1f pp)", 100.0 * a / da - 100.0 * b / db);
}

/* One headline metric: value and denominator of each run (SIZE_MAX = not
 * applicable to that run, as alerts without --sigma). */
struct metric {
	const char *label;
	size_t a, b;
	size_t den_a, den_b; /* 0 for a plain count */
	bool is_share, na_a, na_b;
};

static void metric_row(struct table *t, const struct metric *m)
{
	char va[64], vb[64], dv[64];
	const char *cols[4] = {m->label, va, vb, dv};

	if (m->is_share) {
		share(va, sizeof(va), m->a, m->den_a);
		share(vb, sizeof(vb), m->b, m->den_b);
	} else {
		snprintf(va, sizeof(va), "%zu", m->a);
		snprintf(vb, sizeof(vb), "%zu", m->b);
	}
	if (m->na_a)
		snprintf(va, sizeof(va), "n/a (no Sigma)");
	if (m->na_b)
		snprintf(vb, sizeof(vb), "n/a (no Sigma)");
	if (m->na_a || m->na_b)
		snprintf(dv, sizeof(dv), "-");
	else
		delta(dv, sizeof(dv), m->a, m->den_a, m->b, m->den_b, m->is_share);
	table_row(t, cols);
}

static void metrics(struct strbuf *sb, const struct stats *a, const struct stats *b, bool md)
{
	static const struct stats zero;
	const struct stats *bb = b ? b : &zero;
	struct table t;
	static const char *const head2[] = {"metric", "value"};
	static const char *const head4[] = {"metric", "this run", "baseline", "delta"};
	char label[64];

	table_init(&t, b ? 4 : 2);
	table_row(&t, b ? head4 : head2);
	{
		const struct metric rows[] = {
		    {"tests", a->tests, bb->tests, 0, 0, false, false, false},
		    {"ran (of tests)", a->ran, bb->ran, a->tests, bb->tests, true, false, false},
		    {"skipped (of tests)", a->skipped, bb->skipped, a->tests, bb->tests, true,
		     false, false},
		};
		for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++)
			metric_row(&t, &rows[i]);
	}
	for (int c = 0; c < SK_N; c++) {
		if (!a->skip[c] && !bb->skip[c])
			continue;
		snprintf(label, sizeof(label), "skipped: %s", skip_names[c]);
		metric_row(&t, &(struct metric){label, a->skip[c], bb->skip[c], 0, 0, false, false,
						false});
	}
	{
		bool sig = a->sigma || (b && b->sigma);
		const struct metric rows[] = {
		    {"succeeded (of ran)", a->ok, bb->ok, a->ran, bb->ran, true, false, false},
		    {"command failed (of ran)", a->failed, bb->failed, a->ran, bb->ran, true, false,
		     false},
		    {"timed out (of ran)", a->timed_out, bb->timed_out, a->ran, bb->ran, true,
		     false, false},
		    {"key behaviour seen (of succeeded)", a->key_seen, bb->key_seen, a->ok, bb->ok,
		     true, false, false},
		    {"all key behaviour seen (of succeeded)", a->covered, bb->covered, a->ok,
		     bb->ok, true, false, false},
		    {"any Sigma alert (of succeeded)", a->alerted, bb->alerted, a->ok, bb->ok, true,
		     !a->sigma, b && !b->sigma},
		    {"non-generic Sigma alert (of succeeded)", a->nongeneric, bb->nongeneric, a->ok,
		     bb->ok, true, !a->sigma, b && !b->sigma},
		    {"techniques", a->ntech, bb->ntech, 0, 0, false, false, false},
		};
		for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
			if (i >= 5 && i <= 6 && !sig)
				continue;
			metric_row(&t, &rows[i]);
		}
	}
	for (int r = ATR_VERIFIED; r >= ATR_NONE; r--) {
		snprintf(label, sizeof(label), "techniques: %s%s", atomics_rollup_name(r),
			 r == ATR_NONE ? " (no test ran)" : "");
		metric_row(&t, &(struct metric){label, a->rollup[r], bb->rollup[r], 0, 0, false,
						false, false});
	}
	table_render(sb, &t, md);
	table_free(&t);
}

/* "LABEL R on host H, S to F; sensor output P; Sigma rules X" of a RESULTS. */
static void describe(struct strbuf *sb, const char *label, struct json_object *o, bool md)
{
	static const char *const keys[] = {"runid", "host", "started", "finished", "sensor_output"};
	static const char *const words[] = {"", " on host ", ", ", " to ", "; sensor output "};

	for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]); i++) {
		strbuf__adds(sb, i ? words[i] : label);
		put_text(sb, get_str(o, keys[i]) ? get_str(o, keys[i]) : "?", md, 0);
	}
	strbuf__adds(sb, "; Sigma rules ");
	put_text(sb, get_str(o, "sigma") ? get_str(o, "sigma") : "none (no --sigma)", md, 0);
	strbuf__adds(sb, md ? "  \n" : "\n");
}

static void name_cell(struct strbuf *sb, const struct tech_row *t, bool md)
{
	strbuf__clear(sb);
	put_text(sb, t ? t->name : "", md, md ? 0 : NAME_COLS);
}

/* The cells of one run's technique row (t NULL: absent from that run). */
struct tech_cells {
	char ran[32], ok[32], verdict[16], key[32], alerted[32], nongeneric[32];
};

static void tech_cells(struct tech_cells *c, const struct tech_row *t, bool sigma)
{
	if (!t) {
		snprintf(c->ran, sizeof(c->ran), "-");
		snprintf(c->ok, sizeof(c->ok), "-");
		snprintf(c->verdict, sizeof(c->verdict), "-");
		snprintf(c->key, sizeof(c->key), "-");
		snprintf(c->alerted, sizeof(c->alerted), "-");
		snprintf(c->nongeneric, sizeof(c->nongeneric), "-");
		return;
	}
	snprintf(c->ran, sizeof(c->ran), "%zu", t->ran);
	snprintf(c->ok, sizeof(c->ok), "%zu", t->ok);
	snprintf(c->verdict, sizeof(c->verdict), "%s", atomics_rollup_name(t->verdict));
	if (t->ok && t->nkey)
		snprintf(c->key, sizeof(c->key), "%zu/%zu", key_seen_count(t), t->nkey);
	else
		snprintf(c->key, sizeof(c->key), "-");
	/* Alerts count over the tests that succeeded: none succeeded, no count. */
	snprintf(c->alerted, sizeof(c->alerted), sigma && t->ok ? "%zu" : "-", t->alerted);
	snprintf(c->nongeneric, sizeof(c->nongeneric), sigma && t->ok ? "%zu" : "-", t->nongeneric);
}

/* The per-technique table of one run. */
static void tech_table(struct strbuf *sb, const struct stats *a, bool md)
{
	static const char *const head[] = {"technique",	   "name",    "tests",
					   "ran",	   "ok",      "verdict",
					   "key DCs seen", "alerted", "non-generic"};
	size_t ncol = a->sigma ? 9 : 7;
	struct strbuf name;
	struct table t;
	char tests[32];

	table_init(&t, ncol);
	for (size_t c = 2; c < ncol; c++)
		t.right[c] = c != 5;
	table_row(&t, head);
	strbuf__init(&name, 4096);
	for (size_t i = 0; i < a->ntech; i++) {
		const struct tech_row *r = &a->tech[i];
		struct tech_cells c;
		const char *cols[9];

		tech_cells(&c, r, a->sigma);
		name_cell(&name, r, md);
		snprintf(tests, sizeof(tests), "%zu", r->tests);
		cols[0] = r->id;
		cols[1] = strbuf__cstr(&name);
		cols[2] = tests;
		cols[3] = c.ran;
		cols[4] = c.ok;
		cols[5] = c.verdict;
		cols[6] = c.key;
		cols[7] = c.alerted;
		cols[8] = c.nongeneric;
		table_row(&t, cols);
	}
	table_render(sb, &t, md);
	table_free(&t);
	strbuf__free(&name);
}

/* The i-th technique of the union of a and b, a's order first, for i below
 * a->ntech + b->ntech: *x from a, *y from b, either NULL when absent.
 * False for a technique of b already met among a's. */
static bool tech_pair(const struct stats *a, const struct stats *b, size_t i,
		      const struct tech_row **x, const struct tech_row **y)
{
	if (i < a->ntech) {
		*x = &a->tech[i];
		*y = tech_of(b, (*x)->id);
		return true;
	}
	*y = &b->tech[i - a->ntech];
	*x = tech_of(a, (*y)->id);
	return *x == NULL;
}

/* "+1", "0", or "-" when either side has no number. */
static void delta_cell(char *buf, size_t len, const char *a, const char *b)
{
	char *ea, *eb;
	long x = strtol(a, &ea, 10), y = strtol(b, &eb, 10);

	if (ea == a || eb == b)
		snprintf(buf, len, "-");
	else
		snprintf(buf, len, x - y ? "%+ld" : "0", x - y);
}

/* The per-technique table of a run against its baseline: every technique
 * of either, this run's order first. */
static void tech_compare(struct strbuf *sb, const struct stats *a, const struct stats *b, bool md)
{
	static const char *const head[] = {"technique",	  "name",     "ran/ok",	  "baseline",
					   "verdict",	  "baseline", "key DCs",  "baseline",
					   "delta",	  "alerted",  "baseline", "delta",
					   "non-generic", "baseline", "delta"};
	bool sigma = a->sigma && b->sigma;
	size_t ncol = sigma ? 15 : 9;
	struct strbuf name;
	struct table t;

	table_init(&t, ncol);
	for (size_t c = 2; c < ncol; c++)
		t.right[c] = c != 4 && c != 5;
	table_row(&t, head);
	strbuf__init(&name, 4096);
	for (size_t i = 0; i < a->ntech + b->ntech; i++) {
		const struct tech_row *ra, *rb;
		struct tech_cells ca, cb;
		char rok_a[64], rok_b[64], dk[32], dal[32], dng[32];
		const char *cols[15];

		if (!tech_pair(a, b, i, &ra, &rb))
			continue; /* listed already */
		tech_cells(&ca, ra, sigma);
		tech_cells(&cb, rb, sigma);
		snprintf(rok_a, sizeof(rok_a), ra ? "%s/%s" : "-", ca.ran, ca.ok);
		snprintf(rok_b, sizeof(rok_b), rb ? "%s/%s" : "-", cb.ran, cb.ok);
		delta_cell(dk, sizeof(dk), ca.key, cb.key);
		delta_cell(dal, sizeof(dal), ca.alerted, cb.alerted);
		delta_cell(dng, sizeof(dng), ca.nongeneric, cb.nongeneric);
		name_cell(&name, ra ? ra : rb, md);
		cols[0] = ra ? ra->id : rb->id;
		cols[1] = strbuf__cstr(&name);
		cols[2] = rok_a;
		cols[3] = rok_b;
		cols[4] = ca.verdict;
		cols[5] = cb.verdict;
		cols[6] = ca.key;
		cols[7] = cb.key;
		cols[8] = dk;
		cols[9] = ca.alerted;
		cols[10] = cb.alerted;
		cols[11] = dal;
		cols[12] = ca.nongeneric;
		cols[13] = cb.nongeneric;
		cols[14] = dng;
		table_row(&t, cols);
	}
	table_render(sb, &t, md);
	table_free(&t);
	strbuf__free(&name);
}

static const char *alert_name(const struct test_view *v)
{
	return !v->alert ? "none" : v->nongeneric ? "non-generic" : "generic";
}

/* The result for technique/number in RESULTS o, or NULL. */
static struct json_object *find_test(struct json_object *o, const char *tech, int64_t number)
{
	struct json_object *arr = get(o, "results");

	for (size_t i = 0; i < json_object_array_length(arr); i++) {
		struct json_object *r = json_object_array_get_idx(arr, i);

		if (strcmp(get_str(r, "technique"), tech) == 0 &&
		    json_object_get_int64(get(r, "number")) == number)
			return r;
	}
	return NULL;
}

/* One line of a change list: "T1003.008-1  what" or "- T1003.008-1: what". */
static void change_line(struct strbuf *sb, struct table *t, bool md, const char *id,
			const char *what)
{
	const char *cols[2] = {id, what};

	if (!md) {
		table_row(t, cols);
		return;
	}
	strbuf__adds(sb, "- ");
	put_text(sb, id, md, 0);
	strbuf__adds(sb, ": ");
	strbuf__adds(sb, what);
	strbuf__addc(sb, '\n');
}

static void change_end(struct strbuf *sb, struct table *t, bool md, size_t n)
{
	if (!n)
		strbuf__adds(sb, md ? "- none\n" : "  none\n");
	if (!md) {
		/* Two-column list, indented by two spaces: the table renders it
		 * aligned, the indentation is added line by line. */
		struct strbuf tmp;

		strbuf__init(&tmp, OUT_MAX);
		table_render(&tmp, t, false);
		for (const char *p = tmp.len ? tmp.buf : ""; *p;) {
			size_t l = strcspn(p, "\n");

			strbuf__adds(sb, "  ");
			strbuf__add(sb, p, l + (p[l] == '\n'));
			p += l + (p[l] == '\n');
		}
		strbuf__free(&tmp);
	}
}

/* The techniques whose roll-up changed and the tests whose verdict or
 * alert changed, baseline -> this run. */
static void changes(struct strbuf *sb, struct json_object *ra, struct json_object *rb,
		    const struct stats *a, const struct stats *b, bool md)
{
	bool sigma = a->sigma && b->sigma;
	struct json_object *arr;
	struct table t;
	char what[256], id[96];
	size_t n = 0;

	strbuf__adds(sb, md ? "\n#### Techniques whose verdict changed (baseline -> this run)\n\n"
			    : "\nTechniques whose verdict changed (baseline -> this run):\n");
	table_init(&t, 2);
	for (size_t i = 0; i < a->ntech + b->ntech; i++) {
		const struct tech_row *x, *y;

		if (!tech_pair(a, b, i, &x, &y) || (x && y && x->verdict == y->verdict))
			continue;
		snprintf(what, sizeof(what), "%s -> %s",
			 y ? atomics_rollup_name(y->verdict) : "(not in baseline)",
			 x ? atomics_rollup_name(x->verdict) : "(not in this run)");
		change_line(sb, &t, md, x ? x->id : y->id, what);
		n++;
	}
	change_end(sb, &t, md, n);
	table_free(&t);

	strbuf__adds(sb,
		     md ? "\n#### Tests whose verdict or alert changed (baseline -> this run)\n\n"
			: "\nTests whose verdict or alert changed (baseline -> this run):\n");
	table_init(&t, 2);
	n = 0;
	for (int side = 0; side < 2; side++) {
		arr = get(side ? rb : ra, "results");
		for (size_t i = 0; i < json_object_array_length(arr); i++) {
			struct json_object *r = json_object_array_get_idx(arr, i), *o;
			const char *tech = get_str(r, "technique");
			int64_t num = json_object_get_int64(get(r, "number"));
			struct test_view x, y;
			int k = 0;

			o = find_test(side ? ra : rb, tech, num);
			snprintf(id, sizeof(id), "%s-%lld", tech, (long long)num);
			if (side && o)
				continue; /* compared from this run's side */
			if (!o) {
				change_line(sb, &t, md, id,
					    side ? "only in baseline" : "only in this run");
				n++;
				continue;
			}
			view_test(r, &x);
			view_test(o, &y);
			what[0] = '\0';
			if (x.verdict != y.verdict)
				k += snprintf(what, sizeof(what), "verdict %s -> %s",
					      atomics_verdict_name(y.verdict),
					      atomics_verdict_name(x.verdict));
			if (sigma && strcmp(alert_name(&x), alert_name(&y)) != 0)
				snprintf(what + k, sizeof(what) - (size_t)k, "%salert %s -> %s",
					 k ? "; " : "", alert_name(&y), alert_name(&x));
			if (!what[0])
				continue;
			change_line(sb, &t, md, id, what);
			n++;
		}
	}
	change_end(sb, &t, md, n);
	table_free(&t);
}

int atomics_summary(FILE *out, struct json_object *results, struct json_object *baseline,
		    bool markdown)
{
	struct stats a, b;
	struct strbuf sb;
	char err[256];
	int rc = 0;

	if (atomics_results_check(results, err, sizeof(err)) != 0 ||
	    (baseline && atomics_results_check(baseline, err, sizeof(err)) != 0))
		return -EINVAL;
	memset(&b, 0, sizeof(b));
	if (stats_of(results, &a) != 0)
		return -ENOMEM;
	if (baseline && stats_of(baseline, &b) != 0) {
		free(a.tech);
		return -ENOMEM;
	}
	strbuf__init(&sb, OUT_MAX);
	strbuf__adds(&sb,
		     markdown ? "### Atomic Red Team results\n\n" : "Atomic Red Team results\n");
	describe(&sb, baseline ? "this run: " : "run ", results, markdown);
	if (baseline)
		describe(&sb, "baseline: ", baseline, markdown);
	strbuf__addc(&sb, '\n');
	metrics(&sb, &a, baseline ? &b : NULL, markdown);
	strbuf__adds(&sb, markdown ? "\n#### Per technique\n\n" : "\n");
	if (baseline)
		tech_compare(&sb, &a, &b, markdown);
	else
		tech_table(&sb, &a, markdown);
	if (baseline)
		changes(&sb, results, baseline, &a, &b, markdown);
	free(a.tech);
	free(b.tech);
	if (sb.overflow)
		rc = -ENOMEM;
	else if (fwrite(sb.len ? sb.buf : "", 1, sb.len, out) != sb.len || fflush(out) != 0)
		rc = -EIO;
	strbuf__free(&sb);
	return rc;
}
