// SPDX-License-Identifier: GPL-2.0-only
/*
 * Policy parser, merge and loader tests in expected-output style: each case
 * is policy text and either the effective policy printed back by
 * kvmcfg_policy_format() or the exact "file:line: message" errors.
 */
#include <check.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fake-sysfs.h"
#include "policy.h"
#include "check-run.h"

typedef struct Case {
	const char *text;
	const char *expect; /* kvmcfg_policy_format() output, or the error text */
	int r;              /* 0 or -EINVAL */
} Case;

static const Case cases[] = {
	/* The whole language in one file. */
	{ "# fleet policy\n"
	  "[kvm]\n"
	  "tdp_mmu = Y\n"
	  "halt_poll_ns = 1000..500000 @warn\n"
	  "   nx_huge_pages = N | never   ; indented keys are keys\n"
	  "[kvm_intel]\n"
	  "Required = no\n"
	  "ept = Y | 1\n"
	  "kvm.tdp_mmu = Y\n"
	  "kvm-intel.enable-apicv = any\n"
	  "[Policy]\n"
	  "ImportModprobe = no\n",
	  "[Policy]\nImportModprobe = no\n\n"
	  "[kvm]\nRequired = yes\nSeverity = critical\n"
	  "tdp_mmu = Y @critical ; t.conf:3\n"
	  "halt_poll_ns = 1000..500000 @warn ; t.conf:4\n"
	  "nx_huge_pages = N | never @critical ; t.conf:5\n"
	  "\n[kvm_intel]\nRequired = no\nSeverity = critical\n"
	  "ept = Y | 1 @critical ; t.conf:8\n"
	  "kvm.tdp_mmu = Y @critical ; t.conf:9\n"
	  "enable_apicv = any @critical ; t.conf:10\n",
	  0 },
	/* Severity= applies to rules before it; a repeated section continues it; CRLF. */
	{ "[kvm]\r\na = 1\r\nSeverity = warn\r\n[kvm_amd]\nRequired=no\n[kvm]\nb = >= 10 @info\n"
	  "c = \"x | y\"\nd = absent | 0\ne = present\n",
	  "[kvm]\nRequired = yes\nSeverity = warn\n"
	  "a = 1 @warn ; t.conf:2\n"
	  "b = >= 10 @info ; t.conf:7\n"
	  "c = \"x | y\" @warn ; t.conf:8\n"
	  "d = absent | 0 @warn ; t.conf:9\n"
	  "e = present @warn ; t.conf:10\n"
	  "\n[kvm_amd]\nRequired = no\nSeverity = critical\n",
	  0 },
	/* A section with no keys still requires its module. */
	{ "[kvm]\n", "[kvm]\nRequired = yes\nSeverity = critical\n", 0 },
	{ "", "", 0 },
	/* Errors, one kind per case. */
	{ "[kvm]\ntdp_mmu = Y\ntdp_mmu = N\n",
	  "t.conf:3: duplicate rule for kvm.tdp_mmu in [kvm] (first at line 2)\n", -EINVAL },
	{ "[kvm]\ntdp-mmu = Y\ntdp_mmu = N\n",
	  "t.conf:3: duplicate rule for kvm.tdp_mmu in [kvm] (first at line 2)\n", -EINVAL },
	{ "[kvm]\nFoo = 1\n",
	  "t.conf:2: unknown setting 'Foo' in [kvm] (Required=, Severity=; parameter names "
	  "start in lower case)\n", -EINVAL },
	{ "tdp_mmu = Y\n", "t.conf:1: 'tdp_mmu' is outside any section: start with [module]\n",
	  -EINVAL },
	{ "[kvm\na = 1\n", "t.conf:1: missing ']' in section header\n", -EINVAL },
	/* A ';' or '#' inside double quotes is text, not a comment (libinih cut at " ;"). */
	{ "[kvm]\na = \"x ; y\" ; comment\nb = \"p\" | \"q # r\" # no comment\n",
	  "t.conf:3: kvm.b: '#' starts a comment only at the start of a line; an inline comment "
	  "starts with ' ;' (b = \"p\" | \"q # r\" ; ...): '\"p\" | \"q # r\" # no comment'\n",
	  -EINVAL },
	/* The shell habit: the hint names ' ;', not quoting. */
	{ "[kvm]\ntdp_mmu = N # off\n",
	  "t.conf:2: kvm.tdp_mmu: '#' starts a comment only at the start of a line; an inline "
	  "comment starts with ' ;' (tdp_mmu = N ; ...): 'N # off'\n", -EINVAL },
	/* All errors in one pass: a duplicate does not hide a bad value on its line. */
	{ "[kvm]\nx = 1..5\nx = 5..1\n",
	  "t.conf:3: duplicate rule for kvm.x in [kvm] (first at line 2)\n"
	  "t.conf:3: kvm.x: a range must not end below its start: '5..1'\n", -EINVAL },
	{ "[kvm]\na = \"x ; y\" ; comment\nb = \"p\" | \"q # r\"\t; c\nc = Y;x\n",
	  "t.conf:4: kvm.c: text with spaces or any of <>=!\"; must be quoted, e.g. \"a b\": "
	  "'Y;x'\n", -EINVAL },
	{ "[kvm]\na = \"x ; y\" ; comment\nb = \"p\" | \"q # r\"\t; c\n",
	  "[kvm]\nRequired = yes\nSeverity = critical\n"
	  "a = \"x ; y\" @critical ; t.conf:2\n"
	  "b = \"p\" | \"q # r\" @critical ; t.conf:3\n", 0 },
	/* An unclosed quote keeps the rest of the line: the error shows all of it. */
	{ "[kvm]\na = \"x ; y\n", "t.conf:2: kvm.a: unterminated quoted text: '\"x ; y'\n",
	  -EINVAL },
	/* Headers may carry a comment; 'key: value' is 'key = value'. */
	{ "[kvm] # c\na: 1\n[kvm_amd] ; c\nnpt:Y\n",
	  "[kvm]\nRequired = yes\nSeverity = critical\na = 1 @critical ; t.conf:2\n"
	  "\n[kvm_amd]\nRequired = yes\nSeverity = critical\nnpt = Y @critical ; t.conf:4\n", 0 },
	/* The last line needs no newline; an empty key is named. */
	{ "[kvm]\na = 1", "[kvm]\nRequired = yes\nSeverity = critical\na = 1 @critical ; t.conf:2\n",
	  0 },
	{ "[kvm]\n= 1\n",
	  "t.conf:2: invalid parameter name '' (lower case first, then letters, digits, "
	  "'_', '-'; or module.param)\n", -EINVAL },
	/* A byte order mark is not an error. */
	{ "\xEF\xBB\xBF[kvm]\na = 1\n", "[kvm]\nRequired = yes\nSeverity = critical\n"
	  "a = 1 @critical ; t.conf:2\n", 0 },
	{ "[kvm] x\n", "t.conf:1: unexpected text after section header\n", -EINVAL },
	{ "[k v]\na = 1\n", "t.conf:1: invalid section name 'k v': a module name or [Policy]\n",
	  -EINVAL },
	{ "[kvm]\njunk\n", "t.conf:2: expected 'key = value' or '[section]'\n", -EINVAL },
	{ "[kvm]\na = >= x\n",
	  "t.conf:2: kvm.a: a comparison needs an integer, e.g. '>= 100000': '>= x'\n", -EINVAL },
	{ "[kvm]\na = 5..1\n", "t.conf:2: kvm.a: a range must not end below its start: '5..1'\n",
	  -EINVAL },
	{ "[kvm]\na = 1..x\n",
	  "t.conf:2: kvm.a: a range needs two integers, e.g. '1000..500000': '1..x'\n", -EINVAL },
	{ "[kvm]\na = Y |\n",
	  "t.conf:2: kvm.a: empty alternative (a '|' with nothing on one side): 'Y |'\n", -EINVAL },
	{ "[kvm]\na = any | Y\n",
	  "t.conf:2: kvm.a: 'any' and 'present' stand alone, they cannot be alternatives: "
	  "'any | Y'\n", -EINVAL },
	{ "[kvm]\na = Y @fatal\n", "t.conf:2: unknown severity 'fatal' (info, warn or critical)\n",
	  -EINVAL },
	{ "[kvm]\na =\n", "t.conf:2: kvm.a: empty value: ''\n", -EINVAL },
	{ "[kvm]\na = \"x\n", "t.conf:2: kvm.a: unterminated quoted text: '\"x'\n", -EINVAL },
	{ "[kvm]\na = hello world\n",
	  "t.conf:2: kvm.a: text with spaces or any of <>=!\"; must be quoted, e.g. \"a b\": "
	  "'hello world'\n", -EINVAL },
	{ "[kvm]\nRequired = maybe\n",
	  "t.conf:2: Required= takes a boolean (yes or no), not 'maybe'\n", -EINVAL },
	{ "[kvm]\nRequired = yes\nRequired = no\n",
	  "t.conf:3: duplicate setting Required= in [kvm]\n", -EINVAL },
	{ "[kvm]\nSeverity = loud\n",
	  "t.conf:2: Severity= takes info, warn or critical, not 'loud'\n", -EINVAL },
	{ "[Policy]\nFoo = 1\n", "t.conf:2: unknown setting 'Foo' in [Policy] (ImportModprobe=)\n",
	  -EINVAL },
	{ "[kvm]\na.b.c = 1\n",
	  "t.conf:2: invalid parameter name 'a.b.c' (lower case first, then letters, digits, "
	  "'_', '-'; or module.param)\n", -EINVAL },
	/* Found by the mutation test: it would read back as the setting Required=. */
	{ "[kvm]\nkvm.Required = yes\n",
	  "t.conf:2: invalid parameter name 'kvm.Required' (lower case first, then letters, "
	  "digits, '_', '-'; or module.param)\n", -EINVAL },
	/* Every error of a file, in order, not only the first. */
	{ "[kvm]\na = 1\nb = 2..1\n\n[kvm_amd\nc = 1\na = 2\n",
	  "t.conf:3: kvm.b: a range must not end below its start: '2..1'\n"
	  "t.conf:5: missing ']' in section header\n", -EINVAL },
};

