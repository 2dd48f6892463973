// SPDX-License-Identifier: GPL-2.0-only
#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "log.h"
#include "macro.h"
#include "probe-verify.h"
#include "verifier.h"

#define PROBES_MAX 32
/* Beyond n probes times VerifyTimeout=, the batch child itself is killed. */
#define BATCH_SLACK_USEC (5 * USEC_PER_SEC)
/*
 * kvm.ko loads before its vendor module, whose init creates /dev/kvm, and a
 * reload removes it for a moment. A run then would only report every param
 * unverified ("cannot open /dev/kvm") and resolve a moment later, on every
 * module reload. So a run waits for the device: the manager wakes it on the
 * kernel's add@/devices/virtual/misc/kvm uevent, and a timer looks once a
 * second in case no uevent comes (no uevent socket). After DEVICE_WAITS
 * looks it runs anyway, and a /dev/kvm that never came is reported.
 */
#define DEVICE_WAITS	 10
#define DEVICE_WAIT_USEC (1 * USEC_PER_SEC)

struct Verifier {
	sd_event *event;
	uint64_t interval_usec;
	unsigned timeout_ms;
	verifier_done_t done;
	void *userdata;
	Metrics *metrics;
	sd_event_source *interval_timer;
	sd_event_source *io;
	sd_event_source *deadline;
	sd_event_source *device_timer; /* armed while a run waits for /dev/kvm */
	unsigned device_waits;
	const char *device;

	/* The run in flight: pid > 0. */
	pid_t pid;
	int fd;
	const KvmcfgProbe *run_probes[PROBES_MAX];
	KvmcfgProbeResult run_results[PROBES_MAX];
	size_t run_n, got; /* bytes of run_results received */

	/* The last complete run. */
	const KvmcfgProbe *probes[PROBES_MAX];
	KvmcfgProbeResult results[PROBES_MAX];
	size_t n;
	bool valid;

	bool wanted, rerun;
	Findings *carried; /* the verdicts the last apply added */
	uint64_t runs;
};

static void run_kill(Verifier *v)
{
	if (v->pid > 0)
		kvmcfg_probe_batch_kill(v->pid);
	v->pid = 0;
	if (v->fd >= 0)
		close(v->fd);
	v->fd = -1;
	v->io = sd_event_source_disable_unref(v->io);
	v->deadline = sd_event_source_disable_unref(v->deadline);
}

Verifier *verifier_free(Verifier *v)
{
	if (!v)
		return NULL;
	run_kill(v);
	sd_event_source_disable_unref(v->interval_timer);
	sd_event_source_disable_unref(v->device_timer);
	kvmcfg_findings_free(v->carried);
	sd_event_unref(v->event);
	free(v);
	return NULL;
}

static int on_interval(sd_event_source *s, uint64_t usec, void *userdata)
{
	Verifier *v = userdata;

	(void)usec;
	v->wanted = true;
	(void)sd_event_source_set_time_relative(s, v->interval_usec);
	v->done(v, v->userdata);
	return 0;
}

/* Stop waiting for /dev/kvm and ask for a check, which decides again. */
static void device_wait_end(Verifier *v)
{
	v->device_timer = sd_event_source_disable_unref(v->device_timer);
	v->wanted = true;
	v->done(v, v->userdata);
}

static int on_device_wait(sd_event_source *s, uint64_t usec, void *userdata)
{
	(void)s;
	(void)usec;
	device_wait_end(userdata);
	return 0;
}

/* Whether to put the wanted run off: no /dev/kvm yet, and not waited long. */
static bool wait_for_device(Verifier *v)
{
	if (access(v->device, F_OK) == 0 || errno != ENOENT || v->device_waits >= DEVICE_WAITS) {
		if (v->device_waits >= DEVICE_WAITS)
			log_debug("Verify: %s did not appear, probing anyway.", v->device);
		v->device_waits = 0;
		return false;
	}
	if (sd_event_add_time_relative(v->event, &v->device_timer, CLOCK_MONOTONIC,
				       DEVICE_WAIT_USEC, USEC_PER_MSEC * 100, on_device_wait,
				       v) < 0)
		return false;
	v->device_waits++;
	log_debug("Verify: waiting for %s (%u/%u).", v->device, v->device_waits, DEVICE_WAITS);
	return true;
}

