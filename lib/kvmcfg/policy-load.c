// SPDX-License-Identifier: GPL-2.0-only
/*
 * The file side of the policy: which files make the effective policy
 * (main file, vendor fallback, drop-ins in name order), reading them, and
 * the optional import of modprobe.d "options" through libkmod. All parsing
 * is kvmcfg_policy_parse(); this file only finds and reads text.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "kmod-dl.h"
#include "param.h"
#include "policy-internal.h"
#include "policy.h"

/* A policy is a few KiB; anything this big is not one. */
#define POLICY_FILE_MAX (1024 * 1024)

/*
 * kvmcfg_check_trusted() and kvmcfg_check_trusted_path() for a policy file or
 * drop-in dir, the reason in @err.
 */
static int check_trusted(const char *path, const struct stat *st, PolicyError *err)
{
	char why[PATH_MAX + 96];
	int r;

	r = kvmcfg_check_trusted(st, why, sizeof(why));
	if (r == 0)
		r = kvmcfg_check_trusted_path(path, st->st_uid, why, sizeof(why));
	if (r < 0)
		kvmcfg_policy_error_add(
			err, path, 0,
			"refusing insecure policy %s: %s (chown root and chmod go-w it; "
			"KVMCFG_POLICY_INSECURE=1 lifts this for tests)",
			S_ISDIR(st->st_mode) ? "directory" : "file", why);
	return r;
}

/*
 * Read one policy file into a NUL-terminated buffer. Every refusal goes to
 * @err naming the file (and the line, for a NUL byte). Opened non-blocking
 * so a FIFO named *.conf cannot hang a reload; only regular files are read.
 */
static int read_text(const char *path, char **ret, PolicyError *err)
{
	struct stat st;
	char *buf = NULL, *nul;
	size_t len = 0, cap;
	ssize_t n;
	int fd, r;

	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
	if (fd < 0) {
		r = -errno;
		kvmcfg_policy_error_add(err, path, 0, "cannot read: %s", strerror(-r));
		return r;
	}
	if (fstat(fd, &st) < 0) {
		r = -errno;
		kvmcfg_policy_error_add(err, path, 0, "cannot read: %s", strerror(-r));
		goto fail;
	}
	if (!S_ISREG(st.st_mode)) {
		r = S_ISDIR(st.st_mode) ? -EISDIR : -EBADFD;
		kvmcfg_policy_error_add(err, path, 0, "cannot read: %s",
					S_ISDIR(st.st_mode) ? "is a directory" :
							      "not a regular file");
		goto fail;
	}
	r = check_trusted(path, &st, err);
	if (r < 0)
		goto fail;
	/*
	 * Sized from fstat(), not POLICY_FILE_MAX: a 1 MiB malloc() is an
	 * mmap(), and freeing it raises glibc's dynamic mmap and trim
	 * thresholds for the rest of the daemon's life. The file may still
	 * grow while it is read, so the buffer grows too, up to the limit.
	 */
	if (st.st_size <= 0)
		cap = 1;
	else if (st.st_size > POLICY_FILE_MAX)
		cap = POLICY_FILE_MAX + 2; /* one byte over the limit tells */
	else
		cap = (size_t)st.st_size + 1;
	buf = malloc(cap);
	if (!buf) {
		r = -ENOMEM;
		goto fail;
	}
	for (;;) {
		if (len + 1 == cap) {
			char *nb;

			if (len > POLICY_FILE_MAX) {
				r = -EINVAL;
				kvmcfg_policy_error_add(err, path, 0, "larger than %d bytes",
							POLICY_FILE_MAX);
				goto fail;
			}
			cap = cap * 2 > POLICY_FILE_MAX + 1 ? POLICY_FILE_MAX + 2 : cap * 2;
			nb = realloc(buf, cap);
			if (!nb) {
				r = -ENOMEM;
				goto fail;
			}
			buf = nb;
		}
		n = read(fd, buf + len, cap - 1 - len);
		if (n == 0)
			break;
		if (n < 0) {
			if (errno == EINTR)
				continue;
			r = -errno;
			kvmcfg_policy_error_add(err, path, 0, "cannot read: %s", strerror(-r));
			goto fail;
		}
		len += n;
	}
	if (len > POLICY_FILE_MAX) {
		r = -EINVAL;
		kvmcfg_policy_error_add(err, path, 0, "larger than %d bytes", POLICY_FILE_MAX);
		goto fail;
	}
	close(fd);
	nul = memchr(buf, '\0', len);
	if (nul) {
		unsigned line = 1;
		const char *c;

		for (c = buf; c < nul; c++)
			line += *c == '\n';
		kvmcfg_policy_error_add(err, path, line, "not a text file (contains a NUL byte)");
		free(buf);
		return -EINVAL;
	}
	buf[len] = '\0';
	*ret = buf;
	return 0;
fail:
	close(fd);
	free(buf);
	return r;
}

