// SPDX-License-Identifier: GPL-2.0-only
/*
 * lib/probe without KVM: the judge, findings from probe results (the
 * --verify logic kvmcfgctl and kvmcfgd share), and the isolated runner
 * against probes that hang, die or skip.
 */
#include <check.h>
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "check-run.h"
#include "probe-verify.h"
#include "probe.h"

static KvmcfgProbeResult observed_uncached(void)
{
	KvmcfgProbeResult r = {};

	kvmcfg_probe_set_evidence(&r, "pf_mmio_spte_created=0 after 8 reads of 1 fresh page");
	kvmcfg_probe_add_verdict(&r, "kvm", "mmio_caching", false, "MMIO SPTEs are not cached");
	r.outcome = KVMCFG_PROBE_OBSERVED;
	return r;
}

START_TEST(param_on)
{
	ck_assert_int_eq(kvmcfg_probe_param_on("Y"), 1);
	ck_assert_int_eq(kvmcfg_probe_param_on("N"), 0);
	ck_assert_int_eq(kvmcfg_probe_param_on("1"), 1);
	ck_assert_int_eq(kvmcfg_probe_param_on("0"), 0);
	ck_assert_int_eq(kvmcfg_probe_param_on("2"), 1);	/* force_emulation_prefix bits */
	ck_assert_int_eq(kvmcfg_probe_param_on("maybe"), -EINVAL);
}
END_TEST

START_TEST(judge)
{
	KvmcfgProbeResult r = observed_uncached();
	char msg[512];

	ck_assert_int_eq(kvmcfg_probe_judge(&r, "kvm", "mmio_caching", "Y", msg, sizeof(msg)), 1);
	ck_assert_str_eq(msg, "kvm.mmio_caching=Y, but MMIO SPTEs are not cached: "
			      "pf_mmio_spte_created=0 after 8 reads of 1 fresh page");
	ck_assert_int_eq(kvmcfg_probe_judge(&r, "kvm", "mmio_caching", "N", msg, sizeof(msg)), 0);
	ck_assert_str_eq(msg, "kvm.mmio_caching=N matches: MMIO SPTEs are not cached");
	ck_assert_int_eq(kvmcfg_probe_judge(&r, "kvm", "tdp_mmu", "N", NULL, 0), -ENOENT);
	ck_assert_int_eq(kvmcfg_probe_judge(&r, "kvm", "mmio_caching", "?", NULL, 0), -EINVAL);
	r.outcome = KVMCFG_PROBE_CANNOT_RUN;
	ck_assert_int_eq(kvmcfg_probe_judge(&r, "kvm", "mmio_caching", "Y", NULL, 0), -ENOENT);
}
END_TEST

START_TEST(registry)
{
	size_t i, k;

	ck_assert_ptr_eq(kvmcfg_probe_for_param("kvm", "tdp_mmu"), kvmcfg_probe_by_name("tdp"));
	ck_assert_ptr_eq(kvmcfg_probe_for_param("kvm_amd", "npt"), kvmcfg_probe_by_name("tdp"));
	ck_assert_ptr_null(kvmcfg_probe_for_param("kvm", "halt_poll_ns"));
	/* One probe per param: the judge must never have two opinions. */
	for (i = 0; kvmcfg_probes[i]; i++)
		for (k = 0; kvmcfg_probes[i]->params[k].module; k++)
			ck_assert_ptr_eq(kvmcfg_probe_for_param(kvmcfg_probes[i]->params[k].module,
								kvmcfg_probes[i]->params[k].param),
					 kvmcfg_probes[i]);
}
END_TEST

static Findings *checked(void)
{
	Findings *f = NULL;

	ck_assert_int_eq(kvmcfg_findings_new(&f), 0);
	ck_assert_int_eq(kvmcfg_findings_add(f, FINDING_OK, POLICY_SEVERITY_CRITICAL, "kvm", "tdp_mmu",
					     "any", "Y", 0, "p.conf", 2, NULL, NULL), 0);
	ck_assert_int_eq(kvmcfg_findings_add(f, FINDING_MISMATCH, POLICY_SEVERITY_WARN, "kvm",
					     "mmio_caching", "Y", "N", 0, "p.conf", 3, NULL, NULL), 0);
	/* A derived rule quotes values; it is not a read of its own. */
	ck_assert_int_eq(kvmcfg_findings_add(f, FINDING_DERIVED, POLICY_SEVERITY_CRITICAL, "kvm",
					     "tdp_mmu", "kvm_amd.npt=Y", "kvm.tdp_mmu=Y", 0, "derived",
					     0, "tdp-mmu-requires-tdp", NULL), 0);
	ck_assert_int_eq(kvmcfg_findings_add(f, FINDING_OK, POLICY_SEVERITY_CRITICAL, "kvm",
					     "halt_poll_ns", "any", "200000", 0, "p.conf", 4, NULL,
					     NULL), 0);
	return f;
}

