// SPDX-License-Identifier: GPL-2.0-only
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "host.h"
#include "macro.h"
#include "param.h"

/* Whether @flags (a space-separated list) has the word @flag. */
static bool has_flag(const char *flags, size_t len, const char *flag)
{
	size_t fl = strlen(flag);

	for (const char *p = flags; p + fl <= flags + len; p++)
		if ((p == flags || p[-1] == ' ' || p[-1] == '\t') && !strncmp(p, flag, fl) &&
		    (p + fl == flags + len || p[fl] == ' ' || p[fl] == '\n'))
			return true;
	return false;
}

/* The value of "key<tabs>: value" in the first CPU block, or NULL. */
static const char *field(const char *text, const char *key, size_t *len)
{
	size_t kl = strlen(key);

	for (const char *line = text; line && *line && *line != '\n';) {
		const char *nl = strchr(line, '\n'), *v;

		if (!strncmp(line, key, kl) &&
		    (line[kl] == '\t' || line[kl] == ' ' || line[kl] == ':')) {
			v = strchr(line, ':');
			if (v && (!nl || v < nl)) {
				v++;
				while (*v == ' ')
					v++;
				*len = nl ? (size_t)(nl - v) : strlen(v);
				return v;
			}
		}
		line = nl ? nl + 1 : NULL;
	}
	return NULL;
}

int cpuinfo_parse(const char *text, struct cpu_facts *ret)
{
	struct cpu_facts f = {};
	const char *v;
	size_t len;

	v = field(text, "vendor_id", &len);
	if (!v || !len)
		return -EBADMSG;
	snprintf(f.vendor_id, sizeof(f.vendor_id), "%.*s", (int)len, v);
	v = field(text, "flags", &len);
	if (v) {
		f.svm = has_flag(v, len, "svm");
		f.vmx = has_flag(v, len, "vmx");
		f.sev = has_flag(v, len, "sev");
		f.sev_es = has_flag(v, len, "sev_es");
	}
	if (!strcmp(f.vendor_id, "AuthenticAMD") || !strcmp(f.vendor_id, "HygonGenuine"))
		f.vendor_module = "kvm_amd";
	else if (!strcmp(f.vendor_id, "GenuineIntel") || !strcmp(f.vendor_id, "CentaurHauls") ||
		 !strcmp(f.vendor_id, "  Shanghai  "))
		f.vendor_module = "kvm_intel";
	*ret = f;
	return 0;
}

int cpuinfo_read(const char *proc_root, struct cpu_facts *ret)
{
	char path[PATH_MAX], *buf = NULL;
	size_t cap = 0;
	ssize_t n;
	FILE *f;
	int r;

	snprintf(path, sizeof(path), "%s/cpuinfo", proc_root);
	f = fopen(path, "re");
	if (!f)
		return -errno;
	/* The first CPU block is all we need; it ends at the first empty line. */
	n = getdelim(&buf, &cap, '\0', f);
	r = n < 0 ? (ferror(f) ? -EIO : -EBADMSG) : cpuinfo_parse(buf, ret);
	free(buf);
	fclose(f);
	return r;
}

int module_state_at(int sysfs_fd, const char *module, enum module_state *ret)
{
	char path[PATH_MAX];
	int r = kvmcfg_module_loaded_at(sysfs_fd, module);

	if (r < 0)
		return r;
	if (r == 0) {
		*ret = MODULE_ABSENT;
		return 0;
	}
	/* A loadable module always has initstate; a built-in one never does. */
	snprintf(path, sizeof(path), "module/%s/initstate", module);
	if (faccessat(sysfs_fd, path, F_OK, 0) < 0) {
		if (errno != ENOENT)
			return -errno;
		*ret = MODULE_BUILTIN;
		return 0;
	}
	*ret = MODULE_LOADED;
	return 0;
}

/* A directory under a dirfd, as a DIR stream. */
static int opendir_at(int dir_fd, const char *path, DIR **ret)
{
	int fd = openat(dir_fd, path, O_RDONLY | O_DIRECTORY | O_CLOEXEC), e;
	DIR *d;

	if (fd < 0)
		return -errno;
	d = fdopendir(fd);
	if (!d) {
		e = errno;
		close(fd);
		return -e;
	}
	*ret = d;
	return 0;
}

