// SPDX-License-Identifier: GPL-2.0-only
/*
 * sshd's StrictModes for the files kvmcfg takes orders from: the file and
 * every directory on its path up to '/'. Issue 19: with policy.conf
 * root-owned and 0644 in a directory another user owned, that user swapped
 * it for a symlink to an empty root-owned file and "mismatch" became "ok".
 */
#include <errno.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "policy.h"

/*
 * Whether KVMCFG_POLICY_INSECURE=1 lifts the ownership and mode checks. For
 * test harnesses that build policies as an unprivileged user in shared
 * directories; never set it on a host.
 */
static bool insecure_allowed(void)
{
	const char *e = secure_getenv("KVMCFG_POLICY_INSECURE");

	return e && !strcmp(e, "1");
}

int kvmcfg_check_trusted(const struct stat *st, char *why, size_t len)
{
	if (insecure_allowed())
		return 0;
	if (st->st_uid != 0 && st->st_uid != geteuid())
		snprintf(why, len, "owned by uid %u, not root", (unsigned)st->st_uid);
	else if (st->st_mode & S_IWOTH)
		snprintf(why, len, "writable by every user (mode %04o)",
			 (unsigned)(st->st_mode & 07777));
	else if ((st->st_mode & S_IWGRP) && st->st_gid != 0 && st->st_gid != getegid())
		snprintf(why, len, "writable by group %u (mode %04o)", (unsigned)st->st_gid,
			 (unsigned)(st->st_mode & 07777));
	else
		return 0;
	return -EPERM;
}

static bool trusted_uid(uid_t uid, uid_t owner)
{
	return uid == 0 || uid == owner || uid == geteuid();
}

/* One directory of the walk: 0, or -EPERM with the reason (naming @dir) in @why. */
static int check_dir(const char *dir, uid_t owner, char *why, size_t len)
{
	struct stat st;
	bool sticky_root;
	unsigned mode;

	if (stat(dir, &st) < 0) {
		int r = -errno;

		snprintf(why, len, "cannot check directory %s: %s", dir, strerror(-r));
		return r;
	}
	mode = st.st_mode & 07777;
	/* /tmp: anyone may add, only the owner of a name may replace it. */
	sticky_root = (st.st_mode & S_ISVTX) && st.st_uid == 0;
	if (!trusted_uid(st.st_uid, owner))
		snprintf(why, len, "directory %s is owned by uid %u, not root", dir,
			 (unsigned)st.st_uid);
	else if ((st.st_mode & S_IWOTH) && !sticky_root)
		snprintf(why, len, "directory %s is writable by every user (mode %04o)", dir, mode);
	else if ((st.st_mode & S_IWGRP) && st.st_gid != 0 && st.st_gid != getegid() && !sticky_root)
		snprintf(why, len, "directory %s is writable by group %u (mode %04o)", dir,
			 (unsigned)st.st_gid, mode);
	else
		return 0;
	return -EPERM;
}

/* Every directory above absolute @path, nearest first, up to and including '/'. */
static int walk_up(const char *path, uid_t owner, char *why, size_t len)
{
	char dir[PATH_MAX];
	char *slash;
	int r;

	if (snprintf(dir, sizeof(dir), "%s", path) >= (int)sizeof(dir))
		return -ENAMETOOLONG;
	for (;;) {
		/* "a/b/" names b: trailing slashes are not a level. */
		while (strlen(dir) > 1 && dir[strlen(dir) - 1] == '/')
			dir[strlen(dir) - 1] = '\0';
		slash = strrchr(dir, '/');
		if (!slash)
			return 0;
		if (slash == dir) {
			if (!dir[1])
				return 0; /* "/" itself was the last level */
			dir[1] = '\0';
		} else
			*slash = '\0';
		r = check_dir(dir, owner, why, len);
		if (r < 0)
			return r;
		if (!strcmp(dir, "/"))
			return 0;
	}
}

int kvmcfg_check_trusted_path(const char *path, uid_t owner, char *why, size_t len)
{
	char abs[PATH_MAX], *real;
	int r;

	if (insecure_allowed())
		return 0;
	if (path[0] == '/')
		r = snprintf(abs, sizeof(abs), "%s", path) >= (int)sizeof(abs) ? -ENAMETOOLONG : 0;
	else if (!getcwd(abs, sizeof(abs)))
		r = -errno;
	else if (strlen(abs) + 1 + strlen(path) >= sizeof(abs))
		r = -ENAMETOOLONG;
	else
		r = (strcat(strcat(abs, "/"), path), 0);
	if (r < 0) {
		snprintf(why, len, "cannot check the directories of %s: %s", path, strerror(-r));
		return r;
	}
	/* The directories the name was found through: they decide what it points at. */
	r = walk_up(abs, owner, why, len);
	if (r < 0)
		return r;
	/* And those of what it points at, when a symlink leads elsewhere. */
	real = realpath(abs, NULL);
	if (!real && errno == ENOENT) {
		/* A file about to be written (the textfile): resolve its directory. */
		char *slash = strrchr(abs, '/'), *parent;

		*slash = '\0';
		parent = realpath(abs[0] ? abs : "/", NULL);
		*slash = '/';
		if (parent && asprintf(&real, "%s/%s", parent, slash + 1) < 0)
			real = NULL;
		free(parent);
	}
	if (!real) {
		r = -errno;
		snprintf(why, len, "cannot resolve %s: %s", path, strerror(-r));
		return r;
	}
	if (strcmp(real, abs))
		r = walk_up(real, owner, why, len);
	free(real);
	return r;
}