START_TEST(verify_apply)
{
	const KvmcfgProbe *need[16];
	KvmcfgProbeResult res[2] = {};
	Findings *f = checked();
	char *j = NULL;
	size_t n;

	n = kvmcfg_verify_probes_needed(f, need);
	ck_assert_uint_eq(n, 2);
	ck_assert_str_eq(need[0]->name, "tdp");
	ck_assert_str_eq(need[1]->name, "mmio_caching");
	kvmcfg_probe_set_evidence(&res[0], "shadow paging: invlpg=32 after 32 INVLPGs");
	kvmcfg_probe_add_verdict(&res[0], "kvm", "tdp_mmu", false, "the guest runs on shadow paging");
	res[0].outcome = KVMCFG_PROBE_OBSERVED;
	kvmcfg_probe_set_outcome(&res[1], KVMCFG_PROBE_CANNOT_RUN, "cannot open /dev/kvm: EACCES");

	ck_assert_int_eq(kvmcfg_verify_apply(f, need, res, n, false), 1);
	ck_assert_uint_eq(f->n, 6);
	ck_assert_int_eq(f->items[4].kind, FINDING_CONTRADICTED);
	ck_assert_int_eq(f->items[4].severity, POLICY_SEVERITY_CRITICAL);
	ck_assert_str_eq(f->items[4].param, "tdp_mmu");
	ck_assert_str_eq(f->items[4].expected, "N");
	ck_assert_str_eq(f->items[4].actual, "Y");
	ck_assert_uint_eq(f->items[4].origin_line, 2);
	ck_assert_str_eq(f->items[4].probe, "tdp");
	ck_assert_str_eq(f->items[4].message, "kvm.tdp_mmu=Y, but the guest runs on shadow paging: "
					      "shadow paging: invlpg=32 after 32 INVLPGs");
	ck_assert_int_eq(f->items[5].kind, FINDING_UNVERIFIED);
	ck_assert_int_eq(f->items[5].severity, POLICY_SEVERITY_WARN);	/* the rule's */
	ck_assert_str_eq(f->items[5].evidence, "cannot open /dev/kvm: EACCES");
	ck_assert_int_eq(kvmcfg_findings_verdict(f), KVMCFG_VERDICT_MISMATCH);
	ck_assert_int_eq(kvmcfg_findings_to_json(f, false, &j), 0);
	ck_assert_ptr_nonnull(strstr(j, "\"kind\":\"contradicted\""));
	ck_assert_ptr_nonnull(strstr(j, "\"probe\":\"tdp\",\"evidence\":\"shadow paging: "));
	free(j);
	kvmcfg_findings_free(f);
}
END_TEST

START_TEST(verify_agrees)
{
	const KvmcfgProbe *need[16];
	KvmcfgProbeResult res[2] = {};
	Findings *f = checked();
	size_t n = kvmcfg_verify_probes_needed(f, need);

	/* The guest really runs on the TDP MMU: kvm.tdp_mmu=Y holds. */
	kvmcfg_probe_set_evidence(&res[0], "TDP: invlpg=0 after 32 INVLPGs");
	kvmcfg_probe_add_verdict(&res[0], "kvm", "tdp_mmu", true, "the guest runs on the TDP MMU");
	res[0].outcome = KVMCFG_PROBE_OBSERVED;
	kvmcfg_probe_set_evidence(&res[1], "pf_mmio_spte_created=0 after 8 reads");
	kvmcfg_probe_add_verdict(&res[1], "kvm", "mmio_caching", false, "MMIO SPTEs are not cached");
	res[1].outcome = KVMCFG_PROBE_OBSERVED;

	ck_assert_int_eq(kvmcfg_verify_apply(f, need, res, n, false), 0);
	/* No finding added; the rule's own finding names what confirmed it. */
	ck_assert_uint_eq(f->n, 4);
	ck_assert_int_eq(f->items[0].kind, FINDING_OK);
	ck_assert_str_eq(f->items[0].probe, "tdp");
	ck_assert_str_eq(f->items[0].evidence, "TDP: invlpg=0 after 32 INVLPGs");
	/*
	 * The mismatch (mmio_caching=N against a policy of Y) agrees with
	 * behaviour, but stays the policy's finding alone: kvmcfgd keys alerts on it.
	 */
	ck_assert_ptr_null(f->items[1].probe);
	/* The derived rule and a param no probe judges stay as they were. */
	ck_assert_ptr_null(f->items[2].probe);
	ck_assert_ptr_null(f->items[3].probe);
	kvmcfg_findings_free(f);
}
END_TEST

