/*
 * duration.c — "<number><unit>" durations; see duration.h.
 */
#include "common/duration.h"

#include <errno.h>
#include <string.h>

int duration__split(const char *s, const struct duration_unit *units, size_t nunits,
		    uint64_t *count, uint64_t *mul)
{
	uint64_t v = 0;
	const char *p = s;

	if (s == NULL || *p < '0' || *p > '9')
		return -EINVAL;
	for (; *p >= '0' && *p <= '9'; p++) {
		unsigned d = (unsigned)(*p - '0');

		if (v > (UINT64_MAX - d) / 10)
			return -EINVAL;
		v = v * 10 + d;
	}
	for (size_t i = 0; i < nunits; i++) {
		if (strcmp(p, units[i].name) == 0) {
			*count = v;
			*mul = units[i].mul;
			return 0;
		}
	}
	return -EINVAL;
}

int duration__parse(const char *s, const struct duration_unit *units, size_t nunits, uint64_t min,
		    uint64_t max, uint64_t *out)
{
	uint64_t v, mul;

	if (duration__split(s, units, nunits, &v, &mul) < 0)
		return -EINVAL;
	if (mul != 0 && v > max / mul)
		return -EINVAL;
	if (v * mul < min)
		return -EINVAL;
	*out = v * mul;
	return 0;
}
