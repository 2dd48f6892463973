// SPDX-License-Identifier: GPL-2.0-only
/* Findings: default messages, identity for diffing, verdict, and the exact JSON. */
#include <check.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "finding.h"
#include "check-run.h"

static Findings *sample(void)
{
	Findings *f = NULL;

	ck_assert_int_eq(kvmcfg_findings_new(&f), 0);
	ck_assert_int_eq(kvmcfg_findings_add(f, FINDING_OK, POLICY_SEVERITY_CRITICAL, "kvm", "tdp_mmu",
				      "N", "N", 0, "/etc/kvmcfgd/policy.conf", 3, NULL, NULL), 0);
	ck_assert_int_eq(kvmcfg_findings_add(f, FINDING_MISMATCH, POLICY_SEVERITY_WARN, "kvm",
				      "halt_poll_ns", "1000..100000", "200000", 0, "p.conf", 4, NULL,
				      NULL), 0);
	ck_assert_int_eq(kvmcfg_findings_add(f, FINDING_UNREADABLE, POLICY_SEVERITY_CRITICAL, "kvm",
				      "odd\"name", "Y", NULL, -EACCES, "p.conf", 5, NULL, NULL), 0);
	ck_assert_int_eq(kvmcfg_findings_add(f, FINDING_MODULE_MISSING, POLICY_SEVERITY_CRITICAL,
				      "kvm_amd", NULL, "loaded", NULL, -ENODEV, "p.conf", 7, NULL,
				      NULL), 0);
	ck_assert_int_eq(kvmcfg_findings_add(f, FINDING_DERIVED, POLICY_SEVERITY_CRITICAL, "kvm",
				      "tdp_mmu", "kvm_intel.ept=Y or kvm_amd.npt=Y",
				      "kvm.tdp_mmu=Y, kvm_intel.ept=N", 0, "derived", 0,
				      "tdp-mmu-requires-tdp", "tab\there\x01"), 0);
	return f;
}

START_TEST(json_exact)
{
	Findings *f = sample();
	char *j = NULL;

	ck_assert_int_eq(kvmcfg_findings_to_json(f, false, &j), 0);
	ck_assert_str_eq(j,
		"{\"schema\":\"kvmcfg-findings/1\",\"verdict\":\"mismatch\",\"checked\":5,\"problems\":4,"
		"\"findings\":["
		"{\"kind\":\"ok\",\"severity\":\"critical\",\"module\":\"kvm\",\"param\":\"tdp_mmu\","
		"\"expected\":\"N\",\"actual\":\"N\",\"status\":\"ok\",\"origin\":{\"file\":"
		"\"/etc/kvmcfgd/policy.conf\",\"line\":3},\"rule\":null,\"message\":\"kvm.tdp_mmu is N\"},"
		"{\"kind\":\"mismatch\",\"severity\":\"warn\",\"module\":\"kvm\",\"param\":\"halt_poll_ns\","
		"\"expected\":\"1000..100000\",\"actual\":\"200000\",\"status\":\"ok\",\"origin\":{\"file\":"
		"\"p.conf\",\"line\":4},\"rule\":null,\"message\":\"kvm.halt_poll_ns is 200000, policy "
		"wants 1000..100000\"},"
		"{\"kind\":\"unreadable\",\"severity\":\"critical\",\"module\":\"kvm\",\"param\":"
		"\"odd\\\"name\",\"expected\":\"Y\",\"actual\":null,\"status\":\"EACCES\",\"origin\":"
		"{\"file\":\"p.conf\",\"line\":5},\"rule\":null,\"message\":\"kvm.odd\\\"name cannot be "
		"read: Permission denied\"},"
		"{\"kind\":\"module-missing\",\"severity\":\"critical\",\"module\":\"kvm_amd\",\"param\":null,"
		"\"expected\":\"loaded\",\"actual\":null,\"status\":\"ENODEV\",\"origin\":{\"file\":"
		"\"p.conf\",\"line\":7},\"rule\":null,\"message\":\"module kvm_amd is required but not "
		"loaded (if only some hosts load it, say Required = no in [kvm_amd])\"},"
		"{\"kind\":\"derived\",\"severity\":\"critical\",\"module\":\"kvm\",\"param\":\"tdp_mmu\","
		"\"expected\":\"kvm_intel.ept=Y or kvm_amd.npt=Y\",\"actual\":\"kvm.tdp_mmu=Y, "
		"kvm_intel.ept=N\",\"status\":\"ok\",\"origin\":{\"file\":\"derived\",\"line\":0},"
		"\"rule\":\"tdp-mmu-requires-tdp\",\"message\":\"tab\\there\\u0001\"}"
		"]}\n");
	free(j);
	/* Pretty output is the same document with whitespace. */
	ck_assert_int_eq(kvmcfg_findings_to_json(f, true, &j), 0);
	ck_assert_ptr_nonnull(strstr(j, "\n  \"verdict\": \"mismatch\",\n"));
	ck_assert_ptr_nonnull(strstr(j, "\n      \"origin\": {\n        \"file\": \"p.conf\",\n"));
	free(j);
	kvmcfg_findings_free(f);

	ck_assert_int_eq(kvmcfg_findings_new(&f), 0);
	ck_assert_int_eq(kvmcfg_findings_to_json(f, false, &j), 0);
	ck_assert_str_eq(j, "{\"schema\":\"kvmcfg-findings/1\",\"verdict\":\"ok\",\"checked\":0,"
			    "\"problems\":0,\"findings\":[]}\n");
	free(j);
	kvmcfg_findings_free(f);
}
END_TEST

