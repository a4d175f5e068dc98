/*
 * net.bpf.h — network activity: TCP connect and accept, UDP first send
 * (VG_NET), listen() and UDP bind() (VG_LISTEN), and DNS answers read from
 * port 53 (VG_DNS).
 *
 * Outbound TCP: the CLOSE→SYN_SENT transition of inet_sock_set_state runs
 * in the connecting process, so the initiator is remembered per socket; the
 * SYN_SENT→ESTABLISHED transition (usually in softirq, where "current" is
 * whoever was interrupted) then reports it with that remembered identity.
 * A SYN_SENT→CLOSE transition is a connect that failed (refused, timed
 * out, unreachable, or abandoned by the process): VG_NET_FAIL.
 *
 * Inbound TCP: reported at accept()/accept4() exit, in the accepting
 * process, from the new socket's addresses.
 *
 * UDP: reported once per (socket, peer) — at connect() of a UDP socket, or
 * at the first sendto()/sendmsg() to an explicit address — after the call
 * succeeded, so the source port the kernel picked is known.
 */
#ifndef VIGIL_NET_BPF_H
#define VIGIL_NET_BPF_H

#include "common.bpf.h"

#define TCP_ESTABLISHED 1
#define TCP_SYN_SENT	2
#define TCP_CLOSE	7

struct initiator {
	__u32 pid, tid, uid, pad;
	__u64 start_ns;
};

/* Connects in progress, SYN_SENT to ESTABLISHED. A plain HASH map: an
 * evicted entry would be a connection never reported, a refused one is
 * counted (see "State maps and loss" in common.bpf.h). Every entry leaves
 * at the socket's next state change, which the kernel always makes (to
 * ESTABLISHED or CLOSE), so entries cannot pile up. */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 65536);
	__type(key, __u64); /* struct sock * */
	__type(value, struct initiator);
} tcp_pending SEC(".maps");

struct udp_key {
	__u64 sk;
	__u8 addr[16];
	__u16 port;
	__u16 pad1;
	__u32 pad2;
};

/* (socket, peer) pairs already reported. LRU: an eviction gives a second
 * report of the pair, not a lost one. */
struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 65536);
	__type(key, struct udp_key);
	__type(value, __u8);
} udp_seen SEC(".maps");

/* Arguments of an in-flight connect/sendto/sendmsg, by thread: a plain
 * HASH map whose refusals are counted (see common.bpf.h). */
struct sock_call {
	__u64 sk;
	__u64 uaddr; /* user sockaddr, or 0 */
	__s32 fd;
	__u32 is_msg; /* uaddr points at a msghdr */
};

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, VG_THREAD_STATE);
	__type(key, __u32);
	__type(value, struct sock_call);
} sock_calls SEC(".maps");

static __always_inline void sk_addrs(struct vg_net *n, const struct sock *sk)
{
	__u16 family = BPF_CORE_READ(sk, __sk_common.skc_family);

	n->family = family;
	n->lport = BPF_CORE_READ(sk, __sk_common.skc_num);
	n->rport = __builtin_bswap16(BPF_CORE_READ(sk, __sk_common.skc_dport));
	if (family == AF_INET) {
		__u32 l = BPF_CORE_READ(sk, __sk_common.skc_rcv_saddr);
		__u32 r = BPF_CORE_READ(sk, __sk_common.skc_daddr);
		__builtin_memcpy(n->laddr, &l, 4);
		__builtin_memcpy(n->raddr, &r, 4);
	} else {
		BPF_CORE_READ_INTO(&n->laddr, sk, __sk_common.skc_v6_rcv_saddr.in6_u.u6_addr8);
		BPF_CORE_READ_INTO(&n->raddr, sk, __sk_common.skc_v6_daddr.in6_u.u6_addr8);
	}
}

/* Reports an outbound TCP connect for the remembered initiator: VG_NET
 * when it was established, VG_NET_FAIL (with the socket's error) when it
 * went from SYN_SENT straight to CLOSE. */
