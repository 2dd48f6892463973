// SPDX-License-Identifier: GPL-2.0-only
/*
 * Checker tests against temporary sysfs trees: each finding kind, the
 * verdict, and the derived rules with the param combinations that break
 * them (and the ones that must not).
 */
#include <check.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "checker.h"
#include "fake-sysfs.h"
#include "param.h"
#include "policy-from-host.h"
#include "check-run.h"

static char *root;

static void setup(void)
{
	root = fake_sysfs_new();
	fake_sysfs_param(root, "kvm", "tdp_mmu", "Y");
	fake_sysfs_param(root, "kvm", "mmio_caching", "Y");
	fake_sysfs_param(root, "kvm", "halt_poll_ns", "200000");
	fake_sysfs_param(root, "kvm", "nx_huge_pages", "never");
	fake_sysfs_put(root, "module/kvm/parameters/secret", "x\n", 0000);
}

static void teardown(void)
{
	fake_sysfs_free(root);
	root = NULL;
}

static Findings *run(const char *text)
{
	PolicyError err = {};
	Policy *p = NULL;
	Findings *f = NULL;

	ck_assert_msg(kvmcfg_policy_parse(&p, text, "p.conf", &err) == 0, "%s", err.text);
	ck_assert_int_eq(kvmcfg_check_path(p, root, &f), 0);
	kvmcfg_policy_free(p);
	return f;
}

/* The finding for module.param (param NULL: the module's own), or fail. */
static const Finding *get(const Findings *f, const char *module, const char *param)
{
	size_t i;

	for (i = 0; i < f->n; i++)
		if (!f->items[i].rule && !strcmp(f->items[i].module, module) &&
		    (param ? f->items[i].param && !strcmp(f->items[i].param, param)
			   : !f->items[i].param))
			return &f->items[i];
	ck_abort_msg("no finding for %s.%s", module, param ? param : "");
	return NULL;
}

static const Finding *get_rule(const Findings *f, const char *rule)
{
	size_t i;

	for (i = 0; i < f->n; i++)
		if (f->items[i].rule && !strcmp(f->items[i].rule, rule))
			return &f->items[i];
	ck_abort_msg("no finding for derived rule %s", rule);
	return NULL;
}

START_TEST(kinds_and_verdict)
{
	Findings *f = run("[kvm]\n"
			  "tdp_mmu = 1\n"                     /* 2: ok by meaning */
			  "halt_poll_ns = 1000..100000 @warn\n" /* 3: mismatch */
			  "nx_huge_pages = N | never\n"       /* 4: ok */
			  "no_such = Y\n"                     /* 5: param missing */
			  "gone = absent\n"                   /* 6: ok */
			  "[kvm_intel]\nRequired = no\nept = Y\n" /* 7: skipped */
			  "[kvm_amd]\nSeverity = warn\nnpt = Y\n"); /* 10: module missing */
	const Finding *x;

	x = get(f, "kvm", "tdp_mmu");
	ck_assert_int_eq(x->kind, FINDING_OK);
	ck_assert_str_eq(x->actual, "Y");
	ck_assert_str_eq(x->expected, "1");
	ck_assert_str_eq(x->origin_file, "p.conf");
	ck_assert_uint_eq(x->origin_line, 2);

	x = get(f, "kvm", "halt_poll_ns");
	ck_assert_int_eq(x->kind, FINDING_MISMATCH);
	ck_assert_int_eq(x->severity, POLICY_SEVERITY_WARN);
	ck_assert_str_eq(x->actual, "200000");
	ck_assert_str_eq(x->message, "kvm.halt_poll_ns is 200000, policy wants 1000..100000");

	ck_assert_int_eq(get(f, "kvm", "nx_huge_pages")->kind, FINDING_OK);
	x = get(f, "kvm", "no_such");
	ck_assert_int_eq(x->kind, FINDING_PARAM_MISSING);
	ck_assert_int_eq(x->read_error, -ENOENT);
	ck_assert_ptr_null(x->actual);
	ck_assert_uint_eq(x->origin_line, 5);
	ck_assert_int_eq(get(f, "kvm", "gone")->kind, FINDING_OK);

	x = get(f, "kvm_intel", NULL);
	ck_assert_int_eq(x->kind, FINDING_SKIPPED);
	ck_assert(!kvmcfg_finding_is_problem(x));
	x = get(f, "kvm_amd", NULL);
	ck_assert_int_eq(x->kind, FINDING_MODULE_MISSING);
	ck_assert_int_eq(x->severity, POLICY_SEVERITY_WARN);
	ck_assert_uint_eq(x->origin_line, 10);

	/* 5 rules + 2 module entries + 2 derived. */
	ck_assert_uint_eq(f->n, 9);
	ck_assert_uint_eq(kvmcfg_findings_n_problems(f), 3);
	ck_assert_int_eq(kvmcfg_findings_verdict(f), KVMCFG_VERDICT_MISMATCH);
	kvmcfg_findings_free(f);
}
END_TEST

