// SPDX-License-Identifier: GPL-2.0-only
/*
 * Unit tests for the runner: list/settings parsing, escaping, verdicts, and
 * exec_run()'s error paths through its test seam (struct exec_sys) on the
 * fake binaries (argv[1] is their directory).
 */
#include "check-run.h"
#include <check.h>
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "catalog.h"
#include "xml-escape.h"
#include "exec.h"
#include "json-out.h"
#include "proc.h"
#include "report.h"
#include "run.h"
#include "test.h"

#define EXIT_STATUS(code) ((code) << 8)

START_TEST(list_lines)
{
	char *c = NULL, *n = NULL;

	ck_assert_int_eq(catalog_parse_list_line("basic:guest_smoke_test\n", &c, &n), 0);
	ck_assert_str_eq(c, "basic");
	ck_assert_str_eq(n, "guest_smoke_test");
	free(c);
	free(n);
	ck_assert_int_eq(catalog_parse_list_line("\n", &c, &n), 1);
	ck_assert_int_eq(catalog_parse_list_line("# comment\n", &c, &n), 1);
	/* A path or an empty part would let a list name files outside the suite. */
	ck_assert_int_eq(catalog_parse_list_line("basic\n", &c, &n), -EINVAL);
	ck_assert_int_eq(catalog_parse_list_line(":x\n", &c, &n), -EINVAL);
	ck_assert_int_eq(catalog_parse_list_line("a:\n", &c, &n), -EINVAL);
	ck_assert_int_eq(catalog_parse_list_line("..:x\n", &c, &n), -EINVAL);
	ck_assert_int_eq(catalog_parse_list_line("a:../../bin/sh\n", &c, &n), -EINVAL);
	ck_assert_int_eq(catalog_parse_list_line("a:x/../../sh\n", &c, &n), -EINVAL);
	ck_assert_int_eq(catalog_parse_list_line("a:/bin/sh\n", &c, &n), -EINVAL);
	ck_assert_int_eq(catalog_parse_list_line("a/:x\n", &c, &n), -EINVAL);
	ck_assert_int_eq(catalog_parse_list_line("a//b:x\n", &c, &n), -EINVAL);
	ck_assert_int_eq(catalog_parse_list_line("a:b:c\n", &c, &n), -EINVAL);
	/* Collections and tests in subdirectories, as the kernel installs them. */
	ck_assert_int_eq(catalog_parse_list_line("net/forwarding:a.sh\n", &c, &n), 0);
	ck_assert_str_eq(c, "net/forwarding");
	free(c);
	free(n);
	ck_assert_int_eq(catalog_parse_list_line("kvm:x86_64/cpuid_test\n", &c, &n), 0);
	ck_assert_str_eq(n, "x86_64/cpuid_test");
	free(c);
	free(n);
}
END_TEST

START_TEST(settings_text)
{
	struct catalog_settings set = { .timeout = 99 };
	unsigned int bad = 0;

	ck_assert_int_eq(catalog_parse_settings("# c\ntimeout=60\n", &set, &bad), 0);
	ck_assert_uint_eq(set.timeout, 60);
	ck_assert(!set.require_tap);
	ck_assert_int_eq(catalog_parse_settings("other=1\nrequire_tap=1\n", &set, &bad), 0);
	ck_assert_uint_eq(set.timeout, 0);
	ck_assert(set.require_tap);
	ck_assert_int_eq(catalog_parse_settings("require_tap=0\n", &set, &bad), 0);
	ck_assert(!set.require_tap);
	ck_assert_int_eq(catalog_parse_settings("x=1\ntimeout=abc\n", &set, &bad), -EINVAL);
	ck_assert_uint_eq(bad, 2);
	ck_assert_int_eq(catalog_parse_settings("timeout=0\n", &set, &bad), -EINVAL);
	ck_assert_int_eq(catalog_parse_settings("timeout=5 \n", &set, &bad), -EINVAL);
	ck_assert_int_eq(catalog_parse_settings("\nrequire_tap=yes\n", &set, &bad), -EINVAL);
	ck_assert_uint_eq(bad, 2);
	ck_assert_int_eq(catalog_parse_settings("require_tap=\n", &set, &bad), -EINVAL);
}
END_TEST

