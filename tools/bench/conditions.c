// SPDX-License-Identifier: GPL-2.0-only
/* Host identity and load around a benchmark run (see conditions.h). */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "conditions.h"
#include "macro.h"

void bench_conditions_deinit(struct bench_conditions *c)
{
	free(c->hostname);
	free(c->cpu_model);
	free(c->microcode);
	memset(c, 0, sizeof(*c));
}

int bench_parse_loadavg(const char *text, struct bench_load *ret)
{
	struct bench_load l = { .valid = true };

	if (!text || sscanf(text, "%lf %lf %lf", &l.avg1, &l.avg5, &l.avg15) != 3 || l.avg1 < 0 ||
	    l.avg5 < 0 || l.avg15 < 0)
		return -EINVAL;
	*ret = l;
	return 0;
}

/* The value of "@key<spaces/tabs>: value" at the start of a line of @text, or NULL. */
static char *cpuinfo_field(const char *text, const char *key)
{
	size_t klen = strlen(key);
	const char *line = text;

	while (line && *line) {
		const char *end = strchr(line, '\n'), *p = line + klen;

		if (!end)
			end = line + strlen(line);
		if (strncmp(line, key, klen) == 0 && (*p == ' ' || *p == '\t' || *p == ':')) {
			while (p < end && (*p == ' ' || *p == '\t'))
				p++;
			if (p < end && *p == ':') {
				p++;
				while (p < end && (*p == ' ' || *p == '\t'))
					p++;
				return strndup(p, (size_t)(end - p));
			}
		}
		line = *end ? end + 1 : NULL;
	}
	return NULL;
}

int bench_parse_cpuinfo(const char *text, char **model, char **microcode)
{
	_cleanup_free_ char *m = NULL, *u = NULL;

	if (!text)
		return -EINVAL;
	m = cpuinfo_field(text, "model name");
	u = cpuinfo_field(text, "microcode");
	*model = TAKE_PTR(m);
	*microcode = TAKE_PTR(u);
	return 0;
}

/* A link target that means "uses KVM". */
static bool is_kvm_fd(const char *target)
{
	return strcmp(target, "/dev/kvm") == 0 || strcmp(target, "anon_inode:kvm-vm") == 0 ||
	       strncmp(target, "anon_inode:kvm-vcpu", 19) == 0;
}

static bool pid_uses_kvm(int procfd, const char *pid)
{
	char path[300], target[128];
	struct dirent *e;
	bool found = false;
	DIR *d;
	int fd;

	snprintf(path, sizeof(path), "%s/fd", pid);
	fd = openat(procfd, path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return false;
	d = fdopendir(fd);
	if (!d) {
		close(fd);
		return false;
	}
	while (!found && (e = readdir(d))) {
		ssize_t n;

		if (e->d_name[0] == '.')
			continue;
		n = readlinkat(fd, e->d_name, target, sizeof(target) - 1);
		if (n <= 0)
			continue;
		target[n] = '\0';
		found = is_kvm_fd(target);
	}
	closedir(d);
	return found;
}

int bench_count_kvm_users(const char *proc_root, pid_t self)
{
	struct dirent *e;
	int procfd, dupfd, n = 0;
	DIR *d;

	procfd = open(proc_root, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (procfd < 0)
		return -errno;
	dupfd = fcntl(procfd, F_DUPFD_CLOEXEC, 0);
	d = dupfd >= 0 ? fdopendir(dupfd) : NULL;
	if (!d) {
		int r = -errno;

		if (dupfd >= 0)
			close(dupfd);
		close(procfd);
		return r;
	}
	while ((e = readdir(d))) {
		char *end;
		long pid = strtol(e->d_name, &end, 10);

		if (*end || end == e->d_name || pid == (long)self)
			continue;
		if (pid_uses_kvm(procfd, e->d_name))
			n++;
	}
	closedir(d);
	close(procfd);
	return n;
}

static char *read_small(const char *root, const char *name)
{
	char path[4096];
	char *buf;
	size_t len = 0, cap = 65536;
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", root, name);
	f = fopen(path, "re");
	if (!f)
		return NULL;
	buf = malloc(cap + 1);
	if (buf)
		len = fread(buf, 1, cap, f);
	fclose(f);
	if (buf)
		buf[len] = '\0';
	return buf;
}

void bench_busy_sample(const char *proc_root, struct bench_busy *b)
{
	_cleanup_free_ char *text = read_small(proc_root, "loadavg");
	int n;

	memset(b, 0, sizeof(*b));
	if (bench_parse_loadavg(text, &b->load) < 0)
		b->load.valid = false;
	n = bench_count_kvm_users(proc_root, getpid());
	b->kvm_users = n < 0 ? -1 : n;
}

int bench_conditions_identify(const char *proc_root, struct bench_conditions *c)
{
	_cleanup_free_ char *cpuinfo = read_small(proc_root, "cpuinfo");
	char host[256];
	long n = sysconf(_SC_NPROCESSORS_ONLN);

	c->ncpus = n > 0 ? (unsigned int)n : 1;
	if (gethostname(host, sizeof(host)) == 0) {
		host[sizeof(host) - 1] = '\0';
		c->hostname = strdup(host);
		if (!c->hostname)
			return -ENOMEM;
	}
	if (cpuinfo)
		return bench_parse_cpuinfo(cpuinfo, &c->cpu_model, &c->microcode);
	return 0;
}

bool bench_conditions_busy(const struct bench_conditions *c, char *why, size_t len)
{
	const struct bench_busy *at[2] = { &c->start, &c->end };
	const char *when[2] = { "start", "end" };
	size_t used = 0;
	bool busy = false;
	int i;

	if (len)
		why[0] = '\0';
	for (i = 0; i < 2; i++) {
		int k = 0;

		if (at[i]->load.valid && at[i]->load.avg1 > (double)c->ncpus) {
			k = snprintf(why + used, len - used,
				     "%sload average %.2f on %u CPUs at the %s", used ? "; " : "",
				     at[i]->load.avg1, c->ncpus, when[i]);
			busy = true;
		}
		if (k > 0 && (size_t)k < len - used)
			used += (size_t)k;
		k = 0;
		if (at[i]->kvm_users > 0) {
			k = snprintf(why + used, len - used,
				     "%s%d other process%s using KVM at the %s", used ? "; " : "",
				     at[i]->kvm_users, at[i]->kvm_users == 1 ? "" : "es", when[i]);
			busy = true;
		}
		if (k > 0 && (size_t)k < len - used)
			used += (size_t)k;
	}
	return busy;
}
