/* SPDX-License-Identifier: GPL-2.0-only */
/* A temporary /sys/module tree for tests of the reader, checker and CLI. */
#pragma once

#include <sys/types.h>

/* Make a fresh temporary directory; returns its malloc'd path (aborts on failure). */
char *fake_sysfs_new(void);
/* Write <root>/<rel> with @value (no newline added), creating parents, then chmod @mode. */
void fake_sysfs_put(const char *root, const char *rel, const char *value, mode_t mode);
/* "module/<m>/parameters/<p>" = "<value>\n" with mode 0444. */
void fake_sysfs_param(const char *root, const char *module, const char *param, const char *value);
/* Remove the tree and free @root. */
void fake_sysfs_free(char *root);
