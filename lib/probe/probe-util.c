// SPDX-License-Identifier: GPL-2.0-only
/* What several probes share: opening /dev/kvm, stats, CPUID (see probes.h). */
#include <cpuid.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/kvm.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "probes.h"

int probe_open_kvm(KvmcfgProbeResult *res)
{
	int fd = open("/dev/kvm", O_RDWR | O_CLOEXEC);

	if (fd < 0)
		kvmcfg_probe_set_outcome(res, KVMCFG_PROBE_CANNOT_RUN, "cannot open /dev/kvm: %s",
					 strerror(errno));
	return fd;
}

bool probe_kvm_usable(KvmcfgProbeResult *res, bool need_stats)
{
	int fd = probe_open_kvm(res);
	bool ok = fd >= 0;

	if (ok && need_stats && ioctl(fd, KVM_CHECK_EXTENSION, KVM_CAP_BINARY_STATS_FD) <= 0) {
		kvmcfg_probe_set_outcome(
			res, KVMCFG_PROBE_NOT_APPLICABLE,
			"KVM_CAP_BINARY_STATS_FD not supported: no stats to observe");
		ok = false;
	}
	if (fd >= 0)
		close(fd);
	return ok;
}

void probe_observed(KvmcfgProbeResult *res, const char *module, const char *param, bool on,
		    const char *fact_on, const char *fact_off)
{
	kvmcfg_probe_add_verdict(res, module, param, on, "%s", on ? fact_on : fact_off);
	res->outcome = KVMCFG_PROBE_OBSERVED;
}

void probe_host_cpuid(uint32_t leaf, uint32_t subleaf, uint32_t regs[4])
{
	__cpuid_count(leaf, subleaf, regs[0], regs[1], regs[2], regs[3]);
}

static int supported_cpuid(int kvm_fd, uint32_t leaf, uint32_t subleaf, uint32_t regs[4])
{
	struct kvm_cpuid2 *cpuid = NULL;
	unsigned n = 64, i;
	int r;

	for (;;) {
		struct kvm_cpuid2 *c =
			realloc(cpuid, sizeof(*cpuid) + n * sizeof(cpuid->entries[0]));

		if (!c) {
			free(cpuid);
			return -ENOMEM;
		}
		cpuid = c;
		cpuid->nent = n;
		r = ioctl(kvm_fd, KVM_GET_SUPPORTED_CPUID, cpuid);
		if (r == 0 || errno != E2BIG || n >= 4096)
			break;
		n *= 2;
	}
	if (r < 0) {
		r = -errno;
		free(cpuid);
		return r;
	}
	r = 0;
	for (i = 0; i < cpuid->nent; i++) {
		struct kvm_cpuid_entry2 *e = &cpuid->entries[i];

		if (e->function != leaf ||
		    ((e->flags & KVM_CPUID_FLAG_SIGNIFCANT_INDEX) && e->index != subleaf))
			continue;
		regs[0] = e->eax;
		regs[1] = e->ebx;
		regs[2] = e->ecx;
		regs[3] = e->edx;
		r = 1;
		break;
	}
	free(cpuid);
	return r;
}

bool probe_supported_cpuid(KvmcfgProbeResult *res, uint32_t leaf_a, uint32_t a[4], uint32_t leaf_b,
			   uint32_t b[4])
{
	int fd = probe_open_kvm(res), r;

	if (fd < 0)
		return false;
	memset(a, 0, 4 * sizeof(a[0]));
	memset(b, 0, 4 * sizeof(b[0]));
	r = supported_cpuid(fd, leaf_a, 0, a);
	if (r >= 0)
		r = supported_cpuid(fd, leaf_b, 0, b);
	close(fd);
	if (r < 0)
		kvmcfg_probe_set_outcome(res, KVMCFG_PROBE_CANNOT_RUN,
					 "KVM_GET_SUPPORTED_CPUID: %s", strerror(-r));
	return r >= 0;
}
