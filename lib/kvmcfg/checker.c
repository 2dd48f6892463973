// SPDX-License-Identifier: GPL-2.0-only
/*
 * One check of a policy against a sysfs tree: read each param once, match
 * the policy's rules, then evaluate the derived rules on the same reads.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "checker.h"
#include "macro.h"
#include "memstream.h"
#include "param.h"

const KvmcfgDerivedRule kvmcfg_derived_rules[] = {
	{
		.name = "tdp-mmu-requires-tdp",
		.when = { "kvm", "tdp_mmu" },
		.requires = { { "kvm_intel", "ept" }, { "kvm_amd", "npt" } },
		.applies_when = { "kvm_intel", "kvm_amd" },
		.severity = POLICY_SEVERITY_CRITICAL,
		.why = "the TDP MMU needs EPT or NPT; a 6.1 kernel keeps kvm.tdp_mmu=Y after "
		       "kvm_intel loads with ept=N, so the param claims an MMU KVM does not use",
	},
	{
		.name = "sev-es-requires-mmio-caching",
		.when = { "kvm_amd", "sev_es" },
		.requires = { { "kvm", "mmio_caching" } },
		.applies_when = { "kvm_amd" },
		.severity = POLICY_SEVERITY_CRITICAL,
		.why = "SEV-ES guests reach MMIO emulation only through cached MMIO SPTEs "
		       "(#NPF(RSVD) reflected as #VC); KVM turns SEV-ES off without "
		       "mmio_caching, so sev_es=Y with mmio_caching=N does not reflect reality",
	},
};
const size_t kvmcfg_n_derived_rules =
	sizeof(kvmcfg_derived_rules) / sizeof(kvmcfg_derived_rules[0]);

/* ---- per-check read cache: each module and param is read once ---- */

typedef struct Read {
	char *module, *param; /* param NULL: a "is the module loaded" entry */
	char *value;
	int r; /* read result; for module entries 1/0/-errno */
} Read;

typedef struct Reads {
	int fd;
	Read *v;
	size_t n, cap;
	KvmcfgIndex index; /* by (module, param): each lookup is O(1), a check linear */
} Reads;

static void reads_done(Reads *c)
{
	size_t i;

	for (i = 0; i < c->n; i++) {
		free(c->v[i].module);
		free(c->v[i].param);
		free(c->v[i].value);
	}
	free(c->v);
	kvmcfg_index_done(&c->index);
}

/* A module entry (param NULL) hashes apart from every param entry. */
static uint64_t read_hash(const char *module, const char *param)
{
	uint64_t h = kvmcfg_hash_bytes(KVMCFG_HASH_INIT, module, strlen(module) + 1);

	return param ? kvmcfg_hash_bytes(h, param, strlen(param) + 1) : h;
}

static bool read_eq(size_t pos, const void *key, const void *userdata)
{
	const Read *e = &((const Reads *)userdata)->v[pos];
	const char *const *k = key;

	return !strcmp(e->module, k[0]) && (k[1] ? e->param && !strcmp(e->param, k[1]) : !e->param);
}

static Read *reads_get(Reads *c, const char *module, const char *param)
{
	const char *key[] = { module, param };
	uint64_t hash = read_hash(module, param);
	Read *e;
	size_t i;

	i = kvmcfg_index_find(&c->index, hash, read_eq, key, c);
	if (i != KVMCFG_INDEX_NONE)
		return &c->v[i];
	/* Doubling: a realloc per read may copy the whole array each time. */
	if (GROW(c->v, c->cap, c->n + 1) < 0)
		return NULL;
	e = &c->v[c->n];
	*e = (Read){ .module = strdup(module), .param = param ? strdup(param) : NULL };
	if (!e->module || (param && !e->param)) {
		free(e->module);
		free(e->param);
		return NULL;
	}
	if (param)
		e->r = kvmcfg_param_read_at(c->fd, module, param, &e->value);
	else
		e->r = kvmcfg_module_loaded_at(c->fd, module);
	/* Our own lack of memory says nothing about the param: fail the check. */
	if (e->r == -ENOMEM || kvmcfg_index_add(&c->index, hash, c->n) < 0) {
		free(e->module);
		free(e->param);
		free(e->value);
		return NULL;
	}
	c->n++;
	return e;
}

