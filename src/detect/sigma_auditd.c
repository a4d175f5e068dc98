/*
 * sigma_auditd.c — the field mapping that routes auditd Sigma rules onto
 * vigil's events; see sigma_auditd.h for the scheme and docs/sigma-auditd.md
 * for the table a user reads.
 *
 * Faithful means: an event vigil matches is one on which auditd, with the
 * rule's audit watch in place, would have written a record the rule matches.
 * So a record type vigil never produces (TTY, SERVICE_STOP, ADD_USER, the
 * SYSCALL records of socket or sysinfo) makes its selection constant false,
 * exactly as auditd's record of another type would, and a field whose value
 * vigil's event does not carry (euid, a SYSCALL's raw arguments, an audit
 * rule key) fails the variant rather than being guessed. The approximations
 * that remain are documented: the command line is split at spaces, comm is
 * read from the image's or argv[0]'s base name, and a SYSCALL selection that
 * names no syscall matches once per process, on its ProcessCreate.
 */
#include "detect/sigma_auditd.h"

#include "common/schema.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

enum aud_rec { AR_NONE, AR_EXECVE, AR_SYSCALL, AR_PATH, AR_PROCTITLE, AR_OTHER };

/* Every vigil event an audit record can stand for; FileRename twice, once
 * per PATH record (new name, old name). Events the build's schema lacks are
 * skipped, so SensitiveFileRead (208) and the others join when it has them. */
static const struct sg_aud_variant variants[] = {
    {EV_PROCESS_CREATE, 0},
    {EV_FILE_CREATE, 0},
    {EV_FILE_MODIFY, 0},
    {EV_FILE_RENAME, 0},
    {EV_FILE_RENAME, 1},
    {EV_FILE_DELETE, 0},
    {EV_FILE_ATTRIBUTE_CHANGE, 0},
    {EV_FILE_CREATE_TIME, 0},
    /* issue 15's events, by number until the schema names them: a PATH
     * record of a read, of a new link, of a new directory; a failed connect */
    {208, 0},
    {210, 0},
    {211, 0},
    {EV_NETWORK_CONNECT, 0},
    {209, 0},
    {EV_DRIVER_LOAD, 0},
    {EV_BPF_EVENT, 0},
    {EV_PRIVILEGE_CHANGE, 0},
    {EV_NAMESPACE_CHANGE, 0},
    {EV_MOUNT, 0},
};

/* SYSCALL names whose records vigil has an event for. by_field: the event
 * keeps the syscall's name in its Syscall field, so the value is tested
 * there; otherwise the event stands for the whole family (execve and
 * execveat are both a ProcessCreate). Syscalls that share an event with
 * others it cannot tell apart (chmod and chown are both a
 * FileAttributeChange, open is a FileCreate or not) are left out. vigil
 * reports set*id and capset calls only when they changed the credentials. */
static const struct {
	const char *name;
	uint16_t event;
	bool by_field;
} syscalls[] = {
    {"execve", EV_PROCESS_CREATE, false},
    {"execveat", EV_PROCESS_CREATE, false},
    {"connect", EV_NETWORK_CONNECT, false},
    {"connect", 209, false},
    /* NetworkConnectFailed */ {"init_module", EV_DRIVER_LOAD, false},
    {"finit_module", EV_DRIVER_LOAD, false},
    {"bpf", EV_BPF_EVENT, false},
    {"setuid", EV_PRIVILEGE_CHANGE, true},
    {"setgid", EV_PRIVILEGE_CHANGE, true},
    {"setreuid", EV_PRIVILEGE_CHANGE, true},
    {"setregid", EV_PRIVILEGE_CHANGE, true},
    {"setresuid", EV_PRIVILEGE_CHANGE, true},
    {"setresgid", EV_PRIVILEGE_CHANGE, true},
    {"setfsuid", EV_PRIVILEGE_CHANGE, true},
    {"setfsgid", EV_PRIVILEGE_CHANGE, true},
    {"capset", EV_PRIVILEGE_CHANGE, true},
    {"unshare", EV_NAMESPACE_CHANGE, true},
    {"setns", EV_NAMESPACE_CHANGE, true},
    {"mount", EV_MOUNT, true},
    {"move_mount", EV_MOUNT, true},
    /* umount2 is left out: vigil's Mount names it "umount". clone is
     * left out: NamespaceChange has only the clones into new namespaces. */
};

