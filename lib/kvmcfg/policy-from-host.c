// SPDX-License-Identifier: GPL-2.0-only
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "match.h"
#include "param.h"
#include "policy-from-host.h"

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

/* One rule line, or a comment saying why there is none. Returns 1 for a rule. */
static int write_param(FILE *o, const char *param, const char *value, int r)
{
	if (r < 0) {
		fprintf(o, "# %s: not readable (%s), left out\n", param, strerror(-r));
		return 0;
	}
	if (!kvmcfg_matcher_text_needs_quotes(value)) {
		fprintf(o, "%s = %s\n", param, value);
		return 1;
	}
	/* Quotes cannot nest and a rule is one line; a ';' inside quotes is text (ini.h). */
	if (strchr(value, '"') || strchr(value, '\n')) {
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
		for (j = 0; params[j]; j++) {
			char *value = NULL;
			int rr = kvmcfg_param_read_at(sysfs_fd, modules[i], params[j], &value);

			n_rules += write_param(o, params[j], value, rr);
			free(value);
		}
		kvmcfg_strv_free(params);
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
