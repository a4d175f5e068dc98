/*
 * ecs.c — a record as an Elastic Common Schema 9.3 document; see format.h.
 *
 * Nested objects, as Elasticsearch stores them: @timestamp, event.* (kind,
 * category and type from ECS's allowed values, per ecs_maps[]; action is the
 * vigil event name, code its id, sequence the SequenceNumber), host.*,
 * observer.* (the sensor), process.* with entity_id = ProcessGuid and
 * process.parent.*, user.*, container.id, file.*, dll.*, source.* /
 * destination.*, dns.*, rule.* for alerts, error.* for errors. Fields with no
 * ECS home go under the custom field set `vigil.*`, keeping their vigil names.
 */
#include "formats/format.h"

#include "common/duration.h"
#include "common/json.h"
#include "formats/writer.h"

#include <errno.h>
#include <string.h>

#define ECS_VERSION "9.3.0"

static const struct ecs_map ecs_maps[] = {
    {1, "event", "process", "start"},
    {2, "event", "file", "change"},
    {3, "event", "network", "connection,start"},
    {4, "state", "host", "info"},
    {5, "event", "process", "end"},
    {6, "event", "driver", "start"},
    {7, "event", "library", "start"},
    {9, "event", "file", "access"},
    {10, "event", "process", "access"},
    {11, "event", "file", "creation"},
    {16, "event", "configuration", "change"},
    {22, "event", "network", "protocol"},
    {23, "event", "file", "deletion"},
    {25, "event", "process", "change"},
    {29, "event", "file", "change"},
    {100, "event", "driver", "start"},
    {200, "event", "file", "change"},
    {201, "event", "file", "change"},
    {202, "event", "file", "change"},
    {203, "event", "process", "change"},
    {204, "event", "network", "start"},
    {205, "event", "process", "change"},
    {206, "event", "host", "change"},
    {207, "event", "authentication,session", "start"},
    {208, "event", "file", "access"},
    {209, "event", "network", "connection"},
    {210, "event", "file", "creation"},
    {211, "event", "file", "creation"},
    {212, "event", "process", "change"},
    {213, "event", "process", "start"},
    {240, "metric", "host", "info"},
    {241, "metric", "host", "info"},
    {242, "alert", "intrusion_detection", "info"},
    {243, "alert", "intrusion_detection", "info"},
    {255, "event", "host", "info"},
};

const struct ecs_map *ecs__map(unsigned event_id)
{
	for (size_t i = 0; i < sizeof(ecs_maps) / sizeof(ecs_maps[0]); i++)
		if (ecs_maps[i].event_id == event_id)
			return &ecs_maps[i];
	return NULL;
}

/* "MD5=..,SHA256=.." → hash: {md5, sha256}; names ECS has no field for go
 * to the catch-all with the whole string. */
static void hash_obj(struct fw *w, enum vf_id f)
{
	size_t n;
	const char *v = fw__peek(w, f, &n), *p, *end;
	bool open = false, all = true;

	if (!v)
		return;
	for (p = v, end = v + n; p < end;) {
		const char *comma = memchr(p, ',', (size_t)(end - p));
		const char *e = comma ? comma : end;
		const char *eq = memchr(p, '=', (size_t)(e - p));
		const char *k = NULL;

		if (eq) {
			size_t an = (size_t)(eq - p);

			if (an == 3 && strncasecmp(p, "MD5", 3) == 0)
				k = "md5";
			else if (an == 4 && strncasecmp(p, "SHA1", 4) == 0)
				k = "sha1";
			else if (an == 6 && strncasecmp(p, "SHA256", 6) == 0)
				k = "sha256";
			else if (an == 6 && strncasecmp(p, "SHA512", 6) == 0)
				k = "sha512";
		}
		if (k) {
			if (!open) {
				fw__obj(w, "hash");
				open = true;
			}
			fw__str(w, k, eq + 1, (size_t)(e - eq - 1));
		} else {
			all = false;
		}
		p = e + 1;
	}
	if (open)
		fw__close(w);
	if (all)
		fw__use(w, f);
}

