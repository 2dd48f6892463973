// SPDX-License-Identifier: GPL-2.0-only
/*
 * Unit tests for the Prometheus textfile: the rendered metrics (label values
 * go through kvmcfg_prom_label_value(), tested in test-prom-escape.c) and the
 * atomic write.
 */
#include <check.h>
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "textfile.h"
#include "unit-test.h"

static void add(MismatchSet *s, const char *param, const char *actual, const char *severity)
{
	ck_assert_int_eq(mismatch_set_add(s, &(Mismatch) {
		.module = (char *)"kvm", .param = (char *)param, .rule = (char *)"policy",
		.kind = (char *)"mismatch", .expected = (char *)"Y | 1", .actual = (char *)actual,
		.severity = (char *)severity, .origin = (char *)"/etc/kvmcfgd/policy.conf:3",
	}), 0);
}

START_TEST(render)
{
	MismatchSet s = MISMATCH_SET_INIT;
	Metrics m = {
		.checks = 7, .check_failures = 1, .module_uevents = 3, .reloads = 2,
		.reload_failures = 1, .last_check_realtime_usec = 1700000000123456ULL,
		.last_check_duration_usec = 250, .last_check_ok = true,
		.verify_completed = 5, .verify_killed = 9,
	};
	char *text = NULL;

	m.transitions[TRANSITION_NEW] = 4;
	m.transitions[TRANSITION_RESOLVED] = 2;
	add(&s, "tdp_mmu", "N", "critical");
	add(&s, "odd", "say \"hi\"\\", "warn");
	add(&s, "mmio_caching", "N", "critical");
	ck_assert_int_eq(mismatch_set_seal(&s), 0);
	ck_assert_int_eq(textfile_render(&s, &m, &text), 0);

	ck_assert_ptr_nonnull(strstr(text, "# TYPE kvmcfg_mismatch gauge\n"));
	/* Identity labels only on the alerting series; what changes is in _info. */
	ck_assert_ptr_nonnull(strstr(text,
		"\nkvmcfg_mismatch{module=\"kvm\",param=\"tdp_mmu\",rule=\"policy\","
		"severity=\"critical\"} 1\n"));
	ck_assert_ptr_null(strstr(text, "kvmcfg_mismatch{module=\"kvm\",param=\"tdp_mmu\",rule=\"policy\",k"));
	ck_assert_ptr_nonnull(strstr(text,
		"\nkvmcfg_mismatch_info{module=\"kvm\",param=\"tdp_mmu\",rule=\"policy\","
		"kind=\"mismatch\",expected=\"Y | 1\",actual=\"N\","
		"origin=\"/etc/kvmcfgd/policy.conf:3\"} 1\n"));
	ck_assert_ptr_nonnull(strstr(text, "kvmcfg_reload_failed 0\n"));
	/* No policy digest known: no policy_info series at all. */
	ck_assert_ptr_null(strstr(text, "kvmcfg_policy_info"));
	ck_assert_ptr_nonnull(strstr(text, "actual=\"say \\\"hi\\\"\\\\\""));
	ck_assert_ptr_nonnull(strstr(text, "kvmcfg_mismatches{severity=\"critical\"} 2\n"));
	ck_assert_ptr_nonnull(strstr(text, "kvmcfg_mismatches{severity=\"warn\"} 1\n"));
	/* Each severity once, even though they interleave in identity order. */
	ck_assert_ptr_null(strstr(strstr(text, "kvmcfg_mismatches{severity=\"critical\"}") + 1,
				  "kvmcfg_mismatches{severity=\"critical\"}"));
	ck_assert_ptr_nonnull(strstr(text, "kvmcfg_ok 0\n"));
	ck_assert_ptr_nonnull(strstr(text, "kvmcfg_check_readable 1\n"));
	ck_assert_ptr_nonnull(strstr(text, "kvmcfg_last_check_timestamp_seconds 1700000000.123456\n"));
	ck_assert_ptr_nonnull(strstr(text, "kvmcfg_last_check_duration_seconds 0.000250\n"));
	ck_assert_ptr_nonnull(strstr(text, "# TYPE kvmcfg_checks_total counter\nkvmcfg_checks_total 7\n"));
	ck_assert_ptr_nonnull(strstr(text, "kvmcfg_transitions_total{kind=\"new\"} 4\n"));
	ck_assert_ptr_nonnull(strstr(text, "kvmcfg_transitions_total{kind=\"resolved\"} 2\n"));
	ck_assert_ptr_nonnull(strstr(text, "kvmcfg_transitions_total{kind=\"changed\"} 0\n"));
	ck_assert_ptr_nonnull(strstr(text, "kvmcfg_reload_failures_total 1\n"));
	ck_assert_ptr_nonnull(strstr(text, "kvmcfg_module_uevents_total 3\n"));
	/* Probe runs by how they ended, every outcome present from the start. */
	ck_assert_ptr_nonnull(strstr(text, "# TYPE kvmcfg_verify_runs_total counter\n"
					   "kvmcfg_verify_runs_total{outcome=\"completed\"} 5\n"
					   "kvmcfg_verify_runs_total{outcome=\"cut_short\"} 0\n"
					   "kvmcfg_verify_runs_total{outcome=\"timed_out\"} 0\n"
					   "kvmcfg_verify_runs_total{outcome=\"killed\"} 9\n"));
	/* Every line is a comment or "name{...} value" / "name value": no raw newline in a label. */
	for (char *line = text; *line; line = strchr(line, '\n') + 1) {
		ck_assert_ptr_nonnull(strchr(line, '\n'));
		if (*line != '#')
			ck_assert_msg(strncmp(line, "kvmcfg_", 7) == 0, "bad line: %.60s", line);
	}
	free(text);
	mismatch_set_done(&s);

	/* Nothing wrong: ok is 1 only when also readable. */
	ck_assert_int_eq(textfile_render(&s, &m, &text), 0);
	ck_assert_ptr_nonnull(strstr(text, "kvmcfg_ok 1\n"));
	ck_assert_ptr_null(strstr(text, "kvmcfg_mismatch{"));
	free(text);
	m.last_check_ok = false;
	ck_assert_int_eq(textfile_render(&s, &m, &text), 0);
	ck_assert_ptr_nonnull(strstr(text, "kvmcfg_ok 0\n"));
	free(text);
	/* The policy in force and a rejected reload. */
	m.last_reload_failed = true;
	m.policy_rules = 12;
	snprintf(m.policy_sha256, sizeof(m.policy_sha256), "%064d", 7);
	ck_assert_int_eq(textfile_render(&s, &m, &text), 0);
	ck_assert_ptr_nonnull(strstr(text, "\nkvmcfg_reload_failed 1\n"));
	ck_assert_ptr_nonnull(strstr(text, "\nkvmcfg_policy_info{sha256=\"0000000000000000000000000000"
					"000000000000000000000000000000000007\"} 1\n"));
	ck_assert_ptr_nonnull(strstr(text, "\nkvmcfg_policy_rules 12\n"));
	free(text);
}
END_TEST

