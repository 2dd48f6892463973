// SPDX-License-Identifier: GPL-2.0-only
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>

#include "modules.h"
#include "param.h"
#include "spawn-capture.h"
#include "strv.h"

void saved_params_clear(struct saved_params *s)
{
	for (size_t i = 0; i < s->n; i++) {
		free(s->names[i]);
		free(s->values[i]);
	}
	free(s->names);
	free(s->values);
	free(s->module);
	memset(s, 0, sizeof(*s));
}

int saved_params_take(int sysfs_fd, const char *module, struct saved_params *ret)
{
	struct saved_params s = {};
	char **names = NULL;
	int r;

	s.module = strdup(module);
	if (!s.module)
		return -ENOMEM;
	r = kvmcfg_param_list_at(sysfs_fd, module, &names);
	if (r == -ENODEV) {
		*ret = s; /* not loaded: an empty snapshot */
		return 0;
	}
	if (r < 0)
		goto fail;
	s.loaded = true;
	while (names[s.n])
		s.n++;
	s.names = names;
	s.values = calloc(s.n + 1, sizeof(*s.values));
	if (!s.values) {
		r = -ENOMEM;
		goto fail;
	}
	for (size_t i = 0; i < s.n; i++) {
		r = kvmcfg_param_read_at(sysfs_fd, module, names[i], &s.values[i]);
		/* Write-only or root-only params are not part of the picture. */
		if (r == -EACCES || r == -EPERM) {
			s.values[i] = strdup("?");
			r = s.values[i] ? 0 : -ENOMEM;
		}
		if (r < 0)
			goto fail;
	}
	*ret = s;
	return 0;
fail:
	saved_params_clear(&s);
	return r;
}

const char *saved_params_get(const struct saved_params *s, const char *name)
{
	for (size_t i = 0; i < s->n; i++)
		if (!strcmp(s->names[i], name))
			return s->values[i];
	return NULL;
}

/* Run a tool; on failure build *why from its status and output. */
static int run_tool(const struct modtools *t, char *const argv[], char **why)
{
	struct spawn_result res = {};
	char st[64], *msg;
	int r;

	r = spawn_capture(argv, t->timeout_ms, NULL, &res);
	if (r < 0) {
		if (asprintf(why, "cannot run %s: %s", argv[0], strerror(-r)) < 0)
			*why = NULL;
		return r;
	}
	if (WIFEXITED(res.wait_status) && WEXITSTATUS(res.wait_status) == 0) {
		spawn_result_clear(&res);
		return 0;
	}
	/* One line: the tool's own message is what the operator needs. */
	for (char *p = res.output; *p; p++)
		if (*p == '\n')
			*p = p[1] ? ' ' : '\0';
	if (asprintf(&msg, "'%s %s' failed (%s%s): %s", argv[0], argv[1],
		     spawn_describe(res.wait_status, st, sizeof(st)),
		     res.timed_out ? ", timed out" : "", res.output) < 0)
		msg = NULL;
	*why = msg;
	spawn_result_clear(&res);
	return -EIO;
}

int module_unload(const struct modtools *t, int sysfs_fd, const char *module, char **why)
{
	char *argv[] = { (char *)t->rmmod, (char *)module, NULL };
	int r = kvmcfg_module_loaded_at(sysfs_fd, module);

	if (r <= 0)
		return r;
	return run_tool(t, argv, why);
}

int module_load(const struct modtools *t, const char *module, char *const *params, size_t n,
		char **why)
{
	char **argv = calloc(n + 3, sizeof(*argv));
	int r;

	if (!argv)
		return -ENOMEM;
	argv[0] = (char *)t->modprobe;
	argv[1] = (char *)module;
	for (size_t i = 0; i < n; i++)
		argv[2 + i] = params[i];
	r = run_tool(t, argv, why);
	free(argv);
	return r;
}

int module_params_modinfo(const struct modtools *t, const char *module, char ***ret)
{
	char *argv[] = { (char *)t->modinfo, "-F", "parm", (char *)module, NULL };
	struct spawn_result res = {};
	char **v = NULL, *line, *save = NULL;
	size_t n = 0;
	int r;

	r = spawn_capture(argv, t->timeout_ms, NULL, &res);
	if (r < 0)
		return r;
	if (!WIFEXITED(res.wait_status) || WEXITSTATUS(res.wait_status) != 0) {
		spawn_result_clear(&res);
		return -ENOENT;
	}
	/* Each line is "name:description (type)". */
	for (line = strtok_r(res.output, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		char *colon = strchr(line, ':');

		if (!colon || colon == line)
			continue;
		r = strv_push(&v, &n, strndup(line, colon - line));
		if (r < 0)
			break;
	}
	spawn_result_clear(&res);
	if (r < 0) {
		strv_free(v);
		return r;
	}
	if (!v) {
		v = calloc(1, sizeof(*v));
		if (!v)
			return -ENOMEM;
	}
	*ret = v;
	return 0;
}
