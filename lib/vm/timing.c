// SPDX-License-Identifier: GPL-2.0-only
/* Host-side timing (see timing.h). */
#include <errno.h>
#include <sys/ioctl.h>
#include <time.h>

#include "kvm_util.h"
#include "timing.h"

uint64_t now_ns(void)
{
	struct timespec ts;

	/* Cannot fail for a valid clock id and pointer. */
	clock_gettime(CLOCK_MONOTONIC_RAW, &ts);
	return (uint64_t)ts.tv_sec * NSEC_PER_SEC + ts.tv_nsec;
}

int __vcpu_tsc_khz(struct kvm_vcpu *vcpu, uint32_t *ret)
{
	int r = ioctl(vcpu->fd, KVM_GET_TSC_KHZ, NULL);

	if (r < 0)
		return -errno;
	if (r == 0)
		return -ENODATA; /* KVM knows no TSC rate for this vCPU */
	*ret = r;
	return 0;
}

uint32_t vcpu_tsc_khz(struct kvm_vcpu *vcpu)
{
	uint32_t khz = 0;
	int r = __vcpu_tsc_khz(vcpu, &khz);

	TEST_ASSERT(r == 0, "KVM_GET_TSC_KHZ: %s", strerror(-r));
	return khz;
}
