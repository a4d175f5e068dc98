/*
 * envsel.h — ProcessCreate's Environment field from an exec's environment
 * block.
 */
#ifndef VIGIL_ENVSEL_H
#define VIGIL_ENVSEL_H

#include <stdbool.h>
#include <stddef.h>

#define ENVSEL_VALUE_MAX 512 /* longest value shown; longer ends in "…" */

/* Picks the variables named in names from blk (len bytes of NUL-separated
 * NAME=value; whole is false when the kernel could not copy all of it) and
 * writes them to out as NAME=value pairs joined by ';', with '\' and ';'
 * inside values escaped by '\'. Writes "-" when none is set. *cut is set
 * when something was left out for size: a value, the unseen end of the
 * block (then the field ends in "…"), or out's own end. Returns the length
 * written (out is always NUL-terminated when outsz > 0). */
size_t envsel__pick(const char *blk, size_t len, bool whole, const char *const *names,
		    size_t nnames, char *out, size_t outsz, bool *cut);

/* Whether a PATH value is worth showing: it names a relative directory
 * (an empty entry, ".", anything not starting with '/'), or one that any
 * user can write to. Stats are cached for a few seconds. */
bool envsel__path_risky(const char *value, size_t len);

#endif
