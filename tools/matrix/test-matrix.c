// SPDX-License-Identifier: GPL-2.0-only
/*
 * Unit tests for the pure parts of kvm-config-matrix: the matrix grammar and
 * its errors, config enumeration, which axes a host drops, the cpuinfo
 * parser, reading kvm-selftests' JSON report, matrix.json's strictness,
 * and the preflight verdicts on fake /sys and /proc trees.
 */
#include "check-run.h"
#include <check.h>
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "fake-sysfs.h"
#include "host.h"
#include "matrix.h"
#include "modules.h"
#include "param.h"
#include "json-out.h"
#include "preflight.h"
#include "report.h"
#include "selftests.h"

static struct matrix *parse_ok(const char *text)
{
	struct matrix_error err = {};
	struct matrix *m;

	ck_assert_int_eq(matrix_new(&m), 0);
	ck_assert_msg(matrix_parse(m, text, &err) == 0, "%s: %u:%u %s", text, err.line, err.column,
		      err.message);
	return m;
}

START_TEST(test_parse_product)
{
	struct matrix *m =
		parse_ok("kvm.tdp_mmu={0,1} x kvm-amd.npt={0, 1} x kvm.mmio_caching={0,1}");
	size_t choice[3];

	ck_assert_uint_eq(m->n_axes, 3);
	ck_assert_str_eq(m->axes[1].module, "kvm_amd");
	ck_assert_str_eq(m->axes[1].param, "npt");
	ck_assert_uint_eq(matrix_n_configs(m), 8);
	/* The last axis varies fastest. */
	matrix_config(m, 1, choice);
	ck_assert_uint_eq(choice[0], 0);
	ck_assert_uint_eq(choice[1], 0);
	ck_assert_uint_eq(choice[2], 1);
	matrix_config(m, 6, choice);
	ck_assert_uint_eq(choice[0], 1);
	ck_assert_uint_eq(choice[1], 1);
	ck_assert_uint_eq(choice[2], 0);
	matrix_free(m);
}
END_TEST

START_TEST(test_parse_file_form)
{
	struct matrix *m =
		parse_ok("# the fleet's axes\nkvm.tdp_mmu={0,1}\n\nkvm_amd.sev={0,1} # SEV hosts\n"
			 "kvm.halt_poll_ns=0;kvm.nx_huge_pages={off,force}\n");

	ck_assert_uint_eq(m->n_axes, 4);
	ck_assert_uint_eq(m->axes[2].n_values, 1);
	ck_assert_str_eq(m->axes[2].values[0], "0");
	ck_assert_str_eq(m->axes[3].values[1], "force");
	ck_assert_uint_eq(matrix_n_configs(m), 8);
	matrix_free(m);
}
END_TEST

static void parse_bad(const char *text, unsigned int line, unsigned int col, const char *msg,
		      int err)
{
	struct matrix_error e = {};
	struct matrix *m;

	ck_assert_int_eq(matrix_new(&m), 0);
	ck_assert_int_eq(matrix_parse(m, text, &e), err);
	ck_assert_msg(e.line == line && e.column == col, "%s: at %u:%u, want %u:%u", text, e.line,
		      e.column, line, col);
	ck_assert_ptr_nonnull(strstr(e.message, msg));
	matrix_free(m);
}

START_TEST(test_parse_errors)
{
	parse_bad("kvm.tdp_mmu={0,1", 1, 17, "expected ',' or '}'", -EINVAL);
	parse_bad("kvm.tdp_mmu={0,1} x", 1, 20, "expected an axis after 'x'", -EINVAL);
	parse_bad("kvm.tdp_mmu={0,1} kvm.npt=1", 1, 19, "expected 'x'", -EINVAL);
	parse_bad("kvm.tdp_mmu={}", 1, 14, "expected a value", -EINVAL);
	parse_bad("kvm.tdp_mmu={0,0}", 1, 17, "twice", -EINVAL);
	parse_bad("kvm tdp_mmu=1", 1, 4, "expected '.'", -EINVAL);
	parse_bad("kvm.tdp_mmu", 1, 12, "expected '='", -EINVAL);
	parse_bad("kvm.tdp_mmu=1\nkvm.tdp_mmu=0", 2, 1, "given twice", -EEXIST);
	parse_bad("\n\n  =1", 3, 3, "expected module.param=", -EINVAL);
}
END_TEST

