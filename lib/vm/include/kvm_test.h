/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * What every guest-driven selftest includes: the kernel's kselftest
 * harness, the VM library, ucall, binary stats, module params and timing.
 *
 * Use KVM_HARNESS_MAIN instead of TEST_HARNESS_MAIN: it checks /dev/kvm
 * first, so a host without KVM (or a user without access to it) gets a
 * whole-binary kselftest skip with the reason, not a row of failures.
 */
#pragma once

#include "kselftest_harness.h"
#include "kvm_params.h"
#include "kvm_stats.h"
#include "kvm_util.h"
#include "timing.h"
#include "ucall.h"

/*
 * The kselftest harness of Linux 6.1 (what Debian ships) still runs the
 * test body after SKIP() in FIXTURE_SETUP, with the fixture half built.
 * A TEST_F whose setup may skip starts with this.
 */
#define KVM_RETURN_IF_SKIPPED()      \
	do {                         \
		if (_metadata->skip) \
			return;      \
	} while (0)

/*
 * The common variant pair: the same cases with guest code at CPL0 and at
 * CPL3 (emulated versus natively faulting on PVM hosts; both native on
 * VMX/SVM). Use variant->cpl in FIXTURE_SETUP.
 */
#define FIXTURE_VARIANT_CPL(fixture)                             \
	FIXTURE_VARIANT(fixture)                                 \
	{                                                        \
		enum guest_cpl cpl;                              \
	};                                                       \
	FIXTURE_VARIANT_ADD(fixture, cpl0){ .cpl = GUEST_CPL0 }; \
	FIXTURE_VARIANT_ADD(fixture, cpl3)                       \
	{                                                        \
		.cpl = GUEST_CPL3                                \
	}

#define KVM_HARNESS_MAIN                             \
	int main(int argc, char **argv)              \
	{                                            \
		close(open_kvm_dev_path_or_exit());  \
		return test_harness_run(argc, argv); \
	}
