/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The config matrix: axes such as kvm.tdp_mmu={0,1}, their cartesian
 * product, and which axes apply to this host. Pure: parsing and planning do
 * no I/O; host facts come in as a struct the caller filled.
 *
 * Grammar (one source = a --matrix argument or a whole file):
 *   source := axis { ('x' | ';' | newline) axis }      '#' starts a comment
 *   axis   := module '.' param '=' ( value | '{' value { ',' value } '}' )
 * Module names are normalised: kvm-amd and kvm_amd are the same module.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>

struct matrix_axis {
	char *module; /* normalised: '-' -> '_' */
	char *param;
	char **values; /* n_values strings */
	size_t n_values;
	char *note; /* non-NULL: dropped, and why */
};

struct matrix {
	struct matrix_axis *axes;
	size_t n_axes;
};

/* Where a source failed to parse; message is static text. */
struct matrix_error {
	unsigned int line, column;
	const char *message;
};

int matrix_new(struct matrix **ret);
struct matrix *matrix_free(struct matrix *m);
static inline void matrix_freep(struct matrix **m)
{
	matrix_free(*m);
}

/*
 * Parse @text and append its axes to @m. On -EINVAL, *err says where and
 * what; @m keeps the axes of earlier sources. A module.param given twice
 * (in any source) is -EEXIST, also with *err filled.
 */
int matrix_parse(struct matrix *m, const char *text, struct matrix_error *err);

/* What the runner knows about the host, for deciding which axes apply. */
struct matrix_host {
	const char *vendor_module; /* "kvm_amd", "kvm_intel" */
	char **kvm_params;	   /* NULL-terminated; NULL = unknown */
	char **vendor_params;	   /* NULL-terminated; NULL = unknown */
	bool cpu_sev, cpu_sev_es;  /* /proc/cpuinfo flags */
};

/*
 * Mark the axes that cannot apply on @host as dropped, each with a note
 * (the other vendor's module, a param the module lacks, SEV without the
 * CPU flag, a module the runner does not reload). Returns the number of
 * axes dropped, or -ENOMEM.
 */
int matrix_apply_host(struct matrix *m, const struct matrix_host *host);

/* Configs in the product of the active (not dropped) axes; 0 if none. */
size_t matrix_n_configs(const struct matrix *m);

/*
 * The value index of every axis in config @index (0-based, last axis
 * varies fastest); dropped axes get SIZE_MAX. @choice holds n_axes slots.
 */
void matrix_config(const struct matrix *m, size_t index, size_t *choice);

/* The active axis count. */
size_t matrix_n_active(const struct matrix *m);
