// SPDX-License-Identifier: GPL-2.0-only
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "checker.h"
#include "finding.h"
#include "policy.h"
#include "outcome.h"
#include "reload.h"

int reload_begin(struct reload *rl)
{
	int r = saved_params_take(rl->sysfs_fd, "kvm", &rl->orig_kvm);

	return r < 0 ? r : saved_params_take(rl->sysfs_fd, rl->vendor_module, &rl->orig_vendor);
}

void reload_clear(struct reload *rl)
{
	saved_params_clear(&rl->orig_kvm);
	saved_params_clear(&rl->orig_vendor);
}

/* Unload the vendor module, then kvm. */
static int unload_all(struct reload *rl, char **why)
{
	int r = module_unload(rl->tools, rl->sysfs_fd, rl->vendor_module, why);

	return r < 0 ? r : module_unload(rl->tools, rl->sysfs_fd, "kvm", why);
}

/* The "param=value" words for @module out of "module.param=value" strings. */
static size_t params_for(char **assign, size_t n, const char *module, char **out)
{
	size_t ml = strlen(module), k = 0;

	for (size_t i = 0; i < n; i++)
		if (!strncmp(assign[i], module, ml) && assign[i][ml] == '.')
			out[k++] = assign[i] + ml + 1;
	return k;
}

int reload_config(struct reload *rl, struct config_result *c)
{
	char *words[c->n_assign + 1];
	size_t n;
	int r;

	memset(words, 0, sizeof(words));
	r = unload_all(rl, &c->load_error);
	if (r < 0)
		return r;
	n = params_for(c->assign, c->n_assign, "kvm", words);
	r = module_load(rl->tools, "kvm", words, n, &c->load_error);
	if (r < 0)
		return r;
	n = params_for(c->assign, c->n_assign, rl->vendor_module, words);
	return module_load(rl->tools, rl->vendor_module, words, n, &c->load_error);
}

/* The policy that says "these params read as the config asked". */
static int config_policy(const struct reload *rl, const struct config_result *c, char **ret)
{
	const char *modules[] = { "kvm", rl->vendor_module };
	size_t len = 0;
	char *text = NULL;
	FILE *f = open_memstream(&text, &len);

	if (!f)
		return -ENOMEM;
	fputs("[Policy]\nImportModprobe = no\n", f);
	for (size_t k = 0; k < 2; k++) {
		size_t ml = strlen(modules[k]);

		fprintf(f, "[%s]\nRequired = yes\nSeverity = critical\n", modules[k]);
		for (size_t i = 0; i < c->n_assign; i++)
			if (!strncmp(c->assign[i], modules[k], ml) && c->assign[i][ml] == '.')
				fprintf(f, "%.*s = %s\n", (int)strcspn(c->assign[i] + ml + 1, "="),
					c->assign[i] + ml + 1, strchr(c->assign[i], '=') + 1);
	}
	if (fclose(f) != 0) {
		free(text);
		return -ENOMEM;
	}
	*ret = text;
	return 0;
}

int reload_check(struct reload *rl, struct config_result *c)
{
	_cleanup_(kvmcfg_policy_freep) Policy *p = NULL;
	_cleanup_(kvmcfg_findings_freep) Findings *found = NULL;
	PolicyError err = {};
	char *text = NULL;
	size_t n = 0;
	int r;

	r = config_policy(rl, c, &text);
	if (r < 0)
		return r;
	r = kvmcfg_policy_parse(&p, text, "kvm-config-matrix", &err);
	free(text);
	if (r == -EINVAL) {
		/* A value the policy language cannot express: say so for this config. */
		c->load_error = strndup(err.text, strcspn(err.text, "\n"));
		return c->load_error ? 0 : -ENOMEM;
	}
	if (r < 0)
		return r;
	r = kvmcfg_check(p, rl->sysfs_fd, &found);
	if (r < 0)
		return r;
	/* Each asked param as loaded, for held/overridden/contradicted (outcome.h). */
	r = outcome_init(c, found);
	if (r < 0)
		return r;
	for (size_t i = 0; i < found->n; i++)
		n += kvmcfg_finding_is_problem(&found->items[i]);
	c->mismatches = calloc(n + 1, sizeof(*c->mismatches));
	if (!c->mismatches)
		return -ENOMEM;
	for (size_t i = 0; i < found->n; i++) {
		const Finding *fd = &found->items[i];
		struct param_mismatch *mm;

		if (!kvmcfg_finding_is_problem(fd))
			continue;
		mm = &c->mismatches[c->n_mismatches++];
		if (asprintf(&mm->param, "%s.%s", fd->module, fd->param ? fd->param : "*") < 0)
			mm->param = NULL;
		mm->requested = strdup(fd->expected ? fd->expected : "?");
		mm->loaded = fd->actual ? strdup(fd->actual) : NULL;
		/* Derived rules and unreadable params explain themselves. */
		mm->message = fd->kind == FINDING_MISMATCH ? NULL : strdup(fd->message);
		if (!mm->param || !mm->requested)
			return -ENOMEM;
	}
	return 0;
}