START_TEST(atomic_write)
{
	char dir[] = "/tmp/kvmcfg-textfile-XXXXXX", path[256], buf[64];
	struct dirent *de;
	struct stat st;
	unsigned entries = 0;
	FILE *f;
	DIR *d;

	ck_assert_ptr_nonnull(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/kvmcfg.prom", dir);
	ck_assert_int_eq(textfile_write_atomic(path, "first\n"), 0);
	ck_assert_int_eq(textfile_write_atomic(path, "second\n"), 0);
	f = fopen(path, "re");
	ck_assert_ptr_nonnull(f);
	ck_assert_ptr_nonnull(fgets(buf, sizeof(buf), f));
	fclose(f);
	ck_assert_str_eq(buf, "second\n");
	ck_assert_int_eq(stat(path, &st), 0);
	ck_assert_int_eq(st.st_mode & 0777, 0644);
	/* No temp file left behind. */
	d = opendir(dir);
	ck_assert_ptr_nonnull(d);
	while ((de = readdir(d)))
		if (de->d_name[0] != '.' || (strcmp(de->d_name, ".") && strcmp(de->d_name, "..")))
			entries++;
	closedir(d);
	ck_assert_uint_eq(entries, 1);
	ck_assert_int_eq(unlink(path), 0);

	/* A missing directory is an error, not a crash. */
	snprintf(path, sizeof(path), "%s/missing/kvmcfg.prom", dir);
	ck_assert_int_eq(textfile_write_atomic(path, "x"), -ENOENT);
	ck_assert_int_eq(rmdir(dir), 0);
}
END_TEST

int main(void)
{
	const TTest *const tests[] = {
		render,
		atomic_write,
		NULL,
	};

	return unit_test_run("textfile", tests);
}
