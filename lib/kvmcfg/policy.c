// SPDX-License-Identifier: GPL-2.0-only
/*
 * The policy model and its parser: ini.c tokenizes the text, this file turns
 * sections and keys into the model, collecting every error as file:line: msg.
 */
#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ini.h"
#include "param.h"
#include "policy.h"
#include "policy-internal.h"
#include "utf8.h"

#define POLICY_SECTION "Policy"

static const char *const severity_names[_POLICY_SEVERITY_MAX] = {
	[POLICY_SEVERITY_INFO] = "info",
	[POLICY_SEVERITY_WARN] = "warn",
	[POLICY_SEVERITY_CRITICAL] = "critical",
};

const char *kvmcfg_policy_severity_to_string(PolicySeverity s)
{
	return (unsigned)s < _POLICY_SEVERITY_MAX ? severity_names[s] : NULL;
}

int kvmcfg_policy_severity_from_string(const char *s, PolicySeverity *ret)
{
	static const struct {
		const char *name;
		PolicySeverity s;
	} names[] = {
		{ "info", POLICY_SEVERITY_INFO },     { "warn", POLICY_SEVERITY_WARN },
		{ "warning", POLICY_SEVERITY_WARN },  { "critical", POLICY_SEVERITY_CRITICAL },
		{ "crit", POLICY_SEVERITY_CRITICAL },
	};
	size_t i;

	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (!strcmp(s, names[i].name)) {
			*ret = names[i].s;
			return 0;
		}
	return -EINVAL;
}

/* ---- errors ---- */

void kvmcfg_policy_error_reset(PolicyError *err)
{
	*err = (PolicyError){};
}

void kvmcfg_policy_error_add(PolicyError *err, const char *file, unsigned line, const char *fmt,
			     ...)
{
	char msg[sizeof(err->message)], where[sizeof(err->file) + 16];
	size_t used;
	va_list ap;

	if (!err)
		return;
	used = strlen(err->text);
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (!file)
		file = "<policy>";
	if (line)
		snprintf(where, sizeof(where), "%s:%u", file, line);
	else
		snprintf(where, sizeof(where), "%s", file);
	if (err->n_errors++ == 0) {
		snprintf(err->file, sizeof(err->file), "%s", file);
		err->line = line;
		snprintf(err->message, sizeof(err->message), "%s", msg);
	}
	if (used < sizeof(err->text) - 1) {
		int n = snprintf(err->text + used, sizeof(err->text) - used, "%s: %s\n", where,
				 msg);

		/* Keep the text newline-terminated even when it fills up. */
		if (n < 0 || (size_t)n >= sizeof(err->text) - used)
			memcpy(err->text + sizeof(err->text) - 5, "...\n", 5);
		else if (err->n_items < POLICY_ERROR_ITEMS_MAX) {
			size_t where_len = strlen(where);

			err->items[err->n_items++] = (typeof(err->items[0])){
				.file_off = (unsigned short)used,
				.file_len =
					(unsigned short)(line ? where_len - strlen(strrchr(where,
											   ':')) :
								where_len),
				.message_off = (unsigned short)(used + where_len + 2),
				.message_len = (unsigned short)strlen(msg),
				.line = line,
			};
		}
	}
}

unsigned kvmcfg_policy_error_n_items(const PolicyError *err)
{
	return err->n_items;
}

void kvmcfg_policy_error_item(const PolicyError *err, unsigned i, PolicyErrorItem *ret)
{
	*ret = (PolicyErrorItem){ .line = err->items[i].line };
	snprintf(ret->file, sizeof(ret->file), "%.*s", (int)err->items[i].file_len,
		 err->text + err->items[i].file_off);
	snprintf(ret->message, sizeof(ret->message), "%.*s", (int)err->items[i].message_len,
		 err->text + err->items[i].message_off);
}

/* ---- the model ---- */

static void rule_done(PolicyRule *r)
{
	free(r->module);
	free(r->param);
	kvmcfg_matcher_done(&r->matcher);
}

static void section_done(PolicySection *s)
{
	size_t i;

	for (i = 0; i < s->n_rules; i++)
		rule_done(&s->rules[i]);
	free(s->rules);
	free(s->module);
	kvmcfg_index_done(&s->rule_index);
}

