// SPDX-License-Identifier: GPL-2.0-only
#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <systemd/sd-daemon.h>
#include <systemd/sd-event.h>
#include <time.h>
#include <unistd.h>

#include "alert-exec.h"
#include "alert.h"
#include "checker.h"
#include "finding.h"
#include "flap-limit.h"
#include "log.h"
#include "macro.h"
#include "manager.h"
#include "policy.h"
#include "sha256.h"
#include "transition.h"
#include "textfile.h"
#include "uevent.h"
#include "verifier.h"

/* Timer slack: the interval check may drift a little to save wakeups. */
#define INTERVAL_ACCURACY_USEC (1 * USEC_PER_SEC)
#define SETTLE_ACCURACY_USEC   (1 * USEC_PER_MSEC)
/*
 * A check that could not finish or alert (out of memory, a journal write
 * that failed) is retried, first after the settle delay (at least
 * RETRY_MIN_USEC), doubling up to RETRY_MAX_USEC while it keeps failing.
 */
#define RETRY_MIN_USEC (10 * USEC_PER_MSEC)
#define RETRY_MAX_USEC (30 * USEC_PER_SEC)
/*
 * A module that disappears while a check reads it (ESTALE) makes a torn
 * check: it is re-checked after the settle delay instead of alerted, up to
 * this many times in a row, so a module that keeps flapping is still reported.
 */
#define TORN_CHECKS_MAX 3

struct Manager {
	sd_event *event;
	DaemonConf conf;
	Policy *policy;

	MismatchSet current; /* problems found by the last successful check */
	KvmcfgVerdict verdict;
	int check_error;	 /* -errno of the last check when it could not run, else 0 */
	int textfile_error;	 /* last textfile write error, to log each new one once */
	FlapLimit textfile_flap; /* the "Failed to write"/"works again" pair, rate-limited */
	char *status;		 /* last STATUS= sent */
	Metrics metrics;

	int uevent_fd;
	int test_uevent_fd;
	sd_event_source *uevent_source;
	sd_event_source *test_uevent_source;
	unsigned module_events; /* module add/remove seen in the current drain */
	unsigned module_adds;	/* of which loads */

	sd_event_source *settle_timer;
	sd_event_source *interval_timer;
	sd_event_source *retry_timer;
	uint64_t retry_usec;  /* next retry delay; 0 when the last check went through */
	unsigned torn_checks; /* torn checks in a row, see TORN_CHECKS_MAX */
	sd_event_source *signals[4];

	AlertRunner *runner;
	Verifier *verifier;    /* Verify=yes, else NULL */
	bool in_load_burst;    /* the check at a load uevent, before the settle one */
	bool kvm_device_added; /* this wakeup's uevents created /dev/kvm */
	bool stopping;
};

Manager *manager_free(Manager *m)
{
	size_t i;

	if (!m)
		return NULL;
	alert_runner_free(m->runner);
	verifier_free(m->verifier);
	for (i = 0; i < ELEMENTSOF(m->signals); i++)
		sd_event_source_disable_unref(m->signals[i]);
	sd_event_source_disable_unref(m->settle_timer);
	sd_event_source_disable_unref(m->interval_timer);
	sd_event_source_disable_unref(m->retry_timer);
	sd_event_source_disable_unref(m->uevent_source);
	sd_event_source_disable_unref(m->test_uevent_source);
	if (m->uevent_fd >= 0)
		close(m->uevent_fd);
	if (m->test_uevent_fd >= 0)
		close(m->test_uevent_fd);
	sd_event_unref(m->event);
	kvmcfg_policy_free(m->policy);
	mismatch_set_done(&m->current);
	conf_done(&m->conf);
	free(m->status);
	free(m);
	return NULL;
}

