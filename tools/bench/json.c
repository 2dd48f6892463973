// SPDX-License-Identifier: GPL-2.0-only
/* A streaming JSON writer and a small DOM parser (see json.h). */
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "json-escape.h"
#include "json.h"
#include "utf8.h"

/* ---- writer ---- */

void json_writer_init(struct json_writer *w, FILE *f)
{
	memset(w, 0, sizeof(*w));
	w->f = f;
	w->first[0] = true;
}

/* Separator, indentation and key before a value at the current depth. */
static void prefix(struct json_writer *w, const char *key)
{
	if (w->error)
		return;
	if (!w->first[w->depth])
		fputc(',', w->f);
	if (w->depth > 0) {
		fputc('\n', w->f);
		fprintf(w->f, "%*s", (int)w->depth * 2, "");
	}
	w->first[w->depth] = false;
	if (key) {
		kvmcfg_json_string(w->f, key);
		fputs(": ", w->f);
	}
}

static void begin(struct json_writer *w, const char *key, char open)
{
	prefix(w, key);
	if (w->error)
		return;
	if (w->depth + 1 >= JSON_MAX_DEPTH) {
		w->error = -EINVAL;
		return;
	}
	fputc(open, w->f);
	w->first[++w->depth] = true;
}

static void end(struct json_writer *w, char close)
{
	if (w->error)
		return;
	if (w->depth == 0) {
		w->error = -EINVAL;
		return;
	}
	if (!w->first[w->depth])
		fprintf(w->f, "\n%*s", (int)(w->depth - 1) * 2, "");
	w->depth--;
	fputc(close, w->f);
}

void json_begin_object(struct json_writer *w, const char *key) { begin(w, key, '{'); }
void json_end_object(struct json_writer *w) { end(w, '}'); }
void json_begin_array(struct json_writer *w, const char *key) { begin(w, key, '['); }
void json_end_array(struct json_writer *w) { end(w, ']'); }

void json_string(struct json_writer *w, const char *key, const char *v)
{
	prefix(w, key);
	if (!w->error)
		kvmcfg_json_string(w->f, v ? v : "");
}

void json_uint(struct json_writer *w, const char *key, uint64_t v)
{
	prefix(w, key);
	if (!w->error)
		fprintf(w->f, "%llu", (unsigned long long)v);
}

void json_int(struct json_writer *w, const char *key, int64_t v)
{
	prefix(w, key);
	if (!w->error)
		fprintf(w->f, "%lld", (long long)v);
}

void json_double(struct json_writer *w, const char *key, double v)
{
	prefix(w, key);
	if (w->error)
		return;
	if (isfinite(v))
		fprintf(w->f, "%.10g", v);
	else
		fputs("null", w->f);
}

void json_bool(struct json_writer *w, const char *key, bool v)
{
	prefix(w, key);
	if (!w->error)
		fputs(v ? "true" : "false", w->f);
}

void json_null(struct json_writer *w, const char *key)
{
	prefix(w, key);
	if (!w->error)
		fputs("null", w->f);
}

int json_writer_finish(struct json_writer *w)
{
	if (!w->error && w->depth != 0)
		w->error = -EINVAL;
	fputc('\n', w->f);
	if (fflush(w->f) != 0 || ferror(w->f))
		if (!w->error)
			w->error = -EIO;
	return w->error;
}

/* ---- parser ---- */

struct parser {
	const char *p, *start, *end;
	unsigned int depth;
	struct json_error *err;
	int r;
};

__attribute__((format(printf, 2, 3)))
static void fail(struct parser *ps, const char *fmt, ...)
{
	const char *q;
	va_list ap;

	if (ps->r)
		return;
	ps->r = -EBADMSG;
	if (!ps->err)
		return;
	ps->err->line = 1;
	ps->err->column = 1;
	for (q = ps->start; q < ps->p && q < ps->end; q++) {
		if (*q == '\n') {
			ps->err->line++;
			ps->err->column = 1;
		} else {
			ps->err->column++;
		}
	}
	va_start(ap, fmt);
	vsnprintf(ps->err->what, sizeof(ps->err->what), fmt, ap);
	va_end(ap);
}

static void skip_ws(struct parser *ps)
{
	while (ps->p < ps->end && (*ps->p == ' ' || *ps->p == '\t' || *ps->p == '\n' || *ps->p == '\r'))
		ps->p++;
}

static struct json_value *new_value(struct parser *ps, enum json_type type)
{
	struct json_value *v = calloc(1, sizeof(*v));

