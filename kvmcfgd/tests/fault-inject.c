// SPDX-License-Identifier: GPL-2.0-only
/*
 * Fault injection for kvmcfgd, linked only into the test binary
 * kvmcfgd-fault (main.c + kvmcfgd-core + libkvmcfg, linked with
 * -Wl,--wrap=SYMBOL for each __wrap_SYMBOL below). Calls made by the
 * daemon's own code go through these wrappers; libc, libsystemd and the
 * sanitizer runtimes are untouched, and so is the real kvmcfgd.
 *
 * Why a linker seam and not LD_PRELOAD: under ASan the sanitizer owns
 * malloc() and insists on coming first in the library list, and a preload
 * would also fail allocations inside libsystemd, which is not what we test.
 *
 * Controlled by the test:
 *   KVMCFG_FAULT_CONTROL=PATH  on SIGUSR2 the daemon reads one command from
 *       PATH and acknowledges it on stderr with a "fault-inject:" line:
 *         "alloc N"  the N-th allocation from now fails with ENOMEM (once)
 *         "vanish DIR"  the next read() of a file opened under
 *                    DIR/parameters/ renames DIR to DIR.unloaded first and
 *                    fails with ENODEV, as sysfs does for an attribute of a
 *                    module being unloaded (once)
 *         "stderr N" the next N writes of a log line to stderr fail with
 *                    EIO (the log channel down: an alert cannot be raised)
 *         "off"      disarm; the ack says how many allocations were seen
 *                    and whether the armed fault fired
 *   KVMCFG_FAULT_ALLOC_AT_START=N  the N-th allocation of the process fails.
 *   KVMCFG_FAULT_SLOW_OPEN=NAME:MS  open() of a file whose name ends in
 *       /NAME sleeps MS milliseconds first (a slow disk under a reload).
 *
 * Everything the SIGUSR2 handler does is async-signal-safe (open, read,
 * write, no stdio, no allocation).
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>
#include <time.h>
#include <unistd.h>

void *__real_malloc(size_t size);
void *__real_calloc(size_t n, size_t size);
void *__real_realloc(void *p, size_t size);
char *__real_strdup(const char *s);
char *__real_strndup(const char *s, size_t n);
int __real_vasprintf(char **ret, const char *fmt, va_list ap);
FILE *__real_open_memstream(char **buf, size_t *len);
FILE *__real_fopencookie(void *cookie, const char *mode, cookie_io_functions_t io);
DIR *__real_opendir(const char *path);
DIR *__real_fdopendir(int fd);
FILE *__real_fopen64(const char *path, const char *mode);
int __real_open64(const char *path, int flags, ...);
int __real_kvmcfg_open_beneath(int dirfd, const char *path, int flags);
ssize_t __real_read(int fd, void *buf, size_t n);
int __real_fputs(const char *s, FILE *f);

static volatile sig_atomic_t stderr_fails;
static const char *control_path;
static const char *slow_name;
static long slow_ms;

/* Set from the signal handler, read on the daemon's own thread. */
static volatile sig_atomic_t alloc_target;   /* 0: off */
static volatile sig_atomic_t alloc_seen;
static volatile sig_atomic_t alloc_fired;
static char vanish_dir[4096];
static volatile sig_atomic_t vanish_armed;
static volatile sig_atomic_t vanish_fd = -1;

/* One stderr line "@a[N]@b", N left out when negative; async-signal-safe. */
static void say(const char *a, long n, const char *b)
{
	char buf[512], num[24];
	size_t len = 0, i = sizeof(num);
	unsigned long v = n < 0 ? 0 : (unsigned long)n;

	do {
		num[--i] = (char)('0' + v % 10);
		v /= 10;
	} while (v && i > 0);
	len = strnlen(a, 128);
	memcpy(buf, a, len);
	if (n >= 0) {
		memcpy(buf + len, num + i, sizeof(num) - i);
		len += sizeof(num) - i;
	}
	i = strnlen(b, sizeof(buf) - len - 1);
	memcpy(buf + len, b, i);
	len += i;
	buf[len++] = '\n';
	(void)!write(STDERR_FILENO, buf, len);
}