int manager_new(Manager **ret, DaemonConf *conf, int test_uevent_fd)
{
	_cleanup_(manager_freep) Manager *m = NULL;
	int r;

	m = calloc(1, sizeof(*m));
	if (!m)
		return -ENOMEM;
	m->uevent_fd = -1;
	m->test_uevent_fd = test_uevent_fd;
	m->conf = *conf;
	*conf = (DaemonConf){ 0 };
	m->current = (MismatchSet)MISMATCH_SET_INIT;

	r = sd_event_default(&m->event);
	if (r < 0)
		return r;
	/* Honours WATCHDOG_USEC: pings at half the period from the loop itself. */
	r = sd_event_set_watchdog(m->event, true);
	if (r < 0)
		return r;
	if (m->conf.alert_command) {
		r = alert_runner_new(&m->runner, m->event, m->conf.alert_command,
				     m->conf.alert_timeout_usec, &m->metrics);
		if (r < 0)
			return r;
	}
	*ret = TAKE_PTR(m);
	return 0;
}

static void notify_status(Manager *m, const char *prefix, char *status)
{
	/* STATUS= is state, not an alert: say it only when it changes. */
	if (!prefix && m->status && strcmp(m->status, status) == 0) {
		free(status);
		return;
	}
	(void)sd_notifyf(false, "%sSTATUS=%s", prefix ? prefix : "", status);
	free(m->status);
	m->status = status;
}

static uint64_t now_usec(clockid_t clock);

static void update_textfile(Manager *m)
{
	_cleanup_free_ char *text = NULL;
	char why[PATH_MAX + 96] = "";
	unsigned suppressed = 0;
	uint64_t now;
	int r;

	if (!m->conf.textfile)
		return;
	/* Whoever may write a directory on its path may swap the file or flap its writes. */
	r = kvmcfg_check_trusted_path(m->conf.textfile, geteuid(), why, sizeof(why));
	if (r >= 0)
		r = textfile_render(&m->current, &m->metrics, &text);
	if (r >= 0)
		r = textfile_write_atomic(m->conf.textfile, text);
	now = now_usec(CLOCK_MONOTONIC);
	if (r < 0 && flap_limit_failure(&m->textfile_flap, now, &suppressed)) {
		const char *more =
			suppressed ? " (earlier failures and recoveries not logged)" : "";

		if (*why)
			log_errno(LOG_WARNING, r, "Refusing to write textfile %s: %s%s",
				  m->conf.textfile, why, more);
		else
			log_errno(LOG_WARNING, r, "Failed to write textfile %s: %m%s",
				  m->conf.textfile, more);
	} else if (r >= 0 && m->textfile_error && flap_limit_success(&m->textfile_flap, now))
		log_info("Writing textfile %s works again.", m->conf.textfile);
	m->textfile_error = r < 0 ? r : 0;
}

static bool findings_readable(const Findings *f)
{
	size_t i;

	for (i = 0; i < f->n; i++)
		if (f->items[i].kind == FINDING_UNREADABLE &&
		    kvmcfg_finding_is_problem(&f->items[i]))
			return false;
	return true;
}

/*
 * Alert each transition; @failed[i] is set for those to raise again. The
 * AlertCommand job is queued first and the journal entry written second:
 * when queuing fails (out of memory) nothing went out, and when the journal
 * write fails the retry may run the command twice. Either way no channel
 * loses a transition (a command may see one twice). A full AlertCommand
 * queue is a counted drop by design, not a retry. Returns how many failed.
 */
