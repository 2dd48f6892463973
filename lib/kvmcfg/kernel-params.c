// SPDX-License-Identifier: GPL-2.0-only
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/utsname.h>

#include "kernel-params.h"
#include "macro.h"
#include "kmod-dl.h"
#include "param.h"

struct KvmcfgKernel {
	const KvmcfgKmod *kmod;
	struct kmod_ctx *ctx; /* NULL: sysfs only */
	int sysfs_fd;
	char source[400];
	KvmcfgKernelModule *modules; /* the cache */
	size_t n_modules, n_modules_alloc;
};

int kvmcfg_kernel_new(KvmcfgKernel **ret, const char *modules_dir, int sysfs_fd)
{
	KvmcfgKernel *k = calloc(1, sizeof(*k));
	char dir[300];
	struct utsname u;
	struct stat st;
	const char *why = NULL;

	if (!k)
		return -ENOMEM;
	k->sysfs_fd = sysfs_fd;
	if (modules_dir && !*modules_dir) {
		snprintf(k->source, sizeof(k->source), "sysfs only: no modules directory given");
		*ret = k;
		return 0;
	}
	if (!modules_dir) {
		uname(&u);
		snprintf(dir, sizeof(dir), "/lib/modules/%s", u.release);
		modules_dir = dir;
	}
	/* Checked first: without the directory, libkmod need not even be loaded. */
	if (stat(modules_dir, &st) < 0 || !S_ISDIR(st.st_mode))
		snprintf(k->source, sizeof(k->source), "sysfs only: no %s", modules_dir);
	else if (kvmcfg_kmod_get(&k->kmod, &why) < 0)
		snprintf(k->source, sizeof(k->source), "sysfs only: %s", why);
	else if (!(k->ctx = k->kmod->kmod_new(modules_dir, (const char *const[]){ NULL })))
		snprintf(k->source, sizeof(k->source), "sysfs only: libkmod cannot use %s",
			 modules_dir);
	else {
		k->kmod->kmod_set_log_fn(k->ctx, kvmcfg_kmod_log_silent, NULL);
		snprintf(k->source, sizeof(k->source), "%s", modules_dir);
	}
	*ret = k;
	return 0;
}

static void module_done(KvmcfgKernelModule *m)
{
	size_t i;

	for (i = 0; i < m->n_params; i++) {
		free(m->params[i].name);
		free(m->params[i].type);
	}
	free(m->params);
	kvmcfg_index_done(&m->index);
	free(m->name);
}

KvmcfgKernel *kvmcfg_kernel_free(KvmcfgKernel *k)
{
	size_t i;

	if (!k)
		return NULL;
	for (i = 0; i < k->n_modules; i++)
		module_done(&k->modules[i]);
	free(k->modules);
	if (k->ctx)
		k->kmod->kmod_unref(k->ctx);
	free(k);
	return NULL;
}

const char *kvmcfg_kernel_source(const KvmcfgKernel *k)
{
	return k->source;
}

bool kvmcfg_kernel_has_modules_dir(const KvmcfgKernel *k)
{
	return k->ctx != NULL;
}

typedef struct ParamKey {
	const char *name;
	size_t len;
} ParamKey;

static bool param_eq(size_t pos, const void *key, const void *userdata)
{
	const char *name = ((const KvmcfgKernelModule *)userdata)->params[pos].name;
	const ParamKey *k = key;

	return strlen(name) == k->len && !strncmp(name, k->name, k->len);
}

static KvmcfgKernelParam *find_param(const KvmcfgKernelModule *m, const char *name, size_t len)
{
	ParamKey key = { name, len };
	size_t i = kvmcfg_index_find(&m->index, kvmcfg_hash_bytes(KVMCFG_HASH_INIT, name, len),
				     param_eq, &key, m);

	return i == KVMCFG_INDEX_NONE ? NULL : &m->params[i];
}

