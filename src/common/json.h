/*
 * json.h — JSON text output: string escaping and whole-record serialisation.
 *
 * Escaping follows RFC 8259: quote, backslash and control characters are
 * escaped — C0, DEL and the C1 controls U+0080-U+009F, so that the text is
 * safe to print on a terminal; other valid UTF-8 passes through; each byte of an invalid UTF-8
 * sequence becomes U+FFFD, so the output is always valid JSON whatever a command line held.
 */
#ifndef VIGIL_JSON_H
#define VIGIL_JSON_H

#include "common/record.h"
#include "common/strbuf.h"

#include <stddef.h>
#include <stdint.h>

/* Appends s[0..len) as a quoted JSON string. */
void json__add_str(struct strbuf *sb, const char *s, size_t len);

/* True when s[0..len) is a JSON integer (no sign but '-', no leading
 * zero) of at most 20 characters. */
bool json__is_integer(const char *s, size_t len);

/* Appends rec as one JSON object (no newline): EventID, Event, Computer,
 * SequenceNumber, then the EventData fields in catalogue order ("-" for
 * absent ones), then dynamic fields. INT fields print as numbers when their
 * text is a valid integer. */
void json__add_record(struct strbuf *sb, const struct vrec *rec);

#endif
