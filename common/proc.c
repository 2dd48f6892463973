// SPDX-License-Identifier: GPL-2.0-only
#include <dirent.h>
#include <errno.h>
#include <stdbool.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "macro.h"
#include "proc.h"

/*
 * Parent pid and session id of process @pid from /proc/PID/stat, and whether
 * it is a zombie: 0, or -1 when it is gone.
 */
static int stat_of3(int pid, int *ret_ppid, int *ret_sid, bool *ret_zombie)
{
	char path[64], buf[512], *p, state;
	int fd, ppid, sess;
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
	if (!p || sscanf(p + 1, " %c %d %*d %d", &state, &ppid, &sess) != 3)
		return -1;
	if (ret_ppid)
		*ret_ppid = ppid;
	if (ret_sid)
		*ret_sid = sess;
	if (ret_zombie)
		*ret_zombie = state == 'Z';
	return 0;
}

static int stat_of(int pid, int *ret_ppid, int *ret_sid)
{
	return stat_of3(pid, ret_ppid, ret_sid, NULL);
}

/* The session id of process @pid, or -1 when it is gone or unreadable. */
static int session_of(int pid)
{
	int sess;

	return stat_of(pid, NULL, &sess) < 0 ? -1 : sess;
}

static int parent_of(int pid)
{
	int ppid;

	return stat_of(pid, &ppid, NULL) < 0 ? -1 : ppid;
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
static int signal_checked(int pid, int (*field)(int pid), int want, int sig)
{
#if defined(SYS_pidfd_open) && defined(SYS_pidfd_send_signal)
	int fd = (int)syscall(SYS_pidfd_open, pid, 0), r;

	if (fd >= 0) {
		r = field(pid) == want && syscall(SYS_pidfd_send_signal, fd, sig, NULL, 0) == 0;
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

		if (pid > 0 && session_of(pid) == sid && signal_checked(pid, session_of, sid, sig))
			n++;
	}
	closedir(d);
	return n;
}

/* Whether the environment of @pid holds a variable that starts with @marker ("NAME="). */
static bool environ_has(int pid, const char *marker)
{
	char path[64], buf[16384];
	size_t len = 1, mlen = strlen(marker), i;
	ssize_t n;
	bool found = false;
	int fd;

	snprintf(path, sizeof(path), "/proc/%d/environ", pid);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return false;
	/*
	 * Variables are NUL-separated. buf[0] stands for the NUL before the
	 * first one; the tail of each read is kept so a match may span reads.
	 */
	buf[0] = '\0';
	while (!found && (n = read(fd, buf + len, sizeof(buf) - len)) > 0) {
		len += (size_t)n;
		for (i = 1; i + mlen <= len && !found; i++)
			found = buf[i - 1] == '\0' && !memcmp(buf + i, marker, mlen);
		if (len > mlen + 1) {
			memmove(buf, buf + len - mlen - 1, mlen + 1);
			len = mlen + 1;
		}
	}
	close(fd);
	return found;
}

int proc_kill_children(pid_t parent, const pid_t *except, size_t n_except, const char *marker,
		       int sig, pid_t *ret, size_t max)
{
	struct dirent *de;
	size_t n = 0, i;
	DIR *d;

	if (parent <= 0)
		return -EINVAL;
	d = opendir("/proc");
	if (!d)
		return -errno;
	while ((de = readdir(d))) {
		int pid = atoi(de->d_name), ppid;
		bool skip = false, zombie = false;

		if (pid <= 0 || stat_of3(pid, &ppid, NULL, &zombie) < 0 || ppid != parent)
			continue;
		for (i = 0; i < n_except; i++)
			skip |= except[i] == pid;
		/* A zombie has no environment left to tell by: it only waits to be reaped. */
		if (skip || (marker && !zombie && !environ_has(pid, marker)) ||
		    !signal_checked(pid, parent_of, parent, sig))
			continue;
		if (n < max)
			ret[n] = pid;
		n++;
	}
	closedir(d);
	return (int)n;
}

typedef struct ProcEntry {
	int pid, ppid;
	bool in; /* @root or descended from it */
} ProcEntry;

static int entry_cmp(const void *a, const void *b)
{
	int x = ((const ProcEntry *)a)->pid, y = ((const ProcEntry *)b)->pid;

	return x < y ? -1 : x > y;
}

int proc_kill_tree(pid_t root, int sig)
{
	ProcEntry *v = NULL, key;
	size_t n = 0, n_alloc = 0, i;
	struct dirent *de;
	bool changed = true;
	int sent = 0;
	DIR *d;

	if (root <= 0)
		return -EINVAL;
	d = opendir("/proc");
	if (!d)
		return -errno;
	while ((de = readdir(d))) {
		int p = atoi(de->d_name), pp;

		if (p <= 0 || stat_of(p, &pp, NULL) < 0)
			continue;
		if (GROW(v, n_alloc, n + 1) < 0) {
			closedir(d);
			free(v);
			return -ENOMEM;
		}
		v[n++] = (ProcEntry){ p, pp, p == root };
	}
	closedir(d);
	/*
	 * Sorted by pid, each process finds its parent by bsearch(); marking
	 * repeats until nothing changes, once per level of the tree. A timeout
	 * handler in an event loop must stay fast on a host of many processes.
	 */
	if (n)
		qsort(v, n, sizeof(*v), entry_cmp);
	while (changed) {
		changed = false;
		for (i = 0; i < n; i++) {
			const ProcEntry *parent;

			if (v[i].in)
				continue;
			key.pid = v[i].ppid;
			parent = bsearch(&key, v, n, sizeof(*v), entry_cmp);
			if (parent && parent->in)
				v[i].in = changed = true;
		}
	}
	kill(root, sig);
	for (i = 0; i < n; i++)
		if (v[i].in && v[i].pid != root &&
		    signal_checked(v[i].pid, parent_of, v[i].ppid, sig))
			sent++;
	free(v);
	return sent;
}

long long proc_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000LL + ts.tv_nsec / 1000000;
}
