/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The installed suite, as the kernel's run_kselftest.sh sees it: a
 * kselftest-list.txt of "collection:test" lines and, per collection, a
 * "settings" file whose timeout=N bounds each test.
 *
 * Besides, full-list.txt (same format, optional) names the long tests
 * (selftests/stress) that only kvm-selftests --full runs, or a --filter
 * naming them. run_kselftest.sh runs every line of kselftest-list.txt and
 * has no other selection by default, so they must not be in that file.
 *
 * Installed:  DIR/kselftest-list.txt, DIR/<collection>/<test>, DIR/<collection>/settings
 * Build tree: DIR/kselftest-list.txt, DIR/<test>, DIR/settings.<collection>
 * (meson cannot put build outputs into subdirectories, so the tree is flat;
 * a '/' in the collection is a '-' in the flat settings name).
 *
 * A collection may be a path ("net/forwarding", as the kernel installs it),
 * and so may a test below its collection ("kvm:x86_64/cpuid_test"). A bare
 * name not found where it is listed is looked for one directory down (the
 * 6.1 tree's own install lists "kvm:cpuid_test" for kvm/x86_64/cpuid_test).
 *
 * Settings, besides timeout=N: require_tap=1 holds the collection's tests
 * to reporting in TAP (struct test's require_tap); our own install writes it.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>

#include "test.h"

/* kselftest's runner.sh uses this when a collection has no settings file. */
#define CATALOG_DEFAULT_TIMEOUT 45
#define CATALOG_LIST		"kselftest-list.txt"
#define CATALOG_FULL_LIST	"full-list.txt"

struct catalog {
	char *dir;
	struct test **tests;
	size_t n_tests, n_tests_alloc;
};

/*
 * Load the suite in @dir: kselftest-list.txt, then full-list.txt if there
 * (those tests get full_only). Errors: -ENOENT no kselftest-list.txt,
 * -EBADMSG a malformed line (then *err_line is "file:line: what"), other
 * -errno.
 */
int catalog_load(struct catalog **ret, const char *dir, char **err_line);
struct catalog *catalog_free(struct catalog *c);
static inline void catalog_freep(struct catalog **c)
{
	catalog_free(*c);
}

/*
 * Select what runs. With shell globs in @globs (NULL-terminated): the tests
 * whose "collection:test" id or bare name matches one, full-only tests too.
 * Without: every test, but the full-only ones only when @full.
 */
void catalog_filter(struct catalog *c, char *const *globs, bool full);
/* Whether @glob would select a test (catalog_filter()'s match), before filtering. */
bool catalog_matches(const struct catalog *c, const char *glob);

/* Pure parsers, exposed for tests. */
/* One kselftest-list.txt line: 0 and the two parts, 1 for blank/comment, -EINVAL. */
int catalog_parse_list_line(const char *line, char **collection, char **name);
struct catalog_settings {
	unsigned int timeout; /* timeout=N; 0 when absent */
	bool require_tap;     /* require_tap=1 */
};
/* A settings file's text: 0 and what it sets, or -EINVAL (with *bad_line). */
int catalog_parse_settings(const char *text, struct catalog_settings *ret, unsigned int *bad_line);
