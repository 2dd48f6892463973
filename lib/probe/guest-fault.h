/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Inside lib/probe: the guest side of the probes that ask "does this
 * instruction fault?" (ignore_msrs, force_emulation_prefix,
 * vmware_backdoor). Guest code: this header is included by translation
 * units built with guest_c_args.
 */
#pragma once

#include <stdint.h>

#include "exception.h"
#include "ucall.h"

/*
 * An exception the probe did not cause: the library's own #GP fixups
 * (CPL3 port I/O for ucalls) first, else report it as unhandled and never
 * return, as the library's dispatcher does.
 */
static inline void probe_guest_not_mine(struct ex_regs *regs)
{
	if (regs->vector == GP_VECTOR && guest_gp_fixup(regs))
		return;
	for (;;)
		ucall(UCALL_UNHANDLED, 4, regs->vector, regs->rip, regs->error_code, 0);
}

/* Whether the @n instruction bytes at @rip are @bytes. */
static inline int probe_guest_insn_is(uint64_t rip, const uint8_t *bytes, unsigned n)
{
	const uint8_t *p = (const uint8_t *)rip;
	unsigned i;

	for (i = 0; i < n; i++)
		if (p[i] != bytes[i])
			return 0;
	return 1;
}
