/*
 * schema.c — the event catalogue as static tables; see schema.h.
 *
 * The tables are generated from the VIGIL_EVENTS catalogue in schema.h.
 * Each event lists its EventData fields in Sysmon for Linux's order. Events
 * caused by a process (EVF_PROC) end with the MDE-style enrichment extras of
 * EVENTS.md, so every sink and every filter sees one uniform shape.
 */
#include "common/schema.h"

#include <string.h>

static const char *const field_names[VF__COUNT] = {[VF_NONE] = "",
#define VF_NAME(n, k) [VF_##n] = #n,
						   VIGIL_FIELDS(VF_NAME)
#undef VF_NAME
};

static const uint8_t field_kinds[VF__COUNT] = {
#define VF_KIND(n, k) [VF_##n] = VFK_##k,
    VIGIL_FIELDS(VF_KIND)
#undef VF_KIND
};

/* One static definition per catalogue row: ev_<SYM>. */
#define EV_DEF(sym, id_, fam, fl, nm, sigma, sigma_alias, ...)                                     \
	static const struct vevent_def ev_##sym = {                                                \
	    .id = id_,                                                                             \
	    .family = fam,                                                                         \
	    .flags = fl,                                                                           \
	    .name = nm,                                                                            \
	    .nfields = sizeof((const uint8_t[]){__VA_ARGS__}),                                     \
	    .fields = (const uint8_t[]){__VA_ARGS__},                                              \
	};
VIGIL_EVENTS(EV_DEF)
#undef EV_DEF

static const struct vevent_def *const all_events[] = {
#define EV_PTR(sym, ...) &ev_##sym,
    VIGIL_EVENTS(EV_PTR)
#undef EV_PTR
};
#define N_EVENTS (sizeof(all_events) / sizeof(all_events[0]))

static const struct vevent_def *const by_id[VIGIL_EVENT_ID_MAX] = {
#define EV_BY_ID(sym, id_, ...) [id_] = &ev_##sym,
    VIGIL_EVENTS(EV_BY_ID)
#undef EV_BY_ID
};

/* Sigma logsource category → event, in catalogue order (an event's own
 * category before its alias, as the old route table listed them). */
static const struct {
	const char *category;
	const struct vevent_def *def;
} sigma_routes[] = {
#define EV_SIGMA(sym, id_, fam, fl, nm, sigma, sigma_alias, ...)                                   \
	{sigma, &ev_##sym}, {sigma_alias, &ev_##sym},
    VIGIL_EVENTS(EV_SIGMA)
#undef EV_SIGMA
};

const struct vevent_def *schema__event(unsigned id)
{
	return id < VIGIL_EVENT_ID_MAX ? by_id[id] : NULL;
}

const struct vevent_def *schema__event_by_sigma_category(const char *category)
{
	for (size_t i = 0; i < sizeof(sigma_routes) / sizeof(sigma_routes[0]); i++)
		if (sigma_routes[i].category && strcmp(sigma_routes[i].category, category) == 0)
			return sigma_routes[i].def;
	return NULL;
}

const struct vevent_def *schema__event_by_name(const char *name)
{
	for (size_t i = 0; i < N_EVENTS; i++)
		if (strcmp(all_events[i]->name, name) == 0)
			return all_events[i];
	return NULL;
}

const struct vevent_def *const *schema__events(size_t *n)
{
	*n = N_EVENTS;
	return all_events;
}

enum vf_id schema__field_by_name(const char *name)
{
	for (int f = 1; f < VF__COUNT; f++)
		if (strcmp(field_names[f], name) == 0)
			return (enum vf_id)f;
	return VF_NONE;
}

const char *schema__field_name(enum vf_id f)
{
	return (unsigned)f < VF__COUNT ? field_names[f] : "";
}

enum vf_kind schema__field_kind(enum vf_id f)
{
	return (unsigned)f < VF__COUNT ? (enum vf_kind)field_kinds[f] : VFK_STR;
}

bool schema__event_has_field(const struct vevent_def *ev, enum vf_id f)
{
	for (unsigned i = 0; i < ev->nfields; i++)
		if (ev->fields[i] == f)
			return true;
	return false;
}

const char *schema__family_table(enum vigil_family fam)
{
	static const char *const names[VFAM__COUNT] = {
	    [VFAM_DEVICE_EVENTS] = "DeviceEvents",	 [VFAM_PROCESS] = "DeviceProcessEvents",
	    [VFAM_NETWORK] = "DeviceNetworkEvents",	 [VFAM_FILE] = "DeviceFileEvents",
	    [VFAM_IMAGE_LOAD] = "DeviceImageLoadEvents", [VFAM_ALERTS] = "DeviceAlerts",
	};
	return (unsigned)fam < VFAM__COUNT ? names[fam] : "DeviceEvents";
}
