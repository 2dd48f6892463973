// SPDX-License-Identifier: GPL-2.0-only
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "macro.h"
#include "param-set.h"
#include "param.h"
#include "policy-from-host.h"

void kvmcfg_params_init(KvmcfgParams *s)
{
	*s = (KvmcfgParams){ 0 };
}

void kvmcfg_params_deinit(KvmcfgParams *s)
{
	size_t i;

	if (!s)
		return;
	for (i = 0; i < s->n; i++) {
		free(s->items[i].module);
		free(s->items[i].param);
		free(s->items[i].value);
	}
	free(s->items);
	kvmcfg_params_init(s);
}

int kvmcfg_params_add(KvmcfgParams *s, const char *module, const char *param, const char *value,
		      int error)
{
	KvmcfgParam n = {
		.module = strdup(module),
		.param = strdup(param),
		.value = value ? strdup(value) : NULL,
		.error = value ? 0 : error,
	};

	if (!n.module || !n.param || (value && !n.value) ||
	    GROW(s->items, s->n_alloc, s->n + 1) < 0) {
		free(n.module);
		free(n.param);
		free(n.value);
		return -ENOMEM;
	}
	s->items[s->n++] = n;
	return 0;
}

static int collect_module(KvmcfgParams *s, int sysfs_fd, const char *module)
{
	char **names = NULL;
	size_t i;
	int r;

	r = kvmcfg_param_list_at(sysfs_fd, module, &names);
	if (r == -ENODEV)
		return 0; /* not loaded, or unloaded since it was listed */
	if (r < 0)
		return r;
	for (i = 0; r == 0 && names[i]; i++) {
		char *value = NULL;
		int e = kvmcfg_param_read_at(sysfs_fd, module, names[i], &value);

		r = kvmcfg_params_add(s, module, names[i], e < 0 ? NULL : value, e);
		free(value);
	}
	strv_free(names);
	return r;
}

int kvmcfg_params_collect_at(int sysfs_fd, const char *const *modules, KvmcfgParams *ret)
{
	KvmcfgParams s = { 0 };
	char **kvm = NULL;
	size_t i;
	int r = 0;

	if (!modules) {
		r = kvmcfg_kvm_modules_at(sysfs_fd, NULL, &kvm);
		if (r < 0)
			return r;
		modules = (const char *const *)kvm;
	}
	for (i = 0; r == 0 && modules[i]; i++)
		r = collect_module(&s, sysfs_fd, modules[i]);
	strv_free(kvm);
	if (r < 0) {
		kvmcfg_params_deinit(&s);
		return r;
	}
	*ret = s;
	return 0;
}
