// SPDX-License-Identifier: GPL-2.0-only
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "proc.h"
#include "spawn-capture.h"

/* Output past this is dropped (and said so): a runaway test must not eat RAM. */
#define SPAWN_OUTPUT_MAX (4u << 20)

void spawn_result_clear(struct spawn_result *r)
{
	free(r->output);
	memset(r, 0, sizeof(*r));
}

static int append(struct spawn_result *r, size_t *cap, const char *buf, size_t n)
{
	if (r->len + n + 1 > *cap) {
		size_t ncap = (*cap ? *cap * 2 : 4096);
		char *p;

		while (ncap < r->len + n + 1)
			ncap *= 2;
		p = realloc(r->output, ncap);
		if (!p)
			return -ENOMEM;
		r->output = p;
		*cap = ncap;
	}
	memcpy(r->output + r->len, buf, n);
	r->len += n;
	r->output[r->len] = '\0';
	return 0;
}

static void child(char *const argv[], int out, int errpipe)
{
	int devnull = open("/dev/null", O_RDONLY | O_CLOEXEC);
	int e;

	/*
	 * Its own session (and process group), so a deadline or a stop kills
	 * what it started too: the kselftest harness puts each test case in a
	 * process group of its own, but they stay in this session.
	 */
	setsid();
	if (devnull >= 0)
		dup2(devnull, STDIN_FILENO);
	dup2(out, STDOUT_FILENO);
	dup2(out, STDERR_FILENO);
	/* The child gets default signal handling back, whatever ours are. */
	signal(SIGINT, SIG_DFL);
	signal(SIGTERM, SIG_DFL);
	signal(SIGHUP, SIG_DFL);
	signal(SIGPIPE, SIG_DFL);
	execvp(argv[0], argv);
	e = errno;
	if (write(errpipe, &e, sizeof(e)) < 0)
		_exit(127);
	_exit(127);
}

int spawn_capture_graceful(char *const argv[], unsigned int timeout_ms, volatile sig_atomic_t *stop,
			   unsigned int grace_ms, struct spawn_result *ret)
{
	long long kill_at = 0;
	struct spawn_result r = {};
	int out[2], errpipe[2], e = 0, status;
	long long deadline = timeout_ms ? proc_now_ms() + timeout_ms : 0;
	size_t cap = 0;
	bool truncated = false;
	pid_t pid;

	if (pipe2(out, O_CLOEXEC) < 0)
		return -errno;
	if (pipe2(errpipe, O_CLOEXEC) < 0) {
		e = errno;
		close(out[0]);
		close(out[1]);
		return -e;
	}
	pid = fork();
	if (pid < 0) {
		e = errno;
		close(out[0]);
		close(out[1]);
		close(errpipe[0]);
		close(errpipe[1]);
		return -e;
	}
	if (pid == 0)
		child(argv, out[1], errpipe[1]);
	close(out[1]);
	close(errpipe[1]);
	if (read(errpipe[0], &e, sizeof(e)) != sizeof(e))
		e = 0;
	close(errpipe[0]);
	if (e) {
		close(out[0]);
		waitpid(pid, NULL, 0);
		return -e;
	}

	for (;;) {
		struct pollfd p = { .fd = out[0], .events = POLLIN };
		char buf[4096];
		int wait = 200;
		ssize_t n;

		if (stop && *stop && !r.stopped)
			r.stopped = true;
		if (deadline && !r.timed_out && proc_now_ms() >= deadline)
			r.timed_out = true;
		if ((r.stopped || r.timed_out) && !kill_at) {
			kill_at = proc_now_ms() + grace_ms;
			/* Not reaped before the loop ends: @pid is still ours. */
			if (grace_ms)
				kill(pid, SIGTERM);
		}
		/* Every tick until the pipe closes: a straggler may still hold it. */
		if (kill_at && proc_now_ms() >= kill_at)
			proc_kill_session(pid, SIGKILL);
		if (poll(&p, 1, wait) <= 0)
			continue; /* timeout tick or EINTR: re-check the flags */
		n = read(out[0], buf, sizeof(buf));
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		if (r.len + n > SPAWN_OUTPUT_MAX) {
			truncated = true;
			continue;
		}
		if (append(&r, &cap, buf, n) < 0) {
			proc_kill_session(pid, SIGKILL);
			truncated = true;
		}
	}
	close(out[0]);
	while (waitpid(pid, &status, 0) < 0)
		if (errno != EINTR) {
			status = 0;
			break;
		}
	if (truncated)
		append(&r, &cap, "\n# (output truncated)\n", 22);
	if (!r.output && append(&r, &cap, "", 0) < 0)
		return -ENOMEM;
	r.wait_status = status;
	*ret = r;
	return 0;
}

int spawn_capture(char *const argv[], unsigned int timeout_ms, volatile sig_atomic_t *stop,
		  struct spawn_result *ret)
{
	return spawn_capture_graceful(argv, timeout_ms, stop, 0, ret);
}

const char *spawn_describe(int wait_status, char *buf, size_t len)
{
	if (WIFEXITED(wait_status))
		snprintf(buf, len, "exit status %d", WEXITSTATUS(wait_status));
	else if (WIFSIGNALED(wait_status))
		snprintf(buf, len, "killed by signal %d (%s)", WTERMSIG(wait_status),
			 strsignal(WTERMSIG(wait_status)));
	else
		snprintf(buf, len, "wait status 0x%x", wait_status);
	return buf;
}
