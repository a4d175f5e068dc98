/*
 * duration.h — time-unit constants and the one parser for "<number><unit>"
 * durations, shared by the Sysmon config's <VigilCaps> (period="1h"), the
 * output specs (max_age=7d) and Sigma correlation timespans (5m).
 *
 * Each of those formats has its own units (a Sigma timespan knows weeks,
 * months and years; a caps period knows milliseconds; an output spec takes
 * a bare number as seconds), so the caller passes its table; the digits,
 * the overflow checks and the suffix match are here once.
 */
#ifndef VIGIL_DURATION_H
#define VIGIL_DURATION_H

#include <stddef.h>
#include <stdint.h>

/* Guarded: other headers may define the same names with the same values. */
#ifndef NSEC_PER_SEC
#define NSEC_PER_SEC 1000000000ull
#endif
#ifndef NSEC_PER_MSEC
#define NSEC_PER_MSEC 1000000ull
#endif
#ifndef NSEC_PER_USEC
#define NSEC_PER_USEC 1000ull
#endif
#ifndef USEC_PER_SEC
#define USEC_PER_SEC 1000000ull
#endif
#ifndef MSEC_PER_SEC
#define MSEC_PER_SEC 1000ull
#endif

/* One unit suffix ("" for a bare number) and what one of it is worth in
 * the caller's base unit. */
struct duration_unit {
	const char *name;
	uint64_t mul;
};

/* Splits s, which must be decimal digits then exactly one of units[].name,
 * into the number (*count) and that unit's multiplier (*mul). Returns 0,
 * or -EINVAL (no digit first, an unknown or missing unit, or a number past
 * UINT64_MAX). No sign, no spaces. */
int duration__split(const char *s, const struct duration_unit *units, size_t nunits,
		    uint64_t *count, uint64_t *mul);

/* duration__split, then *out = count * mul. Returns -EINVAL as above and
 * when that product is outside [min, max]; *out is then untouched. */
int duration__parse(const char *s, const struct duration_unit *units, size_t nunits, uint64_t min,
		    uint64_t max, uint64_t *out);

#endif