/* ---- policy rules ---- */

static int check_rule(Reads *c, const PolicySection *s, const PolicyRule *rule, Findings *f)
{
	PolicySeverity sev = rule->severity;
	const char *exp = rule->matcher.text;
	Read *rd = reads_get(c, rule->module, rule->param);
	FindingKind kind;
	int err;

	if (!rd)
		return -ENOMEM;
	err = rd->r;
	if (err == 0)
		kind = kvmcfg_matcher_test(&rule->matcher, rd->value) ? FINDING_OK :
									FINDING_MISMATCH;
	else if (err == -ENOENT)
		kind = kvmcfg_matcher_test(&rule->matcher, NULL) ? FINDING_OK :
								   FINDING_PARAM_MISSING;
	else if (err == -ENODEV && strcmp(rule->module, s->module)) {
		/* A qualified key names a module that is not loaded. */
		kind = kvmcfg_matcher_test(&rule->matcher, NULL) ? FINDING_OK :
								   FINDING_MODULE_MISSING;
	} else {
		/* The section's module was there a moment ago: it went away mid-check. */
		if (err == -ENODEV)
			err = -ESTALE;
		kind = FINDING_UNREADABLE;
		/* "any" asserts nothing, so failing to record it is not a failed check. */
		if (rule->matcher.kind == MATCHER_ANY)
			sev = POLICY_SEVERITY_INFO;
	}
	return kvmcfg_findings_add(f, kind, sev, rule->module, rule->param, exp, rd->value, err,
				   rule->file, rule->line, NULL, NULL);
}

static int check_section(Reads *c, const PolicySection *s, Findings *f)
{
	Read *mod = reads_get(c, s->module, NULL);
	char msg[256];
	size_t i;
	int r;

	if (!mod)
		return -ENOMEM;
	if (mod->r < 0)
		return kvmcfg_findings_add(f, FINDING_UNREADABLE, s->severity, s->module, NULL,
					   "loaded", NULL, mod->r, s->file, s->line, NULL, NULL);
	if (mod->r == 0) {
		if (s->required)
			return kvmcfg_findings_add(f, FINDING_MODULE_MISSING, s->severity,
						   s->module, NULL, "loaded", NULL, -ENODEV,
						   s->file, s->line, NULL, NULL);
		snprintf(msg, sizeof(msg), "module %s is not loaded: %zu rule%s not checked",
			 s->module, s->n_rules, s->n_rules == 1 ? "" : "s");
		return kvmcfg_findings_add(f, FINDING_SKIPPED, s->severity, s->module, NULL,
					   "loaded", NULL, -ENODEV, s->file, s->line, NULL, msg);
	}
	for (i = 0; i < s->n_rules; i++) {
		r = check_rule(c, s, &s->rules[i], f);
		if (r < 0)
			return r;
	}
	return 0;
}

/* ---- derived rules ---- */

static void describe(FILE *o, const KvmcfgParamRef *ref, const Read *rd)
{
	if (rd->r == 0)
		fprintf(o, "%s.%s=%s", ref->module, ref->param, rd->value);
	else if (rd->r == -ENODEV)
		fprintf(o, "%s not loaded", ref->module);
	else if (rd->r == -ENOENT)
		fprintf(o, "%s.%s absent", ref->module, ref->param);
	else
		fprintf(o, "%s.%s unreadable (%s)", ref->module, ref->param,
			kvmcfg_errno_name(rd->r));
}

static bool reads_true(const Read *rd)
{
	bool b;

	return rd->r == 0 && kvmcfg_parse_bool(rd->value, &b) == 0 && b;
}