void verifier_device_added(Verifier *v)
{
	if (!v->device_timer)
		return;
	log_debug("Verify: %s appeared.", v->device);
	v->device_waits = 0;
	device_wait_end(v);
}

bool verifier_busy(const Verifier *v)
{
	return v->pid > 0 || v->wanted || v->rerun || v->device_timer;
}

int verifier_new(Verifier **ret, sd_event *e, uint64_t interval_usec, uint64_t timeout_usec,
		 Metrics *metrics, verifier_done_t done, void *userdata)
{
	_cleanup_(verifier_freep) Verifier *v = calloc(1, sizeof(*v));
	int r;

	if (!v)
		return -ENOMEM;
	v->event = sd_event_ref(e);
	v->fd = -1;
	v->device = getenv("KVMCFGD_TEST_KVM_DEVICE") ?: "/dev/kvm";
	v->interval_usec = interval_usec;
	v->timeout_ms = timeout_usec / 1000 ? (unsigned)(timeout_usec / 1000) : 1;
	v->done = done;
	v->userdata = userdata;
	v->metrics = metrics;
	if (interval_usec) {
		r = sd_event_add_time_relative(e, &v->interval_timer, CLOCK_MONOTONIC,
					       interval_usec, USEC_PER_SEC, on_interval, v);
		if (r < 0)
			return r;
	}
	*ret = TAKE_PTR(v);
	return 0;
}

void verifier_want(Verifier *v)
{
	v->wanted = true;
}

void verifier_invalidate(Verifier *v)
{
	/* A run in flight may have probed the old modules: drop it too. */
	if (v->pid > 0) {
		run_kill(v);
		v->metrics->verify_killed++;
	}
	v->rerun = false;
	v->valid = false;
	v->wanted = true;
	/* A module change: the next check decides afresh whether to wait. */
	v->device_timer = sd_event_source_disable_unref(v->device_timer);
	v->device_waits = 0;
}

void verifier_stop(Verifier *v)
{
	(void)sd_event_source_set_enabled(v->interval_timer, SD_EVENT_OFF);
	v->device_timer = sd_event_source_disable_unref(v->device_timer);
}

uint64_t verifier_runs(const Verifier *v)
{
	return v->runs;
}

/* The run is over (all results in, EOF, or killed): keep what came, mark the rest. */
static void run_finish(Verifier *v, const char *why)
{
	size_t i, complete = v->got / sizeof(KvmcfgProbeResult);

	run_kill(v);
	for (i = complete; i < v->run_n; i++) {
		memset(&v->run_results[i], 0, sizeof(v->run_results[i]));
		kvmcfg_probe_set_outcome(&v->run_results[i], KVMCFG_PROBE_CANNOT_RUN,
					 "the probe run %s before probe %s reported", why,
					 v->run_probes[i]->name);
	}
	memcpy(v->probes, v->run_probes, sizeof(v->probes));
	memcpy(v->results, v->run_results, sizeof(v->results));
	v->n = v->run_n;
	v->valid = true;
	v->runs++;
	log_debug("Verify: %zu probe(s) done%s%s.", v->n, complete < v->run_n ? ", " : "",
		  complete < v->run_n ? why : "");
	if (v->rerun) {
		v->rerun = false;
		v->wanted = true;
	}
	v->done(v, v->userdata);
}

static int on_readable(sd_event_source *s, int fd, uint32_t revents, void *userdata)
{
	Verifier *v = userdata;
	size_t want = v->run_n * sizeof(KvmcfgProbeResult);

	(void)s;
	(void)revents;
	for (;;) {
		ssize_t k = read(fd, (char *)v->run_results + v->got, want - v->got);

		if (k > 0) {
			v->got += (size_t)k;
			if (v->got == want)
				break;
			continue;
		}
		if (k < 0 && errno == EINTR)
			continue;
		if (k < 0 && errno == EAGAIN)
			return 0;
		v->metrics->verify_cut_short++;
		run_finish(v, k == 0 ? "ended" : "failed to report");
		return 0;
	}
	v->metrics->verify_completed++;
	run_finish(v, "completed");
	return 0;
}

