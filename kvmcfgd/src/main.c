// SPDX-License-Identifier: GPL-2.0-only
/*
 * kvmcfgd: asserts the loaded KVM module parameters against a policy, at
 * start, on every module load/unload and on an interval, and alerts on each
 * change (journal, Prometheus textfile, AlertCommand=, sd_notify STATUS=).
 */
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "conf.h"
#include "log.h"
#include "macro.h"
#include "manager.h"
#include "parse-arg.h"
#include "policy.h"

#ifndef PACKAGE_VERSION
#define PACKAGE_VERSION "unknown"
#endif

#define EXIT_USAGE 2

static void help(void)
{
	printf("Usage: kvmcfgd [OPTION]...\n"
	       "Assert loaded KVM module parameters against a policy and alert on changes.\n\n"
	       "  -c, --config=FILE          daemon settings (default " CONF_DEFAULT_PATH ")\n"
	       "  -r, --sysfs-root=DIR       directory holding module/ (default /sys)\n"
	       "  -p, --policy=FILE          main policy file (default " POLICY_MAIN_PATH ",\n"
	       "                             else " POLICY_VENDOR_PATH ")\n"
	       "      --policy-dropins=DIRS  drop-in directories, space-separated, or \"none\"\n"
	       "  -i, --interval=SPAN        periodic check (default 60s; 0 disables)\n"
	       "  -s, --settle-delay=SPAN    re-check after a module uevent (default 200ms)\n"
	       "  -t, --textfile=PATH        Prometheus node_exporter textfile to maintain\n"
	       "  -a, --alert-command=CMD    run CMD (no shell) on each transition\n"
	       "      --alert-timeout=SPAN   kill CMD after SPAN (default 30s)\n"
	       "      --verify=yes|no        run the reality probes (default yes)\n"
	       "      --verify-interval=SPAN re-probe every SPAN (default 1h; 0: on events only)\n"
	       "      --verify-timeout=SPAN  a probe that runs longer is unverified (default 20s)\n"
	       "      --log-target=TARGET    auto, journal or stderr (default auto)\n"
	       "      --log-level=LEVEL      debug, info, notice, warning, err (default info)\n"
	       "      --test-uevent-fd=FD    also read uevents from datagram socket FD (tests)\n"
	       "      --check-config         check the configuration and the policy, print\n"
	       "                             every error, exit 0 when both are good, else 2\n"
	       "  -h, --help                 show this help\n"
	       "      --version              show the version\n\n"
	       "Command-line options override the configuration file; relative paths given\n"
	       "here are taken from the current directory, as kvmcfgctl does (in the file\n"
	       "they must be absolute). Signals: SIGHUP reloads\n"
	       "the policy, SIGUSR1 checks now, SIGTERM/SIGINT stop. See kvmcfgd(8).\n");
}

enum {
	ARG_VERSION = 0x100,
	ARG_POLICY_DROPINS,
	ARG_ALERT_TIMEOUT,
	ARG_LOG_TARGET,
	ARG_LOG_LEVEL,
	ARG_TEST_UEVENT_FD,
	ARG_CHECK_CONFIG,
	ARG_VERIFY,
	ARG_VERIFY_INTERVAL,
	ARG_VERIFY_TIMEOUT,
};

/* Options that map to a configuration key: applied after the file, in order. */
static const struct {
	int opt;
	const char *key;
} option_keys[] = {
	{ 'r', "SysfsRoot" },
	{ 'p', "Policy" },
	{ ARG_POLICY_DROPINS, "PolicyDropins" },
	{ 'i', "Interval" },
	{ 's', "SettleDelay" },
	{ 't', "Textfile" },
	{ 'a', "AlertCommand" },
	{ ARG_ALERT_TIMEOUT, "AlertTimeout" },
	{ ARG_LOG_TARGET, "LogTarget" },
	{ ARG_VERIFY, "Verify" },
	{ ARG_VERIFY_INTERVAL, "VerifyInterval" },
	{ ARG_VERIFY_TIMEOUT, "VerifyTimeout" },
};

static int parse_level(const char *s, int *ret)
{
	static const struct {
		const char *name;
		int level;
	} levels[] = {
		{ "debug", LOG_DEBUG },	    { "info", LOG_INFO }, { "notice", LOG_NOTICE },
		{ "warning", LOG_WARNING }, { "err", LOG_ERR },
	};
	size_t i;

	for (i = 0; i < ELEMENTSOF(levels); i++)
		if (strcmp(s, levels[i].name) == 0) {
			*ret = levels[i].level;
			return 0;
		}
	return -EINVAL;
}

