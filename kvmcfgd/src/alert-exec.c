// SPDX-License-Identifier: GPL-2.0-only
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>

#include "alert-exec.h"
#include "alert.h"
#include "log.h"
#include "macro.h"
#include "param.h"

typedef struct Job Job;
struct Job {
	AlertRunner *runner;
	Job *next;               /* in the queue, or among the running */
	char **env;
	char *what;              /* "kvm.tdp_mmu new", for log lines */
	pid_t pid;
	sd_event_source *child;
	sd_event_source *timer;
	bool terminated;         /* SIGTERM sent at the timeout */
};

struct AlertRunner {
	sd_event *event;
	char **argv;
	uint64_t timeout_usec;
	Metrics *metrics;
	Job *queue_head, *queue_tail;
	Job *running;
	size_t n_queued, n_running;
	AlertRunnerIdle idle_cb;
	void *idle_userdata;
};

static int strv_copy(char *const *src, char ***ret)
{
	size_t n = 0, i;
	char **v;

	while (src[n])
		n++;
	v = calloc(n + 1, sizeof(*v));
	if (!v)
		return -ENOMEM;
	for (i = 0; i < n; i++) {
		v[i] = strdup(src[i]);
		if (!v[i]) {
			kvmcfg_strv_free(v);
			return -ENOMEM;
		}
	}
	*ret = v;
	return 0;
}

static bool env_is_service_managers(const char *kv)
{
	static const char *const prefixes[] = {
		"NOTIFY_SOCKET=", "WATCHDOG_PID=", "WATCHDOG_USEC=", "LISTEN_PID=",
		"LISTEN_FDS=", "LISTEN_FDNAMES=", "KVMCFG_",
	};
	size_t i;

	for (i = 0; i < ELEMENTSOF(prefixes); i++)
		if (strncmp(kv, prefixes[i], strlen(prefixes[i])) == 0)
			return true;
	return false;
}

int alert_exec_env(char *const *base, const Transition *t, char ***ret)
{
	_cleanup_(kvmcfg_strv_freep) char **fields = NULL;
	_cleanup_free_ char *msg = NULL;
	size_t nb = 0, nf = 0, n = 0, i;
	char **v;
	int r;

	r = alert_fields(t, "KVMCFG_", &fields);
	if (r < 0)
		return r;
	r = alert_message(t, &msg);
	if (r < 0)
		return r;
	while (base && base[nb])
		nb++;
	while (fields[nf])
		nf++;
	v = calloc(nb + nf + 2, sizeof(*v));
	if (!v)
		return -ENOMEM;
	for (i = 0; i < nb; i++) {
		if (env_is_service_managers(base[i]))
			continue;
		if (!(v[n++] = strdup(base[i])))
			goto oom;
	}
	for (i = 0; i < nf; i++)
		v[n++] = TAKE_PTR(fields[i]);
	if (asprintf(&v[n], "KVMCFG_MESSAGE=%s", msg) < 0) {
		v[n] = NULL;
		goto oom;
	}
	*ret = v;
	return 0;
oom:
	kvmcfg_strv_free(v);
	return -ENOMEM;
}

static Job *job_free(Job *j)
{
	if (!j)
		return NULL;
	sd_event_source_disable_unref(j->child);
	sd_event_source_disable_unref(j->timer);
	kvmcfg_strv_free(j->env);
	free(j->what);
	free(j);
	return NULL;
}

static void unlink_running(AlertRunner *r, Job *j)
{
	Job **p;

	for (p = &r->running; *p; p = &(*p)->next)
		if (*p == j) {
			*p = j->next;
			r->n_running--;
			return;
		}
}

static void start_queued(AlertRunner *r);

static void job_finished(Job *j)
{
	AlertRunner *r = j->runner;

	unlink_running(r, j);
	job_free(j);
	start_queued(r);
	if (r->n_running == 0 && r->n_queued == 0 && r->idle_cb)
		r->idle_cb(r, r->idle_userdata);
}

static int on_child(sd_event_source *s, const siginfo_t *si, void *userdata)
{
	Job *j = userdata;
	AlertRunner *r = j->runner;

	(void)s;
	if (si->si_code == CLD_EXITED && si->si_status == 0) {
		log_debug("AlertCommand for %s succeeded.", j->what);
	} else {
		if (r->metrics)
			r->metrics->alert_command_failures++;
		if (si->si_code == CLD_EXITED)
			log_warning("AlertCommand for %s exited with status %d.", j->what, si->si_status);
		else
			log_warning("AlertCommand for %s was killed by signal %s%s.", j->what,
				    strsignal(si->si_status), j->terminated ? " after its timeout" : "");
	}
	job_finished(j);
	return 0;
}

static int on_timeout(sd_event_source *s, uint64_t usec, void *userdata)
{
	Job *j = userdata;
	AlertRunner *r = j->runner;

	(void)usec;
	if (!j->terminated) {
		log_warning("AlertCommand for %s still runs after its timeout, sending SIGTERM.", j->what);
		if (r->metrics)
			r->metrics->alert_command_timeouts++;
		j->terminated = true;
		/* Its own process group: a helper it forked goes too. */
		(void)kill(-j->pid, SIGTERM);
		(void)sd_event_source_set_time_relative(s, ALERT_EXEC_KILL_GRACE_USEC);
		(void)sd_event_source_set_enabled(s, SD_EVENT_ONESHOT);
		return 0;
	}
	log_warning("AlertCommand for %s ignored SIGTERM, sending SIGKILL.", j->what);
	(void)kill(-j->pid, SIGKILL);
	return 0;
}

