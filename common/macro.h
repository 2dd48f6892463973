/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Small helpers shared by kvmcfgd's files: cleanup attributes and array size.
 * Kept to what the daemon itself uses.
 */
#pragma once

#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <unistd.h>

#define _cleanup_(f) __attribute__((cleanup(f)))
#define ELEMENTSOF(a) (sizeof(a) / sizeof((a)[0]))

static inline void freep(void *p) { free(*(void **)p); }
#define _cleanup_free_ _cleanup_(freep)

static inline void closep(int *fd)
{
	if (*fd >= 0) {
		int saved = errno;

		close(*fd);
		errno = saved;
	}
}
#define _cleanup_close_ _cleanup_(closep)

/* Hand a pointer over to the caller: return it and leave NULL behind. */
#define TAKE_PTR(p) ({ __typeof__(p) _t = (p); (p) = NULL; _t; })
#define TAKE_FD(fd) ({ int _t = (fd); (fd) = -1; _t; })

#define USEC_PER_SEC  ((uint64_t)1000000)
#define USEC_PER_MSEC ((uint64_t)1000)
