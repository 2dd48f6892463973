// SPDX-License-Identifier: GPL-2.0-only
/*
 * kvmcfgctl snapshot: write a policy from the current host, to bootstrap a
 * fleet policy from a known-good machine. The result parses, and this host
 * passes it: every value is written in the form that matches it exactly
 * (booleans and integers bare, other text quoted where the grammar needs).
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
#include "match.h"
#include "param.h"

static void write_param(FILE *o, const char *param, const char *value, int r)
{
	if (r < 0) {
		fprintf(o, "# %s: not readable (%s), left out\n", param, strerror(-r));
		return;
	}
	if (!matcher_text_needs_quotes(value)) {
		fprintf(o, "%s = %s\n", param, value);
		return;
	}
	/* inih ends a value at " ;" even inside quotes, and quotes cannot nest. */
	if (strchr(value, '"') || strstr(value, " ;") || strstr(value, "\t;") ||
	    strchr(value, '\n')) {
		fprintf(o, "# %s: value cannot be written as a rule, left out\n", param);
		return;
	}
	fprintf(o, "%s = \"%s\"\n", param, value);
}

static int write_snapshot(const Ctl *c, int fd, FILE *o)
{
	char **modules = NULL, **params = NULL, stamp[64];
	struct utsname u = {};
	time_t now = time(NULL);
	size_t i, j;
	int r;

	r = ctl_kvm_modules(c, fd, NULL, &modules);
	if (r < 0) {
		fprintf(stderr, "kvmcfgctl: cannot list modules under %s: %s\n", c->sysfs_root,
			strerror(-r));
		return CTL_EXIT_UNREADABLE;
	}
	uname(&u);
	strftime(stamp, sizeof(stamp), "%Y-%m-%d %H:%M:%S UTC", gmtime(&now));
	fprintf(o, "# kvmcfg policy: snapshot of %s (%s %s), %s\n", u.nodename, u.sysname,
		u.release, stamp);
	fprintf(o, "# Every readable parameter of the KVM modules as it is now. Review it\n"
		   "# before using it for a fleet: mark vendor sections Required = no for\n"
		   "# mixed Intel/AMD hosts, relax values that may differ (kvmcfg.policy(5)).\n");
	for (i = 0; modules[i]; i++) {
		r = kvmcfg_param_list_at(fd, modules[i], &params);
		if (r == -ENODEV) {
			if (c->modules) /* asked for by name: say why it is missing */
				fprintf(o, "\n# [%s]: not loaded\n", modules[i]);
			continue;
		}
		if (r < 0) {
			fprintf(stderr, "kvmcfgctl: cannot list parameters of %s: %s\n", modules[i],
				strerror(-r));
			r = CTL_EXIT_UNREADABLE;
			break;
		}
		fprintf(o, "\n[%s]\nRequired = yes\n", modules[i]);
		for (j = 0; params[j]; j++) {
			char *value = NULL;

			r = kvmcfg_param_read_at(fd, modules[i], params[j], &value);
			write_param(o, params[j], value, r);
			free(value);
		}
		kvmcfg_strv_free(params);
		r = 0;
	}
	kvmcfg_strv_free(modules);
	return r;
}

int verb_snapshot(const Ctl *c)
{
	char *tmp = NULL;
	FILE *o = stdout;
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
	if (c->output) {
		int tfd;

		/* Temp file and rename: a reader never sees half a policy. */
		if (asprintf(&tmp, "%s.XXXXXX", c->output) < 0 || (tfd = mkstemp(tmp)) < 0 ||
		    !(o = fdopen(tfd, "w"))) {
			fprintf(stderr, "kvmcfgctl: cannot write %s: %m\n", c->output);
			if (tmp)
				unlink(tmp);
			free(tmp);
			close(fd);
			return CTL_EXIT_UNREADABLE;
		}
		/* mkstemp makes 0600; a policy is not a secret. */
		(void)fchmod(tfd, 0644);
	}
	r = write_snapshot(c, fd, o);
	close(fd);
	if (c->output) {
		if (fclose(o) != 0 && r == 0) {
			fprintf(stderr, "kvmcfgctl: cannot write %s: %m\n", c->output);
			r = CTL_EXIT_UNREADABLE;
		}
		if (r == 0 && rename(tmp, c->output) < 0) {
			fprintf(stderr, "kvmcfgctl: cannot rename to %s: %m\n", c->output);
			r = CTL_EXIT_UNREADABLE;
		}
		if (r)
			unlink(tmp);
		free(tmp);
	} else if (fflush(stdout) != 0) {
		fprintf(stderr, "kvmcfgctl: cannot write the snapshot: %m\n");
		r = CTL_EXIT_UNREADABLE;
	}
	return r;
}