static size_t alert_transitions(Manager *m, const Transition *t, size_t n, bool *failed)
{
	size_t i, n_failed = 0, n_dropped = 0, first_dropped = 0;
	int r = 0;

	for (i = 0; i < n; i++) {
		const Mismatch *x = transition_subject(&t[i]);

		if (m->runner) {
			r = alert_runner_submit(m->runner, &t[i]);
			if (r == -ENOBUFS) {
				/* One line per burst, below: 10,000 mismatches once made 9,740 lines. */
				if (n_dropped++ == 0)
					first_dropped = i;
				r = 0;
			} else if (r < 0)
				log_errno(LOG_ERR, r,
					  "Failed to queue AlertCommand for %s%s%s, will retry: %m",
					  x->module, mismatch_dot(x), x->param);
		}
		if (r >= 0) {
			r = alert_journal(&t[i]);
			if (r < 0)
				log_errno(LOG_ERR, r,
					  "Failed to log the %s alert for %s%s%s, will retry: %m",
					  transition_kind_to_string(t[i].kind), x->module,
					  mismatch_dot(x), x->param);
		}
		failed[i] = r < 0;
		if (failed[i])
			n_failed++;
		else
			m->metrics.transitions[t[i].kind]++;
	}
	if (n_dropped) {
		const Mismatch *x = transition_subject(&t[first_dropped]);

		log_errno(LOG_ERR, -ENOBUFS,
			  "Failed to queue AlertCommand for %zu transition%s (first %s%s%s), "
			  "%zu run or wait already; their journal alerts went out: %m",
			  n_dropped, n_dropped == 1 ? "" : "s", x->module, mismatch_dot(x),
			  x->param, alert_runner_pending(m->runner));
	}
	return n_failed;
}

/* (Re)start one-shot timer @s to fire @usec from now. */
static int timer_arm(sd_event_source *s, uint64_t usec)
{
	int r = sd_event_source_set_time_relative(s, usec);

	if (r >= 0)
		r = sd_event_source_set_enabled(s, SD_EVENT_ONESHOT);
	return r;
}

static bool timer_armed(sd_event_source *s)
{
	int enabled = SD_EVENT_OFF;

	return s && sd_event_source_get_enabled(s, &enabled) >= 0 && enabled != SD_EVENT_OFF;
}

/* What is still to come without a new event: tests wait for "none". */
static const char *manager_pending(const Manager *m)
{
	if (m->verifier && verifier_busy(m->verifier))
		return "probes";
	if (timer_armed(m->settle_timer))
		return "settle";
	if (timer_armed(m->retry_timer))
		return "retry";
	return "none";
}

static void arm_retry(Manager *m, uint64_t usec)
{
	int r = timer_arm(m->retry_timer, usec);

	if (r < 0)
		log_errno(LOG_ERR, r,
			  "Failed to arm the retry timer, next check on the next event: %m");
}

/* A check that could not finish: try again later, backing off while it fails. */
static int check_retry(Manager *m, int error)
{
	uint64_t min = m->conf.settle_usec > RETRY_MIN_USEC ? m->conf.settle_usec : RETRY_MIN_USEC;

	m->retry_usec = m->retry_usec ? m->retry_usec * 2 : min;
	if (m->retry_usec > RETRY_MAX_USEC)
		m->retry_usec = RETRY_MAX_USEC;
	arm_retry(m, m->retry_usec);
	return error;
}

/* Did a module go away while this check read it? */
static bool findings_torn(const Findings *f)
{
	size_t i;

	for (i = 0; i < f->n; i++)
		if (f->items[i].kind == FINDING_UNREADABLE && f->items[i].read_error == -ESTALE)
			return true;
	return false;
}

static void check_failed(Manager *m, int error)
{
	char *status = NULL;

	m->metrics.check_failures++;
	m->metrics.last_check_ok = false;
	if (error != m->check_error) {
		const char *fields[] = { "SYSFS_ROOT=", NULL };
		_cleanup_free_ char *f0 = NULL;

		if (asprintf(&f0, "SYSFS_ROOT=%s", m->conf.sysfs_root) >= 0)
			fields[0] = f0;
		errno = -error;
		log_struct(LOG_ERR, KVMCFG_MESSAGE_CHECK_FAILED, fields,
			   "Cannot check module parameters under %s: %m", m->conf.sysfs_root);
	}
	m->check_error = error;
	errno = -error;
	if (asprintf(&status, "ERROR: cannot check %s: %m", m->conf.sysfs_root) >= 0)
		notify_status(m, NULL, status);
}

static uint64_t now_usec(clockid_t clock)
{
	struct timespec ts;

	clock_gettime(clock, &ts);
	return (uint64_t)ts.tv_sec * USEC_PER_SEC + (uint64_t)ts.tv_nsec / 1000;
}