int builtin_kvm_modules_at(int sysfs_fd, char ***ret)
{
	char **v = NULL;
	size_t i, n = 0;
	int r;

	/* libkvmcfg's listing (param.h), filtered in place. */
	r = kvmcfg_module_list_at(sysfs_fd, &v);
	if (r < 0)
		return r;
	for (i = 0; v[i]; i++) {
		enum module_state st = MODULE_ABSENT;

		if (r == 0 && !strncmp(v[i], "kvm", 3))
			r = module_state_at(sysfs_fd, v[i], &st);
		if (r == 0 && st == MODULE_BUILTIN)
			v[n++] = v[i];
		else
			free(v[i]);
	}
	v[n] = NULL;
	if (r < 0) {
		strv_free(v);
		return r;
	}
	*ret = v;
	return (int)n;
}

static void read_comm(const char *proc_root, pid_t pid, char *buf, size_t len)
{
	char path[PATH_MAX];
	FILE *f;

	snprintf(buf, len, "?");
	snprintf(path, sizeof(path), "%s/%d/comm", proc_root, (int)pid);
	f = fopen(path, "re");
	if (!f)
		return;
	if (fgets(buf, (int)len, f))
		buf[strcspn(buf, "\n")] = '\0';
	fclose(f);
}

/* 0 none, 1 /dev/kvm, 2 a VM; -errno when the fd dir cannot be read. */
static int scan_pid(const char *proc_root, pid_t pid)
{
	char path[PATH_MAX], target[PATH_MAX];
	int found = 0;
	struct dirent *de;
	DIR *d;

	snprintf(path, sizeof(path), "%s/%d/fd", proc_root, (int)pid);
	d = opendir(path);
	if (!d)
		return -errno;
	while ((de = readdir(d))) {
		ssize_t n;

		if (de->d_name[0] == '.')
			continue;
		n = readlinkat(dirfd(d), de->d_name, target, sizeof(target) - 1);
		if (n < 0)
			continue; /* closed while we looked */
		target[n] = '\0';
		if (!strcmp(target, "anon_inode:kvm-vm"))
			found = 2;
		else if (!strcmp(target, "/dev/kvm") && !found)
			found = 1;
	}
	closedir(d);
	return found;
}

int kvm_holders_scan(const char *proc_root, pid_t self, struct kvm_holder **ret, size_t *n_ret,
		     size_t *unreadable)
{
	struct kvm_holder *v = NULL;
	size_t n = 0, n_alloc = 0, bad = 0;
	struct dirent *de;
	DIR *d;

	d = opendir(proc_root);
	if (!d)
		return -errno;
	while ((de = readdir(d))) {
		char *end;
		long pid;
		int r;

		pid = strtol(de->d_name, &end, 10);
		if (!isdigit((unsigned char)de->d_name[0]) || *end || pid == self)
			continue;
		r = scan_pid(proc_root, (pid_t)pid);
		if (r == -ENOENT)
			continue; /* exited */
		if (r < 0) {
			bad++;
			continue;
		}
		if (!r)
			continue;
		if (GROW(v, n_alloc, n + 1) < 0) {
			free(v);
			closedir(d);
			return -ENOMEM;
		}
		v[n].pid = (pid_t)pid;
		v[n].vm = r == 2;
		read_comm(proc_root, (pid_t)pid, v[n].comm, sizeof(v[n].comm));
		n++;
	}
	closedir(d);
	*ret = v;
	*n_ret = n;
	*unreadable = bad;
	return 0;
}

int kvm_debugfs_vms_at(int sysfs_fd, pid_t **pids, size_t *n_ret)
{
	pid_t *v = NULL;
	size_t n = 0, n_alloc = 0;
	struct dirent *de;
	DIR *d = NULL; /* set on success; gcc cannot see that -errno is never 0 */
	int r;

	r = opendir_at(sysfs_fd, "kernel/debug/kvm", &d);
	if (r < 0)
		return r;
	while ((de = readdir(d))) {
		int pid, vmfd, end = 0;

		/* Per-VM directories are "PID-FD"; the rest are global stats files. */
		if (sscanf(de->d_name, "%d-%d%n", &pid, &vmfd, &end) != 2 || de->d_name[end])
			continue;
		if (GROW(v, n_alloc, n + 1) < 0) {
			free(v);
			closedir(d);
			return -ENOMEM;
		}
		v[n++] = pid;
	}
	closedir(d);
	*pids = v;
	*n_ret = n;
	return 0;
}
