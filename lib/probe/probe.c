// SPDX-License-Identifier: GPL-2.0-only
/*
 * The probe registry, the judge that holds a param's value against what a
 * probe saw, and the helpers probes fill their results with.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "param.h"
#include "probe.h"
#include "probes.h"

const KvmcfgProbe *const kvmcfg_probes[] = {
	&kvmcfg_probe_tdp,
	&kvmcfg_probe_mmio_caching,
	&kvmcfg_probe_sev,
	&kvmcfg_probe_ignore_msrs,
	&kvmcfg_probe_force_emulation_prefix,
	&kvmcfg_probe_vmware_backdoor,
	&kvmcfg_probe_pmu,
	&kvmcfg_probe_nested,
	NULL,
};

const char *kvmcfg_probe_outcome_to_string(KvmcfgProbeOutcome o)
{
	static const char *const names[_KVMCFG_PROBE_OUTCOME_MAX] = {
		[KVMCFG_PROBE_OBSERVED] = "observed",
		[KVMCFG_PROBE_NOT_APPLICABLE] = "not-applicable",
		[KVMCFG_PROBE_CANNOT_RUN] = "cannot-run",
	};

	return o < _KVMCFG_PROBE_OUTCOME_MAX ? names[o] : "invalid";
}

const KvmcfgProbe *kvmcfg_probe_for_param(const char *module, const char *param)
{
	size_t i, k;

	for (i = 0; kvmcfg_probes[i]; i++)
		for (k = 0; kvmcfg_probes[i]->params[k].module; k++)
			if (!strcmp(kvmcfg_probes[i]->params[k].module, module) &&
			    !strcmp(kvmcfg_probes[i]->params[k].param, param))
				return kvmcfg_probes[i];
	return NULL;
}

const KvmcfgProbe *kvmcfg_probe_by_name(const char *name)
{
	size_t i;

	for (i = 0; kvmcfg_probes[i]; i++)
		if (!strcmp(kvmcfg_probes[i]->name, name))
			return kvmcfg_probes[i];
	return NULL;
}

static unsigned long long now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (unsigned long long)ts.tv_sec * 1000000ULL + (unsigned long long)ts.tv_nsec / 1000;
}

int kvmcfg_probe_run(const KvmcfgProbe *p, KvmcfgProbeResult *res)
{
	unsigned long long t0 = now_us();

	memset(res, 0, sizeof(*res));
	p->run(res);
	res->elapsed_us = now_us() - t0;
	return 0;
}

const KvmcfgProbeVerdict *kvmcfg_probe_result_verdict(const KvmcfgProbeResult *res,
						      const char *module, const char *param)
{
	unsigned i;

	if (res->outcome != KVMCFG_PROBE_OBSERVED)
		return NULL;
	for (i = 0; i < res->n_verdicts && i < KVMCFG_PROBE_MAX_VERDICTS; i++)
		if (!strcmp(res->verdicts[i].module, module) &&
		    !strcmp(res->verdicts[i].param, param))
			return &res->verdicts[i];
	return NULL;
}

int kvmcfg_probe_param_on(const char *value)
{
	int64_t v;
	bool b;

	if (kvmcfg_parse_bool(value, &b) == 0)
		return b;
	if (kvmcfg_parse_int(value, &v) == 0)
		return v != 0;
	return -EINVAL;
}

int kvmcfg_probe_judge(const KvmcfgProbeResult *res, const char *module, const char *param,
		       const char *value, char *msg, size_t size)
{
	const KvmcfgProbeVerdict *v = kvmcfg_probe_result_verdict(res, module, param);
	int on;

	if (!v)
		return -ENOENT;
	on = kvmcfg_probe_param_on(value);
	if (on < 0)
		return on;
	if (on == v->on) {
		if (msg)
			snprintf(msg, size, "%s.%s=%s matches: %s", module, param, value, v->fact);
		return 0;
	}
	if (msg)
		snprintf(msg, size, "%s.%s=%s, but %s: %s", module, param, value, v->fact,
			 res->evidence);
	return 1;
}

void kvmcfg_probe_set_outcome(KvmcfgProbeResult *res, KvmcfgProbeOutcome o, const char *fmt, ...)
{
	va_list ap;

	res->outcome = o;
	va_start(ap, fmt);
	vsnprintf(res->reason, sizeof(res->reason), fmt, ap);
	va_end(ap);
}

void kvmcfg_probe_set_evidence(KvmcfgProbeResult *res, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(res->evidence, sizeof(res->evidence), fmt, ap);
	va_end(ap);
}

void kvmcfg_probe_add_verdict(KvmcfgProbeResult *res, const char *module, const char *param,
			      bool on, const char *fmt, ...)
{
	KvmcfgProbeVerdict *v;
	va_list ap;

	if (res->n_verdicts >= KVMCFG_PROBE_MAX_VERDICTS)
		return;
	v = &res->verdicts[res->n_verdicts++];
	snprintf(v->module, sizeof(v->module), "%s", module);
	snprintf(v->param, sizeof(v->param), "%s", param);
	v->on = on;
	va_start(ap, fmt);
	vsnprintf(v->fact, sizeof(v->fact), fmt, ap);
	va_end(ap);
}