/*
 * A path option as kvmcfgctl takes it: relative to the current directory.
 * Made absolute here, since the configuration keys want absolute paths (a
 * file has no directory to be relative to). *@ret is malloc'd, or NULL
 * when @path was absolute (use it as it is).
 */
static int absolute_path(const char *path, char **ret)
{
	_cleanup_free_ char *cwd = NULL;

	*ret = NULL;
	if (!*path || *path == '/')
		return 0;
	cwd = getcwd(NULL, 0);
	if (!cwd)
		return -errno;
	return asprintf(ret, "%s/%s", cwd, path) < 0 ? -ENOMEM : 0;
}

/*
 * --check-config, in the spirit of sshd -t: the configuration has been
 * read (@conf_error holds its errors, if any); load the policy it names and
 * print every error of both. 0 when both are good, else EXIT_USAGE.
 */
static int check_config(const DaemonConf *conf, const char *conf_path, const char *conf_error,
			int conf_r)
{
	_cleanup_(kvmcfg_policy_freep) Policy *p = NULL;
	PolicyError err = { 0 };
	int r;

	if (conf_error)
		fprintf(stderr, "%s\n", conf_error);
	else if (conf_r < 0)
		fprintf(stderr, "%s: %s\n", conf_path, strerror(-conf_r));
	r = manager_policy_load(conf, &p, &err);
	fputs(err.text, stderr);
	if (r == -ENOMEM && !err.n_errors)
		fprintf(stderr, "kvmcfgd: out of memory\n");
	if (conf_r < 0 || r < 0) {
		fprintf(stderr, "kvmcfgd: configuration %s, policy %s (%u error%s)\n",
			conf_r < 0 ? "invalid" : "ok", r < 0 ? "invalid" : "ok", err.n_errors,
			err.n_errors == 1 ? "" : "s");
		return r == -ENOMEM || conf_r == -ENOMEM ? EXIT_FAILURE : EXIT_USAGE;
	}
	printf("kvmcfgd: configuration ok (%s), policy ok (%s: %zu sections, %zu rules)\n",
	       conf_path, p->files[0], p->n_sections, kvmcfg_policy_n_rules(p));
	return EXIT_SUCCESS;
}

