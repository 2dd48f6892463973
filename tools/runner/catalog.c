// SPDX-License-Identifier: GPL-2.0-only
#include <dirent.h>
#include <errno.h>
#include <fnmatch.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "catalog.h"
#include "macro.h"

static bool valid_part(const char *s, size_t len)
{
	size_t i;

	if (!len)
		return false;
	for (i = 0; i < len; i++)
		if (s[i] == '/' || s[i] == ' ' || s[i] == '\t' || s[i] == ':')
			return false;
	return !(len <= 2 && s[0] == '.' && (len == 1 || s[1] == '.'));
}

/*
 * A relative path inside the suite: collections may sit in subdirectories
 * (the kernel's "net/forwarding:..."), and a test may name one below its
 * collection ("kvm:x86_64/cpuid_test"). No empty, "." or ".." component.
 */
static bool valid_path(const char *s, size_t len)
{
	const char *end = s + len, *slash;

	for (;;) {
		slash = memchr(s, '/', end - s);
		if (!valid_part(s, (slash ? slash : end) - s))
			return false;
		if (!slash)
			return true;
		s = slash + 1;
	}
}

int catalog_parse_list_line(const char *line, char **collection, char **name)
{
	size_t len = strcspn(line, "\r\n");
	const char *colon;
	char *c, *n;

	while (len && (line[len - 1] == ' ' || line[len - 1] == '\t'))
		len--;
	if (!len || line[0] == '#')
		return 1;
	colon = memchr(line, ':', len);
	if (!colon || !valid_path(line, colon - line) ||
	    !valid_path(colon + 1, len - (colon + 1 - line)))
		return -EINVAL;
	c = strndup(line, colon - line);
	n = strndup(colon + 1, len - (colon + 1 - line));
	if (!c || !n) {
		free(c);
		free(n);
		return -ENOMEM;
	}
	*collection = c;
	*name = n;
	return 0;
}

/* "0" or "1": 0, 1; else -EINVAL. */
static int parse_flag(const char *s, size_t len)
{
	return len == 1 && (s[0] == '0' || s[0] == '1') ? s[0] - '0' : -EINVAL;
}

int catalog_parse_settings(const char *text, struct catalog_settings *ret, unsigned int *bad_line)
{
	struct catalog_settings set = {};
	unsigned int lineno = 0;
	const char *p = text;

	while (*p) {
		size_t len = strcspn(p, "\n");
		char *end;
		long v;
		int flag;

		lineno++;
		/* Other fields belong to runner.sh (it evals them); these two are ours. */
		if (len > 8 && !strncmp(p, "timeout=", 8)) {
			errno = 0;
			v = strtol(p + 8, &end, 10);
			if (errno || end == p + 8 || v <= 0 || v > 86400 ||
			    (size_t)(end - p) != len) {
				*bad_line = lineno;
				return -EINVAL;
			}
			set.timeout = v;
		} else if (len >= 12 && !strncmp(p, "require_tap=", 12)) {
			flag = parse_flag(p + 12, len - 12);
			if (flag < 0) {
				*bad_line = lineno;
				return -EINVAL;
			}
			set.require_tap = flag;
		}
		p += len;
		if (*p)
			p++;
	}
	*ret = set;
	return 0;
}

/* A small text file, whole. An empty file gives "". */
static int read_text(const char *path, char **ret)
{
	char *buf = NULL;
	size_t cap = 0;
	FILE *f = fopen(path, "re");
	ssize_t n;
	int err;

	if (!f)
		return -errno;
	n = getdelim(&buf, &cap, '\0', f);
	err = ferror(f) ? -EIO : 0;
	fclose(f);
	if (!err && n < 0) {
		free(buf);
		buf = strdup("");
		err = buf ? 0 : -ENOMEM;
	}
	if (err) {
		free(buf);
		return err;
	}
	*ret = buf;
	return 0;
}

