/*
 * hunt.h — the result printers of `vigil hunt` (cmd_hunt.c), shared with
 * the fleet hunt (cmd_hunt_fleet.c), which prints its merged rows the same
 * way: same formats, same escaping of attacker-controlled text.
 */
#ifndef VIGIL_CLI_HUNT_H
#define VIGIL_CLI_HUNT_H

#include <sqlite3.h>
#include <stddef.h>
#include <stdio.h>

enum hunt_format { FMT_TABLE, FMT_JSON, FMT_CSV };

/* "table", "json", "csv" → *fmt. Returns 0, or -1 after a one-line error. */
int hunt__format(const char *name, enum hunt_format *fmt);

/* Steps st to the end, printing its rows to out in fmt (table: at most
 * max_rows, with the row count on stderr). Returns SQLITE_DONE or the
 * step's error code. */
int hunt__print(sqlite3_stmt *st, FILE *out, enum hunt_format fmt, size_t max_rows);

/* cmd_hunt_fleet.c: `vigil hunt --fleet` and `vigil status --fleet`. */
int cmd_hunt_fleet(int argc, char **argv);
int cmd_status_fleet(int argc, char **argv);

#endif
