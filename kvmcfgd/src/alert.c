// SPDX-License-Identifier: GPL-2.0-only
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>

#include "alert.h"
#include "log.h"
#include "macro.h"
#include "memstream.h"
#include "param.h"

const char *alert_message_id(TransitionKind k)
{
	switch (k) {
	case TRANSITION_NEW:
		return KVMCFG_MESSAGE_MISMATCH;
	case TRANSITION_RESOLVED:
		return KVMCFG_MESSAGE_RESOLVED;
	case TRANSITION_CHANGED:
		return KVMCFG_MESSAGE_CHANGED;
	default:
		return NULL;
	}
}

const char *alert_message_id_of(const Transition *t)
{
	if (t->kind != TRANSITION_RESOLVED && !strcmp(transition_subject(t)->kind, "contradicted"))
		return KVMCFG_MESSAGE_CONTRADICTED;
	return alert_message_id(t->kind);
}

int alert_priority(const Transition *t)
{
	const char *sev = transition_subject(t)->severity;

	if (t->kind == TRANSITION_RESOLVED)
		return LOG_NOTICE;
	if (!strcmp(sev, "critical") || !strcmp(sev, "crit"))
		return LOG_CRIT;
	if (!strcmp(sev, "error") || !strcmp(sev, "err"))
		return LOG_ERR;
	if (!strcmp(sev, "info"))
		return LOG_INFO;
	if (!strcmp(sev, "notice"))
		return LOG_NOTICE;
	return LOG_WARNING;
}

int alert_fields(const Transition *t, const char *prefix, char ***ret)
{
	const Mismatch *m = transition_subject(t);
	const char *kv[][2] = {
		{ "EVENT", transition_kind_to_string(t->kind) },
		{ "MODULE", m->module },
		{ "PARAM", m->param },
		{ "RULE", m->rule },
		{ "KIND", m->kind },
		{ "EXPECTED", m->expected },
		{ "ACTUAL", m->actual },
		{ "SEVERITY", m->severity },
		{ "ORIGIN", m->origin },
		{ "PREVIOUS_ACTUAL", t->before && t->now ? t->before->actual : NULL },
		{ "EVIDENCE", m->evidence && *m->evidence ? m->evidence : NULL },
	};
	char **v;
	size_t i, n = 0;

	/*
	 * A resolved entry repeats what was wrong: ACTUAL is the value that
	 * mismatched, which is what the reader of the journal wants to see.
	 */
	v = calloc(ELEMENTSOF(kv) + 1, sizeof(*v));
	if (!v)
		return -ENOMEM;
	for (i = 0; i < ELEMENTSOF(kv); i++) {
		if (!kv[i][1])
			continue;
		if (asprintf(&v[n], "%s%s=%s", prefix, kv[i][0], kv[i][1]) < 0) {
			v[n] = NULL;
			strv_free(v);
			return -ENOMEM;
		}
		n++;
	}
	*ret = v;
	return 0;
}

int alert_message(const Transition *t, char **ret)
{
	const Mismatch *m = transition_subject(t);
	char *s = NULL;
	int r = -1;

	if (t->kind != TRANSITION_RESOLVED && !strcmp(m->kind, "contradicted"))
		/* The param's value against what KVM was seen to do, and how it was seen. */
		r = asprintf(&s,
			     "%s%s%s=%s contradicts what KVM does (it behaves as %s): %s (%s%s%s)",
			     m->module, mismatch_dot(m), m->param, m->actual, m->expected,
			     m->evidence, m->severity, *m->origin ? ", " : "", m->origin);
	else if (t->kind != TRANSITION_RESOLVED && !strcmp(m->kind, "unverified"))
		r = asprintf(&s, "%s%s%s=%s could not be verified: %s (%s%s%s)", m->module,
			     mismatch_dot(m), m->param, m->actual, m->evidence, m->severity,
			     *m->origin ? ", " : "", m->origin);
	if (r >= 0) {
		*ret = s;
		return 0;
	}
	switch (t->kind) {
	case TRANSITION_NEW:
		r = asprintf(&s, "%s%s%s mismatch: expected %s, actual %s (%s%s%s)", m->module,
			     mismatch_dot(m), m->param, m->expected, m->actual, m->severity,
			     *m->origin ? ", " : "", m->origin);
		break;
	case TRANSITION_CHANGED:
		r = asprintf(&s,
			     "%s%s%s still mismatches: expected %s, actual %s (was %s) (%s%s%s)",
			     m->module, mismatch_dot(m), m->param, m->expected, m->actual,
			     t->before->actual, m->severity, *m->origin ? ", " : "", m->origin);
		break;
	case TRANSITION_RESOLVED:
		r = asprintf(&s, "%s%s%s resolved: no longer %s (expected %s)", m->module,
			     mismatch_dot(m), m->param, m->actual, m->expected);
		break;
	default:
		return -EINVAL;
	}
	if (r < 0)
		return -ENOMEM;
	*ret = s;
	return 0;
}

int alert_journal(const Transition *t)
{
	_cleanup_free_ char *msg = NULL;
	char **fields = NULL;
	int r;

	r = alert_message(t, &msg);
	if (r < 0)
		return r;
	r = alert_fields(t, "", &fields);
	if (r < 0)
		return r;
	r = log_struct(alert_priority(t), alert_message_id_of(t), (const char *const *)fields, "%s",
		       msg);
	strv_free(fields);
	return r;
}

#define STATUS_LIST_MAX 3

int alert_status(const char *verdict, const MismatchSet *s, char **ret)
{
	char *buf = NULL;
	size_t len = 0, i;
	const char *p;
	FILE *f;

	f = kvmcfg_memstream_open(&buf, &len);
	if (!f)
		return -errno;
	for (p = verdict; *p; p++)
		fputc(*p >= 'a' && *p <= 'z' ? *p - 'a' + 'A' : *p, f);
	if (s->n == 0)
		fputs(": all parameters match the policy", f);
	else
		fprintf(f, ": %zu problem%s:", s->n, s->n == 1 ? "" : "s");
	for (i = 0; i < s->n && i < STATUS_LIST_MAX; i++) {
		const Mismatch *m = &s->v[i];

		/* sd_notify() is newline-separated: a value must not add assignments. */
		fprintf(f, "%s %s%s", i ? "," : "", m->module, mismatch_dot(m));
		log_write_escaped(f, m->param, false);
		fputc('=', f);
		log_write_escaped(f, m->actual ? m->actual : "", false);
		fputs(" (expected ", f);
		log_write_escaped(f, m->expected, false);
		fputc(')', f);
	}
	if (s->n > STATUS_LIST_MAX)
		fprintf(f, ", and %zu more", s->n - STATUS_LIST_MAX);
	if (fclose(f) != 0) {
		free(buf);
		return -ENOMEM;
	}
	*ret = buf;
	return 0;
}