	if (!v && !ps->r)
		ps->r = -ENOMEM;
	if (v)
		v->type = type;
	return v;
}

static int hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* Append code point @cp (at most U+10FFFF) as UTF-8; returns the length. */
static size_t put_utf8(char *out, unsigned int cp)
{
	if (cp < 0x80) {
		out[0] = (char)cp;
		return 1;
	}
	if (cp < 0x800) {
		out[0] = (char)(0xc0 | (cp >> 6));
		out[1] = (char)(0x80 | (cp & 0x3f));
		return 2;
	}
	if (cp < 0x10000) {
		out[0] = (char)(0xe0 | (cp >> 12));
		out[1] = (char)(0x80 | ((cp >> 6) & 0x3f));
		out[2] = (char)(0x80 | (cp & 0x3f));
		return 3;
	}
	out[0] = (char)(0xf0 | (cp >> 18));
	out[1] = (char)(0x80 | ((cp >> 12) & 0x3f));
	out[2] = (char)(0x80 | ((cp >> 6) & 0x3f));
	out[3] = (char)(0x80 | (cp & 0x3f));
	return 4;
}

/* The four hex digits after the 'u' at @u; false if they are not there. */
static bool read_hex4(const struct parser *ps, const char *u, unsigned int *ret)
{
	unsigned int cp = 0;
	int i, h;

	for (i = 1; i <= 4; i++) {
		h = u + i < ps->end ? hexval(u[i]) : -1;
		if (h < 0)
			return false;
		cp = cp * 16 + (unsigned int)h;
	}
	*ret = cp;
	return true;
}

#define IS_HIGH_SURROGATE(cp) ((cp) >= 0xd800 && (cp) <= 0xdbff)
#define IS_LOW_SURROGATE(cp) ((cp) >= 0xdc00 && (cp) <= 0xdfff)

/*
 * A \u escape, ps->p at its 'u': decode it into @o and leave ps->p on its
 * last hex digit. Returns the bytes written, or 0 after fail().
 *
 * Characters outside the BMP arrive as a UTF-16 surrogate pair,
 * \uD83D\uDE00, which is one character (U+1F600) and becomes one 4-byte
 * sequence. A surrogate that is not half of such a pair (a high one not
 * followed by a \u low one, or a low one on its own) stands for no
 * character: RFC 8259 allows it syntactically but leaves its meaning open,
 * and the only UTF-8 it could become is invalid. Our own writer never
 * produces one (kvmcfg_json_escape() writes non-ASCII text as raw UTF-8),
 * so a lone surrogate means the file came from elsewhere or was damaged,
 * and it is an error rather than a silent U+FFFD.
 *
 * The decoded character must also pass kvmcfg's one UTF-8 rule (utf8.h),
 * the rule raw bytes are held to: an escape is another spelling of the
 * same text, so \uFFFF is refused like the raw bytes EF BF BF.
 */
static size_t parse_u_escape(struct parser *ps, char *o)
{
	unsigned int cp, lo;
	size_t n;

	if (!read_hex4(ps, ps->p, &cp)) {
		fail(ps, "bad \\u escape");
		return 0;
	}
	if (cp == 0) {
		/* Decoded strings are NUL-terminated. */
		fail(ps, "\\u0000 in string");
		return 0;
	}
	if (IS_LOW_SURROGATE(cp)) {
		fail(ps, "lone low surrogate \\u%04X (no high surrogate before it)", cp);
		return 0;
	}
	if (IS_HIGH_SURROGATE(cp)) {
		const char *next = ps->p + 5;

		if (ps->end - next < 2 || next[0] != '\\' || next[1] != 'u') {
			fail(ps, "lone high surrogate \\u%04X (not followed by a \\u low surrogate)", cp);
			return 0;
		}
		if (!read_hex4(ps, next + 1, &lo)) {
			ps->p = next + 1;
			fail(ps, "bad \\u escape");
			return 0;
		}
		if (!IS_LOW_SURROGATE(lo)) {
			fail(ps, "lone high surrogate \\u%04X (followed by \\u%04X, not a low surrogate)",
			     cp, lo);
			return 0;
		}
		cp = 0x10000 + ((cp - 0xd800) << 10) + (lo - 0xdc00);
		ps->p += 6;
	}
	n = put_utf8(o, cp);
	if (kvmcfg_utf8_seq_len((const unsigned char *)o, n) != n) {
		fail(ps, "\\u%04X is not a character kvmcfg accepts", cp);
		return 0;
	}
	ps->p += 4;
	return n;
}

