// SPDX-License-Identifier: GPL-2.0-only
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include "alert-exec.h"
#include "alert.h"
#include "log.h"
#include "macro.h"
#include "param.h"
#include "proc.h"

typedef struct Job Job;
struct Job {
	AlertRunner *runner;
	Job *next; /* in the queue, or among the running */
	char **env;
	char *what; /* "kvm.tdp_mmu new", for log lines */
	pid_t pid;
	sd_event_source *child;
	sd_event_source *timer;
	bool terminated; /* SIGTERM sent at the timeout */
	int out_fd;	 /* read end of its stdout+stderr pipe, or -1 */
	sd_event_source *out;
	char line[256]; /* a partial output line */
	size_t line_len;
	size_t out_bytes, out_lines; /* logged so far */
	bool out_cut;		     /* said that the rest is dropped */
};

/* A process an AlertCommand left behind, adopted by us as subreaper, until reaped. */
typedef struct Orphan Orphan;
struct Orphan {
	AlertRunner *runner;
	Orphan *next;
	pid_t pid;
	sd_event_source *child;
};

struct AlertRunner {
	sd_event *event;
	char **argv;
	uint64_t timeout_usec;
	Metrics *metrics;
	Job *queue_head, *queue_tail;
	Job *running;
	size_t n_queued, n_running;
	Orphan *orphans;
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
			strv_free(v);
			return -ENOMEM;
		}
	}
	*ret = v;
	return 0;
}

static bool env_is_service_managers(const char *kv)
{
	static const char *const prefixes[] = {
		"NOTIFY_SOCKET=", "WATCHDOG_PID=",   "WATCHDOG_USEC=", "LISTEN_PID=",
		"LISTEN_FDS=",	  "LISTEN_FDNAMES=", "KVMCFG_",
	};
	size_t i;

	for (i = 0; i < ELEMENTSOF(prefixes); i++)
		if (strncmp(kv, prefixes[i], strlen(prefixes[i])) == 0)
			return true;
	return false;
}

int alert_exec_env(char *const *base, const Transition *t, char ***ret)
{
	_cleanup_(strv_freep) char **fields = NULL;
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
	strv_free(v);
	return -ENOMEM;
}

static void read_output(Job *j);

static Job *job_free(Job *j)
{
	if (!j)
		return NULL;
	/* What it wrote before it exited is still in the pipe. */
	read_output(j);
	sd_event_source_disable_unref(j->out);
	if (j->out_fd >= 0)
		close(j->out_fd);
	sd_event_source_disable_unref(j->child);
	sd_event_source_disable_unref(j->timer);
	strv_free(j->env);
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

/* ---- output: logged up to a cap, through the output filter ---- */

static void output_line(Job *j)
{
	if (j->out_lines < ALERT_EXEC_OUTPUT_LINES && j->out_bytes < ALERT_EXEC_OUTPUT_MAX) {
		log_info("AlertCommand for %s: %.*s", j->what, (int)j->line_len, j->line);
		j->out_lines++;
		j->out_bytes += j->line_len + 1;
	} else if (!j->out_cut) {
		log_warning("AlertCommand for %s wrote more than %d lines or %d bytes, "
			    "dropping the rest of its output.",
			    j->what, ALERT_EXEC_OUTPUT_LINES, ALERT_EXEC_OUTPUT_MAX);
		j->out_cut = true;
	}
	j->line_len = 0;
}

/* Read what is in the pipe now; at EOF or an error, flush and close it. */
static void read_output(Job *j)
{
	char buf[4096];
	ssize_t n, i;

	while (j->out_fd >= 0) {
		n = read(j->out_fd, buf, sizeof(buf));
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && errno == EAGAIN)
			return;
		if (n <= 0) {
			if (j->line_len)
				output_line(j);
			j->out = sd_event_source_disable_unref(j->out);
			close(j->out_fd);
			j->out_fd = -1;
			return;
		}
		for (i = 0; i < n; i++) {
			if (buf[i] == '\n') {
				output_line(j);
				continue;
			}
			j->line[j->line_len++] = buf[i];
			if (j->line_len == sizeof(j->line))
				output_line(j);
		}
	}
}