static __always_inline void tcp_report(const struct sock *sk, const struct initiator *who,
				       __u32 type)
{
	struct vg_net_fail *f;
	struct vg_net *n;
	__u32 size = type == VG_NET_FAIL ? sizeof(struct vg_net_fail) : sizeof(struct vg_net);

	if (!type_enabled(type))
		return;
	if (type == VG_NET_FAIL)
		f = bpf_ringbuf_reserve(&rb, sizeof(*f), 0);
	else
		f = bpf_ringbuf_reserve(&rb, sizeof(*n), 0);
	if (!f) {
		count(type, true);
		return;
	}
	n = &f->net;
	__builtin_memset(n, 0, sizeof(*n));
	n->hdr.type = type;
	n->hdr.version = vg_version(type);
	n->hdr.size = size;
	n->hdr.ts = bpf_ktime_get_boot_ns();
	n->hdr.pid = who->pid;
	n->hdr.tid = who->tid;
	n->hdr.uid = who->uid;
	n->hdr.start_ns = who->start_ns;
	n->hdr.cpu = bpf_get_smp_processor_id();
	n->kind = VG_NET_CONNECT;
	n->proto = IPPROTO_TCP;
	sk_addrs(n, sk);
	if (type == VG_NET_FAIL) {
		/* tcp_reset, tcp_write_err and the ICMP handlers set sk_err
		 * before the move to CLOSE; 0 means the process closed the
		 * socket itself while the SYN was unanswered. */
		f->err = (__u32)BPF_CORE_READ(sk, sk_err);
		f->pad = 0;
	}
	bpf_ringbuf_submit(f, rb_flags());
	count(type, false);
}

SEC("tp_btf/inet_sock_set_state")
int BPF_PROG(vg_tcp_state, const struct sock *sk, const int oldstate, const int newstate)
{
	__u64 key = (__u64)sk;
	struct initiator *who;

	if (BPF_CORE_READ(sk, sk_protocol) != IPPROTO_TCP)
		return 0;
	if (oldstate == TCP_CLOSE && newstate == TCP_SYN_SENT) {
		struct initiator i = {};
		__u64 id = bpf_get_current_pid_tgid();

		if (is_self() || !(type_enabled(VG_NET) || type_enabled(VG_NET_FAIL)))
			return 0;
		i.pid = id >> 32;
		i.tid = (__u32)id;
		i.uid = (__u32)bpf_get_current_uid_gid();
		i.start_ns = BPF_CORE_READ(vg_current_task(), group_leader, start_boottime);
		state_put(&tcp_pending, &key, &i, VG_NET);
		return 0;
	}
	if (oldstate != TCP_SYN_SENT)
		return 0;
	who = bpf_map_lookup_elem(&tcp_pending, &key);
	if (!who)
		return 0;
	if (newstate == TCP_ESTABLISHED)
		tcp_report(sk, who, VG_NET);
	else if (newstate == TCP_CLOSE)
		tcp_report(sk, who, VG_NET_FAIL);
	bpf_map_delete_elem(&tcp_pending, &key);
	return 0;
}

/* The struct sock behind fd, when fd is a socket. */
static __always_inline struct sock *fd_sock(int fd)
{
	struct file *f = fd_file(fd);
	struct inode *inode;
	struct socket *sock;

	if (!f)
		return NULL;
	inode = BPF_CORE_READ(f, f_inode);
	if ((BPF_CORE_READ(inode, i_mode) & S_IFMT) != S_IFSOCK)
		return NULL;
	sock = BPF_CORE_READ(f, private_data);
	return sock ? BPF_CORE_READ(sock, sk) : NULL;
}

static __always_inline int emit_net(struct sock *sk, __u8 kind, __u8 proto)
{
	struct vg_net *n = bpf_ringbuf_reserve(&rb, sizeof(*n), 0);

	if (!n) {
		count(VG_NET, true);
		return 0;
	}
	__builtin_memset(n, 0, sizeof(*n));
	fill_hdr(&n->hdr, VG_NET, sizeof(*n));
	n->kind = kind;
	n->proto = proto;
	sk_addrs(n, sk);
	bpf_ringbuf_submit(n, rb_flags());
	count(VG_NET, false);
	return 0;
}