static int spawn(AlertRunner *r, Job *j)
{
	posix_spawn_file_actions_t fa;
	posix_spawnattr_t attr;
	sigset_t none, dflt;
	pid_t pid;
	int e;

	sigemptyset(&none);
	sigfillset(&dflt);
	if ((e = posix_spawn_file_actions_init(&fa)) != 0)
		return -e;
	if ((e = posix_spawnattr_init(&attr)) != 0) {
		posix_spawn_file_actions_destroy(&fa);
		return -e;
	}
	/* The daemon blocks signals for sd-event; the command starts with a clean slate. */
	e = posix_spawn_file_actions_addopen(&fa, STDIN_FILENO, "/dev/null", O_RDONLY, 0);
	if (!e)
		e = posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF |
					     POSIX_SPAWN_SETPGROUP);
	if (!e)
		e = posix_spawnattr_setsigmask(&attr, &none);
	if (!e)
		e = posix_spawnattr_setsigdefault(&attr, &dflt);
	if (!e)
		e = posix_spawnattr_setpgroup(&attr, 0);
	if (!e)
		e = posix_spawn(&pid, r->argv[0], &fa, &attr, r->argv, j->env);
	posix_spawnattr_destroy(&attr);
	posix_spawn_file_actions_destroy(&fa);
	if (e)
		return -e;
	j->pid = pid;
	return 0;
}

static int job_start(AlertRunner *r, Job *j)
{
	int k;

	k = spawn(r, j);
	if (k < 0)
		return k;
	k = sd_event_add_child(r->event, &j->child, j->pid, WEXITED, on_child, j);
	if (k >= 0)
		k = sd_event_add_time_relative(r->event, &j->timer, CLOCK_MONOTONIC,
					       r->timeout_usec, 0, on_timeout, j);
	if (k < 0) {
		/* Cannot watch it: do not leave it unsupervised. */
		(void)kill(-j->pid, SIGKILL);
		(void)waitpid(j->pid, NULL, 0);
		return k;
	}
	j->next = r->running;
	r->running = j;
	r->n_running++;
	if (r->metrics)
		r->metrics->alert_commands++;
	return 0;
}

static void start_queued(AlertRunner *r)
{
	while (r->queue_head && r->n_running < ALERT_EXEC_PARALLEL) {
		Job *j = r->queue_head;
		int k;

		r->queue_head = j->next;
		if (!r->queue_head)
			r->queue_tail = NULL;
		r->n_queued--;
		j->next = NULL;
		k = job_start(r, j);
		if (k < 0) {
			if (r->metrics)
				r->metrics->alert_command_failures++;
			log_errno(LOG_ERR, k, "Failed to run AlertCommand %s for %s: %m",
				  r->argv[0], j->what);
			job_free(j);
		}
	}
}

int alert_runner_new(AlertRunner **ret, sd_event *e, char *const *argv, uint64_t timeout_usec,
		     Metrics *metrics)
{
	AlertRunner *r;
	int k;

	r = calloc(1, sizeof(*r));
	if (!r)
		return -ENOMEM;
	k = strv_copy(argv, &r->argv);
	if (k < 0) {
		free(r);
		return k;
	}
	r->event = sd_event_ref(e);
	r->timeout_usec = timeout_usec;
	r->metrics = metrics;
	*ret = r;
	return 0;
}

AlertRunner *alert_runner_free(AlertRunner *r)
{
	Job *j;

	if (!r)
		return NULL;
	while ((j = r->running)) {
		r->running = j->next;
		(void)kill(-j->pid, SIGKILL);
		(void)waitpid(j->pid, NULL, 0);
		job_free(j);
	}
	while ((j = r->queue_head)) {
		r->queue_head = j->next;
		job_free(j);
	}
	kvmcfg_strv_free(r->argv);
	sd_event_unref(r->event);
	free(r);
	return NULL;
}

int alert_runner_submit(AlertRunner *r, const Transition *t)
{
	extern char **environ;
	const Mismatch *m = transition_subject(t);
	Job *j;
	int k;

	if (r->n_queued >= ALERT_EXEC_QUEUE_MAX) {
		if (r->metrics)
			r->metrics->alert_commands_dropped++;
		return -ENOBUFS;
	}
	j = calloc(1, sizeof(*j));
	if (!j)
		return -ENOMEM;
	j->runner = r;
	j->pid = -1;
	k = alert_exec_env(environ, t, &j->env);
	if (k >= 0 && asprintf(&j->what, "%s%s%s %s", m->module, mismatch_dot(m), m->param,
			       transition_kind_to_string(t->kind)) < 0) {
		j->what = NULL;
		k = -ENOMEM;
	}
	if (k < 0) {
		job_free(j);
		return k;
	}
	if (r->queue_tail)
		r->queue_tail->next = j;
	else
		r->queue_head = j;
	r->queue_tail = j;
	r->n_queued++;
	start_queued(r);
	return 0;
}

size_t alert_runner_pending(const AlertRunner *r)
{
	return r ? r->n_running + r->n_queued : 0;
}

void alert_runner_set_idle_callback(AlertRunner *r, AlertRunnerIdle cb, void *userdata)
{
	r->idle_cb = cb;
	r->idle_userdata = userdata;
}