/* One check: findings -> mismatch set -> transitions -> every channel. */
static int manager_check(Manager *m, const char *reason)
{
	_cleanup_(kvmcfg_findings_freep) Findings *f = NULL;
	_cleanup_free_ Transition *t = NULL;
	_cleanup_free_ bool *failed = NULL;
	MismatchSet now = MISMATCH_SET_INIT;
	char *status = NULL;
	uint64_t t0;
	size_t n = 0, n_failed = 0;
	int r;

	t0 = now_usec(CLOCK_MONOTONIC);
	r = kvmcfg_check_path(m->policy, m->conf.sysfs_root, &f);
	m->metrics.last_check_duration_usec = now_usec(CLOCK_MONOTONIC) - t0;
	m->metrics.last_check_realtime_usec = now_usec(CLOCK_REALTIME);
	m->metrics.checks++;
	if (r == -ENOMEM)
		return check_retry(
			m, log_errno(LOG_ERR, r, "Check (%s) failed, will retry: %m", reason));
	if (r < 0) {
		check_failed(m, r);
		/* Every check ends in one "Check (reason)..." debug line; tests sync on it. */
		log_debug("Check (%s): could not run: %s.", reason, strerror(-r));
		update_textfile(m);
		return r;
	}
	if (m->check_error)
		log_info("Checking module parameters under %s works again.", m->conf.sysfs_root);
	m->check_error = 0;

	if (findings_torn(f) && m->torn_checks < TORN_CHECKS_MAX) {
		m->torn_checks++;
		log_debug("Check (%s): a module went away while it was read, re-checking.", reason);
		arm_retry(m, m->conf.settle_usec > RETRY_MIN_USEC ? m->conf.settle_usec :
								    RETRY_MIN_USEC);
		return 0;
	}
	m->torn_checks = 0;

	if (m->verifier) {
		r = verifier_check(m->verifier, f, !m->in_load_burst);
		if (r < 0)
			return check_retry(m, log_errno(LOG_ERR, r,
							"Check (%s): failed to add the "
							"probes' verdicts, will retry: %m",
							reason));
	}

	r = mismatch_set_from_findings(&now, f);
	if (r < 0)
		return check_retry(
			m, log_errno(LOG_ERR, r,
				     "Check (%s): failed to collect findings, will retry: %m",
				     reason));
	r = mismatch_set_diff(&m->current, &now, &t, &n);
	if (r >= 0 && n > 0) {
		failed = calloc(n, sizeof(*failed));
		if (!failed)
			r = -ENOMEM;
	}
	if (r < 0) {
		mismatch_set_done(&now);
		return check_retry(
			m, log_errno(LOG_ERR, r,
				     "Check (%s): failed to compare findings, will retry: %m",
				     reason));
	}
	n_failed = alert_transitions(m, t, n, failed);
	if (n_failed > 0 && mismatch_set_keep_unalerted(&now, &m->current, t, failed, n) < 0) {
		/* Keep the old state whole: the retry raises every transition again. */
		mismatch_set_done(&now);
		return check_retry(m, -ENOMEM);
	}
	mismatch_set_swap(&m->current, &now);
	mismatch_set_done(&now);

	m->verdict = kvmcfg_findings_verdict(f);
	m->metrics.last_check_ok = findings_readable(f);
	log_debug("Check (%s): %s, %zu problem(s), %zu transition(s), %" PRIu64 "us; pending: %s.",
		  reason, kvmcfg_verdict_to_string(m->verdict), m->current.n, n,
		  m->metrics.last_check_duration_usec, n_failed > 0 ? "retry" : manager_pending(m));
	update_textfile(m);
	if (alert_status(kvmcfg_verdict_to_string(m->verdict), &m->current, &status) >= 0)
		notify_status(m, NULL, status);
	if (n_failed > 0)
		return check_retry(m, -EAGAIN);
	m->retry_usec = 0;
	return 0;
}