static __always_inline int on_accept_exit(long ret)
{
	struct sock *sk;

	if (ret < 0 || is_self() || !type_enabled(VG_NET))
		return 0;
	sk = fd_sock((int)ret);
	if (!sk || BPF_CORE_READ(sk, sk_protocol) != IPPROTO_TCP)
		return 0;
	return emit_net(sk, VG_NET_ACCEPT, IPPROTO_TCP);
}

VG_ON_EXIT(vg_accept_x, "sys_exit_accept", on_accept_exit)

VG_ON_EXIT(vg_accept4_x, "sys_exit_accept4", on_accept_exit)

/* A connect or send naming port 53 marks its process as one that may
 * read DNS answers (dns_procs in common.bpf.h). It is marked at entry,
 * before the query leaves, so the answer can never beat the mark; a call
 * that then fails only over-marks, which costs that process's reads the
 * full check and loses nothing. send() on a connected socket names no
 * address: the connect() before it marked the process. */
static __always_inline void dns_mark_peer(__u64 uaddr, __u32 is_msg)
{
	struct {
		__u16 family;
		__u16 port;
	} sa;

	if (is_msg && bpf_probe_read_user(&uaddr, sizeof(uaddr), (void *)uaddr) != 0)
		return; /* struct user_msghdr begins with msg_name */
	if (!uaddr || bpf_probe_read_user(&sa, sizeof(sa), (void *)uaddr) != 0)
		return;
	if ((sa.family == AF_INET || sa.family == AF_INET6) && sa.port == __builtin_bswap16(53))
		proc_mark(&dns_procs, &dns_marks_full, bpf_get_current_pid_tgid() >> 32);
}

static __always_inline int sock_call_enter(int fd, __u64 uaddr, __u32 is_msg)
{
	__u32 tid = (__u32)bpf_get_current_pid_tgid();
	struct sock_call c = {.uaddr = uaddr, .fd = fd, .is_msg = is_msg};
	struct sock *sk;

	if (is_self())
		return 0;
	if (uaddr && collecting(VG_DNS))
		dns_mark_peer(uaddr, is_msg);
	if (!type_enabled(VG_NET))
		return 0;
	/* Only UDP is of interest here: checking now keeps the per-thread
	 * map out of every TCP send. */
	sk = fd_sock(fd);
	if (!sk || BPF_CORE_READ(sk, sk_protocol) != IPPROTO_UDP)
		return 0;
	c.sk = (__u64)sk;
	state_put(&sock_calls, &tid, &c, VG_NET);
	return 0;
}

/* On success of connect/sendto/sendmsg on a UDP socket, reports the peer
 * once per (socket, peer). */
static __always_inline int sock_call_exit(long ret)
{
	__u32 tid = (__u32)bpf_get_current_pid_tgid();
	struct sock_call *c = bpf_map_lookup_elem(&sock_calls, &tid);
	struct udp_key k = {};
	struct sockaddr_in6 sa = {};
	__u64 uaddr;
	__u32 is_msg;
	struct sock *sk;
	__u8 one = 1;

	if (!c)
		return 0;
	uaddr = c->uaddr;
	sk = (struct sock *)c->sk;
	is_msg = c->is_msg;
	bpf_map_delete_elem(&sock_calls, &tid);
	if (ret < 0)
		return 0;
	if (is_msg && uaddr) {
		struct user_msghdr mh = {};
		if (bpf_probe_read_user(&mh, sizeof(mh), (void *)uaddr) != 0) {
			count_lost(VG_NET); /* sent, but to where is unreadable */
			return 0;
		}
		uaddr = (__u64)mh.msg_name;
	}

	k.sk = (__u64)sk;
	if (uaddr) {
		if (bpf_probe_read_user(&sa, sizeof(sa), (void *)uaddr) != 0) {
			count_lost(VG_NET);
			return 0;
		}
		k.port = __builtin_bswap16(sa.sin6_port);
		if (sa.sin6_family == AF_INET)
			__builtin_memcpy(k.addr, &((struct sockaddr_in *)&sa)->sin_addr, 4);
		else if (sa.sin6_family == AF_INET6)
			__builtin_memcpy(k.addr, &sa.sin6_addr, 16);
		else
			return 0;
	} else {
		/* send() on a connected socket: the peer is the socket's. */
		k.port = __builtin_bswap16(BPF_CORE_READ(sk, __sk_common.skc_dport));
		if (k.port == 0)
			return 0;
	}
	if (bpf_map_lookup_elem(&udp_seen, &k))
		return 0;
	bpf_map_update_elem(&udp_seen, &k, &one, BPF_ANY);

	{
		struct vg_net *n = bpf_ringbuf_reserve(&rb, sizeof(*n), 0);
		if (!n) {
			count(VG_NET, true);
			return 0;
		}
		__builtin_memset(n, 0, sizeof(*n));
		fill_hdr(&n->hdr, VG_NET, sizeof(*n));
		n->kind = VG_NET_UDP;
		n->proto = IPPROTO_UDP;
		sk_addrs(n, sk);
		if (uaddr) {
			n->rport = k.port;
			n->family = sa.sin6_family;
			__builtin_memcpy(n->raddr, k.addr, 16);
		}
		bpf_ringbuf_submit(n, rb_flags());
		count(VG_NET, false);
	}
	return 0;
}