static void write_file(const char *dir, const char *name, const char *text)
{
	char path[256];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	f = fopen(path, "we");
	ck_assert_ptr_nonnull(f);
	fputs(text, f);
	fclose(f);
}

/* Load the suite in @dir, select with @globs and @full, and return the ids in order. */
static char *selected(const char *dir, char *const *globs, bool full)
{
	struct catalog *c = NULL;
	char *err = NULL, *ids = NULL;
	size_t len = 0, i;
	FILE *f = open_memstream(&ids, &len);

	ck_assert_int_eq(catalog_load(&c, dir, &err), 0);
	catalog_filter(c, globs, full);
	for (i = 0; i < c->n_tests; i++)
		fprintf(f, "%s%s", i ? " " : "", c->tests[i]->id);
	fclose(f);
	catalog_free(c);
	return ids;
}

START_TEST(full_only_tests)
{
	char dir[] = "/tmp/runner-catalog-XXXXXX", sub[64], *ids, *err = NULL;
	char *stress[] = { "stress:*", NULL }, *any[] = { "*", NULL }, *mmio[] = { "mmio:*", NULL };
	struct catalog *c = NULL;

	ck_assert_ptr_nonnull(mkdtemp(dir));
	write_file(dir, "kselftest-list.txt", "basic:smoke\nmmio:access\n");
	write_file(dir, "full-list.txt", "# long\nstress:churn\n");
	snprintf(sub, sizeof(sub), "%s/stress", dir);
	ck_assert_int_eq(mkdir(sub, 0700), 0);
	write_file(sub, "settings", "timeout=600\n");

	ck_assert_int_eq(catalog_load(&c, dir, &err), 0);
	ck_assert_uint_eq(c->n_tests, 3);
	ck_assert(!c->tests[0]->full_only && !c->tests[1]->full_only && c->tests[2]->full_only);
	ck_assert_uint_eq(c->tests[2]->timeout, 600);
	ck_assert_uint_eq(c->tests[0]->timeout, CATALOG_DEFAULT_TIMEOUT);
	c = catalog_free(c);

	/* Only --full, or a filter that names them, selects the long tests. */
	ids = selected(dir, NULL, false);
	ck_assert_str_eq(ids, "basic:smoke mmio:access");
	free(ids);
	ids = selected(dir, NULL, true);
	ck_assert_str_eq(ids, "basic:smoke mmio:access stress:churn");
	free(ids);
	ids = selected(dir, stress, false);
	ck_assert_str_eq(ids, "stress:churn");
	free(ids);
	ids = selected(dir, any, false);
	ck_assert_str_eq(ids, "basic:smoke mmio:access stress:churn");
	free(ids);
	ids = selected(dir, mmio, true);
	ck_assert_str_eq(ids, "mmio:access");
	free(ids);

	/* A malformed full list is an error with file:line, like the main list. */
	write_file(dir, "full-list.txt", "stress:churn\nno-colon\n");
	ck_assert_int_eq(catalog_load(&c, dir, &err), -EBADMSG);
	ck_assert_ptr_nonnull(strstr(err, "full-list.txt:2:"));
	free(err);

	snprintf(sub, sizeof(sub), "%s/stress/settings", dir);
	unlink(sub);
	snprintf(sub, sizeof(sub), "%s/stress", dir);
	rmdir(sub);
	snprintf(sub, sizeof(sub), "%s/full-list.txt", dir);
	unlink(sub);
	snprintf(sub, sizeof(sub), "%s/kselftest-list.txt", dir);
	unlink(sub);
	rmdir(dir);
}
END_TEST

