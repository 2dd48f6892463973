// SPDX-License-Identifier: GPL-2.0-only
/*
 * Unit tests for kvmcfgd's transition logic: which differences between two
 * checks raise an alert (new, resolved, changed) and which must not (same
 * mismatch again, a rule that only moved to another line).
 */
#include <check.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "finding.h"
#include "transition.h"
#include "unit-test.h"

static void add(MismatchSet *s, const char *module, const char *param, const char *expected,
		const char *actual)
{
	ck_assert_int_eq(mismatch_set_add(s, &(Mismatch) {
		.module = (char *)module, .param = (char *)param, .rule = (char *)"policy",
		.kind = (char *)"mismatch", .expected = (char *)expected, .actual = (char *)actual,
		.severity = (char *)"critical", .origin = (char *)"policy.conf:3",
	}), 0);
}

START_TEST(no_change_no_alert)
{
	MismatchSet a = MISMATCH_SET_INIT, b = MISMATCH_SET_INIT;
	Transition *t = (Transition *)1;
	size_t n = 99;

	ck_assert_int_eq(mismatch_set_diff(&a, &b, &t, &n), 0);
	ck_assert_uint_eq(n, 0);
	ck_assert_ptr_null(t);

	add(&a, "kvm", "tdp_mmu", "Y", "N");
	add(&b, "kvm", "tdp_mmu", "Y", "N");
	ck_assert_int_eq(mismatch_set_seal(&a), 0);
	ck_assert_int_eq(mismatch_set_seal(&b), 0);
	ck_assert_int_eq(mismatch_set_diff(&a, &b, &t, &n), 0);
	ck_assert_uint_eq(n, 0);

	/* A reload that moves the rule to another line is not a new alert. */
	free(b.v[0].origin);
	b.v[0].origin = strdup("policy.conf:9");
	ck_assert_int_eq(mismatch_set_diff(&a, &b, &t, &n), 0);
	ck_assert_uint_eq(n, 0);
	mismatch_set_done(&a);
	mismatch_set_done(&b);
}
END_TEST

START_TEST(new_resolved_changed)
{
	MismatchSet a = MISMATCH_SET_INIT, b = MISMATCH_SET_INIT;
	Transition *t = NULL;
	size_t n = 0;

	/* Added out of order on purpose: seal sorts. */
	add(&a, "kvm_amd", "npt", "Y", "N");        /* resolved in b */
	add(&a, "kvm", "tdp_mmu", "Y", "N");        /* same in b */
	add(&a, "kvm", "halt_poll_ns", "<= 200000", "400000"); /* changes value */
	add(&b, "kvm", "mmio_caching", "Y", "N");   /* new in b */
	add(&b, "kvm", "tdp_mmu", "Y", "N");
	add(&b, "kvm", "halt_poll_ns", "<= 200000", "500000");
	ck_assert_int_eq(mismatch_set_seal(&a), 0);
	ck_assert_int_eq(mismatch_set_seal(&b), 0);
	ck_assert_str_eq(a.v[0].param, "halt_poll_ns");

	ck_assert_int_eq(mismatch_set_diff(&a, &b, &t, &n), 0);
	ck_assert_uint_eq(n, 3);
	/* Identity order: kvm.halt_poll_ns, kvm.mmio_caching, kvm_amd.npt. */
	ck_assert_int_eq(t[0].kind, TRANSITION_CHANGED);
	ck_assert_str_eq(t[0].before->actual, "400000");
	ck_assert_str_eq(t[0].now->actual, "500000");
	ck_assert_int_eq(t[1].kind, TRANSITION_NEW);
	ck_assert_ptr_null(t[1].before);
	ck_assert_str_eq(transition_subject(&t[1])->param, "mmio_caching");
	ck_assert_int_eq(t[2].kind, TRANSITION_RESOLVED);
	ck_assert_ptr_null(t[2].now);
	ck_assert_str_eq(transition_subject(&t[2])->module, "kvm_amd");
	free(t);

	/* And back: everything reverses. */
	ck_assert_int_eq(mismatch_set_diff(&b, &a, &t, &n), 0);
	ck_assert_uint_eq(n, 3);
	ck_assert_int_eq(t[0].kind, TRANSITION_CHANGED);
	ck_assert_int_eq(t[1].kind, TRANSITION_RESOLVED);
	ck_assert_int_eq(t[2].kind, TRANSITION_NEW);
	free(t);

	/* Everything resolves at once: one alert each. */
	mismatch_set_done(&b);
	ck_assert_int_eq(mismatch_set_diff(&a, &b, &t, &n), 0);
	ck_assert_uint_eq(n, a.n);
	for (size_t i = 0; i < n; i++)
		ck_assert_int_eq(t[i].kind, TRANSITION_RESOLVED);
	free(t);
	mismatch_set_done(&a);
}
END_TEST

