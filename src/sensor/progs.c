/*
 * progs.c — program → record types → events, and per-event availability;
 * see progs.h.
 *
 * The table is by name prefix, one row per syscall family, because the BPF
 * side names its programs vg_<syscall>_e / vg_<syscall>_x. test_progs.c
 * opens the real BPF object and checks that every program has a row, so a
 * new program without one fails the unit tests rather than going unreported.
 */
#include "sensor/progs.h"

#include "vigil/event.h"

#include <stdio.h>
#include <string.h>

#define T(x) (1ull << (x))

/* open() also starts FileModify tracking, RawAccessRead and the
 * /proc/PID/mem ProcessAccess check (file.bpf.h, fileops.bpf.h). */
#define OPEN_TYPES                                                                                 \
	(T(VG_FILE_CREATE) | T(VG_RAW_READ) | T(VG_ACCESS) | T(VG_FILE_MODIFY) | T(VG_SENS_READ))

static const struct {
	const char *prefix;
	uint64_t types;
} feeds[] = {
    {"vg_exec", T(VG_EXEC)},
    {"vg_fork", T(VG_FORK)},
    {"vg_exit", T(VG_EXIT)},
    {"vg_tcp_state", T(VG_NET) | T(VG_NET_FAIL)},
    {"vg_accept", T(VG_NET)},
    /* A connect or send to port 53 also marks its process as one whose
     * reads the DNS hooks look at (dns_procs in common.bpf.h). */
    {"vg_connect_", T(VG_NET) | T(VG_DNS)},
    {"vg_sendto_", T(VG_NET) | T(VG_DNS)},
    {"vg_sendmsg_", T(VG_NET) | T(VG_DNS)},
    {"vg_listen_", T(VG_LISTEN)},
    {"vg_bind_", T(VG_LISTEN)},
    {"vg_recvfrom_", T(VG_DNS)},
    /* recvmsg's exit also marks a process that receives fds by
     * SCM_RIGHTS, for the DNS and FileModify hooks (fds_received in
     * net.bpf.h); its entry program carries DNS arguments only. */
    {"vg_recvmsg_e", T(VG_DNS)},
    {"vg_recvmsg_", T(VG_DNS) | T(VG_FILE_MODIFY)},
    {"vg_pidfd_getfd_", T(VG_DNS) | T(VG_FILE_MODIFY)},
    {"vg_read_", T(VG_DNS)},
    {"vg_write_", T(VG_FILE_MODIFY)},
    {"vg_pwrite", T(VG_FILE_MODIFY)},
    {"vg_writev_", T(VG_FILE_MODIFY)},
    {"vg_ftrunc_", T(VG_FILE_MODIFY)},
    {"vg_cfr_", T(VG_FILE_MODIFY)},
    {"vg_sendfile_", T(VG_FILE_MODIFY)},
    {"vg_splice_", T(VG_FILE_MODIFY)},
    {"vg_falloc_", T(VG_FILE_MODIFY)},
    {"vg_close_", T(VG_FILE_MODIFY)},
    {"vg_dup", T(VG_FILE_MODIFY)},
    {"vg_mmap_", T(VG_MMAP_EXEC)},
    {"vg_utime", T(VG_UTIMES)},
    {"vg_futimesat_", T(VG_UTIMES)},
    {"vg_rename", T(VG_RENAME)},
    {"vg_symlink", T(VG_LINK)},
    {"vg_link", T(VG_LINK)},
    {"vg_mkdir", T(VG_MKDIR)},
    {"vg_task_rename", T(VG_COMM)},
    {"vg_chmod_", T(VG_ATTR)},
    {"vg_fchmod", T(VG_ATTR)},
    {"vg_chown_", T(VG_ATTR)},
    {"vg_lchown_", T(VG_ATTR)},
    {"vg_fchown", T(VG_ATTR)},
    {"vg_setxattr_", T(VG_ATTR)},
    {"vg_lsetxattr_", T(VG_ATTR)},
    {"vg_fsetxattr_", T(VG_ATTR)},
    {"vg_rmxattr_", T(VG_ATTR)},
    {"vg_lrmxattr_", T(VG_ATTR)},
    {"vg_frmxattr_", T(VG_ATTR)},
    {"vg_open", OPEN_TYPES},
    {"vg_creat_", OPEN_TYPES},
    {"vg_unlink", T(VG_FILE_DELETE)},
    {"vg_rmdir_", T(VG_FILE_DELETE)},
    {"vg_ptrace_", T(VG_ACCESS)},
    {"vg_vmread_", T(VG_ACCESS)},
    {"vg_vmwrite_", T(VG_ACCESS)},
    {"vg_setuid_", T(VG_CREDS)},
    {"vg_setgid_", T(VG_CREDS)},
    {"vg_setreuid_", T(VG_CREDS)},
    {"vg_setregid_", T(VG_CREDS)},
    {"vg_setresuid_", T(VG_CREDS)},
    {"vg_setresgid_", T(VG_CREDS)},
    {"vg_setfsuid_", T(VG_CREDS)},
    {"vg_setfsgid_", T(VG_CREDS)},
    {"vg_capset_", T(VG_CREDS)},
    {"vg_setns_", T(VG_NS)},
    {"vg_unshare_", T(VG_NS)},
    {"vg_clone", T(VG_NS)},
    {"vg_mount_", T(VG_MOUNT)},
    {"vg_umount_", T(VG_MOUNT)},
    {"vg_mvmount_", T(VG_MOUNT)},
    {"vg_bpf_", T(VG_BPF)},
    {"vg_initmod_", T(VG_MODULE)},
    {"vg_finitmod_", T(VG_MODULE)},
    {"vg_signal_gen", T(VG_SIGNAL)},
};