Policy *kvmcfg_policy_free(Policy *p)
{
	size_t i;

	if (!p)
		return NULL;
	for (i = 0; i < p->n_sections; i++)
		section_done(&p->sections[i]);
	free(p->sections);
	kvmcfg_index_done(&p->section_index);
	strv_free(p->files);
	free(p);
	return NULL;
}

/* Module and param names compare with '-' and '_' equal, as the kernel does. */
static bool name_eq(const char *a, const char *b)
{
	for (; *a && *b; a++, b++)
		if (*a != *b && !((*a == '-' || *a == '_') && (*b == '-' || *b == '_')))
			return false;
	return *a == *b;
}

static char *name_normalize(const char *s, size_t n)
{
	char *r = strndup(s, n), *p;

	for (p = r; p && *p; p++)
		if (*p == '-')
			*p = '_';
	return r;
}

static bool name_valid(const char *s, size_t n)
{
	size_t i;

	if (!n)
		return false;
	for (i = 0; i < n; i++)
		if (!isalnum((unsigned char)s[i]) && s[i] != '_' && s[i] != '-')
			return false;
	return true;
}

/* The hash of a name as name_eq() sees it: '-' and '_' alike; the NUL ends it. */
static uint64_t name_hash(uint64_t h, const char *s)
{
	for (;; s++) {
		char c = *s == '-' ? '_' : *s;

		h = kvmcfg_hash_bytes(h, &c, 1);
		if (!c)
			return h;
	}
}

/*
 * The indexes are caches of arrays that only grow (and whose entries are
 * replaced in place under the same name, or moved whole with their section):
 * a lookup first indexes what was appended since the last one. Lookups take
 * const pointers, as they change nothing a caller can see. Without memory
 * for the index, the lookup scans, as it always did.
 */
static bool section_eq(size_t pos, const void *key, const void *userdata)
{
	return name_eq(((const Policy *)userdata)->sections[pos].module, key);
}

static PolicySection *find_section(const Policy *p, const char *module)
{
	KvmcfgIndex *ix = (KvmcfgIndex *)&p->section_index;
	size_t i;

	while (ix->n < p->n_sections)
		if (kvmcfg_index_add(ix, name_hash(KVMCFG_HASH_INIT, p->sections[ix->n].module),
				     ix->n) < 0)
			goto scan;
	i = kvmcfg_index_find(ix, name_hash(KVMCFG_HASH_INIT, module), section_eq, module, p);
	return i == KVMCFG_INDEX_NONE ? NULL : &p->sections[i];
scan:
	for (i = 0; i < p->n_sections; i++)
		if (name_eq(p->sections[i].module, module))
			return &p->sections[i];
	return NULL;
}

static uint64_t rule_hash(const char *module, const char *param)
{
	return name_hash(name_hash(KVMCFG_HASH_INIT, module), param);
}

static bool rule_eq(size_t pos, const void *key, const void *userdata)
{
	const PolicyRule *r = &((const PolicySection *)userdata)->rules[pos];
	const char *const *k = key;

	return name_eq(r->module, k[0]) && name_eq(r->param, k[1]);
}

static PolicyRule *section_find_rule(const PolicySection *s, const char *module, const char *param)
{
	KvmcfgIndex *ix = (KvmcfgIndex *)&s->rule_index;
	const char *key[] = { module, param };
	size_t i;

	while (ix->n < s->n_rules)
		if (kvmcfg_index_add(ix, rule_hash(s->rules[ix->n].module, s->rules[ix->n].param),
				     ix->n) < 0)
			goto scan;
	i = kvmcfg_index_find(ix, rule_hash(module, param), rule_eq, key, s);
	return i == KVMCFG_INDEX_NONE ? NULL : &s->rules[i];
scan:
	for (i = 0; i < s->n_rules; i++)
		if (name_eq(s->rules[i].module, module) && name_eq(s->rules[i].param, param))
			return &s->rules[i];
	return NULL;
}

const PolicySection *kvmcfg_policy_find_section(const Policy *p, const char *module)
{
	return find_section(p, module);
}

