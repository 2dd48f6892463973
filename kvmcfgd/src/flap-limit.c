// SPDX-License-Identifier: GPL-2.0-only
#include "flap-limit.h"

static bool interval_passed(const FlapLimit *l, uint64_t now)
{
	return l->last_logged == 0 || now - l->last_logged >= FLAP_LIMIT_INTERVAL_USEC;
}

bool flap_limit_failure(FlapLimit *l, uint64_t now, unsigned *ret_suppressed)
{
	bool is_new = !l->failing;

	l->failing = true;
	if (l->failure_logged)
		return false; /* the same failure, already said */
	if (!interval_passed(l, now)) {
		l->suppressed += is_new;
		return false;
	}
	*ret_suppressed = l->suppressed;
	l->suppressed = 0;
	l->failure_logged = true;
	l->last_logged = now ? now : 1;
	return true;
}

bool flap_limit_success(FlapLimit *l, uint64_t now)
{
	bool log = l->failing && l->failure_logged;

	if (l->failing && !log)
		l->suppressed++;
	l->failing = false;
	l->failure_logged = false;
	if (log)
		l->last_logged = now ? now : 1;
	return log;
}
