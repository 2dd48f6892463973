// SPDX-License-Identifier: GPL-2.0-only
/*
 * tapwrap: run a kselftest binary for `meson test --protocol tap` and make
 * its verdict honest.
 *
 * Meson turns any non-zero exit of a TAP test into ERROR, but kselftest
 * binaries exit 1 on failure and 4 (KSFT_SKIP) on a whole-binary skip.
 * tapwrap passes the child's TAP through line by line, withholds a leading
 * plan and prints the real count at the end, and turns an exit status that
 * the TAP stream does not already explain (a crash, an early
 * ksft_exit_fail_msg(), a signal) into one synthesized "not ok" line. It
 * then exits 0 so meson judges the TAP stream alone: FAIL stays FAIL and a
 * skip stays SKIP.
 *
 * Exit status: 0 normally, 99 (meson's hard error) when the child cannot run.
 */
#include <errno.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "tap.h"

int main(int argc, char **argv)
{
	struct tap_summary sum = {};
	const char *name;
	char *line = NULL;
	size_t cap = 0;
	int pipefd[2], status;
	pid_t pid;
	FILE *in;

	if (argc < 2) {
		fprintf(stderr, "usage: %s PROGRAM [ARGS...]\n", argv[0]);
		return 99;
	}
	name = strrchr(argv[1], '/') ? strrchr(argv[1], '/') + 1 : argv[1];

	if (pipe(pipefd) < 0) {
		fprintf(stderr, "tapwrap: pipe: %m\n");
		return 99;
	}
	fflush(stdout);
	pid = fork();
	if (pid < 0) {
		fprintf(stderr, "tapwrap: fork: %m\n");
		return 99;
	}
	if (pid == 0) {
		close(pipefd[0]);
		if (dup2(pipefd[1], STDOUT_FILENO) < 0)
			_exit(127);
		close(pipefd[1]);
		execv(argv[1], argv + 1);
		fprintf(stderr, "tapwrap: cannot run %s: %m\n", argv[1]);
		_exit(127);
	}
	close(pipefd[1]);
	in = fdopen(pipefd[0], "r");
	if (!in) {
		fprintf(stderr, "tapwrap: fdopen: %m\n");
		return 99;
	}

	while (getline(&line, &cap, in) >= 0) {
		enum tap_line kind = tap_summary_feed(&sum, line);

		/* The plan is re-emitted at the end with the real count. */
		if (kind == TAP_LINE_PLAN && !sum.skip_all)
			continue;
		fputs(line, stdout);
		if (line[0] && line[strlen(line) - 1] != '\n')
			fputc('\n', stdout);
		fflush(stdout);
	}
	free(line);
	fclose(in);

	while (waitpid(pid, &status, 0) < 0) {
		if (errno != EINTR) {
			fprintf(stderr, "tapwrap: waitpid: %m\n");
			return 99;
		}
	}

	if (WIFEXITED(status) && WEXITSTATUS(status) == 127 && sum.tests == 0)
		return 99;

	{
		char why[128] = "";

		tap_explain_exit(&sum, status, why, sizeof(why));
		if (why[0]) {
			sum.tests++;
			sum.failed++;
			printf("not ok %u %s: %s\n", sum.tests, name, why);
		}
	}
	if (!sum.skip_all)
		printf("1..%u\n", sum.tests);
	fflush(stdout);
	return 0;
}
