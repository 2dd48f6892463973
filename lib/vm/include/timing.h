/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Host-side timing for selftests and benchmarks. Guest code reads the TSC
 * with rdtsc() from processor.h; the host converts guest TSC deltas to
 * time with the vCPU's TSC frequency from KVM (not the host's, which a
 * VM may scale).
 */
#pragma once

#include <stdint.h>

struct kvm_vcpu;

#define NSEC_PER_SEC 1000000000ULL

/* CLOCK_MONOTONIC_RAW in nanoseconds: not slewed by NTP, so deltas are honest. */
uint64_t now_ns(void);

/* KVM_GET_TSC_KHZ on @vcpu: the guest TSC rate in kHz, or -errno. */
int __vcpu_tsc_khz(struct kvm_vcpu *vcpu, uint32_t *ret);
/* The same, asserting (needs KVM_CAP_GET_TSC_KHZ). */
uint32_t vcpu_tsc_khz(struct kvm_vcpu *vcpu);

/* Guest TSC cycles to nanoseconds at @tsc_khz (no overflow below ~2^64 ps). */
static inline uint64_t tsc_to_ns(uint64_t cycles, uint32_t tsc_khz)
{
	return (uint64_t)((unsigned __int128)cycles * 1000000 / tsc_khz);
}
