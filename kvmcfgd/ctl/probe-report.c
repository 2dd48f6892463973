// SPDX-License-Identifier: GPL-2.0-only
/*
 * kvmcfgctl probe [NAME...]: run the reality probes (each isolated, with
 * --probe-timeout) and print what each saw, without any policy: the
 * outcome, the wall time, the evidence or reason, and the value each
 * judged param should read. --json for scripts (the fleet box and the
 * timing script in scripts/ read it).
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <json-c/json.h>

#include "json-out.h"
#include "kvmcfgctl.h"
#include "probe.h"
#include "table.h"

static int usage(const char *name)
{
	fprintf(stderr, "kvmcfgctl: no probe called '%s' (see kvmcfgctl probe with no name)\n",
		name);
	return CTL_EXIT_POLICY;
}

static struct json_object *result_json(const KvmcfgProbe *p, const KvmcfgProbeResult *r)
{
	struct json_object *o = json_object_new_object(), *v = json_object_new_array();
	unsigned i;

	if (!o || !v) {
		json_object_put(o);
		json_object_put(v);
		return NULL;
	}
	kvmcfg_json_add(o, "probe", kvmcfg_json_new_string(p->name));
	kvmcfg_json_add(o, "outcome",
			kvmcfg_json_new_string(kvmcfg_probe_outcome_to_string(r->outcome)));
	kvmcfg_json_add(o, "elapsed_us", json_object_new_int64((int64_t)r->elapsed_us));
	kvmcfg_json_add(o, "evidence", kvmcfg_json_new_string(r->evidence));
	kvmcfg_json_add(o, "reason", kvmcfg_json_new_string(r->reason));
	for (i = 0; r->outcome == KVMCFG_PROBE_OBSERVED && i < r->n_verdicts; i++) {
		struct json_object *x = json_object_new_object();

		if (!x)
			break;
		kvmcfg_json_add(x, "module", kvmcfg_json_new_string(r->verdicts[i].module));
		kvmcfg_json_add(x, "param", kvmcfg_json_new_string(r->verdicts[i].param));
		kvmcfg_json_add(x, "on", json_object_new_boolean(r->verdicts[i].on));
		kvmcfg_json_add(x, "fact", kvmcfg_json_new_string(r->verdicts[i].fact));
		kvmcfg_json_append(v, x);
	}
	kvmcfg_json_add(o, "verdicts", v);
	return o;
}

int verb_probe(const Ctl *c)
{
	static const char *const header[] = {
		"PROBE", "OUTCOME", "MS", "PARAMS AS OBSERVED", "EVIDENCE OR REASON", NULL
	};
	const KvmcfgProbe *chosen[32];
	_cleanup_(json_object_putp) struct json_object *all = NULL;
	_cleanup_(table_freep) Table *t = NULL;
	size_t n = 0, i;
	int k, r;

	if (c->n_args) {
		for (k = 0; k < c->n_args && n < 32; k++) {
			chosen[n] = kvmcfg_probe_by_name(c->args[k]);
			if (!chosen[n++])
				return usage(c->args[k]);
		}
	} else
		for (n = 0; kvmcfg_probes[n] && n < 32; n++)
			chosen[n] = kvmcfg_probes[n];
	all = json_object_new_array();
	r = all ? table_new(&t, header) : -ENOMEM;
	for (i = 0; r >= 0 && i < n; i++) {
		KvmcfgProbeResult res;
		char ms[32], params[256] = "";
		unsigned v;

		kvmcfg_probe_run_isolated(chosen[i], c->verify_timeout_ms, &res);
		for (v = 0; res.outcome == KVMCFG_PROBE_OBSERVED && v < res.n_verdicts; v++) {
			size_t len = strlen(params);

			snprintf(params + len, sizeof(params) - len, "%s%s.%s=%c", len ? " " : "",
				 res.verdicts[v].module, res.verdicts[v].param,
				 res.verdicts[v].on ? 'Y' : 'N');
		}
		snprintf(ms, sizeof(ms), "%llu", res.elapsed_us / 1000);
		{
			const char *row[] = { chosen[i]->name,
					      kvmcfg_probe_outcome_to_string(res.outcome), ms,
					      *params ? params : "-",
					      res.outcome == KVMCFG_PROBE_OBSERVED ? res.evidence :
										     res.reason };

			r = table_add(t, row);
		}
		if (r >= 0)
			r = kvmcfg_json_append(all, result_json(chosen[i], &res));
	}
	if (r < 0) {
		fprintf(stderr, "kvmcfgctl: out of memory\n");
		return CTL_EXIT_UNREADABLE;
	}
	if (c->json)
		kvmcfg_json_write(stdout, all, JSON_C_TO_STRING_PRETTY);
	else
		table_print(t, stdout);
	return 0;
}