int manager_policy_load(const DaemonConf *conf, Policy **ret, PolicyError *err)
{
	const char *const none[] = { NULL };
	const char *const *dropins = NULL;

	if (conf->policy_dropins)
		dropins = strcmp(conf->policy_dropins[0], "none") == 0 ?
				  none :
				  (const char *const *)conf->policy_dropins;
	return kvmcfg_policy_load(ret, conf->policy, dropins, err);
}

static int load_policy(Manager *m, Policy **ret)
{
	PolicyError err = { 0 };
	Policy *p = NULL;
	int r;

	r = manager_policy_load(&m->conf, &p, &err);
	if (r >= 0) {
		*ret = p;
		return 0;
	}
	if (err.n_errors == 0)
		return log_errno(LOG_ERR, r, "Failed to load the policy: %m");
	{
		_cleanup_free_ char *ffile = NULL, *fline = NULL, *ftext = NULL, *where = NULL;
		const char *fields[4] = { 0 };

		if (err.line > 0)
			r = asprintf(&where, "%s:%u", err.file, err.line);
		else
			r = asprintf(&where, "%s", err.file);
		if (r < 0 || asprintf(&ffile, "POLICY_FILE=%s", err.file) < 0 ||
		    asprintf(&fline, "POLICY_LINE=%u", err.line) < 0 ||
		    asprintf(&ftext, "POLICY_ERRORS=%s", err.text) < 0)
			return -ENOMEM;
		fields[0] = ffile;
		fields[1] = fline;
		fields[2] = ftext;
		/* The first error names file:line; every error is in POLICY_ERRORS=. */
		log_struct(LOG_ERR, KVMCFG_MESSAGE_POLICY_REJECTED, fields,
			   "Policy rejected: %s: %s%s", where, err.message,
			   err.n_errors > 1 ? " (and more, see POLICY_ERRORS)" : "");
	}
	return -EINVAL;
}

static int arm_settle(Manager *m)
{
	int r;

	if (m->conf.settle_usec == 0)
		return 0;
	/* Debounce: a burst of loads is re-checked once, settle after the last. */
	r = timer_arm(m->settle_timer, m->conf.settle_usec);
	if (r < 0)
		return log_errno(LOG_ERR, r, "Failed to arm the settle timer: %m");
	return 0;
}

static void on_one_uevent(const Uevent *u, void *userdata)
{
	Manager *m = userdata;
	const char *module = NULL;
	UeventModuleAction a;

	if (uevent_is_kvm_device_add(u)) {
		log_debug("/dev/kvm created (uevent seqnum %" PRIu64 ").", u->seqnum);
		m->kvm_device_added = true;
		return;
	}
	a = uevent_module_action(u, &module);
	if (a == UEVENT_MODULE_NONE)
		return;
	m->metrics.module_uevents++;
	m->module_events++;
	if (a == UEVENT_MODULE_ADD)
		m->module_adds++;
	log_debug("Module %s %s (uevent seqnum %" PRIu64 ").", module,
		  a == UEVENT_MODULE_ADD ? "loaded" : "unloaded", u->seqnum);
}

