// SPDX-License-Identifier: GPL-2.0-only
#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "memstream.h"
#include "text-filter.h"
#include "utf8.h"

void kvmcfg_text_filter(FILE *f, const char *s, size_t len, unsigned flags)
{
	const unsigned char *p = (const unsigned char *)s, *end = p + len;

	while (p < end) {
		size_t n = kvmcfg_utf8_seq_len(p, (size_t)(end - p));

		if (n == 0) {
			fputs(KVMCFG_UTF8_REPLACEMENT, f);
			p++;
			continue;
		}
		if (n == 2 && p[0] == 0xc2 && p[1] < 0xa0)
			fprintf(f, "\\u%04x", p[1]);
		else if (n > 1)
			fwrite(p, 1, n, f);
		else if (*p == '\n' || *p == '\t') {
			if (flags & KVMCFG_TEXT_ONE_LINE)
				fputs(*p == '\n' ? "\\n" : "\\t", f);
			else
				fputc(*p, f);
		} else if (*p < 0x20 || *p == 0x7f)
			fprintf(f, flags & KVMCFG_TEXT_JSON_SAFE ? "\\u%04x" : "\\x%02x", *p);
		else {
			if ((flags & KVMCFG_TEXT_QUOTE) && (*p == '"' || *p == '\\'))
				fputc('\\', f);
			fputc(*p, f);
		}
		p += n;
	}
}

char *kvmcfg_text_filter_dup(const char *s, unsigned flags)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = kvmcfg_memstream_open(&buf, &len);

	if (!f)
		return NULL;
	kvmcfg_text_filter(f, s, strlen(s), flags);
	if (fclose(f) != 0) {
		free(buf);
		return NULL;
	}
	return buf;
}

/* ---- the stream ---- */

typedef struct FilterStream {
	int fd;
	unsigned char held[4]; /* the start of a UTF-8 sequence cut by a write */
	size_t n_held;
} FilterStream;

static int write_all(int fd, const char *p, size_t n)
{
	while (n) {
		ssize_t w = write(fd, p, n);

		if (w < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		p += w;
		n -= (size_t)w;
	}
	return 0;
}

/* Length a UTF-8 lead byte announces, 0 for a byte that cannot lead. */
static size_t lead_len(unsigned char c)
{
	return c >= 0xc2 && c <= 0xdf ? 2 :
	       c >= 0xe0 && c <= 0xef ? 3 :
	       c >= 0xf0 && c <= 0xf4 ? 4 :
					0;
}

/* How many bytes at the end of @p may be the first part of a sequence the next write completes. */
static size_t incomplete_tail(const unsigned char *p, size_t len)
{
	size_t back;

	for (back = 1; back <= 3 && back <= len; back++) {
		unsigned char c = p[len - back];

		if ((c & 0xc0) == 0x80)
			continue;
		return lead_len(c) > back ? back : 0;
	}
	return 0;
}

static ssize_t stream_write(void *cookie, const char *buf, size_t size)
{
	FilterStream *s = cookie;
	unsigned char *joined;
	char *out = NULL;
	size_t len = s->n_held + size, keep, out_len = 0;
	FILE *o;
	int r;

	joined = malloc(len ? len : 1);
	if (!joined) {
		errno = ENOMEM;
		return -1;
	}
	memcpy(joined, s->held, s->n_held);
	memcpy(joined + s->n_held, buf, size);
	keep = incomplete_tail(joined, len);
	o = kvmcfg_memstream_open(&out, &out_len);
	if (!o) {
		free(joined);
		errno = ENOMEM;
		return -1;
	}
	kvmcfg_text_filter(o, (const char *)joined, len - keep, KVMCFG_TEXT_JSON_SAFE);
	if (fclose(o) != 0) {
		free(joined);
		free(out);
		errno = ENOMEM;
		return -1;
	}
	memcpy(s->held, joined + len - keep, keep);
	s->n_held = keep;
	free(joined);
	r = write_all(s->fd, out, out_len);
	free(out);
	if (r < 0) {
		errno = -r;
		return -1;
	}
	return (ssize_t)size;
}

static int stream_close(void *cookie)
{
	FilterStream *s = cookie;
	int r = 0;

	/* A sequence never completed is not UTF-8. */
	if (s->n_held)
		r = write_all(s->fd, KVMCFG_UTF8_REPLACEMENT, strlen(KVMCFG_UTF8_REPLACEMENT));
	free(s);
	return r < 0 ? -1 : 0;
}

FILE *kvmcfg_text_filter_stream(int fd)
{
	static const cookie_io_functions_t io = { .write = stream_write, .close = stream_close };
	FilterStream *s = calloc(1, sizeof(*s));
	FILE *f;

	if (!s)
		return NULL;
	s->fd = fd;
	f = fopencookie(s, "w", io);
	if (!f) {
		free(s);
		return NULL;
	}
	setvbuf(f, NULL, isatty(fd) ? _IOLBF : _IOFBF, BUFSIZ);
	return f;
}

static FILE *plain_stdout, *plain_stderr;

/*
 * At exit: put the plain streams back and close the filters, so what they
 * hold is written and their state freed (exit() flushes a cookie stream
 * but never closes it).
 */
static void text_filter_std_close(void)
{
	FILE *out = stdout, *err = stderr;

	if (!plain_stdout)
		return;
	stdout = plain_stdout;
	stderr = plain_stderr;
	plain_stdout = plain_stderr = NULL;
	fclose(out);
	fclose(err);
}

int kvmcfg_text_filter_std(void)
{
	FILE *out, *err;

	if (plain_stdout)
		return 0;

	fflush(stdout);
	fflush(stderr);
	out = kvmcfg_text_filter_stream(STDOUT_FILENO);
	err = kvmcfg_text_filter_stream(STDERR_FILENO);
	if (!out || !err) {
		if (out)
			fclose(out);
		if (err)
			fclose(err);
		return -ENOMEM;
	}
	/* Errors are written as they happen, as from an unbuffered stderr. */
	setvbuf(err, NULL, _IOLBF, BUFSIZ);
	/* glibc's stdout and stderr are ordinary variables, meant to be reassigned. */
	plain_stdout = stdout;
	plain_stderr = stderr;
	stdout = out;
	stderr = err;
	if (atexit(text_filter_std_close) != 0) {
		text_filter_std_close();
		return -ENOMEM;
	}
	return 0;
}
