/*
 * users.c — direct-mapped uid → name cache; see users.h.
 */
#include "sensor/users.h"

#include <pwd.h>
#include <stdio.h>
#include <string.h>

#define USER_SLOTS 256

static struct {
	uint32_t uid;
	int valid;
	char name[64];
} slots[USER_SLOTS];

const char *users__name(uint32_t uid)
{
	unsigned i = (uid * 2654435761u) >> 24;
	struct passwd pw, *res = NULL;
	char buf[1024];

	if (slots[i].valid && slots[i].uid == uid)
		return slots[i].name;
	if (getpwuid_r(uid, &pw, buf, sizeof(buf), &res) == 0 && res)
		snprintf(slots[i].name, sizeof(slots[i].name), "%s", res->pw_name);
	else
		snprintf(slots[i].name, sizeof(slots[i].name), "%u", uid);
	slots[i].uid = uid;
	slots[i].valid = 1;
	return slots[i].name;
}
