/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Unloading and loading kvm and its vendor module with parameters, through
 * the rmmod/modprobe/modinfo programs (kmod's or busybox's, so the runner
 * works the same in a busybox initramfs), and comparing what the loaded
 * the saved params of each module, taken before and after.
 */
#pragma once

#include <signal.h>
#include <stdbool.h>
#include <stddef.h>

/* The programs to run; tests point these at fakes. */
struct modtools {
	const char *modprobe, *rmmod, *modinfo;
	unsigned int timeout_ms;
};

/* name=value pairs as read from /sys/module/<m>/parameters. */
struct saved_params {
	char *module;
	bool loaded;
	char **names, **values; /* n each */
	size_t n;
};

int saved_params_take(int sysfs_fd, const char *module, struct saved_params *ret);
void saved_params_clear(struct saved_params *s);
/* The value of @name, or NULL. */
const char *saved_params_get(const struct saved_params *s, const char *name);

/*
 * Unload @module if it is loaded. On failure returns -errno and *why is a
 * malloc'd message with the tool's output (caller frees).
 */
int module_unload(const struct modtools *t, int sysfs_fd, const char *module, char **why);

/* modprobe @module with "param=value" words @params (n of them). Same *why. */
int module_load(const struct modtools *t, const char *module, char *const *params, size_t n,
		char **why);

/* The parameter names modinfo lists for a module that is not loaded. */
int module_params_modinfo(const struct modtools *t, const char *module, char ***ret);
