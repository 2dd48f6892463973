// SPDX-License-Identifier: GPL-2.0-only
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/signalfd.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "catalog.h"
#include "exec.h"
#include "proc.h"

/* After the binary exits, how long stragglers outside its session may hold the pipe. */
#define DRAIN_MS 2000
/* After an error, how long to wait for SIGKILLed tests to be reapable. */
#define ABANDON_MS 5000

struct job {
	struct test *t;
	pid_t pid; /* also the session and process group id */
	int fd;	   /* read end of stdout+stderr, -1 at EOF */
	bool exited;
	long long deadline; /* ms, monotonic: timeout, then SIGKILL, then drain */
	int stage;	    /* 0 running, 1 SIGTERM sent, 2 SIGKILL sent */
	long long t0;
};

/*
 * Signal the test's process group and session, only while its leader is
 * unreaped. Until waitpid() a zombie keeps its pid, and so its group and
 * session id, allocated: the signal reaches the test's processes and nothing
 * else. After waitpid() the number may already be an unrelated process's, or
 * its group's. Stragglers are swept just before the leader is reaped
 * (reap()), so nothing is lost by refusing here.
 *
 * Not a pidfd: pidfd_send_signal() reaches only the leader, and the session
 * sweep goes by the session id, which a pidfd does not keep allocated (the
 * number is freed when the last process leaves it). The unreaped leader
 * does, on every kernel.
 */
static void kill_job(struct job *j, int sig, const struct exec_opts *o)
{
	if (j->exited)
		return;
	if (o->sys && o->sys->kill_session)
		o->sys->kill_session(j->pid, sig, o->sys->userdata);
	else
		proc_kill_session(j->pid, sig);
}

static int wait_events(struct pollfd *pfd, nfds_t np, int timeout_ms, const struct exec_opts *o)
{
	if (o->sys && o->sys->poll)
		return o->sys->poll(pfd, np, timeout_ms, o->sys->userdata);
	return poll(pfd, np, timeout_ms);
}

/*
 * Like kselftest's runner.sh: extra arguments come from
 * KSELFTEST_<NAME>_ARGS, NAME the binary's file name upper-cased with every other
 * character than [A-Z0-9_] made '_', split at blanks. Runs in the child only.
 */
static char **test_argv(const struct test *t)
{
	char var[300], *args, *word, *save = NULL, **argv;
	size_t i, n = 1;

	snprintf(var, sizeof(var), "KSELFTEST_%s_ARGS", test_basename(t));
	for (i = strlen("KSELFTEST_"); var[i]; i++) {
		if (var[i] >= 'a' && var[i] <= 'z')
			var[i] -= 'a' - 'A';
		else if (!(var[i] >= 'A' && var[i] <= 'Z') && !(var[i] >= '0' && var[i] <= '9'))
			var[i] = '_';
	}
	args = getenv(var) ? strdup(getenv(var)) : NULL;
	argv = calloc(2 + (args ? strlen(args) / 2 + 1 : 0), sizeof(*argv));
	if (!argv)
		return NULL;
	argv[0] = t->path;
	for (word = args ? strtok_r(args, " \t\n", &save) : NULL; word;
	     word = strtok_r(NULL, " \t\n", &save))
		argv[n++] = word;
	return argv;
}

/*
 * The variables kselftest's runner.sh exports to every test: its return
 * codes, the default timeout and this test's (kselftest_timeout, from the
 * collection's settings). Runs in the child only.
 */
static void ksft_env(const struct test *t)
{
	char buf[16];

	setenv("skip_rc", "4", 1);
	setenv("timeout_rc", "124", 1);
	snprintf(buf, sizeof(buf), "%u", CATALOG_DEFAULT_TIMEOUT);
	setenv("kselftest_default_timeout", buf, 1);
	snprintf(buf, sizeof(buf), "%u", t->timeout);
	setenv("kselftest_timeout", buf, 1);
}

static void child(struct test *t, int out, const sigset_t *oldmask)
{
	char *dir = strdup(t->path), *slash, **argv;
	int null;

	/* A new session: its own process group, no controlling terminal. */
	setsid();
	null = open("/dev/null", O_RDONLY);
	if (null >= 0)
		dup2(null, STDIN_FILENO);
	if (dup2(out, STDOUT_FILENO) < 0 || dup2(out, STDERR_FILENO) < 0)
		_exit(127);
	signal(SIGPIPE, SIG_DFL);
	signal(SIGINT, SIG_DFL);
	ksft_env(t);
	signal(SIGTERM, SIG_DFL);
	sigprocmask(SIG_SETMASK, oldmask, NULL);
	/* Like kselftest's runner.sh: tests run from their own directory. */
	slash = dir ? strrchr(dir, '/') : NULL;
	if (slash) {
		*slash = '\0';
		if (dir[0] && chdir(dir) < 0) {
			fprintf(stderr, "cannot enter %s: %m\n", dir);
			_exit(127);
		}
	}
	argv = test_argv(t);
	if (argv)
		execv(t->path, argv);
	fprintf(stderr, "kvm-selftests: cannot execute %s: %m\n", t->path);
	_exit(127);
}