START_TEST(test_apply_host)
{
	struct matrix *m =
		parse_ok("kvm.tdp_mmu={0,1} x kvm_amd.npt={0,1} x kvm_intel.ept={0,1} x "
			 "kvm_amd.sev={0,1} x kvm.nosuch=1 x vfio.x=1 x kvm_amd.sev_es=1");
	char *kvm[] = { "tdp_mmu", "mmio_caching", NULL },
	     *amd[] = { "npt", "sev", "sev_es", NULL };
	struct matrix_host h = {
		.vendor_module = "kvm_amd", .kvm_params = kvm, .vendor_params = amd, .cpu_sev = true
	};

	ck_assert_int_eq(matrix_apply_host(m, &h), 4);
	ck_assert_ptr_null(m->axes[0].note);
	ck_assert_ptr_null(m->axes[1].note);
	ck_assert_ptr_nonnull(strstr(m->axes[2].note, "this host uses kvm_amd"));
	ck_assert_ptr_null(m->axes[3].note);
	ck_assert_ptr_nonnull(strstr(m->axes[4].note, "no parameter 'nosuch'"));
	ck_assert_ptr_nonnull(strstr(m->axes[5].note, "not a module the runner reloads"));
	ck_assert_ptr_nonnull(strstr(m->axes[6].note, "'sev_es' flag"));
	ck_assert_uint_eq(matrix_n_active(m), 3);
	ck_assert_uint_eq(matrix_n_configs(m), 8);
	matrix_free(m);
}
END_TEST

START_TEST(test_cpuinfo)
{
	struct cpu_facts f;

	ck_assert_int_eq(cpuinfo_parse("processor\t: 0\nvendor_id\t: AuthenticAMD\n"
				       "flags\t\t: fpu svm npt sev sev_es\n\nprocessor\t: 1\n",
				       &f),
			 0);
	ck_assert_str_eq(f.vendor_module, "kvm_amd");
	ck_assert(f.svm && f.sev && f.sev_es && !f.vmx);
	ck_assert_int_eq(
		cpuinfo_parse("vendor_id\t: GenuineIntel\nflags\t\t: vmx ept sev_esx\n", &f), 0);
	ck_assert_str_eq(f.vendor_module, "kvm_intel");
	ck_assert(f.vmx && !f.svm && !f.sev_es);
	ck_assert_int_eq(cpuinfo_parse("processor\t: 0\n", &f), -EBADMSG);
}
END_TEST

/* A kvm-selftests report as the runner writes it (schema_version 1), shortened. */
static const char report_text[] =
	"{\"schema_version\": 1, \"runner\": {\"exit_code\": 1},\n"
	" \"tests\": [\n"
	"  {\"id\": \"basic:guest_smoke_test\", \"name\": \"guest_smoke_test\", \"result\": \"pass\",\n"
	"   \"reason\": null, \"duration\": 0.154,\n"
	"   \"subtests\": [{\"result\": \"pass\"}, {\"result\": \"pass\"}]},\n"
	"  {\"id\": \"config:tdp_reality\", \"name\": \"tdp_reality\", \"result\": \"fail\",\n"
	"   \"reason\": \"kvm.tdp_mmu=Y claims the TDP MMU\", \"duration\": 1.5,\n"
	"   \"subtests\": [{\"result\": \"pass\"}, {\"result\": \"fail\"}, {\"result\": \"skip\"}]},\n"
	"  {\"id\": \"x:hang\", \"name\": \"hang\", \"result\": \"timeout\", \"reason\": \"timed out\",\n"
	"   \"subtests\": [{\"result\": \"timeout\"}]}]}\n";

START_TEST(test_parse_report)
{
	struct config_test *t = NULL;
	size_t n = 0;
	char *why = NULL;
	int code = -1;

	ck_assert_int_eq(
		selftests_parse_report(report_text, sizeof(report_text) - 1, &t, &n, &code, &why),
		0);
	ck_assert_int_eq(code, 1);
	ck_assert_uint_eq(n, 3);
	ck_assert_str_eq(t[0].id, "basic:guest_smoke_test");
	ck_assert_str_eq(t[0].name, "guest_smoke_test");
	ck_assert_str_eq(t[0].result, "pass");
	ck_assert_ptr_null(t[0].reason);
	ck_assert_uint_eq(t[0].passed, 2);
	ck_assert(!config_test_failed(&t[0]));
	ck_assert_str_eq(t[1].reason, "kvm.tdp_mmu=Y claims the TDP MMU");
	ck_assert(t[1].passed == 1 && t[1].failed == 1 && t[1].skipped == 1);
	ck_assert(config_test_failed(&t[1]));
	ck_assert(config_test_failed(&t[2]));
	ck_assert_uint_eq(t[2].failed, 1);
	for (size_t i = 0; i < n; i++)
		config_test_clear(&t[i]);
	free(t);
}
END_TEST

