/*
 * log.h — diagnostics for the daemon and the tools, in the OpenBSD style.
 *
 * log_warn appends strerror(errno); log_warnx does not. fatal/fatalx exit and
 * are for start-up only: the event path logs, counts and continues. Messages
 * go to stderr; log_debug prints only when the verbosity was raised with -v.
 */
#ifndef VIGIL_LOG_H
#define VIGIL_LOG_H

#include <stdarg.h>

void log_init(const char *progname, int verbosity);
int log_verbosity(void);
void log_warn(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void log_warnx(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void log_info(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void log_debug(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void fatal(int code, const char *fmt, ...) __attribute__((format(printf, 2, 3), noreturn));
void fatalx(int code, const char *fmt, ...) __attribute__((format(printf, 2, 3), noreturn));

#endif