/* The 6.1 KVM selftests' nested x86_64/ and collections in subdirectories. */
START_TEST(nested_layout)
{
	char dir[] = "/tmp/runner-nested-XXXXXX", p[160], *err = NULL;
	char *by_base[] = { "cpuid_test", NULL };
	static const char *const dirs[] = { "kvm", "kvm/x86_64", "net", "net/fwd" };
	static const char *const files[] = { "kvm/x86_64/cpuid_test", "kvm/x86_64/smm_test",
					     "kvm/settings", "net/fwd/settings" };
	struct catalog *c = NULL;
	size_t i;

	ck_assert_ptr_nonnull(mkdtemp(dir));
	for (i = 0; i < 4; i++) {
		snprintf(p, sizeof(p), "%s/%s", dir, dirs[i]);
		ck_assert_int_eq(mkdir(p, 0700), 0);
	}
	for (i = 0; i < 2; i++)
		write_file(dir, files[i], "");
	write_file(dir, "kvm/settings", "timeout=120\n");
	write_file(dir, "net/fwd/settings", "timeout=7\nrequire_tap=1\n");
	write_file(dir, "kselftest-list.txt",
		   "kvm:x86_64/cpuid_test\nkvm:smm_test\nkvm:gone\nnet/fwd:a.sh\n");
	ck_assert_int_eq(catalog_load(&c, dir, &err), 0);
	ck_assert_uint_eq(c->n_tests, 4);
	snprintf(p, sizeof(p), "%s/kvm/x86_64/cpuid_test", c->dir);
	ck_assert_str_eq(c->tests[0]->path, p);
	ck_assert_str_eq(test_basename(c->tests[0]), "cpuid_test");
	ck_assert_uint_eq(c->tests[0]->timeout, 120);
	ck_assert(!c->tests[0]->require_tap);
	/* Listed by its bare name (the 6.1 tree's own list), found one level down. */
	snprintf(p, sizeof(p), "%s/kvm/x86_64/smm_test", c->dir);
	ck_assert_str_eq(c->tests[1]->path, p);
	/* Not there at all: the listed place, reported as not installed when run. */
	snprintf(p, sizeof(p), "%s/kvm/gone", c->dir);
	ck_assert_str_eq(c->tests[2]->path, p);
	ck_assert_str_eq(c->tests[3]->id, "net/fwd:a.sh");
	ck_assert_uint_eq(c->tests[3]->timeout, 7);
	ck_assert(c->tests[3]->require_tap);
	/* A filter on the file name selects a test listed with its directory. */
	catalog_filter(c, by_base, false);
	ck_assert_uint_eq(c->n_tests, 1);
	ck_assert_str_eq(c->tests[0]->id, "kvm:x86_64/cpuid_test");
	catalog_free(c);

	for (i = 4; i-- > 0;) {
		snprintf(p, sizeof(p), "%s/%s", dir, files[i]);
		unlink(p);
	}
	snprintf(p, sizeof(p), "%s/kselftest-list.txt", dir);
	unlink(p);
	for (i = 4; i-- > 0;) {
		snprintf(p, sizeof(p), "%s/%s", dir, dirs[i]);
		rmdir(p);
	}
	rmdir(dir);
}
END_TEST

static char *escaped(void (*fn)(FILE *, const char *, size_t), const char *s, size_t len)
{
	char *buf = NULL;
	size_t sz = 0;
	FILE *f = open_memstream(&buf, &sz);

	fn(f, s, len);
	fclose(f);
	return buf;
}

static void xml_text(FILE *f, const char *s, size_t len)
{
	escape_xml(f, s, len, false);
}

static void xml_attr(FILE *f, const char *s, size_t len)
{
	escape_xml(f, s, len, true);
}

START_TEST(escaping)
{
	char *out;

	out = escaped(xml_text, "<a & \"b\">\n\x1b[31m", 15);
	ck_assert_str_eq(out, "&lt;a &amp; &quot;b&quot;&gt;\n[31m");
	free(out);
	out = escaped(xml_attr, "x\ny", 3);
	ck_assert_str_eq(out, "x&#10;y");
	free(out);
}
END_TEST

/*
 * The JSON report of a test that printed what no JSON may hold raw: a 0xff
 * byte, an overlong '/', a surrogate, ESC, DEL, a C1 control and U+2028.
 * A strict UTF-8-validating reader must take it, with every bad byte as
 * U+FFFD, and the schema version must be there.
 */
