/*
 * opts.c — numeric option arguments; see opts.h. The digits, overflow and
 * suffix checks are common/duration.c's "<number><unit>" reader: a plain
 * number is one with the empty unit, a size one with binary units.
 */
#include "cli/opts.h"

#include "common/duration.h"

int opts__uint(const char *s, uint64_t min, uint64_t max, uint64_t *out)
{
	static const struct duration_unit plain[] = {{"", 1}};

	return duration__parse(s, plain, 1, min, max, out);
}

int opts__size(const char *s, uint64_t min, uint64_t max, uint64_t *out)
{
	static const struct duration_unit units[] = {
	    {"", 1}, {"k", 1ull << 10}, {"K", 1ull << 10}, {"m", 1ull << 20}, {"M", 1ull << 20},
	};

	return duration__parse(s, units, sizeof(units) / sizeof(units[0]), min, max, out);
}

int opts__ms(const char *s, uint64_t min, uint64_t max, uint64_t *out)
{
	static const struct duration_unit units[] = {
	    {"ms", 1}, {"s", 1000}, {"", 1000}, {"m", 60000}};

	return duration__parse(s, units, sizeof(units) / sizeof(units[0]), min, max, out);
}