SEC("tp/syscalls/sys_enter_connect")
int vg_connect_e(struct trace_event_raw_sys_enter *ctx)
{
	return sock_call_enter((int)ctx->args[0], ctx->args[1], 0);
}

VG_ON_EXIT(vg_connect_x, "sys_exit_connect", sock_call_exit)

SEC("tp/syscalls/sys_enter_sendto")
int vg_sendto_e(struct trace_event_raw_sys_enter *ctx)
{
	return sock_call_enter((int)ctx->args[0], ctx->args[4], 0);
}

VG_ON_EXIT(vg_sendto_x, "sys_exit_sendto", sock_call_exit)

SEC("tp/syscalls/sys_enter_sendmsg")
int vg_sendmsg_e(struct trace_event_raw_sys_enter *ctx)
{
	return sock_call_enter((int)ctx->args[0], ctx->args[1], 1);
}

VG_ON_EXIT(vg_sendmsg_x, "sys_exit_sendmsg", sock_call_exit)

/* ---- listen() and UDP bind() (NetworkListen) ---- */

static __always_inline int listen_emit(struct sock *sk, __u8 kind, __u8 proto)
{
	struct vg_net *n = bpf_ringbuf_reserve(&rb, sizeof(*n), 0);

	if (!n) {
		count(VG_LISTEN, true);
		return 0;
	}
	__builtin_memset(n, 0, sizeof(*n));
	fill_hdr(&n->hdr, VG_LISTEN, sizeof(*n));
	n->kind = kind;
	n->proto = proto;
	sk_addrs(n, sk);
	bpf_ringbuf_submit(n, rb_flags());
	count(VG_LISTEN, false);
	return 0;
}

static __always_inline int fd_enter(__u32 tag, int fd)
{
	struct call *c;

	if (is_self() || !type_enabled(VG_LISTEN))
		return 0;
	c = call_new(tag);
	if (c)
		c->a[0] = (__u64)(__s64)fd;
	return 0;
}

#define TAG_LISTEN (0x100 | VG_LISTEN)
#define TAG_BIND   (0x200 | VG_LISTEN)

SEC("tp/syscalls/sys_enter_listen")
int vg_listen_e(struct trace_event_raw_sys_enter *ctx)
{
	return fd_enter(TAG_LISTEN, (int)ctx->args[0]);
}

/* After a successful listen() or bind(): reports the socket when it has
 * the protocol that call matters for. TCP binds are reported at listen();
 * a UDP bind is its "listen". */
static __always_inline int listen_exit(__u32 tag, long ret, __u8 proto, __u8 kind)
{
	struct call c;
	struct sock *sk;

	if (!call_take(tag, &c) || ret != 0)
		return 0;
	sk = fd_sock((int)c.a[0]);
	if (!sk || BPF_CORE_READ(sk, sk_protocol) != proto)
		return 0;
	return listen_emit(sk, kind, proto);
}