static int start(struct job *j, struct test *t, const sigset_t *oldmask)
{
	struct timespec wall;
	int p[2];

	/* Not installed: say so rather than "could not execute" (runner.sh: "missing"). */
	if (access(t->path, F_OK) < 0)
		return -errno;
	if (pipe2(p, O_CLOEXEC) < 0)
		return -errno;
	fflush(NULL);
	j->pid = fork();
	if (j->pid < 0) {
		int err = -errno;

		close(p[0]);
		close(p[1]);
		return err;
	}
	if (j->pid == 0)
		child(t, p[1], oldmask);
	close(p[1]);
	fcntl(p[0], F_SETFL, O_NONBLOCK);
	j->t = t;
	j->fd = p[0];
	j->exited = false;
	j->stage = 0;
	j->t0 = proc_now_ms();
	j->deadline = j->t0 + t->timeout * 1000LL;
	clock_gettime(CLOCK_REALTIME, &wall);
	t->start_time = wall.tv_sec + wall.tv_nsec / 1e9;
	t->started = true;
	return 0;
}

/*
 * Read what is there, but not forever: a test that never stops printing
 * must not starve the other tests' deadlines.
 */
static void drain(struct job *j)
{
	char buf[8192];
	ssize_t n;
	int rounds;

	for (rounds = 0; j->fd >= 0 && rounds < 64; rounds++) {
		n = read(j->fd, buf, sizeof(buf));
		if (n > 0) {
			j->t->clock = (proc_now_ms() - j->t0) / 1000.0;
			test_feed(j->t, buf, n);
			continue;
		}
		if (n < 0 && (errno == EAGAIN || errno == EINTR))
			return;
		close(j->fd);
		j->fd = -1;
	}
}

static void finish(struct job *j, const struct exec_opts *o)
{
	struct test *t = j->t;

	if (j->fd >= 0) {
		close(j->fd);
		j->fd = -1;
	}
	t->duration = (proc_now_ms() - j->t0) / 1000.0;
	t->clock = t->duration;
	if (WIFEXITED(t->wait_status) && WEXITSTATUS(t->wait_status) == 127 && t->sum.tests == 0 &&
	    !t->timed_out && !t->exec_error &&
	    asprintf(&t->exec_error, "could not execute %s (exit 127)", t->path) < 0)
		t->exec_error = NULL;
	test_finish(t);
	j->t = NULL;
	if (o->on_done)
		o->on_done(t, o->userdata);
}

static void on_deadline(struct job *j, long long now, const struct exec_opts *o)
{
	if (j->exited) {
		/* Something outside the session still holds the pipe: stop waiting. */
		if (j->fd >= 0)
			close(j->fd);
		j->fd = -1;
		return;
	}
	if (j->stage == 0) {
		j->t->timed_out = true;
		kill_job(j, SIGTERM, o);
		j->stage = 1;
		j->deadline = now + o->grace_ms;
	} else {
		kill_job(j, SIGKILL, o);
		j->stage = 2;
		j->deadline = now + 1000;
	}
}

static void reap(struct job *jobs, unsigned int njobs, const struct exec_opts *o)
{
	siginfo_t info;
	unsigned int i;
	int status;

	for (;;) {
		info.si_pid = 0;
		/* Look without reaping: while the leader is a zombie its pid, and so
		 * its session id, cannot be reused, so the sweep hits only its own. */
		if (waitid(P_ALL, 0, &info, WEXITED | WNOHANG | WNOWAIT) < 0 || !info.si_pid)
			return;
		for (i = 0; i < njobs; i++) {
			struct job *j = &jobs[i];

			if (!j->t || j->exited || j->pid != info.si_pid)
				continue;
			/* Whatever the test left behind in its session goes with it. */
			kill_job(j, SIGKILL, o);
		}
		if (waitpid(info.si_pid, &status, 0) < 0)
			return;
		for (i = 0; i < njobs; i++) {
			struct job *j = &jobs[i];

			if (!j->t || j->exited || j->pid != info.si_pid)
				continue;
			j->exited = true;
			j->t->wait_status = status;
			j->deadline = proc_now_ms() + DRAIN_MS;
		}
	}
}

/*
 * The loop stopped on an error (poll() failed) with tests still in hand:
 * SIGKILL the ones not yet reaped, reap them, and finish every one, so no
 * child is left behind and every started test is reported. Tests already
 * reaped (only their pipe still open) are finished as they are, unsignalled.
 */
