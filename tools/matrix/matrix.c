// SPDX-License-Identifier: GPL-2.0-only
#include <errno.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "matrix.h"

int matrix_new(struct matrix **ret)
{
	struct matrix *m = calloc(1, sizeof(*m));

	if (!m)
		return -ENOMEM;
	*ret = m;
	return 0;
}

static void axis_clear(struct matrix_axis *a)
{
	for (size_t i = 0; i < a->n_values; i++)
		free(a->values[i]);
	free(a->values);
	free(a->module);
	free(a->param);
	free(a->note);
	memset(a, 0, sizeof(*a));
}

struct matrix *matrix_free(struct matrix *m)
{
	if (!m)
		return NULL;
	for (size_t i = 0; i < m->n_axes; i++)
		axis_clear(&m->axes[i]);
	free(m->axes);
	free(m);
	return NULL;
}

/* A cursor over one source that knows its line and column for errors. */
struct cursor {
	const char *p;
	unsigned int line, column;
};

static void advance(struct cursor *c)
{
	if (*c->p == '\n') {
		c->line++;
		c->column = 1;
	} else {
		c->column++;
	}
	c->p++;
}

/* Skip blanks and comments; with @newlines, also line ends. */
static void skip_space(struct cursor *c, bool newlines)
{
	for (;;) {
		if (*c->p == ' ' || *c->p == '\t' || *c->p == '\r' || (newlines && *c->p == '\n'))
			advance(c);
		else if (*c->p == '#')
			while (*c->p && *c->p != '\n')
				advance(c);
		else
			return;
	}
}

