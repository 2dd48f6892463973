// SPDX-License-Identifier: GPL-2.0-only
#include <limits.h>
#include <stdarg.h>
#include <unistd.h>

#include "test_util.h"

void __noreturn_fail(const char *file, unsigned int line, const char *expr, const char *fmt, ...)
{
	int err = errno;
	va_list ap;

	fflush(stdout);
	fprintf(stderr, "==== Test Assertion Failure ====\n  %s:%u: %s\n  pid=%d errno=%d (%s)\n  ",
		file, line, expr, getpid(), err, strerror(err));
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	/* Also on stdout as a TAP diagnostic, so the runner's logs carry it. */
	printf("# %s:%u: assertion failed: %s\n", file, line, expr);
	fflush(stdout);
	exit(KSFT_FAIL);
}

unsigned long test_scale(void)
{
	static unsigned long scale;
	const char *s;
	char *end;
	unsigned long v;

	if (scale)
		return scale;
	scale = 1;
	s = getenv("KVMCFG_TEST_SCALE");
	if (s && *s) {
		errno = 0;
		v = strtoul(s, &end, 10);
		if (errno || *end || v == 0)
			fprintf(stderr, "KVMCFG_TEST_SCALE=%s is not a positive integer, using 1\n",
				s);
		else
			scale = v;
	}
	return scale;
}

unsigned long test_iterations(unsigned long base)
{
	unsigned long s = test_scale();

	return base > ULONG_MAX / s ? ULONG_MAX : base * s;
}

bool test_full(void)
{
	const char *s = getenv("KVMCFG_TEST_FULL");

	return s && !strcmp(s, "1");
}
