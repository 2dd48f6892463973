/* SPDX-License-Identifier: GPL-2.0-only */
/* NULL-terminated string vectors, freed with kvmcfg_strv_free() (param.h). */
#pragma once

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
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

/* strv_push() of a printf-formatted string. */
__attribute__((format(printf, 3, 4)))
static inline int strv_pushf(char ***v, size_t *n, const char *fmt, ...)
{
	va_list ap;
	char *s;
	int r;

	va_start(ap, fmt);
	r = vasprintf(&s, fmt, ap);
	va_end(ap);
	return strv_push(v, n, r < 0 ? NULL : s);
}
