/*
 * vigil.bpf.c — the one BPF object the sensor loads.
 *
 * A single object (one skeleton, one ring buffer, one stats map) keeps the
 * loader simple and lets every program share maps without pinning. The
 * programs live in per-feature headers, one per family of tracepoints:
 *   common.bpf.h  maps, record header, counters, gates shared by all
 *   proc.bpf.h    exec / fork / exit (sched tracepoints, tp_btf)
 *   net.bpf.h     TCP connect/accept, UDP first send, listen/bind, DNS
 *                 answers (sock tracepoint, syscalls)
 *   file.bpf.h    file create / delete (syscalls); includes
 *   fileops.bpf.h file times, rename, attributes, modify, image loads, raw
 *                 reads, /proc/PID/mem opens (syscalls)
 *   procs.bpf.h   ptrace/process_vm_*, credentials, namespaces, mounts,
 *                 bpf(), modules (syscalls); signals to protected
 *                 processes (signal tracepoint, tp_btf)
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
