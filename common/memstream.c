// SPDX-License-Identifier: GPL-2.0-only
#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "memstream.h"

typedef struct {
	char **buf;
	size_t *len;
	size_t cap;
	bool failed;
} MemStream;

static ssize_t memstream_write(void *cookie, const char *data, size_t n)
{
	MemStream *s = cookie;
	size_t need, cap;

	if (n > SIZE_MAX / 4 - *s->len)
		goto fail;
	need = *s->len + n + 1;
	if (need > s->cap) {
		char *nb;

		for (cap = s->cap; cap < need; cap *= 2)
			;
		nb = realloc(*s->buf, cap);
		if (!nb)
			goto fail;
		*s->buf = nb;
		s->cap = cap;
	}
	memcpy(*s->buf + *s->len, data, n);
	*s->len += n;
	(*s->buf)[*s->len] = '\0';
	return (ssize_t)n;
fail:
	s->failed = true;
	errno = ENOMEM;
	return -1;
}

static int memstream_close(void *cookie)
{
	MemStream *s = cookie;
	bool failed = s->failed;

	free(s);
	if (failed) {
		errno = ENOMEM;
		return -1;
	}
	return 0;
}

FILE *kvmcfg_memstream_open(char **buf, size_t *len)
{
	static const cookie_io_functions_t io = {
		.write = memstream_write,
		.close = memstream_close,
	};
	MemStream *s;
	FILE *f;

	s = calloc(1, sizeof(*s));
	if (!s)
		return NULL;
	s->buf = buf;
	s->len = len;
	s->cap = KVMCFG_MEMSTREAM_START;
	*buf = malloc(s->cap);
	if (!*buf)
		goto fail;
	**buf = '\0';
	*len = 0;
	f = fopencookie(s, "w", io);
	if (!f)
		goto fail;
	/* Unbuffered: no 8 KiB stdio buffer either; vfprintf() batches on the stack. */
	if (setvbuf(f, NULL, _IONBF, 0) != 0) {
		fclose(f);
		free(*buf);
		*buf = NULL;
		errno = ENOMEM;
		return NULL;
	}
	return f;
fail:
	free(*buf);
	*buf = NULL;
	free(s);
	errno = ENOMEM;
	return NULL;
}