const PolicyRule *kvmcfg_policy_find_rule(const Policy *p, const char *module, const char *param)
{
	size_t i;

	for (i = 0; i < p->n_sections; i++) {
		const PolicyRule *r = section_find_rule(&p->sections[i], module, param);

		if (r)
			return r;
	}
	return NULL;
}

size_t kvmcfg_policy_n_rules(const Policy *p)
{
	size_t i, n = 0;

	for (i = 0; i < p->n_sections; i++)
		n += p->sections[i].n_rules;
	return n;
}

bool kvmcfg_policy_asserts(const Policy *p)
{
	size_t i, j;

	for (i = 0; i < p->n_sections; i++) {
		if (p->sections[i].required)
			return true;
		for (j = 0; j < p->sections[i].n_rules; j++)
			if (p->sections[i].rules[j].matcher.kind != MATCHER_ANY)
				return true;
	}
	return false;
}

static int policy_new(Policy **ret, const char *filename)
{
	Policy *p = calloc(1, sizeof(*p));

	if (!p)
		return -ENOMEM;
	p->files = calloc(2, sizeof(char *));
	if (!p->files || !(p->files[0] = strdup(filename)))
		return kvmcfg_policy_free(p), -ENOMEM;
	*ret = p;
	return 0;
}

/*
 * Room for one more in an array of @n elements that only grows, in powers of
 * two, so a policy of n rules costs O(n) copies, not O(n^2). The arrays have
 * no capacity field (Policy is public): the capacity follows from n.
 */
static void *grow(void *v, size_t n, size_t size)
{
	if (n != 0 && (n < 8 || (n & (n - 1)) != 0))
		return v;
	return realloc(v, (n ? n * 2 : 8) * size);
}

/* Add a section (module names normalized); returns it, or NULL on ENOMEM. */
static PolicySection *add_section(Policy *p, const char *module, const char *file, unsigned line)
{
	PolicySection *s = grow(p->sections, p->n_sections, sizeof(*s));

	if (!s)
		return NULL;
	p->sections = s;
	s = &p->sections[p->n_sections];
	*s = (PolicySection){
		.required = true,
		.severity = POLICY_SEVERITY_CRITICAL,
		.file = file,
		.line = line,
	};
	s->module = name_normalize(module, strlen(module));
	if (!s->module)
		return NULL;
	p->n_sections++;
	return s;
}

/* Takes ownership of *rule's allocations on success. */
static int section_add_rule(PolicySection *s, PolicyRule *rule)
{
	PolicyRule *r = grow(s->rules, s->n_rules, sizeof(*r));

	if (!r)
		return -ENOMEM;
	s->rules = r;
	s->rules[s->n_rules++] = *rule;
	*rule = (PolicyRule){};
	return 0;
}

/* A rule without its own @severity takes its section's, wherever Severity= was set. */
static void resolve_severities(Policy *p)
{
	size_t i, j;

	for (i = 0; i < p->n_sections; i++)
		for (j = 0; j < p->sections[i].n_rules; j++)
			if (!p->sections[i].rules[j].severity_explicit)
				p->sections[i].rules[j].severity = p->sections[i].severity;
}

/* ---- the parser ---- */

typedef struct Parser {
	Policy *p;
	const char *file; /* == p->files[0] */
	PolicyError *err;
	unsigned errors_at_start;
	unsigned line;		/* of the token being handled */
	PolicySection *section; /* NULL before any section, for [Policy], or a bad header */
	bool in_policy_section;
	bool after_bad_header; /* its keys are not reported again, one error is enough */
	size_t n_rules;	       /* added from this text, against KVMCFG_POLICY_RULES_MAX */
} Parser;

#define perror_at(ps, ...) kvmcfg_policy_error_add((ps)->err, (ps)->file, (ps)->line, __VA_ARGS__)

static int on_section(void *userdata, const char *name, unsigned line)
{
	Parser *ps = userdata;

	ps->line = line;
	ps->section = NULL;
	ps->in_policy_section = !strcmp(name, POLICY_SECTION);
	ps->after_bad_header = !ps->in_policy_section && !name_valid(name, strlen(name));
	if (ps->after_bad_header)
		perror_at(ps, "invalid section name '%s': a module name or [Policy]", name);
	if (ps->in_policy_section || ps->after_bad_header)
		return 0;
	ps->section = find_section(ps->p, name);
	if (!ps->section && !(ps->section = add_section(ps->p, name, ps->file, line)))
		return -ENOMEM;
	return 0;
}

