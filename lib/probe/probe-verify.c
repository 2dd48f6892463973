// SPDX-License-Identifier: GPL-2.0-only
/* Findings from probe results (probe-verify.h). */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "probe-verify.h"

/* Whether @x is the first finding in @f about its module.param with a value read. */
static bool first_read(const Findings *f, size_t i)
{
	const Finding *x = &f->items[i];
	size_t k;

	/* A policy rule's finding with the value read; derived rules quote, not read. */
	if (!x->param || !x->actual || x->rule ||
	    (x->kind != FINDING_OK && x->kind != FINDING_MISMATCH))
		return false;
	for (k = 0; k < i; k++) {
		const Finding *y = &f->items[k];

		if (y->param && y->actual && !y->rule && !strcmp(y->module, x->module) &&
		    !strcmp(y->param, x->param))
			return false;
	}
	return true;
}

size_t kvmcfg_verify_probes_needed(const Findings *f, const KvmcfgProbe **ret)
{
	size_t i, k, n = 0;

	for (k = 0; kvmcfg_probes[k]; k++)
		for (i = 0; i < f->n; i++)
			if (first_read(f, i) &&
			    kvmcfg_probe_for_param(f->items[i].module, f->items[i].param) ==
				    kvmcfg_probes[k]) {
				ret[n++] = kvmcfg_probes[k];
				break;
			}
	return n;
}

int kvmcfg_verify_apply(Findings *f, const KvmcfgProbe *const *probes,
			const KvmcfgProbeResult *results, size_t n, bool allow_unverified)
{
	size_t i, k, n_read = f->n;
	int contradicted = 0, r = 0;

	for (i = 0; i < n_read && r >= 0; i++) {
		const KvmcfgProbe *p;
		const KvmcfgProbeResult *res = NULL;
		/* Copies: adding findings may move f->items. */
		char module[64], param[64], value[128], origin[512], msg[1200];
		unsigned line;
		PolicySeverity severity;

		if (!first_read(f, i))
			continue;
		p = kvmcfg_probe_for_param(f->items[i].module, f->items[i].param);
		for (k = 0; p && k < n; k++)
			if (probes[k] == p)
				res = &results[k];
		if (!res)
			continue;
		snprintf(module, sizeof(module), "%s", f->items[i].module);
		snprintf(param, sizeof(param), "%s", f->items[i].param);
		snprintf(value, sizeof(value), "%s", f->items[i].actual);
		snprintf(origin, sizeof(origin), "%s", f->items[i].origin_file);
		line = f->items[i].origin_line;
		severity = f->items[i].severity;

		switch (res->outcome) {
		case KVMCFG_PROBE_OBSERVED:
			r = kvmcfg_probe_judge(res, module, param, value, msg, sizeof(msg));
			if (r == 0) {
				/* Agrees: a rule that holds carries what confirmed it. */
				if (f->items[i].kind == FINDING_OK)
					r = kvmcfg_findings_set_probe_at(f, i, p->name,
									 res->evidence);
				break;
			}
			if (r == 1) {
				/* Expected: what the behaviour implies the param should read. */
				contradicted++;
				r = kvmcfg_findings_add(
					f, FINDING_CONTRADICTED, POLICY_SEVERITY_CRITICAL, module,
					param,
					kvmcfg_probe_result_verdict(res, module, param)->on ? "Y" :
											      "N",
					value, 0, origin, line, NULL, msg);
				if (r >= 0)
					r = kvmcfg_findings_set_probe(f, p->name, res->evidence);
				break;
			}
			/* No verdict on this param here (or a value that is no boolean). */
			snprintf(msg, sizeof(msg),
				 "%s.%s=%s not verified: the %s probe cannot tell it "
				 "on this host (%s)",
				 module, param, value, p->name, res->evidence);
			r = kvmcfg_findings_add(f, FINDING_SKIPPED, POLICY_SEVERITY_INFO, module,
						param, value, value, 0, origin, line, NULL, msg);
			if (r >= 0)
				r = kvmcfg_findings_set_probe(f, p->name, res->evidence);
			break;
		case KVMCFG_PROBE_NOT_APPLICABLE:
			snprintf(msg, sizeof(msg), "%s.%s=%s not verified: not applicable here: %s",
				 module, param, value, res->reason);
			r = kvmcfg_findings_add(f, FINDING_SKIPPED, POLICY_SEVERITY_INFO, module,
						param, value, value, 0, origin, line, NULL, msg);
			if (r >= 0)
				r = kvmcfg_findings_set_probe(f, p->name, res->reason);
			break;
		default:
			snprintf(msg, sizeof(msg), "%s.%s=%s could not be verified: %s", module,
				 param, value, res->reason);
			r = kvmcfg_findings_add(f, FINDING_UNVERIFIED,
						allow_unverified ? POLICY_SEVERITY_INFO : severity,
						module, param, value, value, 0, origin, line, NULL,
						msg);
			if (r >= 0)
				r = kvmcfg_findings_set_probe(f, p->name, res->reason);
			break;
		}
	}
	return r < 0 ? r : contradicted;
}