START_TEST(json_report_valid)
{
	static const char out[] =
		"ok 1 a\xff\"b\\\n\x1b[31m\x7f\xc2\x9b\xe2\x80\xa8\xc0\xaf\xed\xa0\x80\n";
	char path[] = "/tmp/runner-units-json-XXXXXX", *text = NULL;
	struct hostinfo host = { .hostname = "h\xff" };
	struct test *t = NULL, *tests[1];
	struct json_tokener *tok;
	struct json_object *doc, *o, *st;
	size_t len = 0;
	FILE *f;
	int fd;

	ck_assert_int_eq(test_new(&t, "c", "n", "/x/n", 10), 0);
	ck_assert_int_eq(test_feed(t, out, sizeof(out) - 1), 0);
	t->started = true;
	ck_assert_int_eq(test_finish(t), 0);
	tests[0] = t;
	fd = mkstemp(path);
	ck_assert_int_ge(fd, 0);
	close(fd);
	ck_assert_int_eq(
		report_json_write(
			&(struct run){ .tests = tests, .n_tests = 1, .dir = "/d", .host = &host },
			path),
		0);
	f = fopen(path, "re");
	ck_assert_ptr_nonnull(f);
	ck_assert_int_gt(getdelim(&text, &len, '\0', f), 0);
	fclose(f);
	unlink(path);
	ck_assert_ptr_null(memchr(text, 0xff, strlen(text)));
	ck_assert_ptr_null(memchr(text, 0x1b, strlen(text)));
	ck_assert_ptr_nonnull(strstr(text, "\\u2028"));
	tok = json_tokener_new();
	json_tokener_set_flags(tok, JSON_TOKENER_STRICT | JSON_TOKENER_VALIDATE_UTF8);
	doc = json_tokener_parse_ex(tok, text, strlen(text));
	ck_assert_msg(doc != NULL, "invalid JSON: %s", text);
	ck_assert(json_object_object_get_ex(doc, "schema_version", &o));
	ck_assert_int_eq(json_object_get_int(o), 1);
	ck_assert(json_object_object_get_ex(doc, "tests", &o));
	st = json_object_array_get_idx(o, 0);
	ck_assert(json_object_object_get_ex(st, "output", &o));
	ck_assert_str_eq(json_object_get_string(o),
			 "ok 1 a\xef\xbf\xbd\"b\\\n\x1b[31m\x7f\xc2\x9b\xe2\x80\xa8"
			 "\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd\n");
	ck_assert(json_object_object_get_ex(doc, "host", &o));
	ck_assert(json_object_object_get_ex(o, "hostname", &o));
	ck_assert_str_eq(json_object_get_string(o), "h\xef\xbf\xbd");
	json_object_put(doc);
	json_tokener_free(tok);
	free(text);
	test_free(t);
}
END_TEST

static struct test *fed_as(const char *out, int status, bool require_tap)
{
	struct test *t = NULL;
	size_t i;

	ck_assert_int_eq(test_new(&t, "c", "n", "/x/n", 10), 0);
	t->require_tap = require_tap;
	/* Byte by byte: lines split across reads must parse the same. */
	for (i = 0; out[i]; i++)
		ck_assert_int_eq(test_feed(t, out + i, 1), 0);
	t->wait_status = status;
	ck_assert_int_eq(test_finish(t), 0);
	return t;
}

static struct test *fed(const char *out, int status)
{
	return fed_as(out, status, false);
}