static bool word_char(char ch, bool value)
{
	return (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9') ||
	       ch == '_' || ch == '-' || (value && (ch == '+' || ch == ':'));
}

static int fail(struct matrix_error *err, const struct cursor *c, const char *msg, int r)
{
	err->line = c->line;
	err->column = c->column;
	err->message = msg;
	return r;
}

/* Copy a word; -EINVAL (with nothing written) when the cursor is not on one. */
static int take_word(struct cursor *c, bool value, char **ret)
{
	const char *start = c->p;
	char *w;

	while (word_char(*c->p, value))
		advance(c);
	if (c->p == start)
		return -EINVAL;
	w = strndup(start, c->p - start);
	if (!w)
		return -ENOMEM;
	*ret = w;
	return 0;
}

static int push_value(struct matrix_axis *a, char *v)
{
	char **nv = realloc(a->values, (a->n_values + 1) * sizeof(*nv));

	if (!nv)
		return -ENOMEM;
	a->values = nv;
	a->values[a->n_values++] = v;
	return 0;
}

static bool axis_exists(const struct matrix *m, const struct matrix_axis *a)
{
	for (size_t i = 0; i < m->n_axes; i++)
		if (!strcmp(m->axes[i].module, a->module) && !strcmp(m->axes[i].param, a->param))
			return true;
	return false;
}

static int parse_values(struct cursor *c, struct matrix_axis *a, struct matrix_error *err)
{
	char *v = NULL;
	int r;

	if (*c->p != '{') {
		r = take_word(c, true, &v);
		if (r == -EINVAL)
			return fail(err, c, "expected a value or '{' after '='", r);
		return r < 0 ? r : push_value(a, v) < 0 ? (free(v), -ENOMEM) : 0;
	}
	advance(c);
	for (;;) {
		skip_space(c, false);
		r = take_word(c, true, &v);
		if (r == -EINVAL)
			return fail(err, c, "expected a value in '{...}'", r);
		if (r < 0)
			return r;
		for (size_t i = 0; i < a->n_values; i++)
			if (!strcmp(a->values[i], v)) {
				free(v);
				return fail(err, c, "value listed twice in '{...}'", -EINVAL);
			}
		if (push_value(a, v) < 0) {
			free(v);
			return -ENOMEM;
		}
		skip_space(c, false);
		if (*c->p == ',') {
			advance(c);
			continue;
		}
		if (*c->p == '}') {
			advance(c);
			return 0;
		}
		return fail(err, c, "expected ',' or '}'", -EINVAL);
	}
}

static int parse_axis(struct cursor *c, struct matrix_axis *a, struct matrix_error *err)
{
	int r;

	r = take_word(c, false, &a->module);
	if (r == -EINVAL)
		return fail(err, c, "expected module.param=", r);
	if (r < 0)
		return r;
	for (char *s = a->module; *s; s++)
		if (*s == '-')
			*s = '_';
	if (*c->p != '.')
		return fail(err, c, "expected '.' between module and parameter", -EINVAL);
	advance(c);
	r = take_word(c, false, &a->param);
	if (r == -EINVAL)
		return fail(err, c, "expected a parameter name after '.'", r);
	if (r < 0)
		return r;
	skip_space(c, false);
	if (*c->p != '=')
		return fail(err, c, "expected '=' after the parameter name", -EINVAL);
	advance(c);
	skip_space(c, false);
	return parse_values(c, a, err);
}

int matrix_parse(struct matrix *m, const char *text, struct matrix_error *err)
{
	struct cursor c = { .p = text, .line = 1, .column = 1 };
	bool need_axis = true, dangling_x = false;
	int r;

	for (;;) {
		struct matrix_axis a = {}, *na;
		struct cursor at;

		skip_space(&c, true);
		if (!*c.p) {
			if (dangling_x)
				return fail(err, &c, "expected an axis after 'x'", -EINVAL);
			return 0;
		}
		if (!need_axis) {
			/* Axes are separated by 'x', ';' or a line end. */
			if ((*c.p == 'x' && !word_char(c.p[1], false)) || *c.p == ';') {
				dangling_x = *c.p == 'x';
				advance(&c);
				need_axis = true;
				continue;
			}
			return fail(err, &c, "expected 'x' between axes", -EINVAL);
		}
		at = c;
		r = parse_axis(&c, &a, err);
		if (r == 0 && axis_exists(m, &a))
			r = fail(err, &at, "module.param given twice", -EEXIST);
		if (r < 0) {
			axis_clear(&a);
			return r;
		}
		na = realloc(m->axes, (m->n_axes + 1) * sizeof(*na));
		if (!na) {
			axis_clear(&a);
			return -ENOMEM;
		}
		m->axes = na;
		m->axes[m->n_axes++] = a;
		dangling_x = false;
		/* A line end also separates axes, so a file can list one per line. */
		skip_space(&c, false);
		need_axis = *c.p == '\n';
	}
}

static bool strv_contains(char **v, const char *s)
{
	for (; v && *v; v++)
		if (!strcmp(*v, s))
			return true;
	return false;
}

__attribute__((format(printf, 2, 3))) static int drop(struct matrix_axis *a, const char *fmt, ...)
{
	char *note;
	va_list ap;
	int r;

	va_start(ap, fmt);
	r = vasprintf(&note, fmt, ap);
	va_end(ap);
	if (r < 0)
		return -ENOMEM;
	free(a->note);
	a->note = note;
	return 1;
}

static int axis_apply(struct matrix_axis *a, const struct matrix_host *h)
{
	bool vendor = h->vendor_module && !strcmp(a->module, h->vendor_module);
	char **params;

	if (!strcmp(a->module, "kvm_amd") || !strcmp(a->module, "kvm_intel")) {
		if (!vendor)
			return drop(a, "not this CPU's vendor module (this host uses %s)",
				    h->vendor_module ? h->vendor_module : "none");
	} else if (strcmp(a->module, "kvm") != 0) {
		return drop(
			a, "%s is not a module the runner reloads (kvm and the vendor module only)",
			a->module);
	}
	params = vendor ? h->vendor_params : h->kvm_params;
	if (params && !strv_contains(params, a->param))
		return drop(a, "the module has no parameter '%s'", a->param);
	if (vendor && !strcmp(a->param, "sev") && !h->cpu_sev)
		return drop(a, "%s", "the CPU has no 'sev' flag in /proc/cpuinfo");
	if (vendor && !strcmp(a->param, "sev_es") && !h->cpu_sev_es)
		return drop(a, "%s", "the CPU has no 'sev_es' flag in /proc/cpuinfo");
	return 0;
}

int matrix_apply_host(struct matrix *m, const struct matrix_host *host)
{
	int n = 0, r;

	for (size_t i = 0; i < m->n_axes; i++) {
		if (m->axes[i].note)
			continue;
		r = axis_apply(&m->axes[i], host);
		if (r < 0)
			return r;
		n += r;
	}
	return n;
}

size_t matrix_n_active(const struct matrix *m)
{
	size_t n = 0;

	for (size_t i = 0; i < m->n_axes; i++)
		n += !m->axes[i].note;
	return n;
}

size_t matrix_n_configs(const struct matrix *m)
{
	size_t n = 1;

	if (!matrix_n_active(m))
		return 0;
	for (size_t i = 0; i < m->n_axes; i++)
		if (!m->axes[i].note)
			n *= m->axes[i].n_values;
	return n;
}

void matrix_config(const struct matrix *m, size_t index, size_t *choice)
{
	for (size_t i = m->n_axes; i-- > 0;) {
		if (m->axes[i].note) {
			choice[i] = SIZE_MAX;
			continue;
		}
		choice[i] = index % m->axes[i].n_values;
		index /= m->axes[i].n_values;
	}
}