static int on_error(void *userdata, IniError e, unsigned line)
{
	Parser *ps = userdata;

	ps->line = line;
	perror_at(ps, "%s", ini_error_to_string(e));
	/* A broken header: the keys under it belong to no section we know. */
	if (e == INI_ERROR_HEADER_UNCLOSED || e == INI_ERROR_HEADER_TRAILING) {
		ps->section = NULL;
		ps->in_policy_section = false;
		ps->after_bad_header = true;
	}
	return 0;
}

/* Split "VALUE @severity" into the value and its severity. */
static int split_severity(Parser *ps, char *value, PolicySeverity *sev, bool *explicit_sev)
{
	char *at = strrchr(value, '@');
	char *p;

	*explicit_sev = false;
	if (!at || (at > value && !isspace((unsigned char)at[-1])))
		return 0;
	for (p = at + 1; *p; p++)
		if (!isalpha((unsigned char)*p))
			return 0;
	if (kvmcfg_policy_severity_from_string(at + 1, sev) < 0) {
		perror_at(ps, "unknown severity '%s' (info, warn or critical)", at + 1);
		return -EINVAL;
	}
	*explicit_sev = true;
	*at = '\0';
	return 0;
}

static void handle_setting(Parser *ps, const char *name, const char *value)
{
	PolicySection *s = ps->section;
	bool b;

	if (!strcmp(name, "Required")) {
		if (kvmcfg_parse_bool(value, &b) < 0)
			perror_at(ps, "Required= takes a boolean (yes or no), not '%s'", value);
		else if (s->required_set)
			perror_at(ps, "duplicate setting Required= in [%s]", s->module);
		else {
			s->required = b;
			s->required_set = true;
		}
	} else if (!strcmp(name, "Severity")) {
		PolicySeverity sev;

		if (kvmcfg_policy_severity_from_string(value, &sev) < 0)
			perror_at(ps, "Severity= takes info, warn or critical, not '%s'", value);
		else if (s->severity_set)
			perror_at(ps, "duplicate setting Severity= in [%s]", s->module);
		else {
			s->severity = sev;
			s->severity_set = true;
		}
	} else
		perror_at(ps,
			  "unknown setting '%s' in [%s] (Required=, Severity=; "
			  "parameter names start in lower case)",
			  name, s->module);
}

/*
 * Whether @v looks like "VALUE # comment" (a shell or systemd habit): returns
 * the length of VALUE without trailing blanks, or 0. Outside quotes only.
 */
static int inline_hash_comment(const char *v)
{
	bool quoted = false;
	const char *p;

	for (p = v; *p; p++) {
		if (*p == '"')
			quoted = !quoted;
		else if (*p == '#' && !quoted && p > v && isspace((unsigned char)p[-1])) {
			const char *e = p;

			while (e > v && isspace((unsigned char)e[-1]))
				e--;
			return (int)(e - v);
		}
	}
	return 0;
}

/*
 * Why no kernel can print @v, or NULL: sysfs shows a param as text, so a
 * control character or bytes that are not UTF-8 can never be read back.
 */
static const char *unprintable(const char *v, unsigned *ret_byte)
{
	const unsigned char *p = (const unsigned char *)v, *end = p + strlen(v);

	while (p < end) {
		size_t k = kvmcfg_utf8_seq_len(p, end - p);

		*ret_byte = *p;
		if (!k)
			return "bytes that are not UTF-8";
		if (*p < 0x20 || *p == 0x7f || (k == 2 && p[0] == 0xc2 && p[1] < 0xa0))
			return "a control character";
		p += k;
	}
	return NULL;
}

