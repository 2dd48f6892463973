// SPDX-License-Identifier: GPL-2.0-only
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "match.h"
#include "param.h"
#include "policy-from-host.h"
#include "text-filter.h"

static int strv_add_unique(char ***v, size_t *n, const char *s)
{
	char **nv;
	size_t i;

	for (i = 0; i < *n; i++)
		if (!strcmp((*v)[i], s))
			return 0;
	nv = realloc(*v, (*n + 2) * sizeof(*nv));
	if (!nv)
		return -ENOMEM;
	*v = nv;
	nv[*n] = strdup(s);
	if (!nv[*n])
		return -ENOMEM;
	nv[++*n] = NULL;
	return 0;
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

int kvmcfg_kvm_modules_at(int sysfs_fd, const char *const *extra, char ***ret)
{
	char **loaded = NULL, **v = calloc(1, sizeof(char *));
	size_t n = 0, i;
	int r;

	if (!v)
		return -ENOMEM;
	r = kvmcfg_module_list_at(sysfs_fd, &loaded);
	for (i = 0; r == 0 && loaded[i]; i++)
		if (!strcmp(loaded[i], "kvm") || !strncmp(loaded[i], "kvm_", 4))
			r = strv_add_unique(&v, &n, loaded[i]);
	for (i = 0; r == 0 && extra && extra[i]; i++)
		r = strv_add_unique(&v, &n, extra[i]);
	kvmcfg_strv_free(loaded);
	if (r < 0) {
		kvmcfg_strv_free(v);
		return r;
	}
	qsort(v, n, sizeof(*v), cmp_str);
	*ret = v;
	return 0;
}

/* Whether the one output filter would change @s: it holds a control or non-UTF-8 byte. */
static bool has_controls(const char *s, int *r)
{
	char *filtered = kvmcfg_text_filter_dup(s, KVMCFG_TEXT_ONE_LINE);
	bool changed = filtered && strcmp(filtered, s);

	if (!filtered)
		*r = -ENOMEM;
	free(filtered);
	return changed;
}

/*
 * One rule line, or a comment saying why there is none. Returns 1 for a
 * rule, 0 for a comment, -ENOMEM. Names and values come from the tree:
 * anything with a control byte in it is left out, named through the
 * output filter, so the policy never carries an escape sequence.
 */
static int write_param(FILE *o, const char *param, const char *value, int r)
{
	int e = 0;

	if (has_controls(param, &e) || e < 0) {
		fputs("# ", o);
		kvmcfg_text_filter(o, param, strlen(param), KVMCFG_TEXT_ONE_LINE);
		fputs(": not a parameter name, left out\n", o);
		return e;
	}
	if (r < 0) {
		fprintf(o, "# %s: not readable (%s), left out\n", param, strerror(-r));
		return 0;
	}
	if (has_controls(value, &e) || e < 0) {
		fprintf(o, "# %s: value holds control characters, left out\n", param);
		return e;
	}
	if (!kvmcfg_matcher_text_needs_quotes(value)) {
		fprintf(o, "%s = %s\n", param, value);
		return 1;
	}
	/* Quotes cannot nest and a rule is one line; a ';' inside quotes is text (ini.h). */
	if (strchr(value, '"')) {
		fprintf(o, "# %s: value cannot be written as a rule, left out\n", param);
		return 0;
	}
	fprintf(o, "%s = \"%s\"\n", param, value);
	return 1;
}

int kvmcfg_snapshot_at(int sysfs_fd, const char *const *modules, const char *header,
		       char **ret, unsigned *ret_n_rules)
{
	char **params = NULL, *buf = NULL;
	size_t len = 0, i, j;
	unsigned n_rules = 0;
	FILE *o;
	int r = 0;

	o = open_memstream(&buf, &len);
	if (!o)
		return -ENOMEM;
	if (header)
		fputs(header, o);
	for (i = 0; modules[i]; i++) {
		r = kvmcfg_param_list_at(sysfs_fd, modules[i], &params);
		if (r == -ENODEV) {
			fprintf(o, "\n# [%s]: not loaded\n", modules[i]);
			r = 0;
			continue;
		}
		if (r < 0)
			break;
		fprintf(o, "\n[%s]\nRequired = yes\n", modules[i]);
		for (j = 0; r == 0 && params[j]; j++) {
			char *value = NULL;
			int rr = kvmcfg_param_read_at(sysfs_fd, modules[i], params[j], &value);

			rr = write_param(o, params[j], value, rr);
			free(value);
			if (rr < 0)
				r = rr;
			else
				n_rules += rr;
		}
		kvmcfg_strv_free(params);
		if (r < 0)
			break;
	}
	if (fclose(o) != 0 && r == 0)
		r = -ENOMEM;
	if (r == 0 && !buf)
		r = -ENOMEM;
	if (r < 0) {
		free(buf);
		return r;
	}
	*ret = buf;
	if (ret_n_rules)
		*ret_n_rules = n_rules;
	return 0;
}
