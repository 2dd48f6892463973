/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * A policy against what the kernel has (kernel-params.h): the mistakes a
 * parse cannot see.
 *   errors: a module name no kernel ships but close to a KVM module's
 *           ([kvm_intell]); a param the module does not have (with the
 *           closest one it has), unless the rule accepts 'absent'; a value
 *           that cannot match the param's type (halt_poll_ns = yes, a uint;
 *           min_timer_period_us = 2OO);
 *   notes:  what is not an error in a policy shared by a fleet: a module
 *           that is not on this host at all, a param missing from this
 *           kernel where the rule accepts that.
 * Both carry the rule's or the section's file:line. Pure apart from the
 * lookups through @k.
 */
#pragma once

#include "kernel-params.h"
#include "policy.h"

int kvmcfg_policy_review_kernel(const Policy *p, KvmcfgKernel *k, PolicyError *errors,
				PolicyError *notes);