static void path_fields(struct fw *w, const char *path_key, const char *v, size_t n)
{
	size_t bn;
	const char *b = fw__basename(v, n, &bn);

	fw__str(w, path_key, v, n);
	fw__str(w, "name", b, bn);
}

struct pf {
	enum vf_id guid, pid, image, cmd, user, hashes, cwd;
};

static void proc_fields(struct fw *w, const struct pf *p)
{
	size_t n;
	const char *v;

	if (p->guid)
		fw__fstr(w, "entity_id", p->guid);
	if (p->pid)
		fw__fint(w, "pid", p->pid);
	if (p->image && (v = fw__take(w, p->image, &n)) != NULL)
		path_fields(w, "executable", v, n);
	if (p->cmd)
		fw__fstr(w, "command_line", p->cmd);
	if (p->cwd)
		fw__fstr(w, "working_directory", p->cwd);
	if (p->hashes)
		hash_obj(w, p->hashes);
	if (p->user && (v = fw__peek(w, p->user, &n)) != NULL) {
		fw__obj(w, "user");
		fw__str(w, "name", v, n);
		fw__close(w);
	}
}

static bool any(const struct fw *w, enum vf_id a, enum vf_id b)
{
	return (a && fw__peek(w, a, NULL)) || (b && fw__peek(w, b, NULL));
}

static void process(struct fw *w, unsigned id)
{
	static const struct pf initiator = {VF_ProcessGuid, VF_ProcessId,
					    VF_Image,	    VF_InitiatingProcessCommandLine,
					    VF_User,	    VF_InitiatingProcessHashes,
					    VF_NONE};
	struct pf self = initiator, parent = {.guid = VF_InitiatingProcessParentGuid,
					      .image = VF_InitiatingProcessParentImage};

	if (id == 1 || id == 213) {
		self.cmd = VF_CommandLine;
		if (id == 1) {
			self.hashes = VF_Hashes;
			self.cwd = VF_CurrentDirectory;
		}
		parent = (struct pf){.guid = VF_ParentProcessGuid,
				     .pid = VF_ParentProcessId,
				     .image = VF_ParentImage,
				     .cmd = VF_ParentCommandLine,
				     .user = VF_ParentUser};
	} else if (id == 10 && fw__peek(w, VF_SourceProcessGUID, NULL)) {
		/* the initiating process's extras describe the source */
		self = (struct pf){.guid = VF_SourceProcessGUID,
				   .pid = VF_SourceProcessId,
				   .image = VF_SourceImage,
				   .cmd = VF_InitiatingProcessCommandLine,
				   .user = VF_SourceUser,
				   .hashes = VF_InitiatingProcessHashes};
	}
	if (!any(w, self.guid, self.image) && !fw__peek(w, self.pid, NULL))
		return;
	fw__obj(w, "process");
	proc_fields(w, &self);
	if (id == 5)
		fw__fint(w, "exit_code", VF_ExitCode);
	if (id == 1)
		fw__env(w, "env_vars", false);
	if (any(w, parent.guid, parent.image)) {
		fw__obj(w, "parent");
		proc_fields(w, &parent);
		fw__close(w);
		if (parent.user)
			fw__use(w, parent.user);
	}
	fw__close(w);
	if (fw__take(w, self.user, NULL)) {
		size_t n = 0;
		const char *v = fw__peek(w, self.user, &n);

		fw__obj(w, "user");
		fw__str(w, "name", v, n);
		if (id == 203 && (fw__peek(w, VF_NewUid, NULL) || fw__peek(w, VF_NewGid, NULL))) {
			/* the credentials the call gave: ECS ids are keywords */
			fw__obj(w, "effective");
			fw__fstr(w, "id", VF_NewUid);
			if (fw__peek(w, VF_NewGid, NULL)) {
				fw__obj(w, "group");
				fw__fstr(w, "id", VF_NewGid);
				fw__close(w);
			}
			fw__close(w);
		}
		fw__close(w);
	}
	if (id == 10 && fw__peek(w, VF_SourceProcessGUID, NULL)) {
		/* The initiating-process fields repeat the source. */
		fw__use(w, VF_ProcessGuid);
		fw__use(w, VF_ProcessId);
		fw__use(w, VF_Image);
		fw__use(w, VF_User);
	}
}

