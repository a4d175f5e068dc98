/*
 * cmd_hunt.c — `vigil hunt`: SQL over the sensor's SQLite store.
 *
 *   vigil hunt [--db PATH] [--format table|json|csv] [--max-rows N] "SQL"
 *
 * The database is opened read-only (SQLITE_OPEN_READONLY plus
 * PRAGMA query_only) so a hunt can never change evidence, and because the
 * store runs in WAL mode it reads a consistent snapshot while the sensor
 * keeps writing. Formats:
 *   table  columns aligned for a terminal (rows are buffered to size the
 *          columns, up to --max-rows, default 10000; cells are cut at 60
 *          characters);
 *   json   one JSON array of objects, a key per column; integers and reals
 *          as numbers, NULL as null;
 *   csv    RFC 4180: a header line, CRLF line ends, fields quoted when they
 *          hold a comma or a quote, quotes doubled.
 * Event fields are attacker-controlled (a file name is any bytes), and all
 * three formats end up on terminals, so none of them lets a control
 * character through: in table and csv, C0 controls (TAB, CR and LF too),
 * DEL and each byte of invalid UTF-8 show as \xHH, and C1 controls
 * (U+0080-U+009F, which terminals may take as CSI and the like) as \u00HH;
 * json escapes C0, DEL and C1 as \u00HH and gives invalid UTF-8 as U+FFFD
 * (json__add_str, as the JSONL output). Column names get the same.
 * Exit codes: 0; EX_USAGE for bad arguments; EX_NOINPUT when the database
 * cannot be opened; EX_DATAERR for SQL that SQLite rejects (its message is
 * printed).
 */
#include "cli/commands.h"
#include "cli/hunt.h"
#include "cli/opts.h"

#include "common/json.h"
#include "common/strbuf.h"
#include "common/utf8.h"

#include <getopt.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>

#define HUNT_DEFAULT_DB	 "/var/lib/vigil/vigil.db"
#define HUNT_CELL_MAX	 60
#define HUNT_DEFAULT_MAX 10000

static void usage(FILE *f)
{
	fprintf(f,
		"usage: vigil hunt [--db PATH] [--format table|json|csv] [--max-rows N] \"SQL\"\n"
		"       vigil hunt --fleet URL --key FILE [options] \"SQL\"  (--fleet --help)\n"
		"  tables: DeviceProcessEvents DeviceNetworkEvents DeviceFileEvents\n"
		"          DeviceImageLoadEvents DeviceEvents DeviceAlerts\n"
		"  default database: " HUNT_DEFAULT_DB "\n"
		"  formats: table (aligned), json (one array of objects), csv (RFC 4180)\n");
}

/* Appends s[0..len) safe for a terminal (see the top): C0, DEL and
 * invalid bytes as \xHH, C1 as \u00HH, the rest as is. */
static void add_shown(struct strbuf *sb, const char *str, size_t len)
{
	const unsigned char *s = (const unsigned char *)str;
	size_t i = 0;

	while (i < len) {
		uint32_t cp = 0;
		size_t k = utf8__seq(s + i, len - i, &cp);

		if (k == 0 || cp < 0x20 || cp == 0x7f) {
			strbuf__addf(sb, "\\x%02x", s[i]);
			k = 1;
		} else if (cp >= 0x80 && cp <= 0x9f)
			strbuf__addf(sb, "\\u%04x", (unsigned)cp);
		else
			strbuf__add(sb, s + i, k);
		i += k;
	}
}

static void csv_field(FILE *out, const char *s, int len)
{
	struct strbuf sb;
	bool quote;

	strbuf__init(&sb, 64u << 20);
	add_shown(&sb, s, (size_t)len);
	/* CR and LF are escaped by now: only a comma or a quote needs quotes. */
	quote = sb.len > 0 && (memchr(sb.buf, ',', sb.len) || memchr(sb.buf, '"', sb.len));
	if (!quote) {
		fwrite(sb.buf, 1, sb.len, out);
	} else {
		fputc('"', out);
		for (size_t i = 0; i < sb.len; i++) {
			if (sb.buf[i] == '"')
				fputc('"', out);
			fputc(sb.buf[i], out);
		}
		fputc('"', out);
	}
	strbuf__free(&sb);
}

