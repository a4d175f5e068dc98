/*
 * opts.h — the numeric arguments of vigil's command-line options
 * (--max-rows, --health-interval, --proc-cache, --ringbuf-size, --wait,
 * and the --timeout and --retry durations of the commands that ask),
 * read one way: decimal digits only (no sign, no spaces, nothing after),
 * within the option's range, never wrapping. Each command keeps its own
 * error message; these only say whether the text is a number it takes.
 */
#ifndef VIGIL_OPTS_H
#define VIGIL_OPTS_H

#include <stdint.h>

/* A whole number in [min, max] into *out. Returns 0, or -EINVAL with *out
 * untouched. */
int opts__uint(const char *s, uint64_t min, uint64_t max, uint64_t *out);

/* A byte count, optionally followed by k/K (KiB) or m/M (MiB), in
 * [min, max] into *out. Returns 0, or -EINVAL with *out untouched. */
int opts__size(const char *s, uint64_t min, uint64_t max, uint64_t *out);

/* A duration in milliseconds: a number followed by ms, s or m, a bare
 * number being seconds ("5s", "500ms", "5", "2m"), in [min, max] into *out.
 * Returns 0, or -EINVAL with *out untouched. */
int opts__ms(const char *s, uint64_t min, uint64_t max, uint64_t *out);

#endif
