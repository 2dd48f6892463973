// SPDX-License-Identifier: GPL-2.0-only
/*
 * Unit tests for outcome.c: held, overridden (with the reason a derived
 * rule gives) and contradicted (a failed test naming the param), and their
 * JSON and summary. The configs are the box's: 6.1 keeps kvm.tdp_mmu=Y
 * under npt=0 and tdp_reality fails; newer kernels load N and it passes.
 */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "json-out.h"
#include "macro.h"
#include "outcome.h"
#include "report.h"
#include "unit-test.h"

/* A config of "module.param=value" words, NULL-terminated. */
static void config_new(struct config_result *c, const char *const *assign)
{
	memset(c, 0, sizeof(*c));
	while (assign[c->n_assign])
		c->n_assign++;
	c->assign = calloc(c->n_assign, sizeof(*c->assign));
	ck_assert_ptr_nonnull(c->assign);
	for (size_t i = 0; i < c->n_assign; i++)
		c->assign[i] = strdup(assign[i]);
}

static void add_finding(Findings *f, FindingKind kind, const char *module, const char *param,
			const char *expected, const char *actual)
{
	ck_assert_int_eq(kvmcfg_findings_add(f, kind, POLICY_SEVERITY_CRITICAL, module, param,
					     expected, actual, 0, "kvm-config-matrix", 1, NULL,
					     NULL),
			 0);
}

static void add_test(struct config_result *c, const char *name, const char *result,
		     const char *reason)
{
	c->tests = realloc(c->tests, (c->n_tests + 1) * sizeof(*c->tests));
	ck_assert_ptr_nonnull(c->tests);
	memset(&c->tests[c->n_tests], 0, sizeof(*c->tests));
	c->tests[c->n_tests].name = strdup(name);
	c->tests[c->n_tests].result = strdup(result);
	c->tests[c->n_tests].reason = reason ? strdup(reason) : NULL;
	c->n_tests++;
}

static const char *const npt0_tdp1[] = { "kvm.tdp_mmu=1", "kvm_amd.npt=0", "kvm.mmio_caching=1",
					 NULL };

/* The config as a kernel loaded it: tdp_mmu as @tdp_mmu, the rest as asked. */
static void load(struct config_result *c, const char *tdp_mmu)
{
	_cleanup_(kvmcfg_findings_freep) Findings *f = NULL;

	config_new(c, npt0_tdp1);
	ck_assert_int_eq(kvmcfg_findings_new(&f), 0);
	add_finding(f, strcmp(tdp_mmu, "Y") ? FINDING_MISMATCH : FINDING_OK, "kvm", "tdp_mmu", "1",
		    tdp_mmu);
	add_finding(f, FINDING_OK, "kvm", "mmio_caching", "1", "Y");
	add_finding(f, FINDING_OK, "kvm_amd", "npt", "0", "N");
	/* A derived rule's finding about the same param is not the param's own. */
	ck_assert_int_eq(kvmcfg_findings_add(f, FINDING_DERIVED, POLICY_SEVERITY_CRITICAL, "kvm",
					     "tdp_mmu", "Y", "Y", 0, "derived", 0,
					     "tdp-mmu-requires-tdp", "x"),
			 0);
	ck_assert_int_eq(outcome_init(c, f), 0);
	ck_assert_uint_eq(c->n_outcomes, 3);
}

static const char *lie =
	"not ok 3 global.tdp_mmu_param: kvm.tdp_mmu=Y claims the TDP MMU, which needs TDP, but the "
	"guest runs on shadow paging";