static int on_output(sd_event_source *s, int fd, uint32_t revents, void *userdata)
{
	(void)s, (void)fd, (void)revents;
	read_output(userdata);
	return 0;
}

/* ---- everything a run started ends with it ---- */

static void kill_orphans(AlertRunner *r, pid_t finishing, int sig);

static Orphan *orphan_free(AlertRunner *r, Orphan *o)
{
	Orphan **p;

	for (p = &r->orphans; *p; p = &(*p)->next)
		if (*p == o) {
			*p = o->next;
			break;
		}
	sd_event_source_disable_unref(o->child);
	free(o);
	return NULL;
}

static int on_orphan(sd_event_source *s, const siginfo_t *si, void *userdata)
{
	Orphan *o = userdata;
	AlertRunner *r = o->runner;
	pid_t pid = o->pid;

	(void)s, (void)si;
	orphan_free(r, o);
	/*
	 * Its own children were reparented to us as it died: their turn. Not
	 * its own pid: sd-event reaps it after this callback returns.
	 */
	if (r->n_running == 0)
		kill_orphans(r, pid, SIGKILL);
	return 0;
}

/*
 * Signal the processes we adopted as subreaper that are no run of ours (nor
 * @finishing, whose child source reaps it once its callback returns): what AlertCommands left behind.
 * They are told from other children of the daemon by KVMCFG_EVENT= in their
 * environment, which every run gets and its processes inherit. Each is
 * watched until it is reaped.
 */
static void kill_orphans(AlertRunner *r, pid_t finishing, int sig)
{
	pid_t except[ALERT_EXEC_PARALLEL + 1], found[64];
	size_t n_except = 0;
	int n, i;
	Job *j;

	for (j = r->running; j && n_except < ALERT_EXEC_PARALLEL; j = j->next)
		except[n_except++] = j->pid;
	if (finishing > 0)
		except[n_except++] = finishing;
	n = proc_kill_children(getpid(), except, n_except, "KVMCFG_EVENT=", sig, found,
			       ELEMENTSOF(found));
	if (n <= 0)
		return;
	log_warning("Sent %s to %d process%s an AlertCommand left behind.", sigabbrev_np(sig), n,
		    n == 1 ? "" : "es");
	for (i = 0; i < n && i < (int)ELEMENTSOF(found); i++) {
		Orphan *o;
		bool known = false;

		for (o = r->orphans; o; o = o->next)
			known |= o->pid == found[i];
		if (known || !(o = calloc(1, sizeof(*o))))
			continue;
		*o = (Orphan){ .runner = r, .pid = found[i], .next = r->orphans };
		if (sd_event_add_child(r->event, &o->child, o->pid, WEXITED, on_orphan, o) < 0) {
			free(o);
			continue;
		}
		r->orphans = o;
	}
}

/* @sig to a run's session, its process tree, and the orphans runs left. */
static void kill_job(AlertRunner *r, Job *j, int sig)
{
	(void)proc_kill_session(j->pid, sig);
	(void)proc_kill_tree(j->pid, sig);
	kill_orphans(r, 0, sig);
}

static void start_queued(AlertRunner *r);

static void job_finished(Job *j)
{
	AlertRunner *r = j->runner;
	pid_t pid = j->pid;

	unlink_running(r, j);
	job_free(j);
	start_queued(r);
	/* A run's leftovers end with it; with runs left, they are not told apart yet. */
	if (r->n_running == 0)
		kill_orphans(r, pid, SIGKILL);
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
			log_warning("AlertCommand for %s exited with status %d.", j->what,
				    si->si_status);
		else
			log_warning("AlertCommand for %s was killed by signal %s%s.", j->what,
				    strsignal(si->si_status),
				    j->terminated ? " after its timeout" : "");
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
		log_warning("AlertCommand for %s still runs after its timeout, sending SIGTERM.",
			    j->what);
		if (r->metrics)
			r->metrics->alert_command_timeouts++;
		j->terminated = true;
		/* Its session, its tree (setsid() does not leave it) and what runs left behind. */
		kill_job(r, j, SIGTERM);
		(void)sd_event_source_set_time_relative(s, ALERT_EXEC_KILL_GRACE_USEC);
		(void)sd_event_source_set_enabled(s, SD_EVENT_ONESHOT);
		return 0;
	}
	log_warning("AlertCommand for %s ignored SIGTERM, sending SIGKILL.", j->what);
	kill_job(r, j, SIGKILL);
	return 0;
}