int main(int argc, char *argv[])
{
	static const struct option options[] = {
		{ "config", required_argument, NULL, 'c' },
		{ "sysfs-root", required_argument, NULL, 'r' },
		{ "policy", required_argument, NULL, 'p' },
		{ "policy-dropins", required_argument, NULL, ARG_POLICY_DROPINS },
		{ "interval", required_argument, NULL, 'i' },
		{ "settle-delay", required_argument, NULL, 's' },
		{ "textfile", required_argument, NULL, 't' },
		{ "alert-command", required_argument, NULL, 'a' },
		{ "alert-timeout", required_argument, NULL, ARG_ALERT_TIMEOUT },
		{ "log-target", required_argument, NULL, ARG_LOG_TARGET },
		{ "log-level", required_argument, NULL, ARG_LOG_LEVEL },
		{ "test-uevent-fd", required_argument, NULL, ARG_TEST_UEVENT_FD },
		{ "check-config", no_argument, NULL, ARG_CHECK_CONFIG },
		{ "verify", required_argument, NULL, ARG_VERIFY },
		{ "verify-interval", required_argument, NULL, ARG_VERIFY_INTERVAL },
		{ "verify-timeout", required_argument, NULL, ARG_VERIFY_TIMEOUT },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, ARG_VERSION },
		{}
	};
	_cleanup_(manager_freep) Manager *m = NULL;
	_cleanup_free_ char *error = NULL, *conf_error = NULL;
	const char *config = NULL;
	int test_fd = -1, level = LOG_INFO, conf_r;
	bool only_check = false;
	unsigned int test_fd_u;
	char arg_error[KVMCFG_ARG_ERROR_MAX];
	DaemonConf conf;
	sigset_t mask;
	int c, r, i;

	/* First pass: --help, --version, --config and checks of the simple options. */
	while ((c = getopt_long(argc, argv, "c:r:p:i:s:t:a:h", options, NULL)) >= 0) {
		switch (c) {
		case 'h':
			help();
			return EXIT_SUCCESS;
		case ARG_VERSION:
			printf("kvmcfgd " PACKAGE_VERSION "\n");
			return EXIT_SUCCESS;
		case 'c':
			config = optarg;
			break;
		case ARG_LOG_LEVEL:
			if (parse_level(optarg, &level) < 0) {
				fprintf(stderr,
					"kvmcfgd: --log-level=%s: expected debug, info, notice, warning or err\n",
					optarg);
				return EXIT_USAGE;
			}
			break;
		case ARG_CHECK_CONFIG:
			only_check = true;
			break;
		case ARG_TEST_UEVENT_FD:
			/* 0-2 are stdio: a test fd is always above them. */
			if (kvmcfg_arg_uint("--test-uevent-fd", optarg, 3, 65535, &test_fd_u,
					    arg_error) < 0) {
				fprintf(stderr, "kvmcfgd: %s\n", arg_error);
				return EXIT_USAGE;
			}
			test_fd = (int)test_fd_u;
			break;
		case '?':
			fprintf(stderr, "Try 'kvmcfgd --help'.\n");
			return EXIT_USAGE;
		default:
			break;
		}
	}
	if (optind < argc) {
		fprintf(stderr, "kvmcfgd: unexpected argument '%s'. Try 'kvmcfgd --help'.\n",
			argv[optind]);
		return EXIT_USAGE;
	}

	r = conf_init(&conf);
	if (r < 0) {
		fprintf(stderr, "kvmcfgd: out of memory\n");
		return EXIT_FAILURE;
	}
	conf_r = conf_load_file(&conf, config ? config : CONF_DEFAULT_PATH, !!config, &conf_error);
	if (conf_r < 0 && !only_check) {
		fprintf(stderr, "kvmcfgd: %s\n", conf_error ? conf_error : strerror(-conf_r));
		conf_done(&conf);
		/* Out of memory is not a usage error: a restart may well work. */
		return conf_r == -ENOMEM ? EXIT_FAILURE : EXIT_USAGE;
	}
	/* Second pass: the command line overrides the file, through the same checks. */
	optind = 0;
	while ((c = getopt_long(argc, argv, "c:r:p:i:s:t:a:h", options, NULL)) >= 0) {
		for (i = 0; i < (int)ELEMENTSOF(option_keys); i++) {
			_cleanup_free_ char *abs = NULL;

			if (option_keys[i].opt != c)
				continue;
			if ((c == 'r' || c == 'p' || c == 't') && absolute_path(optarg, &abs) < 0) {
				fprintf(stderr, "kvmcfgd: cannot resolve '%s': %m\n", optarg);
				conf_done(&conf);
				return EXIT_FAILURE;
			}
			free(error);
			error = NULL;
			r = conf_set(&conf, option_keys[i].key, abs ? abs : optarg, &error);
			if (r < 0) {
				fprintf(stderr, "kvmcfgd: command line: %s\n",
					error ? error : strerror(-r));
				conf_done(&conf);
				return r == -ENOMEM ? EXIT_FAILURE : EXIT_USAGE;
			}
		}
	}

	if (only_check) {
		r = check_config(&conf, config ? config : CONF_DEFAULT_PATH, conf_error, conf_r);
		conf_done(&conf);
		return r;
	}

	log_set_target(conf.log_target);
	log_set_max_level(level);

	/* sd-event takes these through signalfd and child sources: block them first. */
	sigemptyset(&mask);
	sigaddset(&mask, SIGTERM);
	sigaddset(&mask, SIGINT);
	sigaddset(&mask, SIGHUP);
	sigaddset(&mask, SIGUSR1);
	sigaddset(&mask, SIGCHLD);
	if (sigprocmask(SIG_BLOCK, &mask, NULL) < 0) {
		log_errno(LOG_ERR, -errno, "Failed to block signals: %m");
		conf_done(&conf);
		return EXIT_FAILURE;
	}
	(void)signal(SIGPIPE, SIG_IGN);

	r = manager_new(&m, &conf, test_fd);
	conf_done(&conf);
	if (r < 0) {
		log_errno(LOG_ERR, r, "Failed to set up: %m");
		return EXIT_FAILURE;
	}
	r = manager_start(m);
	if (r < 0)
		return EXIT_FAILURE;
	r = manager_run(m);
	return r < 0 ? EXIT_FAILURE : EXIT_SUCCESS;
}
