// SPDX-License-Identifier: GPL-2.0-only
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "match.h"
#include "param.h"
#include "policy-from-host.h"
#include "text-filter.h"

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

int kvmcfg_kvm_modules_at(int sysfs_fd, const char *const *extra, char ***ret)
{
	char **loaded = NULL, **v = calloc(1, sizeof(char *));
	size_t i;
	int r;

	if (!v)
		return -ENOMEM;
	r = kvmcfg_module_list_at(sysfs_fd, &loaded);
	for (i = 0; r == 0 && loaded[i]; i++)
		if (!strcmp(loaded[i], "kvm") || !strncmp(loaded[i], "kvm_", 4))
			r = strv_extend_unique(&v, loaded[i]);
	for (i = 0; r == 0 && extra && extra[i]; i++)
		r = strv_extend_unique(&v, extra[i]);
	strv_free(loaded);
	if (r < 0) {
		strv_free(v);
		return r;
	}
	qsort(v, strv_length(v), sizeof(*v), cmp_str);
	*ret = v;
	return 0;
}

/*
 * What a fleet pins: the params the default policy (kvmcfgd/policy/default.conf)
 * asserts a value for, whether in the module's own section or qualified
 * from a vendor section (kvm.tdp_mmu in [kvm_intel]). Everything else is
 * tuning that legitimately differs between hosts. The kvmcfgctl integration
 * test holds this list and default.conf to each other.
 */
static const struct {
	const char *module, *param;
} fleet_pinned[] = {
	{ "kvm", "tdp_mmu" },
	{ "kvm", "mmio_caching" },
	{ "kvm", "force_emulation_prefix" },
	{ "kvm", "allow_unsafe_mappings" },
	{ "kvm", "enable_vmware_backdoor" },
	{ "kvm", "ignore_msrs" },
	{ "kvm_intel", "ept" },
	{ "kvm_intel", "unrestricted_guest" },
	{ "kvm_amd", "npt" },
};

bool kvmcfg_snapshot_pins(const char *module, const char *param)
{
	size_t i;

	for (i = 0; i < sizeof(fleet_pinned) / sizeof(fleet_pinned[0]); i++)
		if (!strcmp(fleet_pinned[i].module, module) &&
		    !strcmp(fleet_pinned[i].param, param))
			return true;
	return false;
}

/* A value fit to follow "; here " in a comment: one line of printable ASCII. */
static bool comment_safe(const char *value)
{
	const unsigned char *p;

	for (p = (const unsigned char *)value; *p; p++)
		if (*p < 0x20 || *p >= 0x7f)
			return false;
	return *value != '\0';
}

/*
 * Whether the one output filter would change @s: it holds a control or a
 * byte that is not UTF-8. Without memory to tell, it counts as one.
 */
static bool has_controls(const char *s)
{
	char *filtered = kvmcfg_text_filter_dup(s, KVMCFG_TEXT_ONE_LINE);
	bool changed = !filtered || strcmp(filtered, s);

	free(filtered);
	return changed;
}

/*
 * One rule line, or a comment saying why there is none. Returns 1 for a
 * rule. Names and values come from the tree: a name with a control byte in
 * it is left out, named through the output filter, and so is a value to
 * pin, so the policy never carries an escape sequence.
 */
static int write_param(FILE *o, const char *param, const char *value, int r, bool tuning)
{
	if (has_controls(param)) {
		fputs("# ", o);
		kvmcfg_text_filter(o, param, strlen(param), KVMCFG_TEXT_ONE_LINE);
		fputs(": not a parameter name, left out\n", o);
		return 0;
	}
	if (r < 0) {
		fprintf(o, "# %s: not readable (%s), left out\n", param, strerror(-r));
		return 0;
	}
	if (tuning) {
		if (comment_safe(value))
			fprintf(o, "%s = any ; here %s\n", param, value);
		else
			fprintf(o, "%s = any\n", param);
		return 1;
	}
	if (has_controls(value)) {
		fprintf(o, "# %s: value holds control characters, left out\n", param);
		return 0;
	}
	if (!kvmcfg_matcher_text_needs_quotes(value)) {
		fprintf(o, "%s = %s\n", param, value);
		return 1;
	}
	/* Quotes cannot nest and a rule is one line; a ';' inside quotes is text (ini.h). */
	if (strchr(value, '"') || strchr(value, '\n')) {
		fprintf(o, "# %s: value cannot be written as a rule, left out\n", param);
		return 0;
	}
	fprintf(o, "%s = \"%s\"\n", param, value);
	return 1;
}

/* The rules of one module: pinned ones first, then tuning (pass 1), or all pinned. */
static unsigned write_module(FILE *o, int sysfs_fd, const char *module, char **params,
			     unsigned flags)
{
	unsigned n_rules = 0, pass;
	size_t j;

	for (pass = 0; pass < 2; pass++) {
		bool tuning = pass == 1, first = true;

		if (tuning && (flags & KVMCFG_SNAPSHOT_PIN_ALL))
			break;
		for (j = 0; params[j]; j++) {
			char *value = NULL;
			int rr;

			if (!(flags & KVMCFG_SNAPSHOT_PIN_ALL) &&
			    kvmcfg_snapshot_pins(module, params[j]) == tuning)
				continue;
			if (first && !(flags & KVMCFG_SNAPSHOT_PIN_ALL))
				fputs(tuning ?
					      "# Tuning: recorded, not asserted ('any'); the value here "
					      "follows each.\n# Pin one by writing its value instead.\n" :
					      "# Pinned: what a fleet asserts (as the default policy does).\n",
				      o);
			first = false;
			rr = kvmcfg_param_read_at(sysfs_fd, module, params[j], &value);
			n_rules += write_param(o, params[j], value, rr, tuning);
			free(value);
		}
	}
	return n_rules;
}

int kvmcfg_snapshot_at(int sysfs_fd, const char *const *modules, const char *header, unsigned flags,
		       char **ret, unsigned *ret_n_rules)
{
	char **params = NULL, *buf = NULL;
	size_t len = 0, i;
	unsigned n_rules = 0;
	FILE *o;
	int r = 0;

	o = open_memstream(&buf, &len);
	if (!o)
		return -ENOMEM;
	if (header)
		fputs(header, o);
	for (i = 0; modules[i]; i++) {
		r = kvmcfg_param_list_at(sysfs_fd, modules[i], &params);
		if (r == -ENODEV) {
			fprintf(o, "\n# [%s]: not loaded\n", modules[i]);
			r = 0;
			continue;
		}
		if (r < 0)
			break;
		fprintf(o, "\n[%s]\nRequired = yes\n", modules[i]);
		n_rules += write_module(o, sysfs_fd, modules[i], params, flags);
		strv_free(params);
	}
	if (fclose(o) != 0 && r == 0)
		r = -ENOMEM;
	if (r == 0 && !buf)
		r = -ENOMEM;
	if (r < 0) {
		free(buf);
		return r;
	}
	*ret = buf;
	if (ret_n_rules)
		*ret_n_rules = n_rules;
	return 0;
}
