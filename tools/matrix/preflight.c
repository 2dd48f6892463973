// SPDX-License-Identifier: GPL-2.0-only
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "macro.h"
#include "preflight.h"
#include "strv.h"

void preflight_clear(struct preflight *p)
{
	free(p->reason);
	strv_free(p->lines);
	memset(p, 0, sizeof(*p));
}

__attribute__((format(printf, 3, 4))) static int verdict(struct preflight *p,
							 enum preflight_verdict v, const char *fmt,
							 ...)
{
	va_list ap;
	int r;

	va_start(ap, fmt);
	r = vasprintf(&p->reason, fmt, ap);
	va_end(ap);
	if (r < 0) {
		p->reason = NULL;
		return -ENOMEM;
	}
	p->verdict = v;
	return 0;
}

/* "KVM is built in": the modules /sys/module lists without initstate. */
static int builtin_verdict(int sysfs_fd, const char *sysfs_root, struct preflight *p)
{
	char **builtin = NULL, *list = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&list, &len);
	int n, r;

	if (!f)
		return -ENOMEM;
	n = builtin_kvm_modules_at(sysfs_fd, &builtin);
	for (char **b = builtin; n > 0 && *b; b++)
		fprintf(f, " %s", *b);
	strv_free(builtin);
	if (fclose(f) != 0) {
		free(list);
		return -ENOMEM;
	}
	r = verdict(p, PREFLIGHT_UNSUPPORTED,
		    "KVM is built into this kernel (%s/module/kvm has no initstate; built in:%s). "
		    "Its parameters were fixed at boot and cannot be changed by reloading. Run the "
		    "matrix on a host with KVM as modules, or in the fleet box (docs/fleetbox.md)",
		    sysfs_root, list);
	free(list);
	return r;
}

int preflight_host(int sysfs_fd, const char *sysfs_root, const char *proc_root,
		   struct cpu_facts *cpu, struct preflight *ret)
{
	struct preflight p = {};
	enum module_state st;
	const char *flag;
	int r;

	*cpu = (struct cpu_facts){};
	r = cpuinfo_read(proc_root, cpu);
	if (r == -ENOMEM)
		return r;
	if (r < 0)
		*cpu = (struct cpu_facts){};

	r = module_state_at(sysfs_fd, "kvm", &st);
	if (r < 0)
		r = verdict(&p, PREFLIGHT_UNSUPPORTED, "cannot read %s/module/kvm: %s", sysfs_root,
			    strerror(-r));
	else if (st == MODULE_BUILTIN)
		r = builtin_verdict(sysfs_fd, sysfs_root, &p);
	else if (!cpu->vendor_id[0])
		r = verdict(&p, PREFLIGHT_UNSUPPORTED, "cannot read the CPU vendor from %s/cpuinfo",
			    proc_root);
	else if (!cpu->vendor_module)
		r = verdict(&p, PREFLIGHT_UNSUPPORTED,
			    "CPU vendor '%s' has no KVM vendor module this runner knows"
			    " (kvm_amd, kvm_intel)",
			    cpu->vendor_id);
	else if (!(!strcmp(cpu->vendor_module, "kvm_amd") ? cpu->svm : cpu->vmx)) {
		flag = !strcmp(cpu->vendor_module, "kvm_amd") ? "svm" : "vmx";
		r = verdict(
			&p, PREFLIGHT_UNSUPPORTED,
			"the CPU (%s) shows no '%s' flag: no hardware virtualization to load %s for",
			cpu->vendor_id, flag, cpu->vendor_module);
	} else if (module_state_at(sysfs_fd, cpu->vendor_module, &st) == 0 && st == MODULE_BUILTIN)
		r = verdict(&p, PREFLIGHT_UNSUPPORTED,
			    "%s is built into this kernel; its params cannot be reloaded",
			    cpu->vendor_module);
	if (r < 0) {
		preflight_clear(&p);
		return r;
	}
	*ret = p;
	return 0;
}

/* Holders the fd scan found, and the VMs only debugfs knows of; how many. */
static int list_users(int sysfs_fd, const char *proc_root, pid_t self, struct preflight *p,
		      size_t *n_users)
{
	_cleanup_free_ struct kvm_holder *h = NULL;
	_cleanup_free_ pid_t *vms = NULL;
	size_t n = 0, bad = 0, n_vms = 0;
	int r;

	r = kvm_holders_scan(proc_root, self, &h, &n, &bad);
	if (r < 0)
		return r;
	if (bad &&
	    strv_pushf(&p->lines, &p->n_lines, "warning: could not look into %zu process%s fds",
		       bad, bad == 1 ? "'s" : "es'") < 0)
		return -ENOMEM;
	for (size_t i = 0; i < n; i++)
		if (strv_pushf(&p->lines, &p->n_lines, "pid %d (%s) holds %s", (int)h[i].pid,
			       h[i].comm,
			       h[i].vm ? "a VM (anon_inode:kvm-vm)" : "/dev/kvm open") < 0)
			return -ENOMEM;
	*n_users = n;
	/* KVM's own list of VMs, for processes whose fds were out of sight. */
	if (kvm_debugfs_vms_at(sysfs_fd, &vms, &n_vms) < 0)
		return 0;
	for (size_t i = 0; i < n_vms; i++) {
		bool seen = false;

		for (size_t k = 0; k < n; k++)
			seen |= h[k].vm && h[k].pid == vms[i];
		if (seen)
			continue;
		if (strv_pushf(&p->lines, &p->n_lines,
			       "debugfs lists a VM of pid %d (kernel/debug/kvm)", (int)vms[i]) < 0)
			return -ENOMEM;
		(*n_users)++;
	}
	return 0;
}

int preflight_users(int sysfs_fd, const char *proc_root, pid_t self, struct preflight *ret)
{
	struct preflight p = {};
	size_t n = 0;
	int r;

	r = list_users(sysfs_fd, proc_root, self, &p, &n);
	if (r == -ENOMEM)
		goto fail;
	if (r < 0)
		r = verdict(&p, PREFLIGHT_REFUSED, "cannot scan %s for /dev/kvm users: %s",
			    proc_root, strerror(-r));
	else if (n)
		r = verdict(
			&p, PREFLIGHT_REFUSED,
			"refusing to reload KVM while it is in use: reloading breaks running VMs"
			" (--force overrides)");
	if (r < 0)
		goto fail;
	*ret = p;
	return 0;
fail:
	preflight_clear(&p);
	return -ENOMEM;
}
