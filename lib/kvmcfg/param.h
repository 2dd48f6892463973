/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The one reader of kernel module parameters, /sys/module/<m>/parameters/<p>,
 * under a sysfs root that tests point at a temporary tree. Shared by kvmcfgd,
 * kvmcfgctl, the matrix runner and the selftests.
 *
 * Returns are negative errno. Distinct outcomes callers rely on:
 *   -ENODEV   the module is not loaded (no <root>/module/<module>)
 *   -ENOENT   the module is loaded but exports no such parameter
 *   -EACCES   the parameter exists but we may not read it (also -EPERM)
 *   -ESTALE   the module went away while we read (file vanished mid-read)
 *   -EBADMSG  the value is not text (a NUL byte) or is over KVMCFG_PARAM_MAX
 *   -EBADFD   the path is not a regular file (a FIFO, a device node, a socket;
 *             -EISDIR for a directory): never read, so nothing can block
 *   -EXDEV, -ELOOP  the path leaves the sysfs root through a symlink or ".."
 *             (open-beneath.h); nothing outside the tree is ever read
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "strv.h"

#define KVMCFG_PARAM_MAX 4096

/*
 * Read one parameter. On success *ret is a malloc'd string with one trailing
 * newline removed. @sysfs_root is the directory that holds module/ ("/sys").
 */
int kvmcfg_param_read(const char *sysfs_root, const char *module, const char *param, char **ret);

/* The same under an open directory fd of the sysfs root (fewer path walks). */
int kvmcfg_param_read_at(int sysfs_fd, const char *module, const char *param, char **ret);

/* Whether <root>/module/<module> exists: 1 yes, 0 no, or -errno. */
int kvmcfg_module_loaded_at(int sysfs_fd, const char *module);

/*
 * The parameter names of a loaded module, sorted, NULL-terminated, in a
 * malloc'd vector of malloc'd strings (free with strv_free()).
 * -ENODEV if the module is not loaded; a module without parameters gives an
 * empty vector.
 */
int kvmcfg_param_list_at(int sysfs_fd, const char *module, char ***ret);

/*
 * The names of all loaded modules (directories under <root>/module), sorted,
 * in a NULL-terminated vector like kvmcfg_param_list_at(). Built-in modules
 * with parameters appear too, as they do in sysfs.
 */
int kvmcfg_module_list_at(int sysfs_fd, char ***ret);

/*
 * Pure parsers for sysfs values (no I/O).
 * Booleans: Y/N, y/n, 1/0, yes/no, true/false, on/off (case-insensitive), as
 * the kernel's param_set_bool() accepts them and people write them.
 */
int kvmcfg_parse_bool(const char *s, bool *ret);
/* A whole decimal (or 0x hex) integer, optionally signed: -EINVAL, -ERANGE. */
int kvmcfg_parse_int(const char *s, int64_t *ret);
