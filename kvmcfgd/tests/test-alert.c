// SPDX-License-Identifier: GPL-2.0-only
/*
 * Unit tests for what an alert says: journal fields, the AlertCommand=
 * environment (values byte for byte, the service manager's variables
 * stripped), messages, STATUS= and the stderr fallback line format.
 */
#include <check.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "alert-exec.h"
#include "alert.h"
#include "log.h"
#include "param.h"
#include "unit-test.h"

static const Mismatch nasty = {
	.module = (char *)"kvm", .param = (char *)"nx_huge_pages", .rule = (char *)"policy",
	.kind = (char *)"mismatch", .expected = (char *)"never",
	.actual = (char *)"$(reboot); `id` \"q\" 'x' | *", .severity = (char *)"warn",
	.origin = (char *)"/etc/kvmcfgd/policy.conf:7",
};
static const Mismatch plain = {
	.module = (char *)"kvm", .param = (char *)"nx_huge_pages", .rule = (char *)"policy",
	.kind = (char *)"mismatch", .expected = (char *)"never", .actual = (char *)"auto",
	.severity = (char *)"warn", .origin = (char *)"/etc/kvmcfgd/policy.conf:7",
};

static const char *find(char **v, const char *key)
{
	size_t n = strlen(key);

	for (; *v; v++)
		if (strncmp(*v, key, n) == 0 && (*v)[n] == '=')
			return *v + n + 1;
	return NULL;
}

START_TEST(fields)
{
	Transition t = { TRANSITION_NEW, NULL, &nasty };
	Transition c = { TRANSITION_CHANGED, &plain, &nasty };
	char **v = NULL;

	ck_assert_int_eq(alert_fields(&t, "", &v), 0);
	ck_assert_str_eq(find(v, "EVENT"), "new");
	ck_assert_str_eq(find(v, "MODULE"), "kvm");
	ck_assert_str_eq(find(v, "PARAM"), "nx_huge_pages");
	ck_assert_str_eq(find(v, "EXPECTED"), "never");
	ck_assert_str_eq(find(v, "ACTUAL"), nasty.actual);
	ck_assert_str_eq(find(v, "SEVERITY"), "warn");
	ck_assert_str_eq(find(v, "ORIGIN"), "/etc/kvmcfgd/policy.conf:7");
	ck_assert_ptr_null(find(v, "PREVIOUS_ACTUAL"));
	strv_free(v);

	ck_assert_int_eq(alert_fields(&c, "KVMCFG_", &v), 0);
	ck_assert_str_eq(find(v, "KVMCFG_EVENT"), "changed");
	ck_assert_str_eq(find(v, "KVMCFG_PREVIOUS_ACTUAL"), "auto");
	strv_free(v);

	ck_assert_str_eq(alert_message_id(TRANSITION_NEW), KVMCFG_MESSAGE_MISMATCH);
	ck_assert_str_eq(alert_message_id(TRANSITION_RESOLVED), KVMCFG_MESSAGE_RESOLVED);
	ck_assert_int_eq(alert_priority(&t), LOG_WARNING);
}
END_TEST

START_TEST(exec_env)
{
	char *base[] = {
		(char *)"PATH=/usr/bin", (char *)"NOTIFY_SOCKET=/run/x", (char *)"WATCHDOG_USEC=1",
		(char *)"KVMCFG_MODULE=stale", (char *)"LANG=C", NULL,
	};
	Transition t = { TRANSITION_RESOLVED, &nasty, NULL };
	char **env = NULL, **p;
	unsigned modules = 0;

	ck_assert_int_eq(alert_exec_env(base, &t, &env), 0);
	ck_assert_str_eq(find(env, "PATH"), "/usr/bin");
	ck_assert_str_eq(find(env, "LANG"), "C");
	ck_assert_ptr_null(find(env, "NOTIFY_SOCKET"));
	ck_assert_ptr_null(find(env, "WATCHDOG_USEC"));
	ck_assert_str_eq(find(env, "KVMCFG_EVENT"), "resolved");
	ck_assert_str_eq(find(env, "KVMCFG_ACTUAL"), nasty.actual);
	ck_assert_ptr_nonnull(strstr(find(env, "KVMCFG_MESSAGE"), "resolved"));
	for (p = env; *p; p++)
		modules += strncmp(*p, "KVMCFG_MODULE=", 14) == 0;
	/* The inherited stale value must not shadow ours. */
	ck_assert_uint_eq(modules, 1);
	ck_assert_str_eq(find(env, "KVMCFG_MODULE"), "kvm");
	strv_free(env);
}
END_TEST

