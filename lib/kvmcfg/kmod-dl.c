// SPDX-License-Identifier: GPL-2.0-only
#include <dlfcn.h>
#include <errno.h>
#include <stdarg.h>
#include <stddef.h>

#include "kmod-dl.h"

int kvmcfg_kmod_get(const KvmcfgKmod **ret, const char **why)
{
	static KvmcfgKmod table;
	static int state; /* 0 not tried, 1 loaded, -errno failed */
	static const char *failure;
	void *dl;

	if (state == 0) {
		/* RTLD_LOCAL: nothing else in the process sees libkmod's symbols. */
		dl = dlopen("libkmod.so.2", RTLD_NOW | RTLD_LOCAL);
		if (!dl) {
			failure = "libkmod.so.2 cannot be loaded";
			state = -EOPNOTSUPP;
		} else {
			state = 1;
#define KVMCFG_KMOD_RESOLVE(name)                                                 \
	if (state == 1 && !(table.name = (__typeof__(name) *)dlsym(dl, #name))) { \
		failure = "libkmod.so.2 has no " #name;                           \
		state = -EOPNOTSUPP;                                              \
	}
			KVMCFG_KMOD_SYMBOLS(KVMCFG_KMOD_RESOLVE)
#undef KVMCFG_KMOD_RESOLVE
			if (state < 0)
				dlclose(dl);
		}
	}
	if (why)
		*why = failure;
	if (state < 0)
		return state;
	*ret = &table;
	return 0;
}

void kvmcfg_kmod_log_silent(void *data, int priority, const char *file, int line, const char *fn,
			    const char *format, va_list args)
{
	(void)data, (void)priority, (void)file, (void)line, (void)fn, (void)format, (void)args;
}