START_TEST(test_lie_is_contradicted)
{
	struct matrix_report r = {};
	struct config_result *c;

	r.configs = calloc(1, sizeof(*r.configs));
	r.n_configs = 1;
	c = &r.configs[0];
	load(c, "Y");
	add_test(c, "guest_smoke_test", "pass", NULL);
	add_test(c, "tdp_reality", "fail", lie);
	ck_assert_int_eq(outcome_classify(c), 0);
	ck_assert_str_eq(c->outcomes[0].param, "kvm.tdp_mmu");
	ck_assert_str_eq(c->outcomes[0].loaded, "Y");
	ck_assert_int_eq(c->outcomes[0].kind, OUTCOME_CONTRADICTED);
	ck_assert_ptr_nonnull(strstr(c->outcomes[0].evidence, "tdp_reality: not ok 3"));
	ck_assert_ptr_null(c->outcomes[0].reason);
	/* The failure names only tdp_mmu: npt and mmio_caching held. */
	ck_assert_int_eq(c->outcomes[1].kind, OUTCOME_HELD);
	ck_assert_int_eq(c->outcomes[2].kind, OUTCOME_HELD);
	ck_assert_uint_eq(outcome_count(c, OUTCOME_CONTRADICTED), 1);
	/* A contradiction fails the config even with no mismatch recorded. */
	ck_assert(!config_result_ok(c));
	matrix_report_clear(&r);
}
END_TEST

START_TEST(test_honest_override_with_reason)
{
	struct matrix_report r = {};
	struct config_result *c;
	_cleanup_free_ char *sum = NULL;

	r.configs = calloc(1, sizeof(*r.configs));
	r.n_configs = 1;
	c = &r.configs[0];
	load(c, "N");
	add_test(c, "tdp_reality", "pass", NULL);
	ck_assert_int_eq(outcome_classify(c), 0);
	ck_assert_int_eq(c->outcomes[0].kind, OUTCOME_OVERRIDDEN);
	ck_assert_str_eq(c->outcomes[0].loaded, "N");
	ck_assert_ptr_null(c->outcomes[0].evidence);
	ck_assert_str_eq(
		c->outcomes[0].reason,
		"kvm_amd.npt=N, and the TDP MMU needs EPT or NPT (derived rule tdp-mmu-requires-tdp)");
	ck_assert_int_eq(c->outcomes[1].kind, OUTCOME_HELD);
	sum = outcome_summary(c);
	ck_assert_ptr_nonnull(
		strstr(sum, "kvm.tdp_mmu overridden: asked 1, loaded N (kvm_amd.npt=N"));
	ck_assert_ptr_null(strstr(sum, "kvm_amd.npt overridden"));
	/* An override is information, not a failure. */
	ck_assert(config_result_ok(c));
	matrix_report_clear(&r);
}
END_TEST

START_TEST(test_override_reason_unknown)
{
	struct config_result c;
	const char *const assign[] = { "kvm.mmio_caching=0", "kvm.tdp_mmu=1", NULL };
	_cleanup_(kvmcfg_findings_freep) Findings *f = NULL;

	config_new(&c, assign);
	ck_assert_int_eq(kvmcfg_findings_new(&f), 0);
	add_finding(f, FINDING_MISMATCH, "kvm", "mmio_caching", "0", "Y");
	/* tdp_mmu cleared, but no param the rule needs is known false: no reason made up. */
	add_finding(f, FINDING_MISMATCH, "kvm", "tdp_mmu", "1", "N");
	ck_assert_int_eq(outcome_init(&c, f), 0);
	ck_assert_int_eq(outcome_classify(&c), 0);
	ck_assert_int_eq(c.outcomes[0].kind, OUTCOME_OVERRIDDEN);
	ck_assert_ptr_null(c.outcomes[0].reason);
	ck_assert_int_eq(c.outcomes[1].kind, OUTCOME_OVERRIDDEN);
	ck_assert_ptr_null(c.outcomes[1].reason);
	/* A param missing after the load: overridden, saying so. */
	kvmcfg_findings_free(f);
	ck_assert_int_eq(kvmcfg_findings_new(&f), 0);
	add_finding(f, FINDING_PARAM_MISSING, "kvm", "mmio_caching", "0", NULL);
	add_finding(f, FINDING_OK, "kvm", "tdp_mmu", "1", "Y");
	ck_assert_int_eq(outcome_init(&c, f), 0);
	ck_assert_int_eq(outcome_classify(&c), 0);
	ck_assert_int_eq(c.outcomes[0].kind, OUTCOME_OVERRIDDEN);
	ck_assert_ptr_null(c.outcomes[0].loaded);
	ck_assert_str_eq(c.outcomes[0].reason, "the module does not export it after the load");
	ck_assert_int_eq(c.outcomes[1].kind, OUTCOME_HELD);
	param_outcomes_free(c.outcomes, c.n_outcomes);
	for (size_t i = 0; i < c.n_assign; i++)
		free(c.assign[i]);
	free(c.assign);
}
END_TEST