START_TEST(messages)
{
	Transition n = { TRANSITION_NEW, NULL, &plain };
	Transition c = { TRANSITION_CHANGED, &nasty, &plain };
	Transition r = { TRANSITION_RESOLVED, &plain, NULL };
	Mismatch missing = plain;
	Transition mm = { TRANSITION_NEW, NULL, &missing };
	char *s = NULL;

	ck_assert_int_eq(alert_message(&n, &s), 0);
	ck_assert_str_eq(s, "kvm.nx_huge_pages mismatch: expected never, actual auto "
			    "(warn, /etc/kvmcfgd/policy.conf:7)");
	free(s);
	ck_assert_int_eq(alert_message(&c, &s), 0);
	ck_assert_ptr_nonnull(strstr(s, "still mismatches"));
	ck_assert_ptr_nonnull(strstr(s, "(was $(reboot)"));
	free(s);
	ck_assert_int_eq(alert_message(&r, &s), 0);
	ck_assert_str_eq(s, "kvm.nx_huge_pages resolved: no longer auto (expected never)");
	free(s);
	missing.param = (char *)"";
	missing.actual = (char *)"(module not loaded)";
	ck_assert_int_eq(alert_message(&mm, &s), 0);
	ck_assert_str_eq(s, "kvm mismatch: expected never, actual (module not loaded) "
			    "(warn, /etc/kvmcfgd/policy.conf:7)");
	free(s);
}
END_TEST

START_TEST(status)
{
	MismatchSet s = MISMATCH_SET_INIT;
	const char *params[] = { "a", "b", "c", "d", "e" };
	char *st = NULL;
	size_t i;

	ck_assert_int_eq(alert_status("ok", &s, &st), 0);
	ck_assert_str_eq(st, "OK: all parameters match the policy");
	free(st);
	for (i = 0; i < 5; i++) {
		Mismatch m = plain;

		m.param = (char *)params[i];
		ck_assert_int_eq(mismatch_set_add(&s, &m), 0);
	}
	ck_assert_int_eq(mismatch_set_seal(&s), 0);
	ck_assert_int_eq(alert_status("mismatch", &s, &st), 0);
	ck_assert_str_eq(st, "MISMATCH: 5 problems: kvm.a=auto (expected never), "
			     "kvm.b=auto (expected never), kvm.c=auto (expected never), and 2 more");
	free(st);
	mismatch_set_done(&s);
}
END_TEST

static char *field(const char *key, const char *value)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	log_write_field(f, key, value);
	fclose(f);
	return buf;
}

static void expect_field(const char *value, const char *want)
{
	char *got = field("ACTUAL", value);

	ck_assert_str_eq(got, want);
	free(got);
}

START_TEST(stderr_fields)
{
	expect_field("N", " ACTUAL=N");
	expect_field("", " ACTUAL=\"\"");
	expect_field("Y | 1", " ACTUAL=\"Y | 1\"");
	expect_field("a\"b\\c", " ACTUAL=\"a\\\"b\\\\c\"");
	expect_field("x=y", " ACTUAL=\"x=y\"");
	expect_field("l1\nl2\t\x01", " ACTUAL=\"l1\\nl2\\t\\x01\"");
	/* Issue 19 item 2: C1 controls (U+009B is CSI) and raw 8-bit bytes never pass raw. */
	expect_field("Y\xc2\x9b" "2J", " ACTUAL=Y\\u009b2J");
	expect_field("Y\x9b" "2J", " ACTUAL=Y\xef\xbf\xbd" "2J");
	expect_field("Y\x1b]0;PWNED\x07", " ACTUAL=\"Y\\x1b]0;PWNED\\x07\"");
}
END_TEST