static int spawn(AlertRunner *r, Job *j)
{
	posix_spawn_file_actions_t fa;
	posix_spawnattr_t attr;
	sigset_t none, dflt;
	int e, pipefd[2];
	pid_t pid;

	if (pipe2(pipefd, O_CLOEXEC) < 0)
		return -errno;
	sigemptyset(&none);
	sigfillset(&dflt);
	if ((e = posix_spawn_file_actions_init(&fa)) != 0)
		goto fail_pipe;
	if ((e = posix_spawnattr_init(&attr)) != 0) {
		posix_spawn_file_actions_destroy(&fa);
		goto fail_pipe;
	}
	/* The daemon blocks signals for sd-event; the command starts with a clean slate. */
	e = posix_spawn_file_actions_addopen(&fa, STDIN_FILENO, "/dev/null", O_RDONLY, 0);
	/* Its output goes to a pipe we read, so it can be capped. */
	if (!e)
		e = posix_spawn_file_actions_adddup2(&fa, pipefd[1], STDOUT_FILENO);
	if (!e)
		e = posix_spawn_file_actions_adddup2(&fa, pipefd[1], STDERR_FILENO);
	/* A session of its own: its process groups are swept by session id. */
	if (!e)
		e = posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF |
							    POSIX_SPAWN_SETSID);
	if (!e)
		e = posix_spawnattr_setsigmask(&attr, &none);
	if (!e)
		e = posix_spawnattr_setsigdefault(&attr, &dflt);
	if (!e)
		e = posix_spawn(&pid, r->argv[0], &fa, &attr, r->argv, j->env);
	posix_spawnattr_destroy(&attr);
	posix_spawn_file_actions_destroy(&fa);
	if (e)
		goto fail_pipe;
	close(pipefd[1]);
	if (fcntl(pipefd[0], F_SETFL, O_NONBLOCK) < 0 ||
	    sd_event_add_io(r->event, &j->out, pipefd[0], EPOLLIN, on_output, j) < 0) {
		/* Unread output would block it once the pipe fills: no pipe at all then. */
		close(pipefd[0]);
		j->pid = pid;
		return 0;
	}
	j->out_fd = pipefd[0];
	j->pid = pid;
	return 0;
fail_pipe:
	close(pipefd[0]);
	close(pipefd[1]);
	return -e;
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
		(void)proc_kill_session(j->pid, SIGKILL);
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
	/*
	 * What a run's processes leave behind is reparented to us, not to
	 * init. Without it (a seccomp filter) runs still work; only what
	 * escapes their session and tree escapes the kill too.
	 */
	if (prctl(PR_SET_CHILD_SUBREAPER, 1) < 0)
		log_errno(LOG_WARNING, -errno,
			  "Failed to become a child subreaper, processes an "
			  "AlertCommand leaves behind will not be killed: %m");
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
		kill_job(r, j, SIGKILL);
		r->running = j->next;
		(void)waitpid(j->pid, NULL, 0);
		job_free(j);
	}
	/* Nothing runs now: whatever we adopted is a leftover. */
	kill_orphans(r, 0, SIGKILL);
	while (r->orphans) {
		(void)waitpid(r->orphans->pid, NULL, 0);
		orphan_free(r, r->orphans);
	}
	while ((j = r->queue_head)) {
		r->queue_head = j->next;
		job_free(j);
	}
	strv_free(r->argv);
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
	j->out_fd = -1;
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
