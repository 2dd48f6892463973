// SPDX-License-Identifier: GPL-2.0-only
/*
 * Unit tests for proc_kill_session(): a process the kselftest harness would
 * leave behind (same session, other process group) is killed; a process in
 * another session is not.
 */
#include "check-run.h"
#include <check.h>
#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include "proc.h"

/* Say so on @fd, then wait to be killed; SIGALRM ends it if this test fails. */
static _Noreturn void ready_then_wait(int fd)
{
	alarm(30);
	if (write(fd, "x", 1) != 1)
		_exit(2);
	for (;;)
		pause();
}

/*
 * waitpid(@pid) for up to 3 s (check's default test timeout is 4 s): a
 * survivor fails the test instead of hanging it.
 */
static pid_t reap(pid_t pid, int *status)
{
	pid_t r = 0;
	int i;

	for (i = 0; i < 300 && r == 0; i++) {
		r = waitpid(pid, status, WNOHANG);
		if (r == 0)
			usleep(10 * 1000);
	}
	return r;
}

START_TEST(sweep_kills_other_groups_only)
{
	int p[2], status, n;
	pid_t leader, grandchild, other;
	ssize_t got;
	char buf[3];

	/* The test case's process is reparented to us when its parent dies, so we can reap it. */
	ck_assert_int_eq(prctl(PR_SET_CHILD_SUBREAPER, 1), 0);
	ck_assert_int_eq(pipe(p), 0);

	leader = fork();
	ck_assert_int_ge(leader, 0);
	if (leader == 0) {
		setsid();
		/* Like __run_test(): the test case in a group of its own. */
		if (fork() == 0) {
			setpgid(0, 0);
			ready_then_wait(p[1]);
		}
		ready_then_wait(p[1]);
	}
	other = fork();
	ck_assert_int_ge(other, 0);
	if (other == 0) {
		setsid();
		ready_then_wait(p[1]);
	}
	close(p[1]);
	for (n = 0; n < 3; n += got) {
		got = read(p[0], buf + n, 3 - n);
		ck_assert_int_gt(got, 0);
	}
	close(p[0]);

	/* The leader and its test case, at least. */
	ck_assert_int_ge(proc_kill_session(leader, SIGKILL), 2);
	ck_assert_int_eq(reap(leader, &status), leader);
	ck_assert(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL);
	/* The only child left to reap besides @other is the test case. */
	grandchild = reap(-1, &status);
	ck_assert_int_gt(grandchild, 0);
	ck_assert_int_ne(grandchild, other);
	ck_assert(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL);

	/* Another session is left alone. */
	ck_assert_int_eq(waitpid(other, &status, WNOHANG), 0);
	ck_assert_int_eq(proc_kill_session(other, SIGKILL), 1);
	ck_assert_int_eq(reap(other, &status), other);
	ck_assert(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL);
}
END_TEST

START_TEST(rejects_broadcast_ids)
{
	/* kill(0) or kill(-1) would hit this test itself, or everything. */
	ck_assert_int_eq(proc_kill_session(0, 0), -EINVAL);
	ck_assert_int_eq(proc_kill_session(-1, 0), -EINVAL);
}
END_TEST

START_TEST(clock_advances)
{
	long long a = proc_now_ms(), b;

	usleep(20 * 1000);
	b = proc_now_ms();
	ck_assert_int_ge(b - a, 20);
	ck_assert_int_lt(b - a, 20 * 1000);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("proc");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, sweep_kills_other_groups_only);
	tcase_add_test(tc, rejects_broadcast_ids);
	tcase_add_test(tc, clock_advances);
	suite_add_tcase(s, tc);
	return check_run(s);
}
