// SPDX-License-Identifier: GPL-2.0-only
/*
 * Fake selftest binaries for the runner's own tests: one source, built once
 * per behaviour (-DFAKE_<KIND>), each printing what a real kselftest binary
 * would in that situation, or misbehaving the way a broken one does.
 *
 * Every fake reports its environment as a TAP comment so tests can check
 * what the runner passed on (KVMCFG_TEST_SCALE, KVMCFG_TEST_FULL).
 * fake_hang ignores SIGTERM and writes the pids of its children to $FAKE_PIDFILE so a test can
 * prove they were killed with it. fake_detach passes and exits at once, leaving a child in a
 * session of its own that holds the output pipe for 3 s (pids in $FAKE_DETACH_PIDFILE): a test
 * that was reaped while the runner still reads its output.
 */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/*
 * In sanitizer builds, let SIGSEGV kill fake_crash as it would any crashing
 * test, instead of ASan turning it into exit 1. Unused without ASan.
 */
__attribute__((used)) const char *__asan_default_options(void);
__attribute__((used)) const char *__asan_default_options(void)
{
	return "handle_segv=0";
}

static void env(int argc, char **argv)
{
	int i;

	const char *scale = getenv("KVMCFG_TEST_SCALE"), *full = getenv("KVMCFG_TEST_FULL");
	char cwd[256];

	printf("# env: KVMCFG_TEST_SCALE=%s KVMCFG_TEST_FULL=%s cwd=%s\n", scale ? scale : "",
	       full ? full : "", getcwd(cwd, sizeof(cwd)) ? cwd : "?");
	printf("# ksft: skip_rc=%s timeout_rc=%s kselftest_timeout=%s kselftest_default_timeout=%s\n",
	       getenv("skip_rc") ?: "", getenv("timeout_rc") ?: "", getenv("kselftest_timeout") ?: "",
	       getenv("kselftest_default_timeout") ?: "");
	printf("# args:");
	for (i = 1; i < argc; i++)
		printf(" [%s]", argv[i]);
	printf("\n");
}

/* A child that sleeps forever; @own_group like the kselftest harness's setpgrp(). */
static __attribute__((unused)) pid_t sleeper(int own_group)
{
	pid_t pid = fork();

	if (pid == 0) {
		if (own_group)
			setpgid(0, 0);
		/* Ignore SIGTERM: only the runner's SIGKILL may end it. */
		signal(SIGTERM, SIG_IGN);
		for (;;)
			pause();
	}
	return pid;
}

int main(int argc, char **argv)
{
	setvbuf(stdout, NULL, _IONBF, 0);
	printf("TAP version 13\n");
	env(argc, argv);
#if defined(FAKE_PASS)
	printf("1..2\n# RUN           fake.one ...\nok 1 fake.one\nok 2 fake.two\n");
	return 0;
#elif defined(FAKE_FAIL)
	printf("1..2\nok 1 fake.good\n# assertion failed: 1 == 2\nnot ok 2 fake.bad\n");
	return 1;
#elif defined(FAKE_SKIP)
	/* What KVM_HARNESS_MAIN prints without the capability it needs. */
	printf("1..0 # SKIP needs KVM_CAP_X86_USER_SPACE_MSR and KVM_CAP_NOT_A_REAL_ONE\n");
	return 4;
#elif defined(FAKE_SUBSKIP)
	/* The kselftest harness names a skipped test only in its RUN line. */
	printf("1..2\n#  RUN           fake.variant.skipper ...\n"
	       "#      SKIP      no KVM_CAP_IRQCHIP here\n"
	       "ok 1 # SKIP no KVM_CAP_IRQCHIP here\nok 2 fake.runs\n");
	return 0;
#elif defined(FAKE_XFAIL)
	printf("1..2\nok 1 fake.fine\nnot ok 2 fake.known_bug # TODO fixed in 6.9\n");
	return 0;
#elif defined(FAKE_HANG)
	FILE *f;
	pid_t a = sleeper(0), b = sleeper(1);
	const char *pidfile = getenv("FAKE_PIDFILE");

	if (pidfile && (f = fopen(pidfile, "w"))) {
		fprintf(f, "%d %d %d\n", (int)getpid(), (int)a, (int)b);
		fclose(f);
	}
	/* Deaf to SIGTERM like its children: the runner must escalate to SIGKILL. */
	signal(SIGTERM, SIG_IGN);
	printf("1..2\nok 1 fake.before_hang\n#  RUN           fake.hangs ...\n");
	for (;;)
		pause();
#elif defined(FAKE_DETACH)
	FILE *f;
	pid_t child;
	const char *pidfile = getenv("FAKE_DETACH_PIDFILE");

	int sync[2];
	char c = 0;

	printf("1..1\nok 1 fake.detached\n");
	if (pipe(sync) < 0)
		return 1;
	child = fork();
	if (child == 0) {
		/* Out of the test's session: the runner's sweep does not reach it. */
		setsid();
		close(sync[0]);
		if (write(sync[1], &c, 1) != 1)
			_exit(1);
		close(sync[1]);
		sleep(3);
		_exit(0);
	}
	/* Exit only once it left: the runner sweeps the session when we do. */
	close(sync[1]);
	if (child < 0 || read(sync[0], &c, 1) != 1)
		return 1;
	if (pidfile && (f = fopen(pidfile, "w"))) {
		fprintf(f, "%d %d\n", (int)getpid(), (int)child);
		fclose(f);
	}
	return 0;
#elif defined(FAKE_SLEEP)
	/* Slow but well-behaved: no children, dies on SIGTERM. */
	printf("1..1\n");
	sleep(60);
	printf("ok 1 fake.slow\n");
	return 0;
#elif defined(FAKE_FLOOD)
	/* Never stops printing: the deadline must still hold, the kept output stay bounded. */
	setvbuf(stdout, NULL, _IOFBF, 1 << 16);
	printf("1..1\n");
	for (;;)
		printf("# flooding the runner with output that never ends .......................\n");
#elif defined(FAKE_CRASH)
	printf("1..2\nok 1 fake.before_crash\n");
	raise(SIGSEGV);
	return 0;
#elif defined(FAKE_MALFORMED)
	/* Plan of 3, a gap in the numbering, junk in between, exit 0. */
	printf("1..3\nok 1 fake.a\nthis is not TAP\nok 3 fake.c\n");
	return 0;
#elif defined(FAKE_NOTAP)
	printf("hello from a binary that never speaks TAP\n");
	return 0;
#elif defined(FAKE_EXIT1)
	/* kselftest's ksft_exit_fail_msg() after passing tests: no "not ok" line. */
	printf("1..3\nok 1 fake.a\n# Bail: could not set up the VM\n");
	return 1;
#else
#error "build with -DFAKE_<KIND>"
#endif
}