static long parse_num(const char *s)
{
	long v = 0;

	while (*s == ' ')
		s++;
	if (*s < '0' || *s > '9')
		return -1;
	for (; *s >= '0' && *s <= '9'; s++)
		v = v * 10 + (*s - '0');
	return v;
}

static void on_sigusr2(int sig)
{
	int saved = errno, fd;
	char cmd[sizeof(vanish_dir) + 16];
	ssize_t n;

	(void)sig;
	fd = open(control_path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		say("fault-inject: cannot open the control file", -1, "");
		errno = saved;
		return;
	}
	n = read(fd, cmd, sizeof(cmd) - 1);
	close(fd);
	cmd[n > 0 ? n : 0] = '\0';
	if (n > 0 && cmd[n - 1] == '\n')
		cmd[n - 1] = '\0';
	if (strncmp(cmd, "alloc ", 6) == 0 && parse_num(cmd + 6) > 0) {
		alloc_seen = 0;
		alloc_fired = 0;
		alloc_target = (sig_atomic_t)parse_num(cmd + 6);
		say("fault-inject: armed: allocation ", alloc_target, " from now fails");
	} else if (strncmp(cmd, "vanish /", 8) == 0 && strlen(cmd + 7) < sizeof(vanish_dir)) {
		strcpy(vanish_dir, cmd + 7);
		vanish_fd = -1;
		vanish_armed = 1;
		say("fault-inject: armed: vanish", -1, "");
	} else if (strncmp(cmd, "stderr ", 7) == 0 && parse_num(cmd + 7) > 0) {
		stderr_fails = (sig_atomic_t)parse_num(cmd + 7);
		say("fault-inject: armed: stderr writes failing: ", stderr_fails, "");
	} else if (strcmp(cmd, "off") == 0) {
		say("fault-inject: off: allocations seen ", alloc_seen,
		    alloc_fired ? ", fault fired" : ", fault not reached");
		alloc_target = 0;
		vanish_armed = 0;
		stderr_fails = 0;
	} else {
		say("fault-inject: unknown command", -1, "");
	}
	errno = saved;
}

__attribute__((constructor)) static void fault_inject_init(void)
{
	struct sigaction sa = { .sa_handler = on_sigusr2, .sa_flags = SA_RESTART };
	const char *s;

	s = getenv("KVMCFG_FAULT_ALLOC_AT_START");
	if (s && parse_num(s) > 0)
		alloc_target = (sig_atomic_t)parse_num(s);
	control_path = getenv("KVMCFG_FAULT_CONTROL");
	if (control_path)
		(void)sigaction(SIGUSR2, &sa, NULL);
	s = getenv("KVMCFG_FAULT_SLOW_OPEN");
	if (s && strchr(s, ':')) {
		static char name[256];
		size_t len = (size_t)(strchr(s, ':') - s);

		if (len < sizeof(name)) {
			memcpy(name, s, len);
			slow_name = name;
			slow_ms = parse_num(strchr(s, ':') + 1);
		}
	}
}

/* Count one allocation; true if this is the one that must fail. */
static bool alloc_fails(const char *what)
{
	if (!alloc_target)
		return false;
	alloc_seen++;
	if (alloc_seen != alloc_target)
		return false;
	alloc_fired = 1;
	say("fault-inject: failing allocation ", alloc_seen, what);
	errno = ENOMEM;
	return true;
}

void *__wrap_malloc(size_t size)
{
	return alloc_fails(" (malloc)") ? NULL : __real_malloc(size);
}

void *__wrap_calloc(size_t n, size_t size)
{
	return alloc_fails(" (calloc)") ? NULL : __real_calloc(n, size);
}

void *__wrap_realloc(void *p, size_t size)
{
	return alloc_fails(" (realloc)") ? NULL : __real_realloc(p, size);
}

char *__wrap_strdup(const char *s)
{
	return alloc_fails(" (strdup)") ? NULL : __real_strdup(s);
}

char *__wrap_strndup(const char *s, size_t n)
{
	return alloc_fails(" (strndup)") ? NULL : __real_strndup(s, n);
}

