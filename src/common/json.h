/*
 * json.h — JSON text output: string escaping and whole-record serialisation.
 *
 * Escaping follows RFC 8259: quote, backslash and control bytes are escaped;
 * valid UTF-8 passes through; each byte of an invalid UTF-8 sequence becomes
 * U+FFFD, so the output is always valid JSON whatever a command line held.
 */
#ifndef VIGIL_JSON_H
#define VIGIL_JSON_H

#include "common/record.h"
#include "common/strbuf.h"

#include <stddef.h>
#include <stdint.h>

/* Length of the valid UTF-8 sequence at s (≤ n bytes), or 0 if invalid;
 * rejects overlongs, surrogates and code points above U+10FFFF. The code
 * point goes to *cp when cp is not NULL. */
size_t json__utf8_seq(const unsigned char *s, size_t n, uint32_t *cp);

/* Appends s[0..len) as a quoted JSON string. */
void json__add_str(struct strbuf *sb, const char *s, size_t len);

/* Appends rec as one JSON object (no newline): EventID, Event, Computer,
 * SequenceNumber, then the EventData fields in catalogue order ("-" for
 * absent ones), then dynamic fields. INT fields print as numbers when their
 * text is a valid integer. */
void json__add_record(struct strbuf *sb, const struct vrec *rec);

#endif