/* Parse one file; every error goes to @err with the file's name. */
static int load_one(Policy **ret, const char *path, PolicyError *err)
{
	char *text = NULL;
	int r;

	r = read_text(path, &text, err);
	if (r < 0)
		return r;
	r = kvmcfg_policy_parse(ret, text, path, err);
	free(text);
	return r;
}

typedef struct DropIn {
	char *name;
	char *path;
} DropIn;

static int dropin_cmp(const void *a, const void *b)
{
	return strcmp(((const DropIn *)a)->name, ((const DropIn *)b)->name);
}

static void dropins_free(DropIn *v, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		free(v[i].name);
		free(v[i].path);
	}
	free(v);
}

static bool is_conf_name(const char *name)
{
	size_t len = strlen(name);

	return name[0] != '.' && len > 5 && !strcmp(name + len - 5, ".conf");
}

/*
 * Every *.conf in @dirs, sorted by name; a name found in an earlier dir
 * masks the same name in later ones (so /etc masks /usr/lib).
 */
static int collect_dropins(const char *const *dirs, DropIn **ret, size_t *ret_n, PolicyError *err)
{
	DropIn *v = NULL;
	size_t n = 0, i;
	int r = 0;

	for (; *dirs && r == 0; dirs++) {
		struct dirent *de;
		DIR *d = opendir(*dirs);
		struct stat st;

		if (!d) {
			if (errno == ENOENT)
				continue;
			r = -errno;
			kvmcfg_policy_error_add(err, *dirs, 0, "cannot read drop-in directory: %s",
						strerror(-r));
			break;
		}
		if (fstat(dirfd(d), &st) < 0) {
			r = -errno;
			kvmcfg_policy_error_add(err, *dirs, 0, "cannot read drop-in directory: %s",
						strerror(-r));
			closedir(d);
			break;
		}
		/* Whoever can add a file here can add a rule. */
		r = check_trusted(*dirs, &st, err);
		if (r < 0) {
			closedir(d);
			break;
		}
		while ((de = readdir(d))) {
			bool masked = false;
			DropIn *nv;

			if (!is_conf_name(de->d_name))
				continue;
			if (n == KVMCFG_POLICY_DROPINS_MAX) {
				kvmcfg_policy_error_add(
					err, *dirs, 0,
					"more than %d drop-ins, the limit (kvmcfg.policy(5))",
					KVMCFG_POLICY_DROPINS_MAX);
				r = -E2BIG;
				break;
			}
			for (i = 0; i < n; i++)
				masked |= !strcmp(v[i].name, de->d_name);
			if (masked)
				continue;
			nv = realloc(v, (n + 1) * sizeof(*nv));
			if (!nv) {
				r = -ENOMEM;
				break;
			}
			v = nv;
			v[n].name = strdup(de->d_name);
			if (!v[n].name || asprintf(&v[n].path, "%s/%s", *dirs, de->d_name) < 0) {
				free(v[n].name);
				r = -ENOMEM;
				break;
			}
			n++;
		}
		closedir(d);
	}
	if (r < 0) {
		dropins_free(v, n);
		return r;
	}
	if (n)
		qsort(v, n, sizeof(*v), dropin_cmp);
	*ret = v;
	*ret_n = n;
	return 0;
}