static int handle_rule(Parser *ps, const char *name, const char *value)
{
	PolicySection *s = ps->section;
	PolicyRule rule = { .file = ps->file, .line = ps->line };
	const char *dot = strchr(name, '.'), *param = dot ? dot + 1 : name, *msg = NULL;
	const PolicyRule *dup;
	char *v;
	int r = 0;

	/* Upper case first is a setting's mark; "kvm.Required" would read back as one. */
	if ((dot && !name_valid(name, dot - name)) || !name_valid(param, strlen(param)) ||
	    isupper((unsigned char)param[0])) {
		perror_at(ps,
			  "invalid parameter name '%s' (lower case first, then letters, digits, "
			  "'_', '-'; or module.param)",
			  name);
		return 0;
	}
	rule.module = dot ? name_normalize(name, dot - name) : strdup(s->module);
	rule.param = name_normalize(param, strlen(param));
	v = strdup(value);
	if (!rule.module || !rule.param || !v) {
		r = -ENOMEM;
		goto out;
	}
	/* A duplicate is reported, and its value still checked: all errors in one pass. */
	dup = section_find_rule(s, rule.module, rule.param);
	if (dup)
		perror_at(ps, "duplicate rule for %s.%s in [%s] (first at line %u)", rule.module,
			  rule.param, s->module, dup->line);
	{
		unsigned byte = 0;
		const char *why = unprintable(value, &byte);

		if (why) {
			perror_at(ps,
				  "%s.%s: the value has %s (byte 0x%02x), which no kernel prints",
				  rule.module, rule.param, why, byte);
			goto out;
		}
	}
	if (split_severity(ps, v, &rule.severity, &rule.severity_explicit) < 0)
		goto out;
	if (ps->n_rules == KVMCFG_POLICY_RULES_MAX) {
		perror_at(ps, "more than %d rules, the limit (kvmcfg.policy(5))",
			  KVMCFG_POLICY_RULES_MAX);
		ps->n_rules++; /* said once */
		goto out;
	}
	if (ps->n_rules > KVMCFG_POLICY_RULES_MAX)
		goto out;
	r = kvmcfg_matcher_parse(&rule.matcher, v, &msg);
	if (r == 0 && !dup) {
		r = section_add_rule(s, &rule);
		ps->n_rules += r == 0;
	} else if (r == -EINVAL && inline_hash_comment(v))
		perror_at(ps,
			  "%s.%s: '#' starts a comment only at the start of a line; an inline "
			  "comment starts with ' ;' (%s = %.*s ; ...): '%s'",
			  rule.module, rule.param, name, inline_hash_comment(v), v, value);
	else if (r == -EINVAL) {
		perror_at(ps, "%s.%s: %s: '%s'", rule.module, rule.param, msg, value);
		r = 0;
	}
	if (r == -EINVAL)
		r = 0;
out:
	free(v);
	rule_done(&rule);
	return r;
}

static int on_key(void *userdata, const char *name, const char *value, unsigned line)
{
	Parser *ps = userdata;

	ps->line = line;
	if (ps->in_policy_section) {
		bool b;

		if (strcmp(name, "ImportModprobe"))
			perror_at(ps, "unknown setting '%s' in [Policy] (ImportModprobe=)", name);
		else if (kvmcfg_parse_bool(value, &b) < 0)
			perror_at(ps, "ImportModprobe= takes a boolean (yes or no), not '%s'",
				  value);
		else if (ps->p->import_modprobe_set)
			perror_at(ps, "duplicate setting ImportModprobe= in [Policy]");
		else {
			ps->p->import_modprobe = b;
			ps->p->import_modprobe_set = true;
		}
		return 0;
	}
	if (!ps->section) {
		/* A bad header was reported already; a key before any header was not. */
		if (!ps->after_bad_header)
			perror_at(ps, "'%s' is outside any section: start with [module]", name);
		return 0;
	}
	if (!isupper((unsigned char)name[0]))
		return handle_rule(ps, name, value);
	handle_setting(ps, name, value);
	return 0;
}

