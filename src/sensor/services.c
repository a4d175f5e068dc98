/*
 * services.c — /etc/services table; see services.h.
 */
#include "sensor/services.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct services {
	char *names[2][65536];
};

struct services *services__load(const char *path)
{
	struct services *s = calloc(1, sizeof(*s));
	char line[512];
	FILE *f;

	if (s == NULL)
		return NULL;
	f = fopen(path ? path : "/etc/services", "re");
	if (f == NULL)
		return s;
	while (fgets(line, sizeof(line), f)) {
		char name[64], proto[8];
		unsigned port;
		int udp;

		line[strcspn(line, "#")] = '\0';
		if (sscanf(line, "%63s %u/%7s", name, &port, proto) != 3 || port > 65535)
			continue;
		if (strcmp(proto, "tcp") == 0)
			udp = 0;
		else if (strcmp(proto, "udp") == 0)
			udp = 1;
		else
			continue;
		if (s->names[udp][port] == NULL)
			s->names[udp][port] = strdup(name);
	}
	fclose(f);
	return s;
}

void services__free(struct services *s)
{
	if (s == NULL)
		return;
	for (int p = 0; p < 2; p++)
		for (int i = 0; i < 65536; i++)
			free(s->names[p][i]);
	free(s);
}

const char *services__name(const struct services *s, uint16_t port, int is_udp)
{
	const char *n = s ? s->names[is_udp ? 1 : 0][port] : NULL;
	return n ? n : "-";
}
