/*
 * ocsf.c — a record as an OCSF 1.8.0 event; see format.h.
 *
 * Each event type maps to one class (ocsf_map.c, mirrored with its reasons
 * in docs/schemas.md). Every event carries the classification (class,
 * category, activity, type_uid = class_uid * 100 + activity_id), severity_id,
 * time in ms, metadata (product vigil and its version, the schema version,
 * SequenceNumber, the Sysmon-style event name and id, and the profiles the
 * event uses), device, observables, and — for events a process caused —
 * actor.process with its parent and user, process.uid being the ProcessGuid.
 * Whatever has no OCSF attribute goes under `unmapped` with its vigil name.
 */
#include "formats/format.h"

#include "common/duration.h"
#include "common/json.h"
#include "formats/writer.h"

#include <stdio.h>
#include <string.h>

#include "formats/ocsf_int.h"

/* ---- the parts every event shares ------------------------------------- */

#define MAX_OBS 10

struct octx {
	struct fw w;
	bool container;	  /* the container profile is used */
	const char *host; /* the record's computer, NULL when unknown */
	size_t host_len;
	unsigned nobs;
	struct {
		const char *name;
		size_t name_len;
		int type_id;
		const char *v;
		size_t n;
	} obs[MAX_OBS];
};

static void obs_n(struct octx *c, const char *name, size_t name_len, int type_id, const char *v,
		  size_t n)
{
	if (v == NULL || c->nobs >= MAX_OBS)
		return;
	c->obs[c->nobs].name = name;
	c->obs[c->nobs].name_len = name_len;
	c->obs[c->nobs].type_id = type_id;
	c->obs[c->nobs].v = v;
	c->obs[c->nobs].n = n;
	c->nobs++;
}
/* name is a literal: its length is folded at compile time */
#define obs(c, name, type_id, v, n) obs_n((c), (name), __builtin_strlen(name), (type_id), (v), (n))

/* "MD5=..,SHA1=..,SHA256=.." → an array of fingerprints. */
static void hashes(struct fw *w, const char *k, const char *v, size_t n)
{
	static const struct {
		const char *name;
		size_t len;
		int id;
	} algs[] = {
	    {"SHA256", 6, 3}, {"MD5", 3, 1}, {"SHA1", 4, 2}, {"SHA512", 6, 4}, {"IMPHASH", 7, 18},
	};
	const char *p = v, *end = v + n;
	bool open = false;

	while (p < end) {
		const char *comma = memchr(p, ',', (size_t)(end - p));
		const char *e = comma ? comma : end;
		const char *eq = memchr(p, '=', (size_t)(e - p));

		if (eq && eq + 1 < e) {
			int id = 99;

			for (size_t i = 0; i < sizeof(algs) / sizeof(algs[0]); i++)
				if ((size_t)(eq - p) == algs[i].len &&
				    strncasecmp(p, algs[i].name, algs[i].len) == 0) {
					id = algs[i].id;
					break;
				}
			if (!open) {
				fw__arr(w, k);
				open = true;
			}
			fw__item_obj(w);
			/* the caption only for Other: the id says the rest */
			fw__int(w, "algorithm_id", id);
			if (id == 99)
				fw__str(w, "algorithm", p, (size_t)(eq - p));
			fw__str(w, "value", eq + 1, (size_t)(e - eq - 1));
			fw__close(w);
		}
		p = e + 1;
	}
	if (open)
		fw__close(w);
}

/* A file object from a path; type_id as the caller knows it. */
static void file_obj(struct octx *c, const char *k, const char *path, size_t n, int type_id,
		     enum vf_id hash_field)
{
	struct fw *w = &c->w;
	size_t bn, hn;
	const char *b = fw__basename(path, n, &bn);
	const char *h;

	fw__obj(w, k);
	fw__str(w, "name", b, bn);
	fw__str(w, "path", path, n);
	fw__int(w, "type_id", type_id);
	if (hash_field != VF_NONE && (h = fw__take(w, hash_field, &hn)) != NULL)
		hashes(w, "hashes", h, hn);
	fw__close(w);
}

static void file_field(struct octx *c, const char *k, enum vf_id f, int type_id,
		       enum vf_id hash_field)
{
	size_t n;
	const char *v = fw__take(&c->w, f, &n);

