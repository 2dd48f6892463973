// SPDX-License-Identifier: GPL-2.0-only
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "macro.h"
#include "memstream.h"
#include "prom-escape.h"
#include "textfile.h"

static void write_header(FILE *f, const char *name, const char *type, const char *help)
{
	fprintf(f, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, type);
}

static void write_counter(FILE *f, const char *name, const char *help, uint64_t v)
{
	write_header(f, name, "counter", help);
	fprintf(f, "%s %" PRIu64 "\n", name, v);
}

/* One series: name{label="value",...} value, every value escaped. */
static void write_series(FILE *f, const char *name, const char *const *labels,
			 const char *const *values, size_t n, const char *value)
{
	size_t j;

	fprintf(f, "%s{", name);
	for (j = 0; j < n; j++) {
		fprintf(f, "%s%s=\"", j ? "," : "", labels[j]);
		kvmcfg_prom_label_value(f, values[j]);
		fputc('"', f);
	}
	fprintf(f, "} %s\n", value);
}

static void write_mismatches(FILE *f, const MismatchSet *s)
{
	/*
	 * The alerting series carries only what identifies a finding (as
	 * transition.h does, plus the severity that routes it): a new value
	 * read, or a rule moved to another line, must not rename the series,
	 * or the alert resolves and fires again for no real change. What
	 * changes goes into kvmcfg_mismatch_info, to join on for display.
	 */
	static const char *const labels[] = { "module", "param", "rule", "severity" };
	static const char *const info_labels[] = {
		"module", "param", "rule", "kind", "expected", "actual", "origin",
	};
	size_t i, j;

	write_header(f, "kvmcfg_mismatch", "gauge",
		     "1 for each module parameter that does not match the kvmcfgd policy.");
	for (i = 0; i < s->n; i++) {
		const Mismatch *m = &s->v[i];
		const char *values[] = { m->module, m->param, m->rule, m->severity };

		write_series(f, "kvmcfg_mismatch", labels, values, ELEMENTSOF(labels), "1");
	}
	write_header(
		f, "kvmcfg_mismatch_info", "gauge",
		"What each kvmcfg_mismatch is about: kind, expected and actual value, policy origin.");
	for (i = 0; i < s->n; i++) {
		const Mismatch *m = &s->v[i];
		const char *values[] = {
			m->module, m->param, m->rule, m->kind, m->expected, m->actual, m->origin,
		};

		write_series(f, "kvmcfg_mismatch_info", info_labels, values,
			     ELEMENTSOF(info_labels), "1");
	}

	write_header(f, "kvmcfg_mismatches", "gauge",
		     "Number of mismatching parameters, by severity.");
	for (i = 0; i < s->n; i++) {
		/* Sorted by identity, not severity: print each severity at its first use. */
		for (j = 0; j < i; j++)
			if (strcmp(s->v[j].severity, s->v[i].severity) == 0)
				break;
		if (j < i)
			continue;
		fputs("kvmcfg_mismatches{severity=\"", f);
		kvmcfg_prom_label_value(f, s->v[i].severity);
		fprintf(f, "\"} %zu\n", mismatch_set_count_severity(s, s->v[i].severity));
	}
}

/* Stable labels only (module, param): a dashboard joins on them across kernels. */
static void write_contradictions(FILE *f, const MismatchSet *s)
{
	size_t i;

	write_header(
		f, "kvmcfg_param_contradicted", "gauge",
		"1 for each module parameter that contradicts what a reality probe saw KVM do.");
	for (i = 0; i < s->n; i++) {
		if (strcmp(s->v[i].kind, "contradicted"))
			continue;
		fputs("kvmcfg_param_contradicted{module=\"", f);
		kvmcfg_prom_label_value(f, s->v[i].module);
		fputs("\",param=\"", f);
		kvmcfg_prom_label_value(f, s->v[i].param);
		fputs("\"} 1\n", f);
	}
}

void textfile_render_check(FILE *f, const MismatchSet *s, const Metrics *m)
{
	write_mismatches(f, s);
	write_contradictions(f, s);
	write_header(f, "kvmcfg_ok", "gauge",
		     "1 when the last check read every parameter and all match the policy.");
	fprintf(f, "kvmcfg_ok %d\n", m->last_check_ok && s->n == 0);
	write_header(f, "kvmcfg_check_readable", "gauge",
		     "1 when the last check could read every parameter it needed.");
	fprintf(f, "kvmcfg_check_readable %d\n", m->last_check_ok);
	write_header(f, "kvmcfg_last_check_timestamp_seconds", "gauge",
		     "When the last check finished, in seconds since the epoch.");
	fprintf(f, "kvmcfg_last_check_timestamp_seconds %" PRIu64 ".%06" PRIu64 "\n",
		m->last_check_realtime_usec / USEC_PER_SEC,
		m->last_check_realtime_usec % USEC_PER_SEC);
	write_header(f, "kvmcfg_last_check_duration_seconds", "gauge",
		     "How long the last check took.");
	fprintf(f, "kvmcfg_last_check_duration_seconds %" PRIu64 ".%06" PRIu64 "\n",
		m->last_check_duration_usec / USEC_PER_SEC,
		m->last_check_duration_usec % USEC_PER_SEC);
}