START_TEST(parse_cases)
{
	const Case *c = &cases[_i];
	PolicyError err = {};
	Policy *p = (Policy *)0x1;
	char *out = NULL;
	int r;

	r = kvmcfg_policy_parse(&p, c->text, "t.conf", &err);
	ck_assert_msg(r == c->r, "case %d: r=%d, errors:\n%s", _i, r, err.text);
	if (r < 0) {
		ck_assert_ptr_eq(p, (Policy *)0x1); /* untouched on failure */
		ck_assert_str_eq(err.text, c->expect);
		ck_assert_str_eq(err.file, "t.conf");
		ck_assert_uint_gt(err.line, 0);
		return;
	}
	ck_assert_uint_eq(err.n_errors, 0);
	ck_assert_int_eq(kvmcfg_policy_format(p, &out), 0);
	ck_assert_str_eq(out, c->expect);
	free(out);
	kvmcfg_policy_free(p);
}
END_TEST

START_TEST(error_counts_and_long_lines)
{
	char text[1024];
	PolicyError err = {};
	Policy *p = NULL;

	/* No line length limit (libinih's was 200 bytes): a long value and comment. */
	memset(text, 0, sizeof(text));
	strcpy(text, "[kvm]\n# ");
	memset(text + strlen(text), 'c', 400);
	strcat(text, "\na = ");
	memset(text + strlen(text), 'x', 400);
	strcat(text, " ; and a comment\nb = 1\n");
	ck_assert_int_eq(kvmcfg_policy_parse(&p, text, "t.conf", &err), 0);
	ck_assert_uint_eq(err.n_errors, 0);
	ck_assert_uint_eq(kvmcfg_policy_n_rules(p), 2);
	ck_assert_uint_eq(kvmcfg_policy_find_rule(p, "kvm", "a")->line, 3);
	ck_assert_uint_eq(strlen(kvmcfg_policy_find_rule(p, "kvm", "a")->matcher.text), 400);
	ck_assert_uint_eq(kvmcfg_policy_find_rule(p, "kvm", "b")->line, 4);
	p = kvmcfg_policy_free(p);

	kvmcfg_policy_error_reset(&err);
	ck_assert_int_eq(kvmcfg_policy_parse(&p, "[a]\nx\ny\nz\n", NULL, &err), -EINVAL);
	ck_assert_uint_eq(err.n_errors, 3);
	ck_assert_str_eq(err.file, "<string>");
	ck_assert_uint_eq(err.line, 2);
}
END_TEST

