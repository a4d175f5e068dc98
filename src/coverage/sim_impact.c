/*
 * sim_impact.c — Impact (TA0040) simulations of `vigil simulate`: destroying,
 * "encrypting" and rewriting files the simulation itself just created.
 */
#include "coverage/sim_helpers.h"
#include "coverage/sim_tactics.h"

#include <fcntl.h>

int sim_do_destroy(struct sim_ctx *ctx)
{
	return sim_rewrite_file(ctx, "data.db", "important\n", "\0\0\0\0\0\0\0\0\0\0", O_TRUNC,
				0644);
}

int sim_do_encrypt(struct sim_ctx *ctx)
{
	if (sim_create_file(ctx, "photo.jpg", "not really a photo\n", 0644) ||
	    sim_create_file(ctx, "photo.jpg.locked", "\x13\x37\x13\x37", 0644))
		return 1;
	sim_rm_rel(ctx, "photo.jpg");
	sim_rm_rel(ctx, "photo.jpg.locked");
	return 0;
}

int sim_do_manipulate(struct sim_ctx *ctx)
{
	return sim_rewrite_file(ctx, "ledger.csv", "alice,100\n", "alice,900\n", O_TRUNC, 0644);
}