static void file_obj(struct fw *w, enum vf_id f, const char *type, enum vf_id hashes)
{
	size_t n;
	const char *v = fw__take(w, f, &n);

	if (!v)
		return;
	fw__obj(w, "file");
	path_fields(w, "path", v, n);
	if (type)
		fw__lit(w, "type", type);
	if (hashes)
		hash_obj(w, hashes);
	if (f == VF_TargetFilename) {
		size_t ln;
		const char *t = fw__take_named(w, "LinkTarget", &ln);
		int64_t ms;

		if (t)
			fw__str(w, "target_path", t, ln);
		if ((t = fw__peek(w, VF_CreationUtcTime, &ln)) && fw__parse_time_ms(t, ln, &ms)) {
			char iso[32];

			fw__iso_time(iso, (uint64_t)ms * NSEC_PER_MSEC);
			fw__use(w, VF_CreationUtcTime);
			fw__lit(w, w->rec->def->id == 2 ? "mtime" : "created", iso);
		}
	}
	fw__close(w);
}

static void endpoint(struct fw *w, const char *k, enum vf_id ip, enum vf_id host, enum vf_id port)
{
	if (!fw__peek(w, ip, NULL) && !fw__peek(w, port, NULL))
		return;
	fw__obj(w, k);
	fw__fstr(w, "ip", ip);
	if (host)
		fw__fstr(w, "domain", host);
	fw__fint(w, "port", port);
	fw__close(w);
}

static void network(struct fw *w, unsigned id)
{
	size_t n;
	const char *v;

	fw__obj(w, "network");
	if ((v = fw__take(w, VF_Protocol, &n)) != NULL) {
		char lower[16];
		size_t ln = n < sizeof(lower) ? n : sizeof(lower);

		for (size_t i = 0; i < ln; i++)
			lower[i] = (char)(v[i] >= 'A' && v[i] <= 'Z' ? v[i] + 32 : v[i]);
		fw__str(w, "transport", lower, ln);
	}
	if (id != 204) {
		v = fw__peek(w, VF_SourceIsIpv6, &n);
		if (v) {
			fw__use(w, VF_SourceIsIpv6);
			fw__use(w, VF_DestinationIsIpv6);
			fw__lit(w, "type", fw__eq(v, n, "true") ? "ipv6" : "ipv4");
		}
		v = fw__take(w, VF_Initiated, &n);
		if (v)
			fw__lit(w, "direction", fw__eq(v, n, "true") ? "egress" : "ingress");
	}
	fw__close(w);
	if (id == 204) {
		endpoint(w, "server", VF_LocalIp, VF_NONE, VF_LocalPort);
		return;
	}
	endpoint(w, "source", VF_SourceIp, VF_SourceHostname, VF_SourcePort);
	endpoint(w, "destination", VF_DestinationIp, VF_DestinationHostname, VF_DestinationPort);
}

static void dns(struct fw *w)
{
	size_t n;
	const char *v;

	fw__obj(w, "dns");
	fw__lit(w, "type", "answer");
	if ((v = fw__take(w, VF_QueryName, &n)) != NULL) {
		fw__obj(w, "question");
		fw__str(w, "name", v, n);
		fw__close(w);
	}
	if ((v = fw__peek(w, VF_QueryStatus, &n)) != NULL) {
		static const char *const rc[] = {"NOERROR",  "FORMERR", "SERVFAIL",
						 "NXDOMAIN", "NOTIMP",	"REFUSED"};

		fw__use(w, VF_QueryStatus);
		if (n == 1 && v[0] >= '0' && v[0] <= '5')
			fw__lit(w, "response_code", rc[v[0] - '0']);
		else
			fw__str(w, "response_code", v, n);
	}
	if ((v = fw__take(w, VF_QueryResults, &n)) != NULL &&
	    fw__dns_answers(w, "answers", "data", v, n) > 0)
		fw__dns_answers(w, "resolved_ip", NULL, v, n);
	fw__close(w);
}