START_TEST(merge_overrides)
{
	_cleanup_(kvmcfg_policy_freep) Policy *base = NULL;
	Policy *o = NULL;
	PolicyError err = {};
	char *out = NULL;

	ck_assert_int_eq(kvmcfg_policy_parse(&base, "[kvm]\na = 1\nb = 2\n[kvm_amd]\nnpt = Y\n", "main.conf",
				      &err), 0);
	ck_assert_int_eq(kvmcfg_policy_parse(&o, "[kvm_amd]\nRequired = no\n[kvm]\nb = 3 @info\nSeverity = warn\n"
				      "[kvm_intel]\nept = Y\n[Policy]\nImportModprobe = no\n",
				      "10-x.conf", &err), 0);
	ck_assert_int_eq(kvmcfg_policy_merge(base, o), 0);
	ck_assert_int_eq(kvmcfg_policy_format(base, &out), 0);
	ck_assert_str_eq(out, "[Policy]\nImportModprobe = no\n\n"
			      "[kvm]\nRequired = yes\nSeverity = warn\n"
			      "a = 1 @warn ; main.conf:2\n"
			      "b = 3 @info ; 10-x.conf:4\n"
			      "\n[kvm_amd]\nRequired = no\nSeverity = critical\n"
			      "npt = Y @critical ; main.conf:5\n"
			      "\n[kvm_intel]\nRequired = yes\nSeverity = critical\n"
			      "ept = Y @critical ; 10-x.conf:7\n");
	free(out);
	ck_assert_str_eq(base->files[0], "main.conf");
	ck_assert_str_eq(base->files[1], "10-x.conf");
	ck_assert_ptr_null(base->files[2]);
	ck_assert_ptr_nonnull(kvmcfg_policy_find_rule(base, "kvm-intel", "ept"));
	ck_assert_ptr_null(kvmcfg_policy_find_rule(base, "kvm", "ept"));
	ck_assert_uint_eq(kvmcfg_policy_n_rules(base), 4);
}
END_TEST