int kvmcfg_policy_load_full(Policy **ret, const char *main_path, const char *const *dropin_dirs,
			    const char *const *modprobe_paths, PolicyError *err)
{
	static const char *const default_dirs[] = { POLICY_DROPIN_DIR, POLICY_VENDOR_DROPIN_DIR,
						    NULL };
	PolicyError local = {};
	Policy *p = NULL;
	DropIn *dropins = NULL;
	size_t n_dropins = 0, i;
	unsigned errors_at_start;
	bool too_many = false;
	int r, first_r = 0;

	if (!err)
		err = &local;
	errors_at_start = err->n_errors;
	if (!main_path) {
		main_path =
			access(POLICY_MAIN_PATH, F_OK) == 0 ? POLICY_MAIN_PATH : POLICY_VENDOR_PATH;
		if (access(main_path, F_OK) < 0) {
			kvmcfg_policy_error_add(err, POLICY_MAIN_PATH, 0,
						"no policy: neither this nor %s exists",
						POLICY_VENDOR_PATH);
			return -ENOENT;
		}
	}
	if (!dropin_dirs)
		dropin_dirs = default_dirs;

	/* Parse everything, even after an error, so one run reports every error. */
	r = load_one(&p, main_path, err);
	if (r < 0)
		first_r = r;
	r = collect_dropins(dropin_dirs, &dropins, &n_dropins, err);
	if (r < 0 && !first_r)
		first_r = r;
	for (i = 0; i < n_dropins; i++) {
		Policy *o = NULL;

		r = load_one(&o, dropins[i].path, err);
		if (r < 0) {
			if (!first_r)
				first_r = r;
			continue;
		}
		if (!p) {
			kvmcfg_policy_free(o);
			continue;
		}
		r = kvmcfg_policy_merge(p, o);
		if (r == 0 && !too_many && kvmcfg_policy_n_rules(p) > KVMCFG_POLICY_RULES_MAX) {
			too_many = true;
			kvmcfg_policy_error_add(
				err, dropins[i].path, 0,
				"the policy has more than %d rules with this drop-in, "
				"the limit (kvmcfg.policy(5))",
				KVMCFG_POLICY_RULES_MAX);
			r = -E2BIG;
		}
		if (r < 0 && !first_r)
			first_r = r;
	}
	dropins_free(dropins, n_dropins);

	if (!first_r && p->import_modprobe) {
		r = kvmcfg_policy_import_modprobe(p, modprobe_paths, err);
		if (r < 0)
			first_r = r;
	}
	if (!first_r && !kvmcfg_policy_asserts(p)) {
		kvmcfg_policy_error_add(
			err, main_path, 0,
			"the policy asserts nothing: no section is Required = yes and no rule "
			"is more than 'any' (start with [kvm] and a rule, kvmcfg.policy(5))");
		first_r = -EINVAL;
	}
	if (!first_r && err->n_errors != errors_at_start)
		first_r = -EINVAL;
	if (first_r < 0) {
		kvmcfg_policy_free(p);
		return first_r;
	}
	*ret = p;
	return 0;
}

int kvmcfg_policy_load(Policy **ret, const char *main_path, const char *const *dropin_dirs,
		       PolicyError *err)
{
	return kvmcfg_policy_load_full(ret, main_path, dropin_dirs, NULL, err);
}

/* ---- modprobe.d import ---- */

/*
 * Values modprobe accepts that sysfs never prints back: nx_huge_pages takes
 * force/auto/off but reads Y/N (and never). Map what was asked to what the
 * kernel shows when the request took effect.
 */
static const struct {
	const char *module, *param, *asked, *reads;
} readback[] = {
	{ "kvm", "nx_huge_pages", "force", "Y" },
	{ "kvm", "nx_huge_pages", "auto", "Y | N" },
};

static bool import_wanted(const Policy *p, const char *module)
{
	static const char *const kvm_modules[] = { "kvm", "kvm_intel", "kvm_amd" };
	size_t i;

	for (i = 0; i < sizeof(kvm_modules) / sizeof(kvm_modules[0]); i++)
		if (!strcmp(module, kvm_modules[i]))
			return true;
	return kvmcfg_policy_find_section(p, module) != NULL;
}

/* Was this rule written in a policy file (as opposed to imported before)? */
static bool stated_in_policy(const Policy *p, const char *module, const char *param,
			     const char *origin_prefix)
{
	const PolicyRule *r = kvmcfg_policy_find_rule(p, module, param);

	return r && strncmp(r->file, origin_prefix, strlen(origin_prefix)) != 0;
}

