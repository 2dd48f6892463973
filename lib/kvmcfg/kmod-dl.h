/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * libkmod, loaded with dlopen() the first time it is needed, as systemd
 * loads its optional libraries. libkmod pulls in libcrypto, zstd and lzma;
 * linking it made every kvmcfgctl run (even --help) and the daemon pay for
 * loading them. Only modprobe.d import (ImportModprobe=yes) and the review
 * of a policy against the kernel's modules (kernel-params.h) use it.
 *
 * The types come from <libkmod.h> (a build dependency for the header only);
 * each function is called through the table, e.g. kmod->kmod_new(...).
 */
#pragma once

#include <libkmod.h>

#define KVMCFG_KMOD_SYMBOLS(X)              \
	X(kmod_new)                         \
	X(kmod_unref)                       \
	X(kmod_set_log_fn)                  \
	X(kmod_list_next)                   \
	X(kmod_module_new_from_name_lookup) \
	X(kmod_module_unref)                \
	X(kmod_module_get_info)             \
	X(kmod_module_info_free_list)       \
	X(kmod_module_info_get_key)         \
	X(kmod_module_info_get_value)       \
	X(kmod_config_get_options)          \
	X(kmod_config_iter_next)            \
	X(kmod_config_iter_get_key)         \
	X(kmod_config_iter_get_value)       \
	X(kmod_config_iter_free_iter)

typedef struct KvmcfgKmod {
#define KVMCFG_KMOD_FIELD(name) __typeof__(name) *name;
	KVMCFG_KMOD_SYMBOLS(KVMCFG_KMOD_FIELD)
#undef KVMCFG_KMOD_FIELD
} KvmcfgKmod;

/*
 * The table, loading libkmod.so.2 on the first call (later calls return the
 * same table or the same error). -EOPNOTSUPP when the library or one of its
 * functions is missing; @why (may be NULL) then says which.
 */
int kvmcfg_kmod_get(const KvmcfgKmod **ret, const char **why);

/* A log function for kmod_set_log_fn() that drops everything (helpers don't log). */
void kvmcfg_kmod_log_silent(void *data, int priority, const char *file, int line, const char *fn,
			    const char *format, va_list args);