START_TEST(identity_and_verdict)
{
	Findings *a = sample(), *b = sample();
	size_t i;

	for (i = 0; i < a->n; i++)
		ck_assert_ptr_eq(kvmcfg_findings_find(b, &a->items[i]), &b->items[i]);
	/* Same param, different kind: a different finding (mismatch became unreadable). */
	b->items[1].kind = FINDING_UNREADABLE;
	ck_assert_ptr_null(kvmcfg_findings_find(b, &a->items[1]));
	ck_assert(!kvmcfg_finding_same(&a->items[0], &a->items[4]));
	ck_assert_int_eq(kvmcfg_findings_verdict(a), KVMCFG_VERDICT_MISMATCH);
	ck_assert_int_eq(kvmcfg_verdict_exit_code(KVMCFG_VERDICT_UNREADABLE), 3);
	ck_assert_str_eq(kvmcfg_verdict_to_string(KVMCFG_VERDICT_UNREADABLE), "unreadable");
	ck_assert_str_eq(kvmcfg_finding_kind_to_string(FINDING_PARAM_MISSING), "param-missing");
	ck_assert_str_eq(kvmcfg_errno_name(-ESTALE), "ESTALE");
	ck_assert_str_eq(kvmcfg_errno_name(-EXDEV), "EXDEV");
	ck_assert_str_eq(kvmcfg_errno_name(-EOVERFLOW), "EUNKNOWN");
	kvmcfg_findings_free(a);
	kvmcfg_findings_free(b);
	ck_assert_ptr_null(kvmcfg_findings_free(NULL));
}
END_TEST

/* A param may hold any bytes but NUL; the JSON must stay UTF-8 and one line per string. */
START_TEST(json_hostile_bytes)
{
	Findings *f = NULL;
	char *j = NULL;

	ck_assert_int_eq(kvmcfg_findings_new(&f), 0);
	ck_assert_int_eq(kvmcfg_findings_add(f, FINDING_MISMATCH, POLICY_SEVERITY_WARN, "kvm", "p", "Y",
				      "a\xff\xc3\xa9\xc3\n\"\x7f\xed\xa0\x80z", 0, "p.conf", 1,
				      NULL, "m"), 0);
	ck_assert_int_eq(kvmcfg_findings_to_json(f, false, &j), 0);
	/* U+FFFD itself is UTF-8 and stays as it is (json-out.h); DEL is escaped. */
	ck_assert_ptr_nonnull(strstr(j, "\"actual\":\"a\xef\xbf\xbd\xc3\xa9\xef\xbf\xbd\\n\\\"\\u007f"
					"\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbdz\""));
	free(j);
	kvmcfg_findings_free(f);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("finding");
	TCase *tc = tcase_create("finding");

	tcase_add_test(tc, json_exact);
	tcase_add_test(tc, identity_and_verdict);
	tcase_add_test(tc, json_hostile_bytes);
	suite_add_tcase(s, tc);
	return check_run(s);
}
