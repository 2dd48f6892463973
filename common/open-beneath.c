// SPDX-License-Identifier: GPL-2.0-only
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/openat2.h>
#include <stdbool.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "open-beneath.h"

int kvmcfg_open_beneath_walk(int dirfd, const char *path, int flags)
{
	char comp[NAME_MAX + 1];
	const char *p = path, *slash;
	int cur = dirfd, fd;

	if (!*path || *path == '/')
		return -EINVAL;
	for (;;) {
		size_t len;

		slash = strchr(p, '/');
		len = slash ? (size_t)(slash - p) : strlen(p);
		if (len > NAME_MAX) {
			fd = -ENAMETOOLONG;
			break;
		}
		memcpy(comp, p, len);
		comp[len] = '\0';
		if (!strcmp(comp, "..")) {
			fd = -EXDEV;
			break;
		}
		if (len == 0 || !strcmp(comp, ".")) {
			/* "a//b" and "./a": nothing to open for this component. */
			if (!slash) {
				fd = openat(cur, ".", flags | O_CLOEXEC);
				fd = fd < 0 ? -errno : fd;
				break;
			}
			p = slash + 1;
			continue;
		}
		if (!slash) {
			fd = openat(cur, comp, flags | O_NOFOLLOW | O_CLOEXEC);
			fd = fd < 0 ? -errno : fd;
			break;
		}
		fd = openat(cur, comp, O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		if (fd < 0) {
			struct stat st;

			/* A symlinked directory shows as ENOTDIR under O_NOFOLLOW|O_DIRECTORY. */
			fd = -errno;
			if (fd == -ENOTDIR && fstatat(cur, comp, &st, AT_SYMLINK_NOFOLLOW) == 0 &&
			    S_ISLNK(st.st_mode))
				fd = -ELOOP;
			break;
		}
		if (cur != dirfd)
			close(cur);
		cur = fd;
		p = slash + 1;
	}
	if (cur != dirfd)
		close(cur);
	return fd;
}

int kvmcfg_open_beneath(int dirfd, const char *path, int flags)
{
	/* Remembered per process: a kernel without openat2() does not grow one. */
	static bool no_openat2;
	struct open_how how = {
		.flags = (unsigned)(flags | O_CLOEXEC),
		.resolve = RESOLVE_BENEATH | RESOLVE_NO_MAGICLINKS,
	};
	long fd;

	if (!*path || *path == '/')
		return -EINVAL;
	if (!__atomic_load_n(&no_openat2, __ATOMIC_RELAXED)) {
		fd = syscall(SYS_openat2, dirfd, path, &how, sizeof(how));
		if (fd >= 0)
			return (int)fd;
		/*
		 * ENOSYS: an old kernel. EPERM: a seccomp filter that denies what
		 * it does not know (systemd's SystemCallErrorNumber=EPERM, old
		 * container profiles); an open for reading is not refused with
		 * EPERM otherwise, and the walk says so if it really is.
		 */
		if (errno != ENOSYS && errno != EPERM)
			return -errno;
		if (errno == ENOSYS)
			__atomic_store_n(&no_openat2, true, __ATOMIC_RELAXED);
	}
	return kvmcfg_open_beneath_walk(dirfd, path, flags);
}
