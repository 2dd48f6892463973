/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The policy model: what the loaded KVM module parameters must be.
 * The language is described in kvmcfg.policy(5) (docs/man/kvmcfg.policy.5.scd).
 *
 * A Policy is a list of sections, one per module, each with rules. Rules
 * carry their origin (file:line) so every finding can say where the
 * expectation came from. kvmcfg_policy_parse() is pure; kvmcfg_policy_load() does the file
 * I/O (main file, drop-ins, optional modprobe.d import) and is the only
 * function that touches the file system.
 *
 * Errors never leave a half-built Policy: either *ret is a complete policy
 * or nothing is returned and PolicyError says what was wrong.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <sys/stat.h>

#include "macro.h"
#include "hash-index.h"
#include "match.h"

/*
 * The vendor directory follows the install prefix (meson passes it to every
 * user of libkvmcfg_dep, so the library, kvmcfgd and kvmcfgctl agree):
 * /usr/lib/kvmcfgd for a package built with --prefix=/usr.
 */
#ifndef KVMCFG_VENDOR_DIR
#define KVMCFG_VENDOR_DIR "/usr/lib/kvmcfgd"
#endif
#define POLICY_MAIN_PATH	 "/etc/kvmcfgd/policy.conf"
#define POLICY_DROPIN_DIR	 "/etc/kvmcfgd/policy.d"
#define POLICY_VENDOR_PATH	 KVMCFG_VENDOR_DIR "/policy.conf"
#define POLICY_VENDOR_DROPIN_DIR KVMCFG_VENDOR_DIR "/policy.d"

/*
 * Upper bounds, far above any real policy (a few dozen rules), that keep a
 * hostile or generated one from stalling kvmcfgd's start and checks: past
 * them a policy is rejected with file:line. Check time is linear in the
 * rules (docs/results/policy-scale.json).
 */
#define KVMCFG_POLICY_RULES_MAX	  100000
#define KVMCFG_POLICY_DROPINS_MAX 1000

typedef enum PolicySeverity {
	POLICY_SEVERITY_INFO,	  /* reported, never changes the verdict */
	POLICY_SEVERITY_WARN,	  /* a mismatch; journal priority warning */
	POLICY_SEVERITY_CRITICAL, /* a mismatch; journal priority crit (the default) */
	_POLICY_SEVERITY_MAX,
} PolicySeverity;

/* "info", "warn", "critical"; NULL for out-of-range values. */
const char *kvmcfg_policy_severity_to_string(PolicySeverity s);
/* The inverse (also accepts "warning", "crit"): 0 or -EINVAL. */
int kvmcfg_policy_severity_from_string(const char *s, PolicySeverity *ret);

typedef struct PolicyRule {
	char *module; /* module whose param is read (the section's, or
				  * another one for a qualified key "kvm.tdp_mmu") */
	char *param;
	Matcher matcher;
	PolicySeverity severity; /* effective: the rule's own, else the section's */
	bool severity_explicit;	 /* given with "@warn" on the rule itself */
	const char *file;	 /* origin, owned by the Policy (see Policy.files) */
	unsigned line;		 /* 1-based; 0 for rules imported from modprobe.d */
} PolicyRule;

typedef struct PolicySection {
	char *module;		 /* normalized: '-' becomes '_' */
	bool required;		 /* false: checked only when the module is loaded */
	PolicySeverity severity; /* of a missing required module; default for rules */
	bool required_set;	 /* Required=/Severity= given explicitly (a drop-in */
	bool severity_set;	 /* overrides only what it sets) */
	const char *file;	 /* where the section was first opened */
	unsigned line;
	PolicyRule *rules;
	size_t n_rules;
	KvmcfgIndex rule_index; /* by (module, param); a cache kept in step with rules[] */
} PolicySection;

typedef struct Policy {
	PolicySection *sections; /* in order of first appearance */
	size_t n_sections;
	bool import_modprobe; /* [Policy] ImportModprobe= */
	bool import_modprobe_set;
	char **files;		   /* every file read, in order; NULL-terminated */
	KvmcfgIndex section_index; /* by module; a cache kept in step with sections[] */
} Policy;

/*
 * Every error of one parse or load. Callers zero-initialize it (or call
 * kvmcfg_policy_error_reset()); functions append to it and never clear it.
 */
#define POLICY_ERROR_TEXT_MAX  4096
#define POLICY_ERROR_ITEMS_MAX 64
typedef struct PolicyError {
	unsigned n_errors;
	char file[256];			  /* first error's file ("" if none) */
	unsigned line;			  /* first error's line (0 if none) */
	char message[256];		  /* first error, without file:line */
	char text[POLICY_ERROR_TEXT_MAX]; /* all errors, "file:line: message\n" each */
	/* Where each error's file and message sit in text[], for structured
	 * reports (kvmcfgctl check --json); only errors that fit in text[]. */
	unsigned n_items;
	struct {
		unsigned short file_off, file_len, message_off, message_len;
		unsigned line;
	} items[POLICY_ERROR_ITEMS_MAX];
} PolicyError;

/* One error of a PolicyError, copied out of its text. */
typedef struct PolicyErrorItem {
	char file[256];
	unsigned line; /* 0: the error is about the whole file */
	char message[256];
} PolicyErrorItem;