bool sg_aud_is_auditd(const char *product, const char *service)
{
	return (product == NULL || strcmp(product, "linux") == 0) && service &&
	       strcmp(service, "auditd") == 0;
}

size_t sg_aud_variants(const struct sg_aud_variant **out)
{
	*out = variants;
	return sizeof(variants) / sizeof(variants[0]);
}

static bool is_file_event(uint16_t ev)
{
	return ev == EV_FILE_CREATE || ev == EV_FILE_MODIFY || ev == EV_FILE_RENAME ||
	       ev == EV_FILE_DELETE || ev == EV_FILE_ATTRIBUTE_CHANGE ||
	       ev == EV_FILE_CREATE_TIME || ev == 208 || ev == 210 || ev == 211;
}

static int rec_type(const char *s)
{
	if (strcasecmp(s, "EXECVE") == 0)
		return AR_EXECVE;
	if (strcasecmp(s, "SYSCALL") == 0)
		return AR_SYSCALL;
	if (strcasecmp(s, "PATH") == 0)
		return AR_PATH;
	if (strcasecmp(s, "PROCTITLE") == 0)
		return AR_PROCTITLE;
	return AR_OTHER;
}

/* "a12" → 12; -1 when name is not an EXECVE argument. */
static int arg_index(const char *name)
{
	char *end;
	long i;

	if (name[0] != 'a' || !isdigit((unsigned char)name[1]))
		return -1;
	i = strtol(name + 1, &end, 10);
	return *end == '\0' && i < 100000 ? (int)i : -1;
}

/* The record type a field name belongs to, for selections without `type`. */
static int rec_of_field(const char *name, bool has_syscall)
{
	if (arg_index(name) >= 0)
		return has_syscall ? AR_SYSCALL : AR_EXECVE;
	if (strcmp(name, "argc") == 0)
		return AR_EXECVE;
	if (strcmp(name, "name") == 0 || strcmp(name, "nametype") == 0)
		return AR_PATH;
	if (strcmp(name, "proctitle") == 0)
		return AR_PROCTITLE;
	if (name[0] == '\0')
		return AR_NONE;
	return AR_SYSCALL;
}

/* The base name of a selection key ("name|contains" → "name"), in buf. */
static const char *key_base(const struct yn *k, char *buf, size_t n, bool *mods)
{
	const char *bar = k->kind == YN_SCALAR ? strchr(k->s, '|') : NULL;
	size_t l = bar ? (size_t)(bar - k->s) : (k->kind == YN_SCALAR ? k->len : 0);

	if (l >= n)
		l = n - 1;
	memcpy(buf, k->kind == YN_SCALAR ? k->s : "", l);
	buf[l] = '\0';
	*mods = bar != NULL;
	return buf;
}

/* Calls fn for each scalar value of v (a scalar or a list); stops at the
 * first nonzero return. */
static int each_value(const struct yn *v, int (*fn)(const char *s, void *ctx), void *ctx)
{
	if (v->kind == YN_SCALAR)
		return fn(v->s, ctx);
	if (v->kind != YN_SEQ)
		return 0;
	for (uint32_t i = 0; i < v->n; i++) {
		int rc;

		if (v->items[i]->kind != YN_SCALAR)
			continue;
		rc = fn(v->items[i]->s, ctx);
		if (rc)
			return rc;
	}
	return 0;
}

/* Remembers the first "key: value has no vigil event" of a rule. */
static void never(struct sg_aud *au, const char *key, const char *what)
{
	if (au->never[0] == '\0')
		snprintf(au->never, sizeof(au->never), "%s: %s has no vigil event", key,
			 what ? what : "");
}

struct vals {
	struct sg_aud *au;
	int found;  /* values that hold for this event */
	int mapped; /* values that hold for some event */
	const char *first_unmapped;
	int rec; /* type: the record type that holds */
};

