// SPDX-License-Identifier: GPL-2.0-only
/* One run of the bench in a fresh process (see child-run.h). */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include "child-run.h"
#include "json-read.h"
#include "macro.h"

/* Everything @fd has until EOF, malloc'd into *ret; 0 or -errno. */
static int read_all(int fd, char **ret, size_t *len)
{
	size_t n = 0, cap = 0;
	char *buf = NULL;

	for (;;) {
		ssize_t got;

		if (n == cap) {
			char *grown = realloc(buf, cap ? cap * 2 : 65536);

			if (!grown) {
				free(buf);
				return -ENOMEM;
			}
			buf = grown;
			cap = cap ? cap * 2 : 65536;
		}
		got = read(fd, buf + n, cap - n);
		if (got < 0 && errno == EINTR)
			continue;
		if (got < 0) {
			free(buf);
			return -errno;
		}
		if (got == 0)
			break;
		n += (size_t)got;
	}
	*ret = buf;
	*len = n;
	return 0;
}

/* What the run wrote on stderr, to @to. */
static void copy_file(int fd, FILE *to)
{
	char buf[4096];
	ssize_t got;

	if (lseek(fd, 0, SEEK_SET) < 0)
		return;
	while ((got = read(fd, buf, sizeof(buf))) > 0)
		fwrite(buf, 1, (size_t)got, to);
}

int bench_child_run(char *const argv[], struct json_object **ret, FILE *err)
{
	_cleanup_free_ char *out = NULL;
	struct bench_json_error jerr;
	int pipefd[2], errfd, status, r;
	size_t len = 0;
	pid_t pid;

	errfd = open("/tmp", O_TMPFILE | O_RDWR | O_CLOEXEC, 0600);
	if (errfd < 0)
		errfd = open("/dev/null", O_WRONLY | O_CLOEXEC);
	if (errfd < 0)
		return -errno;
	if (pipe2(pipefd, O_CLOEXEC) < 0) {
		r = -errno;
		close(errfd);
		return r;
	}
	fflush(NULL);
	pid = fork();
	if (pid < 0) {
		r = -errno;
		close(pipefd[0]);
		close(pipefd[1]);
		close(errfd);
		return r;
	}
	if (pid == 0) {
		/* A run must not outlive the bench that waits for it. */
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		if (dup2(pipefd[1], STDOUT_FILENO) < 0 || dup2(errfd, STDERR_FILENO) < 0)
			_exit(127);
		execv(argv[0], argv);
		dprintf(STDERR_FILENO, "Failed to run %s: %s\n", argv[0], strerror(errno));
		_exit(127);
	}
	close(pipefd[1]);
	r = read_all(pipefd[0], &out, &len);
	close(pipefd[0]);
	while (waitpid(pid, &status, 0) < 0) {
		if (errno != EINTR) {
			r = -errno;
			close(errfd);
			return r;
		}
	}
	if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
		copy_file(errfd, err);
		close(errfd);
		if (WIFSIGNALED(status))
			fprintf(err, "the run was killed by signal %d (%s)\n", WTERMSIG(status),
				strsignal(WTERMSIG(status)));
		return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
	}
	close(errfd);
	if (r < 0)
		return r;
	r = bench_json_parse(out, len, ret, &jerr);
	if (r == -EBADMSG)
		fprintf(err, "the run's JSON:%u:%u: %s\n", jerr.line, jerr.column, jerr.what);
	return r;
}
