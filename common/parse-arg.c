// SPDX-License-Identifier: GPL-2.0-only
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "parse-arg.h"

/* Cut what the user typed so that the message stays one readable line. */
#define ARG_SHOWN 64

static int fail(char *error, int r, const char *opt, const char *s, const char *what)
{
	if (error)
		snprintf(error, KVMCFG_ARG_ERROR_MAX, "%s: %s: '%.*s%s'", opt, what, ARG_SHOWN, s,
			 strlen(s) > ARG_SHOWN ? "..." : "");
	return r;
}

int kvmcfg_arg_uint(const char *opt, const char *s, unsigned int min, unsigned int max,
		    unsigned int *ret, char error[KVMCFG_ARG_ERROR_MAX])
{
	const char *digits = *s == '-' ? s + 1 : s;
	unsigned long long v;
	char range[64];

	if (!*digits || strspn(digits, "0123456789") != strlen(digits))
		return fail(error, -EINVAL, opt, s, "not a number");
	errno = 0;
	v = strtoull(digits, NULL, 10);
	/* A negative number is a number, just never in range. */
	if (digits != s || errno == ERANGE || v < min || v > max) {
		snprintf(range, sizeof(range), "out of range %u-%u", min, max);
		return fail(error, -ERANGE, opt, s, range);
	}
	*ret = (unsigned int)v;
	return 0;
}

int kvmcfg_arg_positive(const char *opt, const char *s, double *ret,
			char error[KVMCFG_ARG_ERROR_MAX])
{
	char *end;
	double v;

	/* strtod() skips leading space and reads "nan"; neither is a number here. */
	if (!*s || strchr(" \t\n\v\f\r", *s))
		return fail(error, -EINVAL, opt, s, "not a number");
	errno = 0;
	v = strtod(s, &end);
	if (end == s || *end || isnan(v))
		return fail(error, -EINVAL, opt, s, "not a number");
	if (errno == ERANGE || !(v > 0) || !isfinite(v))
		return fail(error, -ERANGE, opt, s, "not a positive number");
	*ret = v;
	return 0;
}