SEC("tp/syscalls/sys_exit_listen")
int vg_listen_x(struct trace_event_raw_sys_exit *ctx)
{
	return listen_exit(TAG_LISTEN, ctx->ret, IPPROTO_TCP, VG_NET_LISTEN);
}

SEC("tp/syscalls/sys_enter_bind")
int vg_bind_e(struct trace_event_raw_sys_enter *ctx)
{
	return fd_enter(TAG_BIND, (int)ctx->args[0]);
}

SEC("tp/syscalls/sys_exit_bind")
int vg_bind_x(struct trace_event_raw_sys_exit *ctx)
{
	return listen_exit(TAG_BIND, ctx->ret, IPPROTO_UDP, VG_NET_BIND);
}

/* ---- DNS: messages received from port 53 ---- */

/*
 * A DNS answer is read with read(), recvfrom() or recvmsg(), and seen at
 * the call's exit, where the answer is in the buffer. The exit program
 * needs the call's fd, buffer and sender address, and takes them from the
 * saved user registers (saved_regs(), common.bpf.h), so a read pays for
 * one program, not an entry program and a map update as well. Processes
 * that never queried port 53 stop at one lookup (dns_procs); the others'
 * reads that are not on sockets stop at the fd's inode type.
 *
 * Where the registers are not to be found (the loader's probe, or any
 * later call, sets regs_bad), user space sets args_by_entry and attaches
 * the entry programs, which carry the arguments in the call map as every
 * other pair of hooks does.
 */

#define TAG_DNS VG_DNS

/* Which call a DNS hook is on: where its arguments are. */
enum { DNS_READ, DNS_RECVFROM, DNS_RECVMSG };

/* The socket behind fd when a DNS answer can arrive on it: UDP or TCP,
 * connected to port 53, or UDP and unconnected (the sender's address is
 * checked when the answer is in). */
static __always_inline struct sock *dns_sock(int fd, __u8 *proto)
{
	struct sock *sk = fd_sock(fd);
	__u16 dport;

	if (!sk)
		return NULL;
	*proto = BPF_CORE_READ(sk, sk_protocol);
	if (*proto != IPPROTO_UDP && *proto != IPPROTO_TCP)
		return NULL;
	dport = __builtin_bswap16(BPF_CORE_READ(sk, __sk_common.skc_dport));
	if (!(dport == 53 || (*proto == IPPROTO_UDP && dport == 0)))
		return NULL;
	return sk;
}

/* Whether the current process's reads may be DNS answers worth a look. */
static __always_inline bool dns_watched(void)
{
	return (dns_seeding || proc_marked(&dns_procs, &dns_marks_full)) && type_enabled(VG_DNS);
}

/* Entry programs, with args_by_entry only. a[0]=user buffer a[1]=user
 * sockaddr (or 0) a[2]=is_msg a[3]=struct sock * a[4]=protocol. */
static __always_inline int dns_enter(int fd, __u64 buf, __u64 addr, __u32 is_msg)
{
	struct sock *sk;
	struct call *c;
	__u8 proto;

	if (is_self() || !dns_watched())
		return 0;
	sk = dns_sock(fd, &proto);
	if (!sk)
		return 0;
	c = call_new(TAG_DNS);
	if (c) {
		c->a[0] = buf;
		c->a[1] = addr;
		c->a[2] = is_msg;
		c->a[3] = (__u64)sk;
		c->a[4] = proto;
	}
	return 0;
}

/* Reports the ret bytes read into buf from sk when they came from port 53.
 * addr is the user's sockaddr for the sender, or 0; with is_msg, buf is a
 * struct user_msghdr holding both. */