/* A table cell as shown: escaped (add_shown), cut at HUNT_CELL_MAX
 * characters. Returns its width in characters (UTF-8 continuation bytes
 * do not count). */
static size_t cell_text(const char *s, int len, char *out, size_t cap)
{
	struct strbuf sb;
	size_t o = 0, width = 0;

	strbuf__init(&sb, 64u << 20);
	add_shown(&sb, s, (size_t)len);
	for (size_t i = 0; i < sb.len && o + 4 < cap; i++) {
		unsigned char c = (unsigned char)sb.buf[i];

		if (!utf8__is_cont(c)) {
			if (width == HUNT_CELL_MAX - 1 && i + 1 < sb.len) {
				memcpy(out + o, "\xe2\x80\xa6", 3); /* … */
				o += 3;
				width++;
				break;
			}
			width++;
		}
		out[o++] = (char)c;
	}
	out[o] = '\0';
	strbuf__free(&sb);
	return width;
}

static void print_row(FILE *out, char **cells, const size_t *cw, const size_t *width, int ncols)
{
	for (int c = 0; c < ncols; c++) {
		fputs(cells[c], out);
		if (c + 1 < ncols)
			for (size_t k = cw[c]; k < width[c] + 2; k++)
				fputc(' ', out);
	}
	fputc('\n', out);
}

static int run_table(sqlite3_stmt *st, FILE *out, size_t max_rows, int *rc_out)
{
	int ncols = sqlite3_column_count(st);
	size_t *width = calloc((size_t)ncols, sizeof(*width));
	size_t nrows = 0, cap = 64;
	char **cells = malloc(cap * (size_t)ncols * sizeof(*cells));
	size_t *cw = malloc(cap * (size_t)ncols * sizeof(*cw));
	bool cut = false;
	int rc;

	if (width == NULL || cells == NULL || cw == NULL) {
		free(width);
		free(cells);
		free(cw);
		return -1;
	}
	/* Row 0 is the header. */
	for (int c = 0; c < ncols; c++) {
		char buf[HUNT_CELL_MAX * 4 + 8];
		const char *name = sqlite3_column_name(st, c);
		cw[c] = cell_text(name, (int)strlen(name), buf, sizeof(buf));
		cells[c] = strdup(buf);
		width[c] = cw[c];
	}
	nrows = 1;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		if (nrows - 1 >= max_rows) {
			cut = true;
			break;
		}
		if (nrows == cap) {
			char **nc;
			size_t *ncw;
			cap *= 2;
			nc = realloc(cells, cap * (size_t)ncols * sizeof(*cells));
			if (nc == NULL)
				break;
			cells = nc;
			ncw = realloc(cw, cap * (size_t)ncols * sizeof(*cw));
			if (ncw == NULL)
				break;
			cw = ncw;
		}
		for (int c = 0; c < ncols; c++) {
			char buf[HUNT_CELL_MAX * 4 + 8];
			size_t i = nrows * (size_t)ncols + (size_t)c;
			const char *v = (const char *)sqlite3_column_text(st, c);
			int len = sqlite3_column_bytes(st, c);

			if (v == NULL) {
				v = "NULL";
				len = 4;
			}
			cw[i] = cell_text(v, len, buf, sizeof(buf));
			cells[i] = strdup(buf);
			if (cells[i] == NULL)
				cells[i] = strdup("");
			if (cw[i] > width[c])
				width[c] = cw[i];
		}
		nrows++;
	}
	*rc_out = cut ? SQLITE_DONE : rc;
	for (size_t r = 0; r < nrows; r++) {
		print_row(out, cells + r * (size_t)ncols, cw + r * (size_t)ncols, width, ncols);
		if (r == 0) {
			for (int c = 0; c < ncols; c++) {
				for (size_t k = 0; k < width[c]; k++)
					fputc('-', out);
				if (c + 1 < ncols)
					fputs("  ", out);
			}
			fputc('\n', out);
		}
	}
	for (size_t i = 0; i < nrows * (size_t)ncols; i++)
		free(cells[i]);
	fflush(out); /* the count goes after the rows on a shared terminal */
	if (*rc_out == SQLITE_DONE)
		fprintf(stderr, "(%zu row%s%s)\n", nrows - 1, nrows == 2 ? "" : "s",
			cut ? ", cut at --max-rows" : "");
	free(cells);
	free(cw);
	free(width);
	return 0;
}

