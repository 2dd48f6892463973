// SPDX-License-Identifier: GPL-2.0-only
/*
 * Probes in a child process. lib/vm ends the process on any failed
 * assertion and a vCPU can hang in KVM_RUN; neither may take kvmcfgctl or
 * kvmcfgd down. The child sends the plain-data result over a pipe; its
 * stdout and stderr go to a second pipe so that a child that dies says why
 * ("cannot open /dev/kvm: Permission denied").
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "probe.h"

#define OUTPUT_MAX 4096

static long long now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* A daemon's child: no blocked or ignored signals of the parent's event loop. */
static void child_signals(void)
{
	sigset_t none;

	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
	signal(SIGPIPE, SIG_DFL);
	signal(SIGTERM, SIG_DFL);
	signal(SIGCHLD, SIG_DFL);
}

static int write_all(int fd, const void *buf, size_t n)
{
	const char *p = buf;

	while (n) {
		ssize_t k = write(fd, p, n);

		if (k < 0 && errno == EINTR)
			continue;
		if (k <= 0)
			return -errno;
		p += k;
		n -= (size_t)k;
	}
	return 0;
}

/* The last non-empty line of @out, without TAP's "# " and "1..0 # SKIP ". */
static const char *last_line(char *out)
{
	char *end = out + strlen(out), *s;
	static const char *const prefixes[] = { "1..0 # SKIP ", "ok 1 # SKIP ", "# ", NULL };
	size_t i;

	while (end > out && (end[-1] == '\n' || end[-1] == ' '))
		*--end = 0;
	s = strrchr(out, '\n');
	s = s ? s + 1 : out;
	for (i = 0; prefixes[i]; i++)
		if (!strncmp(s, prefixes[i], strlen(prefixes[i])))
			s += strlen(prefixes[i]);
	return s;
}

static void cannot_run(KvmcfgProbeResult *res, const char *what, char *output)
{
	const char *line = output ? last_line(output) : "";

	memset(res, 0, sizeof(*res));
	kvmcfg_probe_set_outcome(res, KVMCFG_PROBE_CANNOT_RUN, "%s%s%s", what, *line ? ": " : "",
				 line);
}

