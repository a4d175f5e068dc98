/*
 * sim_helpers.h — helpers shared by the simulations of `vigil simulate`
 * (sim_<tactic>.c). Internal to src/coverage: the public API is sim.h.
 *
 * Unless said otherwise a helper returns 0 when it did its part and 1 when
 * it failed, the value a simulation's run function returns as is; it may
 * leave the reason in ctx->note.
 */
#ifndef VIGIL_SIM_HELPERS_H
#define VIGIL_SIM_HELPERS_H

#include "coverage/sim.h"

#include <stddef.h>
#include <sys/types.h>

/* A variable that ptrace and /proc/PID/mem simulations read or write in a
 * forked child's copy of it: nothing anyone uses changes. */
extern volatile long sim_poke_target;

/* sim_exec() of up to four arguments (NULL ends them): 0 when it ran,
 * SIM_SKIP when the command is not installed, 1 otherwise. */
int sim_runv(struct sim_ctx *ctx, const char *a0, const char *a1, const char *a2, const char *a3);

/* Creates the parent directories of path (mode 0755). Returns 0 or -errno. */
int sim_mkdirs(const char *path);
/* Writes content to ${TMP}/rel, parents created, opened with flags |
 * O_WRONLY and mode; the full path goes to path_out when not NULL. */
int sim_put_file(struct sim_ctx *ctx, const char *rel, const char *content, int flags, mode_t mode,
		 char *path_out, size_t len);
/* sim_put_file() of a new file (O_CREAT | O_EXCL). */
int sim_create_file(struct sim_ctx *ctx, const char *rel, const char *content, mode_t mode);
/* Copies from to a new file to (O_EXCL). Returns 0 or -errno (-EIO when a
 * write or the close failed). */
int sim_copy_file(const char *from, const char *to, mode_t mode);
/* Removes ${TMP}/rel, ignoring errors (the runner removes ${TMP} anyway). */
void sim_rm_rel(struct sim_ctx *ctx, const char *rel);

/* The whole of a simulation whose behaviour is that a file appears: creates
 * ${TMP}/rel with content, then removes it. */
int sim_drop_file(struct sim_ctx *ctx, const char *rel, const char *content, mode_t mode);
/* Creates ${TMP}/rel with content, writes then into it again opened with
 * flags (O_APPEND or O_TRUNC: the modification is the behaviour), then
 * removes it. */
int sim_rewrite_file(struct sim_ctx *ctx, const char *rel, const char *content, const char *then,
		     int flags, mode_t mode);
/* Copies the host's file from to ${TMP}/rel (parents made), appends append
 * to the copy, then removes it: a system file modified, on a copy only. */
int sim_append_to_copy(struct sim_ctx *ctx, const char *from, const char *rel, const char *append,
		       mode_t mode);
/* Creates ${TMP}/rel with content, runs argv over it (sim_exec) and removes
 * it again. Returns 1 when the file could not be made, else what sim_exec
 * returned. */
int sim_exec_on_file(struct sim_ctx *ctx, const char *rel, const char *content, mode_t mode,
		     const char *const *argv);

/* A loopback TCP listener on an ephemeral port recorded in ctx->port.
 * Returns the socket, or -1. */
int sim_tcp_listener(struct sim_ctx *ctx);
/* A TCP connection to 127.0.0.1:port. Returns the socket, or -1. */
int sim_tcp_connect(int port);
/* Connects to a listener of its own, sends msg, and answers with reply when
 * not NULL; what the last reader got lands in got (NUL-terminated). */
int sim_tcp_exchange(struct sim_ctx *ctx, const char *msg, const char *reply, char *got,
		     size_t glen);

/* Forks a child that only waits (its pid goes to ctx->aux). Returns the pid,
 * or -1; the caller kills and reaps it with sim_reap(). */
pid_t sim_idle_child(struct sim_ctx *ctx);
/* Kills and reaps p when p > 0. */
void sim_reap(pid_t p);

#endif