/* Output, exit status and require_tap; the verdict and reason they give. */
static const struct {
	const char *out;
	int status;
	bool require_tap;
	enum verdict verdict;
	const char *reason;
} judged[] = {
	/* kselftest's contract: the exit status decides, TAP adds. */
	{ "1..0 # SKIP - Requirement not met: X\n", EXIT_STATUS(4), false, VERDICT_SKIP,
	  "Requirement not met: X" },
	{ "no KVM_CAP_X\n", EXIT_STATUS(4), false, VERDICT_SKIP, "exited 4 (KSFT_SKIP)" },
	{ "==== Test Assertion Failure ====\n", EXIT_STATUS(254), false, VERDICT_FAIL,
	  "exited with status 254" },
	{ "1..1\nok 1 a\n", EXIT_STATUS(1), false, VERDICT_FAIL, "exited with status 1" },
	{ "1..2\nok 1 a\nBail out! no memory\n", EXIT_STATUS(1), false, VERDICT_FAIL,
	  "bailed out (exit 1)" },
	{ "1..2\nok 1 a\nBail out! no memory\n", EXIT_STATUS(0), false, VERDICT_FAIL,
	  "bailed out (exit 0)" },
	{ "1..1\nnot ok 1 a\n", EXIT_STATUS(1), false, VERDICT_FAIL, "a" },
	{ "1..1\nok 1 a\n", EXIT_STATUS(3), false, VERDICT_FAIL,
	  "exited with status 3 (KSFT_XPASS)" },
	/* A "not ok" fails an exit 0 or 4; exit 4 skips the whole even after passes. */
	{ "1..2\nok 1 a\nnot ok 2 b\n", EXIT_STATUS(0), false, VERDICT_FAIL, "b" },
	{ "1..2\nok 1 a\nnot ok 2 b\n", EXIT_STATUS(4), false, VERDICT_FAIL, "b" },
	{ "1..2\nok 1 a\nok 2 b\n", EXIT_STATUS(4), false, VERDICT_SKIP, "exited 4 (KSFT_SKIP)" },
	/* A plan the results disagree with is no failure under runner.sh... */
	{ "1..3\nok 1 a\n", EXIT_STATUS(0), false, VERDICT_PASS, NULL },
	/* ...but it is, and so is exit 0 or 4 without a result, where require_tap=1. */
	{ "1..3\nok 1 a\n", EXIT_STATUS(0), true, VERDICT_FAIL, NULL },
	{ "guest ran\n", EXIT_STATUS(0), true, VERDICT_FAIL,
	  "exited 0 without reporting any test" },
	{ "no KVM_CAP_X\n", EXIT_STATUS(4), true, VERDICT_FAIL, NULL },
	{ "1..2\nok 1 a\nok 2 b\n", EXIT_STATUS(4), true, VERDICT_SKIP, NULL },
};

START_TEST(verdicts)
{
	struct test *t;
	size_t i;

	t = fed("1..2\nok 1 a\nok 2 b", EXIT_STATUS(0));
	ck_assert_int_eq(t->verdict, VERDICT_PASS);
	ck_assert_uint_eq(t->n_subtests, 2);
	ck_assert_str_eq(t->subtests[1].name, "b");
	test_free(t);

	t = fed("1..0 # SKIP no /dev/kvm\n", EXIT_STATUS(4));
	ck_assert_int_eq(t->verdict, VERDICT_SKIP);
	ck_assert_str_eq(t->reason, "no /dev/kvm");
	test_free(t);

	t = fed("1..2\n#  RUN           f.v.t ...\nok 1 # SKIP why\nnot ok 2 x\n", EXIT_STATUS(1));
	ck_assert_int_eq(t->verdict, VERDICT_FAIL);
	ck_assert_str_eq(t->subtests[0].name, "f.v.t");
	ck_assert_str_eq(t->subtests[0].reason, "why");
	ck_assert_str_eq(t->reason, "x");
	test_free(t);

	t = fed("1..1\nok 1 a\n", SIGABRT);
	ck_assert_int_eq(t->verdict, VERDICT_FAIL);
	ck_assert_ptr_nonnull(strstr(t->reason, "signal 6"));
	test_free(t);

	/* A harness failure says why in its last "# file.c:N:test:message" line. */
	t = fed("1..3\n#  RUN  g.a ...\n# x.c:9:a:not this one\nok 1 g.a\n#  RUN  g.b ...\n"
		"# x.c:10:b:Expected 0 (0) == n (1)\n# x.c:11:b:kvm.tdp_mmu=Y but shadow paging\n"
		"#  FAIL  g.b\nnot ok 2 g.b\n#  RUN  g.c ...\nnot ok 3 g.c\n",
		EXIT_STATUS(1));
	ck_assert_int_eq(t->verdict, VERDICT_FAIL);
	ck_assert_ptr_null(t->subtests[0].reason);
	ck_assert_str_eq(t->subtests[1].reason, "kvm.tdp_mmu=Y but shadow paging");
	ck_assert_str_eq(t->reason, "kvm.tdp_mmu=Y but shadow paging");
	/* A message belongs to the test it was printed under only. */
	ck_assert_ptr_null(t->subtests[2].reason);
	test_free(t);

	/* kselftest's contract: without TAP the exit status decides, one subtest stands for it. */
	t = fed("guest ran\n", EXIT_STATUS(0));
	ck_assert_int_eq(t->verdict, VERDICT_PASS);
	ck_assert_uint_eq(t->n_subtests, 1);
	ck_assert_str_eq(t->subtests[0].name, "n");
	ck_assert_int_eq(t->subtests[0].verdict, VERDICT_PASS);
	test_free(t);
	t = fed("no KVM_CAP_X\n", EXIT_STATUS(4));
	ck_assert_uint_eq(test_count(t, VERDICT_SKIP), 1);
	test_free(t);

	for (i = 0; i < sizeof(judged) / sizeof(judged[0]); i++) {
		t = fed_as(judged[i].out, judged[i].status, judged[i].require_tap);
		ck_assert_msg(t->verdict == judged[i].verdict, "case %zu: %s, not %s", i,
			      verdict_name(t->verdict), verdict_name(judged[i].verdict));
		if (judged[i].reason)
			ck_assert_str_eq(t->reason, judged[i].reason);
		test_free(t);
	}
}
END_TEST

