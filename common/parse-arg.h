/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Numbers given on a command line (--jobs=4, --timeout 600, --budget 2.5):
 * the one parser behind kvmcfgd, kvm-selftests, kvm-config-matrix and
 * kvm-mmio-bench, so a typo is refused the same way everywhere and the
 * message names the option and what was wrong with it.
 *
 * Stricter than bare strtoul()/strtod(): the whole argument must be the
 * number, with no leading space or sign (strtoul() would read "-1" as a
 * huge value and " 5" as 5), and an integer is plain decimal.
 *
 * Returns 0, or -EINVAL (not a number) / -ERANGE (a number, but outside
 * what the option takes). *ret is written only on success. When @error is
 * not NULL a failure also writes one line (no newline) into it, such as
 * "--jobs: not a number: 'x'" or "--jobs: out of range 1-1024: '2000'",
 * for the caller to print after its program name. Pure: no I/O, no logging.
 */
#pragma once

#include <stddef.h>

/* Room for any message below; a very long argument is cut short. */
#define KVMCFG_ARG_ERROR_MAX 256

/* A decimal integer in [@min, @max] for option @opt. */
int kvmcfg_arg_uint(const char *opt, const char *s, unsigned int min, unsigned int max,
		    unsigned int *ret, char error[KVMCFG_ARG_ERROR_MAX]);

/* A finite number greater than 0 ("2.5", "1e3") for option @opt. */
int kvmcfg_arg_positive(const char *opt, const char *s, double *ret,
			char error[KVMCFG_ARG_ERROR_MAX]);
