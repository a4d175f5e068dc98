/*
 * vigil.bpf.c — the one BPF object the sensor loads.
 *
 * A single object (one skeleton, one ring buffer, one stats map) keeps the
 * loader simple and lets every program share maps without pinning. The
 * programs live in per-feature headers, one per family of tracepoints:
 *   proc.bpf.h  exec / fork / exit          (sched tracepoints, tp_btf)
 *   net.bpf.h   TCP state, accept, UDP send (sock tracepoint, syscalls)
 *   file.bpf.h  file create / delete        (syscalls)
 * Tracepoints only: no kprobes, fentry or LSM, and no global
 * sys_enter/sys_exit hook — each program attaches to the syscalls it needs.
 */
#include "common.bpf.h"
#include "proc.bpf.h"
#include "net.bpf.h"
#include "file.bpf.h"
#include "procs.bpf.h"
#include "names.bpf.h"

char LICENSE[] SEC("license") = "GPL";