START_TEST(verdicts)
{
	Findings *f;

	f = run("[kvm]\ntdp_mmu = Y\nmmio_caching = Y\n");
	ck_assert_int_eq(kvmcfg_findings_verdict(f), KVMCFG_VERDICT_OK);
	ck_assert_int_eq(kvmcfg_verdict_exit_code(kvmcfg_findings_verdict(f)), 0);
	kvmcfg_findings_free(f);

	/* Info never fails a check. */
	f = run("[kvm]\ntdp_mmu = N @info\n[nope]\nSeverity = info\n");
	ck_assert_uint_eq(kvmcfg_findings_n_problems(f), 2);
	ck_assert_int_eq(kvmcfg_findings_verdict(f), KVMCFG_VERDICT_OK);
	kvmcfg_findings_free(f);

	/* Root reads anything: unreadable (EACCES) is tested in a child as nobody. */
	if (geteuid() != 0) {
		f = run("[kvm]\nsecret = x\n");
		ck_assert_int_eq(kvmcfg_findings_verdict(f), KVMCFG_VERDICT_UNREADABLE);
		kvmcfg_findings_free(f);
	}
}
END_TEST

START_TEST(unreadable_as_nobody)
{
	pid_t pid;
	int status;

	fake_sysfs_put(root, "module/kvm/parameters/record", "", 0);
	pid = fork();
	ck_assert_int_ge(pid, 0);
	if (pid == 0) {
		Findings *f = NULL;
		PolicyError err = {};
		Policy *p = NULL;
		const Finding *x;

		if (geteuid() == 0 && setuid(65534) < 0)
			_exit(10);
		if (kvmcfg_policy_parse(&p, "[kvm]\nsecret = x\nrecord = any\n", "p.conf", &err) < 0)
			_exit(11);
		if (kvmcfg_check_path(p, root, &f) < 0)
			_exit(12);
		x = &f->items[0];
		if (x->kind != FINDING_UNREADABLE || x->read_error != -EACCES || x->actual)
			_exit(13);
		/* "any" asserts nothing: unreadable, but only info. */
		x = &f->items[1];
		if (x->kind != FINDING_UNREADABLE || x->severity != POLICY_SEVERITY_INFO)
			_exit(17);
		if (kvmcfg_findings_verdict(f) != KVMCFG_VERDICT_UNREADABLE)
			_exit(14);
		/* A mismatch outranks "unreadable". */
		kvmcfg_policy_free(p);
		kvmcfg_findings_free(f);
		if (kvmcfg_policy_parse(&p, "[kvm]\nsecret = x\ntdp_mmu = N\n", "p.conf", &err) < 0 ||
		    kvmcfg_check_path(p, root, &f) < 0)
			_exit(15);
		_exit(kvmcfg_findings_verdict(f) == KVMCFG_VERDICT_MISMATCH ? 0 : 16);
	}
	ck_assert_int_eq(waitpid(pid, &status, 0), pid);
	ck_assert(WIFEXITED(status));
	ck_assert_int_eq(WEXITSTATUS(status), 0);
}
END_TEST

