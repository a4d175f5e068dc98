/*
 * harden.c — capability and seccomp reduction; see harden.h.
 */
#include "sensor/harden.h"

#include "common/log.h"

#include <errno.h>
#include <seccomp.h>
#include <stdbool.h>
#include <string.h>
#include <sys/capability.h>
#include <sys/prctl.h>

static const cap_value_t keep[] = {
    CAP_BPF,	      CAP_PERFMON,	CAP_SYS_ADMIN, CAP_SYS_PTRACE, CAP_DAC_READ_SEARCH,
    CAP_DAC_OVERRIDE, CAP_SYS_RESOURCE,
};
#define NKEEP ((int)(sizeof(keep) / sizeof(keep[0])))

static bool kept(cap_value_t c)
{
	for (int i = 0; i < NKEEP; i++)
		if (keep[i] == c)
			return true;
	return false;
}

int harden__drop_caps(void)
{
	cap_t caps;
	int err = 0;

	/* The bounding set first: dropping from it needs CAP_SETPCAP, which
	 * goes with the rest below. */
	for (cap_value_t c = 0; c <= CAP_LAST_CAP; c++)
		if (!kept(c) && prctl(PR_CAPBSET_DROP, c, 0, 0, 0) != 0 && errno != EINVAL) {
			log_warn("cannot drop capability %d from the bounding set", c);
			err = -errno;
		}
	/* Keep only what we have: a container may not grant all of them. */
	{
		cap_t cur = cap_get_proc();
		cap_value_t have[NKEEP];
		int n = 0;

		for (int i = 0; cur && i < NKEEP; i++) {
			cap_flag_value_t v = CAP_CLEAR;
			if (cap_get_flag(cur, keep[i], CAP_PERMITTED, &v) == 0 && v == CAP_SET)
				have[n++] = keep[i];
		}
		cap_free(cur);
		caps = cap_init();
		if (caps == NULL)
			return -ENOMEM;
		if (n && (cap_set_flag(caps, CAP_PERMITTED, n, have, CAP_SET) != 0 ||
			  cap_set_flag(caps, CAP_EFFECTIVE, n, have, CAP_SET) != 0))
			err = -EINVAL;
	}
	if (err == 0 && cap_set_proc(caps) != 0) {
		log_warn("cannot reduce capabilities");
		err = -errno;
	}
	cap_free(caps);
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0) {
		log_warn("cannot set no_new_privs");
		err = -errno;
	}
	return err;
}

int harden__seccomp(void)
{
	static const char *const denied[] = {
	    "execve",
	    "execveat",
	    "ptrace",
	    "process_vm_writev",
	    "process_vm_readv",
	    "init_module",
	    "finit_module",
	    "delete_module",
	    "kexec_load",
	    "kexec_file_load",
	    "reboot",
	    "swapon",
	    "swapoff",
	    "mount",
	    "umount2",
	    "pivot_root",
	    "chroot",
	    "keyctl",
	    "add_key",
	    "request_key",
	    "open_by_handle_at",
	    "setuid",
	    "setgid",
	    "setreuid",
	    "setregid",
	    "setresuid",
	    "setresgid",
	    "setfsuid",
	    "setfsgid",
	    "setgroups",
	    "unshare",
	    "setns",
	    "move_mount",
	    "fsmount",
	    "iopl",
	    "ioperm",
	};
	scmp_filter_ctx ctx = seccomp_init(SCMP_ACT_ALLOW);
	int err;

	if (ctx == NULL)
		return -ENOMEM;
	for (size_t i = 0; i < sizeof(denied) / sizeof(denied[0]); i++) {
		int nr = seccomp_syscall_resolve_name(denied[i]);
		if (nr == __NR_SCMP_ERROR)
			continue; /* not on this architecture */
		err = seccomp_rule_add(ctx, SCMP_ACT_ERRNO(EPERM), nr, 0);
		if (err < 0)
			goto out;
	}
	/* perf_event_open stays, for tracepoint events only: a reload
	 * attaches the programs the new config needs (loader.c), and libbpf
	 * attaches a tracepoint through a perf event opened with pid -1. A
	 * real pid (watching one process) is refused. Refusing the call
	 * outright would buy little: bpf() must stay, and it can attach raw
	 * tracepoints by itself. The int pid reaches the filter zero- or
	 * sign-extended, so "below 0xffffffff" is exactly "not -1". */
	{
		int nr = seccomp_syscall_resolve_name("perf_event_open");
		if (nr != __NR_SCMP_ERROR) {
			err = seccomp_rule_add(ctx, SCMP_ACT_ERRNO(EPERM), nr, 1,
					       SCMP_A1(SCMP_CMP_LT, 0xffffffffull));
			if (err < 0)
				goto out;
		}
	}
	err = seccomp_attr_set(ctx, SCMP_FLTATR_CTL_TSYNC, 1);
	if (err == 0)
		err = seccomp_load(ctx);
out:
	if (err < 0)
		log_warnx("cannot install the seccomp filter: %s", strerror(-err));
	seccomp_release(ctx);
	return err;
}
