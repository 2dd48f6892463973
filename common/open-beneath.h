/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Open a path that must stay inside a directory tree: the sysfs root that
 * --sysfs-root points at may be any tree, and a symlink inside it to
 * /etc/shadow must not make a root-run reader print the shadow file.
 *
 * kvmcfg_open_beneath() uses openat2() with RESOLVE_BENEATH |
 * RESOLVE_NO_MAGICLINKS: absolute symlinks, ".." above the root and
 * /proc-style magic links fail with -EXDEV (or -ELOOP); symlinks that stay
 * inside the tree are followed. Where openat2() is missing (-ENOSYS, kernels
 * before 5.6; -EPERM from a seccomp filter), it walks the path one component at a time
 * with O_NOFOLLOW instead, which refuses every symlink (-ELOOP) and every
 * ".." component (-EXDEV): stricter, and still never outside the tree.
 * The real /sys needs neither: its module parameter paths hold no symlinks.
 *
 * Pure path resolution: no logging. Returns an fd or -errno.
 */
#pragma once

/*
 * Open @path (relative, no leading '/') beneath @dirfd with open(2) @flags
 * (O_CLOEXEC is always added). An empty @path is -EINVAL.
 */
int kvmcfg_open_beneath(int dirfd, const char *path, int flags);

/* The fallback walk alone, for tests on kernels that have openat2(). */
int kvmcfg_open_beneath_walk(int dirfd, const char *path, int flags);
