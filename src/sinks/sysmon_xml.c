/*
 * sysmon_xml.c — the Sysmon for Linux XML event serialiser; see sysmon_xml.h.
 *
 * Header values (Provider Guid, Level 4, Opcode 0, Keywords
 * 0x8000000000000000, Task = EventID, per-event Version, nanosecond
 * SystemTime, Security UserId) follow what Sysmon for Linux puts in syslog,
 * checked against published samples of its output.
 */
#include "sinks/sysmon_xml.h"

#include "common/duration.h"
#include "common/utf8.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

unsigned sysmon_xml__event_version(unsigned id)
{
	switch (id) {
	case 1:	 /* ProcessCreate */
	case 2:	 /* FileCreateTime */
	case 3:	 /* NetworkConnect */
	case 22: /* DnsQuery */
	case 23: /* FileDelete */
	case 25: /* ProcessTampering */
	case 29: /* FileExecutableDetected */
		return 5;
	case 6: /* DriverLoad */
		return 4;
	case 4:	  /* SensorStateChange */
	case 5:	  /* ProcessTerminate */
	case 7:	  /* ImageLoad */
	case 10:  /* ProcessAccess */
	case 16:  /* ConfigChange */
	case 255: /* Error */
		return 3;
	case 9:	 /* RawAccessRead */
	case 11: /* FileCreate */
		return 2;
	default:
		return 1;
	}
}

bool sysmon_xml__is_extra(unsigned event_id, enum vf_id f)
{
	switch (f) {
	case VF_InitiatingProcessCommandLine:
	case VF_InitiatingProcessParentGuid:
	case VF_InitiatingProcessParentImage:
	case VF_InitiatingProcessHashes:
	case VF_ContainerId:
	case VF_Tty:
	case VF_ExitCode:
	case VF_Environment:
		return true;
	case VF_ProcessGuid:
	case VF_ProcessId:
	case VF_Image:
	case VF_User:
		/* Sysmon's DriverLoad and ProcessAccess carry no initiating
		 * process of their own; vigil adds one. */
		return event_id == EV_DRIVER_LOAD || event_id == EV_PROCESS_ACCESS;
	default:
		/* vigil's own events (200+) have no Sysmon shape to keep. */
		return false;
	}
}

void sysmon_xml__add_escaped(struct strbuf *sb, const char *s, size_t len)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t run = 0; /* start of the pending plain run */

	for (size_t i = 0; i < len;) {
		unsigned c = p[i];
		const char *rep = NULL;
		size_t adv = 1;

		if (c >= 0x80) {
			uint32_t cp = 0;

			adv = utf8__seq(p + i, len - i, &cp);
			/* U+FFFE and U+FFFF are not XML characters either. */
			if (adv == 0 || cp == 0xfffe || cp == 0xffff) {
				rep = UTF8_REPLACEMENT;
				adv = 1;
			}
		} else if (c >= 0x20 && c != '&' && c != '<' && c != '>' && c != '"' && c != '\'') {
			/* plain */
		} else {
			switch (c) {
			case '&':
				rep = "&amp;";
				break;
			case '<':
				rep = "&lt;";
				break;
			case '>':
				rep = "&gt;";
				break;
			case '"':
				rep = "&quot;";
				break;
			case '\'':
				rep = "&apos;";
				break;
			case '\t':
				rep = "&#x9;";
				break;
			case '\n':
				rep = "&#xA;";
				break;
			case '\r':
				rep = "&#xD;";
				break;
			default:
				rep = UTF8_REPLACEMENT;
				break;
			}
		}
		if (rep != NULL) {
			strbuf__add(sb, s + run, i - run);
			strbuf__adds(sb, rep);
			run = i + adv;
		}
		i += adv;
	}
	strbuf__add(sb, s + run, len - run);
}

static void add_data(struct strbuf *sb, const char *name, const char *v, size_t len)
{
	strbuf__adds(sb, "<Data Name=\"");
	strbuf__adds(sb, name);
	strbuf__adds(sb, "\">");
	if (v == NULL || len == 0)
		strbuf__addc(sb, '-');
	else
		sysmon_xml__add_escaped(sb, v, len);
	strbuf__adds(sb, "</Data>");
}

void sysmon_xml__add_record(struct strbuf *sb, const struct vrec *rec,
			    const struct sysmon_xml_opts *o)
{
	const struct vevent_def *def = rec->def;
	const char *provider = o->provider ? o->provider : SYSMON_PROVIDER;
	const char *computer = rec->computer ? rec->computer : "-";
	time_t secs = (time_t)(rec->ts_ns / NSEC_PER_SEC);
	unsigned nsec = (unsigned)(rec->ts_ns % NSEC_PER_SEC);
	char tbuf[32];
	struct tm tm;

	gmtime_r(&secs, &tm);
	if (strftime(tbuf, sizeof(tbuf), "%Y-%m-%dT%H:%M:%S", &tm) == 0)
		strcpy(tbuf, "1970-01-01T00:00:00");

	strbuf__adds(sb, "<Event><System><Provider Name=\"");
	sysmon_xml__add_escaped(sb, provider, strlen(provider));
	strbuf__addf(sb,
		     "\" Guid=\"%s\"/><EventID>%u</EventID><Version>%u</Version><Level>4</Level>"
		     "<Task>%u</Task><Opcode>0</Opcode><Keywords>0x8000000000000000</Keywords>"
		     "<TimeCreated SystemTime=\"%s.%09uZ\"/><EventRecordID>%" PRIu64
		     "</EventRecordID><Correlation/><Execution ProcessID=\"%u\" ThreadID=\"%u\"/>"
		     "<Channel>",
		     o->guid ? o->guid : SYSMON_GUID, def->id, sysmon_xml__event_version(def->id),
		     def->id, tbuf, nsec, rec->seq, o->pid, o->tid);
	strbuf__adds(sb, o->channel ? o->channel : SYSMON_CHANNEL);
	strbuf__adds(sb, "</Channel><Computer>");
	sysmon_xml__add_escaped(sb, computer, strlen(computer));
	strbuf__addf(sb, "</Computer><Security UserId=\"%u\"/></System><EventData>", o->uid);

	for (unsigned i = 0; i < def->nfields; i++) {
		enum vf_id f = (enum vf_id)def->fields[i];
		size_t len = 0;
		const char *v;

		if (!o->extras && sysmon_xml__is_extra(def->id, f))
			continue;
		v = vrec__get(rec, f, &len);
		add_data(sb, schema__field_name(f), v, len);
	}
	/* SensorHealth's counters are its payload: kept in both modes. */
	if (o->extras || def->id >= 200) {
		for (unsigned i = 0; i < rec->ndyn; i++) {
			const struct vrec_dyn *d = &rec->dyn[i];
			char name[128];
			size_t j = 0;

			/* Dynamic names come from the sensor, but keep the
			 * attribute well-formed whatever they hold. */
			for (const char *q = d->name; *q && j < sizeof(name) - 1; q++)
				if ((*q >= 'A' && *q <= 'Z') || (*q >= 'a' && *q <= 'z') ||
				    (*q >= '0' && *q <= '9') || *q == '_')
					name[j++] = *q;
			name[j] = '\0';
			add_data(sb, name, d->val.s, d->val.len);
		}
	}
	strbuf__adds(sb, "</EventData></Event>");
}
