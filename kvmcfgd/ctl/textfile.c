// SPDX-License-Identifier: GPL-2.0-only
/*
 * kvmcfgctl check --textfile: the series kvmcfgd writes for one check
 * (textfile_render_check()), for hosts that run the gate from a timer
 * instead of the daemon. The same rules (docs/prometheus) apply to both.
 */
#include <errno.h>
#include <stdlib.h>
#include <time.h>

#include "kvmcfgctl.h"
#include "macro.h"
#include "memstream.h"
#include "textfile.h"

uint64_t ctl_now_usec(clockid_t clock)
{
	struct timespec ts;

	clock_gettime(clock, &ts);
	return (uint64_t)ts.tv_sec * USEC_PER_SEC + (uint64_t)ts.tv_nsec / 1000;
}

int ctl_write_textfile(const char *path, const Findings *f, uint64_t start_usec)
{
	_cleanup_free_ char *buf = NULL;
	MismatchSet s = MISMATCH_SET_INIT;
	Metrics m = {
		.last_check_realtime_usec = ctl_now_usec(CLOCK_REALTIME),
		.last_check_duration_usec = ctl_now_usec(CLOCK_MONOTONIC) - start_usec,
		.last_check_ok = true,
	};
	size_t len = 0, i;
	FILE *o;
	int r;

	/* As the daemon counts it: readable unless a param could not be read. */
	for (i = 0; i < f->n; i++)
		if (f->items[i].kind == FINDING_UNREADABLE)
			m.last_check_ok = false;
	r = mismatch_set_from_findings(&s, f);
	if (r < 0)
		return r;
	o = kvmcfg_memstream_open(&buf, &len);
	if (!o) {
		mismatch_set_done(&s);
		return -ENOMEM;
	}
	textfile_render_check(o, &s, &m);
	mismatch_set_done(&s);
	if (fclose(o) != 0 || !buf)
		return -ENOMEM;
	return textfile_write_atomic(path, buf);
}