static void parse_report_bad(const char *text, const char *want)
{
	size_t len = strlen(text);
	struct config_test *t = (struct config_test *)1;
	size_t n = 7;
	char *why = NULL;
	int code = -1;

	ck_assert_int_eq(selftests_parse_report(text, len, &t, &n, &code, &why), -EBADMSG);
	ck_assert_msg(why && strstr(why, want), "%s: why '%s', want '%s'", text, why, want);
	ck_assert_ptr_eq(t, (struct config_test *)1);
	ck_assert_uint_eq(n, 7);
	free(why);
}

START_TEST(test_parse_report_bad)
{
	static const char raw_ff[] = "{\"schema_version\": 1, \"runner\": {\"exit_code\": 0},"
				     " \"tests\": [], \"x\": \"\xff\"}";

	/* Strict: a byte that is not UTF-8 is not taken, however it got there. */
	parse_report_bad(raw_ff, "its JSON report:");
	parse_report_bad("{\"runner\": {\"exit_code\": 0}, \"tests\": []}", "schema_version 1");
	parse_report_bad("{\"schema_version\": 2, \"runner\": {\"exit_code\": 0}, \"tests\": []}",
			 "schema_version 1");
	parse_report_bad("{\"schema_version\": 1, \"tests\": []}", "no runner.exit_code");
	parse_report_bad("{\"schema_version\": 1, \"runner\": {\"exit_code\": 0}, \"tests\": [{}]}",
			 "without id");
	parse_report_bad("{\"schema_version\": 1} x", "its JSON report:");
}
END_TEST

/*
 * matrix.json must stay valid JSON whatever the strings hold: a 0xff in a
 * failure reason (it once made the file invalid), quotes and controls.
 */
START_TEST(test_report_json_strict)
{
	char *assign[] = { "kvm.mmio_caching=\"1\"\x1b" };
	struct config_test tr = {
		.id = "a:t", .name = "t", .result = "fail", .reason = "bad \xff byte \"q\"\n"
	};
	struct config_result c = { .assign = assign,
				   .n_assign = 1,
				   .tests = &tr,
				   .n_tests = 1,
				   .tests_ran = true,
				   .runner_exit = 1 };
	struct matrix_report r = { .vendor_module = "kvm_amd", .configs = &c, .n_configs = 1 };
	struct json_object *doc = report_json(&r), *back, *v;
	struct json_tokener *tok = json_tokener_new();
	char *text;

	ck_assert_ptr_nonnull(doc);
	text = kvmcfg_json_serialize(doc, JSON_C_TO_STRING_PRETTY);
	ck_assert_ptr_nonnull(text);
	ck_assert_ptr_null(memchr(text, 0xff, strlen(text)));
	json_tokener_set_flags(tok, JSON_TOKENER_STRICT | JSON_TOKENER_VALIDATE_UTF8);
	back = json_tokener_parse_ex(tok, text, strlen(text));
	ck_assert_msg(back != NULL, "invalid JSON: %s", text);
	v = json_object_array_get_idx(json_object_object_get(back, "configs"), 0);
	ck_assert(!json_object_get_boolean(json_object_object_get(v, "ok")));
	ck_assert_str_eq(json_object_get_string(json_object_object_get(
				 json_object_object_get(v, "params"), "kvm.mmio_caching")),
			 "\"1\"\x1b");
	v = json_object_array_get_idx(json_object_object_get(v, "tests"), 0);
	ck_assert_str_eq(json_object_get_string(json_object_object_get(v, "reason")),
			 "bad \xef\xbf\xbd byte \"q\"\n");
	ck_assert_int_eq(json_object_get_int(json_object_object_get(back, "schema_version")), 1);
	json_object_put(back);
	json_object_put(doc);
	json_tokener_free(tok);
	free(text);
}
END_TEST

