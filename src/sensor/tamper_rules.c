/*
 * tamper_rules.c — the sensor's own tamper rules, which need its state:
 * TamperAlert (243) records, tamper signs read from ordinary events,
 * the control maps put back, pinned copies of its objects, and auditd's
 * pids marked for protection. tamper.c, a module of its own, watches what
 * needs no probe (links, files, heartbeat) and reports through on_tamper.
 */
#include "sensor/sensor_int.h"

#include "common/log.h"
#include "sensor/loader.h"

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* A TamperAlert (243); actor, when known, is the process behind it. */
static void emit_tamper(struct sensor *S, const char *type, const char *detail,
			const struct vrec *actor)
{
	struct vrec *r = daemon_rec(S, EV_TAMPER_ALERT);
	static const enum vf_id who[] = {VF_ProcessGuid, VF_ProcessId, VF_Image, VF_User};

	vrec__set_str(r, VF_Type, type);
	vrec__set_str(r, VF_Detail, detail);
	for (size_t i = 0; actor && i < sizeof(who) / sizeof(who[0]); i++) {
		size_t len;
		const char *v = vrec__get(actor, who[i], &len);
		if (v)
			vrec__set(r, who[i], v, len);
	}
	log_warnx("tamper: %s: %s", type, detail);
	emit_daemon(S, r);
}

void on_tamper(void *ctx, const char *type, const char *detail)
{
	emit_tamper(ctx, type, detail, NULL);
}

/* A pinned copy of the sensor's programs or links keeps running after the
 * sensor stops. Checked every 10 s and at stop. */
void check_pins(struct sensor *S)
{
	char what[300], detail[400];
	int n = bpf_sensor__find_pins(S->bpf, what, sizeof(what));

	if (n <= 0)
		return;
	snprintf(detail, sizeof(detail), "%s (%d pinned in all): it would outlive the sensor", what,
		 n);
	emit_tamper(S, "PinnedCopy", detail, NULL);
}

/* Another root process can rewrite the sensor's control maps with bpftool
 * and blind it. The bpf() program reports such writes as they happen
 * (MapWrite); this check, once a second, puts the values back and says
 * so, whatever the writer's route. */
void verify_maps(struct sensor *S)
{
	char what[160], detail[256];
	int n = bpf_sensor__verify(S->bpf, collection_mask(S->rs), S->can_mute, what, sizeof(what));

	if (n <= 0)
		return;
	snprintf(detail, sizeof(detail), "%s; %d value%s restored", what, n, n == 1 ? "" : "s");
	emit_tamper(S, "MapTampered", detail, NULL);
}

static bool ends_with(const char *s, size_t len, const char *suffix)
{
	size_t n = strlen(suffix);

	return len >= n && memcmp(s + len - n, suffix, n) == 0;
}

/* Tamper signs in ordinary events: access to the sensor's memory, auditd
 * coming and going, audit rules being cleared. They are checked before the
 * config filter, so a config that logs none of these events still gets
 * the alert. */
void tamper_checks(struct sensor *S, const struct vrec *rec)
{
	int64_t v;
	const struct dec_exec *x;
	char detail[512];

	switch (rec->def->id) {
	case EV_PROCESS_ACCESS:
		if (vrec__get_int(rec, VF_TargetProcessId, &v) && v == S->self_pid) {
			snprintf(detail, sizeof(detail), "%s of the sensor (pid %u)",
				 vrec__get(rec, VF_GrantedAccess, NULL), S->self_pid);
			emit_tamper(S, "ProcessAccess", detail, rec);
		}
		break;
	case EV_PROCESS_CREATE:
		/* The decoder's typed view of the exec just decoded, not the
		 * record's formatted fields (which a FieldSizes limit may cut). */
		x = decoder__exec(&S->dec);
		if (x == NULL || x->kind != VG_EXEC || x->cmdline == NULL)
			break;
		if (S->can_mute) {
			uint64_t mask = mute_mask(S->rs, x->image);
			if (mask)
				bpf_sensor__mute(S->bpf, x->pid, mask);
		}
		if (ends_with(x->image, x->image_len, "/auditd"))
			bpf_sensor__protect(S->bpf, x->pid, VG_PROT_AUDITD);
		if (ends_with(x->image, x->image_len, "/auditctl") &&
		    (strstr(x->cmdline, " -e 0") || strstr(x->cmdline, " -D"))) {
			snprintf(detail, sizeof(detail), "audit disabled or its rules cleared: %s",
				 x->cmdline);
			emit_tamper(S, "AuditDisabled", detail, rec);
		}
		break;
	case EV_PROCESS_TERMINATE:
		x = decoder__exec(&S->dec);
		if (x && x->kind == VG_EXIT && ends_with(x->image, x->image_len, "/auditd"))
			bpf_sensor__unprotect(S->bpf, x->pid);
		break;
	default:
		break;
	}
}

/* auditd's pids, from /proc, so that signals to them are reported. */
void protect_auditd(struct sensor *S)
{
	DIR *d = opendir("/proc");
	struct dirent *de;

	if (d == NULL)
		return;
	while ((de = readdir(d)) != NULL) {
		char path[64], comm[32] = "";
		char *end;
		unsigned long pid = strtoul(de->d_name, &end, 10);
		FILE *f;

		if (*end != '\0' || pid == 0)
			continue;
		snprintf(path, sizeof(path), "/proc/%lu/comm", pid);
		f = fopen(path, "re");
		if (f == NULL)
			continue;
		if (fgets(comm, sizeof(comm), f) && strcmp(comm, "auditd\n") == 0)
			bpf_sensor__protect(S->bpf, (uint32_t)pid, VG_PROT_AUDITD);
		fclose(f);
	}
	closedir(d);
}
