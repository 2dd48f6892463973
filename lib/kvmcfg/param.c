// SPDX-License-Identifier: GPL-2.0-only
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include "open-beneath.h"
#include "param.h"

int kvmcfg_module_loaded_at(int sysfs_fd, const char *module)
{
	char path[PATH_MAX];
	int fd;

	if (snprintf(path, sizeof(path), "module/%s", module) >= (int)sizeof(path))
		return -ENAMETOOLONG;
	fd = kvmcfg_open_beneath(sysfs_fd, path, O_PATH | O_DIRECTORY);
	if (fd >= 0) {
		close(fd);
		return 1;
	}
	return fd == -ENOENT ? 0 : fd;
}

int kvmcfg_param_read_at(int sysfs_fd, const char *module, const char *param, char **ret)
{
	char path[PATH_MAX], buf[KVMCFG_PARAM_MAX + 2];
	struct stat st;
	size_t len = 0;
	ssize_t n;
	int fd, r;
	char *v;

	if (!*module || !*param || strchr(module, '/') || strchr(param, '/') ||
	    !strcmp(module, "..") || !strcmp(param, ".."))
		return -EINVAL;
	if (snprintf(path, sizeof(path), "module/%s/parameters/%s", module, param) >=
	    (int)sizeof(path))
		return -ENAMETOOLONG;
	/*
	 * Beneath the root (a symlink out of a fake tree must not be read),
	 * non-blocking and regular files only: a FIFO or a device node under
	 * --sysfs-root would otherwise hang the check, and kvmcfgd with it.
	 */
	fd = kvmcfg_open_beneath(sysfs_fd, path, O_RDONLY | O_NOCTTY | O_NONBLOCK);
	if (fd < 0) {
		r = fd;
		if (r == -ENOENT) {
			int loaded = kvmcfg_module_loaded_at(sysfs_fd, module);

			if (loaded == 0)
				return -ENODEV;
		}
		return r;
	}
	r = fstat(fd, &st) < 0	? -errno :
	    S_ISREG(st.st_mode) ? 0 :
	    S_ISDIR(st.st_mode) ? -EISDIR :
				  -EBADFD;
	if (r < 0) {
		close(fd);
		return r;
	}
	/* Bounded: at most sizeof(buf) - 1 bytes in all, whatever the file holds. */
	for (;;) {
		n = read(fd, buf + len, sizeof(buf) - 1 - len);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			r = -errno;
			close(fd);
			/* sysfs answers a read of a removed attribute with ENODEV. */
			return r == -ENODEV || r == -ENOENT ? -ESTALE : r;
		}
		if (n == 0)
			break;
		len += n;
		if (len >= sizeof(buf) - 1)
			break;
		/*
		 * sysfs hands over a whole attribute in the first read, and every
		 * module param ends in a newline: a short read that ends in one is
		 * the whole value, and the read that would return 0 is a syscall
		 * saved per param (a quarter of a check's syscalls).
		 */
		if ((size_t)n < sizeof(buf) - 1 - (len - n) && buf[len - 1] == '\n')
			break;
	}
	close(fd);
	if (len > KVMCFG_PARAM_MAX || memchr(buf, '\0', len))
		return -EBADMSG;
	if (len && buf[len - 1] == '\n')
		len--;
	buf[len] = '\0';
	v = strdup(buf);
	if (!v)
		return -ENOMEM;
	*ret = v;
	return 0;
}

