/*
 * sim_tactics.h — the run functions of the simulations of `vigil simulate`,
 * one sim_<tactic>.c per ATT&CK tactic, that the table in sim_suite.c names.
 *
 * Each is a struct sim_def run function: it runs in the simulation's own
 * forked process with cwd ctx->tmp and returns 0 (done), SIM_SKIP (cannot
 * run here; the reason in ctx->note) or another value (failed).
 */
#ifndef VIGIL_SIM_TACTICS_H
#define VIGIL_SIM_TACTICS_H

#include "coverage/sim.h"

/* Discovery: sim_discovery.c */
int sim_do_scan(struct sim_ctx *ctx);

/* Execution: sim_execution.c */
int sim_do_script(struct sim_ctx *ctx);
int sim_do_fork_worker(struct sim_ctx *ctx);

/* Defense Evasion: sim_evasion.c */
int sim_do_timestomp(struct sim_ctx *ctx);
int sim_do_delete(struct sim_ctx *ctx);
int sim_do_chmod(struct sim_ctx *ctx);
int sim_do_hidden_file(struct sim_ctx *ctx);
int sim_do_masquerade(struct sim_ctx *ctx);
int sim_do_rename_utility(struct sim_ctx *ctx);
int sim_do_clear_logs(struct sim_ctx *ctx);
int sim_do_clear_history(struct sim_ctx *ctx);
int sim_do_audit_rules(struct sim_ctx *ctx);
int sim_do_base64(struct sim_ctx *ctx);
int sim_do_memfd_exec(struct sim_ctx *ctx);
int sim_do_ld_preload(struct sim_ctx *ctx);
int sim_do_unshare(struct sim_ctx *ctx);
int sim_do_mount(struct sim_ctx *ctx);
int sim_do_bpf_socket_filter(struct sim_ctx *ctx);
int sim_do_history_symlink(struct sim_ctx *ctx);
int sim_do_hidden_dir(struct sim_ctx *ctx);
int sim_do_process_rename(struct sim_ctx *ctx);
int sim_do_histfile_env(struct sim_ctx *ctx);

/* Persistence: sim_persistence.c */
int sim_do_cron(struct sim_ctx *ctx);
int sim_do_rename_into_cron(struct sim_ctx *ctx);
int sim_do_systemd_service(struct sim_ctx *ctx);
int sim_do_systemd_timer(struct sim_ctx *ctx);
int sim_do_bashrc(struct sim_ctx *ctx);
int sim_do_authorized_keys(struct sim_ctx *ctx);
int sim_do_passwd(struct sim_ctx *ctx);
int sim_do_rc_local(struct sim_ctx *ctx);
int sim_do_binary_patch(struct sim_ctx *ctx);

/* Privilege Escalation: sim_privesc.c */
int sim_do_setuid_bit(struct sim_ctx *ctx);
int sim_do_setresuid(struct sim_ctx *ctx);
int sim_do_loginuid(struct sim_ctx *ctx);
int sim_do_ptrace_poke(struct sim_ctx *ctx);
int sim_do_ptrace_peek(struct sim_ctx *ctx);

/* Credential Access: sim_credential.c */
int sim_do_proc_mem(struct sim_ctx *ctx);
int sim_do_process_vm_readv(struct sim_ctx *ctx);
int sim_do_grep_creds(struct sim_ctx *ctx);
int sim_do_find_keys(struct sim_ctx *ctx);
int sim_do_shadow_read(struct sim_ctx *ctx);

/* Collection: sim_collection.c */
int sim_do_tar(struct sim_ctx *ctx);
int sim_do_staging(struct sim_ctx *ctx);
int sim_do_raw_read(struct sim_ctx *ctx);
int sim_do_dlopen(struct sim_ctx *ctx);

/* Command and Control, Exfiltration: sim_c2.c */
int sim_do_nonstd_port(struct sim_ctx *ctx);
int sim_do_http(struct sim_ctx *ctx);
int sim_do_udp(struct sim_ctx *ctx);
int sim_do_proxy_refused(struct sim_ctx *ctx);
int sim_do_dns(struct sim_ctx *ctx);
int sim_do_ingress(struct sim_ctx *ctx);
int sim_do_exfil_tcp(struct sim_ctx *ctx);

/* Impact: sim_impact.c */
int sim_do_destroy(struct sim_ctx *ctx);
int sim_do_encrypt(struct sim_ctx *ctx);
int sim_do_manipulate(struct sim_ctx *ctx);

#endif