int textfile_render(const MismatchSet *s, const Metrics *m, char **ret)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f;
	int k;

	f = kvmcfg_memstream_open(&buf, &len);
	if (!f)
		return -errno;

	textfile_render_check(f, s, m);

	write_counter(f, "kvmcfg_checks_total", "Checks run since kvmcfgd started.", m->checks);
	write_counter(f, "kvmcfg_check_failures_total", "Checks that could not run at all.",
		      m->check_failures);
	write_header(f, "kvmcfg_transitions_total", "counter",
		     "Alerts raised: mismatches that appeared, resolved or changed value.");
	for (k = 0; k < _TRANSITION_MAX; k++)
		fprintf(f, "kvmcfg_transitions_total{kind=\"%s\"} %" PRIu64 "\n",
			transition_kind_to_string(k), m->transitions[k]);
	write_counter(f, "kvmcfg_module_uevents_total", "Module load/unload uevents seen.",
		      m->module_uevents);
	write_counter(f, "kvmcfg_uevent_overflows_total",
		      "Times the uevent queue overflowed (a full re-check followed).",
		      m->uevent_overflows);
	write_counter(f, "kvmcfg_reloads_total", "Policy reloads requested (SIGHUP).", m->reloads);
	write_counter(f, "kvmcfg_reload_failures_total",
		      "Policy reloads rejected; the previous policy stayed in force.",
		      m->reload_failures);
	write_header(
		f, "kvmcfg_reload_failed", "gauge",
		"1 when the last policy reload was rejected (the previous policy is in force).");
	fprintf(f, "kvmcfg_reload_failed %d\n", m->last_reload_failed);
	if (m->policy_sha256[0]) {
		static const char *const policy_labels[] = { "sha256" };
		const char *policy_values[] = { m->policy_sha256 };

		write_header(
			f, "kvmcfg_policy_info", "gauge",
			"The policy in force: SHA-256 of its effective text (kvmcfgctl validate --print).");
		write_series(f, "kvmcfg_policy_info", policy_labels, policy_values, 1, "1");
		write_header(f, "kvmcfg_policy_rules", "gauge", "Rules in the policy in force.");
		fprintf(f, "kvmcfg_policy_rules %" PRIu64 "\n", m->policy_rules);
	}
	write_counter(f, "kvmcfg_alert_commands_total", "AlertCommand= runs started.",
		      m->alert_commands);
	write_counter(f, "kvmcfg_alert_command_failures_total",
		      "AlertCommand= runs that failed to start, exited non-zero or were killed.",
		      m->alert_command_failures);
	write_counter(f, "kvmcfg_alert_command_timeouts_total",
		      "AlertCommand= runs killed at the timeout.", m->alert_command_timeouts);
	write_counter(f, "kvmcfg_alert_commands_dropped_total",
		      "AlertCommand= runs not started because too many were queued.",
		      m->alert_commands_dropped);
	write_header(
		f, "kvmcfg_verify_runs_total", "counter",
		"Reality probe runs (Verify=) by how they ended: completed; cut_short, the run "
		"ended before every probe reported; timed_out, killed at its deadline; killed, "
		"stopped by a module change that made its result stale.");
	fprintf(f, "kvmcfg_verify_runs_total{outcome=\"completed\"} %" PRIu64 "\n",
		m->verify_completed);
	fprintf(f, "kvmcfg_verify_runs_total{outcome=\"cut_short\"} %" PRIu64 "\n",
		m->verify_cut_short);
	fprintf(f, "kvmcfg_verify_runs_total{outcome=\"timed_out\"} %" PRIu64 "\n",
		m->verify_timeouts);
	fprintf(f, "kvmcfg_verify_runs_total{outcome=\"killed\"} %" PRIu64 "\n", m->verify_killed);

	if (fclose(f) != 0) {
		free(buf);
		return -ENOMEM;
	}
	*ret = buf;
	return 0;
}

int textfile_write_atomic(const char *path, const char *text)
{
	char tmp[PATH_MAX];
	const char *slash = strrchr(path, '/');
	size_t len = strlen(text), off = 0;
	_cleanup_close_ int fd = -1;
	int r;

	/* A dot-name without .prom: the collector ignores it until the rename. */
	if (slash)
		r = snprintf(tmp, sizeof(tmp), "%.*s/.%s.XXXXXX", (int)(slash - path), path,
			     slash + 1);
	else
		r = snprintf(tmp, sizeof(tmp), ".%s.XXXXXX", path);
	if (r < 0 || (size_t)r >= sizeof(tmp))
		return -ENAMETOOLONG;

	fd = mkostemp(tmp, O_CLOEXEC);
	if (fd < 0)
		return -errno;
	while (off < len) {
		ssize_t n = write(fd, text + off, len - off);

		if (n < 0) {
			if (errno == EINTR)
				continue;
			r = -errno;
			goto fail;
		}
		off += (size_t)n;
	}
	if (fchmod(fd, 0644) < 0 || fsync(fd) < 0) {
		r = -errno;
		goto fail;
	}
	if (rename(tmp, path) < 0) {
		r = -errno;
		goto fail;
	}
	return 0;
fail:
	(void)unlink(tmp);
	return r;
}