/*
 * A string starting at the opening quote; returns a malloc'd decoded copy.
 * Raw bytes must be UTF-8 by kvmcfg's one rule (utf8.h): RFC 8259 requires
 * UTF-8 text, and the strings read here (parameter values, path names) are
 * printed again by --compare.
 */
static char *parse_string(struct parser *ps)
{
	const char *q = ps->p + 1;
	char *out, *o;
	size_t n;

	/* Decoded text is never longer than the encoded text. */
	while (q < ps->end && *q != '"')
		q += (*q == '\\' && q + 1 < ps->end) ? 2 : 1;
	if (q >= ps->end) {
		fail(ps, "unterminated string");
		return NULL;
	}
	out = o = malloc((size_t)(q - ps->p) + 1);
	if (!out) {
		ps->r = -ENOMEM;
		return NULL;
	}
	for (ps->p++; *ps->p != '"'; ps->p++) {
		unsigned char c = (unsigned char)*ps->p;

		if (c < 0x20) {
			fail(ps, "control character in string");
			goto bad;
		}
		if (c >= 0x80) {
			/* The closing quote is ASCII, so no sequence accepted here runs past it. */
			n = kvmcfg_utf8_seq_len((const unsigned char *)ps->p, (size_t)(ps->end - ps->p));
			if (!n) {
				fail(ps, "invalid UTF-8 in string (byte 0x%02X)", c);
				goto bad;
			}
			memcpy(o, ps->p, n);
			o += n;
			ps->p += n - 1;
			continue;
		}
		if (c != '\\') {
			*o++ = (char)c;
			continue;
		}
		ps->p++;
		switch (*ps->p) {
		case '"': *o++ = '"'; break;
		case '\\': *o++ = '\\'; break;
		case '/': *o++ = '/'; break;
		case 'b': *o++ = '\b'; break;
		case 'f': *o++ = '\f'; break;
		case 'n': *o++ = '\n'; break;
		case 'r': *o++ = '\r'; break;
		case 't': *o++ = '\t'; break;
		case 'u':
			n = parse_u_escape(ps, o);
			if (!n)
				goto bad;
			o += n;
			break;
		default:
			/* The message reaches a terminal: only printable ASCII as is. */
			if (*ps->p > 0x20 && *ps->p < 0x7f)
				fail(ps, "bad escape \\%c", *ps->p);
			else
				fail(ps, "bad escape: '\\' then byte 0x%02X", (unsigned char)*ps->p);
			goto bad;
		}
	}
	ps->p++;
	*o = '\0';
	return out;
bad:
	free(out);
	return NULL;
}

static struct json_value *parse_value(struct parser *ps);

static int push_item(struct parser *ps, struct json_value *v, char *key, struct json_value *item)
{
	struct json_value **items = realloc(v->items, (v->n + 1) * sizeof(*items));
	char **keys;

	if (!items)
		goto oom;
	v->items = items;
	if (v->type == JSON_OBJECT) {
		keys = realloc(v->keys, (v->n + 1) * sizeof(*keys));
		if (!keys)
			goto oom;
		v->keys = keys;
		v->keys[v->n] = key;
	}
	v->items[v->n++] = item;
	return 0;
oom:
	ps->r = -ENOMEM;
	free(key);
	json_value_free(item);
	return -ENOMEM;
}

static struct json_value *parse_container(struct parser *ps, bool object)
{
	struct json_value *v = new_value(ps, object ? JSON_OBJECT : JSON_ARRAY);
	char close = object ? '}' : ']';

	if (!v)
		return NULL;
	if (++ps->depth > JSON_MAX_DEPTH) {
		fail(ps, "nesting deeper than %d", JSON_MAX_DEPTH);
		return json_value_free(v);
	}
	ps->p++;
	skip_ws(ps);
	if (ps->p < ps->end && *ps->p == close) {
		ps->p++;
		ps->depth--;
		return v;
	}
	for (;;) {
		struct json_value *item;
		char *key = NULL;

		skip_ws(ps);
		if (object) {
			if (ps->p >= ps->end || *ps->p != '"') {
				fail(ps, "expected a member name");
				return json_value_free(v);
			}
			key = parse_string(ps);
			if (!key)
				return json_value_free(v);
			skip_ws(ps);
			if (ps->p >= ps->end || *ps->p != ':') {
				free(key);
				fail(ps, "expected ':' after member name");
				return json_value_free(v);
			}
			ps->p++;
		}
		item = parse_value(ps);
		if (!item) {
			free(key);
			return json_value_free(v);
		}
		if (push_item(ps, v, key, item) < 0)
			return json_value_free(v);
		skip_ws(ps);
		if (ps->p < ps->end && *ps->p == ',') {
			ps->p++;
			continue;
		}
		if (ps->p < ps->end && *ps->p == close) {
			ps->p++;
			ps->depth--;
			return v;
		}
		fail(ps, "expected ',' or '%c'", close);
		return json_value_free(v);
	}
}

