/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * "Did you mean": the edit distance between two short names, and the
 * closest of a list. Pure.
 */
#pragma once

#include <stddef.h>

/*
 * Optimal string alignment distance (insertions, deletions, substitutions
 * and swaps of two neighbours each count 1) of @a and @b; names longer than
 * 63 bytes give (size_t)-1.
 */
size_t kvmcfg_strdist(const char *a, const char *b);

/*
 * The entry of @candidates (@n of them) closest to @name, or NULL when none
 * is within @max_distance or @name itself is among them.
 */
const char *kvmcfg_closest(const char *name, const char *const *candidates, size_t n,
			   size_t max_distance);
