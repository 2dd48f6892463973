// SPDX-License-Identifier: GPL-2.0-only
/* Unit tests for kvmcfgd's settings: time spans, command splitting, the file parser and its errors. */
#include <check.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "conf.h"
#include "param.h"
#include "unit-test.h"

START_TEST(timespans)
{
	uint64_t v = 0;

	ck_assert_int_eq(conf_parse_timespan("60", &v), 0);
	ck_assert_uint_eq(v, 60000000);
	ck_assert_int_eq(conf_parse_timespan("200ms", &v), 0);
	ck_assert_uint_eq(v, 200000);
	ck_assert_int_eq(conf_parse_timespan("5min", &v), 0);
	ck_assert_uint_eq(v, 300000000);
	ck_assert_int_eq(conf_parse_timespan("2m", &v), 0);
	ck_assert_uint_eq(v, 120000000);
	ck_assert_int_eq(conf_parse_timespan("1h", &v), 0);
	ck_assert_uint_eq(v, 3600000000ULL);
	ck_assert_int_eq(conf_parse_timespan("1500us", &v), 0);
	ck_assert_uint_eq(v, 1500);
	ck_assert_int_eq(conf_parse_timespan("0", &v), 0);
	ck_assert_uint_eq(v, 0);
	v = 42;
	ck_assert_int_eq(conf_parse_timespan("", &v), -EINVAL);
	ck_assert_int_eq(conf_parse_timespan("-1s", &v), -EINVAL);
	ck_assert_int_eq(conf_parse_timespan("10 s", &v), -EINVAL);
	ck_assert_int_eq(conf_parse_timespan("10days", &v), -EINVAL);
	ck_assert_int_eq(conf_parse_timespan("s", &v), -EINVAL);
	ck_assert_int_eq(conf_parse_timespan("99999999999999999h", &v), -ERANGE);
	ck_assert_uint_eq(v, 42);
}
END_TEST

static void expect_split(const char *in, const char *const *want)
{
	char **argv = NULL;
	size_t i;

	ck_assert_int_eq(conf_split_command(in, &argv), 0);
	for (i = 0; want[i]; i++) {
		ck_assert_ptr_nonnull(argv[i]);
		ck_assert_str_eq(argv[i], want[i]);
	}
	ck_assert_ptr_null(argv[i]);
	strv_free(argv);
}

START_TEST(split_command)
{
	char **argv = (char **)"untouched";

	expect_split("/bin/page", (const char *const[]) { "/bin/page", NULL });
	expect_split("  /bin/page  -x\t--y=1 ", (const char *const[]) { "/bin/page", "-x", "--y=1", NULL });
	/* Quotes group, and nothing is a shell: $, ;, | and * stay literal. */
	expect_split("/bin/hook 'a b' \"c \\\"d\\\"\" $HOME;ls|x *",
		     (const char *const[]) { "/bin/hook", "a b", "c \"d\"", "$HOME;ls|x", "*", NULL });
	expect_split("/bin/x 'it'\"'\"'s' a\\ b \"\"",
		     (const char *const[]) { "/bin/x", "it's", "a b", "", NULL });
	ck_assert_int_eq(conf_split_command("", &argv), -EINVAL);
	ck_assert_int_eq(conf_split_command("   ", &argv), -EINVAL);
	ck_assert_int_eq(conf_split_command("/bin/x 'open", &argv), -EINVAL);
	ck_assert_int_eq(conf_split_command("/bin/x \"open", &argv), -EINVAL);
	ck_assert_int_eq(conf_split_command("/bin/x trailing\\", &argv), -EINVAL);
	ck_assert_ptr_eq(argv, (char **)"untouched");
}
END_TEST