START_TEST(bad_roots)
{
	Policy *p = NULL;
	Findings *f = (Findings *)0x1;
	char *empty = fake_sysfs_new();

	ck_assert_int_eq(kvmcfg_policy_parse(&p, "[kvm]\n", NULL, NULL), 0);
	ck_assert_int_eq(kvmcfg_check_path(p, "/nonexistent", &f), -ENOENT);
	ck_assert_int_eq(kvmcfg_check_path(p, empty, &f), -ENOENT);
	fake_sysfs_put(empty, "module", "", 0644);
	ck_assert_int_eq(kvmcfg_check_path(p, empty, &f), -ENOTDIR);
	ck_assert_ptr_eq(f, (Findings *)0x1);
	fake_sysfs_free(empty);
	kvmcfg_policy_free(p);
}
END_TEST

/* tdp_mmu=Y with a vendor module that has TDP off: the 6.1 stale-param case. */
START_TEST(derived_tdp_mmu)
{
	const Finding *x;
	Findings *f;

	/* No vendor module: the rule does not apply. */
	f = run("");
	x = get_rule(f, "tdp-mmu-requires-tdp");
	ck_assert_int_eq(x->kind, FINDING_SKIPPED);
	kvmcfg_findings_free(f);

	fake_sysfs_param(root, "kvm_intel", "ept", "N");
	f = run("");
	x = get_rule(f, "tdp-mmu-requires-tdp");
	ck_assert_int_eq(x->kind, FINDING_DERIVED);
	ck_assert_int_eq(x->severity, POLICY_SEVERITY_CRITICAL);
	ck_assert_str_eq(x->module, "kvm");
	ck_assert_str_eq(x->param, "tdp_mmu");
	ck_assert_str_eq(x->expected, "kvm_intel.ept=Y or kvm_amd.npt=Y");
	ck_assert_str_eq(x->actual, "kvm.tdp_mmu=Y, kvm_intel.ept=N, kvm_amd not loaded");
	ck_assert_str_eq(x->origin_file, "derived");
	ck_assert_int_eq(kvmcfg_findings_verdict(f), KVMCFG_VERDICT_MISMATCH);
	kvmcfg_findings_free(f);

	/* The same host with tdp_mmu=N is consistent. */
	fake_sysfs_param(root, "kvm", "tdp_mmu", "N");
	f = run("");
	ck_assert_int_eq(get_rule(f, "tdp-mmu-requires-tdp")->kind, FINDING_OK);
	ck_assert_int_eq(kvmcfg_findings_verdict(f), KVMCFG_VERDICT_OK);
	kvmcfg_findings_free(f);

	/* tdp_mmu=Y with EPT on holds. */
	fake_sysfs_param(root, "kvm", "tdp_mmu", "Y");
	fake_sysfs_param(root, "kvm_intel", "ept", "Y");
	f = run("");
	ck_assert_int_eq(get_rule(f, "tdp-mmu-requires-tdp")->kind, FINDING_OK);
	kvmcfg_findings_free(f);
}
END_TEST

START_TEST(derived_tdp_mmu_amd)
{
	Findings *f;

	fake_sysfs_param(root, "kvm_amd", "npt", "1");
	f = run("");
	ck_assert_int_eq(get_rule(f, "tdp-mmu-requires-tdp")->kind, FINDING_OK);
	kvmcfg_findings_free(f);
	fake_sysfs_param(root, "kvm_amd", "npt", "0");
	f = run("");
	ck_assert_int_eq(get_rule(f, "tdp-mmu-requires-tdp")->kind, FINDING_DERIVED);
	kvmcfg_findings_free(f);
}
END_TEST