static void abandon(struct job *jobs, unsigned int njobs, int err, const struct exec_opts *o)
{
	long long give_up = proc_now_ms() + ABANDON_MS;
	unsigned int i, left;

	for (i = 0; i < njobs; i++) {
		struct test *t = jobs[i].t;

		if (!t || jobs[i].exited)
			continue;
		if (!t->exec_error &&
		    asprintf(&t->exec_error, "killed: the runner failed (%s)", strerror(-err)) < 0)
			t->exec_error = NULL;
		kill_job(&jobs[i], SIGKILL, o);
	}
	/* SIGKILL takes effect on the way out of the kernel: bounded, for one stuck in it. */
	for (;;) {
		reap(jobs, njobs, o);
		for (i = 0, left = 0; i < njobs; i++)
			left += jobs[i].t && !jobs[i].exited;
		if (!left || proc_now_ms() >= give_up)
			break;
		nanosleep(&(struct timespec){ .tv_nsec = 10 * 1000 * 1000 }, NULL);
	}
	for (i = 0; i < njobs; i++) {
		if (!jobs[i].t)
			continue;
		drain(&jobs[i]);
		finish(&jobs[i], o);
	}
}

int exec_run(struct test **tests, size_t n, const struct exec_opts *o)
{
	unsigned int njobs = o->jobs ? o->jobs : 1, i, running = 0;
	struct pollfd *pfd = NULL;
	struct job *jobs = NULL;
	sigset_t mask, oldmask;
	bool interrupted = false;
	size_t next = 0;
	int sfd = -1, r = 0;

	if (njobs > n && n)
		njobs = n;
	jobs = calloc(njobs, sizeof(*jobs));
	pfd = calloc(njobs + 1, sizeof(*pfd));
	if (!jobs || !pfd) {
		r = -ENOMEM;
		goto out;
	}
	sigemptyset(&mask);
	sigaddset(&mask, SIGCHLD);
	sigaddset(&mask, SIGINT);
	sigaddset(&mask, SIGTERM);
	if (sigprocmask(SIG_BLOCK, &mask, &oldmask) < 0) {
		r = -errno;
		goto out;
	}
	sfd = signalfd(-1, &mask, SFD_CLOEXEC | SFD_NONBLOCK);
	if (sfd < 0) {
		r = -errno;
		goto restore;
	}

	for (;;) {
		long long now = proc_now_ms(), wait = -1;
		struct signalfd_siginfo si;
		unsigned int np = 0;

		/* Fill free slots. */
		for (i = 0; i < njobs && !interrupted && next < n; i++) {
			if (jobs[i].t)
				continue;
			r = start(&jobs[i], tests[next], &oldmask);
			if (r < 0) {
				tests[next]->started = true;
				if (asprintf(&tests[next]->exec_error, "%s %s: %s",
					     r == -ENOENT ? "not installed:" : "could not start",
					     tests[next]->path, strerror(-r)) < 0)
					tests[next]->exec_error = NULL;
				test_finish(tests[next]);
				if (o->on_done)
					o->on_done(tests[next], o->userdata);
			} else {
				running++;
			}
			next++;
			r = 0;
		}
		if (!running && (interrupted || next >= n))
			break;

		pfd[np++] = (struct pollfd){ .fd = sfd, .events = POLLIN };
		for (i = 0; i < njobs; i++) {
			long long left;

			if (!jobs[i].t)
				continue;
			if (jobs[i].fd >= 0)
				pfd[np++] = (struct pollfd){ .fd = jobs[i].fd, .events = POLLIN };
			left = jobs[i].deadline - now;
			if (left < 0)
				left = 0;
			if (wait < 0 || left < wait)
				wait = left;
		}
		if (wait_events(pfd, np, wait > INT_MAX ? INT_MAX : (int)wait, o) < 0 &&
		    errno != EINTR) {
			r = -errno;
			break;
		}

		while (read(sfd, &si, sizeof(si)) == sizeof(si)) {
			if (si.ssi_signo == SIGCHLD)
				continue;
			/* Stop: kill what runs, start nothing new. */
			interrupted = true;
			for (i = 0; i < njobs; i++) {
				if (jobs[i].t && !jobs[i].exited) {
					free(jobs[i].t->exec_error);
					if (asprintf(&jobs[i].t->exec_error, "interrupted by %s",
						     strsignal(si.ssi_signo)) < 0)
						jobs[i].t->exec_error = NULL;
					kill_job(&jobs[i], SIGKILL, o);
				}
			}
		}
		reap(jobs, njobs, o);

		now = proc_now_ms();
		for (i = 0; i < njobs; i++) {
			struct job *j = &jobs[i];

			if (!j->t)
				continue;
			drain(j);
			if (now >= j->deadline)
				on_deadline(j, now, o);
			if (j->exited && j->fd < 0) {
				finish(j, o);
				running--;
			}
		}
	}

	/* Only after an error can tests still run here: leave none behind. */
	if (r < 0)
		abandon(jobs, njobs, r, o);
	close(sfd);
restore:
	sigprocmask(SIG_SETMASK, &oldmask, NULL);
out:
	free(jobs);
	free(pfd);
	if (!r && interrupted)
		r = -EINTR;
	return r;
}