int kvmcfg_policy_parse(Policy **ret, const char *text, const char *filename, PolicyError *err)
{
	static const IniCallbacks callbacks = {
		.section = on_section,
		.key = on_key,
		.error = on_error,
	};
	PolicyError local = {};
	Policy *p = NULL;
	Parser ps;
	int r;

	if (!err)
		err = &local;
	if (!filename)
		filename = "<string>";
	r = policy_new(&p, filename);
	if (r < 0)
		return r;
	ps = (Parser){
		.p = p,
		.file = p->files[0],
		.err = err,
		.errors_at_start = err->n_errors,
	};
	/* Errors go to ps.err and the tokenizer goes on: all of them at once. */
	r = ini_tokenize(text, strlen(text), &callbacks, &ps);
	if (r < 0) {
		kvmcfg_policy_free(p);
		return r;
	}
	if (err->n_errors != ps.errors_at_start) {
		kvmcfg_policy_free(p);
		return -EINVAL;
	}
	resolve_severities(p);
	*ret = p;
	return 0;
}

/* ---- drop-in merge ---- */

static int merge_section(Policy *base, PolicySection *o)
{
	PolicySection *s = find_section(base, o->module);
	size_t i;
	int r;

	if (!s) {
		PolicySection *v = grow(base->sections, base->n_sections, sizeof(*v));

		if (!v)
			return -ENOMEM;
		base->sections = v;
		base->sections[base->n_sections++] = *o;
		*o = (PolicySection){};
		return 0;
	}
	if (o->required_set) {
		s->required = o->required;
		s->required_set = true;
	}
	if (o->severity_set) {
		s->severity = o->severity;
		s->severity_set = true;
	}
	for (i = 0; i < o->n_rules; i++) {
		PolicyRule *old = section_find_rule(s, o->rules[i].module, o->rules[i].param);

		if (old) {
			rule_done(old);
			*old = o->rules[i];
			o->rules[i] = (PolicyRule){};
		} else if ((r = section_add_rule(s, &o->rules[i])) < 0)
			return r;
	}
	return 0;
}

int kvmcfg_policy_merge(Policy *base, Policy *overlay)
{
	size_t nb = 0, no = 0, i;
	char **files;
	int r = 0;

	while (base->files[nb])
		nb++;
	while (overlay->files[no])
		no++;
	/* Move the file names first: the overlay's rules point into them. */
	files = realloc(base->files, (nb + no + 1) * sizeof(*files));
	if (!files) {
		kvmcfg_policy_free(overlay);
		return -ENOMEM;
	}
	base->files = files;
	memcpy(files + nb, overlay->files, (no + 1) * sizeof(*files));
	overlay->files[0] = NULL;
	for (i = 0; i < overlay->n_sections && r == 0; i++)
		r = merge_section(base, &overlay->sections[i]);
	if (overlay->import_modprobe_set) {
		base->import_modprobe = overlay->import_modprobe;
		base->import_modprobe_set = true;
	}
	resolve_severities(base);
	kvmcfg_policy_free(overlay);
	return r;
}

int kvmcfg_policy_add_rule_internal(Policy *p, const char *module, const char *param,
				    const char *value, const char *origin)
{
	PolicySection *s = find_section(p, module);
	PolicyRule rule = {};
	const char *file = NULL;
	size_t n;
	int r;

	/* Intern the origin among the policy's files so rules can point at it. */
	for (n = 0; p->files[n]; n++)
		if (!strcmp(p->files[n], origin))
			file = p->files[n];
	if (!file) {
		char **files = realloc(p->files, (n + 2) * sizeof(*files));

		if (!files)
			return -ENOMEM;
		p->files = files;
		files[n] = strdup(origin);
		files[n + 1] = NULL;
		if (!files[n])
			return -ENOMEM;
		file = files[n];
	}
	if (!s) {
		s = add_section(p, module, file, 0);
		if (!s)
			return -ENOMEM;
		s->required = false;
		s->severity = POLICY_SEVERITY_WARN;
	}
	r = kvmcfg_matcher_parse(&rule.matcher, value, NULL);
	if (r < 0)
		return r;
	rule.module = name_normalize(module, strlen(module));
	rule.param = name_normalize(param, strlen(param));
	rule.file = file;
	rule.severity = s->severity;
	if (!rule.module || !rule.param) {
		rule_done(&rule);
		return -ENOMEM;
	}
	{
		PolicyRule *old = section_find_rule(s, module, param);

		if (old) {
			rule_done(old);
			*old = rule;
			return 0;
		}
	}
	r = section_add_rule(s, &rule);
	rule_done(&rule);
	return r;
}