/* The collection's settings: its settings file, installed or flat, else the defaults. */
static int collection_settings(const char *dir, const char *collection,
			       struct catalog_settings *ret, char **err_line)
{
	struct catalog_settings set = {};
	char *paths[2] = {}, *text = NULL, *flat = NULL, *c;
	unsigned int bad = 0;
	int r = 0, i;

	/* Flat (build tree): "settings.net-forwarding" for a collection "net/forwarding". */
	flat = strdup(collection);
	if (!flat) {
		r = -ENOMEM;
		goto out;
	}
	for (c = flat; *c; c++)
		if (*c == '/')
			*c = '-';
	if (asprintf(&paths[0], "%s/%s/settings", dir, collection) < 0 ||
	    asprintf(&paths[1], "%s/settings.%s", dir, flat) < 0) {
		r = -ENOMEM;
		goto out;
	}
	for (i = 0; i < 2; i++) {
		r = read_text(paths[i], &text);
		if (r == -ENOENT)
			continue;
		if (r < 0) {
			if (asprintf(err_line, "%s: %s", paths[i], strerror(-r)) < 0)
				*err_line = NULL;
			goto out;
		}
		r = catalog_parse_settings(text, &set, &bad);
		free(text);
		if (r < 0) {
			if (asprintf(err_line,
				     "%s:%u: timeout= wants seconds, 1 to 86400; "
				     "require_tap= wants 0 or 1",
				     paths[i], bad) < 0)
				*err_line = NULL;
			r = -EBADMSG;
			goto out;
		}
		break;
	}
	r = 0;
	if (!set.timeout)
		set.timeout = CATALOG_DEFAULT_TIMEOUT;
	*ret = set;
out:
	free(flat);
	free(paths[0]);
	free(paths[1]);
	return r;
}

/*
 * A test listed by its bare name but installed one directory further down:
 * the 6.1 tree's own install lists "kvm:cpuid_test" for kvm/x86_64/cpuid_test.
 * The one such file in a subdirectory of the collection, else NULL.
 */
static char *find_below(const char *coll_dir, const char *name)
{
	char *found = NULL, *path;
	struct dirent *e;
	struct stat st;
	DIR *d;

	if (strchr(name, '/'))
		return NULL;
	d = opendir(coll_dir);
	if (!d)
		return NULL;
	while ((e = readdir(d))) {
		if (e->d_name[0] == '.')
			continue;
		if (asprintf(&path, "%s/%s/%s", coll_dir, e->d_name, name) < 0)
			break;
		if (stat(path, &st) == 0 && S_ISREG(st.st_mode)) {
			if (found) {
				/* Two candidates: guessing would run the wrong one. */
				free(path);
				free(found);
				found = NULL;
				break;
			}
			found = path;
		} else {
			free(path);
		}
	}
	closedir(d);
	return found;
}

/* Where the binary is: installed layout, a flat build tree, or one directory down. */
static char *locate(const char *dir, const char *collection, const char *name)
{
	char *path = NULL, *coll_dir = NULL, *below;

	if (asprintf(&path, "%s/%s/%s", dir, collection, name) < 0)
		return NULL;
	if (access(path, F_OK) == 0)
		return path;
	free(path);
	if (asprintf(&path, "%s/%s", dir, name) < 0)
		return NULL;
	if (access(path, F_OK) == 0)
		return path;
	free(path);
	if (asprintf(&coll_dir, "%s/%s", dir, collection) < 0)
		return NULL;
	below = find_below(coll_dir, name);
	/* Missing: the installed path, which the run then reports as missing. */
	if (!below && asprintf(&below, "%s/%s", coll_dir, name) < 0)
		below = NULL;
	free(coll_dir);
	return below;
}

static int add_test(struct catalog *c, const char *collection, const char *name, bool full_only,
		    char **err_line)
{
	struct catalog_settings set;
	struct test *t = NULL;
	char *path;
	int r;

	r = collection_settings(c->dir, collection, &set, err_line);
	if (r < 0)
		return r;
	path = locate(c->dir, collection, name);
	if (!path)
		return -ENOMEM;
	r = test_new(&t, collection, name, path, set.timeout);
	free(path);
	if (r < 0)
		return r;
	t->full_only = full_only;
	t->require_tap = set.require_tap;
	r = GROW(c->tests, c->n_tests_alloc, c->n_tests + 1);
	if (r < 0) {
		test_free(t);
		return r;
	}
	c->tests[c->n_tests++] = t;
	return 0;
}