static int on_uevent_readable(sd_event_source *s, int fd, uint32_t revents, void *userdata)
{
	Manager *m = userdata;
	bool kernel_only = s == m->uevent_source;
	int r;

	(void)revents;
	m->module_events = m->module_adds = 0;
	m->kvm_device_added = false;
	r = uevent_socket_drain(fd, kernel_only, on_one_uevent, m);
	if (r == -ENOBUFS) {
		/* Events were lost, maybe a load among them: assume the worst. */
		m->metrics.uevent_overflows++;
		log_struct(
			LOG_WARNING, KVMCFG_MESSAGE_UEVENT_OVERFLOW, NULL,
			"Kernel uevent queue overflowed, events were lost; re-checking everything.");
		m->module_events++;
		m->module_adds++;
	} else if (r < 0) {
		log_errno(LOG_ERR, r, "Failed to read uevents, ignoring: %m");
		return 0;
	}
	if (m->module_events == 0) {
		/* /dev/kvm alone (the vendor module's load is in the same burst otherwise). */
		if (m->kvm_device_added && m->verifier)
			verifier_device_added(m->verifier);
		return 0;
	}
	/* What the probes saw was the modules before this change. */
	if (m->verifier)
		verifier_invalidate(m->verifier);
	/*
	 * On a load, check now, while the module that announced itself is
	 * still there with the params it was loaded with: a wrong value that
	 * is gone again by the settle check is still caught and alerted (and
	 * then resolved). An unload reveals no value, and mid-teardown sysfs
	 * shows the module without its parameters, which would only raise a
	 * spurious "param-missing": unloads wait for the settle check, which
	 * sees the state once the burst is over.
	 */
	if (m->module_adds > 0) {
		/* With no settle check to follow, this one starts the probes. */
		m->in_load_burst = m->conf.settle_usec > 0;
		(void)manager_check(m, "module load uevent");
		m->in_load_burst = false;
	}
	return arm_settle(m);
}

static int on_settle(sd_event_source *s, uint64_t usec, void *userdata)
{
	(void)s;
	(void)usec;
	(void)manager_check(userdata, "settle after module uevent");
	return 0;
}

static int on_retry(sd_event_source *s, uint64_t usec, void *userdata)
{
	(void)s;
	(void)usec;
	(void)manager_check(userdata, "retry");
	return 0;
}

static int on_interval(sd_event_source *s, uint64_t usec, void *userdata)
{
	Manager *m = userdata;
	int r;

	(void)usec;
	(void)manager_check(m, "interval");
	r = sd_event_source_set_time_relative(s, m->conf.interval_usec);
	if (r < 0)
		return log_errno(LOG_ERR, r, "Failed to re-arm the interval timer: %m");
	return 0;
}

static void on_runner_idle(AlertRunner *r, void *userdata)
{
	Manager *m = userdata;

	(void)r;
	if (m->stopping)
		(void)sd_event_exit(m->event, 0);
}

static void stop_sources(Manager *m)
{
	if (m->verifier)
		verifier_stop(m->verifier);
	(void)sd_event_source_set_enabled(m->settle_timer, SD_EVENT_OFF);
	(void)sd_event_source_set_enabled(m->interval_timer, SD_EVENT_OFF);
	(void)sd_event_source_set_enabled(m->retry_timer, SD_EVENT_OFF);
	(void)sd_event_source_set_enabled(m->uevent_source, SD_EVENT_OFF);
	(void)sd_event_source_set_enabled(m->test_uevent_source, SD_EVENT_OFF);
}

static int on_stop_signal(sd_event_source *s, const struct signalfd_siginfo *si, void *userdata)
{
	Manager *m = userdata;
	char *status;

	(void)s;
	if (m->stopping) {
		log_notice("Second %s, stopping now.", strsignal((int)si->ssi_signo));
		return sd_event_exit(m->event, 0);
	}
	m->stopping = true;
	/*
	 * An alert that could not be raised waits for the retry timer, which
	 * stops with everything else: try once more on the way out, or it is
	 * lost (a "resolved" would never come back; a new daemon only sees
	 * the mismatches still there).
	 */
	if (m->retry_usec > 0 && manager_check(m, "stop") < 0)
		log_error("Stopping while the pending retry still fails (an alert may not "
			  "have been raised); the next start re-checks every parameter.");
	stop_sources(m);
	status = strdup("Shutting down.");
	if (status)
		notify_status(m, "STOPPING=1\n", status);
	log_info("Received %s, stopping.", strsignal((int)si->ssi_signo));
	/* Let running alert commands finish; their timeout bounds the wait. */
	if (alert_runner_pending(m->runner) > 0) {
		log_info("Waiting for %zu alert command(s) to finish.",
			 alert_runner_pending(m->runner));
		return 0;
	}
	return sd_event_exit(m->event, 0);
}

