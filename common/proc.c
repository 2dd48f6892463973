// SPDX-License-Identifier: GPL-2.0-only
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "proc.h"

/* The session id of process @pid, or -1 when it is gone or unreadable. */
static int session_of(int pid)
{
	char path[64], buf[512], *p;
	int fd, sess;
	ssize_t len;

	snprintf(path, sizeof(path), "/proc/%d/stat", pid);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	len = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (len <= 0)
		return -1;
	buf[len] = '\0';
	/* The command name may hold anything, ')' too; fields resume after the last ')'. */
	p = strrchr(buf, ')');
	if (!p || sscanf(p + 1, " %*c %*d %*d %d", &sess) != 1)
		return -1;
	return sess;
}

/*
 * Signal @pid, a process the sweep saw in session @sid, and not whatever
 * holds that pid by the time the signal goes out: it is not our child, so
 * init may reap it and the pid be reused between the /proc read and kill().
 * A pidfd pins one process; the session is read again after opening it, so
 * a reused pid (another session) is left alone. Where the kernel has no
 * pidfds (before 5.3) it is a plain kill(), the old, tiny window.
 * Returns whether a signal was sent.
 */
static int signal_member(int pid, pid_t sid, int sig)
{
#if defined(SYS_pidfd_open) && defined(SYS_pidfd_send_signal)
	int fd = (int)syscall(SYS_pidfd_open, pid, 0), r;

	if (fd >= 0) {
		r = session_of(pid) == sid && syscall(SYS_pidfd_send_signal, fd, sig, NULL, 0) == 0;
		close(fd);
		return r;
	}
	if (errno != ENOSYS)
		return 0; /* gone already (ESRCH) */
#endif
	return kill(pid, sig) == 0;
}

int proc_kill_session(pid_t sid, int sig)
{
	struct dirent *de;
	int n = 0;
	DIR *d;

	if (sid <= 0)
		return -EINVAL;
	/* The binary's own group at once; the sweep below finds the rest. */
	kill(-sid, sig);
	d = opendir("/proc");
	if (!d)
		return -errno;
	while ((de = readdir(d))) {
		int pid = atoi(de->d_name);

		if (pid > 0 && session_of(pid) == sid && signal_member(pid, sid, sig))
			n++;
	}
	closedir(d);
	return n;
}

long long proc_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000LL + ts.tv_nsec / 1000000;
}