	if (v) {
		file_obj(c, k, v, n, type_id, hash_field);
		if (k[4] == '\0') /* "file" */
			obs(c, "file.path", 45, v, n);
		else
			obs(c, "file_result.path", 45, v, n);
	} else {
		/* file.name and type_id are required: an unknown file still
		 * has them */
		fw__obj(&c->w, k);
		fw__lit(&c->w, "name", "-");
		fw__int(&c->w, "type_id", 0);
		fw__close(&c->w);
	}
}

static void user_obj(struct fw *w, const char *k, enum vf_id f)
{
	size_t n;
	const char *v = fw__take(w, f, &n);

	if (!v)
		return;
	fw__obj(w, k);
	fw__str(w, "name", v, n);
	fw__close(w);
}

/* A process object; any field may be VF_NONE. */
struct pfields {
	enum vf_id guid, pid, image, cmd, user, hashes, cwd;
	enum vf_id pguid, ppid, pimage, pcmd, puser; /* its parent */
	bool container;
	bool env;     /* ProcessCreate's Environment */
	bool session; /* LogonGuid and Tty as its login session */
};

static void proc_obj(struct octx *c, const char *k, const struct pfields *pf)
{
	struct fw *w = &c->w;
	size_t n, bn;
	const char *img = pf->image ? fw__take(w, pf->image, &n) : NULL;

	fw__obj(w, k);
	if (pf->guid)
		fw__fstr(w, "uid", pf->guid);
	if (pf->pid)
		fw__fint(w, "pid", pf->pid);
	if (img) {
		const char *b = fw__basename(img, n, &bn);

		/* the path is file.path (process.path would repeat it) */
		fw__str(w, "name", b, bn);
		file_obj(c, "file", img, n, 1, pf->hashes);
	}
	if (pf->cmd)
		fw__fstr(w, "cmd_line", pf->cmd);
	if (pf->cwd)
		fw__fstr(w, "working_directory", pf->cwd);
	if (pf->env)
		fw__env(w, "environment_variables", true);
	if (pf->user)
		user_obj(w, "user", pf->user);
	if (pf->session && (fw__peek(w, VF_LogonGuid, NULL) || fw__peek(w, VF_Tty, NULL))) {
		fw__obj(w, "session");
		fw__fstr(w, "uid", VF_LogonGuid);
		fw__fstr(w, "terminal", VF_Tty);
		fw__close(w);
	}
	if (pf->container) {
		size_t cn;
		const char *cid = fw__take(w, VF_ContainerId, &cn);

		if (cid) {
			c->container = true;
			fw__obj(w, "container");
			fw__str(w, "uid", cid, cn);
			fw__close(w);
		}
	}
	if (pf->pguid || pf->ppid || pf->pimage) {
		struct pfields pp = {.guid = pf->pguid,
				     .pid = pf->ppid,
				     .image = pf->pimage,
				     .cmd = pf->pcmd,
				     .user = pf->puser};
		bool any = (pf->pguid && fw__peek(w, pf->pguid, NULL)) ||
			   (pf->ppid && fw__peek(w, pf->ppid, NULL)) ||
			   (pf->pimage && fw__peek(w, pf->pimage, NULL));

		if (any)
			proc_obj(c, "parent_process", &pp);
	}
	fw__close(w);
}

/* The initiating process of an EVF_PROC event, with its parent. */
static const struct pfields initiator = {
    .guid = VF_ProcessGuid,
    .pid = VF_ProcessId,
    .image = VF_Image,
    .cmd = VF_InitiatingProcessCommandLine,
    .user = VF_User,
    .hashes = VF_InitiatingProcessHashes,
    .pguid = VF_InitiatingProcessParentGuid,
    .pimage = VF_InitiatingProcessParentImage,
    .container = true,
};

static void actor(struct octx *c, const struct pfields *pf)
{
	struct fw *w = &c->w;
	size_t n;
	const char *img = fw__peek(w, pf->image, &n);

	/* the user is actor.process.user; actor.user would repeat it */
	fw__obj(w, "actor");
	proc_obj(c, "process", pf);
	fw__close(w);
	if (img) {
		size_t bn;
		const char *b = fw__basename(img, n, &bn);

		obs(c, "actor.process.name", 9, b, bn);
	}
}

