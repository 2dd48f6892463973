/* SPDX-License-Identifier: GPL-2.0-only */
/* A plain aligned text table for kvmcfgctl's human output. */
#pragma once

#include <stdio.h>

#include "macro.h"

typedef struct Table Table;

/* @header: column titles, NULL-terminated. */
int table_new(Table **ret, const char *const *header);
Table *table_free(Table *t);
DEFINE_TRIVIAL_CLEANUP_FUNC(Table *, table_free);

/* One row: exactly as many cells as header columns (NULL prints as "-"). */
int table_add(Table *t, const char *const *cells);
/* Print with columns padded to their widest cell; the last column is not padded. */
void table_print(const Table *t, FILE *out);
size_t table_rows(const Table *t);