/* kvmcfg_policy_info and kvmcfg_policy_rules for the policy now in force. */
static void policy_metrics(Manager *m)
{
	_cleanup_free_ char *text = NULL;

	m->metrics.policy_rules = kvmcfg_policy_n_rules(m->policy);
	m->metrics.policy_sha256[0] = '\0';
	/* The effective text: drop-ins and origins included, so any change shows. */
	if (kvmcfg_policy_format(m->policy, &text) == 0)
		kvmcfg_sha256_hex(text, strlen(text), m->metrics.policy_sha256);
}

static int on_reload_signal(sd_event_source *s, const struct signalfd_siginfo *si, void *userdata)
{
	Manager *m = userdata;
	Policy *p = NULL;
	char *status;
	int r;

	(void)s;
	(void)si;
	if (m->stopping)
		return 0;
	m->metrics.reloads++;
	status = strdup("Reloading the policy.");
	if (status) {
		char prefix[64];

		snprintf(prefix, sizeof(prefix), "RELOADING=1\nMONOTONIC_USEC=%" PRIu64 "\n",
			 now_usec(CLOCK_MONOTONIC));
		notify_status(m, prefix, status);
	}
	r = load_policy(m, &p);
	m->metrics.last_reload_failed = r < 0;
	if (r < 0) {
		m->metrics.reload_failures++;
		log_warning("Keeping the previous policy (%zu rules).",
			    kvmcfg_policy_n_rules(m->policy));
	} else {
		kvmcfg_policy_free(m->policy);
		m->policy = p;
		policy_metrics(m);
		log_info("Policy reloaded: %zu rules from %s.", kvmcfg_policy_n_rules(p),
			 p->files && p->files[0] ? p->files[0] : "(none)");
	}
	/* Check under whichever policy is in force; READY=1 ends the reload. */
	if (m->verifier)
		verifier_want(m->verifier);
	free(m->status);
	m->status = NULL;
	(void)manager_check(m, "reload");
	(void)sd_notify(false, "READY=1");
	return 0;
}

static int on_check_signal(sd_event_source *s, const struct signalfd_siginfo *si, void *userdata)
{
	Manager *m = userdata;

	(void)s;
	(void)si;
	if (m->stopping)
		return 0;
	/* Runtime-writable params (ignore_msrs) change without a uevent: probe again. */
	if (m->verifier)
		verifier_want(m->verifier);
	(void)manager_check(m, "SIGUSR1");
	return 0;
}

static int add_uevent_sources(Manager *m)
{
	int r;

	r = uevent_socket_open(&m->uevent_fd);
	if (r < 0) {
		/* Not fatal: the interval check still runs, only later. */
		log_errno(LOG_WARNING, r,
			  "Cannot listen to kernel uevents, checking on the interval only: %m");
	} else {
		r = sd_event_add_io(m->event, &m->uevent_source, m->uevent_fd, EPOLLIN,
				    on_uevent_readable, m);
		if (r < 0)
			return log_errno(LOG_ERR, r, "Failed to watch the uevent socket: %m");
		/* Before timers: an event queued with a timer expiry is seen first. */
		(void)sd_event_source_set_priority(m->uevent_source, SD_EVENT_PRIORITY_IMPORTANT);
	}
	if (m->test_uevent_fd >= 0) {
		r = sd_event_add_io(m->event, &m->test_uevent_source, m->test_uevent_fd, EPOLLIN,
				    on_uevent_readable, m);
		if (r < 0)
			return log_errno(LOG_ERR, r, "Failed to watch the test uevent fd: %m");
		(void)sd_event_source_set_priority(m->test_uevent_source,
						   SD_EVENT_PRIORITY_IMPORTANT);
	}
	return 0;
}

static int add_signal_sources(Manager *m)
{
	static const struct {
		int sig;
		sd_event_signal_handler_t handler;
	} table[] = {
		{ SIGTERM, on_stop_signal },
		{ SIGINT, on_stop_signal },
		{ SIGHUP, on_reload_signal },
		{ SIGUSR1, on_check_signal },
	};
	size_t i;
	int r;

	for (i = 0; i < ELEMENTSOF(table); i++) {
		r = sd_event_add_signal(m->event, &m->signals[i], table[i].sig, table[i].handler,
					m);
		if (r < 0)
			return log_errno(LOG_ERR, r, "Failed to watch %s: %m",
					 strsignal(table[i].sig));
	}
	return 0;
}