static void device(struct octx *c)
{
	struct fw *w = &c->w;

	fw__obj(w, "device");
	if (c->host) {
		fw__str(w, "hostname", c->host, c->host_len);
		obs(c, "device.hostname", 1, c->host, c->host_len);
	}
	/* type Unknown, OS Linux: the same on every event, one copy */
	fw__raw(w, "\"type_id\":0,\"os\":{\"name\":\"Linux\",\"type_id\":200}");
	fw__close(w);
}

static void endpoint(struct octx *c, const char *k, enum vf_id ip, enum vf_id host, enum vf_id port,
		     enum vf_id svc)
{
	struct fw *w = &c->w;
	size_t n;
	const char *v;

	if (!fw__peek(w, ip, NULL) && !fw__peek(w, port, NULL))
		return;
	fw__obj(w, k);
	if ((v = fw__take(w, ip, &n)) != NULL) {
		fw__str(w, "ip", v, n);
		obs(c, k[0] == 's' ? "src_endpoint.ip" : "dst_endpoint.ip", 2, v, n);
	}
	if (host)
		fw__fstr(w, "hostname", host);
	fw__fint(w, "port", port);
	if (svc)
		fw__fstr(w, "svc_name", svc);
	fw__close(w);
}

static int proto_num(const char *p, size_t n)
{
	if (n == 3 && strncasecmp(p, "tcp", 3) == 0)
		return 6;
	if (n == 3 && strncasecmp(p, "udp", 3) == 0)
		return 17;
	return -1;
}

static void conn_info(struct octx *c, int direction_id)
{
	struct fw *w = &c->w;
	size_t n;
	const char *p = fw__take(w, VF_Protocol, &n);

	fw__obj(w, "connection_info");
	fw__int(w, "direction_id", direction_id);
	if (p) {
		char lower[16];
		size_t ln = n < sizeof(lower) ? n : sizeof(lower);
		int num = proto_num(p, n);

		for (size_t i = 0; i < ln; i++)
			lower[i] = (char)(p[i] >= 'A' && p[i] <= 'Z' ? p[i] + 32 : p[i]);
		fw__str(w, "protocol_name", lower, ln);
		if (num >= 0)
			fw__int(w, "protocol_num", num);
	}
	fw__close(w);
}

/* The app / product vigil as the members of an object. */
#define APP_VIGIL "\"name\":\"vigil\",\"vendor_name\":\"vigil\",\"version\":\"" VIGIL_VERSION "\""

static void app_vigil(struct fw *w, const char *k)
{
	fw__obj_n(w, k, strlen(k));
	fw__raw(w, APP_VIGIL);
	fw__close(w);
}

/* ---- per class -------------------------------------------------------- */