START_TEST(timeout_and_exit_codes)
{
	struct test *t[2] = {};
	struct run r = { .tests = t, .n_tests = 2 };

	ck_assert_int_eq(test_new(&t[0], "c", "a", "/a", 3), 0);
	ck_assert_int_eq(test_new(&t[1], "c", "b", "/b", 3), 0);
	test_feed(t[0], "1..0 # SKIP x\n", strlen("1..0 # SKIP x\n"));
	t[0]->wait_status = EXIT_STATUS(4);
	test_finish(t[0]);
	test_feed(t[1], "1..1\n#  RUN           f.slow ...\n",
		  strlen("1..1\n#  RUN           f.slow ...\n"));
	t[1]->timed_out = true;
	t[1]->wait_status = SIGTERM;
	test_finish(t[1]);
	ck_assert_int_eq(t[1]->verdict, VERDICT_TIMEOUT);
	ck_assert_str_eq(t[1]->reason, "timed out after 3 s in f.slow");
	ck_assert_int_eq(run_exit_code(&r), RUN_EXIT_FAILED);
	r.n_tests = 1;
	ck_assert_int_eq(run_exit_code(&r), RUN_EXIT_ALL_SKIPPED);
	test_free(t[0]);
	test_free(t[1]);
}
END_TEST

/* ---- exec_run() error paths, on the fakes ---- */

static char *fakes_dir;

struct watch {
	char dir[64], hang_pids[96], detach_pids[96];
	unsigned int signals;	  /* kill_session calls */
	unsigned int bad_signals; /* ... at a pid that was not an unreaped child */
	unsigned int eintr_left;  /* EINTR storm: fail this many polls more */
	unsigned int eintrs;
	bool fail_when_ready; /* EIO once fake_detach is reaped and fake_hang runs */
	bool ready, injected;
	long long give_up; /* inject even if never ready: the test then fails */
	unsigned int done; /* on_done calls */
};

/* A child of ours, running or a zombie: waitid() finds it without reaping. */
static bool unreaped_child(pid_t pid)
{
	siginfo_t info = {};

	return pid > 0 && waitid(P_PID, pid, &info, WEXITED | WNOHANG | WNOWAIT) == 0;
}

/* Up to @max pids from a fake's pidfile; how many it held. */
static int read_pids(const char *path, pid_t *pids, int max)
{
	FILE *f = fopen(path, "re");
	int n = 0, v;

	if (!f)
		return 0;
	while (n < max && fscanf(f, "%d", &v) == 1)
		pids[n++] = v;
	fclose(f);
	return n;
}

