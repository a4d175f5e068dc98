/*
 * users.h — uid → user name, cached.
 *
 * getpwuid_r may go through NSS (files, sssd, LDAP); on the event path that
 * is done once per uid and remembered in a small fixed table. Names of
 * unknown uids are the decimal uid, as `ls -l` shows them.
 */
#ifndef VIGIL_USERS_H
#define VIGIL_USERS_H

#include <stdint.h>

/* Returns the name for uid; the pointer stays valid until the slot is reused
 * by another uid (copy it if you keep it past the current record). */
const char *users__name(uint32_t uid);

#endif