static void write_file(const char *dir, const char *name, const char *text)
{
	char rel[256];

	snprintf(rel, sizeof(rel), "%s", name);
	fake_sysfs_put(dir, rel, text, 0644);
}

START_TEST(load_main_and_dropins)
{
	char *d = fake_sysfs_new(), main_path[512], etc[512], usr[512], *out = NULL;
	const char *dirs[] = { etc, usr, NULL };
	PolicyError err = {};
	Policy *p = NULL;

	snprintf(main_path, sizeof(main_path), "%s/policy.conf", d);
	snprintf(etc, sizeof(etc), "%s/etc.d", d);
	snprintf(usr, sizeof(usr), "%s/usr.d", d);
	write_file(d, "policy.conf", "[kvm]\na = 1\nb = 1\nc = 1\n");
	write_file(d, "usr.d/10-vendor.conf", "[kvm]\na = 2\n");
	write_file(d, "usr.d/20-masked.conf", "[kvm]\nb = 9\n");
	write_file(d, "etc.d/20-masked.conf", "[kvm]\nb = 2\n");
	write_file(d, "etc.d/30-last.conf", "[kvm]\na = 3\n");
	write_file(d, "etc.d/README", "not a policy");
	write_file(d, "etc.d/.hidden.conf", "garbage");

	ck_assert_int_eq(kvmcfg_policy_load(&p, main_path, dirs, &err), 0);
	ck_assert_int_eq(kvmcfg_policy_format(p, &out), 0);
	/* 10-vendor then 20-masked (the /etc one) then 30-last: a=3, b=2, c=1. */
	ck_assert_ptr_nonnull(strstr(out, "a = 3 @critical ; "));
	ck_assert_ptr_nonnull(strstr(out, "etc.d/30-last.conf:2"));
	ck_assert_ptr_nonnull(strstr(out, "b = 2 @critical ; "));
	ck_assert_ptr_nonnull(strstr(out, "etc.d/20-masked.conf:2"));
	ck_assert_ptr_nonnull(strstr(out, "c = 1 @critical ; "));
	ck_assert_ptr_null(strstr(out, "usr.d/20-masked"));
	free(out);
	kvmcfg_policy_free(p);
	p = NULL;

	/* One broken drop-in: no policy at all, every error named with its file. */
	write_file(d, "etc.d/40-bad.conf", "[kvm]\na = 1..\n");
	write_file(d, "usr.d/50-bad.conf", "[kvm\n");
	ck_assert_int_eq(kvmcfg_policy_load(&p, main_path, dirs, &err), -EINVAL);
	ck_assert_ptr_null(p);
	ck_assert_uint_eq(err.n_errors, 2);
	ck_assert_ptr_nonnull(strstr(err.text, "etc.d/40-bad.conf:2: kvm.a: a range needs"));
	ck_assert_ptr_nonnull(strstr(err.text, "usr.d/50-bad.conf:1: missing ']'"));

	/* A missing main file is its own error. */
	kvmcfg_policy_error_reset(&err);
	snprintf(main_path, sizeof(main_path), "%s/nope.conf", d);
	ck_assert_int_eq(kvmcfg_policy_load(&p, main_path, (const char *[]){ NULL }, &err), -ENOENT);
	ck_assert_ptr_nonnull(strstr(err.text, "nope.conf: cannot read: No such file"));
	fake_sysfs_free(d);
}
END_TEST