static __always_inline int dns_emit(long ret, struct sock *sk, __u8 proto, __u64 buf, __u64 addr,
				    bool is_msg)
{
	struct scratch *sc;
	struct vg_dns *e;
	struct sockaddr_in6 sa = {};
	__u32 len;

	if (is_msg) {
		struct user_msghdr mh = {};
		struct iovec iov = {};
		if (bpf_probe_read_user(&mh, sizeof(mh), (void *)buf) ||
		    bpf_probe_read_user(&iov, sizeof(iov), mh.msg_iov)) {
			count_lost(VG_DNS); /* a DNS answer we could not read */
			return 0;
		}
		buf = (__u64)iov.iov_base;
		addr = (__u64)mh.msg_name;
	}
	sc = scratch_rec(VG_DNS, sizeof(*e), (void **)&e);
	if (!sc)
		return 0;
	e->proto = proto;
	e->port = __builtin_bswap16(BPF_CORE_READ(sk, __sk_common.skc_dport));
	e->family = BPF_CORE_READ(sk, __sk_common.skc_family);
	if (e->port == 0 && addr && bpf_probe_read_user(&sa, sizeof(sa), (void *)addr) == 0) {
		e->port = __builtin_bswap16(sa.sin6_port);
		e->family = sa.sin6_family;
		if (sa.sin6_family == AF_INET)
			__builtin_memcpy(e->peer, &((struct sockaddr_in *)&sa)->sin_addr, 4);
		else
			__builtin_memcpy(e->peer, &sa.sin6_addr, 16);
	} else if (e->family == AF_INET) {
		__u32 d = BPF_CORE_READ(sk, __sk_common.skc_daddr);
		__builtin_memcpy(e->peer, &d, 4);
	} else {
		BPF_CORE_READ_INTO(&e->peer, sk, __sk_common.skc_v6_daddr.in6_u.u6_addr8);
	}
	if (e->port != 53)
		return 0;
	len = ret > VG_DNS_PAYLOAD_MAX ? VG_DNS_PAYLOAD_MAX : (__u32)ret;
	if (bpf_probe_read_user(sc->ev + sizeof(*e), len & (VG_DNS_PAYLOAD_MAX - 1), (void *)buf)) {
		count_lost(VG_DNS); /* paged out: not readable from here */
		return 0;
	}
	e->payload_len = len & (VG_DNS_PAYLOAD_MAX - 1);
	e->hdr.size = sizeof(*e) + e->payload_len;
	submit(e, e->hdr.size, VG_DNS);
	return 0;
}

/*
 * Files received from another process. The marks (common.bpf.h) follow
 * the process that opens or queries, and a socket or a writable file can
 * be handed to another: by SCM_RIGHTS over a Unix socket, or taken with
 * pidfd_getfd(2). The receiver is marked when it receives, so its reads
 * and writes of what it got are looked at as the sender's would be.
 * Which maps still need the current process: bit 0 dns_procs, bit 1
 * wf_procs (none when the type is off or the map is full, since a full
 * map already has every process looked at).
 */
static __always_inline __u32 receiver_marks_wanted(__u32 tgid)
{
	__u32 m = 0;

	if (!dns_marks_full && collecting(VG_DNS) && !bpf_map_lookup_elem(&dns_procs, &tgid))
		m |= 1;
	if (!wf_marks_full && collecting(VG_FILE_MODIFY) && !bpf_map_lookup_elem(&wf_procs, &tgid))
		m |= 2;
	return m;
}

/* m is receiver_marks_wanted()'s answer, so the maps are not looked up
 * again. */
static __always_inline void receiver_mark(__u32 m, __u32 tgid)
{
	if (m & 1)
		proc_mark_new(&dns_procs, &dns_marks_full, tgid);
	if (m & 2)
		proc_mark_new(&wf_procs, &wf_marks_full, tgid);
}

#define VG_SOL_SOCKET 1
#define VG_SCM_RIGHTS 1
/* Control messages looked at per recvmsg: SCM_RIGHTS usually comes
 * alone, or after SCM_CREDENTIALS. */
#define VG_CMSG_MAX 4

/* After a recvmsg that worked: whether its control data (the user's
 * msghdr, whose msg_controllen the kernel has set to what it wrote) holds
 * SCM_RIGHTS, and if so the receiver is marked. */