START_TEST(test_config_ok)
{
	struct config_test skip = { .id = "a:s", .name = "s", .result = "skip" };
	struct config_result c = { .tests = &skip, .n_tests = 1, .tests_ran = true };

	/* The runner's exit status is the judgement: 0 ok, 4 all skipped, else not. */
	ck_assert(config_result_ok(&c));
	c.runner_exit = 4;
	ck_assert(config_result_ok(&c));
	c.runner_exit = 1;
	ck_assert(!config_result_ok(&c));
	c.runner_exit = 0;
	c.runner_error = "kvm-selftests exit status 2: no test matches";
	ck_assert(!config_result_ok(&c));
	c.runner_error = NULL;
	c.load_error = "modprobe failed";
	ck_assert(!config_result_ok(&c));
}
END_TEST

START_TEST(test_default_runner)
{
	char *root = fake_sysfs_new(), *exe_dir, *installed, *r;

	ck_assert_int_ge(asprintf(&exe_dir, "%s/bin", root), 0);
	ck_assert_int_ge(asprintf(&installed, "%s/usr/bin/kvm-selftests", root), 0);
	/* In the build tree: the runner built there. */
	r = selftests_default_runner("/b/tools/matrix", "/b/tools/matrix",
				     "/b/tools/runner/kvm-selftests", installed);
	ck_assert_str_eq(r, "/b/tools/runner/kvm-selftests");
	free(r);
	/* Nothing beside, nothing installed: PATH. */
	r = selftests_default_runner(exe_dir, "/b/tools/matrix", "/b/r", installed);
	ck_assert_str_eq(r, "kvm-selftests");
	free(r);
	/* Installed at the configured path. */
	fake_sysfs_put(root, "usr/bin/kvm-selftests", "#!/bin/sh\n", 0755);
	r = selftests_default_runner(exe_dir, "/b/tools/matrix", "/b/r", installed);
	ck_assert_str_eq(r, installed);
	free(r);
	/* Beside this program (a DESTDIR tree) wins over the configured path. */
	fake_sysfs_put(root, "bin/kvm-selftests", "#!/bin/sh\n", 0755);
	r = selftests_default_runner(exe_dir, "/b/tools/matrix", "/b/r", installed);
	ck_assert_ptr_nonnull(strstr(r, "/bin/kvm-selftests"));
	ck_assert_ptr_null(strstr(r, "/usr/"));
	free(r);
	free(exe_dir);
	free(installed);
	fake_sysfs_free(root);
}
END_TEST

/*
 * The host readers on a fake /sys: they list and probe through libkvmcfg's
 * one param reader (param.h) and add only what the matrix needs on top,
 * the built-in test (a module directory without initstate).
 */
static int open_root(const char *root)
{
	int fd = open(root, O_RDONLY | O_DIRECTORY | O_CLOEXEC);

	ck_assert_int_ge(fd, 0);
	return fd;
}

START_TEST(test_module_state)
{
	char *root = fake_sysfs_new();
	enum module_state st;
	int fd;

	fake_sysfs_param(root, "kvm", "tdp_mmu", "N");
	fake_sysfs_param(root, "kvm_intel", "ept", "Y");
	fake_sysfs_put(root, "module/kvm_intel/initstate", "live\n", 0444);
	fd = open_root(root);
	ck_assert_int_eq(module_state_at(fd, "kvm", &st), 0);
	ck_assert_int_eq(st, MODULE_BUILTIN);
	ck_assert_int_eq(module_state_at(fd, "kvm_intel", &st), 0);
	ck_assert_int_eq(st, MODULE_LOADED);
	ck_assert_int_eq(module_state_at(fd, "kvm_amd", &st), 0);
	ck_assert_int_eq(st, MODULE_ABSENT);
	close(fd);
	fake_sysfs_free(root);
}
END_TEST

START_TEST(test_builtin_modules)
{
	char *root = fake_sysfs_new(), **v = (char **)1;
	int fd;

	/* Built in: kvm, kvm_pvm, vfio (not kvm*); loaded as a module: kvm_intel. */
	fake_sysfs_param(root, "kvm_pvm", "x", "1");
	fake_sysfs_param(root, "kvm", "tdp_mmu", "N");
	fake_sysfs_param(root, "vfio", "x", "1");
	fake_sysfs_param(root, "kvm_intel", "ept", "Y");
	fake_sysfs_put(root, "module/kvm_intel/initstate", "live\n", 0444);
	fd = open_root(root);
	ck_assert_int_eq(builtin_kvm_modules_at(fd, &v), 2);
	ck_assert_str_eq(v[0], "kvm");
	ck_assert_str_eq(v[1], "kvm_pvm");
	ck_assert_ptr_null(v[2]);
	strv_free(v);
	close(fd);
	fake_sysfs_free(root);

	/* None built in: an empty vector, not NULL. */
	root = fake_sysfs_new();
	fake_sysfs_param(root, "kvm", "tdp_mmu", "N");
	fake_sysfs_put(root, "module/kvm/initstate", "live\n", 0444);
	fd = open_root(root);
	ck_assert_int_eq(builtin_kvm_modules_at(fd, &v), 0);
	ck_assert_ptr_nonnull(v);
	ck_assert_ptr_null(v[0]);
	strv_free(v);
	close(fd);
	fake_sysfs_free(root);

	/* No module directory at all: the error, and *ret untouched. */
	root = fake_sysfs_new();
	fd = open_root(root);
	v = (char **)1;
	ck_assert_int_eq(builtin_kvm_modules_at(fd, &v), -ENOENT);
	ck_assert_ptr_eq(v, (char **)1);
	close(fd);
	fake_sysfs_free(root);
}
END_TEST