static void body_process(struct octx *c, unsigned id)
{
	struct fw *w = &c->w;

	switch (id) {
	case 1: {
		struct pfields parent = {.guid = VF_ParentProcessGuid,
					 .pid = VF_ParentProcessId,
					 .image = VF_ParentImage,
					 .cmd = VF_ParentCommandLine,
					 .user = VF_ParentUser};
		struct pfields child = {.guid = VF_ProcessGuid,
					.pid = VF_ProcessId,
					.image = VF_Image,
					.cmd = VF_CommandLine,
					.user = VF_User,
					.hashes = VF_Hashes,
					.cwd = VF_CurrentDirectory,
					.pguid = VF_ParentProcessGuid,
					.ppid = VF_ParentProcessId,
					.pimage = VF_ParentImage,
					.pcmd = VF_ParentCommandLine,
					.puser = VF_ParentUser,
					.container = true,
					.session = true,
					.env = true};
		size_t n;
		const char *cmd = fw__peek(w, VF_CommandLine, &n);

		actor(c, &parent);
		proc_obj(c, "process", &child);
		fw__int(w, "launch_type_id", 3);
		fw__lit(w, "launch_type", "Exec");
		obs(c, "process.cmd_line", 13, cmd, n);
		return;
	}
	case 10: {
		/* the initiating process's extras describe the source */
		struct pfields src = {.guid = VF_SourceProcessGUID,
				      .pid = VF_SourceProcessId,
				      .image = VF_SourceImage,
				      .user = VF_SourceUser,
				      .cmd = VF_InitiatingProcessCommandLine,
				      .hashes = VF_InitiatingProcessHashes,
				      .pguid = VF_InitiatingProcessParentGuid,
				      .pimage = VF_InitiatingProcessParentImage,
				      .container = true};
		struct pfields dst = {.guid = VF_TargetProcessGUID,
				      .pid = VF_TargetProcessId,
				      .image = VF_TargetImage,
				      .user = VF_TargetUser};

		/* The initiating-process fields repeat the source's. */
		if (fw__peek(w, VF_SourceProcessGUID, NULL)) {
			actor(c, &src);
			fw__use(w, VF_ProcessGuid);
			fw__use(w, VF_ProcessId);
			fw__use(w, VF_Image);
			fw__use(w, VF_User);
		} else {
			actor(c, &initiator);
		}
		proc_obj(c, "process", &dst);
		return;
	}
	case 213: {
		size_t n;
		struct pfields child = {.guid = VF_ProcessGuid,
					.pid = VF_ProcessId,
					.image = VF_Image,
					.cmd = VF_CommandLine,
					.user = VF_User,
					.pguid = VF_ParentProcessGuid,
					.ppid = VF_ParentProcessId,
					.container = true};
		struct pfields parent = {.guid = VF_ParentProcessGuid, .pid = VF_ParentProcessId};
		const char *cmd = fw__peek(w, VF_CommandLine, &n);

		actor(c, fw__peek(w, VF_InitiatingProcessCommandLine, NULL) ? &initiator : &parent);
		proc_obj(c, "process", &child);
		fw__int(w, "launch_type_id", 2);
		fw__lit(w, "launch_type", "Fork");
		obs(c, "process.cmd_line", 13, cmd, n);
		return;
	}
	default:
		/* Terminate, tampering, privilege change, rename: the process
		 * acts on itself, so it is both actor and process. The full
		 * process (with its parent) is `process`; the actor names it by
		 * uid, pid and name rather than repeating it. */
		struct pfields self = {
		    .guid = VF_ProcessGuid, .pid = VF_ProcessId, .image = VF_Image};
		size_t n, bn;
		const char *img = fw__peek(w, VF_Image, &n);

		fw__obj(w, "actor");
		fw__obj(w, "process");
		fw__fstr(w, "uid", self.guid);
		fw__fint(w, "pid", self.pid);
		if (img) {
			const char *b = fw__basename(img, n, &bn);

			fw__str(w, "name", b, bn);
			obs(c, "actor.process.name", 9, b, bn);
		}
		fw__close(w);
		fw__close(w);
		proc_obj(c, "process", &initiator);
		if (id == 5)
			fw__fint(w, "exit_code", VF_ExitCode);
		if (id == 25)
			fw__fstr(w, "injection_type", VF_Type);
		return;
	}
}

static void body_file(struct octx *c, unsigned id)
{
	struct fw *w = &c->w;
	size_t n;
	const char *v;
	int64_t ms;

	actor(c, &initiator);
	/* A coalesced FileModify stands for WriteCount modifications: OCSF's
	 * base-event count ("the number of times that events in the same
	 * logical group occurred") says exactly that. */
	if (id == 200)
		fw__fint(w, "count", VF_WriteCount);
	switch (id) {
	case 2:
		fw__obj(w, "file");
		if ((v = fw__take(w, VF_TargetFilename, &n)) != NULL) {
			size_t bn;
			const char *b = fw__basename(v, n, &bn);

			fw__str(w, "name", b, bn);
			fw__str(w, "path", v, n);
			obs(c, "file.path", 45, v, n);
		} else {
			fw__lit(w, "name", "-");
		}
		fw__int(w, "type_id", 1);
		if ((v = fw__peek(w, VF_CreationUtcTime, &n)) != NULL &&
		    fw__parse_time_ms(v, n, &ms)) {
			fw__use(w, VF_CreationUtcTime);
			fw__int(w, "modified_time", ms);
		}
		fw__close(w);
		return;
	case 9:
		file_field(c, "file", VF_Device, 4, VF_NONE);
		return;
	case 201:
		file_field(c, "file", VF_SourceFilename, 0, VF_NONE);
		file_field(c, "file_result", VF_TargetFilename, 0, VF_NONE);
		return;
	case 206:
		file_field(c, "file", VF_Target, 2, VF_NONE);
		return;
	case 210:
		v = fw__take_named(w, "LinkType", &n);
		file_field(c, "file", VF_TargetFilename, fw__eq(v, n, "symbolic") ? 7 : 1, VF_NONE);
		if (v)
			fw__str(w, "component", v, n); /* the link kind */
		return;
	case 211:
		file_field(c, "file", VF_TargetFilename, 2, VF_NONE);
		return;
	case 23:
		file_field(c, "file", VF_TargetFilename, 0, VF_Hashes);
		return;
	case 29:
		file_field(c, "file", VF_TargetFilename, 8, VF_Hashes);
		return;
	default:
		file_field(c, "file", VF_TargetFilename, 1, VF_Hashes);
		return;
	}
}