START_TEST(parse_file)
{
	DaemonConf c;
	char *err = NULL;

	ck_assert_int_eq(conf_init(&c), 0);
	ck_assert_str_eq(c.sysfs_root, "/sys");
	ck_assert_uint_eq(c.interval_usec, 60000000);
	ck_assert_uint_eq(c.settle_usec, 200000);
	ck_assert_ptr_null(c.textfile);
	ck_assert_ptr_null(c.alert_command);
	ck_assert_int_eq(conf_parse_text(&c,
		"# kvmcfgd settings\n"
		"[Daemon]\n"
		"SysfsRoot=/tmp/fake\n"
		"Interval=5s\n"
		"SettleDelay=50ms\n"
		"Textfile=/var/lib/prometheus/node-exporter/kvmcfg.prom\n"
		"AlertCommand=/usr/local/bin/page --team 'kvm oncall'\n"
		"AlertTimeout=3s\n"
		"PolicyDropins=/a /b\n"
		"LogTarget=stderr\n",
		"kvmcfgd.conf", &err), 0);
	ck_assert_ptr_null(err);
	ck_assert_str_eq(c.sysfs_root, "/tmp/fake");
	ck_assert_uint_eq(c.interval_usec, 5000000);
	ck_assert_uint_eq(c.settle_usec, 50000);
	ck_assert_str_eq(c.textfile, "/var/lib/prometheus/node-exporter/kvmcfg.prom");
	ck_assert_str_eq(c.alert_command[0], "/usr/local/bin/page");
	ck_assert_str_eq(c.alert_command[2], "kvm oncall");
	ck_assert_ptr_null(c.alert_command[3]);
	ck_assert_uint_eq(c.alert_timeout_usec, 3000000);
	ck_assert_str_eq(c.policy_dropins[1], "/b");
	ck_assert_int_eq(c.log_target, LOG_TARGET_STDERR);

	/* A ';' in double quotes is the command's, one after whitespace outside them a comment. */
	ck_assert_int_eq(conf_parse_text(&c,
		"\xEF\xBB\xBF[Daemon] ; settings\r\n"
		"  AlertCommand = /bin/sh -c \"page ; log\"   ; comment\r\n"
		"Textfile=/x;y",
		"kvmcfgd.conf", &err), 0);
	ck_assert_ptr_null(err);
	ck_assert_str_eq(c.alert_command[2], "page ; log");
	ck_assert_ptr_null(c.alert_command[3]);
	ck_assert_str_eq(c.textfile, "/x;y");

	/* Empty values restore defaults (the command line can undo the file). */
	ck_assert_int_eq(conf_set(&c, "Textfile", "", &err), 0);
	ck_assert_ptr_null(c.textfile);
	ck_assert_int_eq(conf_set(&c, "SysfsRoot", "", &err), 0);
	ck_assert_str_eq(c.sysfs_root, "/sys");
	ck_assert_int_eq(conf_set(&c, "AlertCommand", "", &err), 0);
	ck_assert_ptr_null(c.alert_command);
	ck_assert_int_eq(conf_set(&c, "Interval", "", &err), 0);
	ck_assert_uint_eq(c.interval_usec, 60000000);
	ck_assert_int_eq(conf_set(&c, "Interval", "0", &err), 0);
	ck_assert_uint_eq(c.interval_usec, 0);
	conf_done(&c);
}
END_TEST

static void expect_error(const char *text, const char *want)
{
	DaemonConf c;
	char *err = NULL;

	ck_assert_int_eq(conf_init(&c), 0);
	ck_assert_int_lt(conf_parse_text(&c, text, "/etc/kvmcfgd/kvmcfgd.conf", &err), 0);
	ck_assert_ptr_nonnull(err);
	ck_assert_msg(strcmp(err, want) == 0, "got '%s', want '%s'", err, want);
	free(err);
	conf_done(&c);
}

START_TEST(errors_name_file_and_line)
{
	static char longline[400];

	expect_error("[Daemon]\nInterval=5s\nIntervall=5s\n",
		     "/etc/kvmcfgd/kvmcfgd.conf:3: unknown key 'Intervall'");
	expect_error("[Daemon]\n\n\nInterval=soon\n",
		     "/etc/kvmcfgd/kvmcfgd.conf:4: Interval=soon is not a time span (e.g. 200ms, 60s, 5min)");
	expect_error("[Deamon]\nInterval=5s\n",
		     "/etc/kvmcfgd/kvmcfgd.conf:2: unknown section [Deamon], expected [Daemon]");
	expect_error("[Daemon]\nthis is not ini\n",
		     "/etc/kvmcfgd/kvmcfgd.conf:2: syntax error (expected [Section] or Key=Value)");
	expect_error("[Daemon]\nAlertCommand=page me\n",
		     "/etc/kvmcfgd/kvmcfgd.conf:2: AlertCommand= must start with an absolute path, not 'page' (it runs without a shell)");
	expect_error("[Daemon]\nAlertCommand=/bin/x 'oops\n",
		     "/etc/kvmcfgd/kvmcfgd.conf:2: AlertCommand=/bin/x 'oops: unbalanced quote or trailing backslash");
	expect_error("[Daemon]\nSysfsRoot=relative\n",
		     "/etc/kvmcfgd/kvmcfgd.conf:2: SysfsRoot=relative is not an absolute path");
	expect_error("[Daemon]\nAlertTimeout=0\n",
		     "/etc/kvmcfgd/kvmcfgd.conf:2: AlertTimeout= must be greater than zero");
	expect_error("[Daemon]\nLogTarget=syslog\n",
		     "/etc/kvmcfgd/kvmcfgd.conf:2: LogTarget=syslog: expected auto, journal or stderr");
	/* No line length limit: 300 characters of command, and a comment after it. */
	{
		DaemonConf c;
		char *err = NULL;

		memset(longline, 0, sizeof(longline));
		strcpy(longline, "[Daemon]\n# a comment\nAlertCommand=/");
		memset(longline + strlen(longline), 'y', 300);
		strcat(longline, " ; why\r\n");
		ck_assert_int_eq(conf_init(&c), 0);
		ck_assert_int_eq(conf_parse_text(&c, longline, "f", &err), 0);
		ck_assert_uint_eq(strlen(c.alert_command[0]), 301);
		ck_assert_ptr_null(c.alert_command[1]);
		conf_done(&c);
	}
	expect_error("Interval=5s\n",
		     "/etc/kvmcfgd/kvmcfgd.conf:1: 'Interval' is outside any section: start with [Daemon]");
	expect_error("[Daemon\nInterval=5s\n",
		     "/etc/kvmcfgd/kvmcfgd.conf:1: syntax error (expected [Section] or Key=Value)");
	expect_error("[Daemon] x\nInterval=5s\n",
		     "/etc/kvmcfgd/kvmcfgd.conf:1: unexpected text after section header");
	/* No continuation lines: an indented line is a line of its own. */
	expect_error("[Daemon]\nAlertCommand=/bin/page\n  --urgent\n",
		     "/etc/kvmcfgd/kvmcfgd.conf:3: syntax error (expected [Section] or Key=Value)");
	/* Every error, in line order, syntax or not (kvmcfgd --check-config lists them all). */
	expect_error("[Daemon]\nthis is not ini\nA=1\n",
		     "/etc/kvmcfgd/kvmcfgd.conf:2: syntax error (expected [Section] or Key=Value)\n"
		     "/etc/kvmcfgd/kvmcfgd.conf:3: unknown key 'A'");
	expect_error("[Daemon]\nA=1\nB=2\n", "/etc/kvmcfgd/kvmcfgd.conf:2: unknown key 'A'\n"
		     "/etc/kvmcfgd/kvmcfgd.conf:3: unknown key 'B'");
	/* Keys under a broken header are not reported again. */
	expect_error("[Daemon\nInterval=soon\n[Daemon]\nB=2\n",
		     "/etc/kvmcfgd/kvmcfgd.conf:1: syntax error (expected [Section] or Key=Value)\n"
		     "/etc/kvmcfgd/kvmcfgd.conf:4: unknown key 'B'");
}
END_TEST