static __always_inline void fds_received(struct pt_regs *regs, __u32 m, __u32 tgid)
{
	struct user_msghdr mh = {};
	__u64 off = 0;

	if (bpf_probe_read_user(&mh, sizeof(mh), (void *)BPF_CORE_READ(regs, si)) ||
	    !mh.msg_control || mh.msg_controllen < sizeof(struct cmsghdr))
		return;
	for (int i = 0; i < VG_CMSG_MAX; i++) {
		struct cmsghdr ch = {};

		if (off + sizeof(ch) > mh.msg_controllen ||
		    bpf_probe_read_user(&ch, sizeof(ch), (char *)mh.msg_control + off))
			return;
		if (ch.cmsg_level == VG_SOL_SOCKET && ch.cmsg_type == VG_SCM_RIGHTS) {
			receiver_mark(m, tgid);
			return;
		}
		if (ch.cmsg_len < sizeof(ch))
			return;
		off += (ch.cmsg_len + 7) & ~7ull; /* CMSG_ALIGN */
	}
}

static __always_inline int dns_exit(const struct trace_event_raw_sys_exit *ctx, int call)
{
	long ret = ctx->ret;
	struct pt_regs *regs = NULL;
	struct sock *sk;
	struct call c;
	__u8 proto;

	if (args_by_entry) {
		if (!call_take(TAG_DNS, &c) || ret <= 12)
			return 0; /* shorter than a DNS header */
		return dns_emit(ret, (struct sock *)c.a[3], (__u8)c.a[4], c.a[0], c.a[1], c.a[2]);
	}
	if (is_self()) {
		regs_probe(ctx);
		return 0;
	}
	if (call == DNS_RECVMSG && ret >= 0) {
		__u32 tgid = bpf_get_current_pid_tgid() >> 32;
		__u32 m = receiver_marks_wanted(tgid);

		if (m && (regs = saved_regs(ctx)))
			fds_received(regs, m, tgid);
	}
	if (ret <= 12 || !dns_watched())
		return 0;
	if (!regs) /* not found above, or not looked for */
		regs = saved_regs(ctx);
	if (!regs)
		return 0; /* user space turns to the entry programs (regs_bad) */
	/* fd, buffer and (recvfrom's fifth argument) the sender's address. */
	sk = dns_sock((int)BPF_CORE_READ(regs, di), &proto);
	if (!sk)
		return 0;
	return dns_emit(ret, sk, proto, BPF_CORE_READ(regs, si),
			call == DNS_RECVFROM ? BPF_CORE_READ(regs, r8) : 0, call == DNS_RECVMSG);
}

SEC("tp/syscalls/sys_enter_recvfrom")
int vg_recvfrom_e(struct trace_event_raw_sys_enter *ctx)
{
	return dns_enter((int)ctx->args[0], ctx->args[1], ctx->args[4], 0);
}

VG_ON_EXIT_ARG(vg_recvfrom_x, "sys_exit_recvfrom", dns_exit, DNS_RECVFROM)

SEC("tp/syscalls/sys_enter_recvmsg")
int vg_recvmsg_e(struct trace_event_raw_sys_enter *ctx)
{
	return dns_enter((int)ctx->args[0], ctx->args[1], 0, 1);
}

VG_ON_EXIT_ARG(vg_recvmsg_x, "sys_exit_recvmsg", dns_exit, DNS_RECVMSG)

/* pidfd_getfd(2) (5.6+) copies another process's fd into the caller's:
 * the caller is marked as an SCM_RIGHTS receiver is (fds_received). */
SEC("tp/syscalls/sys_exit_pidfd_getfd")
int vg_pidfd_getfd_x(struct trace_event_raw_sys_exit *ctx)
{
	__u32 tgid, m;

	if (ctx->ret < 0 || is_self())
		return 0;
	tgid = bpf_get_current_pid_tgid() >> 32;
	m = receiver_marks_wanted(tgid);
	if (m)
		receiver_mark(m, tgid);
	return 0;
}

/* read() on a connected DNS socket: glibc's resolver reads TCP answers
 * this way, Go's every answer. */
SEC("tp/syscalls/sys_enter_read")
int vg_read_e(struct trace_event_raw_sys_enter *ctx)
{
	return dns_enter((int)ctx->args[0], ctx->args[1], 0, 0);
}

VG_ON_EXIT_ARG(vg_read_x, "sys_exit_read", dns_exit, DNS_READ)

#endif
