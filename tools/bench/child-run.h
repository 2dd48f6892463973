/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * One run of the bench in a fresh process (--runs): the program is
 * executed again, and the JSON document it writes on stdout is read back.
 * A fresh process, not a loop in this one: the run-level effect --runs
 * exists for (runs.h) must be drawn anew for every run, whatever in the
 * process carries it.
 */
#pragma once

#include <stdio.h>

struct json_object;

/*
 * Run @argv (argv[0] the program's path) with its stdout on a pipe and its
 * stderr in a temporary file, and parse the JSON it wrote into *@ret.
 * Returns 0; the child's exit status (> 0) when it failed, after copying
 * its stderr to @err; or -errno (the JSON could not be read: -EBADMSG,
 * with the reason on @err).
 */
int bench_child_run(char *const argv[], struct json_object **ret, FILE *err);