/* Record type → events it produces. ProcessTampering comes from exec
 * (fileless, deleted image) and from access (memory writes);
 * FileExecutableDetected from writes and from chmod. */
static const uint16_t type_events[VG_TYPE_MAX][4] = {
    [VG_EXEC] = {EV_PROCESS_CREATE, EV_PROCESS_TAMPERING, EV_LOGON_SESSION},
    [VG_EXIT] = {EV_PROCESS_TERMINATE},
    [VG_NET] = {EV_NETWORK_CONNECT},
    [VG_FILE_CREATE] = {EV_FILE_CREATE},
    [VG_FILE_DELETE] = {EV_FILE_DELETE},
    [VG_DNS] = {EV_DNS_QUERY},
    [VG_MMAP_EXEC] = {EV_IMAGE_LOAD},
    [VG_ACCESS] = {EV_PROCESS_ACCESS, EV_PROCESS_TAMPERING},
    [VG_UTIMES] = {EV_FILE_CREATE_TIME},
    [VG_RAW_READ] = {EV_RAW_ACCESS_READ},
    [VG_FILE_MODIFY] = {EV_FILE_MODIFY, EV_FILE_EXECUTABLE_DETECTED},
    [VG_RENAME] = {EV_FILE_RENAME},
    [VG_ATTR] = {EV_FILE_ATTRIBUTE_CHANGE, EV_FILE_EXECUTABLE_DETECTED},
    [VG_CREDS] = {EV_PRIVILEGE_CHANGE},
    [VG_NS] = {EV_NAMESPACE_CHANGE},
    [VG_MOUNT] = {EV_MOUNT},
    [VG_BPF] = {EV_BPF_EVENT},
    [VG_MODULE] = {EV_DRIVER_LOAD},
    [VG_LISTEN] = {EV_NETWORK_LISTEN},
    [VG_SIGNAL] = {EV_TAMPER_ALERT},
    [VG_FORK] = {EV_PROCESS_FORK},
    [VG_LINK] = {EV_FILE_LINK},
    [VG_MKDIR] = {EV_DIRECTORY_CREATE},
    [VG_COMM] = {EV_PROCESS_RENAME},
    [VG_NET_FAIL] = {EV_NETWORK_CONNECT_FAILED},
    [VG_SENS_READ] = {EV_SENSITIVE_FILE_READ},
};