START_TEST(derived_sev_es)
{
	const Finding *x;
	Findings *f;

	fake_sysfs_param(root, "kvm_amd", "npt", "Y");
	fake_sysfs_param(root, "kvm_amd", "sev_es", "Y");
	fake_sysfs_param(root, "kvm", "mmio_caching", "N");
	f = run("");
	x = get_rule(f, "sev-es-requires-mmio-caching");
	ck_assert_int_eq(x->kind, FINDING_DERIVED);
	ck_assert_str_eq(x->actual, "kvm_amd.sev_es=Y, kvm.mmio_caching=N");
	kvmcfg_findings_free(f);

	fake_sysfs_param(root, "kvm", "mmio_caching", "Y");
	f = run("");
	ck_assert_int_eq(get_rule(f, "sev-es-requires-mmio-caching")->kind, FINDING_OK);
	kvmcfg_findings_free(f);

	fake_sysfs_param(root, "kvm", "mmio_caching", "N");
	fake_sysfs_param(root, "kvm_amd", "sev_es", "N");
	f = run("");
	ck_assert_int_eq(get_rule(f, "sev-es-requires-mmio-caching")->kind, FINDING_OK);
	ck_assert_int_eq(kvmcfg_findings_verdict(f), KVMCFG_VERDICT_OK);
	kvmcfg_findings_free(f);
}
END_TEST

START_TEST(qualified_keys_and_any)
{
	const Finding *x;
	Findings *f;

	fake_sysfs_param(root, "kvm_amd", "npt", "Y");
	f = run("[kvm_amd]\nRequired = no\nkvm.tdp_mmu = Y\nkvm.mmio_caching = N\n"
		"[kvm]\nhalt_poll_ns = any\nsecret = any\n");
	x = get(f, "kvm", "mmio_caching");
	ck_assert_int_eq(x->kind, FINDING_MISMATCH);
	ck_assert_uint_eq(x->origin_line, 4);
	x = get(f, "kvm", "halt_poll_ns");
	ck_assert_int_eq(x->kind, FINDING_OK);
	ck_assert_str_eq(x->actual, "200000");
	kvmcfg_findings_free(f);
}
END_TEST

START_TEST(derived_table_well_formed)
{
	size_t i, j;

	ck_assert_uint_ge(kvmcfg_n_derived_rules, 2);
	for (i = 0; i < kvmcfg_n_derived_rules; i++) {
		const KvmcfgDerivedRule *d = &kvmcfg_derived_rules[i];

		ck_assert_ptr_nonnull(d->name);
		ck_assert_ptr_nonnull(d->why);
		ck_assert_ptr_nonnull(d->requires[0].module);
		for (j = 0; j < i; j++)
			ck_assert_str_ne(d->name, kvmcfg_derived_rules[j].name);
	}
}
END_TEST

