// SPDX-License-Identifier: GPL-2.0-only
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "json-out.h"
#include "utf8.h"

struct json_object *kvmcfg_json_new_string_len(const char *s, size_t len)
{
	const unsigned char *p = (const unsigned char *)s, *end = p + len;
	_cleanup_free_ char *clean = NULL;
	size_t n = 0;

	/* The common case: already text, hand json-c the bytes as they are. */
	while (p < end) {
		size_t k = kvmcfg_utf8_seq_len(p, end - p);

		if (!k)
			break;
		p += k;
	}
	if (p == end)
		return json_object_new_string_len(s, (int)len);

	/* Each rejected byte becomes three bytes of U+FFFD. */
	clean = malloc(len * 3 + 1);
	if (!clean)
		return NULL;
	for (p = (const unsigned char *)s; p < end;) {
		size_t k = kvmcfg_utf8_seq_len(p, end - p);

		if (!k) {
			memcpy(clean + n, KVMCFG_UTF8_REPLACEMENT, 3);
			n += 3;
			p++;
			continue;
		}
		memcpy(clean + n, p, k);
		n += k;
		p += k;
	}
	return json_object_new_string_len(clean, (int)n);
}

struct json_object *kvmcfg_json_new_string(const char *s)
{
	if (!s)
		return NULL;
	return kvmcfg_json_new_string_len(s, strlen(s));
}

int kvmcfg_json_add(struct json_object *obj, const char *key, struct json_object *val)
{
	if (!val)
		return -ENOMEM;
	if (json_object_object_add(obj, key, val) < 0) {
		json_object_put(val);
		return -ENOMEM;
	}
	return 0;
}

int kvmcfg_json_add_string(struct json_object *obj, const char *key, const char *s)
{
	if (!s)
		return json_object_object_add(obj, key, NULL) < 0 ? -ENOMEM : 0;
	return kvmcfg_json_add(obj, key, kvmcfg_json_new_string(s));
}

struct json_object *kvmcfg_json_new_fixed(double v, int decimals)
{
	char buf[64];

	snprintf(buf, sizeof(buf), "%.*f", decimals, v);
	return json_object_new_double_s(v, buf);
}

struct json_object *kvmcfg_json_add_array(struct json_object *obj, const char *key)
{
	struct json_object *arr = json_object_new_array();

	return kvmcfg_json_add(obj, key, arr) < 0 ? NULL : arr;
}

int kvmcfg_json_append(struct json_object *arr, struct json_object *val)
{
	if (!val)
		return -ENOMEM;
	if (json_object_array_add(arr, val) < 0) {
		json_object_put(val);
		return -ENOMEM;
	}
	return 0;
}

/* Bytes at @p that must become a \uXXXX escape: DEL, C1 controls, U+2028/9. */
static unsigned escape_at(const unsigned char *p, size_t avail)
{
	if (p[0] == 0x7f)
		return 0x7f;
	if (p[0] == 0xc2 && avail >= 2 && p[1] >= 0x80 && p[1] <= 0x9f)
		return p[1];
	if (p[0] == 0xe2 && avail >= 3 && p[1] == 0x80 && (p[2] == 0xa8 || p[2] == 0xa9))
		return 0x2000 | (p[2] - 0x80);
	return 0;
}

char *kvmcfg_json_serialize(struct json_object *o, int flags)
{
	const char *raw = json_object_to_json_string_ext(o, flags | JSON_C_TO_STRING_NOSLASHESCAPE);
	const unsigned char *p;
	size_t len, extra = 0, n = 0;
	char *out;

	if (!raw)
		return NULL;
	len = strlen(raw);
	/*
	 * In serialized JSON these bytes can only stand inside strings, so
	 * rewriting them in place keeps the document valid. Each escape is six
	 * bytes for a sequence of one to three.
	 */
	for (p = (const unsigned char *)raw; *p; p++)
		if (escape_at(p, len - (p - (const unsigned char *)raw)))
			extra += 6;
	out = malloc(len + extra + 2);
	if (!out)
		return NULL;
	for (p = (const unsigned char *)raw; *p;) {
		unsigned cp = escape_at(p, len - (p - (const unsigned char *)raw));

		if (cp) {
			n += (size_t)sprintf(out + n, "\\u%04x", cp);
			p += cp == 0x7f ? 1 : cp < 0x100 ? 2 : 3;
			continue;
		}
		out[n++] = (char)*p++;
	}
	out[n++] = '\n';
	out[n] = '\0';
	return out;
}

int kvmcfg_json_write(FILE *f, struct json_object *o, int flags)
{
	_cleanup_free_ char *s = kvmcfg_json_serialize(o, flags);

	if (!s)
		return -ENOMEM;
	if (fputs(s, f) == EOF)
		return -EIO;
	return 0;
}
