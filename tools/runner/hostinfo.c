// SPDX-License-Identifier: GPL-2.0-only
#include <cpuid.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/kvm.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/utsname.h>
#include <unistd.h>

#include "hostinfo.h"
#include "macro.h"
#include "kvm-caps.h"

static char *trimmed_dup(const char *s)
{
	size_t len;

	while (*s == ' ')
		s++;
	len = strlen(s);
	while (len && s[len - 1] == ' ')
		len--;
	return strndup(s, len);
}

/* CPUID, not /proc/cpuinfo: the same answer in a container and no parsing. */
static int cpu_facts(struct hostinfo *h)
{
	unsigned int a, b, c, d, leaf;
	char vendor[13] = "", brand[49] = "";

	if (__get_cpuid(0, &a, &b, &c, &d)) {
		memcpy(vendor, &b, 4);
		memcpy(vendor + 4, &d, 4);
		memcpy(vendor + 8, &c, 4);
	}
	if (__get_cpuid(0x80000000, &a, &b, &c, &d) && a >= 0x80000004) {
		for (leaf = 0; leaf < 3; leaf++) {
			__get_cpuid(0x80000002 + leaf, &a, &b, &c, &d);
			memcpy(brand + leaf * 16, &a, 4);
			memcpy(brand + leaf * 16 + 4, &b, 4);
			memcpy(brand + leaf * 16 + 8, &c, 4);
			memcpy(brand + leaf * 16 + 12, &d, 4);
		}
	}
	h->cpu_vendor = trimmed_dup(vendor[0] ? vendor : "unknown");
	h->cpu_model = trimmed_dup(brand[0] ? brand : "unknown");
	return h->cpu_vendor && h->cpu_model ? 0 : -ENOMEM;
}

static int note_caps_in(struct hostinfo *h, const char *text)
{
	const char *p = text;

	while (text && (p = strstr(p, "KVM_CAP_"))) {
		size_t len = 8, i;
		char *name;

		while (p[len] == '_' || (p[len] >= 'A' && p[len] <= 'Z') ||
		       (p[len] >= '0' && p[len] <= '9'))
			len++;
		name = strndup(p, len);
		p += len;
		if (!name)
			return -ENOMEM;
		for (i = 0; i < h->n_caps && strcmp(h->caps[i].name, name); i++)
			;
		if (i < h->n_caps) {
			free(name);
			continue;
		}
		if (GROW(h->caps, h->n_caps_alloc, h->n_caps + 1) < 0) {
			free(name);
			return -ENOMEM;
		}
		h->caps[h->n_caps++] =
			(struct host_cap){ .name = name, .number = -1, .value = -ENOENT };
	}
	return 0;
}

static void check_caps(struct hostinfo *h)
{
	int fd = open("/dev/kvm", O_RDWR | O_CLOEXEC);
	size_t i, k;

	h->kvm_device = fd >= 0 ? strdup("ok") : NULL;
	if (fd < 0 && asprintf(&h->kvm_device, "/dev/kvm: %m") < 0)
		h->kvm_device = NULL;
	for (i = 0; i < h->n_caps; i++) {
		struct host_cap *c = &h->caps[i];

		for (k = 0; k < sizeof(kvm_caps) / sizeof(kvm_caps[0]); k++)
			if (!strcmp(kvm_caps[k].name, c->name))
				c->number = kvm_caps[k].cap;
		if (c->number < 0)
			c->value = -EINVAL;
		else if (fd < 0)
			c->value = -ENODEV;
		else if ((c->value = ioctl(fd, KVM_CHECK_EXTENSION, c->number)) < 0)
			c->value = -errno;
	}
	if (fd >= 0)
		close(fd);
}

int hostinfo_collect(struct hostinfo **ret, const char *sysfs_root, struct test *const *tests,
		     size_t n_tests)
{
	struct hostinfo *h = calloc(1, sizeof(*h));
	struct utsname u;
	size_t i, k;
	int r, fd;

	if (!h)
		return -ENOMEM;
	if (uname(&u) == 0) {
		h->hostname = strdup(u.nodename);
		h->kernel_release = strdup(u.release);
		h->kernel_version = strdup(u.version);
	}
	h->sysfs_root = strdup(sysfs_root);
	r = cpu_facts(h);
	if (r < 0 || !h->sysfs_root)
		goto fail;

	fd = open(sysfs_root, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd >= 0) {
		/* No params we can list is a fact the report shows by their absence. */
		r = kvmcfg_params_collect_at(fd, NULL, &h->params);
		close(fd);
		if (r == -ENOMEM)
			goto fail;
	}

	for (i = 0; i < n_tests; i++) {
		r = note_caps_in(h, tests[i]->skip_reason);
		for (k = 0; r == 0 && k < tests[i]->n_subtests; k++)
			if (tests[i]->subtests[k].verdict == VERDICT_SKIP)
				r = note_caps_in(h, tests[i]->subtests[k].reason);
		if (r < 0)
			goto fail;
	}
	check_caps(h);
	*ret = h;
	return 0;
fail:
	hostinfo_free(h);
	return r < 0 ? r : -ENOMEM;
}

struct hostinfo *hostinfo_free(struct hostinfo *h)
{
	size_t i;

	if (!h)
		return NULL;
	kvmcfg_params_deinit(&h->params);
	for (i = 0; i < h->n_caps; i++)
		free(h->caps[i].name);
	free(h->caps);
	free(h->hostname);
	free(h->kernel_release);
	free(h->kernel_version);
	free(h->cpu_vendor);
	free(h->cpu_model);
	free(h->sysfs_root);
	free(h->kvm_device);
	free(h);
	return NULL;
}
