/*
 * sysmon_xml.h — serialises a record as one Sysmon for Linux XML event.
 *
 * The layout is the one Sysmon for Linux writes to syslog, one line per
 * event: <Event><System>…</System><EventData><Data Name="…">…</Data>…
 * </EventData></Event>, so Sysmon parsers (SIEM add-ons, sysmon-parsers,
 * Sigma backends) read vigil's output unchanged. In Sysmon mode the
 * EventData holds exactly Sysmon's <Data> names for events Sysmon has;
 * vigil mode appends vigil's enrichment extras and dynamic fields.
 */
#ifndef VIGIL_SYSMON_XML_H
#define VIGIL_SYSMON_XML_H

#include "common/record.h"
#include "common/strbuf.h"

#include <stdbool.h>
#include <stddef.h>

#define SYSMON_PROVIDER "Linux-Sysmon"
#define SYSMON_GUID	"{ff032593-a8d3-4f13-b0d6-01fc615a0f97}"
#define SYSMON_CHANNEL	"Linux-Sysmon/Operational"

struct sysmon_xml_opts {
	const char *provider; /* Provider Name; NULL → Linux-Sysmon */
	const char *guid;     /* Provider Guid; NULL → Sysmon for Linux's */
	const char *channel;  /* NULL → Linux-Sysmon/Operational */
	bool extras;	      /* emit vigil-only fields and dynamic fields */
	unsigned pid, tid;    /* Execution ProcessID/ThreadID (the sensor's) */
	unsigned uid;	      /* Security UserId (the sensor's) */
};

/* Appends s[0..len) as XML character data / attribute text: & < > " ' become
 * entities, TAB/LF/CR become character references (so the event stays on one
 * line), other control bytes and invalid UTF-8 become U+FFFD (XML 1.0 cannot
 * carry them at all). */
void sysmon_xml__add_escaped(struct strbuf *sb, const char *s, size_t len);

/* Appends rec as one XML event, without a trailing newline. */
void sysmon_xml__add_record(struct strbuf *sb, const struct vrec *rec,
			    const struct sysmon_xml_opts *o);

/* The <Version> Sysmon gives event id (its manifest's template version);
 * 1 for vigil's own events. */
unsigned sysmon_xml__event_version(unsigned id);

/* True when field f is one of vigil's additions to a Sysmon event (never
 * written in Sysmon mode). */
bool sysmon_xml__is_extra(unsigned event_id, enum vf_id f);

#endif