/* Add the tests of one list file; -ENOENT (nothing set) when it does not exist. */
static int load_list(struct catalog *c, const char *file, bool full_only, char **err_line)
{
	char *list = NULL, *line = NULL;
	unsigned int lineno = 0;
	size_t cap = 0;
	FILE *f = NULL;
	int r = 0;

	if (asprintf(&list, "%s/%s", c->dir, file) < 0)
		return -ENOMEM;
	f = fopen(list, "re");
	if (!f) {
		r = -errno;
		if (r != -ENOENT && asprintf(err_line, "%s: %s", list, strerror(-r)) < 0)
			*err_line = NULL;
		goto out;
	}
	while (getline(&line, &cap, f) >= 0) {
		char *coll = NULL, *name = NULL;

		lineno++;
		r = catalog_parse_list_line(line, &coll, &name);
		if (r == 1)
			continue;
		if (r == -EINVAL) {
			if (asprintf(err_line, "%s:%u: expected collection:test", list, lineno) < 0)
				*err_line = NULL;
			r = -EBADMSG;
			goto out;
		}
		if (r < 0)
			goto out;
		r = add_test(c, coll, name, full_only, err_line);
		free(coll);
		free(name);
		if (r < 0)
			goto out;
	}
	r = 0;
out:
	if (f)
		fclose(f);
	free(line);
	free(list);
	return r;
}

int catalog_load(struct catalog **ret, const char *dir, char **err_line)
{
	struct catalog *c = calloc(1, sizeof(*c));
	int r;

	*err_line = NULL;
	if (!c)
		return -ENOMEM;
	/* Absolute: tests run from their own directory (as under runner.sh). */
	c->dir = realpath(dir, NULL);
	if (!c->dir) {
		r = -errno;
		if (asprintf(err_line, "%s: %s", dir, strerror(-r)) < 0)
			*err_line = NULL;
		goto fail;
	}
	r = load_list(c, CATALOG_LIST, false, err_line);
	if (r == -ENOENT && asprintf(err_line, "%s/%s: %s", c->dir, CATALOG_LIST, strerror(-r)) < 0)
		*err_line = NULL;
	if (r < 0)
		goto fail;
	/* Optional: a suite without long tests has none. */
	r = load_list(c, CATALOG_FULL_LIST, true, err_line);
	if (r < 0 && r != -ENOENT)
		goto fail;
	*ret = c;
	return 0;
fail:
	catalog_free(c);
	return r;
}

struct catalog *catalog_free(struct catalog *c)
{
	size_t i;

	if (!c)
		return NULL;
	for (i = 0; i < c->n_tests; i++)
		test_free(c->tests[i]);
	free(c->tests);
	free(c->dir);
	free(c);
	return NULL;
}

static bool test_matches(const struct test *t, const char *glob)
{
	return !fnmatch(glob, t->id, 0) || !fnmatch(glob, t->name, 0) ||
	       !fnmatch(glob, test_basename(t), 0);
}

bool catalog_matches(const struct catalog *c, const char *glob)
{
	size_t i;

	for (i = 0; i < c->n_tests; i++)
		if (test_matches(c->tests[i], glob))
			return true;
	return false;
}

void catalog_filter(struct catalog *c, char *const *globs, bool full)
{
	size_t i, kept = 0;

	for (i = 0; i < c->n_tests; i++) {
		struct test *t = c->tests[i];
		bool match = false;
		char *const *g;

		if (!globs || !globs[0])
			match = full || !t->full_only;
		for (g = globs; g && *g && !match; g++)
			match = test_matches(t, *g);
		if (match)
			c->tests[kept++] = t;
		else
			test_free(t);
	}
	c->n_tests = kept;
}