/* One "options" value: "a=1 b=\"x y\" c" (the kernel's next_arg() syntax). */
static int import_options(Policy *p, const char *module, const char *opts, PolicyError *err)
{
	char origin[sizeof("modprobe.d:") + 256], *copy = strdup(opts), *s = copy;
	int r = 0;

	if (!copy)
		return -ENOMEM;
	snprintf(origin, sizeof(origin), "modprobe.d:%s", module);
	while (r == 0 && *s) {
		char *name, *value = NULL, *quoted = NULL, *end;
		const char *want;
		size_t i;

		while (*s == ' ' || *s == '\t')
			s++;
		if (!*s)
			break;
		name = s;
		while (*s && *s != '=' && *s != ' ' && *s != '\t')
			s++;
		if (*s == '=') {
			*s++ = '\0';
			if (*s == '"') {
				value = ++s;
				end = strchr(s, '"');
				s = end ? end + 1 : s + strlen(s);
				if (end)
					*end = '\0';
			} else {
				value = s;
				while (*s && *s != ' ' && *s != '\t')
					s++;
			}
			if (*s)
				*s++ = '\0';
		} else if (*s) {
			*s++ = '\0';
		}
		for (end = name; *end; end++)
			if (*end == '-')
				*end = '_';
		/* A bare name sets a boolean param to true. */
		want = value ? value : "Y";
		for (i = 0; i < sizeof(readback) / sizeof(readback[0]); i++)
			if (!strcmp(readback[i].module, module) &&
			    !strcmp(readback[i].param, name) && !strcmp(readback[i].asked, want))
				want = readback[i].reads;
		if (stated_in_policy(p, module, name, "modprobe.d:"))
			continue;
		if (want == value && kvmcfg_matcher_text_needs_quotes(value)) {
			if (strchr(value, '"')) {
				kvmcfg_policy_error_add(err, origin, 0,
							"cannot express %s=%s as a rule", name,
							value);
				r = -EINVAL;
				break;
			}
			if (asprintf(&quoted, "\"%s\"", value) < 0) {
				r = -ENOMEM;
				break;
			}
			want = quoted;
		}
		r = kvmcfg_policy_add_rule_internal(p, module, name, want, origin);
		if (r == -EINVAL)
			kvmcfg_policy_error_add(err, origin, 0, "cannot express %s=%s as a rule",
						name, want);
		free(quoted);
	}
	free(copy);
	return r;
}

int kvmcfg_policy_import_modprobe(Policy *p, const char *const *config_paths, PolicyError *err)
{
	struct kmod_config_iter *it;
	const KvmcfgKmod *kmod;
	struct kmod_ctx *ctx;
	const char *why;
	int r = 0;

	r = kvmcfg_kmod_get(&kmod, &why);
	if (r < 0) {
		kvmcfg_policy_error_add(err, "modprobe.d", 0,
					"ImportModprobe=yes needs libkmod: %s", why);
		return r;
	}
	ctx = kmod->kmod_new(NULL, config_paths);
	if (!ctx) {
		kvmcfg_policy_error_add(err, "modprobe.d", 0,
					"libkmod could not read its configuration");
		return -ENOMEM;
	}
	kmod->kmod_set_log_fn(ctx, kvmcfg_kmod_log_silent, NULL);
	it = kmod->kmod_config_get_options(ctx);
	if (!it) {
		kmod->kmod_unref(ctx);
		kvmcfg_policy_error_add(err, "modprobe.d", 0,
					"libkmod returned no options iterator");
		return -ENOMEM;
	}
	while (r == 0 && kmod->kmod_config_iter_next(it)) {
		const char *key = kmod->kmod_config_iter_get_key(it);
		const char *value = kmod->kmod_config_iter_get_value(it);
		char module[256];
		size_t i;

		if (!key || !value || strlen(key) >= sizeof(module))
			continue;
		for (i = 0; key[i]; i++)
			module[i] = key[i] == '-' ? '_' : key[i];
		module[i] = '\0';
		if (import_wanted(p, module))
			r = import_options(p, module, value, err);
	}
	kmod->kmod_config_iter_free_iter(it);
	kmod->kmod_unref(ctx);
	return r;
}