static int check_derived(Reads *c, const KvmcfgDerivedRule *d, Findings *f)
{
	char expected[256] = "", *actual = NULL, msg[512];
	size_t len = 0, i;
	FindingKind kind;
	bool applies = !d->applies_when[0], unreadable = false;
	int err = 0, r;
	Read *claim;
	FILE *o;

	for (i = 0; i < KVMCFG_DERIVED_REQUIRES_MAX && d->requires[i].module; i++)
		snprintf(expected + strlen(expected), sizeof(expected) - strlen(expected),
			 "%s%s.%s=Y", i ? " or " : "", d->requires[i].module, d->requires[i].param);
	for (i = 0; i < KVMCFG_DERIVED_REQUIRES_MAX && d->applies_when[i]; i++) {
		Read *m = reads_get(c, d->applies_when[i], NULL);

		if (!m)
			return -ENOMEM;
		applies |= m->r > 0;
	}
	claim = reads_get(c, d->when.module, d->when.param);
	if (!claim)
		return -ENOMEM;

	o = kvmcfg_memstream_open(&actual, &len);
	if (!o)
		return -ENOMEM;
	describe(o, &d->when, claim);
	if (!applies) {
		kind = FINDING_SKIPPED;
		snprintf(msg, sizeof(msg), "does not apply: none of %s%s%s loaded",
			 d->applies_when[0], d->applies_when[1] ? ", " : "",
			 d->applies_when[1] ? d->applies_when[1] : "");
	} else if (claim->r == -ENODEV || claim->r == -ENOENT) {
		kind = FINDING_SKIPPED;
		snprintf(msg, sizeof(msg), "does not apply: %s.%s does not exist", d->when.module,
			 d->when.param);
	} else if (claim->r < 0) {
		kind = FINDING_UNREADABLE;
		err = claim->r;
		snprintf(msg, sizeof(msg), "%s.%s cannot be read", d->when.module, d->when.param);
	} else if (!reads_true(claim)) {
		kind = FINDING_OK;
		snprintf(msg, sizeof(msg), "%s.%s is not true: nothing required", d->when.module,
			 d->when.param);
	} else {
		kind = FINDING_DERIVED;
		for (i = 0; i < KVMCFG_DERIVED_REQUIRES_MAX && d->requires[i].module; i++) {
			Read *rd = reads_get(c, d->requires[i].module, d->requires[i].param);

			if (!rd) {
				fclose(o);
				free(actual);
				return -ENOMEM;
			}
			fputs(", ", o);
			describe(o, &d->requires[i], rd);
			if (reads_true(rd))
				kind = FINDING_OK;
			else if (rd->r < 0 && rd->r != -ENODEV && rd->r != -ENOENT) {
				unreadable = true;
				err = rd->r;
			}
		}
		if (kind == FINDING_DERIVED && unreadable)
			kind = FINDING_UNREADABLE;
		if (kind == FINDING_OK)
			snprintf(msg, sizeof(msg), "%s.%s=Y and %s holds", d->when.module,
				 d->when.param, expected);
		else
			snprintf(msg, sizeof(msg), "%s.%s=Y requires %s: %s", d->when.module,
				 d->when.param, expected, d->why);
	}
	if (fclose(o) != 0 || !actual) {
		free(actual);
		return -ENOMEM;
	}
	r = kvmcfg_findings_add(f, kind, d->severity, d->when.module, d->when.param, expected,
				actual, err, "derived", 0, d->name, msg);
	free(actual);
	return r;
}

int kvmcfg_check(const Policy *p, int sysfs_fd, Findings **ret)
{
	_cleanup_(kvmcfg_findings_freep) Findings *f = NULL;
	Reads c = { .fd = sysfs_fd };
	struct stat st;
	size_t i;
	int r;

	/* A root without module/ is not a sysfs tree: say so instead of "nothing loaded". */
	if (fstatat(sysfs_fd, "module", &st, 0) < 0)
		return -errno;
	if (!S_ISDIR(st.st_mode))
		return -ENOTDIR;
	r = kvmcfg_findings_new(&f);
	if (r < 0)
		return r;
	for (i = 0; i < p->n_sections && r == 0; i++)
		r = check_section(&c, &p->sections[i], f);
	for (i = 0; i < kvmcfg_n_derived_rules && r == 0; i++)
		r = check_derived(&c, &kvmcfg_derived_rules[i], f);
	reads_done(&c);
	if (r < 0)
		return r;
	*ret = f;
	f = NULL;
	return 0;
}

int kvmcfg_check_path(const Policy *p, const char *sysfs_root, Findings **ret)
{
	int fd = open(sysfs_root, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	int r;

	if (fd < 0)
		return -errno;
	r = kvmcfg_check(p, fd, ret);
	close(fd);
	return r;
}