const uint16_t progs_core_events[5] = {EV_PROCESS_CREATE, EV_NETWORK_CONNECT, EV_PROCESS_TERMINATE,
				       EV_FILE_CREATE, EV_FILE_DELETE};

uint64_t progs__types(const char *prog_name)
{
	for (size_t i = 0; i < sizeof(feeds) / sizeof(feeds[0]); i++)
		if (strncmp(prog_name, feeds[i].prefix, strlen(feeds[i].prefix)) == 0)
			return feeds[i].types;
	return 0;
}

bool progs__regs_fallback(const char *prog_name)
{
	static const char *const fallback[] = {"vg_read_e", "vg_recvfrom_e", "vg_recvmsg_e",
					       "vg_mmap_e"};

	for (size_t i = 0; i < sizeof(fallback) / sizeof(fallback[0]); i++)
		if (strcmp(prog_name, fallback[i]) == 0)
			return true;
	return false;
}

const uint16_t *progs__type_events(unsigned vg_type)
{
	static const uint16_t none[1] = {0};
	return vg_type < VG_TYPE_MAX ? type_events[vg_type] : none;
}

const char *progs__state_name(enum prog_state st)
{
	switch (st) {
	case PROG_LOADED:
		return "loaded";
	case PROG_NO_TP:
		return "no tracepoint";
	case PROG_NO_TRACEFS:
		return "tracefs refused";
	case PROG_FAILED:
		return "refused by the kernel";
	case PROG_NOT_WANTED:
		return "not needed by the config";
	}
	return "?";
}

const char *progs__avail_name(enum avail_state st)
{
	switch (st) {
	case AVAIL_YES:
		return "available";
	case AVAIL_DEGRADED:
		return "degraded";
	case AVAIL_NO:
		return "unavailable";
	}
	return "?";
}

/* A program missing for a reason that loses events. A tracepoint the
 * kernel does not have (fchmodat2 before 6.6) loses nothing: the syscall
 * does not exist, so nothing can call it. Neither does a program the
 * config does not need. */
static bool prog_lost(const struct prog_status *p)
{
	return p->state == PROG_FAILED || p->state == PROG_NO_TRACEFS;
}

/* Appends "prog: reason" to why; a reason that does not fit ends in "…",
 * so a cut list never passes for a whole one. */
static void add_why(char *why, size_t size, const struct prog_status *p)
{
	size_t len = strlen(why);
	int n;

	if (strstr(why, p->name) != NULL || (len >= 3 && strcmp(why + len - 3, "…") == 0))
		return;
	n = snprintf(why + len, size - len, "%s%s: %s", len ? "; " : "", p->name,
		     p->why[0] ? p->why : progs__state_name(p->state));
	if (n < 0 || (size_t)n >= size - len)
		memcpy(why + size - 4, "…", 4);
}