static int on_type(const char *s, void *ctx)
{
	struct vals *v = ctx;
	int r = rec_type(s);
	uint16_t ev = v->au->event;
	bool here;

	if (r == AR_OTHER) {
		if (v->first_unmapped == NULL)
			v->first_unmapped = s;
		return 0;
	}
	v->mapped++;
	here = r == AR_PATH	 ? (ev == EV_PROCESS_CREATE || is_file_event(ev))
	       : r == AR_SYSCALL ? true /* decided by SYSCALL */
				 : ev == EV_PROCESS_CREATE;
	if (here) {
		if (v->found && v->rec != r)
			return -1; /* a list of several record types */
		v->found++;
		v->rec = r;
	}
	return 0;
}

static int on_syscall(const char *s, void *ctx)
{
	struct vals *v = ctx;
	bool any = false;

	for (size_t i = 0; i < sizeof(syscalls) / sizeof(syscalls[0]); i++) {
		if (strcasecmp(syscalls[i].name, s) != 0)
			continue;
		any = true;
		if (syscalls[i].event == v->au->event)
			v->found++;
	}
	if (any)
		v->mapped++;
	else if (v->first_unmapped == NULL)
		v->first_unmapped = s;
	return 0;
}

/* nametype: which PATH records vigil's event stands for. */
static int on_nametype(const char *s, void *ctx)
{
	struct vals *v = ctx;
	uint16_t ev = v->au->event;
	bool here;

	if (strcasecmp(s, "CREATE") == 0)
		here = ev == EV_FILE_CREATE || ev == 210 || ev == 211 ||
		       (ev == EV_FILE_RENAME && v->au->role == 0);
	else if (strcasecmp(s, "DELETE") == 0)
		here = ev == EV_FILE_DELETE || (ev == EV_FILE_RENAME && v->au->role == 1);
	else if (strcasecmp(s, "NORMAL") == 0)
		here = ev == EV_PROCESS_CREATE || ev == EV_FILE_MODIFY ||
		       ev == EV_FILE_ATTRIBUTE_CHANGE || ev == EV_FILE_CREATE_TIME || ev == 208;
	else {
		if (v->first_unmapped == NULL)
			v->first_unmapped = s;
		return 0;
	}
	v->mapped++;
	v->found += here;
	return 0;
}

/* Whether one of the values of a `SYSCALL` or `nametype` item stands for
 * au's event; remembers the value when none stands for any event. */
static int holds_here(struct sg_aud *au, const struct yn *val, int (*fn)(const char *, void *),
		      const char *key)
{
	struct vals v = {.au = au};

	each_value(val, fn, &v);
	if (v.mapped == 0)
		never(au, key, v.first_unmapped);
	return v.found > 0;
}

int sg_aud_map(struct sg_aud *au, const struct yn *map, char *why, size_t n)
{
	const struct yn *type = NULL, *sys = NULL, *nt = NULL;
	char kb[64];
	bool mods;
	int rec = AR_NONE;

	for (uint32_t i = 0; i < map->n; i++) {
		const struct yn *k = map->items[2 * i];
		const char *b = key_base(k, kb, sizeof(kb), &mods);
		const struct yn **slot = strcmp(b, "type") == 0	      ? &type
					 : strcmp(b, "SYSCALL") == 0  ? &sys
					 : strcmp(b, "nametype") == 0 ? &nt
								      : NULL;

		if (slot == NULL)
			continue;
		if (mods) {
			snprintf(why, n, "modifier on auditd's '%s'", b);
			return -AUD_UNSUPP;
		}
		*slot = map->items[2 * i + 1];
	}
	if (type) {
		struct vals v = {.au = au};

		if (each_value(type, on_type, &v)) {
			snprintf(why, n,
				 "'type' lists several record types vigil maps differently");
			return -AUD_UNSUPP;
		}
		if (v.mapped == 0) {
			never(au, "type", v.first_unmapped);
			return 0;
		}
		if (v.found == 0)
			return 0;
		rec = v.rec;
	} else {
		for (uint32_t i = 0; i < map->n && rec == AR_NONE; i++)
			rec = rec_of_field(key_base(map->items[2 * i], kb, sizeof(kb), &mods),
					   sys != NULL);
	}
	au->rec = (uint8_t)rec;
	switch (rec) {
	case AR_EXECVE:
	case AR_PROCTITLE:
		return au->event == EV_PROCESS_CREATE;
	case AR_PATH:
		if (!(au->event == EV_PROCESS_CREATE || is_file_event(au->event)) ||
		    (au->event != EV_FILE_RENAME && au->role))
			return 0;
		return nt ? holds_here(au, nt, on_nametype, "nametype") : 1;
	case AR_SYSCALL:
		if (au->role)
			return 0;
		if (sys)
			return holds_here(au, sys, on_syscall, "SYSCALL");
		/* No syscall named: any syscall of the process; it matches once,
		 * on the process's exec. */
		return au->event == EV_PROCESS_CREATE;
	default:
		/* keywords only: the record text of the event */
		return 1;
	}
}