/* A fake host: <root>/sys and <root>/proc, AMD with svm unless @flags says otherwise. */
static char *fake_host(const char *flags, bool kvm_builtin)
{
	char *root = fake_sysfs_new(), cpuinfo[256];

	snprintf(cpuinfo, sizeof(cpuinfo),
		 "processor\t: 0\nvendor_id\t: AuthenticAMD\nflags\t\t: %s\n", flags);
	fake_sysfs_put(root, "proc/cpuinfo", cpuinfo, 0444);
	fake_sysfs_put(root, "sys/module/kvm/parameters/tdp_mmu", "Y\n", 0444);
	fake_sysfs_put(root, "sys/module/kvm_pvm/parameters/x", "1\n", 0444);
	if (!kvm_builtin)
		fake_sysfs_put(root, "sys/module/kvm/initstate", "live\n", 0444);
	return root;
}

/* <root>/sys opened, and the two roots' paths into @sys and @proc (4096 bytes each). */
static int open_host(const char *root, char *sys, char *proc)
{
	snprintf(sys, 4096, "%s/sys", root);
	snprintf(proc, 4096, "%s/proc", root);
	return open_root(sys);
}

static struct preflight host_verdict(const char *root, struct cpu_facts *cpu)
{
	char sys[4096], proc[4096];
	struct preflight p = {};
	int fd = open_host(root, sys, proc);

	ck_assert_int_eq(preflight_host(fd, sys, proc, cpu, &p), 0);
	close(fd);
	return p;
}

START_TEST(test_preflight_host)
{
	char *root = fake_host("fpu svm npt", false);
	struct cpu_facts cpu;
	struct preflight p = host_verdict(root, &cpu);

	ck_assert_int_eq(p.verdict, PREFLIGHT_OK);
	ck_assert_ptr_null(p.reason);
	ck_assert_str_eq(cpu.vendor_module, "kvm_amd");
	fake_sysfs_free(root);

	/* Built in (a PVM host: kvm and kvm_pvm without initstate): says which, and why not. */
	root = fake_host("fpu svm", true);
	p = host_verdict(root, &cpu);
	ck_assert_int_eq(p.verdict, PREFLIGHT_UNSUPPORTED);
	ck_assert_ptr_nonnull(strstr(p.reason, "built into this kernel"));
	ck_assert_ptr_nonnull(strstr(p.reason, "built in: kvm kvm_pvm)"));
	ck_assert_str_eq(cpu.vendor_id, "AuthenticAMD"); /* known all the same, for the plan */
	preflight_clear(&p);
	fake_sysfs_free(root);

	/* No svm flag. */
	root = fake_host("fpu sse", false);
	p = host_verdict(root, &cpu);
	ck_assert_int_eq(p.verdict, PREFLIGHT_UNSUPPORTED);
	ck_assert_ptr_nonnull(strstr(p.reason, "shows no 'svm' flag"));
	preflight_clear(&p);

	/* The vendor module built in. */
	fake_sysfs_put(root, "proc/cpuinfo", "vendor_id\t: AuthenticAMD\nflags\t\t: svm\n", 0444);
	fake_sysfs_put(root, "sys/module/kvm_amd/parameters/npt", "Y\n", 0444);
	p = host_verdict(root, &cpu);
	ck_assert_int_eq(p.verdict, PREFLIGHT_UNSUPPORTED);
	ck_assert_ptr_nonnull(strstr(p.reason, "kvm_amd is built into this kernel"));
	preflight_clear(&p);

	/* An unknown vendor. */
	fake_sysfs_put(root, "proc/cpuinfo", "vendor_id\t: SomeNewVendor\nflags\t\t: vmx\n", 0444);
	p = host_verdict(root, &cpu);
	ck_assert_int_eq(p.verdict, PREFLIGHT_UNSUPPORTED);
	ck_assert_ptr_nonnull(strstr(p.reason, "'SomeNewVendor' has no KVM vendor module"));
	preflight_clear(&p);
	fake_sysfs_free(root);
}
END_TEST