/* Only a whole module.param counts: kvm.tdp_mmu is not kvm.tdp_mmu_x, nor inside xkvm.tdp_mmu. */
START_TEST(test_names_param_whole)
{
	const char *reasons[] = { "kvm.tdp_mmu_extra=Y is wrong", "nokvm.tdp_mmu=Y",
				  "no param named", NULL };
	struct matrix_report r = { .configs = calloc(1, sizeof(struct config_result)),
				   .n_configs = 1 };
	struct config_result c;
	_cleanup_(kvmcfg_findings_freep) Findings *f = NULL;
	const char *const assign[] = { "kvm.tdp_mmu=1", NULL };

	ck_assert_ptr_nonnull(r.configs);
	config_new(&c, assign);
	ck_assert_int_eq(kvmcfg_findings_new(&f), 0);
	add_finding(f, FINDING_OK, "kvm", "tdp_mmu", "1", "Y");
	ck_assert_int_eq(outcome_init(&c, f), 0);
	for (size_t i = 0; reasons[i]; i++)
		add_test(&c, "t", "fail", reasons[i]);
	/* A skipped test that names it is no observation of a contradiction. */
	add_test(&c, "s", "skip", "kvm.tdp_mmu=Y: nothing to see");
	ck_assert_int_eq(outcome_classify(&c), 0);
	ck_assert_int_eq(c.outcomes[0].kind, OUTCOME_HELD);
	/* Named at the end of the reason, after a colon: contradicted. */
	add_test(&c, "u", "fail", "observed TDP, contradicting kvm.tdp_mmu");
	ck_assert_int_eq(outcome_classify(&c), 0);
	ck_assert_int_eq(c.outcomes[0].kind, OUTCOME_CONTRADICTED);
	ck_assert_str_eq(c.outcomes[0].evidence, "u: observed TDP, contradicting kvm.tdp_mmu");
	r.configs[0] = c;
	matrix_report_clear(&r);
}
END_TEST

START_TEST(test_json)
{
	struct matrix_report r = {};
	struct config_result *c;
	_cleanup_(json_object_putp) struct json_object *o = NULL;
	struct json_object *e, *v;

	r.configs = calloc(1, sizeof(*r.configs));
	r.n_configs = 1;
	c = &r.configs[0];
	load(c, "N");
	ck_assert_int_eq(outcome_classify(c), 0);
	o = outcome_to_json(c);
	ck_assert_ptr_nonnull(o);
	ck_assert_int_eq(json_object_array_length(o), 3);
	e = json_object_array_get_idx(o, 0);
	ck_assert(json_object_object_get_ex(e, "outcome", &v));
	ck_assert_str_eq(json_object_get_string(v), "overridden");
	ck_assert(json_object_object_get_ex(e, "asked", &v));
	ck_assert_str_eq(json_object_get_string(v), "1");
	ck_assert(json_object_object_get_ex(e, "loaded", &v));
	ck_assert_str_eq(json_object_get_string(v), "N");
	ck_assert(json_object_object_get_ex(e, "evidence", &v));
	ck_assert_ptr_null(v);
	e = json_object_array_get_idx(o, 2);
	ck_assert(json_object_object_get_ex(e, "outcome", &v));
	ck_assert_str_eq(json_object_get_string(v), "held");
	matrix_report_clear(&r);
}
END_TEST

int main(void)
{
	const TTest *const tests[] = {
		test_lie_is_contradicted,
		test_honest_override_with_reason,
		test_override_reason_unknown,
		test_names_param_whole,
		test_json,
		NULL,
	};

	return unit_test_run("outcome", tests);
}
