// SPDX-License-Identifier: GPL-2.0-only
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fake-sysfs.h"

static void die(const char *what, const char *path)
{
	fprintf(stderr, "fake-sysfs: %s %s: %m\n", what, path);
	abort();
}

char *fake_sysfs_new(void)
{
	char *root = strdup("/tmp/kvmcfg-test-XXXXXX");

	/* 0755: tests drop to nobody to see EACCES on one file, not on the root. */
	if (!root || !mkdtemp(root) || chmod(root, 0755) < 0)
		die("mkdtemp", "/tmp");
	return root;
}

void fake_sysfs_put(const char *root, const char *rel, const char *value, mode_t mode)
{
	char path[4096], *p;
	size_t len = strlen(value);
	int fd;

	snprintf(path, sizeof(path), "%s/%s", root, rel);
	for (p = path + strlen(root) + 1; (p = strchr(p, '/')); p++) {
		*p = '\0';
		if (mkdir(path, 0755) < 0 && access(path, F_OK) < 0)
			die("mkdir", path);
		*p = '/';
	}
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	if (fd < 0 || write(fd, value, len) != (ssize_t)len || close(fd) < 0 || chmod(path, mode) < 0)
		die("write", path);
}

void fake_sysfs_param(const char *root, const char *module, const char *param, const char *value)
{
	char rel[512], v[512];

	snprintf(rel, sizeof(rel), "module/%s/parameters/%s", module, param);
	snprintf(v, sizeof(v), "%s\n", value);
	fake_sysfs_put(root, rel, v, 0444);
}

void fake_sysfs_free(char *root)
{
	char cmd[4200];

	if (!root)
		return;
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", root);
	if (system(cmd) != 0)
		fprintf(stderr, "fake-sysfs: could not remove %s\n", root);
	free(root);
}