void progs__availability(const struct prog_status *ps, size_t n, struct event_avail *out)
{
	/* Per record type: programs that feed it, and how many were lost. */
	unsigned total[VG_TYPE_MAX] = {0}, lost[VG_TYPE_MAX] = {0}, absent[VG_TYPE_MAX] = {0};

	memset(out, 0, sizeof(*out));
	for (size_t i = 0; i < n; i++) {
		uint64_t types = progs__types(ps[i].name);
		for (unsigned t = 0; t < VG_TYPE_MAX; t++) {
			if (!(types & T(t)))
				continue;
			total[t]++;
			if (prog_lost(&ps[i]))
				lost[t]++;
			else if (ps[i].state == PROG_NO_TP)
				absent[t]++;
		}
	}
	for (unsigned t = 0; t < VG_TYPE_MAX; t++) {
		enum avail_state st;

		if (total[t] == 0 || (lost[t] == 0 && absent[t] < total[t]))
			continue;
		/* Every source gone (lost or absent) makes the type's events
		 * unavailable; a partial loss degrades them. */
		st = lost[t] + absent[t] == total[t] ? AVAIL_NO : AVAIL_DEGRADED;
		for (const uint16_t *ev = type_events[t]; *ev; ev++) {
			/* An event with another, healthy source (25 and 29 have
			 * two) is only degraded. */
			enum avail_state est = st;
			for (unsigned u = 0; u < VG_TYPE_MAX && est == AVAIL_NO; u++) {
				if (u == t || total[u] == 0 || lost[u] + absent[u] == total[u])
					continue;
				for (const uint16_t *e2 = type_events[u]; *e2; e2++)
					if (*e2 == *ev)
						est = AVAIL_DEGRADED;
			}
			if (est > out->state[*ev])
				out->state[*ev] = (uint8_t)est;
			for (size_t i = 0; i < n; i++)
				if ((progs__types(ps[i].name) & T(t)) &&
				    (prog_lost(&ps[i]) || lost[t] == 0))
					add_why(out->why[*ev], sizeof(out->why[*ev]), &ps[i]);
		}
	}
}

void progs__list(const struct event_avail *a, enum avail_state st, char *buf, size_t size)
{
	size_t len = 0;

	buf[0] = '\0';
	for (unsigned id = 0; id < VIGIL_EVENT_ID_MAX; id++) {
		const struct vevent_def *ev = schema__event(id);
		if (a->state[id] != st || ev == NULL)
			continue;
		len += (size_t)snprintf(buf + len, len < size ? size - len : 0, "%s%s",
					len ? "," : "", ev->name);
	}
	if (len == 0)
		snprintf(buf, size, "-");
	else if (len >= size && size > 4)
		memcpy(buf + size - 4, "…", 4); /* cut, and marked as cut */
}

/* From libbpf's captured warnings: the program whose load failed, and the
 * one line that says why. libbpf 1.1 writes "prog 'NAME': BPF program load
 * failed: ..." then the verifier log, into which it writes "failed to
 * resolve CO-RE relocation <type.field>" where a relocation did not fit.
 * The reason is that CO-RE line if there is one, else the verifier's last
 * line before its statistics. */
bool progs__failed_prog(const char *log, char *name, size_t name_size, char *why, size_t why_size)
{
	static const char mark[] = "': BPF program load failed";
	const char *hit = NULL, *start, *end, *line;
	char best[200] = "", cur[200];

	for (const char *f = log; (f = strstr(f, mark)) != NULL; f++)
		hit = f;
	if (hit == NULL)
		return false;
	for (start = hit; start > log && strncmp(start, "prog '", 6) != 0; start--)
		;
	if (strncmp(start, "prog '", 6) != 0 || (size_t)(hit - start - 6) >= name_size)
		return false;
	memcpy(name, start + 6, (size_t)(hit - start - 6));
	name[hit - start - 6] = '\0';

	for (line = hit; *line; line = *end ? end + 1 : end) {
		size_t len;
		end = strchr(line, '\n');
		if (end == NULL)
			end = line + strlen(line);
		len = (size_t)(end - line);
		if (len >= sizeof(cur))
			len = sizeof(cur) - 1;
		memcpy(cur, line, len);
		cur[len] = '\0';
		if (strstr(cur, "failed to resolve CO-RE relocation") != NULL ||
		    strstr(cur, "unresolvable CO-RE relocation") != NULL) {
			snprintf(best, sizeof(best), "%s", cur);
			break;
		}
		if (strstr(cur, "-- END PROG LOAD LOG") != NULL)
			break;
		if (len == 0 || strncmp(cur, "libbpf: ", 8) == 0 ||
		    strncmp(cur, "processed ", 10) == 0 ||
		    strncmp(cur, "verification time", 17) == 0 ||
		    strncmp(cur, "stack depth", 11) == 0)
			continue;
		snprintf(best, sizeof(best), "%s", cur);
	}
	snprintf(why, why_size, "%s", best[0] ? best : "BPF program load failed");
	return true;
}
