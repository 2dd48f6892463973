/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The installed suite, as the kernel's run_kselftest.sh sees it: a
 * kselftest-list.txt of "collection:test" lines and, per collection, a
 * "settings" file whose timeout=N bounds each test.
 *
 * Installed:  DIR/kselftest-list.txt, DIR/<collection>/<test>, DIR/<collection>/settings
 * Build tree: DIR/kselftest-list.txt, DIR/<test>, DIR/settings.<collection>
 * (meson cannot put build outputs into subdirectories, so the tree is flat).
 */
#pragma once

#include <stddef.h>

#include "test.h"

/* kselftest's runner.sh uses this when a collection has no settings file. */
#define CATALOG_DEFAULT_TIMEOUT 45

struct catalog {
	char *dir;
	struct test **tests;
	size_t n_tests;
};

/*
 * Load the suite in @dir. Errors: -ENOENT no kselftest-list.txt, -EBADMSG a
 * malformed line (then *err_line is "file:line: what"), other -errno.
 */
int catalog_load(struct catalog **ret, const char *dir, char **err_line);
struct catalog *catalog_free(struct catalog *c);
static inline void catalog_freep(struct catalog **c) { catalog_free(*c); }

/*
 * Keep only the tests whose "collection:test" id or bare name matches one of
 * the shell globs in @globs (NULL-terminated; none given keeps all).
 */
void catalog_filter(struct catalog *c, char *const *globs);

/* Pure parsers, exposed for tests. */
/* One kselftest-list.txt line: 0 and the two parts, 1 for blank/comment, -EINVAL. */
int catalog_parse_list_line(const char *line, char **collection, char **name);
/* A settings file's text: the timeout=N value, 0 when absent, -EINVAL (with *bad_line). */
int catalog_parse_settings(const char *text, unsigned int *timeout, unsigned int *bad_line);