START_TEST(kind_change_is_a_change)
{
	MismatchSet a = MISMATCH_SET_INIT, b = MISMATCH_SET_INIT;
	Transition *t = NULL;
	size_t n = 0;

	add(&a, "kvm", "tdp_mmu", "Y", "N");
	ck_assert_int_eq(mismatch_set_add(&b, &(Mismatch) {
		.module = (char *)"kvm", .param = (char *)"tdp_mmu", .rule = (char *)"policy",
		.kind = (char *)"unreadable", .expected = (char *)"Y",
		.actual = (char *)"(unreadable: EACCES)", .severity = (char *)"critical",
	}), 0);
	ck_assert_int_eq(mismatch_set_seal(&a), 0);
	ck_assert_int_eq(mismatch_set_seal(&b), 0);
	/* NULL origin is stored as "". */
	ck_assert_str_eq(b.v[0].origin, "");
	ck_assert_int_eq(mismatch_set_diff(&a, &b, &t, &n), 0);
	ck_assert_uint_eq(n, 1);
	ck_assert_int_eq(t[0].kind, TRANSITION_CHANGED);
	free(t);
	mismatch_set_done(&a);
	mismatch_set_done(&b);
}
END_TEST

START_TEST(duplicates_collapse)
{
	MismatchSet a = MISMATCH_SET_INIT;

	add(&a, "kvm", "tdp_mmu", "Y", "N");
	add(&a, "kvm", "tdp_mmu", "Y", "N");
	add(&a, "kvm", "ept", "Y", "N");
	ck_assert_int_eq(mismatch_set_seal(&a), 0);
	ck_assert_uint_eq(a.n, 2);
	ck_assert_uint_eq(mismatch_set_count_severity(&a, "critical"), 2);
	ck_assert_uint_eq(mismatch_set_count_severity(&a, "warn"), 0);
	ck_assert_uint_eq(mismatch_set_count_severity(&a, NULL), 2);
	mismatch_set_done(&a);
	ck_assert_uint_eq(a.n, 0);
	mismatch_set_done(&a); /* twice is fine */
}
END_TEST

START_TEST(from_findings)
{
	Findings *f = NULL;
	MismatchSet s = MISMATCH_SET_INIT;

	ck_assert_int_eq(kvmcfg_findings_new(&f), 0);
	ck_assert_int_eq(kvmcfg_findings_add(f, FINDING_OK, POLICY_SEVERITY_CRITICAL, "kvm", "ept", "Y", "Y",
				      0, "/etc/p.conf", 2, NULL, NULL), 0);
	ck_assert_int_eq(kvmcfg_findings_add(f, FINDING_MISMATCH, POLICY_SEVERITY_CRITICAL, "kvm", "tdp_mmu",
				      "Y", "N", 0, "/etc/p.conf", 3, NULL, NULL), 0);
	ck_assert_int_eq(kvmcfg_findings_add(f, FINDING_MODULE_MISSING, POLICY_SEVERITY_WARN, "kvm_intel",
				      NULL, "loaded", NULL, -ENODEV, "/etc/p.conf", 7, NULL, NULL), 0);
	ck_assert_int_eq(kvmcfg_findings_add(f, FINDING_UNREADABLE, POLICY_SEVERITY_CRITICAL, "kvm",
				      "secret", "Y", NULL, -EACCES, "/etc/p.conf", 4, NULL, NULL), 0);
	ck_assert_int_eq(kvmcfg_findings_add(f, FINDING_DERIVED, POLICY_SEVERITY_CRITICAL, "kvm", "tdp_mmu",
				      "ept=Y or npt=Y", "Y", 0, "derived", 0, "tdp-mmu-requires-tdp",
				      NULL), 0);
	ck_assert_int_eq(kvmcfg_findings_add(f, FINDING_SKIPPED, POLICY_SEVERITY_CRITICAL, "kvm_amd", "npt",
				      "Y", NULL, -ENODEV, "/etc/p.conf", 9, NULL, NULL), 0);

	ck_assert_int_eq(mismatch_set_from_findings(&s, f), 0);
	/* ok and skipped are not problems: four remain, sorted by identity. */
	ck_assert_uint_eq(s.n, 4);
	ck_assert_str_eq(s.v[0].param, "secret");
	ck_assert_str_eq(s.v[0].actual, "(unreadable: EACCES)");
	ck_assert_str_eq(s.v[0].kind, "unreadable");
	ck_assert_str_eq(s.v[1].param, "tdp_mmu");
	ck_assert_str_eq(s.v[1].rule, "policy");
	ck_assert_str_eq(s.v[1].origin, "/etc/p.conf:3");
	ck_assert_str_eq(s.v[1].severity, "critical");
	/* The derived rule on the same param is its own alert stream. */
	ck_assert_str_eq(s.v[2].param, "tdp_mmu");
	ck_assert_str_eq(s.v[2].rule, "tdp-mmu-requires-tdp");
	ck_assert_str_eq(s.v[2].origin, "derived");
	ck_assert_str_eq(s.v[3].module, "kvm_intel");
	ck_assert_str_eq(s.v[3].param, "");
	ck_assert_str_eq(s.v[3].actual, "(module not loaded)");
	ck_assert_str_eq(s.v[3].severity, "warn");
	mismatch_set_done(&s);
	kvmcfg_findings_free(f);
}
END_TEST

int main(void)
{
	const TTest *const tests[] = {
		no_change_no_alert,
		new_resolved_changed,
		kind_change_is_a_change,
		duplicates_collapse,
		from_findings,
		NULL,
	};

	return unit_test_run("transition", tests);
}