const KvmcfgKernelParam *kvmcfg_kernel_find_param(const KvmcfgKernelModule *m, const char *name)
{
	return find_param(m, name, strlen(name));
}

/* Add @name (or set its type when known and not yet set). */
static int add_param(KvmcfgKernelModule *m, const char *name, size_t len, const char *type)
{
	KvmcfgKernelParam *p = find_param(m, name, len);

	if (p) {
		if (type && !p->type && !(p->type = strdup(type)))
			return -ENOMEM;
		return 0;
	}
	if (GROW(m->params, m->params_alloc, m->n_params + 1) < 0)
		return -ENOMEM;
	p = &m->params[m->n_params];
	*p = (KvmcfgKernelParam){ strndup(name, len), type ? strdup(type) : NULL };
	if (!p->name || (type && !p->type) ||
	    kvmcfg_index_add(&m->index, kvmcfg_hash_bytes(KVMCFG_HASH_INIT, name, len),
			     m->n_params) < 0) {
		free(p->name);
		free(p->type);
		return -ENOMEM;
	}
	m->n_params++;
	return 0;
}

/* modinfo's "parmtype" ("name:type") and "parm" ("name:description") entries. */
static int from_kmod(KvmcfgKernel *k, KvmcfgKernelModule *m)
{
	const KvmcfgKmod *km = k->kmod;
	struct kmod_module *mod = NULL;
	struct kmod_list *info = NULL, *l;
	int r;

	if (!k->ctx || km->kmod_module_new_from_name_lookup(k->ctx, m->name, &mod) < 0 || !mod)
		return 0;
	m->found = true;
	/* A module file modinfo cannot read: known to exist, its params unknown. */
	if (km->kmod_module_get_info(mod, &info) < 0) {
		km->kmod_module_unref(mod);
		return 0;
	}
	m->params_known = true;
	r = 0;
	for (l = info; r == 0 && l; l = km->kmod_list_next(info, l)) {
		const char *key = km->kmod_module_info_get_key(l);
		const char *value = km->kmod_module_info_get_value(l);
		const char *colon = value ? strchr(value, ':') : NULL;
		bool typed;

		if (!key || !colon)
			continue;
		typed = !strcmp(key, "parmtype");
		if (typed || !strcmp(key, "parm"))
			r = add_param(m, value, colon - value, typed ? colon + 1 : NULL);
	}
	km->kmod_module_info_free_list(info);
	km->kmod_module_unref(mod);
	return r;
}

static int from_sysfs(KvmcfgKernel *k, KvmcfgKernelModule *m)
{
	char **params = NULL;
	size_t i;
	int r;

	if (k->sysfs_fd < 0)
		return 0;
	r = kvmcfg_param_list_at(k->sysfs_fd, m->name, &params);
	if (r < 0)
		return r == -ENOMEM ? r : 0;
	m->found = m->params_known = true;
	for (i = 0; r == 0 && params[i]; i++)
		r = add_param(m, params[i], strlen(params[i]), NULL);
	strv_free(params);
	return r;
}

int kvmcfg_kernel_module(KvmcfgKernel *k, const char *module, const KvmcfgKernelModule **ret)
{
	KvmcfgKernelModule *m;
	size_t i;
	char *p;
	int r;

	for (i = 0; i < k->n_modules; i++)
		if (!strcmp(k->modules[i].name, module)) {
			*ret = &k->modules[i];
			return 0;
		}
	if (GROW(k->modules, k->n_modules_alloc, k->n_modules + 1) < 0)
		return -ENOMEM;
	m = &k->modules[k->n_modules];
	*m = (KvmcfgKernelModule){ .name = strdup(module) };
	if (!m->name)
		return -ENOMEM;
	for (p = m->name; *p; p++)
		if (*p == '-')
			*p = '_';
	r = from_kmod(k, m);
	if (r == 0)
		r = from_sysfs(k, m);
	if (r < 0) {
		module_done(m);
		return r;
	}
	k->n_modules++;
	*ret = m;
	return 0;
}
