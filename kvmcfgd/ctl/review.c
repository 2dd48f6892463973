// SPDX-License-Identifier: GPL-2.0-only
/*
 * The policy against what the kernel has (policy-kernel.h), for validate and
 * check. validate asks libkmod about the modules directory of the running
 * kernel (every module it ships, with param types); check reads only sysfs,
 * so a check stays as cheap as reading the params and libkmod is never
 * loaded for it (--modules-dir asks libkmod explicitly).
 */
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "kvmcfgctl.h"
#include "policy-kernel.h"

int ctl_review_kernel(const Ctl *c, const Policy *p, bool use_modules, PolicyError *errors,
		      PolicyError *notes)
{
	KvmcfgKernel *k = NULL;
	const char *dir = c->modules_dir;
	int fd, r;

	/* Another sysfs tree is not the running kernel: its modules dir says nothing of it. */
	if (!dir && (!use_modules || strcmp(c->sysfs_root, "/sys")))
		dir = "";
	fd = open(c->sysfs_root, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	r = kvmcfg_kernel_new(&k, dir, fd);
	if (r == 0)
		r = kvmcfg_policy_review_kernel(p, k, errors, notes);
	kvmcfg_kernel_free(k);
	if (fd >= 0)
		close(fd);
	return r;
}

void ctl_print_prefixed(FILE *f, const char *prefix, const char *text)
{
	const char *nl;

	for (; *text; text = nl + 1) {
		nl = strchr(text, '\n');
		if (!nl)
			nl = text + strlen(text) - 1;
		fprintf(f, "%s%.*s\n", prefix, (int)(nl - text), text);
	}
}