static void body(struct fw *w, unsigned id)
{
	size_t n;
	const char *v;

	switch (id) {
	case 2:
	case 11:
	case 200:
	case 202:
	case 208:
		file_obj(w, VF_TargetFilename, "file", VF_NONE);
		break;
	case 23:
	case 29:
		file_obj(w, VF_TargetFilename, NULL, VF_Hashes);
		break;
	case 201:
		file_obj(w, VF_TargetFilename, NULL, VF_NONE);
		break;
	case 210:
		v = fw__take_named(w, "LinkType", &n);
		file_obj(w, VF_TargetFilename, fw__eq(v, n, "symbolic") ? "symlink" : "file",
			 VF_NONE);
		break;
	case 211:
		file_obj(w, VF_TargetFilename, "dir", VF_NONE);
		break;
	case 9:
		file_obj(w, VF_Device, NULL, VF_NONE);
		break;
	case 206:
		file_obj(w, VF_Target, "dir", VF_NONE);
		break;
	case 6:
		file_obj(w, VF_ImageLoaded, "file", VF_Hashes);
		break;
	case 7:
		if ((v = fw__take(w, VF_ImageLoaded, &n)) != NULL) {
			fw__obj(w, "dll");
			path_fields(w, "path", v, n);
			hash_obj(w, VF_Hashes);
			fw__close(w);
		}
		break;
	case 3:
	case 204:
	case 209:
		network(w, id);
		if (id == 209) {
			const char *e = fw__take_named(w, "Error", &n);

			if (e) {
				fw__obj(w, "error");
				fw__str(w, "code", e, n);
				fw__close(w);
			}
		}
		break;
	case 22:
		dns(w);
		break;
	case 207:
		if ((v = fw__take(w, VF_RemoteAddress, &n)) != NULL) {
			fw__obj(w, "source");
			fw__str(w, "ip", v, n);
			fw__close(w);
		}
		break;
	case 16:
		if ((v = fw__take(w, VF_Configuration, &n)) != NULL) {
			fw__obj(w, "file");
			path_fields(w, "path", v, n);
			hash_obj(w, VF_ConfigurationFileHash);
			fw__close(w);
		}
		break;
	case 242:
		fw__obj(w, "rule");
		fw__fstr(w, "id", VF_RuleId);
		fw__fstr(w, "name", VF_RuleTitle);
		fw__lit(w, "ruleset", "sigma");
		fw__close(w);
		if ((v = fw__take(w, VF_Tags, &n)) != NULL)
			fw__csv(w, "tags", v, n); /* Sigma tags */
		break;
	case 243:
		fw__obj(w, "rule");
		fw__fstr(w, "name", VF_Type);
		fw__lit(w, "ruleset", "vigil-tamper");
		fw__close(w);
		fw__fstr(w, "message", VF_Detail);
		break;
	case 255:
		fw__obj(w, "error");
		fw__fstr(w, "code", VF_ID);
		fw__fstr(w, "message", VF_Description);
		fw__close(w);
		break;
	case 4:
		fw__fstr(w, "message", VF_State);
		break;
	}
}

static int level_severity(const char *v, size_t n)
{
	static const char *const lv[] = {"informational", "low", "medium", "high", "critical"};

	for (int i = 0; i < 5; i++)
		if (fw__eq(v, n, lv[i]))
			return 21 + i * 20; /* 21, 41, 61, 81, 101: Elastic's risk bands */
	return 0;
}