/* Gone: no /proc entry, or a zombie waiting for a reaper that is not us. */
static bool gone(pid_t pid)
{
	char path[64], buf[512], *p;
	FILE *f;
	bool dead = true;

	snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
	f = fopen(path, "re");
	if (!f)
		return true;
	if (fgets(buf, sizeof(buf), f) && (p = strrchr(buf, ')')))
		dead = p[1] == ' ' && p[2] == 'Z';
	fclose(f);
	return dead;
}

static bool all_gone(const pid_t *pids, int n)
{
	int i, tries;

	/* SIGKILL takes effect asynchronously for processes that are not our children. */
	for (tries = 0; tries < 100; tries++) {
		for (i = 0; i < n && gone(pids[i]); i++)
			;
		if (i == n)
			return true;
		nanosleep(&(struct timespec){ .tv_nsec = 10 * 1000 * 1000 }, NULL);
	}
	return false;
}

static int watch_kill_session(pid_t sid, int sig, void *userdata)
{
	struct watch *w = userdata;

	w->signals++;
	if (!unreaped_child(sid)) {
		/* Never passed on: that number may be another process's by now. */
		w->bad_signals++;
		return -ESRCH;
	}
	return proc_kill_session(sid, sig);
}

static int watch_poll(struct pollfd *fds, nfds_t n, int timeout_ms, void *userdata)
{
	struct watch *w = userdata;
	pid_t hang[3], detach[2];

	if (w->eintr_left) {
		w->eintr_left--;
		w->eintrs++;
		errno = EINTR;
		return -1;
	}
	if (w->fail_when_ready && !w->injected) {
		/* The state worth failing in: one test reaped with its pipe still
		 * held, one running with children in and outside its group. */
		w->ready = read_pids(w->detach_pids, detach, 2) == 2 &&
			   !unreaped_child(detach[0]) && read_pids(w->hang_pids, hang, 3) == 3;
		if (w->ready || proc_now_ms() > w->give_up) {
			w->injected = true;
			errno = EIO;
			return -1;
		}
		/* Look again soon: the pidfiles' writes wake no poll(). */
		if (timeout_ms < 0 || timeout_ms > 20)
			timeout_ms = 20;
	}
	return poll(fds, n, timeout_ms);
}

static void count_done(struct test *t, void *userdata)
{
	struct watch *w = userdata;

	ck_assert(t->finished);
	w->done++;
}