static struct json_value *parse_number(struct parser *ps)
{
	const char *q = ps->p;
	struct json_value *v;
	char buf[64], *endp;
	size_t len;

	if (q < ps->end && *q == '-')
		q++;
	if (q >= ps->end || *q < '0' || *q > '9') {
		fail(ps, "unexpected character");
		return NULL;
	}
	while (q < ps->end && strchr("0123456789+-.eE", *q))
		q++;
	len = (size_t)(q - ps->p);
	if (len >= sizeof(buf)) {
		fail(ps, "number too long");
		return NULL;
	}
	memcpy(buf, ps->p, len);
	buf[len] = '\0';
	v = new_value(ps, JSON_NUMBER);
	if (!v)
		return NULL;
	v->number = strtod(buf, &endp);
	if (*endp) {
		fail(ps, "malformed number");
		return json_value_free(v);
	}
	ps->p = q;
	return v;
}

static bool take_word(struct parser *ps, const char *word)
{
	size_t len = strlen(word);

	if ((size_t)(ps->end - ps->p) < len || memcmp(ps->p, word, len) != 0)
		return false;
	ps->p += len;
	return true;
}

static struct json_value *parse_value(struct parser *ps)
{
	struct json_value *v;

	skip_ws(ps);
	if (ps->p >= ps->end) {
		fail(ps, "unexpected end of input");
		return NULL;
	}
	switch (*ps->p) {
	case '{':
		return parse_container(ps, true);
	case '[':
		return parse_container(ps, false);
	case '"':
		v = new_value(ps, JSON_STRING);
		if (v && !(v->string = parse_string(ps)))
			v = json_value_free(v);
		return v;
	case 't':
	case 'f':
	{
		bool b = *ps->p == 't';

		if (take_word(ps, b ? "true" : "false")) {
			v = new_value(ps, JSON_BOOL);
			if (v)
				v->boolean = b;
			return v;
		}
		break;
	}
	case 'n':
		if (take_word(ps, "null"))
			return new_value(ps, JSON_NULL);
		break;
	default:
		return parse_number(ps);
	}
	fail(ps, "unexpected character");
	return NULL;
}

int json_parse(const char *text, size_t len, struct json_value **ret, struct json_error *err)
{
	struct parser ps = { .p = text, .start = text, .end = text + len, .err = err };
	struct json_value *v = parse_value(&ps);

	if (v) {
		skip_ws(&ps);
		if (ps.p < ps.end)
			fail(&ps, "trailing data after the value");
	}
	if (ps.r) {
		json_value_free(v);
		return ps.r;
	}
	*ret = v;
	return 0;
}

struct json_value *json_value_free(struct json_value *v)
{
	size_t i;

	if (!v)
		return NULL;
	for (i = 0; i < v->n; i++) {
		if (v->keys)
			free(v->keys[i]);
		json_value_free(v->items[i]);
	}
	free(v->keys);
	free(v->items);
	free(v->string);
	free(v);
	return NULL;
}

const struct json_value *json_get(const struct json_value *obj, const char *key)
{
	size_t i;

	if (!obj || obj->type != JSON_OBJECT)
		return NULL;
	for (i = 0; i < obj->n; i++)
		if (strcmp(obj->keys[i], key) == 0)
			return obj->items[i];
	return NULL;
}

int json_get_number(const struct json_value *obj, const char *key, double *ret)
{
	const struct json_value *v = json_get(obj, key);

	if (!v)
		return -ENOENT;
	if (v->type != JSON_NUMBER)
		return -EMEDIUMTYPE;
	*ret = v->number;
	return 0;
}

int json_get_string(const struct json_value *obj, const char *key, const char **ret)
{
	const struct json_value *v = json_get(obj, key);

	if (!v)
		return -ENOENT;
	if (v->type != JSON_STRING)
		return -EMEDIUMTYPE;
	*ret = v->string;
	return 0;
}