static bool syscall_by_field(uint16_t ev)
{
	for (size_t i = 0; i < sizeof(syscalls) / sizeof(syscalls[0]); i++)
		if (syscalls[i].event == ev)
			return syscalls[i].by_field;
	return false;
}

static enum sg_aud_result one(uint16_t fields[2], int *nf, uint16_t f)
{
	fields[0] = f;
	*nf = 1;
	return AUD_FIELDS;
}

static enum sg_aud_result map_field(const struct sg_aud *au, const char *name, uint16_t fields[2],
				    int *nf, char *why, size_t n)
{
	const struct vevent_def *def = schema__event(au->event);
	bool exec = au->event == EV_PROCESS_CREATE;
	const char *rn = au->rec == AR_EXECVE	   ? "EXECVE"
			 : au->rec == AR_PATH	   ? "PATH"
			 : au->rec == AR_PROCTITLE ? "PROCTITLE"
						   : "SYSCALL";
	int i;

	if (strcmp(name, "type") == 0 || strcmp(name, "nametype") == 0)
		return AUD_TRUE;
	if (strcmp(name, "SYSCALL") == 0)
		return syscall_by_field(au->event) ? one(fields, nf, VF_Syscall) : AUD_TRUE;
	if (name[0] == '\0') {
		/* Keywords search one record's text: the arguments of EXECVE,
		 * the path of a PATH record. */
		if (exec)
			return one(fields, nf, VF_CommandLine);
		if (is_file_event(au->event))
			return one(fields, nf, au->role ? VF_SourceFilename : VF_TargetFilename);
		snprintf(why, n, "keywords on %s records have no text in vigil's %s", rn,
			 def->name);
		return AUD_NOSRC;
	}
	switch (au->rec) {
	case AR_EXECVE:
		i = arg_index(name);
		if (i >= 0 && i < SG_AUD_MAX_ARGS)
			return one(fields, nf, (uint16_t)(SG_VF_ARG0 + i));
		if (strcmp(name, "argc") == 0)
			return one(fields, nf, SG_VF_ARGC);
		break;
	case AR_PROCTITLE:
		if (strcmp(name, "proctitle") == 0)
			return one(fields, nf, VF_CommandLine);
		break;
	case AR_PATH:
		if (strcmp(name, "name") == 0)
			return one(fields, nf,
				   exec	      ? VF_Image
				   : au->role ? VF_SourceFilename
					      : VF_TargetFilename);
		break;
	case AR_SYSCALL:
		if (strcmp(name, "exe") == 0)
			return one(fields, nf, VF_Image);
		if (strcmp(name, "comm") == 0) {
			fields[0] = SG_VF_COMM_IMAGE;
			fields[1] = SG_VF_COMM_ARG0;
			*nf = 2;
			return AUD_FIELDS;
		}
		if (strcmp(name, "pid") == 0)
			return one(fields, nf, VF_ProcessId);
		if (strcmp(name, "ppid") == 0 && exec)
			return one(fields, nf, VF_ParentProcessId);
		if (strcmp(name, "key") == 0) {
			snprintf(why, n,
				 "key: names a rule of the host's audit configuration, which "
				 "vigil does not have");
			return AUD_NOSRC;
		}
		if (strcmp(name, "euid") == 0 || strcmp(name, "uid") == 0 ||
		    strcmp(name, "auid") == 0) {
			snprintf(why, n,
				 "%s: vigil's %s names the real user (User), not the audit ids",
				 name, def->name);
			return AUD_NOSRC;
		}
		break;
	default:
		break;
	}
	snprintf(why, n, "%s: the field of a %s record has no counterpart in vigil's %s", name, rn,
		 def->name);
	return AUD_NOSRC;
}