int kvmcfg_param_read(const char *sysfs_root, const char *module, const char *param, char **ret)
{
	int fd = open(sysfs_root, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	int r;

	if (fd < 0)
		return -errno;
	r = kvmcfg_param_read_at(fd, module, param, ret);
	close(fd);
	return r;
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static int names_push(char ***v, size_t *n, size_t *cap, const char *name)
{
	if (*n + 2 > *cap) {
		size_t ncap = *cap ? *cap * 2 : 16;
		char **nv = realloc(*v, ncap * sizeof(*nv));

		if (!nv)
			return -ENOMEM;
		*v = nv;
		*cap = ncap;
	}
	(*v)[*n] = strdup(name);
	if (!(*v)[*n])
		return -ENOMEM;
	(*v)[++*n] = NULL;
	return 0;
}

/*
 * The sorted names in directory @rel under @dirfd; entries starting with '.'
 * skipped. Read with getdents64() into a buffer on the stack, not readdir():
 * glibc's opendir() mallocs a 32 KiB buffer per directory, and a daemon that
 * lists module directories on every check would churn its heap with it (a
 * transient block that size between long-lived small ones is what made
 * kvmcfgd's RSS creep over a reload soak; docs/reliability.md).
 */
static int list_dir_at(int dirfd, const char *rel, char ***ret)
{
	char buf[4096] __attribute__((aligned(__alignof__(struct dirent64))));
	char **v = NULL;
	size_t n = 0, cap = 0;
	int fd, r = 0;

	fd = kvmcfg_open_beneath(dirfd, rel, O_RDONLY | O_DIRECTORY);
	if (fd < 0)
		return fd;
	for (;;) {
		ssize_t got = getdents64(fd, buf, sizeof(buf));
		size_t off;

		if (got < 0) {
			r = -errno;
			break;
		}
		if (got == 0)
			break;
		for (off = 0; off < (size_t)got && r == 0;) {
			const struct dirent64 *de = (const struct dirent64 *)(buf + off);

			off += de->d_reclen;
			if (de->d_name[0] != '.')
				r = names_push(&v, &n, &cap, de->d_name);
		}
		if (r < 0)
			break;
	}
	close(fd);
	if (r < 0) {
		strv_free(v);
		return r;
	}
	if (!v) {
		v = calloc(1, sizeof(*v));
		if (!v)
			return -ENOMEM;
	}
	qsort(v, n, sizeof(*v), cmp_str);
	*ret = v;
	return 0;
}

int kvmcfg_param_list_at(int sysfs_fd, const char *module, char ***ret)
{
	char path[PATH_MAX];
	char **v;
	int r;

	if (!*module || strchr(module, '/'))
		return -EINVAL;
	if (snprintf(path, sizeof(path), "module/%s/parameters", module) >= (int)sizeof(path))
		return -ENAMETOOLONG;
	r = list_dir_at(sysfs_fd, path, ret);
	if (r != -ENOENT)
		return r;
	r = kvmcfg_module_loaded_at(sysfs_fd, module);
	if (r == 0)
		return -ENODEV;
	if (r < 0)
		return r;
	/* Loaded, no parameters directory: none. */
	v = calloc(1, sizeof(*v));
	if (!v)
		return -ENOMEM;
	*ret = v;
	return 0;
}

int kvmcfg_module_list_at(int sysfs_fd, char ***ret)
{
	return list_dir_at(sysfs_fd, "module", ret);
}

int kvmcfg_parse_bool(const char *s, bool *ret)
{
	static const char *const yes[] = { "y", "1", "yes", "true", "on" };
	static const char *const no[] = { "n", "0", "no", "false", "off" };
	size_t i;

	for (i = 0; i < sizeof(yes) / sizeof(yes[0]); i++) {
		if (!strcasecmp(s, yes[i])) {
			*ret = true;
			return 0;
		}
		if (!strcasecmp(s, no[i])) {
			*ret = false;
			return 0;
		}
	}
	return -EINVAL;
}

int kvmcfg_parse_int(const char *s, int64_t *ret)
{
	long long v;
	char *end;

	if (!*s || isspace((unsigned char)*s))
		return -EINVAL;
	errno = 0;
	v = strtoll(s, &end, 0);
	if (errno == ERANGE)
		return -ERANGE;
	if (errno || *end || end == s)
		return -EINVAL;
	*ret = v;
	return 0;
}
