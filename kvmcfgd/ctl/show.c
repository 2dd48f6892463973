// SPDX-License-Identifier: GPL-2.0-only
/*
 * kvmcfgctl show: every parameter of the KVM modules with its value and
 * what the policy says of it. The policy side comes from one real check,
 * so show and check can never disagree.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "checker.h"
#include "kvmcfgctl.h"
#include "param-set.h"
#include "param.h"
#include "table.h"

static bool finding_is_for(const Finding *f, const char *module, const char *param)
{
	return !f->rule && f->param && !strcmp(f->module, module) && !strcmp(f->param, param);
}

static int add_param_rows(Table *t, const Findings *f, bool *used, const KvmcfgParam *p)
{
	const char *shown = p->value ? p->value : kvmcfg_errno_name(p->error);
	char origin[512];
	bool any = false;
	size_t i;
	int r = 0;

	for (i = 0; r == 0 && f && i < f->n; i++) {
		const Finding *x = &f->items[i];

		if (!finding_is_for(x, p->module, p->param))
			continue;
		const char *row[] = {
			p->module,   p->param,		 shown,
			x->expected, ctl_status_cell(x), ctl_origin_cell(x, origin, sizeof(origin))
		};

		used[i] = any = true;
		r = table_add(t, row);
	}
	if (r == 0 && !any) {
		const char *row[] = { p->module, p->param, shown, NULL, NULL, NULL };

		r = table_add(t, row);
	}
	return r;
}

int verb_show(const Ctl *c)
{
	static const char *const header[] = { "MODULE", "PARAM",  "VALUE", "POLICY",
					      "STATUS", "ORIGIN", NULL };
	_cleanup_(kvmcfg_policy_freep) Policy *p = NULL;
	_cleanup_(kvmcfg_findings_freep) Findings *f = NULL;
	_cleanup_(table_freep) Table *t = NULL;
	KvmcfgParams params = { 0 };
	char **modules = NULL, origin[512];
	bool *used = NULL;
	size_t i;
	int fd = -1, r;

	if (c->n_args) {
		fprintf(stderr, "kvmcfgctl: show takes no arguments, got '%s'\n", c->args[0]);
		return CTL_EXIT_POLICY;
	}
	if (!c->no_policy) {
		r = ctl_load_policy(c, true, &p);
		if (r)
			return r;
	}
	if (p) {
		r = ctl_check(c, p, &f);
		if (r)
			return r;
	}
	fd = open(c->sysfs_root, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0) {
		fprintf(stderr, "kvmcfgctl: cannot open sysfs root %s: %m\n", c->sysfs_root);
		return CTL_EXIT_UNREADABLE;
	}
	r = ctl_kvm_modules(c, p, fd, &modules);
	if (r < 0) {
		fprintf(stderr, "kvmcfgctl: cannot list modules under %s: %s\n", c->sysfs_root,
			strerror(-r));
		close(fd);
		return CTL_EXIT_UNREADABLE;
	}
	/* Modules that are not loaded have no rows here: theirs come from the findings below. */
	r = kvmcfg_params_collect_at(fd, (const char *const *)modules, &params);
	if (r < 0 && r != -ENOMEM)
		fprintf(stderr, "kvmcfgctl: cannot list module parameters under %s: %s\n",
			c->sysfs_root, strerror(-r));
	used = r == 0 ? calloc(f ? f->n + 1 : 1, sizeof(*used)) : NULL;
	if (r == 0)
		r = used ? table_new(&t, header) : -ENOMEM;
	for (i = 0; r == 0 && i < params.n; i++)
		r = add_param_rows(t, f, used, &params.items[i]);
	/* What the policy says of things that are not there, and the derived rules. */
	for (i = 0; r == 0 && f && i < f->n; i++) {
		const Finding *x = &f->items[i];

		if (used[i])
			continue;
		const char *row[] = {
			x->module,	    x->rule ? x->rule : x->param,
			ctl_actual_cell(x), x->expected,
			ctl_status_cell(x), ctl_origin_cell(x, origin, sizeof(origin))
		};

		r = table_add(t, row);
	}
	close(fd);
	strv_free(modules);
	kvmcfg_params_deinit(&params);
	free(used);
	if (r < 0) {
		if (r == -ENOMEM)
			fprintf(stderr, "kvmcfgctl: out of memory\n");
		return CTL_EXIT_UNREADABLE;
	}
	table_print(t, stdout);
	if (!p)
		printf("\n(no policy: values only)\n");
	else
		printf("\npolicy: %s; verdict: %s\n", p->files[0],
		       kvmcfg_verdict_to_string(kvmcfg_findings_verdict(f)));
	return CTL_EXIT_OK;
}