static int run_stream(sqlite3_stmt *st, FILE *out, enum hunt_format fmt, int *rc_out)
{
	int ncols = sqlite3_column_count(st);
	struct strbuf sb;
	bool first = true;
	int rc;

	strbuf__init(&sb, 64u << 20);
	if (fmt == FMT_CSV) {
		for (int c = 0; c < ncols; c++) {
			const char *name = sqlite3_column_name(st, c);
			if (c)
				fputc(',', out);
			csv_field(out, name, (int)strlen(name));
		}
		fputs("\r\n", out);
	} else {
		fputc('[', out);
	}
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		if (fmt == FMT_CSV) {
			for (int c = 0; c < ncols; c++) {
				const char *v = (const char *)sqlite3_column_text(st, c);
				if (c)
					fputc(',', out);
				if (v != NULL)
					csv_field(out, v, sqlite3_column_bytes(st, c));
			}
			fputs("\r\n", out);
			continue;
		}
		strbuf__clear(&sb);
		strbuf__adds(&sb, first ? "\n{" : ",\n{");
		first = false;
		for (int c = 0; c < ncols; c++) {
			const char *name = sqlite3_column_name(st, c);
			int type = sqlite3_column_type(st, c);

			if (c)
				strbuf__addc(&sb, ',');
			json__add_str(&sb, name, strlen(name));
			strbuf__addc(&sb, ':');
			if (type == SQLITE_NULL) {
				strbuf__adds(&sb, "null");
			} else if (type == SQLITE_INTEGER) {
				strbuf__addf(&sb, "%lld", (long long)sqlite3_column_int64(st, c));
			} else if (type == SQLITE_FLOAT) {
				double d = sqlite3_column_double(st, c);
				if (d != d || d - d != 0) /* NaN/Inf are not JSON */
					strbuf__adds(&sb, "null");
				else
					strbuf__addf(&sb, "%.17g", d);
			} else {
				const char *v = (const char *)sqlite3_column_text(st, c);
				json__add_str(&sb, v ? v : "", (size_t)sqlite3_column_bytes(st, c));
			}
		}
		strbuf__addc(&sb, '}');
		fwrite(sb.buf, 1, sb.len, out);
	}
	if (fmt == FMT_JSON)
		fputs(first ? "]\n" : "\n]\n", out);
	strbuf__free(&sb);
	*rc_out = rc;
	return 0;
}

int hunt__format(const char *name, enum hunt_format *fmt)
{
	if (strcmp(name, "table") == 0)
		*fmt = FMT_TABLE;
	else if (strcmp(name, "json") == 0)
		*fmt = FMT_JSON;
	else if (strcmp(name, "csv") == 0)
		*fmt = FMT_CSV;
	else {
		fprintf(stderr, "vigil hunt: unknown format '%s' (table, json, csv)\n", name);
		return -1;
	}
	return 0;
}

int hunt__print(sqlite3_stmt *st, FILE *out, enum hunt_format fmt, size_t max_rows)
{
	int rc = SQLITE_DONE;

	if (fmt == FMT_TABLE)
		run_table(st, out, max_rows, &rc);
	else
		run_stream(st, out, fmt, &rc);
	return rc;
}