/*
 * Load @orig's module back with the original values of the matrix axes and,
 * when @now is given (what an earlier attempt produced), of every param
 * that still differs: values set on the original modprobe command line are
 * not in any config file, so only the snapshot knows them.
 */
static int restore_module(struct reload *rl, const struct saved_params *orig,
			  const struct saved_params *now, char **why)
{
	char **words = calloc(rl->m->n_axes + orig->n + 1, sizeof(*words));
	size_t n = 0;
	int r = 0;

	if (!words)
		return -ENOMEM;
	for (size_t i = 0; orig->loaded && i < orig->n; i++) {
		const char *v = now ? saved_params_get(now, orig->names[i]) : NULL;
		bool axis = false;

		for (size_t k = 0; k < rl->m->n_axes; k++)
			axis |= !rl->m->axes[k].note &&
				!strcmp(rl->m->axes[k].module, orig->module) &&
				!strcmp(rl->m->axes[k].param, orig->names[i]);
		if (!axis && !(v && strcmp(v, orig->values[i])))
			continue;
		if (!strcmp(orig->values[i], "?"))
			continue; /* unreadable: we cannot know what to put back */
		if (asprintf(&words[n], "%s=%s", orig->names[i], orig->values[i]) < 0) {
			r = -ENOMEM;
			goto out;
		}
		n++;
	}
	if (orig->loaded)
		r = module_load(rl->tools, orig->module, words, n, why);
out:
	for (size_t i = 0; i < n; i++)
		free(words[i]);
	free(words);
	return r;
}

/* Append what differs between @orig and @now to @diff; returns 1 if anything does. */
static int compare_snapshot(const struct saved_params *orig, const struct saved_params *now,
			    FILE *diff)
{
	int bad = 0;

	if (now->loaded != orig->loaded) {
		fprintf(diff, "%s is %s but was %s before; ", orig->module,
			now->loaded ? "loaded" : "not loaded",
			orig->loaded ? "loaded" : "not loaded");
		bad = 1;
	}
	for (size_t i = 0; now->loaded && i < orig->n; i++) {
		const char *v = saved_params_get(now, orig->names[i]);

		if (v && !strcmp(v, orig->values[i]))
			continue;
		fprintf(diff, "%s.%s is %s, was %s; ", orig->module, orig->names[i],
			v ? v : "(absent)", orig->values[i]);
		bad = 1;
	}
	return bad;
}

/* One reload attempt; then re-read both modules and compare. 0 same, 1 differs, -errno. */
static int restore_attempt(struct reload *rl, struct saved_params now[2], char **why, char **diff)
{
	const struct saved_params *orig[2] = { &rl->orig_kvm, &rl->orig_vendor };
	bool second = now[0].module != NULL;
	struct saved_params fresh[2] = {};
	size_t dlen = 0;
	FILE *f;
	int r, bad = 0;

	r = unload_all(rl, why);
	for (int i = 0; r >= 0 && i < 2; i++)
		r = restore_module(rl, orig[i], second ? &now[i] : NULL, why);
	if (r < 0)
		return r;
	for (int i = 0; r >= 0 && i < 2; i++)
		r = saved_params_take(rl->sysfs_fd, orig[i]->module, &fresh[i]);
	if (r < 0)
		goto out;
	f = open_memstream(diff, &dlen);
	if (!f) {
		r = -ENOMEM;
		goto out;
	}
	for (int i = 0; i < 2; i++)
		bad |= compare_snapshot(orig[i], &fresh[i], f);
	fclose(f);
	for (int i = 0; i < 2; i++) {
		saved_params_clear(&now[i]);
		now[i] = fresh[i];
		memset(&fresh[i], 0, sizeof(fresh[i]));
	}
	r = bad;
out:
	for (int i = 0; i < 2; i++)
		saved_params_clear(&fresh[i]);
	return r;
}

int reload_restore(struct reload *rl, char **error)
{
	struct saved_params now[2] = {};
	char *why = NULL, *diff = NULL;
	int r;

	r = restore_attempt(rl, now, &why, &diff);
	if (r == 1) {
		/* Something came back different: once more, naming those params too. */
		free(diff);
		diff = NULL;
		r = restore_attempt(rl, now, &why, &diff);
	}
	for (int i = 0; i < 2; i++)
		saved_params_clear(&now[i]);
	if (r < 0) {
		*error = why ? why : strdup(strerror(-r));
		why = NULL;
	} else if (r == 1) {
		*error = diff;
		diff = NULL;
	} else {
		*error = NULL;
	}
	free(why);
	free(diff);
	return r;
}
