/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The conventions every layer shares: cleanup attributes, pointer and fd
 * hand-over, array growth, array size, time units.
 *
 * A type with a destructor foo_free(Foo *) declares, next to it,
 *     DEFINE_TRIVIAL_CLEANUP_FUNC(Foo *, foo_free);
 * and locals then read  _cleanup_(foo_freep) Foo *f = NULL;
 * Embedded objects have foo_deinit(Foo *), used directly: _cleanup_(foo_deinit).
 */
#pragma once

#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <unistd.h>

#define _cleanup_(f)  __attribute__((cleanup(f)))
#define ELEMENTSOF(a) (sizeof(a) / sizeof((a)[0]))

/* Define func##p(type *), which calls func(*p) when *p is set: for _cleanup_(). */
#define DEFINE_TRIVIAL_CLEANUP_FUNC(type, func) \
	static inline void func##p(type *p)     \
	{                                       \
		if (*p)                         \
			func(*p);               \
	}                                       \
	struct __useless_struct_to_allow_trailing_semicolon__

static inline void freep(void *p)
{
	free(*(void **)p);
}
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
#define TAKE_PTR(p)                     \
	({                              \
		__typeof__(p) _t = (p); \
		(p) = NULL;             \
		_t;                     \
	})
#define TAKE_FD(fd)            \
	({                     \
		int _t = (fd); \
		(fd) = -1;     \
		_t;            \
	})

/*
 * Make room for @need elements in the array *@p that has room for *@n_alloc:
 * grows to at least twice the old size (amortised O(1) appends). 0, or
 * -ENOMEM with *@p and *@n_alloc unchanged. Use through GROW().
 */
static inline int grow_array(void **p, size_t *n_alloc, size_t need, size_t size)
{
	size_t n;
	void *q;

	if (need <= *n_alloc)
		return 0;
	n = *n_alloc * 2 > need ? *n_alloc * 2 : need;
	if (n < 4)
		n = 4;
	if (n > SIZE_MAX / size)
		return -ENOMEM;
	q = realloc(*p, n * size);
	if (!q)
		return -ENOMEM;
	*p = q;
	*n_alloc = n;
	return 0;
}
#define GROW(array, n_alloc, need) \
	grow_array((void **)&(array), &(n_alloc), (need), sizeof(*(array)))

#define USEC_PER_SEC  ((uint64_t)1000000)
#define USEC_PER_MSEC ((uint64_t)1000)