static int on_deadline(sd_event_source *s, uint64_t usec, void *userdata)
{
	Verifier *v = userdata;

	(void)s;
	(void)usec;
	log_warning("Verify: the probe run did not finish in time, killed it.");
	v->metrics->verify_timeouts++;
	run_finish(v, "timed out");
	return 0;
}

/* Start the run of the v->run_n probes in v->run_probes (none: nothing to run). */
static int run_start(Verifier *v)
{
	int r;

	v->got = 0;
	if (v->run_n == 0) {
		v->n = 0;
		v->valid = true;
		return 0;
	}
	r = kvmcfg_probe_batch_start(v->run_probes, v->run_n, v->timeout_ms, &v->pid, &v->fd);
	if (r < 0)
		return r;
	r = sd_event_add_io(v->event, &v->io, v->fd, EPOLLIN, on_readable, v);
	if (r >= 0)
		r = sd_event_add_time_relative(v->event, &v->deadline, CLOCK_MONOTONIC,
					       v->run_n * (uint64_t)v->timeout_ms * USEC_PER_MSEC +
						       BATCH_SLACK_USEC,
					       USEC_PER_MSEC * 100, on_deadline, v);
	if (r < 0) {
		run_kill(v);
		return r;
	}
	log_debug("Verify: running %zu probe(s).", v->run_n);
	return 0;
}

/* Whether @f read @module.@param as @value in a policy rule's finding. */
static bool still_reads(const Findings *f, const Finding *c)
{
	size_t i;

	for (i = 0; i < f->n; i++) {
		const Finding *x = &f->items[i];

		if (x->param && x->actual && !x->rule && !x->probe &&
		    !strcmp(x->module, c->module) && !strcmp(x->param, c->param))
			return c->actual && !strcmp(x->actual, c->actual);
	}
	return false;
}

static int add_copy(Findings *f, const Finding *c)
{
	int r = kvmcfg_findings_add(f, c->kind, c->severity, c->module, c->param, c->expected,
				    c->actual, c->read_error, c->origin_file, c->origin_line,
				    c->rule, c->message);

	return r < 0 ? r : kvmcfg_findings_set_probe(f, c->probe, c->evidence);
}

int verifier_check(Verifier *v, Findings *f, bool may_start)
{
	_cleanup_(kvmcfg_findings_freep) Findings *carried = NULL;
	size_t i, n0 = f->n;
	int r;

	if (!may_start)
		;
	else if (v->wanted && v->pid > 0) {
		v->rerun = true;
		v->wanted = false;
	} else if (v->wanted && v->device_timer) {
		/* Waiting for /dev/kvm: its uevent or the timer asks again. */
		v->wanted = false;
	} else if (v->wanted) {
		v->wanted = false;
		/* The probes @f needs; with none (no module loaded) there is no device to wait for. */
		v->run_n = kvmcfg_verify_probes_needed(f, v->run_probes);
		if (v->run_n == 0 || !wait_for_device(v)) {
			r = run_start(v);
			if (r < 0) {
				log_errno(LOG_ERR, r,
					  "Verify: failed to start the probes, will retry: %m");
				v->wanted = true;
			}
		}
	}
	if (!v->valid) {
		/* Re-probing after a module change: keep verdicts on params that kept their value. */
		for (i = 0; v->carried && i < v->carried->n; i++)
			if (still_reads(f, &v->carried->items[i])) {
				r = add_copy(f, &v->carried->items[i]);
				if (r < 0)
					return r;
			}
		return 0;
	}
	r = kvmcfg_verify_apply(f, v->probes, v->results, v->n, false);
	if (r < 0)
		return r;
	r = kvmcfg_findings_new(&carried);
	for (i = n0; r >= 0 && i < f->n; i++)
		r = add_copy(carried, &f->items[i]);
	if (r < 0)
		return r;
	kvmcfg_findings_free(v->carried);
	v->carried = TAKE_PTR(carried);
	return 0;
}