static void watch_init(struct watch *w)
{
	*w = (struct watch){};
	strcpy(w->dir, "/tmp/runner-units-XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(w->dir));
	snprintf(w->hang_pids, sizeof(w->hang_pids), "%s/hang", w->dir);
	snprintf(w->detach_pids, sizeof(w->detach_pids), "%s/detach", w->dir);
	setenv("FAKE_PIDFILE", w->hang_pids, 1);
	setenv("FAKE_DETACH_PIDFILE", w->detach_pids, 1);
	w->give_up = proc_now_ms() + 10000;
}

static void watch_deinit(struct watch *w)
{
	unlink(w->hang_pids);
	unlink(w->detach_pids);
	rmdir(w->dir);
}

static struct test *fake(const char *name, unsigned int timeout)
{
	struct test *t = NULL;
	char *path;

	ck_assert_int_ge(asprintf(&path, "%s/%s", fakes_dir, name), 0);
	ck_assert_int_eq(test_new(&t, "fake", name, path, timeout), 0);
	free(path);
	return t;
}

/* No child of this process is left, running or a zombie. */
static void assert_no_children(void)
{
	errno = 0;
	ck_assert_int_eq(waitpid(-1, NULL, WNOHANG), -1);
	ck_assert_int_eq(errno, ECHILD);
}

START_TEST(poll_failure_leaves_nothing)
{
	struct watch w;
	struct exec_sys sys = { .poll = watch_poll,
				.kill_session = watch_kill_session,
				.userdata = &w };
	struct exec_opts o = {
		.jobs = 2, .grace_ms = 1000, .on_done = count_done, .userdata = &w, .sys = &sys
	};
	struct test *t[2];
	pid_t hang[3], detach[2];

	watch_init(&w);
	w.fail_when_ready = true;
	t[0] = fake("fake_detach", 30);
	t[1] = fake("fake_hang", 30);
	ck_assert_int_eq(exec_run(t, 2, &o), -EIO);
	ck_assert_msg(w.injected && w.ready,
		      "poll() failed while fake_detach was reaped and fake_hang ran");
	/* The hang was killed through the seam, and no signal went to a reaped pid. */
	ck_assert_uint_ge(w.signals, 1);
	ck_assert_uint_eq(w.bad_signals, 0);
	assert_no_children();
	ck_assert_int_eq(read_pids(w.hang_pids, hang, 3), 3);
	ck_assert_msg(all_gone(hang, 3), "fake_hang and both its children are gone");
	/* Every started test finished and was reported. */
	ck_assert_uint_eq(w.done, 2);
	ck_assert_int_eq(t[0]->verdict, VERDICT_PASS);
	ck_assert_int_eq(t[1]->verdict, VERDICT_FAIL);
	ck_assert_ptr_nonnull(strstr(t[1]->reason, strerror(EIO)));
	ck_assert(WIFSIGNALED(t[1]->wait_status) && WTERMSIG(t[1]->wait_status) == SIGKILL);
	/* fake_detach's child left the test's session (holding its pipe): not ours to kill. */
	ck_assert_int_eq(read_pids(w.detach_pids, detach, 2), 2);
	ck_assert(!gone(detach[1]));
	test_free(t[0]);
	test_free(t[1]);
	watch_deinit(&w);
}
END_TEST

START_TEST(eintr_storm)
{
	struct watch w;
	struct exec_sys sys = { .poll = watch_poll,
				.kill_session = watch_kill_session,
				.userdata = &w };
	struct exec_opts o = {
		.jobs = 3, .grace_ms = 1000, .on_done = count_done, .userdata = &w, .sys = &sys
	};
	struct test *t[3];

	watch_init(&w);
	w.eintr_left = 2000;
	t[0] = fake("fake_pass", 30);
	t[1] = fake("fake_sleep", 1);
	t[2] = fake("fake_detach", 30);
	ck_assert_int_eq(exec_run(t, 3, &o), 0);
	ck_assert_uint_eq(w.eintrs, 2000);
	ck_assert_uint_eq(w.done, 3);
	ck_assert_int_eq(t[0]->verdict, VERDICT_PASS);
	ck_assert_int_eq(t[1]->verdict, VERDICT_TIMEOUT);
	ck_assert_int_eq(t[2]->verdict, VERDICT_PASS);
	/* The timeout's SIGTERM went through the seam; the reaped ones got nothing. */
	ck_assert_uint_ge(w.signals, 1);
	ck_assert_uint_eq(w.bad_signals, 0);
	assert_no_children();
	test_free(t[0]);
	test_free(t[1]);
	test_free(t[2]);
	watch_deinit(&w);
}
END_TEST

int main(int argc, char **argv)
{
	Suite *s = suite_create("runner");
	TCase *tc = tcase_create("core"), *ex = tcase_create("exec");
	int rc;

	tcase_add_test(tc, list_lines);
	tcase_add_test(tc, settings_text);
	tcase_add_test(tc, full_only_tests);
	tcase_add_test(tc, nested_layout);
	tcase_add_test(tc, escaping);
	tcase_add_test(tc, json_report_valid);
	tcase_add_test(tc, verdicts);
	tcase_add_test(tc, timeout_and_exit_codes);
	suite_add_tcase(s, tc);
	if (argc > 1) {
		/* Absolute: tests run from their own directory. */
		fakes_dir = realpath(argv[1], NULL);
		if (!fakes_dir) {
			fprintf(stderr, "%s: %s\n", argv[1], strerror(errno));
			return EXIT_FAILURE;
		}
		tcase_set_timeout(ex, 60);
		tcase_add_test(ex, poll_failure_leaves_nothing);
		tcase_add_test(ex, eintr_storm);
		suite_add_tcase(s, ex);
	}
	rc = check_run(s);
	free(fakes_dir);
	return rc;
}