START_TEST(unverified_verdict)
{
	const KvmcfgProbe *need[16];
	KvmcfgProbeResult res[2] = {};
	Findings *f = checked();
	size_t n = kvmcfg_verify_probes_needed(f, need);

	kvmcfg_probe_set_outcome(&res[0], KVMCFG_PROBE_CANNOT_RUN, "timed out");
	kvmcfg_probe_set_outcome(&res[1], KVMCFG_PROBE_NOT_APPLICABLE, "no stats");
	ck_assert_int_eq(kvmcfg_verify_apply(f, need, res, n, false), 0);
	ck_assert_int_eq(kvmcfg_findings_verdict(f), KVMCFG_VERDICT_MISMATCH);
	/* Without the policy mismatch and the derived one, unverified is what is left. */
	f->items[1].kind = FINDING_OK;
	f->items[2].kind = FINDING_SKIPPED;
	ck_assert_int_eq(kvmcfg_findings_verdict(f), KVMCFG_VERDICT_UNVERIFIED);
	ck_assert_int_eq(kvmcfg_verdict_exit_code(KVMCFG_VERDICT_UNVERIFIED), 3);
	ck_assert_int_eq(f->items[5].kind, FINDING_SKIPPED);
	ck_assert_int_eq(f->items[5].severity, POLICY_SEVERITY_INFO);
	kvmcfg_findings_free(f);

	f = checked();
	f->items[1].kind = FINDING_OK;
	f->items[2].kind = FINDING_SKIPPED;
	ck_assert_int_eq(kvmcfg_verify_apply(f, need, res, n, true), 0);
	ck_assert_int_eq(f->items[4].kind, FINDING_UNVERIFIED);
	ck_assert_int_eq(f->items[4].severity, POLICY_SEVERITY_INFO);
	ck_assert_int_eq(kvmcfg_findings_verdict(f), KVMCFG_VERDICT_OK);
	kvmcfg_findings_free(f);
}
END_TEST

/* ---- the isolated runner, with probes that misbehave ---- */

static void run_hangs(KvmcfgProbeResult *r)
{
	(void)r;
	for (;;)
		pause();
}

static void run_dies(KvmcfgProbeResult *r)
{
	(void)r;
	printf("1..0 # SKIP cannot open /dev/kvm: Permission denied\n");
	exit(4);
}

static void run_fine(KvmcfgProbeResult *r)
{
	kvmcfg_probe_set_evidence(r, "all good");
	kvmcfg_probe_add_verdict(r, "kvm", "x", true, "fine");
	r->outcome = KVMCFG_PROBE_OBSERVED;
}

static const KvmcfgProbe hangs = { .name = "hangs", .run = run_hangs };
static const KvmcfgProbe dies = { .name = "dies", .run = run_dies };
static const KvmcfgProbe fine = { .name = "fine", .run = run_fine };

START_TEST(isolated)
{
	KvmcfgProbeResult r;

	ck_assert_int_eq(kvmcfg_probe_run_isolated(&hangs, 100, &r), 0);
	ck_assert_int_eq(r.outcome, KVMCFG_PROBE_CANNOT_RUN);
	ck_assert_str_eq(r.reason, "probe hangs timed out after 100 ms (a hung vCPU?)");
	ck_assert_int_eq(kvmcfg_probe_run_isolated(&dies, 5000, &r), 0);
	ck_assert_int_eq(r.outcome, KVMCFG_PROBE_CANNOT_RUN);
	ck_assert_str_eq(r.reason, "probe dies exited with status 4: cannot open /dev/kvm: "
				   "Permission denied");
	ck_assert_int_eq(kvmcfg_probe_run_isolated(&fine, 5000, &r), 0);
	ck_assert_int_eq(r.outcome, KVMCFG_PROBE_OBSERVED);
	ck_assert_str_eq(r.verdicts[0].fact, "fine");
	ck_assert_uint_lt(r.elapsed_us, 5000000);
}
END_TEST

START_TEST(batch)
{
	const KvmcfgProbe *const probes[] = { &fine, &hangs, &dies };
	KvmcfgProbeResult r[3];
	size_t got = 0;
	pid_t pid;
	int fd, status;

	ck_assert_int_eq(kvmcfg_probe_batch_start(probes, 3, 100, &pid, &fd), 0);
	while (got < sizeof(r)) {
		struct pollfd p = { .fd = fd, .events = POLLIN };
		ssize_t k;

		ck_assert_int_eq(poll(&p, 1, 10000), 1);
		k = read(fd, (char *)r + got, sizeof(r) - got);
		ck_assert_int_gt(k, 0);
		got += (size_t)k;
	}
	ck_assert_int_eq(waitpid(pid, &status, 0), pid);
	ck_assert(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	close(fd);
	ck_assert_int_eq(r[0].outcome, KVMCFG_PROBE_OBSERVED);
	ck_assert_int_eq(r[1].outcome, KVMCFG_PROBE_CANNOT_RUN);
	ck_assert_int_eq(r[2].outcome, KVMCFG_PROBE_CANNOT_RUN);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("probe-verify");
	TCase *tc = tcase_create("probe-verify");

	tcase_add_test(tc, param_on);
	tcase_add_test(tc, judge);
	tcase_add_test(tc, registry);
	tcase_add_test(tc, verify_apply);
	tcase_add_test(tc, verify_agrees);
	tcase_add_test(tc, unverified_verdict);
	tcase_add_test(tc, isolated);
	tcase_add_test(tc, batch);
	tcase_set_timeout(tc, 30);
	suite_add_tcase(s, tc);
	return check_run(s);
}
