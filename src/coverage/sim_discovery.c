/*
 * sim_discovery.c — Discovery (TA0007) simulations of `vigil simulate` that
 * need code. The other discovery simulations run a command (argv in the
 * table of sim_suite.c): the command itself is the behaviour.
 */
#include "coverage/sim_helpers.h"
#include "coverage/sim_tactics.h"

#include <unistd.h>

int sim_do_scan(struct sim_ctx *ctx)
{
	int l = sim_tcp_listener(ctx);

	if (l < 0)
		return 1;
	/* A handful of loopback ports, one of them ours and open. */
	for (int d = -2; d <= 2; d++) {
		int c;

		if (ctx->port + d <= 0 || ctx->port + d > 65535)
			continue;
		c = sim_tcp_connect(ctx->port + d);
		if (c >= 0)
			close(c);
	}
	close(l);
	return 0;
}