static void body_module(struct octx *c)
{
	struct fw *w = &c->w;
	size_t n;
	const char *v = fw__take(w, VF_ImageLoaded, &n);

	actor(c, &initiator);
	fw__obj(w, "module");
	if (v) {
		file_obj(c, "file", v, n, 1, VF_Hashes);
		obs(c, "module.file.path", 45, v, n);
	}
	fw__lit(w, "type", "Shared Object");
	/* the loader's mappings and dlopen both load the standard way */
	fw__int(w, "load_type_id", 1);
	fw__lit(w, "load_type", "Standard");
	fw__close(w);
}

static void body_kernel(struct octx *c, unsigned id)
{
	struct fw *w = &c->w;

	actor(c, &initiator);
	if (id == 6) {
		size_t n;
		const char *v = fw__take(w, VF_ImageLoaded, &n);

		fw__obj(w, "driver");
		if (v)
			file_obj(c, "file", v, n, 1, VF_Hashes);
		else
			file_obj(c, "file", "-", 1, 0, VF_Hashes);
		fw__close(w);
		return;
	}
	fw__obj(w, "kernel");
	if (id == 100) {
		if (!fw__fstr(w, "name", VF_BpfProgramName))
			fw__lit(w, "name", "bpf");
		fw__int(w, "type_id", 99);
		fw__lit(w, "type", "eBPF program");
		fw__lit(w, "system_call", "bpf");
	} else {
		size_t n;
		const char *v = fw__take(w, VF_Syscall, &n);

		if (v) {
			fw__str(w, "name", v, n);
			fw__str(w, "system_call", v, n);
		} else {
			fw__lit(w, "name", "-");
		}
		fw__int(w, "type_id", 2);
	}
	fw__close(w);
}

static void body_network(struct octx *c, unsigned id)
{
	struct fw *w = &c->w;
	size_t n;
	const char *v;

	actor(c, &initiator);
	if (id == 204) {
		endpoint(c, "src_endpoint", VF_LocalIp, VF_NONE, VF_LocalPort, VF_NONE);
		conn_info(c, 0);
		return;
	}
	v = fw__take(w, VF_Initiated, &n);
	endpoint(c, "src_endpoint", VF_SourceIp, VF_SourceHostname, VF_SourcePort,
		 VF_SourcePortName);
	endpoint(c, "dst_endpoint", VF_DestinationIp, VF_DestinationHostname, VF_DestinationPort,
		 VF_DestinationPortName);
	fw__use(w, VF_SourceIsIpv6);
	fw__use(w, VF_DestinationIsIpv6);
	conn_info(c, fw__eq(v, n, "true") ? 2 : fw__eq(v, n, "false") ? 1 : 0);
	if (id == 209) {
		const char *e = fw__take_named(w, "Error", &n);

		fw__lit(w, "status", "Failure");
		fw__int(w, "status_id", 2);
		if (e) {
			fw__str(w, "status_code", e, n);
			fw__str(w, "status_detail", e, n);
		}
	} else {
		fw__lit(w, "status", "Success");
		fw__int(w, "status_id", 1);
	}
}

/* This host as an endpoint: DNS Activity and Authentication need one. */
static void this_host(struct octx *c, const char *k)
{
	struct fw *w = &c->w;

	fw__obj_n(w, k, strlen(k));
	if (c->host)
		fw__str(w, "hostname", c->host, c->host_len);
	else
		fw__lit(w, "name", "localhost");
	fw__close(w);
}