START_TEST(stderr_fallback)
{
	char path[] = "/tmp/kvmcfg-log-XXXXXX", buf[512] = { 0 };
	const char *kv[] = { "MODULE=kvm", "ACTUAL=two words", NULL };
	int fd, saved;

	fd = mkstemp(path);
	ck_assert_int_ge(fd, 0);
	saved = dup(STDERR_FILENO);
	ck_assert_int_eq(dup2(fd, STDERR_FILENO), STDERR_FILENO);
	unsetenv("JOURNAL_STREAM");
	log_set_target(LOG_TARGET_STDERR);
	ck_assert_int_eq(log_struct(LOG_WARNING, KVMCFG_MESSAGE_MISMATCH, kv, "hello %d", 42), 0);
	/* Below the level: nothing. */
	ck_assert_int_eq(log_struct(LOG_DEBUG, NULL, NULL, "quiet"), 0);
	dup2(saved, STDERR_FILENO);
	close(saved);
	ck_assert_int_gt(pread(fd, buf, sizeof(buf) - 1, 0), 0);
	close(fd);
	unlink(path);
	ck_assert_str_eq(buf, "hello 42 MESSAGE_ID=" KVMCFG_MESSAGE_MISMATCH
			      " MODULE=kvm ACTUAL=\"two words\"\n");
}
END_TEST

/*
 * A param value is outside input: a newline in it must not become a line of
 * its own in sd_notify's newline-separated STATUS= (where "\nWATCHDOG=trigger"
 * makes systemd act as if the watchdog expired) or in a stderr log line.
 */
START_TEST(hostile_values)
{
	char path[] = "/tmp/kvmcfg-log-XXXXXX", buf[512] = { 0 };
	MismatchSet s = MISMATCH_SET_INIT;
	Mismatch m = plain;
	char *st = NULL;
	int fd, saved;

	m.actual = (char *)"N\nWATCHDOG=trigger\x01\"\\\xff\xc3\xa9";
	ck_assert_int_eq(mismatch_set_add(&s, &m), 0);
	ck_assert_int_eq(mismatch_set_seal(&s), 0);
	ck_assert_int_eq(alert_status("mismatch", &s, &st), 0);
	ck_assert_str_eq(st, "MISMATCH: 1 problem: kvm.nx_huge_pages="
			     "N\\nWATCHDOG=trigger\\x01\"\\\xef\xbf\xbd\xc3\xa9 (expected never)");
	free(st);
	mismatch_set_done(&s);

	fd = mkstemp(path);
	ck_assert_int_ge(fd, 0);
	saved = dup(STDERR_FILENO);
	ck_assert_int_eq(dup2(fd, STDERR_FILENO), STDERR_FILENO);
	unsetenv("JOURNAL_STREAM");
	log_set_target(LOG_TARGET_STDERR);
	ck_assert_int_eq(log_struct(LOG_WARNING, NULL, NULL, "actual %s", "x\n<0>forged\ty"), 0);
	dup2(saved, STDERR_FILENO);
	close(saved);
	ck_assert_int_gt(pread(fd, buf, sizeof(buf) - 1, 0), 0);
	close(fd);
	unlink(path);
	ck_assert_str_eq(buf, "actual x\\n<0>forged\\ty\n");
}
END_TEST

int main(void)
{
	const TTest *const tests[] = {
		hostile_values,
		fields,
		exec_env,
		messages,
		status,
		stderr_fields,
		stderr_fallback,
		NULL,
	};

	return unit_test_run("alert", tests);
}
