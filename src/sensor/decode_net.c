/*
 * decode_net.c — network records: connections (NetworkConnect) and
 * connects that failed (NetworkConnectFailed), listening
 * sockets (NetworkListen) and DNS answers (DnsQuery, which also feed the
 * hostname cache the other two name their peers from).
 */
#include "sensor/decode_int.h"

#include "common/strbuf.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>

/* IPv4 by fmt_ipv4, not inet_ntop: glibc's goes through sprintf, which
 * was half of a NetworkConnect's decode (two addresses per event) in
 * pipeline_bench's profile. */
void net_addr_str(uint8_t family, const uint8_t addr[16], char out[64], int *is_v6)
{
	static const uint8_t mapped[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};

	if (family == AF_INET6 && memcmp(addr, mapped, 12) == 0) {
		fmt_ipv4(out, addr + 12);
		*is_v6 = 0;
	} else if (family == AF_INET6) {
		inet_ntop(AF_INET6, addr, out, 64);
		*is_v6 = 1;
	} else {
		fmt_ipv4(out, addr);
		*is_v6 = 0;
	}
}

/* A hostname from vigil's own DNS observations, "-" when none. */
static void hostname(struct decoder *d, struct vrec *rec, enum vf_id f, uint8_t family,
		     const uint8_t addr[16])
{
	const char *name = d->dns ? dns_cache__lookup(d->dns, family, addr) : NULL;
	dec_set_s(rec, f, name);
}

/* The fields NetworkConnect and NetworkConnectFailed share. */
static struct proc *net_fields(struct decoder *d, const struct vg_net *n, struct vrec *rec,
			       unsigned event_id)
{
	char l[64], r[64];
	int l6, r6, udp = n->proto == IPPROTO_UDP;
	/* Source is the side that initiated: the peer for an accept. */
	int inbound = n->kind == VG_NET_ACCEPT;
	const char *sip = inbound ? r : l, *dip = inbound ? l : r;
	uint16_t sport = inbound ? n->rport : n->lport, dport = inbound ? n->lport : n->rport;
	struct proc *p;

	net_addr_str(n->family, n->laddr, l, &l6);
	net_addr_str(n->family, n->raddr, r, &r6);
	p = dec_start(d, rec, event_id, &n->hdr);
	if (p == NULL)
		return NULL;
	vrec__set_str(rec, VF_Protocol, udp ? "udp" : "tcp");
	vrec__set_str(rec, VF_Initiated, inbound ? "false" : "true");
	vrec__set_str(rec, VF_SourceIsIpv6, (inbound ? r6 : l6) ? "true" : "false");
	vrec__set_str(rec, VF_SourceIp, sip);
	hostname(d, rec, VF_SourceHostname, n->family, inbound ? n->raddr : n->laddr);
	vrec__set_uint(rec, VF_SourcePort, sport);
	vrec__set_str(rec, VF_SourcePortName, services__name(d->svc, sport, udp));
	vrec__set_str(rec, VF_DestinationIsIpv6, (inbound ? l6 : r6) ? "true" : "false");
	vrec__set_str(rec, VF_DestinationIp, dip);
	hostname(d, rec, VF_DestinationHostname, n->family, inbound ? n->laddr : n->raddr);
	vrec__set_uint(rec, VF_DestinationPort, dport);
	vrec__set_str(rec, VF_DestinationPortName, services__name(d->svc, dport, udp));
	if (inbound)
		snprintf(p->peer, sizeof(p->peer), "%s", r);
	return p;
}

int decode_net(struct decoder *d, const void *data, size_t size, struct vrec *rec)
{
	(void)size;
	return net_fields(d, data, rec, EV_NETWORK_CONNECT) ? 1 : -ENOMEM;
}

/* The errno a failed connect ended with, by its name. 0 is a connect the
 * process itself abandoned (closed while the SYN was unanswered). */
static const char *connect_error(uint32_t err, char buf[16])
{
	switch (err) {
	case 0:
		return "ECONNABORTED";
	case ECONNREFUSED:
		return "ECONNREFUSED";
	case ETIMEDOUT:
		return "ETIMEDOUT";
	case ENETUNREACH:
		return "ENETUNREACH";
	case EHOSTUNREACH:
		return "EHOSTUNREACH";
	case ECONNRESET:
		return "ECONNRESET";
	case EHOSTDOWN:
		return "EHOSTDOWN";
	case ENETDOWN:
		return "ENETDOWN";
	case EACCES:
		return "EACCES";
	case EPERM:
		return "EPERM";
	case EPROTO:
		return "EPROTO";
	default:
		snprintf(buf, 16, "E%u", err);
		return buf;
	}
}

int decode_net_fail(struct decoder *d, const void *data, size_t size, struct vrec *rec)
{
	const struct vg_net_fail *f = data;
	char buf[16];

	(void)size;
	if (net_fields(d, &f->net, rec, EV_NETWORK_CONNECT_FAILED) == NULL)
		return -ENOMEM;
	vrec__set_str(rec, VF_Error, connect_error(f->err, buf));
	return 1;
}

int decode_listen(struct decoder *d, const void *data, size_t size, struct vrec *rec)
{
	const struct vg_net *n = data;
	struct proc *p;
	char l[64];
	int v6;

	(void)size;
	net_addr_str(n->family, n->laddr, l, &v6);
	p = dec_start(d, rec, EV_NETWORK_LISTEN, &n->hdr);
	if (p == NULL)
		return -ENOMEM;
	vrec__set_str(rec, VF_Protocol, n->proto == IPPROTO_UDP ? "udp" : "tcp");
	vrec__set_str(rec, VF_LocalIp, l);
	vrec__set_uint(rec, VF_LocalPort, n->lport);
	return 1;
}

int decode_dns(struct decoder *d, const void *data, size_t size, struct vrec *rec)
{
	const struct vg_dns *e = data;
	struct dns_msg *m = &d->buf.dns;
	const uint8_t *payload = (const uint8_t *)(e + 1);
	char st[8];
	struct proc *p;

	if (e->payload_len > size - sizeof(*e))
		return -EINVAL;
	if (dns__parse(payload, e->payload_len, e->proto == IPPROTO_TCP, m) != 0 ||
	    !m->is_response) {
		d->dns_unparsed++;
		return 0;
	}
	p = dec_hdr_proc(d, &e->hdr);
	if (p == NULL)
		return -ENOMEM;
	for (size_t i = 0; d->dns && i < m->n_addrs; i++)
		dns_cache__add(d->dns, m->addrs[i].family, m->addrs[i].addr, m->qname, e->hdr.ts);
	dec_begin(d, rec, EV_DNS_QUERY, e->hdr.ts, p, e->hdr.uid);
	dec_set_s(rec, VF_QueryName, m->qname);
	vrec__set_str(rec, VF_QueryStatus, dns__status(m->rcode, st));
	dec_set_s(rec, VF_QueryResults, m->results);
	return 1;
}
