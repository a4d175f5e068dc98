/*
 * sim_c2.c — Command and Control (TA0011) and Exfiltration (TA0010)
 * simulations of `vigil simulate`: TCP, UDP and DNS traffic, all to
 * listeners of the simulation's own on 127.0.0.1.
 */
#include "coverage/sim_helpers.h"
#include "coverage/sim_tactics.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

int sim_do_nonstd_port(struct sim_ctx *ctx)
{
	char got[64];

	return sim_tcp_exchange(ctx, "beacon\n", "ok\n", got, sizeof(got));
}

int sim_do_http(struct sim_ctx *ctx)
{
	char got[256];

	return sim_tcp_exchange(ctx, "GET /beacon HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n",
				"HTTP/1.1 204 No Content\r\n\r\n", got, sizeof(got));
}

int sim_do_udp(struct sim_ctx *ctx)
{
	struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
	socklen_t al = sizeof(a);
	int r = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	int s = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	int rc = 1;
	char b[16];

	if (r >= 0 && s >= 0 && !bind(r, (struct sockaddr *)&a, sizeof(a)) &&
	    !getsockname(r, (struct sockaddr *)&a, &al)) {
		ctx->port = ntohs(a.sin_port);
		if (sendto(s, "ping", 4, 0, (struct sockaddr *)&a, sizeof(a)) == 4 &&
		    recv(r, b, sizeof(b), 0) == 4)
			rc = 0;
	}
	if (r >= 0)
		close(r);
	if (s >= 0)
		close(s);
	return rc;
}

/* Writes a DNS query for vigil-sim-<pid>.example to a responder of our own on
 * 127.0.0.1:53 and reads its NXDOMAIN answer. */
int sim_do_dns(struct sim_ctx *ctx)
{
	struct sockaddr_in a = {.sin_family = AF_INET,
				.sin_port = htons(53),
				.sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
	unsigned char q[128], ans[512];
	char label[32];
	int srv = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	int cli = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	size_t n = 0, ll;
	ssize_t got;
	int rc = 1;

	if (srv < 0 || cli < 0 || bind(srv, (struct sockaddr *)&a, sizeof(a))) {
		snprintf(ctx->note, sizeof(ctx->note), "127.0.0.1:53 not available: %s",
			 strerror(errno));
		rc = SIM_SKIP;
		goto out;
	}
	ll = (size_t)snprintf(label, sizeof(label), "vigil-sim-%d", (int)getpid());
	memcpy(q, "\x12\x34\x01\x00\x00\x01\x00\x00\x00\x00\x00\x00", 12);
	n = 12;
	q[n++] = (unsigned char)ll;
	memcpy(q + n, label, ll);
	n += ll;
	q[n++] = 7;
	memcpy(q + n, "example", 7);
	n += 7;
	memcpy(q + n, "\x00\x00\x01\x00\x01", 5);
	n += 5;
	/* Resolvers (glibc, musl) connect their UDP socket to the server. */
	if (connect(cli, (struct sockaddr *)&a, sizeof(a)) != 0 || send(cli, q, n, 0) != (ssize_t)n)
		goto out;
	{
		struct sockaddr_in from;
		socklen_t fl = sizeof(from);

		got = recvfrom(srv, ans, sizeof(ans), 0, (struct sockaddr *)&from, &fl);
		if (got < 12)
			goto out;
		ans[2] = 0x81; /* response, RD */
		ans[3] = 0x83; /* RA, NXDOMAIN */
		if (sendto(srv, ans, (size_t)got, 0, (struct sockaddr *)&from, fl) != got)
			goto out;
	}
	rc = recv(cli, ans, sizeof(ans), 0) > 0 ? 0 : 1;
out:
	if (srv >= 0)
		close(srv);
	if (cli >= 0)
		close(cli);
	return rc;
}

int sim_do_ingress(struct sim_ctx *ctx)
{
	char got[256];

	if (sim_tcp_exchange(ctx, "GET /tool\n", "#!/bin/sh\nexit 0\n", got, sizeof(got)))
		return 1;
	if (sim_create_file(ctx, "tool", got, 0755))
		return 1;
	sim_rm_rel(ctx, "tool");
	return 0;
}

int sim_do_exfil_tcp(struct sim_ctx *ctx)
{
	char got[256];

	if (sim_create_file(ctx, "loot.txt", "secret data\n", 0600))
		return 1;
	sim_rm_rel(ctx, "loot.txt");
	return sim_tcp_exchange(ctx, "secret data\n", NULL, got, sizeof(got));
}

/* T1090.001: a connection to a proxy that is down (a loopback port nobody
 * listens on, found by binding and closing it). */
int sim_do_proxy_refused(struct sim_ctx *ctx)
{
	struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
	socklen_t al = sizeof(a);
	int s = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	int rc = 1;

	if (s < 0)
		return 1;
	if (!bind(s, (struct sockaddr *)&a, sizeof(a)) &&
	    !getsockname(s, (struct sockaddr *)&a, &al))
		ctx->port = ntohs(a.sin_port);
	close(s);
	s = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (s >= 0 && ctx->port > 0 && connect(s, (struct sockaddr *)&a, sizeof(a)) != 0 &&
	    errno == ECONNREFUSED)
		rc = 0;
	if (s >= 0)
		close(s);
	return rc;
}
