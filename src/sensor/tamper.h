/*
 * tamper.h — noticing someone working against the sensor (TamperAlert, 243).
 *
 * What is watched, and how:
 *   - its BPF links detached or their program replaced: every check, each
 *     link the sensor attached is looked up by id in the kernel and its
 *     program id compared with ours;
 *   - its configuration file or binary written, replaced or removed:
 *     inotify on their directories (editors replace files by rename, which
 *     a watch on the file itself would miss). A reload that follows a write
 *     is the administrator's; the alert is raised either way;
 *   - a gap in its own heartbeat: the one-second tick measured on
 *     CLOCK_BOOTTIME and CLOCK_MONOTONIC; a suspend shows as the first
 *     running ahead of the second, a freeze (SIGSTOP, a debugger) as a
 *     tick that comes late on both.
 * Signals and ptrace aimed at the sensor or at auditd come from the kernel
 * (VG_SIGNAL, VG_ACCESS) and are turned into alerts by the decoder and the
 * sensor (tamper_rules.c); this module handles what needs no probe.
 */
#ifndef VIGIL_TAMPER_H
#define VIGIL_TAMPER_H

#include <stdint.h>

struct bpf_sensor;
struct tamper;

/* Type and detail of one finding, passed to the alert callback. */
typedef void tamper_alert_fn(void *ctx, const char *type, const char *detail);

/* Watches config_path (may be NULL) and binary_path. NULL with errno. */
struct tamper *tamper__new(const char *config_path, const char *binary_path);
void tamper__free(struct tamper *t);
/* The inotify fd, for epoll; -1 when watching failed. */
int tamper__fd(const struct tamper *t);
/* Reads pending inotify events and raises an alert per write/replace. */
void tamper__on_inotify(struct tamper *t, tamper_alert_fn *alert, void *ctx);
/* Records the sensor's links (after attach) as the reference. */
void tamper__set_links(struct tamper *t, struct bpf_sensor *bpf);
/* The periodic checks: links, heartbeat. Call from the 1 s tick. */
void tamper__tick(struct tamper *t, tamper_alert_fn *alert, void *ctx);

#endif
