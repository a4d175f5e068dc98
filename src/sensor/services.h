/*
 * services.h — port number → service name, from the services database.
 *
 * Read once at start from /etc/services (netbase), so the event path does
 * no NSS calls: SourcePortName/DestinationPortName come from a table.
 */
#ifndef VIGIL_SERVICES_H
#define VIGIL_SERVICES_H

#include <stdint.h>

struct services;

/* Loads path (NULL: /etc/services). A missing file gives an empty table. */
struct services *services__load(const char *path);
void services__free(struct services *s);
/* Name of port for "tcp" (is_udp false) or "udp"; "-" when unknown. */
const char *services__name(const struct services *s, uint16_t port, int is_udp);

#endif