enum sg_aud_result sg_aud_field(const struct sg_aud *au, const char *name, uint16_t fields[2],
				int *nf, char *why, size_t n)
{
	const struct vevent_def *def = schema__event(au->event);
	enum sg_aud_result rc = map_field(au, name, fields, nf, why, n);

	/* a schema field the event lacks (an event of issue 15 whose fields
	 * differ) has no counterpart either */
	for (int i = 0; rc == AUD_FIELDS && i < *nf; i++) {
		if (fields[i] < SG_VF_ARG0 && !schema__event_has_field(def, fields[i])) {
			snprintf(why, n, "%s: vigil's %s has no %s", name[0] ? name : "keywords",
				 def->name, schema__field_name(fields[i]));
			rc = AUD_NOSRC;
		}
	}
	return rc;
}

int sg_aud_fold(struct sx *x)
{
	uint32_t k = 0;
	int c;

	switch (x->kind) {
	case SX_TRUE:
		return 1;
	case SX_FALSE:
		return -1;
	case SX_NOT:
		c = -sg_aud_fold(x->kids[0]);
		break;
	case SX_AND:
	case SX_OR: {
		int absorb = x->kind == SX_AND ? -1 : 1; /* false in AND, true in OR */

		c = 0;
		for (uint32_t i = 0; i < x->n; i++) {
			int kc = sg_aud_fold(x->kids[i]);

			if (kc == absorb) {
				c = absorb;
				break;
			}
			if (kc == 0)
				x->kids[k++] = x->kids[i];
		}
		if (c == 0 && k == 0)
			c = -absorb; /* every child was the neutral constant */
		else if (c == 0 && k == 1)
			*x = *x->kids[0];
		else if (c == 0)
			x->n = k;
		break;
	}
	default:
		return 0;
	}
	if (c != 0) {
		x->kind = c > 0 ? SX_TRUE : SX_FALSE;
		x->n = 0;
	}
	return c;
}

/* ---- virtual fields ------------------------------------------------------ */

/* Token i of a space-joined argv (vigil's CommandLine). */
static const char *arg_at(const char *cl, size_t cl_len, unsigned i, size_t *len)
{
	const char *p = cl, *end = cl + cl_len;

	for (;;) {
		const char *sp = memchr(p, ' ', (size_t)(end - p));

		if (i == 0) {
			*len = sp ? (size_t)(sp - p) : (size_t)(end - p);
			return p;
		}
		if (sp == NULL)
			return NULL;
		p = sp + 1;
		i--;
	}
}

/* What the kernel keeps as comm: the base name, cut at 15 bytes. */
static const char *comm_of(const char *s, size_t n, size_t *len)
{
	const char *slash = n ? memrchr(s, '/', n) : NULL;

	if (slash) {
		n -= (size_t)(slash + 1 - s);
		s = slash + 1;
	}
	*len = n > 15 ? 15 : n;
	return s;
}

const char *sg_aud_vfield(const struct vrec *rec, unsigned f, size_t *len, char *buf)
{
	size_t cl_len = 0, n;
	const char *cl = vrec__get(rec, VF_CommandLine, &cl_len), *v;

	if (cl == NULL)
		cl = vrec__get(rec, VF_InitiatingProcessCommandLine, &cl_len);
	if (f >= SG_VF_ARG0 && f < SG_VF_ARGC)
		return cl ? arg_at(cl, cl_len, f - SG_VF_ARG0, len) : NULL;
	if (f == SG_VF_ARGC) {
		unsigned c = 0;

		if (cl == NULL || cl_len == 0)
			return NULL;
		for (size_t i = 0; i < cl_len; i++)
			c += cl[i] == ' ';
		*len = (size_t)snprintf(buf, 24, "%u", c + 1);
		return buf;
	}
	if (f == SG_VF_COMM_IMAGE) {
		v = vrec__get(rec, VF_Image, &n);
		return v ? comm_of(v, n, len) : NULL;
	}
	if (f == SG_VF_COMM_ARG0) {
		v = cl ? arg_at(cl, cl_len, 0, &n) : NULL;
		return v ? comm_of(v, n, len) : NULL;
	}
	return NULL;
}