START_TEST(modprobe_import)
{
	char *d = fake_sysfs_new(), main_path[512], mp[512], *out = NULL;
	const char *mpaths[] = { mp, NULL };
	PolicyError err = {};
	Policy *p = NULL;

	snprintf(main_path, sizeof(main_path), "%s/policy.conf", d);
	snprintf(mp, sizeof(mp), "%s/modprobe.d", d);
	write_file(d, "policy.conf", "[Policy]\nImportModprobe = yes\n[kvm]\nhalt_poll_ns = any\n");
	write_file(d, "modprobe.d/kvm.conf",
		   "options kvm tdp_mmu=0 halt_poll_ns=5 nx_huge_pages=auto\n"
		   "options kvm-amd npt=1 sev_es avic=\"1\"\n"
		   "options snd_hda_intel power_save=1\n"
		   "options kvm tdp_mmu=1\n");
	ck_assert_int_eq(kvmcfg_policy_load_full(&p, main_path, (const char *[]){ NULL }, mpaths, &err), 0);
	ck_assert_int_eq(kvmcfg_policy_format(p, &out), 0);
	ck_assert_int_eq(strncmp(out, "[Policy]\nImportModprobe = yes\n\n[kvm]\n", 36), 0);
	/* The policy's own halt_poll_ns wins; the later options line wins for tdp_mmu. */
	ck_assert_ptr_nonnull(strstr(out, "halt_poll_ns = any @critical"));
	ck_assert_ptr_null(strstr(out, "halt_poll_ns = 5"));
	ck_assert_ptr_nonnull(strstr(out, "tdp_mmu = 1 @critical ; modprobe.d:kvm:0"));
	ck_assert_ptr_nonnull(strstr(out, "nx_huge_pages = Y | N @critical ; modprobe.d:kvm:0"));
	ck_assert_ptr_nonnull(strstr(out, "[kvm_amd]\nRequired = no\nSeverity = warn\n"
					  "npt = 1 @warn ; modprobe.d:kvm_amd:0\n"
					  "sev_es = Y @warn ; modprobe.d:kvm_amd:0\n"
					  "avic = 1 @warn ; modprobe.d:kvm_amd:0\n"));
	ck_assert_ptr_null(strstr(out, "snd"));
	free(out);
	kvmcfg_policy_free(p);
	fake_sysfs_free(d);
}
END_TEST

START_TEST(severity_names)
{
	PolicySeverity s;

	ck_assert_int_eq(kvmcfg_policy_severity_from_string("warning", &s), 0);
	ck_assert_int_eq(s, POLICY_SEVERITY_WARN);
	ck_assert_int_eq(kvmcfg_policy_severity_from_string("crit", &s), 0);
	ck_assert_int_eq(s, POLICY_SEVERITY_CRITICAL);
	ck_assert_int_eq(kvmcfg_policy_severity_from_string("Critical", &s), -EINVAL);
	ck_assert_str_eq(kvmcfg_policy_severity_to_string(POLICY_SEVERITY_INFO), "info");
	ck_assert_ptr_null(kvmcfg_policy_severity_to_string(_POLICY_SEVERITY_MAX));
}
END_TEST

int main(void)
{
	Suite *s = suite_create("policy");
	TCase *tc = tcase_create("parser");

	tcase_add_loop_test(tc, parse_cases, 0, sizeof(cases) / sizeof(cases[0]));
	tcase_add_test(tc, error_counts_and_long_lines);
	tcase_add_test(tc, merge_overrides);
	tcase_add_test(tc, load_main_and_dropins);
	tcase_add_test(tc, modprobe_import);
	tcase_add_test(tc, severity_names);
	suite_add_tcase(s, tc);
	return check_run(s);
}