void kvmcfg_policy_error_reset(PolicyError *err);
/* How many errors kvmcfg_policy_error_item() can return (<= n_errors). */
unsigned kvmcfg_policy_error_n_items(const PolicyError *err);
/* Copy error @i (< kvmcfg_policy_error_n_items()) into @ret. */
void kvmcfg_policy_error_item(const PolicyError *err, unsigned i, PolicyErrorItem *ret);
/* Append one error (printf-style message); line 0 prints as "file: message". */
void kvmcfg_policy_error_add(PolicyError *err, const char *file, unsigned line, const char *fmt,
			     ...) __attribute__((format(printf, 4, 5)));

/*
 * Parse one policy text. Pure: no I/O, no logging. @filename is used for
 * origins and error messages only. Returns 0 with *ret set, -EINVAL with
 * every error in @err (nothing returned), or -ENOMEM.
 */
int kvmcfg_policy_parse(Policy **ret, const char *text, const char *filename, PolicyError *err);

/*
 * Merge @overlay into @base as a later drop-in: a rule for the same section
 * and key replaces the earlier one, section settings given in the overlay
 * win, new sections and rules are appended. Pure. Consumes @overlay (freed
 * on success and on failure).
 */
int kvmcfg_policy_merge(Policy *base, Policy *overlay);

/*
 * Load the effective policy:
 *   1. the main file: @main_path, or when NULL the first of POLICY_MAIN_PATH
 *      and POLICY_VENDOR_PATH that exists (/etc overrides the vendor file);
 *   2. drop-ins: every *.conf in @dropin_dirs (NULL: POLICY_DROPIN_DIR,
 *      POLICY_VENDOR_DROPIN_DIR; an empty vector: none), ordered by file
 *      name across all dirs, a name in an earlier dir masking the same name
 *      in a later one; later files override earlier ones (kvmcfg_policy_merge());
 *   3. when the result says ImportModprobe=yes, options from modprobe.d via
 *      libkmod's default config paths (see kvmcfg_policy_load_full()).
 * A missing dir is fine; a missing main file is -ENOENT (with a message).
 * A file or drop-in dir that kvmcfg_check_trusted() refuses is -EPERM; only
 * regular files are read (never blocking on a FIFO).
 * Every file is parsed before anything is returned: an error anywhere
 * returns no policy at all, and so does a policy that asserts nothing
 * (kvmcfg_policy_asserts(), -EINVAL).
 */
int kvmcfg_policy_load(Policy **ret, const char *main_path, const char *const *dropin_dirs,
		       PolicyError *err);

/* kvmcfg_policy_load() with the modprobe config paths (NULL: libkmod's defaults). */
int kvmcfg_policy_load_full(Policy **ret, const char *main_path, const char *const *dropin_dirs,
			    const char *const *modprobe_paths, PolicyError *err);

/*
 * Add rules from modprobe.d "options" lines (via libkmod) for the modules
 * the policy has sections for plus kvm, kvm_intel and kvm_amd. A rule the
 * policy states itself wins over an imported one. Imported rules have origin
 * "modprobe.d:<module>" line 0, severity of their section (warn for new
 * sections, which are created only-when-loaded).
 */
int kvmcfg_policy_import_modprobe(Policy *p, const char *const *config_paths, PolicyError *err);

/*
 * sshd's StrictModes for files kvmcfg takes orders from (policy files,
 * drop-in dirs, kvmcfgd.conf with its AlertCommand=): whoever can write
 * them decides what runs or passes, so only root (or the user running us,
 * who could pass any file anyway) may. Returns 0 when @st is trusted, else
 * -EPERM with the reason ("writable by every user (mode 0666)") in @why.
 * KVMCFG_POLICY_INSECURE=1 in the environment lifts the check for test
 * harnesses. Policy loading applies it itself.
 */
int kvmcfg_check_trusted(const struct stat *st, char *why, size_t len);

/*
 * The rest of StrictModes: every directory on @path's way up to '/', both
 * as named and, when a symlink leads elsewhere, as resolved, must be owned
 * by root, by @owner (the file's owner) or by us, and writable by no one
 * else, unless it is sticky and root-owned (/tmp). Returns 0, or -EPERM
 * with the directory and the reason in @why ("directory /srv/p is owned by
 * uid 1000, not root"). KVMCFG_POLICY_INSECURE=1 lifts it too.
 */
int kvmcfg_check_trusted_path(const char *path, uid_t owner, char *why, size_t len);

Policy *kvmcfg_policy_free(Policy *p);
DEFINE_TRIVIAL_CLEANUP_FUNC(Policy *, kvmcfg_policy_free);

/* Lookups (NULL when absent). Module names compare after '-' -> '_'. */
const PolicySection *kvmcfg_policy_find_section(const Policy *p, const char *module);
const PolicyRule *kvmcfg_policy_find_rule(const Policy *p, const char *module, const char *param);

/*
 * Whether @p asserts anything: a Required = yes section or a rule other than
 * 'any'. kvmcfg_policy_load() refuses a policy that does not (an empty or
 * commented-out file would otherwise pass every check).
 */
bool kvmcfg_policy_asserts(const Policy *p);

/* Number of rules across all sections. */
size_t kvmcfg_policy_n_rules(const Policy *p);

/*
 * The effective policy as policy text (it parses back to the same rules),
 * every rule with its effective severity and an origin comment
 * "; file:line". Pure; *ret is malloc'd.
 */
int kvmcfg_policy_format(const Policy *p, char **ret);