static struct preflight users_verdict(const char *root)
{
	char sys[4096], proc[4096];
	struct preflight p = {};
	int fd = open_host(root, sys, proc);

	ck_assert_int_eq(preflight_users(fd, proc, 1, &p), 0);
	close(fd);
	return p;
}

static void holder(const char *root, int pid, const char *comm, const char *target)
{
	char rel[64], path[4096];

	snprintf(rel, sizeof(rel), "proc/%d/comm", pid);
	fake_sysfs_put(root, rel, comm, 0444);
	snprintf(path, sizeof(path), "%s/proc/%d/fd", root, pid);
	ck_assert_int_eq(mkdir(path, 0755), 0);
	strcat(path, "/3");
	ck_assert_int_eq(symlink(target, path), 0);
}

START_TEST(test_preflight_users)
{
	char *root = fake_host("svm", false);
	struct preflight p = users_verdict(root);

	/* Only ourselves (pid 1 here) and nobody else: go. */
	holder(root, 1, "self\n", "/dev/kvm");
	preflight_clear(&p);
	p = users_verdict(root);
	ck_assert_int_eq(p.verdict, PREFLIGHT_OK);
	ck_assert_uint_eq(p.n_lines, 0);

	holder(root, 4242, "qemu-vm\n", "anon_inode:kvm-vm");
	holder(root, 4343, "kvm-open\n", "/dev/kvm");
	p = users_verdict(root);
	ck_assert_int_eq(p.verdict, PREFLIGHT_REFUSED);
	ck_assert_ptr_nonnull(strstr(p.reason, "--force overrides"));
	ck_assert_uint_eq(p.n_lines, 2);
	/* In the order /proc lists them. */
	ck_assert(!strcmp(p.lines[0], "pid 4242 (qemu-vm) holds a VM (anon_inode:kvm-vm)") ||
		  !strcmp(p.lines[1], "pid 4242 (qemu-vm) holds a VM (anon_inode:kvm-vm)"));
	ck_assert(!strcmp(p.lines[0], "pid 4343 (kvm-open) holds /dev/kvm open") ||
		  !strcmp(p.lines[1], "pid 4343 (kvm-open) holds /dev/kvm open"));
	preflight_clear(&p);
	fake_sysfs_free(root);

	/* A VM only debugfs knows of; one the fd scan saw is not counted twice. */
	root = fake_host("svm", false);
	holder(root, 4242, "qemu-vm\n", "anon_inode:kvm-vm");
	fake_sysfs_put(root, "sys/kernel/debug/kvm/4242-11/vcpu0", "", 0444);
	fake_sysfs_put(root, "sys/kernel/debug/kvm/5151-12/vcpu0", "", 0444);
	p = users_verdict(root);
	ck_assert_int_eq(p.verdict, PREFLIGHT_REFUSED);
	ck_assert_uint_eq(p.n_lines, 2);
	ck_assert_str_eq(p.lines[1], "debugfs lists a VM of pid 5151 (kernel/debug/kvm)");
	preflight_clear(&p);
	fake_sysfs_free(root);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("matrix");
	TCase *tc = tcase_create("pure");
	TCase *tc_sysfs = tcase_create("sysfs");

	tcase_add_test(tc, test_parse_product);
	tcase_add_test(tc, test_parse_file_form);
	tcase_add_test(tc, test_parse_errors);
	tcase_add_test(tc, test_apply_host);
	tcase_add_test(tc, test_cpuinfo);
	tcase_add_test(tc, test_parse_report);
	tcase_add_test(tc, test_parse_report_bad);
	tcase_add_test(tc, test_report_json_strict);
	tcase_add_test(tc, test_config_ok);
	suite_add_tcase(s, tc);
	tcase_add_test(tc_sysfs, test_module_state);
	tcase_add_test(tc_sysfs, test_builtin_modules);
	tcase_add_test(tc_sysfs, test_default_runner);
	tcase_add_test(tc_sysfs, test_preflight_host);
	tcase_add_test(tc_sysfs, test_preflight_users);
	suite_add_tcase(s, tc_sysfs);
	return check_run(s);
}