int __wrap_vasprintf(char **ret, const char *fmt, va_list ap)
{
	return alloc_fails(" (vasprintf)") ? -1 : __real_vasprintf(ret, fmt, ap);
}

int __wrap_asprintf(char **ret, const char *fmt, ...)
{
	va_list ap;
	int r;

	if (alloc_fails(" (asprintf)"))
		return -1;
	va_start(ap, fmt);
	r = __real_vasprintf(ret, fmt, ap);
	va_end(ap);
	return r;
}

FILE *__wrap_open_memstream(char **buf, size_t *len)
{
	return alloc_fails(" (open_memstream)") ? NULL : __real_open_memstream(buf, len);
}

/* kvmcfg_memstream_open()'s FILE: its buffer comes from the wrapped realloc(). */
FILE *__wrap_fopencookie(void *cookie, const char *mode, cookie_io_functions_t io)
{
	return alloc_fails(" (fopencookie)") ? NULL : __real_fopencookie(cookie, mode, io);
}

/* log.c writes each stderr line with one fputs(). */
int __wrap_fputs(const char *s, FILE *f)
{
	if (f == stderr && stderr_fails > 0) {
		stderr_fails--;
		errno = EIO;
		return EOF;
	}
	return __real_fputs(s, f);
}

DIR *__wrap_opendir(const char *path)
{
	return alloc_fails(" (opendir)") ? NULL : __real_opendir(path);
}

DIR *__wrap_fdopendir(int fd)
{
	return alloc_fails(" (fdopendir)") ? NULL : __real_fdopendir(fd);
}

FILE *__wrap_fopen64(const char *path, const char *mode)
{
	return alloc_fails(" (fopen)") ? NULL : __real_fopen64(path, mode);
}

static bool name_is(const char *path, const char *name)
{
	size_t lp = strlen(path), ln = strlen(name);

	return lp > ln && path[lp - ln - 1] == '/' && strcmp(path + lp - ln, name) == 0;
}

int __wrap_open64(const char *path, int flags, ...)
{
	mode_t mode = 0;
	va_list ap;

	if (flags & (O_CREAT | O_TMPFILE)) {
		va_start(ap, flags);
		mode = va_arg(ap, mode_t);
		va_end(ap);
	}
	if (slow_name && name_is(path, slow_name)) {
		struct timespec ts = { slow_ms / 1000, (slow_ms % 1000) * 1000000 };

		say("fault-inject: slow open of ", -1, path);
		while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
			;
	}
	return __real_open64(path, flags, mode);
}

/* "module/NAME/parameters/..." relative to the sysfs root, NAME the basename of vanish_dir. */
static bool under_vanish_dir(const char *path)
{
	const char *base = strrchr(vanish_dir, '/');
	size_t n;

	if (!base || strncmp(path, "module/", 7) != 0)
		return false;
	base++;
	n = strlen(base);
	return strncmp(path + 7, base, n) == 0 && strncmp(path + 7 + n, "/parameters/", 12) == 0;
}

/* Param files are opened through open-beneath.h (openat2), not openat(): wrap that. */
int __wrap_kvmcfg_open_beneath(int dirfd, const char *path, int flags)
{
	int fd = __real_kvmcfg_open_beneath(dirfd, path, flags);

	if (fd >= 0 && vanish_armed && vanish_fd < 0 && under_vanish_dir(path))
		vanish_fd = fd;
	return fd;
}

ssize_t __wrap_read(int fd, void *buf, size_t n)
{
	if (vanish_armed && fd >= 0 && fd == vanish_fd) {
		char to[sizeof(vanish_dir) + 16];

		vanish_armed = 0;
		vanish_fd = -1;
		snprintf(to, sizeof(to), "%s.unloaded", vanish_dir);
		if (rename(vanish_dir, to) < 0)
			say("fault-inject: vanish: rename failed", -1, "");
		else
			say("fault-inject: module unloaded under a read", -1, "");
		errno = ENODEV;
		return -1;
	}
	return __real_read(fd, buf, n);
}
