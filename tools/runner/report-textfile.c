// SPDX-License-Identifier: GPL-2.0-only
/*
 * A summary of the run for node_exporter's textfile collector (Prometheus
 * text format 0.0.4), written by the kvm-selftests.timer run into
 * /var/lib/prometheus/node-exporter. The alert rules in docs/prometheus/
 * read these names; change them together.
 *
 * Every test that ran gets a kvm_selftests_test_failed series, 0 or 1, so a
 * test that passes again ends its alert instead of vanishing mid-alert.
 * Tests an interrupted run never started are left out.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "prom-escape.h"
#include "report.h"

static void header(FILE *f, const char *name, const char *help)
{
	fprintf(f, "# HELP %s %s\n# TYPE %s gauge\n", name, help, name);
}

int report_textfile_write(const struct run *r, const char *path)
{
	static const enum verdict verdicts[] = {
		VERDICT_PASS, VERDICT_FAIL, VERDICT_SKIP, VERDICT_XFAIL, VERDICT_TIMEOUT,
	};
	char *tmp;
	FILE *f;
	size_t i;
	int err;

	err = report_open(path, &f, &tmp);
	if (err < 0)
		return err;

	header(f, "kvm_selftests_tests", "Selftest binaries of the last run, by verdict.");
	for (i = 0; i < sizeof(verdicts) / sizeof(verdicts[0]); i++)
		fprintf(f, "kvm_selftests_tests{result=\"%s\"} %zu\n", verdict_name(verdicts[i]),
			run_count(r, verdicts[i]));
	header(f, "kvm_selftests_subtests", "Subtests of the last run, by verdict.");
	for (i = 0; i < sizeof(verdicts) / sizeof(verdicts[0]); i++)
		fprintf(f, "kvm_selftests_subtests{result=\"%s\"} %zu\n", verdict_name(verdicts[i]),
			run_count_subtests(r, verdicts[i]));

	header(f, "kvm_selftests_test_failed",
	       "1 when the test failed or timed out in the last run, else 0.");
	for (i = 0; i < r->n_tests; i++) {
		const struct test *t = r->tests[i];
		bool failed =
			!t->finished || t->verdict == VERDICT_FAIL || t->verdict == VERDICT_TIMEOUT;

		if (!t->started)
			continue;

		fputs("kvm_selftests_test_failed{test=\"", f);
		kvmcfg_prom_label_value(f, t->id);
		fprintf(f, "\"} %d\n", failed);
	}

	header(f, "kvm_selftests_last_run_timestamp_seconds",
	       "When the last run ended, seconds since the epoch.");
	fprintf(f, "kvm_selftests_last_run_timestamp_seconds %.3f\n", r->start_time + r->duration);
	header(f, "kvm_selftests_last_run_duration_seconds", "How long the last run took.");
	fprintf(f, "kvm_selftests_last_run_duration_seconds %.3f\n", r->duration);
	header(f, "kvm_selftests_last_run_exit_code",
	       "The runner's exit status: 0 passed, 1 failed, 4 all skipped.");
	fprintf(f, "kvm_selftests_last_run_exit_code %d\n", r->exit_code);

	return report_close(f, tmp, path);
}