/* A one-shot timer, created disarmed; timer_arm() starts it. */
static int timer_new_off(Manager *m, sd_event_source **ret, sd_event_time_handler_t cb)
{
	int r = sd_event_add_time_relative(m->event, ret, CLOCK_MONOTONIC, 0, SETTLE_ACCURACY_USEC,
					   cb, m);

	if (r >= 0)
		r = sd_event_source_set_enabled(*ret, SD_EVENT_OFF);
	return r;
}

static int add_timers(Manager *m)
{
	uint64_t acc;
	int r;

	r = timer_new_off(m, &m->settle_timer, on_settle);
	if (r < 0)
		return log_errno(LOG_ERR, r, "Failed to create the settle timer: %m");
	r = timer_new_off(m, &m->retry_timer, on_retry);
	if (r < 0)
		return log_errno(LOG_ERR, r, "Failed to create the retry timer: %m");
	if (m->conf.interval_usec == 0)
		return 0;
	acc = m->conf.interval_usec / 10;
	if (acc > INTERVAL_ACCURACY_USEC)
		acc = INTERVAL_ACCURACY_USEC;
	r = sd_event_add_time_relative(m->event, &m->interval_timer, CLOCK_MONOTONIC,
				       m->conf.interval_usec, acc, on_interval, m);
	if (r >= 0)
		r = sd_event_source_set_enabled(m->interval_timer, SD_EVENT_ON);
	if (r < 0)
		return log_errno(LOG_ERR, r, "Failed to create the interval timer: %m");
	return 0;
}

static void on_verify_done(Verifier *v, void *userdata)
{
	Manager *m = userdata;

	(void)v;
	if (!m->stopping)
		(void)manager_check(m, "verify");
}

int manager_start(Manager *m)
{
	char a[32], b[32], c[32];
	int r;

	r = load_policy(m, &m->policy);
	if (r < 0)
		return r;
	policy_metrics(m);
	log_info("Policy loaded: %zu rules from %s.", kvmcfg_policy_n_rules(m->policy),
		 m->policy->files && m->policy->files[0] ? m->policy->files[0] : "(none)");
	if (m->runner)
		alert_runner_set_idle_callback(m->runner, on_runner_idle, m);
	r = add_signal_sources(m);
	if (r < 0)
		return r;
	r = add_uevent_sources(m);
	if (r < 0)
		return r;
	r = add_timers(m);
	if (r < 0)
		return r;
	if (m->conf.verify) {
		r = verifier_new(&m->verifier, m->event, m->conf.verify_interval_usec,
				 m->conf.verify_timeout_usec, &m->metrics, on_verify_done, m);
		if (r < 0)
			return log_errno(LOG_ERR, r, "Failed to set up the reality probes: %m");
		verifier_want(m->verifier);
	}
	(void)manager_check(m, "start");
	log_info("Watching %s: interval %s, settle delay %s, reality probes %s%s.",
		 m->conf.sysfs_root,
		 m->conf.interval_usec ? conf_format_timespan(a, sizeof(a), m->conf.interval_usec) :
					 "off",
		 conf_format_timespan(b, sizeof(b), m->conf.settle_usec),
		 m->conf.verify ? "every " : "off",
		 !m->conf.verify	      ? "" :
		 m->conf.verify_interval_usec ? conf_format_timespan(c, sizeof(c),
								     m->conf.verify_interval_usec) :
						"module change and SIGUSR1");
	(void)sd_notify(false, "READY=1");
	return 0;
}

int manager_run(Manager *m)
{
	int r = sd_event_loop(m->event);

	if (r < 0)
		return log_errno(LOG_ERR, r, "Event loop failed: %m");
	return r;
}