int cmd_hunt(int argc, char **argv)
{
	static const struct option longopts[] = {
	    {"db", required_argument, NULL, 'd'},
	    {"format", required_argument, NULL, 'f'},
	    {"max-rows", required_argument, NULL, 'm'},
	    {"help", no_argument, NULL, 'h'},
	    {NULL, 0, NULL, 0},
	};
	const char *db_path = HUNT_DEFAULT_DB;
	enum hunt_format fmt = FMT_TABLE;
	size_t max_rows = HUNT_DEFAULT_MAX;
	sqlite3 *db = NULL;
	sqlite3_stmt *st = NULL;
	const char *sql, *tail;
	int opt, rc, ret = 0;

	/* --fleet asks the fleet instead: cmd_hunt_fleet.c. */
	for (int i = 1; i < argc && strcmp(argv[i], "--") != 0; i++)
		if (strcmp(argv[i], "--fleet") == 0 || strncmp(argv[i], "--fleet=", 8) == 0)
			return cmd_hunt_fleet(argc, argv);
	optind = 1;
	while ((opt = getopt_long(argc, argv, "d:f:m:h", longopts, NULL)) != -1) {
		switch (opt) {
		case 'd':
			db_path = optarg;
			break;
		case 'f':
			if (hunt__format(optarg, &fmt) < 0)
				return EX_USAGE;
			break;
		case 'm': {
			uint64_t v;

			if (opts__uint(optarg, 1, SIZE_MAX, &v) < 0) {
				fprintf(stderr, "vigil hunt: --max-rows wants a positive number\n");
				return EX_USAGE;
			}
			max_rows = (size_t)v;
			break;
		}
		case 'h':
			usage(stdout);
			return 0;
		default:
			usage(stderr);
			return EX_USAGE;
		}
	}
	if (optind != argc - 1) {
		usage(stderr);
		return EX_USAGE;
	}
	sql = argv[optind];

	rc = sqlite3_open_v2(db_path, &db, SQLITE_OPEN_READONLY, NULL);
	if (rc != SQLITE_OK) {
		fprintf(stderr, "vigil hunt: cannot open %s: %s\n", db_path,
			db ? sqlite3_errmsg(db) : sqlite3_errstr(rc));
		sqlite3_close(db);
		return EX_NOINPUT;
	}
	sqlite3_busy_timeout(db, 5000);
	if (sqlite3_exec(db, "PRAGMA query_only=1", NULL, NULL, NULL) != SQLITE_OK) {
		fprintf(stderr, "vigil hunt: %s: %s\n", db_path, sqlite3_errmsg(db));
		sqlite3_close(db);
		return EX_NOINPUT;
	}
	rc = sqlite3_prepare_v2(db, sql, -1, &st, &tail);
	if (rc == SQLITE_OK && st == NULL) {
		fprintf(stderr, "vigil hunt: empty query\n");
		ret = EX_DATAERR;
	} else if (rc != SQLITE_OK) {
		int off = sqlite3_error_offset(db);
		fprintf(stderr, "vigil hunt: SQL error: %s", sqlite3_errmsg(db));
		if (off >= 0)
			fprintf(stderr, " (at offset %d: \"%.20s\")", off, sql + off);
		fputc('\n', stderr);
		ret = EX_DATAERR;
	} else {
		while (*tail == ' ' || *tail == '\t' || *tail == '\n' || *tail == ';')
			tail++;
		if (*tail != '\0') {
			fprintf(stderr, "vigil hunt: one statement at a time (extra: \"%.20s\")\n",
				tail);
			ret = EX_USAGE;
		} else {
			rc = hunt__print(st, stdout, fmt, max_rows);
			if (rc != SQLITE_DONE) {
				fflush(stdout);
				fprintf(stderr, "vigil hunt: SQL error: %s\n", sqlite3_errmsg(db));
				ret = EX_DATAERR;
			}
		}
	}
	sqlite3_finalize(st);
	sqlite3_close(db);
	if (fflush(stdout) != 0)
		ret = ret ? ret : EX_IOERR;
	return ret;
}