static void body_dns(struct octx *c)
{
	struct fw *w = &c->w;
	size_t n;
	const char *v;

	actor(c, &initiator);
	/* vigil sees the answer on this host; the server is not recorded */
	this_host(c, "src_endpoint");
	fw__obj(w, "query");
	if ((v = fw__take(w, VF_QueryName, &n)) != NULL) {
		fw__str(w, "hostname", v, n);
		obs(c, "query.hostname", 1, v, n);
	} else {
		fw__lit(w, "hostname", "-");
	}
	fw__close(w);
	if ((v = fw__peek(w, VF_QueryStatus, &n)) != NULL && fw__is_int(v, n)) {
		int64_t rc = fw__to_int(v, n);

		fw__use(w, VF_QueryStatus);
		fw__int(w, "rcode_id", (rc >= 0 && rc <= 11) || (rc >= 16 && rc <= 23) ? rc : 99);
		if (rc >= 0 && rc <= 5) {
			static const char *const names[] = {"NoError",	"FormError", "ServError",
							    "NXDomain", "NotImp",    "Refused"};

			fw__lit(w, "rcode", names[rc]);
		} else {
			fw__str(w, "rcode", v, n);
		}
	}
	/* QueryResults: "type:  5 cname;1.2.3.4;" */
	if ((v = fw__take(w, VF_QueryResults, &n)) != NULL)
		fw__dns_answers(w, "answers", "rdata", v, n);
}

static void body_auth(struct octx *c)
{
	struct fw *w = &c->w;
	size_t n;
	const char *v;

	actor(c, &initiator);
	fw__obj(w, "user");
	if ((v = fw__peek(w, VF_User, &n)) != NULL)
		fw__str(w, "name", v, n);
	else
		fw__lit(w, "name", "-");
	fw__close(w);
	fw__obj(w, "session");
	fw__fstr(w, "uid", VF_LogonGuid);
	fw__fstr(w, "terminal", VF_Tty);
	v = fw__peek(w, VF_RemoteAddress, &n);
	fw__bool(w, "is_remote", v != NULL);
	fw__close(w);
	if (v) {
		fw__obj(w, "src_endpoint");
		fw__fstr(w, "ip", VF_RemoteAddress);
		fw__close(w);
	}
	this_host(c, "dst_endpoint"); /* the host logged into */
	fw__lit(w, "status", "Success");
	fw__int(w, "status_id", 1);
}

static void body_finding(struct octx *c, unsigned id)
{
	struct fw *w = &c->w;
	char b[32], *uid = fw__itoa_end(b + 8, (int64_t)w->rec->seq) - 6;
	size_t n;
	const char *v;

	memcpy(uid, "vigil-", 6); /* "vigil-SEQ" */
	fw__obj(w, "finding_info");
	fw__lit_n(w, "uid", 3, uid, (size_t)(b + 32 - uid));
	if (id == 242) {
		fw__fstr(w, "title", VF_RuleTitle);
		fw__obj(w, "analytic");
		fw__int(w, "type_id", 1);
		fw__lit(w, "type", "Rule");
		fw__fstr(w, "uid", VF_RuleId);
		if ((v = fw__peek(w, VF_RuleTitle, &n)) != NULL)
			fw__str(w, "name", v, n);
		fw__close(w);
		if ((v = fw__take(w, VF_Tags, &n)) != NULL)
			fw__csv(w, "types", v, n); /* Sigma tags */
	} else {
		fw__fstr(w, "title", VF_Type);
		fw__fstr(w, "desc", VF_Detail);
	}
	fw__close(w);
	if (id == 242)
		fw__fstr(w, "severity", VF_RuleLevel);
	if (fw__peek(w, VF_ProcessGuid, NULL) || fw__peek(w, VF_Image, NULL)) {
		struct pfields pf = {.guid = VF_ProcessGuid,
				     .pid = VF_ProcessId,
				     .image = VF_Image,
				     .user = VF_User};

		fw__arr(w, "evidences");
		fw__item_obj(w);
		proc_obj(c, "process", &pf);
		fw__close(w);
		fw__close(w);
	}
	fw__bool(w, "is_alert", true);
}

static void body_app(struct octx *c, unsigned id)
{
	struct fw *w = &c->w;
	size_t n;
	const char *v;

	if (id == 4 || id == 16)
		app_vigil(w, "app");
	if (id == 4) {
		fw__fstr(w, "message", VF_State);
	} else if (id == 16) {
		fw__lit(w, "message", "configuration loaded");
	} else if (id == 255) {
		fw__fstr(w, "message", VF_Description);
		if ((v = fw__take(w, VF_ID, &n)) != NULL)
			fw__str(w, "status_code", v, n);
		fw__lit(w, "status", "Failure");
		fw__int(w, "status_id", 2);
	}
}

