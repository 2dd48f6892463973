/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Rate limit for a "Failed to X" / "X works again" pair of log lines. Issue
 * 19: whoever owns the textfile directory could make the pair flap 100
 * times in 11 s, burying everything else in the journal. At most one
 * failure line per interval is logged; a recovery is logged only when its
 * failure was, so the lines that are logged still pair up; a failure that
 * lasts is logged at the latest one interval after the last line, with the
 * number of changes left out meanwhile. Pure: the caller logs.
 */
#pragma once

#include <stdbool.h>
#include <stdint.h>

#define FLAP_LIMIT_INTERVAL_USEC (60 * UINT64_C(1000000))

typedef struct FlapLimit {
	uint64_t last_logged; /* monotonic usec of the last line logged; 0: none yet */
	bool failing;
	bool failure_logged; /* the current failure was logged: its recovery will be */
	unsigned suppressed; /* changes not logged since the last line */
} FlapLimit;

/*
 * A failure at @now (a new one, or the same one still there): true when the
 * caller should log it, with *ret_suppressed the changes left out before it.
 */
bool flap_limit_failure(FlapLimit *l, uint64_t now, unsigned *ret_suppressed);

/* Success at @now: true when the caller should log "works again". */
bool flap_limit_success(FlapLimit *l, uint64_t now);