/* A snapshot parses, names what it left out, and the tree passes it. */
START_TEST(snapshot_round_trip)
{
	char **mods = NULL, *text = NULL;
	PolicyError err = {};
	Policy *p = NULL;
	Findings *f = NULL;
	unsigned n = 0;
	int fd = open(root, O_RDONLY | O_DIRECTORY);

	fake_sysfs_param(root, "kvm_intel", "ept", "Y"); /* else tdp_mmu=Y is a derived violation */
	fake_sysfs_param(root, "kvm_intel", "vmentry_l1d_flush", "not required");
	fake_sysfs_param(root, "kvm_intel", "quote", "a\"b");
	fake_sysfs_param(root, "kvm_pvm", "x", "1..2");
	fake_sysfs_param(root, "snd", "x", "1");
	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(kvmcfg_kvm_modules_at(fd, (const char *[]){ "kvm_amd", "kvm", NULL },
					       &mods), 0);
	ck_assert_str_eq(mods[0], "kvm");
	ck_assert_str_eq(mods[1], "kvm_amd");
	ck_assert_str_eq(mods[2], "kvm_intel");
	ck_assert_str_eq(mods[3], "kvm_pvm");
	ck_assert_ptr_null(mods[4]);
	ck_assert_int_eq(kvmcfg_snapshot_at(fd, (const char *const *)mods, "# hi\n",
					    KVMCFG_SNAPSHOT_PIN_ALL, &text, &n), 0);
	ck_assert_int_eq(strncmp(text, "# hi\n", 5), 0);
	ck_assert_ptr_nonnull(strstr(text, "\n# [kvm_amd]: not loaded\n"));
	ck_assert_ptr_nonnull(strstr(text, "vmentry_l1d_flush = \"not required\"\n"));
	ck_assert_ptr_nonnull(strstr(text, "# quote: value cannot be written as a rule"));
	ck_assert_ptr_nonnull(strstr(text, "[kvm_pvm]\nRequired = yes\nx = \"1..2\"\n"));
	if (geteuid() == 0)
		ck_assert_ptr_nonnull(strstr(text, "secret = x\n"));
	/* kvm: 5, kvm_intel: 2 (quote left out), kvm_pvm: 1. */
	ck_assert_uint_eq(n, geteuid() == 0 ? 8 : 7);
	ck_assert_msg(kvmcfg_policy_parse(&p, text, "snap.conf", &err) == 0, "%s", err.text);
	ck_assert_uint_eq(kvmcfg_policy_n_rules(p), n);
	ck_assert_int_eq(kvmcfg_check(p, fd, &f), 0);
	ck_assert_int_eq(kvmcfg_findings_verdict(f), KVMCFG_VERDICT_OK);
	kvmcfg_findings_free(f);
	kvmcfg_policy_free(p);
	free(text);

	/* A fleet snapshot: pinned params at their value, tuning as 'any' with a comment. */
	ck_assert_int_eq(kvmcfg_snapshot_at(fd, (const char *const *)mods, NULL, 0, &text, &n), 0);
	ck_assert_ptr_nonnull(strstr(text, "[kvm_intel]\nRequired = yes\n# Pinned: what a fleet "
					   "asserts (as the default policy does).\nept = Y\n# Tuning: "));
	ck_assert_ptr_nonnull(strstr(text, "vmentry_l1d_flush = any ; here not required\n"));
	ck_assert_ptr_nonnull(strstr(text, "[kvm_pvm]\nRequired = yes\n# Tuning: recorded, not "
					   "asserted ('any'); the value here follows each.\n# Pin one "
					   "by writing its value instead.\nx = any ; here 1..2\n"));
	ck_assert_ptr_nonnull(strstr(text, "\ntdp_mmu = Y\n"));
	ck_assert(kvmcfg_snapshot_pins("kvm", "tdp_mmu") && !kvmcfg_snapshot_pins("kvm", "halt_poll_ns"));
	ck_assert_msg(kvmcfg_policy_parse(&p, text, "snap.conf", &err) == 0, "%s", err.text);
	ck_assert_uint_eq(kvmcfg_policy_n_rules(p), n);
	ck_assert_str_eq(kvmcfg_policy_find_rule(p, "kvm_intel", "vmentry_l1d_flush")->matcher.text,
			 "any");
	ck_assert_int_eq(kvmcfg_check(p, fd, &f), 0);
	ck_assert_int_eq(kvmcfg_findings_verdict(f), KVMCFG_VERDICT_OK);
	kvmcfg_findings_free(f);
	kvmcfg_policy_free(p);
	free(text);
	strv_free(mods);
	close(fd);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("checker");
	TCase *tc = tcase_create("checker");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, kinds_and_verdict);
	tcase_add_test(tc, verdicts);
	tcase_add_test(tc, unreadable_as_nobody);
	tcase_add_test(tc, bad_roots);
	tcase_add_test(tc, derived_tdp_mmu);
	tcase_add_test(tc, derived_tdp_mmu_amd);
	tcase_add_test(tc, derived_sev_es);
	tcase_add_test(tc, qualified_keys_and_any);
	tcase_add_test(tc, derived_table_well_formed);
	tcase_add_test(tc, snapshot_round_trip);
	suite_add_tcase(s, tc);
	return check_run(s);
}
