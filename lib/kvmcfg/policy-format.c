// SPDX-License-Identifier: GPL-2.0-only
/*
 * The effective policy written back as policy text: what `kvmcfgctl
 * validate --print` shows after drop-ins and modprobe import, and what the
 * parser tests compare against.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "policy.h"

int kvmcfg_policy_format(const Policy *p, char **ret)
{
	char *buf = NULL;
	size_t len = 0, i, j;
	FILE *o;

	o = open_memstream(&buf, &len);
	if (!o)
		return -ENOMEM;
	if (p->import_modprobe_set)
		fprintf(o, "[Policy]\nImportModprobe = %s\n", p->import_modprobe ? "yes" : "no");
	for (i = 0; i < p->n_sections; i++) {
		const PolicySection *s = &p->sections[i];

		fprintf(o, "%s[%s]\n", ftell(o) ? "\n" : "", s->module);
		fprintf(o, "Required = %s\n", s->required ? "yes" : "no");
		fprintf(o, "Severity = %s\n", kvmcfg_policy_severity_to_string(s->severity));
		for (j = 0; j < s->n_rules; j++) {
			const PolicyRule *r = &s->rules[j];

			if (strcmp(r->module, s->module))
				fprintf(o, "%s.", r->module);
			fprintf(o, "%s = %s @%s ; %s:%u\n", r->param, r->matcher.text,
				kvmcfg_policy_severity_to_string(r->severity), r->file, r->line);
		}
	}
	if (fclose(o) != 0 || !buf) {
		free(buf);
		return -ENOMEM;
	}
	*ret = buf;
	return 0;
}