START_TEST(load_file)
{
	DaemonConf c;
	char *err = NULL;

	ck_assert_int_eq(conf_init(&c), 0);
	/* The default path may be missing; an explicit one may not. */
	ck_assert_int_eq(conf_load_file(&c, "/nonexistent/kvmcfgd.conf", false, &err), 0);
	ck_assert_int_eq(conf_load_file(&c, "/nonexistent/kvmcfgd.conf", true, &err), -ENOENT);
	ck_assert_str_eq(err, "/nonexistent/kvmcfgd.conf: No such file or directory");
	free(err);
	conf_done(&c);
}
END_TEST

/* kvmcfgd.conf names a command run as root: StrictModes as for the policy. */
START_TEST(load_file_insecure)
{
	char dir[] = "/tmp/kvmcfg-conf-XXXXXX", path[64];
	DaemonConf c;
	char *err = NULL;
	int fd;

	ck_assert_ptr_nonnull(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/kvmcfgd.conf", dir);
	fd = open(path, O_WRONLY | O_CREAT | O_EXCL, 0644);
	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(write(fd, "[Daemon]\nAlertCommand=/bin/true\n", 32), 32);
	close(fd);
	unsetenv("KVMCFG_POLICY_INSECURE");
	ck_assert_int_eq(conf_init(&c), 0);
	ck_assert_int_eq(conf_load_file(&c, path, true, &err), 0);
	ck_assert_ptr_nonnull(c.alert_command);
	conf_done(&c);

	ck_assert_int_eq(chmod(path, 0666), 0);
	ck_assert_int_eq(conf_init(&c), 0);
	ck_assert_int_eq(conf_load_file(&c, path, true, &err), -EPERM);
	ck_assert_ptr_nonnull(strstr(err, "refusing insecure configuration file: writable by every "
					  "user (mode 0666)"));
	ck_assert_ptr_null(c.alert_command);
	free(err);
	err = NULL;
	setenv("KVMCFG_POLICY_INSECURE", "1", 1);
	ck_assert_int_eq(conf_load_file(&c, path, true, &err), 0);
	unsetenv("KVMCFG_POLICY_INSECURE");
	conf_done(&c);

	/* A FIFO in its place: an error at once, not a start that hangs. */
	ck_assert_int_eq(unlink(path), 0);
	ck_assert_int_eq(mkfifo(path, 0644), 0);
	ck_assert_int_eq(conf_init(&c), 0);
	ck_assert_int_eq(conf_load_file(&c, path, true, &err), -EBADFD);
	ck_assert_ptr_nonnull(strstr(err, "not a regular file"));
	free(err);
	conf_done(&c);
	unlink(path);
	rmdir(dir);
}
END_TEST

int main(void)
{
	const TTest *const tests[] = {
		load_file_insecure,
		timespans,
		split_command,
		parse_file,
		errors_name_file_and_line,
		load_file,
		NULL,
	};

	return unit_test_run("conf", tests);
}
