/* SPDX-License-Identifier: GPL-2.0-only */
/* Between the parser (policy.c) and the loader (policy-load.c); not public. */
#pragma once

#include "policy.h"

/*
 * Add (or replace) a rule built outside a parse, e.g. from modprobe.d.
 * @origin is interned among p->files. A section created here is
 * only-when-loaded with severity warn. -EINVAL if @value is no valid matcher.
 */
int kvmcfg_policy_add_rule_internal(Policy *p, const char *module, const char *param,
				    const char *value, const char *origin);