void ecs__add_record(struct strbuf *sb, const struct vrec *rec)
{
	struct fw w;
	unsigned id = rec->def->id;
	const struct ecs_map *m = ecs__map(id);
	const char *host = rec->computer, *v, *cat, *typ;
	char iso[32];
	size_t n;
	uint64_t ts = rec->ts_ns;
	int64_t ms;

	fw__begin(&w, sb, rec);
	if (ts == 0 && (v = fw__peek(&w, VF_UtcTime, &n)) && fw__parse_time_ms(v, n, &ms))
		ts = (uint64_t)ms * NSEC_PER_MSEC;
	fw__use(&w, VF_UtcTime);
	fw__use(&w, VF_Computer);
	fw__iso_time(iso, ts);
	fw__lit(&w, "@timestamp", iso);
	fw__obj(&w, "ecs");
	fw__lit(&w, "version", ECS_VERSION);
	fw__close(&w);

	fw__obj(&w, "event");
	fw__lit(&w, "kind", m ? m->kind : "event");
	cat = m ? m->category : "host";
	typ = m ? m->type : "info";
	fw__csv(&w, "category", cat, strlen(cat));
	fw__csv(&w, "type", typ, strlen(typ));
	fw__str(&w, "action", rec->def->name, strlen(rec->def->name));
	fw__int_str(&w, "code", id);
	fw__int(&w, "sequence", (int64_t)rec->seq);
	fw__lit(&w, "module", "vigil");
	fw__lit(&w, "dataset", "vigil.events");
	fw__lit(&w, "provider", "vigil");
	if (id == 209 || id == 255)
		fw__lit(&w, "outcome", "failure");
	if (id == 242) {
		/* RuleLevel keeps its word under vigil.RuleLevel */
		v = fw__peek(&w, VF_RuleLevel, &n);
		fw__int(&w, "severity", level_severity(v, n));
	}
	if (id == 243)
		fw__int(&w, "severity", 81);
	fw__close(&w);

	fw__obj(&w, "host");
	if (host && *host && strcmp(host, "-") != 0) {
		fw__str(&w, "hostname", host, strlen(host));
		fw__str(&w, "name", host, strlen(host));
	}
	fw__obj(&w, "os");
	fw__lit(&w, "type", "linux");
	fw__close(&w);
	fw__close(&w);

	fw__obj(&w, "observer");
	fw__lit(&w, "vendor", "vigil");
	fw__lit(&w, "product", "vigil");
	fw__lit(&w, "type", "endpoint-sensor");
	if (id == 4 && fw__peek(&w, VF_Version, NULL))
		fw__fstr(&w, "version", VF_Version);
	else
		fw__lit(&w, "version", VIGIL_VERSION);
	if (host && *host && strcmp(host, "-") != 0)
		fw__str(&w, "hostname", host, strlen(host));
	fw__close(&w);

	process(&w, id);
	if ((v = fw__take(&w, VF_ContainerId, &n)) != NULL) {
		fw__obj(&w, "container");
		fw__str(&w, "id", v, n);
		fw__close(&w);
	}
	body(&w, id);
	fw__unmapped(&w, "vigil");
	fw__end(&w);
}

int rec_format__parse(const char *s, enum rec_format *out)
{
	if (strcmp(s, "sysmon") == 0)
		*out = RECFMT_SYSMON;
	else if (strcmp(s, "ocsf") == 0)
		*out = RECFMT_OCSF;
	else if (strcmp(s, "ecs") == 0)
		*out = RECFMT_ECS;
	else
		return -EINVAL;
	return 0;
}

const char *rec_format__name(enum rec_format f)
{
	return f == RECFMT_OCSF ? "ocsf" : f == RECFMT_ECS ? "ecs" : "sysmon";
}

void rec_format__add(struct strbuf *sb, const struct vrec *rec, enum rec_format f)
{
	switch (f) {
	case RECFMT_OCSF:
		ocsf__add_record(sb, rec);
		break;
	case RECFMT_ECS:
		ecs__add_record(sb, rec);
		break;
	default:
		json__add_record(sb, rec);
		break;
	}
}
