/* SPDX-License-Identifier: GPL-2.0-only */
/* NULL-terminated string vectors, freed with kvmcfg_strv_free() (param.h). */
#pragma once

#include <errno.h>
#include <stdlib.h>

/*
 * Append @s (taking ownership; NULL means a failed strdup) to the vector *v
 * of *n strings and keep it NULL-terminated. On failure @s is freed and *v
 * stays valid.
 */
static inline int strv_push(char ***v, size_t *n, char *s)
{
	char **nv;

	if (!s)
		return -ENOMEM;
	nv = realloc(*v, (*n + 2) * sizeof(*nv));
	if (!nv) {
		free(s);
		return -ENOMEM;
	}
	nv[(*n)++] = s;
	nv[*n] = NULL;
	*v = nv;
	return 0;
}
