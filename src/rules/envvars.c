/*
 * envvars.c — which environment variables ProcessCreate's Environment
 * field shows: the <VigilEnvironment> element, or the default set.
 *
 * The default set is the variables that change how a program runs or hide
 * what it did (EVENTS.md): the dynamic loader's, the shell history's, the
 * shells' start-up hooks and the proxies. A config replaces the set
 * whole; it cannot grow past RULES_ENV_MAX names, so the per-exec scan
 * stays bounded.
 */
#include "rules/rules_int.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>

static const char *const default_env[] = {
    "LD_PRELOAD",  "LD_LIBRARY_PATH", "LD_AUDIT",	"PATH",	    "HISTFILE",
    "HISTCONTROL", "HISTSIZE",	      "PROMPT_COMMAND", "BASH_ENV", "ENV",
    "http_proxy",  "https_proxy",     "ALL_PROXY",
};

static bool valid_name(const char *s, size_t n)
{
	if (n == 0 || isdigit((unsigned char)s[0]))
		return false;
	for (size_t i = 0; i < n; i++)
		if (!isalnum((unsigned char)s[i]) && s[i] != '_')
			return false;
	return true;
}

int rules__set_env(struct ruleset *rs, const char *text, char *why, size_t whylen)
{
	const char *s = text;

	rs->has_env = true;
	rs->nenv = 0;
	while (*s) {
		const char *e = strchr(s, ',');
		size_t n = e ? (size_t)(e - s) : strlen(s);
		const char *a = s;

		while (n > 0 && isspace((unsigned char)*a)) {
			a++;
			n--;
		}
		while (n > 0 && isspace((unsigned char)a[n - 1]))
			n--;
		if (n > 0) {
			if (!valid_name(a, n) || n >= RULES_ENV_NAME_MAX) {
				snprintf(why, whylen,
					 "VigilEnvironment: \"%.*s\" is not a variable name",
					 (int)(n > 64 ? 64 : n), a);
				return -EINVAL;
			}
			if (rs->nenv == RULES_ENV_MAX) {
				snprintf(why, whylen, "VigilEnvironment: more than %d names",
					 RULES_ENV_MAX);
				return -EINVAL;
			}
			memcpy(rs->env[rs->nenv], a, n);
			rs->env[rs->nenv][n] = '\0';
			rs->env_view[rs->nenv] = rs->env[rs->nenv];
			rs->nenv++;
		}
		s += n + (size_t)(a - s);
		if (e)
			s = e + 1;
		else
			break;
	}
	return 0;
}

size_t ruleset__env_names(const struct ruleset *rs, const char *const **names)
{
	if (rs == NULL || !rs->has_env) {
		*names = default_env;
		return sizeof(default_env) / sizeof(default_env[0]);
	}
	*names = rs->env_view;
	return rs->nenv;
}