static void body_base(struct octx *c, unsigned id)
{
	struct fw *w = &c->w;
	size_t n;
	const char *v;
	int64_t ms;

	if (id == 240) {
		fw__fint(w, "count", VF_Count);
		if ((v = fw__peek(w, VF_FirstUtcTime, &n)) && fw__parse_time_ms(v, n, &ms)) {
			fw__use(w, VF_FirstUtcTime);
			fw__int(w, "start_time", ms);
		}
		if ((v = fw__peek(w, VF_LastUtcTime, &n)) && fw__parse_time_ms(v, n, &ms)) {
			fw__use(w, VF_LastUtcTime);
			fw__int(w, "end_time", ms);
		}
		fw__lit(w, "message", "events held back by a cap");
	} else {
		fw__lit(w, "message", "sensor health");
	}
}

void ocsf__add_record(struct strbuf *sb, const struct vrec *rec)
{
	struct octx c;
	struct fw *w = &c.w;
	const struct ocsf_map *m = ocsf__map(rec->def->id);
	unsigned id = rec->def->id, cls_uid = m ? m->class_uid : 0, cat = cls_uid / 1000;
	struct cls k;
	uint64_t ms = rec->ts_ns / NSEC_PER_MSEC;
	int64_t pms;
	size_t n;
	const char *v;

	c.container = false;
	c.nobs = 0;
	c.host = rec->computer;
	c.host_len = c.host ? strlen(c.host) : 0;
	if (c.host_len == 0 || (c.host_len == 1 && c.host[0] == '-'))
		c.host = NULL;
	fw__begin(w, sb, rec);
	k = ocsf__classify(w, id);
	/* Only ids: the caption siblings (class_name, activity_name, ...) are
	 * the schema's enum captions, which any OCSF consumer has; writing them
	 * would add a fifth to every event. An activity that is Other is the
	 * exception: its name says what it was. */
	fw__int(w, "class_uid", cls_uid);
	fw__int(w, "category_uid", cat);
	fw__int(w, "activity_id", k.activity_id);
	if (k.activity_id == 99)
		fw__str(w, "activity_name", k.activity, strlen(k.activity));
	fw__int(w, "type_uid", (int64_t)cls_uid * 100 + k.activity_id);
	fw__int(w, "severity_id", k.severity_id);
	if (ms == 0 && (v = fw__peek(w, VF_UtcTime, &n)) && fw__parse_time_ms(v, n, &pms))
		ms = (uint64_t)pms;
	fw__int(w, "time", (int64_t)ms);
	fw__use(w, VF_UtcTime);
	fw__use(w, VF_Computer);
	device(&c);

	switch (cls_uid) {
	case 1007:
		body_process(&c, id);
		break;
	case 1001:
		body_file(&c, id);
		break;
	case 1005:
		body_module(&c);
		break;
	case 1002:
	case 1003:
		body_kernel(&c, id);
		break;
	case 4001:
		body_network(&c, id);
		break;
	case 4003:
		body_dns(&c);
		break;
	case 3002:
		body_auth(&c);
		break;
	case 2004:
		body_finding(&c, id);
		break;
	case 6002:
	case 6008:
		body_app(&c, id);
		break;
	default:
		body_base(&c, id);
		break;
	}

	fw__obj(w, "metadata");
	fw__raw(w, "\"version\":\"" OCSF_VERSION "\",\"product\":{" APP_VIGIL "}");
	fw__int(w, "sequence", (int64_t)rec->seq);
	fw__int_str(w, "event_code", id);
	fw__str(w, "log_name", rec->def->name, strlen(rec->def->name));
	if ((v = fw__peek(w, VF_UtcTime, &n)) != NULL)
		fw__str(w, "original_time", v, n);
	if (c.container)
		fw__raw(w, "\"profiles\":[\"host\",\"container\"]");
	else
		fw__raw(w, "\"profiles\":[\"host\"]");
	fw__close(w);

	if (c.nobs) {
		fw__arr(w, "observables");
		for (unsigned i = 0; i < c.nobs; i++) {
			fw__item_obj(w);
			fw__lit_n(w, "name", 4, c.obs[i].name, c.obs[i].name_len);
			fw__int(w, "type_id", c.obs[i].type_id);
			fw__str(w, "value", c.obs[i].v, c.obs[i].n);
			fw__close(w);
		}
		fw__close(w);
	}
	fw__unmapped(w, "unmapped");
	fw__end(w);
}
