// SPDX-License-Identifier: GPL-2.0-only
/*
 * kvmcfgctl snapshot: write a policy from the current host, to bootstrap a
 * fleet policy from a known-good machine. The text comes from libkvmcfg
 * (snapshot.h); this file adds the header and writes it atomically.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/utsname.h>
#include <time.h>
#include <unistd.h>

#include "kvmcfgctl.h"
#include "param.h"
#include "policy-from-host.h"

/* Temp file and rename: a reader never sees half a policy. */
static int write_atomic(const char *path, const char *text)
{
	char *tmp = NULL;
	size_t len = strlen(text);
	int fd, r = 0;

	if (asprintf(&tmp, "%s.XXXXXX", path) < 0)
		return -ENOMEM;
	fd = mkstemp(tmp);
	if (fd < 0) {
		r = -errno;
		free(tmp);
		return r;
	}
	/* mkstemp makes 0600; a policy is not a secret. */
	if (fchmod(fd, 0644) < 0 || write(fd, text, len) != (ssize_t)len || fsync(fd) < 0)
		r = errno ? -errno : -EIO;
	if (close(fd) < 0 && r == 0)
		r = -errno;
	if (r == 0 && rename(tmp, path) < 0)
		r = -errno;
	if (r < 0)
		unlink(tmp);
	free(tmp);
	return r;
}

int verb_snapshot(const Ctl *c)
{
	char **modules = NULL, *text = NULL, *header = NULL, stamp[64];
	struct utsname u = {};
	time_t now = time(NULL);
	unsigned n_rules = 0;
	int fd, r;

	if (c->n_args) {
		fprintf(stderr, "kvmcfgctl: snapshot takes no arguments, got '%s' (use --output)\n",
			c->args[0]);
		return CTL_EXIT_POLICY;
	}
	fd = open(c->sysfs_root, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0) {
		fprintf(stderr, "kvmcfgctl: cannot open sysfs root %s: %m\n", c->sysfs_root);
		return CTL_EXIT_UNREADABLE;
	}
	uname(&u);
	strftime(stamp, sizeof(stamp), "%Y-%m-%d %H:%M:%S UTC", gmtime(&now));
	r = asprintf(&header,
		     "# kvmcfg policy: snapshot of %s (%s %s), %s\n"
		     "# Every readable parameter of the KVM modules. What a fleet pins (as\n"
		     "# the default policy does) is asserted at its value here; tuning knobs\n"
		     "# are recorded with 'any'. Review it before using it for a fleet: mark\n"
		     "# vendor sections Required = no for mixed Intel/AMD hosts, pin what your\n"
		     "# fleet must agree on (kvmcfg.policy(5)).\n",
		     u.nodename, u.sysname, u.release, stamp) < 0 ?
		    -ENOMEM :
		    0;
	if (r == 0)
		r = ctl_kvm_modules(c, NULL, fd, &modules);
	if (r == 0)
		r = kvmcfg_snapshot_at(fd, (const char *const *)modules, header, 0, &text,
				       &n_rules);
	close(fd);
	strv_free(modules);
	free(header);
	if (r < 0) {
		fprintf(stderr, "kvmcfgctl: cannot read the modules under %s: %s\n", c->sysfs_root,
			strerror(-r));
		return CTL_EXIT_UNREADABLE;
	}
	if (c->output) {
		r = write_atomic(c->output, text);
		if (r < 0)
			fprintf(stderr, "kvmcfgctl: cannot write %s: %s\n", c->output,
				strerror(-r));
		else
			fprintf(stderr, "kvmcfgctl: wrote %s (%u rules)\n", c->output, n_rules);
	} else if (fputs(text, stdout) < 0 || fflush(stdout) != 0) {
		fprintf(stderr, "kvmcfgctl: cannot write the snapshot: %m\n");
		r = -EIO;
	}
	free(text);
	return r < 0 ? CTL_EXIT_UNREADABLE : CTL_EXIT_OK;
}