int kvmcfg_probe_run_isolated(const KvmcfgProbe *p, unsigned timeout_ms, KvmcfgProbeResult *res)
{
	int rpipe[2] = { -1, -1 }, opipe[2] = { -1, -1 };
	char output[OUTPUT_MAX] = "", what[128];
	size_t got = 0, olen = 0;
	struct timespec start, end;
	long long deadline, t0;
	int status = 0, r = 0;
	bool timed_out = false;
	pid_t pid;

	if (!timeout_ms)
		timeout_ms = KVMCFG_PROBE_TIMEOUT_MS;
	clock_gettime(CLOCK_MONOTONIC, &start);
	t0 = now_ms();
	if (pipe2(rpipe, O_CLOEXEC) < 0 || pipe2(opipe, O_CLOEXEC) < 0) {
		r = -errno;
		goto fail;
	}
	fflush(stdout);
	fflush(stderr);
	pid = fork();
	if (pid < 0) {
		r = -errno;
		goto fail;
	}
	if (pid == 0) {
		KvmcfgProbeResult mine;

		/* The child's own output only explains a death; the result is the pipe. */
		close(rpipe[0]);
		close(opipe[0]);
		dup2(opipe[1], STDOUT_FILENO);
		dup2(opipe[1], STDERR_FILENO);
		child_signals();
		kvmcfg_probe_run(p, &mine);
		fflush(stdout);
		_exit(write_all(rpipe[1], &mine, sizeof(mine)) < 0 ? 120 : 0);
	}
	close(rpipe[1]);
	close(opipe[1]);
	rpipe[1] = opipe[1] = -1;
	deadline = t0 + timeout_ms;
	for (;;) {
		struct pollfd fds[2] = { { .fd = rpipe[0], .events = POLLIN },
					 { .fd = opipe[0], .events = POLLIN } };
		long long left = deadline - now_ms();
		ssize_t k;

		if (fds[0].fd < 0 && fds[1].fd < 0)
			break;
		if (left <= 0) {
			timed_out = true;
			kill(pid, SIGKILL);
			break;
		}
		if (poll(fds, 2, (int)left) < 0) {
			if (errno == EINTR)
				continue;
			r = -errno;
			kill(pid, SIGKILL);
			break;
		}
		if (fds[0].revents) {
			k = read(rpipe[0], (char *)res + got, sizeof(*res) - got);
			if (k > 0)
				got += (size_t)k;
			if (k == 0 || got == sizeof(*res)) {
				close(rpipe[0]);
				rpipe[0] = -1;
			}
		}
		if (fds[1].revents) {
			k = read(opipe[0], output + olen, sizeof(output) - 1 - olen);
			if (k > 0) {
				olen += (size_t)k;
				output[olen] = 0;
			}
			/* A full buffer keeps the start; drop the rest unread until EOF. */
			if (olen == sizeof(output) - 1) {
				char sink[512];

				while (read(opipe[0], sink, sizeof(sink)) > 0)
					;
			}
			if (k == 0) {
				close(opipe[0]);
				opipe[0] = -1;
			}
		}
	}
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	if (rpipe[0] >= 0)
		close(rpipe[0]);
	if (opipe[0] >= 0)
		close(opipe[0]);
	if (r < 0) {
		cannot_run(res, strerror(-r), output);
		return r;
	}
	if (timed_out) {
		snprintf(what, sizeof(what), "probe %s timed out after %u ms (a hung vCPU?)",
			 p->name, timeout_ms);
		cannot_run(res, what, output);
	} else if (got != sizeof(*res) || !WIFEXITED(status) || WEXITSTATUS(status)) {
		if (WIFSIGNALED(status))
			snprintf(what, sizeof(what), "probe %s killed by signal %d", p->name,
				 WTERMSIG(status));
		else
			snprintf(what, sizeof(what), "probe %s exited with status %d", p->name,
				 WIFEXITED(status) ? WEXITSTATUS(status) : -1);
		cannot_run(res, what, output);
	}
	clock_gettime(CLOCK_MONOTONIC, &end);
	res->elapsed_us = (unsigned long long)((long long)(end.tv_sec - start.tv_sec) * 1000000LL +
					       ((long long)end.tv_nsec - start.tv_nsec) / 1000);
	return 0;
fail:
	if (rpipe[0] >= 0)
		close(rpipe[0]);
	if (rpipe[1] >= 0)
		close(rpipe[1]);
	if (opipe[0] >= 0)
		close(opipe[0]);
	if (opipe[1] >= 0)
		close(opipe[1]);
	cannot_run(res, strerror(-r), NULL);
	return r;
}

int kvmcfg_probe_batch_start(const KvmcfgProbe *const *probes, size_t n, unsigned timeout_ms,
			     pid_t *ret_pid, int *ret_fd)
{
	int fds[2];
	pid_t pid;

	if (pipe2(fds, O_CLOEXEC) < 0)
		return -errno;
	fflush(stdout);
	fflush(stderr);
	pid = fork();
	if (pid < 0) {
		int r = -errno;

		close(fds[0]);
		close(fds[1]);
		return r;
	}
	if (pid == 0) {
		size_t i;

		/* A group of its own, for kvmcfg_probe_batch_kill(); the parent sets it too. */
		(void)setpgid(0, 0);
		close(fds[0]);
		child_signals();
		for (i = 0; i < n; i++) {
			KvmcfgProbeResult res;

			kvmcfg_probe_run_isolated(probes[i], timeout_ms, &res);
			if (write_all(fds[1], &res, sizeof(res)) < 0)
				_exit(1);
		}
		_exit(0);
	}
	(void)setpgid(pid, pid);
	close(fds[1]);
	if (fcntl(fds[0], F_SETFL, O_NONBLOCK) < 0) {
		int r = -errno;

		close(fds[0]);
		kvmcfg_probe_batch_kill(pid);
		return r;
	}
	*ret_pid = pid;
	*ret_fd = fds[0];
	return 0;
}

void kvmcfg_probe_batch_kill(pid_t pid)
{
	if (pid <= 0)
		return;
	if (kill(-pid, SIGKILL) < 0)
		(void)kill(pid, SIGKILL);
	while (waitpid(pid, NULL, 0) < 0 && errno == EINTR)
		;
	/* Its probe, adopted by us as it died (a subreaper): reap it too, until ECHILD. */
	while (waitpid(-pid, NULL, 0) > 0 || errno == EINTR)
		;
}
