/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Machine-readable reports of a run, each with the host facts it ran under.
 * Both write to a temporary file next to @path and rename it into place, so
 * a reader never sees half a report. Return 0 or -errno.
 */
#pragma once

#include <stdio.h>

#include "run.h"

/* JUnit XML as Jenkins and GitLab read it: a testsuite per test binary. */
int report_junit_write(const struct run *r, const char *path);

/* JSON: runner settings, host facts, summary, every test and subtest. */
int report_json_write(const struct run *r, const char *path);

/* node_exporter textfile (Prometheus text format): counts, failed tests, last run. */
int report_textfile_write(const struct run *r, const char *path);

/* Shared by the writers (report-file.c): open a temporary file, rename it into place. */
int report_open(const char *path, FILE **ret, char **tmp_path);
int report_close(FILE *f, const char *tmp_path, const char *path);
/* ISO 8601 UTC, second precision, into @buf. */
void report_timestamp(double epoch, char *buf, size_t len);
