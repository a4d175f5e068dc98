/*
 * harden.h — the sensor gives up what it does not need once it is running.
 *
 * Capabilities: at start, before any thread exists, the permitted,
 * effective and bounding sets are cut to what loading and running need:
 * CAP_BPF, CAP_PERFMON and CAP_SYS_ADMIN (load and attach; looking links up
 * by id for the tamper check), CAP_SYS_PTRACE (reading /proc/PID/exe and
 * cwd of every user's processes), CAP_DAC_READ_SEARCH and CAP_DAC_OVERRIDE
 * (hashing any binary, reading configs, writing outputs where root put
 * them), CAP_SYS_RESOURCE (memlock on kernels that charge BPF maps to it).
 * Everything else — setuid, chown, kill, net admin, raw sockets, module
 * loading, reboot... — is gone for the sensor and every thread it starts,
 * and PR_SET_NO_NEW_PRIVS keeps anything it could exec from regaining it.
 *
 * seccomp: after the probes are attached, a filter on every thread
 * (TSYNC) refuses with EPERM the system calls a compromised sensor could
 * abuse and a working one never makes: exec, ptrace and process_vm_*,
 * module and kexec loading, mount and pivot_root, reboot, swap, keyring,
 * open_by_handle_at and setuid-family calls, and perf_event_open on any
 * single process (tracepoint events, pid -1, stay: a reload attaches the
 * programs its config needs).
 */
#ifndef VIGIL_HARDEN_H
#define VIGIL_HARDEN_H

/* Cuts capabilities (see above). Returns 0 or -errno (logged). */
int harden__drop_caps(void);
/* Installs the seccomp filter on all threads. Returns 0 or -errno. */
int harden__seccomp(void);

#endif
