/*
 * evline.h — one readable line per event, for people: the console output
 * (`--output console:-`) and `vigil view` share it.
 *
 *   2026-11-27 10:00:00.000 ProcessCreate     /usr/bin/bash(1001) → bash -c id
 *
 * time, event, initiating process (pid) and what it acted on (the command
 * line, file, peer, query, ...). Every byte taken from event data is escaped
 * so a crafted file name cannot drive the terminal: C0 controls, DEL and
 * bytes of invalid UTF-8 become \xNN, C1 controls and Unicode's bidi and
 * line-separator controls become \uNNNN. Colours (ANSI SGR) only when asked,
 * which callers do only for a TTY without $NO_COLOR.
 */
#ifndef VIGIL_EVLINE_H
#define VIGIL_EVLINE_H

#include "common/record.h"
#include "common/strbuf.h"

#include <stdbool.h>
#include <stddef.h>

/* Appends s[0..len) with the escaping above. */
void evline__escape(struct strbuf *sb, const char *s, size_t len);

/* Appends rec's line, ending in '\n'. */
void evline__format(struct strbuf *sb, const struct vrec *rec, bool color);

/* Whether output to fd should be coloured: a TTY and $NO_COLOR unset. */
bool evline__want_color(int fd);

#endif
